"""The one XLSX writer for exports (in core so every layer may use it): `write_table_xlsx(title, columns, rows)`.

What every export needs and openpyxl does not do by itself: Times New Roman throughout, a
bold header row that stays in view (frozen) with a filter, column widths that fit, numbers
written as numbers and dates as dates so the receiver can add them up and sort them, and
text kept as text — codes keep their leading zeros and a value starting with "=" is never
run as a formula. No formulas are written: openpyxl cannot compute them, so a total would
read empty in any tool that does not recalculate (stack-check §5); write the figure instead.
"""

from __future__ import annotations

import datetime as dt
import io
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from django.utils import timezone

FONT_NAME = "Times New Roman"
DATE_FORMAT = "DD/MM/YYYY"
DATETIME_FORMAT = "DD/MM/YYYY HH:MM"
INTEGER_FORMAT = "#,##0"
MIN_WIDTH, MAX_WIDTH = 8, 60
_SHEET_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")


@dataclass(frozen=True)
class XlsxColumn:
    """A column: its header, and optionally a width (in characters) and an Excel number format."""

    label: str
    width: float | None = None
    number_format: str | None = None


def _column(spec: XlsxColumn | str | Any) -> XlsxColumn:
    return spec if isinstance(spec, XlsxColumn) else XlsxColumn(str(spec))


def sheet_name(text: str) -> str:
    """Return a name Excel accepts for a sheet: at most 31 characters, none of []:*?/\\."""
    cleaned = _SHEET_FORBIDDEN.sub("-", str(text)).strip().strip("'") or "Sheet1"
    return cleaned[:31]


def _display_length(value: Any) -> int:
    if value is None:
        return 0
    if isinstance(value, dt.datetime):
        return 16
    if isinstance(value, dt.date):
        return 10
    return max((len(line) for line in str(value).splitlines()), default=0)


def write_table_xlsx(
    title: str | None,
    columns: Sequence[XlsxColumn | str],
    rows: Iterable[Sequence[Any]],
    *,
    sheet_title: str | None = None,
) -> bytes:
    """Return an XLSX workbook with one sheet holding the table.

    With a `title`, it is printed bold on the first row and the header comes on the third;
    without one the header is row 1, which is what a file meant to be imported again needs.
    """
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font
    from openpyxl.utils import get_column_letter

    specs = [_column(c) for c in columns]
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = sheet_name(sheet_title or title or "Sheet1")
    body_font = Font(name=FONT_NAME, size=12)
    bold_font = Font(name=FONT_NAME, size=12, bold=True)
    header_row = 1
    if title:
        cell = sheet.cell(row=1, column=1, value=str(title))
        cell.data_type = "s"
        cell.font = Font(name=FONT_NAME, size=14, bold=True)
        header_row = 3
    wrap = Alignment(wrap_text=True, vertical="center", horizontal="center")
    for number, spec in enumerate(specs, start=1):
        cell = sheet.cell(row=header_row, column=number, value=spec.label)
        cell.data_type = "s"
        cell.font = bold_font
        cell.alignment = wrap
    widths = [_display_length(spec.label) for spec in specs]

    row_number = header_row
    for row_number, row in enumerate(rows, start=header_row + 1):
        values = list(row)
        if len(values) != len(specs):
            raise ValueError(f"row {row_number - header_row} has {len(values)} values for {len(specs)} columns")
        for number, (spec, value) in enumerate(zip(specs, values, strict=True), start=1):
            if value == "":
                value = None
            if isinstance(value, dt.datetime) and timezone.is_aware(value):
                # Excel has no time zones: write the local time people read on the screens.
                value = timezone.make_naive(timezone.localtime(value))
            cell = sheet.cell(row=row_number, column=number, value=value)
            cell.font = body_font
            if spec.number_format:
                cell.number_format = spec.number_format
            elif isinstance(value, dt.datetime):
                cell.number_format = DATETIME_FORMAT
            elif isinstance(value, dt.date):
                cell.number_format = DATE_FORMAT
            elif isinstance(value, int) and not isinstance(value, bool):
                cell.number_format = INTEGER_FORMAT
            if isinstance(value, str):
                # Text stays text: "=1+1" is never a formula and "07090" keeps its zero.
                cell.data_type = "s"
                cell.number_format = "@"
            widths[number - 1] = max(widths[number - 1], _display_length(value))

    last_column = get_column_letter(len(specs))
    sheet.freeze_panes = f"A{header_row + 1}"
    sheet.auto_filter.ref = f"A{header_row}:{last_column}{max(row_number, header_row)}"
    for number, spec in enumerate(specs, start=1):
        width = spec.width if spec.width is not None else min(max(widths[number - 1] + 2, MIN_WIDTH), MAX_WIDTH)
        sheet.column_dimensions[get_column_letter(number)].width = width
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
