"""Periodic reporting in /api/v1/reporting, scoped exactly like the web.

Reads go through reporting.permissions and reporting.selectors; writes through
reporting.services — the functions the web and the CLI call — so the rules, the 422 field
messages and the audit trail are the same whichever door is used. Indicators, forms and units
are named by code, submissions by id. Figures (values, roll-ups) are plain decimal strings, as
DHIS2's analytics rows carry them, so no client meets a binary float.
"""

# No `from __future__ import annotations`: ninja builds its models from these annotations at import.
import datetime as dt
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Prefetch, QuerySet, prefetch_related_objects
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema
from ninja.pagination import paginate
from ninja.responses import Status

from phoihop.api.pagination import Page
from phoihop.orgs import access
from phoihop.orgs.models import Role, Unit
from phoihop.reporting import permissions, selectors, services
from phoihop.reporting.models import DataValue, Indicator, ReportForm, Submission, ValidationRule
from phoihop.reporting.validation import format_number

router = Router(tags=["reporting"])


# Schemas --------------------------------------------------------------------------------------


def _number(value: Decimal | None) -> str | None:
    return None if value is None else format_number(value)


class IndicatorOut(Schema):
    id: int
    code: str
    name: str
    short_name: str
    description: str
    value_type: str
    unit_of_measure: str
    aggregation: str = Field(..., description="Over units: sum, average, min, max, last, none.")
    period_aggregation: str = Field(..., description="Over periods (months into a quarter): the same choices.")
    options: list[dict[str, str]] = Field(..., description="For value type option: [{code, name}].")
    disaggregation: list[dict[str, str]] = Field(..., description="Options values are broken down by: [{code, name}].")
    area: str | None = Field(..., description="Code of the content area.")
    is_active: bool

    @staticmethod
    def resolve_area(obj: Indicator) -> str | None:
        return obj.area.code if obj.area_id else None


class IndicatorIn(Schema):
    code: str
    name: str
    value_type: str
    aggregation: str = "sum"
    period_aggregation: str = "sum"
    unit_of_measure: str = ""
    options: list[Any] = []
    disaggregation: list[Any] = []
    area: str | None = None
    description: str = ""
    short_name: str = ""


class FormOut(Schema):
    id: int
    code: str
    name: str
    description: str
    period_type: str
    deadline_working_days: int
    owner_unit: str = Field(..., alias="owner_unit.code")
    assigned_unit_kinds: list[str]
    assigned_territory_kinds: list[str]
    assigned_units: list[str] = Field(..., description="Codes of the units picked one by one.")
    approval_required: bool
    acceptance_required: bool
    obligation_id: int | None
    is_active: bool

    @staticmethod
    def resolve_assigned_units(obj: ReportForm) -> list[str]:
        return sorted(u.code for u in obj.assigned_units.all())


class FieldOut(Schema):
    indicator: str = Field(..., alias="indicator.code")
    order: int
    required: bool
    min_value: str | None
    max_value: str | None

    @staticmethod
    def resolve_min_value(obj: Any) -> str | None:
        return _number(obj.min_value)

    @staticmethod
    def resolve_max_value(obj: Any) -> str | None:
        return _number(obj.max_value)


class SectionOut(Schema):
    title: str
    order: int
    fields: list[FieldOut]

    @staticmethod
    def resolve_fields(obj: Any) -> list[Any]:
        return list(obj.fields.all())


class RuleOut(Schema):
    id: int
    name: str
    left: str
    operator: str
    right: str
    severity: str
    message: str


class FormDetailOut(FormOut):
    sections: list[SectionOut]
    rules: list[RuleOut]

    @staticmethod
    def resolve_sections(obj: ReportForm) -> list[Any]:
        return list(obj.sections.all())

    @staticmethod
    def resolve_rules(obj: ReportForm) -> list[Any]:
        return list(obj.rules.all())


class FieldIn(Schema):
    indicator: str = Field(..., description="The indicator's code.")
    required: bool = False
    min_value: Decimal | None = None
    max_value: Decimal | None = None


class SectionIn(Schema):
    title: str
    fields: list[FieldIn] = []


class RuleIn(Schema):
    name: str
    left: str = Field(..., description='A sum or difference of indicator codes and numbers: "A + B - 2".')
    operator: str = Field(..., description="<, <=, ==, !=, >=, >")
    right: str
    severity: str = "error"
    message: str


class FormIn(Schema):
    owner_unit: str = Field(..., description="Code of the unit that designs the form.")
    code: str
    name: str
    period_type: str
    deadline_working_days: int = 2
    assigned_unit_kinds: list[str] = []
    assigned_territory_kinds: list[str] = []
    assigned_units: list[str] = Field([], description="Codes of units picked one by one.")
    approval_required: bool = True
    acceptance_required: bool = False
    description: str = ""
    sections: list[SectionIn] = []
    rules: list[RuleIn] = []


class SubmissionOut(Schema):
    id: int
    form: str = Field(..., description="The form's code.")
    unit: str = Field(..., description="The reporting unit's code.")
    unit_name: str
    period_id: str
    period_start: dt.date
    period_end: dt.date
    deadline: dt.date
    status: str
    submitted_on: dt.date | None = Field(..., description="The first submission's day: timeliness is judged on it.")
    is_late: bool
    approved_at: dt.datetime | None
    accepted_at: dt.datetime | None
    returned_reason: str

    @staticmethod
    def resolve_form(obj: Submission) -> str:
        return obj.form.code

    @staticmethod
    def resolve_unit(obj: Submission) -> str:
        return obj.unit.code

    @staticmethod
    def resolve_unit_name(obj: Submission) -> str:
        return obj.unit.name


class ValueOut(Schema):
    indicator: str
    category: str
    value: str


class IssueOut(Schema):
    field: str = Field(..., description='The value\'s field ("CODE" or "CODE__option") or "rule_<id>".')
    message: str


class SubmissionDetailOut(SubmissionOut):
    values: list[ValueOut] = Field(..., alias="api_values")
    errors: list[IssueOut] = Field(..., alias="api_errors", description="What blocks submission as it stands.")
    warnings: list[IssueOut] = Field(..., alias="api_warnings", description="Rules that need a comment to submit.")
    warning_comments: dict[str, str]


class OpenIn(Schema):
    form: str = Field(..., description="The form's code.")
    unit: str = Field(..., description="The reporting unit's code.")
    period: str = Field(..., description="A period of the form's type: 202603, 2026Q1, 2026S1, 2026N9, 2026.")


class ValueIn(Schema):
    indicator: str
    category: str = Field("", description="A disaggregation option's code; empty for an undivided value.")
    value: str | None = Field(..., description="As typed; empty or null clears the value.")


class ValuesIn(Schema):
    values: list[ValueIn]


class FieldErrorOut(Schema):
    field: str
    indicator: str
    category: str
    message: str


class ValuesOut(Schema):
    errors: list[FieldErrorOut] = Field(..., description="Values refused; every other value was stored.")


class SubmitIn(Schema):
    warning_comments: dict[str, str] = Field({}, description="A comment for each warning, keyed by rule id.")


class ReasonIn(Schema):
    reason: str


class UnitRef(Schema):
    code: str
    name: str


class ContributorOut(Schema):
    unit: str
    name: str
    value: str


class RollupOut(Schema):
    indicator: str
    unit: str
    period: str
    category: str | None
    value: str | None = Field(..., description="Plain decimal; null when nothing was reported.")
    contributors: list[ContributorOut]
    missing: list[UnitRef]


class RollupQuery(Schema):
    indicator: str
    period: str
    unit: str
    category: str | None = None


class RatesQuery(Schema):
    form: str
    period: str
    unit: str


class RatesOut(Schema):
    form: str
    unit: str
    period: str
    expected: int
    submitted: int
    on_time: int
    late: int
    returned: int
    completeness: float | None = Field(..., description="Percentage; null when nothing is expected.")
    timeliness: float | None
    missing: list[UnitRef]


class SubmissionFilter(Schema):
    form: str = Field("", description="A form's code.")
    period: str = ""
    status: Submission.Status | None = None
    unit: str = Field("", description="A unit's code: its whole subtree.")


class ReportDueOut(Schema):
    form: str
    form_name: str
    unit: str
    unit_name: str
    period: str
    period_label: str
    deadline: dt.date
    overdue: bool
    status: str = Field(..., description='"" when no report was opened yet.')
    submission_id: int | None


# Helpers -------------------------------------------------------------------------------------------


def _indicator(code: str) -> Indicator:
    indicator = Indicator.objects.filter(code=code).first()
    if indicator is None:
        raise ValidationError({"indicator": _("Unknown indicator: %(code)s.") % {"code": code}})
    return indicator


def _form(code: str) -> ReportForm:
    form = ReportForm.objects.filter(code=code).first()
    if form is None:
        raise ValidationError({"form": _("Unknown report form: %(code)s.") % {"code": code}})
    return form


def _units_by_code(codes: list[str], field: str) -> list[Unit]:
    """Units named in metadata (a form's assigned units): not limited to the caller's scope, as
    a provincial form is assigned to communes its designers do not reach."""
    units = []
    for code in codes:
        unit = Unit.objects.filter(code=code, valid_to__isnull=True).first()
        if unit is None:
            raise ValidationError({field: _("Unknown or closed unit: %(code)s.") % {"code": code}})
        units.append(unit)
    return units


def _detail(submission: Submission) -> Submission:
    """Attach the values and the current check to the submission, for SubmissionDetailOut."""
    values = (
        DataValue.objects.filter(
            unit=submission.unit,
            period_id=submission.period_id,
            indicator__form_fields__section__form=submission.form,
        )
        .select_related("indicator")
        .order_by("indicator__code", "category")
    )
    check = services.submission_check(submission=submission)
    submission.api_values = [
        {
            "indicator": v.indicator.code,
            "category": v.category,
            "value": format_number(v.value_number) if v.value_number is not None else v.value_text,
        }
        for v in values
    ]
    submission.api_errors = [{"field": i.key, "message": i.message} for i in check.errors]
    submission.api_warnings = [{"field": i.key, "message": i.message} for i in check.warnings]
    return submission


def _unit_ref(unit: Unit) -> dict[str, str]:
    return {"code": unit.code, "name": unit.name}


# Indicators and forms ---------------------------------------------------------------------------


@router.get("/indicators", response=list[IndicatorOut], summary="Indicators (every logged-in person)")
@paginate(Page)
def indicator_list(request: HttpRequest, include_inactive: bool = False) -> QuerySet[Indicator]:
    indicators = Indicator.objects.select_related("area").order_by("code")
    return indicators if include_inactive else indicators.filter(is_active=True)


@router.get("/indicators/{code}", response=IndicatorOut, summary="One indicator by code")
def indicator_detail(request: HttpRequest, code: str) -> Indicator:
    return permissions.access_indicator_by_code(request.auth, code)


@router.post(
    "/indicators",
    response={201: IndicatorOut},
    summary="Define an indicator (system administrators, unit administrators of a province)",
)
def indicator_create(request: HttpRequest, payload: IndicatorIn) -> Status[Indicator]:
    if not permissions.can_design_indicators(request.auth):
        raise PermissionDenied
    indicator = services.indicator_create(actor=request.auth, **payload.dict())
    return Status(201, indicator)


@router.get("/forms", response=list[FormOut], summary="Report forms (every logged-in person)")
@paginate(Page)
def form_list(request: HttpRequest, include_inactive: bool = False) -> QuerySet[ReportForm]:
    forms = ReportForm.objects.select_related("owner_unit").prefetch_related("assigned_units").order_by("code")
    return forms if include_inactive else forms.filter(is_active=True)


def _form_detail(form: ReportForm) -> ReportForm:
    """Load what FormDetailOut shows in a fixed number of queries, whatever the form's size."""
    prefetch_related_objects(
        [form],
        "assigned_units",
        "sections__fields__indicator",
        Prefetch("rules", queryset=ValidationRule.objects.order_by("pk")),
    )
    return form


@router.get("/forms/{code}", response=FormDetailOut, summary="One form with its sections, fields and rules")
def form_detail(request: HttpRequest, code: str) -> ReportForm:
    return _form_detail(permissions.access_form_by_code(request.auth, code))


@router.post(
    "/forms",
    response={201: FormDetailOut},
    summary="Create a form with its sections, fields and rules at once (officer+ on the owner unit)",
)
def form_create(request: HttpRequest, payload: FormIn) -> Status[ReportForm]:
    actor = request.auth
    owner = access.access_unit_by_code(actor, payload.owner_unit, min_role=Role.OFFICER)
    data = payload.dict(exclude={"owner_unit", "assigned_units", "sections", "rules"})
    with transaction.atomic():
        form = services.form_create(
            actor=actor,
            owner_unit=owner,
            assigned_units=_units_by_code(payload.assigned_units, "assigned_units"),
            **data,
        )
        for order, section_in in enumerate(payload.sections):
            section = services.section_add(actor=actor, form=form, title=section_in.title, order=order)
            for field_order, field_in in enumerate(section_in.fields):
                services.field_add(
                    actor=actor,
                    section=section,
                    indicator=_indicator(field_in.indicator),
                    order=field_order,
                    required=field_in.required,
                    min_value=field_in.min_value,
                    max_value=field_in.max_value,
                )
        for rule_in in payload.rules:
            services.rule_add(actor=actor, form=form, **rule_in.dict())
    return Status(201, _form_detail(form))


# Submissions -------------------------------------------------------------------------------------


@router.get("/submissions", response=list[SubmissionOut], summary="Reports I may see (other units' drafts excluded)")
@paginate(Page)
def submission_list(request: HttpRequest, filters: Query[SubmissionFilter]) -> QuerySet[Submission]:
    user = request.auth
    form = _form(filters.form) if filters.form else None
    unit = access.access_unit_by_code(user, filters.unit) if filters.unit else None
    return selectors.submission_list(
        user=user, form=form, period_id=filters.period, status=filters.status or "", unit=unit
    )


@router.get("/submissions/{submission_id}", response=SubmissionDetailOut, summary="One report with its values")
def submission_detail(request: HttpRequest, submission_id: int) -> Submission:
    return _detail(permissions.access_submission(request.auth, submission_id))


@router.post(
    "/submissions",
    response={200: SubmissionDetailOut, 201: SubmissionDetailOut},
    summary="Open the report of a unit for a period (the draft is created the first time)",
)
def submission_open(request: HttpRequest, payload: OpenIn) -> Status[Submission]:
    actor = request.auth
    unit = access.access_unit_by_code(actor, payload.unit)
    if not permissions.is_own_unit(actor, unit, min_role=Role.OFFICER):
        raise PermissionDenied
    form = _form(payload.form)
    period = selectors.form_period(form, payload.period)
    existed = Submission.objects.filter(form=form, unit=unit, period_id=period.id).exists()
    submission = services.submission_open(actor=actor, form=form, unit=unit, period_id=period.id)
    return Status(200 if existed else 201, _detail(submission))


@router.put(
    "/submissions/{submission_id}/values",
    response=ValuesOut,
    summary="Save values of a draft or returned report; the valid ones are stored, the others listed",
)
def values_save(request: HttpRequest, submission_id: int, payload: ValuesIn) -> dict[str, Any]:
    submission = permissions.access_submission(request.auth, submission_id, action="enter")
    values = {(v.indicator, v.category or ""): v.value or "" for v in payload.values}
    errors = services.values_save(actor=request.auth, submission=submission, values=values)
    return {
        "errors": [{"field": e.key, "indicator": e.code, "category": e.category, "message": e.message} for e in errors]
    }


@router.post("/submissions/{submission_id}/submit", response=SubmissionDetailOut, summary="Submit a report")
def submission_submit(request: HttpRequest, submission_id: int, payload: SubmitIn) -> Submission:
    submission = permissions.access_submission(request.auth, submission_id, action="enter")
    services.submission_submit(actor=request.auth, submission=submission, warning_comments=payload.warning_comments)
    return _detail(submission)


@router.post("/submissions/{submission_id}/approve", response=SubmissionDetailOut, summary="Approve (leader+)")
def submission_approve(request: HttpRequest, submission_id: int) -> Submission:
    submission = permissions.access_submission(request.auth, submission_id, action="approve")
    services.submission_approve(actor=request.auth, submission=submission)
    return _detail(submission)


@router.post("/submissions/{submission_id}/return", response=SubmissionDetailOut, summary="Return with a reason")
def submission_return(request: HttpRequest, submission_id: int, payload: ReasonIn) -> Submission:
    submission = permissions.access_submission(request.auth, submission_id, action="return")
    services.submission_return(actor=request.auth, submission=submission, reason=payload.reason)
    return _detail(submission)


@router.post("/submissions/{submission_id}/accept", response=SubmissionDetailOut, summary="Accept at the level above")
def submission_accept(request: HttpRequest, submission_id: int) -> Submission:
    submission = permissions.access_submission(request.auth, submission_id, action="accept")
    services.submission_accept(actor=request.auth, submission=submission)
    return _detail(submission)


@router.post("/submissions/{submission_id}/unlock", response=SubmissionDetailOut, summary="Unlock an approved report")
def submission_unlock(request: HttpRequest, submission_id: int, payload: ReasonIn) -> Submission:
    submission = permissions.access_submission(request.auth, submission_id, action="unlock")
    services.submission_unlock(actor=request.auth, submission=submission, reason=payload.reason)
    return _detail(submission)


# Figures -----------------------------------------------------------------------------------------


@router.get("/rollup", response=RollupOut, summary="An indicator's value for a unit's subtree and a period")
def rollup(request: HttpRequest, query: Query[RollupQuery]) -> dict[str, Any]:
    unit = access.access_unit_by_code(request.auth, query.unit)
    indicator = _indicator(query.indicator)
    result = selectors.rollup(indicator=indicator, period_id=query.period, unit=unit, category=query.category)
    return {
        "indicator": indicator.code,
        "unit": unit.code,
        "period": result.period.id,
        "category": query.category,
        "value": _number(result.value),
        "contributors": [{"unit": u.code, "name": u.name, "value": format_number(v)} for u, v in result.contributors],
        "missing": [_unit_ref(u) for u in result.missing],
    }


@router.get(
    "/reporting-rates", response=RatesOut, summary="Completeness and timeliness of a form for a subtree and a period"
)
def reporting_rates(request: HttpRequest, query: Query[RatesQuery]) -> dict[str, Any]:
    unit = access.access_unit_by_code(request.auth, query.unit)
    form = _form(query.form)
    rates = selectors.reporting_rates(form=form, period_id=query.period, unit=unit)
    return {
        "form": form.code,
        "unit": unit.code,
        "period": rates.period.id,
        "expected": rates.expected,
        "submitted": rates.submitted,
        "on_time": rates.on_time,
        "late": rates.late,
        "returned": rates.returned,
        "completeness": rates.completeness,
        "timeliness": rates.timeliness,
        "missing": [_unit_ref(u) for u in rates.missing],
    }


@router.get("/my-reports", response=list[ReportDueOut], summary="Reports my units still owe, by deadline")
@paginate(Page)
def my_reports(request: HttpRequest) -> list[dict[str, Any]]:
    return [
        {
            "form": item.form.code,
            "form_name": item.form.name,
            "unit": item.unit.code,
            "unit_name": item.unit.name,
            "period": item.period.id,
            "period_label": item.period.label,
            "deadline": item.deadline,
            "overdue": item.overdue,
            "status": item.status,
            "submission_id": item.submission.pk if item.submission else None,
        }
        for item in selectors.my_reports_due(user=request.auth)
    ]


@router.get("/review-queue", response=list[SubmissionOut], summary="Reports waiting for my approval or acceptance")
@paginate(Page)
def review_queue(request: HttpRequest) -> QuerySet[Submission]:
    return selectors.review_queue(user=request.auth)
