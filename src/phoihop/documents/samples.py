"""A sample "Báo cáo" from Quảng Ninh, to look at the format (`phoihop sample-document`) and test it.

The figures and the people are made up; the shape is that of the Front's yearly report on
Regulation 194/QCPH (DESIGN.md §1).
"""

from __future__ import annotations

import datetime as dt

from phoihop.documents.builder import (
    Chart,
    Heading,
    OfficialDocument,
    PageBreak,
    Paragraph,
    Series,
    Signature,
    Table,
)

ORGANISATIONS = [
    "Liên đoàn Lao động tỉnh",
    "Hội Liên hiệp Phụ nữ tỉnh",
    "Hội Nông dân tỉnh",
    "Tỉnh đoàn Quảng Ninh",
    "Hội Cựu chiến binh tỉnh",
]
PLANNED = [24, 30, 22, 28, 18]
DONE = [23, 31, 17, 28, 12]


def sample_report(*, number: int | None = 5, date: dt.date | None = dt.date(2026, 1, 5)) -> OfficialDocument:
    """Return the sample report; `number=None` gives the unissued draft."""
    rows = [
        [i, name, planned, done, round(done * 100 / planned, 1)]
        for i, (name, planned, done) in enumerate(zip(ORGANISATIONS, PLANNED, DONE, strict=True), start=1)
    ]
    total = ["", "Tổng cộng", sum(PLANNED), sum(DONE), round(sum(DONE) * 100 / sum(PLANNED), 1)]
    return OfficialDocument(
        parent_body="Ủy ban MTTQ Việt Nam tỉnh Quảng Ninh",
        issuing_body="Ban Thường trực",
        number=number,
        symbol="BC-MTTQ",
        place="Quảng Ninh",
        date=date,
        doc_type="Báo cáo",
        summary="Kết quả thực hiện Quy chế phối hợp số 194/QCPH năm 2025",
        body=[
            Paragraph(
                "Thực hiện Quy chế phối hợp số 194/QCPH ngày 30/11/2021 giữa Ủy ban nhân dân tỉnh với Ủy ban "
                "Mặt trận Tổ quốc Việt Nam tỉnh và các tổ chức chính trị - xã hội tỉnh giai đoạn 2021 - 2025, "
                "Ban Thường trực Ủy ban MTTQ Việt Nam tỉnh báo cáo kết quả thực hiện năm 2025 như sau:"
            ),
            Heading("Đặc điểm tình hình"),
            Paragraph(
                "Năm 2025 là năm thực hiện sắp xếp đơn vị hành chính hai cấp; từ ngày 01/7/2025 tỉnh Quảng Ninh "
                "có 54 đơn vị hành chính cấp xã, gồm 30 phường, 22 xã và 2 đặc khu Vân Đồn, Cô Tô. Ủy ban nhân "
                "dân tỉnh, Ủy ban MTTQ Việt Nam tỉnh và các tổ chức chính trị - xã hội đã kịp thời kiện toàn bộ "
                "máy, duy trì nền nếp phối hợp, bảo đảm không gián đoạn các nhiệm vụ chung."
            ),
            Heading("Kết quả thực hiện"),
            Heading("Công tác thông tin, báo cáo", level=2),
            Paragraph(
                "Ủy ban nhân dân tỉnh thông báo tình hình kinh tế - xã hội 6 tháng một lần; các sở, ngành gửi "
                "báo cáo kết quả phối hợp theo quý. Tỷ lệ báo cáo đúng hạn đạt 92,4%, tăng 11,3 điểm phần trăm "
                "so với năm 2024 nhờ theo dõi hạn báo cáo trên hệ thống phối hợp."
            ),
            Heading("Thực hiện công trình, phần việc", level=2),
            Table(
                columns=["STT", "Tổ chức", "Kế hoạch", "Thực hiện", "Tỷ lệ (%)"],
                rows=rows,
                total_row=total,
                widths=[1.3, 7.0, 2.6, 2.6, 3.0],
                caption="Bảng 1. Công trình, phần việc năm 2025",
                decimals=1,
            ),
            Chart(
                title="Biểu đồ 1. Công trình, phần việc theo tổ chức",
                categories=ORGANISATIONS,
                series=[Series("Kế hoạch", PLANNED), Series("Thực hiện", DONE)],
                unit="công trình",
            ),
            Heading("Giám sát và phản biện xã hội", level=2),
            Paragraph(
                "Ủy ban MTTQ tỉnh chủ trì 12 cuộc giám sát, đưa ra 57 kiến nghị; đến ngày 31/12/2025 đã có 49 "
                "kiến nghị được trả lời (86,0%), 8 kiến nghị đang được các cơ quan xem xét trong thời hạn."
            ),
            Heading("Tồn tại, hạn chế"),
            Paragraph(
                "Một số đơn vị chưa gửi báo cáo đúng hạn; việc trả lời kiến nghị sau giám sát ở một số địa "
                "phương còn chậm; nguồn lực hỗ trợ công trình, phần việc chưa đồng đều giữa các địa bàn."
            ),
            Heading("Phương hướng, nhiệm vụ năm 2026"),
            Paragraph(
                "Tiếp tục thực hiện nghiêm Quy chế phối hợp; tổ chức tổng kết giai đoạn 2021 - 2025 và xây "
                "dựng quy chế phối hợp giai đoạn 2026 - 2030 phù hợp với mô hình chính quyền địa phương hai cấp."
            ),
        ],
        signature=Signature(
            on_behalf="TM. Ban Thường trực",
            deputy="KT. Chủ tịch",
            title="Phó Chủ tịch",
            name="Nguyễn Thị Minh Hà",
        ),
        recipients=[
            "Thường trực Tỉnh ủy (b/c)",
            "Thường trực HĐND tỉnh (b/c)",
            "UBND tỉnh",
            "Các tổ chức chính trị - xã hội tỉnh",
            "Ủy ban MTTQ các xã, phường, đặc khu",
        ],
        archive="VT, BTT",
    )


def sample_letter() -> OfficialDocument:
    """Return a sample letter (công văn): no type, "V/v …" under the number, "Kính gửi:"."""
    return OfficialDocument(
        parent_body="",
        issuing_body="Ủy ban nhân dân tỉnh Quảng Ninh",
        number=12,
        symbol="UBND-VX",
        place="Quảng Ninh",
        date=dt.date(2021, 11, 30),
        summary="đôn đốc gửi báo cáo kết quả phối hợp quý III năm 2021",
        addressees=["Sở Nội vụ", "Sở Tài chính", "UBND các huyện, thị xã, thành phố"],
        body=[
            Paragraph("Đến hết hạn gửi báo cáo quý III năm 2021, các đơn vị nêu trên chưa gửi báo cáo."),
            PageBreak(),
            Paragraph("Đề nghị các đơn vị gửi báo cáo trước ngày 10/12/2021."),
        ],
        signature=Signature(
            on_behalf="TM. Ủy ban nhân dân", deputy="KT. Chủ tịch", title="Phó Chủ tịch", name="Trần Văn B"
        ),
        recipients=["Như trên", "CT, các PCT UBND tỉnh"],
        archive="VT, VX1",
    )
