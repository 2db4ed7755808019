"""Tokens and the current person."""

from __future__ import annotations

import datetime as dt

from axes.handlers.proxy import AxesProxyHandler
from axes.helpers import get_client_ip_address, get_cool_off
from django.conf import settings
from django.contrib.auth import authenticate
from django.contrib.auth.models import update_last_login
from django.contrib.auth.signals import user_login_failed
from django.db.models import QuerySet
from django.http import HttpRequest
from django_otp.plugins.otp_totp.models import TOTPDevice
from ninja import Field, Router, Schema
from ninja.errors import AuthenticationError
from ninja.pagination import paginate
from ninja.responses import Status

from phoihop.api.errors import LockedOut
from phoihop.api.models import ApiToken
from phoihop.api.pagination import Page
from phoihop.api.selectors import token_get_for_user, token_list_for_user
from phoihop.api.services import token_issue, token_revoke
from phoihop.orgs import access
from phoihop.orgs.selectors import user_memberships

router = Router(tags=["auth"])


class TokenIn(Schema):
    username: str = Field(..., max_length=254, description="Username or e-mail address.")
    password: str = Field(..., max_length=4096)
    name: str = Field("", max_length=100, description="A label to recognise the token by, e.g. the script using it.")
    otp: str = Field("", max_length=16, description="System administrators: the current code of their TOTP app.")


class TokenOut(Schema):
    token: str = Field(..., description="Shown once; only a hash is stored.")
    expires_at: dt.datetime | None


class TokenInfo(Schema):
    id: int
    name: str
    prefix: str = Field(..., description="The first characters of the token, to recognise it.")
    created_at: dt.datetime
    expires_at: dt.datetime | None
    last_used_at: dt.datetime | None
    revoked_at: dt.datetime | None


class MembershipOut(Schema):
    unit_code: str
    unit_name: str
    role: str
    title: str


class MeOut(Schema):
    username: str
    full_name: str
    email: str
    language: str
    is_system_admin: bool
    memberships: list[MembershipOut]


def _refuse_if_locked_out(request: HttpRequest) -> None:
    """Answer 429 when django-axes has just locked this account from this address."""
    if getattr(request, "axes_locked_out", False):
        # We answer in JSON ourselves; left set, the flag makes AxesMiddleware swap our answer
        # for its HTML lockout page.
        request.axes_locked_out = False
        cool_off = get_cool_off(request)
        raise LockedOut(int(cool_off.total_seconds()) if cool_off else None)


def _second_factor_passed(user: object, code: str) -> bool:
    """System admins need a current code from a confirmed TOTP device, as on the web (orgs.views.two_factor)."""
    if not settings.PHOIHOP_REQUIRE_ADMIN_2FA or not access.is_system_admin(user):
        return True
    code = "".join(code.split())  # apps show "123 456"; people type it as they see it (as on the web)
    # Without a confirmed device there is no code to check: enrolment happens on the web first.
    return bool(code) and any(d.verify_token(code) for d in TOTPDevice.objects.filter(user=user, confirmed=True))


@router.post(
    "/auth/token",
    auth=None,
    response={200: TokenOut},
    summary="Exchange username and password (and a TOTP code for system administrators) for a token",
)
def auth_token(request: HttpRequest, payload: TokenIn) -> dict:
    # The same backends as the web login, axes first, so the lockout applies here too.
    user = authenticate(request, username=payload.username, password=payload.password)
    _refuse_if_locked_out(request)
    if user is None:
        raise AuthenticationError()
    if not _second_factor_passed(user, payload.otp):
        # A wrong code counts as a failed login: otherwise whoever has the password could try
        # codes here without ever being locked out.
        user_login_failed.send(sender=__name__, credentials={"username": payload.username}, request=request)
        _refuse_if_locked_out(request)
        raise AuthenticationError()
    if settings.AXES_RESET_ON_SUCCESS:
        # What the web login does on success. Not through the user_logged_in signal: axes'
        # receiver would create a browser session for a client that never uses one.
        AxesProxyHandler.reset_attempts(ip_address=get_client_ip_address(request), username=payload.username)
    update_last_login(None, user)
    token, raw = token_issue(user=user, name=payload.name)
    return {"token": raw, "expires_at": token.expires_at}


@router.get("/auth/tokens", response=list[TokenInfo], summary="List my tokens (never their secret)")
@paginate(Page)
def auth_tokens(request: HttpRequest) -> QuerySet[ApiToken]:
    return token_list_for_user(user=request.auth)


@router.delete("/auth/tokens/{token_id}", response={204: None}, summary="Revoke one of my tokens")
def auth_token_revoke(request: HttpRequest, token_id: int) -> Status[None]:
    token = token_get_for_user(user=request.auth, token_id=token_id)
    token_revoke(actor=request.auth, token=token)
    return Status(204, None)


@router.get("/me", response=MeOut, summary="The current person and their memberships")
def me(request: HttpRequest) -> dict:
    user = request.auth
    return {
        "username": user.username,
        "full_name": user.full_name,
        "email": user.email,
        "language": user.language,
        "is_system_admin": access.is_system_admin(user),
        "memberships": [
            {"unit_code": m.unit.code, "unit_name": m.unit.name, "role": m.role, "title": m.title}
            for m in user_memberships(user=user)
        ],
    }
