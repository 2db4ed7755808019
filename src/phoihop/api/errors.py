"""How /api/v1 answers when something goes wrong: always JSON, always the same shapes.

- 401: one message for every authentication failure (wrong password, unknown user, disabled
  account, missing, unknown, expired or revoked token, missing second factor), so a caller
  never learns which part was wrong.
- 403: visible but not allowed (orgs.access raises PermissionDenied); also a failed CSRF check.
- 404: outside the person's scope or absent; the two are deliberately indistinguishable.
- 422: a service refused the data; its field messages come back in the same shape as ninja's
  own schema errors (`{"detail": [{"loc": ["body", field], "msg": ...}]}`).
- 429: locked out after repeated failed logins (django-axes).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja.errors import AuthenticationError

if TYPE_CHECKING:
    from ninja import NinjaAPI


class LockedOut(Exception):
    """Too many failed logins for this account from this address (django-axes said so)."""

    def __init__(self, retry_after_seconds: int | None = None) -> None:
        self.retry_after_seconds = retry_after_seconds
        super().__init__("locked out")


def unauthorized_message() -> str:
    # Translators: the one answer of the API to every failed authentication; it must not say
    # which part (name, password, code or token) was wrong.
    return _("Authentication failed. Check your credentials or token.")


def validation_detail(exc: DjangoValidationError) -> list[dict[str, Any]]:
    """Turn a service's ValidationError into ninja's 422 shape, one entry per message."""
    if hasattr(exc, "error_dict"):
        pairs = [(field, messages) for field, messages in exc.message_dict.items()]
    else:
        pairs = [(NON_FIELD_ERRORS, exc.messages)]
    return [
        {
            "loc": ["body"] if field == NON_FIELD_ERRORS else ["body", field],
            "msg": str(message),
            "type": "value_error",
        }
        for field, messages in pairs
        for message in messages
    ]


def install(api: NinjaAPI) -> None:
    """Register the handlers on the API (ninja looks them up along the exception's MRO)."""

    def unauthorized(request: HttpRequest, exc: Exception) -> HttpResponse:
        response = api.create_response(request, {"detail": unauthorized_message()}, status=401)
        response["WWW-Authenticate"] = 'Bearer realm="phoihop"'
        return response

    def forbidden(request: HttpRequest, exc: Exception) -> HttpResponse:
        return api.create_response(request, {"detail": _("You do not have permission to do this.")}, status=403)

    def not_found(request: HttpRequest, exc: Exception) -> HttpResponse:
        # Never the exception's text: it could name the record that was looked for.
        return api.create_response(request, {"detail": _("Not found.")}, status=404)

    def invalid(request: HttpRequest, exc: DjangoValidationError) -> HttpResponse:
        return api.create_response(request, {"detail": validation_detail(exc)}, status=422)

    def locked_out(request: HttpRequest, exc: LockedOut) -> HttpResponse:
        response = api.create_response(
            request, {"detail": _("Too many failed login attempts. Try again later.")}, status=429
        )
        if exc.retry_after_seconds:
            response["Retry-After"] = str(exc.retry_after_seconds)
        return response

    api.add_exception_handler(AuthenticationError, unauthorized)
    api.add_exception_handler(PermissionDenied, forbidden)
    api.add_exception_handler(Http404, not_found)
    api.add_exception_handler(DjangoValidationError, invalid)
    api.add_exception_handler(LockedOut, locked_out)
