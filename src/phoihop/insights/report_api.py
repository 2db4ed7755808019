"""Review reports and urging letters in /api/v1/insights (added to insights/api.py's router).

The same access helpers and services as the pages: 404 outside the scope, 403 visible but not
allowed, 422 with the field messages when a service refuses (a period outside the agreement's).
Units are named by their official code.
"""

# No `from __future__ import annotations`: ninja builds its models from these annotations at import.
import datetime as dt
from typing import Literal

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from ninja import Field, Query, Router, Schema
from ninja.pagination import paginate
from ninja.responses import Status

from phoihop.agreements.permissions import access_agreement
from phoihop.api.pagination import Page
from phoihop.documents.responses import document_download
from phoihop.insights import letters, report_access, report_services
from phoihop.insights.models import ReviewReport, ReviewReportVersion, UrgingLetter
from phoihop.orgs import access
from phoihop.orgs.models import Role

router = Router(tags=["insights"])


class VersionOut(Schema):
    number: int
    source: str
    created_at: dt.datetime
    created_by: str = Field(..., alias="created_by.username")


class ReportOut(Schema):
    id: int
    agreement_id: int
    kind: str
    title: str
    date_from: dt.date
    date_to: dt.date
    issuing_unit_code: str = Field(..., alias="issuing_unit.code")
    status: str
    number: int | None
    symbol: str
    issued_on: dt.date | None


class ReportDetailOut(ReportOut):
    versions: list[VersionOut]

    @staticmethod
    def resolve_versions(obj: ReviewReport) -> list[ReviewReportVersion]:
        return list(obj.versions.select_related("created_by").defer("docx").order_by("number"))


class ReportIn(Schema):
    agreement_id: int
    kind: Literal["interim", "final"] = "interim"
    date_from: dt.date
    date_to: dt.date
    issuing_unit: str = Field("", description="Official code of the issuing body; default the agreement's owner.")
    signer_name: str = ""
    signer_title: str = ""


class ReportFilter(Schema):
    agreement: int | None = None


class LetterItemOut(Schema):
    kind: str
    title: str
    deadline: dt.date
    url: str


class LetterOut(Schema):
    id: int
    unit_code: str = Field(..., alias="unit.code")
    issuing_unit_code: str = Field(..., alias="issuing_unit.code")
    subject: str
    status: str
    number: int | None
    symbol: str
    sent_on: dt.date | None
    items: list[LetterItemOut]


class LetterIn(Schema):
    unit: str = Field(..., description="Official code of the unit to urge.")
    issuing_unit: str = Field(..., description="Official code of the body that writes.")
    signer_name: str = ""
    signer_title: str = ""


@router.get("/reports", response=list[ReportOut], summary="Review reports I may see")
@paginate(Page)
def report_list(request: HttpRequest, filters: Query[ReportFilter]) -> QuerySet[ReviewReport]:
    reports = report_access.reports_visible(request.auth).select_related("issuing_unit")
    if filters.agreement is not None:
        reports = reports.filter(agreement=access_agreement(request.auth, filters.agreement))
    return reports.order_by("-date_to", "-pk")


@router.post("/reports", response={201: ReportDetailOut}, summary="Generate a review report from the data (version 1)")
def report_generate(request: HttpRequest, payload: ReportIn) -> Status[ReviewReport]:
    actor = request.auth
    agreement = access_agreement(actor, payload.agreement_id)
    if payload.issuing_unit:
        issuer = access.access_unit_by_code(actor, payload.issuing_unit, min_role=Role.OFFICER)
    else:
        # The owner when the reader works there, else the first party they work for.
        issuer = report_access.issuing_units(actor, agreement).first()
        if issuer is None:
            raise PermissionDenied
    report = report_services.review_report_generate(
        actor=actor,
        agreement=agreement,
        kind=payload.kind,
        date_from=payload.date_from,
        date_to=payload.date_to,
        issuing_unit=issuer,
        signer_name=payload.signer_name,
        signer_title=payload.signer_title,
    )
    return Status(201, report)


@router.get("/reports/{int:report_id}", response=ReportDetailOut, summary="One review report with its versions")
def report_get(request: HttpRequest, report_id: int) -> ReviewReport:
    return report_access.access_report(request.auth, report_id)


@router.get("/reports/{int:report_id}/versions", response=list[VersionOut], summary="The versions of a review report")
def report_versions(request: HttpRequest, report_id: int) -> list[ReviewReportVersion]:
    report = report_access.access_report(request.auth, report_id)
    return ReportDetailOut.resolve_versions(report)


@router.get("/reports/{int:report_id}/versions/{int:number}/docx", summary="The DOCX of one version")
def report_download(request: HttpRequest, report_id: int, number: int) -> HttpResponse:
    report = report_access.access_report(request.auth, report_id)
    version = report.versions.filter(number=number).first()
    if version is None:
        raise Http404
    return document_download(bytes(version.docx), version.file_name or f"bao-cao-{report.pk}-v{number}.docx")


@router.post(
    "/reports/{int:report_id}/issue", response=ReportDetailOut, summary="Issue the report (leader of the issuing body)"
)
def report_issue(request: HttpRequest, report_id: int) -> ReviewReport:
    report = report_access.access_report(request.auth, report_id, action="issue")
    return report_services.review_report_issue(actor=request.auth, report=report)


@router.post("/letters", response={201: LetterOut}, summary="Draft an urging letter listing a unit's overdue items")
def letter_draft(request: HttpRequest, payload: LetterIn) -> Status[UrgingLetter]:
    actor = request.auth
    unit = access.access_unit_by_code(actor, payload.unit)
    issuer = access.access_unit_by_code(actor, payload.issuing_unit, min_role=Role.OFFICER)
    letter = letters.urging_letter_draft(
        actor=actor, unit=unit, issuing_unit=issuer, signer_name=payload.signer_name, signer_title=payload.signer_title
    )
    return Status(201, letter)


@router.get("/letters/{int:letter_id}", response=LetterOut, summary="One urging letter")
def letter_get(request: HttpRequest, letter_id: int) -> UrgingLetter:
    return report_access.access_letter(request.auth, letter_id)


@router.post(
    "/letters/{int:letter_id}/send", response=LetterOut, summary="Send the letter (leader of the issuing body)"
)
def letter_send(request: HttpRequest, letter_id: int) -> UrgingLetter:
    letter = report_access.access_letter(request.auth, letter_id, action="send")
    return letters.urging_letter_send(actor=request.auth, letter=letter)
