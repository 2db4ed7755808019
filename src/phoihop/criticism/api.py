"""The module's endpoints under /api/v1/criticism."""

from ninja import Router

router = Router(tags=["criticism"])
