"""The module's endpoints under /api/v1/insights: one block per feature (dashboard figures, scorecards, reports).

Figures answer from insights.selectors and insights.scorecards, the same reads as the pages.
Units are addressed by their official code (orgs.access: a unit outside the reader's scope is
a 404); periods by a Decree 09 id (2025, 2025S1, 2025Q2, 202503) or `date_from` + `date_to`; a
period that does not parse is a 422 naming the parameter.
"""

# No `from __future__ import annotations`: ninja reads the query schemas at import (see orgs/api.py).
import datetime as dt
from typing import Any

from django.http import HttpRequest
from django.utils import timezone
from ninja import Field, Query, Router, Schema

from phoihop.core.rates import Compliance
from phoihop.insights import report_api, scorecards
from phoihop.insights import selectors as s
from phoihop.orgs import access
from phoihop.orgs.models import Unit

router = Router(tags=["insights"])


# --- Dashboard figures and scorecards (views_dashboard's engineer) ---------------------------------


class SpanQuery(Schema):
    period: str = Field(
        "", max_length=16, description="A period id: 2025, 2025S1, 2025Q2 or 202503 (default: this year)."
    )
    date_from: dt.date | None = Field(None, description="With date_to, any stretch of days instead of a period.")
    date_to: dt.date | None = None
    unit: str = Field(
        "", max_length=32, description="Code of the unit whose subtree is counted (default: your top unit)."
    )


class SpanOut(Schema):
    id: str
    label: str
    date_from: dt.date
    date_to: dt.date


class ComponentOut(Schema):
    key: str
    label: str
    available: bool = Field(..., description="False while the module that holds these records is not installed.")
    rate: float | None = Field(..., description="Percent; null when nothing was due.")
    due: int | None
    done_on_time: int | None
    done_late: int | None
    overdue_open: int | None
    upcoming: int | None
    waived: int | None


class UnitRef(Schema):
    code: str
    name: str
    kind: str


class UnitScoreOut(Schema):
    unit: UnitRef
    rank: int | None
    score: float | None = Field(
        ..., description="Weighted mean of the component rates (0–100); null when nothing was due."
    )
    components: list[ComponentOut]


class OverdueOut(Schema):
    kind: str
    title: str
    unit: str
    due_on: dt.date
    days_overdue: int
    url: str


class DashboardOut(Schema):
    unit: UnitRef
    period: SpanOut
    components: list[ComponentOut]
    trend: list[dict[str, Any]] = Field(..., description="Each period's id, label and rates (percent) by component.")
    by_unit: list[UnitScoreOut]
    overdue_counts: dict[str, int]


class HistoryOut(Schema):
    period: SpanOut
    score: float | None


class ScorecardOut(UnitScoreOut):
    period: SpanOut
    peer_count: int
    left_out: list[str] = Field(..., description="Components with nothing due, left out of the score.")
    weights: dict[str, float]
    history: list[HistoryOut]
    overdue: list[OverdueOut]


def _span(query: SpanQuery) -> s.Span:
    # A period that does not parse raises a ValidationError keyed by the parameter: a 422 naming it.
    return s.span_of(query.period or None, date_from=query.date_from, date_to=query.date_to)


def _scope(request: HttpRequest, code: str) -> Unit:
    if code:
        return access.access_unit_by_code(request.auth, code)
    return s.scope_unit(request.auth)


def _span_out(span: s.Span) -> dict[str, Any]:
    return {"id": span.id, "label": str(span.label), "date_from": span.date_from, "date_to": span.date_to}


def _unit_ref(unit: Unit) -> dict[str, Any]:
    return {"code": unit.code, "name": unit.name, "kind": unit.kind}


def _percent(rate: float | None) -> float | None:
    return None if rate is None else round(rate * 100, 1)


def _components(values: dict[str, Compliance | None], keys: Any = None) -> list[dict[str, Any]]:
    out = []
    for key in keys or s.COMPONENT_LABELS:
        figures = values.get(s.REPORTS if key == s.REPORTS_COMPLETE else key)
        counts = {name: (None if figures is None else getattr(figures, name)) for name in ("due", *s.COUNT_FIELDS)}
        out.append(
            {
                "key": key,
                "label": str(s.COMPONENT_LABELS[key]),
                "available": figures is not None,
                "rate": _percent(s.rate_of(key, values)),
                **counts,
            }
        )
    return out


def _unit_score(row: s.UnitRow) -> dict[str, Any]:
    return {
        "unit": _unit_ref(row.unit),
        "rank": row.rank,
        "score": row.score,
        "components": _components(row.figures, s.SCORED),
    }


@router.get("/dashboard", response=DashboardOut, summary="The dashboard's figures for a unit and a period")
def dashboard(request: HttpRequest, query: Query[SpanQuery]) -> dict[str, Any]:
    """On-time rates of every component over the unit's subtree, its trend, the units inside ranked, overdue counts."""
    user = request.auth
    today = timezone.localdate()
    scope = _scope(request, query.unit)
    span = _span(query)
    book = s.ranking_book(scope=scope, spans=s.trend_spans(span), today=today)
    ranking = s.by_unit(user=user, scope=scope, span=span, today=today, book=book)
    values = s.figures(user=user, scope=scope, span=span, today=today, reports=ranking.reports)
    points = s.trend(user=user, scope=scope, span=span, today=today, current=values, book=book)
    _items, counts = s.overdue_now(user=user, scope=scope, span=span, book=book, limit=0, today=today)
    return {
        "unit": _unit_ref(scope),
        "period": _span_out(span),
        "components": _components(values),
        "trend": [
            {**_span_out(p.span), "rates": {key: _percent(rate) for key, rate in p.rates.items()}} for p in points
        ],
        "by_unit": [_unit_score(row) for row in ranking.rows],
        "overdue_counts": counts,
    }


class ScorecardListQuery(SpanQuery):
    kind: Unit.Kind | None = Field(None, description="Only units of this kind (their shallowest level under `unit`).")


@router.get("/scorecards", response=list[UnitScoreOut], summary="Scores of the units inside a unit, ranked")
def scorecard_list(request: HttpRequest, query: Query[ScorecardListQuery]) -> list[dict[str, Any]]:
    """The units directly inside `unit` (or those of `kind` at their level), each with its score, best first."""
    scope = _scope(request, query.unit)
    rows = scorecards.peer_scorecards(
        user=request.auth, within=scope, kind=query.kind, span=_span(query), today=timezone.localdate()
    )
    return [_unit_score(row) for row in rows]


class ScorecardQuery(Schema):
    period: str = Field("", max_length=16)
    date_from: dt.date | None = None
    date_to: dt.date | None = None


@router.get("/scorecards/{code}", response=ScorecardOut, summary="One unit's scorecard")
def scorecard_detail(request: HttpRequest, code: str, query: Query[ScorecardQuery]) -> dict[str, Any]:
    """The unit's score, its components, its history, its rank among its peers and the overdue items behind it."""
    unit = access.access_unit_by_code(request.auth, code)
    span = _span(SpanQuery(period=query.period, date_from=query.date_from, date_to=query.date_to))
    today = timezone.localdate()
    card = scorecards.unit_scorecard(user=request.auth, unit=unit, span=span, today=today)
    return {
        "unit": _unit_ref(unit),
        "rank": card.rank,
        "score": card.score,
        "components": _components(card.figures, s.SCORED),
        "period": _span_out(span),
        "peer_count": card.peer_count,
        "left_out": card.left_out,
        "weights": card.weights,
        "history": [{"period": _span_out(p.span), "score": p.score} for p in card.history],
        "overdue": [
            {
                "kind": item.kind,
                "title": item.title,
                "unit": item.unit_name,
                "due_on": item.due_on,
                "days_overdue": item.days_overdue,
                "url": item.url,
            }
            for item in card.reasons
        ],
    }


# --- Review reports and urging letters (the insights-report engineer; endpoints in report_api.py) ----------


router.add_router("", report_api.router)
