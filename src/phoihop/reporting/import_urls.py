"""URLs of the DHIS2 interchange pages, included under /reporting/import/ in the "reporting" namespace."""

from django.urls import path

from phoihop.reporting import import_views

urlpatterns = [
    path("", import_views.import_page, name="import"),
    path("jobs/<int:pk>/", import_views.import_job, name="import-job"),
    path("jobs/<int:pk>/progress/", import_views.import_job_progress, name="import-job-progress"),
    path("export/", import_views.values_export, name="values-export"),
]
