from __future__ import annotations

import logging
import time
from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils import translation

from phoihop.core.audit import current_ip

request_log = logging.getLogger("phoihop.request")


def client_ip(request: HttpRequest) -> str | None:
    """Return the address of the person's machine, for the audit trail, the log and the lockout.

    Behind our reverse proxy REMOTE_ADDR is the proxy itself, so every person would share one
    address (and one lockout). Each trusted proxy appends the address it saw to X-Forwarded-For;
    the entry PHOIHOP_PROXY_COUNT places from the right is the one the outermost proxy saw.
    Entries further left were written by the client and could be forged, so they are ignored.
    """
    remote = request.META.get("REMOTE_ADDR") or None
    if not settings.PHOIHOP_BEHIND_PROXY:
        return remote
    forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if part.strip()]
    count = max(settings.PHOIHOP_PROXY_COUNT, 1)
    if len(forwarded) >= count:
        return forwarded[-count]
    return remote


class RequestLogMiddleware:
    """Log one line per request: method, path, status, duration, user, address (JSON in production)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        started = time.perf_counter()
        ip = client_ip(request)
        token = current_ip.set(ip)
        try:
            response = self.get_response(request)
        finally:
            current_ip.reset(token)
        user = getattr(request, "user", None)
        request_log.info(
            "%s %s %s",
            request.method,
            request.path,
            response.status_code,
            extra={
                "method": request.method,
                "path": request.path,
                "status": response.status_code,
                "duration_ms": round((time.perf_counter() - started) * 1000, 1),
                "user_id": user.pk if user is not None and user.is_authenticated else None,
                "ip": ip,
            },
        )
        return response


class UserLanguageMiddleware:
    """Activate the language the person chose (Vietnamese by default).

    Runs before authentication, so it reads the choice from the session, where login and the
    language switch put it.
    """

    session_key = "phoihop_language"

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        language = request.session.get(self.session_key) or settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = language
        response = self.get_response(request)
        response.headers.setdefault("Content-Language", language)
        translation.deactivate()
        return response
