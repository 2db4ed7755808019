"""The review report (báo cáo sơ kết / tổng kết) as a Decree 30 document, written from the period's data.

Sections I ("Results achieved") and II ("Shortcomings and limitations") are drawn from the
figures of `report_figures.review_figures()`: tables by content area, report forms and units,
a chart, and the overdue items by name. Sections III–V (causes, directions, proposals) are the
editor's text; `default_sections()` prefills them with sentences stating the facts that
support them, so the editor starts from the data rather than a blank page.

Like every official document the report is Vietnamese whatever the screen language: it is
built under the installation's language. Every generated DOCX carries an identifier in its
core properties ("phoihop:review-report:<id>"), which is how an upload is recognised as the
same report edited in Word.
"""

from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext as _
from docx import Document

from phoihop.agreements.models import Agreement
from phoihop.core.dates import short_date
from phoihop.core.rates import Compliance
from phoihop.documents import issuers
from phoihop.documents.builder import (
    Chart,
    Heading,
    OfficialDocument,
    PageBreak,
    Paragraph,
    Series,
    Signature,
    Table,
    render_docx,
)
from phoihop.insights.report_figures import ReviewFigures, compliance_sum, review_figures
from phoihop.orgs.models import Unit
from phoihop.reporting.report_document import report_symbol

IDENTIFIER_PREFIX = "phoihop:review-report:"
# How many overdue items section II names one by one (the annex and the pages hold the rest).
LISTED_ITEMS = 15


@dataclass
class ReviewText:
    """The editor's text of one version: sections III–V, and optional edited text for I and II."""

    results_text: str = ""
    shortcomings_text: str = ""
    causes: str = ""
    directions: str = ""
    proposals: str = ""


def check_period(agreement: Agreement, date_from: dt.date, date_to: dt.date) -> list[tuple[str, str]]:
    """Return (field, message) for each reason the period cannot be reviewed (none when it can).

    A review covers days the agreement was in force: before it took effect or after its end
    there were no duties, so the figures would mislead.
    """
    errors = []
    if date_to < date_from:
        errors.append(("date_to", _("The end of the period is before its start.")))
    if date_from < agreement.effective_from:
        errors.append(
            (
                "date_from",
                _("The period starts before the agreement took effect on %(date)s.")
                % {"date": short_date(agreement.effective_from)},
            )
        )
    if agreement.effective_to is not None and date_to > agreement.effective_to:
        errors.append(
            (
                "date_to",
                _("The period ends after the agreement's end on %(date)s.")
                % {"date": short_date(agreement.effective_to)},
            )
        )
    return errors


def _rate(c: Compliance | None) -> float | None:
    if c is None or c.on_time_rate is None:
        return None
    return round(c.on_time_rate * 100, 1)


def _percent_text(value: float | None) -> str:
    if value is None:
        return "-"
    text = f"{value:.1f}".replace(".", ",")
    return text[:-2] if text.endswith(",0") else text


def _compliance_row(label: str, c: Compliance) -> list[Any]:
    return [label, c.due, c.done_on_time, c.done_late, c.overdue_open, _rate(c)]


def _compliance_columns(first: str) -> list[str]:
    return [first, _("Due"), _("On time"), _("Late"), _("Overdue"), _("On time (%)")]


def _none_due(kind: str) -> str:
    return {
        "duties": _("No duty fell due in the period."),
        "tasks": _("No task fell due in the period."),
        "recommendations": _("No recommendation had its answer due in the period."),
        "critiques": _("No critique had its answer due in the period."),
    }[kind]


def _counts_text(kind: str) -> str:
    # Translators: %(rate)s is a percentage written the Vietnamese way ("87,5"); "%%" prints "%".
    return {
        "duties": _(
            "%(due)s duties fell due in the period: %(on_time)s done on time, %(late)s done late and %(overdue)s "
            "still open after the deadline; on-time rate %(rate)s %%."
        ),
        "tasks": _(
            "%(due)s tasks fell due in the period: %(on_time)s done on time, %(late)s done late and %(overdue)s "
            "still open after the deadline; on-time rate %(rate)s %%."
        ),
        "recommendations": _(
            "%(due)s recommendations were to be answered in the period: %(on_time)s answered on time, %(late)s "
            "answered late and %(overdue)s still unanswered after the deadline; on-time rate %(rate)s %%."
        ),
        "critiques": _(
            "%(due)s critiques were to be answered by the drafting agencies in the period: %(on_time)s answered on "
            "time, %(late)s answered late and %(overdue)s still unanswered after the deadline; on-time rate "
            "%(rate)s %%."
        ),
    }[kind]


def _sentence(c: Compliance, kind: str) -> str:
    if not c.due:
        return _none_due(kind)
    return _counts_text(kind) % {
        "due": c.due,
        "on_time": c.done_on_time,
        "late": c.done_late,
        "overdue": c.overdue_open,
        "rate": _percent_text(_rate(c)),
    }


def _paragraphs(text: str) -> list[Paragraph]:
    return [Paragraph(line.strip()) for line in text.splitlines() if line.strip()]


def _area_table(rows: list[list[Any]], total: Compliance, caption: str) -> Table:
    return Table(
        columns=_compliance_columns(_("Content area")),
        rows=rows,
        widths=[6.9, 1.8, 1.9, 1.7, 2.0, 2.2],
        total_row=_compliance_row(_("Total"), total),
        caption=caption,
        decimals=1,
    )


def _results(figures: ReviewFigures, text: ReviewText) -> list[Any]:
    blocks: list[Any] = [Heading(_("Results achieved").upper())]
    if text.results_text.strip():
        blocks += _paragraphs(text.results_text)
    # 1. Duties of the agreement, by content area.
    blocks.append(Heading(_("Duties of the agreement"), level=2))
    blocks.append(Paragraph(_sentence(figures.obligations, "duties")))
    rows = [_compliance_row(area.name, c) for area, c, _tasks in figures.by_area if c.due or c.upcoming]
    if rows:
        blocks.append(_area_table(rows, figures.obligations, _("Duties met by content area")))
        charted = [(area, c) for area, c, _tasks in figures.by_area if c.due]
        if charted:
            blocks.append(
                Chart(
                    title=_("On-time rate of duties by content area"),
                    categories=[area.name for area, _c in charted],
                    series=[Series(_("On time"), [_rate(c) or 0 for _a, c in charted])],
                    unit="%",
                    decimals=1,
                )
            )
    # 2. Tasks of the coordination plans.
    blocks.append(Heading(_("Tasks of the coordination plans"), level=2))
    if figures.tasks is None:
        blocks.append(Paragraph(_("Figures on tasks are not available.")))
    else:
        blocks.append(Paragraph(_sentence(figures.tasks, "tasks")))
        rows = [_compliance_row(area.name, t) for area, _c, t in figures.by_area if t is not None and t.due]
        if rows:
            blocks.append(_area_table(rows, figures.tasks, _("Tasks done by content area")))
    # 3. Reports.
    blocks.append(Heading(_("Information and reporting"), level=2))
    counted = [r for r in figures.reports if r.expected]
    if not counted:
        blocks.append(Paragraph(_("No report linked to a duty of the agreement was due in the period.")))
    else:
        expected = sum(r.expected for r in counted)
        submitted = sum(r.submitted for r in counted)
        on_time = sum(r.on_time for r in counted)
        blocks.append(
            Paragraph(
                _(
                    "%(expected)s reports were due: %(submitted)s submitted (completeness %(completeness)s %%), "
                    "%(on_time)s of them by the deadline (timeliness %(timeliness)s %%)."
                )
                % {
                    "expected": expected,
                    "submitted": submitted,
                    "on_time": on_time,
                    "completeness": _percent_text(submitted * 100 / expected),
                    "timeliness": _percent_text(on_time * 100 / expected),
                }
            )
        )
        blocks.append(
            Table(
                columns=[
                    _("Report form"),
                    _("Expected"),
                    _("Submitted"),
                    _("On time"),
                    _("Complete (%)"),
                    _("Timely (%)"),
                ],
                rows=[
                    [r.form.name, r.expected, r.submitted, r.on_time, _round(r.completeness), _round(r.timeliness)]
                    for r in counted
                ],
                widths=[6.5, 2.0, 2.0, 1.8, 2.1, 2.1],
                caption=_("Reports submitted"),
                decimals=1,
            )
        )
    # 4. Supervision and recommendations.
    blocks.append(Heading(_("Supervision and recommendations"), level=2))
    blocks += _recommendations(figures.recommendations)
    # 5. Social criticism.
    blocks.append(Heading(_("Social criticism"), level=2))
    if figures.critiques is None:
        blocks.append(Paragraph(_("Figures on social criticism are not available.")))
    else:
        blocks.append(Paragraph(_sentence(figures.critiques, "critiques")))
    return blocks


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 1)


def _recommendations(recommendations: Any) -> list[Any]:
    if recommendations is None:
        return [Paragraph(_("Figures on supervision and recommendations are not available."))]
    compliance = getattr(recommendations, "compliance", None)
    blocks: list[Any] = []
    if isinstance(compliance, Compliance):
        blocks.append(Paragraph(_sentence(compliance, "recommendations")))
    assessed = [
        (_("Satisfactory"), getattr(recommendations, "satisfactory", None)),
        (_("Partly satisfactory"), getattr(recommendations, "partly", None)),
        (_("Not satisfactory"), getattr(recommendations, "not_satisfactory", None)),
        (_("Escalated to the level above"), getattr(recommendations, "escalated", None)),
    ]
    rows = [[label, value] for label, value in assessed if value is not None]
    if rows:
        blocks.append(
            Table(columns=[_("Assessment of the answers"), _("Number")], rows=rows, widths=[12.5, 4.0], decimals=1)
        )
    days = getattr(recommendations, "average_days_to_answer", None)
    if days is not None:
        blocks.append(
            Paragraph(_("On average an answer came %(days)s days after the recommendation.") % {"days": _round(days)})
        )
    return blocks


def _owing(occurrence: Any) -> str:
    return ", ".join(u.name for u in occurrence.obligation.owing_units.all())


def shortcoming_lines(figures: ReviewFigures) -> list[str]:
    """Return the sentences of section II, each a fact drawn from the data."""
    lines = []
    if figures.overdue:
        lines.append(_("%(count)s duties were still open after their deadline:") % {"count": len(figures.overdue)})
        for occurrence in figures.overdue[:LISTED_ITEMS]:
            lines.append(
                _("- %(duty)s (%(units)s), due %(date)s;")
                % {
                    "duty": occurrence.obligation.title,
                    "units": _owing(occurrence),
                    "date": short_date(occurrence.due_on),
                }
            )
        if len(figures.overdue) > LISTED_ITEMS:
            lines.append(_("- and %(count)s more (see the annex).") % {"count": len(figures.overdue) - LISTED_ITEMS})
    missing = [pair for rates in figures.reports for pair in rates.missing]
    if missing:
        names = sorted({unit.name for unit, _period in missing})
        lines.append(
            _("%(count)s reports were never submitted, by: %(units)s.")
            % {"count": len(missing), "units": ", ".join(names)}
        )
    if figures.tasks is not None and figures.tasks.overdue_open:
        lines.append(
            _("%(count)s tasks of the coordination plans were overdue.") % {"count": figures.tasks.overdue_open}
        )
    compliance = getattr(figures.recommendations, "compliance", None)
    if isinstance(compliance, Compliance) and compliance.overdue_open:
        lines.append(
            _("%(count)s recommendations after supervision were not answered by their deadline.")
            % {"count": compliance.overdue_open}
        )
    if figures.critiques is not None and figures.critiques.overdue_open:
        lines.append(
            _("%(count)s critiques were not answered by their deadline.") % {"count": figures.critiques.overdue_open}
        )
    scored = figures.lowest_scores
    if scored:
        lines.append(
            _("The units with the lowest scorecard score: %(units)s.")
            % {"units": "; ".join(f"{u.name} ({_percent_text(round(v, 1))})" for u, v in scored)}
        )
    lowest = figures.lowest_parties
    if lowest:
        lines.append(
            _("The units with the lowest on-time rate: %(units)s.")
            % {"units": "; ".join(f"{u.name} ({_percent_text(_rate(c))} %)" for u, c in lowest)}
        )
    if not lines:
        lines.append(_("The data of the period shows no overdue duty, missing report or unanswered recommendation."))
    return lines


def default_sections(figures: ReviewFigures) -> ReviewText:
    """Return the prefilled text of sections III–V: one sentence per fact that supports them."""
    causes, directions, proposals = [], [], []
    by_area = sorted(((area, c) for area, c, _t in figures.by_area if c.overdue_open), key=lambda p: -p[1].overdue_open)
    if by_area:
        area, c = by_area[0]
        causes.append(
            _("- Most overdue duties are in the area “%(area)s” (%(count)s).")
            % {"area": area.name, "count": c.overdue_open}
        )
        directions.append(
            _("- Complete the %(count)s overdue duties, first those in the area “%(area)s”.")
            % {"count": figures.obligations.overdue_open, "area": area.name}
        )
    late = figures.obligations.done_late
    if late:
        causes.append(_("- %(count)s duties were done after their deadline.") % {"count": late})
    missing = sum(len(r.missing) for r in figures.reports)
    if missing:
        causes.append(_("- %(count)s reports were not submitted.") % {"count": missing})
        directions.append(_("- Submit the missing reports and keep to the reporting deadlines."))
    for unit, c in figures.lowest_parties:
        proposals.append(
            _("- %(unit)s to report on the causes of its on-time rate of %(rate)s %% and how it will catch up.")
            % {"unit": unit.name, "rate": _percent_text(_rate(c))}
        )
    if figures.obligations.upcoming:
        directions.append(
            _("- Carry out the %(count)s duties still to fall due under the agreement on time.")
            % {"count": figures.obligations.upcoming}
        )
    return ReviewText(causes="\n".join(causes), directions="\n".join(directions), proposals="\n".join(proposals))


def _annex(figures: ReviewFigures) -> list[Any]:
    scored = bool(figures.scores)
    rows = []
    for i, (unit, c) in enumerate(figures.by_party, start=1):
        score = figures.scores.get(unit.pk)
        rows.append([i, *_compliance_row(unit.name, c), *([_round(score)] if scored else [])])
    total = compliance_sum([c for _u, c in figures.by_party])
    columns = [_("No."), *_compliance_columns(_("Unit")), *([_("Score")] if scored else [])]
    # "STT" needs 1.2 cm to stay on one line in 13 pt bold.
    widths = [1.2, 5.1, 1.5, 1.7, 1.5, 1.8, 2.0, 1.7] if scored else [1.2, 6.2, 1.6, 1.8, 1.6, 1.9, 2.2]
    empty = ["", _("No unit owed a duty in the period."), *[""] * (len(columns) - 2)]
    return [
        PageBreak(),
        Heading(_("Annex").upper(), numbered=False),
        Paragraph(_("Duties of each unit in the period (%(date_from)s – %(date_to)s).") % _period(figures)),
        Table(
            columns=columns,
            rows=rows or [empty],
            widths=widths,
            total_row=["", *_compliance_row(_("Total"), total), *([""] if scored else [])] if rows else None,
            decimals=1,
        ),
        *(
            [
                Paragraph(
                    _(
                        "Score: the unit's scorecard for the period, out of 100, weighing the on-time rates of its "
                        "duties, tasks, reports, recommendations and critiques."
                    ),
                    italic=True,
                )
            ]
            if scored
            else []
        ),
    ]


def _period(figures: ReviewFigures) -> dict[str, str]:
    return {"date_from": short_date(figures.date_from), "date_to": short_date(figures.date_to)}


def review_summary(agreement: Agreement, kind: str, date_from: dt.date, date_to: dt.date) -> str:
    """The summary under "BÁO CÁO": "Sơ kết … thực hiện Quy chế phối hợp số 194/QCPH …"."""
    values = {
        "kind": agreement.get_kind_display().lower(),
        "number": agreement.number,
        "date_from": short_date(date_from),
        "date_to": short_date(date_to),
    }
    if kind == "final":
        return (
            _("Final review of the implementation of the %(kind)s No. %(number)s (%(date_from)s – %(date_to)s)")
            % values
        )
    return (
        _("Interim review of the implementation of the %(kind)s No. %(number)s (%(date_from)s – %(date_to)s)") % values
    )


def _signature(issuing_unit: Unit, signer_name: str, signer_title: str) -> Signature:
    return Signature(
        title=signer_title or _("Chair"),
        name=signer_name,
        on_behalf=issuers.ON_BEHALF.get(issuing_unit.kind, ""),
    )


def review_document(
    *,
    figures: ReviewFigures,
    issuing_unit: Unit,
    kind: str = "interim",
    text: ReviewText | None = None,
    number: int | None = None,
    symbol: str = "",
    date: dt.date | None = None,
    signer_name: str = "",
    signer_title: str = "",
) -> OfficialDocument:
    """Return the review as an OfficialDocument (Vietnamese; build it under the installation's language)."""
    text = text or default_sections(figures)
    agreement = figures.agreement
    ancestors = issuers.ancestors(issuing_unit)
    intro = _(
        "Carrying out the %(kind)s No. %(number)s, %(unit)s reviews its implementation from %(date_from)s to "
        "%(date_to)s as follows:"
    ) % {
        "kind": agreement.get_kind_display().lower(),
        "number": agreement.number,
        "unit": issuing_unit.name,
        **_period(figures),
    }
    body: list[Any] = [Paragraph(intro)]
    if figures.is_empty:
        body.append(
            Paragraph(
                _(
                    "No duty, task, report, recommendation or critique fell due in this period: the data holds "
                    "nothing to review yet."
                ),
                italic=True,
            )
        )
    body += _results(figures, text)
    body.append(Heading(_("Shortcomings and limitations").upper()))
    if text.shortcomings_text.strip():
        body += _paragraphs(text.shortcomings_text)
    else:
        body += [Paragraph(line) for line in shortcoming_lines(figures)]
    for title, section in (
        (_("Causes"), text.causes),
        (_("Directions and tasks"), text.directions),
        (_("Proposals"), text.proposals),
    ):
        body.append(Heading(title.upper()))
        body += _paragraphs(section) or [Paragraph("…")]
    body += _annex(figures)
    parent = issuers.parent_body(ancestors)
    parties = [p.unit.name for p in agreement.parties.select_related("unit").order_by("unit__path")]
    recipients = [name for name in dict.fromkeys([parent, *parties]) if name and name != issuing_unit.name]
    return OfficialDocument(
        parent_body=parent,
        issuing_body=issuing_unit.name,
        number=number,
        symbol=symbol or report_symbol(issuing_unit),
        place=issuers.place(issuing_unit, ancestors),
        date=date,
        doc_type="Báo cáo",
        summary=review_summary(agreement, kind, figures.date_from, figures.date_to),
        body=body,
        signature=_signature(issuing_unit, signer_name, signer_title),
        recipients=recipients,
    )


def stamp(docx_bytes: bytes, identifier: str) -> bytes:
    """Write phoihop's identifier into the DOCX core properties (what an upload is checked against)."""
    document = Document(io.BytesIO(docx_bytes))
    document.core_properties.identifier = identifier
    document.core_properties.keywords = "phoihop"
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def identifier_of(docx_bytes: bytes) -> str | None:
    """Return the identifier of a DOCX, or None when the file is not a readable DOCX."""
    try:
        return Document(io.BytesIO(docx_bytes)).core_properties.identifier or ""
    except Exception:  # python-docx raises many kinds (BadZipFile, KeyError, lxml errors) for a non-DOCX
        return None


def report_identifier(report_pk: int | None) -> str:
    return f"{IDENTIFIER_PREFIX}{report_pk if report_pk is not None else 'new'}"


def render_review(document: OfficialDocument, *, report_pk: int | None) -> bytes:
    return stamp(render_docx(document), report_identifier(report_pk))


def build_review_document(
    *,
    agreement: Agreement,
    date_from: dt.date,
    date_to: dt.date,
    user: Any,
    kind: str = "interim",
    issuing_unit: Unit | None = None,
) -> bytes:
    """Return the generated draft of a review as DOCX bytes, without storing anything.

    For the command line and the benchmark; the web keeps versions through report_services.
    Raises ValueError with the message when the period is outside the agreement's.
    """
    with translation.override(settings.LANGUAGE_CODE):
        errors = check_period(agreement, date_from, date_to)
        if errors:
            raise ValueError(" ".join(message for _field, message in errors))
        figures = review_figures(agreement=agreement, date_from=date_from, date_to=date_to, user=user)
        document = review_document(figures=figures, issuing_unit=issuing_unit or agreement.owner_unit, kind=kind)
        return render_review(document, report_pk=None)
