"""The leadership dashboard (/insights/) and unit scorecards (/insights/units/<pk>/), with their XLSX exports.

Thin views: the figures come from insights.selectors and insights.scorecards; access through
orgs.access (a unit outside the reader's scope is a 404; the dashboard itself is for leaders).
Every table of a page downloads as XLSX with `?format=xlsx&table=<name>` and the same filters.
"""

from __future__ import annotations

import datetime as dt
from typing import Any
from urllib.parse import urlencode

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from phoihop.core.spreadsheets import XlsxColumn, write_table_xlsx
from phoihop.documents.charts import Chart, Series, render_svg
from phoihop.documents.responses import document_download
from phoihop.insights import scorecards
from phoihop.insights import selectors as s
from phoihop.orgs import access
from phoihop.orgs.models import Role, Unit
from phoihop.reporting.selectors import analytic_read

PERCENT = XlsxColumn("", number_format="0.0")
RANKING_CHART_UNITS = 15


def can_see_dashboard(user: Any) -> bool:
    """Leaders (of any unit), unit admins and system admins: the dashboard is a leader's page."""
    return access.is_system_admin(user) or any(r.rank >= access.ROLE_RANK[Role.LEADER] for r in access.reaches(user))


class SpanForm(forms.Form):
    """The period picker: a report period id, or a first and last day."""

    period = forms.CharField(
        label=_("Period"),
        required=False,
        max_length=16,
        help_text=_("A year (2025), a half (2025S1), a quarter (2025Q2) or a month (202503)."),
        widget=forms.TextInput(attrs={"list": "period-choices", "autocomplete": "off", "size": 10}),
    )
    date_from = forms.DateField(label=_("Or from"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    date_to = forms.DateField(label=_("to"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    unit = forms.IntegerField(required=False, widget=forms.HiddenInput)

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        try:
            data["span"] = s.span_of(
                data.get("period") or None, date_from=data.get("date_from"), date_to=data.get("date_to")
            )
        except ValidationError as exc:
            for field, messages in exc.message_dict.items():
                self.add_error(field, messages)
        return data


def _span_and_form(request: HttpRequest) -> tuple[SpanForm, s.Span | None]:
    form = SpanForm(request.GET)
    if form.is_valid():
        return form, form.cleaned_data["span"]
    return form, None


def _percent(rate: float | None) -> float | None:
    return None if rate is None else round(rate * 100, 1)


def _link(name: str, args: list[Any] | None = None, **query: Any) -> str:
    """Return the URL of a module's page, or "" while that module has not made it yet."""
    try:
        url = reverse(name, args=args or [])
    except NoReverseMatch:
        return ""
    query = {k: v for k, v in query.items() if v not in (None, "")}
    return f"{url}?{urlencode(query)}" if query else url


def component_links(scope: Unit, span: s.Span, book: s.ReportBook | None = None) -> dict[str, str]:
    """Where each tile leads: the module's list of the records behind the figure, filtered to the scope.

    Reports lead to the completeness page of the span's last closed form period (that page shows
    one form and one period of its type at a time).
    """
    last = max(book.in_span(span), key=lambda i: (i.period.end, i.form.code), default=None) if book else None
    reports = _link(
        "reporting:rates", form=last.form.pk if last else "", period=last.period.id if last else "", unit=scope.pk
    )
    duties = _link("agreements:unit-duties", [scope.pk]) if not scope.is_territory else "#by-unit"
    return {
        s.OBLIGATIONS: duties,
        s.TASKS: _link("tasks:rates") if scope.is_territory else _link("tasks:unit-tasks-of", [scope.pk]),
        s.REPORTS_COMPLETE: reports,
        s.REPORTS: reports,
        s.RECOMMENDATIONS: _link("oversight:figures"),
        s.CRITIQUES: _link("criticism:critique-list"),
    }


def _tiles(values: dict[str, Any], links: dict[str, str]) -> list[dict[str, Any]]:
    tiles = []
    for key, label in s.COMPONENT_LABELS.items():
        figures = values.get(s.REPORTS if key == s.REPORTS_COMPLETE else key)
        tiles.append(
            {
                "key": key,
                "label": label,
                "available": figures is not None,
                "figures": figures,
                "percent": _percent(s.rate_of(key, values)),
                "url": links.get(key, ""),
            }
        )
    return tiles


def _trend_chart(points: list[s.TrendPoint]) -> str:
    series = [
        Series(str(label), [_percent(p.rates.get(key)) for p in points])
        for key, label in s.COMPONENT_LABELS.items()
        if any(p.rates.get(key) is not None for p in points)
    ]
    if not series:
        return ""
    chart = Chart(
        title=gettext("On-time rates over the periods"),
        categories=[p.span.period.id if p.span.period else p.span.label for p in points],
        series=series,
        kind="line",
        unit="%",
        decimals=0,
    )
    return render_svg(chart, dom_id="chart-trend")


def _area_chart(rows: list[s.AreaRow]) -> str:
    rows = [r for r in rows if r.obligations is not None and r.obligations.on_time_rate is not None]
    if not rows:
        return ""
    chart = Chart(
        title=gettext("Duties done on time, by content area"),
        categories=[r.area.name for r in rows],
        series=[Series(gettext("Duties done on time"), [_percent(r.obligations.on_time_rate) for r in rows])],
        unit="%",
        decimals=0,
    )
    return render_svg(chart, dom_id="chart-areas")


def _ranking_chart(rows: list[s.UnitRow]) -> str:
    rows = [r for r in rows if r.score is not None][:RANKING_CHART_UNITS]
    if not rows:
        return ""
    chart = Chart(
        title=gettext("Score of the units"),
        categories=[r.unit.short_name or r.unit.name for r in rows],
        series=[Series(gettext("Score"), [r.score for r in rows])],
        unit="%",
        decimals=0,
    )
    return render_svg(chart, dom_id="chart-ranking")


# --- exports ------------------------------------------------------------------------------------------


def _count_columns() -> list[XlsxColumn | str]:
    return [
        gettext("Due"),
        gettext("On time"),
        gettext("Late"),
        gettext("Overdue, still open"),
        gettext("Not yet due"),
        gettext("Waived"),
    ]


def _counts(figures: Any) -> list[Any]:
    if figures is None:
        return [None] * 6
    return [
        figures.due,
        figures.done_on_time,
        figures.done_late,
        figures.overdue_open,
        figures.upcoming,
        figures.waived,
    ]


def _xlsx(title: str, columns: list[Any], rows: list[list[Any]], filename: str) -> HttpResponse:
    return document_download(write_table_xlsx(title, columns, rows, sheet_title=filename), f"{filename}.xlsx")


def _percent_column(label: str) -> XlsxColumn:
    return XlsxColumn(label, number_format=PERCENT.number_format)


def export_components(scope: Unit, span: s.Span, values: dict[str, Any]) -> HttpResponse:
    columns = [gettext("Component"), _percent_column(gettext("Rate (%)")), *_count_columns()]
    rows = []
    for key, label in s.COMPONENT_LABELS.items():
        figures = values.get(s.REPORTS if key == s.REPORTS_COMPLETE else key)
        rows.append([str(label), _percent(s.rate_of(key, values)), *_counts(figures)])
    return _xlsx(f"{scope.name} · {span.label}", columns, rows, "components")


def export_trend(scope: Unit, points: list[s.TrendPoint]) -> HttpResponse:
    columns = [gettext("Period"), *[_percent_column(str(label)) for label in s.COMPONENT_LABELS.values()]]
    rows = [[p.span.label, *[_percent(p.rates.get(key)) for key in s.COMPONENT_LABELS]] for p in points]
    return _xlsx(scope.name, columns, rows, "trend")


def export_areas(scope: Unit, span: s.Span, area_rows: list[s.AreaRow]) -> HttpResponse:
    columns = [
        gettext("Content area"),
        _percent_column(gettext("Duties done on time (%)")),
        gettext("Duties due"),
        _percent_column(gettext("Tasks done on time (%)")),
        gettext("Tasks due"),
    ]
    rows = [
        [
            r.area.name,
            _percent(r.obligations.on_time_rate) if r.obligations else None,
            r.obligations.due if r.obligations else None,
            _percent(r.tasks.on_time_rate) if r.tasks else None,
            r.tasks.due if r.tasks else None,
        ]
        for r in area_rows
    ]
    return _xlsx(f"{scope.name} · {span.label}", columns, rows, "areas")


def unit_table_columns() -> list[Any]:
    return [
        gettext("Rank"),
        gettext("Unit"),
        gettext("Code"),
        _percent_column(gettext("Score")),
        *[_percent_column(str(s.COMPONENT_LABELS[key])) for key in s.COMPONENT_LABELS],
    ]


def unit_table_rows(rows: list[s.UnitRow]) -> list[list[Any]]:
    return [
        [r.rank, r.unit.name, r.unit.code, r.score, *[_percent(r.rate(key)) for key in s.COMPONENT_LABELS]]
        for r in rows
    ]


def export_overdue(title: str, items: list[s.OverdueItem], today: dt.date) -> HttpResponse:
    columns = [
        gettext("Kind"),
        gettext("Item"),
        gettext("Unit"),
        gettext("Deadline"),
        gettext("Days overdue"),
        gettext("Link"),
    ]
    rows = [[str(i.label), i.title, i.unit_name, i.due_on, i.days_overdue, i.url] for i in items]
    return _xlsx(title, columns, rows, "overdue")


# --- pages --------------------------------------------------------------------------------------------


@login_required
def dashboard(request: HttpRequest) -> HttpResponse:
    # One transaction for the page's reads (no BEGIN/COMMIT per figure) and the modules' answers
    # kept for the request: the ranking, the tiles, the trend and the overdue list share them.
    with s.request_memo():
        return analytic_read(_dashboard)(request)


def _dashboard(request: HttpRequest) -> HttpResponse:
    today = timezone.localdate()
    form, span = _span_and_form(request)
    scope = s.scope_unit(request.user, request.GET.get("unit"))
    if not can_see_dashboard(request.user):
        raise PermissionDenied
    context: dict[str, Any] = {
        "form": form,
        "scope": scope,
        "span": span,
        "today": today,
        "period_choices": s.period_choices(today),
        "ancestors": _visible_ancestors(request.user, scope),
    }
    if span is not None:
        table = request.GET.get("table", "")
        wants_xlsx = request.GET.get("format") == "xlsx"
        # Every expected report of the scope over the trend's periods is read once: the ranking,
        # the tile, the trend and the overdue list all count from it.
        book = s.ranking_book(scope=scope, spans=s.trend_spans(span), today=today)
        ranking = s.by_unit(user=request.user, scope=scope, span=span, today=today, book=book)
        values = s.figures(user=request.user, scope=scope, span=span, today=today, reports=ranking.reports)
        if wants_xlsx and table == "components":
            return export_components(scope, span, values)
        points = s.trend(user=request.user, scope=scope, span=span, today=today, current=values, book=book)
        if wants_xlsx and table == "trend":
            return export_trend(scope, points)
        area_rows = s.by_area(user=request.user, scope=scope, span=span, today=today)
        if wants_xlsx and table == "areas":
            return export_areas(scope, span, area_rows)
        if wants_xlsx and table == "units":
            return _xlsx(f"{scope.name} · {span.label}", unit_table_columns(), unit_table_rows(ranking.rows), "units")
        limit = 5000 if wants_xlsx else 50
        overdue, overdue_counts = s.overdue_now(
            user=request.user, scope=scope, span=span, book=book, limit=limit, today=today
        )
        if wants_xlsx and table == "overdue":
            return export_overdue(scope.name, overdue, today)
        if wants_xlsx:
            raise Http404
        context.update(
            {
                "tiles": _tiles(values, component_links(scope, span, book)),
                "trend": points,
                "trend_svg": _trend_chart(points),
                "component_labels": list(s.COMPONENT_LABELS.items()),
                "areas": area_rows,
                "areas_svg": _area_chart(area_rows),
                "ranking_rows": _display_rows(ranking.rows),
                "trend_rows": [
                    {
                        "id": p.span.period.id if p.span.period else "",
                        "label": p.span.label,
                        "cells": [_percent(p.rates.get(key)) for key in s.COMPONENT_LABELS],
                    }
                    for p in points
                ],
                "period_query": _period_query(span),
                "ranking_svg": _ranking_chart(ranking.rows),
                "overdue": overdue,
                "overdue_total": sum(overdue_counts.values()),
                "overdue_counts": [(s.KIND_LABELS[k], n) for k, n in overdue_counts.items() if n],
                "query": _query(span, scope),
            }
        )
    return render(request, "insights/dashboard.html", context)


def _display_rows(rows: list[s.UnitRow]) -> list[dict[str, Any]]:
    return [
        {
            "rank": r.rank,
            "unit": r.unit,
            "score": r.score,
            "cells": [_percent(r.rate(key)) for key in s.COMPONENT_LABELS],
        }
        for r in rows
    ]


def _period_query(span: s.Span) -> str:
    if span.period is not None:
        return urlencode({"period": span.period.id})
    return urlencode({"date_from": span.date_from, "date_to": span.date_to})


def _query(span: s.Span, scope: Unit) -> str:
    if span.period is not None:
        return urlencode({"period": span.period.id, "unit": scope.pk})
    return urlencode({"date_from": span.date_from, "date_to": span.date_to, "unit": scope.pk})


def _visible_ancestors(user: Any, unit: Unit) -> list[Unit]:
    """The scope's ancestors the reader may open, for the breadcrumb (one query)."""
    paths = [unit.path[: k * Unit.steplen] for k in range(1, unit.depth)]
    if not paths:
        return []
    return list(access.units_visible(user).filter(path__in=paths).order_by("depth"))


@login_required
def scorecard(request: HttpRequest, pk: int) -> HttpResponse:
    with s.request_memo():
        return analytic_read(_scorecard)(request, pk)


def _scorecard(request: HttpRequest, pk: int) -> HttpResponse:
    unit = access.access_unit(request.user, pk)
    today = timezone.localdate()
    form, span = _span_and_form(request)
    context: dict[str, Any] = {
        "form": form,
        "unit": unit,
        "span": span,
        "today": today,
        "period_choices": s.period_choices(today),
    }
    if span is not None:
        card = scorecards.unit_scorecard(user=request.user, unit=unit, span=span, today=today)
        table = request.GET.get("table", "")
        if request.GET.get("format") == "xlsx":
            if table == "peers":
                return _xlsx(f"{unit.name} · {span.label}", unit_table_columns(), unit_table_rows(card.peers), "peers")
            if table == "history":
                columns = [gettext("Period"), _percent_column(gettext("Score"))]
                return _xlsx(unit.name, columns, [[p.span.label, p.score] for p in card.history], "history")
            if table == "reasons":
                return export_overdue(unit.name, card.reasons, today)
            if table == "components":
                return export_components(unit, span, card.figures)
            raise Http404
        history_svg = ""
        if any(p.score is not None for p in card.history):
            history_svg = render_svg(
                Chart(
                    title=gettext("Score over the periods"),
                    categories=[p.span.period.id if p.span.period else p.span.label for p in card.history],
                    series=[Series(gettext("Score"), [p.score for p in card.history])],
                    kind="line",
                    unit="%",
                    decimals=0,
                ),
                dom_id="chart-history",
            )
        context.update(
            {
                "card": card,
                "tiles": _tiles(card.figures, component_links(unit, span)),
                "left_out": [s.COMPONENT_LABELS[k] for k in card.left_out],
                "history_svg": history_svg,
                "peers_svg": _ranking_chart(card.peers),
                "query": _query(span, unit),
                "period_query": _period_query(span),
                "peer_rows": _display_rows(card.peers),
                "component_labels": list(s.COMPONENT_LABELS.items()),
                "overdue_total": sum(card.reason_counts.values()),
                "overdue_counts": [(s.KIND_LABELS[k], n) for k, n in card.reason_counts.items() if n],
                "weights": [(s.COMPONENT_LABELS[k], w) for k, w in card.weights.items()],
            }
        )
    return render(request, "insights/scorecard.html", context)


def unit_panel(request: HttpRequest, unit: Unit) -> str | None:
    """The scorecard summary on each unit's page (orgs.panels): this year's score and its components."""
    from django.template.loader import render_to_string

    today = timezone.localdate()
    span = s.span_of(today=today)
    figures, score = scorecards.unit_summary(user=request.user, unit=unit, span=span, today=today)
    return render_to_string(
        "insights/_scorecard_panel.html",
        {
            "unit": unit,
            "span": span,
            "score": score,
            "rates": [(s.COMPONENT_LABELS[k], _percent(s.rate_of(k, figures))) for k in s.SCORED],
        },
        request=request,
    )
