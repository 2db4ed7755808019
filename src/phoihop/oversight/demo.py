"""The Quảng Ninh Front's supervision for the demo (called by `phoihop demo` after criticism), through the services.

- the provincial Front's programmes of 2024, 2025 and 2026;
- five supervisions: poverty-reduction policy in two wards (An Sinh 07090 and Đông Triều
  07093); compensation and resettlement for a road project (Sở Xây dựng, UBND tỉnh); handling of
  citizens' petitions by Sở Nội vụ; the ward Front of An Sinh on its poor-fund; health insurance
  for near-poor households (Sở Y tế, under way);
- 14 recommendations in every state: draft, sent and not yet due, answered on time, answered
  late, overdue and unanswered, assessed satisfactory / partly / not satisfactory, closed; the
  ward Front's unanswered one escalated to the provincial Front with its letter.

Dates are fixed in 2026 (illustrative, like the document numbers). Idempotent: a supervision or
programme already there (by title) is left alone. Names are data, in Vietnamese.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.files.base import ContentFile
from django.db import transaction

from phoihop.orgs.models import Unit, User
from phoihop.oversight import services
from phoihop.oversight.models import Supervision, SupervisionProgramme

D = dt.date

PROGRAMMES = {
    2024: (
        "Chương trình giám sát của Ủy ban MTTQ tỉnh năm 2024",
        "05/CTr-MTTQ",
        [
            ("Thực hiện chính sách hỗ trợ nhà ở cho hộ nghèo", ["22-SOXD"], 2),
            ("Công tác tiếp công dân, giải quyết khiếu nại, tố cáo", ["22-SONV"], 3),
        ],
    ),
    2025: (
        "Chương trình giám sát của Ủy ban MTTQ tỉnh năm 2025",
        "03/CTr-MTTQ",
        [
            ("Thực hiện Chương trình mục tiêu quốc gia giảm nghèo bền vững", ["22-UBND"], 2),
            ("Sắp xếp đơn vị hành chính cấp xã và bố trí cán bộ", ["22-SONV"], 3),
        ],
    ),
    2026: (
        "Chương trình giám sát của Ủy ban MTTQ tỉnh năm 2026",
        "02/CTr-MTTQ",
        [
            ("Thực hiện chính sách giảm nghèo tại các phường", ["07090-UBND", "07093-UBND"], 1),
            ("Bồi thường, hỗ trợ, tái định cư dự án đường", ["22-SOXD", "22-UBND"], 2),
            ("Tiếp nhận, giải quyết kiến nghị, phản ánh của công dân", ["22-SONV"], 3),
            ("Thực hiện chính sách bảo hiểm y tế cho người cận nghèo", ["22-SOYT"], 4),
        ],
    ),
}


def _unit(code: str) -> Unit:
    return Unit.objects.get(code=code, valid_to__isnull=True)


def _user(username: str) -> User:
    return User.objects.get(username=username)


def _programmes(mttq: User) -> dict[int, Any]:
    front = _unit("22-MTTQ")
    items: dict[int, Any] = {}
    for year, (title, number, topics) in PROGRAMMES.items():
        if SupervisionProgramme.objects.filter(front_unit=front, year=year).exists():
            continue
        programme = services.programme_create(
            actor=mttq, front_unit=front, year=year, title=title, document_number=number, issued=True
        )
        for i, (topic, codes, quarter) in enumerate(topics):
            items[(year, i)] = services.programme_item_add(
                actor=mttq,
                programme=programme,
                topic=topic,
                subjects=[_unit(c) for c in codes],
                planned_quarter=quarter,
                form="team",
            )
    return items


def _supervise(
    *,
    actor: User,
    front: str,
    title: str,
    subjects: list[str],
    starts_on: dt.date,
    ends_on: dt.date,
    form: str = "team",
    item: Any = None,
    team: list[tuple[str, str, str]] = (),
    activities: list[tuple[str, dt.date, str]] = (),
    findings: list[str] = (),
    conclusion: str = "",
    concluded_on: dt.date | None = None,
) -> Supervision:
    supervision = services.supervision_create(
        actor=actor,
        front_unit=_unit(front),
        title=title,
        form=form,
        subjects=[_unit(c) for c in subjects],
        starts_on=starts_on,
        ends_on=ends_on,
        content=f"Giám sát {title[0].lower() + title[1:]}.",
        programme_item=item,
    )
    for username, unit_code, role in team:
        services.team_member_add(
            actor=actor, supervision=supervision, user=_user(username), unit=_unit(unit_code), role=role
        )
    # Sent 20 days ahead: within the notice period.
    services.supervision_notify(actor=actor, supervision=supervision, on_date=starts_on - dt.timedelta(days=20))
    services.supervision_start(actor=actor, supervision=supervision)
    for kind, day, note in activities:
        services.activity_add(actor=actor, supervision=supervision, kind=kind, date=day, note=note)
    for text in findings:
        services.finding_add(actor=actor, supervision=supervision, text=text)
    if conclusion:
        services.supervision_conclude(actor=actor, supervision=supervision, conclusion=conclusion, on_date=concluded_on)
    return supervision


def _recommend(
    *,
    front_actor: User,
    supervision: Supervision,
    to: str,
    text: str,
    sent_on: dt.date | None = None,
    answer: tuple[User, dt.date, str] | None = None,
    paper: bool = False,
    assess: tuple[str, str, User] | None = None,
    close: bool = False,
    follow_up: str = "",
) -> Any:
    r = services.recommendation_create(actor=front_actor, supervision=supervision, addressee=_unit(to), text=text)
    if sent_on is None:
        return r
    services.recommendation_send(actor=front_actor, recommendation=r, on_date=sent_on)
    if answer is not None:
        who, day, words = answer
        file = ContentFile(words.encode("utf-8"), name="cong-van-tra-loi.txt") if paper else None
        services.recommendation_answer(
            actor=who, recommendation=r, answer=words, on_date=day, on_paper=paper, file=file
        )
    if assess is not None:
        verdict, note, assessor = assess
        services.recommendation_assess(
            actor=assessor,
            recommendation=r,
            assessment=verdict,
            note=note,
            on_date=r.answered_on + dt.timedelta(days=5),
        )
        if follow_up:
            services.follow_up_add(
                actor=assessor, recommendation=r, text=follow_up, due_on=r.answered_on + dt.timedelta(days=60)
            )
        if close:
            services.recommendation_close(actor=assessor, recommendation=r, on_date=r.assessed_on)
    return r


@transaction.atomic
def load() -> None:
    """Load the programmes, five supervisions and fourteen recommendations (once)."""
    mttq, chair = _user("mttq"), _user("mttq.chutich")
    xa, sonoivu, ubnd, xa2 = _user("xa"), _user("sonoivu"), _user("ubnd"), _user("xa2")
    admin = User.objects.filter(is_superuser=True).order_by("pk").first() or _user("admin")
    items = _programmes(mttq)
    team = [("mttq.chutich", "22-MTTQ", "head"), ("mttq", "22-MTTQ", "member"), ("phunu", "22-HLHPN", "member")]

    poverty_title = "Việc thực hiện chính sách giảm nghèo bền vững tại phường An Sinh và phường Đông Triều"
    if not Supervision.objects.filter(title=poverty_title).exists():
        poverty = _supervise(
            actor=mttq,
            front="22-MTTQ",
            title=poverty_title,
            subjects=["07090-UBND", "07093-UBND", "22-UBND"],
            starts_on=D(2026, 3, 16),
            ends_on=D(2026, 3, 27),
            item=items.get((2026, 0)),
            team=team,
            activities=[
                ("document", D(2026, 3, 16), "Nghiên cứu báo cáo của UBND hai phường về giảm nghèo năm 2025."),
                ("visit", D(2026, 3, 19), "Làm việc với UBND phường An Sinh; thăm 6 hộ nghèo."),
                ("visit", D(2026, 3, 24), "Làm việc với UBND phường Đông Triều; thăm 5 hộ cận nghèo."),
            ],
            findings=[
                "Danh sách hộ nghèo được rà soát đúng quy trình, có sự tham gia của Ban công tác Mặt trận khu dân cư.",
                "Phường Đông Triều chậm giải ngân vốn hỗ trợ sinh kế (mới đạt 42% kế hoạch).",
                "Việc niêm yết công khai danh sách hộ được hỗ trợ chưa đầy đủ ở một số khu dân cư.",
            ],
            conclusion=(
                "Hai phường cơ bản thực hiện đúng chính sách giảm nghèo; cần đẩy nhanh giải ngân vốn sinh kế "
                "và công khai đầy đủ danh sách hộ được hỗ trợ."
            ),
            concluded_on=D(2026, 4, 10),
        )
        _recommend(
            front_actor=mttq,
            supervision=poverty,
            to="07090-UBND",
            text="Niêm yết công khai danh sách hộ nghèo được hỗ trợ tại nhà văn hóa các khu dân cư.",
            sent_on=D(2026, 4, 10),
            answer=(xa, D(2026, 4, 20), "UBND phường đã niêm yết danh sách tại 100% nhà văn hóa khu dân cư."),
            assess=("satisfactory", "", chair),
            close=True,
        )
        _recommend(
            front_actor=mttq,
            supervision=poverty,
            to="07093-UBND",
            text="Đẩy nhanh giải ngân vốn hỗ trợ phát triển sản xuất cho hộ nghèo, hoàn thành trước 30/6/2026.",
            sent_on=D(2026, 4, 10),
            answer=(xa2, D(2026, 5, 15), "UBND phường sẽ giải ngân trong quý III/2026."),
            assess=("not_satisfactory", "Chưa nêu rõ giải pháp và thời hạn cụ thể như kiến nghị.", chair),
            follow_up="Ban Thường trực làm việc lại với UBND phường Đông Triều về tiến độ giải ngân.",
        )
        _recommend(
            front_actor=mttq,
            supervision=poverty,
            to="07090-UBND",
            text="Bố trí cán bộ theo dõi hộ mới thoát nghèo để phòng ngừa tái nghèo.",
            sent_on=D(2026, 11, 16),
        )
        _recommend(
            front_actor=mttq,
            supervision=poverty,
            to="22-UBND",
            text="Chỉ đạo Sở Nông nghiệp và Môi trường hướng dẫn các phường về mô hình sinh kế phù hợp.",
            sent_on=D(2026, 4, 10),
            answer=(
                ubnd,
                D(2026, 4, 22),
                "UBND tỉnh đã giao Sở Nông nghiệp và Môi trường hướng dẫn (Công văn 1520/UBND).",
            ),
            assess=("satisfactory", "", chair),
            close=True,
        )

    road_title = "Công tác bồi thường, hỗ trợ, tái định cư dự án đường nối Hạ Long - Cẩm Phả"
    if not Supervision.objects.filter(title=road_title).exists():
        road = _supervise(
            actor=mttq,
            front="22-MTTQ",
            title=road_title,
            subjects=["22-SOXD", "22-UBND"],
            starts_on=D(2026, 6, 15),
            ends_on=D(2026, 6, 26),
            item=items.get((2026, 1)),
            team=team,
            activities=[("meeting", D(2026, 6, 17), "Đối thoại với 40 hộ dân bị thu hồi đất.")],
            findings=["Còn 7 hộ chưa nhận tiền bồi thường do vướng mắc xác định nguồn gốc đất."],
            conclusion="Công tác bồi thường cơ bản đúng quy định; còn chậm giải quyết vướng mắc của 7 hộ.",
            concluded_on=D(2026, 7, 10),
        )
        _recommend(
            front_actor=mttq,
            supervision=road,
            to="22-SOXD",
            text="Phối hợp xác định nguồn gốc đất của 7 hộ còn vướng mắc và trả lời bằng văn bản cho từng hộ.",
            sent_on=D(2026, 7, 10),
            answer=(mttq, D(2026, 8, 14), "Sở Xây dựng đã phối hợp UBND các phường xác minh; đã trả lời 5/7 hộ."),
            paper=True,
        )
        _recommend(
            front_actor=mttq,
            supervision=road,
            to="22-SOXD",
            text="Công khai phương án bồi thường giai đoạn 2 tại trụ sở UBND các phường có đất bị thu hồi.",
            sent_on=D(2026, 11, 6),
        )
        _recommend(
            front_actor=mttq,
            supervision=road,
            to="22-UBND",
            text="Bố trí đủ quỹ đất tái định cư trước khi thu hồi đất giai đoạn 2.",
            sent_on=D(2026, 7, 10),
            answer=(mttq, D(2026, 7, 20), "UBND tỉnh đã phê duyệt khu tái định cư 12 ha (Công văn trả lời 2210/UBND)."),
            paper=True,
            assess=("satisfactory", "", chair),
        )

    petitions_title = "Việc tiếp nhận, giải quyết kiến nghị, phản ánh của công dân tại Sở Nội vụ"
    if not Supervision.objects.filter(title=petitions_title).exists():
        petitions = _supervise(
            actor=mttq,
            front="22-MTTQ",
            title=petitions_title,
            subjects=["22-SONV"],
            starts_on=D(2026, 9, 14),
            ends_on=D(2026, 9, 25),
            item=items.get((2026, 2)),
            team=team,
            activities=[("document", D(2026, 9, 15), "Kiểm tra sổ theo dõi đơn thư năm 2025 và 9 tháng năm 2026.")],
            findings=[
                "Có 18/142 kiến nghị được trả lời quá hạn.",
                "Chưa công khai kết quả giải quyết trên cổng thông tin của Sở.",
            ],
            conclusion="Sở Nội vụ tiếp nhận đầy đủ kiến nghị nhưng còn để quá hạn; cần công khai kết quả.",
            concluded_on=D(2026, 10, 5),
        )
        _recommend(
            front_actor=mttq,
            supervision=petitions,
            to="22-SONV",
            text="Khắc phục tình trạng trả lời kiến nghị quá hạn; báo cáo nguyên nhân 18 trường hợp quá hạn.",
            sent_on=D(2026, 10, 6),
            answer=(sonoivu, D(2026, 11, 2), "Sở đã kiểm điểm, báo cáo nguyên nhân và khắc phục."),
            assess=("partly", "Chưa báo cáo đủ nguyên nhân của từng trường hợp.", chair),
        )
        _recommend(
            front_actor=mttq,
            supervision=petitions,
            to="22-SONV",
            text="Công khai kết quả giải quyết kiến nghị trên cổng thông tin điện tử của Sở hằng quý.",
            sent_on=D(2026, 10, 6),
            answer=(sonoivu, D(2026, 10, 15), "Sở đã công khai kết quả quý III/2026 trên cổng thông tin."),
        )
        _recommend(
            front_actor=mttq,
            supervision=petitions,
            to="22-SONV",
            text="Bổ sung quy trình chuyển kiến nghị không thuộc thẩm quyền trong 5 ngày làm việc.",
            sent_on=D(2026, 11, 5),
        )
        _recommend(
            front_actor=mttq,
            supervision=petitions,
            to="22-SONV",
            text="Tập huấn kỹ năng tiếp công dân cho công chức bộ phận một cửa.",
            sent_on=D(2026, 11, 20),
        )
        _recommend(
            front_actor=mttq,
            supervision=petitions,
            to="22-SONV",
            text="Số hóa hồ sơ giải quyết kiến nghị từ năm 2024.",
        )

    fund_title = "Việc thu, chi và công khai Quỹ Vì người nghèo phường An Sinh năm 2025"
    if not Supervision.objects.filter(title=fund_title).exists():
        fund = _supervise(
            actor=admin,
            front="07090-MTTQ",
            title=fund_title,
            subjects=["07090-UBND"],
            starts_on=D(2026, 2, 9),
            ends_on=D(2026, 2, 13),
            form="document_review",
            activities=[("document", D(2026, 2, 10), "Đối chiếu sổ quỹ với sao kê tài khoản.")],
            findings=["Chưa công khai danh sách hộ được hỗ trợ từ Quỹ tại khu dân cư số 3 và số 5."],
            conclusion="Thu, chi Quỹ đúng mục đích; việc công khai chưa đầy đủ.",
            concluded_on=D(2026, 3, 2),
        )
        unanswered = _recommend(
            front_actor=admin,
            supervision=fund,
            to="07090-UBND",
            text="Công khai danh sách hộ được hỗ trợ từ Quỹ Vì người nghèo tại tất cả khu dân cư.",
            sent_on=D(2026, 3, 3),
        )
        _recommend(
            front_actor=admin,
            supervision=fund,
            to="07090-UBND",
            text="Phối hợp Ủy ban MTTQ phường rà soát đối tượng hỗ trợ trước Tết.",
            sent_on=D(2026, 3, 3),
            answer=(xa, D(2026, 3, 12), "UBND phường đã phối hợp rà soát, thống nhất danh sách."),
            assess=("satisfactory", "", admin),
            close=True,
        )
        # 18/03 deadline + 20 days: the ward Front's nightly run sends it up on 07/04/2026.
        services.recommendation_escalate(actor=None, recommendation=unanswered, today=D(2026, 4, 7))

    health_title = "Việc thực hiện chính sách bảo hiểm y tế cho người thuộc hộ cận nghèo"
    if not Supervision.objects.filter(title=health_title).exists():
        _supervise(
            actor=mttq,
            front="22-MTTQ",
            title=health_title,
            subjects=["22-SOYT"],
            starts_on=D(2026, 11, 16),
            ends_on=D(2026, 12, 11),
            item=items.get((2026, 3)),
            team=team,
            activities=[("visit", D(2026, 11, 18), "Làm việc với Sở Y tế và Bảo hiểm xã hội tỉnh.")],
        )
