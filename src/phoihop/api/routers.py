"""Mount each module's router under /api/v1. New modules add one line here."""

from __future__ import annotations

from ninja import NinjaAPI


def mount(api: NinjaAPI) -> None:
    from phoihop.agreements.api import router as agreements_router
    from phoihop.api.endpoints import router as auth_router
    from phoihop.criticism.api import router as criticism_router
    from phoihop.insights.api import router as insights_router
    from phoihop.meetings.api import router as meetings_router
    from phoihop.notify.api import router as notify_router
    from phoihop.orgs.api import router as orgs_router
    from phoihop.oversight.api import router as oversight_router
    from phoihop.reporting.api import router as reporting_router
    from phoihop.tasks.api import router as tasks_router

    api.add_router("/", auth_router)
    api.add_router("/orgs", orgs_router)
    api.add_router("/agreements", agreements_router)
    api.add_router("/reporting", reporting_router)
    api.add_router("/notifications", notify_router)
    api.add_router("/tasks", tasks_router)
    api.add_router("/meetings", meetings_router)
    api.add_router("/oversight", oversight_router)
    api.add_router("/criticism", criticism_router)
    api.add_router("/insights", insights_router)
