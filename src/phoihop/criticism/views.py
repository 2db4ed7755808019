"""Screens of social criticism: the list, the critique page (versions, sections with their
opinions, invited organisations, consolidation and issue, dispositions, the table), the invited
organisation's page to give opinions by section, the drafting agency's disposition form, and
the downloads.

Every view reaches its critique through `criticism.permissions` (404 without a relation to it)
and changes state only through `criticism.services`, the functions the API calls.
"""

from __future__ import annotations

import mimetypes
import os
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from phoihop.criticism import critique_document, selectors, services
from phoihop.criticism.forms import CritiqueCreateForm, ExpertForm, InviteForm, IssueForm, OpinionForm, VersionForm
from phoihop.criticism.models import Critique, Disposition, DraftSection, DraftVersion
from phoihop.criticism.permissions import CritiqueAccess, access_critique, front_units_for
from phoihop.documents.pdf import pdf_unavailable_reason
from phoihop.documents.responses import official_document_response

PAGE_SIZE = 25


def _errors(exc: ValidationError) -> list[str]:
    return list(exc.messages)


def _service_error(request: HttpRequest, exc: ValidationError) -> None:
    for message in _errors(exc):
        messages.error(request, message)


@login_required
def critique_list(request: HttpRequest) -> HttpResponse:
    status = request.GET.get("status", "")
    if status not in Critique.Status.values:
        status = ""
    queryset = selectors.critique_list(user=request.user, status=status, q=request.GET.get("q", "").strip())
    page = Paginator(queryset, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "criticism/critique_list.html",
        {
            "page": page,
            "status": status,
            "statuses": Critique.Status.choices,
            "q": request.GET.get("q", ""),
            "can_create": front_units_for(request.user).exists(),
        },
    )


@login_required
def critique_create(request: HttpRequest) -> HttpResponse:
    form = CritiqueCreateForm(request.POST or None, user=request.user)
    if not form.fields["front_unit"].queryset.exists():
        raise Http404
    if request.method == "POST" and form.is_valid():
        try:
            critique = services.critique_create(actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("The critique was created. Add the draft and invite organisations."))
            return redirect(critique)
    status = 400 if request.method == "POST" else 200
    return render(request, "criticism/critique_form.html", {"form": form}, status=status)


def _detail_context(acc: CritiqueAccess) -> dict[str, Any]:
    critique = acc.critique
    versions = selectors.versions_with_sections(critique) if acc.sees_drafts else []
    opinions = list(selectors.opinions_for(acc))
    by_section: dict[int | None, list[Any]] = {}
    for opinion in opinions:
        by_section.setdefault(opinion.section_id, []).append(opinion)
    document_rows = [o for o in opinions if o.included] if critique.issued_on else []
    return {
        "critique": critique,
        "acc": acc,
        "versions": versions,
        "opinions": opinions,
        "by_section": by_section,
        "general_opinions": by_section.get(None, []),
        "document_rows": document_rows,
        "changed": selectors.changed_sections(critique) if document_rows else {},
        "invitations": list(critique.invitations.select_related("unit")),
        "experts": list(critique.experts.all()),
        "invite_form": InviteForm(critique=critique) if acc.can_manage else None,
        "expert_form": ExpertForm() if acc.can_manage else None,
        "issue_form": IssueForm() if acc.can_manage else None,
        "answer_days": services.answer_days(),
        "pdf_reason": pdf_unavailable_reason(),
        "S": Critique.Status,
    }


@login_required
def critique_detail(request: HttpRequest, pk: int) -> HttpResponse:
    acc = access_critique(request.user, pk)
    return render(request, "criticism/critique_detail.html", _detail_context(acc))


@login_required
@require_POST
def critique_invite(request: HttpRequest, pk: int) -> HttpResponse:
    acc = access_critique(request.user, pk)
    acc.require(acc.can_manage)
    form = InviteForm(request.POST, critique=acc.critique)
    if form.is_valid():
        try:
            services.critique_invite(actor=request.user, critique=acc.critique, units=list(form.cleaned_data["units"]))
        except ValidationError as exc:
            _service_error(request, exc)
    else:
        messages.error(request, _("Choose the organisations to invite."))
    return redirect(acc.critique)


@login_required
@require_POST
def critique_expert_add(request: HttpRequest, pk: int) -> HttpResponse:
    acc = access_critique(request.user, pk)
    acc.require(acc.can_manage)
    form = ExpertForm(request.POST)
    if form.is_valid():
        try:
            data = dict(form.cleaned_data)
            services.expert_add(actor=request.user, critique=acc.critique, user=data.pop("username"), **data)
        except ValidationError as exc:
            _service_error(request, exc)
    else:
        for field_errors in form.errors.values():
            for message in field_errors:
                messages.error(request, message)
    return redirect(acc.critique)


@login_required
@require_POST
def critique_open(request: HttpRequest, pk: int) -> HttpResponse:
    acc = access_critique(request.user, pk)
    acc.require(acc.can_manage)
    try:
        services.critique_open(actor=request.user, critique=acc.critique)
        messages.success(request, _("Opinions are now being collected; the invited organisations were told."))
    except ValidationError as exc:
        _service_error(request, exc)
    return redirect(acc.critique)


@login_required
def version_add(request: HttpRequest, pk: int) -> HttpResponse:
    acc = access_critique(request.user, pk)
    acc.require(acc.can_manage or acc.can_dispose)
    form = VersionForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            version = services.version_add(actor=request.user, critique=acc.critique, **form.cleaned_data)
        except ValidationError as exc:
            form.add_error(None, exc.messages)
        else:
            messages.success(request, _("Version %(number)s of the draft was added.") % {"number": version.number})
            return redirect(acc.critique)
    status = 400 if request.method == "POST" else 200
    return render(request, "criticism/version_form.html", {"form": form, "critique": acc.critique}, status=status)


@login_required
def version_file(request: HttpRequest, pk: int, number: int) -> FileResponse:
    acc = access_critique(request.user, pk)
    if not acc.sees_drafts:
        raise Http404
    version = get_object_or_404(DraftVersion, critique=acc.critique, number=number)
    if not version.file:
        raise Http404
    try:
        handle = version.file.open("rb")
    except FileNotFoundError as exc:
        raise Http404 from exc
    name = os.path.basename(version.file.name)
    content_type = mimetypes.guess_type(name)[0] or "application/octet-stream"
    return FileResponse(handle, as_attachment=True, filename=name, content_type=content_type)


def _latest_sections(critique: Critique) -> list[DraftSection]:
    version = critique.versions.order_by("-number").first()
    return list(version.sections.select_related("version").order_by("order", "id")) if version else []


@login_required
def opinion_give(request: HttpRequest, pk: int) -> HttpResponse:
    """The invited organisation's page: the latest version section by section, and the opinion form."""
    acc = access_critique(request.user, pk)
    if not acc.sees_all_opinions:
        raise Http404
    units, experts = acc.opinion_authors()
    sections = _latest_sections(acc.critique)
    can_give = bool(units or experts) and acc.critique.status == Critique.Status.COLLECTING
    form = OpinionForm(request.POST or None, units=units, experts=experts, sections=sections)
    if request.method == "POST":
        acc.require(can_give)
        if form.is_valid():
            try:
                services.opinion_submit(
                    actor=request.user,
                    critique=acc.critique,
                    text=form.cleaned_data["text"],
                    section=form.cleaned_section(),
                    **form.cleaned_author(),
                )
            except ValidationError as exc:
                form.add_error(None, exc.messages)
            else:
                messages.success(request, _("Your opinion was recorded."))
                return redirect("criticism:opinion-give", pk=acc.critique.pk)
    opinions = list(selectors.opinions_for(acc))
    by_section: dict[int | None, list[Any]] = {}
    for opinion in opinions:
        by_section.setdefault(opinion.section_id, []).append(opinion)
    rows = [(section, by_section.get(section.pk, [])) for section in sections]
    status = 400 if request.method == "POST" else 200
    return render(
        request,
        "criticism/opinion_give.html",
        {
            "critique": acc.critique,
            "form": form if can_give else None,
            "rows": rows,
            "general_opinions": by_section.get(None, []),
        },
        status=status,
    )


@login_required
def critique_consolidate(request: HttpRequest, pk: int) -> HttpResponse:
    acc = access_critique(request.user, pk)
    acc.require(acc.can_manage)
    critique = acc.critique
    opinions = list(selectors.opinions_for(acc))
    errors: list[str] = []
    if request.method == "POST":
        selections = [
            services.Selection(
                opinion_id=o.pk,
                included=request.POST.get(f"include_{o.pk}") == "on",
                wording=request.POST.get(f"wording_{o.pk}", ""),
            )
            for o in opinions
        ]
        try:
            services.critique_consolidate(
                actor=request.user, critique=critique, selections=selections, summary=request.POST.get("summary", "")
            )
        except ValidationError as exc:
            errors = _errors(exc)
        else:
            messages.success(request, _("The critique document was updated."))
            return redirect(critique)
    return render(
        request,
        "criticism/consolidate.html",
        {"critique": critique, "opinions": opinions, "errors": errors},
        status=400 if errors else 200,
    )


@login_required
@require_POST
def critique_issue(request: HttpRequest, pk: int) -> HttpResponse:
    acc = access_critique(request.user, pk)
    acc.require(acc.can_manage)
    form = IssueForm(request.POST)
    if not form.is_valid():
        for field_errors in form.errors.values():
            for message in field_errors:
                messages.error(request, message)
        return redirect(acc.critique)
    try:
        services.critique_issue(actor=request.user, critique=acc.critique, on_date=form.cleaned_data["on_date"])
        messages.success(request, _("The critique document was issued to the drafting agency."))
    except ValidationError as exc:
        _service_error(request, exc)
    return redirect(acc.critique)


@login_required
def dispositions_form(request: HttpRequest, pk: int) -> HttpResponse:
    """The drafting agency's form: one row per opinion of the critique document."""
    acc = access_critique(request.user, pk)
    acc.require(acc.can_dispose)
    critique = acc.critique
    if critique.status not in (Critique.Status.CONSOLIDATED, Critique.Status.DISPOSED):
        raise Http404
    opinions = list(selectors.document_opinions(critique))
    sections = list(DraftSection.objects.filter(version__critique=critique).select_related("version"))
    errors: list[str] = []
    values: dict[int, dict[str, str]] = {}
    for opinion in opinions:
        current = getattr(opinion, "disposition", None)
        values[opinion.pk] = {
            "outcome": request.POST.get(f"outcome_{opinion.pk}", current.outcome if current else ""),
            "explanation": request.POST.get(f"explanation_{opinion.pk}", current.explanation if current else ""),
            "section": request.POST.get(
                f"section_{opinion.pk}", str(current.changed_section_id or "") if current else ""
            ),
        }
    if request.method == "POST":
        rows = []
        for opinion in opinions:
            value = values[opinion.pk]
            # A row left entirely blank is not answered yet; it is not an error to save the others.
            if not value["outcome"] and not value["explanation"].strip():
                continue
            section = value["section"]
            rows.append(
                services.DispositionRow(
                    opinion_id=opinion.pk,
                    outcome=value["outcome"],
                    explanation=value["explanation"],
                    changed_section_id=int(section) if section.isdigit() else None,
                )
            )
        try:
            if not rows:
                raise ValidationError(_("Record a disposition for at least one opinion."))
            services.dispositions_record(actor=request.user, critique=critique, rows=rows)
        except ValidationError as exc:
            errors = _errors(exc)
        else:
            messages.success(request, _("The dispositions were recorded."))
            return redirect(critique)
    return render(
        request,
        "criticism/dispositions_form.html",
        {
            "critique": critique,
            "rows": [(n, o, values[o.pk]) for n, o in enumerate(opinions, start=1)],
            "outcomes": Disposition.Outcome.choices,
            "sections": sections,
            "errors": errors,
        },
        status=400 if errors else 200,
    )


@login_required
@require_POST
def critique_close(request: HttpRequest, pk: int) -> HttpResponse:
    acc = access_critique(request.user, pk)
    acc.require(acc.can_manage)
    try:
        services.critique_close(actor=request.user, critique=acc.critique)
        messages.success(request, _("The critique was closed."))
    except ValidationError as exc:
        _service_error(request, exc)
    return redirect(acc.critique)


def _download(doc: Any, extension: str) -> HttpResponse:
    if extension not in ("docx", "pdf"):
        raise Http404
    return official_document_response(doc, extension)


@login_required
def critique_document_download(request: HttpRequest, pk: int, extension: str) -> HttpResponse:
    acc = access_critique(request.user, pk)
    # Before issue the document is a draft of the Front's: only the Front sees it.
    if not (acc.sees_document or acc.front):
        raise Http404
    opinions = list(selectors.document_opinions(acc.critique))
    return _download(critique_document.critique_document(acc.critique, opinions), extension)


@login_required
def disposition_table_download(request: HttpRequest, pk: int, extension: str) -> HttpResponse:
    acc = access_critique(request.user, pk)
    if not acc.sees_document:
        raise Http404
    opinions = list(selectors.document_opinions(acc.critique))
    return _download(critique_document.disposition_table_document(acc.critique, opinions), extension)
