"""Official documents in the Decree 30/2020 format (Phụ lục I; DOMAIN.md §6), as DOCX.

A module describes its document with the dataclasses below — header, type and summary, body
blocks, signature, recipients — and never touches DOCX itself; `render_docx()` lays it out:

    doc = OfficialDocument(
        parent_body="UBND tỉnh Quảng Ninh", issuing_body="Sở Nội vụ", number=5, symbol="BC-SNV",
        place="Quảng Ninh", date=dt.date(2026, 1, 5), doc_type="Báo cáo",
        summary="Kết quả thực hiện Quy chế phối hợp quý IV năm 2025",
        body=[Heading("Kết quả"), Paragraph("…"), Table(["Đơn vị", "Số hộ"], rows)],
        signature=Signature(title="Giám đốc", name="Nguyễn Văn A"),
        recipients=["UBND tỉnh (b/c)", "Ủy ban MTTQ tỉnh"],
    )
    data = render_docx(doc)           # bytes of a .docx
    pdf = render_pdf(data)            # phoihop.documents.pdf, needs LibreOffice

The fixed words of the format ("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Số:", "Nơi nhận:",
"Lưu: VT", "ngày … tháng … năm …") are Vietnamese constants, not translatable strings: the
decree prescribes them, and a document issued from an English screen is still a Vietnamese
administrative document. For the same reason the date line is built here from
`core.dates.decree30_parts()` rather than the translated `vn_date()`.

Fonts: the file names Times New Roman, as the decree asks; where it is not installed
(Linux servers) fontconfig substitutes Liberation Serif 2 (Debian `fonts-liberation2`), which
has the same metrics and every Vietnamese letter, so lines break in the same places.
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from docx import Document
from docx.document import Document as DocxDocument
from docx.enum.section import WD_ORIENT
from docx.enum.style import WD_STYLE_TYPE
from docx.enum.table import WD_CELL_VERTICAL_ALIGNMENT, WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Emu, Length, Pt, RGBColor
from docx.table import Table as DocxTable
from docx.table import _Cell
from docx.text.paragraph import Paragraph as DocxParagraph

from phoihop.core.dates import decree30_parts
from phoihop.documents.charts import Chart, Series, bar_fractions, colour
from phoihop.documents.formatting import format_number, is_number

__all__ = [
    "Block",
    "Chart",
    "Heading",
    "OfficialDocument",
    "PageBreak",
    "Paragraph",
    "Series",
    "Signature",
    "Table",
    "document_number",
    "number_line",
    "place_date_line",
    "render_docx",
]

# --- the fixed words of Decree 30 (Vietnamese by law, see the module docstring) ------------------

NATIONAL_NAME = "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"
MOTTO = "Độc lập - Tự do - Hạnh phúc"
RECIPIENTS_LABEL = "Nơi nhận:"
DRAFT_MARK = "DỰ THẢO"
ADDRESSEE_LABEL = "Kính gửi:"
ABOUT_PREFIX = "V/v "  # "về việc": the summary of a letter without a type (công văn)

# --- page and type sizes (DOMAIN.md §6: within the decree's ranges) ------------------------------

FONT = "Times New Roman"
PAGE_WIDTH, PAGE_HEIGHT = Cm(21), Cm(29.7)
MARGIN_TOP = MARGIN_BOTTOM = Cm(2)
MARGIN_LEFT, MARGIN_RIGHT = Cm(3), Cm(1.5)
TEXT_WIDTH_CM = 21 - 3 - 1.5
BODY_SIZE = Pt(14)
HEADER_SIZE = Pt(13)
TABLE_SIZE = Pt(13)
FIRST_LINE_INDENT = Cm(1.27)
# The header block's two columns: the right one must hold "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"
# in 13 pt bold on one line (about 9.6 cm), the left one takes the rest of the text width.
HEADER_LEFT_CM, HEADER_RIGHT_CM = 6.0, TEXT_WIDTH_CM - 6.0
# The motto in 14 pt bold Times New Roman is about 6 cm long; the line under it matches.
MOTTO_LINE_CM = 6.0
SIGNATURE_LEFT_CM, SIGNATURE_RIGHT_CM = 7.5, TEXT_WIDTH_CM - 7.5
TABLE_TEXT_ID = "TableText"  # the paragraph style of table cells and of the header and closing blocks
SIGNING_SPACE_LINES = 4  # room for the hand signature and the seal


# --- the document model ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Heading:
    """A section heading; numbered "I.", "1.", "a)" by level unless `numbered` is False."""

    text: str
    level: int = 1
    numbered: bool = True


@dataclass(frozen=True)
class Paragraph:
    text: str
    bold: bool = False
    italic: bool = False


@dataclass(frozen=True)
class Table:
    """A table of figures: a bold header row, numbers right-aligned in the Vietnamese form.

    `widths` are in centimetres (they should add up to the text width, 16.5 cm); without
    them the widths follow the length of each column's texts. `total_row` is printed bold.
    """

    columns: Sequence[str]
    rows: Sequence[Sequence[Any]]
    widths: Sequence[float] | None = None
    total_row: Sequence[Any] | None = None
    caption: str = ""
    decimals: int | None = None


@dataclass(frozen=True)
class PageBreak:
    pass


Block = Heading | Paragraph | Table | Chart | PageBreak


@dataclass(frozen=True)
class Signature:
    """The signature block: "TM. ỦY BAN NHÂN DÂN" / "KT. CHỦ TỊCH" / "PHÓ CHỦ TỊCH" / name."""

    title: str
    name: str
    on_behalf: str = ""  # "TM. ỦY BAN NHÂN DÂN": signing for a collective body
    deputy: str = ""  # "KT. CHỦ TỊCH": a deputy signing for the head


@dataclass
class OfficialDocument:
    """The content of one official document, independent of DOCX.

    `number` stays None until the document is issued (`services.document_issue`): a draft
    prints "Số:      /BC-MTTQ" and the mark "DỰ THẢO". `doc_type` is empty for a letter
    (công văn), whose summary then goes under its number as "V/v …".
    """

    parent_body: str
    issuing_body: str
    symbol: str
    place: str
    summary: str
    signature: Signature
    number: int | None = None
    date: dt.date | None = None
    doc_type: str = ""
    body: list[Block] = field(default_factory=list)
    recipients: list[str] = field(default_factory=list)
    archive: str = "VT"  # the last recipients line, "Lưu: VT, …": the archive and the drafting office
    addressees: list[str] = field(default_factory=list)  # "Kính gửi:" of a letter

    @property
    def is_draft(self) -> bool:
        return self.number is None


def document_number(number: int) -> str:
    """Return the number as printed: numbers under 10 get a leading zero ("05")."""
    return f"{number:02d}"


def number_line(number: int | None, symbol: str) -> str:
    """Return "Số: 05/BC-MTTQ", or "Số:      /BC-MTTQ" with the number left blank for a draft."""
    if number is None:
        return f"Số:      /{symbol}"
    return f"Số: {document_number(number)}/{symbol}"


def place_date_line(place: str, date: dt.date | None) -> str:
    """Return "Quảng Ninh, ngày 05 tháng 01 năm 2026" (blanks for the day and month of an undated draft)."""
    if date is None:
        return f"{place}, ngày      tháng      năm {dt.date.today().year}"
    day, month, year = decree30_parts(date)
    return f"{place}, ngày {day} tháng {month} năm {year}"


# --- low-level DOCX helpers ------------------------------------------------------------------------


def _twips(length: Length) -> str:
    return str(Emu(length).twips)


def _set_run_font(element: Any) -> None:
    """Name Times New Roman for every script, and drop theme fonts, which would win over it."""
    rpr = element.get_or_add_rPr()
    fonts = rpr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = _el("rFonts")
        rpr.insert(0, fonts)
    for attr in ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme"):
        fonts.attrib.pop(qn(attr), None)
    for attr in ("w:ascii", "w:hAnsi", "w:eastAsia", "w:cs"):
        fonts.set(qn(attr), FONT)


def _run(
    paragraph: DocxParagraph,
    text: str,
    *,
    size: Length | None = None,
    bold: bool | None = None,
    italic: bool | None = None,
    underline: bool | None = None,
    colour_hex: str | None = None,
) -> Any:
    run = paragraph.add_run(text)
    if size is not None:
        run.font.size = size
    if bold is not None:
        run.bold = bold
    if italic is not None:
        run.italic = italic
    if underline is not None:
        run.underline = underline
    if colour_hex is not None:
        run.font.color.rgb = RGBColor.from_string(colour_hex)
    return run


def _format(
    paragraph: DocxParagraph,
    *,
    align: Any = None,
    before: float = 0,
    after: float = 0,
    indent: Length | None = None,
    single: bool = True,
) -> DocxParagraph:
    fmt = paragraph.paragraph_format
    if align is not None:
        fmt.alignment = align
    fmt.space_before = Pt(before)
    fmt.space_after = Pt(after)
    fmt.first_line_indent = indent if indent is not None else Cm(0)
    if single:
        fmt.line_spacing_rule = WD_LINE_SPACING.SINGLE
    return paragraph


def _el(tag: str, **attrs: str) -> Any:
    """Return a new w:`tag` element with the given w: attributes."""
    element = OxmlElement(f"w:{tag}")
    for key, value in attrs.items():
        element.set(qn(f"w:{key}"), value)
    return element


def _find_or_append(parent: Any, tag: str) -> Any:
    child = parent.find(qn(f"w:{tag}"))
    if child is None:
        child = _el(tag)
        parent.append(child)
    return child


def _edge(side: str, *, size: str = "6", space: str = "0", colour_hex: str = "000000") -> Any:
    """Return a single-line border edge (size in eighths of a point)."""
    return _el(side, val="single", sz=size, space=space, color=colour_hex)


def _mark_size(paragraph: DocxParagraph, size: Length) -> None:
    """Set the size of the paragraph mark, which sets the height of an empty paragraph."""
    rpr = _find_or_append(paragraph._p.get_or_add_pPr(), "rPr")
    half_points = str(int(Emu(size).pt * 2))
    rpr.append(_el("sz", val=half_points))
    rpr.append(_el("szCs", val=half_points))


def _ppr_child(paragraph: DocxParagraph, tag: str) -> Any:
    """Return the pPr child `tag`, created in the place the schema wants (python-docx orders them)."""
    ppr = paragraph._p.get_or_add_pPr()
    existing = ppr.find(qn(tag))
    if existing is not None:
        return existing
    element = OxmlElement(tag)
    # pBdr and shd come after keepNext..numPr and before spacing/ind/jc (CT_PPr sequence).
    successors = [qn(t) for t in ("w:tabs", "w:suppressAutoHyphens", "w:spacing", "w:ind", "w:jc", "w:rPr")]
    for child in ppr:
        if child.tag in successors:
            child.addprevious(element)
            break
    else:
        ppr.append(element)
    return element


def _rule_line(container: Any, *, width_cm: float, box_cm: float, before: float = 0, after: float = 0) -> DocxParagraph:
    """Add a centred horizontal line `width_cm` long: an empty paragraph with a bottom border,
    indented from both sides of its box. A paragraph border works in Word and LibreOffice
    alike, where a drawn shape would need DrawingML and float on its own."""
    paragraph = _format(container.add_paragraph(), align=WD_ALIGN_PARAGRAPH.CENTER, before=before, after=after)
    side = max((box_cm - width_cm) / 2, 0)
    paragraph.paragraph_format.left_indent = Cm(side)
    paragraph.paragraph_format.right_indent = Cm(side)
    _ppr_child(paragraph, "w:pBdr").append(_edge("bottom", space="1"))
    _mark_size(paragraph, Pt(2))
    paragraph.paragraph_format.line_spacing = Pt(3)
    paragraph.paragraph_format.line_spacing_rule = WD_LINE_SPACING.EXACTLY
    return paragraph


def _fix_table_widths(table: DocxTable, widths_cm: Sequence[float]) -> None:
    """Give the table its widths on every cell AND in tblGrid and tblW, with a fixed layout.

    LibreOffice ignores widths set only on cells (stack-check §5: the columns came out equal);
    Word ignores a grid that disagrees with the cells. Setting all of them pleases both.
    """
    table.autofit = False
    tbl_pr = table._tbl.tblPr
    tbl_w = _find_or_append(tbl_pr, "tblW")
    tbl_w.set(qn("w:w"), _twips(Cm(sum(widths_cm))))
    tbl_w.set(qn("w:type"), "dxa")
    for column, width in zip(table.columns, widths_cm, strict=True):
        column.width = Cm(width)
    for row in table.rows:
        for cell, width in zip(row.cells, widths_cm, strict=True):
            cell.width = Cm(width)


def _no_borders(table: DocxTable) -> None:
    borders = _el("tblBorders")
    for side in ("top", "left", "bottom", "right", "insideH", "insideV"):
        borders.append(_el(side, val="nil"))
    table._tbl.tblPr.append(borders)


def _cell_margins(table: DocxTable, *, left_cm: float, right_cm: float) -> None:
    margins = _el("tblCellMar")
    for side, width in (("left", left_cm), ("right", right_cm)):
        margins.append(_el(side, w=_twips(Cm(width)), type="dxa"))
    table._tbl.tblPr.append(margins)


def _cell_border(cell: _Cell, side: str) -> None:
    _find_or_append(cell._tc.get_or_add_tcPr(), "tcBorders").append(_edge(side, colour_hex="444444"))


def _repeat_header(row: Any) -> None:
    row._tr.get_or_add_trPr().append(_el("tblHeader"))


def _table_text(paragraph: DocxParagraph) -> DocxParagraph:
    """Give the paragraph the "Table Text" style by its id.

    Assigning a style object through python-docx looks up the default style each time, which
    made a one-page table take a quarter of a second.
    """
    paragraph._p.style = TABLE_TEXT_ID
    return paragraph


def _cell_paragraph(cell: _Cell, first: bool) -> DocxParagraph:
    return cell.paragraphs[0] if first else cell.add_paragraph()


def _page_field(paragraph: DocxParagraph) -> None:
    """Append a PAGE field (begin / instruction / separate / shown number / end)."""
    instruction = _el("instrText")
    instruction.set(qn("xml:space"), "preserve")
    instruction.text = " PAGE "
    for element in (_el("fldChar", fldCharType="begin"), instruction, _el("fldChar", fldCharType="separate")):
        _run(paragraph, "", size=BODY_SIZE)._r.append(element)
    _run(paragraph, "2", size=BODY_SIZE)  # shown until the viewer updates the field
    _run(paragraph, "", size=BODY_SIZE)._r.append(_el("fldChar", fldCharType="end"))


# --- styles and page ------------------------------------------------------------------------------


def _style(style: Any, *, before: float, bold: bool | None = None, italic: bool | None = None) -> None:
    """Give a body style the decree's look: Times New Roman 14 pt black, justified, indented."""
    _set_run_font(style.element)
    style.font.size = BODY_SIZE
    style.font.color.rgb = RGBColor(0, 0, 0)
    style.font.bold = bold
    style.font.italic = italic
    fmt = style.paragraph_format
    fmt.alignment = WD_ALIGN_PARAGRAPH.JUSTIFY
    fmt.first_line_indent = FIRST_LINE_INDENT
    fmt.space_before = Pt(before)
    fmt.space_after = Pt(6)


def _setup_styles(docx: DocxDocument) -> None:
    styles = docx.styles
    # The template's defaults name theme fonts (Calibri/Cambria), which beat a style's explicit
    # font in Word: replace them with Times New Roman and mark the text as Vietnamese.
    defaults = styles.element.find(qn("w:docDefaults"))
    rpr_default = defaults.find(qn("w:rPrDefault")).find(qn("w:rPr"))
    fonts = rpr_default.find(qn("w:rFonts"))
    fonts.attrib.clear()
    for attr in ("w:ascii", "w:hAnsi", "w:eastAsia", "w:cs"):
        fonts.set(qn(attr), FONT)
    lang = rpr_default.find(qn("w:lang"))
    lang.set(qn("w:val"), "vi-VN")
    lang.set(qn("w:eastAsia"), "vi-VN")

    normal = styles["Normal"]
    normal.font.name = FONT
    _style(normal, before=0)
    normal.paragraph_format.line_spacing = 1.15
    normal.paragraph_format.widow_control = True

    for level in (1, 2, 3):
        style = styles[f"Heading {level}"]
        rpr = style.element.get_or_add_rPr()
        for child in list(rpr):  # the template's Cambria, blue, 14–16 pt
            rpr.remove(child)
        _style(style, before=6, bold=True, italic=level == 3)
        style.paragraph_format.keep_with_next = True

    table_text = styles.add_style("Table Text", WD_STYLE_TYPE.PARAGRAPH)
    assert table_text.style_id == TABLE_TEXT_ID
    table_text.base_style = normal
    table_text.font.size = TABLE_SIZE
    tfmt = table_text.paragraph_format
    tfmt.alignment = WD_ALIGN_PARAGRAPH.LEFT
    tfmt.first_line_indent = Cm(0)
    tfmt.space_before = Pt(2)
    tfmt.space_after = Pt(2)
    tfmt.line_spacing_rule = WD_LINE_SPACING.SINGLE

    for name in ("Header", "Footer"):
        _set_run_font(styles[name].element)


def _setup_page(docx: DocxDocument, doc: OfficialDocument) -> None:
    section = docx.sections[0]
    section.orientation = WD_ORIENT.PORTRAIT
    section.page_width, section.page_height = PAGE_WIDTH, PAGE_HEIGHT
    section.top_margin, section.bottom_margin = MARGIN_TOP, MARGIN_BOTTOM
    section.left_margin, section.right_margin = MARGIN_LEFT, MARGIN_RIGHT
    section.header_distance = Cm(1)
    section.footer_distance = Cm(1)
    # Page numbers centred in the top margin from page 2 on; page 1 has its own header, empty
    # for an issued document and carrying the "DỰ THẢO" mark for a draft.
    section.different_first_page_header_footer = True
    header = section.header
    header.is_linked_to_previous = False
    number = _format(header.paragraphs[0], align=WD_ALIGN_PARAGRAPH.CENTER)
    _page_field(number)
    first = section.first_page_header
    first.is_linked_to_previous = False
    mark = _format(first.paragraphs[0], align=WD_ALIGN_PARAGRAPH.RIGHT)
    if doc.is_draft:
        _run(mark, DRAFT_MARK, size=BODY_SIZE, bold=True)
        border = _ppr_child(mark, "w:pBdr")
        for side in ("top", "left", "bottom", "right"):
            border.append(_edge(side, size="8", space="2"))
        mark.paragraph_format.left_indent = Cm(TEXT_WIDTH_CM - 3.2)

    props = docx.core_properties
    props.title = f"{doc.doc_type} {doc.summary}".strip()
    props.author = doc.issuing_body
    props.last_modified_by = doc.issuing_body
    props.language = "vi-VN"
    props.comments = ""
    props.revision = 1


# --- the parts of the document ----------------------------------------------------------------------


def _upper(text: str) -> str:
    return text.upper()


def _estimated_width_cm(text: str, size_pt: float, *, em: float) -> float:
    """Estimate a line's printed width; `em` is the average advance of its letters in ems."""
    return len(text) * em * size_pt / 72 * 2.54


def _header_block(docx: DocxDocument, doc: OfficialDocument) -> None:
    """The top of page 1 (Decree 30 items 1–5): two borderless columns, two rows.

    Row 1: parent body / ISSUING BODY / line  |  NATIONAL NAME / Motto / line.
    Row 2: "Số: …" (and "V/v …" of a letter)  |  place and date.
    Two rows keep the number and the date level even when the issuing body wraps.
    """
    widths = (HEADER_LEFT_CM, HEADER_RIGHT_CM)
    table = docx.add_table(rows=2, cols=2)
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    _no_borders(table)
    _cell_margins(table, left_cm=0.05, right_cm=0.05)
    _fix_table_widths(table, widths)
    center = WD_ALIGN_PARAGRAPH.CENTER
    left, right = table.rows[0].cells
    box_left, box_right = HEADER_LEFT_CM - 0.1, HEADER_RIGHT_CM - 0.1

    para = _format(left.paragraphs[0], align=center)
    _table_text(para)
    _format(para, align=center)
    if doc.parent_body:
        _run(para, _upper(doc.parent_body), size=HEADER_SIZE, bold=False)
        para = _format(_table_text(left.add_paragraph()), align=center)
    _run(para, _upper(doc.issuing_body), size=HEADER_SIZE, bold=True)
    # The line under the issuing body: 1/3 to 1/2 of its (longest printed) line.
    longest = min(_estimated_width_cm(_upper(doc.issuing_body), 13, em=0.72), box_left)
    _rule_line(left, width_cm=max(1.5, min(longest * 0.45, box_left)), box_cm=box_left, before=1)

    para = _format(right.paragraphs[0], align=center)
    _table_text(para)
    _format(para, align=center)
    _run(para, NATIONAL_NAME, size=HEADER_SIZE, bold=True)
    motto = _format(_table_text(right.add_paragraph()), align=center)
    _run(motto, MOTTO, size=BODY_SIZE, bold=True)
    # A line under the motto as long as it (not an underline: it would cut through the dots
    # under "Độc" and "Hạnh").
    _rule_line(right, width_cm=MOTTO_LINE_CM, box_cm=box_right, before=1)

    left, right = table.rows[1].cells
    para = left.paragraphs[0]
    _table_text(para)
    _format(para, align=center, before=6)
    _run(para, number_line(doc.number, doc.symbol), size=HEADER_SIZE)
    if not doc.doc_type and doc.summary:
        about = _format(_table_text(left.add_paragraph()), align=center, before=2)
        _run(about, ABOUT_PREFIX + doc.summary, size=Pt(12))
    para = right.paragraphs[0]
    _table_text(para)
    _format(para, align=center, before=6)
    _run(para, place_date_line(doc.place, doc.date), size=BODY_SIZE, italic=True)


def _title_block(docx: DocxDocument, doc: OfficialDocument) -> None:
    """Document type and summary (Decree 30 item 6), or "Kính gửi:" for a letter."""
    if doc.doc_type:
        title = _format(docx.add_paragraph(), align=WD_ALIGN_PARAGRAPH.CENTER, before=18)
        _run(title, _upper(doc.doc_type), size=BODY_SIZE, bold=True)
        summary = _format(docx.add_paragraph(), align=WD_ALIGN_PARAGRAPH.CENTER)
        _run(summary, doc.summary, size=BODY_SIZE, bold=True)
        longest = min(_estimated_width_cm(doc.summary, 14, em=0.5), TEXT_WIDTH_CM - 2)
        _rule_line(docx, width_cm=max(2.5, longest * 0.4), box_cm=TEXT_WIDTH_CM, before=4, after=12)
    else:
        _format(docx.add_paragraph(), after=6)
    if doc.addressees:
        _addressees(docx, doc.addressees)


def _addressees(docx: DocxDocument, names: Sequence[str]) -> None:
    """ "Kính gửi: X." centred for one addressee; for several, one "- X;" line each, aligned
    after the label by a hanging indent and a tab stop."""
    if len(names) == 1:
        para = _format(docx.add_paragraph(), align=WD_ALIGN_PARAGRAPH.CENTER, after=12)
        _run(para, f"{ADDRESSEE_LABEL} {names[0]}.", size=BODY_SIZE)
        return
    label_cm, items_cm = 3.0, 5.3
    for i, name in enumerate(names):
        end = "." if i == len(names) - 1 else ";"
        para = _format(docx.add_paragraph(), align=WD_ALIGN_PARAGRAPH.LEFT, after=12 if end == "." else 0)
        para.paragraph_format.left_indent = Cm(items_cm)
        if i == 0:
            para.paragraph_format.first_line_indent = Cm(label_cm - items_cm)
            para.paragraph_format.tab_stops.add_tab_stop(Cm(items_cm))
            _run(para, f"{ADDRESSEE_LABEL}\t- {name}{end}", size=BODY_SIZE)
        else:
            _run(para, f"- {name}{end}", size=BODY_SIZE)


_ROMAN = ("I", "II", "III", "IV", "V", "VI", "VII", "VIII", "IX", "X", "XI", "XII", "XIII", "XIV", "XV")


class _Numbering:
    """Counts headings: level 1 "I.", level 2 "1." (restarting under each level 1), level 3 "a)"."""

    def __init__(self) -> None:
        self.counts = [0, 0, 0]

    def label(self, level: int) -> str:
        index = min(max(level, 1), 3) - 1
        self.counts[index] += 1
        for deeper in range(index + 1, 3):
            self.counts[deeper] = 0
        n = self.counts[index]
        if index == 0:
            return f"{_ROMAN[n - 1] if n <= len(_ROMAN) else n}. "
        if index == 1:
            return f"{n}. "
        return f"{chr(ord('a') + (n - 1) % 26)}) "


def _cell_text(value: Any, decimals: int | None) -> tuple[str, bool]:
    """Return the printed text of a table value and whether it is a number (right-aligned)."""
    if value is None:
        return "", False
    if is_number(value):
        # `decimals` is for measured values; counts (ints) never get a ",0".
        return format_number(value, None if isinstance(value, int) else decimals), True
    if isinstance(value, dt.date):
        return value.strftime("%d/%m/%Y"), False
    return str(value), False


def _auto_widths(block: Table) -> list[float]:
    """Share the text width by the length of each column's longest text (within 1.2–9 cm)."""
    columns = len(block.columns)
    lengths = []
    for i in range(columns):
        texts = [str(block.columns[i])] + [_cell_text(row[i], block.decimals)[0] for row in block.rows]
        if block.total_row is not None:
            texts.append(_cell_text(block.total_row[i], block.decimals)[0])
        longest_word = max((len(w) for t in texts for w in t.split()), default=1)
        lengths.append(max(max((len(t) for t in texts), default=1), longest_word + 1, 3))
    weights = [min(max(n, 4), 40) for n in lengths]
    total = sum(weights)
    widths = [TEXT_WIDTH_CM * w / total for w in weights]
    return [round(w, 2) for w in widths]


def _table(docx: DocxDocument, block: Table) -> None:
    if block.caption:
        caption = _format(docx.add_paragraph(), align=WD_ALIGN_PARAGRAPH.CENTER, before=6, after=4)
        _run(caption, block.caption, size=TABLE_SIZE, bold=True)
        caption.paragraph_format.keep_with_next = True
    rows = [list(r) for r in block.rows]
    for number, row in enumerate(rows, start=1):
        if len(row) != len(block.columns):
            raise ValueError(f"table row {number} has {len(row)} cells for {len(block.columns)} columns")
    all_rows = rows + ([list(block.total_row)] if block.total_row is not None else [])
    table = docx.add_table(rows=1 + len(all_rows), cols=len(block.columns))
    table.style = docx.styles["Table Grid"]
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    widths = list(block.widths) if block.widths else _auto_widths(block)
    if len(widths) != len(block.columns):
        raise ValueError(f"{len(widths)} widths for {len(block.columns)} columns")
    _fix_table_widths(table, widths)
    _repeat_header(table.rows[0])
    for cell, text in zip(table.rows[0].cells, block.columns, strict=True):
        para = cell.paragraphs[0]
        _table_text(para)
        para.paragraph_format.alignment = WD_ALIGN_PARAGRAPH.CENTER
        _run(para, str(text), size=TABLE_SIZE, bold=True)
        cell.vertical_alignment = WD_CELL_VERTICAL_ALIGNMENT.CENTER
    for index, row in enumerate(all_rows, start=1):
        is_total = block.total_row is not None and index == len(all_rows)
        for cell, value in zip(table.rows[index].cells, row, strict=True):
            text, numeric = _cell_text(value, block.decimals)
            para = cell.paragraphs[0]
            _table_text(para)
            para.paragraph_format.alignment = WD_ALIGN_PARAGRAPH.RIGHT if numeric else WD_ALIGN_PARAGRAPH.LEFT
            _run(para, text, size=TABLE_SIZE, bold=True if is_total else None)
            cell.vertical_alignment = WD_CELL_VERTICAL_ALIGNMENT.CENTER
    _format(docx.add_paragraph(), after=6)


def _chart(docx: DocxDocument, block: Chart) -> None:
    """Draw the chart as a table: label | one shaded bar per series | the figures (see charts.py)."""
    title = _format(docx.add_paragraph(), align=WD_ALIGN_PARAGRAPH.CENTER, before=6, after=2)
    _run(title, block.heading, size=TABLE_SIZE, bold=True)
    title.paragraph_format.keep_with_next = True
    if len(block.series) > 1:
        legend = _format(docx.add_paragraph(), align=WD_ALIGN_PARAGRAPH.CENTER, after=4)
        legend.paragraph_format.keep_with_next = True
        for i, serie in enumerate(block.series):
            _run(legend, "■ ", size=Pt(12), colour_hex=colour(i))
            _run(legend, serie.name + ("     " if i < len(block.series) - 1 else ""), size=Pt(12))
    label_cm, value_cm = 5.0, 2.6
    bar_cm = TEXT_WIDTH_CM - label_cm - value_cm
    margin_cm = 0.15
    table = docx.add_table(rows=len(block.categories), cols=3)
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    _no_borders(table)
    _cell_margins(table, left_cm=margin_cm, right_cm=margin_cm)
    _fix_table_widths(table, (label_cm, bar_cm, value_cm))
    fractions = bar_fractions(block)
    size = Pt(10)
    for ci, (row, category, row_fractions) in enumerate(zip(table.rows, block.categories, fractions, strict=True)):
        label_cell, bar_cell, value_cell = row.cells
        label = label_cell.paragraphs[0]
        _table_text(label)
        label.paragraph_format.alignment = WD_ALIGN_PARAGRAPH.RIGHT
        _run(label, category, size=Pt(12))
        label_cell.vertical_alignment = WD_CELL_VERTICAL_ALIGNMENT.CENTER
        _cell_border(bar_cell, "left")  # the axis
        value_cell.vertical_alignment = WD_CELL_VERTICAL_ALIGNMENT.CENTER
        bar_cell.vertical_alignment = WD_CELL_VERTICAL_ALIGNMENT.CENTER
        for si, (serie, fraction) in enumerate(zip(block.series, row_fractions, strict=True)):
            bar = _format(_cell_paragraph(bar_cell, si == 0), after=1.5, before=1.5 if si == 0 else 0)
            value = _format(
                _cell_paragraph(value_cell, si == 0),
                align=WD_ALIGN_PARAGRAPH.LEFT,
                after=1.5,
                before=1.5 if si == 0 else 0,
            )
            _run(bar, "\u00a0", size=size)
            figure = serie.values[ci]
            _run(value, "-" if figure is None else format_number(figure, block.decimals), size=size)
            if fraction:
                length = max(fraction * (bar_cm - 2 * margin_cm), 0.05)
                bar.paragraph_format.right_indent = Cm(bar_cm - 2 * margin_cm - length)
                shade = _ppr_child(bar, "w:shd")
                shade.set(qn("w:val"), "clear")
                shade.set(qn("w:color"), "auto")
                shade.set(qn("w:fill"), colour(si))
    _format(docx.add_paragraph(), after=6)


def _body(docx: DocxDocument, doc: OfficialDocument) -> None:
    numbering = _Numbering()
    for block in doc.body:
        if isinstance(block, Heading):
            text = (numbering.label(block.level) if block.numbered else "") + block.text
            docx.add_paragraph(text, style=f"Heading {min(max(block.level, 1), 3)}")
        elif isinstance(block, Paragraph):
            para = docx.add_paragraph()
            _run(para, block.text, bold=block.bold or None, italic=block.italic or None)
        elif isinstance(block, Table):
            _table(docx, block)
        elif isinstance(block, Chart):
            _chart(docx, block)
        elif isinstance(block, PageBreak):
            docx.add_page_break()
        else:
            raise TypeError(f"unknown block {block!r}")


def _recipient_lines(doc: OfficialDocument) -> list[str]:
    """Return the "- …;" lines, the last one "- Lưu: VT, …." (Decree 30 item 9b)."""
    lines = []
    names = [r.strip().rstrip(";.").strip() for r in doc.recipients if r.strip()]
    if not any(n.startswith("Lưu") for n in names):
        names.append(f"Lưu: {doc.archive}")
    for i, name in enumerate(names):
        lines.append(f"- {name}{'.' if i == len(names) - 1 else ';'}")
    return lines


def _closing_block(docx: DocxDocument, doc: OfficialDocument) -> None:
    """Recipients on the left, signature on the right, in one borderless table.

    "Nơi nhận:" sits on the same line as the first line of the signature block (the decree's
    "ngang hàng với dòng chữ quyền hạn, chức vụ của người ký").
    """
    widths = (SIGNATURE_LEFT_CM, SIGNATURE_RIGHT_CM)
    table = docx.add_table(rows=1, cols=2)
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    _no_borders(table)
    _cell_margins(table, left_cm=0.05, right_cm=0.05)
    _fix_table_widths(table, widths)
    left, right = table.rows[0].cells
    # Keep the closing together: a signature alone on a last page is not accepted.
    table.rows[0]._tr.get_or_add_trPr().append(_el("cantSplit"))

    para = left.paragraphs[0]
    _table_text(para)
    _format(para, align=WD_ALIGN_PARAGRAPH.LEFT, before=6)
    _run(para, RECIPIENTS_LABEL, size=Pt(12), bold=True, italic=True)
    for line in _recipient_lines(doc):
        item = _format(_table_text(left.add_paragraph()), align=WD_ALIGN_PARAGRAPH.LEFT)
        _run(item, line, size=Pt(11))

    center = WD_ALIGN_PARAGRAPH.CENTER
    sig = doc.signature
    lines = [t for t in (sig.on_behalf, sig.deputy, sig.title) if t]
    for i, text in enumerate(lines):
        para = _cell_paragraph(right, i == 0)
        _table_text(para)
        _format(para, align=center, before=6 if i == 0 else 0)
        _run(para, _upper(text), size=BODY_SIZE, bold=True)
    for _ in range(SIGNING_SPACE_LINES):
        _format(_table_text(right.add_paragraph()), align=center)
    name = _format(_table_text(right.add_paragraph()), align=center)
    _run(name, sig.name, size=BODY_SIZE, bold=True)


def render_docx(doc: OfficialDocument) -> bytes:
    """Return the document as DOCX bytes in the Decree 30 layout."""
    docx = Document()
    _setup_styles(docx)
    _setup_page(docx, doc)
    # The template starts with one empty paragraph; remove it so page 1 begins with the header.
    body = docx.element.body
    for p in body.findall(qn("w:p")):
        body.remove(p)
    _header_block(docx, doc)
    _title_block(docx, doc)
    _body(docx, doc)
    _closing_block(docx, doc)
    buffer = io.BytesIO()
    docx.save(buffer)
    return buffer.getvalue()
