"""Coordination agreements in /api/v1/agreements, scoped exactly like the web.

Reads go through agreements.permissions and agreements.selectors; writes through
agreements.services — the functions the web calls — so rules, validation (422 with field
messages) and the audit trail are the same whichever door is used. Units are named by their
official code; agreements, duties, occurrences and events by id.
"""

# No `from __future__ import annotations`: ninja builds its models from these annotations at import.
import datetime as dt
from typing import Any, Literal

from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import Http404, HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, File, Query, Router, Schema
from ninja.files import UploadedFile
from ninja.pagination import paginate
from ninja.responses import Status

from phoihop.agreements import permissions, selectors, services
from phoihop.agreements.models import Agreement, AgreementParty, Area, Event, Evidence, Obligation, Occurrence
from phoihop.api.pagination import Page
from phoihop.orgs import access
from phoihop.orgs.models import Role, Unit

router = Router(tags=["agreements"])

DisplayStatus = Literal["upcoming", "due_soon", "done_on_time", "done_late", "overdue", "waived"]


# Schemas --------------------------------------------------------------------------------------


class PartyOut(Schema):
    unit_code: str = Field(..., alias="unit.code")
    unit_name: str = Field(..., alias="unit.name")
    role: str
    focal_unit_code: str | None

    @staticmethod
    def resolve_focal_unit_code(obj: AgreementParty) -> str | None:
        return obj.focal_unit.code if obj.focal_unit_id else None


class AgreementOut(Schema):
    id: int
    kind: str
    kind_label: str
    number: str
    title: str
    status: str
    status_label: str
    signed_on: dt.date | None
    signed_place: str
    effective_from: dt.date
    effective_to: dt.date | None = Field(..., description="Last day in force; null when open-ended.")
    owner_unit_code: str = Field(..., alias="owner_unit.code", description="The unit that keeps the record.")
    parent_id: int | None = Field(..., description="The agreement this one implements.")
    replaced_by_id: int | None
    areas: list[str] = Field(..., description="Codes of the content areas.")
    parties: list[PartyOut]

    @staticmethod
    def resolve_kind_label(obj: Agreement) -> str:
        return str(obj.get_kind_display())

    @staticmethod
    def resolve_status_label(obj: Agreement) -> str:
        return str(obj.get_status_display())

    @staticmethod
    def resolve_areas(obj: Agreement) -> list[str]:
        return [area.code for area in obj.areas.all()]

    @staticmethod
    def resolve_parties(obj: Agreement) -> list[AgreementParty]:
        return list(obj.parties.all())


class ObligationOut(Schema):
    id: int
    agreement_id: int
    article_ref: str
    title: str
    text: str
    area: str = Field(..., alias="area.code")
    owing_units: list[str]
    receiving_units: list[str]
    schedule_kind: str
    rrule: str = Field(..., description="RFC 5545 RRULE body; DTSTART is the agreement's start.")
    event_kind: str
    deadline_rule: str
    deadline_days: int
    deadline_working_days: bool
    deadline_date: dt.date | None
    evidence_kinds: list[str]
    schedule_version: int

    @staticmethod
    def resolve_owing_units(obj: Obligation) -> list[str]:
        return [unit.code for unit in obj.owing_units.all()]

    @staticmethod
    def resolve_receiving_units(obj: Obligation) -> list[str]:
        return [unit.code for unit in obj.receiving_units.all()]


class AmendmentOut(Schema):
    number: str
    date: dt.date
    summary: str


class AgreementDetailOut(AgreementOut):
    summary: str
    obligations: list[ObligationOut]
    amendments: list[AmendmentOut]

    @staticmethod
    def resolve_obligations(obj: Agreement) -> list[Obligation]:
        return list(selectors.obligation_list(agreement=obj))

    @staticmethod
    def resolve_amendments(obj: Agreement) -> list[Any]:
        return list(obj.amendments.all())


class OccurrenceOut(Schema):
    id: int
    agreement_id: int = Field(..., alias="obligation.agreement_id")
    agreement_number: str = Field(..., alias="obligation.agreement.number")
    obligation_id: int
    obligation_title: str = Field(..., alias="obligation.title")
    key: str
    event_id: int | None
    period_start: dt.date | None
    period_end: dt.date | None
    due_on: dt.date
    state: str
    display_status: DisplayStatus
    completed_on: dt.date | None
    waived_reason: str


class EvidenceOut(Schema):
    id: int
    kind: str
    note: str
    file: str | None
    linked_record: str
    added_by: str = Field(..., alias="added_by.username")
    created_at: dt.datetime

    @staticmethod
    def resolve_file(obj: Evidence) -> str | None:
        return obj.file.name if obj.file else None


class OccurrenceDetailOut(OccurrenceOut):
    evidence: list[EvidenceOut]

    @staticmethod
    def resolve_evidence(obj: Occurrence) -> list[Evidence]:
        return list(obj.evidence.select_related("added_by").order_by("pk"))


class ComplianceOut(Schema):
    due: int = Field(..., description="What should be done by now: on time + late + open and overdue.")
    done_on_time: int
    done_late: int
    overdue_open: int
    upcoming: int
    waived: int
    on_time_rate: float | None = Field(..., description="done_on_time / due; an open overdue item counts against it.")


class PartyComplianceOut(ComplianceOut):
    unit_code: str
    unit_name: str


class AgreementComplianceOut(Schema):
    total: ComplianceOut
    parties: list[PartyComplianceOut] = Field(..., description="Per owing unit.")


class UnitRef(Schema):
    code: str
    name: str


class AgreementRef(Schema):
    id: int
    number: str
    title: str


class PairOut(Schema):
    a: str
    b: str
    agreements: list[AgreementRef]


class CoverageOut(Schema):
    level: UnitRef
    on: dt.date
    units: list[UnitRef] = Field(..., description="The bodies at this level, in tree order.")
    pairs: list[PairOut] = Field(..., description="Each pair with an agreement in force, once.")
    communes_without: list[UnitRef] = Field(..., description="Communes under a province with no agreement in force.")


class EventOut(Schema):
    id: int
    kind: str
    title: str
    host_unit_code: str = Field(..., alias="host_unit.code")
    starts_on: dt.date
    ends_on: dt.date | None
    place: str


class AreaOut(Schema):
    code: str
    name: str
    is_active: bool


class AgreementFilter(Schema):
    kind: Agreement.Kind | None = None
    status: Agreement.Status | None = None
    party: str = Field("", description="Code of a unit that is a party.")
    area: str = Field("", description="Code of a content area.")
    year: int | None = Field(None, ge=1990, le=2100, description="In force at some time in this year.")
    q: str = Field("", max_length=200, description="Words of the number, title or summary.")
    level: Literal["", "province", "commune"] = ""


class OccurrenceFilter(Schema):
    status: DisplayStatus | None = None
    obligation: int | None = Field(None, description="Id of a duty.")
    date_from: dt.date | None = Field(None, description="Due on or after.")
    date_to: dt.date | None = Field(None, description="Due on or before.")


class AllOccurrenceFilter(OccurrenceFilter):
    agreement: int | None = Field(None, description="Id of an agreement.")
    unit: str = Field("", description="Code of the owing unit.")


class ComplianceFilter(Schema):
    agreement: int | None = None
    unit: str = Field("", description="Code of the owing unit.")
    area: str = Field("", description="Code of a content area.")
    date_from: dt.date | None = None
    date_to: dt.date | None = None


class PartyIn(Schema):
    unit: str = Field(..., description="Code of the unit.")
    role: AgreementParty.Role = AgreementParty.Role.SIGNATORY
    focal_unit: str | None = Field(None, description="Code of its focal unit (đầu mối).")


class AgreementIn(Schema):
    owner_unit: str = Field(..., description="Code of the unit that registers and keeps it (officer there).")
    kind: Agreement.Kind
    number: str
    title: str
    effective_from: dt.date
    effective_to: dt.date | None = None
    signed_on: dt.date | None = None
    signed_place: str = ""
    summary: str = ""
    parent: int | None = Field(None, description="Id of the agreement it implements.")
    areas: list[str] = Field(default_factory=list, description="Codes of content areas.")
    parties: list[PartyIn] = Field(default_factory=list)
    status: Literal["draft", "in_force"] = "draft"


class ObligationIn(Schema):
    title: str
    area: str = Field(..., description="Code of the content area.")
    owing_units: list[str] = Field(..., description="Codes of the units that owe the duty.")
    receiving_units: list[str] = Field(default_factory=list)
    schedule_kind: Obligation.ScheduleKind
    rrule: str = Field("", description="RFC 5545 RRULE body, e.g. FREQ=YEARLY;BYMONTH=1,7;BYMONTHDAY=1.")
    event_kind: str = ""
    deadline_rule: Obligation.DeadlineRule
    deadline_days: int = Field(0, ge=0, le=366)
    deadline_working_days: bool = False
    deadline_date: dt.date | None = None
    article_ref: str = ""
    text: str = ""
    evidence_kinds: list[str] = Field(default_factory=lambda: ["note", "file"])


class EventIn(Schema):
    kind: Event.Kind
    title: str
    host_unit: str = Field(..., description="Code of the unit holding it (officer there).")
    starts_on: dt.date
    ends_on: dt.date | None = None
    place: str = ""


class EvidenceIn(Schema):
    kind: Literal["note", "task", "submission"] = "note"
    note: str = ""
    linked_record: str = Field("", description='For a task or report submission, e.g. "tasks.task:12".')


class CompleteIn(Schema):
    completed_on: dt.date | None = Field(None, description="Today when left out.")
    note: str = Field("", description="Kept as note evidence; needed when no evidence is attached yet.")


class ReasonIn(Schema):
    reason: str


# Helpers --------------------------------------------------------------------------------------


def _units(codes: list[str], field: str) -> list[Unit]:
    """Resolve unit codes (any open unit: a party or an addressee may be outside one's own scope)."""
    found = selectors.units_by_codes(codes)
    unknown = [code for code in codes if code not in found]
    if unknown:
        raise ValidationError({field: _("Unknown unit code: %(codes)s.") % {"codes": ", ".join(unknown)}})
    return [found[code] for code in codes]


def _level(user: Any, code: str) -> Unit:
    unit = Unit.objects.filter(code=code, valid_to__isnull=True, kind__in=Unit.TERRITORY_KINDS).first()
    if unit is None:
        raise Http404
    return permissions.access_level_unit(user, unit.pk)


def _occurrence_detail(user: Any, occurrence: Occurrence) -> Occurrence:
    return selectors.occurrence_list(user=user).get(pk=occurrence.pk)


def _compliance_dict(counts: selectors.Compliance) -> dict[str, Any]:
    return {
        "due": counts.due,
        "done_on_time": counts.done_on_time,
        "done_late": counts.done_late,
        "overdue_open": counts.overdue_open,
        "upcoming": counts.upcoming,
        "waived": counts.waived,
        "on_time_rate": counts.on_time_rate,
    }


def _filtered(user: Any, filters: OccurrenceFilter, **scope: Any) -> QuerySet[Occurrence]:
    obligation = permissions.access_obligation(user, filters.obligation) if filters.obligation else None
    return selectors.occurrence_list(
        user=user,
        obligation=obligation,
        status=filters.status or "",
        date_from=filters.date_from,
        date_to=filters.date_to,
        **scope,
    )


# Reads ----------------------------------------------------------------------------------------


@router.get("", response=list[AgreementOut], summary="Agreements I may see, newest first")
@paginate(Page)
def agreement_list(request: HttpRequest, filters: Query[AgreementFilter]) -> QuerySet[Agreement]:
    return selectors.agreement_list(
        user=request.auth,
        kind=filters.kind or "",
        status=filters.status or "",
        party=filters.party.strip(),
        area=filters.area.strip(),
        year=filters.year,
        q=filters.q,
        level=filters.level,
    )


@router.get("/areas", response=list[AreaOut], summary="Content areas of coordination")
@paginate(Page)
def area_list(request: HttpRequest) -> QuerySet[Area]:
    return Area.objects.order_by("order", "name")


@router.get("/occurrences", response=list[OccurrenceOut], summary="Occurrences of duties I may see, by due date")
@paginate(Page)
def occurrence_list(request: HttpRequest, filters: Query[AllOccurrenceFilter]) -> QuerySet[Occurrence]:
    user = request.auth
    agreement = permissions.access_agreement(user, filters.agreement) if filters.agreement else None
    unit = access.access_unit_by_code(user, filters.unit) if filters.unit else None
    return _filtered(user, filters, agreement=agreement, unit=unit)


@router.get(
    "/occurrences/{int:occurrence_id}", response=OccurrenceDetailOut, summary="One occurrence with its evidence"
)
def occurrence_detail(request: HttpRequest, occurrence_id: int) -> Occurrence:
    occurrence = permissions.access_occurrence(request.auth, occurrence_id)
    return _occurrence_detail(request.auth, occurrence)


@router.get("/obligations/{int:obligation_id}", response=ObligationOut, summary="One duty")
def obligation_detail(request: HttpRequest, obligation_id: int) -> Obligation:
    return permissions.access_obligation(request.auth, obligation_id)


@router.get(
    "/compliance", response=ComplianceOut, summary="Due, on time, late and overdue counts with the on-time rate"
)
def compliance(request: HttpRequest, filters: Query[ComplianceFilter]) -> dict[str, Any]:
    user = request.auth
    counts = selectors.compliance(
        user=user,
        agreement=permissions.access_agreement(user, filters.agreement) if filters.agreement else None,
        unit=access.access_unit_by_code(user, filters.unit) if filters.unit else None,
        area=filters.area.strip() or None,
        date_from=filters.date_from,
        date_to=filters.date_to,
    )
    return _compliance_dict(counts)


@router.get(
    "/coverage/{code}",
    response=CoverageOut,
    summary="Which bodies of a level (the province, a commune) have an agreement in force with which",
)
def coverage(request: HttpRequest, code: str, on: dt.date | None = None) -> dict[str, Any]:
    level_unit = _level(request.auth, code)
    matrix = selectors.coverage_matrix(user=request.auth, level_unit=level_unit, today=on)
    by_id = {unit.pk: unit for unit in matrix.units}
    pairs = [
        {
            "a": by_id[a].code,
            "b": by_id[b].code,
            "agreements": [{"id": x.pk, "number": x.number, "title": x.title} for x in found],
        }
        for (a, b), found in matrix.pairs.items()
        if a < b  # the matrix keeps both orders; the API gives each pair once
    ]
    return {
        "level": level_unit,
        "on": matrix.on,
        "units": matrix.units,
        "pairs": pairs,
        "communes_without": matrix.communes_without,
    }


@router.get("/my-duties", response=list[OccurrenceOut], summary="What my units owe this month (and still open before)")
@paginate(Page)
def my_duties(
    request: HttpRequest,
    month: str = Query("", pattern=r"^(\d{4}-(0[1-9]|1[0-2]))?$", description="YYYY-MM; this month when left out."),
    include_overdue: bool = True,
) -> QuerySet[Occurrence]:
    return selectors.my_duties(user=request.auth, month=month or None, include_overdue=include_overdue)


@router.get(
    "/units/{code}/duties",
    response=list[OccurrenceOut],
    summary="What a unit owes (side=owes) or is owed (side=owed), open first",
)
@paginate(Page)
def unit_duties(request: HttpRequest, code: str, side: Literal["owes", "owed"] = "owes") -> QuerySet[Occurrence]:
    unit = access.access_unit_by_code(request.auth, code)
    return selectors.unit_duties(user=request.auth, unit=unit)[side]


@router.get("/events", response=list[EventOut], summary="Council sessions and meetings that duties hang on")
@paginate(Page)
def event_list(
    request: HttpRequest, kind: Event.Kind | None = None, year: int | None = Query(None, ge=1990, le=2100)
) -> QuerySet[Event]:
    return selectors.event_list(kind=kind or "", year=year)


@router.get("/{int:agreement_id}", response=AgreementDetailOut, summary="One agreement with its parties and duties")
def agreement_detail(request: HttpRequest, agreement_id: int) -> Agreement:
    agreement = permissions.access_agreement(request.auth, agreement_id)
    return selectors.agreement_list(user=request.auth).get(pk=agreement.pk)


@router.get(
    "/{int:agreement_id}/occurrences",
    response=list[OccurrenceOut],
    summary="The occurrences of an agreement's duties, by due date",
)
@paginate(Page)
def agreement_occurrences(
    request: HttpRequest, agreement_id: int, filters: Query[OccurrenceFilter]
) -> QuerySet[Occurrence]:
    agreement = permissions.access_agreement(request.auth, agreement_id)
    return _filtered(request.auth, filters, agreement=agreement)


@router.get(
    "/{int:agreement_id}/compliance",
    response=AgreementComplianceOut,
    summary="An agreement's counts and on-time rate, in total and per owing unit",
)
def agreement_compliance(request: HttpRequest, agreement_id: int) -> dict[str, Any]:
    user = request.auth
    agreement = permissions.access_agreement(user, agreement_id)
    parties = [
        {"unit_code": unit.code, "unit_name": unit.name, **_compliance_dict(counts)}
        for unit, counts in selectors.compliance_by_party(user=user, agreement=agreement)
    ]
    return {"total": _compliance_dict(selectors.compliance(user=user, agreement=agreement)), "parties": parties}


# Writes ---------------------------------------------------------------------------------------


@router.post("", response={201: AgreementDetailOut}, summary="Register an agreement (officer of the owner unit)")
def agreement_register(request: HttpRequest, payload: AgreementIn) -> Status[Agreement]:
    actor = request.auth
    owner = access.access_unit_by_code(actor, payload.owner_unit, min_role=Role.OFFICER)
    parent = permissions.access_agreement(actor, payload.parent) if payload.parent else None
    party_units = _units([p.unit for p in payload.parties], "parties")
    focal_codes = [p.focal_unit for p in payload.parties if p.focal_unit]
    focal = dict(zip(focal_codes, _units(focal_codes, "parties"), strict=True))
    agreement = services.agreement_register(
        actor=actor,
        owner_unit=owner,
        kind=payload.kind,
        number=payload.number,
        title=payload.title,
        effective_from=payload.effective_from,
        effective_to=payload.effective_to,
        signed_on=payload.signed_on,
        signed_place=payload.signed_place,
        summary=payload.summary,
        parent=parent,
        areas=payload.areas,
        parties=[
            (unit, p.role, focal.get(p.focal_unit) if p.focal_unit else None)
            for unit, p in zip(party_units, payload.parties, strict=True)
        ],
        status=payload.status,
    )
    return Status(201, selectors.agreement_list(user=actor).get(pk=agreement.pk))


@router.post(
    "/{int:agreement_id}/obligations",
    response={201: ObligationOut},
    summary="Add a duty; its occurrences are generated at once",
)
def obligation_create(request: HttpRequest, agreement_id: int, payload: ObligationIn) -> Status[Obligation]:
    actor = request.auth
    agreement = permissions.access_agreement(actor, agreement_id, for_write=True)
    fields = payload.dict()
    fields["owing_units"] = _units(fields["owing_units"], "owing_units")
    fields["receiving_units"] = _units(fields["receiving_units"], "receiving_units")
    obligation = services.obligation_create(actor=actor, agreement=agreement, **fields)
    return Status(201, obligation)


@router.post("/events", response={201: EventOut}, summary="Enter a session or meeting (officer of the host)")
def event_create(request: HttpRequest, payload: EventIn) -> Status[Event]:
    actor = request.auth
    host = access.access_unit_by_code(actor, payload.host_unit, min_role=Role.OFFICER)
    event = services.event_create(
        actor=actor,
        kind=payload.kind,
        title=payload.title,
        host_unit=host,
        starts_on=payload.starts_on,
        ends_on=payload.ends_on,
        place=payload.place,
    )
    return Status(201, event)


@router.post(
    "/occurrences/{int:occurrence_id}/evidence",
    response={201: EvidenceOut},
    summary="Add a note or a link to a task or report as evidence",
)
def evidence_add(request: HttpRequest, occurrence_id: int, payload: EvidenceIn) -> Status[Evidence]:
    occurrence = permissions.access_occurrence(request.auth, occurrence_id, action="complete")
    evidence = services.evidence_add(
        actor=request.auth,
        occurrence=occurrence,
        kind=payload.kind,
        note=payload.note,
        linked_record=payload.linked_record,
    )
    return Status(201, evidence)


@router.post(
    "/occurrences/{int:occurrence_id}/evidence/file",
    response={201: EvidenceOut},
    summary="Attach a file as evidence (multipart form, field `file`)",
)
def evidence_file_add(request: HttpRequest, occurrence_id: int, file: File[UploadedFile]) -> Status[Evidence]:
    occurrence = permissions.access_occurrence(request.auth, occurrence_id, action="complete")
    evidence = services.evidence_add(actor=request.auth, occurrence=occurrence, kind=Evidence.Kind.FILE, file=file)
    return Status(201, evidence)


@router.post(
    "/occurrences/{int:occurrence_id}/complete",
    response=OccurrenceDetailOut,
    summary="Mark done (needs evidence, or a note kept as evidence)",
)
def occurrence_complete(request: HttpRequest, occurrence_id: int, payload: CompleteIn) -> Occurrence:
    occurrence = permissions.access_occurrence(request.auth, occurrence_id, action="complete")
    services.occurrence_complete(
        actor=request.auth, occurrence=occurrence, completed_on=payload.completed_on, note=payload.note
    )
    return _occurrence_detail(request.auth, occurrence)


@router.post(
    "/occurrences/{int:occurrence_id}/reopen",
    response=OccurrenceDetailOut,
    summary="Open a done or waived occurrence again",
)
def occurrence_reopen(request: HttpRequest, occurrence_id: int, payload: ReasonIn) -> Occurrence:
    occurrence = permissions.access_occurrence(request.auth, occurrence_id, action="complete")
    services.occurrence_reopen(actor=request.auth, occurrence=occurrence, reason=payload.reason)
    return _occurrence_detail(request.auth, occurrence)


@router.post(
    "/occurrences/{int:occurrence_id}/waive",
    response=OccurrenceDetailOut,
    summary="Waive an open occurrence, with the reason (leader of the owner unit)",
)
def occurrence_waive(request: HttpRequest, occurrence_id: int, payload: ReasonIn) -> Occurrence:
    occurrence = permissions.access_occurrence(request.auth, occurrence_id, action="waive")
    services.occurrence_waive(actor=request.auth, occurrence=occurrence, reason=payload.reason)
    return _occurrence_detail(request.auth, occurrence)
