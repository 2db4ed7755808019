"""The one reminder engine: due soon, overdue, escalation — for every module's deadlines.

Each domain module registers a provider in its AppConfig.ready() (notify imports no domain
app); `run_schedules()` (the `phoihop run-schedules` command, run by cron every few minutes)
asks each for its open items and decides what to say:

- due soon: PHOIHOP_REMINDER_DAYS (7, 3, 1) working days before the due date. Only the
  tightest threshold reached is sent in a run, so an item that appears 2 working days before
  its date gets the 3-day reminder alone, not 7 + 3 at once; a run missed on the exact day is
  made up by the next one.
- overdue: once, from the day after the due date, to the same people.
- escalated: after PHOIHOP_ESCALATE_AFTER_DAYS working days overdue to the unit's leaders,
  after twice that to the leaders of the level above (notify.recipients.leaders_above).

Working days are those of the owing unit's province (calendar.workdays). Every notification
carries a key made of the item's key, the step and the due date: the database's unique
(recipient, key) makes a second run — or a second worker at the same time — add nothing, and a
moved deadline (a new date, so a new key) reminds again.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from phoihop.calendar import workdays
from phoihop.core.dates import short_date
from phoihop.notify.models import Kind
from phoihop.notify.recipients import leaders_above, leaders_of, people_of
from phoihop.notify.services import notify

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class DueItem:
    key: str  # stable id of the item, e.g. "tasks.task:12" (the engine appends the step and due date)
    title: str  # plain text title (a record's own title, not translated)
    url: str  # absolute path of its page
    due_on: dt.date
    unit: Any  # the Unit that owes it (escalation goes to its leaders, then the level above)
    people: tuple[Any, ...] = ()  # who to remind; empty → people_of(unit)
    label: Any = ""  # lazy translatable noun: _("Task"), _("Duty"), _("Report") …


Provider = Callable[..., Iterable[DueItem]]

_providers: dict[str, Provider] = {}


def register(name: str, provider: Provider) -> None:
    """Register `provider(*, today, horizon) -> Iterable[DueItem]` under `name` (re-registering replaces)."""
    _providers[name] = provider


def unregister(name: str) -> None:
    """Remove a provider (tests register their own for a while)."""
    _providers.pop(name, None)


def providers() -> dict[str, Provider]:
    return dict(_providers)


def earliest(today: dt.date) -> dt.date:
    """Return the oldest due date still worth a reminder (PHOIHOP_REMINDER_LOOKBACK_DAYS back).

    Providers may use it to leave long-overdue items out of their query; the engine drops them anyway.
    """
    return today - dt.timedelta(days=settings.PHOIHOP_REMINDER_LOOKBACK_DAYS)


def horizon(today: dt.date) -> dt.date:
    """Return the last due date a provider must return items for.

    The largest threshold in national working days, plus a fortnight: a province's own
    announced days off can only push its n-th working day later, never by that much.
    """
    days = max(settings.PHOIHOP_REMINDER_DAYS, default=0)
    return workdays.add_days(today, days, working=True) + dt.timedelta(days=14)


@dataclass
class ScheduleReport:
    """What one run did: notifications made per kind, items looked at, digests sent."""

    today: dt.date
    items: int = 0
    made: Counter = field(default_factory=Counter)
    digests: int = 0
    errors: list[str] = field(default_factory=list)

    def __str__(self) -> str:
        counts = " ".join(f"{kind}={self.made.get(kind, 0)}" for kind in (Kind.DUE_SOON, Kind.OVERDUE, Kind.ESCALATED))
        line = f"{self.today.isoformat()}: {self.items} open items; {counts}; digests={self.digests}"
        return line + "".join(f"\nerror: {e}" for e in self.errors)


def _label_title(item: DueItem) -> tuple[Any, Any]:
    return (item.label or _("Item"), item.title)


def _due_soon_text(item: DueItem) -> Any:
    label, title = _label_title(item)
    # Translators: {label} is a noun such as "Task" or "Duty" (Nhiệm vụ, Nhiệm vụ định kỳ), {title} the record's name.
    return format_lazy(_("{label} “{title}” is due on {date}"), label=label, title=title, date=short_date(item.due_on))


def _overdue_text(item: DueItem) -> Any:
    label, title = _label_title(item)
    # Translators: {label} is a noun such as "Task" or "Report"; {title} the record's name.
    return format_lazy(
        _("{label} “{title}” is overdue: it was due on {date}"), label=label, title=title, date=short_date(item.due_on)
    )


def _escalated_text(item: DueItem, days: int) -> Any:
    label, title = _label_title(item)
    # Translators: sent to a unit's leaders; {unit} is the unit that owes the item.
    return format_lazy(
        _("{label} “{title}” of {unit} is still not done, {days} working days after its due date ({date})"),
        label=label,
        title=title,
        unit=item.unit.name,
        days=days,
        date=short_date(item.due_on),
    )


def _escalated_body() -> Any:
    return _("Please direct the unit to complete it, or record why it cannot be done.")


def _remaining_threshold(remaining: int, thresholds: list[int]) -> int | None:
    """Return the tightest threshold that `remaining` working days have reached, or None."""
    reached = [t for t in thresholds if remaining <= t]
    return min(reached) if reached else None


class _Run:
    """One run's caches: the people of each unit are read once, however many items they owe."""

    def __init__(self, report: ScheduleReport) -> None:
        self.report = report
        self.people: dict[int, list[Any]] = {}
        self.leaders: dict[int, list[Any]] = {}
        self.above: dict[int, list[Any]] = {}

    def people_for(self, item: DueItem) -> list[Any]:
        if item.people:
            return list(item.people)
        if item.unit.pk not in self.people:
            self.people[item.unit.pk] = people_of(item.unit)
        return self.people[item.unit.pk]

    def leaders_for(self, unit: Any) -> list[Any]:
        if unit.pk not in self.leaders:
            self.leaders[unit.pk] = leaders_of(unit)
        return self.leaders[unit.pk]

    def above_for(self, unit: Any) -> list[Any]:
        if unit.pk not in self.above:
            self.above[unit.pk] = leaders_above(unit)
        return self.above[unit.pk]

    def send(self, item: DueItem, kind: str, step: str, recipients: list[Any], title: Any, body: Any = "") -> None:
        made = notify(
            recipients=recipients,
            kind=kind,
            title=title,
            body=body,
            url=item.url,
            unit=item.unit,
            target=item.key,
            key=f"{item.key}:{step}:{item.due_on.isoformat()}"[:200],
        )
        self.report.made[kind] += len(made)

    def remind(self, item: DueItem, today: dt.date) -> None:
        province = getattr(item.unit, "province_code", "") or ""
        if item.due_on >= today:
            remaining = workdays.working_days_between(today, item.due_on, province_code=province)
            threshold = _remaining_threshold(remaining, settings.PHOIHOP_REMINDER_DAYS)
            if threshold is not None:
                self.send(item, Kind.DUE_SOON, f"due:{threshold}", self.people_for(item), _due_soon_text(item))
            return
        self.send(item, Kind.OVERDUE, "overdue", self.people_for(item), _overdue_text(item))
        late = workdays.working_days_between(item.due_on, today, province_code=province)
        after = settings.PHOIHOP_ESCALATE_AFTER_DAYS
        if after <= 0:
            return
        # Each step goes to different people, so an item first seen long overdue gets all it has reached.
        if late >= after:
            self.send(
                item,
                Kind.ESCALATED,
                "escalated:1",
                self.leaders_for(item.unit),
                _escalated_text(item, late),
                _escalated_body(),
            )
        if late >= 2 * after:
            self.send(
                item,
                Kind.ESCALATED,
                "escalated:2",
                self.above_for(item.unit),
                _escalated_text(item, late),
                _escalated_body(),
            )


def run_schedules(
    *, today: dt.date | None = None, now: dt.datetime | None = None, send_digests: bool = True
) -> ScheduleReport:
    """Give every reminder that is due today, once; then enqueue the daily digests when their hour has come.

    Each provider's items are handled in one transaction, so a provider that fails leaves the
    others' reminders given and is reported (the next run tries it again). `send_digests=False`
    is for replaying past days (the demo's history) without mailing anyone.
    """
    now = now or timezone.now()
    today = today or timezone.localdate(now)
    report = ScheduleReport(today=today)
    run = _Run(report)
    oldest, last = earliest(today), horizon(today)
    for name, provider in sorted(_providers.items()):
        try:
            with transaction.atomic():
                for item in provider(today=today, horizon=last):
                    if item.due_on < oldest or item.due_on > last:
                        continue
                    report.items += 1
                    run.remind(item, today)
        except Exception as exc:
            # One module's failure must not stop the others' reminders; the command exits non-zero.
            logger.exception("reminder provider %s failed", name)
            report.errors.append(f"{name}: {exc!r}")
    if send_digests:
        report.digests = enqueue_digests(now=now, today=today)
    return report


def enqueue_digests(*, now: dt.datetime, today: dt.date) -> int:
    """Enqueue today's digest for each person owed one, from PHOIHOP_DIGEST_HOUR (Vietnam time) on."""
    if timezone.localtime(now).hour < settings.PHOIHOP_DIGEST_HOUR:
        return 0
    from phoihop.notify.emails import digest_pending
    from phoihop.notify.tasks import email_digest

    people = digest_pending(day=today)
    for user_id in people:
        email_digest.enqueue(user_id, today.isoformat())
    return len(people)
