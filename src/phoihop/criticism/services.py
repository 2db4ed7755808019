"""Every change of state of a critique: one function each, audited, called by the web, the API
and the demo alike.

The flow (issue 6 item 4): the Front prepares a critique (draft → collecting opinions, once it
has a draft version and someone to ask); invited organisations and experts give opinions on
sections; the Front chooses and words the opinions of the critique document and issues it
(a Decree 30 number, and the disposition deadline = issue + PHOIHOP_CRITIQUE_ANSWER_DAYS
calendar days); the drafting agency records a disposition for every opinion (disposed, and
the disposition table takes the agency's next number); the Front closes it.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.text import format_lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from phoihop.calendar.workdays import add_days
from phoihop.core.audit import audit_record, created
from phoihop.criticism.models import (
    Critique,
    Disposition,
    DraftSection,
    DraftVersion,
    Expert,
    Invitation,
    Opinion,
)
from phoihop.documents.services import document_issue
from phoihop.notify.models import Kind
from phoihop.notify.recipients import people_of
from phoihop.notify.services import notify
from phoihop.orgs import access
from phoihop.orgs.models import Role, Unit

S = Critique.Status


def _require(user: Any, unit: Unit, role: Role = Role.OFFICER) -> None:
    if not access.can(user, unit, role):
        raise PermissionDenied


def _require_status(critique: Critique, *allowed: str, message: str) -> None:
    if critique.status not in allowed:
        raise ValidationError(message)


def answer_days() -> int:
    """The disposition period in calendar days (DOMAIN.md §4, unconfirmed: a setting)."""
    return int(settings.PHOIHOP_CRITIQUE_ANSWER_DAYS)


def disposition_deadline(issued_on: dt.date, *, province_code: str = "") -> dt.date:
    """Return the disposition deadline of a critique document issued on `issued_on`.

    "15 ngày" are calendar days counted as the Civil Code does (from the day after issue; a
    deadline on a day off moves to the next working day), which `add_days` implements.
    """
    return add_days(issued_on, answer_days(), working=False, province_code=province_code)


# --- Sections ------------------------------------------------------------------------------------

# A line that starts a part of a draft: "Điều 3.", "Chương II", "Mục 1", or a numbered heading
# "1." / "2.1." / "II." at the start of a line. Anything before the first such line is a preamble.
_SECTION_START = re.compile(
    r"^\s*(?P<number>(?:Điều|Chương|Mục|Phần)\s+[0-9IVXLC]+[a-zđ]?|[0-9]+(?:\.[0-9]+)*\.|[IVXLC]+\.)"
    r"\s*[.:\-–]?\s*(?P<heading>.*)$",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class SectionText:
    number: str
    heading: str
    text: str


def split_sections(text: str) -> list[SectionText]:
    """Split a pasted draft into sections on lines starting "Điều"/"Chương"/"Mục" or a numbered heading.

    Kept simple on purpose (the Front can edit sections afterwards): the first line of a part is
    its number and heading, the following lines its text. A preamble before the first part
    becomes an unnumbered section so no text is lost.
    """
    sections: list[SectionText] = []
    number, heading, lines = "", "", []
    started = False

    def flush() -> None:
        body = "\n".join(lines).strip()
        if started or body:
            sections.append(SectionText(number=number, heading=heading.strip(), text=body))

    for line in (text or "").splitlines():
        match = _SECTION_START.match(line)
        if match:
            flush()
            number = match.group("number").strip().rstrip(".")
            heading = match.group("heading")
            lines = []
            started = True
        else:
            lines.append(line.rstrip())
    flush()
    return sections


# --- The critique ------------------------------------------------------------------------------


@transaction.atomic
def critique_create(
    *,
    actor: Any,
    front_unit: Unit,
    drafting_unit: Unit,
    title: str,
    draft_kind: str,
    form: str,
    opinions_due: dt.date,
    description: str = "",
) -> Critique:
    """Start a critique of a draft; the Front committee's officers do it."""
    _require(actor, front_unit)
    errors: dict[str, str] = {}
    if front_unit.kind != Unit.Kind.FRONT_COMMITTEE:
        errors["front_unit"] = _("Social criticism is run by a Fatherland Front committee; choose one.")
    if drafting_unit.pk == front_unit.pk:
        errors["drafting_unit"] = _("The drafting agency cannot be the Front committee itself.")
    if not isinstance(opinions_due, dt.date):
        errors["opinions_due"] = _("Enter the deadline for opinions as a date.")
    if errors:
        raise ValidationError(errors)
    critique = Critique(
        front_unit=front_unit,
        drafting_unit=drafting_unit,
        title=(title or "").strip(),
        draft_kind=draft_kind,
        form=form,
        opinions_due=opinions_due,
        description=description,
        created_by=actor,
    )
    critique.full_clean()
    critique.save()
    fields = ["title", "draft_kind", "form", "opinions_due", "front_unit", "drafting_unit"]
    audit_record(
        actor=actor, verb="critique.created", target=critique, unit=front_unit, changes=created(critique, fields)
    )
    return critique


def _notify_invited(*, critique: Critique, units: Iterable[Unit], experts: Iterable[Expert], actor: Any) -> None:
    title = format_lazy(gettext_lazy("Your opinion is asked on the draft “{title}”"), title=critique.title)
    body = format_lazy(gettext_lazy("Opinions are due by {due}."), due=critique.opinions_due.strftime("%d/%m/%Y"))
    url = critique.get_absolute_url()
    for unit in units:
        notify(
            recipients=people_of(unit),
            kind=Kind.INVITED,
            title=title,
            body=body,
            url=url,
            unit=unit,
            target=f"criticism.critique:{critique.pk}",
            key=f"criticism.invited:{critique.pk}:{unit.pk}",
            actor=actor,
        )
    people = [expert.user for expert in experts if expert.user_id]
    if people:
        notify(
            recipients=people,
            kind=Kind.INVITED,
            title=title,
            body=body,
            url=url,
            target=f"criticism.critique:{critique.pk}",
            key=f"criticism.invited:{critique.pk}:experts",
            actor=actor,
        )


@transaction.atomic
def critique_invite(*, actor: Any, critique: Critique, units: Sequence[Unit]) -> list[Invitation]:
    """Invite organisations to give opinions; they are told at once when opinions are being collected."""
    _require(actor, critique.front_unit)
    _require_status(
        critique, S.DRAFT, S.COLLECTING, message=_("Organisations can be invited only before the critique is issued.")
    )
    added = []
    existing = set(critique.invitations.values_list("unit_id", flat=True))
    for unit in units:
        if unit.pk in existing or unit.pk in (critique.drafting_unit_id, critique.front_unit_id):
            continue
        added.append(Invitation.objects.create(critique=critique, unit=unit))
        existing.add(unit.pk)
    if added:
        audit_record(
            actor=actor,
            verb="critique.invited",
            target=critique,
            unit=critique.front_unit,
            changes={"invited": [[], [inv.unit.code for inv in added]]},
        )
        if critique.status == S.COLLECTING:
            _notify_invited(critique=critique, units=[inv.unit for inv in added], experts=[], actor=actor)
    return added


@transaction.atomic
def expert_add(
    *, actor: Any, critique: Critique, name: str, title: str = "", organisation: str = "", user: Any = None
) -> Expert:
    """Add an expert to ask for opinions (a name, and an account when they use phoihop)."""
    _require(actor, critique.front_unit)
    _require_status(
        critique, S.DRAFT, S.COLLECTING, message=_("Experts can be added only before the critique is issued.")
    )
    expert = Expert(critique=critique, name=(name or "").strip(), title=title, organisation=organisation, user=user)
    expert.full_clean()
    expert.save()
    audit_record(
        actor=actor,
        verb="critique.expert_added",
        target=critique,
        unit=critique.front_unit,
        changes=created(expert, ["name", "title", "organisation"]),
    )
    if critique.status == S.COLLECTING:
        _notify_invited(critique=critique, units=[], experts=[expert], actor=actor)
    return expert


@transaction.atomic
def critique_open(*, actor: Any, critique: Critique) -> Critique:
    """Start collecting opinions: the invited organisations and experts now see the draft."""
    _require(actor, critique.front_unit)
    _require_status(critique, S.DRAFT, message=_("Opinions are already being collected for this critique."))
    if not critique.versions.exists():
        raise ValidationError(_("Add the draft (its first version) before asking for opinions."))
    units = [inv.unit for inv in critique.invitations.select_related("unit")]
    experts = list(critique.experts.all())
    if not units and not experts:
        raise ValidationError(_("Invite at least one organisation or expert before asking for opinions."))
    critique.status = S.COLLECTING
    critique.save(update_fields=["status", "updated_at"])
    audit_record(
        actor=actor,
        verb="critique.opened",
        target=critique,
        unit=critique.front_unit,
        changes={"status": [S.DRAFT, S.COLLECTING]},
    )
    _notify_invited(critique=critique, units=units, experts=experts, actor=actor)
    return critique


@transaction.atomic
def version_add(
    *,
    actor: Any,
    critique: Critique,
    received_on: dt.date,
    text: str = "",
    note: str = "",
    file: UploadedFile | None = None,
) -> DraftVersion:
    """Add the next version of the draft, its sections split from the pasted text.

    The Front's officers or the drafting agency's (who supplies the draft) may add one, until
    the critique is closed.
    """
    if not (
        access.can(actor, critique.front_unit, Role.OFFICER) or access.can(actor, critique.drafting_unit, Role.OFFICER)
    ):
        raise PermissionDenied
    _require_status(critique, S.DRAFT, S.COLLECTING, S.CONSOLIDATED, S.DISPOSED, message=_("This critique is closed."))
    if not isinstance(received_on, dt.date):
        raise ValidationError({"received_on": _("Enter the date the draft was received.")})
    sections = split_sections(text)
    if not sections and not file:
        raise ValidationError({"text": _("Paste the text of the draft or attach its file.")})
    last = critique.versions.order_by("-number").values_list("number", flat=True).first() or 0
    version = DraftVersion(critique=critique, number=last + 1, received_on=received_on, note=note)
    if file:
        version.file = file
    version.full_clean()
    version.save()
    DraftSection.objects.bulk_create(
        DraftSection(version=version, order=i, number=s.number[:64], heading=s.heading[:500], text=s.text)
        for i, s in enumerate(sections, start=1)
    )
    audit_record(
        actor=actor,
        verb="critique.version_added",
        target=critique,
        unit=critique.front_unit,
        changes={"version": [None, version.number], "sections": [None, len(sections)]},
    )
    return version


@transaction.atomic
def opinion_submit(
    *,
    actor: Any,
    critique: Critique,
    text: str,
    section: DraftSection | None = None,
    author_unit: Unit | None = None,
    expert: Expert | None = None,
) -> Opinion:
    """Record an opinion of an invited organisation or expert, on a section or on the whole draft."""
    from phoihop.criticism.permissions import critique_access

    found = critique_access(actor, critique)
    if found is None:
        raise PermissionDenied
    units, experts = found.opinion_authors()
    if (author_unit is None) == (expert is None):
        raise ValidationError({"author": _("Choose who gives the opinion: an invited organisation or an expert.")})
    if author_unit is not None and author_unit.pk not in {u.pk for u in units}:
        raise PermissionDenied
    if expert is not None and expert.pk not in {e.pk for e in experts}:
        raise PermissionDenied
    _require_status(critique, S.COLLECTING, message=_("Opinions are taken only while they are being collected."))
    if section is not None and section.version.critique_id != critique.pk:
        raise ValidationError({"section": _("Choose a section of this draft.")})
    text = (text or "").strip()
    if not text:
        raise ValidationError({"text": _("Write the opinion.")})
    last = critique.opinions.order_by("-order").values_list("order", flat=True).first() or 0
    opinion = Opinion.objects.create(
        critique=critique,
        section=section,
        author_unit=author_unit,
        expert=expert,
        text=text,
        submitted_by=actor,
        submitted_at=timezone.now(),
        order=last + 1,
    )
    audit_record(
        actor=actor,
        verb="critique.opinion_submitted",
        target=critique,
        unit=author_unit or critique.front_unit,
        changes={"opinion": [None, opinion.pk], "section": [None, str(section) if section else ""]},
    )
    return opinion


@dataclass(frozen=True)
class Selection:
    """The Front's choice for one opinion: in the critique document or not, and its wording."""

    opinion_id: int
    included: bool
    wording: str = ""


@transaction.atomic
def critique_consolidate(
    *, actor: Any, critique: Critique, selections: Sequence[Selection], summary: str | None = None
) -> Critique:
    """Choose which opinions go into the critique document and edit their consolidated wording."""
    _require(actor, critique.front_unit)
    _require_status(
        critique, S.COLLECTING, message=_("Opinions can be consolidated only while the critique is collecting them.")
    )
    opinions = {o.pk: o for o in critique.opinions.all()}
    changed = []
    for choice in selections:
        opinion = opinions.get(choice.opinion_id)
        if opinion is None:
            raise ValidationError(_("An opinion chosen is not one of this critique."))
        wording = (choice.wording or "").strip()
        if wording == opinion.text.strip():
            wording = ""  # unchanged wording: keep the author's text as the source
        if opinion.included != choice.included or opinion.consolidated_text != wording:
            opinion.included, opinion.consolidated_text = choice.included, wording
            opinion.save(update_fields=["included", "consolidated_text", "updated_at"])
            changed.append(opinion.pk)
    if summary is not None and summary != critique.summary:
        critique.summary = summary
        critique.save(update_fields=["summary", "updated_at"])
    audit_record(
        actor=actor,
        verb="critique.consolidated",
        target=critique,
        unit=critique.front_unit,
        changes={"opinions": [None, changed]},
    )
    return critique


def critique_symbol(front_unit: Unit) -> str:
    """The symbol of a critique document: a công văn of the Front's standing board, "MTTQ-BTT"."""
    abbreviation = front_unit.short_name or front_unit.code.rsplit("-", 1)[-1]
    return f"{abbreviation}-BTT".replace(" ", "")


def table_symbol(drafting_unit: Unit) -> str:
    """The symbol of the disposition table the drafting agency issues: "BTH-SONV"."""
    abbreviation = drafting_unit.short_name or drafting_unit.code.rsplit("-", 1)[-1]
    return f"BTH-{abbreviation}".replace(" ", "")


@transaction.atomic
def critique_issue(*, actor: Any, critique: Critique, on_date: dt.date | None = None) -> Critique:
    """Issue the critique document to the drafting agency: numbered, and the disposition clock starts."""
    _require(actor, critique.front_unit)
    _require_status(critique, S.COLLECTING, message=_("Only a critique collecting opinions can be issued."))
    on_date = on_date or timezone.localdate()
    if not isinstance(on_date, dt.date):
        raise ValidationError({"on_date": _("Enter the date of issue as a date.")})
    if not critique.opinions.filter(included=True).exists():
        raise ValidationError(_("Choose at least one opinion for the critique document before issuing it."))
    document_issue(
        actor=actor,
        issuing_unit=critique.front_unit,
        symbol=critique_symbol(critique.front_unit),
        on_date=on_date,
        target=critique,
    )
    critique.status = S.CONSOLIDATED
    critique.issued_on = on_date
    critique.disposition_due = disposition_deadline(on_date, province_code=critique.front_unit.province_code)
    critique.save(update_fields=["status", "issued_on", "disposition_due", "updated_at"])
    audit_record(
        actor=actor,
        verb="critique.issued",
        target=critique,
        unit=critique.front_unit,
        changes={"status": [S.COLLECTING, S.CONSOLIDATED], "disposition_due": [None, critique.disposition_due]},
    )
    notify(
        recipients=people_of(critique.drafting_unit),
        kind=Kind.SUBMITTED,
        title=format_lazy(gettext_lazy("Critique document on the draft “{title}”"), title=critique.title),
        body=format_lazy(
            gettext_lazy("Record a disposition for every opinion by {due}."),
            due=critique.disposition_due.strftime("%d/%m/%Y"),
        ),
        url=critique.get_absolute_url(),
        unit=critique.drafting_unit,
        target=f"criticism.critique:{critique.pk}",
        key=f"criticism.issued:{critique.pk}",
        actor=actor,
    )
    return critique


@dataclass(frozen=True)
class DispositionRow:
    """One row of the disposition form: the agency's answer to one opinion."""

    opinion_id: int
    outcome: str
    explanation: str
    changed_section_id: int | None = None


@transaction.atomic
def dispositions_record(
    *, actor: Any, critique: Critique, rows: Sequence[DispositionRow], on_date: dt.date | None = None
) -> list[Disposition]:
    """Record the drafting agency's dispositions; when every opinion has one, the critique is disposed.

    All or nothing: one bad row (no explanation, an unknown outcome) refuses the whole form,
    and the message names the row (its number in the table) so the officer finds it.
    """
    _require(actor, critique.drafting_unit)
    _require_status(
        critique,
        S.CONSOLIDATED,
        S.DISPOSED,
        message=_("Dispositions are recorded once the critique document has been issued, and until it is closed."),
    )
    on_date = on_date or timezone.localdate()
    opinions = {o.pk: o for o in critique.opinions.filter(included=True).order_by("order", "id")}
    position = {pk: n for n, pk in enumerate(opinions, start=1)}
    sections = set(DraftSection.objects.filter(version__critique=critique).values_list("pk", flat=True))
    outcomes = set(Disposition.Outcome.values)
    errors: list[str] = []
    for row in rows:
        n = position.get(row.opinion_id)
        if n is None:
            errors.append(_("An opinion in the form is not in the critique document."))
            continue
        if row.outcome not in outcomes:
            errors.append(_("Row %(row)s: choose accepted, partly accepted or not accepted.") % {"row": n})
        if not (row.explanation or "").strip():
            errors.append(_("Row %(row)s: the disposition is missing its explanation.") % {"row": n})
        if row.changed_section_id is not None and row.changed_section_id not in sections:
            errors.append(_("Row %(row)s: choose a section of this draft.") % {"row": n})
    if errors:
        raise ValidationError(errors)
    saved = []
    for row in rows:
        disposition, _created = Disposition.objects.update_or_create(
            opinion=opinions[row.opinion_id],
            defaults={
                "outcome": row.outcome,
                "explanation": row.explanation.strip(),
                "changed_section_id": row.changed_section_id,
                "recorded_by": actor,
                "recorded_on": on_date,
            },
        )
        saved.append(disposition)
    audit_record(
        actor=actor,
        verb="critique.dispositions_recorded",
        target=critique,
        unit=critique.drafting_unit,
        changes={"dispositions": [None, {str(d.opinion_id): d.outcome for d in saved}]},
    )
    complete = not critique.opinions.filter(included=True, disposition__isnull=True).exists()
    if complete and critique.status == S.CONSOLIDATED:
        critique.status = S.DISPOSED
        critique.disposed_on = on_date
        critique.table_issued_on = on_date
        critique.save(update_fields=["status", "disposed_on", "table_issued_on", "updated_at"])
        # The disposition table is the agency's document: it takes the agency's next number.
        document_issue(
            actor=actor,
            issuing_unit=critique.drafting_unit,
            symbol=table_symbol(critique.drafting_unit),
            on_date=on_date,
            target=critique,
        )
        audit_record(
            actor=actor,
            verb="critique.disposed",
            target=critique,
            unit=critique.drafting_unit,
            changes={"status": [S.CONSOLIDATED, S.DISPOSED], "disposed_on": [None, on_date]},
        )
        notify(
            recipients=people_of(critique.front_unit),
            kind=Kind.ANSWERED,
            title=format_lazy(gettext_lazy("Dispositions recorded for the draft “{title}”"), title=critique.title),
            url=critique.get_absolute_url(),
            unit=critique.front_unit,
            target=f"criticism.critique:{critique.pk}",
            key=f"criticism.disposed:{critique.pk}",
            actor=actor,
        )
    return saved


@transaction.atomic
def critique_close(*, actor: Any, critique: Critique) -> Critique:
    """Close a critique whose every opinion has its disposition."""
    _require(actor, critique.front_unit)
    _require_status(critique, S.DISPOSED, message=_("A critique is closed once every opinion has its disposition."))
    critique.status = S.CLOSED
    critique.closed_on = timezone.localdate()
    critique.save(update_fields=["status", "closed_on", "updated_at"])
    audit_record(
        actor=actor,
        verb="critique.closed",
        target=critique,
        unit=critique.front_unit,
        changes={"status": [S.DISPOSED, S.CLOSED]},
    )
    return critique
