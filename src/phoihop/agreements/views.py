"""Screens of the coordination agreements: registry, agreement page with its obligations on a
timeline, occurrences with evidence, each unit's duties, "my duties this month", the coverage
matrix, the calendar of sessions and meetings, and the list of content areas.

Every view reaches its record through `agreements.permissions` (or `orgs.access`) and changes
state only through `agreements.services`, the same functions the API calls.
"""

from __future__ import annotations

import datetime as dt
import mimetypes
import os
import re
from collections import defaultdict
from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.db.models.fields.files import FieldFile
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from phoihop.agreements import permissions, selectors, services
from phoihop.agreements.forms import (
    AgreementFileForm,
    AgreementFilterForm,
    AgreementForm,
    AgreementStatusForm,
    AmendmentForm,
    AreaForm,
    CompleteForm,
    CoverageForm,
    EventFilterForm,
    EventForm,
    EvidenceForm,
    MonthForm,
    ObligationForm,
    PartyForm,
    PartyFormSet,
    ReasonForm,
    acting_units,
    add_service_errors,
    describe_deadline,
    describe_schedule,
    unit_suggestions,
)
from phoihop.agreements.models import Agreement, Area, Evidence, Obligation, Occurrence
from phoihop.core.htmx import is_htmx, redirect_after_change, render_page_or_fragment
from phoihop.orgs import access
from phoihop.orgs.models import Unit

PAGE_SIZE = 25
# The order in which duties are grouped and shown: what needs action first.
STATUS_ORDER = ["overdue", "due_soon", "upcoming", "done_late", "done_on_time", "waived"]
STATUS_LEGEND = [
    ("done_on_time", gettext_lazy("Done on time")),
    ("done_late", gettext_lazy("Done late")),
    ("overdue", gettext_lazy("Overdue")),
    ("due_soon", gettext_lazy("Due soon")),
    ("upcoming", gettext_lazy("Upcoming")),
    ("waived", gettext_lazy("Waived")),
]


# Helpers --------------------------------------------------------------------------------------------


def _form_status(request: HttpRequest) -> int:
    # A refused form answers 400, except to htmx, which swaps only 2xx answers by default.
    if request.method != "POST":
        return 200
    return 200 if is_htmx(request) else 400


def _ordered(queryset: QuerySet, *fields: str) -> QuerySet:
    # The paginator needs a stable order; keep the selector's own when it has one.
    return queryset if queryset.ordered else queryset.order_by(*fields)


def _page(request: HttpRequest, queryset: QuerySet, param: str = "page") -> Any:
    return Paginator(queryset, PAGE_SIZE).get_page(request.GET.get(param))


def _query_without(request: HttpRequest, param: str) -> str:
    """The current query string without `param`, ready for "&param=n" (empty or ending in "&")."""
    query = request.GET.copy()
    query.pop(param, None)
    encoded = query.urlencode()
    return f"{encoded}&" if encoded else ""


def _today() -> dt.date:
    return timezone.localdate()


def _download(field: FieldFile) -> FileResponse:
    """Send an uploaded file as an attachment, after the caller checked access to its record.

    Files are never linked by their /media/ address: that would bypass the access rules.
    """
    if not field:
        raise Http404
    try:
        handle = field.open("rb")
    except FileNotFoundError as exc:
        raise Http404 from exc
    name = os.path.basename(field.name)
    content_type = mimetypes.guess_type(name)[0] or "application/octet-stream"
    return FileResponse(handle, as_attachment=True, filename=name, content_type=content_type)


def _province_of(user: Any) -> str:
    for reach in access.reaches(user):
        unit = Unit.objects.filter(pk=reach.unit_id).only("province_code").first()
        if unit is not None and unit.province_code:
            return unit.province_code
    return ""


def _agreement_form_context(request: HttpRequest, **context: Any) -> dict[str, Any]:
    context.setdefault("suggestions", unit_suggestions(_province_of(request.user)))
    return context


def _linkable(user: Any, units: Any) -> list[Unit]:
    """Mark the units whose duties page the person may open, so no link leads to a 404."""
    listed = list(units)
    for unit in listed:
        unit.linked = access.can(user, unit)
    return listed


def _describe(obligation: Obligation, timeline: list[Occurrence], today: dt.date) -> None:
    """Attach what the duty's card shows: its dates, the next one, its rules in words."""
    obligation.timeline = timeline
    upcoming = [o for o in timeline if o.due_on >= today]
    obligation.next_pk = upcoming[0].pk if upcoming else None
    obligation.schedule_text = describe_schedule(obligation)
    obligation.deadline_text = describe_deadline(obligation)


# Agreements -----------------------------------------------------------------------------------------


@login_required
def agreement_list(request: HttpRequest) -> HttpResponse:
    form = AgreementFilterForm(request.GET or None)
    agreements = selectors.agreement_list(user=request.user, **form.selector_kwargs())
    page = _page(request, _ordered(agreements, "-effective_from", "number", "pk"))
    return render_page_or_fragment(
        request,
        "agreements/agreement_list.html",
        "agreements/partials/_agreement_rows.html",
        {
            "form": form,
            "page": page,
            "can_register": acting_units(request.user).exists(),
            "suggestions": unit_suggestions(_province_of(request.user)),
            "filtered": form.is_bound
            and (bool(form.errors) or any(request.GET.get(k) for k in form.fields if k != "q")),
            # The on-time rate shows only when the selector computed it with the list (no query per row).
            "show_rates": bool(page.object_list) and hasattr(page.object_list[0], "on_time_rate"),
        },
    )


@login_required
def agreement_create(request: HttpRequest) -> HttpResponse:
    owners = acting_units(request.user)
    if not owners.exists():
        raise PermissionDenied
    data = request.POST if request.method == "POST" else None
    form = AgreementForm(data, owner_units=owners, parents=permissions.agreements_visible(request.user))
    parties = PartyFormSet(data, prefix="parties")
    if request.method == "POST":
        # Both are checked so every error shows at once.
        valid = form.is_valid() & parties.is_valid()
        if valid:
            try:
                agreement = services.agreement_register(
                    actor=request.user, parties=parties.parties(), **form.service_fields()
                )
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(request, _("The agreement was registered."))
                return redirect_after_change(request, agreement.get_absolute_url())
    return render(
        request,
        "agreements/agreement_form.html",
        _agreement_form_context(request, form=form, parties=parties, agreement=None),
        status=_form_status(request),
    )


@login_required
def agreement_edit(request: HttpRequest, pk: int) -> HttpResponse:
    agreement = permissions.access_agreement(request.user, pk, for_write=True)
    form = AgreementForm(
        request.POST if request.method == "POST" else None,
        instance=agreement,
        parents=permissions.agreements_visible(request.user),
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.agreement_update(actor=request.user, agreement=agreement, **form.service_fields())
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("The agreement was saved."))
            return redirect_after_change(request, agreement.get_absolute_url())
    return render(
        request,
        "agreements/agreement_form.html",
        {"form": form, "agreement": agreement},
        status=_form_status(request),
    )


@login_required
def agreement_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    agreement = permissions.access_agreement(user, pk)
    today = _today()
    # Article order as people read it: Điều 5 before Điều 10 (the database sorts the text).
    obligations = sorted(
        agreement.obligations.select_related("area").prefetch_related("owing_units", "receiving_units"),
        key=lambda o: ([int(n) for n in re.findall(r"\d+", o.article_ref)], o.article_ref, o.pk),
    )
    # One query for every occurrence of the agreement, grouped here: no query per obligation.
    by_obligation: dict[int, list[Occurrence]] = defaultdict(list)
    for occurrence in selectors.occurrence_list(user=user, agreement=agreement, today=today):
        by_obligation[occurrence.obligation_id].append(occurrence)
    for obligation in obligations:
        _describe(obligation, by_obligation.get(obligation.pk, []), today)
    parties = list(agreement.parties.select_related("unit", "focal_unit").order_by("unit__path"))
    for party in parties:
        # Link a party to its duties page only when the person may open it (no query: memberships are cached).
        party.linked = access.can(user, party.unit)
    files = list(agreement.files.order_by("created_at"))
    for attached in files:
        attached.label = attached.title or os.path.basename(attached.file.name)
    visible = permissions.agreements_visible(user)
    return render(
        request,
        "agreements/agreement_detail.html",
        {
            "agreement": agreement,
            "parties": parties,
            "areas": agreement.areas.all(),
            "files": files,
            "amendments": agreement.amendments.all(),
            "parent": visible.filter(pk=agreement.parent_id).first() if agreement.parent_id else None,
            "replaced_by": visible.filter(pk=agreement.replaced_by_id).first() if agreement.replaced_by_id else None,
            "children": visible.filter(parent=agreement).order_by("effective_from", "number"),
            "compliance": selectors.compliance_by_party(user=user, agreement=agreement, today=today),
            "total": selectors.compliance(user=user, agreement=agreement, today=today),
            "obligations": obligations,
            "can_edit": permissions.can_change_agreement(user, agreement),
            "legend": STATUS_LEGEND,
        },
    )


@login_required
def agreement_status(request: HttpRequest, pk: int) -> HttpResponse:
    agreement = permissions.access_agreement(request.user, pk, for_write=True)
    form = AgreementStatusForm(
        request.POST if request.method == "POST" else None,
        agreement=agreement,
        candidates=permissions.agreements_visible(request.user),
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.agreement_set_status(actor=request.user, agreement=agreement, **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("The status was changed."))
            return redirect_after_change(request, agreement.get_absolute_url())
    return render(
        request,
        "agreements/agreement_status.html",
        {"form": form, "agreement": agreement},
        status=_form_status(request),
    )


@login_required
def agreement_delete(request: HttpRequest, pk: int) -> HttpResponse:
    agreement = permissions.access_agreement(request.user, pk, for_write=True)
    refusal: list[str] = []
    if request.method == "POST":
        try:
            services.agreement_delete(actor=request.user, agreement=agreement)
        except ValidationError as exc:
            # Refused once occurrences are done: it can be marked expired or replaced instead.
            refusal = exc.messages
        else:
            messages.success(request, _("The agreement was deleted."))
            return redirect_after_change(request, reverse("agreements:agreement-list"))
    return render(
        request,
        "agreements/agreement_confirm_delete.html",
        {"agreement": agreement, "refusal": refusal},
        status=400 if refusal else 200,
    )


@login_required
def party_add(request: HttpRequest, pk: int) -> HttpResponse:
    agreement = permissions.access_agreement(request.user, pk, for_write=True)
    form = PartyForm(request.POST if request.method == "POST" else None, unit_required=True)
    if request.method == "POST" and form.is_valid():
        unit, role, focal_unit = form.as_party()  # type: ignore[misc]  # unit is required here
        try:
            services.party_add(actor=request.user, agreement=agreement, unit=unit, role=role, focal_unit=focal_unit)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("The party was added."))
            return redirect_after_change(request, agreement.get_absolute_url())
    return render(
        request,
        "agreements/party_form.html",
        _agreement_form_context(request, form=form, agreement=agreement),
        status=_form_status(request),
    )


@login_required
@require_POST
def party_remove(request: HttpRequest, pk: int, party_pk: int) -> HttpResponse:
    agreement = permissions.access_agreement(request.user, pk, for_write=True)
    party = get_object_or_404(agreement.parties.select_related("unit"), pk=party_pk)
    try:
        services.party_remove(actor=request.user, party=party)
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    else:
        messages.success(request, _("%(unit)s is no longer a party.") % {"unit": party.unit.name})
    return redirect_after_change(request, agreement.get_absolute_url())


@login_required
def file_add(request: HttpRequest, pk: int) -> HttpResponse:
    agreement = permissions.access_agreement(request.user, pk, for_write=True)
    form = AgreementFileForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.agreement_file_add(actor=request.user, agreement=agreement, **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("The file was uploaded."))
            return redirect_after_change(request, agreement.get_absolute_url())
    return render(
        request,
        "agreements/file_form.html",
        {"form": form, "agreement": agreement},
        status=_form_status(request),
    )


@login_required
def file_download(request: HttpRequest, pk: int, file_pk: int) -> FileResponse:
    agreement = permissions.access_agreement(request.user, pk)
    return _download(get_object_or_404(agreement.files, pk=file_pk).file)


@login_required
def amendment_add(request: HttpRequest, pk: int) -> HttpResponse:
    agreement = permissions.access_agreement(request.user, pk, for_write=True)
    form = AmendmentForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.amendment_add(actor=request.user, agreement=agreement, **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("The amendment was recorded."))
            return redirect_after_change(request, agreement.get_absolute_url())
    return render(
        request,
        "agreements/amendment_form.html",
        {"form": form, "agreement": agreement},
        status=_form_status(request),
    )


@login_required
def amendment_download(request: HttpRequest, pk: int, amendment_pk: int) -> FileResponse:
    agreement = permissions.access_agreement(request.user, pk)
    return _download(get_object_or_404(agreement.amendments, pk=amendment_pk).file)


# Obligations ----------------------------------------------------------------------------------------


def _duty_units(agreement: Agreement) -> QuerySet[Unit]:
    """The units a duty can be owed by or to: the parties and their focal units."""
    ids = set()
    for unit_id, focal_id in agreement.parties.values_list("unit_id", "focal_unit_id"):
        ids.add(unit_id)
        if focal_id:
            ids.add(focal_id)
    return Unit.objects.filter(pk__in=ids).order_by("path")


@login_required
def obligation_create(request: HttpRequest, pk: int) -> HttpResponse:
    agreement = permissions.access_agreement(request.user, pk, for_write=True)
    form = ObligationForm(request.POST if request.method == "POST" else None, units=_duty_units(agreement))
    if request.method == "POST" and form.is_valid():
        try:
            obligation = services.obligation_create(actor=request.user, agreement=agreement, **form.service_fields())
        except ValidationError as exc:
            add_service_errors(form, exc, form.error_fields())
        else:
            messages.success(request, _("The duty was added and its dates were worked out."))
            return redirect_after_change(request, obligation.get_absolute_url())
    return render(
        request,
        "agreements/obligation_form.html",
        {"form": form, "agreement": agreement, "obligation": None},
        status=_form_status(request),
    )


@login_required
def obligation_edit(request: HttpRequest, pk: int) -> HttpResponse:
    obligation = permissions.access_obligation(request.user, pk, for_write=True)
    agreement = obligation.agreement
    form = ObligationForm(
        request.POST if request.method == "POST" else None, units=_duty_units(agreement), obligation=obligation
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.obligation_update(actor=request.user, obligation=obligation, **form.service_fields())
        except ValidationError as exc:
            add_service_errors(form, exc, form.error_fields())
        else:
            messages.success(request, _("The duty was saved. Dates nobody has acted on yet were worked out again."))
            return redirect_after_change(request, obligation.get_absolute_url())
    return render(
        request,
        "agreements/obligation_form.html",
        {"form": form, "agreement": agreement, "obligation": obligation},
        status=_form_status(request),
    )


@login_required
def obligation_detail(request: HttpRequest, pk: int) -> HttpResponse:
    obligation = permissions.access_obligation(request.user, pk)
    today = _today()
    occurrences = list(
        selectors.occurrence_list(user=request.user, obligation=obligation, today=today).select_related("event")
    )
    _describe(obligation, occurrences, today)
    kinds = dict(Evidence.Kind.choices)
    return render(
        request,
        "agreements/obligation_detail.html",
        {
            "obligation": obligation,
            "agreement": obligation.agreement,
            "owing": _linkable(request.user, obligation.owing_units.all()),
            "receiving": _linkable(request.user, obligation.receiving_units.all()),
            # The timeline shows every date; the table below pages through the same list.
            "occurrences": occurrences,
            "next_pk": obligation.next_pk,
            "page": Paginator(occurrences, PAGE_SIZE).get_page(request.GET.get("page")),
            "schedule_text": obligation.schedule_text,
            "deadline_text": obligation.deadline_text,
            "evidence_kinds": [kinds.get(k, k) for k in obligation.evidence_kinds or []],
            "can_edit": permissions.can_change_agreement(request.user, obligation.agreement),
            "legend": STATUS_LEGEND,
        },
    )


# Occurrences ----------------------------------------------------------------------------------------


def _occurrence_context(
    request: HttpRequest, occurrence: Occurrence, forms: dict[str, Any] | None = None
) -> dict[str, Any]:
    user = request.user
    obligation = occurrence.obligation
    forms = forms or {}
    evidence = list(occurrence.evidence.select_related("added_by").order_by("created_at"))
    for item in evidence:
        item.filename = os.path.basename(item.file.name) if item.file else ""
    return {
        "occurrence": occurrence,
        "obligation": obligation,
        "agreement": obligation.agreement,
        "status": selectors.occurrence_status(occurrence, today=_today()),
        "evidence": evidence,
        "can_act": permissions.can_act_on_occurrence(user, occurrence),
        "can_waive": permissions.can_waive_occurrence(user, occurrence),
        "evidence_form": forms.get("evidence") or EvidenceForm(kinds=obligation.evidence_kinds, prefix="evidence"),
        "complete_form": forms.get("complete") or CompleteForm(prefix="complete"),
        "reopen_form": forms.get("reopen") or ReasonForm(prefix="reopen"),
        "waive_form": forms.get("waive") or ReasonForm(prefix="waive"),
        "oob": True,
    }


def _occurrence_answer(
    request: HttpRequest, occurrence: Occurrence, forms: dict[str, Any] | None = None, *, failed: bool = False
) -> HttpResponse:
    """Answer an occurrence action: the card for htmx, the page (or a redirect to it) otherwise."""
    if not failed and not is_htmx(request):
        return redirect(reverse("agreements:occurrence-detail", args=[occurrence.pk]))
    occurrence.refresh_from_db()
    return render_page_or_fragment(
        request,
        "agreements/occurrence_detail.html",
        "agreements/partials/_occurrence_card.html",
        _occurrence_context(request, occurrence, forms),
        status=_form_status(request) if failed else 200,
    )


@login_required
def occurrence_detail(request: HttpRequest, pk: int) -> HttpResponse:
    occurrence = permissions.access_occurrence(request.user, pk, action="view")
    return render_page_or_fragment(
        request,
        "agreements/occurrence_detail.html",
        "agreements/partials/_occurrence_card.html",
        _occurrence_context(request, occurrence),
    )


def _act(
    request: HttpRequest,
    occurrence: Occurrence,
    form: Any,
    call: Callable[[dict[str, Any]], Any],
    done: str,
) -> HttpResponse:
    """Run one occurrence action through its service and answer with the card (or the page).

    `form.prefix` names the form in the card, so a refused form comes back with its errors.
    """
    if form.is_valid():
        try:
            call(form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, done)
            return _occurrence_answer(request, occurrence)
    return _occurrence_answer(request, occurrence, {form.prefix: form}, failed=True)


@login_required
@require_POST
def evidence_add(request: HttpRequest, pk: int) -> HttpResponse:
    occurrence = permissions.access_occurrence(request.user, pk, action="complete")
    form = EvidenceForm(request.POST, request.FILES, kinds=occurrence.obligation.evidence_kinds, prefix="evidence")
    return _act(
        request,
        occurrence,
        form,
        lambda data: services.evidence_add(actor=request.user, occurrence=occurrence, **data),
        _("The evidence was added."),
    )


@login_required
def evidence_download(request: HttpRequest, pk: int, evidence_pk: int) -> FileResponse:
    occurrence = permissions.access_occurrence(request.user, pk, action="view")
    return _download(get_object_or_404(occurrence.evidence, pk=evidence_pk).file)


@login_required
@require_POST
def occurrence_complete(request: HttpRequest, pk: int) -> HttpResponse:
    occurrence = permissions.access_occurrence(request.user, pk, action="complete")
    return _act(
        request,
        occurrence,
        CompleteForm(request.POST, prefix="complete"),
        lambda data: services.occurrence_complete(actor=request.user, occurrence=occurrence, **data),
        _("The duty was marked done."),
    )


@login_required
@require_POST
def occurrence_reopen(request: HttpRequest, pk: int) -> HttpResponse:
    occurrence = permissions.access_occurrence(request.user, pk, action="complete")
    return _act(
        request,
        occurrence,
        ReasonForm(request.POST, prefix="reopen"),
        lambda data: services.occurrence_reopen(actor=request.user, occurrence=occurrence, **data),
        _("The duty was reopened."),
    )


@login_required
@require_POST
def occurrence_waive(request: HttpRequest, pk: int) -> HttpResponse:
    occurrence = permissions.access_occurrence(request.user, pk, action="waive")
    return _act(
        request,
        occurrence,
        ReasonForm(request.POST, prefix="waive"),
        lambda data: services.occurrence_waive(actor=request.user, occurrence=occurrence, **data),
        _("The duty was waived for this date."),
    )


# Duties ---------------------------------------------------------------------------------------------


def _grouped(occurrences: Any) -> list[tuple[str, list[Occurrence]]]:
    groups: dict[str, list[Occurrence]] = defaultdict(list)
    for occurrence in occurrences:
        groups[occurrence.display_status].append(occurrence)
    return [(status, groups[status]) for status in STATUS_ORDER if groups.get(status)]


@login_required
def unit_duties(request: HttpRequest, pk: int) -> HttpResponse:
    unit = access.access_unit(request.user, pk)
    duties = selectors.unit_duties(user=request.user, unit=unit, today=_today())
    return render_page_or_fragment(
        request,
        "agreements/unit_duties.html",
        "agreements/partials/_unit_duties.html",
        {
            "unit": unit,
            "owes": _page(request, _ordered(duties["owes"], "due_on", "pk"), "owes_page"),
            "owed": _page(request, _ordered(duties["owed"], "due_on", "pk"), "owed_page"),
            # Each list pages on its own parameter and keeps the other's page.
            "owes_base": _query_without(request, "owes_page"),
            "owed_base": _query_without(request, "owed_page"),
        },
    )


@login_required
def my_duties(request: HttpRequest) -> HttpResponse:
    today = _today()
    form = MonthForm(request.GET or None, initial={"month": today.replace(day=1)})
    month = (form.cleaned_data.get("month") if form.is_valid() else None) or today.replace(day=1)
    occurrences = selectors.my_duties(user=request.user, month=month, today=today)
    return render(
        request,
        "agreements/my_duties.html",
        {
            "form": form,
            "month": month,
            "groups": _grouped(occurrences),
            "previous_month": (month - dt.timedelta(days=1)).replace(day=1),
            "next_month": (month + dt.timedelta(days=32)).replace(day=1),
        },
    )


# Coverage -------------------------------------------------------------------------------------------


def _levels(user: Any) -> list[Unit]:
    """Return the territories whose coverage the person may choose, their province first.

    The candidates are the territories inside the person's scope and the territory of each body
    they belong to (an officer of 22-MTTQ looks at the province, the officer of 07090-UBND at
    commune 07090); permissions.access_level_unit() checks the one asked for.
    """
    kinds = [Unit.Kind.PROVINCE, Unit.Kind.COMMUNE]
    units = {u.pk: u for u in access.units_visible(user).filter(kind__in=kinds, valid_to__isnull=True)}
    for reach in access.reaches(user):
        member_of = Unit.objects.filter(pk=reach.unit_id).first()
        territory = member_of.territory() if member_of is not None else None
        if territory is not None and territory.kind in kinds and territory.valid_to is None:
            units.setdefault(territory.pk, territory)
    return sorted(units.values(), key=lambda u: (u.kind != Unit.Kind.PROVINCE, u.depth, u.name))


@login_required
def coverage(request: HttpRequest) -> HttpResponse:
    levels = _levels(request.user)
    if request.GET.get("level"):
        level = permissions.access_level_unit(request.user, request.GET["level"])
    elif levels:
        level = levels[0]
    else:
        raise Http404
    form = CoverageForm(initial={"level": level.pk}, levels=Unit.objects.filter(pk__in=[u.pk for u in levels]))
    matrix = selectors.coverage_matrix(user=request.user, level_unit=level, today=_today())
    units = list(matrix.units)
    rows, signed_pairs = [], []
    for i, row_unit in enumerate(units):
        cells = []
        for j, col_unit in enumerate(units):
            found = matrix.pairs.get((row_unit.pk, col_unit.pk)) or matrix.pairs.get((col_unit.pk, row_unit.pk)) or []
            cells.append({"unit": col_unit, "agreements": found, "self": i == j})
            if found and i < j:
                signed_pairs.append((row_unit, col_unit, found))
        rows.append({"unit": row_unit, "cells": cells})
    return render(
        request,
        "agreements/coverage.html",
        {
            "form": form,
            "level": level,
            "units": units,
            "rows": rows,
            # The same facts as a list: easier on a phone and for a screen reader than a wide table.
            "signed_pairs": signed_pairs,
            "communes_without": matrix.communes_without,
            "show_communes": level.kind == Unit.Kind.PROVINCE,
            # A commune's own matrix is linked only for those who may open it.
            "level_ids": {u.pk for u in levels},
        },
    )


# Events ---------------------------------------------------------------------------------------------


@login_required
def event_list(request: HttpRequest) -> HttpResponse:
    form = EventFilterForm(request.GET or None)
    data = form.cleaned_data if form.is_valid() else {}
    year = data.get("year") or _today().year
    events = selectors.event_list(kind=data.get("kind") or "", year=year).select_related("host_unit")
    page = _page(request, _ordered(events, "starts_on", "pk"))
    for event in page.object_list:
        # A hint for the Edit link only; event_edit asks access_event again.
        event.can_edit = permissions.can_change_event(request.user, event)
    return render_page_or_fragment(
        request,
        "agreements/event_list.html",
        "agreements/partials/_event_rows.html",
        {
            "form": form,
            "year": year,
            "page": page,
            "can_create": acting_units(request.user).exists(),
            "previous_year": year - 1,
            "next_year": year + 1,
        },
    )


def _event_list_url(event: Any) -> str:
    return f"{reverse('agreements:event-list')}?year={event.starts_on.year}"


@login_required
def event_create(request: HttpRequest) -> HttpResponse:
    hosts = acting_units(request.user)
    if not hosts.exists():
        raise PermissionDenied
    form = EventForm(request.POST if request.method == "POST" else None, hosts=hosts)
    if request.method == "POST" and form.is_valid():
        try:
            event = services.event_create(actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("The event was added; duties that hang on it now have their dates."))
            return redirect_after_change(request, _event_list_url(event))
    return render(request, "agreements/event_form.html", {"form": form, "event": None}, status=_form_status(request))


@login_required
def event_edit(request: HttpRequest, pk: int) -> HttpResponse:
    event = permissions.access_event(request.user, pk, for_write=True)
    hosts = acting_units(request.user) | Unit.objects.filter(pk=event.host_unit_id)
    initial = {
        "kind": event.kind,
        "title": event.title,
        "host_unit": event.host_unit_id,
        "starts_on": event.starts_on,
        "ends_on": event.ends_on,
        "place": event.place,
    }
    form = EventForm(request.POST if request.method == "POST" else None, hosts=hosts.distinct(), initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.event_update(actor=request.user, event=event, **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("The event was saved."))
            return redirect_after_change(request, _event_list_url(event))
    return render(request, "agreements/event_form.html", {"form": form, "event": event}, status=_form_status(request))


@login_required
@require_POST
def event_delete(request: HttpRequest, pk: int) -> HttpResponse:
    event = permissions.access_event(request.user, pk, for_write=True)
    try:
        services.event_delete(actor=request.user, event=event)
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
        return redirect_after_change(request, reverse("agreements:event-edit", args=[event.pk]))
    messages.success(request, _("The event was deleted."))
    return redirect_after_change(request, _event_list_url(event))


# Areas ----------------------------------------------------------------------------------------------


def _require_system_admin(user: Any) -> None:
    if not permissions.can_manage_areas(user):
        raise PermissionDenied


@login_required
def area_list(request: HttpRequest) -> HttpResponse:
    _require_system_admin(request.user)
    page = Paginator(Area.objects.order_by("order", "name"), 50).get_page(request.GET.get("page"))
    return render(request, "agreements/area_list.html", {"page": page})


@login_required
def area_create(request: HttpRequest) -> HttpResponse:
    _require_system_admin(request.user)
    form = AreaForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            services.area_create(actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("The content area was added."))
            return redirect_after_change(request, reverse("agreements:area-list"))
    return render(request, "agreements/area_form.html", {"form": form, "area": None}, status=_form_status(request))


@login_required
def area_edit(request: HttpRequest, pk: int) -> HttpResponse:
    _require_system_admin(request.user)
    area = get_object_or_404(Area, pk=pk)
    form = AreaForm(request.POST if request.method == "POST" else None, area=area)
    if request.method == "POST" and form.is_valid():
        try:
            services.area_update(actor=request.user, area=area, **form.service_fields())
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("The content area was saved."))
            return redirect_after_change(request, reverse("agreements:area-list"))
    return render(request, "agreements/area_form.html", {"form": form, "area": area}, status=_form_status(request))


@login_required
@require_POST
def area_toggle(request: HttpRequest, pk: int) -> HttpResponse:
    """Switch an area off (or on again): agreements that use it keep it; new ones cannot pick it."""
    _require_system_admin(request.user)
    area = get_object_or_404(Area, pk=pk)
    services.area_update(actor=request.user, area=area, is_active=not area.is_active)
    return redirect_after_change(request, reverse("agreements:area-list"))
