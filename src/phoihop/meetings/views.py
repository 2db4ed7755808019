"""Screens of joint meetings and calendar feeds, mounted at /meetings/.

Every view reaches its record through meetings.permissions and changes state only through
meetings.services, the functions the API calls. The feed address (/meetings/feeds/<token>.ics)
is the one page without a login: its secret token is the credential.
"""

from __future__ import annotations

import os
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from phoihop.agreements.forms import unit_suggestions
from phoihop.core.htmx import redirect_after_change, render_page_or_fragment
from phoihop.meetings import feeds, invitations, permissions, selectors, services
from phoihop.meetings.forms import (
    ConclusionForm,
    FeedForm,
    FileForm,
    InviteForm,
    MeetingFilterForm,
    MeetingForm,
    MinutesForm,
    ReasonForm,
    ResponseForm,
    add_service_errors,
)
from phoihop.meetings.models import Conclusion, Meeting
from phoihop.orgs import access
from phoihop.orgs.models import Unit
from phoihop.tasks.permissions import plans_visible

PAGE_SIZE = 25


def _suggestions(user: Any) -> Any:
    # Codes of the bodies of the person's own province first (a commune officer types 07090-MTTQ).
    own = Unit.objects.filter(pk__in=[r.unit_id for r in access.reaches(user)]).values_list("province_code", flat=True)
    return unit_suggestions(next(iter(own), ""))


def _plans(user: Any) -> Any:
    return plans_visible(user).exclude(status="closed").order_by("-year", "title")


# --- Meetings -----------------------------------------------------------------------------------


@login_required
@require_GET
def meeting_list(request: HttpRequest) -> HttpResponse:
    hosts = access.units_visible(request.user).exclude(kind__in=Unit.TERRITORY_KINDS).order_by("path")
    form = MeetingFilterForm(request.GET or None, hosts=hosts)
    data = form.cleaned_data if form.is_valid() else {}
    meetings = selectors.meeting_list(
        user=request.user, when=data.get("when") or "", host=data.get("host"), q=data.get("q") or ""
    )
    page = Paginator(meetings, PAGE_SIZE).get_page(request.GET.get("page"))
    return render_page_or_fragment(
        request,
        "meetings/meeting_list.html",
        "meetings/partials/_meeting_rows.html",
        {"form": form, "page": page, "can_create": permissions.host_units(request.user).exists()},
    )


@login_required
def meeting_create(request: HttpRequest) -> HttpResponse:
    hosts = permissions.host_units(request.user)
    if not hosts.exists():
        raise PermissionDenied
    form = MeetingForm(request.POST or None, hosts=hosts, plans=_plans(request.user))
    if request.method == "POST" and form.is_valid():
        try:
            meeting = services.meeting_create(actor=request.user, **form.service_fields())
        except ValidationError as exc:
            add_service_errors(form, exc, {"starts_at": "start_time", "ends_at": "end_time"})
        else:
            messages.success(request, _("The meeting was scheduled and the invitations were sent."))
            return redirect_after_change(request, meeting.get_absolute_url())
    status = 400 if request.method == "POST" else 200
    return render(
        request,
        "meetings/meeting_form.html",
        {"form": form, "meeting": None, "suggestions": _suggestions(request.user)},
        status=status,
    )


@login_required
def meeting_edit(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = permissions.access_meeting(request.user, pk, action="edit")
    form = MeetingForm(
        request.POST or None,
        initial=MeetingForm.initial_for(meeting),
        hosts=permissions.host_units(request.user),
        plans=_plans(request.user),
        editing=True,
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.meeting_update(actor=request.user, meeting=meeting, **form.service_fields())
        except ValidationError as exc:
            add_service_errors(form, exc, {"starts_at": "start_time", "ends_at": "end_time"})
        else:
            messages.success(request, _("The meeting was saved; the invitees were sent any change of time or place."))
            return redirect_after_change(request, meeting.get_absolute_url())
    status = 400 if request.method == "POST" else 200
    return render(
        request,
        "meetings/meeting_form.html",
        {"form": form, "meeting": meeting, "suggestions": _suggestions(request.user)},
        status=status,
    )


def _detail(request: HttpRequest, meeting: Meeting, status: int = 200, **forms: Any) -> HttpResponse:
    can_edit = permissions.can_change_meeting(request.user, meeting)
    invitation = selectors.invitation_of(meeting, request.user)
    context = {
        "meeting": meeting,
        "can_edit": can_edit,
        "invitation": invitation,
        # An invitee from a commune may not open the province's unit page: name the host without a dead link.
        "host_visible": access.can(request.user, meeting.host_unit),
        **selectors.meeting_detail(meeting),
        "respond_form": forms.get("respond_form")
        or ResponseForm(initial={"response": invitation.response} if invitation else None),
    }
    if can_edit:
        context.update(
            invite_form=forms.get("invite_form") or InviteForm(),
            minutes_form=forms.get("minutes_form") or MinutesForm(initial={"minutes": meeting.minutes}),
            file_form=forms.get("file_form") or FileForm(),
            conclusion_form=forms.get("conclusion_form") or ConclusionForm(),
            cancel_form=forms.get("cancel_form") or ReasonForm(),
            suggestions=_suggestions(request.user),
        )
    return render(request, "meetings/meeting_detail.html", context, status=status)


@login_required
@require_GET
def meeting_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _detail(request, permissions.access_meeting(request.user, pk))


@login_required
@require_GET
def meeting_ics(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = permissions.access_meeting(request.user, pk)
    response = HttpResponse(
        invitations.meeting_calendar(meeting, method=invitations.PUBLISH), content_type="text/calendar; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="meeting-{meeting.pk}.ics"'
    return response


def _act(request: HttpRequest, meeting: Meeting, form: Any, form_name: str, call: Any, done: str) -> HttpResponse:
    """Run one service from a form on the meeting page; errors go back beside the form's fields."""
    if form.is_valid():
        try:
            call(form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, done)
            return redirect_after_change(request, meeting.get_absolute_url())
    return _detail(request, meeting, status=400, **{form_name: form})


@login_required
@require_POST
def meeting_invite(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = permissions.access_meeting(request.user, pk, action="edit")
    return _act(
        request,
        meeting,
        InviteForm(request.POST),
        "invite_form",
        lambda data: services.meeting_invite(actor=request.user, meeting=meeting, **data),
        _("The invitations were sent."),
    )


@login_required
@require_POST
def meeting_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = permissions.access_meeting(request.user, pk, action="edit")
    return _act(
        request,
        meeting,
        ReasonForm(request.POST),
        "cancel_form",
        lambda data: services.meeting_cancel(actor=request.user, meeting=meeting, reason=data["reason"]),
        _("The meeting was cancelled and the invitees were told."),
    )


@login_required
@require_POST
def meeting_minutes(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = permissions.access_meeting(request.user, pk, action="edit")
    return _act(
        request,
        meeting,
        MinutesForm(request.POST),
        "minutes_form",
        lambda data: services.meeting_record_minutes(actor=request.user, meeting=meeting, **data),
        _("The minutes were saved."),
    )


@login_required
@require_POST
def meeting_respond(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = permissions.access_meeting(request.user, pk)
    return _act(
        request,
        meeting,
        ResponseForm(request.POST),
        "respond_form",
        lambda data: services.invitation_respond(actor=request.user, meeting=meeting, **data),
        _("Your answer was recorded."),
    )


@login_required
@require_POST
def file_add(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = permissions.access_meeting(request.user, pk, action="edit")
    return _act(
        request,
        meeting,
        FileForm(request.POST, request.FILES),
        "file_form",
        lambda data: services.meeting_file_add(actor=request.user, meeting=meeting, **data),
        _("The file was attached."),
    )


@login_required
@require_GET
def file_download(request: HttpRequest, pk: int, file_pk: int) -> FileResponse:
    meeting = permissions.access_meeting(request.user, pk)
    attached = meeting.files.filter(pk=file_pk).first()
    if attached is None:
        raise Http404
    # Files are never linked by their /media/ address: that would bypass the access rules.
    return FileResponse(attached.file.open("rb"), as_attachment=True, filename=os.path.basename(attached.file.name))


@login_required
@require_POST
def conclusion_add(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = permissions.access_meeting(request.user, pk, action="edit")
    return _act(
        request,
        meeting,
        ConclusionForm(request.POST),
        "conclusion_form",
        lambda data: services.conclusion_add(actor=request.user, meeting=meeting, **data),
        _("The conclusion was added."),
    )


def _conclusion(request: HttpRequest, pk: int) -> Conclusion:
    conclusion = Conclusion.objects.filter(pk=pk).only("meeting_id").first()
    if conclusion is None:
        raise Http404
    meeting = permissions.access_meeting(request.user, conclusion.meeting_id, action="edit")
    conclusion = meeting.conclusions.select_related("lead_unit", "task").get(pk=pk)
    conclusion.meeting = meeting
    return conclusion


@login_required
@require_POST
def conclusion_to_task(request: HttpRequest, pk: int) -> HttpResponse:
    conclusion = _conclusion(request, pk)
    had_task = conclusion.task_id is not None
    try:
        task = services.conclusion_to_task(actor=request.user, conclusion=conclusion)
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
        return redirect_after_change(request, conclusion.meeting.get_absolute_url())
    if had_task:
        messages.info(request, _("This conclusion already became a task; here it is."))
    else:
        messages.success(request, _("The task was made and its lead unit was told."))
    return redirect_after_change(request, task.get_absolute_url())


@login_required
@require_POST
def conclusion_remove(request: HttpRequest, pk: int) -> HttpResponse:
    conclusion = _conclusion(request, pk)
    try:
        services.conclusion_remove(actor=request.user, conclusion=conclusion)
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    else:
        messages.success(request, _("The conclusion was removed."))
    return redirect_after_change(request, conclusion.meeting.get_absolute_url())


# --- Calendar feeds -----------------------------------------------------------------------------


@login_required
def feed_list(request: HttpRequest) -> HttpResponse:
    form = FeedForm(request.POST or None, units=permissions.member_units(request.user))
    new_address = ""
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                _feed, token = services.feed_create(actor=request.user, **form.cleaned_data)
            except ValidationError as exc:
                add_service_errors(form, exc)
                status = 400
            else:
                # The token is shown this once: only its hash is kept.
                new_address = request.build_absolute_uri(reverse("meetings:feed-ics", args=[token]))
                messages.success(request, _("The feed was made. Copy its address now: it will not be shown again."))
                form = FeedForm(units=permissions.member_units(request.user))
        else:
            status = 400
    return render(
        request,
        "meetings/feed_list.html",
        {"form": form, "feeds": selectors.feeds_of(request.user), "new_address": new_address},
        status=status,
    )


@login_required
@require_POST
def feed_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    feed = permissions.access_feed(request.user, pk)
    services.feed_revoke(actor=request.user, feed=feed)
    messages.success(request, _("The feed was revoked; its address no longer works."))
    return redirect_after_change(request, reverse("meetings:feed-list"))


@require_GET
def feed_ics(request: HttpRequest, token: str) -> HttpResponse:
    feed = services.feed_by_token(token)
    if feed is None:
        raise Http404
    services.feed_touch(feed)
    response = HttpResponse(feeds.feed_calendar(feed), content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = 'inline; filename="phoihop.ics"'
    # The address is a secret: keep it and its answer out of shared caches and referrers.
    response["Cache-Control"] = "private, max-age=300"
    response["Referrer-Policy"] = "no-referrer"
    return response
