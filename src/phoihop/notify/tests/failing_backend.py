"""An e-mail backend whose server refuses everything (to test that a failed send is retried)."""

from __future__ import annotations

from django.core.mail.backends.base import BaseEmailBackend


class Refusing(BaseEmailBackend):
    def send_messages(self, email_messages):
        raise OSError("the mail server refused the connection")
