"""Start-up checks: production refuses to run with a missing or placeholder secret key."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.checks import Error, Tags, Warning, register
from django.core.exceptions import ImproperlyConfigured


def secret_key_problem() -> str | None:
    if not settings.PRODUCTION:
        return None
    if not settings.SECRET_KEY_FROM_ENV:
        return "SECRET_KEY is not set. Production mode needs a long random SECRET_KEY (or SECRET_KEY_FILE)."
    if settings.SECRET_KEY == settings.DEFAULT_SECRET_KEY or len(settings.SECRET_KEY) < 32:
        return "SECRET_KEY is the placeholder from .env.example or shorter than 32 characters."
    return None


def refuse_unsafe_production() -> None:
    """Raise before serving a single request when production is misconfigured."""
    problem = secret_key_problem()
    if problem:
        raise ImproperlyConfigured(problem)


# Not deploy-only: in production every command (migrate, serve) refuses a bad key.
@register(Tags.security)
def check_secret_key(app_configs: Any, **kwargs: Any) -> list[Any]:
    problem = secret_key_problem()
    return [Error(problem, id="phoihop.E001")] if problem else []


@register(Tags.security, deploy=True)
def check_admin_two_factor(app_configs: Any, **kwargs: Any) -> list[Any]:
    if not settings.PHOIHOP_REQUIRE_ADMIN_2FA:
        return [
            Warning(
                "PHOIHOP_REQUIRE_ADMIN_2FA is off: system admins log in without a second factor.",
                id="phoihop.W001",
            )
        ]
    return []
