"""Pages of the DHIS2 interchange: upload a file (run as a background job), follow it, export values.

Kept apart from views.py (the reporting screens) so the two can change independently; mounted
under /reporting/import/ by import_urls.py.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET

from phoihop.core.htmx import is_htmx, render_page_or_fragment
from phoihop.orgs import access
from phoihop.reporting import interchange, permissions, selectors
from phoihop.reporting.models import ImportJob, ReportForm

JOBS_PER_PAGE = 20


class ImportFileForm(forms.Form):
    kind = forms.ChoiceField(label=gettext_lazy("The file holds"), choices=ImportJob.Kind.choices)
    file = forms.FileField(
        label=gettext_lazy("File"),
        help_text=gettext_lazy("DHIS2 dataValueSets as .json or .csv, identified by codes; metadata as .json."),
    )
    skip_invalid = forms.BooleanField(
        label=gettext_lazy("If some rows are wrong, import the valid rows and list the others"),
        required=False,
        help_text=gettext_lazy("Without this, a file with any wrong row imports nothing."),
    )
    owner_unit = forms.CharField(
        label=gettext_lazy("Code of the unit that designs the new forms"),
        required=False,
        max_length=32,
        help_text=gettext_lazy("Only for metadata that creates report forms, for example 22-UBND."),
    )


class ExportForm(forms.Form):
    form = forms.ModelChoiceField(label=gettext_lazy("Report form"), queryset=ReportForm.objects.filter(is_active=True))
    period = forms.CharField(label=gettext_lazy("Period"), help_text=gettext_lazy("For example 2026Q1 or 202603."))
    unit = forms.CharField(
        label=gettext_lazy("Code of the unit"),
        max_length=32,
        help_text=gettext_lazy("The unit and every unit below it, for example 22."),
    )
    format = forms.ChoiceField(label=gettext_lazy("Format"), choices=(("json", "JSON"), ("csv", "CSV")))

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if data.get("form") is not None and data.get("period"):
            try:
                data["period"] = selectors.form_period(data["form"], data["period"])
            except ValidationError as exc:
                self.add_error("period", exc.message_dict.get("period_id", exc.messages))
        return data


def _jobs_of(user: Any) -> Any:
    jobs = ImportJob.objects.select_related("created_by")
    return jobs if access.is_system_admin(user) else jobs.filter(created_by=user)


def access_import_job(user: Any, pk: int) -> ImportJob:
    """An import is its author's (and the system administrators'); anyone else gets 404."""
    job = _jobs_of(user).filter(pk=pk).first()
    if job is None:
        raise Http404
    return job


@login_required
def import_page(request: HttpRequest) -> HttpResponse:
    form = ImportFileForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        owner = None
        if data["owner_unit"]:
            # Outside the person's scope the code reads as unknown (404 in access terms).
            owner = access.units_visible(request.user).filter(code=data["owner_unit"], valid_to__isnull=True).first()
            if owner is None:
                form.add_error("owner_unit", _("No unit you may see has this code."))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            with transaction.atomic():
                job = interchange.import_job_create(
                    actor=request.user,
                    file=data["file"],
                    kind=data["kind"],
                    skip_invalid=data["skip_invalid"],
                    owner_unit=owner,
                )
        except ValidationError as exc:
            for field, messages in exc.message_dict.items():
                form.add_error(field if field in form.fields else None, messages)
        else:
            if is_htmx(request):
                response = HttpResponse(status=204)
                response["HX-Redirect"] = job.get_absolute_url()
                return response
            return redirect(job)
    page = Paginator(_jobs_of(request.user).order_by("-created_at", "-pk"), JOBS_PER_PAGE).get_page(
        request.GET.get("page")
    )
    export_form = ExportForm()
    return render(
        request,
        "reporting/import.html",
        {"form": form, "page": page, "jobs": page.object_list, "export_form": export_form},
    )


@login_required
@require_GET
def import_job(request: HttpRequest, pk: int) -> HttpResponse:
    job = access_import_job(request.user, pk)
    return render_page_or_fragment(
        request,
        "reporting/import_job.html",
        "reporting/partials/_import_progress.html",
        _job_context(job),
    )


@login_required
@require_GET
def import_job_progress(request: HttpRequest, pk: int) -> HttpResponse:
    job = access_import_job(request.user, pk)
    return render(request, "reporting/partials/_import_progress.html", _job_context(job))


def _job_context(job: ImportJob) -> dict[str, Any]:
    report = interchange.ImportReport.from_dict(job.report) if job.report else None
    return {"job": job, "report": report, "errors": report.errors[:500] if report else []}


@login_required
@require_GET
def values_export(request: HttpRequest) -> HttpResponse:
    form = ExportForm(request.GET)
    if not form.is_valid():
        return render(request, "reporting/import_export.html", {"export_form": form}, status=400)
    data = form.cleaned_data
    unit = access.access_unit_by_code(request.user, data["unit"])
    report_form = permissions.access_form(request.user, data["form"].pk)
    period = data["period"]
    if data["format"] == "csv":
        content = interchange.export_values_csv(form=report_form, period=period, unit=unit, user=request.user)
        content_type = "text/csv; charset=utf-8"
    else:
        content = interchange.export_values_json(form=report_form, period=period, unit=unit, user=request.user)
        content_type = "application/json; charset=utf-8"
    response = HttpResponse(content, content_type=content_type)
    name = f"{report_form.code}-{period.id}-{unit.code}.{data['format']}"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response
