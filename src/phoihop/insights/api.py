"""The module's endpoints under /api/v1/insights."""

from ninja import Router

router = Router(tags=["insights"])
