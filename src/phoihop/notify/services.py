"""Every notification is made here: domain services call `notify()`; run-schedules calls it too."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import translation

from phoihop.notify.models import Notification


def _in_language(text: Any, language: str) -> str:
    """Render a lazy translatable text in the recipient's language ("" stays "")."""
    with translation.override(language or settings.LANGUAGE_CODE):
        return str(text) if text else ""


def notify(
    *,
    recipients: Iterable[Any],
    kind: str,
    title: Any,
    body: Any = "",
    url: str = "",
    unit: Any = None,
    target: str = "",
    key: str = "",
    actor: Any = None,
) -> list[Notification]:
    """Tell each recipient once; return the notifications made now.

    `title` and `body` are lazy translatable texts (gettext_lazy, format_lazy) so that each person
    reads them in their own language. With a `key`, a recipient who already has that key gets
    nothing new: the database's unique constraint decides, so concurrent callers cannot both send.
    The actor is never told about their own act.
    """
    made: list[Notification] = []
    seen: set[int] = set()
    for person in recipients:
        if person is None or person.pk in seen or (actor is not None and person.pk == actor.pk):
            continue
        seen.add(person.pk)
        if not person.is_active:
            continue
        language = getattr(person, "language", "") or settings.LANGUAGE_CODE
        notification = Notification(
            recipient=person,
            kind=kind,
            title=_in_language(title, language)[:300],
            body=_in_language(body, language),
            url=url,
            unit=unit,
            target=target,
            key=key,
            actor=actor,
        )
        try:
            with transaction.atomic():
                notification.save()
        except IntegrityError:
            if not key:
                raise
            continue  # this reminder was already given to this person
        made.append(notification)
    return made
