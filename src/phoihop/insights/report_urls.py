"""Pages of the review reports and urging letters, included by insights/urls.py (one block per feature)."""

from django.urls import path

from phoihop.insights import views_report

urlpatterns = [
    path("agreements/<int:agreement_pk>/reports/", views_report.report_list, name="report-list"),
    path("reports/<int:pk>/", views_report.report_detail, name="report-detail"),
    path("reports/<int:pk>/save/", views_report.report_save, name="report-save"),
    path("reports/<int:pk>/upload/", views_report.report_upload, name="report-upload"),
    path("reports/<int:pk>/issue/", views_report.report_issue, name="report-issue"),
    path(
        "reports/<int:pk>/versions/<int:number>.<str:extension>",
        views_report.report_download,
        name="report-download",
    ),
    path("units/<int:unit_pk>/letters/", views_report.unit_letters, name="unit-letters"),
    path("letters/<int:pk>/", views_report.letter_detail, name="letter-detail"),
    path("letters/<int:pk>/send/", views_report.letter_send, name="letter-send"),
    path("letters/<int:pk>/letter.docx", views_report.letter_download, name="letter-download"),
]
