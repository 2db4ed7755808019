"""A score per unit from its on-time components, its history, its peers and what pulled it down.

The score is a weighted mean of the component rates (0–100) over the unit's subtree, weights from
settings.PHOIHOP_SCORE_WEIGHTS ("obligations=1,tasks=1,reports=1,recommendations=1,critiques=1"
by default: equal). A component with nothing due in the span — or whose module is not installed —
is left out and the remaining weights are re-normalised, so a unit is not punished (or
rewarded) for having no recommendations addressed to it; the page says which were left out.
Reports count by timeliness: a missing or late report pulls the score down.

Peers: the open units of the same kind at the same depth inside the same province (the whole
tree for a province), among those the reader may see — the rank is among them.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils import timezone

from phoihop.core.rates import Compliance
from phoihop.insights import selectors as s
from phoihop.orgs import access
from phoihop.orgs.models import Unit
from phoihop.reporting.selectors import analytic_read, open_during_q


def weights() -> dict[str, float]:
    """Read the weights from settings; an unknown component or a bad number is a configuration error."""
    result = dict.fromkeys(s.SCORED, 0.0)
    for part in str(settings.PHOIHOP_SCORE_WEIGHTS).split(","):
        if not part.strip():
            continue
        key, _sep, value = part.partition("=")
        key = key.strip()
        if key not in result:
            raise ImproperlyConfigured(f"PHOIHOP_SCORE_WEIGHTS: unknown component {key!r} (use {', '.join(s.SCORED)})")
        try:
            result[key] = float(value)
        except ValueError as exc:
            raise ImproperlyConfigured(f"PHOIHOP_SCORE_WEIGHTS: {key} needs a number, not {value!r}") from exc
        if result[key] < 0:
            raise ImproperlyConfigured(f"PHOIHOP_SCORE_WEIGHTS: {key} cannot weigh less than 0")
    return result


def score(figures: dict[str, Compliance | None], weighting: dict[str, float] | None = None) -> float | None:
    """Return the weighted mean of the rates in percent, over the components with something due; None if none."""
    weighting = weighting or weights()
    total = weight_sum = 0.0
    for key in s.SCORED:
        rate = s.rate_of(key, figures)
        if rate is None or not weighting.get(key):
            continue
        total += weighting[key] * rate
        weight_sum += weighting[key]
    return None if weight_sum == 0 else round(total * 100 / weight_sum, 1)


def left_out(figures: dict[str, Compliance | None]) -> list[str]:
    """The scored components that had nothing due (or no module) and so do not count."""
    return [key for key in s.SCORED if s.rate_of(key, figures) is None]


def rank_rows(rows: list[s.UnitRow]) -> list[s.UnitRow]:
    """Score each row and sort best first; equal scores share a rank; units without a score come last."""
    weighting = weights()
    for row in rows:
        row.score = score(row.figures, weighting)
    rows.sort(key=lambda r: (r.score is None, -(r.score or 0), r.unit.path))
    previous, rank = None, 0
    for position, row in enumerate(rows, start=1):
        if row.score is None:
            row.rank = None
            continue
        if row.score != previous:
            rank, previous = position, row.score
        row.rank = rank
    return rows


def peer_root(unit: Unit) -> Unit:
    """The unit's province (its nearest ancestor of that kind), or the root of its tree for a province."""
    if unit.kind != Unit.Kind.PROVINCE:
        province = Unit.objects.get_ancestors(unit).filter(kind=Unit.Kind.PROVINCE).last()
        if province is not None:
            return province
    return Unit.objects.get(path=unit.path[: Unit.steplen]) if unit.depth > 1 else unit


@dataclass
class HistoryPoint:
    span: s.Span
    score: float | None


@dataclass
class Scorecard:
    unit: Unit
    span: s.Span
    figures: dict[str, Compliance | None]
    score: float | None
    weights: dict[str, float]
    left_out: list[str]
    history: list[HistoryPoint] = field(default_factory=list)
    peers: list[s.UnitRow] = field(default_factory=list)
    rank: int | None = None
    reasons: list[s.OverdueItem] = field(default_factory=list)
    reason_counts: dict[str, int] = field(default_factory=dict)

    @property
    def peer_count(self) -> int:
        return len(self.peers)

    def rate(self, key: str) -> float | None:
        return s.rate_of(key, self.figures)


def _own_figures(
    user: Any, unit: Unit, span: s.Span, today: dt.date, book: s.ReportBook | None = None
) -> tuple[dict, s.ReportBook]:
    grouped, book = s.figures_by_prefix(
        user=user, within=unit, length=len(unit.path), span=span, today=today, book=book
    )
    return grouped.get(unit.path, dict.fromkeys(s.SCORED)), book


def unit_summary(*, user: Any, unit: Unit, span: s.Span, today: dt.date | None = None) -> tuple[dict, float | None]:
    """Return a unit's components and score for the span only (the panel on the unit page)."""
    today = today or timezone.localdate()
    figures, _book = analytic_read(_own_figures)(user, unit, span, today)
    return figures, score(figures)


@analytic_read
def unit_scorecard(
    *, user: Any, unit: Unit, span: s.Span, history: int | None = None, today: dt.date | None = None
) -> Scorecard:
    """Return the unit's scorecard: components, score, its history, its peers ranked, and the overdue items.

    The unit must already have been accessed (orgs.access) by the caller.
    """
    today = today or timezone.localdate()
    weighting = weights()
    root = peer_root(unit)
    grouped, _book = s.figures_by_prefix(user=user, within=root, length=len(unit.path), span=span, today=today)
    peers_qs = (
        access.units_visible(user)
        .filter(path__startswith=root.path, depth=unit.depth, kind=unit.kind)
        .filter(open_during_q(span.date_from, span.date_to))
    )
    peer_units = list(peers_qs.order_by("path"))
    if unit not in peer_units:
        peer_units.append(unit)
    peers = rank_rows([s.UnitRow(peer, grouped.get(peer.path, dict.fromkeys(s.SCORED))) for peer in peer_units])
    own = next(row for row in peers if row.unit.pk == unit.pk)
    spans = s.trend_spans(span, history)
    # The unit's own reports over the whole history, read once.
    own_book = s.ReportBook(within=unit, spans=spans, today=today)
    # The past periods' components in one grouped query per module (only the score is kept).
    known = s._trend_components(user, unit, spans[:-1], today, subtree=True)
    points = []
    for each in spans[:-1]:
        figures = {**known.get(each.id, {}), s.REPORTS: own_book.compliance(each)}
        if any(key not in figures for key in s.SCORED):  # a module without the helpers: read as before
            figures, _book = _own_figures(user, unit, each, today, own_book)
        points.append(HistoryPoint(each, score(figures, weighting)))
    points.append(HistoryPoint(span, own.score))
    reasons, counts = s.overdue_now(user=user, scope=unit, span=span, book=own_book, limit=30, today=today)
    return Scorecard(
        unit=unit,
        span=span,
        figures=own.figures,
        score=own.score,
        weights=weighting,
        left_out=left_out(own.figures),
        history=points,
        peers=peers,
        rank=own.rank,
        reasons=reasons,
        reason_counts=counts,
    )


def peer_scorecards(
    *, user: Any, within: Unit, kind: str | None = None, span: s.Span, today: dt.date | None = None
) -> list[s.UnitRow]:
    """Return the units of `kind` (default: those directly inside `within`) scored and ranked, for the API."""
    today = today or timezone.localdate()
    units = access.units_visible(user).filter(path__startswith=within.path, depth__gt=within.depth)
    units = units.filter(open_during_q(span.date_from, span.date_to))
    if kind:
        units = units.filter(kind=kind)
        depth = units.order_by("depth").values_list("depth", flat=True).first()
        if depth is None:
            return []
    else:
        depth = within.depth + 1
    units = list(units.filter(depth=depth).order_by("path"))
    grouped, _book = analytic_read(s.figures_by_prefix)(
        user=user, within=within, length=depth * Unit.steplen, span=span, today=today
    )
    return rank_rows([s.UnitRow(u, grouped.get(u.path, dict.fromkeys(s.SCORED))) for u in units])
