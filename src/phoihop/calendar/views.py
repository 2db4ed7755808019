from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from phoihop.calendar import selectors, services, workdays
from phoihop.calendar.forms import AnnouncementForm, YearForm
from phoihop.calendar.permissions import access_announcement, require_calendar_admin
from phoihop.core.htmx import redirect_after_change, render_page_or_fragment


def _list_url(year: int) -> str:
    return f"{reverse('calendar:announcement-list')}?year={year}"


@login_required
def announcement_list(request: HttpRequest) -> HttpResponse:
    require_calendar_admin(request.user)
    form = YearForm(request.GET or None)
    year = (form.cleaned_data["year"] if form.is_valid() else None) or timezone.localdate().year
    page = Paginator(selectors.announcement_list(year=year), 50).get_page(request.GET.get("page"))
    return render_page_or_fragment(
        request,
        "calendar/announcement_list.html",
        "calendar/partials/_announcement_rows.html",
        {
            "form": form,
            "year": year,
            "page": page,
            # What the calendar says with the announcements applied, so an administrator sees
            # what the holidays package already knows before adding anything.
            "days_off": workdays.days_off(year),
            "makeup_days": workdays.makeup_days(year),
            "previous_year": year - 1 if year > workdays.FIRST_YEAR else None,
            "next_year": year + 1 if year < workdays.LAST_YEAR else None,
        },
    )


@login_required
def announcement_create(request: HttpRequest) -> HttpResponse:
    require_calendar_admin(request.user)
    form = AnnouncementForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            announcement = services.announcement_create(actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("The announcement was saved."))
            return redirect_after_change(request, _list_url(announcement.date.year))
    status = 400 if request.method == "POST" else 200
    return render(request, "calendar/announcement_form.html", {"form": form}, status=status)


@login_required
def announcement_delete(request: HttpRequest, pk: int) -> HttpResponse:
    announcement = access_announcement(request.user, pk)
    if request.method == "POST":
        year = announcement.date.year
        services.announcement_delete(actor=request.user, announcement=announcement)
        messages.success(request, _("The announcement was deleted."))
        return redirect_after_change(request, _list_url(year))
    return render(request, "calendar/announcement_confirm_delete.html", {"announcement": announcement})
