"""The module's endpoints under /api/v1/oversight."""

from ninja import Router

router = Router(tags=["oversight"])
