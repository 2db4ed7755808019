"""Screens of the coordination agreements, mounted at /agreements/."""

from django.urls import path

from phoihop.agreements import views

app_name = "agreements"

urlpatterns = [
    path("", views.agreement_list, name="agreement-list"),
    path("new/", views.agreement_create, name="agreement-create"),
    path("<int:pk>/", views.agreement_detail, name="agreement-detail"),
    path("<int:pk>/edit/", views.agreement_edit, name="agreement-edit"),
    path("<int:pk>/status/", views.agreement_status, name="agreement-status"),
    path("<int:pk>/delete/", views.agreement_delete, name="agreement-delete"),
    path("<int:pk>/parties/new/", views.party_add, name="party-add"),
    path("<int:pk>/parties/<int:party_pk>/remove/", views.party_remove, name="party-remove"),
    path("<int:pk>/files/new/", views.file_add, name="file-add"),
    path("<int:pk>/files/<int:file_pk>/", views.file_download, name="file-download"),
    path("<int:pk>/amendments/new/", views.amendment_add, name="amendment-add"),
    path("<int:pk>/amendments/<int:amendment_pk>/file/", views.amendment_download, name="amendment-download"),
    path("<int:pk>/duties/new/", views.obligation_create, name="obligation-create"),
    path("duties/<int:pk>/", views.obligation_detail, name="obligation-detail"),
    path("duties/<int:pk>/edit/", views.obligation_edit, name="obligation-edit"),
    path("due/<int:pk>/", views.occurrence_detail, name="occurrence-detail"),
    path("due/<int:pk>/complete/", views.occurrence_complete, name="occurrence-complete"),
    path("due/<int:pk>/reopen/", views.occurrence_reopen, name="occurrence-reopen"),
    path("due/<int:pk>/waive/", views.occurrence_waive, name="occurrence-waive"),
    path("due/<int:pk>/evidence/", views.evidence_add, name="evidence-add"),
    path("due/<int:pk>/evidence/<int:evidence_pk>/", views.evidence_download, name="evidence-download"),
    path("events/", views.event_list, name="event-list"),
    path("events/new/", views.event_create, name="event-create"),
    path("events/<int:pk>/edit/", views.event_edit, name="event-edit"),
    path("events/<int:pk>/delete/", views.event_delete, name="event-delete"),
    path("coverage/", views.coverage, name="coverage"),
    path("my-duties/", views.my_duties, name="my-duties"),
    path("units/<int:pk>/duties/", views.unit_duties, name="unit-duties"),
    path("areas/", views.area_list, name="area-list"),
    path("areas/new/", views.area_create, name="area-create"),
    path("areas/<int:pk>/edit/", views.area_edit, name="area-edit"),
    path("areas/<int:pk>/toggle/", views.area_toggle, name="area-toggle"),
]
