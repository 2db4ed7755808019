"""Every change to a review report: generate, save an edit, upload a Word edit, issue. Each is audited.

A report never changes in place: every save makes a new numbered version with its own DOCX,
so the history shows who wrote what, and the issued text is the last version.

The figures of every version are read as the report's author sees them (`report.created_by`):
an editor with a narrower scope must not make the figures of a province's review shrink.
"""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from docx import Document

from phoihop.agreements.models import Agreement
from phoihop.core.audit import audit_record, created
from phoihop.documents import issuers
from phoihop.documents.builder import number_line, place_date_line
from phoihop.documents.services import document_issue
from phoihop.insights.models import ReviewReport, ReviewReportVersion
from phoihop.insights.report import (
    ReviewText,
    check_period,
    default_sections,
    identifier_of,
    render_review,
    report_identifier,
    review_document,
    review_summary,
)
from phoihop.insights.report_figures import review_figures
from phoihop.orgs.models import Unit
from phoihop.reporting.report_document import report_symbol

# An uploaded DOCX larger than this is refused: a review with tables is well under 1 MB; a
# file of many MB is a scan or has pictures pasted in, which the register should not keep.
MAX_UPLOAD_BYTES = 10 * 1024 * 1024
TEXT_FIELDS = ("results_text", "shortcomings_text", "causes", "directions", "proposals")


def version_text(version: ReviewReportVersion | None) -> ReviewText:
    if version is None:
        return ReviewText()
    return ReviewText(**{name: getattr(version, name) for name in TEXT_FIELDS})


def _render(report: ReviewReport, text: ReviewText, *, number: int | None = None, date: dt.date | None = None) -> bytes:
    with translation.override(settings.LANGUAGE_CODE):
        figures = review_figures(
            agreement=report.agreement, date_from=report.date_from, date_to=report.date_to, user=report.created_by
        )
        document = review_document(
            figures=figures,
            issuing_unit=report.issuing_unit,
            kind=report.kind,
            text=text,
            number=number,
            symbol=report.symbol,
            date=date,
            signer_name=report.signer_name,
            signer_title=report.signer_title,
        )
        return render_review(document, report_pk=report.pk)


def _file_name(report: ReviewReport, number: int) -> str:
    kind = "so-ket" if report.kind == ReviewReport.Kind.INTERIM else "tong-ket"
    return f"bao-cao-{kind}-{report.date_from:%Y%m%d}-{report.date_to:%Y%m%d}-v{number}.docx"


def _add_version(
    report: ReviewReport, *, actor: Any, source: str, text: ReviewText, docx: bytes
) -> ReviewReportVersion:
    latest = report.versions.aggregate(top=Max("number"))["top"] or 0
    version = ReviewReportVersion.objects.create(
        report=report,
        number=latest + 1,
        source=source,
        docx=docx,
        file_name=_file_name(report, latest + 1),
        created_by=actor,
        **{name: getattr(text, name) for name in TEXT_FIELDS},
    )
    ReviewReport.objects.filter(pk=report.pk).update(updated_at=timezone.now())
    return version


def latest_version(report: ReviewReport) -> ReviewReportVersion | None:
    return report.versions.order_by("-number").first()


def _check_draft(report: ReviewReport) -> None:
    if report.is_issued:
        raise ValidationError(_("This report has been issued; it can no longer be changed."))


@transaction.atomic
def review_report_generate(
    *,
    actor: Any,
    agreement: Agreement,
    kind: str,
    date_from: dt.date,
    date_to: dt.date,
    issuing_unit: Unit | None = None,
    signer_name: str = "",
    signer_title: str = "",
) -> ReviewReport:
    """Generate a review of the agreement for the period from the data, as version 1.

    The period must lie within the agreement's effective period: a review of days the agreement
    did not cover would count duties that did not exist. The issuing body is the agreement's
    owner or one of its parties (the caller has checked the actor may act for it).
    """
    errors = check_period(agreement, date_from, date_to)
    if errors:
        by_field: dict[str, list[str]] = {}
        for name, message in errors:
            by_field.setdefault(name, []).append(message)
        raise ValidationError(by_field)
    if kind not in ReviewReport.Kind.values:
        raise ValidationError({"kind": _("Choose an interim or a final review.")})
    issuing_unit = issuing_unit or agreement.owner_unit
    is_party = agreement.parties.filter(unit=issuing_unit).exists()
    if issuing_unit.pk != agreement.owner_unit_id and not is_party:
        raise ValidationError({"issuing_unit": _("The issuing body must be a party to the agreement.")})
    report = ReviewReport.objects.create(
        agreement=agreement,
        kind=kind,
        date_from=date_from,
        date_to=date_to,
        issuing_unit=issuing_unit,
        title=review_summary(agreement, kind, date_from, date_to),
        signer_name=signer_name,
        signer_title=signer_title,
        symbol=report_symbol(issuing_unit),
        created_by=actor,
        province_code=issuing_unit.province_code,
    )
    with translation.override(settings.LANGUAGE_CODE):
        figures = review_figures(agreement=agreement, date_from=date_from, date_to=date_to, user=actor)
        text = default_sections(figures)
        docx = render_review(
            review_document(
                figures=figures,
                issuing_unit=issuing_unit,
                kind=kind,
                text=text,
                symbol=report.symbol,
                signer_name=signer_name,
                signer_title=signer_title,
            ),
            report_pk=report.pk,
        )
    _add_version(report, actor=actor, source=ReviewReportVersion.Source.GENERATED, text=text, docx=docx)
    audit_record(
        actor=actor,
        verb="review_report.generated",
        target=report,
        unit=issuing_unit,
        changes=created(report, ["agreement", "kind", "date_from", "date_to", "issuing_unit", "title"]),
    )
    return report


@transaction.atomic
def review_report_save(*, actor: Any, report: ReviewReport, text: ReviewText) -> ReviewReportVersion:
    """Save the editor's text as a new version, with the DOCX regenerated around it."""
    report = ReviewReport.objects.select_for_update().get(pk=report.pk)
    _check_draft(report)
    before = version_text(latest_version(report))
    version = _add_version(
        report, actor=actor, source=ReviewReportVersion.Source.EDITED, text=text, docx=_render(report, text)
    )
    changed = {
        name: [getattr(before, name), getattr(text, name)]
        for name in TEXT_FIELDS
        if getattr(before, name) != getattr(text, name)
    }
    audit_record(
        actor=actor,
        verb="review_report.edited",
        target=report,
        unit=report.issuing_unit,
        changes={"version": [version.number - 1, version.number], **changed},
    )
    return version


def check_upload(report: ReviewReport, content: bytes) -> None:
    """Refuse a file that is not this report's DOCX as phoihop generated it (then edited in Word)."""
    if len(content) > MAX_UPLOAD_BYTES:
        raise ValidationError({"file": _("The file is larger than 10 MB; a review report is much smaller.")})
    identifier = identifier_of(content)
    if not identifier or not identifier.startswith(report_identifier(None).rsplit(":", 1)[0] + ":"):
        raise ValidationError({"file": _("This file is not a review report generated by phoihop.")})
    if identifier != report_identifier(report.pk):
        raise ValidationError({"file": _("This file is another review report generated by phoihop, not this one.")})


@transaction.atomic
def review_report_upload(
    *, actor: Any, report: ReviewReport, content: bytes, file_name: str = ""
) -> ReviewReportVersion:
    """Keep a DOCX edited in Word as the new version, after checking it is this report's file.

    The text sections of the previous version are carried over (the Word file is the text now;
    a later edit in the browser would regenerate the document from them, which the page says).
    """
    report = ReviewReport.objects.select_for_update().get(pk=report.pk)
    _check_draft(report)
    check_upload(report, content)
    text = version_text(latest_version(report))
    version = _add_version(report, actor=actor, source=ReviewReportVersion.Source.UPLOADED, text=text, docx=content)
    audit_record(
        actor=actor,
        verb="review_report.uploaded",
        target=report,
        unit=report.issuing_unit,
        changes={"version": [version.number - 1, version.number], "file": [None, file_name[:200]]},
    )
    return version


def _number_uploaded(content: bytes, *, number: int, symbol: str, place_date: str) -> bytes:
    """Write the number and date into a DOCX edited in Word, and drop the draft mark.

    The header table's "Số:      /BC-…" and "…, ngày      tháng      năm …" lines are found by
    their text; everything else the editor wrote stays as it is.
    """
    document = Document(io.BytesIO(content))
    for table in document.tables[:1]:
        for row in table.rows:
            for cell in row.cells:
                for paragraph in cell.paragraphs:
                    text = paragraph.text
                    if text.startswith("Số:") and paragraph.runs:
                        paragraph.runs[0].text = number_line(number, symbol)
                        for run in paragraph.runs[1:]:
                            run.text = ""
                    elif ", ngày" in text and "năm" in text and paragraph.runs:
                        paragraph.runs[0].text = place_date
                        for run in paragraph.runs[1:]:
                            run.text = ""
    for section in document.sections:
        for paragraph in section.first_page_header.paragraphs:
            for run in paragraph.runs:
                run.text = ""
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


@transaction.atomic
def review_report_issue(*, actor: Any, report: ReviewReport, on_date: dt.date | None = None) -> ReviewReport:
    """Issue the report: the issuing body's next number for the year, the date, the final DOCX.

    The number comes from the register (documents.services.document_issue), which never gives
    the same number twice; issuing twice is refused here before it is asked. The final DOCX is
    regenerated from the last text, or — when the last version was edited in Word — that file
    with the number and date written into it.
    """
    report = ReviewReport.objects.select_for_update().get(pk=report.pk)
    _check_draft(report)
    on_date = on_date or timezone.localdate()
    latest = latest_version(report)
    number = document_issue(
        actor=actor, issuing_unit=report.issuing_unit, symbol=report.symbol, on_date=on_date, target=report, kind="BC"
    )
    text = version_text(latest)
    if latest is not None and latest.source == ReviewReportVersion.Source.UPLOADED:
        place = issuers.place(report.issuing_unit, issuers.ancestors(report.issuing_unit))
        docx = _number_uploaded(
            bytes(latest.docx), number=number, symbol=report.symbol, place_date=place_date_line(place, on_date)
        )
    else:
        docx = _render(report, text, number=number, date=on_date)
    report.status = ReviewReport.Status.ISSUED
    report.number = number
    report.issued_on = on_date
    report.issued_by = actor
    report.save(update_fields=["status", "number", "issued_on", "issued_by", "updated_at"])
    _add_version(report, actor=actor, source=ReviewReportVersion.Source.ISSUED, text=text, docx=docx)
    audit_record(
        actor=actor,
        verb="review_report.issued",
        target=report,
        unit=report.issuing_unit,
        changes={
            "status": ["draft", "issued"],
            "number": [None, f"{number:02d}/{report.symbol}"],
            "issued_on": [None, on_date.isoformat()],
        },
    )
    return report
