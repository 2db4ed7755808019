"""Pages of insights, mounted at /insights/: one block per feature, so the two insights engineers merge cleanly."""

from django.urls import path

from phoihop.insights import report_urls, views_dashboard

app_name = "insights"

urlpatterns: list = [
    # Dashboard and scorecards (views_dashboard.py)
    path("", views_dashboard.dashboard, name="dashboard"),
    path("units/<int:pk>/", views_dashboard.scorecard, name="scorecard"),
    # Review reports and urging letters (views_report.py; their paths in report_urls.py)
    *report_urls.urlpatterns,
]
