"""The notification history of the Quảng Ninh demo (called by `phoihop demo` after the other modules).

The reminder engine is replayed over the last weeks, day by day, exactly as cron would have run
it: reminders 7/3/1 working days before, overdue notices, escalations to the leaders. Nothing is
mailed (digests are off for past days) and each notification is dated to the morning of the
day it was given, so the inbox reads like a history. The first reminders (7 working days
before) count as read. Idempotent: every reminder has its key, so a second load adds nothing.
"""

from __future__ import annotations

import datetime as dt

from django.db.models import Q
from django.utils import timezone

from phoihop.notify.models import Kind, Notification
from phoihop.notify.schedules import run_schedules

# How many calendar days of history to replay, ending today.
HISTORY_DAYS = 21


def load(*, today: dt.date | None = None) -> dict[str, int]:
    """Replay run-schedules over the last HISTORY_DAYS days; return the notifications made per kind."""
    today = today or timezone.localdate()
    made: dict[str, int] = {}
    for back in range(HISTORY_DAYS, -1, -1):
        day = today - dt.timedelta(days=back)
        started = timezone.now()
        report = run_schedules(today=day, send_digests=False)
        for kind, count in report.made.items():
            if count:
                made[kind] = made.get(kind, 0) + count
        if back:
            # Dated to 07:30 that morning, when cron would have given them.
            morning = timezone.make_aware(dt.datetime.combine(day, dt.time(7, 30)))
            Notification.objects.filter(created_at__gte=started).update(created_at=morning)
    # The early reminders have been seen; what came later is still unread.
    now = timezone.now()
    Notification.objects.filter(Q(kind=Kind.DUE_SOON, key__contains=":due:7:"), read_at__isnull=True).update(
        read_at=now
    )
    return made
