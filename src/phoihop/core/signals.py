"""Logins, logouts and failed logins go to the audit trail like any other change."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver

from phoihop.core.audit import audit_record, current_ip


def _remember_ip(request: Any) -> None:
    if request is not None:
        from phoihop.core.middleware import client_ip  # the proxy-aware address

        current_ip.set(client_ip(request))


@receiver(user_logged_in)
def _audit_login(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    _remember_ip(request)
    audit_record(actor=user, verb="auth.login", target=user)


@receiver(user_logged_out)
def _audit_logout(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    if user is None:
        return
    _remember_ip(request)
    audit_record(actor=user, verb="auth.logout", target=user)


@receiver(user_login_failed)
def _audit_login_failed(sender: Any, credentials: dict[str, Any], request: Any = None, **kwargs: Any) -> None:
    _remember_ip(request)
    # Never store the attempted password; the username tells the admin whose account is targeted.
    audit_record(actor=None, verb="auth.login_failed", note=str(credentials.get("username", ""))[:150])
