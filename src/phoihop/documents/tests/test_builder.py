"""The DOCX read back with python-docx: page, fonts, header block, title, body, signature, recipients.

Each assertion is a line of Decree 30/2020 Phụ lục I (DOMAIN.md §6) that a layout change
could break without anyone noticing on screen.
"""

from __future__ import annotations

import datetime as dt
import io

import pytest
from docx import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml.ns import qn
from docx.shared import Emu, Pt

from phoihop.documents.builder import (
    Chart,
    Heading,
    OfficialDocument,
    Paragraph,
    Series,
    Signature,
    Table,
    number_line,
    place_date_line,
    render_docx,
)
from phoihop.documents.samples import sample_letter, sample_report


def read(doc: OfficialDocument):
    return Document(io.BytesIO(render_docx(doc)))


def texts(cell) -> list[str]:
    return [p.text for p in cell.paragraphs if p.text]


def only_run(paragraph):
    runs = [r for r in paragraph.runs if r.text]
    assert len(runs) == 1, [r.text for r in runs]
    return runs[0]


def effective(run, attr: str):
    """The run's own bold/italic/size, else its paragraph style's (as Word resolves it)."""
    value = getattr(run.font, attr)
    style = run._parent.style
    while value is None and style is not None:
        value = getattr(style.font, attr)
        style = style.base_style
    return value


def paragraph_with(docx, text: str):
    return next(p for p in docx.paragraphs if p.text == text)


def cm(length) -> float:
    return round(Emu(length).cm, 2)


# --- page and styles -----------------------------------------------------------------------------


def test_page_is_a4_portrait_with_margins_within_the_decree(sample_docx):
    section = sample_docx.sections[0]
    assert (cm(section.page_width), cm(section.page_height)) == (21.0, 29.7)
    assert cm(section.top_margin) == cm(section.bottom_margin) == 2.0  # 20–25 mm
    assert cm(section.left_margin) == 3.0  # 30–35 mm
    assert cm(section.right_margin) == 1.5  # 15–20 mm


def test_normal_style_is_times_new_roman_14_justified_with_indent_and_spacing(sample_docx):
    normal = sample_docx.styles["Normal"]
    assert normal.font.name == "Times New Roman"
    fonts = normal.element.rPr.rFonts
    # eastAsia too, or Word falls back to another font for some characters.
    assert fonts.get(qn("w:eastAsia")) == "Times New Roman"
    assert normal.font.size == Pt(14)
    fmt = normal.paragraph_format
    assert fmt.alignment == WD_ALIGN_PARAGRAPH.JUSTIFY
    assert cm(fmt.first_line_indent) == 1.27
    assert fmt.space_after >= Pt(6)
    assert 1.0 <= fmt.line_spacing <= 1.5


def test_theme_fonts_are_gone_from_the_defaults(sample_docx):
    # A theme font (Calibri) in docDefaults would beat the styles' Times New Roman in Word.
    defaults = sample_docx.styles.element.find(qn("w:docDefaults"))
    fonts = defaults.find(qn("w:rPrDefault")).find(qn("w:rPr")).find(qn("w:rFonts"))
    assert {fonts.get(qn(a)) for a in ("w:ascii", "w:hAnsi", "w:eastAsia", "w:cs")} == {"Times New Roman"}
    assert fonts.get(qn("w:asciiTheme")) is None
    heading = sample_docx.styles["Heading 1"].element.rPr.rFonts
    assert heading.get(qn("w:asciiTheme")) is None and heading.get(qn("w:ascii")) == "Times New Roman"


# --- header block --------------------------------------------------------------------------------


def test_header_block_texts_sizes_and_weights(sample_docx):
    header = sample_docx.tables[0]
    left, right = header.rows[0].cells
    assert texts(left) == ["ỦY BAN MTTQ VIỆT NAM TỈNH QUẢNG NINH", "BAN THƯỜNG TRỰC"]
    parent, issuing = (only_run(p) for p in left.paragraphs[:2])
    assert (effective(parent, "bold"), parent.font.size) == (False, Pt(13))
    assert (effective(issuing, "bold"), issuing.font.size) == (True, Pt(13))
    assert texts(right) == ["CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Độc lập - Tự do - Hạnh phúc"]
    national, motto = (only_run(p) for p in right.paragraphs[:2])
    assert (effective(national, "bold"), national.font.size) == (True, Pt(13))
    assert (effective(motto, "bold"), motto.font.size) == (True, Pt(14))
    for paragraph in [*left.paragraphs, *right.paragraphs]:
        assert paragraph.alignment == WD_ALIGN_PARAGRAPH.CENTER


def test_issuing_body_and_motto_have_a_short_line_under_them(sample_docx):
    left, right = sample_docx.tables[0].rows[0].cells
    for cell in (left, right):
        line = cell.paragraphs[-1]
        assert line.text == ""
        assert line._p.pPr.find(qn("w:pBdr")).find(qn("w:bottom")).get(qn("w:val")) == "single"
    # The motto's line is as long as the motto (about 6 cm), not the whole column.
    motto_line = right.paragraphs[-1].paragraph_format
    column = 16.5 - 6.0 - 0.1
    assert round(column - cm(motto_line.left_indent) - cm(motto_line.right_indent), 1) == 6.0
    # The issuing body's line is shorter than its column (1/3 to 1/2 of the text).
    issuing_line = left.paragraphs[-1].paragraph_format
    assert cm(issuing_line.left_indent) > 1


def test_number_line_and_date_line(sample_docx):
    left, right = sample_docx.tables[0].rows[1].cells
    number = only_run(left.paragraphs[0])
    assert number.text == "Số: 05/BC-MTTQ"
    assert number.font.size == Pt(13)
    date = only_run(right.paragraphs[0])
    assert date.text == "Quảng Ninh, ngày 05 tháng 01 năm 2026"
    assert effective(date, "italic") is True
    assert date.font.size == Pt(14)


def test_header_table_has_its_widths_on_the_grid_and_on_every_cell(sample_docx):
    # stack-check §5: LibreOffice ignored widths set on cells only; the grid must agree.
    for table in (sample_docx.tables[0], sample_docx.tables[-1]):
        tbl = table._tbl
        grid = [int(c.get(qn("w:w"))) for c in tbl.tblGrid.findall(qn("w:gridCol"))]
        assert tbl.tblPr.find(qn("w:tblLayout")).get(qn("w:type")) == "fixed"
        assert int(tbl.tblPr.find(qn("w:tblW")).get(qn("w:w"))) == pytest.approx(sum(grid), abs=2)
        assert round(sum(grid) / 567, 1) == 16.5  # twips per cm
        for row in table.rows:
            assert [int(c._tc.tcPr.tcW.get(qn("w:w"))) for c in row.cells] == grid
        borders = tbl.tblPr.find(qn("w:tblBorders"))
        assert {edge.get(qn("w:val")) for edge in borders} == {"nil"}


@pytest.mark.parametrize(
    ("number", "expected"),
    [(5, "Số: 05/BC-MTTQ"), (1, "Số: 01/BC-MTTQ"), (10, "Số: 10/BC-MTTQ"), (194, "Số: 194/BC-MTTQ")],
)
def test_numbers_under_ten_are_padded(number, expected):
    assert number_line(number, "BC-MTTQ") == expected


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (dt.date(2026, 1, 5), "Quảng Ninh, ngày 05 tháng 01 năm 2026"),
        (dt.date(2021, 11, 30), "Quảng Ninh, ngày 30 tháng 11 năm 2021"),
        (dt.date(2026, 2, 9), "Quảng Ninh, ngày 09 tháng 02 năm 2026"),
        (dt.date(2026, 3, 15), "Quảng Ninh, ngày 15 tháng 3 năm 2026"),  # months after February unpadded
    ],
)
def test_date_line_follows_the_decree(day, expected):
    assert place_date_line("Quảng Ninh", day) == expected


def test_date_line_is_vietnamese_whatever_the_screen_language(settings):
    from django.utils import translation

    with translation.override("en"):
        assert place_date_line("Quảng Ninh", dt.date(2021, 11, 30)) == "Quảng Ninh, ngày 30 tháng 11 năm 2021"


# --- title and body --------------------------------------------------------------------------------


def test_document_type_and_summary_are_bold_and_centred_with_a_line_under(sample_docx):
    kind = paragraph_with(sample_docx, "BÁO CÁO")
    summary = paragraph_with(sample_docx, "Kết quả thực hiện Quy chế phối hợp số 194/QCPH năm 2025")
    for paragraph, size in ((kind, Pt(14)), (summary, Pt(14))):
        run = only_run(paragraph)
        assert effective(run, "bold") is True
        assert run.font.size == size
        assert paragraph.alignment == WD_ALIGN_PARAGRAPH.CENTER
    paragraphs = sample_docx.paragraphs
    line = paragraphs[paragraphs.index(next(p for p in paragraphs if p._p is summary._p)) + 1]
    assert line.text == "" and line._p.pPr.find(qn("w:pBdr")) is not None


def test_headings_are_bold_and_numbered_by_level(sample_docx):
    headings = [p for p in sample_docx.paragraphs if p.style.name.startswith("Heading")]
    assert [p.text.split(" ")[0] for p in headings] == ["I.", "II.", "1.", "2.", "3.", "III.", "IV."]
    assert headings[0].text == "I. Đặc điểm tình hình"
    assert all(p.style.font.bold for p in headings)
    assert sample_docx.styles["Heading 1"].font.name == "Times New Roman"


def test_data_table_has_a_bold_repeated_header_and_vietnamese_numbers():
    docx = read(
        OfficialDocument(
            parent_body="UBND tỉnh Quảng Ninh",
            issuing_body="Sở Nội vụ",
            symbol="BC-SNV",
            place="Quảng Ninh",
            number=3,
            date=dt.date(2026, 4, 2),
            doc_type="Báo cáo",
            summary="Số liệu",
            body=[
                Table(
                    ["Đơn vị", "Số hộ", "Tỷ lệ (%)"],
                    [["Phường Hạ Long", 1234567, 87.5], ["Xã Cô Tô", 12, 100.0]],
                    total_row=["Tổng cộng", 1234579, 93.75],
                    decimals=1,
                )
            ],
            signature=Signature(title="Giám đốc", name="Lê Văn C"),
        )
    )
    table = docx.tables[1]
    assert table.style.name == "Table Grid"
    header = table.rows[0]
    assert header._tr.trPr.find(qn("w:tblHeader")) is not None  # repeats on each page
    assert [c.text for c in header.cells] == ["Đơn vị", "Số hộ", "Tỷ lệ (%)"]
    assert all(effective(only_run(c.paragraphs[0]), "bold") for c in header.cells)
    assert [c.text for c in table.rows[1].cells] == ["Phường Hạ Long", "1.234.567", "87,5"]
    assert [c.text for c in table.rows[2].cells] == ["Xã Cô Tô", "12", "100,0"]  # counts get no ",0"
    assert table.rows[1].cells[1].paragraphs[0].alignment == WD_ALIGN_PARAGRAPH.RIGHT
    total = table.rows[3]
    assert [c.text for c in total.cells] == ["Tổng cộng", "1.234.579", "93,8"]
    assert all(only_run(c.paragraphs[0]).bold for c in total.cells)
    size = only_run(table.rows[1].cells[0].paragraphs[0]).font.size
    assert Pt(12) <= size <= Pt(13)


def test_a_table_row_of_the_wrong_length_is_refused():
    doc = sample_report()
    doc.body = [Table(["A", "B"], [["only one"]])]
    with pytest.raises(ValueError, match="row 1 has 1 cells for 2 columns"):
        render_docx(doc)


def test_chart_is_drawn_as_bars_proportional_to_the_figures():
    doc = sample_report()
    doc.body = [
        Chart(
            title="Nhà Đại đoàn kết",
            categories=["Xã A", "Xã B"],
            series=[Series("Khởi công", [40, 10]), Series("Bàn giao", [20, None])],
            unit="căn",
        )
    ]
    docx = read(doc)
    assert any(p.text == "Nhà Đại đoàn kết (căn)" for p in docx.paragraphs)
    chart = docx.tables[1]
    bar_column = 16.5 - 5.0 - 2.6 - 0.3  # the bar cell less its margins

    def bar_length(paragraph) -> float:
        if paragraph._p.pPr.find(qn("w:shd")) is None:
            return 0.0
        return bar_column - cm(paragraph.paragraph_format.right_indent or 0)

    first, second = chart.rows
    assert first.cells[0].text == "Xã A"
    assert [round(bar_length(p), 1) for p in first.cells[1].paragraphs] == [
        round(bar_column, 1),
        round(bar_column / 2, 1),
    ]
    assert [round(bar_length(p), 1) for p in second.cells[1].paragraphs] == [round(bar_column / 4, 1), 0.0]
    assert texts(first.cells[2]) == ["40", "20"]
    assert texts(second.cells[2]) == ["10", "-"]  # no figure is not zero


# --- signature and recipients ------------------------------------------------------------------------


def test_signature_block_is_upper_case_bold_with_the_name_below(sample_docx):
    right = sample_docx.tables[-1].rows[0].cells[1]
    lines = texts(right)
    assert lines == ["TM. BAN THƯỜNG TRỰC", "KT. CHỦ TỊCH", "PHÓ CHỦ TỊCH", "Nguyễn Thị Minh Hà"]
    for paragraph in right.paragraphs:
        for run in paragraph.runs:
            if run.text:
                assert effective(run, "bold") is True
    # Room for the signature and seal between the title and the name.
    assert len(right.paragraphs) - len(lines) >= 3


def test_recipients_are_bold_italic_label_then_11_pt_lines_ending_with_the_archive(sample_docx):
    left = sample_docx.tables[-1].rows[0].cells[0]
    label = only_run(left.paragraphs[0])
    assert label.text == "Nơi nhận:"
    assert (effective(label, "bold"), effective(label, "italic"), label.font.size) == (True, True, Pt(12))
    assert left.paragraphs[0].alignment == WD_ALIGN_PARAGRAPH.LEFT
    lines = left.paragraphs[1:]
    assert [p.text for p in lines] == [
        "- Thường trực Tỉnh ủy (b/c);",
        "- Thường trực HĐND tỉnh (b/c);",
        "- UBND tỉnh;",
        "- Các tổ chức chính trị - xã hội tỉnh;",
        "- Ủy ban MTTQ các xã, phường, đặc khu;",
        "- Lưu: VT, BTT.",
    ]
    assert {only_run(p).font.size for p in lines} == {Pt(11)}


def test_recipients_label_is_level_with_the_signers_first_line(sample_docx):
    row = sample_docx.tables[-1].rows[0]
    label, signer = row.cells[0].paragraphs[0], row.cells[1].paragraphs[0]
    assert signer.text == "TM. BAN THƯỜNG TRỰC"
    assert label.paragraph_format.space_before == signer.paragraph_format.space_before


# --- page numbers and drafts ------------------------------------------------------------------------


def _has_page_field(header) -> bool:
    return any("PAGE" in (t.text or "") for t in header._element.iter(qn("w:instrText")))


def test_page_number_is_centred_at_the_top_from_page_two_on(sample_docx):
    section = sample_docx.sections[0]
    assert section.different_first_page_header_footer is True
    assert _has_page_field(section.header)
    assert section.header.paragraphs[0].alignment == WD_ALIGN_PARAGRAPH.CENTER
    assert not section.first_page_header.is_linked_to_previous
    assert not _has_page_field(section.first_page_header)


def test_issued_document_has_no_draft_mark(sample_docx):
    first_page = sample_docx.sections[0].first_page_header
    assert "DỰ THẢO" not in "".join(p.text for p in first_page.paragraphs)


def test_draft_has_a_blank_number_and_the_draft_mark():
    docx = read(sample_report(number=None))
    assert docx.tables[0].rows[1].cells[0].paragraphs[0].text == "Số:      /BC-MTTQ"
    mark = docx.sections[0].first_page_header.paragraphs[0]
    assert mark.text == "DỰ THẢO"
    assert only_run(mark).bold is True
    assert not _has_page_field(docx.sections[0].first_page_header)


def test_undated_draft_leaves_day_and_month_blank():
    line = place_date_line("Quảng Ninh", None)
    assert line.startswith("Quảng Ninh, ngày ") and "tháng" in line
    assert line.endswith(f"năm {dt.date.today().year}")


# --- letters (công văn) -------------------------------------------------------------------------------


def test_letter_has_no_type_and_puts_its_summary_under_the_number():
    docx = read(sample_letter())
    left = docx.tables[0].rows[1].cells[0]
    assert texts(left) == ["Số: 12/UBND-VX", "V/v đôn đốc gửi báo cáo kết quả phối hợp quý III năm 2021"]
    assert only_run(left.paragraphs[1]).font.size == Pt(12)
    assert not any(p.text in ("BÁO CÁO", "CÔNG VĂN") for p in docx.paragraphs)
    assert docx.tables[0].rows[0].cells[0].paragraphs[0].text == "ỦY BAN NHÂN DÂN TỈNH QUẢNG NINH"
    assert docx.tables[0].rows[1].cells[1].paragraphs[0].text == "Quảng Ninh, ngày 30 tháng 11 năm 2021"


def test_letter_lists_its_addressees_after_kinh_gui():
    docx = read(sample_letter())
    lines = [p.text for p in docx.paragraphs if p.text.startswith(("Kính gửi", "- "))]
    assert lines == [
        "Kính gửi:\t- Sở Nội vụ;",
        "- Sở Tài chính;",
        "- UBND các huyện, thị xã, thành phố.",
    ]


def test_single_addressee_is_one_centred_line():
    doc = sample_letter()
    doc.addressees = ["Ủy ban MTTQ tỉnh Quảng Ninh"]
    docx = read(doc)
    line = paragraph_with(docx, "Kính gửi: Ủy ban MTTQ tỉnh Quảng Ninh.")
    assert line.alignment == WD_ALIGN_PARAGRAPH.CENTER


def test_recipients_given_with_their_own_archive_line_are_not_doubled():
    doc = sample_letter()
    doc.recipients = ["Như trên;", "Lưu: VT, VX1."]
    docx = read(doc)
    assert [p.text for p in docx.tables[-1].rows[0].cells[0].paragraphs[1:]] == ["- Như trên;", "- Lưu: VT, VX1."]


def test_body_paragraph_can_be_bold_or_italic():
    doc = sample_report()
    doc.body = [Paragraph("Đề nghị các đơn vị gửi báo cáo.", italic=True), Heading("Không số", numbered=False)]
    docx = read(doc)
    assert only_run(paragraph_with(docx, "Đề nghị các đơn vị gửi báo cáo.")).italic is True
    assert any(p.text == "Không số" for p in docx.paragraphs)
