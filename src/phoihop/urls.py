from django.conf import settings
from django.contrib import admin
from django.urls import include, path

from phoihop.api.api import api
from phoihop.core import views as core_views

admin.site.site_header = "phoihop"

urlpatterns = [
    path("healthz", core_views.healthz, name="healthz"),
    path("api/v1/", api.urls),
    path("", include("phoihop.orgs.urls")),
    path("audit/", include("phoihop.core.audit_urls")),
    path("agreements/", include("phoihop.agreements.urls")),
    path("calendar/", include("phoihop.calendar.urls")),
    path("reporting/", include("phoihop.reporting.urls")),
    path("notifications/", include("phoihop.notify.urls")),
    path("tasks/", include("phoihop.tasks.urls")),
    path("meetings/", include("phoihop.meetings.urls")),
    path("oversight/", include("phoihop.oversight.urls")),
    path("criticism/", include("phoihop.criticism.urls")),
    path("insights/", include("phoihop.insights.urls")),
    path("django-admin/", admin.site.urls),
    path("", include("phoihop.core.urls")),
]

if settings.DEBUG:  # pragma: no cover - uploaded files are served by the proxy in production
    from django.conf.urls.static import static

    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
