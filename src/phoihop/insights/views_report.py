"""Pages of the review reports (per agreement) and the urging letters (per unit)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from phoihop.agreements.permissions import access_agreement
from phoihop.documents.pdf import PdfConversionError, PdfUnavailable, pdf_unavailable_reason, render_pdf
from phoihop.documents.responses import document_download
from phoihop.insights import letters, report_access, report_services
from phoihop.insights.forms import LetterDraftForm, ReviewReportGenerateForm, ReviewTextForm, ReviewUploadForm
from phoihop.insights.models import ReviewReport, UrgingLetter
from phoihop.insights.report import ReviewText, shortcoming_lines
from phoihop.insights.report_figures import review_figures
from phoihop.orgs import access
from phoihop.orgs.models import Role

PAGE_SIZE = 20


def _form_errors(form: object, exc: ValidationError) -> None:
    """Put a service's refusal beside the field it names (or above the form)."""
    if hasattr(exc, "error_dict"):
        for field, errors in exc.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)  # type: ignore[attr-defined]
    else:
        form.add_error(None, exc)  # type: ignore[attr-defined]


def _act(request: HttpRequest, action: Callable[[], Any]) -> Any:
    """Run a service for a one-button form; its refusal becomes an error message (None returned)."""
    try:
        return action()
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
        return None


# --- Review reports ---------------------------------------------------------------------------


@login_required
def report_list(request: HttpRequest, agreement_pk: int) -> HttpResponse:
    agreement = access_agreement(request.user, agreement_pk)
    issuers = report_access.issuing_units(request.user, agreement)
    form = None
    if issuers.exists():
        form = ReviewReportGenerateForm(request.POST or None, agreement=agreement, issuers=issuers)
        if request.method == "POST" and form.is_valid():
            data = form.cleaned_data
            try:
                report = report_services.review_report_generate(actor=request.user, agreement=agreement, **data)
            except ValidationError as exc:
                _form_errors(form, exc)
            else:
                messages.success(request, _("The review report was generated from the data as version 1."))
                return redirect(report)
    elif request.method == "POST":
        raise PermissionDenied
    reports = report_access.reports_visible(request.user).filter(agreement=agreement).select_related("issuing_unit")
    page = Paginator(reports.order_by("-date_to", "-pk"), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "insights/report_list.html", {"agreement": agreement, "page": page, "form": form})


def _detail_context(request: HttpRequest, report: ReviewReport, **forms: object) -> dict[str, object]:
    latest = report_services.latest_version(report)
    text = report_services.version_text(latest)
    figures = review_figures(
        agreement=report.agreement, date_from=report.date_from, date_to=report.date_to, user=report.created_by
    )
    can_edit = not report.is_issued and access.can(request.user, report.issuing_unit, Role.OFFICER)
    return {
        "report": report,
        "agreement": report.agreement,
        "latest": latest,
        "versions": report.versions.select_related("created_by").defer("docx").order_by("-number"),
        "figures": figures,
        "shortcomings": shortcoming_lines(figures),
        "can_edit": can_edit,
        "can_issue": not report.is_issued and access.can(request.user, report.issuing_unit, Role.LEADER),
        "text_form": forms.get("text_form") or ReviewTextForm(initial=text.__dict__),
        "upload_form": forms.get("upload_form") or ReviewUploadForm(),
        "pdf_unavailable": pdf_unavailable_reason(),
    }


@login_required
def report_detail(request: HttpRequest, pk: int) -> HttpResponse:
    report = report_access.access_report(request.user, pk)
    return render(request, "insights/report_detail.html", _detail_context(request, report))


@login_required
@require_POST
def report_save(request: HttpRequest, pk: int) -> HttpResponse:
    report = report_access.access_report(request.user, pk, action="edit")
    form = ReviewTextForm(request.POST)
    if form.is_valid():
        try:
            version = report_services.review_report_save(
                actor=request.user, report=report, text=ReviewText(**form.cleaned_data)
            )
        except ValidationError as exc:
            _form_errors(form, exc)
        else:
            messages.success(request, _("Saved as version %(number)s.") % {"number": version.number})
            return redirect(report)
    return render(request, "insights/report_detail.html", _detail_context(request, report, text_form=form), status=400)


@login_required
@require_POST
def report_upload(request: HttpRequest, pk: int) -> HttpResponse:
    report = report_access.access_report(request.user, pk, action="edit")
    form = ReviewUploadForm(request.POST, request.FILES)
    if form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            version = report_services.review_report_upload(
                actor=request.user, report=report, content=upload.read(), file_name=upload.name
            )
        except ValidationError as exc:
            _form_errors(form, exc)
        else:
            messages.success(request, _("The edited file was kept as version %(number)s.") % {"number": version.number})
            return redirect(report)
    return render(
        request, "insights/report_detail.html", _detail_context(request, report, upload_form=form), status=400
    )


@login_required
@require_POST
def report_issue(request: HttpRequest, pk: int) -> HttpResponse:
    report = report_access.access_report(request.user, pk, action="issue")
    issued = _act(request, lambda: report_services.review_report_issue(actor=request.user, report=report))
    if issued is not None:
        messages.success(
            request,
            _("Issued as No. %(number)s/%(symbol)s.") % {"number": f"{issued.number:02d}", "symbol": issued.symbol},
        )
    return redirect(report)


@login_required
def report_download(request: HttpRequest, pk: int, number: int, extension: str) -> HttpResponse:
    report = report_access.access_report(request.user, pk)
    version = report.versions.filter(number=number).first()
    if version is None or extension not in ("docx", "pdf"):
        raise Http404
    content = bytes(version.docx)
    name = version.file_name or f"bao-cao-{report.pk}-v{number}.docx"
    if extension == "pdf":
        try:
            return document_download(render_pdf(content), name.rsplit(".", 1)[0] + ".pdf")
        except (PdfUnavailable, PdfConversionError) as exc:
            messages.error(request, str(exc))
            return redirect(report)
    return document_download(content, name)


# --- Urging letters ---------------------------------------------------------------------------


@login_required
def unit_letters(request: HttpRequest, unit_pk: int) -> HttpResponse:
    """A unit's letters (sent to it, or drafted and sent by it), what it owes now, and the draft button."""
    unit = access.access_unit(request.user, unit_pk)
    issuers = report_access.letter_issuers(request.user).exclude(pk=unit.pk)
    form = LetterDraftForm(request.POST or None, issuers=issuers) if issuers.exists() else None
    if request.method == "POST":
        if form is None:
            raise PermissionDenied
        if form.is_valid():
            try:
                letter = letters.urging_letter_draft(actor=request.user, unit=unit, **form.cleaned_data)
            except ValidationError as exc:
                _form_errors(form, exc)
            else:
                messages.success(request, _("The urging letter was drafted."))
                return redirect(letter)
    visible = report_access.letters_visible(request.user)
    letter_rows = visible.filter(unit=unit) | visible.filter(issuing_unit=unit)
    page = Paginator(
        letter_rows.select_related("unit", "issuing_unit").defer("docx").order_by("-created_at", "-pk"), PAGE_SIZE
    ).get_page(request.GET.get("page"))
    items = []
    if form is not None:
        items = [
            {**item, "kind_label": letters.item_kind_label(item["kind"])}
            for item in letters.overdue_items(user=request.user, unit=unit)
        ]
    return render(
        request,
        "insights/letter_list.html",
        {"unit": unit, "page": page, "form": form, "items": items},
    )


@login_required
def letter_detail(request: HttpRequest, pk: int) -> HttpResponse:
    letter = report_access.access_letter(request.user, pk)
    rows = [{**item, "kind_label": letters.item_kind_label(item["kind"])} for item in letter.items]
    return render(
        request,
        "insights/letter_detail.html",
        {
            "letter": letter,
            "rows": rows,
            "can_send": not letter.is_sent and access.can(request.user, letter.issuing_unit, Role.LEADER),
        },
    )


@login_required
@require_POST
def letter_send(request: HttpRequest, pk: int) -> HttpResponse:
    letter = report_access.access_letter(request.user, pk, action="send")
    if _act(request, lambda: letters.urging_letter_send(actor=request.user, letter=letter)) is not None:
        messages.success(request, _("The letter was sent and the unit notified."))
    return redirect(letter)


@login_required
def letter_download(request: HttpRequest, pk: int) -> HttpResponse:
    letter: UrgingLetter = report_access.access_letter(request.user, pk)
    number = f"{letter.number:02d}-" if letter.number else "du-thao-"
    return document_download(letters.letter_docx(letter), f"cong-van-don-doc-{number}{letter.pk}.docx")
