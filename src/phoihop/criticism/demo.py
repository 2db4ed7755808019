"""Two critiques of the Quảng Ninh Front (22-MTTQ) for the demo, made through the services.

- A draft provincial resolution on support for poor households (Sở Nội vụ): two versions,
  opinions of the Women's Union, the Farmers' Association and an expert, the critique document
  issued, and every opinion answered (accepted, partly accepted, not accepted) on time; version 2
  changes the article the accepted opinion pointed to.
- A draft plan on residential-area culture (Sở Văn hóa, Thể thao và Du lịch): two versions,
  opinions, the critique document issued, and only one opinion answered — past its deadline.

Dates are fixed in autumn 2026 (illustrative, like the document numbers). Idempotent: a critique
already there (by title) is left alone. Names are data, in Vietnamese.
"""

from __future__ import annotations

import datetime as dt

from django.db import transaction

from phoihop.criticism import services
from phoihop.criticism.models import Critique, DraftSection
from phoihop.orgs.models import Unit, User

D = dt.date

POOR_TITLE = "Dự thảo Nghị quyết của HĐND tỉnh quy định chính sách hỗ trợ hộ nghèo, hộ cận nghèo giai đoạn 2026-2030"
CULTURE_TITLE = "Dự thảo Kế hoạch xây dựng đời sống văn hóa ở khu dân cư tỉnh Quảng Ninh năm 2027"

POOR_V1 = """Điều 1. Phạm vi điều chỉnh
Nghị quyết này quy định chính sách hỗ trợ hộ nghèo, hộ cận nghèo trên địa bàn tỉnh Quảng Ninh giai đoạn 2026-2030.
Điều 2. Đối tượng áp dụng
Hộ nghèo, hộ cận nghèo theo chuẩn nghèo đa chiều của tỉnh.
Điều 3. Hỗ trợ sinh kế
Hỗ trợ 10 triệu đồng/hộ để phát triển sản xuất.
Điều 4. Hỗ trợ nhà ở
Hỗ trợ 60 triệu đồng/hộ xây mới nhà ở.
Điều 5. Kinh phí thực hiện
Ngân sách tỉnh bảo đảm.
"""
POOR_V2 = POOR_V1.replace(
    "Hỗ trợ 10 triệu đồng/hộ để phát triển sản xuất.",
    ("Hỗ trợ 15 triệu đồng/hộ để phát triển sản xuất; ưu tiên hộ do phụ nữ làm chủ hộ."),
).replace("Ngân sách tỉnh bảo đảm.", "Ngân sách tỉnh bảo đảm; lồng ghép các chương trình mục tiêu quốc gia.")

CULTURE_V1 = """I. Mục đích, yêu cầu
Nâng cao chất lượng phong trào “Toàn dân đoàn kết xây dựng đời sống văn hóa” ở khu dân cư.
II. Nhiệm vụ
1. Xây dựng thiết chế văn hóa
Mỗi khu dân cư có nhà văn hóa đạt chuẩn.
2. Hương ước, quy ước
Rà soát hương ước, quy ước của 1.452 khu dân cư.
III. Tổ chức thực hiện
Sở Văn hóa, Thể thao và Du lịch chủ trì.
"""
CULTURE_V2 = CULTURE_V1.replace(
    "Sở Văn hóa, Thể thao và Du lịch chủ trì.", ("Sở Văn hóa, Thể thao và Du lịch chủ trì, phối hợp Ủy ban MTTQ tỉnh.")
)


def _section(critique: Critique, version: int, number: str) -> DraftSection:
    return DraftSection.objects.get(version__critique=critique, version__number=version, number=number)


def _poor_households(front: Unit, units: dict[str, Unit], mttq: User, sonv: User, phunu: User) -> None:
    critique = services.critique_create(
        actor=mttq,
        front_unit=front,
        drafting_unit=units["22-SONV"],
        title=POOR_TITLE,
        draft_kind="resolution",
        form="conference",
        opinions_due=D(2026, 9, 30),
        description="Hội nghị phản biện xã hội tổ chức tại trụ sở Ủy ban MTTQ tỉnh.",
    )
    services.version_add(actor=sonv, critique=critique, received_on=D(2026, 9, 8), text=POOR_V1)
    services.critique_invite(actor=mttq, critique=critique, units=[units["22-HLHPN"], units["22-HND"]])
    expert = services.expert_add(
        actor=mttq,
        critique=critique,
        name="TS. Nguyễn Văn Thành",
        title="Giảng viên",
        organisation="Trường Đại học Hạ Long",
    )
    services.critique_open(actor=mttq, critique=critique)
    women = services.opinion_submit(
        actor=phunu,
        critique=critique,
        author_unit=units["22-HLHPN"],
        section=_section(critique, 1, "Điều 3"),
        text="Đề nghị nâng mức hỗ trợ sinh kế và ưu tiên hộ nghèo do phụ nữ làm chủ hộ.",
    )
    farmers = services.opinion_submit(
        actor=mttq,
        critique=critique,
        author_unit=units["22-HND"],
        section=_section(critique, 1, "Điều 4"),
        text="Đề nghị nâng mức hỗ trợ nhà ở lên 80 triệu đồng/hộ.",
    )
    scholar = services.opinion_submit(
        actor=mttq,
        critique=critique,
        expert=expert,
        section=_section(critique, 1, "Điều 5"),
        text="Cần làm rõ cơ chế lồng ghép nguồn vốn các chương trình mục tiêu quốc gia.",
    )
    services.critique_consolidate(
        actor=mttq,
        critique=critique,
        summary="Dự thảo Nghị quyết cơ bản phù hợp với chủ trương của Đảng, chính sách, pháp luật của Nhà nước.",
        selections=[
            services.Selection(
                women.pk, True, "Nâng mức hỗ trợ sinh kế lên 15 triệu đồng/hộ; ưu tiên hộ do phụ nữ làm chủ."
            ),
            services.Selection(farmers.pk, True),
            services.Selection(scholar.pk, True),
        ],
    )
    services.critique_issue(actor=mttq, critique=critique, on_date=D(2026, 10, 12))
    services.version_add(
        actor=sonv, critique=critique, received_on=D(2026, 10, 22), text=POOR_V2, note="Bản tiếp thu ý kiến phản biện."
    )
    services.dispositions_record(
        actor=sonv,
        critique=critique,
        on_date=D(2026, 10, 26),
        rows=[
            services.DispositionRow(
                women.pk,
                "accepted",
                "Đã nâng mức hỗ trợ và bổ sung ưu tiên tại Điều 3.",
                _section(critique, 2, "Điều 3").pk,
            ),
            services.DispositionRow(
                farmers.pk,
                "not_accepted",
                "Mức 60 triệu đồng/hộ phù hợp khả năng cân đối ngân sách; sẽ xem xét khi điều chỉnh giai đoạn sau.",
            ),
            services.DispositionRow(
                scholar.pk,
                "partly",
                "Bổ sung nguyên tắc lồng ghép tại Điều 5; cơ chế chi tiết giao UBND tỉnh quy định.",
                _section(critique, 2, "Điều 5").pk,
            ),
        ],
    )


def _culture(front: Unit, units: dict[str, Unit], mttq: User, agency: User, phunu: User) -> None:
    critique = services.critique_create(
        actor=mttq,
        front_unit=front,
        drafting_unit=units["22-SOVHTTDL"],
        title=CULTURE_TITLE,
        draft_kind="plan",
        form="written",
        opinions_due=D(2026, 10, 30),
    )
    services.version_add(actor=agency, critique=critique, received_on=D(2026, 10, 9), text=CULTURE_V1)
    services.critique_invite(actor=mttq, critique=critique, units=[units["22-HLHPN"], units["22-HND"]])
    services.expert_add(
        actor=mttq, critique=critique, name="ThS. Trần Thu Hà", organisation="Hội Văn học nghệ thuật tỉnh"
    )
    services.critique_open(actor=mttq, critique=critique)
    first = services.opinion_submit(
        actor=phunu,
        critique=critique,
        author_unit=units["22-HLHPN"],
        section=_section(critique, 1, "III"),
        text="Đề nghị ghi rõ vai trò phối hợp của Ủy ban MTTQ và các tổ chức chính trị - xã hội.",
    )
    second = services.opinion_submit(
        actor=mttq,
        critique=critique,
        author_unit=units["22-HND"],
        section=_section(critique, 1, "2"),
        text="Hương ước cần gắn với bảo vệ môi trường nông thôn.",
    )
    services.critique_consolidate(
        actor=mttq,
        critique=critique,
        selections=[services.Selection(first.pk, True), services.Selection(second.pk, True)],
    )
    services.critique_issue(actor=mttq, critique=critique, on_date=D(2026, 11, 10))
    services.version_add(actor=agency, critique=critique, received_on=D(2026, 11, 20), text=CULTURE_V2)
    # Only one answer so far, and the deadline (25/11/2026) has passed: it shows as overdue.
    services.dispositions_record(
        actor=agency,
        critique=critique,
        on_date=D(2026, 11, 20),
        rows=[
            services.DispositionRow(first.pk, "accepted", "Đã bổ sung tại mục III.", _section(critique, 2, "III").pk)
        ],
    )


@transaction.atomic
def load() -> None:
    """Load the two demo critiques (skipped when already there)."""
    codes = ["22-MTTQ", "22-SONV", "22-SOVHTTDL", "22-HLHPN", "22-HND"]
    units = {u.code: u for u in Unit.objects.filter(code__in=codes, valid_to__isnull=True)}
    people = {u.username: u for u in User.objects.filter(username__in=["mttq", "sonoivu", "phunu", "ubnd"])}
    if len(units) < len(codes) or len(people) < 4:
        return  # the demo tree or personas are missing: nothing to attach the critiques to
    front = units["22-MTTQ"]
    if not Critique.objects.filter(title=POOR_TITLE).exists():
        _poor_households(front, units, people["mttq"], people["sonoivu"], people["phunu"])
    if not Critique.objects.filter(title=CULTURE_TITLE).exists():
        # The provincial People's Committee's officer reaches its departments, Sở VHTTDL included.
        _culture(front, units, people["mttq"], people["ubnd"], people["phunu"])
