from django.urls import path

from phoihop.criticism import views

app_name = "criticism"

urlpatterns = [
    path("", views.critique_list, name="critique-list"),
    path("new/", views.critique_create, name="critique-create"),
    path("<int:pk>/", views.critique_detail, name="critique-detail"),
    path("<int:pk>/invite/", views.critique_invite, name="critique-invite"),
    path("<int:pk>/experts/", views.critique_expert_add, name="critique-expert-add"),
    path("<int:pk>/open/", views.critique_open, name="critique-open"),
    path("<int:pk>/versions/new/", views.version_add, name="version-add"),
    path("<int:pk>/versions/<int:number>/file/", views.version_file, name="version-file"),
    path("<int:pk>/opinions/", views.opinion_give, name="opinion-give"),
    path("<int:pk>/consolidate/", views.critique_consolidate, name="critique-consolidate"),
    path("<int:pk>/issue/", views.critique_issue, name="critique-issue"),
    path("<int:pk>/dispositions/", views.dispositions_form, name="dispositions"),
    path("<int:pk>/close/", views.critique_close, name="critique-close"),
    path("<int:pk>/document.<str:extension>", views.critique_document_download, name="critique-document"),
    path("<int:pk>/table.<str:extension>", views.disposition_table_download, name="disposition-table"),
]
