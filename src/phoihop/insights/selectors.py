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

import contextvars
import datetime as dt
import importlib
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from itertools import pairwise
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db.models import Case, Count, F, IntegerField, Q, QuerySet, Value, When
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


# Within one request (`request_memo()`), the same module read with the same arguments is answered
# once: the ranking, the tiles and the overdue list ask for the same per-unit figures.
_MEMO: contextvars.ContextVar[dict | None] = contextvars.ContextVar("insights_memo", default=None)


@contextmanager
def request_memo() -> Iterator[dict]:
    """Keep the answers of the modules' selectors for the length of one page (nothing is kept after it)."""
    memo: dict = {}
    token = _MEMO.set(memo)
    try:
        yield memo
    finally:
        _MEMO.reset(token)


def _memo_key(value: Any) -> Any:
    if isinstance(value, Unit) or hasattr(value, "_meta"):
        return (type(value).__name__, value.pk)
    return value


def _memoised(module: str, name: str, select: Callable[..., Any]) -> Callable[..., Any]:
    def call(**kwargs: Any) -> Any:
        memo = _MEMO.get()
        if memo is None:
            return select(**kwargs)
        key = (module, name, tuple(sorted((k, _memo_key(v)) for k, v in kwargs.items())))
        if key not in memo:
            memo[key] = select(**kwargs)
        return memo[key]

    return call


def module_selector(module: str, name: str) -> Callable[..., Any] | None:
    """Return `phoihop.<module>.selectors.<name>`, or None while that module does not provide it.

    Inside `request_memo()` the answer of a call is kept for the same arguments (keyword-only).
    """
    try:
        selectors = importlib.import_module(f"phoihop.{module}.selectors")
    except ImportError:
        return None
    select = getattr(selectors, name, None)
    return None if select is None else _memoised(module, name, select)


def _paths_of(unit_ids: Iterable[int]) -> dict[int, str]:
    ids = [pk for pk in unit_ids if pk is not None]
    memo = _MEMO.get()
    if memo is None:
        return dict(Unit.objects.filter(pk__in=ids).values_list("pk", "path")) if ids else {}
    # One request reads each unit's path once, however many modules key their figures by it.
    known: dict[int, str] = memo.setdefault("paths", {})
    missing = [pk for pk in ids if pk not in known]
    if missing:
        known.update(Unit.objects.filter(pk__in=missing).values_list("pk", "path"))
    return {pk: known[pk] for pk in ids if pk in known}


def _subtree_paths(within: Unit, unit_ids: Iterable[int]) -> dict[int, str]:
    """Paths of the units keyed by the modules' per-unit figures, read once per request for the scope.

    A long `pk IN (…)` list of thousands of ids costs more to send than reading every unit of the
    subtree by its path index; the answer is kept on the scope's instance for the request.
    """
    ids = [pk for pk in unit_ids if pk is not None]
    if len(ids) < 500:
        return _paths_of(ids)
    cached = getattr(within, "_insights_paths", None)
    if cached is None:
        cached = dict(Unit.objects.filter(path__startswith=within.path).values_list("pk", "path"))
        within._insights_paths = cached
    return cached


def _roll_up_by_unit(counts: dict[int, Compliance], within: Unit, length: int) -> dict[str, Compliance]:
    """Add per-unit figures (keyed by unit id) into the path prefixes of `length` under `within`."""
    paths = _subtree_paths(within, counts)
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


def obligations_by_span(*, user: Any, within: Unit, spans: list[Span], today: dt.date) -> dict[str, Compliance]:
    """Count the duties owed inside `within` for each of several back-to-back spans, in one query.

    Each occurrence falls in the bucket of the span holding its due date (conditional CASE over
    the spans), so the counts equal `obligation_compliance` span by span.
    """
    ordered = sorted(spans, key=lambda sp: sp.date_from)
    if any(b.date_from <= a.date_to for a, b in pairwise(ordered)):
        # Overlapping spans would share an occurrence: count them one by one.
        return {sp.id: obligation_compliance(user=user, within=within, span=sp, today=today) for sp in spans}
    bucket = Case(
        *[When(due_on__gte=sp.date_from, due_on__lte=sp.date_to, then=Value(n)) for n, sp in enumerate(ordered)],
        output_field=IntegerField(),
    )
    rows = (
        agreement_selectors.with_display_status(_occurrences_in(user, within, None), today=today)
        .filter(due_on__gte=ordered[0].date_from, due_on__lte=ordered[-1].date_to)
        .annotate(bucket=bucket)
        .values_list("bucket", "display_status")
        .annotate(n=Count("pk"))
        .order_by()
    )
    by_bucket: dict[int, list[tuple[str, int]]] = defaultdict(list)
    for number, status, count in rows:
        if number is not None:
            by_bucket[number].append((status, count))
    return {sp.id: _compliance_from_statuses(by_bucket.get(n, [])) for n, sp in enumerate(ordered)}


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


def _active_forms() -> tuple[list[ReportForm], int]:
    """The active report forms and the depth of the tree (read once per request inside `request_memo()`)."""
    memo = _MEMO.get()
    if memo is not None and "forms" in memo:
        return memo["forms"]
    forms = list(ReportForm.objects.filter(is_active=True).order_by("code"))
    answer = (forms, reporting_selectors._tree_depth() if forms else 0)
    if memo is not None:
        memo["forms"] = answer
    return answer


def form_periods(span: Span, today: dt.date, province_code: str = "") -> list[FormPeriod]:
    """The active forms' periods whose window lies inside the span and whose deadline has passed.

    A report still inside its deadline is neither late nor missing yet, so its period waits.
    """
    from phoihop.calendar.periods import submission_deadline

    found: list[FormPeriod] = []
    forms, max_depth = _active_forms()
    for form in forms:
        period = period_containing(span.date_from, form.period_type)
        while period is not None and period.start <= span.date_to:
            if period.start >= span.date_from and period.end <= span.date_to:
                deadline = submission_deadline(period, form.deadline_working_days, province_code=province_code)
                if deadline < today:
                    found.append(FormPeriod(form, period, deadline, max_depth))
            period = period.next()
    return found


def _report_compliance(expected: int, submitted: int, on_time: int) -> Compliance:
    return Compliance.from_counts(
        {"done_on_time": on_time, "done_late": submitted - on_time, "overdue_open": expected - submitted}
    )


@dataclass(frozen=True)
class MissingReport:
    form: ReportForm
    period: Period
    deadline: dt.date
    unit_id: int


def _dated_units(within: Unit) -> dict[str, tuple[dt.date | None, dt.date | None]]:
    """Paths and dates of the units with a date, inside `within` or above it (one query; few rows)."""
    above = [within.path[: k * Unit.steplen] for k in range(1, within.depth)]
    rows = (
        Unit.objects.filter(Q(valid_from__isnull=False) | Q(valid_to__isnull=False))
        .filter(Q(path__startswith=within.path) | Q(path__in=above))
        .values_list("path", "valid_from", "valid_to")
    )
    return {path: (start, end) for path, start, end in rows}


def _open_during(lifetimes: Iterable[tuple[dt.date | None, dt.date | None]], period: Period) -> bool:
    return all((a is None or a <= period.end) and (b is None or b >= period.start) for a, b in lifetimes)


class ReportBook:
    """Reports owed inside `within` for the form periods of some spans: two queries per form, however many periods.

    The same count as reporting.selectors.reporting_rates (tests compare them), read differently
    for speed (issue 7): reporting's own rule picks the expected units once for the whole stretch
    of periods (`_expected_between`: assigned, open at some time in it, ancestors too); whether
    each is expected in each period is then decided here from its dates and its dated
    ancestors' (reporting_rates' "open during the period, every ancestor open too"); units
    without dates — nearly all — are expected in every period and counted once. Reports are
    counted in SQL grouped by period and path prefix, among those expected units. Building the
    ORM expression of the expected units costs more than running it, so doing it once per form
    instead of once per period is most of the gain.
    """

    def __init__(self, *, within: Unit, spans: list[Span], today: dt.date, length: int | None = None) -> None:
        self.within = within
        self.length = length or len(within.path)
        self.items: list[FormPeriod] = []
        seen: set[tuple[int, str]] = set()
        for span in spans:
            for item in form_periods(span, today, within.province_code):
                if (item.form.pk, item.period.id) not in seen:
                    seen.add((item.form.pk, item.period.id))
                    self.items.append(item)
        # (form, period) -> prefix -> [expected, submitted, on time]
        self.counts: dict[tuple[int, str], dict[str, list[int]]] = defaultdict(lambda: defaultdict(lambda: [0, 0, 0]))
        # form -> (units expected in every period, dated units with their lifetimes)
        self.expected: dict[int, tuple[list[tuple[int, str]], list[tuple[int, str, list]]]] = {}
        if self.items:
            self._read()

    def _read(self) -> None:
        dated = _dated_units(self.within)
        by_form: dict[int, list[FormPeriod]] = defaultdict(list)
        for item in self.items:
            by_form[item.form.pk].append(item)
        for items in by_form.values():
            form = items[0].form
            start = min(i.period.start for i in items)
            end = max(i.period.end for i in items)
            units = (
                reporting_selectors._expected_between(form, start, end, items[0].max_depth)
                .filter(path__startswith=self.within.path)
                .values_list("pk", "path")
            )
            always, varying = [], []
            # Units sharing the same dates (own and ancestors') are decided together, once per period.
            by_lifetimes: dict[tuple, dict[str, int]] = defaultdict(lambda: defaultdict(int))
            for pk, path in units:
                steps = range(Unit.steplen, len(path) + 1, Unit.steplen)
                lifetimes = tuple(dated[path[:n]] for n in steps if path[:n] in dated)
                (varying.append((pk, path, lifetimes)) if lifetimes else always.append((pk, path)))
                by_lifetimes[lifetimes][path[: self.length]] += 1
            self.expected[form.pk] = (always, varying)
            for item in items:
                slots = self.counts[(form.pk, item.period.id)]
                for lifetimes, prefixes in by_lifetimes.items():
                    if _open_during(lifetimes, item.period):
                        for prefix, number in prefixes.items():
                            slots[prefix][0] += number
            if not by_lifetimes:
                continue
            # Every counted report is of an expected unit: reporting's submission_open refuses a
            # unit not expected for the period, so the reports need no join to the expected units.
            rows = (
                Submission.objects.filter(
                    form=form,
                    period_id__in=[i.period.id for i in items],
                    status__in=reporting_selectors.COUNTED_STATUSES,
                    unit__path__startswith=self.within.path,
                )
                .annotate(prefix=Substr("unit__path", 1, self.length))
                .values_list("period_id", "prefix")
                .annotate(n=Count("pk"), on_time=Count("pk", filter=Q(submitted_on__lte=F("deadline"))))
                .order_by()
            )
            for period_id, prefix, number, on_time in rows:
                slot = self.counts[(form.pk, period_id)][prefix]
                slot[1] += number
                slot[2] += on_time

    def in_span(self, span: Span) -> list[FormPeriod]:
        """The form periods of the book that lie inside the span."""
        return self._in(span)

    def _in(self, span: Span) -> list[FormPeriod]:
        return [i for i in self.items if i.period.start >= span.date_from and i.period.end <= span.date_to]

    def by_prefix(self, span: Span) -> dict[str, Compliance]:
        """Reports of the span's closed form periods per path prefix."""
        totals: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])
        for item in self._in(span):
            for prefix, (expected, submitted, on_time) in self.counts[(item.form.pk, item.period.id)].items():
                slot = totals[prefix]
                slot[0] += expected
                slot[1] += submitted
                slot[2] += on_time
        return {prefix: _report_compliance(*slot) for prefix, slot in totals.items()}

    def compliance(self, span: Span, prefix: str | None = None) -> Compliance:
        """Reports of the span in all of `within` (or under one prefix)."""
        grouped = self.by_prefix(span)
        if prefix is not None:
            return grouped.get(prefix, Compliance())
        return add(*grouped.values())

    def missing(self, span: Span, limit: int, prefix: str = "") -> tuple[int, list[MissingReport]]:
        """Count the missing reports of the span; list the `limit` oldest (by deadline), a query per period read."""
        items = sorted(self._in(span), key=lambda i: (i.deadline, i.form.code))
        total = 0
        found: list[MissingReport] = []
        for item in items:
            owed = sum(
                expected - submitted
                for key, (expected, submitted, _t) in self.counts[(item.form.pk, item.period.id)].items()
                if key.startswith(prefix)
            )
            total += owed
            if not owed or len(found) >= limit:
                continue
            always, varying = self.expected.get(item.form.pk, ([], []))
            expected = [pk for pk, path in always if path.startswith(prefix or self.within.path)]
            expected += [
                pk
                for pk, path, lifetimes in varying
                if path.startswith(prefix or self.within.path) and _open_during(lifetimes, item.period)
            ]
            sent = set(
                Submission.objects.filter(
                    form=item.form,
                    period_id=item.period.id,
                    status__in=reporting_selectors.COUNTED_STATUSES,
                    unit__path__startswith=prefix or self.within.path,
                ).values_list("unit_id", flat=True)
            )
            for pk in expected:
                if pk not in sent and len(found) < limit:
                    found.append(MissingReport(item.form, item.period, item.deadline, pk))
        return total, found


def report_compliance(*, within: Unit, span: Span, today: dt.date) -> Compliance:
    """Reports owed by `within`'s subtree for the closed form periods of the span.

    Equal to reporting.selectors.reporting_rates added up over forms and periods: on time = its
    `on_time`, late = submitted − on time, open overdue = missing.
    """
    return ReportBook(within=within, spans=[span], today=today).compliance(span)


# --- Tasks, recommendations, critiques (through their contract selectors) ------------------------


def _whole_tree(user: Any, unit: Unit) -> bool:
    """A system admin looking at a root sees every record: the module's total needs no roll-up by unit."""
    if unit.depth != 1 or not access.is_system_admin(user):
        return False
    memo = _MEMO.get()
    key = ("only_root", unit.pk)
    if memo is not None and key in memo:
        return memo[key]
    answer = not Unit.objects.filter(depth=1).exclude(pk=unit.pk).exists()
    if memo is not None:
        memo[key] = answer
    return answer


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
    if _whole_tree(user, within):
        select = module_selector("oversight", "recommendation_compliance")
        if select is None:
            return None
        return select(user=user, date_from=span.date_from, date_to=span.date_to, today=today)
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
    if _whole_tree(user, within):
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
    user: Any,
    scope: Unit,
    span: Span,
    today: dt.date,
    reports: Compliance | None = None,
    known: dict[str, Compliance] | None = None,
) -> dict[str, Compliance | None]:
    """`known`: components already read for the span (the trend folds its spans into one query per module)."""
    known = known or {}
    read = {
        OBLIGATIONS: obligation_compliance,
        TASKS: task_compliance,
        RECOMMENDATIONS: recommendation_compliance,
        CRITIQUES: critique_compliance,
    }
    values: dict[str, Compliance | None] = {
        key: known[key] if key in known else select(user=user, within=scope, span=span, today=today)
        for key, select in read.items()
    }
    values[REPORTS] = reports if reports is not None else report_compliance(within=scope, span=span, today=today)
    return {key: values[key] for key in (OBLIGATIONS, TASKS, REPORTS, RECOMMENDATIONS, CRITIQUES)}


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
    book: ReportBook | None = None,
) -> list[TrendPoint]:
    """Return the rates of each component over the `count` spans ending with `span`, oldest first.

    `current`: the figures of `span` itself when the caller has them (they are not read twice);
    `book`: the scope's reports over the trend's spans (see `trend_spans`), else read here.
    """
    today = _today(today)
    spans = trend_spans(span, count)
    book = book or ReportBook(within=scope, spans=spans, today=today)
    past = [each for each in spans if current is None or each != span]
    known = _trend_components(user, scope, past, today)
    points = []
    for each in spans:
        if current is not None and each == span:
            values = current
        else:
            values = _figures(user, scope, each, today, book.compliance(each), known.get(each.id))
        points.append(TrendPoint(each, {key: rate_of(key, values) for key in COMPONENT_LABELS}))
    return points


def _internals(module: str, *names: str) -> list[Any] | None:
    """The module's own query helpers the trend folds its periods with, or None when one is missing."""
    try:
        selectors = importlib.import_module(f"phoihop.{module}.selectors")
    except ImportError:
        return None
    found = [getattr(selectors, name, None) for name in names]
    return None if any(f is None for f in found) else found


def _bucket(field: str, ordered: list[Span]) -> Case:
    """The number of the span (0, 1, …) holding the row's date in `field`; NULL outside them."""
    return Case(
        *[
            When(**{f"{field}__gte": sp.date_from, f"{field}__lte": sp.date_to}, then=Value(n))
            for n, sp in enumerate(ordered)
        ],
        output_field=IntegerField(),
    )


def _rolled_by_bucket(
    rows: Iterable[tuple[int | None, int | None, dict[str, int]]], within: Unit | None, count: int
) -> list[Compliance]:
    """Add (bucket, unit id, counts) rows into one Compliance per bucket; only units inside `within` when given."""
    paths = _subtree_paths(within, {pk for _b, pk, _c in rows}) if within is not None else {}
    totals: list[dict[str, int]] = [defaultdict(int) for _n in range(count)]
    for number, pk, counts in rows:
        if number is None:
            continue
        if within is not None and not paths.get(pk, "").startswith(within.path):
            continue
        for name, value in counts.items():
            totals[number][name] += value or 0
    return [Compliance.from_counts(t) for t in totals]


def _trend_tasks(
    user: Any, within: Unit, ordered: list[Span], today: dt.date, subtree: bool = False
) -> list[Compliance] | None:
    """tasks.task_compliance(unit=within) for each span, in one query grouped by the span of the due date.

    `subtree`: tasks led by any unit of `within`'s subtree (task_compliance_by(by="unit") rolled up).
    """
    helpers = _internals("tasks", "tasks_visible", "_dated", "_lead_q", "_count_aggregates")
    if helpers is None:
        return None
    visible, dated, lead_q, aggregates = helpers
    rows = (
        dated(visible(user), ordered[0].date_from, ordered[-1].date_to)
        .filter(Q(lead_unit__path__startswith=within.path) if subtree else lead_q(within))
        .annotate(bucket=_bucket("due_date", ordered))
        .values("bucket")
        .annotate(**aggregates(today))
        .order_by()
    )
    return _rolled_by_bucket([(row.pop("bucket"), None, row) for row in rows], None, len(ordered))


def _trend_critiques(
    user: Any, within: Unit, ordered: list[Span], today: dt.date, subtree: bool = False
) -> list[Compliance] | None:
    """critique_compliance as `critique_compliance()` reads it for each span, in one grouped query."""
    helpers = _internals("criticism", "_compliance_queryset", "_counts")
    if helpers is None:
        return None
    queryset, counts = helpers
    rows = (
        queryset(user=user, drafting_unit=None, date_from=ordered[0].date_from, date_to=ordered[-1].date_to)
        .annotate(bucket=_bucket("disposition_due", ordered))
        .order_by()
        .values("bucket", "drafting_unit_id")
        .annotate(**counts(today))
    )
    rolled = within if subtree or not (_is_front(within) or _whole_tree(user, within)) else None
    return _rolled_by_bucket(
        [(row.pop("bucket"), row.pop("drafting_unit_id"), row) for row in rows], rolled, len(ordered)
    )


def _trend_recommendations(
    user: Any, within: Unit, ordered: list[Span], today: dt.date, subtree: bool = False
) -> list[Compliance] | None:
    """recommendation_compliance as `recommendation_compliance()` reads it for each span, in one query."""
    helpers = _internals("oversight", "_rows", "_Tally")
    if helpers is None:
        return None
    read_rows, tally_class = helpers
    front = _is_front(within) and not subtree
    rows = list(
        read_rows(
            user=user,
            front_unit=within if front else None,
            date_from=ordered[0].date_from,
            date_to=ordered[-1].date_to,
        )
    )
    if subtree or (not front and not _whole_tree(user, within)):
        # Addressed inside the scope: the roll-up of recommendation_compliance_by_agency.
        paths = _subtree_paths(within, {r["addressee_id"] for r in rows})
        rows = [r for r in rows if paths.get(r["addressee_id"], "").startswith(within.path)]
    tallies = [tally_class() for _sp in ordered]
    for row in rows:
        for number, sp in enumerate(ordered):
            if sp.date_from <= row["deadline"] <= sp.date_to:
                tallies[number].add(row, today)
                break
    return [t.compliance() for t in tallies]


@reporting_selectors.analytic_read
def _trend_components(
    user: Any, scope: Unit, spans: list[Span], today: dt.date, subtree: bool = False
) -> dict[str, dict[str, Compliance]]:
    """Every past span's duties, tasks, recommendations and critiques: one grouped query per module.

    `subtree`: count what is owed anywhere in the scope's subtree, as `figures_by_prefix` does for a
    unit's scorecard, rather than the dashboard's reading of a Front body or a non-territory unit.

    Each row falls in the bucket of the span holding its deadline (the spans are back to back),
    so each bucket equals what the module's own selector returns for that span; a module whose
    helpers are not there is read span by span by `_figures`.
    """
    if not spans:
        return {}
    ordered = sorted(spans, key=lambda sp: sp.date_from)
    result: dict[str, dict[str, Compliance]] = {sp.id: {} for sp in ordered}
    for sp_id, value in obligations_by_span(user=user, within=scope, spans=ordered, today=today).items():
        result[sp_id][OBLIGATIONS] = value
    if any(b.date_from <= a.date_to for a, b in pairwise(ordered)):
        return result
    for key, read in (
        (TASKS, _trend_tasks),
        (RECOMMENDATIONS, _trend_recommendations),
        (CRITIQUES, _trend_critiques),
    ):
        values = read(user, scope, ordered, today, subtree)
        if values is not None:
            for sp, value in zip(ordered, values, strict=True):
                result[sp.id][key] = value
    return result


def trend_spans(span: Span, count: int | None = None) -> list[Span]:
    """The spans of the trend, oldest first, ending with `span` (PHOIHOP_INSIGHTS_TREND_PERIODS of them)."""
    return span.previous(count or settings.PHOIHOP_INSIGHTS_TREND_PERIODS)


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
    # The scope's reports (every expected report, for the overdue list and the tile).
    book: ReportBook
    reports: Compliance | None = None


def figures_by_prefix(
    *, user: Any, within: Unit, length: int, span: Span, today: dt.date, book: ReportBook | None = None
) -> tuple[dict[str, dict[str, Compliance | None]], ReportBook]:
    """Every scored component per path prefix of `length` under `within`: one grouped read per component.

    `book`: reports already read for `within` with the same prefix length (else read here).
    """
    duties = obligations_by_prefix(user=user, within=within, length=length, span=span, today=today)
    book = book or ReportBook(within=within, spans=[span], today=today, length=length)
    reports = book.by_prefix(span)
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
    return result, book


def by_unit(
    *, user: Any, scope: Unit, span: Span, today: dt.date | None = None, book: ReportBook | None = None
) -> Ranking:
    """Return the units directly inside the scope, each with its subtree's components and score, best first.

    `book`: the scope's reports read with `ranking_book()` (e.g. over the trend's spans too).
    """
    from phoihop.insights.scorecards import rank_rows

    today = _today(today)
    book = book or ranking_book(scope=scope, spans=[span], today=today)
    return _by_unit(user, scope, span, today, rank_rows, book)


def ranking_book(*, scope: Unit, spans: list[Span], today: dt.date) -> ReportBook:
    """The scope's reports grouped by the units directly inside it, for the ranking and the trend."""
    return ReportBook(within=scope, spans=spans, today=today, length=(scope.depth + 1) * Unit.steplen)


@reporting_selectors.analytic_read
def _by_unit(user: Any, scope: Unit, span: Span, today: dt.date, rank_rows: Callable, book: ReportBook) -> Ranking:
    length = (scope.depth + 1) * Unit.steplen
    grouped, book = figures_by_prefix(user=user, within=scope, length=length, span=span, today=today, book=book)
    children = access.units_visible(user).filter(path__startswith=scope.path, depth=scope.depth + 1)
    children = children.filter(reporting_selectors.open_during_q(span.date_from, span.date_to)).order_by("path")
    rows = [UnitRow(unit, grouped.get(unit.path, dict.fromkeys(SCORED))) for unit in children]
    return Ranking(rank_rows(rows), book, book.compliance(span))


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
    book: ReportBook | None = None,
    today: dt.date | None = None,
) -> tuple[list[OverdueItem], dict[str, int]]:
    """Return the oldest overdue items across modules (at most `limit`) and each module's full count.

    Duties, tasks, recommendations and critiques: everything open past its deadline today, any
    date. Reports: the reports missing for the span's closed periods (`book`: the scope's reports
    when already read); a missing report of long ago is history, not a to-do.
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

    missing_reports: list[MissingReport] = []
    if span is not None:
        book = book or ReportBook(within=scope, spans=[span], today=today)
        counts[REPORTS], missing_reports = book.missing(span, limit, prefix=scope.path)
    units = Unit.objects.in_bulk({m.unit_id for m in missing_reports})
    for missing in missing_reports:
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
