"""Social supervision in /api/v1/oversight, scoped exactly like the web.

Reads go through oversight.permissions and oversight.selectors; writes through
oversight.services (the functions the web calls): a refused step answers 422 with its
message, a record outside the person's reach 404, a visible record they may not change 403.
Units are named by their official code; supervisions and recommendations by id.
"""

# No `from __future__ import annotations`: ninja builds its models from these annotations at import.
import datetime as dt
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, File, Form, Router, Schema
from ninja.files import UploadedFile
from ninja.pagination import paginate
from ninja.responses import Status

from phoihop.api.pagination import Page
from phoihop.orgs import access
from phoihop.orgs.models import Role, Unit, User
from phoihop.oversight import permissions, selectors, services
from phoihop.oversight.models import Recommendation, Supervision

router = Router(tags=["oversight"])


# Schemas --------------------------------------------------------------------------------------


class RecommendationOut(Schema):
    id: int
    supervision_id: int
    front_unit_code: str = Field(..., alias="front_unit.code")
    addressee_code: str = Field(..., alias="addressee.code")
    addressee_name: str = Field(..., alias="addressee.name")
    text: str
    status: str
    sent_on: dt.date | None
    deadline: dt.date | None = Field(..., description="Sending date + the answer period, moved past days off.")
    answer: str
    answered_on: dt.date | None
    answer_on_paper: bool
    assessment: str
    assessment_note: str
    escalated_to: str | None = Field(None, description="Code of the Front committee it was escalated to.")
    url: str

    @staticmethod
    def resolve_escalated_to(obj: Recommendation) -> str | None:
        escalation = getattr(obj, "escalation", None)
        return escalation.to_unit.code if escalation else None

    @staticmethod
    def resolve_url(obj: Recommendation) -> str:
        return obj.get_absolute_url()


class SupervisionOut(Schema):
    id: int
    front_unit_code: str = Field(..., alias="front_unit.code")
    title: str
    form: str
    status: str
    starts_on: dt.date
    ends_on: dt.date
    notified_on: dt.date | None
    concluded_on: dt.date | None
    subject_codes: list[str]
    url: str

    @staticmethod
    def resolve_subject_codes(obj: Supervision) -> list[str]:
        return [u.code for u in obj.subjects.all()]

    @staticmethod
    def resolve_url(obj: Supervision) -> str:
        return obj.get_absolute_url()


class SupervisionDetailOut(SupervisionOut):
    conclusion: str = Field(..., alias="public_conclusion", description="Shown to agencies once concluded.")
    findings: list[str] = Field(..., alias="visible_findings", description="Only for the Front and the team.")
    recommendations: list[RecommendationOut] = Field(
        ..., alias="visible_recommendations", description="All for the Front; only those addressed to it for an agency."
    )


class SupervisionIn(Schema):
    front_unit: str = Field(..., description="Code of the Front committee, e.g. 22-MTTQ.")
    title: str
    form: str = "team"
    subjects: list[str] = Field(..., description="Codes of the supervised agencies.")
    starts_on: dt.date
    ends_on: dt.date
    content: str = ""


class NoticeIn(Schema):
    on_date: dt.date | None = None
    override_reason: str = ""


class ConcludeIn(Schema):
    conclusion: str
    on_date: dt.date | None = None


class TeamIn(Schema):
    username: str
    unit: str
    role: str = "member"


class FindingIn(Schema):
    text: str


class RecommendationIn(Schema):
    addressee: str | None = Field(None, description="Code of the agency; required.")
    text: str


class DateIn(Schema):
    on_date: dt.date | None = None


class AnswerIn(Schema):
    answer: str
    on_date: dt.date | None = None


class AssessIn(Schema):
    assessment: str
    note: str = ""


class FollowUpIn(Schema):
    text: str
    due_on: dt.date | None = None


class ReasonIn(Schema):
    reason: str


class ComplianceOut(Schema):
    due: int
    done_on_time: int
    done_late: int
    overdue_open: int
    upcoming: int
    waived: int
    on_time_percent: int | None


class FiguresRowOut(Schema):
    name: str
    code: str | None
    level: str
    compliance: ComplianceOut
    average_days_to_answer: float | None
    satisfactory: int
    partly: int
    not_satisfactory: int
    escalated: int


class FiguresOut(Schema):
    by_agency: list[FiguresRowOut]
    by_level: list[FiguresRowOut]


class ProgrammeOut(Schema):
    id: int
    front_unit_code: str = Field(..., alias="front_unit.code")
    year: int
    title: str
    status: str
    document_number: str


class ProgrammeIn(Schema):
    front_unit: str
    year: int
    title: str
    document_number: str = ""
    issued: bool = False


class ProgrammeItemIn(Schema):
    topic: str
    subjects: list[str]
    planned_quarter: int = Field(1, ge=1, le=4)
    form: str = "team"


# Helpers --------------------------------------------------------------------------------------


def _unit(code: str | None, field: str) -> Unit:
    unit = Unit.objects.filter(code=code or "", valid_to__isnull=True).first() if code else None
    if unit is None:
        raise ValidationError({field: _("Unknown unit code: %(codes)s.") % {"codes": code or "—"}})
    return unit


def _units(codes: list[str], field: str) -> list[Unit]:
    return [_unit(code, field) for code in codes]


def _front_unit(request: HttpRequest, code: str) -> Unit:
    unit = _unit(code, "front_unit")
    if not permissions.can_run(request.auth, unit):
        raise PermissionDenied
    return unit


def _supervision_for_front(request: HttpRequest, pk: int, *, team_may: bool = False) -> Supervision:
    supervision = permissions.access_supervision(request.auth, pk)
    allowed = access.can(request.auth, supervision.front_unit, Role.OFFICER) or (
        team_may and supervision.team.filter(user_id=request.auth.pk).exists()
    )
    if not allowed:
        raise PermissionDenied
    return supervision


def _recommendation_for_front(request: HttpRequest, pk: int) -> Recommendation:
    recommendation = permissions.access_recommendation(request.auth, pk)
    if not permissions.can_act_for_front(request.auth, recommendation):
        raise PermissionDenied
    return recommendation


def _detail(request: HttpRequest, supervision: Supervision) -> Supervision:
    """The supervision as the person may see it: agencies get its public parts and their own recommendations."""
    front_side = permissions.is_front_side(request.auth, supervision)
    recommendations = (
        supervision.recommendations.all()
        if front_side
        else permissions.recommendations_visible(request.auth).filter(supervision=supervision)
    )
    concluded = supervision.status in (Supervision.Status.CONCLUDED, Supervision.Status.CLOSED)
    supervision.public_conclusion = supervision.conclusion if front_side or concluded else ""
    supervision.visible_findings = [f.text for f in supervision.findings.all()] if front_side else []
    supervision.visible_recommendations = list(
        recommendations.select_related("front_unit", "addressee", "escalation__to_unit")
    )
    return supervision


def _reload(pk: int) -> Recommendation:
    return Recommendation.objects.select_related("front_unit", "addressee", "escalation__to_unit").get(pk=pk)


# Supervisions ---------------------------------------------------------------------------------


@router.get("/supervisions", response=list[SupervisionOut], summary="Supervisions the person may see")
@paginate(Page)
def supervisions(request: HttpRequest, status: str = "") -> QuerySet[Supervision]:
    return selectors.supervision_list(user=request.auth, status=status).prefetch_related("subjects")


@router.post("/supervisions", response={201: SupervisionDetailOut}, summary="Plan a supervision (Front officer)")
def supervision_create(request: HttpRequest, payload: SupervisionIn) -> Status:
    front = _front_unit(request, payload.front_unit)
    supervision = services.supervision_create(
        actor=request.auth,
        front_unit=front,
        title=payload.title,
        form=payload.form,
        subjects=_units(payload.subjects, "subjects"),
        starts_on=payload.starts_on,
        ends_on=payload.ends_on,
        content=payload.content,
    )
    return Status(201, _detail(request, supervision))


@router.get("/supervisions/{pk}", response=SupervisionDetailOut, summary="One supervision (public parts for agencies)")
def supervision_detail(request: HttpRequest, pk: int) -> Supervision:
    return _detail(request, permissions.access_supervision(request.auth, pk))


@router.post("/supervisions/{pk}/send-plan", response=SupervisionDetailOut, summary="Send the plan and decision")
def supervision_notify(request: HttpRequest, pk: int, payload: NoticeIn) -> Supervision:
    supervision = _supervision_for_front(request, pk)
    services.supervision_notify(
        actor=request.auth, supervision=supervision, on_date=payload.on_date, override_reason=payload.override_reason
    )
    return _detail(request, supervision)


@router.post("/supervisions/{pk}/start", response=SupervisionDetailOut, summary="Start the supervision")
def supervision_start(request: HttpRequest, pk: int) -> Supervision:
    supervision = _supervision_for_front(request, pk)
    services.supervision_start(actor=request.auth, supervision=supervision)
    return _detail(request, supervision)


@router.post("/supervisions/{pk}/conclude", response=SupervisionDetailOut, summary="Conclude with the report")
def supervision_conclude(request: HttpRequest, pk: int, payload: ConcludeIn) -> Supervision:
    supervision = _supervision_for_front(request, pk)
    services.supervision_conclude(
        actor=request.auth, supervision=supervision, conclusion=payload.conclusion, on_date=payload.on_date
    )
    return _detail(request, supervision)


@router.post("/supervisions/{pk}/close", response=SupervisionDetailOut, summary="Close the supervision")
def supervision_close(request: HttpRequest, pk: int) -> Supervision:
    supervision = _supervision_for_front(request, pk)
    services.supervision_close(actor=request.auth, supervision=supervision)
    return _detail(request, supervision)


@router.post("/supervisions/{pk}/team", response={201: SupervisionDetailOut}, summary="Add a team member")
def supervision_team(request: HttpRequest, pk: int, payload: TeamIn) -> Status:
    supervision = _supervision_for_front(request, pk)
    user = User.objects.filter(username=payload.username, is_active=True).first()
    if user is None:
        raise ValidationError({"username": _("Unknown person.")})
    services.team_member_add(
        actor=request.auth, supervision=supervision, user=user, unit=_unit(payload.unit, "unit"), role=payload.role
    )
    return Status(201, _detail(request, supervision))


@router.post("/supervisions/{pk}/activities", response={201: SupervisionDetailOut}, summary="Record an activity")
def supervision_activity(
    request: HttpRequest,
    pk: int,
    kind: Form[str],
    date: Form[dt.date],
    note: Form[str],
    file: File[UploadedFile] | None = None,
) -> Status:
    supervision = _supervision_for_front(request, pk, team_may=True)
    services.activity_add(actor=request.auth, supervision=supervision, kind=kind, date=date, note=note, file=file)
    return Status(201, _detail(request, supervision))


@router.post("/supervisions/{pk}/findings", response={201: SupervisionDetailOut}, summary="Record a finding")
def supervision_finding(request: HttpRequest, pk: int, payload: FindingIn) -> Status:
    supervision = _supervision_for_front(request, pk, team_may=True)
    services.finding_add(actor=request.auth, supervision=supervision, text=payload.text)
    return Status(201, _detail(request, supervision))


@router.post("/supervisions/{pk}/recommendations", response={201: RecommendationOut}, summary="Draft a recommendation")
def recommendation_create(request: HttpRequest, pk: int, payload: RecommendationIn) -> Status:
    supervision = _supervision_for_front(request, pk)
    addressee = _unit(payload.addressee, "addressee") if payload.addressee else None
    recommendation = services.recommendation_create(
        actor=request.auth, supervision=supervision, addressee=addressee, text=payload.text
    )
    return Status(201, _reload(recommendation.pk))


# Recommendations ------------------------------------------------------------------------------


@router.get("/recommendations", response=list[RecommendationOut], summary="Recommendations the person may see")
@paginate(Page)
def recommendations(request: HttpRequest, status: str = "") -> QuerySet[Recommendation]:
    return selectors.recommendation_list(user=request.auth, status=status).select_related("escalation__to_unit")


@router.get("/inbox", response=list[RecommendationOut], summary="Recommendations addressed to the person's agencies")
@paginate(Page)
def inbox(request: HttpRequest) -> QuerySet[Recommendation]:
    return selectors.recommendations_addressed_to(user=request.auth).select_related("escalation__to_unit")


@router.get("/recommendations/{pk}", response=RecommendationOut, summary="One recommendation")
def recommendation_detail(request: HttpRequest, pk: int) -> Recommendation:
    return permissions.access_recommendation(request.auth, pk)


@router.post("/recommendations/{pk}/send", response=RecommendationOut, summary="Send to the agency")
def recommendation_send(request: HttpRequest, pk: int, payload: DateIn) -> Recommendation:
    recommendation = _recommendation_for_front(request, pk)
    services.recommendation_send(actor=request.auth, recommendation=recommendation, on_date=payload.on_date)
    return _reload(pk)


@router.post("/recommendations/{pk}/answer", response=RecommendationOut, summary="Answer (officer of the agency)")
def recommendation_answer(request: HttpRequest, pk: int, payload: AnswerIn) -> Recommendation:
    recommendation = permissions.access_recommendation(request.auth, pk)
    if not permissions.can_answer(request.auth, recommendation):
        raise PermissionDenied
    services.recommendation_answer(
        actor=request.auth, recommendation=recommendation, answer=payload.answer, on_date=payload.on_date
    )
    return _reload(pk)


@router.post(
    "/recommendations/{pk}/paper-answer", response=RecommendationOut, summary="Record a paper answer (Front officer)"
)
def recommendation_paper_answer(
    request: HttpRequest, pk: int, answer: Form[str], file: File[UploadedFile], on_date: Form[dt.date | None] = None
) -> Recommendation:
    recommendation = _recommendation_for_front(request, pk)
    services.recommendation_answer(
        actor=request.auth, recommendation=recommendation, answer=answer, file=file, on_date=on_date, on_paper=True
    )
    return _reload(pk)


@router.post("/recommendations/{pk}/assess", response=RecommendationOut, summary="Assess the answer (Front officer)")
def recommendation_assess(request: HttpRequest, pk: int, payload: AssessIn) -> Recommendation:
    recommendation = _recommendation_for_front(request, pk)
    services.recommendation_assess(
        actor=request.auth, recommendation=recommendation, assessment=payload.assessment, note=payload.note
    )
    return _reload(pk)


@router.post("/recommendations/{pk}/close", response=RecommendationOut, summary="Close")
def recommendation_close(request: HttpRequest, pk: int) -> Recommendation:
    services.recommendation_close(actor=request.auth, recommendation=_recommendation_for_front(request, pk))
    return _reload(pk)


@router.post("/recommendations/{pk}/withdraw", response=RecommendationOut, summary="Withdraw (Front leader)")
def recommendation_withdraw(request: HttpRequest, pk: int, payload: ReasonIn) -> Recommendation:
    recommendation = _recommendation_for_front(request, pk)
    services.recommendation_withdraw(actor=request.auth, recommendation=recommendation, reason=payload.reason)
    return _reload(pk)


@router.post("/recommendations/{pk}/follow-ups", response={201: RecommendationOut}, summary="Add a follow-up action")
def recommendation_follow_up(request: HttpRequest, pk: int, payload: FollowUpIn) -> Status:
    recommendation = _recommendation_for_front(request, pk)
    services.follow_up_add(actor=request.auth, recommendation=recommendation, text=payload.text, due_on=payload.due_on)
    return Status(201, _reload(pk))


@router.post("/recommendations/{pk}/escalate", response=RecommendationOut, summary="Escalate to the Front above")
def recommendation_escalate(request: HttpRequest, pk: int) -> Recommendation:
    recommendation = _recommendation_for_front(request, pk)
    services.recommendation_escalate(actor=request.auth, recommendation=recommendation)
    return _reload(pk)


# Figures and programmes -----------------------------------------------------------------------


def _row(row: Any) -> dict[str, Any]:
    f = row.figures
    c = f.compliance
    return {
        "name": row.label,
        "code": row.unit.code if row.unit else None,
        "level": row.level,
        "compliance": {**vars(c), "on_time_percent": c.on_time_percent},
        "average_days_to_answer": f.average_days_to_answer,
        "satisfactory": f.satisfactory,
        "partly": f.partly,
        "not_satisfactory": f.not_satisfactory,
        "escalated": f.escalated,
    }


@router.get("/figures", response=FiguresOut, summary="Answers per agency and per level")
def figures(request: HttpRequest, date_from: dt.date | None = None, date_to: dt.date | None = None) -> dict[str, Any]:
    agency_rows, level_rows = selectors.figures_table(user=request.auth, date_from=date_from, date_to=date_to)
    return {"by_agency": [_row(r) for r in agency_rows], "by_level": [_row(r) for r in level_rows]}


@router.get("/programmes", response=list[ProgrammeOut], summary="Supervision programmes")
@paginate(Page)
def programmes(request: HttpRequest) -> Any:
    return selectors.programme_list(user=request.auth)


@router.post("/programmes", response={201: ProgrammeOut}, summary="Register a programme (Front officer)")
def programme_create(request: HttpRequest, payload: ProgrammeIn) -> Status:
    front = _front_unit(request, payload.front_unit)
    programme = services.programme_create(
        actor=request.auth,
        front_unit=front,
        year=payload.year,
        title=payload.title,
        document_number=payload.document_number,
        issued=payload.issued,
    )
    return Status(201, programme)


@router.post("/programmes/{pk}/items", response={201: ProgrammeOut}, summary="Add a topic to a programme")
def programme_item(request: HttpRequest, pk: int, payload: ProgrammeItemIn) -> Status:
    programme = permissions.access_programme(request.auth, pk, for_write=True)
    services.programme_item_add(
        actor=request.auth,
        programme=programme,
        topic=payload.topic,
        subjects=_units(payload.subjects, "subjects"),
        planned_quarter=payload.planned_quarter,
        form=payload.form,
    )
    return Status(201, programme)
