from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja.security import APIKeyCookie, HttpBearer


class BearerTokenAuth(HttpBearer):
    """Authorization: Bearer <token>. Unknown, expired or revoked tokens and disabled accounts get 401."""

    def authenticate(self, request: HttpRequest, token: str) -> Any:
        from phoihop.api.services import token_authenticate

        user = token_authenticate(raw=token)
        if user is not None:
            request.user = user
        return user


class SessionAuth(APIKeyCookie):
    """The browser's session (with CSRF for writes), so pages can call the API directly."""

    param_name = "sessionid"

    def authenticate(self, request: HttpRequest, key: str | None) -> Any:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and user.is_active:
            return user
        return None
