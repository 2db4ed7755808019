"""Background jobs of notify (django-tasks; `phoihop worker` runs them, tests run them at once)."""

from __future__ import annotations

import datetime as dt

from django_tasks import task

from phoihop.notify import emails


@task()
def email_notification(notification_id: int) -> bool:
    """Mail one notification to a person who chose immediate e-mail."""
    return emails.notification_email_send(notification_id=notification_id)


@task()
def email_digest(user_id: int, day: str) -> int:
    """Mail one person's daily digest (`day` as YYYY-MM-DD: task arguments travel as JSON)."""
    return emails.digest_send(user_id=user_id, day=dt.date.fromisoformat(day))
