"""The inbox at /notifications/ and the person's e-mail preferences."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from phoihop.core.htmx import redirect_after_change
from phoihop.notify import selectors, services
from phoihop.notify.forms import InboxFilterForm, PreferenceForm
from phoihop.notify.models import Kind
from phoihop.notify.permissions import access_notification

PAGE_SIZE = 25


@login_required
@require_GET
def inbox(request: HttpRequest) -> HttpResponse:
    form = InboxFilterForm(request.GET or None)
    unread, kind = False, ""
    if form.is_valid():
        unread, kind = form.cleaned_data["unread"], form.cleaned_data["kind"]
    notifications = selectors.inbox(user=request.user, unread=unread, kind=kind)
    page = Paginator(notifications, PAGE_SIZE).get_page(request.GET.get("page"))
    kinds = dict(Kind.choices)
    return render(
        request,
        "notify/inbox.html",
        {"form": form, "page": page, "rows": [(n, kinds.get(n.kind, n.kind)) for n in page], "kind": kind},
    )


@login_required
@require_GET
def notification_open(request: HttpRequest, pk: int) -> HttpResponse:
    """Mark the notification read and go to what it is about.

    A GET that marks read, as mail programs do when a message is opened: the link must work from
    an e-mail and open in a new tab; the only effect is on the reader's own notification.
    """
    notification = access_notification(request.user, pk)
    services.notification_mark_read(notification=notification, actor=request.user)
    url = notification.url
    if url and url_has_allowed_host_and_scheme(url, allowed_hosts={request.get_host()}):
        return redirect(url)
    return redirect("notify:inbox")


@login_required
@require_POST
def notification_read(request: HttpRequest, pk: int) -> HttpResponse:
    notification = access_notification(request.user, pk)
    services.notification_mark_read(notification=notification, actor=request.user)
    return redirect_after_change(request, _back(request))


@login_required
@require_POST
def read_all(request: HttpRequest) -> HttpResponse:
    kind = request.POST.get("kind", "")
    count = services.notifications_mark_all_read(actor=request.user, kind=kind if kind in Kind.values else "")
    if count:
        messages.success(request, _("All your notifications are marked as read."))
    return redirect_after_change(request, _back(request))


def _back(request: HttpRequest) -> str:
    back = request.POST.get("next", "")
    if back and url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}):
        return back
    return reverse("notify:inbox")


@login_required
@require_http_methods(["GET", "POST"])
def preferences(request: HttpRequest) -> HttpResponse:
    current = services.preference_get(user=request.user)
    initial = {"email_mode": current.email_mode, "muted_kinds": current.muted_kinds}
    form = PreferenceForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.preference_update(actor=request.user, user=request.user, **form.cleaned_data)
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("Your notification settings are saved."))
            return redirect_after_change(request, reverse("notify:preferences"))
    return render(
        request,
        "notify/preferences.html",
        {"form": form, "has_email": bool(request.user.email), "digest_hour": settings.PHOIHOP_DIGEST_HOUR},
    )
