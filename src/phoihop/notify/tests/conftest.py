"""Fixtures of the notify tests: a provider the test fills with due items."""

from __future__ import annotations

import pytest

from phoihop.notify import schedules


@pytest.fixture
def due_items():
    """A list the test appends DueItems to; the engine reads it as a registered provider."""
    items: list[schedules.DueItem] = []

    def provider(*, today, horizon):
        return [item for item in items if item.due_on <= horizon]

    schedules.register("test", provider)
    yield items
    schedules.unregister("test")
