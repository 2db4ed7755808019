"""Regulation 194/QCPH as a living record, for the demo (issue 3, point 7).

Loaded through the services, so the demo's records, occurrences and audit trail are exactly
what users would make:

- Regulation 194/QCPH of 30/11/2021 (in force to 31/12/2025) between the provincial People's
  Committee (focal unit: its Office) and the Fatherland Front committee, with the five
  socio-political organisations as members; its recurring duties (DOMAIN.md §3) as duties with
  RFC 5545 schedules; the regular sessions of the provincial People's Council 2022–2026 and the
  People's Committee's meetings as events; the interim review of 31/05/2024.
- Two programmes implementing it: Sở Nông nghiệp và Môi trường with the Farmers' Union, Sở Y tế
  with the Women's Union.
- Coordination regulations between the People's Committee and the Front committee of 10 of the
  54 communes (including 07090 Phường An Sinh, not 07093), signed after the reform of 1/7/2025.

What fell due before today is completed with a deterministic mix (random.Random(194)): about
75 % on time, 15 % late, the rest left open and overdue. "Today" is the real date, so run next
year the same mix applies to what has fallen due by then.

Article numbers and document numbers are illustrative; session dates are approximate (said in
the titles). Names of bodies and people are data, in Vietnamese.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from phoihop.agreements import services
from phoihop.agreements.models import Agreement, AgreementParty, Event, Obligation, Occurrence
from phoihop.orgs.models import Unit, User

SEED = 194
NUMBER_194 = "194/QCPH"
K = Agreement.Kind
P = AgreementParty.Role
SK = Obligation.ScheduleKind
DR = Obligation.DeadlineRule
EK = Event.Kind
MASS_ORGS = ("22-HLHPN", "22-HND", "22-DTN", "22-HCCB", "22-LDLD")

HALF_YEARS = "FREQ=YEARLY;BYMONTH=1,7;BYMONTHDAY=1"
QUARTERS = "FREQ=YEARLY;BYMONTH=1,4,7,10;BYMONTHDAY=1"
YEARS = "FREQ=YEARLY;BYMONTH=1;BYMONTHDAY=1"


@dataclass(frozen=True)
class Duty:
    title: str
    article: str
    area: str
    owing: tuple[str, ...]
    # Evidence note; {n} a document number, {date} the day it was done (dd/mm/yyyy), {abbr} the owing unit.
    note: str
    receiving: tuple[str, ...] = ()
    schedule: dict[str, Any] = field(default_factory=dict)


def _recurring(rrule: str, rule: str = DR.AFTER_PERIOD_END, days: int = 0, working: bool = False) -> dict[str, Any]:
    return {
        "schedule_kind": SK.RECURRING,
        "rrule": rrule,
        "deadline_rule": rule,
        "deadline_days": days,
        "deadline_working_days": working,
    }


def _before(kind: str, days: int, working: bool = False) -> dict[str, Any]:
    return {
        "schedule_kind": SK.EVENT,
        "event_kind": kind,
        "deadline_rule": DR.BEFORE_EVENT,
        "deadline_days": days,
        "deadline_working_days": working,
    }


REGULATION_194_DUTIES = [
    Duty(
        "Thông báo tình hình kinh tế - xã hội 6 tháng, cả năm cho Ủy ban MTTQ và các tổ chức chính trị - xã hội",
        "Điều 5, khoản 1",
        "phat-trien-kinh-te-xa-hoi",
        ("22-UBND",),
        "Văn bản số {n}/UBND-TH ngày {date} thông báo tình hình kinh tế - xã hội gửi Ủy ban MTTQ tỉnh "
        "và các tổ chức chính trị - xã hội tỉnh.",
        receiving=("22-MTTQ", *MASS_ORGS),
        schedule=_recurring(HALF_YEARS, days=15),
    ),
    Duty(
        "Mời Chủ tịch Ủy ban MTTQ tỉnh và người đứng đầu các tổ chức chính trị - xã hội dự phiên họp UBND "
        "có nội dung liên quan",
        "Điều 5, khoản 3",
        "thong-tin-bao-cao-hoi-hop",
        ("22-UBND",),
        "Giấy mời số {n}/GM-UBND ngày {date} gửi Chủ tịch Ủy ban MTTQ tỉnh và người đứng đầu các tổ chức "
        "chính trị - xã hội tỉnh.",
        receiving=("22-MTTQ", *MASS_ORGS),
        schedule=_before(EK.COMMITTEE_MEETING, 3, working=True),
    ),
    Duty(
        "Báo cáo công tác tham gia xây dựng chính quyền và tổng hợp ý kiến, kiến nghị của cử tri và Nhân dân "
        "trình kỳ họp HĐND tỉnh",
        "Điều 6, khoản 2",
        "kien-nghi-cu-tri",
        ("22-MTTQ",),
        "Báo cáo số {n}/BC-MTTQ-BTT ngày {date} về công tác tham gia xây dựng chính quyền và tổng hợp ý kiến, "
        "kiến nghị của cử tri gửi kỳ họp HĐND tỉnh; UBND tỉnh tiếp thu, trả lời tại kỳ họp.",
        receiving=("22-HDND", "22-UBND"),
        schedule=_before(EK.COUNCIL_REGULAR_SESSION, 10),
    ),
    Duty(
        "Đề xuất nội dung giám sát của HĐND tỉnh năm sau",
        "Điều 7, khoản 1",
        "giam-sat-phan-bien-xa-hoi",
        ("22-MTTQ",),
        "Văn bản số {n}/MTTQ-BTT ngày {date} đề xuất nội dung giám sát năm sau gửi Thường trực HĐND tỉnh.",
        receiving=("22-HDND",),
        schedule={
            "schedule_kind": SK.RECURRING,
            "rrule": "FREQ=YEARLY",
            "deadline_rule": DR.DATE_OF_PREVIOUS_YEAR,
            "deadline_date": dt.date(2022, 3, 1),
        },
    ),
    Duty(
        "Hội nghị liên tịch đánh giá kết quả thực hiện Quy chế và thống nhất chương trình phối hợp năm sau",
        "Điều 10, khoản 1",
        "thong-tin-bao-cao-hoi-hop",
        ("22-UBND", "22-MTTQ"),
        "Biên bản hội nghị liên tịch ngày {date} đánh giá kết quả thực hiện Quy chế và thống nhất chương trình "
        "phối hợp năm sau (Thông báo kết luận số {n}/TB-UBND).",
        schedule=_recurring("FREQ=YEARLY;BYMONTH=12;BYMONTHDAY=15", rule=DR.FIXED_DATE),
    ),
    Duty(
        "Chủ tịch UBND tỉnh tiếp công dân định kỳ (ít nhất 1 ngày/tháng), có đại diện Ủy ban MTTQ tỉnh tham dự",
        "Điều 8, khoản 1",
        "tiep-cong-dan-khieu-nai-to-cao",
        ("22-UBND",),
        "Thông báo số {n}/TB-UBND ngày {date} kết luận buổi tiếp công dân định kỳ của Chủ tịch UBND tỉnh, "
        "có đại diện Ủy ban MTTQ tỉnh dự.",
        receiving=("22-MTTQ",),
        schedule=_recurring("FREQ=MONTHLY;BYMONTHDAY=1"),
    ),
    Duty(
        "Phát động Tháng cao điểm và Ngày vì người nghèo (17/10)",
        "Điều 9, khoản 2",
        "giam-ngheo-an-sinh-xa-hoi",
        ("22-MTTQ",),
        "Báo cáo số {n}/BC-MTTQ ngày {date} kết quả phát động Tháng cao điểm “Vì người nghèo”, có UBND tỉnh "
        "phối hợp chỉ đạo.",
        receiving=("22-UBND",),
        schedule=_recurring("FREQ=YEARLY;BYMONTH=10;BYMONTHDAY=17", rule=DR.FIXED_DATE),
    ),
    Duty(
        "Tổ chức Ngày hội Đại đoàn kết toàn dân tộc ở khu dân cư (quanh 18/11)",
        "Điều 9, khoản 1",
        "dai-doan-ket",
        ("22-MTTQ",),
        "Kế hoạch số {n}/KH-MTTQ ngày {date} tổ chức Ngày hội Đại đoàn kết toàn dân tộc ở khu dân cư; "
        "báo cáo kết quả kèm theo.",
        receiving=("22-UBND",),
        schedule=_recurring("FREQ=YEARLY;BYMONTH=11;BYMONTHDAY=18", rule=DR.FIXED_DATE),
    ),
    Duty(
        "Sơ kết giữa kỳ việc thực hiện Quy chế",
        "Điều 11, khoản 1",
        "thong-tin-bao-cao-hoi-hop",
        ("22-UBND", "22-MTTQ"),
        "Hội nghị sơ kết thực hiện Quy chế phối hợp 194/QCPH ngày 31/05/2024; Báo cáo sơ kết số {n}/BC-UBND-MTTQ.",
        schedule={"schedule_kind": SK.ONCE, "deadline_rule": DR.FIXED_DATE, "deadline_date": dt.date(2024, 5, 31)},
    ),
    Duty(
        "Tổng kết việc thực hiện Quy chế giai đoạn 2021–2025",
        "Điều 11, khoản 2",
        "thong-tin-bao-cao-hoi-hop",
        ("22-UBND", "22-MTTQ"),
        "Báo cáo tổng kết số {n}/BC-UBND-MTTQ ngày {date} việc thực hiện Quy chế phối hợp giai đoạn 2021–2025.",
        schedule={"schedule_kind": SK.ONCE, "deadline_rule": DR.AFTER_PERIOD_END, "deadline_days": 90},
    ),
    # Each organisation and two departments report to the focal points every quarter; one duty
    # per unit, so each has its own record and rate.
    *[
        Duty(
            "Báo cáo kết quả thực hiện nội dung phối hợp hằng quý gửi cơ quan đầu mối",
            "Điều 12, khoản 2",
            "thong-tin-bao-cao-hoi-hop",
            (code,),
            "Báo cáo số {n}/BC-{abbr} ngày {date} về kết quả thực hiện nội dung phối hợp trong quý.",
            receiving=("22-MTTQ", "22-VPUBND"),
            schedule=_recurring(QUARTERS, days=5, working=True),
        )
        for code in (*MASS_ORGS, "22-SONV", "22-SOTP")
    ],
]

AREAS_194 = [
    "dai-doan-ket",
    "phat-trien-kinh-te-xa-hoi",
    "giam-ngheo-an-sinh-xa-hoi",
    "giam-sat-phan-bien-xa-hoi",
    "xay-dung-dang-chinh-quyen",
    "tiep-cong-dan-khieu-nai-to-cao",
    "kien-nghi-cu-tri",
    "thong-tin-bao-cao-hoi-hop",
]

# Regular sessions of the provincial People's Council: mid-year (early July) and year-end (early
# December). The exact days vary by year and were not checked: the titles say so.
COUNCIL_SESSIONS = [
    (dt.date(2022, 7, 6), dt.date(2022, 7, 8)),
    (dt.date(2022, 12, 7), dt.date(2022, 12, 9)),
    (dt.date(2023, 7, 5), dt.date(2023, 7, 7)),
    (dt.date(2023, 12, 6), dt.date(2023, 12, 8)),
    (dt.date(2024, 7, 10), dt.date(2024, 7, 12)),
    (dt.date(2024, 12, 9), dt.date(2024, 12, 11)),
    (dt.date(2025, 7, 9), dt.date(2025, 7, 11)),
    (dt.date(2025, 12, 8), dt.date(2025, 12, 10)),
    (dt.date(2026, 7, 8), dt.date(2026, 7, 10)),
    (dt.date(2026, 12, 7), dt.date(2026, 12, 9)),
]
# Meetings of the People's Committee with items on the Front's work (year review, mid-year).
COMMITTEE_MEETINGS = [
    dt.date(2022, 1, 25),
    dt.date(2022, 7, 26),
    dt.date(2023, 1, 17),
    dt.date(2023, 7, 25),
    dt.date(2024, 1, 23),
    dt.date(2024, 7, 23),
    dt.date(2025, 1, 21),
    dt.date(2025, 7, 22),
]
INTERIM_REVIEW = dt.date(2024, 5, 31)


def _programmes() -> list[dict[str, Any]]:
    return [
        {
            "owner": "22-HND",
            "number": "03/CTrPH-SNNMT-HND",
            "title": "Chương trình phối hợp giữa Sở Nông nghiệp và Môi trường và Hội Nông dân tỉnh về hỗ trợ nông dân "
            "phát triển kinh tế, bảo vệ môi trường giai đoạn 2025–2030",
            "signed_on": dt.date(2025, 4, 15),
            "effective_to": dt.date(2030, 12, 31),
            "areas": ["nong-thon-moi-do-thi-van-minh", "phat-trien-kinh-te-xa-hoi"],
            "parties": [("22-HND", P.LEAD, None), ("22-SONNMT", P.SIGNATORY, None)],
            "duties": [
                Duty(
                    "Báo cáo 6 tháng kết quả hỗ trợ nông dân phát triển kinh tế",
                    "Mục III, điểm 1",
                    "nong-thon-moi-do-thi-van-minh",
                    ("22-HND",),
                    "Báo cáo số {n}/BC-HND ngày {date} kết quả hỗ trợ nông dân 6 tháng gửi Sở Nông nghiệp và "
                    "Môi trường.",
                    receiving=("22-SONNMT",),
                    schedule=_recurring(HALF_YEARS, days=10),
                ),
                Duty(
                    "Hội nghị đánh giá kết quả phối hợp hằng năm",
                    "Mục III, điểm 3",
                    "nong-thon-moi-do-thi-van-minh",
                    ("22-HND", "22-SONNMT"),
                    "Biên bản hội nghị ngày {date} đánh giá kết quả phối hợp năm giữa Sở Nông nghiệp và Môi trường "
                    "và Hội Nông dân tỉnh.",
                    schedule=_recurring("FREQ=YEARLY;BYMONTH=12;BYMONTHDAY=10", rule=DR.FIXED_DATE),
                ),
            ],
        },
        {
            "owner": "22-HLHPN",
            "number": "05/CTrPH-SYT-HLHPN",
            "title": "Chương trình phối hợp giữa Sở Y tế và Hội Liên hiệp Phụ nữ tỉnh về chăm sóc sức khỏe phụ nữ "
            "và trẻ em giai đoạn 2022–2026",
            "signed_on": dt.date(2022, 3, 8),
            "effective_to": dt.date(2026, 12, 31),
            "areas": ["giam-ngheo-an-sinh-xa-hoi", "phong-chong-dich-benh-thien-tai"],
            "parties": [("22-HLHPN", P.LEAD, None), ("22-SOYT", P.SIGNATORY, None)],
            "duties": [
                Duty(
                    "Báo cáo hằng quý kết quả truyền thông chăm sóc sức khỏe phụ nữ, trẻ em",
                    "Mục II, điểm 4",
                    "giam-ngheo-an-sinh-xa-hoi",
                    ("22-HLHPN",),
                    "Báo cáo số {n}/BC-HLHPN ngày {date} kết quả truyền thông chăm sóc sức khỏe phụ nữ, trẻ em "
                    "trong quý gửi Sở Y tế.",
                    receiving=("22-SOYT",),
                    schedule=_recurring(QUARTERS, days=10),
                ),
                Duty(
                    "Khám sức khỏe miễn phí cho phụ nữ có hoàn cảnh khó khăn nhân ngày 20/10",
                    "Mục II, điểm 2",
                    "giam-ngheo-an-sinh-xa-hoi",
                    ("22-SOYT", "22-HLHPN"),
                    "Kế hoạch số {n}/KH-SYT-HLHPN; đợt khám sức khỏe cho phụ nữ có hoàn cảnh khó khăn hoàn thành "
                    "ngày {date}.",
                    schedule=_recurring("FREQ=YEARLY;BYMONTH=10;BYMONTHDAY=20", rule=DR.FIXED_DATE),
                ),
                Duty(
                    "Đánh giá kết quả thực hiện Chương trình hằng năm",
                    "Mục III",
                    "giam-ngheo-an-sinh-xa-hoi",
                    ("22-SOYT", "22-HLHPN"),
                    "Báo cáo liên ngành số {n}/BC-SYT-HLHPN ngày {date} đánh giá kết quả thực hiện Chương trình.",
                    schedule=_recurring(YEARS, days=20),
                ),
            ],
        },
    ]


def _commune_duties(code: str) -> list[Duty]:
    ubnd, mttq = f"{code}-UBND", f"{code}-MTTQ"
    return [
        Duty(
            "Thông báo tình hình kinh tế - xã hội 6 tháng, cả năm cho Ủy ban MTTQ",
            "Điều 4",
            "phat-trien-kinh-te-xa-hoi",
            (ubnd,),
            "Văn bản số {n}/UBND ngày {date} thông báo tình hình kinh tế - xã hội gửi Ủy ban MTTQ.",
            receiving=(mttq,),
            schedule=_recurring(HALF_YEARS, days=10),
        ),
        Duty(
            "Giao ban định kỳ hằng quý giữa UBND và Ban Thường trực Ủy ban MTTQ",
            "Điều 5",
            "thong-tin-bao-cao-hoi-hop",
            (ubnd, mttq),
            "Thông báo kết luận giao ban số {n}/TB-UBND ngày {date}.",
            schedule=_recurring("FREQ=YEARLY;BYMONTH=3,6,9,12;BYMONTHDAY=25", rule=DR.FIXED_DATE),
        ),
        Duty(
            "Phát động Tháng cao điểm và Ngày vì người nghèo (17/10)",
            "Điều 7",
            "giam-ngheo-an-sinh-xa-hoi",
            (mttq,),
            "Báo cáo số {n}/BC-MTTQ ngày {date} kết quả vận động Quỹ “Vì người nghèo”.",
            receiving=(ubnd,),
            schedule=_recurring("FREQ=YEARLY;BYMONTH=10;BYMONTHDAY=17", rule=DR.FIXED_DATE),
        ),
        Duty(
            "Ngày hội Đại đoàn kết toàn dân tộc ở các khu dân cư (quanh 18/11)",
            "Điều 7",
            "dai-doan-ket",
            (mttq,),
            "Báo cáo số {n}/BC-MTTQ ngày {date} kết quả tổ chức Ngày hội Đại đoàn kết ở các khu dân cư.",
            receiving=(ubnd,),
            schedule=_recurring("FREQ=YEARLY;BYMONTH=11;BYMONTHDAY=18", rule=DR.FIXED_DATE),
        ),
    ]


# --- Loading ----------------------------------------------------------------------------------


class _Loader:
    def __init__(self, today: dt.date) -> None:
        self.today = today
        self.rng = random.Random(SEED)
        self.units = {u.code: u for u in Unit.objects.filter(valid_to__isnull=True)}
        self.people = {
            u.username: u for u in User.objects.filter(username__in=["admin", "mttq", "ubnd", "phunu", "sonoivu", "xa"])
        }
        self.counts = {"agreements": 0, "obligations": 0, "events": 0, "occurrences": 0, "on_time": 0, "late": 0}

    def unit(self, code: str) -> Unit:
        return self.units[code]

    def actor_for(self, code: str) -> User:
        """The demo person who records what a unit did: its own officer, else one whose scope reaches it."""
        own = {"22-HLHPN": "phunu", "22-SONV": "sonoivu", "07090-UBND": "xa"}.get(code)
        if own:
            return self.people[own]
        unit = self.unit(code)
        if unit.path.startswith(self.unit("22-UBND").path):
            return self.people["ubnd"]
        if unit.path.startswith(self.unit("22-MTTQ").path):
            return self.people["mttq"]
        return self.people["admin"]

    def register(
        self, *, owner: str, actor: User, parties: list[tuple[str, str, str | None]], **fields: Any
    ) -> Agreement:
        agreement = services.agreement_register(
            actor=actor,
            owner_unit=self.unit(owner),
            parties=[(self.unit(u), role, self.unit(f) if f else None) for u, role, f in parties],
            status=Agreement.Status.IN_FORCE,
            signed_place="Quảng Ninh",
            **fields,
        )
        self.counts["agreements"] += 1
        return agreement

    def add_duties(self, agreement: Agreement, actor: User, duties: list[Duty]) -> None:
        for duty in duties:
            services.obligation_create(
                actor=actor,
                agreement=agreement,
                title=duty.title,
                article_ref=duty.article,
                area=duty.area,
                owing_units=[self.unit(c) for c in duty.owing],
                receiving_units=[self.unit(c) for c in duty.receiving],
                evidence_kinds=("note", "file"),
                **duty.schedule,
            )
            self.counts["obligations"] += 1

    def complete_mix(self, agreement: Agreement, notes: dict[str, str]) -> None:
        """Complete what fell due by today: ~75 % on time, ~15 % late, the rest left open (overdue)."""
        rows = (
            Occurrence.objects.filter(
                obligation__agreement=agreement, due_on__lte=self.today, state=Occurrence.State.OPEN
            )
            .select_related("obligation__agreement__owner_unit")
            .prefetch_related("obligation__owing_units")
            .order_by("obligation_id", "due_on", "key")
        )
        for row in rows:
            draw = self.rng.random()
            number = self.rng.randint(12, 380)
            # Nothing is done before the agreement, and a report on a period comes after the period;
            # duties due before a session or in the year before are done ahead of their period.
            earliest = agreement.effective_from
            if row.obligation.deadline_rule == DR.AFTER_PERIOD_END and row.period_end and row.period_end < row.due_on:
                earliest = max(earliest, row.period_end + dt.timedelta(days=1))
            if draw < 0.75:
                done_on = max(earliest, row.due_on - dt.timedelta(days=self.rng.randint(0, 6)))
            elif draw < 0.90 and row.due_on < self.today:
                done_on = min(self.today, row.due_on + dt.timedelta(days=self.rng.randint(1, 25)))
            else:
                continue  # left open: overdue now
            owing = min(row.obligation.owing_units.all(), key=lambda u: u.path)
            note = notes[row.obligation.title].format(
                n=number, date=done_on.strftime("%d/%m/%Y"), abbr=owing.short_name
            )
            services.occurrence_complete(
                actor=self.actor_for(owing.code), occurrence=row, completed_on=done_on, note=note
            )
            self.counts["on_time" if done_on <= row.due_on else "late"] += 1

    def expire_if_over(self, agreement: Agreement, actor: User) -> None:
        if agreement.effective_to is not None and agreement.effective_to < self.today:
            services.agreement_set_status(actor=actor, agreement=agreement, status=Agreement.Status.EXPIRED)


@transaction.atomic
def load_agreements(*, today: dt.date | None = None) -> dict[str, int]:
    """Load Regulation 194, its programmes, events and commune regulations once; a second call does nothing.

    Needs the Quảng Ninh structure and the demo personas (load_structure, load_personas).
    `today` defaults to the real date and must not be after it (nothing is done in the future).
    """
    if not settings.DEMO:
        raise RuntimeError("the demo's records exist only in demo mode (PHOIHOP_DEMO=true)")
    if Agreement.objects.filter(number=NUMBER_194, owner_unit__code="22-MTTQ").exists():
        return {"agreements": 0}
    loader = _Loader(today or timezone.localdate())

    # The commune regulations: 07090 (the `xa` persona's ward) and nine others, never 07093.
    communes = sorted((u for u in loader.units.values() if u.kind == Unit.Kind.COMMUNE), key=lambda c: c.code)
    others = [c for c in communes if c.code not in ("07090", "07093")]
    chosen = [loader.unit("07090"), *sorted(loader.rng.sample(others, 9), key=lambda c: c.code)]

    _load_events(loader)
    regulation = _load_regulation(loader)
    for spec in _programmes():
        owner = spec.pop("owner")
        duties = spec.pop("duties")
        actor = loader.actor_for(owner)
        programme = loader.register(
            owner=owner,
            actor=actor,
            kind=K.PROGRAMME,
            effective_from=spec["signed_on"],
            parent=regulation,
            **spec,
        )
        loader.add_duties(programme, actor, duties)
        loader.complete_mix(programme, {d.title: d.note for d in duties})
        loader.expire_if_over(programme, actor)
    for position, commune in enumerate(chosen, start=1):
        _load_commune(loader, commune, position)
    loader.counts["occurrences"] = Occurrence.objects.count()
    loader.counts["communes"] = len(chosen)
    return loader.counts


def _load_events(loader: _Loader) -> None:
    for starts, ends in COUNCIL_SESSIONS:
        half = "giữa năm" if starts.month < 9 else "cuối năm"
        services.event_create(
            actor=loader.people["admin"],
            kind=EK.COUNCIL_REGULAR_SESSION,
            title=f"Kỳ họp thường lệ {half} {starts.year} của HĐND tỉnh (ngày họp gần đúng)",
            host_unit=loader.unit("22-HDND"),
            starts_on=starts,
            ends_on=ends,
            place="Trung tâm Hội nghị tỉnh, TP Hạ Long",
        )
        loader.counts["events"] += 1
    for day in COMMITTEE_MEETINGS:
        services.event_create(
            actor=loader.people["ubnd"],
            kind=EK.COMMITTEE_MEETING,
            title=f"Phiên họp UBND tỉnh tháng {day.month}/{day.year} có nội dung về công tác Mặt trận (ngày gần đúng)",
            host_unit=loader.unit("22-UBND"),
            starts_on=day,
        )
        loader.counts["events"] += 1
    services.event_create(
        actor=loader.people["mttq"],
        kind=EK.CONFERENCE,
        title="Hội nghị sơ kết thực hiện Quy chế phối hợp 194/QCPH giữa UBND tỉnh và Ủy ban MTTQ tỉnh",
        host_unit=loader.unit("22-MTTQ"),
        starts_on=INTERIM_REVIEW,
        place="Quảng Ninh",
    )
    loader.counts["events"] += 1


def _load_regulation(loader: _Loader) -> Agreement:
    mttq = loader.people["mttq"]
    regulation = loader.register(
        owner="22-MTTQ",
        actor=mttq,
        kind=K.REGULATION,
        number=NUMBER_194,
        title="Quy chế phối hợp công tác giữa Ủy ban nhân dân tỉnh và Ban Thường trực Ủy ban MTTQ Việt Nam tỉnh "
        "Quảng Ninh giai đoạn 2021–2025",
        summary="Quy chế phối hợp giữa UBND tỉnh và Ủy ban MTTQ Việt Nam tỉnh, với sự tham gia của các tổ chức "
        "chính trị - xã hội: thông tin, báo cáo, hội họp; tham gia xây dựng chính quyền; giám sát và phản biện "
        "xã hội; tiếp công dân; các phong trào thi đua và cuộc vận động. Sơ kết giữa kỳ ngày 31/05/2024.",
        signed_on=dt.date(2021, 11, 30),
        effective_from=dt.date(2021, 11, 30),
        effective_to=dt.date(2025, 12, 31),
        areas=AREAS_194,
        parties=[
            ("22-UBND", P.SIGNATORY, "22-VPUBND"),
            ("22-MTTQ", P.SIGNATORY, None),
            *[(code, P.MEMBER, None) for code in MASS_ORGS],
        ],
    )
    loader.add_duties(regulation, mttq, REGULATION_194_DUTIES)
    # The interim review happened on 31/05/2024 (DESIGN.md): recorded as held that day.
    interim = Occurrence.objects.get(obligation__agreement=regulation, obligation__title__startswith="Sơ kết")
    services.occurrence_complete(
        actor=mttq,
        occurrence=interim,
        completed_on=INTERIM_REVIEW,
        note="Hội nghị sơ kết thực hiện Quy chế phối hợp 194/QCPH ngày 31/05/2024; Báo cáo sơ kết số 112/BC-UBND-MTTQ.",
    )
    loader.counts["on_time"] += 1
    loader.complete_mix(regulation, {d.title: d.note for d in REGULATION_194_DUTIES})
    loader.expire_if_over(regulation, mttq)
    return regulation


def _load_commune(loader: _Loader, commune: Unit, position: int) -> None:
    place = commune.name[:1].lower() + commune.name[1:]
    signed = dt.date(2025, 8, 1) + dt.timedelta(days=loader.rng.randint(0, 55))
    actor = loader.people["xa"] if commune.code == "07090" else loader.people["admin"]
    agreement = loader.register(
        owner=f"{commune.code}-MTTQ",
        actor=actor,
        kind=K.REGULATION,
        number=f"{position:02d}/QCPH",
        title=f"Quy chế phối hợp công tác giữa UBND {place} và Ủy ban MTTQ Việt Nam {place} giai đoạn 2025–2030",
        signed_on=signed,
        effective_from=signed,
        effective_to=dt.date(2030, 12, 31),
        areas=["dai-doan-ket", "phat-trien-kinh-te-xa-hoi", "giam-ngheo-an-sinh-xa-hoi", "thong-tin-bao-cao-hoi-hop"],
        parties=[(f"{commune.code}-UBND", P.SIGNATORY, None), (f"{commune.code}-MTTQ", P.SIGNATORY, None)],
    )
    duties = _commune_duties(commune.code)
    loader.add_duties(agreement, actor, duties)
    loader.complete_mix(agreement, {d.title: d.note for d in duties})
