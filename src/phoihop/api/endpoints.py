"""Tokens and the current person."""

from __future__ import annotations

import datetime as dt

from django.contrib.auth import authenticate
from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from ninja import Router, Schema
from ninja.errors import HttpError

from phoihop.api.models import ApiToken
from phoihop.api.services import token_issue, token_revoke
from phoihop.orgs import access
from phoihop.orgs.selectors import user_memberships

router = Router(tags=["auth"])


class TokenIn(Schema):
    username: str
    password: str
    name: str = ""
    otp: str = ""


class TokenOut(Schema):
    token: str
    expires_at: dt.datetime | None


class TokenInfo(Schema):
    id: int
    name: str
    prefix: str
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


_WRONG = "Invalid credentials"


@router.post("/auth/token", auth=None, response={200: TokenOut}, summary="Exchange username and password for a token")
def auth_token(request: HttpRequest, payload: TokenIn) -> dict:
    # The same backends as the web login, axes included, so lockout applies here too.
    user = authenticate(request, username=payload.username, password=payload.password)
    if user is None or not user.is_active:
        raise HttpError(401, _WRONG)
    if access.is_system_admin(user):
        from django.conf import settings
        from django_otp import match_token

        if settings.PHOIHOP_REQUIRE_ADMIN_2FA and (not payload.otp or match_token(user, payload.otp) is None):
            raise HttpError(401, _WRONG)
    token, raw = token_issue(user=user, name=payload.name)
    return {"token": raw, "expires_at": token.expires_at}


@router.get("/auth/tokens", response=list[TokenInfo], summary="List my tokens")
def auth_tokens(request: HttpRequest) -> list[ApiToken]:
    return list(ApiToken.objects.filter(user=request.auth).order_by("-created_at")[:200])


@router.delete("/auth/tokens/{token_id}", response={204: None}, summary="Revoke one of my tokens")
def auth_token_revoke(request: HttpRequest, token_id: int) -> tuple[int, None]:
    # Someone else's token answers 404 like any record outside one's scope.
    token = get_object_or_404(ApiToken, pk=token_id, user=request.auth)
    token_revoke(actor=request.auth, token=token)
    return 204, None


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
