"""Reads of the reporting module: expected units, roll-up, completeness and timeliness, lists.

Every figure is computed live from the data with SQL aggregates (no nightly analytics run, the
freshness complaint about DHIS2 in anchor-systems §1.3), the same way on SQLite and PostgreSQL:
only standard SQL (SUM, AVG, MIN, MAX, COUNT, EXISTS, WITH, SUBSTR) is used; on PostgreSQL the
figure reads switch JIT off for their transaction (analytic_read).

Decisions, each tested in tests/test_selectors.py:

- Expected units (DOMAIN §5): assigned the form AND open during the period — valid_from on or
  before the period's last day and valid_to empty or on or after its first day. A unit closed
  in the middle of a period IS expected for that period: it existed for part of it and owes the
  report for that part, as the Decree 09 window is the unit of account (DHIS2 instead keeps
  counting closed units forever, the complaint of anchor-systems §1.5 #1; we stop the period
  after they close). A unit merged before the period started is closed by then: not expected.
  In the period of a merge both the old units (open until the day before) and the new one (open
  from the day of the merge) are expected. A unit's ancestors must be open too: a committee
  created without dates under a commune established on 01/07/2025 owes nothing before then.
- Assignment: units picked one by one, plus units of `assigned_unit_kinds` whose nearest
  territory (at or above them) is of one of `assigned_territory_kinds` (any territory when that
  list is empty). Territory kinds without unit kinds assign nothing (the form service refuses it).
- Submitted = status submitted, approved or accepted. A RETURNED report does not count: the
  unit's leader (or the level above) sent it back for correction, so no report stands for the
  unit and it shows in the missing list until resubmitted. Its timeliness stays judged on the
  first submission (Submission.submitted_on), so returning an on-time report and getting it
  back corrected after the deadline keeps it on time.
- On time = submitted on or before the deadline stored on the submission (submitted_on ≤
  deadline). Rates for a period longer than the form's (a quarter of a monthly form) count
  reports: one owed per unit and form period inside it, as DHIS2 does. Completeness and
  timeliness are PERCENTAGES (0–100), like DHIS2's REPORTING_RATE and REPORTING_RATE_ON_TIME;
  None when nothing is expected.
- Roll-up counts values entered outside any report (imports without a completion) and values of
  reports that count as submitted; a draft's or returned report's values are left out, so the
  level above never sees half-entered or refused numbers in a total (drafts are the unit's own
  business, permissions.py). Values are first added up over disaggregation options (a category
  of None), then aggregated per unit over the periods inside the one asked (period_aggregation;
  `last` = the value of the latest period that has one), then over units (aggregation; `last`
  over units adds up each unit's last value, as DHIS2's LAST does). `none` gives a value only
  where no aggregation is needed: the unit's own value for exactly the period asked. Periods
  inside the one asked are the data periods whose cut-off window lies within it (Decree 09
  windows nest: 202601-202603 make 2026Q1); a month asked of quarterly data has no value.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from functools import wraps
from typing import Any

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import (
    Case,
    CharField,
    Exists,
    F,
    Max,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    When,
)
from django.db.models.functions import Coalesce, Substr
from django.db.models.lookups import GreaterThan
from django.utils import timezone
from django.utils.translation import gettext as _

from phoihop.calendar.periods import Period, PeriodType, parse_period, period_containing, submission_deadline
from phoihop.orgs import access
from phoihop.orgs.models import Role, Unit
from phoihop.reporting.models import Aggregation, DataValue, Indicator, ReportForm, Submission
from phoihop.reporting.permissions import own_unit_ids, submissions_visible

S = Submission.Status
# Statuses in which a report counts as submitted for completeness (see the module docstring).
COUNTED_STATUSES = (S.SUBMITTED, S.APPROVED, S.ACCEPTED)
UNFINISHED_STATUSES = (S.DRAFT, S.RETURNED)
FOUR_PLACES = Decimal("0.0001")


def analytic_read(read: Callable[..., Any]) -> Callable[..., Any]:
    """Run a figure's queries with PostgreSQL's JIT compilation off (nothing changes on SQLite).

    The correlated subqueries over the tree inflate the planner's cost estimates past
    jit_above_cost, and PostgreSQL then spends ~190 ms compiling a plan that runs in ~60 ms
    (measured: completeness of 3,332 communes, 40,000 units, 1.1 M values). SET LOCAL keeps
    the change to the current transaction: the caller's when there is one (no savepoint round
    trips, and a refusal raised by the read does not doom the caller's transaction), else a
    transaction of the read's own.
    """

    def jit_off() -> None:
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL jit = off")

    @wraps(read)
    def without_jit(*args: Any, **kwargs: Any) -> Any:
        if connection.vendor != "postgresql":
            return read(*args, **kwargs)
        if connection.in_atomic_block:
            jit_off()
            return read(*args, **kwargs)
        with transaction.atomic():
            jit_off()
            return read(*args, **kwargs)

    return without_jit


# Periods ------------------------------------------------------------------------------------------


def period_of(value: Period | str) -> Period:
    """Return the Period for an id (ValidationError keyed "period_id" when it is not one)."""
    if isinstance(value, Period):
        return value
    try:
        return parse_period(value)
    except ValueError as exc:
        raise ValidationError({"period_id": str(exc)}) from exc


def form_period(form: ReportForm, value: Period | str) -> Period:
    """Return the period of the form's type named by `value`; refuse a period of another type."""
    period = period_of(value)
    if period.type != form.period_type:
        raise ValidationError(
            {
                "period_id": _("%(period)s is not a period of this form: it is reported %(type)s.")
                % {"period": period.id, "type": PeriodType(form.period_type).label.lower()}
            }
        )
    return period


# Expected units -----------------------------------------------------------------------------------


def open_during_q(start: dt.date, end: dt.date, prefix: str = "") -> Q:
    """Units open for at least one day of [start, end] (DOMAIN §5 "open during the period")."""
    return (Q(**{f"{prefix}valid_from__isnull": True}) | Q(**{f"{prefix}valid_from__lte": end})) & (
        Q(**{f"{prefix}valid_to__isnull": True}) | Q(**{f"{prefix}valid_to__gte": start})
    )


def _tree_depth() -> int:
    return Unit.objects.aggregate(deepest=Max("depth"))["deepest"] or 1


def _ancestor_path(k: int, *, outer: bool) -> Case:
    """The path of the ancestor k levels above a unit (its first depth - k steps), NULL above the root.

    Each such path is one probe of the unique path index. The CASE keeps SUBSTR's length
    positive (PostgreSQL refuses a negative one). `outer`: the unit is the outer query's row.
    """
    ref = OuterRef if outer else F
    return Case(
        When(GreaterThan(ref("depth"), k), then=Substr(ref("path"), 1, (ref("depth") - k) * Unit.steplen)),
        output_field=CharField(),
    )


def _nearest_territory_kind(max_depth: int) -> Coalesce | Case:
    """The kind of the nearest territory at or above each unit, computed in SQL.

    COALESCE takes the first hit going up: the unit itself when it is a territory, else its parent
    when that is one, and so on.
    """
    own = Case(When(kind__in=Unit.TERRITORY_KINDS, then=F("kind")))
    ancestors = [
        Subquery(
            Unit.objects.filter(path=_ancestor_path(k, outer=True), kind__in=Unit.TERRITORY_KINDS).values("kind")[:1]
        )
        for k in range(1, max_depth)
    ]
    return Coalesce(own, *ancestors) if ancestors else own


def _open_units(start: dt.date, end: dt.date, max_depth: int) -> QuerySet[Unit]:
    """Units open during [start, end], and whose every ancestor is open then too.

    A body often carries no dates of its own while its commune does (the 2025 reform created
    communes from 01/07/2025): it cannot owe a report for a time its commune did not exist.
    """
    units = Unit.objects.filter(open_during_q(start, end))
    if max_depth <= 1:
        return units
    up = Q()
    for k in range(1, max_depth):
        up |= Q(path=_ancestor_path(k, outer=True))
    closed_above = Unit.objects.filter(up).filter(Q(valid_from__gt=end) | Q(valid_to__lt=start))
    return units.exclude(Exists(closed_above))


def _assigned(form: ReportForm, units: QuerySet[Unit], max_depth: int | None = None) -> QuerySet[Unit]:
    picked = Q(pk__in=ReportForm.assigned_units.through.objects.filter(reportform_id=form.pk).values("unit_id"))
    if not form.assigned_unit_kinds:
        return units.filter(picked)
    by_kind = Q(kind__in=form.assigned_unit_kinds)
    if form.assigned_territory_kinds:
        units = units.annotate(territory_kind=_nearest_territory_kind(max_depth or _tree_depth()))
        by_kind &= Q(territory_kind__in=form.assigned_territory_kinds)
    return units.filter(picked | by_kind)


def assigned_units(*, form: ReportForm) -> QuerySet[Unit]:
    """Return every unit assigned the form, open or closed (dates are the period's business)."""
    return _assigned(form, Unit.objects.all())


def _expected_between(form: ReportForm, start: dt.date, end: dt.date, max_depth: int | None = None) -> QuerySet[Unit]:
    max_depth = max_depth or _tree_depth()
    return _assigned(form, _open_units(start, end, max_depth), max_depth)


def expected_units(*, form: ReportForm, period: Period | str) -> QuerySet[Unit]:
    """Return the units expected to report the form for the period: assigned and open during it.

    See the module docstring for a unit closed or merged during the period.
    """
    period = form_period(form, period)
    return _expected_between(form, period.start, period.end)


def is_expected(*, form: ReportForm, unit: Unit, period: Period | str) -> bool:
    return expected_units(form=form, period=period).filter(pk=unit.pk).exists()


# Completeness and timeliness ---------------------------------------------------------------------


@dataclass
class Rates:
    """Completeness and timeliness of one form for a unit's subtree and a period.

    Counts are REPORTS: for a period longer than the form's (a quarter of a monthly form) each
    unit owes one report per period of the form inside it, as DHIS2 counts expected reports
    (anchor-systems §10: Σ assigned units × periods, minus the periods a unit was closed).
    `completeness` = submitted / expected × 100 and `timeliness` = on time / expected × 100
    (percentages, None when nothing is expected). `missing`: the units owing at least one report,
    in tree order; `missing_reports`: each (unit, period) owed. `returned` counts reports sent
    back and not yet resubmitted (they are missing too).
    """

    expected: int
    submitted: int
    on_time: int
    late: int
    missing: list[Unit]
    completeness: float | None
    timeliness: float | None
    returned: int = 0
    period: Period | None = None
    missing_reports: list[tuple[Unit, Period]] = field(default_factory=list)


def _percent(part: int, whole: int) -> float | None:
    return None if whole == 0 else part * 100 / whole


def rate_periods(form: ReportForm, value: Period | str) -> list[Period]:
    """The form's periods making up `value`: itself when of the form's type, else those inside it."""
    period = period_of(value)
    if period.type == form.period_type:
        return [period]
    inside = _periods_inside(PeriodType(form.period_type), period)
    if not inside:
        form_period(form, period)  # raises the "not a period of this form" error
    return inside


def _rates_of_one_period(
    form: ReportForm, period: Period, unit: Unit, max_depth: int
) -> tuple[dict[str, int], list[int]]:
    """Count one form period's reports over the expected units of the subtree; return the missing ids.

    One query returns a narrow row per expected unit (id and three EXISTS on the unique (form,
    unit, period) index): cheaper than an aggregate plus a second pass for the missing list.
    """
    expected = _expected_between(form, period.start, period.end, max_depth).filter(path__startswith=unit.path)
    reports = Submission.objects.filter(form=form, period_id=period.id, unit=OuterRef("pk"))
    counted = reports.filter(status__in=COUNTED_STATUSES)
    rows = expected.annotate(
        has_report=Exists(counted),
        reported_on_time=Exists(counted.filter(submitted_on__lte=F("deadline"))),
        was_returned=Exists(reports.filter(status=S.RETURNED)),
    ).values_list("pk", "has_report", "reported_on_time", "was_returned")
    counts = {"expected": 0, "submitted": 0, "on_time": 0, "returned": 0}
    missing = []
    for pk, has_report, on_time, returned in rows:
        counts["expected"] += 1
        counts["submitted"] += has_report
        counts["on_time"] += on_time
        counts["returned"] += returned
        if not has_report:
            missing.append(pk)
    return counts, missing


@analytic_read
def reporting_rates(*, form: ReportForm, period_id: Period | str, unit: Unit) -> Rates:
    """Return expected, submitted, on time, late, missing and the two rates for `unit`'s subtree.

    One query per form period (the expected units with whether each reported, on time or not),
    one for the tree's depth and one for the missing units; a longer period adds up its form
    periods.
    """
    asked = period_of(period_id)
    periods = rate_periods(form, asked)
    max_depth = _tree_depth()
    totals = {"expected": 0, "submitted": 0, "on_time": 0, "returned": 0}
    missing_ids: list[tuple[int, Period]] = []
    for period in periods:
        counts, missing = _rates_of_one_period(form, period, unit, max_depth)
        for key in totals:
            totals[key] += counts[key]
        missing_ids += [(pk, period) for pk in missing]
    missing_units = Unit.objects.in_bulk({pk for pk, _period in missing_ids})
    missing_reports = sorted(
        ((missing_units[pk], period) for pk, period in missing_ids), key=lambda pair: (pair[0].path, pair[1].start)
    )
    return Rates(
        expected=totals["expected"],
        submitted=totals["submitted"],
        on_time=totals["on_time"],
        late=totals["submitted"] - totals["on_time"],
        missing=sorted(missing_units.values(), key=lambda u: u.path),
        completeness=_percent(totals["submitted"], totals["expected"]),
        timeliness=_percent(totals["on_time"], totals["expected"]),
        returned=totals["returned"],
        period=asked,
        missing_reports=missing_reports,
    )


# Roll-up ------------------------------------------------------------------------------------------


@dataclass
class Rollup:
    """An indicator's value for a unit's subtree and a period, with who contributed and who is missing.

    `contributors`: (unit, value) for each unit holding values, in tree order, each unit's
    value already aggregated over the periods. `missing`: units of the subtree expected to
    report a form carrying the indicator during the period that have no value in it.
    """

    value: Decimal | None
    contributors: list[tuple[Unit, Decimal]] = field(default_factory=list)
    missing: list[Unit] = field(default_factory=list)
    indicator: Indicator | None = None
    period: Period | None = None
    unit: Unit | None = None


_SQL_AGGREGATE = {
    Aggregation.SUM: "SUM",
    Aggregation.AVERAGE: "AVG",
    Aggregation.MIN: "MIN",
    Aggregation.MAX: "MAX",
    # Over units, the last value is each unit's last value, added up (DHIS2's LAST).
    Aggregation.LAST: "SUM",
    # Filtered to one cell beforehand: the "aggregate" of one value is that value.
    Aggregation.NONE: "SUM",
}


def number(value: Any) -> Decimal | None:
    """Turn what the database answers (Decimal on PostgreSQL, int or float on SQLite) into a
    Decimal with the column's 4 places, so both databases give the same figure."""
    if value is None:
        return None
    return Decimal(str(value)).quantize(FOUR_PLACES)


def _values(
    indicator: Indicator, period: Period, unit: Unit, category: str | None, *, subtree: bool = True
) -> QuerySet[DataValue]:
    values = DataValue.objects.filter(
        indicator=indicator,
        period_start__gte=period.start,
        period_end__lte=period.end,
        value_number__isnull=False,
    )
    if indicator.aggregation == Aggregation.NONE:
        values = values.filter(unit=unit)
    elif subtree:
        values = values.filter(unit__path__startswith=unit.path)
    else:
        values = values.filter(unit=unit)
    if indicator.period_aggregation == Aggregation.NONE:
        values = values.filter(period_id=period.id)
    if category is not None:
        values = values.filter(category=category)
    # Drafts and returned reports stay out of every total (module docstring). Written as "not one
    # of the few unfinished reports" rather than a join to every report: a hashed list of the
    # drafts instead of a join with the whole submission table (3x faster on PostgreSQL).
    unfinished = Submission.objects.filter(status__in=UNFINISHED_STATUSES).values("pk")
    return values.filter(Q(submission__isnull=True) | ~Q(submission__in=unfinished))


def _per_unit_sql(
    indicator: Indicator, values: QuerySet[DataValue], category: str | None
) -> tuple[str, tuple[Any, ...]]:
    """SQL giving one row (unit_id, v) per unit: its value over the periods, options added up.

    Stored rows are used as they are whenever adding up the options first changes nothing (a sum
    over periods, the last period, an undivided indicator or one option asked); only an
    average, minimum or maximum over the periods of a divided indicator groups them into
    (unit, period) cells first. The last value joins each unit's latest period end, rather than
    ranking rows with a window, which sorted every row (4x slower on PostgreSQL).
    """
    over_periods = Aggregation(indicator.period_aggregation)
    must_group = (
        over_periods in (Aggregation.AVERAGE, Aggregation.MIN, Aggregation.MAX)
        and bool(indicator.disaggregation)
        and category is None
    )
    if must_group:
        cells = values.values("unit_id", "period_end").annotate(v=Sum("value_number")).order_by()
    else:
        cells = values.values("unit_id", "period_end", v=F("value_number")).order_by()
    cells_sql, params = cells.query.sql_with_params()
    # The inner SQL is the ORM's own, its values are parameters: nothing typed reaches the text.
    if over_periods == Aggregation.LAST:
        sql = (
            f"WITH cells AS ({cells_sql}) "  # noqa: S608
            "SELECT c.unit_id, SUM(c.v) AS v FROM cells c JOIN "
            "(SELECT unit_id, MAX(period_end) AS last_end FROM cells GROUP BY unit_id) m "
            "ON m.unit_id = c.unit_id AND m.last_end = c.period_end GROUP BY c.unit_id"
        )
    else:
        # NONE: already narrowed to the period asked, so the sum is the unit's own value.
        sql = f"SELECT c.unit_id, {_SQL_AGGREGATE[over_periods]}(c.v) AS v FROM ({cells_sql}) c GROUP BY c.unit_id"  # noqa: S608
    return sql, tuple(params)


def _fetch(sql: str, params: Sequence[Any]) -> list[tuple[Any, ...]]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def _rollup_value(indicator: Indicator, values: QuerySet[DataValue], category: str | None) -> Decimal | None:
    if indicator.aggregation == Aggregation.SUM and indicator.period_aggregation == Aggregation.SUM:
        # A sum of sums is the sum: one plain aggregate, no grouping.
        return number(values.aggregate(v=Sum("value_number"))["v"])
    per_unit, params = _per_unit_sql(indicator, values, category)
    over_units = _SQL_AGGREGATE[Aggregation(indicator.aggregation)]
    rows = _fetch(f"SELECT {over_units}(u.v) FROM ({per_unit}) u", params)  # noqa: S608 - fixed words only
    return number(rows[0][0]) if rows else None


def _expected_for_indicator(indicator: Indicator, period: Period, unit: Unit) -> QuerySet[Unit]:
    """Units of the subtree expected, during `period`, to report some form that carries the indicator.

    For each active form with the indicator, the form's periods lying inside `period` tile one
    window; a unit open during any of them is open during that window.
    """
    forms = ReportForm.objects.filter(is_active=True, sections__fields__indicator=indicator).distinct()
    expected = Q(pk__in=[])
    for form in forms:
        inside = _periods_inside(PeriodType(form.period_type), period)
        if inside:
            expected |= Q(pk__in=_expected_between(form, inside[0].start, inside[-1].end).values("pk"))
    return Unit.objects.filter(expected, path__startswith=unit.path)


def _periods_inside(kind: PeriodType, period: Period) -> list[Period]:
    first = period_containing(period.start, kind)
    found: list[Period] = []
    current = first
    while current is not None and current.start <= period.end:
        if current.start >= period.start and current.end <= period.end:
            found.append(current)
        current = current.next()
    return found


@analytic_read
def rollup(
    *, indicator: Indicator, period_id: Period | str, unit: Unit, category: str | None = None, detail: bool = True
) -> Rollup:
    """Return the indicator's value for `unit`'s subtree and a period, live from the data.

    The value is one SQL aggregate (nested GROUP BYs inside one statement; a plain SUM when both
    aggregations are sums). `category` None means the total over disaggregation options.
    `detail=False` skips the contributors and missing lists (one query instead of three), for
    pivot tables and benchmarks.
    """
    period = period_of(period_id)
    if not indicator.is_numeric:
        return Rollup(value=None, indicator=indicator, period=period, unit=unit)
    values = _values(indicator, period, unit, category)
    result = Rollup(value=_rollup_value(indicator, values, category), indicator=indicator, period=period, unit=unit)
    if not detail:
        return result
    per_unit, params = _per_unit_sql(indicator, values, category)
    by_unit = {unit_id: number(v) for unit_id, v in _fetch(per_unit, params)}
    units = Unit.objects.filter(pk__in=list(by_unit)).order_by("path")
    result.contributors = [(u, by_unit[u.pk]) for u in units]
    result.missing = list(
        _expected_for_indicator(indicator, period, unit).exclude(pk__in=list(by_unit)).order_by("path")
    )
    return result


# Pivot --------------------------------------------------------------------------------------------


@dataclass
class PivotTable:
    """Indicator × unit × period values (roll-ups), for the pivot page and its XLSX export."""

    indicators: list[Indicator]
    units: list[Unit]
    periods: list[Period]
    cells: dict[tuple[int, int, str], Decimal | None]

    def value(self, indicator: Indicator, unit: Unit, period: Period) -> Decimal | None:
        return self.cells.get((indicator.pk, unit.pk, period.id))

    def rows(self) -> Iterable[tuple[Indicator, Unit, list[Decimal | None]]]:
        """One row per (indicator, unit), one value per period, in the order given."""
        for indicator in self.indicators:
            for unit in self.units:
                yield indicator, unit, [self.value(indicator, unit, p) for p in self.periods]


def pivot(
    *, user: Any, indicators: Iterable[Indicator | str], units: Iterable[Unit], periods: Iterable[Period | str]
) -> PivotTable:
    """Return the roll-up of each indicator for each unit and period, for the units the person may see.

    Units outside the person's scope are dropped (not an error: a pivot is a read of what one may see).
    """
    chosen = list(indicators)
    codes = [i for i in chosen if isinstance(i, str)]
    by_code = {i.code: i for i in Indicator.objects.filter(code__in=codes)} if codes else {}
    indicator_list = [by_code[i] if isinstance(i, str) else i for i in chosen if not isinstance(i, str) or i in by_code]
    asked = list(units)
    visible = set(access.units_visible(user).filter(pk__in=[u.pk for u in asked]).values_list("pk", flat=True))
    unit_list = [u for u in asked if u.pk in visible]
    period_list = [period_of(p) for p in periods]
    cells = {
        (i.pk, u.pk, p.id): rollup(indicator=i, period_id=p, unit=u, detail=False).value
        for i in indicator_list
        for u in unit_list
        for p in period_list
    }
    return PivotTable(indicators=indicator_list, units=unit_list, periods=period_list, cells=cells)


# Lists --------------------------------------------------------------------------------------------


def submission_list(
    *, user: Any, form: ReportForm | None = None, period_id: str = "", status: str = "", unit: Unit | None = None
) -> QuerySet[Submission]:
    """Return the submissions the person may see, newest period first, filtered as asked.

    `unit` means its whole subtree; `period_id` accepts any id form parse_period reads.
    """
    submissions = submissions_visible(user).select_related("form", "unit")
    if form is not None:
        submissions = submissions.filter(form=form)
    if period_id:
        submissions = submissions.filter(period_id=period_of(period_id).id)
    if status:
        submissions = submissions.filter(status=status)
    if unit is not None:
        submissions = submissions.filter(unit__path__startswith=unit.path)
    return submissions.order_by("-period_start", "form__code", "unit__path", "pk")


def review_queue(*, user: Any) -> QuerySet[Submission]:
    """Return the reports waiting for this person: to approve or return (leader+ on the unit), or to
    accept (officer+ of a level above, when the form asks), oldest deadline first."""
    visible = submissions_visible(user)
    approve_scope = access.scope_q(user, via="unit", min_role=Role.LEADER)
    to_approve = Q(status=S.SUBMITTED, form__approval_required=True)
    if approve_scope is not None:
        to_approve &= approve_scope
    acceptable = Q(status=S.APPROVED, form__approval_required=True) | Q(
        status=S.SUBMITTED, form__approval_required=False
    )
    to_accept = Q(form__acceptance_required=True) & acceptable
    if not access.is_system_admin(user):
        needed = access.ROLE_RANK[Role.OFFICER]
        from_above = Q(pk__in=[])
        for reach in access.reaches(user):
            if reach.rank >= needed:
                from_above |= Q(unit__path__startswith=reach.path) & ~Q(unit__path=reach.path)
        to_accept &= from_above
    return visible.filter(to_approve | to_accept).select_related("form", "unit").order_by("deadline", "unit__path")


@dataclass
class ReportDue:
    """A report one of the person's units owes: no report yet, a draft, or one returned to it."""

    form: ReportForm
    unit: Unit
    period: Period
    deadline: dt.date
    submission: Submission | None
    overdue: bool

    @property
    def status(self) -> str:
        return self.submission.status if self.submission else ""


# How far back "my reports due" looks for reports never sent (older ones are for the rates page).
DUE_LOOKBACK_DAYS = 366


def my_reports_due(*, user: Any, today: dt.date | None = None) -> list[ReportDue]:
    """Return the reports the person's own units (officer+ memberships) still owe, by deadline.

    For each active form assigned to one of those units: the current period (to prepare) and the
    past periods of the last year whose report was never submitted, is a draft or was returned.
    Submitted, approved and accepted ones are done and left out.
    """
    today = today or timezone.localdate()
    unit_ids = own_unit_ids(user, min_role=Role.OFFICER)
    if not unit_ids:
        return []
    items: list[ReportDue] = []
    forms = list(ReportForm.objects.filter(is_active=True).prefetch_related("assigned_units"))
    for form in forms:
        assigned = list(_assigned(form, Unit.objects.filter(pk__in=unit_ids)))
        if not assigned:
            continue
        lifetimes = _lifetimes(assigned)
        periods = _recent_periods(PeriodType(form.period_type), today)
        reports = {
            (s.unit_id, s.period_id): s
            for s in Submission.objects.filter(form=form, unit__in=assigned, period_id__in=[p.id for p in periods])
        }
        for unit in assigned:
            for period in periods:
                if not _alive_during(lifetimes[unit.pk], period):
                    continue
                report = reports.get((unit.pk, period.id))
                if report is not None and report.status in COUNTED_STATUSES:
                    continue
                deadline = (
                    report.deadline
                    if report
                    else submission_deadline(period, form.deadline_working_days, province_code=unit.province_code)
                )
                items.append(
                    ReportDue(
                        form=form,
                        unit=unit,
                        period=period,
                        deadline=deadline,
                        submission=report,
                        overdue=deadline < today,
                    )
                )
    items.sort(key=lambda item: (item.deadline, item.form.code, item.unit.path))
    return items


def _lifetimes(units: list[Unit]) -> dict[int, tuple[dt.date | None, dt.date | None]]:
    """Each unit's first and last day, narrowed by its ancestors' (as _open_units does in SQL)."""
    prefixes = {u.path[:n] for u in units for n in range(Unit.steplen, len(u.path) + 1, Unit.steplen)}
    dates = {
        path: (start, end)
        for path, start, end in Unit.objects.filter(path__in=prefixes).values_list("path", "valid_from", "valid_to")
    }
    lifetimes = {}
    for unit in units:
        starts, ends = [], []
        for n in range(Unit.steplen, len(unit.path) + 1, Unit.steplen):
            start, end = dates.get(unit.path[:n], (None, None))
            if start is not None:
                starts.append(start)
            if end is not None:
                ends.append(end)
        lifetimes[unit.pk] = (max(starts, default=None), min(ends, default=None))
    return lifetimes


def _alive_during(lifetime: tuple[dt.date | None, dt.date | None], period: Period) -> bool:
    start, end = lifetime
    return (start is None or start <= period.end) and (end is None or end >= period.start)


def _recent_periods(kind: PeriodType, today: dt.date) -> list[Period]:
    current = period_containing(today, kind) or period_containing(today - dt.timedelta(days=92), kind)
    if current is None:  # pragma: no cover - only a nine-month type lacks a period, and 92 days back has one
        return []
    periods = [current]
    earliest = today - dt.timedelta(days=DUE_LOOKBACK_DAYS)
    previous = current.previous()
    while previous.end >= earliest:
        periods.append(previous)
        previous = previous.previous()
    return periods
