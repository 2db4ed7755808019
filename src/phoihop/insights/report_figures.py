"""The figures of a review report, read from every module through its selectors.

One function, `review_figures()`, collects what sections I, II and the annex print, so the
document, the page and the tests read the same numbers. Every figure comes from the module
that owns it (agreements, reporting, tasks, oversight, criticism), called with the reader's
`user`, so a report shows only what its author may see.

Modules that are not installed yet answer None (the report then says the figure is not
available) rather than failing the whole report: tasks, oversight and criticism landed in the
same release as this module.
"""

from __future__ import annotations

import datetime as dt
import importlib
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.utils import timezone

from phoihop.agreements import selectors as agreement_selectors
from phoihop.agreements.models import Agreement, Area, Occurrence
from phoihop.calendar.periods import Period, PeriodType, periods_of_year
from phoihop.core.rates import Compliance
from phoihop.orgs.models import Unit
from phoihop.reporting import selectors as reporting_selectors
from phoihop.reporting.models import ReportForm


def optional_selector(module: str, name: str) -> Callable[..., Any] | None:
    """Return a module's selector, or None when that module does not provide it (yet)."""
    try:
        return getattr(importlib.import_module(module), name, None)
    except ImportError:
        return None


def compliance_sum(items: list[Compliance]) -> Compliance:
    """Add several counts into one (the rate is recomputed, never averaged)."""
    keys = ("done_on_time", "done_late", "overdue_open", "upcoming", "waived")
    return Compliance.from_counts({key: sum(getattr(c, key) for c in items) for key in keys})


@dataclass
class FormRates:
    """Completeness and timeliness of one report form over the report's period (all its form periods)."""

    form: ReportForm
    periods: list[Period]
    expected: int = 0
    submitted: int = 0
    on_time: int = 0
    missing: list[tuple[Unit, Period]] = field(default_factory=list)

    @property
    def completeness(self) -> float | None:
        return None if not self.expected else self.submitted * 100 / self.expected

    @property
    def timeliness(self) -> float | None:
        return None if not self.expected else self.on_time * 100 / self.expected


@dataclass
class ReviewFigures:
    agreement: Agreement
    date_from: dt.date
    date_to: dt.date
    today: dt.date
    obligations: Compliance
    by_area: list[tuple[Area, Compliance, Compliance | None]]
    by_party: list[tuple[Unit, Compliance]]
    overdue: list[Occurrence]
    reports: list[FormRates]
    tasks: Compliance | None = None
    recommendations: Any = None  # oversight.selectors.RecommendationFigures
    critiques: Compliance | None = None
    # Each owing party's scorecard score (insights.scorecards) for the period; empty without scorecards.
    scores: dict[int, float | None] = field(default_factory=dict)

    @property
    def is_empty(self) -> bool:
        """True when nothing fell due in the period in any module: the report says so."""
        counted = [self.obligations, self.tasks, self.critiques]
        if any(c is not None and (c.due or c.upcoming or c.waived) for c in counted):
            return False
        if any(r.expected for r in self.reports):
            return False
        recommendations = getattr(self.recommendations, "compliance", None)
        return not (recommendations is not None and recommendations.due)

    @property
    def lowest_parties(self) -> list[tuple[Unit, Compliance]]:
        """The parties with the lowest on-time rate of duties (at most three, only those below 100 %)."""
        rated = [(u, c) for u, c in self.by_party if c.on_time_rate is not None and c.on_time_rate < 1]
        return sorted(rated, key=lambda pair: (pair[1].on_time_rate, pair[0].path))[:3]

    @property
    def lowest_scores(self) -> list[tuple[Unit, float]]:
        """The parties with the lowest scorecard score (at most three, only those below 100)."""
        scored = [(u, self.scores[u.pk]) for u, _c in self.by_party if self.scores.get(u.pk) is not None]
        return sorted([(u, v) for u, v in scored if v < 100], key=lambda pair: (pair[1], pair[0].path))[:3]


def _form_periods(form: ReportForm, date_from: dt.date, date_to: dt.date) -> list[Period]:
    """The form's periods whose cut-off window ends inside [date_from, date_to]."""
    kind = PeriodType(form.period_type)
    periods: list[Period] = []
    for year in range(date_from.year, date_to.year + 2):
        periods += [p for p in periods_of_year(kind, year) if date_from <= p.end <= date_to]
    return periods


def _report_rates(agreement: Agreement, date_from: dt.date, date_to: dt.date) -> list[FormRates]:
    """The forms that fulfil a duty of the agreement, counted over the owner's territory."""
    territory = agreement.owner_unit.territory()
    forms = ReportForm.objects.filter(obligation__agreement=agreement).order_by("code")
    results = []
    for form in forms:
        rates = FormRates(form=form, periods=_form_periods(form, date_from, date_to))
        for period in rates.periods:
            one = reporting_selectors.reporting_rates(form=form, period_id=period, unit=territory)
            rates.expected += one.expected
            rates.submitted += one.submitted
            rates.on_time += one.on_time
            rates.missing += one.missing_reports
        results.append(rates)
    return results


def _tasks(user: Any, agreement: Agreement, areas: list[Area], date_from: dt.date, date_to: dt.date, today: dt.date):
    """Tasks of the plans implementing the agreement: overall and per area (None without the module)."""
    task_compliance = optional_selector("phoihop.tasks.selectors", "task_compliance")
    if task_compliance is None:
        return None, {}
    from phoihop.tasks.models import Plan

    plans = list(Plan.objects.filter(agreement=agreement).order_by("pk"))
    window = {"user": user, "date_from": date_from, "date_to": date_to, "today": today}
    overall = compliance_sum([task_compliance(plan=plan, **window) for plan in plans])
    by_area = {
        area.pk: compliance_sum([task_compliance(plan=plan, area=area, **window) for plan in plans]) for area in areas
    }
    return overall, by_area


def _scores(user: Any, units: list[Unit], date_from: dt.date, date_to: dt.date, today: dt.date) -> dict[int, Any]:
    """Each unit's scorecard score for the period, from insights' figures (empty without them).

    One grouped read per depth the parties sit at (the People's Committee and the Front at
    one, departments and member organisations below), never one per unit.
    """
    selectors = optional_selector("phoihop.insights.selectors", "figures_by_prefix")
    score = optional_selector("phoihop.insights.scorecards", "score")
    custom_span = optional_selector("phoihop.insights.selectors", "custom_span")
    if selectors is None or score is None or custom_span is None or not units:
        return {}
    span = custom_span(date_from, date_to)
    roots = Unit.objects.in_bulk({u.path[: Unit.steplen] for u in units}, field_name="path")
    scores: dict[int, Any] = {}
    for root_path, length in sorted({(u.path[: Unit.steplen], len(u.path)) for u in units}):
        grouped, _missing = selectors(user=user, within=roots[root_path], length=length, span=span, today=today)
        for unit in units:
            if unit.path.startswith(root_path) and len(unit.path) == length and unit.path in grouped:
                scores[unit.pk] = score(grouped[unit.path])
    return scores


def review_figures(
    *, agreement: Agreement, date_from: dt.date, date_to: dt.date, user: Any, today: dt.date | None = None
) -> ReviewFigures:
    """Return every figure of the review of `agreement` for the period, as `user` may see them.

    Obligations: occurrences due in the period (agreements.selectors.compliance), by content
    area and by owing party. Reports: the forms linked to the agreement's duties, over the
    owner's territory. Tasks: the plans implementing the agreement. Recommendations and
    critiques: those with a deadline in the period within the reader's scope.
    """
    today = today or timezone.localdate()
    window = {"user": user, "date_from": date_from, "date_to": date_to, "today": today}
    obligations = agreement_selectors.compliance(agreement=agreement, **window)
    area_ids = set(agreement.areas.values_list("pk", flat=True)) | set(
        agreement.obligations.values_list("area_id", flat=True)
    )
    areas = list(Area.objects.filter(pk__in=area_ids).order_by("order", "name"))
    tasks, tasks_by_area = _tasks(user, agreement, areas, date_from, date_to, today)
    by_area = [
        (area, agreement_selectors.compliance(agreement=agreement, area=area.pk, **window), tasks_by_area.get(area.pk))
        for area in areas
    ]
    owing = list(Unit.objects.filter(obligations_owed__agreement=agreement).distinct().order_by("path"))
    by_party = [(unit, agreement_selectors.compliance(agreement=agreement, unit=unit, **window)) for unit in owing]
    overdue = list(
        agreement_selectors.occurrence_list(
            agreement=agreement,
            status=agreement_selectors.OVERDUE,
            user=user,
            date_from=date_from,
            date_to=date_to,
            today=today,
        ).prefetch_related("obligation__owing_units")
    )
    recommendation_figures = optional_selector("phoihop.oversight.selectors", "recommendation_figures")
    critique_compliance = optional_selector("phoihop.criticism.selectors", "critique_compliance")
    return ReviewFigures(
        agreement=agreement,
        date_from=date_from,
        date_to=date_to,
        today=today,
        obligations=obligations,
        by_area=by_area,
        by_party=by_party,
        overdue=overdue,
        reports=_report_rates(agreement, date_from, date_to),
        tasks=tasks,
        recommendations=recommendation_figures(**window) if recommendation_figures else None,
        critiques=critique_compliance(**window) if critique_compliance else None,
        scores=_scores(user, owing, date_from, date_to, today),
    )
