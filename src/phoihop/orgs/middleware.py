from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import urlencode

from phoihop.orgs.access import is_system_admin

# Paths a system admin may reach before passing the second factor.
_OPEN_PREFIXES = (
    "/account/2fa/",
    "/account/logout/",
    "/account/language/",
    "/static/",
    "/healthz",
    "/i18n/",
    "/api/",
)


class RequireAdminTwoFactorMiddleware:
    """Send a system admin who has not passed TOTP in this session to set it up or enter a code.

    The API is exempt here because API tokens are issued only after the same check
    (api.auth refuses token creation for an admin without a confirmed device).
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = request.user
        # Templates hide the menu and search box while the second step is pending: every
        # link there would only bounce back to the code page.
        request.two_factor_pending = (
            settings.PHOIHOP_REQUIRE_ADMIN_2FA
            and user.is_authenticated
            and not user.is_verified()
            and is_system_admin(user)
        )
        if request.two_factor_pending and not request.path.startswith(_OPEN_PREFIXES):
            return redirect(f"{reverse('orgs:two-factor')}?{urlencode({'next': request.get_full_path()})}")
        return self.get_response(request)
