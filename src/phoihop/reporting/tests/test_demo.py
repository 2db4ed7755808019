"""The reporting demo: both forms, the history, the merged commune, the personas' story, the DOCX.

The demo is loaded once for the module, inside a transaction rolled back at the end; each test
runs in a savepoint of it. It is loaded as of 20/10/2025: every report goes through the
services, and seven quarters and four months after the merger are enough to prove the history
(the demo itself loads up to the real day, the same way).
"""

from __future__ import annotations

import datetime as dt
import io
from collections import Counter
from zoneinfo import ZoneInfo

import docx
import pytest
import time_machine
from django.db import transaction
from django.db.models import Q
from django.test import override_settings
from django.urls import reverse
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.shared import Emu, Pt

from phoihop.agreements.demo import load_agreements
from phoihop.agreements.models import Evidence
from phoihop.core.dates import vn_place_date
from phoihop.core.models import AuditEvent
from phoihop.demo.personas import load_personas
from phoihop.demo.quang_ninh import load_structure
from phoihop.orgs.models import Unit, User
from phoihop.reporting import selectors, services
from phoihop.reporting.demo import MERGED_BODY, MONTHLY, QUARTERLY, load_reporting
from phoihop.reporting.models import DataValue, Indicator, ReportForm, Submission, ValidationRule

VN = ZoneInfo("Asia/Ho_Chi_Minh")
TODAY = dt.date(2025, 10, 20)
# Phường An Sinh's story as of TODAY: this month a draft, last month waiting, the one before returned.
CURRENT, WAITING, RETURNED, APPROVED = "202511", "202510", "202509", "202508"
S = Submission.Status
COUNTED = (S.SUBMITTED, S.APPROVED, S.ACCEPTED)
PAST_QUARTERS = ["2024Q1", "2024Q2", "2024Q3", "2024Q4", "2025Q1", "2025Q2", "2025Q3"]


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker):
    with (
        django_db_blocker.unblock(),
        override_settings(DEMO=True),
        time_machine.travel(dt.datetime(TODAY.year, TODAY.month, TODAY.day, 9, 0, tzinfo=VN), tick=False),
        transaction.atomic(),
    ):
        load_structure()
        load_personas()
        load_agreements()
        counts = load_reporting()
        yield counts
        transaction.set_rollback(True)


@pytest.fixture
def loaded(demo, db):
    return demo


def unit(code: str) -> Unit:
    return Unit.objects.get(code=code, valid_to__isnull=True)


def form(code: str) -> ReportForm:
    return ReportForm.objects.get(code=code)


def test_the_two_forms_carry_their_indicators_sections_and_rules(loaded):
    quarterly, monthly = form(QUARTERLY), form(MONTHLY)
    assert (quarterly.name, quarterly.period_type, quarterly.deadline_working_days) == (
        "Kết quả thực hiện Quy chế phối hợp",
        "quarterly",
        5,
    )
    assert (monthly.period_type, monthly.deadline_working_days) == ("monthly", 2)
    assert monthly.name == "Báo cáo tháng công tác Mặt trận và phối hợp ở cơ sở"
    # Who reports: the 14 departments, 5 organisations and the Front of the province; the 54 communes.
    quarterly_units = selectors.expected_units(form=quarterly, period="2025Q3")
    assert quarterly_units.count() == 20
    assert Counter(quarterly_units.values_list("kind", flat=True)) == {
        "department": 14,
        "mass_org": 5,
        "front_committee": 1,
    }
    communes = selectors.expected_units(form=monthly, period=WAITING)
    assert communes.count() == 54
    assert set(communes.values_list("kind", flat=True)) == {"people_committee"}
    assert unit("07090-UBND") in communes and unit("22-UBND") not in communes

    people = Indicator.objects.get(code="TT_LUOT_NGUOI")
    assert [o["name"] for o in people.disaggregation] == ["Nam", "Nữ"]
    assert people.area.code == "dai-doan-ket"
    rate = Indicator.objects.get(code="TL_KN_TRA_LOI")
    assert (rate.value_type, rate.aggregation, rate.period_aggregation) == ("percent", "average", "average")
    assert Indicator.objects.get(code="GB_UBND_MTTQ").value_type == "boolean"
    assert Indicator.objects.get(code="KHO_KHAN_DE_XUAT").value_type == "text"
    assert not Indicator.objects.filter(area__isnull=True).exists()

    houses = monthly.rules.get(left="NDD_BAN_GIAO")
    assert (houses.operator, houses.right, houses.severity) == ("<=", "NDD_KHOI_CONG", ValidationRule.Severity.ERROR)
    assert [s.title for s in monthly.sections.order_by("order")][:2] == [
        "Tuyên truyền, vận động",
        "Giảm nghèo, an sinh xã hội",
    ]


def test_loading_again_creates_nothing(loaded):
    before = (Submission.objects.count(), DataValue.objects.count(), AuditEvent.objects.count(), Unit.objects.count())
    assert load_reporting() == {"forms": 0}
    after = (Submission.objects.count(), DataValue.objects.count(), AuditEvent.objects.count(), Unit.objects.count())
    assert after == before


@pytest.mark.parametrize("period_id", PAST_QUARTERS)
def test_quarterly_rates_for_the_province_equal_a_hand_count(loaded, period_id):
    quarterly = form(QUARTERLY)
    rates = selectors.reporting_rates(form=quarterly, period_id=period_id, unit=unit("22"))
    # By hand: every assigned unit is open throughout; count their reports standing now.
    assigned = set(selectors.assigned_units(form=quarterly).values_list("code", flat=True))
    reports = Submission.objects.filter(form=quarterly, period_id=period_id, status__in=COUNTED)
    submitted = set(reports.values_list("unit__code", flat=True))
    on_time = [s for s in reports if s.submitted_on <= s.deadline]
    assert rates.expected == len(assigned) == 20
    assert rates.submitted == len(submitted)
    assert rates.on_time == len(on_time)
    assert {u.code for u in rates.missing} == assigned - submitted
    assert 75 <= rates.completeness <= 100
    assert 60 <= rates.timeliness <= rates.completeness


def test_most_quarterly_reports_are_on_time_some_late_some_never(loaded):
    quarterly = form(QUARTERLY)
    rates = [selectors.reporting_rates(form=quarterly, period_id=p, unit=unit("22")) for p in PAST_QUARTERS]
    expected = sum(r.expected for r in rates)
    on_time, late = sum(r.on_time for r in rates), sum(r.late for r in rates)
    missing = sum(len(r.missing) for r in rates)
    assert 0.7 <= on_time / expected <= 0.9
    assert 0.05 <= late / expected <= 0.2
    assert missing > 0
    # The list of missing units the rates page shows, for one quarter with gaps.
    gaps = next(r for r in rates if r.missing)
    assert all(u.kind in ("department", "mass_org", "front_committee") for u in gaps.missing)


def test_the_merged_commune_is_expected_only_while_it_was_open(loaded):
    monthly = form(MONTHLY)
    old, new = Unit.objects.get(code=MERGED_BODY), unit("07090-UBND")
    assert old.valid_to == dt.date(2025, 6, 30)
    assert Unit.objects.get_parent(old).successions.get().successor == unit("07090")

    def expected(period_id):
        return set(selectors.expected_units(form=monthly, period=period_id).filter(pk__in=[old.pk, new.pk]))

    assert expected("202401") == expected("202506") == {old}
    # 202507 runs 15/06–14/07/2025: the old commune for its last days, the new one from 1/7.
    assert expected("202507") == {old, new}
    assert expected("202508") == expected(WAITING) == {new}
    # Counted in 2025 while open: seven months for the old body, six for the new one.
    months_2025 = [f"2025{m:02d}" for m in range(1, 13)]
    assert sum(old in expected(p) for p in months_2025) == 7
    assert sum(new in expected(p) for p in months_2025) == 6
    # It reported to the end: its last report was sent the day before the merger.
    last = Submission.objects.get(form=monthly, unit=old, period_id="202507")
    assert (last.status, last.submitted_on, last.is_late) == (S.APPROVED, dt.date(2025, 6, 30), False)
    june = selectors.reporting_rates(form=monthly, period_id="202506", unit=unit("22"))
    assert (june.expected, june.submitted) == (1, 1)
    july = selectors.reporting_rates(form=monthly, period_id="202507", unit=unit("22"))
    assert july.expected == 55
    august = selectors.reporting_rates(form=monthly, period_id="202508", unit=unit("22"))
    assert august.expected == 54 and old not in august.missing


def test_every_monthly_report_keeps_the_houses_rule_and_some_explain_a_warning(loaded):
    monthly = form(MONTHLY)
    values = {
        (v.unit_id, v.period_id, v.indicator.code): v.value_number
        for v in DataValue.objects.filter(indicator__code__in=["NDD_KHOI_CONG", "NDD_BAN_GIAO"]).select_related(
            "indicator"
        )
    }
    pairs = [(k[:2], n) for k, n in values.items() if k[2] == "NDD_BAN_GIAO"]
    # Every report sent up has both figures (required fields).
    assert len(pairs) >= Submission.objects.filter(form=monthly, status__in=COUNTED).count() > 200
    assert all(handed <= values[(*key, "NDD_KHOI_CONG")] for key, handed in pairs)
    explained = Submission.objects.filter(form=monthly).exclude(warning_comments={})
    assert explained.exists()
    for submission in Submission.objects.filter(form=monthly, status__in=COUNTED).order_by("pk")[:40]:
        assert services.submission_check(submission=submission).errors == []


def test_commune_persona_has_a_draft_a_report_to_approve_and_one_returned(loaded):
    xa, leader = User.objects.get(username="xa"), User.objects.get(username="xa.lanhdao")
    reports = {
        s.period_id: s
        for s in Submission.objects.filter(form__code=MONTHLY, unit__code="07090-UBND", unit__valid_to__isnull=True)
    }
    assert reports[CURRENT].status == S.DRAFT
    assert DataValue.objects.filter(submission=reports[CURRENT]).count() == 3
    assert reports[WAITING].status == S.SUBMITTED and reports[WAITING].submitted_by == xa
    assert not reports[WAITING].is_late and not reports[RETURNED].is_late
    assert reports[RETURNED].status == S.RETURNED and "nhà Đại đoàn kết" in reports[RETURNED].returned_reason
    assert reports[APPROVED].status == S.APPROVED and reports[APPROVED].approved_by == leader
    due = {(d.form.code, d.period.id, d.status) for d in selectors.my_reports_due(user=xa, today=TODAY)}
    assert {(MONTHLY, CURRENT, "draft"), (MONTHLY, RETURNED, "returned")} <= due
    assert list(selectors.review_queue(user=leader)) == [reports[WAITING]]


def test_the_quarterly_form_completes_its_duty_with_sonvs_own_report(loaded):
    quarterly = form(QUARTERLY)
    assert quarterly.obligation.owing_units.get().code == "22-SONV"
    # Loaded on TODAY, its last report due within Regulation 194's term is 2025Q3's.
    report = Submission.objects.get(form=quarterly, unit__code="22-SONV", period_id="2025Q3")
    assert report.status == S.APPROVED
    evidence = Evidence.objects.filter(kind=Evidence.Kind.SUBMISSION)
    # Only Sở Nội vụ's report is evidence on Sở Nội vụ's duty: the link came after the history.
    assert list(evidence.values_list("linked_record", flat=True)) == [f"reporting.submission:{report.pk}"]
    assert evidence.get().occurrence.obligation == quarterly.obligation


def _read(response) -> docx.document.Document:
    return docx.Document(io.BytesIO(b"".join(response.streaming_content)))


def test_a_communes_monthly_report_downloads_as_a_decree_30_docx(loaded, client):
    xa = User.objects.get(username="xa")
    client.force_login(xa)
    report = Submission.objects.get(form__code=MONTHLY, unit=unit("07090-UBND"), period_id=APPROVED)
    response = client.get(reverse("reporting:submission-docx", args=[report.pk]))
    assert response.status_code == 200
    document = _read(response)

    section = document.sections[0]
    cm = [round(Emu(length).cm, 2) for length in (section.top_margin, section.bottom_margin)]
    assert all(2.0 <= c <= 2.5 for c in cm)
    assert 3.0 <= round(Emu(section.left_margin).cm, 2) <= 3.5
    assert 1.5 <= round(Emu(section.right_margin).cm, 2) <= 2.0
    normal = document.styles["Normal"]
    assert normal.font.name == "Times New Roman"
    assert Pt(13) <= normal.font.size <= Pt(14)

    header = document.tables[0]
    left, right = header.rows[0].cells
    assert [p.text for p in left.paragraphs if p.text] == ["ỦY BAN NHÂN DÂN PHƯỜNG AN SINH"]
    assert [p.text for p in right.paragraphs if p.text] == [
        "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
        "Độc lập - Tự do - Hạnh phúc",
    ]
    sizes = {run.font.size for p in [*left.paragraphs, *right.paragraphs] for run in p.runs if run.text}
    assert sizes <= {Pt(12), Pt(13), Pt(14)}
    number, date = (cell.paragraphs[0].text for cell in header.rows[1].cells)
    assert number.startswith("Số:") and number.endswith("/BC-UBND")
    assert date == vn_place_date("An Sinh", report.submitted_on)  # the day it was submitted
    assert date.startswith("An Sinh, ngày ") and " tháng 8 năm 2025" in date
    texts = [p.text for p in document.paragraphs]
    assert "BÁO CÁO" in texts

    rows = [[c.text for c in row.cells] for table in document.tables[1:-1] for row in table.rows]
    people = DataValue.objects.filter(unit=report.unit, period_id=APPROVED, indicator__code="TT_LUOT_NGUOI")
    total = sum(int(v.value_number) for v in people)
    shown = next(r for r in rows if r[1] == "Lượt người được tuyên truyền, vận động")
    assert shown[3].replace(".", "") == str(total)

    recipients = document.tables[-1].rows[0].cells[0]
    label = recipients.paragraphs[0]
    assert label.text == "Nơi nhận:"
    assert label.alignment in (None, WD_ALIGN_PARAGRAPH.LEFT)
    assert label.runs[0].font.size == Pt(12)
    signature = [p.text for p in document.tables[-1].rows[0].cells[1].paragraphs if p.text]
    assert signature[-1] == "Vũ Thị Mai"  # xa.lanhdao approved it


def test_the_commune_officer_sees_the_current_draft_and_last_months_figures(loaded, client):
    client.force_login(User.objects.get(username="xa"))
    draft = Submission.objects.get(form__code=MONTHLY, unit=unit("07090-UBND"), period_id=CURRENT)
    response = client.get(reverse("reporting:submission-detail", args=[draft.pk]))
    assert response.status_code == 200
    cells = {c.name: c for block in response.context["sections"] for row in block.rows for c in row.cells}
    last_month = DataValue.objects.get(
        unit=draft.unit, period_id=WAITING, indicator__code="TT_LUOT_NGUOI", category="nu"
    )
    assert cells["v|TT_LUOT_NGUOI|nu"].previous == str(int(last_month.value_number))
    assert cells["v|TT_LUOT_NGUOI|nu"].value != ""  # typed into the draft already
    assert cells["v|GS_CUOC|"].value == ""  # still to be typed
    # Another commune's officer does not reach it.
    client.force_login(User.objects.get(username="xa2"))
    assert client.get(reverse("reporting:submission-detail", args=[draft.pk])).status_code == 404


def test_reports_of_units_without_a_demo_person_are_signed_by_nobody(loaded):
    others = Submission.objects.filter(form__code=MONTHLY).exclude(unit__code="07090-UBND").filter(~Q(status=S.DRAFT))
    assert not others.filter(submitted_by__isnull=False).exists()
    assert AuditEvent.objects.filter(verb="submission.submitted", actor_label="phoihop demo").exists()
