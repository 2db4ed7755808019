"""Social criticism in /api/v1/criticism, scoped exactly like the web.

Reads go through criticism.permissions and criticism.selectors; writes through
criticism.services — the functions the web calls — so rules, validation (422 with messages)
and the audit trail are the same whichever door is used. Units are named by their code.
"""

# No `from __future__ import annotations`: ninja builds its models from these annotations at import.
import datetime as dt

from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import Http404, HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema
from ninja.pagination import paginate
from ninja.responses import Status

from phoihop.api.pagination import Page
from phoihop.criticism import selectors, services
from phoihop.criticism.models import (
    Critique,
    CritiqueForm,
    Disposition,
    DraftKind,
    DraftSection,
    DraftVersion,
    Opinion,
)
from phoihop.criticism.permissions import access_critique
from phoihop.orgs import access
from phoihop.orgs.models import Unit, User

router = Router(tags=["criticism"])


class CritiqueOut(Schema):
    id: int
    title: str
    draft_kind: str
    form: str
    status: str
    status_label: str = Field(..., alias="display_status")
    front_unit_code: str = Field(..., alias="front_unit.code")
    drafting_unit_code: str = Field(..., alias="drafting_unit.code")
    opinions_due: dt.date
    issued_on: dt.date | None
    disposition_due: dt.date | None = Field(..., description="Issue date + PHOIHOP_CRITIQUE_ANSWER_DAYS calendar days.")
    disposed_on: dt.date | None
    deadline: dt.date | None = Field(..., description="The next deadline that matters for its status.")
    url: str = Field(..., alias="get_absolute_url")


class CritiqueIn(Schema):
    front_unit: str = Field(..., description="Code of the Front committee, e.g. 22-MTTQ.")
    drafting_unit: str = Field(..., description="Code of the drafting agency, e.g. 22-SONV.")
    title: str
    draft_kind: DraftKind = DraftKind.POLICY
    form: CritiqueForm = CritiqueForm.WRITTEN
    opinions_due: dt.date
    description: str = ""


class OpinionOut(Schema):
    id: int
    section_id: int | None
    section: str
    author: str
    text: str
    wording: str
    included: bool
    outcome: str | None
    explanation: str | None

    @staticmethod
    def resolve_section(obj: Opinion) -> str:
        return str(obj.section) if obj.section_id else ""

    @staticmethod
    def resolve_author(obj: Opinion) -> str:
        return obj.author_name

    @staticmethod
    def resolve_outcome(obj: Opinion) -> str | None:
        disposition = getattr(obj, "disposition", None)
        return disposition.outcome if disposition else None

    @staticmethod
    def resolve_explanation(obj: Opinion) -> str | None:
        disposition = getattr(obj, "disposition", None)
        return disposition.explanation if disposition else None


class OpinionIn(Schema):
    text: str
    section_id: int | None = None
    author_unit: str | None = Field(None, description="Code of the invited organisation giving it.")
    expert_id: int | None = None


class IssueIn(Schema):
    on_date: dt.date


class InviteIn(Schema):
    units: list[str] = Field(..., description="Codes of the organisations to invite, e.g. 22-HLHPN.")


class ExpertIn(Schema):
    name: str
    title: str = ""
    organisation: str = ""
    username: str | None = Field(None, description="The expert's account, when they give opinions in phoihop.")


class ExpertOut(Schema):
    id: int
    name: str
    title: str
    organisation: str


class VersionIn(Schema):
    received_on: dt.date
    text: str = Field(..., description="The draft's text; lines starting Điều/Chương/Mục or a number start a section.")
    note: str = ""


class SectionOut(Schema):
    id: int
    number: str
    heading: str
    text: str


class VersionOut(Schema):
    number: int
    received_on: dt.date
    note: str
    sections: list[SectionOut]

    @staticmethod
    def resolve_sections(obj: DraftVersion) -> list[DraftSection]:
        return list(obj.sections.all())


class SelectionIn(Schema):
    opinion_id: int
    included: bool
    wording: str = ""


class ConsolidateIn(Schema):
    summary: str | None = None
    selections: list[SelectionIn]


class DispositionIn(Schema):
    opinion_id: int
    outcome: Disposition.Outcome
    explanation: str
    changed_section_id: int | None = None


class DispositionsIn(Schema):
    rows: list[DispositionIn]


def _unit(code: str, field: str) -> Unit:
    unit = Unit.objects.filter(code=code, valid_to__isnull=True).first()
    if unit is None:
        raise ValidationError({field: _("Unknown unit code: %(codes)s.") % {"codes": code}})
    return unit


@router.get("", response=list[CritiqueOut], summary="Critiques I may see, open first")
@paginate(Page)
def critique_list(request: HttpRequest, status: Critique.Status | None = None) -> QuerySet[Critique]:
    return selectors.critique_list(user=request.auth, status=status or "")


@router.post("", response={201: CritiqueOut}, summary="Start a critique (Front officers)")
def critique_create(request: HttpRequest, payload: CritiqueIn) -> Status:
    front = access.access_unit_by_code(request.auth, payload.front_unit)
    critique = services.critique_create(
        actor=request.auth,
        front_unit=front,
        drafting_unit=_unit(payload.drafting_unit, "drafting_unit"),
        title=payload.title,
        draft_kind=payload.draft_kind,
        form=payload.form,
        opinions_due=payload.opinions_due,
        description=payload.description,
    )
    return Status(201, critique)


@router.get("/{int:critique_id}", response=CritiqueOut, summary="One critique")
def critique_detail(request: HttpRequest, critique_id: int) -> Critique:
    return access_critique(request.auth, critique_id).critique


@router.get(
    "/{int:critique_id}/opinions",
    response=list[OpinionOut],
    summary="Opinions I may read: all for the Front and the invited; the critique document's for the drafting agency",
)
@paginate(Page)
def opinion_list(request: HttpRequest, critique_id: int) -> QuerySet[Opinion]:
    return selectors.opinions_for(access_critique(request.auth, critique_id)).order_by("order", "id")


@router.post("/{int:critique_id}/opinions", response={201: OpinionOut}, summary="Give an opinion (invited)")
def opinion_submit(request: HttpRequest, critique_id: int, payload: OpinionIn) -> Status:
    acc = access_critique(request.auth, critique_id)
    critique = acc.critique
    section = None
    if payload.section_id is not None:
        section = DraftSection.objects.filter(pk=payload.section_id, version__critique=critique).first()
        if section is None:
            raise ValidationError({"section_id": _("Choose a section of this draft.")})
    author_unit = _unit(payload.author_unit, "author_unit") if payload.author_unit else None
    expert = critique.experts.filter(pk=payload.expert_id).first() if payload.expert_id else None
    if payload.expert_id and expert is None:
        raise Http404
    opinion = services.opinion_submit(
        actor=request.auth,
        critique=critique,
        text=payload.text,
        section=section,
        author_unit=author_unit,
        expert=expert,
    )
    return Status(201, opinion)


@router.post("/{int:critique_id}/issue", response=CritiqueOut, summary="Issue the critique document (Front officers)")
def critique_issue(request: HttpRequest, critique_id: int, payload: IssueIn) -> Critique:
    acc = access_critique(request.auth, critique_id)
    acc.require(acc.can_manage)
    return services.critique_issue(actor=request.auth, critique=acc.critique, on_date=payload.on_date)


@router.post(
    "/{int:critique_id}/dispositions",
    response=list[OpinionOut],
    summary="Record dispositions (drafting agency officers); all rows or none",
)
def dispositions_record(request: HttpRequest, critique_id: int, payload: DispositionsIn) -> list[Opinion]:
    acc = access_critique(request.auth, critique_id)
    acc.require(acc.can_dispose)
    services.dispositions_record(
        actor=request.auth,
        critique=acc.critique,
        rows=[
            services.DispositionRow(
                opinion_id=row.opinion_id,
                outcome=row.outcome,
                explanation=row.explanation,
                changed_section_id=row.changed_section_id,
            )
            for row in payload.rows
        ],
    )
    return list(selectors.document_opinions(acc.critique))


@router.get(
    "/{int:critique_id}/versions", response=list[VersionOut], summary="The versions of the draft with their sections"
)
def version_list(request: HttpRequest, critique_id: int) -> list[DraftVersion]:
    acc = access_critique(request.auth, critique_id)
    if not acc.sees_drafts:
        raise Http404
    return selectors.versions_with_sections(acc.critique)


@router.post("/{int:critique_id}/versions", response={201: VersionOut}, summary="Add the next version of the draft")
def version_add(request: HttpRequest, critique_id: int, payload: VersionIn) -> Status:
    acc = access_critique(request.auth, critique_id)
    acc.require(acc.can_manage or acc.can_dispose)
    version = services.version_add(
        actor=request.auth, critique=acc.critique, received_on=payload.received_on, text=payload.text, note=payload.note
    )
    return Status(201, version)


@router.post("/{int:critique_id}/invitations", response=CritiqueOut, summary="Invite organisations (Front officers)")
def critique_invite(request: HttpRequest, critique_id: int, payload: InviteIn) -> Critique:
    acc = access_critique(request.auth, critique_id)
    acc.require(acc.can_manage)
    units = [_unit(code, "units") for code in payload.units]
    services.critique_invite(actor=request.auth, critique=acc.critique, units=units)
    return acc.critique


@router.post("/{int:critique_id}/experts", response={201: ExpertOut}, summary="Add an expert (Front officers)")
def expert_add(request: HttpRequest, critique_id: int, payload: ExpertIn) -> Status:
    acc = access_critique(request.auth, critique_id)
    acc.require(acc.can_manage)
    user = None
    if payload.username:
        user = User.objects.filter(username=payload.username, is_active=True).first()
        if user is None:
            raise ValidationError({"username": _("No active account has this user name.")})
    expert = services.expert_add(
        actor=request.auth,
        critique=acc.critique,
        name=payload.name,
        title=payload.title,
        organisation=payload.organisation,
        user=user,
    )
    return Status(201, expert)


@router.post("/{int:critique_id}/open", response=CritiqueOut, summary="Start collecting opinions (Front officers)")
def critique_open(request: HttpRequest, critique_id: int) -> Critique:
    acc = access_critique(request.auth, critique_id)
    acc.require(acc.can_manage)
    return services.critique_open(actor=request.auth, critique=acc.critique)


@router.post(
    "/{int:critique_id}/consolidate",
    response=list[OpinionOut],
    summary="Choose and word the opinions of the critique document (Front officers)",
)
def critique_consolidate(request: HttpRequest, critique_id: int, payload: ConsolidateIn) -> list[Opinion]:
    acc = access_critique(request.auth, critique_id)
    acc.require(acc.can_manage)
    services.critique_consolidate(
        actor=request.auth,
        critique=acc.critique,
        summary=payload.summary,
        selections=[services.Selection(s.opinion_id, s.included, s.wording) for s in payload.selections],
    )
    return list(selectors.opinions_for(acc).order_by("order", "id"))


@router.post("/{int:critique_id}/close", response=CritiqueOut, summary="Close the critique (Front officers)")
def critique_close(request: HttpRequest, critique_id: int) -> Critique:
    acc = access_critique(request.auth, critique_id)
    acc.require(acc.can_manage)
    return services.critique_close(actor=request.auth, critique=acc.critique)
