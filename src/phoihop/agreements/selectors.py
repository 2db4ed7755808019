"""Reads of agreements, duties and their occurrences, already filtered to what the person may see.

Display statuses ("upcoming", "due_soon", "done_on_time", "done_late", "overdue", "waived") are
computed in SQL from the state, the dates and `today`, so lists filter and count by status
without loading rows. Due soon = due within settings.PHOIHOP_DUE_SOON_DAYS working days.

The on-time rate counts what should have been done by now: done on time / (done on time + done
late + open and overdue). An open overdue item counts against the rate — counting only closed
items (the usual mistake) would reward leaving late work undone.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db.models import (
    Case,
    CharField,
    Count,
    Exists,
    F,
    IntegerField,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Value,
    When,
)
from django.db.models.lookups import StartsWith
from django.utils import timezone

from phoihop.agreements.models import Agreement, AgreementParty, Area, Event, Obligation, Occurrence
from phoihop.agreements.permissions import agreements_visible
from phoihop.calendar.workdays import add_days
from phoihop.core.rates import Compliance
from phoihop.orgs.models import Membership, Unit

UPCOMING = "upcoming"
DUE_SOON = "due_soon"
DONE_ON_TIME = "done_on_time"
DONE_LATE = "done_late"
OVERDUE = "overdue"
WAIVED = "waived"
DISPLAY_STATUSES = (UPCOMING, DUE_SOON, DONE_ON_TIME, DONE_LATE, OVERDUE, WAIVED)

# Agreements whose duties count: a draft owes nothing yet.
COUNTED_STATUSES = (Agreement.Status.IN_FORCE, Agreement.Status.EXPIRED, Agreement.Status.REPLACED)


def _today(today: dt.date | None) -> dt.date:
    return today or timezone.localdate()


def due_soon_horizon(today: dt.date) -> dt.date:
    """Return the last day counted as "due soon": N working days after today (N from settings)."""
    return add_days(today, settings.PHOIHOP_DUE_SOON_DAYS, working=True)


# --- Statuses ---------------------------------------------------------------------------------


def occurrence_status(occurrence: Occurrence, *, today: dt.date) -> str:
    """Return the display status of one occurrence on `today` (the Python twin of the SQL below)."""
    if occurrence.state == Occurrence.State.WAIVED:
        return WAIVED
    if occurrence.state == Occurrence.State.DONE:
        return DONE_ON_TIME if occurrence.completed_on <= occurrence.due_on else DONE_LATE
    if occurrence.due_on < today:
        return OVERDUE
    if occurrence.due_on <= due_soon_horizon(today):
        return DUE_SOON
    return UPCOMING


def _status_case(today: dt.date) -> Case:
    S = Occurrence.State
    return Case(
        When(state=S.WAIVED, then=Value(WAIVED)),
        When(state=S.DONE, completed_on__lte=F("due_on"), then=Value(DONE_ON_TIME)),
        When(state=S.DONE, then=Value(DONE_LATE)),
        When(due_on__lt=today, then=Value(OVERDUE)),
        When(due_on__lte=due_soon_horizon(today), then=Value(DUE_SOON)),
        default=Value(UPCOMING),
        output_field=CharField(),
    )


def _status_q(status: str, today: dt.date) -> Q:
    """The same rules as a filter (usable without the annotation, e.g. inside aggregates)."""
    S = Occurrence.State
    horizon = due_soon_horizon(today)
    return {
        WAIVED: Q(state=S.WAIVED),
        DONE_ON_TIME: Q(state=S.DONE, completed_on__lte=F("due_on")),
        DONE_LATE: Q(state=S.DONE, completed_on__gt=F("due_on")),
        OVERDUE: Q(state=S.OPEN, due_on__lt=today),
        DUE_SOON: Q(state=S.OPEN, due_on__gte=today, due_on__lte=horizon),
        UPCOMING: Q(state=S.OPEN, due_on__gt=horizon),
    }[status]


def with_display_status(occurrences: QuerySet[Occurrence], *, today: dt.date | None = None) -> QuerySet[Occurrence]:
    """Annotate `display_status` on any queryset of occurrences."""
    return occurrences.annotate(display_status=_status_case(_today(today)))


# --- Agreements -------------------------------------------------------------------------------


def in_force_q(on: dt.date, prefix: str = "") -> Q:
    """Agreements in force on a day: signed (not a draft) and inside their effective period.

    Expired and replaced agreements keep their period as the record of when they were in force
    (marking one expired ends its period that day), so coverage on a past day stays right.
    """
    return Q(**{f"{prefix}status__in": COUNTED_STATUSES, f"{prefix}effective_from__lte": on}) & (
        Q(**{f"{prefix}effective_to__isnull": True}) | Q(**{f"{prefix}effective_to__gte": on})
    )


def _level_q(level: str) -> Q:
    """Agreements registered at province level (owner not inside a commune or district) or commune level."""
    below = (Unit.Kind.COMMUNE, Unit.Kind.DISTRICT)
    inside = Exists(Unit.objects.filter(kind__in=below).filter(StartsWith(OuterRef("owner_unit__path"), F("path"))))
    in_commune = Exists(
        Unit.objects.filter(kind=Unit.Kind.COMMUNE).filter(StartsWith(OuterRef("owner_unit__path"), F("path")))
    )
    if level == "province":
        return ~inside
    if level == "commune":
        return in_commune
    raise ValueError(f"unknown level {level!r}")


def _unit_ref(value: Any) -> Q:
    """Match a unit given as a Unit, an id (int) or an official code (str)."""
    if isinstance(value, Unit):
        return Q(unit=value)
    if isinstance(value, int):
        return Q(unit_id=value)
    return Q(unit__code=str(value).strip(), unit__valid_to__isnull=True)


def _area_ref(value: Any, prefix: str) -> Q:
    if isinstance(value, Area):
        return Q(**{prefix: value})
    if isinstance(value, int):
        return Q(**{f"{prefix}_id": value})
    return Q(**{f"{prefix}__code": str(value).strip()})


def agreement_list(
    *,
    user: Any,
    kind: str = "",
    status: str = "",
    party: Any = "",
    area: Any = "",
    year: int | None = None,
    q: str = "",
    level: str = "",
) -> QuerySet[Agreement]:
    """Return the agreements the person may see, filtered, newest first, with parties and areas loaded.

    `party`: a unit (Unit, id or code) that is a party; `year`: in force at some time in that
    year; `level`: "province" or "commune" (where the owner unit sits).
    """
    agreements = agreements_visible(user)
    if kind:
        agreements = agreements.filter(kind=kind)
    if status:
        agreements = agreements.filter(status=status)
    if party not in ("", None):
        agreements = agreements.filter(pk__in=AgreementParty.objects.filter(_unit_ref(party)).values("agreement_id"))
    if area not in ("", None):
        agreements = agreements.filter(
            pk__in=Agreement.areas.through.objects.filter(_area_ref(area, "area")).values("agreement_id")
        )
    if year:
        agreements = agreements.filter(effective_from__lte=dt.date(year, 12, 31)).filter(
            Q(effective_to__isnull=True) | Q(effective_to__gte=dt.date(year, 1, 1))
        )
    if q.strip():
        words = q.strip()
        agreements = agreements.filter(
            Q(number__icontains=words) | Q(title__icontains=words) | Q(summary__icontains=words)
        )
    if level:
        agreements = agreements.filter(_level_q(level))
    return (
        agreements.select_related("owner_unit", "parent")
        .prefetch_related(
            Prefetch("parties", queryset=AgreementParty.objects.select_related("unit", "focal_unit").order_by("pk")),
            "areas",
        )
        .order_by("-effective_from", "-pk")
    )


def obligation_list(*, agreement: Agreement) -> QuerySet[Obligation]:
    """Return an agreement's duties with their units and area loaded (the agreement was accessed already)."""
    return (
        Obligation.objects.filter(agreement=agreement)
        .select_related("area")
        .prefetch_related("owing_units", "receiving_units")
        .order_by("article_ref", "pk")
    )


# --- Occurrences ------------------------------------------------------------------------------


def _visible_occurrences(user: Any) -> QuerySet[Occurrence]:
    return Occurrence.objects.filter(obligation__agreement__in=agreements_visible(user))


def _owed_by(unit: Unit) -> Q:
    return Q(obligation__in=Obligation.objects.filter(owing_units=unit).values("pk"))


def _owed_to(unit: Unit) -> Q:
    return Q(obligation__in=Obligation.objects.filter(receiving_units=unit).values("pk"))


def _list_related(occurrences: QuerySet[Occurrence]) -> QuerySet[Occurrence]:
    return occurrences.select_related("obligation__agreement", "obligation__area", "event", "completed_by")


def occurrence_list(
    *,
    user: Any,
    agreement: Agreement | None = None,
    unit: Unit | None = None,
    obligation: Obligation | None = None,
    status: str = "",
    date_from: dt.date | None = None,
    date_to: dt.date | None = None,
    today: dt.date | None = None,
) -> QuerySet[Occurrence]:
    """Return visible occurrences by due date, annotated with `display_status`; `unit` = owed by it."""
    today = _today(today)
    occurrences = _visible_occurrences(user)
    if agreement is not None:
        occurrences = occurrences.filter(obligation__agreement=agreement)
    if obligation is not None:
        occurrences = occurrences.filter(obligation=obligation)
    if unit is not None:
        occurrences = occurrences.filter(_owed_by(unit))
    if status:
        if status not in DISPLAY_STATUSES:
            raise ValueError(f"unknown status {status!r}")
        occurrences = occurrences.filter(_status_q(status, today))
    if date_from:
        occurrences = occurrences.filter(due_on__gte=date_from)
    if date_to:
        occurrences = occurrences.filter(due_on__lte=date_to)
    return with_display_status(_list_related(occurrences), today=today).order_by("due_on", "pk")


def _open_first(occurrences: QuerySet[Occurrence]) -> QuerySet[Occurrence]:
    is_open = Case(When(state=Occurrence.State.OPEN, then=Value(0)), default=Value(1), output_field=IntegerField())
    return occurrences.annotate(open_first=is_open).order_by("open_first", "due_on", "pk")


def unit_duties(*, user: Any, unit: Unit, today: dt.date | None = None) -> dict[str, QuerySet[Occurrence]]:
    """Return what a unit owes and what it is owed, open items first then by due date.

    Draft agreements owe nothing yet, so their occurrences are left out.
    """
    today = _today(today)
    counted = _visible_occurrences(user).filter(obligation__agreement__status__in=COUNTED_STATUSES)
    return {
        "owes": with_display_status(_open_first(_list_related(counted.filter(_owed_by(unit)))), today=today),
        "owed": with_display_status(_open_first(_list_related(counted.filter(_owed_to(unit)))), today=today),
    }


def _month_bounds(month: Any, today: dt.date) -> tuple[dt.date, dt.date]:
    if month is None or month == "":
        first = today.replace(day=1)
    elif isinstance(month, dt.date):
        first = month.replace(day=1)
    else:
        year, _sep, number = str(month).partition("-")
        first = dt.date(int(year), int(number), 1)
    following = (first.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
    return first, following - dt.timedelta(days=1)


def my_duties(
    *, user: Any, month: Any = None, today: dt.date | None = None, include_overdue: bool = True
) -> QuerySet[Occurrence]:
    """Return the occurrences the person's units owe that fall due in a month (this month by default).

    `month`: a date inside it or "YYYY-MM". With `include_overdue` (the default), what is still
    open from before the month comes too: a to-do list that forgets last month's late work lies.
    """
    today = _today(today)
    first, last = _month_bounds(month, today)
    unit_ids = list(
        Membership.objects.filter(user=user, ended_on__isnull=True).values_list("unit_id", flat=True).distinct()
    )
    if not unit_ids:
        return Occurrence.objects.none()
    owed = Obligation.objects.filter(owing_units__in=unit_ids).values("pk")
    when = Q(due_on__gte=first, due_on__lte=last)
    if include_overdue:
        when |= Q(due_on__lt=first, state=Occurrence.State.OPEN)
    occurrences = (
        _visible_occurrences(user)
        .filter(obligation__agreement__status__in=COUNTED_STATUSES, obligation__in=owed)
        .filter(when)
    )
    return with_display_status(_open_first(_list_related(occurrences)), today=today)


# --- Compliance -------------------------------------------------------------------------------
# The counts type is shared with the other modules (core.rates); re-exported here for old callers.


def _count_aggregates(today: dt.date) -> dict[str, Count]:
    S = Occurrence.State
    return {
        "done_on_time": Count("pk", filter=_status_q(DONE_ON_TIME, today)),
        "done_late": Count("pk", filter=_status_q(DONE_LATE, today)),
        "overdue_open": Count("pk", filter=_status_q(OVERDUE, today)),
        "upcoming": Count("pk", filter=Q(state=S.OPEN, due_on__gte=today)),
        "waived": Count("pk", filter=_status_q(WAIVED, today)),
    }


def compliance(
    *,
    user: Any,
    agreement: Agreement | None = None,
    unit: Unit | None = None,
    area: Any = None,
    date_from: dt.date | None = None,
    date_to: dt.date | None = None,
    today: dt.date | None = None,
) -> Compliance:
    """Count the visible occurrences by status in one query: for an agreement, a unit (what it
    owes), an area, and a range of due dates. Drafts are not counted.
    """
    today = _today(today)
    occurrences = _visible_occurrences(user).filter(obligation__agreement__status__in=COUNTED_STATUSES)
    if agreement is not None:
        occurrences = occurrences.filter(obligation__agreement=agreement)
    if unit is not None:
        occurrences = occurrences.filter(_owed_by(unit))
    if area not in (None, ""):
        occurrences = occurrences.filter(_area_ref(area, "obligation__area"))
    if date_from:
        occurrences = occurrences.filter(due_on__gte=date_from)
    if date_to:
        occurrences = occurrences.filter(due_on__lte=date_to)
    return Compliance.from_counts(occurrences.aggregate(**_count_aggregates(today)))


def compliance_by_party(
    *, user: Any, agreement: Agreement, today: dt.date | None = None
) -> list[tuple[Unit, Compliance]]:
    """Return each owing unit of the agreement with its counts, in two queries however many units.

    An occurrence owed jointly by several units counts for each of them.
    """
    today = _today(today)
    rows = (
        _visible_occurrences(user)
        .filter(obligation__agreement=agreement)
        .values("obligation__owing_units")
        .annotate(**_count_aggregates(today))
        .order_by()
    )
    counts = {row.pop("obligation__owing_units"): row for row in rows}
    units = Unit.objects.filter(pk__in=[pk for pk in counts if pk is not None]).order_by("path")
    return [(unit, Compliance.from_counts(counts[unit.pk])) for unit in units]


# --- Coverage ---------------------------------------------------------------------------------


@dataclass
class Coverage:
    """Who has signed with whom at one level, on one day.

    `pairs` holds both orders of each pair, (a, b) and (b, a), so a cell of the matrix is one
    lookup; `grid` is the matrix row by row for templates.
    """

    level_unit: Unit
    on: dt.date
    units: list[Unit]
    pairs: dict[tuple[int, int], list[Agreement]] = field(default_factory=dict)
    communes_without: list[Unit] = field(default_factory=list)

    def between(self, a: Unit, b: Unit) -> list[Agreement]:
        return self.pairs.get((a.pk, b.pk), [])

    @property
    def grid(self) -> list[tuple[Unit, list[tuple[Unit, list[Agreement]]]]]:
        return [(row, [(col, self.between(row, col)) for col in self.units]) for row in self.units]

    @property
    def pair_count(self) -> int:
        return len(self.pairs) // 2


def level_bodies(level_unit: Unit) -> QuerySet[Unit]:
    """Return the open bodies at a territory's own level, in tree order.

    For the province: its UBND with the departments, HĐND, MTTQ with the socio-political
    organisations; for a commune: its own bodies. Bodies of the communes below are not included.
    """
    child_territories = Unit.objects.filter(
        path__startswith=level_unit.path, depth=level_unit.depth + 1, kind__in=Unit.TERRITORY_KINDS
    ).values_list("path", flat=True)
    bodies = Unit.objects.filter(
        path__startswith=level_unit.path, depth__gt=level_unit.depth, valid_to__isnull=True
    ).exclude(kind__in=Unit.TERRITORY_KINDS)
    for path in child_territories:
        bodies = bodies.exclude(path__startswith=path)
    return bodies.order_by("path")


def coverage_matrix(*, user: Any, level_unit: Unit, today: dt.date | None = None) -> Coverage:
    """Return the bodies at a level, which pairs have an agreement in force, and the communes with none.

    The cells list only agreements the person may see; "communes without" is computed over all
    agreements in force (the absence of an agreement reveals no record).
    """
    on = _today(today)
    units = list(level_bodies(level_unit))
    unit_ids = {u.pk for u in units}
    agreements = (
        agreements_visible(user)
        .filter(in_force_q(on))
        .filter(parties__unit_id__in=unit_ids)
        .distinct()
        .prefetch_related(Prefetch("parties", queryset=AgreementParty.objects.only("agreement_id", "unit_id")))
        .order_by("effective_from", "pk")
    )
    coverage = Coverage(level_unit=level_unit, on=on, units=units)
    for agreement in agreements:
        members = sorted({p.unit_id for p in agreement.parties.all() if p.unit_id in unit_ids})
        for i, a in enumerate(members):
            for b in members[i + 1 :]:
                coverage.pairs.setdefault((a, b), []).append(agreement)
                coverage.pairs.setdefault((b, a), []).append(agreement)
    if level_unit.kind == Unit.Kind.PROVINCE:
        signed = AgreementParty.objects.filter(in_force_q(on, "agreement__")).filter(
            StartsWith(F("unit__path"), OuterRef("path"))
        )
        coverage.communes_without = list(
            Unit.objects.filter(path__startswith=level_unit.path, kind=Unit.Kind.COMMUNE, valid_to__isnull=True)
            .exclude(Exists(signed))
            .order_by("name")
        )
    return coverage


# --- Events -----------------------------------------------------------------------------------


def event_list(*, kind: str = "", year: int | None = None) -> QuerySet[Event]:
    """Return sessions and meetings (public inside the system), by date."""
    events = Event.objects.select_related("host_unit")
    if kind:
        events = events.filter(kind=kind)
    if year:
        events = events.filter(starts_on__year=year)
    return events.order_by("starts_on", "pk")


def units_by_codes(codes: Iterable[str]) -> dict[str, Unit]:
    """Return the open units with these official codes (for the API's bodies naming units)."""
    return {u.code: u for u in Unit.objects.filter(code__in=list(codes), valid_to__isnull=True)}
