"""The 2025 and 2026 coordination programmes under Regulation 194, for the demo (issue 5, point 9).

Loaded through the services, so the audit trail, the timelines and the notifications (the
inboxes of `xa`, `mttq`, `phunu`…) are exactly what users would make:

- "Chương trình phối hợp năm 2025" and "… năm 2026" of the provincial People's Committee
  implementing 194/QCPH, about 60 tasks led by the UBND, the Front, the socio-political
  organisations, several departments and communes 07090 and 07093, with co-operating and
  observing units, subtasks, checklists, people assigned, comments with an @mention and one
  direction of the chair;
- 2025's tasks are mostly confirmed (on time, some late), one cancelled, one left overdue;
  2026's are in every status, some overdue — their dates are set around today (the real date),
  so the demo looks alive whenever it is loaded;
- one 2025 task is the evidence of the People's Committee's half-yearly briefing under 194/QCPH
  (the duty is opened to task evidence through the agreements service); confirming it
  completed that occurrence.

Idempotent: a second call finds the 2025 programme and does nothing. Names are data, in Vietnamese.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db import transaction
from django.utils import timezone

from phoihop.agreements import services as agreement_services
from phoihop.agreements.models import Agreement, Occurrence
from phoihop.calendar.workdays import add_days
from phoihop.orgs.models import Unit, User
from phoihop.tasks import permissions, services
from phoihop.tasks.models import Plan, Task

TITLE_2025 = "Chương trình phối hợp năm 2025 thực hiện Quy chế phối hợp 194/QCPH"
TITLE_2026 = "Chương trình phối hợp năm 2026 giữa UBND tỉnh và Ủy ban MTTQ Việt Nam tỉnh"

# Who records what a unit did: its own demo person, else an officer whose scope reaches it.
DOERS = {
    "22-HLHPN": "phunu",
    "22-SONV": "sonoivu",
    "07090-UBND": "xa",
    "07093-UBND": "xa2",
    "22-MTTQ": "mttq",
    "22-HND": "mttq",
    "22-DTN": "mttq",
    "22-HCCB": "mttq",
    "22-LDLD": "mttq",
}


@dataclass
class Spec:
    """One demo task. `end`: what happened — "on_time", "late", "cancelled", "overdue" (left open),
    "new", "in_progress", "submitted", "returned", "blocked"."""

    title: str
    lead: str
    due: dt.date
    end: str
    area: str = ""
    coop: tuple[str, ...] = ()
    observe: tuple[str, ...] = ()
    checklist: tuple[str, ...] = ()
    subtasks: list[Spec] = field(default_factory=list)
    priority: str = "normal"
    assign: bool = False


def _d(year: int, month: int, day: int) -> dt.date:
    return dt.date(year, month, day)


def _plan_2025() -> list[Spec]:
    y = 2025
    return [
        Spec(
            "Thông báo tình hình kinh tế - xã hội 6 tháng đầu năm 2025 với Ủy ban MTTQ tỉnh",
            "22-UBND",
            _d(y, 7, 15),
            "on_time",
            "phat-trien-kinh-te-xa-hoi",
            coop=("22-VPUBND",),
            observe=("22-MTTQ",),
        ),
        Spec(
            "Tổ chức Ngày hội Đại đoàn kết toàn dân tộc ở khu dân cư năm 2025",
            "22-MTTQ",
            _d(y, 11, 18),
            "on_time",
            "dai-doan-ket",
            coop=("22-UBND", "22-HLHPN", "22-DTN"),
            checklist=("Ban hành kế hoạch", "Hướng dẫn các xã, phường", "Tổng hợp kết quả"),
            subtasks=[
                Spec("Ban hành kế hoạch tổ chức Ngày hội", "22-MTTQ", _d(y, 9, 30), "on_time", "dai-doan-ket"),
                Spec("Tổng hợp kết quả Ngày hội toàn tỉnh", "22-MTTQ", _d(y, 11, 28), "late", "dai-doan-ket"),
            ],
        ),
        Spec(
            "Vận động Quỹ \u201cVì người nghèo\u201d nhân Ngày 17/10/2025",
            "22-MTTQ",
            _d(y, 10, 17),
            "on_time",
            "giam-ngheo-an-sinh-xa-hoi",
            coop=("22-SOTC", "22-LDLD"),
        ),
        Spec(
            "Giám sát việc thực hiện chính sách bảo hiểm y tế cho hộ cận nghèo",
            "22-MTTQ",
            _d(y, 9, 30),
            "late",
            "giam-sat-phan-bien-xa-hoi",
            coop=("22-SOYT", "22-HLHPN"),
        ),
        Spec(
            "Phản biện dự thảo Nghị quyết về chính sách hỗ trợ nhà ở cho hộ nghèo",
            "22-MTTQ",
            _d(y, 8, 20),
            "on_time",
            "giam-sat-phan-bien-xa-hoi",
            coop=("22-SOXD",),
        ),
        Spec(
            "Tổng hợp ý kiến, kiến nghị cử tri trước kỳ họp giữa năm 2025 của HĐND tỉnh",
            "22-MTTQ",
            _d(y, 6, 25),
            "on_time",
            "kien-nghi-cu-tri",
            coop=("07090-MTTQ",),
        ),
        Spec(
            "Trả lời kiến nghị cử tri sau kỳ họp giữa năm 2025",
            "22-UBND",
            _d(y, 9, 15),
            "late",
            "kien-nghi-cu-tri",
            coop=("22-SONV", "22-SONNMT"),
            subtasks=[
                Spec(
                    "Trả lời kiến nghị về tổ chức bộ máy cấp xã", "22-SONV", _d(y, 9, 5), "on_time", "kien-nghi-cu-tri"
                ),
                Spec(
                    "Trả lời kiến nghị về cấp giấy chứng nhận đất",
                    "22-SONNMT",
                    _d(y, 9, 10),
                    "late",
                    "kien-nghi-cu-tri",
                ),
            ],
        ),
        Spec(
            "Tuyên truyền phòng, chống thiên tai mùa mưa bão 2025",
            "22-SONNMT",
            _d(y, 6, 30),
            "on_time",
            "phong-chong-dich-benh-thien-tai",
            coop=("22-HND", "22-DTN"),
        ),
        Spec(
            "Hỗ trợ nông dân ứng dụng công nghệ cao trong sản xuất",
            "22-HND",
            _d(y, 10, 31),
            "on_time",
            "nong-thon-moi-do-thi-van-minh",
            coop=("22-SONNMT",),
        ),
        Spec(
            "Chăm sóc sức khỏe phụ nữ có hoàn cảnh khó khăn nhân ngày 20/10",
            "22-HLHPN",
            _d(y, 10, 20),
            "on_time",
            "giam-ngheo-an-sinh-xa-hoi",
            coop=("22-SOYT",),
        ),
        Spec(
            "Ra quân Tháng Thanh niên 2025",
            "22-DTN",
            _d(y, 3, 31),
            "on_time",
            "dai-doan-ket",
            coop=("22-SOVHTTDL",),
        ),
        Spec(
            "Gặp mặt cựu chiến binh tiêu biểu nhân ngày 6/12",
            "22-HCCB",
            _d(y, 12, 6),
            "on_time",
            "quoc-phong-an-ninh",
        ),
        Spec(
            "Tổ chức Tháng Công nhân 2025",
            "22-LDLD",
            _d(y, 5, 31),
            "late",
            "dai-doan-ket",
            coop=("22-SOCT",),
        ),
        Spec(
            "Tập huấn nghiệp vụ tiếp công dân cho cán bộ cấp xã sau sắp xếp",
            "22-SONV",
            _d(y, 8, 31),
            "on_time",
            "tiep-cong-dan-khieu-nai-to-cao",
            coop=("22-MTTQ",),
        ),
        Spec(
            "Kiện toàn Ban Thanh tra nhân dân các phường, xã mới",
            "22-MTTQ",
            _d(y, 9, 30),
            "on_time",
            "xay-dung-dang-chinh-quyen",
            coop=("22-SONV",),
        ),
        Spec(
            "Tuyên truyền chính sách pháp luật về đất đai sửa đổi",
            "22-SOTP",
            _d(y, 7, 31),
            "cancelled",
            "xay-dung-dang-chinh-quyen",
            coop=("22-HND",),
        ),
        Spec(
            "Rà soát hộ nghèo, cận nghèo cuối năm 2025 tại phường An Sinh",
            "07090-UBND",
            _d(y, 12, 15),
            "on_time",
            "giam-ngheo-an-sinh-xa-hoi",
            coop=("07090-MTTQ",),
            checklist=("Lập danh sách", "Họp bình xét", "Niêm yết công khai"),
            assign=True,
        ),
        Spec(
            "Xây dựng mô hình khu dân cư văn minh tại phường Đông Triều",
            "07093-UBND",
            _d(y, 12, 20),
            "overdue",
            "nong-thon-moi-do-thi-van-minh",
        ),
        Spec(
            "Kiểm tra việc thực hiện dân chủ ở cơ sở tại các phường, xã mới",
            "22-SONV",
            _d(y, 11, 15),
            "on_time",
            "xay-dung-dang-chinh-quyen",
            coop=("22-MTTQ",),
        ),
        Spec(
            "Hội nghị sơ kết 6 tháng thực hiện chương trình phối hợp năm 2025",
            "22-UBND",
            _d(y, 7, 31),
            "on_time",
            "thong-tin-bao-cao-hoi-hop",
            coop=("22-MTTQ",),
        ),
        Spec(
            "Trao nhà Đại đoàn kết cho hộ nghèo phường An Sinh",
            "07090-MTTQ",
            _d(y, 11, 30),
            "on_time",
            "giam-ngheo-an-sinh-xa-hoi",
            coop=("07090-UBND",),
        ),
        Spec(
            "Đánh giá kết quả thực hiện Quy chế 194/QCPH năm 2025",
            "22-UBND",
            _d(y, 12, 31),
            "late",
            "thong-tin-bao-cao-hoi-hop",
            coop=("22-MTTQ",),
        ),
    ]


def _plan_2026(today: dt.date) -> list[Spec]:
    def wd(n: int) -> dt.date:
        return add_days(today, n, working=True)

    def days(n: int) -> dt.date:
        return today + dt.timedelta(days=n)

    y = today.year
    return [
        Spec(
            "Thông báo tình hình kinh tế - xã hội 6 tháng đầu năm với Ủy ban MTTQ tỉnh",
            "22-UBND",
            min(_d(y, 7, 15), days(-30)),
            "on_time",
            "phat-trien-kinh-te-xa-hoi",
            observe=("22-MTTQ",),
        ),
        Spec(
            "Hội nghị đối thoại giữa Chủ tịch UBND tỉnh với nhân dân",
            "22-UBND",
            wd(12),
            "in_progress",
            "tiep-cong-dan-khieu-nai-to-cao",
            coop=("22-MTTQ", "22-HLHPN"),
            checklist=("Chọn chủ đề đối thoại", "Gửi giấy mời", "Chuẩn bị hội trường", "Báo cáo kết quả"),
            priority="high",
            subtasks=[
                Spec(
                    "Tổng hợp câu hỏi của người dân", "22-MTTQ", wd(5), "in_progress", "tiep-cong-dan-khieu-nai-to-cao"
                ),
                Spec("Chuẩn bị báo cáo trả lời", "22-VPUBND", wd(9), "new", "tiep-cong-dan-khieu-nai-to-cao"),
                Spec("Thông tin trên báo chí", "22-SOVHTTDL", wd(14), "new", "thong-tin-bao-cao-hoi-hop"),
            ],
        ),
        Spec(
            "Tổ chức Ngày hội Đại đoàn kết toàn dân tộc năm " + str(y),
            "22-MTTQ",
            days(-10),
            "late",
            "dai-doan-ket",
            coop=("22-UBND", "22-DTN"),
        ),
        Spec(
            "Vận động Quỹ \u201cVì người nghèo\u201d năm " + str(y),
            "22-MTTQ",
            days(-40),
            "on_time",
            "giam-ngheo-an-sinh-xa-hoi",
            coop=("22-SOTC",),
        ),
        Spec(
            "Giám sát thực hiện chính sách hỗ trợ người lao động mất việc",
            "22-MTTQ",
            days(-6),
            "overdue",
            "giam-sat-phan-bien-xa-hoi",
            coop=("22-LDLD", "22-SONV"),
            priority="high",
            subtasks=[
                Spec("Khảo sát tại doanh nghiệp", "22-LDLD", days(-12), "overdue", "giam-sat-phan-bien-xa-hoi"),
                Spec("Dự thảo báo cáo kết quả giám sát", "22-MTTQ", wd(5), "new", "giam-sat-phan-bien-xa-hoi"),
            ],
        ),
        Spec(
            "Phản biện dự thảo quy hoạch mạng lưới trường học",
            "22-MTTQ",
            wd(8),
            "submitted",
            "giam-sat-phan-bien-xa-hoi",
            coop=("22-SOGDDT",),
        ),
        Spec(
            "Trả lời kiến nghị sau giám sát về an toàn thực phẩm",
            "22-SOYT",
            days(-15),
            "overdue",
            "giam-sat-phan-bien-xa-hoi",
            observe=("22-MTTQ",),
            priority="urgent",
        ),
        Spec(
            "Tổng hợp ý kiến cử tri trước kỳ họp cuối năm của HĐND tỉnh",
            "22-MTTQ",
            wd(3),
            "in_progress",
            "kien-nghi-cu-tri",
            coop=("07090-MTTQ",),
        ),
        Spec(
            "Trả lời ý kiến cử tri kỳ họp giữa năm",
            "22-UBND",
            days(-60),
            "on_time",
            "kien-nghi-cu-tri",
            coop=("22-SONNMT", "22-SOXD"),
        ),
        Spec(
            "Diễn tập phòng, chống thiên tai và tìm kiếm cứu nạn",
            "22-SONNMT",
            days(-20),
            "returned",
            "phong-chong-dich-benh-thien-tai",
            coop=("22-DTN", "22-HCCB"),
        ),
        Spec(
            "Hỗ trợ hội viên nông dân xây dựng sản phẩm OCOP",
            "22-HND",
            wd(20),
            "in_progress",
            "nong-thon-moi-do-thi-van-minh",
            coop=("22-SOCT",),
        ),
        Spec(
            "Truyền thông phòng, chống bạo lực gia đình",
            "22-HLHPN",
            wd(7),
            "in_progress",
            "giam-ngheo-an-sinh-xa-hoi",
            coop=("22-SOVHTTDL",),
            assign=True,
        ),
        Spec(
            "Xây dựng mái ấm cho phụ nữ nghèo",
            "22-HLHPN",
            days(-3),
            "blocked",
            "giam-ngheo-an-sinh-xa-hoi",
            coop=("22-SOXD",),
        ),
        Spec(
            "Tuyên truyền về chính quyền hai cấp sau sắp xếp",
            "22-SONV",
            wd(1),
            "submitted",
            "xay-dung-dang-chinh-quyen",
            coop=("22-MTTQ",),
        ),
        Spec(
            "Tiếp công dân định kỳ của Chủ tịch UBND tỉnh",
            "22-UBND",
            wd(25),
            "new",
            "tiep-cong-dan-khieu-nai-to-cao",
            observe=("22-MTTQ",),
        ),
        Spec(
            "Hoạt động đối ngoại nhân dân với các tỉnh giáp biên",
            "22-SONGV",
            days(-90),
            "cancelled",
            "doi-ngoai-nhan-dan",
        ),
        Spec(
            "Bảo đảm kinh phí, điều kiện hoạt động của Ủy ban MTTQ cấp xã",
            "22-SOTC",
            wd(30),
            "new",
            "kinh-phi-dieu-kien-hoat-dong",
            coop=("22-MTTQ",),
        ),
        Spec(
            "Rà soát hộ nghèo, cận nghèo năm " + str(y) + " tại phường An Sinh",
            "07090-UBND",
            wd(10),
            "in_progress",
            "giam-ngheo-an-sinh-xa-hoi",
            coop=("07090-MTTQ",),
            checklist=("Lập danh sách", "Họp bình xét", "Niêm yết công khai", "Báo cáo UBND tỉnh"),
            assign=True,
            subtasks=[
                Spec(
                    "Lập danh sách hộ nghèo, cận nghèo", "07090-UBND", wd(2), "submitted", "giam-ngheo-an-sinh-xa-hoi"
                ),
                Spec("Họp bình xét ở khu dân cư", "07090-MTTQ", wd(6), "new", "giam-ngheo-an-sinh-xa-hoi"),
            ],
        ),
        Spec(
            "Đối thoại với thanh niên phường An Sinh",
            "07090-UBND",
            days(-4),
            "overdue",
            "dai-doan-ket",
            coop=("07090-MTTQ",),
            assign=True,
        ),
        Spec(
            "Báo cáo kết quả phối hợp quý III gửi UBND tỉnh",
            "07090-UBND",
            days(-45),
            "on_time",
            "thong-tin-bao-cao-hoi-hop",
        ),
        Spec(
            "Ra mắt mô hình \u201cKhu dân cư không có tội phạm\u201d",
            "07093-UBND",
            wd(4),
            "in_progress",
            "quoc-phong-an-ninh",
        ),
        Spec(
            "Kiểm tra công tác tiếp công dân tại phường Đông Triều",
            "22-SONV",
            wd(15),
            "new",
            "tiep-cong-dan-khieu-nai-to-cao",
            coop=("07093-UBND",),
        ),
        Spec(
            "Tập huấn kỹ năng giám sát cho Ban Thanh tra nhân dân",
            "22-MTTQ",
            wd(9),
            "in_progress",
            "giam-sat-phan-bien-xa-hoi",
            coop=("22-SOTP",),
        ),
        Spec("Tổ chức Tháng Công nhân năm " + str(y), "22-LDLD", days(-150), "on_time", "dai-doan-ket"),
        Spec("Ra quân Ngày Chủ nhật xanh", "22-DTN", days(-100), "late", "nong-thon-moi-do-thi-van-minh"),
        Spec(
            "Hỗ trợ sinh kế cho hội viên cựu chiến binh khó khăn", "22-HCCB", wd(22), "new", "giam-ngheo-an-sinh-xa-hoi"
        ),
        Spec(
            "Khám sức khỏe miễn phí cho phụ nữ nhân ngày 20/10",
            "22-HLHPN",
            days(-38),
            "on_time",
            "giam-ngheo-an-sinh-xa-hoi",
            coop=("22-SOYT",),
        ),
        Spec(
            "Xây dựng chương trình phối hợp năm " + str(y + 1),
            "22-UBND",
            wd(18),
            "new",
            "thong-tin-bao-cao-hoi-hop",
            coop=("22-MTTQ",),
            priority="high",
        ),
    ]


class _Loader:
    def __init__(self, today: dt.date) -> None:
        self.today = today
        self.units = {u.code: u for u in Unit.objects.filter(valid_to__isnull=True)}
        self.people = {
            u.username: u
            for u in User.objects.filter(username__in=[*DOERS.values(), "ubnd", "ubnd.chutich", "xa.lanhdao"])
        }
        self.counts = {"plans": 0, "tasks": 0}

    def doer(self, code: str) -> User:
        return self.people[DOERS.get(code, "ubnd")]

    def confirmer(self, code: str) -> User:
        return self.people["xa.lanhdao"] if code == "07090-UBND" else self.people["ubnd.chutich"]

    def create(self, plan: Plan, spec: Spec, parent: Task | None = None) -> Task:
        lead = self.units[spec.lead]
        due = spec.due
        start = min(due - dt.timedelta(days=45), self.today)
        task = services.task_create(
            actor=self.people["ubnd"] if parent is None else self.doer(parent.lead_unit.code),
            plan=plan,
            parent=parent,
            title=spec.title,
            lead_unit=lead,
            cooperating_units=[self.units[c] for c in spec.coop],
            observer_units=[self.units[c] for c in spec.observe],
            start_date=start if start <= due else None,
            due_date=due,
            priority=spec.priority,
            area=spec.area or None,
            checklist=spec.checklist,
            assignees=[self.doer(spec.lead)] if spec.assign else (),
        )
        self.counts["tasks"] += 1
        for child in spec.subtasks:
            self.create(plan, child, parent=task)
        self.finish(task, spec)
        return task

    def finish(self, task: Task, spec: Spec) -> None:
        """Drive the task to the state its spec says, through the services, as its people would."""
        doer, lead_code = self.doer(spec.lead), spec.lead
        if spec.end == "new":
            return
        if spec.end == "cancelled":
            services.task_cancel(
                actor=self.people["ubnd"], task=task, reason="Nội dung đã được lồng ghép vào nhiệm vụ khác."
            )
            return
        services.task_start(actor=doer, task=task)
        for part in task.units.filter(role="cooperating").select_related("unit"):
            done = spec.end in ("on_time", "late", "submitted")
            actor = self.doer(part.unit.code)
            if not permissions.can_update_part(actor, task, part.unit):
                actor = doer  # the lead unit's officer records a partner's part (e.g. a commune's Front)
            services.task_part_update(
                actor=actor,
                task=task,
                unit=part.unit,
                status="done" if done else "in_progress",
                progress=100 if done else 40,
            )
        if spec.end in ("in_progress", "overdue"):
            services.task_part_update(
                actor=doer, task=task, unit=task.lead_unit, progress=60 if spec.end == "in_progress" else 30
            )
            return
        if spec.end == "blocked":
            services.task_block(actor=doer, task=task, reason="Chưa được bố trí kinh phí thực hiện.")
            return
        done_on = task.due_date - dt.timedelta(days=2) if spec.end != "late" else task.due_date + dt.timedelta(days=6)
        done_on = max(min(done_on, self.today), task.start_date or done_on)
        task.refresh_from_db()
        services.task_submit(
            actor=doer, task=task, completed_on=done_on, note="Đã hoàn thành, gửi kèm báo cáo kết quả."
        )
        if spec.end == "submitted":
            return
        if spec.end == "returned":
            services.task_return(
                actor=self.confirmer(lead_code), task=task, reason="Đề nghị bổ sung số liệu và hình ảnh kết quả."
            )
            return
        services.task_confirm(actor=self.confirmer(lead_code), task=task, note="Đạt yêu cầu.")


def _link_194(loader: _Loader, plan: Plan) -> None:
    """Make a 2025 task the evidence of the People's Committee's half-yearly briefing under 194/QCPH."""
    regulation = Agreement.objects.filter(number="194/QCPH", owner_unit__code="22-MTTQ").first()
    if regulation is None:
        return
    occurrences = Occurrence.objects.filter(
        obligation__agreement=regulation, obligation__owing_units__code="22-UBND", due_on__year=2025
    ).select_related("obligation")
    occurrence = (
        occurrences.filter(state=Occurrence.State.OPEN).order_by("-due_on").first()
        or occurrences.order_by("-due_on").first()
    )
    if occurrence is None:
        return
    obligation = occurrence.obligation
    if obligation.evidence_kinds and "task" not in obligation.evidence_kinds:
        agreement_services.obligation_update(
            actor=User.objects.get(username="mttq"),
            obligation=obligation,
            evidence_kinds=[*obligation.evidence_kinds, "task"],
        )
    ubnd = loader.people["ubnd"]
    task = services.task_create(
        actor=ubnd,
        plan=plan,
        title="Báo cáo tình hình kinh tế - xã hội 6 tháng cuối năm 2025 gửi Ủy ban MTTQ tỉnh",
        lead_unit=loader.units["22-UBND"],
        cooperating_units=[loader.units["22-VPUBND"]],
        due_date=occurrence.due_on,
        area="thong-tin-bao-cao-hoi-hop",
        occurrence=occurrence,
    )
    loader.counts["tasks"] += 1
    # Confirming it completes the occurrence when the demo's mix left it open.
    services.task_start(actor=ubnd, task=task)
    services.task_submit(actor=ubnd, task=task, completed_on=min(occurrence.due_on, loader.today))
    services.task_confirm(actor=loader.people["ubnd.chutich"], task=task, note="Đã gửi Ủy ban MTTQ tỉnh.")


def _talk(loader: _Loader, plan: Plan) -> None:
    """Comments with an @mention, a progress update and one direction of the chair."""
    tasks = {t.title: t for t in Task.objects.filter(plan=plan)}
    people = loader.people
    poverty = next(t for title, t in tasks.items() if title.startswith("Rà soát hộ nghèo"))
    services.task_comment(
        actor=people["xa"],
        task=poverty,
        text="Đã lập xong danh sách sơ bộ 42 hộ; đề nghị @xa.lanhdao cho ý kiến trước khi họp bình xét.",
    )
    services.task_comment(
        actor=people["xa.lanhdao"], task=poverty, text="Đồng ý, tổ chức họp bình xét trong tuần này.", progress=70
    )
    dialogue = next(t for title, t in tasks.items() if title.startswith("Hội nghị đối thoại"))
    services.task_comment(
        actor=people["ubnd.chutich"],
        task=dialogue,
        kind="direction",
        text="Tập trung vào các kiến nghị về đất đai và việc làm; mời đại diện các sở liên quan trả lời trực tiếp.",
    )
    services.task_comment(
        actor=people["mttq"],
        task=dialogue,
        text="Ủy ban MTTQ tỉnh đã tổng hợp 37 câu hỏi, gửi kèm danh sách. @ubnd kiểm tra giúp.",
    )


@transaction.atomic
def load(*, today: dt.date | None = None) -> dict[str, int]:
    """Load the 2025 and 2026 programmes once; a second call does nothing."""
    today = today or timezone.localdate()
    if Plan.objects.filter(title=TITLE_2025, owner_unit__code="22-UBND").exists():
        return {"plans": 0, "tasks": 0}
    loader = _Loader(today)
    regulation = Agreement.objects.filter(number="194/QCPH", owner_unit__code="22-MTTQ").first()
    owner = loader.units["22-UBND"]
    plans = []
    for year, title, specs in ((2025, TITLE_2025, _plan_2025()), (2026, TITLE_2026, _plan_2026(today))):
        plan = services.plan_create(
            actor=loader.people["ubnd"],
            owner_unit=owner,
            title=title,
            year=year,
            kind=Plan.Kind.PROGRAMME,
            agreement=regulation,
            description="Các nhiệm vụ phối hợp giữa UBND tỉnh, Ủy ban MTTQ Việt Nam tỉnh "
            "và các tổ chức chính trị - xã hội.",
        )
        loader.counts["plans"] += 1
        for spec in specs:
            if spec.due > today and spec.end in ("on_time", "late", "overdue"):
                spec.end = "in_progress"  # nothing is done in the future
            loader.create(plan, spec)
        plans.append(plan)
    _link_194(loader, plans[0])
    _talk(loader, plans[1])
    return loader.counts
