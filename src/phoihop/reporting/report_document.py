"""A submission as an official "Báo cáo" (Decree 30 format), built with `phoihop.documents`.

The document is Vietnamese whatever the screen language (it is an administrative document),
so it is built under the installation's language. Its number comes from the documents
register: a report not issued yet prints "Số:      /BC-…" and the mark of a draft; the number
is never stored here, so a document rebuilt later prints the "Số:" it was issued with.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext as _

from phoihop.calendar.periods import parse_period
from phoihop.core.text import fold
from phoihop.documents import issuers
from phoihop.documents.builder import Heading, OfficialDocument, Paragraph, Signature, Table, render_docx
from phoihop.documents.selectors import issued_number_get_for_target
from phoihop.orgs.models import Membership, Unit
from phoihop.reporting.models import DataValue, FormSection, Submission, ValueType


def report_symbol(unit: Unit) -> str:
    """The symbol of a report issued by `unit`: "BC-UBND", "BC-MTTQ" (Decree 30, Phụ lục III)."""
    abbreviation = unit.short_name or unit.code.rsplit("-", 1)[-1]
    return f"BC-{abbreviation}".replace(" ", "")


def _number(value: DataValue | None) -> Any:
    if value is None:
        return ""
    if value.value_number is None:
        return value.value_text
    if value.indicator.value_type == ValueType.BOOLEAN:
        # Translators: a yes/no figure printed in a report table.
        return _("Yes") if value.value_number else _("No")
    # Whole numbers print without decimals ("12", not "12,0000").
    number = value.value_number
    return int(number) if number == number.to_integral_value() else number.normalize()


def _sum(cells: list[DataValue | None]) -> Any:
    """The total of a disaggregated indicator; empty when no option has a figure."""
    numbers = [c.value_number for c in cells if c is not None and c.value_number is not None]
    if not numbers:
        return ""
    total = sum(numbers, Decimal(0))
    return int(total) if total == total.to_integral_value() else total.normalize()


def _signature(submission: Submission) -> Signature:
    signer = submission.approved_by or submission.submitted_by
    title = ""
    if signer is not None:
        membership = Membership.objects.filter(user=signer, unit=submission.unit, ended_on__isnull=True).first()
        title = membership.title if membership else ""
    on_behalf = issuers.ON_BEHALF.get(submission.unit.kind, "")
    deputy = ""
    folded = fold(title)
    if folded.startswith("pho chu tich"):
        # Decree 30: a vice-chair signs "KT. CHỦ TỊCH" above "PHÓ CHỦ TỊCH".
        title, deputy = "PHÓ CHỦ TỊCH", "KT. CHỦ TỊCH"
    elif folded.startswith("chu tich"):
        title = "CHỦ TỊCH"
    return Signature(
        title=title or _("Head of the unit"),
        name=getattr(signer, "full_name", "") if signer else "",
        on_behalf=on_behalf,
        deputy=deputy,
    )


# Bodies that decide collectively sign "TM." (on behalf of) the body (Decree 30, Phụ lục I, mục II.8).
def _tables(submission: Submission) -> list[Any]:
    period = parse_period(submission.period_id)
    previous_id = period.previous().id
    sections = (
        FormSection.objects.filter(form=submission.form).prefetch_related("fields__indicator").order_by("order", "id")
    )
    values = {
        (v.indicator_id, v.period_id, v.category): v
        for v in DataValue.objects.filter(unit=submission.unit, period_id__in=[period.id, previous_id]).select_related(
            "indicator"
        )
    }
    blocks: list[Any] = []
    columns = [_("No."), _("Indicator"), _("Unit of measure"), _("This period"), _("Previous period")]
    for section in sections:
        rows = []
        for number, form_field in enumerate(section.fields.all(), start=1):
            indicator = form_field.indicator
            options = indicator.disaggregation or []
            if not options:
                rows.append(
                    [
                        number,
                        indicator.name,
                        indicator.unit_of_measure,
                        _number(values.get((indicator.pk, period.id, ""))),
                        _number(values.get((indicator.pk, previous_id, ""))),
                    ]
                )
                continue

            codes = [str(o.get("code", "")) for o in options]

            def total(period_id: str, indicator_id: int = indicator.pk, codes: list[str] = codes) -> Any:
                return _sum([values.get((indicator_id, period_id, code)) for code in codes])

            rows.append([number, indicator.name, indicator.unit_of_measure, total(period.id), total(previous_id)])
            for option in options:
                code = str(option.get("code", ""))
                rows.append(
                    [
                        "",
                        f"- {option.get('name', code)}",
                        indicator.unit_of_measure,
                        _number(values.get((indicator.pk, period.id, code))),
                        _number(values.get((indicator.pk, previous_id, code))),
                    ]
                )
        blocks.append(Heading(section.title))
        blocks.append(Table(columns=columns, rows=rows, widths=[1.2, 7.3, 2.6, 2.7, 2.7]))
    return blocks


def submission_document(submission: Submission) -> OfficialDocument:
    """Return the report of one unit for one period, with its figures and last period's beside them."""
    with translation.override(settings.LANGUAGE_CODE):
        unit = submission.unit
        ancestors = issuers.ancestors(unit)
        period = parse_period(submission.period_id)
        issued = issued_number_get_for_target(issuing_unit=unit, target=submission)
        intro = _("Following the report form “%(form)s”, %(unit)s reports the results of %(period)s as follows:") % {
            "form": submission.form.name,
            "unit": unit.name,
            "period": period.label.lower(),
        }
        body: list[Any] = [Paragraph(intro), *_tables(submission)]
        comments = submission.warning_comments or {}
        if comments:
            body.append(Heading(_("Explanations")))
            body.extend(Paragraph(text) for text in comments.values() if text)
        parent = issuers.parent_body(ancestors)
        recipients = [name for name in (parent, submission.form.owner_unit.name) if name]
        return OfficialDocument(
            parent_body=parent,
            issuing_body=unit.name,
            number=issued.sequence if issued else None,
            symbol=issued.symbol if issued else report_symbol(unit),
            place=issuers.place(unit, ancestors),
            date=issued.issued_on if issued else submission.submitted_on,
            doc_type="Báo cáo",
            summary=f"{submission.form.name} {period.label.lower()}",
            body=body,
            signature=_signature(submission),
            recipients=list(dict.fromkeys(recipients)),
        )


def submission_docx(submission: Submission) -> bytes:
    return render_docx(submission_document(submission))


def submission_pdf(submission: Submission) -> bytes:
    """The same document through LibreOffice; raises documents.pdf.PdfUnavailable where it is missing."""
    from phoihop.documents.pdf import render_pdf

    return render_pdf(submission_docx(submission))


def filename(submission: Submission, extension: str) -> str:
    return f"bao-cao-{submission.form.code}-{submission.unit.code}-{submission.period_id}.{extension}".lower()
