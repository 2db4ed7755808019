"""The shared XLSX writer, read back with openpyxl."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal

import pytest
from openpyxl import load_workbook

from phoihop.core.spreadsheets import XlsxColumn, sheet_name, write_table_xlsx

COLUMNS = ["Mã", "Đơn vị", "Số hộ", "Tỷ lệ (%)", "Ngày gửi", "Ghi chú"]
ROWS = [
    ["07090", "Phường An Sinh", 1234, Decimal("87.5"), dt.date(2026, 1, 5), "=1+1"],
    ["07093", "Phường Đông Triều", 0, 100.0, None, ""],
]


def workbook(data: bytes):
    return load_workbook(io.BytesIO(data))


def test_header_is_bold_times_new_roman_and_frozen():
    sheet = workbook(write_table_xlsx(None, COLUMNS, ROWS, sheet_title="Báo cáo")).active
    assert sheet.title == "Báo cáo"
    assert [c.value for c in sheet[1]] == COLUMNS
    assert all(c.font.b and c.font.name == "Times New Roman" for c in sheet[1])
    assert sheet["B2"].font.name == "Times New Roman" and not sheet["B2"].font.b
    assert sheet.freeze_panes == "A2"
    assert sheet.auto_filter.ref == "A1:F3"


def test_numbers_are_numbers_and_dates_are_dates():
    sheet = workbook(write_table_xlsx(None, COLUMNS, ROWS)).active
    assert sheet["C2"].value == 1234 and sheet["C2"].data_type == "n"
    assert sheet["C2"].number_format == "#,##0"
    assert sheet["C3"].value == 0  # zero is a figure, not an empty cell
    assert sheet["D2"].value == pytest.approx(87.5) and sheet["D2"].data_type == "n"
    assert sheet["E2"].value == dt.datetime(2026, 1, 5) and sheet["E2"].is_date
    assert sheet["E2"].number_format == "DD/MM/YYYY"
    assert sheet["E3"].value is None and sheet["F3"].value is None


def test_text_stays_text_and_nothing_is_a_formula():
    sheet = workbook(write_table_xlsx(None, COLUMNS, ROWS)).active
    assert sheet["A2"].value == "07090"  # the leading zero of a commune code survives
    assert sheet["F2"].value == "=1+1" and sheet["F2"].data_type == "s"
    assert not [c.coordinate for row in sheet.iter_rows() for c in row if c.data_type == "f"]


def test_columns_are_as_wide_as_their_text_or_as_asked():
    columns = [*COLUMNS[:-1], XlsxColumn("Ghi chú", width=50)]
    sheet = workbook(write_table_xlsx(None, columns, ROWS)).active
    assert sheet.column_dimensions["B"].width == len("Phường Đông Triều") + 2
    assert sheet.column_dimensions["A"].width == 8  # the minimum
    assert sheet.column_dimensions["F"].width == 50


def test_a_title_goes_above_the_header():
    sheet = workbook(write_table_xlsx("Kết quả quý I năm 2026", COLUMNS, ROWS)).active
    assert sheet["A1"].value == "Kết quả quý I năm 2026" and sheet["A1"].font.b
    assert [c.value for c in sheet[3]] == COLUMNS
    assert sheet.freeze_panes == "A4"
    assert sheet.title == "Kết quả quý I năm 2026"


def test_local_time_is_written_without_a_time_zone(settings):
    at = dt.datetime(2026, 1, 5, 2, 30, tzinfo=dt.UTC)  # 09:30 in Hà Nội
    sheet = workbook(write_table_xlsx(None, ["Lúc"], [[at]])).active
    assert sheet["A2"].value == dt.datetime(2026, 1, 5, 9, 30)
    assert sheet["A2"].number_format == "DD/MM/YYYY HH:MM"


def test_a_row_of_the_wrong_length_is_refused():
    with pytest.raises(ValueError, match="row 2 has 1 values for 6 columns"):
        write_table_xlsx(None, COLUMNS, [ROWS[0], ["x"]])


def test_sheet_names_excel_refuses_are_cleaned():
    assert sheet_name("Quý I/2026: [tổng hợp]") == "Quý I-2026- -tổng hợp-"
    assert len(sheet_name("x" * 40)) == 31
    assert sheet_name("") == "Sheet1"
