"""Panels other modules add to each unit's page, without orgs importing them (layering: orgs is below).

A module registers a callable in its AppConfig.ready():

    panels.register("insights.scorecard", render_panel)  # render_panel(request, unit) -> str | None

The unit page calls each in the order registered and shows the HTML it returns (None: nothing).
The callable must do its own access checks for what it shows; the page has already checked
that the reader may see the unit.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.utils.safestring import SafeString, mark_safe

Panel = Callable[[Any, Any], str | None]

_panels: dict[str, Panel] = {}


def register(name: str, render: Panel) -> None:
    _panels[name] = render


def render_all(request: Any, unit: Any) -> list[SafeString]:
    """Return the HTML of every registered panel for the unit, skipping those that return nothing."""
    parts = []
    for render in _panels.values():
        html = render(request, unit)
        if html:
            # The panels render templates (autoescaped); their output is HTML by contract.
            parts.append(mark_safe(html))
    return parts
