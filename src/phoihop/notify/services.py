"""Every notification is made here: domain services call `notify()`; run-schedules calls it too.

Also the person's own changes: e-mail preferences (audited) and read marks (not audited: they
are the reader's private state, like a mail program's "seen" flag, not an act on the
organisation's records — auditing every click would bury the trail that matters).
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import partial
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from phoihop.core.audit import audit_record
from phoihop.notify.models import EmailMode, Kind, Notification, Preference


def _in_language(text: Any, language: str) -> str:
    """Render a lazy translatable text in the recipient's language ("" stays "")."""
    with translation.override(language or settings.LANGUAGE_CODE):
        return str(text) if text else ""


def _email_choices(user_ids: list[int]) -> dict[int, tuple[str, list[str]]]:
    """Each person's (e-mail mode, muted kinds); people without a row get the defaults."""
    rows = Preference.objects.filter(user_id__in=user_ids).values_list("user_id", "email_mode", "muted_kinds")
    return {user_id: (mode, list(muted or [])) for user_id, mode, muted in rows}


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
    already_mailed: bool = False,
) -> list[Notification]:
    """Tell each recipient once; return the notifications made now.

    `title` and `body` are lazy translatable texts (gettext_lazy, format_lazy) so that each person
    reads them in their own language. With a `key`, a recipient who already has that key gets
    nothing new: the database's unique constraint decides, so concurrent callers cannot both send.
    The actor is never told about their own act.

    E-mail follows each person's preference: "immediate" enqueues one e-mail per notification
    after the caller's transaction commits (a rolled-back act mails nobody); "digest" (the
    default) leaves it for the daily digest; "off" and muted kinds never mail. `already_mailed`
    is for callers that sent their own letter (the reporting page's one-click reminder): the
    notification goes to the inbox only, marked as e-mailed.
    """
    people = []
    seen: set[int] = set()
    for person in recipients:
        if person is None or person.pk in seen or (actor is not None and person.pk == actor.pk):
            continue
        seen.add(person.pk)
        if person.is_active:
            people.append(person)
    if not people:
        return []
    choices = _email_choices([p.pk for p in people])
    made: list[Notification] = []
    for person in people:
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
            emailed_at=timezone.now() if already_mailed else None,
        )
        try:
            with transaction.atomic():
                notification.save()
        except IntegrityError:
            if not key:
                raise
            continue  # this reminder was already given to this person
        made.append(notification)
        mode, muted = choices.get(person.pk, (EmailMode.DIGEST, []))
        if mode == EmailMode.IMMEDIATE and kind not in muted and person.email and not already_mailed:
            from phoihop.notify.tasks import email_notification

            transaction.on_commit(partial(email_notification.enqueue, notification.pk))
    return made


def preference_get(*, user: Any) -> Preference:
    """Return the person's preference, unsaved with the defaults when they never chose."""
    return Preference.objects.filter(user=user).first() or Preference(user=user)


@transaction.atomic
def preference_update(*, actor: Any, user: Any, email_mode: str, muted_kinds: Iterable[str] = ()) -> Preference:
    """Save how `user` wants to be e-mailed; only the person themselves may choose.

    The choice is audited (who turned the e-mail off, and when, matters when someone says they
    were never told).
    """
    if actor is None or actor.pk != user.pk:
        raise ValidationError(_("Only the person themselves may change how they are notified."))
    if email_mode not in EmailMode.values:
        raise ValidationError({"email_mode": _("Choose how you want to be e-mailed.")})
    muted = sorted(set(muted_kinds))
    unknown = [k for k in muted if k not in Kind.values]
    if unknown:
        raise ValidationError(
            {"muted_kinds": _("Unknown kind of notification: %(kinds)s.") % {"kinds": ", ".join(unknown)}}
        )
    preference = Preference.objects.select_for_update().filter(user=user).first() or Preference(user=user)
    before = {"email_mode": preference.email_mode, "muted_kinds": list(preference.muted_kinds or [])}
    preference.email_mode = email_mode
    preference.muted_kinds = muted
    preference.save()
    after = {"email_mode": email_mode, "muted_kinds": muted}
    changes = {field: [before[field], after[field]] for field in after if before[field] != after[field]}
    if changes:
        audit_record(actor=actor, verb="notify.preference_changed", target=preference, changes=changes)
    return preference


def notification_mark_read(*, notification: Notification, actor: Any) -> Notification:
    """Mark one of the actor's notifications read (a no-op when it already is).

    The caller fetched it through notify.permissions (the recipient's own only); the conditional
    update keeps the first reading time when two tabs open it at once.
    """
    if notification.read_at is None:
        now = timezone.now()
        Notification.objects.filter(pk=notification.pk, recipient=actor, read_at__isnull=True).update(
            read_at=now, updated_at=now
        )
        notification.read_at = now
    return notification


def notifications_mark_all_read(*, actor: Any, kind: str = "") -> int:
    """Mark all the actor's unread notifications (of one kind when given) read; return how many."""
    unread = Notification.objects.filter(recipient=actor, read_at__isnull=True)
    if kind:
        unread = unread.filter(kind=kind)
    now = timezone.now()
    return unread.update(read_at=now, updated_at=now)
