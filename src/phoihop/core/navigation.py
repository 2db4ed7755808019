"""The main navigation. Modules add their entry in their AppConfig.ready():

    navigation.register("orgs", _("Organisations"), "orgs:unit-tree", order=20)

An entry shows only when its `visible(request)` says so, so the menu shows what exists and
what the person may use.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.http import HttpRequest
from django.urls import reverse


@dataclass(frozen=True)
class Entry:
    key: str
    label: Any
    url_name: str
    order: int
    visible: Callable[[HttpRequest], bool]


_entries: dict[str, Entry] = {}


def register(
    key: str,
    label: Any,
    url_name: str,
    *,
    order: int = 50,
    visible: Callable[[HttpRequest], bool] | None = None,
) -> None:
    _entries[key] = Entry(key, label, url_name, order, visible or (lambda request: True))


def entries_for(request: HttpRequest) -> list[dict[str, Any]]:
    result = []
    for entry in sorted(_entries.values(), key=lambda e: e.order):
        if entry.visible(request):
            url = reverse(entry.url_name)
            active = request.path == url if url == "/" else request.path.startswith(url)
            result.append({"key": entry.key, "label": entry.label, "url": url, "active": active})
    return result
