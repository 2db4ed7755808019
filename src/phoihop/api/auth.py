"""Who is calling /api/v1: a bearer token (integrations, scripts) or the browser's session.

The two are tried in that order. Whatever fails answers the same 401 (api.errors).
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja.errors import AuthenticationError, HttpError
from ninja.security import APIKeyCookie, HttpBearer
from ninja.utils import check_csrf

from phoihop.orgs import access


class BearerTokenAuth(HttpBearer):
    """`Authorization: Bearer <token>`.

    A request that carries an Authorization header is judged by that header alone: a bad token
    answers 401 at once instead of falling back to a session cookie the same client may hold,
    so a script never silently runs as whoever is logged in in the browser.
    """

    def __call__(self, request: HttpRequest) -> Any:
        header = request.headers.get(self.header)
        if not header:
            return None  # no header: let the session have its turn
        scheme, _sep, token = header.partition(" ")
        if scheme.lower() != self.openapi_scheme or not token.strip():
            raise AuthenticationError()
        return self.authenticate(request, token.strip())

    def authenticate(self, request: HttpRequest, token: str) -> Any:
        from phoihop.api.services import token_authenticate

        user = token_authenticate(raw=token)
        if user is None:
            raise AuthenticationError()
        # Code below the API (services, selectors, the audit trail) reads request.user.
        request.user = user
        return user


class SessionAuth(APIKeyCookie):
    """The browser's session, so pages (and the docs' "Try it out") can call the API directly.

    A cookie is sent by the browser on its own, so writes must prove they come from our pages:
    unsafe methods pass Django's CSRF check (X-CSRFToken header), as every form does. Only a
    request that the session would actually authenticate is checked, so an anonymous POST gets
    the same 401 as any other failed authentication rather than a CSRF error.

    The web sends a system admin who has not passed TOTP to the code page; /api/ is exempt from
    that redirect (orgs.middleware), so the same rule is enforced here: no session access for a
    system admin before the second factor.
    """

    def __init__(self) -> None:
        self.param_name = settings.SESSION_COOKIE_NAME  # for the OpenAPI security scheme
        super().__init__(csrf=True)

    def __call__(self, request: HttpRequest) -> Any:
        return self.authenticate(request, request.COOKIES.get(self.param_name))

    def authenticate(self, request: HttpRequest, key: str | None) -> Any:
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated or not user.is_active:
            return None
        if settings.PHOIHOP_REQUIRE_ADMIN_2FA and access.is_system_admin(user):
            is_verified = getattr(user, "is_verified", None)
            if is_verified is None or not is_verified():
                return None
        if not getattr(request, "_ninja_csrf_exempt", False) and check_csrf(request) is not None:
            raise HttpError(
                403, _("The request did not come from a phoihop page (CSRF check failed). Reload the page.")
            )
        return user
