"""The critique's two official documents (Decree 30 format), built with `phoihop.documents`:

- the critique document (văn bản phản biện xã hội): a công văn of the Front's standing board to
  the drafting agency, with the general assessment and the consolidated opinions by section;
- the disposition table (bảng tổng hợp tiếp thu, giải trình ý kiến phản biện xã hội) issued by
  the drafting agency: one row per opinion with its outcome and explanation.

Both are Vietnamese whatever the screen language (administrative documents), and print the
number the documents register gave them at issue; before that they are drafts.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext as _

from phoihop.criticism.models import Critique, Disposition, Opinion
from phoihop.criticism.services import critique_symbol, table_symbol
from phoihop.documents import issuers
from phoihop.documents.builder import Heading, OfficialDocument, Paragraph, Signature, Table, render_docx

# The place and parent body are read the way every report reads them (reporting's helpers).
from phoihop.documents.selectors import issued_number_get_for_target
from phoihop.orgs.models import Membership, Role, Unit

# Widths (cm) of the disposition table's eight columns; they add up to the 16.5 cm text width.
TABLE_WIDTHS = [1.0, 1.8, 4.3, 2.2, 1.2, 1.2, 1.2, 3.6]

issuers.ON_BEHALF = {
    Unit.Kind.PEOPLE_COMMITTEE: "TM. ỦY BAN NHÂN DÂN",
    Unit.Kind.FRONT_COMMITTEE: "TM. BAN THƯỜNG TRỰC",
}


def _signature(unit: Unit) -> Signature:
    """The unit's head signs: the first leader on record, with the title of their membership."""
    membership = (
        Membership.objects.filter(unit=unit, ended_on__isnull=True, role=Role.LEADER)
        .select_related("user")
        .order_by("id")
        .first()
    )
    title = (membership.title if membership else "") or _("Head of the unit")
    name = membership.user.full_name if membership else ""
    return Signature(title=title, name=name, on_behalf=issuers.ON_BEHALF.get(unit.kind, ""))


def _section_label(opinion: Opinion) -> str:
    if opinion.section_id is None:
        return _("The draft as a whole")
    return str(opinion.section)


def critique_document(critique: Critique, opinions: list[Opinion]) -> OfficialDocument:
    """Return the critique document with the opinions chosen for it, grouped by section."""
    with translation.override(settings.LANGUAGE_CODE):
        unit = critique.front_unit
        ancestors = issuers.ancestors(unit)
        issued = issued_number_get_for_target(issuing_unit=unit, target=critique)
        body: list[Any] = [
            Paragraph(
                _(
                    "Having received the draft “%(title)s” from %(agency)s, %(front)s organised social "
                    "criticism in the form of %(form)s and gives the following opinions:"
                )
                % {
                    "title": critique.title,
                    "agency": critique.drafting_unit.name,
                    "front": unit.name,
                    "form": critique.get_form_display().lower(),
                }
            )
        ]
        if critique.summary:
            body.append(Heading(_("General assessment")))
            body.extend(Paragraph(line) for line in critique.summary.splitlines() if line.strip())
        body.append(Heading(_("Specific opinions")))
        for number, opinion in enumerate(opinions, start=1):
            body.append(Paragraph(f"{number}. {_section_label(opinion)}: {opinion.wording}"))
        body.append(
            Paragraph(
                _(
                    "We ask %(agency)s to consider these opinions and to send the table of their acceptance "
                    "and explanation to %(front)s within %(days)s days."
                )
                % {
                    "agency": critique.drafting_unit.name,
                    "front": unit.name,
                    "days": settings.PHOIHOP_CRITIQUE_ANSWER_DAYS,
                }
            )
        )
        return OfficialDocument(
            parent_body=issuers.parent_body(ancestors),
            issuing_body=unit.name,
            number=issued.sequence if issued else None,
            symbol=issued.symbol if issued else critique_symbol(unit),
            place=issuers.place(unit, ancestors),
            date=issued.issued_on if issued else None,
            doc_type="",
            summary=_("Social criticism of the draft %(title)s") % {"title": critique.title},
            addressees=[critique.drafting_unit.name],
            body=body,
            signature=_signature(unit),
            recipients=[critique.drafting_unit.name, *[inv.unit.name for inv in critique.invitations.all()]],
        )


def table_row(number: int, opinion: Opinion, disposition: Disposition | None) -> list[Any]:
    """One row of the disposition table: STT, section, opinion, organisation, three outcome marks, explanation."""
    outcome = disposition.outcome if disposition else ""
    marks = ["x" if outcome == value else "" for value in Disposition.Outcome.values]
    return [
        number,
        _section_label(opinion),
        opinion.wording,
        opinion.author_name,
        *marks,
        disposition.explanation if disposition else "",
    ]


def table_columns() -> list[str]:
    return [
        _("No."),
        _("Article or section"),
        _("Opinion"),
        _("Organisation"),
        _("Fully accepted"),
        _("Partly accepted"),
        _("Not accepted"),
        _("Explanation"),
    ]


def disposition_table_document(critique: Critique, opinions: list[Opinion]) -> OfficialDocument:
    """Return the drafting agency's disposition table, one row per opinion of the critique document."""
    with translation.override(settings.LANGUAGE_CODE):
        unit = critique.drafting_unit
        ancestors = issuers.ancestors(unit)
        issued = issued_number_get_for_target(issuing_unit=unit, target=critique)
        rows = [table_row(n, o, getattr(o, "disposition", None)) for n, o in enumerate(opinions, start=1)]
        intro = _(
            "%(agency)s has considered the opinions of %(front)s on the draft “%(title)s” "
            "(critique document of %(issued)s) and records its acceptance and explanation as follows:"
        ) % {
            "agency": unit.name,
            "front": critique.front_unit.name,
            "title": critique.title,
            "issued": critique.issued_on.strftime("%d/%m/%Y") if critique.issued_on else "",
        }
        return OfficialDocument(
            parent_body=issuers.parent_body(ancestors),
            issuing_body=unit.name,
            number=issued.sequence if issued else None,
            symbol=issued.symbol if issued else table_symbol(unit),
            place=issuers.place(unit, ancestors),
            date=issued.issued_on if issued else None,
            doc_type=_("Summary table"),
            summary=_("Acceptance and explanation of the social criticism opinions on the draft %(title)s")
            % {"title": critique.title},
            body=[Paragraph(intro), Table(columns=table_columns(), rows=rows, widths=TABLE_WIDTHS)],
            signature=_signature(unit),
            recipients=[critique.front_unit.name],
        )


def critique_docx(critique: Critique, opinions: list[Opinion]) -> bytes:
    return render_docx(critique_document(critique, opinions))


def disposition_table_docx(critique: Critique, opinions: list[Opinion]) -> bytes:
    return render_docx(disposition_table_document(critique, opinions))
