"""Reporting screens: form designer, my reports due, entry with autosave, review, rates, pivot.

Thin views (STYLE.md §3): each parses input with a form, reaches its record through
`reporting.permissions` / `orgs.access` (404 outside scope, 403 when the role is too low),
calls one service or selector, and picks a page or an htmx fragment. Business rules —
value types, rules, workflow states, who is expected — live in services and selectors.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import Q
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from phoihop.agreements.models import Obligation
from phoihop.agreements.permissions import agreements_visible
from phoihop.calendar import workdays
from phoihop.calendar.periods import Period, PeriodType, period_containing, periods_of_year, submission_deadline
from phoihop.core.htmx import is_htmx, redirect_after_change, render_page_or_fragment
from phoihop.core.spreadsheets import write_table_xlsx
from phoihop.documents import charts
from phoihop.documents.responses import document_download
from phoihop.orgs import access
from phoihop.orgs.forms import add_service_errors
from phoihop.orgs.models import Role, Unit
from phoihop.reporting import forms as rf
from phoihop.reporting import permissions, reminders, report_document, selectors, services
from phoihop.reporting.models import (
    DataValue,
    FormField,
    FormSection,
    Indicator,
    ReportForm,
    Submission,
    ValidationRule,
)
from phoihop.reporting.validation import format_number

PAGE_SIZE = 50
S = Submission.Status


def _page(request: HttpRequest, items: Any) -> Any:
    return Paginator(items, PAGE_SIZE).get_page(request.GET.get("page"))


def _can_design_any_form(user: Any) -> bool:
    return access.is_system_admin(user) or any(r.rank >= access.ROLE_RANK[Role.OFFICER] for r in access.reaches(user))


def _top_unit(user: Any) -> Unit | None:
    """The person's highest unit: the default of the rates and pivot pages."""
    return access.units_visible(user).filter(valid_to__isnull=True).order_by("depth", "path").first()


def _open_units(user: Any) -> Any:
    return access.units_visible(user).filter(valid_to__isnull=True).order_by("path")


# --- indicators ---------------------------------------------------------------------------------


@login_required
def indicator_list(request: HttpRequest) -> HttpResponse:
    search = rf.IndicatorSearchForm(request.GET or None)
    indicators = Indicator.objects.select_related("area").order_by("code")
    query = search.cleaned_data["q"].strip() if search.is_valid() else ""
    if query:
        indicators = indicators.filter(Q(code__icontains=query) | Q(name__icontains=query))
    return render_page_or_fragment(
        request,
        "reporting/indicator_list.html",
        "reporting/partials/_indicator_rows.html",
        {
            "search": search,
            "page": _page(request, indicators),
            "query": query,
            "can_design": permissions.can_design_indicators(request.user),
        },
    )


def _indicator_kwargs(data: dict[str, Any]) -> dict[str, Any]:
    return {**data, "options": tuple(data["options"]), "disaggregation": tuple(data["disaggregation"])}


@login_required
def indicator_create(request: HttpRequest) -> HttpResponse:
    if not permissions.can_design_indicators(request.user):
        raise PermissionDenied
    form = rf.IndicatorForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            indicator = services.indicator_create(actor=request.user, **_indicator_kwargs(form.cleaned_data))
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("The indicator %(code)s was created.") % {"code": indicator.code})
            return redirect("reporting:indicator-list")
    return render(request, "reporting/indicator_form.html", {"form": form, "indicator": None})


@login_required
def indicator_edit(request: HttpRequest, pk: int) -> HttpResponse:
    indicator = permissions.access_indicator(request.user, pk, for_write=True)
    form = rf.IndicatorForm(request.POST or None, initial=rf.IndicatorForm.initial_from(indicator))
    if request.method == "POST" and form.is_valid():
        try:
            services.indicator_update(actor=request.user, indicator=indicator, **_indicator_kwargs(form.cleaned_data))
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("The changes were saved."))
            return redirect("reporting:indicator-list")
    return render(request, "reporting/indicator_form.html", {"form": form, "indicator": indicator})


# --- report forms (designer) --------------------------------------------------------------------


@login_required
def form_list(request: HttpRequest) -> HttpResponse:
    report_forms = ReportForm.objects.select_related("owner_unit").order_by("-is_active", "code")
    return render(
        request,
        "reporting/form_list.html",
        {"page": _page(request, report_forms), "can_create": _can_design_any_form(request.user)},
    )


def _assignable_units(user: Any) -> Any:
    """Units a designer may assign a form to: every open unit of the provinces they work in.

    Wider than their scope on purpose: a form of the provincial People's Committee is reported by
    the Front's organisations too. Naming a unit as expected to report reveals none of its data.
    """
    units = Unit.objects.filter(valid_to__isnull=True).order_by("path")
    if access.is_system_admin(user):
        return units
    roots = {r.path[: Unit.steplen] for r in access.reaches(user)}
    condition = Q(pk__in=[])
    for root in roots:
        condition |= Q(path__startswith=root)
    return units.filter(condition)


def _obligations(user: Any) -> Any:
    return Obligation.objects.filter(agreement__in=agreements_visible(user)).order_by("agreement_id", "article_ref")


def _report_form_form(request: HttpRequest, *, report_form: ReportForm | None) -> rf.ReportFormForm:
    owner_units = None
    initial: dict[str, Any] = {}
    if report_form is None:
        owner_units = access.units_visible(request.user, min_role=Role.OFFICER).filter(valid_to__isnull=True)
        top = owner_units.order_by("depth", "path").first()
        initial = {"owner_unit": top.pk if top else None}
    else:
        initial = rf.ReportFormForm.initial_from(report_form)
    return rf.ReportFormForm(
        request.POST or None,
        initial=initial,
        owner_units=owner_units,
        assignable_units=_assignable_units(request.user),
        obligations=_obligations(request.user),
    )


@login_required
def form_create(request: HttpRequest) -> HttpResponse:
    if not _can_design_any_form(request.user):
        raise PermissionDenied
    form = _report_form_form(request, report_form=None)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        if not permissions.can_create_form(request.user, data["owner_unit"]):
            raise PermissionDenied
        data["assigned_units"] = tuple(data["assigned_units"])
        try:
            report_form = services.form_create(actor=request.user, **data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("The form was created. Now add its sections and indicators."))
            return redirect(report_form)
    return render(request, "reporting/form_form.html", {"form": form, "report_form": None})


@login_required
def form_edit(request: HttpRequest, pk: int) -> HttpResponse:
    report_form = permissions.access_form(request.user, pk, for_write=True)
    form = _report_form_form(request, report_form=report_form)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        data["assigned_units"] = tuple(data["assigned_units"])
        try:
            services.form_update(actor=request.user, form=report_form, **data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("The changes were saved."))
            return redirect(report_form)
    return render(request, "reporting/form_form.html", {"form": form, "report_form": report_form})


def _designer_context(
    request: HttpRequest,
    report_form: ReportForm,
    *,
    section_form: rf.SectionForm | None = None,
    field_form: rf.FieldForm | None = None,
    rule_form: rf.RuleForm | None = None,
) -> dict[str, Any]:
    sections = list(
        FormSection.objects.filter(form=report_form).prefetch_related("fields__indicator").order_by("order", "id")
    )
    can_design = permissions.can_design_form(request.user, report_form)
    context: dict[str, Any] = {
        "report_form": report_form,
        "sections": sections,
        "rules": list(ValidationRule.objects.filter(form=report_form).order_by("id")),
        "can_design": can_design,
        "period_type": PeriodType(report_form.period_type).label,
        "unit_kinds": [str(Unit.Kind(k).label) for k in report_form.assigned_unit_kinds if k in Unit.Kind.values],
        "territory_kinds": [
            str(Unit.Kind(k).label) for k in report_form.assigned_territory_kinds if k in Unit.Kind.values
        ],
        "fragment": is_htmx(request),
    }
    if can_design:
        context.update(
            section_form=section_form or rf.SectionForm(initial={"order": len(sections) + 1}),
            field_form=field_form or rf.FieldForm(sections=sections),
            rule_form=rule_form or rf.RuleForm(),
            indicator_choices=Indicator.objects.filter(is_active=True).order_by("code").values_list("code", "name"),
        )
    return context


@login_required
def form_detail(request: HttpRequest, pk: int) -> HttpResponse:
    report_form = permissions.access_form(request.user, pk)
    context = _designer_context(request, report_form)
    context["assigned_units"] = report_form.assigned_units.order_by("path")
    return render(request, "reporting/form_detail.html", context)


def _designer_response(request: HttpRequest, report_form: ReportForm, **forms: Any) -> HttpResponse:
    """Answer a designer action: the designer fragment for htmx, the page (with errors) otherwise."""
    context = _designer_context(request, report_form, **forms)
    context["assigned_units"] = report_form.assigned_units.order_by("path")
    return render_page_or_fragment(request, "reporting/form_detail.html", "reporting/partials/_designer.html", context)


@login_required
@require_POST
def section_add(request: HttpRequest, pk: int) -> HttpResponse:
    report_form = permissions.access_form(request.user, pk, for_write=True)
    form = rf.SectionForm(request.POST)
    if form.is_valid():
        try:
            services.section_add(actor=request.user, form=report_form, **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            if not is_htmx(request):
                return redirect(report_form)
            form = None
    return _designer_response(request, report_form, section_form=form)


@login_required
@require_POST
def field_add(request: HttpRequest, pk: int) -> HttpResponse:
    report_form = permissions.access_form(request.user, pk, for_write=True)
    sections = list(FormSection.objects.filter(form=report_form))
    form = rf.FieldForm(request.POST, sections=sections)
    if form.is_valid():
        data = dict(form.cleaned_data)
        section = next(s for s in sections if s.pk == data.pop("section"))
        try:
            services.field_add(actor=request.user, section=section, **data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            if not is_htmx(request):
                return redirect(report_form)
            # Keep the section chosen: people add several indicators to one section in a row.
            form = rf.FieldForm(sections=sections, initial={"section": section.pk})
    return _designer_response(request, report_form, field_form=form)


@login_required
@require_POST
def field_remove(request: HttpRequest, pk: int, field_pk: int) -> HttpResponse:
    report_form = permissions.access_form(request.user, pk, for_write=True)
    form_field = FormField.objects.filter(pk=field_pk, section__form=report_form).first()
    if form_field is None:
        raise Http404
    try:
        services.field_remove(actor=request.user, field=form_field)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    if not is_htmx(request):
        return redirect(report_form)
    return _designer_response(request, report_form)


@login_required
@require_POST
def rule_add(request: HttpRequest, pk: int) -> HttpResponse:
    report_form = permissions.access_form(request.user, pk, for_write=True)
    form = rf.RuleForm(request.POST)
    if form.is_valid():
        try:
            services.rule_add(actor=request.user, form=report_form, **form.cleaned_data)
        except ValidationError as exc:
            # A side that does not parse comes back keyed "left" or "right": shown beside it.
            add_service_errors(form, exc)
        else:
            if not is_htmx(request):
                return redirect(report_form)
            form = None
    return _designer_response(request, report_form, rule_form=form)


@login_required
@require_POST
def rule_remove(request: HttpRequest, pk: int, rule_pk: int) -> HttpResponse:
    report_form = permissions.access_form(request.user, pk, for_write=True)
    rule = ValidationRule.objects.filter(pk=rule_pk, form=report_form).first()
    if rule is None:
        raise Http404
    services.rule_remove(actor=request.user, rule=rule)
    if not is_htmx(request):
        return redirect(report_form)
    return _designer_response(request, report_form)


# --- my reports due -----------------------------------------------------------------------------


@dataclass
class DueRow:
    item: selectors.ReportDue
    status: str
    days_left: int | None  # working days until the deadline (0 on the day itself)
    days_late: int | None  # calendar days past the deadline
    entry_url: str


def _deadline_words(deadline: dt.date, today: dt.date, province_code: str) -> tuple[int | None, int | None]:
    if deadline < today:
        return None, (today - deadline).days
    return workdays.working_days_between(today, deadline, province_code=province_code), None


@login_required
def my_reports(request: HttpRequest) -> HttpResponse:
    today = timezone.localdate()
    rows = []
    for item in selectors.my_reports_due(user=request.user, today=today):
        left, late = _deadline_words(item.deadline, today, item.unit.province_code)
        rows.append(
            DueRow(
                item=item,
                status=item.status or "not_started",
                days_left=left,
                days_late=late,
                entry_url=item.submission.get_absolute_url()
                if item.submission
                else reverse("reporting:entry", args=[item.form.pk, item.unit.pk, item.period.id]),
            )
        )
    # What the person's units sent lately: the due list leaves finished reports out.
    recent = (
        selectors.submission_list(user=request.user)
        .filter(unit_id__in=permissions.own_unit_ids(request.user), status__in=selectors.COUNTED_STATUSES)
        .order_by("-submitted_on", "-pk")[:10]
    )
    return render(
        request,
        "reporting/my_reports.html",
        {"page": _page(request, rows), "recent": recent, "today": today},
    )


# --- entry --------------------------------------------------------------------------------------


def _entry_period(report_form: ReportForm, period_id: str) -> Period:
    try:
        return selectors.form_period(report_form, period_id)
    except ValidationError as exc:
        raise Http404 from exc


@login_required
def entry(request: HttpRequest, form_pk: int, unit_pk: int, period_id: str) -> HttpResponse:
    """Open the report of (form, unit, period): the existing one, or a new draft on POST.

    GET never writes: it shows the existing report, or a page with a "Start" button (so a
    link followed by a crawler or a prefetch creates nothing).
    """
    report_form = permissions.access_form(request.user, form_pk)
    unit = access.access_unit(request.user, unit_pk)
    period = _entry_period(report_form, period_id)
    existing = permissions.submissions_visible(request.user).filter(form=report_form, unit=unit, period_id=period.id)
    found = existing.first()
    if found is not None:
        return redirect(found)
    can_enter = permissions.is_own_unit(request.user, unit, min_role=Role.OFFICER)
    error = ""
    if request.method == "POST":
        if not can_enter:
            raise PermissionDenied
        try:
            submission = services.submission_open(actor=request.user, form=report_form, unit=unit, period_id=period.id)
        except ValidationError as exc:
            error = " ".join(exc.messages)
        else:
            return redirect_after_change(request, submission.get_absolute_url())
    deadline = submission_deadline(period, report_form.deadline_working_days, province_code=unit.province_code)
    return render(
        request,
        "reporting/entry_start.html",
        {
            "report_form": report_form,
            "unit": unit,
            "period": period,
            "deadline": deadline,
            "can_enter": can_enter,
            "error": error,
        },
        status=400 if error else 200,
    )


@dataclass
class Cell:
    """One input of the entry page: an indicator total, or one disaggregation option of it."""

    name: str  # the POST key: "v|CODE|category"
    dom_id: str
    category: str
    category_name: str
    value: str  # what the input shows (the stored value, or what was typed when it was refused)
    previous: str  # last period's value, shown beside the field
    error: str = ""


@dataclass
class Row:
    field: FormField
    indicator: Indicator
    cells: list[Cell]
    total: str = ""
    previous_total: str = ""

    @property
    def disaggregated(self) -> bool:
        return bool(self.indicator.disaggregation)


@dataclass
class SectionRows:
    section: FormSection
    rows: list[Row] = field(default_factory=list)


def cell_name(code: str, category: str) -> str:
    return f"v|{code}|{category}"


def parse_cell_name(name: str) -> tuple[str, str] | None:
    if not name.startswith("v|"):
        return None
    code, sep, category = name[2:].rpartition("|")
    return (code, category) if sep and code else None


def _display(value: DataValue | None) -> str:
    """A stored value as the input shows it: a decimal comma in Vietnamese ("2,5"), which the
    service reads back as the same number."""
    if value is None:
        return ""
    if value.value_number is None:
        return value.value_text
    text = format_number(value.value_number)
    return text.replace(".", ",") if get_language() == "vi" else text


def _values_by_key(
    unit: Unit, period_id: str, indicator_ids: list[int], *, drafts: bool
) -> dict[tuple[int, str], DataValue]:
    """The stored values of a unit and period, keyed (indicator id, category).

    `drafts=False` leaves out values of reports still being written or sent back, for a reader
    from the level above (drafts are the unit's own business).
    """
    values = DataValue.objects.filter(unit=unit, period_id=period_id, indicator_id__in=indicator_ids)
    if not drafts:
        values = values.filter(Q(submission__isnull=True) | Q(submission__status__in=selectors.COUNTED_STATUSES))
    return {(v.indicator_id, v.category): v for v in values}


def _sum_display(values: list[DataValue | None]) -> str:
    numbers = [v.value_number for v in values if v is not None and v.value_number is not None]
    return format_number(sum(numbers, Decimal(0))) if numbers else ""


def entry_sections(
    submission: Submission,
    *,
    own: bool,
    typed: dict[tuple[str, str], str] | None = None,
    errors: dict[tuple[str, str], str] | None = None,
) -> list[SectionRows]:
    """Build the entry page's sections: each field with its inputs, current and last period's values."""
    typed, errors = typed or {}, errors or {}
    sections = list(
        FormSection.objects.filter(form=submission.form).prefetch_related("fields__indicator").order_by("order", "id")
    )
    indicator_ids = [f.indicator_id for s in sections for f in s.fields.all()]
    current = _values_by_key(submission.unit, submission.period_id, indicator_ids, drafts=True)
    previous_period = selectors.period_of(submission.period_id).previous()
    previous = _values_by_key(submission.unit, previous_period.id, indicator_ids, drafts=own)
    result = []
    for section in sections:
        block = SectionRows(section=section)
        for form_field in section.fields.all():
            indicator = form_field.indicator
            options = indicator.disaggregation or [{"code": "", "name": ""}]
            cells = []
            for option in options:
                category = str(option.get("code", ""))
                key = (indicator.code, category)
                stored = current.get((indicator.pk, category))
                cells.append(
                    Cell(
                        name=cell_name(indicator.code, category),
                        dom_id=f"f{form_field.pk}-{category or 'total'}",
                        category=category,
                        category_name=str(option.get("name", category)),
                        value=typed[key] if key in typed else _display(stored),
                        previous=_display(previous.get((indicator.pk, category))),
                        error=errors.get(key, ""),
                    )
                )
            row = Row(field=form_field, indicator=indicator, cells=cells)
            if indicator.disaggregation:
                codes = [str(o.get("code", "")) for o in indicator.disaggregation]
                row.total = _sum_display([current.get((indicator.pk, c)) for c in codes])
                row.previous_total = _sum_display([previous.get((indicator.pk, c)) for c in codes])
            block.rows.append(row)
        result.append(block)
    return result


def _deadline_context(submission: Submission) -> dict[str, Any]:
    today = timezone.localdate()
    left, late = _deadline_words(submission.deadline, today, submission.unit.province_code)
    return {"days_left": left, "days_late": late}


@dataclass
class Finding:
    """A check's finding as the page shows it: what it concerns, and where to jump to fix it."""

    message: str
    label: str
    anchor: str
    rule_id: int | None


def _findings(submission: Submission, sections: list[SectionRows]) -> dict[str, Any]:
    """Run the checks and name each finding's field (with a link to it) or rule."""
    check = services.submission_check(submission=submission)
    targets: dict[str, tuple[str, str]] = {}
    for block in sections:
        for row in block.rows:
            for cell in row.cells:
                label = f"{row.indicator.name} ({cell.category_name})" if cell.category else row.indicator.name
                targets[services.field_key(row.indicator.code, cell.category)] = (label, cell.dom_id)
    rule_names = dict(ValidationRule.objects.filter(form=submission.form).values_list("pk", "name"))

    def finding(issue: Any) -> Finding:
        if issue.rule_id is not None:
            return Finding(issue.message, rule_names.get(issue.rule_id, ""), "", issue.rule_id)
        label, anchor = targets.get(issue.key, ("", ""))
        return Finding(issue.message, label, anchor, None)

    return {
        "check": check,
        "errors": [finding(i) for i in check.errors],
        "warnings": [finding(i) for i in check.warnings],
    }


def _entry_context(
    request: HttpRequest,
    submission: Submission,
    *,
    typed: dict[tuple[str, str], str] | None = None,
    errors: dict[tuple[str, str], str] | None = None,
    submit_form: rf.SubmitForm | None = None,
    return_form: rf.ReasonForm | None = None,
    unlock_form: rf.ReasonForm | None = None,
    comment_form: rf.CommentForm | None = None,
    upload_form: rf.XlsxUploadForm | None = None,
    upload_errors: list[tuple[int | None, str]] | None = None,
) -> dict[str, Any]:
    user = request.user
    own = permissions.can_act(user, submission, "enter")
    editable = own and submission.status in (S.DRAFT, S.RETURNED)
    sections = entry_sections(submission, own=own, typed=typed, errors=errors)
    findings = _findings(submission, sections)
    warnings = list(findings["check"].warnings)
    form = submission.form
    can_approve = permissions.can_act(user, submission, "approve")
    can_accept = permissions.can_act(user, submission, "accept")
    waiting_acceptance = form.acceptance_required and (
        submission.status == S.APPROVED or (submission.status == S.SUBMITTED and not form.approval_required)
    )
    return {
        "submission": submission,
        "report_form": form,
        "unit": submission.unit,
        "period": selectors.period_of(submission.period_id),
        "sections": sections,
        "editable": editable,
        **findings,
        "submit_form": submit_form or rf.SubmitForm(warnings=warnings, initial=_warning_initial(submission, warnings)),
        "can_approve": can_approve and form.approval_required and submission.status == S.SUBMITTED,
        "can_return": permissions.can_act(user, submission, "return")
        and (submission.status == S.SUBMITTED or (submission.status == S.APPROVED and form.acceptance_required)),
        "can_accept": can_accept and waiting_acceptance,
        "can_unlock": permissions.can_act(user, submission, "unlock") and submission.status in (S.APPROVED, S.ACCEPTED),
        "can_comment": own,
        "return_form": return_form or rf.ReasonForm(prefix="return"),
        "unlock_form": unlock_form or rf.ReasonForm(prefix="unlock"),
        "comment_form": comment_form or rf.CommentForm(),
        "upload_form": upload_form or rf.XlsxUploadForm(),
        "upload_errors": upload_errors,
        "comments": submission.comments.select_related("author").order_by("created_at"),
        "pdf_unavailable": _pdf_unavailable(),
        **_deadline_context(submission),
    }


def _warning_initial(submission: Submission, warnings: list[Any]) -> dict[str, str]:
    stored = submission.warning_comments or {}
    return {f"warning_{rf.warning_key(w)}": stored.get(rf.warning_key(w), "") for w in warnings}


def _pdf_unavailable() -> str | None:
    from phoihop.documents.pdf import pdf_unavailable_reason

    return pdf_unavailable_reason()


def _render_entry(request: HttpRequest, submission: Submission, *, status: int = 200, **kwargs: Any) -> HttpResponse:
    return render(request, "reporting/entry.html", _entry_context(request, submission, **kwargs), status=status)


@login_required
def submission_detail(request: HttpRequest, pk: int) -> HttpResponse:
    submission = permissions.access_submission(request.user, pk)
    return _render_entry(request, submission)


def _posted_values(post: QueryDict, submission: Submission) -> dict[tuple[str, str], str]:
    """The values in a POST, keyed (indicator code, category); names of other forms' fields are dropped."""
    known = {
        (f.indicator.code, str(o.get("code", "")))
        for f in FormField.objects.filter(section__form=submission.form).select_related("indicator")
        for o in (f.indicator.disaggregation or [{"code": ""}])
    }
    values = {}
    for name in post:
        key = parse_cell_name(name)
        if key is not None and key in known:
            values[key] = post.get(name, "")
    return values


def _error_map(errors: list[Any]) -> dict[tuple[str, str], str]:
    return {(e.code, e.category): e.message for e in errors}


@login_required
@require_POST
def values_save(request: HttpRequest, pk: int) -> HttpResponse:
    """Autosave (htmx, one field at a time) or "Save draft" (the whole form, without JavaScript)."""
    submission = permissions.access_submission(request.user, pk, action="enter")
    values = _posted_values(request.POST, submission)
    try:
        errors = services.values_save(actor=request.user, submission=submission, values=values)
    except ValidationError as exc:
        # A report already submitted or approved: nothing saved, say why.
        if is_htmx(request):
            return render(
                request,
                "reporting/partials/_save_refused.html",
                {"message": " ".join(exc.messages), "keys": list(values)},
            )
        messages.error(request, " ".join(exc.messages))
        return redirect(submission)
    error_map = _error_map(errors)
    if is_htmx(request):
        return _autosave_response(request, submission, values, error_map)
    if error_map:
        return _render_entry(request, submission, typed=values, errors=error_map, status=400)
    messages.success(request, _("The draft was saved."))
    return redirect(submission)


def _autosave_response(
    request: HttpRequest,
    submission: Submission,
    values: dict[tuple[str, str], str],
    error_map: dict[tuple[str, str], str],
) -> HttpResponse:
    """The status of each field just saved, plus the checks panel and totals, out of band."""
    sections = entry_sections(submission, own=True, typed=values, errors=error_map)
    saved_cells, totals = [], []
    for block in sections:
        for row in block.rows:
            hit = [c for c in row.cells if (row.indicator.code, c.category) in values]
            saved_cells.extend(hit)
            if hit and row.disaggregated:
                totals.append(row)
    findings = _findings(submission, sections)
    warnings = list(findings["check"].warnings)
    return render(
        request,
        "reporting/partials/_autosave.html",
        {
            **findings,
            "submit_form": rf.SubmitForm(warnings=warnings, initial=_warning_initial(submission, warnings)),
            "cells": saved_cells,
            "totals": totals,
            "submission": submission,
            "saved_at": timezone.localtime(),
            "oob": True,
        },
    )


@login_required
@require_POST
def submission_submit(request: HttpRequest, pk: int) -> HttpResponse:
    submission = permissions.access_submission(request.user, pk, action="enter")
    warnings = list(services.submission_check(submission=submission).warnings)
    form = rf.SubmitForm(request.POST, warnings=warnings)
    if form.is_valid():
        try:
            services.submission_submit(
                actor=request.user, submission=submission, warning_comments=form.warning_comments()
            )
        except ValidationError as exc:
            _add_warning_errors(form, exc)
        else:
            messages.success(request, _("The report was submitted."))
            return redirect_after_change(request, submission.get_absolute_url())
    return _render_entry(request, submission, submit_form=form, status=400)


def _add_warning_errors(form: rf.SubmitForm, exc: ValidationError) -> None:
    """Put "this warning needs a comment" beside its box; blocking errors above the form."""
    if hasattr(exc, "error_dict"):
        for key, errors in exc.message_dict.items():
            # Warnings waiting for a comment come keyed "warning_<rule id>", like the boxes.
            form.add_error(key if key in form.fields else None, errors)
    else:
        form.add_error(None, exc)


def _workflow(request: HttpRequest, submission: Submission, call: Any, done: str) -> HttpResponse:
    try:
        call()
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, done)
    return redirect_after_change(request, submission.get_absolute_url())


@login_required
@require_POST
def submission_approve(request: HttpRequest, pk: int) -> HttpResponse:
    submission = permissions.access_submission(request.user, pk, action="approve")
    return _workflow(
        request,
        submission,
        lambda: services.submission_approve(actor=request.user, submission=submission),
        _("The report was approved and is now locked."),
    )


@login_required
@require_POST
def submission_accept(request: HttpRequest, pk: int) -> HttpResponse:
    submission = permissions.access_submission(request.user, pk, action="accept")
    return _workflow(
        request,
        submission,
        lambda: services.submission_accept(actor=request.user, submission=submission),
        _("The report was accepted."),
    )


def _with_reason(request: HttpRequest, pk: int, action: str, service: Any, done: str) -> HttpResponse:
    """Return or unlock: both need a reason, shown back beside its box when missing."""
    submission = permissions.access_submission(request.user, pk, action=action)
    form = rf.ReasonForm(request.POST, prefix=action)
    if form.is_valid():
        try:
            service(actor=request.user, submission=submission, reason=form.cleaned_data["reason"])
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, done)
            return redirect_after_change(request, submission.get_absolute_url())
    return _render_entry(request, submission, status=400, **{f"{action}_form": form})


@login_required
@require_POST
def submission_return(request: HttpRequest, pk: int) -> HttpResponse:
    return _with_reason(
        request, pk, "return", services.submission_return, _("The report was returned to the unit with your reason.")
    )


@login_required
@require_POST
def submission_unlock(request: HttpRequest, pk: int) -> HttpResponse:
    return _with_reason(
        request,
        pk,
        "unlock",
        services.submission_unlock,
        _("The report was unlocked; the change is in the audit trail."),
    )


@login_required
@require_POST
def submission_comment(request: HttpRequest, pk: int) -> HttpResponse:
    submission = permissions.access_submission(request.user, pk, action="enter")
    form = rf.CommentForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            services.comment_add(
                actor=request.user,
                submission=submission,
                text=form.cleaned_data["text"],
                file=form.cleaned_data["file"],
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Your comment was added."))
            return redirect(f"{submission.get_absolute_url()}#comments")
    return _render_entry(request, submission, comment_form=form, status=400)


@login_required
@require_GET
def submission_comment_file(request: HttpRequest, pk: int, comment_pk: int) -> FileResponse:
    """A file attached to a report's comment, only for those who may see the report."""
    submission = permissions.access_submission(request.user, pk)
    comment = submission.comments.filter(pk=comment_pk).exclude(file="").first()
    if comment is None:
        raise Http404
    return FileResponse(comment.file.open("rb"), as_attachment=True, filename=comment.file.name.rsplit("/", 1)[-1])


# --- XLSX template and upload -------------------------------------------------------------------


@login_required
@require_GET
def submission_template_xlsx(request: HttpRequest, pk: int) -> HttpResponse:
    """The form as a sheet to fill in offline: code, name, category, value (current values filled in)."""
    submission = permissions.access_submission(request.user, pk)
    own = permissions.can_act(request.user, submission, "enter")
    rows = []
    for block in entry_sections(submission, own=own):
        for row in block.rows:
            for cell in row.cells:
                rows.append([row.indicator.code, row.indicator.name, cell.category, cell.value])
    content = write_table_xlsx(None, list(rf.TEMPLATE_HEADER), rows, sheet_title=submission.form.code)
    return document_download(content, f"{submission.form.code}-{submission.unit.code}-{submission.period_id}.xlsx")


def _row_problems(rows: list[rf.UploadRow], submission: Submission) -> list[tuple[int | None, str]]:
    """Layout problems the service cannot name by row: unknown codes and options, duplicates."""
    known: dict[str, Indicator] = {
        f.indicator.code.casefold(): f.indicator
        for f in FormField.objects.filter(section__form=submission.form).select_related("indicator")
    }
    problems: list[tuple[int | None, str]] = []
    seen: dict[tuple[str, str], int] = {}
    for row in rows:
        indicator = known.get(row.code.casefold())
        if indicator is None:
            problems.append((row.row, _("The code “%(code)s” is not on this form.") % {"code": row.code}))
            continue
        options = [str(o.get("code", "")) for o in indicator.disaggregation or []]
        if options and row.category not in options:
            problems.append(
                (
                    row.row,
                    _("“%(code)s” is reported by %(options)s; write one of them in the category column.")
                    % {"code": indicator.code, "options": ", ".join(options)},
                )
            )
            continue
        if not options and row.category:
            problems.append(
                (row.row, _("“%(code)s” has no categories: leave the category empty.") % {"code": indicator.code})
            )
            continue
        key = (indicator.code, row.category)
        if key in seen:
            problems.append((row.row, _("This figure is already on row %(row)s.") % {"row": seen[key]}))
            continue
        seen[key] = row.row
    return problems


class _RollBack(Exception):
    """Raised inside the upload's transaction to undo the valid rows when any row failed."""


@login_required
@require_POST
def submission_upload_xlsx(request: HttpRequest, pk: int) -> HttpResponse:
    """Read a filled template: every row checked, nothing written unless all of them are right."""
    submission = permissions.access_submission(request.user, pk, action="enter")
    form = rf.XlsxUploadForm(request.POST, request.FILES)
    if not form.is_valid():
        return _render_entry(request, submission, upload_form=form, status=400)
    rows: list[rf.UploadRow] = form.cleaned_data["file"]
    problems = _row_problems(rows, submission)
    if not problems:
        codes = {
            f.indicator.code.casefold(): f.indicator.code
            for f in FormField.objects.filter(section__form=submission.form).select_related("indicator")
        }
        values = {(codes[r.code.casefold()], r.category): r.value for r in rows}
        row_of = {(codes[r.code.casefold()], r.category): r.row for r in rows}
        try:
            with transaction.atomic():
                errors = services.values_save(actor=request.user, submission=submission, values=values)
                if errors:
                    problems = sorted(
                        ((row_of.get((e.code, e.category)), e.message) for e in errors),
                        key=lambda p: p[0] or 0,
                    )
                    raise _RollBack
        except _RollBack:
            pass
        except ValidationError as exc:
            problems = [(None, " ".join(exc.messages))]
    if problems:
        return _render_entry(request, submission, upload_errors=problems, status=400)
    messages.success(request, _("%(count)s figures were read from the file and saved.") % {"count": len(rows)})
    return redirect(submission)


# --- documents ----------------------------------------------------------------------------------


@login_required
@require_GET
def submission_docx(request: HttpRequest, pk: int) -> HttpResponse:
    submission = permissions.access_submission(request.user, pk)
    content = report_document.submission_docx(submission)
    return document_download(content, report_document.filename(submission, "docx"))


@login_required
@require_GET
def submission_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    from phoihop.documents.pdf import PdfUnavailable

    submission = permissions.access_submission(request.user, pk)
    try:
        content = report_document.submission_pdf(submission)
    except PdfUnavailable as exc:
        messages.error(request, str(exc))
        return redirect(submission)
    return document_download(content, report_document.filename(submission, "pdf"))


# --- review queue -------------------------------------------------------------------------------


@login_required
def review_queue(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "reporting/review_queue.html",
        {"page": _page(request, selectors.review_queue(user=request.user)), "today": timezone.localdate()},
    )


# --- completeness and timeliness ----------------------------------------------------------------


def _last_closed_period(report_form: ReportForm, today: dt.date) -> Period | None:
    current = period_containing(today, report_form.period_type)
    return current.previous() if current is not None else None


def _rates_form(request: HttpRequest, data: QueryDict) -> rf.RatesForm:
    """The rates filter, filled with sensible defaults: the first form, its last closed period, the top unit."""
    units = _open_units(request.user)
    if data.get("form") and data.get("period") and data.get("unit"):
        return rf.RatesForm(data, units=units)
    values = data.dict()
    report_form = None
    if values.get("form"):
        report_form = ReportForm.objects.filter(pk=values["form"]).first() if values["form"].isdigit() else None
    report_form = report_form or ReportForm.objects.filter(is_active=True).order_by("code").first()
    if report_form is not None:
        values.setdefault("form", str(report_form.pk))
        period = _last_closed_period(report_form, timezone.localdate())
        if not values.get("period") and period is not None:
            values["period"] = period.id
    if not values.get("unit"):
        top = _top_unit(request.user)
        if top is not None:
            values["unit"] = str(top.pk)
    return rf.RatesForm(values if report_form is not None else None, units=units)


def _period_choices(form: rf.RatesForm, today: dt.date) -> list[Period]:
    """The periods of the chosen form's type that have ended, this year and last, newest first."""
    chosen = form["form"].value()
    report_form = ReportForm.objects.filter(pk=chosen).first() if str(chosen or "").isdigit() else None
    if report_form is None:
        return []
    periods = [
        p
        for year in (today.year, today.year - 1)
        for p in periods_of_year(report_form.period_type, year)
        if p.end < today
    ]
    return sorted(periods, key=lambda p: p.end, reverse=True)


@login_required
def rates(request: HttpRequest) -> HttpResponse:
    form = _rates_form(request, request.GET)
    result = None
    if form.is_bound and form.is_valid():
        data = form.cleaned_data
        result = selectors.reporting_rates(form=data["form"], period_id=data["period"], unit=data["unit"])
    return render_page_or_fragment(
        request,
        "reporting/rates.html",
        "reporting/partials/_rates_result.html",
        {
            "form": form,
            "rates": result,
            "chosen": form.cleaned_data if result is not None else None,
            "query": request.GET.urlencode() if result is not None else "",
            "can_remind": result is not None and access.can(request.user, form.cleaned_data["unit"], Role.OFFICER),
            "period_choices": _period_choices(form, timezone.localdate()),
        },
    )


@login_required
@require_POST
def rates_remind(request: HttpRequest) -> HttpResponse:
    """Send a reminder to one missing unit, or to every missing unit of the page (`all`)."""
    form = rf.RatesForm(request.POST, units=_open_units(request.user))
    if not form.is_valid():
        raise Http404
    data = form.cleaned_data
    # Reminding is acting for the level whose rates these are: officer+ on the chosen unit.
    access.access_unit(request.user, data["unit"].pk, min_role=Role.OFFICER)
    if request.POST.get("all"):
        targets = selectors.reporting_rates(form=data["form"], period_id=data["period"], unit=data["unit"]).missing
    else:
        target = access.access_unit(request.user, request.POST.get("target"), min_role=Role.VIEWER)
        if not target.path.startswith(data["unit"].path):
            raise Http404
        targets = [target]
    for target in targets:
        link = request.build_absolute_uri(
            reverse("reporting:entry", args=[data["form"].pk, target.pk, data["period"].id])
        )
        reminders.submission_remind(
            actor=request.user, form=data["form"], unit=target, period_id=data["period"].id, link=link
        )
    back = (
        reverse("reporting:rates")
        + "?"
        + urlencode({"form": data["form"].pk, "period": data["period"].id, "unit": data["unit"].pk})
    )
    if is_htmx(request) and len(targets) == 1:
        return render(request, "reporting/partials/_reminded.html", {"target": targets[0]})
    messages.success(
        request,
        _("A reminder was sent to %(count)s units.") % {"count": len(targets)}
        if len(targets) != 1
        else _("A reminder was sent to %(unit)s.") % {"unit": targets[0].name},
    )
    return redirect_after_change(request, back)


# --- pivot --------------------------------------------------------------------------------------

MAX_SERIES = len(charts.PALETTE)


def _chart_number(value: Decimal | None) -> int | Decimal | None:
    # Labels print what the table prints: 12, not 12,0000.
    if value is None:
        return None
    return int(value) if value == value.to_integral_value() else value.normalize()


def _pivot_chart(table: selectors.PivotTable, indicator: Indicator, units: list[Unit]) -> str:
    """One bar chart per indicator: units along the axis, one bar per period (periods along the
    axis when there are more periods than colours)."""

    def value(unit: Unit, period: Period) -> int | Decimal | None:
        return _chart_number(table.value(indicator, unit, period))

    if len(table.periods) <= MAX_SERIES:
        categories = [u.short_name or u.name for u in units]
        series = [charts.Series(name=p.label, values=[value(u, p) for u in units]) for p in table.periods]
    else:
        categories = [p.id for p in table.periods]
        series = [
            charts.Series(name=u.short_name or u.name, values=[value(u, p) for p in table.periods])
            for u in units[:MAX_SERIES]
        ]
    chart = charts.Chart(title=indicator.name, unit=indicator.unit_of_measure, categories=categories, series=series)
    return charts.render_svg(chart)


@login_required
def pivot(request: HttpRequest) -> HttpResponse:
    units = _open_units(request.user)
    data = request.GET if request.GET.get("indicators") else None
    initial: dict[str, Any] = {}
    top = _top_unit(request.user)
    if top is not None:
        initial["unit"] = top.pk
    year_now = timezone.localdate().year
    initial["periods"] = " ".join(f"{year_now}Q{q}" for q in range(1, 5))
    form = rf.PivotForm(data, units=units, initial=initial)
    table = None
    chart_svgs: list[str] = []
    if form.is_bound and form.is_valid():
        chosen = form.cleaned_data
        unit = chosen["unit"]
        pivot_units = [unit]
        if chosen["children"]:
            pivot_units += list(units.filter(path__startswith=unit.path, depth=unit.depth + 1))
        table = selectors.pivot(
            user=request.user, indicators=chosen["indicators"], units=pivot_units, periods=chosen["periods"]
        )
        if request.GET.get("format") == "xlsx":
            return _pivot_xlsx(table)
        # With the units within shown, the chart compares them; the total would dwarf every bar.
        charted = table.units[1:] if len(table.units) > 1 else table.units
        chart_svgs = [_pivot_chart(table, i, charted) for i in table.indicators if i.is_numeric]
    return render_page_or_fragment(
        request,
        "reporting/pivot.html",
        "reporting/partials/_pivot_result.html",
        {"form": form, "table": table, "charts": chart_svgs, "query": request.GET.urlencode()},
    )


def _pivot_xlsx(table: selectors.PivotTable) -> HttpResponse:
    columns = [_("Indicator code"), _("Indicator"), _("Unit code"), _("Unit"), *[p.id for p in table.periods]]
    rows = [[indicator.code, indicator.name, unit.code, unit.name, *values] for indicator, unit, values in table.rows()]
    content = write_table_xlsx(_("Pivot table"), columns, rows, sheet_title="pivot")
    return document_download(content, f"pivot-{timezone.localdate():%Y%m%d}.xlsx")
