"""The Quảng Ninh demo meetings (called by `phoihop demo` after the tasks demo; idempotent).

- The joint conference reviewing the 2025 coordination programme under Regulation 194
  (18/12/2025, held, minutes recorded): five conclusions, four of which became tasks of the
  2026 programme — one led by UBND phường An Sinh, so the commune officer `xa` sees it.
- The 2026 first-quarter briefing of the UBND and the Front (07/04/2026, held): three
  conclusions, two of which became tasks.
- A coming monthly briefing two weeks from the day the demo is loaded, with answers pending,
  so the invitations, the .ics download and the feeds have something ahead.

Everything goes through meetings.services (so invitations, notifications, audit and the tasks
made from conclusions are real). A meeting already there (same host and title) is left alone.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo

from django.db import transaction
from django.utils import timezone

from phoihop.meetings import services
from phoihop.meetings.models import Meeting
from phoihop.orgs.models import Unit, User

VN = ZoneInfo("Asia/Ho_Chi_Minh")
HOST = "22-UBND"
ORGANISER = "ubnd"


@dataclass(frozen=True)
class DemoConclusion:
    text: str
    lead: str = ""
    due: dt.date | None = None
    make_task: bool = True


@dataclass(frozen=True)
class DemoMeeting:
    title: str
    kind: str
    starts_at: dt.datetime
    hours: float
    place: str
    agenda: str
    units: tuple[str, ...]
    people: tuple[str, ...] = ()
    minutes: str = ""
    answers: dict[str, str] = field(default_factory=dict)
    conclusions: tuple[DemoConclusion, ...] = ()
    plan_year: int | None = 2026


def _meetings(today: dt.date) -> list[DemoMeeting]:
    coming = today + dt.timedelta(days=14)
    while coming.weekday() >= 5:  # a working day
        coming += dt.timedelta(days=1)
    return [
        DemoMeeting(
            title="Hội nghị tổng kết Chương trình phối hợp năm 2025 giữa UBND tỉnh và Ủy ban MTTQ tỉnh",
            kind=Meeting.Kind.FINAL_REVIEW,
            starts_at=dt.datetime(2025, 12, 18, 8, 0, tzinfo=VN),
            hours=3.5,
            place="Hội trường Trung tâm Chính trị tỉnh, Hạ Long",
            agenda=(
                "1. Báo cáo kết quả thực hiện Chương trình phối hợp năm 2025 theo Quy chế 194/QCPH.\n"
                "2. Ý kiến của Ủy ban MTTQ tỉnh và các tổ chức chính trị - xã hội.\n"
                "3. Thống nhất nội dung Chương trình phối hợp năm 2026.\n"
                "4. Kết luận của Chủ tịch UBND tỉnh."
            ),
            units=("22-MTTQ", "22-HLHPN", "22-SONV", "07090-UBND", "07090-MTTQ"),
            people=("mttq.chutich",),
            minutes=(
                "Hội nghị đánh giá năm 2025 các bên đã triển khai đầy đủ các nội dung phối hợp; việc thông tin, "
                "báo cáo định kỳ có tiến bộ nhưng một số báo cáo quý còn chậm. Chủ tịch UBND tỉnh và Chủ tịch "
                "Ủy ban MTTQ tỉnh thống nhất các kết luận dưới đây."
            ),
            answers={"mttq.chutich": "accepted", "mttq": "accepted", "phunu": "accepted", "xa": "declined"},
            conclusions=(
                DemoConclusion(
                    "Sở Nội vụ chủ trì, phối hợp Ban Thường trực Ủy ban MTTQ tỉnh tham mưu dự thảo Chương trình "
                    "phối hợp năm 2026, trình ký trước ngày 31/01/2026.",
                    "22-SONV",
                    dt.date(2026, 1, 30),
                ),
                DemoConclusion(
                    "Văn phòng UBND tỉnh bảo đảm mời Chủ tịch Ủy ban MTTQ tỉnh và người đứng đầu các tổ chức chính "
                    "trị - xã hội dự các phiên họp của UBND tỉnh có nội dung liên quan.",
                    "22-UBND",
                    dt.date(2026, 3, 31),
                ),
                DemoConclusion(
                    "Hội LHPN tỉnh tổng kết mô hình “Mái ấm tình thương” năm 2025, báo cáo UBND tỉnh và "
                    "Ủy ban MTTQ tỉnh.",
                    "22-HLHPN",
                    dt.date(2026, 2, 27),
                ),
                DemoConclusion(
                    "UBND phường An Sinh phối hợp Ủy ban MTTQ phường rà soát danh sách hộ nghèo, hộ cận nghèo "
                    "cuối năm 2025, gửi kết quả về Sở Nội vụ.",
                    "07090-UBND",
                    dt.date(2026, 1, 15),
                ),
                DemoConclusion(
                    "Các bên tăng cường trao đổi thông tin qua hệ thống phối hợp, hạn chế văn bản giấy.",
                    make_task=False,
                ),
            ),
        ),
        DemoMeeting(
            title="Giao ban quý I/2026 giữa UBND tỉnh và Ủy ban MTTQ tỉnh",
            kind=Meeting.Kind.BRIEFING,
            starts_at=dt.datetime(2026, 4, 7, 14, 0, tzinfo=VN),
            hours=2,
            place="Phòng họp số 1, Trụ sở UBND tỉnh",
            agenda=(
                "1. Thông báo tình hình kinh tế - xã hội quý I/2026.\n"
                "2. Kết quả thực hiện Chương trình phối hợp quý I, nhiệm vụ quý II."
            ),
            units=("22-MTTQ", "22-SONV"),
            people=("mttq.chutich", "phunu"),
            minutes="UBND tỉnh thông báo tình hình kinh tế - xã hội quý I/2026; các bên thống nhất nhiệm vụ quý II.",
            answers={"mttq.chutich": "accepted", "mttq": "accepted", "sonoivu": "accepted", "phunu": "accepted"},
            conclusions=(
                DemoConclusion(
                    "Ủy ban MTTQ tỉnh tổng hợp ý kiến, kiến nghị cử tri trước kỳ họp HĐND tỉnh giữa năm 2026.",
                    "22-MTTQ",
                    dt.date(2026, 6, 20),
                ),
                DemoConclusion(
                    "Sở Nội vụ hướng dẫn các phường, xã báo cáo kết quả phối hợp quý II đúng hạn.",
                    "22-SONV",
                    dt.date(2026, 6, 30),
                ),
                DemoConclusion(
                    "Duy trì giao ban định kỳ hằng quý vào tuần đầu của quý sau.",
                    make_task=False,
                ),
            ),
        ),
        DemoMeeting(
            title="Giao ban công tác phối hợp định kỳ giữa UBND tỉnh và các tổ chức",
            kind=Meeting.Kind.BRIEFING,
            starts_at=dt.datetime.combine(coming, dt.time(8, 0), tzinfo=VN),
            hours=2,
            place="Phòng họp số 2, Trụ sở UBND tỉnh",
            agenda="1. Tiến độ các nhiệm vụ phối hợp.\n2. Các nhiệm vụ quá hạn và hướng xử lý.",
            units=("22-MTTQ", "22-HLHPN", "07090-UBND"),
            answers={"mttq": "accepted"},
            plan_year=None,
        ),
    ]


def _units(codes: tuple[str, ...]) -> dict[str, Unit]:
    return {unit.code: unit for unit in Unit.objects.filter(code__in=codes, valid_to__isnull=True)}


def _plan(year: int | None, host: Unit) -> Any:
    if year is None:
        return None
    from phoihop.tasks.models import Plan

    # The tasks demo's programme of that year, when it is there; tasks stand alone otherwise.
    return Plan.objects.filter(owner_unit=host, year=year).order_by("pk").first()


def _load_one(spec: DemoMeeting, organiser: User, host: Unit) -> bool:
    if Meeting.objects.filter(host_unit=host, title=spec.title).exists():
        return False
    units = _units(spec.units + tuple(c.lead for c in spec.conclusions if c.lead))
    people = {user.username: user for user in User.objects.filter(username__in=set(spec.people) | set(spec.answers))}
    meeting = services.meeting_create(
        actor=organiser,
        title=spec.title,
        kind=spec.kind,
        starts_at=spec.starts_at,
        ends_at=spec.starts_at + dt.timedelta(hours=spec.hours),
        host_unit=host,
        place=spec.place,
        agenda=spec.agenda,
        plan=_plan(spec.plan_year, host),
        units=[units[code] for code in spec.units if code in units],
        people=[people[name] for name in spec.people if name in people],
    )
    for username, answer in spec.answers.items():
        if username in people and meeting.invitations.filter(user=people[username]).exists():
            services.invitation_respond(actor=people[username], meeting=meeting, response=answer)
    if spec.minutes and spec.starts_at <= timezone.now():
        services.meeting_record_minutes(actor=organiser, meeting=meeting, minutes=spec.minutes)
    for item in spec.conclusions:
        conclusion = services.conclusion_add(
            actor=organiser, meeting=meeting, text=item.text, lead_unit=units.get(item.lead), due_date=item.due
        )
        if item.make_task and conclusion.lead_unit_id:
            services.conclusion_to_task(actor=organiser, conclusion=conclusion)
    return True


def load(*, today: dt.date | None = None) -> int:
    """Load the demo meetings; return how many were made (0 when they are all there already)."""
    today = today or timezone.localdate()
    host = Unit.objects.filter(code=HOST, valid_to__isnull=True).first()
    organiser = User.objects.filter(username=ORGANISER).first()
    if host is None or organiser is None:
        return 0
    made = 0
    for spec in _meetings(today):
        with transaction.atomic():
            made += _load_one(spec, organiser, host)
    return made
