"""The module's endpoints under /api/v1/tasks."""

from ninja import Router

router = Router(tags=["tasks"])
