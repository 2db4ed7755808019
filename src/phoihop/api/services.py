"""Issue, use and revoke API tokens."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from phoihop.api.models import ApiToken
from phoihop.core.audit import audit_record

TOKEN_PREFIX = "ph_"
# Write last use at most this often: a busy integration should not write on every call.
LAST_USED_PRECISION = dt.timedelta(minutes=1)


def _digest(raw: str) -> str:
    # The secret has 256 random bits, so a plain SHA-256 is enough: nothing to brute-force.
    return hashlib.sha256(raw.encode("utf-8")).hexdigest()


@transaction.atomic
def token_issue(*, user: Any, name: str = "") -> tuple[ApiToken, str]:
    """Create a token for `user` and return it with the raw secret (shown once, never stored).

    Tokens expire after PHOIHOP_API_TOKEN_DAYS (0 = never) so a forgotten one stops working.
    """
    raw = TOKEN_PREFIX + secrets.token_urlsafe(32)
    days = settings.PHOIHOP_API_TOKEN_DAYS
    token = ApiToken.objects.create(
        user=user,
        name=name[:100],
        prefix=raw[:10],
        key_hash=_digest(raw),
        expires_at=timezone.now() + dt.timedelta(days=days) if days else None,
    )
    audit_record(actor=user, verb="api_token.issued", target=token, changes={"name": [None, token.name]})
    return token, raw


def token_authenticate(*, raw: str) -> Any:
    """Return the active user behind a usable token, or None (the caller answers 401).

    Revoked and expired tokens and tokens of deactivated accounts all give None, so the caller
    cannot tell them apart from an unknown token — nor can whoever holds the token.
    """
    token = ApiToken.objects.select_related("user").filter(key_hash=_digest(raw)).first()
    if token is None or not token.is_usable or not token.user.is_active:
        return None
    now = timezone.now()
    if token.last_used_at is None or now - token.last_used_at > LAST_USED_PRECISION:
        # update(), not save(): no updated_at bump and no race with a concurrent revoke.
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token.user


@transaction.atomic
def token_revoke(*, actor: Any, token: ApiToken) -> ApiToken:
    """Revoke a token for good (revoking twice is harmless and records one event)."""
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at", "updated_at"])
        audit_record(actor=actor, verb="api_token.revoked", target=token)
    return token
