"""The two htmx helpers every view uses (STYLE.md §4)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.cache import patch_vary_headers


def is_htmx(request: HttpRequest) -> bool:
    return request.headers.get("HX-Request") == "true" and request.headers.get("HX-Boosted") != "true"


def render_page_or_fragment(
    request: HttpRequest, page: str, fragment: str, context: dict[str, Any], status: int = 200
) -> HttpResponse:
    """Render the fragment for htmx requests and the full page otherwise.

    Vary: HX-Request keeps caches from serving one in place of the other.
    """
    response = render(request, fragment if is_htmx(request) else page, context, status=status)
    patch_vary_headers(response, ["HX-Request"])
    return response


def redirect_after_change(request: HttpRequest, url: str) -> HttpResponse:
    """After a create or change: htmx follows an HX-Redirect header, a plain form a 302 (STYLE.md §4)."""
    if is_htmx(request):
        response = HttpResponse(status=204)
        response["HX-Redirect"] = url
        return response
    return redirect(url)
