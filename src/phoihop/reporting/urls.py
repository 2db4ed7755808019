from django.urls import include, path

from phoihop.reporting import views

app_name = "reporting"

urlpatterns = [
    # Units' reporting
    path("", views.my_reports, name="my-reports"),
    path("review/", views.review_queue, name="review-queue"),
    path("rates/", views.rates, name="rates"),
    path("rates/remind/", views.rates_remind, name="rates-remind"),
    path("pivot/", views.pivot, name="pivot"),
    path("import/", include("phoihop.reporting.import_urls")),  # DHIS2 interchange (import_views.py)
    # Entry and the workflow of one report
    path("forms/<int:form_pk>/units/<int:unit_pk>/<str:period_id>/", views.entry, name="entry"),
    path("submissions/<int:pk>/", views.submission_detail, name="submission-detail"),
    path("submissions/<int:pk>/values/", views.values_save, name="values-save"),
    path("submissions/<int:pk>/submit/", views.submission_submit, name="submission-submit"),
    path("submissions/<int:pk>/approve/", views.submission_approve, name="submission-approve"),
    path("submissions/<int:pk>/return/", views.submission_return, name="submission-return"),
    path("submissions/<int:pk>/accept/", views.submission_accept, name="submission-accept"),
    path("submissions/<int:pk>/unlock/", views.submission_unlock, name="submission-unlock"),
    path("submissions/<int:pk>/comment/", views.submission_comment, name="submission-comment"),
    path(
        "submissions/<int:pk>/comments/<int:comment_pk>/file",
        views.submission_comment_file,
        name="submission-comment-file",
    ),
    path("submissions/<int:pk>/template.xlsx", views.submission_template_xlsx, name="submission-template-xlsx"),
    path("submissions/<int:pk>/upload/", views.submission_upload_xlsx, name="submission-upload-xlsx"),
    path("submissions/<int:pk>/report.docx", views.submission_docx, name="submission-docx"),
    path("submissions/<int:pk>/report.pdf", views.submission_pdf, name="submission-pdf"),
    # Design of forms and indicators
    path("forms/", views.form_list, name="form-list"),
    path("forms/new/", views.form_create, name="form-create"),
    path("forms/<int:pk>/", views.form_detail, name="form-detail"),
    path("forms/<int:pk>/edit/", views.form_edit, name="form-edit"),
    path("forms/<int:pk>/sections/", views.section_add, name="section-add"),
    path("forms/<int:pk>/fields/", views.field_add, name="field-add"),
    path("forms/<int:pk>/fields/<int:field_pk>/remove/", views.field_remove, name="field-remove"),
    path("forms/<int:pk>/rules/", views.rule_add, name="rule-add"),
    path("forms/<int:pk>/rules/<int:rule_pk>/remove/", views.rule_remove, name="rule-remove"),
    path("indicators/", views.indicator_list, name="indicator-list"),
    path("indicators/new/", views.indicator_create, name="indicator-create"),
    path("indicators/<int:pk>/edit/", views.indicator_edit, name="indicator-edit"),
]
