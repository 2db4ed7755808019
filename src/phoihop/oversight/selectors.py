"""Reads of supervisions and recommendations, already limited to what the person may see.

The on-time figures use the one formula of core.rates.Compliance: a recommendation whose
deadline falls in the range is answered on time (answered_on ≤ deadline), answered late, or
still open past its deadline; withdrawn ones are waived; drafts have no deadline and do not count.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, F, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from phoihop.core.rates import Compliance
from phoihop.orgs import access
from phoihop.orgs.models import Unit
from phoihop.oversight.models import Assessment, Recommendation, Supervision, SupervisionProgramme
from phoihop.oversight.permissions import programmes_visible, recommendations_visible, supervisions_visible

R = Recommendation.Status
S = Supervision.Status
OPEN_STATUSES = (R.SENT,)


def _today(today: dt.date | None) -> dt.date:
    return today or timezone.localdate()


# Lists -------------------------------------------------------------------------------------------


def supervision_list(*, user: Any, status: str = "", front_unit: Unit | None = None) -> QuerySet[Supervision]:
    queryset = (
        supervisions_visible(user)
        .select_related("front_unit")
        .annotate(recommendation_count=Count("recommendations", distinct=True))
    )
    if status:
        queryset = queryset.filter(status=status)
    if front_unit is not None:
        queryset = queryset.filter(front_unit=front_unit)
    return queryset.order_by("-starts_on", "-pk")


def programme_list(*, user: Any) -> QuerySet[SupervisionProgramme]:
    return (
        programmes_visible(user)
        .select_related("front_unit")
        .annotate(item_count=Count("items"))
        .order_by("-year", "front_unit__path")
    )


def recommendation_list(
    *, user: Any, status: str = "", addressee: Unit | None = None, front_unit: Unit | None = None
) -> QuerySet[Recommendation]:
    queryset = recommendations_visible(user).select_related("front_unit", "addressee", "supervision", "escalation")
    if status:
        queryset = queryset.filter(status=status)
    if addressee is not None:
        queryset = queryset.filter(addressee=addressee)
    if front_unit is not None:
        queryset = queryset.filter(front_unit=front_unit)
    return queryset.order_by("deadline", "pk")


def recommendations_addressed_to(*, user: Any) -> QuerySet[Recommendation]:
    """The agency's inbox: recommendations sent to units the person belongs to (their subtree), open ones first."""
    condition = access.scope_q(user, via="addressee")
    queryset = Recommendation.objects.exclude(status__in=[R.DRAFT, R.WITHDRAWN])
    if condition is not None:
        queryset = queryset.filter(condition)
    # Open ones first (no answer yet, then not closed), the same on SQLite and PostgreSQL.
    return queryset.select_related("front_unit", "addressee", "supervision", "escalation").order_by(
        F("closed_on").asc(nulls_first=True), F("answered_on").asc(nulls_first=True), "deadline", "pk"
    )


def front_units_run_by(user: Any) -> QuerySet[Unit]:
    """The Front committees the person's memberships reach (their board)."""
    return access.units_visible(user).filter(kind=Unit.Kind.FRONT_COMMITTEE, valid_to__isnull=True).order_by("path")


def board_recommendations(*, user: Any) -> QuerySet[Recommendation]:
    """Recommendations of the Front committees the person reaches (not those merely addressed to them)."""
    condition = access.scope_q(user, via="front_unit")
    queryset = Recommendation.objects.all()
    return queryset if condition is None else queryset.filter(condition)


def status_counts(queryset: QuerySet[Recommendation], *, today: dt.date | None = None) -> dict[str, int]:
    today = _today(today)
    counts = queryset.aggregate(
        **{status: Count("pk", filter=Q(status=status)) for status in R.values},
        overdue=Count("pk", filter=Q(status=R.SENT, deadline__lt=today)),
        escalated=Count("pk", filter=Q(escalation__isnull=False)),
    )
    return counts


# What each audited step reads as on the record's page.
STEP_LABELS = {
    "oversight.supervision.created": _("Supervision planned"),
    "oversight.supervision.updated": _("Plan changed"),
    "oversight.supervision.notified": _("Plan and decision sent to the agencies"),
    "oversight.supervision.notified_late": _("Plan sent after the notice period, with a leader's reason"),
    "oversight.supervision.started": _("Supervision started"),
    "oversight.supervision.concluded": _("Concluded; conclusion report issued"),
    "oversight.supervision.closed": _("Supervision closed"),
    "oversight.team.added": _("Team member added"),
    "oversight.activity.added": _("Activity recorded"),
    "oversight.finding.added": _("Finding recorded"),
    "oversight.recommendation.created": _("Recommendation drafted"),
    "oversight.recommendation.updated": _("Draft changed"),
    "oversight.recommendation.sent": _("Sent to the agency"),
    "oversight.recommendation.answered": _("Answered"),
    "oversight.recommendation.assessed": _("Answer assessed"),
    "oversight.recommendation.follow_up": _("Follow-up action decided"),
    "oversight.recommendation.resupervised": _("Re-supervision planned"),
    "oversight.recommendation.escalated": _("Escalated to the Front committee above"),
    "oversight.recommendation.closed": _("Recommendation closed"),
    "oversight.recommendation.withdrawn": _("Recommendation withdrawn"),
}


def _steps(target_type: str, pk: int) -> list[Any]:
    """The audit events of one record, oldest first, each with the label its step reads as."""
    from phoihop.core.models import AuditEvent

    events = list(AuditEvent.objects.filter(target_type=target_type, target_id=str(pk)).order_by("at", "id"))
    for event in events:
        event.label = STEP_LABELS.get(event.verb, event.verb)
    return events


def history(recommendation: Recommendation) -> list[Any]:
    """Every step of the recommendation, from the audit trail (the one record of who did what when)."""
    return _steps(Recommendation._meta.label_lower, recommendation.pk)


def supervision_history(supervision: Supervision) -> list[Any]:
    return _steps(Supervision._meta.label_lower, supervision.pk)


# Figures -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RecommendationFigures:
    compliance: Compliance
    answered: int = 0
    average_days_to_answer: float | None = None
    satisfactory: int = 0
    partly: int = 0
    not_satisfactory: int = 0
    escalated: int = 0


@dataclass
class _Tally:
    counts: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    days: list[int] = field(default_factory=list)

    def add(self, row: dict[str, Any], today: dt.date) -> None:
        c = self.counts
        if row["status"] == R.WITHDRAWN:
            c["waived"] += 1
            return
        if row["answered_on"] is not None:
            c["done_on_time" if row["answered_on"] <= row["deadline"] else "done_late"] += 1
            if row["sent_on"] is not None:
                self.days.append((row["answered_on"] - row["sent_on"]).days)
        elif row["deadline"] < today:
            c["overdue_open"] += 1
        else:
            c["upcoming"] += 1
        if row["assessment"]:
            c[row["assessment"]] += 1
        if row["escalated"]:
            c["escalated"] += 1

    def compliance(self) -> Compliance:
        return Compliance.from_counts(self.counts)

    def figures(self) -> RecommendationFigures:
        c = self.counts
        return RecommendationFigures(
            compliance=self.compliance(),
            answered=len(self.days),
            average_days_to_answer=round(sum(self.days) / len(self.days), 1) if self.days else None,
            satisfactory=c[Assessment.SATISFACTORY],
            partly=c[Assessment.PARTLY],
            not_satisfactory=c[Assessment.NOT_SATISFACTORY],
            escalated=c["escalated"],
        )


def _rows(
    *,
    user: Any,
    agency: Unit | None = None,
    front_unit: Unit | None = None,
    date_from: dt.date | None = None,
    date_to: dt.date | None = None,
) -> Iterable[dict[str, Any]]:
    """One narrow row per counted recommendation (sent, by deadline in range), in one query."""
    queryset = recommendations_visible(user).exclude(deadline__isnull=True).exclude(status=R.DRAFT)
    if agency is not None:
        queryset = queryset.filter(addressee=agency)
    if front_unit is not None:
        queryset = queryset.filter(front_unit=front_unit)
    if date_from is not None:
        queryset = queryset.filter(deadline__gte=date_from)
    if date_to is not None:
        queryset = queryset.filter(deadline__lte=date_to)
    return (
        queryset.annotate(escalated=Count("escalation"))
        .order_by()
        .values("pk", "addressee_id", "status", "sent_on", "deadline", "answered_on", "assessment", "escalated")
    )


def recommendation_compliance(
    *,
    user: Any,
    agency: Unit | None = None,
    front_unit: Unit | None = None,
    date_from: dt.date | None = None,
    date_to: dt.date | None = None,
    today: dt.date | None = None,
) -> Compliance:
    today = _today(today)
    tally = _Tally()
    for row in _rows(user=user, agency=agency, front_unit=front_unit, date_from=date_from, date_to=date_to):
        tally.add(row, today)
    return tally.compliance()


def recommendation_compliance_by_agency(
    *, user: Any, date_from: dt.date | None = None, date_to: dt.date | None = None, today: dt.date | None = None
) -> dict[int, Compliance]:
    return {pk: tally.compliance() for pk, tally in _tallies_by_agency(user, date_from, date_to, today).items()}


def _tallies_by_agency(
    user: Any, date_from: dt.date | None, date_to: dt.date | None, today: dt.date | None
) -> dict[int, _Tally]:
    today = _today(today)
    tallies: dict[int, _Tally] = defaultdict(_Tally)
    for row in _rows(user=user, date_from=date_from, date_to=date_to):
        tallies[row["addressee_id"]].add(row, today)
    return dict(tallies)


def recommendation_figures(
    *,
    user: Any,
    agency: Unit | None = None,
    date_from: dt.date | None = None,
    date_to: dt.date | None = None,
    today: dt.date | None = None,
) -> RecommendationFigures:
    today = _today(today)
    tally = _Tally()
    for row in _rows(user=user, agency=agency, date_from=date_from, date_to=date_to):
        tally.add(row, today)
    return tally.figures()


@dataclass(frozen=True)
class FiguresRow:
    label: str
    level: str
    figures: RecommendationFigures
    unit: Unit | None = None


def _level_of(paths: Iterable[str]) -> dict[str, Unit]:
    """Map each unit path to its nearest territory (one query for all of them)."""
    steplen = Unit.steplen
    prefixes = {p[:i] for p in paths for i in range(steplen, len(p) + 1, steplen)}
    territories = {
        u.path: u
        for u in Unit.objects.filter(path__in=prefixes, kind__in=Unit.TERRITORY_KINDS).only("path", "kind", "name")
    }
    result = {}
    for path in paths:
        for i in range(len(path), 0, -steplen):
            found = territories.get(path[:i])
            if found is not None:
                result[path] = found
                break
    return result


def figures_table(
    *, user: Any, date_from: dt.date | None = None, date_to: dt.date | None = None, today: dt.date | None = None
) -> tuple[list[FiguresRow], list[FiguresRow]]:
    """Rows per agency and per level (province, commune…) for the figures page and its XLSX."""
    tallies = _tallies_by_agency(user, date_from, date_to, today)
    units = {u.pk: u for u in Unit.objects.filter(pk__in=tallies).only("pk", "name", "code", "path", "kind")}
    levels = _level_of([u.path for u in units.values()])
    by_level: dict[str, _Tally] = defaultdict(_Tally)
    agency_rows = []
    for pk, tally in tallies.items():
        unit = units[pk]
        territory = levels.get(unit.path)
        level = territory.get_kind_display() if territory else ""
        agency_rows.append(FiguresRow(label=unit.name, level=level, figures=tally.figures(), unit=unit))
        merged = by_level[level]
        for key, value in tally.counts.items():
            merged.counts[key] += value
        merged.days.extend(tally.days)
    agency_rows.sort(key=lambda r: (r.level, r.label))
    level_rows = [FiguresRow(label=level, level=level, figures=t.figures()) for level, t in sorted(by_level.items())]
    return agency_rows, level_rows


def overdue_recommendations(
    *, user: Any, unit: Unit | None = None, today: dt.date | None = None
) -> QuerySet[Recommendation]:
    """Sent, unanswered and past the deadline, oldest first; `unit` = the addressed agency (and its subtree)."""
    today = _today(today)
    queryset = recommendations_visible(user).filter(status=R.SENT, deadline__lt=today)
    if unit is not None:
        queryset = queryset.filter(addressee__path__startswith=unit.path)
    return queryset.select_related("front_unit", "addressee", "escalation").order_by("deadline", "pk")
