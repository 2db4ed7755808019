"""Screens of social supervision: the Front's board, the agency's inbox, figures, programmes,
supervision pages (plan, team, activities, findings, conclusion, recommendations) and the
recommendation page (answer, assessment, follow-up, escalation, history).

Every record is reached through oversight.permissions; every change goes through
oversight.services — the functions the API calls.
"""

from __future__ import annotations

import datetime as dt
import mimetypes
import os
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models.fields.files import FieldFile
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from phoihop.core.spreadsheets import XlsxColumn, write_table_xlsx
from phoihop.criticism.selectors import critiques_addressed_to, critiques_for_board
from phoihop.documents.responses import document_download, official_document_response
from phoihop.orgs import access
from phoihop.orgs.models import Role, Unit
from phoihop.oversight import documents, forms, permissions, selectors, services
from phoihop.oversight.models import Recommendation, Supervision

PAGE_SIZE = 25


def _today() -> dt.date:
    return timezone.localdate()


def _page(request: HttpRequest, queryset: Any, param: str = "page") -> Any:
    return Paginator(queryset, PAGE_SIZE).get_page(request.GET.get(param))


def _download(field: FieldFile) -> FileResponse:
    """Send an uploaded file after the caller checked access to its record (never a /media/ link)."""
    if not field:
        raise Http404
    try:
        handle = field.open("rb")
    except FileNotFoundError as exc:
        raise Http404 from exc
    name = os.path.basename(field.name)
    return FileResponse(
        handle,
        as_attachment=True,
        filename=name,
        content_type=mimetypes.guess_type(name)[0] or "application/octet-stream",
    )


def _basis() -> dict[str, Any]:
    return {
        "notice_days": settings.PHOIHOP_SUPERVISION_NOTICE_DAYS,
        "answer_days": settings.PHOIHOP_RECOMMENDATION_ANSWER_DAYS,
        "answer_days_commune": settings.PHOIHOP_RECOMMENDATION_ANSWER_DAYS_COMMUNE,
        "escalate_days": settings.PHOIHOP_RECOMMENDATION_ESCALATE_DAYS,
    }


# Board, inbox, figures ---------------------------------------------------------------------------


@login_required
def board(request: HttpRequest) -> HttpResponse:
    """The Front's board: programmes, supervisions under way, recommendations by status and agency, critiques."""
    user = request.user
    today = _today()
    counts = selectors.status_counts(selectors.board_recommendations(user=user), today=today)
    by_agency = selectors.recommendation_compliance_by_agency(user=user, today=today)
    agency_names = dict(Unit.objects.filter(pk__in=by_agency).values_list("pk", "name"))
    context = {
        "programmes": selectors.programme_list(user=user)[:6],
        "under_way": selectors.supervision_list(user=user).filter(
            status__in=[Supervision.Status.NOTIFIED, Supervision.Status.IN_PROGRESS, Supervision.Status.PLANNED]
        )[:PAGE_SIZE],
        "counts": counts,
        "status_rows": [(label, counts[value]) for value, label in Recommendation.Status.choices],
        "by_agency": sorted(((agency_names.get(pk, ""), c) for pk, c in by_agency.items()), key=lambda x: x[0]),
        "overdue": selectors.overdue_recommendations(user=user, today=today)[:10],
        "critiques": critiques_for_board(user=user)[:PAGE_SIZE],
        "can_create": forms.front_units_for(user).exists(),
        "today": today,
        **_basis(),
    }
    return render(request, "oversight/board.html", context)


@login_required
def inbox(request: HttpRequest) -> HttpResponse:
    """An agency's inbox: recommendations (and critiques) addressed to its units, with their deadlines."""
    page = _page(request, selectors.recommendations_addressed_to(user=request.user))
    return render(
        request,
        "oversight/inbox.html",
        {
            "page": page,
            "critiques": critiques_addressed_to(user=request.user)[:PAGE_SIZE],
            "today": _today(),
            **_basis(),
        },
    )


@login_required
def figures(request: HttpRequest) -> HttpResponse:
    form = forms.FiguresForm(request.GET or None)
    date_from = date_to = None
    if form.is_bound and form.is_valid():
        date_from, date_to = form.cleaned_data["date_from"], form.cleaned_data["date_to"]
    agency_rows, level_rows = selectors.figures_table(user=request.user, date_from=date_from, date_to=date_to)
    if request.GET.get("format") == "xlsx":
        columns = [
            XlsxColumn(_("Agency"), 40),
            _("Level"),
            _("Answered on time"),
            _("Answered late"),
            _("Unanswered past the deadline"),
            _("Not yet due"),
            _("On-time rate (%)"),
            _("Average days to answer"),
            _("Satisfactory"),
            _("Partly satisfactory"),
            _("Not satisfactory"),
            _("Escalated"),
        ]
        rows = [
            [
                r.label,
                r.level,
                r.figures.compliance.done_on_time,
                r.figures.compliance.done_late,
                r.figures.compliance.overdue_open,
                r.figures.compliance.upcoming,
                r.figures.compliance.on_time_percent,
                r.figures.average_days_to_answer,
                r.figures.satisfactory,
                r.figures.partly,
                r.figures.not_satisfactory,
                r.figures.escalated,
            ]
            for r in agency_rows
        ]
        content = write_table_xlsx(_("Answers to recommendations after supervision"), columns, rows)
        return document_download(content, "kien-nghi-giam-sat.xlsx")
    return render(
        request,
        "oversight/figures.html",
        {
            "form": form,
            "agency_rows": agency_rows,
            "level_rows": level_rows,
            "query": request.GET.urlencode(),
            **_basis(),
        },
    )


# Programmes --------------------------------------------------------------------------------------


@login_required
def programme_list(request: HttpRequest) -> HttpResponse:
    can_create = forms.front_units_for(request.user).exists()
    form = forms.ProgrammeForm(request.POST or None, user=request.user)
    if request.method == "POST":
        if not can_create:
            raise PermissionDenied
        if form.is_valid():
            try:
                programme = services.programme_create(actor=request.user, **form.cleaned_data)
            except ValidationError as exc:
                forms.add_service_errors(form, exc)
            else:
                messages.success(request, _("The programme was registered."))
                return redirect(programme.get_absolute_url())
    page = _page(request, selectors.programme_list(user=request.user))
    return render(
        request,
        "oversight/programme_list.html",
        {"page": page, "form": form, "can_create": can_create},
        status=400 if form.errors else 200,
    )


@login_required
def programme_detail(request: HttpRequest, pk: int) -> HttpResponse:
    programme = permissions.access_programme(request.user, pk)
    can_edit = access.can(request.user, programme.front_unit, Role.OFFICER)
    form = forms.ProgrammeItemForm(request.POST or None, front_unit=programme.front_unit)
    if request.method == "POST":
        if not can_edit:
            raise PermissionDenied
        if form.is_valid():
            try:
                services.programme_item_add(actor=request.user, programme=programme, **form.cleaned_data)
            except ValidationError as exc:
                forms.add_service_errors(form, exc)
            else:
                messages.success(request, _("The topic was added to the programme."))
                return redirect(programme.get_absolute_url())
    items = programme.items.prefetch_related("subjects", "supervisions")
    return render(
        request,
        "oversight/programme_detail.html",
        {"programme": programme, "items": items, "form": form, "can_edit": can_edit},
        status=400 if form.errors else 200,
    )


# Supervisions ------------------------------------------------------------------------------------


@login_required
def supervision_list(request: HttpRequest) -> HttpResponse:
    status = request.GET.get("status", "")
    if status not in Supervision.Status.values:
        status = ""
    page = _page(request, selectors.supervision_list(user=request.user, status=status))
    return render(
        request,
        "oversight/supervision_list.html",
        {
            "page": page,
            "status": status,
            "statuses": Supervision.Status.choices,
            "can_create": forms.front_units_for(request.user).exists(),
        },
    )


@login_required
def supervision_create(request: HttpRequest) -> HttpResponse:
    if not forms.front_units_for(request.user).exists():
        raise PermissionDenied
    initial = {}
    item_id = request.GET.get("item")
    if item_id:
        item = permissions.programmes_visible(request.user).filter(items__pk=item_id).first()
        if item is not None:
            found = item.items.get(pk=item_id)
            initial = {
                "front_unit": item.front_unit,
                "title": found.topic,
                "form": found.form,
                "subjects": list(found.subjects.all()),
                "programme_item": found,
            }
    form = forms.SupervisionForm(request.POST or None, user=request.user, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            supervision = services.supervision_create(actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            forms.add_service_errors(form, exc)
        else:
            messages.success(request, _("The supervision was planned."))
            return redirect(supervision.get_absolute_url())
    return render(request, "oversight/supervision_form.html", {"form": form}, status=400 if form.errors else 200)


@login_required
def supervision_edit(request: HttpRequest, pk: int) -> HttpResponse:
    supervision = permissions.access_supervision(request.user, pk, for_write=True)
    initial = {
        "title": supervision.title,
        "form": supervision.form,
        "subjects": list(supervision.subjects.all()),
        "starts_on": supervision.starts_on,
        "ends_on": supervision.ends_on,
        "content": supervision.content,
        "programme_item": supervision.programme_item,
    }
    form = forms.SupervisionForm(
        request.POST or None, user=request.user, front_unit=supervision.front_unit, initial=initial
    )
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        subjects = data.pop("subjects")
        try:
            services.supervision_update(actor=request.user, supervision=supervision, subjects=subjects, **data)
        except ValidationError as exc:
            forms.add_service_errors(form, exc)
        else:
            messages.success(request, _("The supervision was saved."))
            return redirect(supervision.get_absolute_url())
    return render(
        request,
        "oversight/supervision_form.html",
        {"form": form, "supervision": supervision},
        status=400 if form.errors else 200,
    )


def _supervision_context(request: HttpRequest, supervision: Supervision, **bound: Any) -> dict[str, Any]:
    user = request.user
    front_side = permissions.is_front_side(user, supervision)
    can_run = access.can(user, supervision.front_unit, Role.OFFICER)
    on_team = supervision.team.filter(user_id=user.pk).exists()
    front = supervision.front_unit
    today = _today()
    recommendations = (
        supervision.recommendations.select_related("addressee", "escalation")
        if front_side
        # An agency sees only what is addressed to it.
        else permissions.recommendations_visible(user)
        .filter(supervision=supervision)
        .select_related("addressee", "escalation")
    )
    context = {
        "supervision": supervision,
        "front_side": front_side,
        # A team member from outside the Front sees the supervision but not the Front's programme page (404).
        "programme_visible": supervision.programme_item_id is not None
        and access.can(user, supervision.programme_item.programme.front_unit),
        "can_run": can_run,
        "can_record": can_run or on_team,
        "subjects": supervision.subjects.order_by("path"),
        "team": supervision.team.select_related("user", "unit") if front_side else [],
        "activities": supervision.activities.all() if front_side else [],
        "findings": supervision.findings.all() if front_side else [],
        "recommendations": recommendations,
        "history": selectors.supervision_history(supervision) if front_side else [],
        "latest_notice": supervision.starts_on - dt.timedelta(days=settings.PHOIHOP_SUPERVISION_NOTICE_DAYS),
        "team_form": forms.TeamMemberForm(front_unit=front),
        "activity_form": forms.ActivityForm(initial={"date": today}),
        "finding_form": forms.FindingForm(),
        "notice_form": forms.NoticeForm(initial={"on_date": today}),
        "conclude_form": forms.ConcludeForm(initial={"on_date": today, "conclusion": supervision.conclusion}),
        "recommendation_form": forms.RecommendationForm(front_unit=front),
        "today": today,
        **_basis(),
    }
    context.update(bound)
    return context


@login_required
def supervision_detail(request: HttpRequest, pk: int) -> HttpResponse:
    supervision = permissions.access_supervision(request.user, pk)
    return render(request, "oversight/supervision_detail.html", _supervision_context(request, supervision))


def _supervision_action(
    request: HttpRequest,
    pk: int,
    form_class: Any,
    context_name: str,
    call: Callable[[Supervision, dict[str, Any]], Any],
    done: str,
    *,
    team_may: bool = False,
) -> HttpResponse:
    """Run one step on a supervision from a posted form; on a refusal show the page with the errors."""
    supervision = permissions.access_supervision(request.user, pk)
    allowed = access.can(request.user, supervision.front_unit, Role.OFFICER) or (
        team_may and supervision.team.filter(user_id=request.user.pk).exists()
    )
    if not allowed:
        raise PermissionDenied
    kwargs = (
        {"front_unit": supervision.front_unit} if form_class in (forms.TeamMemberForm, forms.RecommendationForm) else {}
    )
    form = form_class(request.POST, request.FILES, **kwargs) if form_class else None
    if form is None or form.is_valid():
        try:
            call(supervision, form.cleaned_data if form else {})
        except ValidationError as exc:
            if form is None:
                messages.error(request, " ".join(exc.messages))
                return redirect(supervision.get_absolute_url())
            forms.add_service_errors(form, exc)
        else:
            messages.success(request, done)
            return redirect(supervision.get_absolute_url())
    context = _supervision_context(request, supervision, **{context_name: form})
    return render(request, "oversight/supervision_detail.html", context, status=400)


@login_required
@require_POST
def supervision_team_add(request: HttpRequest, pk: int) -> HttpResponse:
    def call(s: Supervision, d: dict[str, Any]) -> Any:
        return services.team_member_add(actor=request.user, supervision=s, **d)

    return _supervision_action(
        request, pk, forms.TeamMemberForm, "team_form", call, _("The person was added to the team.")
    )


@login_required
@require_POST
def supervision_activity_add(request: HttpRequest, pk: int) -> HttpResponse:
    def call(s: Supervision, d: dict[str, Any]) -> Any:
        return services.activity_add(actor=request.user, supervision=s, **d)

    return _supervision_action(
        request, pk, forms.ActivityForm, "activity_form", call, _("The activity was recorded."), team_may=True
    )


@login_required
@require_POST
def supervision_finding_add(request: HttpRequest, pk: int) -> HttpResponse:
    def call(s: Supervision, d: dict[str, Any]) -> Any:
        return services.finding_add(actor=request.user, supervision=s, **d)

    return _supervision_action(
        request, pk, forms.FindingForm, "finding_form", call, _("The finding was recorded."), team_may=True
    )


@login_required
@require_POST
def supervision_notify(request: HttpRequest, pk: int) -> HttpResponse:
    def call(s: Supervision, d: dict[str, Any]) -> Any:
        return services.supervision_notify(actor=request.user, supervision=s, **d)

    return _supervision_action(
        request, pk, forms.NoticeForm, "notice_form", call, _("The plan was sent to the supervised agencies.")
    )


@login_required
@require_POST
def supervision_start(request: HttpRequest, pk: int) -> HttpResponse:
    def call(s: Supervision, d: dict[str, Any]) -> Any:
        return services.supervision_start(actor=request.user, supervision=s)

    return _supervision_action(request, pk, None, "", call, _("The supervision is under way."))


@login_required
@require_POST
def supervision_conclude(request: HttpRequest, pk: int) -> HttpResponse:
    def call(s: Supervision, d: dict[str, Any]) -> Any:
        return services.supervision_conclude(actor=request.user, supervision=s, **d)

    return _supervision_action(
        request, pk, forms.ConcludeForm, "conclude_form", call, _("The supervision was concluded.")
    )


@login_required
@require_POST
def supervision_close(request: HttpRequest, pk: int) -> HttpResponse:
    def call(s: Supervision, d: dict[str, Any]) -> Any:
        return services.supervision_close(actor=request.user, supervision=s)

    return _supervision_action(request, pk, None, "", call, _("The supervision was closed."))


@login_required
@require_POST
def recommendation_create(request: HttpRequest, pk: int) -> HttpResponse:
    def call(s: Supervision, d: dict[str, Any]) -> Any:
        return services.recommendation_create(actor=request.user, supervision=s, **d)

    return _supervision_action(
        request, pk, forms.RecommendationForm, "recommendation_form", call, _("The recommendation was drafted.")
    )


@login_required
def supervision_document(request: HttpRequest, pk: int, kind: str) -> HttpResponse:
    """The plan, the decision or the conclusion report as DOCX (or PDF with ?format=pdf)."""
    supervision = permissions.access_supervision(request.user, pk)
    builder = documents.DOCUMENTS.get(kind)
    if builder is None:
        raise Http404
    # The agencies receive the plan, the decision and the conclusion; drafts stay with the Front.
    if not permissions.is_front_side(request.user, supervision) and (
        supervision.status == Supervision.Status.PLANNED
        or (
            kind == "conclusion" and supervision.status not in (Supervision.Status.CONCLUDED, Supervision.Status.CLOSED)
        )
    ):
        raise Http404
    return _document_response(request, builder(supervision))


def _document_response(request: HttpRequest, doc: Any) -> HttpResponse:
    return official_document_response(doc, "pdf" if request.GET.get("format") == "pdf" else "docx")


@login_required
def activity_file(request: HttpRequest, pk: int, activity_pk: int) -> HttpResponse:
    supervision = permissions.access_supervision(request.user, pk)
    if not permissions.is_front_side(request.user, supervision):
        raise Http404
    activity = supervision.activities.filter(pk=activity_pk).first()
    if activity is None:
        raise Http404
    return _download(activity.file)


# Recommendations ---------------------------------------------------------------------------------


def _recommendation_context(request: HttpRequest, recommendation: Recommendation, **bound: Any) -> dict[str, Any]:
    user = request.user
    today = _today()
    front = permissions.can_act_for_front(user, recommendation)
    context = {
        "recommendation": recommendation,
        "supervision": recommendation.supervision,
        "can_front": front,
        "can_answer": permissions.can_answer(user, recommendation),
        "history": selectors.history(recommendation),
        "follow_ups": recommendation.follow_ups.all(),
        "resupervisions": recommendation.resupervisions.all() if front else [],
        "escalation": getattr(recommendation, "escalation", None),
        "escalation_due": services.escalation_due(recommendation),
        "escalation_allowed": services.is_escalation_due(recommendation, today),
        "overdue": recommendation.status == Recommendation.Status.SENT
        and recommendation.deadline is not None
        and recommendation.deadline < today,
        "edit_form": forms.RecommendationForm(
            front_unit=recommendation.front_unit,
            initial={"addressee": recommendation.addressee, "text": recommendation.text},
        ),
        "send_form": forms.DateForm(initial={"on_date": today}),
        "answer_form": forms.AnswerForm(initial={"on_date": today}),
        "paper_form": forms.AnswerForm(initial={"on_date": today}, prefix="paper"),
        "assess_form": forms.AssessForm(),
        "follow_up_form": forms.FollowUpForm(),
        "resupervise_form": forms.ResuperviseForm(initial={"title": recommendation.supervision.title}),
        "withdraw_form": forms.ReasonForm(),
        "today": today,
        **_basis(),
    }
    context.update(bound)
    return context


@login_required
def recommendation_detail(request: HttpRequest, pk: int) -> HttpResponse:
    recommendation = permissions.access_recommendation(request.user, pk)
    return render(request, "oversight/recommendation_detail.html", _recommendation_context(request, recommendation))


def _recommendation_action(
    request: HttpRequest,
    pk: int,
    form: Any,
    context_name: str,
    call: Callable[[Recommendation, dict[str, Any]], Any],
    done: str,
    *,
    may: Callable[[Any, Recommendation], bool],
) -> HttpResponse:
    recommendation = permissions.access_recommendation(request.user, pk)
    if not may(request.user, recommendation):
        raise PermissionDenied
    bound = form(recommendation) if form else None
    if bound is None or bound.is_valid():
        try:
            call(recommendation, bound.cleaned_data if bound else {})
        except ValidationError as exc:
            if bound is None:
                messages.error(request, " ".join(exc.messages))
                return redirect(recommendation.get_absolute_url())
            forms.add_service_errors(bound, exc)
        else:
            messages.success(request, done)
            return redirect(recommendation.get_absolute_url())
    context = _recommendation_context(request, recommendation, **{context_name: bound})
    return render(request, "oversight/recommendation_detail.html", context, status=400)


def _front(user: Any, r: Recommendation) -> bool:
    return permissions.can_act_for_front(user, r)


@login_required
@require_POST
def recommendation_edit(request: HttpRequest, pk: int) -> HttpResponse:
    def call(r: Recommendation, d: dict[str, Any]) -> Any:
        return services.recommendation_update(actor=request.user, recommendation=r, **d)

    return _recommendation_action(
        request,
        pk,
        lambda r: forms.RecommendationForm(request.POST, front_unit=r.front_unit),
        "edit_form",
        call,
        _("The recommendation was saved."),
        may=_front,
    )


@login_required
@require_POST
def recommendation_send(request: HttpRequest, pk: int) -> HttpResponse:
    def call(r: Recommendation, d: dict[str, Any]) -> Any:
        return services.recommendation_send(actor=request.user, recommendation=r, **d)

    return _recommendation_action(
        request,
        pk,
        lambda r: forms.DateForm(request.POST),
        "send_form",
        call,
        _("The recommendation was sent."),
        may=_front,
    )


@login_required
@require_POST
def recommendation_answer(request: HttpRequest, pk: int) -> HttpResponse:
    def call(r: Recommendation, d: dict[str, Any]) -> Any:
        return services.recommendation_answer(actor=request.user, recommendation=r, **d)

    return _recommendation_action(
        request,
        pk,
        lambda r: forms.AnswerForm(request.POST, request.FILES),
        "answer_form",
        call,
        _("Your answer was sent to the Front committee."),
        may=permissions.can_answer,
    )


@login_required
@require_POST
def recommendation_paper_answer(request: HttpRequest, pk: int) -> HttpResponse:
    def call(r: Recommendation, d: dict[str, Any]) -> Any:
        return services.recommendation_answer(actor=request.user, recommendation=r, on_paper=True, **d)

    return _recommendation_action(
        request,
        pk,
        lambda r: forms.AnswerForm(request.POST, request.FILES, prefix="paper"),
        "paper_form",
        call,
        _("The paper answer was recorded."),
        may=_front,
    )


@login_required
@require_POST
def recommendation_assess(request: HttpRequest, pk: int) -> HttpResponse:
    def call(r: Recommendation, d: dict[str, Any]) -> Any:
        return services.recommendation_assess(actor=request.user, recommendation=r, **d)

    return _recommendation_action(
        request,
        pk,
        lambda r: forms.AssessForm(request.POST),
        "assess_form",
        call,
        _("The answer was assessed."),
        may=_front,
    )


@login_required
@require_POST
def recommendation_close(request: HttpRequest, pk: int) -> HttpResponse:
    def call(r: Recommendation, d: dict[str, Any]) -> Any:
        return services.recommendation_close(actor=request.user, recommendation=r)

    return _recommendation_action(request, pk, None, "", call, _("The recommendation was closed."), may=_front)


@login_required
@require_POST
def recommendation_withdraw(request: HttpRequest, pk: int) -> HttpResponse:
    def call(r: Recommendation, d: dict[str, Any]) -> Any:
        return services.recommendation_withdraw(actor=request.user, recommendation=r, **d)

    return _recommendation_action(
        request,
        pk,
        lambda r: forms.ReasonForm(request.POST),
        "withdraw_form",
        call,
        _("The recommendation was withdrawn."),
        may=_front,
    )


@login_required
@require_POST
def recommendation_follow_up(request: HttpRequest, pk: int) -> HttpResponse:
    def call(r: Recommendation, d: dict[str, Any]) -> Any:
        return services.follow_up_add(actor=request.user, recommendation=r, **d)

    return _recommendation_action(
        request,
        pk,
        lambda r: forms.FollowUpForm(request.POST),
        "follow_up_form",
        call,
        _("The follow-up action was recorded."),
        may=_front,
    )


@login_required
@require_POST
def recommendation_resupervise(request: HttpRequest, pk: int) -> HttpResponse:
    recommendation = permissions.access_recommendation(request.user, pk)
    if not _front(request.user, recommendation):
        raise PermissionDenied
    form = forms.ResuperviseForm(request.POST)
    if form.is_valid():
        try:
            supervision = services.recommendation_resupervise(
                actor=request.user, recommendation=recommendation, **form.cleaned_data
            )
        except ValidationError as exc:
            forms.add_service_errors(form, exc)
        else:
            messages.success(request, _("A re-supervision was planned."))
            return redirect(supervision.get_absolute_url())
    context = _recommendation_context(request, recommendation, resupervise_form=form)
    return render(request, "oversight/recommendation_detail.html", context, status=400)


@login_required
@require_POST
def recommendation_escalate(request: HttpRequest, pk: int) -> HttpResponse:
    def call(r: Recommendation, d: dict[str, Any]) -> Any:
        return services.recommendation_escalate(actor=request.user, recommendation=r)

    return _recommendation_action(
        request, pk, None, "", call, _("The recommendation was escalated to the Front committee above."), may=_front
    )


@login_required
def recommendation_answer_file(request: HttpRequest, pk: int) -> HttpResponse:
    return _download(permissions.access_recommendation(request.user, pk).answer_file)


@login_required
def recommendation_letter(request: HttpRequest, pk: int) -> HttpResponse:
    recommendation = permissions.access_recommendation(request.user, pk)
    if not hasattr(recommendation, "escalation"):
        raise Http404
    return _document_response(request, documents.escalation_document(recommendation))
