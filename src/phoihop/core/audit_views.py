from __future__ import annotations

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext_lazy as _

from phoihop.core.htmx import render_page_or_fragment
from phoihop.core.models import AuditEvent
from phoihop.core.scope import scoped


class AuditFilterForm(forms.Form):
    person = forms.CharField(label=_("Person (username)"), required=False)
    unit = forms.CharField(label=_("Unit code"), required=False)
    record = forms.CharField(label=_("Record (type:id, e.g. orgs.unit:12)"), required=False)
    verb = forms.CharField(label=_("Action"), required=False)
    date_from = forms.DateField(label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    date_to = forms.DateField(label=_("To"), required=False, widget=forms.DateInput(attrs={"type": "date"}))

    def clean_record(self) -> str:
        value = self.cleaned_data["record"].strip()
        if value and ":" not in value:
            raise forms.ValidationError(_("Write the record as type:id, for example orgs.unit:12."))
        return value


def audit_events_for(user, min_role) -> QuerySet[AuditEvent]:
    """Events about units the person leads or administers; system admins see all, incl. logins."""
    return scoped(AuditEvent.objects.all(), user, via="unit", min_role=min_role)


def _filter(events: QuerySet[AuditEvent], data: dict) -> QuerySet[AuditEvent]:
    if data.get("person"):
        events = events.filter(actor_label__iexact=data["person"].strip())
    if data.get("unit"):
        events = events.filter(unit__code=data["unit"].strip())
    if data.get("record"):
        target_type, _sep, target_id = data["record"].partition(":")
        events = events.filter(target_type=target_type.strip().lower(), target_id=target_id.strip())
    if data.get("verb"):
        events = events.filter(verb__startswith=data["verb"].strip())
    if data.get("date_from"):
        events = events.filter(at__date__gte=data["date_from"])
    if data.get("date_to"):
        events = events.filter(at__date__lte=data["date_to"])
    return events


@login_required
def audit_list(request: HttpRequest) -> HttpResponse:
    from phoihop.orgs.access import can_read_audit
    from phoihop.orgs.models import Role

    if not can_read_audit(request.user):
        raise PermissionDenied
    form = AuditFilterForm(request.GET or None)
    events = audit_events_for(request.user, Role.LEADER)
    if form.is_valid():
        events = _filter(events, form.cleaned_data)
    page = Paginator(events.select_related("unit").order_by("-id"), 50).get_page(request.GET.get("page"))
    return render_page_or_fragment(
        request, "core/audit_list.html", "core/partials/_audit_rows.html", {"form": form, "page": page}
    )
