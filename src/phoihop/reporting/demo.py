"""Periodic reporting with 2024–2026 history, for the demo (issue 4, point 12).

Loaded through the reporting services only (indicators, forms, opening reports, saving values,
submitting, returning, approving), so every report, value and audit event is what users would
have made. Two forms, both designed by the provincial Front committee:

- QCPH_QUY "Kết quả thực hiện Quy chế phối hợp", quarterly, 5 working days after the cut-off,
  for the 14 departments, the 5 socio-political organisations and the Front committee of the
  province (by kind, in the province), from 2024Q1.
- XA_THANG "Báo cáo tháng công tác Mặt trận và phối hợp ở cơ sở", monthly, 2 working days after
  the cut-off, for the People's Committees of the communes. Decision: the People's Committee,
  not the Front committee, sends it. It is the commune's joint report, and the commune office
  (Văn phòng - Thống kê) that keeps the statistics puts it together. That way the demo's
  commune people enter it (`xa`, officer of UBND phường An Sinh) and approve it (`xa.lanhdao`)
  without new personas.

The communes of today exist from 1/7/2025; the demo tree keeps the 171 old communes closed on
30/06/2025 but gives them no bodies. Decision: the monthly history before the reform is
kept for ONE old commune, so the merger shows without loading 171 × 18 months of history.
Xã An Sinh (07075) gets its People's Committee (closed with it on 30/06/2025), which reports
from 202401. It sends its last report (202507, whose Decree 09 window 15/06–14/07 it was open
for) on 30/06/2025, the day before it merges into Phường An Sinh (07090), whose People's
Committee reports from 202507 like the other 53 communes. So the rates for 2024 and the first
half of 2025 count that one unit only, count both old and new units in 202507, and count the
54 communes from 202508 on.

History is deterministic (seed 409; each report draws from its own generator seeded with the
seed, the unit and the period, so the history is the same whatever day the demo is loaded).
Of the reports that fell due before today: about 80 % are submitted on time (between the
cut-off and the deadline), 12 % late (1–8 working days after it), the rest never (a third of
those left as a draft). About 4 % are returned by the leader with a reason, corrected and
resubmitted. Reports of the last two periods are partly still waiting for approval; older
ones are approved. Values are plausible for a commune or a provincial body and keep the forms'
rules (houses handed over ≤ houses started; a few reports trip the warnings and explain them).

Phường An Sinh (07090) has a set story for its people: the current month's report is a draft
with a few values (`xa` sees autosave), last month's waits for `xa.lanhdao`'s approval, and the
month before was returned to `xa` to correct.

QCPH_QUY fulfils the Regulation 194 duty "report coordination results to the focal point".
The agreements demo makes one such duty per reporting unit, and a form links one duty, so
the form is linked to Sở Nội vụ's duty. The link is made after the history is loaded, and
Sở Nội vụ's last report within the Regulation's term (2025Q4; the last one due when loaded
earlier) is approved after it: that approval adds the report as evidence to its own duty. If
the form were linked first, every other unit's report would pile up as evidence on Sở Nội
vụ's duty, dated the day of the load.

Reports of units without a demo person are sent and approved by the loader (the audit trail's
actor "phoihop demo"), so no demo person signs another unit's report.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from phoihop.agreements import services as agreement_services
from phoihop.agreements.models import Evidence, Obligation
from phoihop.calendar.periods import (
    Period,
    PeriodType,
    make_period,
    parse_period,
    period_containing,
    submission_deadline,
)
from phoihop.calendar.workdays import add_days, is_working_day
from phoihop.orgs import services as org_services
from phoihop.orgs.models import Unit, User
from phoihop.reporting import selectors, services
from phoihop.reporting.models import Aggregation, ReportForm, Submission, ValidationRule, ValueType

SEED = 409
LOADER = "phoihop demo"
QUARTERLY = "QCPH_QUY"
MONTHLY = "XA_THANG"
FIRST_YEAR = 2024
REFORM_MONTH = "202507"  # the first monthly period of the communes created on 1/7/2025
PERSONA_COMMUNE = "07090"  # Phường An Sinh: `xa` and `xa.lanhdao`
MERGED_COMMUNE = "07075"  # Xã An Sinh, merged into Phường An Sinh on 1/7/2025
MERGED_BODY = "07075-UBND"
LAST_DAY_BEFORE_REFORM = dt.date(2025, 6, 30)
DUTY_TITLE = "Báo cáo kết quả thực hiện nội dung phối hợp hằng quý gửi cơ quan đầu mối"
DUTY_UNIT = "22-SONV"
DUTY_AGREEMENT = "194/QCPH"
DUTY_LAST_QUARTER = "2025Q4"  # Regulation 194 runs to 31/12/2025: its last quarterly report

ON_TIME, LATE = 0.80, 0.92  # cumulative: on time below 0.80, late below 0.92, else never
RETURNED = 0.04
WAITING = 0.30  # of the last two periods' reports, still waiting for approval

V = ValueType
SUM, AVERAGE, NONE = Aggregation.SUM, Aggregation.AVERAGE, Aggregation.NONE
MEN_WOMEN = ({"code": "nam", "name": "Nam"}, {"code": "nu", "name": "Nữ"})


@dataclass(frozen=True)
class IndicatorSpec:
    code: str
    name: str
    value_type: str
    unit_of_measure: str
    area: str
    aggregation: str = SUM
    period_aggregation: str = SUM
    disaggregation: tuple[dict[str, str], ...] = ()
    short_name: str = ""
    description: str = ""


INDICATORS = [
    IndicatorSpec(
        "TT_LUOT_NGUOI",
        "Lượt người được tuyên truyền, vận động",
        V.INTEGER,
        "lượt người",
        "dai-doan-ket",
        disaggregation=MEN_WOMEN,
        short_name="Lượt người được tuyên truyền",
        description="Lượt người dự các buổi tuyên truyền, vận động, hội nghị phổ biến chủ trương, chính sách "
        "trong kỳ, chia theo nam, nữ.",
    ),
    IndicatorSpec(
        "HN_HO_NGHEO_HO_TRO",
        "Hộ nghèo, hộ cận nghèo được hỗ trợ",
        V.INTEGER,
        "hộ",
        "giam-ngheo-an-sinh-xa-hoi",
        description="Hộ nghèo, hộ cận nghèo được hỗ trợ sinh kế, tiền mặt, hiện vật từ Quỹ “Vì người nghèo” "
        "và các nguồn vận động trong kỳ.",
    ),
    IndicatorSpec(
        "QUY_VNN",
        "Quỹ “Vì người nghèo” vận động được",
        V.DECIMAL,
        "triệu đồng",
        "giam-ngheo-an-sinh-xa-hoi",
        short_name="Quỹ Vì người nghèo",
    ),
    IndicatorSpec("NDD_KHOI_CONG", "Nhà Đại đoàn kết khởi công", V.INTEGER, "căn", "giam-ngheo-an-sinh-xa-hoi"),
    IndicatorSpec("NDD_BAN_GIAO", "Nhà Đại đoàn kết bàn giao", V.INTEGER, "căn", "giam-ngheo-an-sinh-xa-hoi"),
    IndicatorSpec(
        "DON_THU_TIEP_NHAN",
        "Đơn thư khiếu nại, tố cáo, kiến nghị, phản ánh tiếp nhận",
        V.INTEGER,
        "đơn",
        "tiep-cong-dan-khieu-nai-to-cao",
        short_name="Đơn thư tiếp nhận",
    ),
    IndicatorSpec(
        "DON_THU_GIAI_QUYET",
        "Đơn thư đã giải quyết, trả lời",
        V.INTEGER,
        "đơn",
        "tiep-cong-dan-khieu-nai-to-cao",
        short_name="Đơn thư đã giải quyết",
    ),
    IndicatorSpec("GS_CUOC", "Cuộc giám sát đã thực hiện", V.INTEGER, "cuộc", "giam-sat-phan-bien-xa-hoi"),
    IndicatorSpec("PB_CUOC", "Hội nghị phản biện xã hội", V.INTEGER, "hội nghị", "giam-sat-phan-bien-xa-hoi"),
    IndicatorSpec("KN_SO", "Kiến nghị sau giám sát", V.INTEGER, "kiến nghị", "giam-sat-phan-bien-xa-hoi"),
    IndicatorSpec(
        "TL_KN_TRA_LOI",
        "Tỷ lệ kiến nghị sau giám sát được trả lời",
        V.PERCENT,
        "%",
        "giam-sat-phan-bien-xa-hoi",
        aggregation=AVERAGE,
        period_aggregation=AVERAGE,
        description="Kiến nghị đã được cơ quan, đơn vị có thẩm quyền trả lời trên tổng số kiến nghị gửi đi.",
    ),
    IndicatorSpec(
        "GB_UBND_MTTQ",
        "Có giao ban giữa UBND và Ban Thường trực Ủy ban MTTQ trong tháng",
        V.BOOLEAN,
        "có/không",
        "thong-tin-bao-cao-hoi-hop",
        short_name="Giao ban UBND - MTTQ",
    ),
    IndicatorSpec(
        "PH_HOI_NGHI",
        "Hội nghị, cuộc họp, giao ban phối hợp",
        V.INTEGER,
        "cuộc",
        "thong-tin-bao-cao-hoi-hop",
    ),
    IndicatorSpec(
        "PH_VAN_BAN",
        "Văn bản phối hợp, trao đổi thông tin đã ban hành",
        V.INTEGER,
        "văn bản",
        "thong-tin-bao-cao-hoi-hop",
    ),
    IndicatorSpec(
        "QCPH_HOAN_THANH",
        "Hoàn thành các nội dung phối hợp theo kế hoạch quý",
        V.BOOLEAN,
        "có/không",
        "thong-tin-bao-cao-hoi-hop",
    ),
    IndicatorSpec(
        "KHO_KHAN_DE_XUAT",
        "Khó khăn, vướng mắc và đề xuất, kiến nghị",
        V.TEXT,
        "",
        "thong-tin-bao-cao-hoi-hop",
        aggregation=NONE,
        period_aggregation=NONE,
    ),
]


@dataclass(frozen=True)
class FieldSpec:
    code: str
    required: bool = False
    max_value: int | None = None


@dataclass(frozen=True)
class RuleSpec:
    name: str
    left: str
    operator: str
    right: str
    severity: str
    message: str


@dataclass(frozen=True)
class FormSpec:
    code: str
    name: str
    period_type: str
    deadline_working_days: int
    unit_kinds: tuple[str, ...]
    territory_kinds: tuple[str, ...]
    description: str
    sections: tuple[tuple[str, tuple[FieldSpec, ...]], ...]
    rules: tuple[RuleSpec, ...]


K = Unit.Kind
ERROR, WARNING = ValidationRule.Severity.ERROR, ValidationRule.Severity.WARNING

FORMS = [
    FormSpec(
        QUARTERLY,
        "Kết quả thực hiện Quy chế phối hợp",
        PeriodType.QUARTERLY,
        5,
        (K.DEPARTMENT, K.MASS_ORG, K.FRONT_COMMITTEE),
        (K.PROVINCE,),
        "Báo cáo hằng quý của các sở, ban, ngành, Ủy ban MTTQ và các tổ chức chính trị - xã hội tỉnh về kết "
        "quả thực hiện Quy chế phối hợp 194/QCPH, gửi cơ quan đầu mối (Ban Thường trực Ủy ban MTTQ tỉnh, Văn "
        "phòng UBND tỉnh) trong 5 ngày làm việc sau ngày chốt số liệu.",
        (
            (
                "Thông tin, báo cáo, hội họp",
                (FieldSpec("PH_HOI_NGHI", required=True), FieldSpec("PH_VAN_BAN", required=True)),
            ),
            ("Tuyên truyền, vận động Nhân dân", (FieldSpec("TT_LUOT_NGUOI", required=True),)),
            (
                "Giám sát và phản biện xã hội",
                (
                    FieldSpec("GS_CUOC", required=True),
                    FieldSpec("PB_CUOC"),
                    FieldSpec("KN_SO"),
                    FieldSpec("TL_KN_TRA_LOI"),
                ),
            ),
            ("Tiếp công dân, đơn thư", (FieldSpec("DON_THU_TIEP_NHAN"),)),
            (
                "Đánh giá chung",
                (FieldSpec("QCPH_HOAN_THANH", required=True), FieldSpec("KHO_KHAN_DE_XUAT")),
            ),
        ),
        (
            RuleSpec(
                "Giao ban phối hợp ít nhất một lần mỗi quý",
                "PH_HOI_NGHI",
                ">=",
                "1",
                WARNING,
                "Quy chế yêu cầu giao ban, trao đổi phối hợp ít nhất một lần mỗi quý: nêu lý do nếu chưa tổ chức.",
            ),
        ),
    ),
    FormSpec(
        MONTHLY,
        "Báo cáo tháng công tác Mặt trận và phối hợp ở cơ sở",
        PeriodType.MONTHLY,
        2,
        (K.PEOPLE_COMMITTEE,),
        (K.COMMUNE,),
        "Báo cáo hằng tháng của xã, phường, đặc khu về công tác Mặt trận và phối hợp giữa UBND và Ủy ban "
        "MTTQ ở cơ sở; Văn phòng - Thống kê UBND tổng hợp, lãnh đạo UBND duyệt, gửi trong 2 ngày làm việc "
        "sau ngày chốt số liệu.",
        (
            ("Tuyên truyền, vận động", (FieldSpec("TT_LUOT_NGUOI", required=True),)),
            (
                "Giảm nghèo, an sinh xã hội",
                (
                    FieldSpec("HN_HO_NGHEO_HO_TRO", required=True, max_value=500),
                    FieldSpec("QUY_VNN"),
                    FieldSpec("NDD_KHOI_CONG", required=True, max_value=100),
                    FieldSpec("NDD_BAN_GIAO", required=True, max_value=100),
                ),
            ),
            (
                "Tiếp công dân, đơn thư",
                (FieldSpec("DON_THU_TIEP_NHAN", required=True), FieldSpec("DON_THU_GIAI_QUYET")),
            ),
            (
                "Giám sát và phản biện xã hội",
                (
                    FieldSpec("GS_CUOC", required=True),
                    FieldSpec("PB_CUOC"),
                    FieldSpec("KN_SO"),
                    FieldSpec("TL_KN_TRA_LOI"),
                ),
            ),
            (
                "Phối hợp giữa UBND và Ủy ban MTTQ",
                (FieldSpec("GB_UBND_MTTQ", required=True), FieldSpec("KHO_KHAN_DE_XUAT")),
            ),
        ),
        (
            RuleSpec(
                "Nhà Đại đoàn kết bàn giao không vượt số khởi công",
                "NDD_BAN_GIAO",
                "<=",
                "NDD_KHOI_CONG",
                ERROR,
                "Số nhà Đại đoàn kết bàn giao không được lớn hơn số nhà khởi công trong tháng.",
            ),
            RuleSpec(
                "Đơn thư giải quyết so với tiếp nhận",
                "DON_THU_GIAI_QUYET",
                "<=",
                "DON_THU_TIEP_NHAN",
                WARNING,
                "Số đơn thư giải quyết nhiều hơn số tiếp nhận trong tháng: ghi rõ số đơn tồn kỳ trước.",
            ),
        ),
    ),
]

RETURN_REASONS = [
    "Số lượt người được tuyên truyền chưa tách đúng nam, nữ; đề nghị kiểm tra lại.",
    "Số đơn thư tiếp nhận chưa khớp với sổ theo dõi tiếp công dân; đề nghị rà soát, điều chỉnh.",
    "Số liệu hộ nghèo được hỗ trợ chưa khớp với danh sách của Ban vận động; đề nghị kiểm tra lại.",
]
PERSONA_RETURN_REASON = (
    "Số nhà Đại đoàn kết bàn giao chưa khớp với biên bản bàn giao của Ban vận động; đề nghị kiểm tra, bổ sung."
)
DIFFICULTIES = [
    "Kinh phí hỗ trợ hoạt động giám sát, phản biện ở cơ sở còn hạn chế.",
    "Một số khu dân cư mới sáp nhập, cán bộ chưa quen địa bàn; đề nghị tăng cường tập huấn nghiệp vụ.",
    "Đề nghị UBND cấp trên sớm bố trí nguồn hỗ trợ xây dựng nhà Đại đoàn kết cho hộ khó khăn về nhà ở.",
    "Việc trả lời kiến nghị sau giám sát của một số cơ quan còn chậm so với thời hạn.",
    "Đề nghị thống nhất biểu mẫu thống kê giữa các ngành để tránh báo cáo trùng lặp.",
]
BACKLOG_NOTE = "Giải quyết thêm {n} đơn tồn từ kỳ trước chuyển sang."
NO_MEETING_NOTE = "Trong quý đã trao đổi bằng văn bản; giao ban phối hợp lùi sang đầu quý sau."

Values = dict[tuple[str, str], str]


# --- Values -----------------------------------------------------------------------------------


def _rng(*parts: Any) -> random.Random:
    """A generator for one unit (and period): the same draws whatever else is loaded, or when."""
    return random.Random(":".join([str(SEED), *map(str, parts)]))


def _commune_values(rng: random.Random, size: float, period: Period) -> tuple[Values, dict[str, str]]:
    """One month of a commune; returns the values and the comments answering warnings (by rule code).

    `size` (0.6–1.8, fixed per commune) scales its figures, so one month reads like the last
    beside it on the entry page (±20 %) instead of jumping at random.
    """
    month = period.number
    # The month of the poor (17/10–18/11) and the run-up to Tết raise support and fund drives;
    # the Great Unity festival (18/11) raises propaganda.
    peak = 1.8 if month in (10, 11) else 1.4 if month in (1, 12) else 1.0
    reach = int(1500 * size * rng.uniform(0.8, 1.2) * (1.3 if month == 11 else 1.0))
    men = int(reach * rng.uniform(0.44, 0.49))
    started = rng.choices([0, 1, 2, 3], weights=[5, 3, 2, 1])[0] + (1 if peak > 1.5 and rng.random() < 0.5 else 0)
    handed = rng.randint(0, started)
    received = max(0, round(rng.gauss(3 * size, 1.5)))
    resolved = rng.randint(max(0, received - 2), received)
    notes: dict[str, str] = {}
    if received and rng.random() < 0.05:
        backlog = rng.randint(1, 3)
        resolved = received + backlog
        notes["DON_THU_GIAI_QUYET"] = BACKLOG_NOTE.format(n=backlog)
    supervisions = rng.choices([0, 1, 2], weights=[5, 4, 1])[0]
    values: Values = {
        ("TT_LUOT_NGUOI", "nam"): str(men),
        ("TT_LUOT_NGUOI", "nu"): str(reach - men),
        ("HN_HO_NGHEO_HO_TRO", ""): str(max(1 if peak > 1 else 0, round(4 * size * peak * rng.uniform(0.5, 1.5)))),
        ("NDD_KHOI_CONG", ""): str(started),
        ("NDD_BAN_GIAO", ""): str(handed),
        ("DON_THU_TIEP_NHAN", ""): str(received),
        ("GS_CUOC", ""): str(supervisions),
        ("GB_UBND_MTTQ", ""): "có" if rng.random() < 0.85 else "không",
    }
    # Optional figures are left empty when there is nothing to report, as communes do.
    if resolved:
        values[("DON_THU_GIAI_QUYET", "")] = str(resolved)
    if rng.random() < 0.12:
        values[("PB_CUOC", "")] = "1"
    if peak > 1 or rng.random() < 0.2:
        values[("QUY_VNN", "")] = str(round(15 * size * peak * rng.uniform(0.7, 1.3), 1))
    if supervisions:
        recommendations = rng.randint(1, 4 * supervisions)
        values[("KN_SO", "")] = str(recommendations)
        values[("TL_KN_TRA_LOI", "")] = str(rng.choice([50, 60, 75, 80, 100, 100]))
    if rng.random() < 0.15:
        values[("KHO_KHAN_DE_XUAT", "")] = rng.choice(DIFFICULTIES)
    return values, notes


def _province_values(rng: random.Random, unit: Unit, period: Period) -> tuple[Values, dict[str, str]]:
    """One quarter of a department, a socio-political organisation or the Front committee."""
    front = unit.kind in (K.FRONT_COMMITTEE, K.MASS_ORG)
    scale = 4.0 if unit.kind == K.FRONT_COMMITTEE else 2.5 if front else 1.0
    # Each body's own level (fixed per unit), ±20 % from one quarter to the next.
    reach = int(_rng(unit.code).uniform(800, 4000) * scale * rng.uniform(0.8, 1.2))
    # The Women's Union reaches mostly women, the Veterans' Association mostly men.
    share_men = {"22-HLHPN": 0.12, "22-HCCB": 0.8}.get(unit.code, rng.uniform(0.44, 0.52))
    men = int(reach * share_men)
    meetings = rng.choices([0, 1, 2, 3, 4], weights=[1, 6, 6, 3, 1])[0]
    supervisions = rng.randint(1, 5) if front else rng.choices([0, 1, 2], weights=[4, 4, 1])[0]
    notes: dict[str, str] = {}
    if meetings == 0:
        notes["PH_HOI_NGHI"] = NO_MEETING_NOTE
    values: Values = {
        ("PH_HOI_NGHI", ""): str(meetings),
        ("PH_VAN_BAN", ""): str(rng.randint(2, 18)),
        ("TT_LUOT_NGUOI", "nam"): str(men),
        ("TT_LUOT_NGUOI", "nu"): str(reach - men),
        ("GS_CUOC", ""): str(supervisions),
        ("PB_CUOC", ""): str(rng.choices([0, 1, 2], weights=[3, 3, 1])[0] if front else 0),
        ("DON_THU_TIEP_NHAN", ""): str(rng.randint(5, 40) if unit.kind == K.FRONT_COMMITTEE else rng.randint(0, 12)),
        ("QCPH_HOAN_THANH", ""): "có" if rng.random() < 0.9 else "không",
    }
    if supervisions:
        values[("KN_SO", "")] = str(rng.randint(supervisions, 6 * supervisions))
        values[("TL_KN_TRA_LOI", "")] = str(rng.choice([60, 70, 80, 85, 90, 100]))
    if rng.random() < 0.3:
        values[("KHO_KHAN_DE_XUAT", "")] = rng.choice(DIFFICULTIES)
    return values, notes


# --- Loading ----------------------------------------------------------------------------------


@dataclass
class Plan:
    """What happens to one unit's report for one period."""

    unit: Unit
    period: Period
    submitted_on: dt.date | None = None  # None: never sent (a draft when `draft`)
    draft: bool = False
    returned: str = ""  # a reason: returned, then corrected and resubmitted
    approve: bool = True
    final_return: str = ""  # a reason: returned and left for the unit to correct
    partial: bool = False  # only a few values (a draft being typed)
    enterer: Any = LOADER
    approver: Any = LOADER


class _Loader:
    def __init__(self, today: dt.date) -> None:
        self.today = today
        self.people = {
            u.username: u for u in User.objects.filter(username__in=["admin", "xa", "xa.lanhdao", "phunu", "sonoivu"])
        }
        self.counts = {"submissions": 0, "on_time": 0, "late": 0, "never": 0, "drafts": 0, "returned": 0}
        self.rules: dict[str, dict[str, int]] = {}

    # Dates ---------------------------------------------------------------------------------

    def deadline(self, form: ReportForm, period: Period, unit: Unit) -> dt.date:
        return submission_deadline(period, form.deadline_working_days, province_code=unit.province_code)

    def fate(self, form: ReportForm, unit: Unit, period: Period) -> Plan:
        """Draw when (and whether) the unit sends the report: on time, late or never."""
        rng = _rng(form.code, unit.code, period.id, "fate")
        plan = Plan(unit=unit, period=period)
        deadline = self.deadline(form, period, unit)
        draw = rng.random()
        if draw < ON_TIME:
            days = [
                period.end + dt.timedelta(days=n)
                for n in range(1, (deadline - period.end).days + 1)
                if is_working_day(period.end + dt.timedelta(days=n))
            ] or [deadline]
            plan.submitted_on = rng.choice(days)
        elif draw < LATE:
            plan.submitted_on = add_days(deadline, rng.randint(1, 8), working=True)
        else:
            plan.draft = rng.random() < 0.34
            plan.partial = True
        if plan.submitted_on is not None and plan.submitted_on > self.today:
            # Not sent yet (the period closed recently): an open draft, or nothing.
            plan.submitted_on = None
            plan.draft = rng.random() < (0.5 if period.end < self.today else 0.05)
            plan.partial = True
        if plan.submitted_on is not None and rng.random() < RETURNED:
            plan.returned = rng.choice(RETURN_REASONS)
        recent = period.next().next().end >= self.today  # one of the last two closed periods
        plan.approve = not (recent and rng.random() < WAITING)
        return plan

    # Steps ---------------------------------------------------------------------------------

    def run(self, form: ReportForm, plan: Plan) -> Submission | None:
        if plan.submitted_on is None and not plan.draft:
            self.counts["never"] += 1
            return None
        unit, period = plan.unit, plan.period
        rng = _rng(form.code, unit.code, period.id, "values")
        if form.code == MONTHLY:
            values, notes = _commune_values(rng, _rng(unit.code).uniform(0.6, 1.8), period)
        else:
            values, notes = _province_values(rng, unit, period)
        if plan.partial:
            values = dict(list(values.items())[:3])
        submission = services.submission_open(actor=plan.enterer, form=form, unit=unit, period_id=period.id)
        errors = services.values_save(actor=plan.enterer, submission=submission, values=values)
        if errors:  # the generators keep the rules: a refused value is a bug in this file
            raise RuntimeError(f"demo values refused for {unit.code} {period.id}: {errors}")
        if plan.submitted_on is None:
            self.counts["drafts"] += 1
            return submission
        comments = {str(self.rules[form.code][code]): text for code, text in notes.items()}
        services.submission_submit(
            actor=plan.enterer, submission=submission, warning_comments=comments, on=plan.submitted_on
        )
        self.counts["submissions"] += 1
        self.counts["late" if submission.is_late else "on_time"] += 1
        if plan.returned:
            services.submission_return(actor=plan.approver, submission=submission, reason=plan.returned)
            code, category = next(iter(values))
            services.values_save(
                actor=plan.enterer,
                submission=submission,
                values={(code, category): str(int(values[(code, category)]) + 1)},
            )
            services.submission_submit(actor=plan.enterer, submission=submission, warning_comments=comments)
            self.counts["returned"] += 1
        if plan.final_return:
            services.submission_return(actor=plan.approver, submission=submission, reason=plan.final_return)
            self.counts["returned"] += 1
        elif plan.approve:
            services.submission_approve(actor=plan.approver, submission=submission)
        return submission


def _periods(kind: PeriodType, first: Period, today: dt.date) -> list[Period]:
    """Every period from `first` to the one holding today (whose report is not due yet)."""
    current = period_containing(today, kind)
    periods = [first]
    while periods[-1].id != current.id:
        periods.append(periods[-1].next())
    return periods


def _create_metadata(admin: User, owner: Unit) -> dict[str, ReportForm]:
    indicators = {
        spec.code: services.indicator_create(
            actor=admin,
            code=spec.code,
            name=spec.name,
            value_type=spec.value_type,
            aggregation=spec.aggregation,
            period_aggregation=spec.period_aggregation,
            unit_of_measure=spec.unit_of_measure,
            disaggregation=spec.disaggregation,
            area=spec.area,
            description=spec.description,
            short_name=spec.short_name,
        )
        for spec in INDICATORS
    }
    forms = {}
    for spec in FORMS:
        form = services.form_create(
            actor=admin,
            owner_unit=owner,
            code=spec.code,
            name=spec.name,
            period_type=spec.period_type,
            deadline_working_days=spec.deadline_working_days,
            assigned_unit_kinds=spec.unit_kinds,
            assigned_territory_kinds=spec.territory_kinds,
            description=spec.description,
        )
        for position, (title, fields) in enumerate(spec.sections, start=1):
            section = services.section_add(actor=admin, form=form, title=title, order=position)
            for order, field in enumerate(fields, start=1):
                services.field_add(
                    actor=admin,
                    section=section,
                    indicator=indicators[field.code],
                    order=order,
                    required=field.required,
                    min_value=0 if indicators[field.code].is_numeric else None,
                    max_value=field.max_value,
                )
        for rule in spec.rules:
            services.rule_add(actor=admin, form=form, **vars(rule))
        forms[spec.code] = form
    return forms


def _merged_commune_body() -> Unit:
    """Give Xã An Sinh (closed 30/06/2025) its People's Committee, closed with it, so it can report."""
    commune = Unit.objects.get(code=MERGED_COMMUNE, kind=K.COMMUNE, valid_to=LAST_DAY_BEFORE_REFORM)
    return org_services.unit_create(
        actor=None,
        parent=commune,
        code=MERGED_BODY,
        name="Ủy ban nhân dân xã An Sinh",
        short_name="UBND",
        kind=K.PEOPLE_COMMITTEE,
        valid_to=LAST_DAY_BEFORE_REFORM,
    )


@transaction.atomic
def load_reporting(*, today: dt.date | None = None) -> dict[str, int]:
    """Load the two demo forms and their 2024–today history once; a second call does nothing.

    Needs the structure, the personas and the agreements demo (for the Regulation 194 duty).
    `today` defaults to the real date and must not be after it.
    """
    if not settings.DEMO:
        raise RuntimeError("the demo's records exist only in demo mode (PHOIHOP_DEMO=true)")
    if ReportForm.objects.filter(code__in=[QUARTERLY, MONTHLY]).exists():
        return {"forms": 0}
    loader = _Loader(today or timezone.localdate())
    admin = loader.people["admin"]
    forms = _create_metadata(admin, Unit.objects.get(code="22-MTTQ", valid_to__isnull=True))
    loader.rules = {code: {r.left: r.pk for r in form.rules.all()} for code, form in forms.items()}
    merged = _merged_commune_body()

    quarterly = forms[QUARTERLY]
    own = {"22-HLHPN": loader.people["phunu"], "22-SONV": loader.people["sonoivu"]}
    provincial = sorted(selectors.assigned_units(form=quarterly), key=lambda u: u.path)
    quarters = _periods(PeriodType.QUARTERLY, make_period(PeriodType.QUARTERLY, FIRST_YEAR, 1), loader.today)
    due = [q for q in quarters if loader.deadline(quarterly, q, provincial[0]) < loader.today]
    duty_period = max(
        (q for q in due if q.end <= parse_period(DUTY_LAST_QUARTER).end), key=lambda q: q.end, default=None
    )
    duty_report = None
    for period in quarters:
        for unit in provincial:
            plan = loader.fate(quarterly, unit, period)
            plan.enterer = own.get(unit.code, LOADER)
            if unit.code == DUTY_UNIT and period == duty_period:
                # Sent on time, and approved once the form is linked to the duty (below).
                plan = Plan(unit=unit, period=period, submitted_on=loader.deadline(quarterly, period, unit))
                plan.enterer, plan.approve = own[unit.code], False
                duty_report = loader.run(quarterly, plan)
                continue
            loader.run(quarterly, plan)

    monthly = forms[MONTHLY]
    first_month = make_period(PeriodType.MONTHLY, FIRST_YEAR, 1)
    for period in _periods(PeriodType.MONTHLY, first_month, LAST_DAY_BEFORE_REFORM + dt.timedelta(days=14)):
        plan = loader.fate(monthly, merged, period)
        if period.id == REFORM_MONTH:
            # Its last report, for 15–30/06, sent the day before the merger.
            plan = Plan(unit=merged, period=period, submitted_on=LAST_DAY_BEFORE_REFORM)
        loader.run(monthly, plan)
    communes = sorted((u for u in selectors.assigned_units(form=monthly) if u.valid_to is None), key=lambda u: u.path)
    months = _periods(PeriodType.MONTHLY, make_period(PeriodType.MONTHLY, 2025, 7), loader.today)
    for period in months:
        for unit in communes:
            if unit.code == f"{PERSONA_COMMUNE}-UBND":
                plan = _persona_plan(loader, monthly, unit, period, months)
            else:
                plan = loader.fate(monthly, unit, period)
            loader.run(monthly, plan)

    _link_duty(admin, quarterly, duty_report)
    loader.counts["forms"] = len(forms)
    return loader.counts


def _persona_plan(loader: _Loader, form: ReportForm, unit: Unit, period: Period, months: list[Period]) -> Plan:
    """Phường An Sinh's set story: a draft now, one waiting for approval, one returned, the rest done."""
    xa, leader = loader.people["xa"], loader.people["xa.lanhdao"]
    plan = loader.fate(form, unit, period)
    plan.enterer, plan.approver = xa, leader
    position = len(months) - 1 - months.index(period)  # 0 = the current period
    if position == 0:
        return Plan(unit=unit, period=period, draft=True, partial=True, enterer=xa, approver=leader)
    if plan.submitted_on is None or position <= 2:
        # An Sinh always reports; the two reports of its story were sent on the deadline.
        plan.submitted_on = min(loader.today, loader.deadline(form, period, unit))
        plan.draft = plan.partial = False
    plan.returned = ""
    plan.approve = position > 1
    if position == 2:
        plan.final_return = PERSONA_RETURN_REASON
    return plan


def _link_duty(admin: User, form: ReportForm, duty_report: Submission | None) -> None:
    """Link the quarterly form to Sở Nội vụ's Regulation 194 reporting duty, then approve its last report.

    The duty takes notes and files; it learns to take report submissions as evidence first
    (form_update refuses a duty that would refuse the report).
    """
    duty = Obligation.objects.get(agreement__number=DUTY_AGREEMENT, title=DUTY_TITLE, owing_units__code=DUTY_UNIT)
    kinds = list(duty.evidence_kinds or [])
    if Evidence.Kind.SUBMISSION not in kinds:
        agreement_services.obligation_update(
            actor=admin, obligation=duty, evidence_kinds=[*kinds, Evidence.Kind.SUBMISSION]
        )
    services.form_update(actor=admin, form=form, obligation=duty)
    if duty_report is not None and duty_report.status == Submission.Status.SUBMITTED:
        # Evidence records a person (Evidence.added_by): the system administrator approves it.
        services.submission_approve(actor=admin, submission=duty_report)
