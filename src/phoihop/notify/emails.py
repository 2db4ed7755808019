"""The e-mails of notify: one per notification (immediate mode) and the daily digest.

Each is written in the recipient's language, as plain text with a simple HTML alternative, and
every link is absolute (PHOIHOP_BASE_URL), since a mail program has no page to be relative to.

Claiming before sending is what keeps two workers from mailing one thing twice: a notification
is claimed by the conditional UPDATE "emailed_at IS NULL" (only one UPDATE can change the row),
a digest by inserting its (person, day) row (the unique constraint refuses the second). If the
mail server refuses, the claim is given back so the next run tries again.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from phoihop.core.dates import short_date
from phoihop.notify.models import DigestSent, EmailMode, Notification, Preference

# A digest lists at most this many notifications; the rest are one click away in the inbox.
DIGEST_MAX_ITEMS = 50


def absolute(url: str) -> str:
    """Return `url` as an absolute address under PHOIHOP_BASE_URL (the inbox when empty)."""
    base = settings.PHOIHOP_BASE_URL.rstrip("/")
    if not url:
        return base + reverse("notify:inbox")
    if url.startswith("/"):
        return base + url
    return url


def _message(*, to: str, language: str, subject: str, template: str, context: dict[str, Any]) -> EmailMultiAlternatives:
    context = {
        **context,
        "inbox_url": absolute(reverse("notify:inbox")),
        "preferences_url": absolute(reverse("notify:preferences")),
    }
    with translation.override(language or settings.LANGUAGE_CODE):
        text = render_to_string(f"notify/email/{template}.txt", context)
        html = render_to_string(f"notify/email/{template}.html", context)
    message = EmailMultiAlternatives(subject=subject, body=text, to=[to])
    message.attach_alternative(html, "text/html")
    return message


def notification_email_send(*, notification_id: int) -> bool:
    """Send one notification by e-mail unless it was already sent; return whether this call sent it."""
    notification = Notification.objects.select_related("recipient").filter(pk=notification_id).first()
    if notification is None or notification.emailed_at is not None or not notification.recipient.email:
        return False
    stamp = timezone.now()
    claimed = Notification.objects.filter(pk=notification_id, emailed_at__isnull=True).update(emailed_at=stamp)
    if not claimed:
        return False  # another worker has it
    person = notification.recipient
    message = _message(
        to=person.email,
        language=person.language,
        subject=notification.title,
        template="notification",
        context={"notification": notification, "link": absolute(notification.get_absolute_url()), "person": person},
    )
    try:
        message.send()
    except Exception:
        Notification.objects.filter(pk=notification_id, emailed_at=stamp).update(emailed_at=None)
        raise
    return True


def digest_pending(*, day: dt.date) -> list[int]:
    """Return the ids of the people owed a digest for `day`: digest mode, an address, unread and unsent items."""
    return list(
        Notification.objects.filter(emailed_at__isnull=True, read_at__isnull=True, recipient__is_active=True)
        .exclude(recipient__email="")
        .exclude(recipient__notification_preference__email_mode__in=[EmailMode.IMMEDIATE, EmailMode.OFF])
        .exclude(recipient_id__in=DigestSent.objects.filter(day=day).values("user_id"))
        .order_by("recipient_id")
        .values_list("recipient_id", flat=True)
        .distinct()
    )


def digest_send(*, user_id: int, day: dt.date) -> int:
    """Send `day`'s digest to one person, once; return how many notifications it listed.

    The (person, day) row is written first and kept even when nothing was left to list (all
    read meanwhile, or all of muted kinds), so the person is not looked at again that day.
    """
    preference = Preference.objects.select_related("user").filter(user_id=user_id).first()
    if preference is not None and preference.email_mode != EmailMode.DIGEST:
        return 0
    from phoihop.orgs.models import User

    person = preference.user if preference else User.objects.filter(pk=user_id, is_active=True).first()
    if person is None or not person.email:
        return 0
    muted = list(preference.muted_kinds or []) if preference else []
    try:
        with transaction.atomic():
            sent = DigestSent.objects.create(user=person, day=day)
    except IntegrityError:
        return 0  # already sent today (or being sent by another worker)
    stamp = timezone.now()
    pending = Notification.objects.filter(recipient=person, emailed_at__isnull=True, read_at__isnull=True).exclude(
        kind__in=muted
    )
    ids = list(pending.order_by("-created_at", "-id").values_list("pk", flat=True))
    Notification.objects.filter(pk__in=ids, emailed_at__isnull=True).update(emailed_at=stamp)
    claimed = Notification.objects.filter(pk__in=ids, emailed_at=stamp).order_by("-created_at", "-id")
    items = list(claimed[:DIGEST_MAX_ITEMS])
    total = claimed.count() if len(items) == DIGEST_MAX_ITEMS else len(items)
    if not items:
        return 0
    with translation.override(person.language or settings.LANGUAGE_CODE):
        # Translators: subject of the daily e-mail listing a person's new notifications.
        subject = _("phoihop: your notifications of %(date)s") % {"date": short_date(day)}
    message = _message(
        to=person.email,
        language=person.language,
        subject=subject,
        template="digest",
        context={
            "person": person,
            "day": day,
            "items": [(n, absolute(n.get_absolute_url())) for n in items],
            "more": total - len(items),
        },
    )
    try:
        message.send()
    except Exception:
        Notification.objects.filter(pk__in=ids, emailed_at=stamp).update(emailed_at=None)
        sent.delete()
        raise
    DigestSent.objects.filter(pk=sent.pk).update(count=total)
    return total
