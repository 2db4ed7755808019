"""The figures leaders read: one place, read by the dashboard, the scorecards, the API and the review report.

Everything here is read live from the modules' own selectors and models, scoped to the reader:

- a **scope unit** (default: the reader's top visible unit) — the figures cover its subtree; a
  unit outside the reader's scope is a 404 (`scope_unit`);
- a **span** of dates: a report period id of Decree 09 (`2025`, `2025S1`, `2025Q2`, `202503`; its
  cut-off window, so every component covers the same days as the reports do) or any from/to;
- six **components**, each a `core.rates.Compliance` (the one on-time formula: on time /
  (on time + late + open overdue)): duties under agreements, tasks, reports (completeness and
  timeliness; a missing report past its deadline counts as an open overdue item), post-supervision
  recommendations, critiques.

Speed (issue 7, "Speed"): each component is a handful of SQL aggregates grouped by unit path or
area, never a query per unit. The rankings group by the prefix of the materialised path of the
owing unit (treebeard), so a province's communes roll up in the same query that counts them.

Modules of issue 5/6 (tasks, oversight, criticism) are read through their contract selectors;
when one is not installed or lacks its selector the component is "not available" (None) rather
than an error — the dashboard says so.
"""

from __future__ import annotations

import datetime as dt
import importlib
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db.models import Count, Exists, F, OuterRef, Q, QuerySet
from django.db.models.functions import Substr
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from phoihop.agreements import selectors as agreement_selectors
from phoihop.agreements.models import Area, Obligation, Occurrence
from phoihop.agreements.permissions import agreements_visible
from phoihop.calendar.periods import Period, PeriodType, make_period, parse_period, period_containing
from phoihop.core.rates import Compliance
from phoihop.orgs import access
from phoihop.orgs.models import Unit
from phoihop.reporting import selectors as reporting_selectors
from phoihop.reporting.models import ReportForm, Submission

OBLIGATIONS = "obligations"
TASKS = "tasks"
REPORTS_COMPLETE = "reports_complete"
REPORTS = "reports"
RECOMMENDATIONS = "recommendations"
CRITIQUES = "critiques"

# The tiles, in the order leaders read them. REPORTS_COMPLETE is shown beside REPORTS but is not
# an on-time rate: it is submitted / expected, whatever the date.
COMPONENT_LABELS = {
    OBLIGATIONS: _("Duties done on time"),
    TASKS: _("Tasks done on time"),
    REPORTS_COMPLETE: _("Reports submitted"),
    REPORTS: _("Reports submitted on time"),
    RECOMMENDATIONS: _("Recommendations answered on time"),
    CRITIQUES: _("Critiques answered on time"),
}
# The components a unit's score is made of (REPORTS_COMPLETE is inside REPORTS already).
SCORED = (OBLIGATIONS, TASKS, REPORTS, RECOMMENDATIONS, CRITIQUES)
PERIOD_KINDS = (PeriodType.YEARLY, PeriodType.SIX_MONTHLY, PeriodType.QUARTERLY, PeriodType.MONTHLY)


def _today(today: dt.date | None) -> dt.date:
    return today or timezone.localdate()


# --- Scope and span ------------------------------------------------------------------------------


def default_scope(user: Any) -> Unit | None:
    """Return the reader's top visible unit (shallowest, then first in tree order), None when none."""
    return access.units_visible(user).order_by("depth", "path").first()


def scope_unit(user: Any, pk: Any = None) -> Unit:
    """Return the unit the figures cover: the one asked (404 outside the reader's scope) or the default."""
    if pk not in (None, ""):
        return access.access_unit(user, pk)
    unit = default_scope(user)
    if unit is None:
        from django.http import Http404

        raise Http404
    return unit


@dataclass(frozen=True)
class Span:
    """A stretch of days the figures cover; `period` when it is a report period of Decree 09."""

    id: str
    date_from: dt.date
    date_to: dt.date
    period: Period | None = None

    @property
    def label(self) -> str:
        if self.period is not None:
            return self.period.label
        from phoihop.core.dates import short_date

        return gettext("From %(start)s to %(end)s") % {
            "start": short_date(self.date_from),
            "end": short_date(self.date_to),
        }

    def previous(self, count: int) -> list[Span]:
        """Return `count` spans ending with this one, oldest first (the trend)."""
        if self.period is None:
            # A custom stretch: the same number of days, back to back.
            length = (self.date_to - self.date_from).days + 1
            spans = []
            end = self.date_to
            for _n in range(count):
                start = end - dt.timedelta(days=length - 1)
                spans.append(custom_span(start, end))
                end = start - dt.timedelta(days=1)
            return list(reversed(spans))
        periods = [self.period]
        while len(periods) < count:
            periods.append(periods[-1].previous())
        return [period_span(p) for p in reversed(periods)]


def period_span(period: Period) -> Span:
    return Span(id=period.id, date_from=period.start, date_to=period.end, period=period)


def custom_span(date_from: dt.date, date_to: dt.date) -> Span:
    return Span(id=f"{date_from.isoformat()}_{date_to.isoformat()}", date_from=date_from, date_to=date_to)


def span_of(
    period_id: str | None = None,
    *,
    date_from: dt.date | None = None,
    date_to: dt.date | None = None,
    today: dt.date | None = None,
) -> Span:
    """Return the span for a period id or a from/to pair; by default the year (Decree 09 window) of today.

    A ValidationError keyed "period" (or "date_to") carries a message for the reader.
    """
    if date_from or date_to:
        if not (date_from and date_to):
            raise ValidationError({"date_to": gettext("Give both the first and the last day, or a period.")})
        if date_from > date_to:
            raise ValidationError({"date_to": gettext("The last day comes before the first day.")})
        return custom_span(date_from, date_to)
    if period_id:
        try:
            period = parse_period(period_id)
        except ValueError as exc:
            raise ValidationError({"period": str(exc)}) from exc
        return period_span(period)
    return period_span(period_containing(_today(today), PeriodType.YEARLY))


def period_choices(today: dt.date | None = None, years: int = 5) -> list[Period]:
    """Return the years, halves and quarters of the last `years` years up to today's, newest first."""
    today = _today(today)
    current_year = period_containing(today, PeriodType.YEARLY).year
    choices: list[Period] = []
    for year in range(current_year, current_year - years, -1):
        choices.append(make_period(PeriodType.YEARLY, year))
        for kind in (PeriodType.SIX_MONTHLY, PeriodType.QUARTERLY):
            for period in reversed([make_period(kind, year, n) for n in range(1, 5 if kind == "quarterly" else 3)]):
                if period.start <= today:
                    choices.append(period)
    return choices


# --- Compliance arithmetic -----------------------------------------------------------------------


COUNT_FIELDS = ("done_on_time", "done_late", "overdue_open", "upcoming", "waived")


def add(*items: Compliance | None) -> Compliance:
    """Add up counts (e.g. the forms of a report component); the rate is recomputed from the sums."""
    totals = {name: sum(getattr(c, name) for c in items if c is not None) for name in COUNT_FIELDS}
    return Compliance.from_counts(totals)


def completeness(reports: Compliance | None) -> float | None:
    """Submitted / expected as a fraction (reports done on time or late, over all that were due)."""
    if reports is None or not reports.due:
        return None
    return (reports.done_on_time + reports.done_late) / reports.due


def rate_of(key: str, figures: dict[str, Compliance | None]) -> float | None:
    """Return a component's rate as a fraction (None: nothing due, or the module is not there)."""
    if key == REPORTS_COMPLETE:
        return completeness(figures.get(REPORTS))
    value = figures.get(key)
    return None if value is None else value.on_time_rate


# --- Optional modules ------------------------------------------------------------------------------


def module_selector(module: str, name: str) -> Callable[..., Any] | None:
    """Return `phoihop.<module>.selectors.<name>`, or None while that module does not provide it."""
    try:
        selectors = importlib.import_module(f"phoihop.{module}.selectors")
    except ImportError:
        return None
    return getattr(selectors, name, None)


def _paths_of(unit_ids: Iterable[int]) -> dict[int, str]:
    ids = [pk for pk in unit_ids if pk is not None]
    return dict(Unit.objects.filter(pk__in=ids).values_list("pk", "path")) if ids else {}


def _roll_up_by_unit(counts: dict[int, Compliance], within: Unit, length: int) -> dict[str, Compliance]:
    """Add per-unit figures (keyed by unit id) into the path prefixes of `length` under `within`."""
    paths = _paths_of(counts)
    grouped: dict[str, list[Compliance]] = defaultdict(list)
    for pk, figures in counts.items():
        path = paths.get(pk)
        if path is None or not path.startswith(within.path):
            continue
        grouped[path[:length]].append(figures)
    return {prefix: add(*items) for prefix, items in grouped.items()}


# --- Obligations (agreements) ---------------------------------------------------------------------


def _occurrences_in(user: Any, within: Unit, span: Span | None) -> QuerySet[Occurrence]:
    """Occurrences of visible, signed agreements owed by a unit of `within`'s subtree, due in the span."""
    owed = Obligation.objects.filter(owing_units__path__startswith=within.path).values("pk")
    occurrences = Occurrence.objects.filter(
        obligation__agreement__in=agreements_visible(user),
        obligation__agreement__status__in=agreement_selectors.COUNTED_STATUSES,
        obligation__in=owed,
    )
    if span is not None:
        occurrences = occurrences.filter(due_on__gte=span.date_from, due_on__lte=span.date_to)
    return occurrences


def _compliance_from_statuses(rows: Iterable[tuple[str, int]]) -> Compliance:
    """Turn (display status, count) rows of agreements.selectors into counts (due soon is upcoming)."""
    counts: dict[str, int] = defaultdict(int)
    for status, number in rows:
        if status in (agreement_selectors.DUE_SOON, agreement_selectors.UPCOMING):
            counts["upcoming"] += number
        elif status == agreement_selectors.OVERDUE:
            counts["overdue_open"] += number
        else:
            counts[status] += number
    return Compliance.from_counts(counts)


def obligation_compliance(*, user: Any, within: Unit, span: Span | None, today: dt.date) -> Compliance:
    """Count the duties owed inside `within` by status, in one query (agreements' own status rules)."""
    rows = (
        agreement_selectors.with_display_status(_occurrences_in(user, within, span), today=today)
        .values_list("display_status")
        .annotate(n=Count("pk"))
        .order_by()
    )
    return _compliance_from_statuses(rows)


def _obligations_grouped(user: Any, within: Unit, span: Span, today: dt.date, group: Any) -> dict[Any, Compliance]:
    rows = (
        agreement_selectors.with_display_status(_occurrences_in(user, within, span), today=today)
        .annotate(group=group)
        .values_list("group", "display_status")
        .annotate(n=Count("pk", distinct=True))
        .order_by()
    )
    by_group: dict[Any, list[tuple[str, int]]] = defaultdict(list)
    for key, status, number in rows:
        by_group[key].append((status, number))
    return {key: _compliance_from_statuses(items) for key, items in by_group.items()}


def obligations_by_prefix(*, user: Any, within: Unit, length: int, span: Span, today: dt.date) -> dict[str, Compliance]:
    """Count duties per owing unit's path prefix (a duty owed jointly counts once for each group)."""
    owing_path = "obligation__owing_units__path"
    rows = (
        agreement_selectors.with_display_status(_occurrences_in(user, within, span), today=today)
        .filter(**{f"{owing_path}__startswith": within.path})
        .annotate(group=Substr(owing_path, 1, length))
        .values_list("group", "display_status")
        .annotate(n=Count("pk", distinct=True))
        .order_by()
    )
    by_group: dict[str, list[tuple[str, int]]] = defaultdict(list)
    for key, status, number in rows:
        by_group[key].append((status, number))
    return {key: _compliance_from_statuses(items) for key, items in by_group.items()}


def obligations_by_area(*, user: Any, within: Unit, span: Span, today: dt.date) -> dict[int, Compliance]:
    return _obligations_grouped(user, within, span, today, F("obligation__area_id"))


# --- Reports (reporting) ---------------------------------------------------------------------------


@dataclass(frozen=True)
class FormPeriod:
    form: ReportForm
    period: Period
    deadline: dt.date
    max_depth: int = 1


def form_periods(span: Span, today: dt.date, province_code: str = "") -> list[FormPeriod]:
    """The active forms' periods whose window lies inside the span and whose deadline has passed.

    A report still inside its deadline is neither late nor missing yet, so its period waits.
    """
    from phoihop.calendar.periods import submission_deadline

    found: list[FormPeriod] = []
    max_depth = 0
    for form in ReportForm.objects.filter(is_active=True).order_by("code"):
        max_depth = max_depth or reporting_selectors._tree_depth()
        period = period_containing(span.date_from, form.period_type)
        while period is not None and period.start <= span.date_to:
            if period.start >= span.date_from and period.end <= span.date_to:
                deadline = submission_deadline(period, form.deadline_working_days, province_code=province_code)
                if deadline < today:
                    found.append(FormPeriod(form, period, deadline, max_depth))
            period = period.next()
    return found


def _report_rows(item: FormPeriod, within: Unit) -> QuerySet:
    """One narrow row per expected unit of `within` (as reporting_rates counts): id, path, reported, on time.

    The expected units come from reporting's own rule (`_expected_between`, what `expected_units`
    calls) given the tree's depth read once per list of periods, not once per period.
    """
    expected = reporting_selectors._expected_between(
        item.form, item.period.start, item.period.end, item.max_depth
    ).filter(path__startswith=within.path)
    reports = Submission.objects.filter(form=item.form, period_id=item.period.id, unit=OuterRef("pk"))
    counted = reports.filter(status__in=reporting_selectors.COUNTED_STATUSES)
    return expected.annotate(
        has_report=Exists(counted), reported_on_time=Exists(counted.filter(submitted_on__lte=F("deadline")))
    )


def _report_compliance(expected: int, submitted: int, on_time: int) -> Compliance:
    return Compliance.from_counts(
        {"done_on_time": on_time, "done_late": submitted - on_time, "overdue_open": expected - submitted}
    )


def report_compliance(*, within: Unit, span: Span, today: dt.date) -> Compliance:
    """Reports owed by `within`'s subtree for the closed form periods of the span: one COUNT per form period.

    Equal to reporting.selectors.reporting_rates added up over forms: on time = its `on_time`,
    late = submitted − on time, open overdue = missing.
    """
    total = Compliance()
    for item in form_periods(span, today, within.province_code):
        counts = _report_rows(item, within).aggregate(
            expected=Count("pk"),
            submitted=Count("pk", filter=Q(has_report=True)),
            on_time=Count("pk", filter=Q(reported_on_time=True)),
        )
        total = add(total, _report_compliance(counts["expected"], counts["submitted"], counts["on_time"]))
    return total


@dataclass(frozen=True)
class MissingReport:
    form: ReportForm
    period: Period
    deadline: dt.date
    unit_id: int


def reports_by_prefix(
    *, within: Unit, length: int, span: Span, today: dt.date
) -> tuple[dict[str, Compliance], list[MissingReport]]:
    """Reports per path prefix of `length`, and every missing report (one query per form period)."""
    counts: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])
    missing = []
    for item in form_periods(span, today, within.province_code):
        for pk, path, has_report, on_time in _report_rows(item, within).values_list(
            "pk", "path", "has_report", "reported_on_time"
        ):
            slot = counts[path[:length]]
            slot[0] += 1
            slot[1] += has_report
            slot[2] += on_time
            if not has_report:
                missing.append(MissingReport(item.form, item.period, item.deadline, pk))
    return {prefix: _report_compliance(*slot) for prefix, slot in counts.items()}, missing


# --- Tasks, recommendations, critiques (through their contract selectors) ------------------------


def _is_front(unit: Unit) -> bool:
    return unit.kind in (Unit.Kind.FRONT_COMMITTEE, Unit.Kind.MASS_ORG)


def task_compliance(*, user: Any, within: Unit, span: Span, today: dt.date) -> Compliance | None:
    select = module_selector("tasks", "task_compliance")
    if select is None:
        return None
    return select(user=user, unit=within, date_from=span.date_from, date_to=span.date_to, today=today)


def _by_unit_rolled(
    module: str, name: str, user: Any, within: Unit, length: int, span: Span, today: dt.date, **extra: Any
) -> dict[str, Compliance] | None:
    select = module_selector(module, name)
    if select is None:
        return None
    counts = select(user=user, date_from=span.date_from, date_to=span.date_to, today=today, **extra)
    return _roll_up_by_unit(counts, within, length)


def tasks_by_prefix(
    *, user: Any, within: Unit, length: int, span: Span, today: dt.date
) -> dict[str, Compliance] | None:
    return _by_unit_rolled("tasks", "task_compliance_by", user, within, length, span, today, by="unit")


def recommendation_compliance(*, user: Any, within: Unit, span: Span, today: dt.date) -> Compliance | None:
    """Recommendations answered on time: made by `within` when it is a Front body, else addressed inside it."""
    if _is_front(within):
        select = module_selector("oversight", "recommendation_compliance")
        if select is None:
            return None
        return select(user=user, front_unit=within, date_from=span.date_from, date_to=span.date_to, today=today)
    rolled = recommendations_by_prefix(user=user, within=within, length=len(within.path), span=span, today=today)
    return None if rolled is None else add(*rolled.values())


def recommendations_by_prefix(
    *, user: Any, within: Unit, length: int, span: Span, today: dt.date
) -> dict[str, Compliance] | None:
    return _by_unit_rolled("oversight", "recommendation_compliance_by_agency", user, within, length, span, today)


def critique_compliance(*, user: Any, within: Unit, span: Span, today: dt.date) -> Compliance | None:
    """Critiques answered on time: those the reader sees when `within` is a Front body, else drafted inside it."""
    if _is_front(within):
        select = module_selector("criticism", "critique_compliance")
        if select is None:
            return None
        return select(user=user, date_from=span.date_from, date_to=span.date_to, today=today)
    rolled = critiques_by_prefix(user=user, within=within, length=len(within.path), span=span, today=today)
    return None if rolled is None else add(*rolled.values())


def critiques_by_prefix(
    *, user: Any, within: Unit, length: int, span: Span, today: dt.date
) -> dict[str, Compliance] | None:
    return _by_unit_rolled("criticism", "critique_compliance_by_unit", user, within, length, span, today)


# --- The components together -----------------------------------------------------------------------


def figures(
    *, user: Any, scope: Unit, span: Span, today: dt.date | None = None, reports: Compliance | None = None
) -> dict[str, Compliance | None]:
    """Return the components for the scope's subtree and the span (None: module not available).

    REPORTS holds the report counts; REPORTS_COMPLETE is derived from them by `rate_of()`.
    `reports`: the report counts when the caller has them already (the ranking adds them up).
    """
    today = _today(today)
    return _figures(user, scope, span, today, reports)


@reporting_selectors.analytic_read
def _figures(
    user: Any, scope: Unit, span: Span, today: dt.date, reports: Compliance | None = None
) -> dict[str, Compliance | None]:
    return {
        OBLIGATIONS: obligation_compliance(user=user, within=scope, span=span, today=today),
        TASKS: task_compliance(user=user, within=scope, span=span, today=today),
        REPORTS: reports if reports is not None else report_compliance(within=scope, span=span, today=today),
        RECOMMENDATIONS: recommendation_compliance(user=user, within=scope, span=span, today=today),
        CRITIQUES: critique_compliance(user=user, within=scope, span=span, today=today),
    }


@dataclass
class TrendPoint:
    span: Span
    rates: dict[str, float | None]


def trend(
    *,
    user: Any,
    scope: Unit,
    span: Span,
    count: int | None = None,
    today: dt.date | None = None,
    current: dict[str, Compliance | None] | None = None,
) -> list[TrendPoint]:
    """Return the rates of each component over the `count` spans ending with `span`, oldest first.

    `current`: the figures of `span` itself when the caller has them (they are not read twice).
    """
    today = _today(today)
    count = count or settings.PHOIHOP_INSIGHTS_TREND_PERIODS
    points = []
    for each in span.previous(count):
        values = current if (current is not None and each == span) else _figures(user, scope, each, today)
        points.append(TrendPoint(each, {key: rate_of(key, values) for key in COMPONENT_LABELS}))
    return points


@dataclass
class AreaRow:
    area: Area
    obligations: Compliance | None
    tasks: Compliance | None


def by_area(*, user: Any, scope: Unit, span: Span, today: dt.date | None = None) -> list[AreaRow]:
    """Return duties (and tasks, when the tasks module is there) per content area, areas with figures only.

    Tasks by area come from tasks.task_compliance_by, which counts everything the reader sees; it
    is shown only when the scope is the reader's own top unit, where the two agree.
    """
    today = _today(today)
    duties = obligations_by_area(user=user, within=scope, span=span, today=today)
    tasks: dict[int, Compliance] = {}
    select = module_selector("tasks", "task_compliance_by")
    top = default_scope(user)
    if select is not None and top is not None and top.pk == scope.pk:
        tasks = select(user=user, by="area", date_from=span.date_from, date_to=span.date_to, today=today)
    ids = {pk for pk in [*duties, *tasks] if pk is not None}
    return [
        AreaRow(area, duties.get(area.pk), tasks.get(area.pk) if tasks else None)
        for area in Area.objects.filter(pk__in=ids).order_by("order", "name")
    ]


@dataclass
class UnitRow:
    unit: Unit
    figures: dict[str, Compliance | None]
    score: float | None = None
    rank: int | None = None

    def rate(self, key: str) -> float | None:
        return rate_of(key, self.figures)


@dataclass
class Ranking:
    rows: list[UnitRow]
    missing_reports: list[MissingReport] = field(default_factory=list)
    # Every expected report of the scope added up (what report_compliance() returns for it).
    reports: Compliance | None = None


def figures_by_prefix(
    *, user: Any, within: Unit, length: int, span: Span, today: dt.date
) -> tuple[dict[str, dict[str, Compliance | None]], list[MissingReport]]:
    """Every scored component per path prefix of `length` under `within`: one grouped read per component."""
    duties = obligations_by_prefix(user=user, within=within, length=length, span=span, today=today)
    reports, missing = reports_by_prefix(within=within, length=length, span=span, today=today)
    tasks = tasks_by_prefix(user=user, within=within, length=length, span=span, today=today)
    recommendations = recommendations_by_prefix(user=user, within=within, length=length, span=span, today=today)
    critiques = critiques_by_prefix(user=user, within=within, length=length, span=span, today=today)
    sources = {
        OBLIGATIONS: duties,
        TASKS: tasks,
        REPORTS: reports,
        RECOMMENDATIONS: recommendations,
        CRITIQUES: critiques,
    }
    prefixes = {prefix for source in sources.values() if source for prefix in source}
    result = {
        prefix: {key: (None if source is None else source.get(prefix, Compliance())) for key, source in sources.items()}
        for prefix in prefixes
    }
    return result, missing


def by_unit(*, user: Any, scope: Unit, span: Span, today: dt.date | None = None) -> Ranking:
    """Return the units directly inside the scope, each with its subtree's components and score, best first."""
    from phoihop.insights.scorecards import rank_rows

    today = _today(today)
    return _by_unit(user, scope, span, today, rank_rows)


@reporting_selectors.analytic_read
def _by_unit(user: Any, scope: Unit, span: Span, today: dt.date, rank_rows: Callable) -> Ranking:
    length = (scope.depth + 1) * Unit.steplen
    grouped, missing = figures_by_prefix(user=user, within=scope, length=length, span=span, today=today)
    children = access.units_visible(user).filter(path__startswith=scope.path, depth=scope.depth + 1)
    children = children.filter(reporting_selectors.open_during_q(span.date_from, span.date_to)).order_by("path")
    rows = [UnitRow(unit, grouped.get(unit.path, dict.fromkeys(SCORED))) for unit in children]
    reports = add(*(values[REPORTS] for values in grouped.values()))
    return Ranking(rank_rows(rows), missing, reports)


# --- What is overdue now -------------------------------------------------------------------------


@dataclass(frozen=True)
class OverdueItem:
    kind: str  # obligations, tasks, reports, recommendations, critiques
    label: Any  # lazy noun: Duty, Task, Report, …
    title: str
    unit_name: str
    unit_id: int | None
    due_on: dt.date
    url: str
    days_overdue: int = 0


KIND_LABELS = {
    OBLIGATIONS: _("Duty"),
    TASKS: _("Task"),
    REPORTS: _("Report"),
    RECOMMENDATIONS: _("Recommendation"),
    CRITIQUES: _("Critique"),
}


def _first_unit(obj: Any, *names: str) -> Unit | None:
    for name in names:
        value = getattr(obj, name, None)
        if isinstance(value, Unit):
            return value
    return None


def overdue_now(
    *,
    user: Any,
    scope: Unit,
    span: Span | None = None,
    limit: int = 50,
    missing_reports: list[MissingReport] | None = None,
    today: dt.date | None = None,
) -> tuple[list[OverdueItem], dict[str, int]]:
    """Return the oldest overdue items across modules (at most `limit`) and each module's full count.

    Duties, tasks, recommendations and critiques: everything open past its deadline today, any
    date. Reports: the reports missing for the span's closed periods (pass them when already
    read by `by_unit`); a missing report of long ago is history, not a to-do.
    """
    today = _today(today)
    items: list[OverdueItem] = []
    counts: dict[str, int] = {}

    duties = agreement_selectors.occurrence_list(user=user, status=agreement_selectors.OVERDUE, today=today).filter(
        obligation__in=Obligation.objects.filter(owing_units__path__startswith=scope.path).values("pk"),
        obligation__agreement__status__in=agreement_selectors.COUNTED_STATUSES,
    )
    counts[OBLIGATIONS] = duties.count()
    for occurrence in duties.prefetch_related("obligation__owing_units")[:limit]:
        owing = [u for u in occurrence.obligation.owing_units.all() if u.path.startswith(scope.path)]
        items.append(
            OverdueItem(
                OBLIGATIONS,
                KIND_LABELS[OBLIGATIONS],
                occurrence.obligation.title,
                ", ".join(u.name for u in owing),
                owing[0].pk if owing else None,
                occurrence.due_on,
                _occurrence_url(occurrence),
            )
        )

    for key, module, name, due_fields, unit_fields in (
        (TASKS, "tasks", "overdue_tasks", ("due_date",), ("lead_unit",)),
        (RECOMMENDATIONS, "oversight", "overdue_recommendations", ("deadline",), ("addressee",)),
        (CRITIQUES, "criticism", "overdue_critiques", ("disposition_due",), ("drafting_unit",)),
    ):
        select = module_selector(module, name)
        if select is None:
            continue
        # A Front body is owed the answers: its reader sees what is overdue to it, not inside it.
        records = select(user=user, unit=None if _is_front(scope) and key != TASKS else scope, today=today)
        counts[key] = records.count()
        for record in records[:limit]:
            unit = _first_unit(record, *unit_fields)
            due = next((getattr(record, f) for f in due_fields if getattr(record, f, None)), None)
            if due is None:
                continue
            items.append(
                OverdueItem(
                    key,
                    KIND_LABELS[key],
                    str(getattr(record, "title", "") or record),
                    unit.name if unit else "",
                    unit.pk if unit else None,
                    due,
                    record.get_absolute_url(),
                )
            )

    if missing_reports is None and span is not None:
        _grouped, missing_reports = reports_by_prefix(within=scope, length=len(scope.path), span=span, today=today)
    missing_reports = sorted(missing_reports or [], key=lambda m: (m.deadline, m.unit_id))
    counts[REPORTS] = len(missing_reports)
    units = Unit.objects.in_bulk({m.unit_id for m in missing_reports[:limit]})
    for missing in missing_reports[:limit]:
        unit = units[missing.unit_id]
        items.append(
            OverdueItem(
                REPORTS,
                KIND_LABELS[REPORTS],
                f"{missing.form.name} — {missing.period.label}",
                unit.name,
                unit.pk,
                missing.deadline,
                _entry_url(missing),
            )
        )
    items.sort(key=lambda item: (item.due_on, str(item.kind)))
    items = [replace(item, days_overdue=(today - item.due_on).days) for item in items[:limit]]
    return items, counts


def _occurrence_url(occurrence: Occurrence) -> str:
    from django.urls import reverse

    return reverse("agreements:occurrence-detail", args=[occurrence.pk])


def _entry_url(missing: MissingReport) -> str:
    from django.urls import reverse

    return reverse("reporting:entry", args=[missing.form.pk, missing.unit_id, missing.period.id])
