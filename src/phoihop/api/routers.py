"""Mount each module's router under /api/v1. New modules add one line here."""

from __future__ import annotations

from ninja import NinjaAPI


def mount(api: NinjaAPI) -> None:
    from phoihop.agreements.api import router as agreements_router
    from phoihop.api.endpoints import router as auth_router
    from phoihop.orgs.api import router as orgs_router
    from phoihop.reporting.api import router as reporting_router

    api.add_router("/", auth_router)
    api.add_router("/orgs", orgs_router)
    api.add_router("/agreements", agreements_router)
    api.add_router("/reporting", reporting_router)
