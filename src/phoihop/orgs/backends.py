from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.db.models import Q


class UsernameOrEmailBackend(ModelBackend):
    """Log in with a username or an e-mail address and a password."""

    def authenticate(self, request: Any, username: str | None = None, password: str | None = None, **kwargs: Any):
        if username is None or password is None:
            return None
        model = get_user_model()
        candidates = list(model._default_manager.filter(Q(username__iexact=username) | Q(email__iexact=username))[:2])
        if len(candidates) != 1:
            # Run the hasher anyway so an unknown name costs as long as a wrong password.
            model().set_password(password)
            return None
        user = candidates[0]
        if user.check_password(password) and self.user_can_authenticate(user):
            return user
        return None
