"""Units to and from XLSX and CSV: what the file holds, and that a bad file writes nothing."""

import csv
import datetime as dt
import io

import openpyxl
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import translation

from phoihop.core.models import AuditEvent
from phoihop.orgs import importexport, services
from phoihop.orgs.models import Unit

HEADER = ["code", "parent_code", "name", "short_name", "kind", "division_type", "valid_from", "email"]


@pytest.fixture(autouse=True)
def english():
    # Messages are asserted in their English source; the Vietnamese catalogue may change.
    with translation.override("en"):
        yield


def _xlsx(rows, header=HEADER) -> bytes:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _csv(rows, header=HEADER) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(header)
    writer.writerows(rows)
    return buffer.getvalue().encode("utf-8-sig")


def _sheet(content: bytes) -> list[list]:
    workbook = openpyxl.load_workbook(io.BytesIO(content))
    return [list(row) for row in workbook.active.iter_rows(values_only=True)]


# --- export -------------------------------------------------------------------------------------


def test_xlsx_export_has_a_bold_header_and_the_units_in_tree_order(tree, commune_officer):
    content = importexport.export_file(user=commune_officer, fmt="xlsx")
    workbook = openpyxl.load_workbook(io.BytesIO(content))
    sheet = workbook.active
    assert all(cell.font.bold for cell in sheet[1])
    rows = _sheet(content)
    assert rows[0] == [str(c.label) for c in importexport.COLUMNS]
    # An officer of 07090-UBND exports that unit only; the parent code points outside the scope.
    assert [r[:5] for r in rows[1:]] == [["07090-UBND", "07090", "UBND phường An Sinh", None, "people_committee"]]


def test_export_of_a_subtree_keeps_codes_as_text_and_dates_as_dates(tree, province_admin):
    content = importexport.export_file(user=province_admin, fmt="xlsx", root=tree["commune"])
    rows = _sheet(content)
    assert [r[0] for r in rows[1:]] == ["07090", "07090-UBND", "07090-MTTQ"]
    assert rows[1][1] == "22"
    assert rows[1][6] == dt.datetime(2025, 7, 1)  # a real date cell, not text
    assert openpyxl.load_workbook(io.BytesIO(content)).active["A2"].data_type == "s"


def test_export_leaves_out_closed_units_unless_asked(tree, province_admin):
    services.unit_close(actor=province_admin, unit=tree["other_commune"], on=dt.date(2026, 1, 31))
    codes = [r["code"] for r in importexport.export_units(user=province_admin)]
    assert "07093" not in codes
    closed = importexport.export_units(user=province_admin, include_closed=True)
    assert {"code": "07093", "valid_to": dt.date(2026, 1, 31)}.items() <= next(
        r for r in closed if r["code"] == "07093"
    ).items()


def test_export_never_writes_a_formula(tree, province_admin):
    services.unit_update(actor=province_admin, unit=tree["commune"], address='=HYPERLINK("http://x","y")')
    content = importexport.export_file(user=province_admin, fmt="xlsx", root=tree["commune"])
    cell = openpyxl.load_workbook(io.BytesIO(content)).active["K2"]
    assert cell.data_type == "s"
    assert cell.value.startswith("=HYPERLINK")
    text = importexport.export_file(user=province_admin, fmt="csv", root=tree["commune"]).decode("utf-8-sig")
    assert "'=HYPERLINK" in text


def test_export_counts_queries(tree, province_admin, django_assert_max_num_queries):
    with django_assert_max_num_queries(3):
        importexport.export_units(user=province_admin, root=tree["commune"])


# --- import -------------------------------------------------------------------------------------


def test_good_xlsx_creates_units_including_one_under_another_of_the_same_file(tree, commune_admin):
    content = _xlsx(
        [
            ["07090-TDP1", "07090", "Tổ dân phố 1", "TDP1", "residential_area", "tổ dân phố", dt.date(2026, 1, 1), ""],
            ["07090-TDP1-CHI", "07090-TDP1", "Chi hội Phụ nữ TDP1", "", "mass_org", "", None, "chihoi@ansinh.vn"],
        ]
    )
    report = importexport.import_units(actor=commune_admin, content=content, filename="new.xlsx")
    assert report.ok, report.errors
    assert report.created == ["07090-TDP1", "07090-TDP1-CHI"]
    tdp = Unit.objects.get(code="07090-TDP1")
    assert (tdp.name, tdp.kind, tdp.valid_from, tdp.province_code) == (
        "Tổ dân phố 1",
        "residential_area",
        dt.date(2026, 1, 1),
        "22",
    )
    assert Unit.objects.get_parent(Unit.objects.get(code="07090-TDP1-CHI")) == tdp
    assert AuditEvent.objects.filter(verb="unit.created").count() == 2
    summary = AuditEvent.objects.get(verb="units.imported")
    assert summary.changes["created"] == [None, ["07090-TDP1", "07090-TDP1-CHI"]]
    # The summary belongs to the top unit the import touched, so that unit's admins see it.
    assert summary.unit.code == "07090-TDP1"
    assert summary.actor_label == "xa.quantri"


def test_import_reads_back_its_own_export_and_changes_only_what_was_edited(tree, province_admin):
    content = importexport.export_file(user=province_admin, fmt="xlsx", root=tree["commune"])
    workbook = openpyxl.load_workbook(io.BytesIO(content))
    workbook.active["J3"] = "0203 3888 999"  # the phone of 07090-UBND
    buffer = io.BytesIO()
    workbook.save(buffer)
    report = importexport.import_units(actor=province_admin, content=buffer.getvalue(), filename="edit.xlsx")
    assert report.ok, report.errors
    assert (report.updated, report.unchanged) == (["07090-UBND"], ["07090", "07090-MTTQ"])
    assert Unit.objects.get(code="07090-UBND").phone == "0203 3888 999"
    assert AuditEvent.objects.get(verb="unit.updated").changes == {"phone": ["", "0203 3888 999"]}


def test_bad_row_writes_nothing_and_the_report_names_the_row(tree, commune_admin):
    content = _xlsx(
        [
            ["07090-TDP1", "07090", "Tổ dân phố 1", "", "residential_area", "", None, ""],
            ["07090-TDP2", "07090", "Tổ dân phố 2", "", "hamlet", "", "32/13/2025", "not-an-email"],
            ["07090-TDP3", "07090", "", "", "residential_area", "", None, ""],
        ]
    )
    report = importexport.import_units(actor=commune_admin, content=content, filename="bad.xlsx")
    assert not report.ok
    assert not Unit.objects.filter(code__startswith="07090-TDP").exists()
    assert not AuditEvent.objects.exists()
    by_row = {(issue.row, issue.code) for issue in report.errors}
    assert by_row == {(3, "07090-TDP2"), (4, "07090-TDP3")}
    messages = " ".join(issue.message for issue in report.errors)
    assert "hamlet is not a kind of unit" in messages
    assert "32/13/2025 is not a date" in messages
    assert "E-mail: Enter a valid email address." in messages
    assert "Name is needed for a new unit." in messages
    assert "Kind is needed" not in messages  # an unreadable kind is reported once, not as missing too


def test_row_whose_parent_is_outside_the_admins_units_is_an_error(tree, commune_admin):
    content = _csv([["07093-TDP1", "07093", "Tổ dân phố 1", "", "residential_area", "", "", ""]])
    report = importexport.import_units(actor=commune_admin, content=content, filename="other.csv")
    assert [(i.row, i.code) for i in report.errors] == [(2, "07093-TDP1")]
    assert "07093" in report.errors[0].message
    assert not Unit.objects.filter(code="07093-TDP1").exists()


def test_row_updating_a_unit_outside_the_admins_units_is_an_error(tree, commune_admin):
    content = _csv([["07093-UBND", "07093", "Đổi tên", "", "people_committee", "", "", ""]])
    report = importexport.import_units(actor=commune_admin, content=content, filename="other.csv")
    assert [(i.row, i.code) for i in report.errors] == [(2, "07093-UBND")]
    assert Unit.objects.get(code="07093-UBND").name == "UBND phường Đông Triều"


def test_parent_given_later_in_the_file_is_an_error(tree, commune_admin):
    content = _csv(
        [
            ["07090-TDP1-CHI", "07090-TDP1", "Chi hội", "", "mass_org", "", "", ""],
            ["07090-TDP1", "07090", "Tổ dân phố 1", "", "residential_area", "", "", ""],
        ]
    )
    report = importexport.import_units(actor=commune_admin, content=content, filename="order.csv")
    assert [(i.row, i.code) for i in report.errors] == [(2, "07090-TDP1-CHI")]


def test_same_code_twice_is_an_error_naming_both_rows(tree, commune_admin):
    row = ["07090-TDP1", "07090", "Tổ dân phố 1", "", "residential_area", "", "", ""]
    report = importexport.import_units(actor=commune_admin, content=_csv([row, row]), filename="twice.csv")
    assert [(i.row, i.message) for i in report.errors] == [(3, "The code appears again; it is already on row 2.")]


def test_import_moves_a_unit_to_the_parent_the_file_names(tree, province_admin):
    content = _csv([["07090-MTTQ", "07093"]], header=["code", "parent_code"])
    report = importexport.import_units(actor=province_admin, content=content, filename="move.csv")
    assert report.moved == ["07090-MTTQ"]
    assert Unit.objects.get_parent(Unit.objects.get(code="07090-MTTQ")).code == "07093"


def test_import_refuses_to_move_a_unit_under_its_own_unit(tree, province_admin):
    content = _csv([["07090", "07090-UBND"]], header=["code", "parent_code"])
    report = importexport.import_units(actor=province_admin, content=content, filename="loop.csv")
    assert [(i.row, i.code) for i in report.errors] == [(2, "07090")]
    assert Unit.objects.get_parent(Unit.objects.get(code="07090")).code == "22"


def test_import_does_not_close_units(tree, province_admin):
    content = _csv([["07090-MTTQ", "2026-01-31"]], header=["code", "valid_to"])
    report = importexport.import_units(actor=province_admin, content=content, filename="close.csv")
    assert not report.ok
    assert Unit.objects.get(code="07090-MTTQ").valid_to is None


def test_dry_run_reports_but_writes_nothing(tree, commune_admin):
    content = _csv([["07090-TDP1", "07090", "Tổ dân phố 1", "", "residential_area", "", "", ""]])
    report = importexport.import_units(actor=commune_admin, content=content, filename="try.csv", dry_run=True)
    assert report.ok and report.created == ["07090-TDP1"]
    assert not Unit.objects.filter(code="07090-TDP1").exists()
    assert not AuditEvent.objects.exists()


def test_unknown_column_is_reported_on_the_header_row(tree, commune_admin):
    report = importexport.import_units(actor=commune_admin, content=_csv([["x"]], header=["Adress"]), filename="a.csv")
    assert [(i.row, i.message[:28]) for i in report.errors] == [(1, "The column Adress is not kno")]


def test_csv_round_trip_keeps_vietnamese_text(tree, province_admin):
    services.unit_update(
        actor=province_admin,
        unit=tree["commune_mttq"],
        short_name="MTTQ",
        address="Số 1 đường Trần Hưng Đạo, phường An Sinh",
    )
    content = importexport.export_file(user=province_admin, fmt="csv", root=tree["commune"])
    assert content.startswith("\ufeff".encode())  # the BOM Excel needs to read UTF-8
    text = content.decode("utf-8-sig")
    assert "Ủy ban MTTQ phường An Sinh" in text
    # Edit one name in the file, as a person would in Excel, and import it back.
    edited = text.replace("Ủy ban MTTQ phường An Sinh", "Ủy ban Mặt trận Tổ quốc Việt Nam phường An Sinh")
    report = importexport.import_units(actor=province_admin, content=edited.encode("utf-8-sig"), filename="units.csv")
    assert report.ok, report.errors
    assert report.updated == ["07090-MTTQ"]
    unit = Unit.objects.get(code="07090-MTTQ")
    assert unit.name == "Ủy ban Mặt trận Tổ quốc Việt Nam phường An Sinh"
    assert unit.address == "Số 1 đường Trần Hưng Đạo, phường An Sinh"


def test_file_exported_in_vietnamese_imports_for_someone_reading_english(tree, province_admin):
    with translation.override("vi"):
        content = importexport.export_file(user=province_admin, fmt="xlsx", root=tree["commune"])
    report = importexport.import_units(actor=province_admin, content=content, filename="vi.xlsx")
    assert report.ok, report.errors
    assert report.unchanged == ["07090", "07090-UBND", "07090-MTTQ"]


def test_headers_in_any_case_and_semicolon_separated_csv_are_read(tree, commune_admin):
    content = "CODE;Parent Code;name;kind\n07090-TDP1;07090;Tổ dân phố 1;residential_area\n".encode()
    report = importexport.import_units(actor=commune_admin, content=content, filename="semi.csv")
    assert report.ok, report.errors
    assert Unit.objects.get(code="07090-TDP1").name == "Tổ dân phố 1"


# --- the command --------------------------------------------------------------------------------


def test_command_exports_and_imports(tree, commune_admin, tmp_path, capsys):
    out = tmp_path / "units.xlsx"
    call_command("units", "export", "--format", "xlsx", "--out", str(out), "--root", "07090")
    assert [r[0] for r in _sheet(out.read_bytes())[1:]] == ["07090", "07090-UBND", "07090-MTTQ"]
    new = tmp_path / "new.csv"
    new.write_bytes(_csv([["07090-TDP1", "07090", "Tổ dân phố 1", "", "residential_area", "", "", ""]]))
    call_command("units", "import", str(new), "--as", "xa.quantri", "--dry-run")
    assert "dry run" in capsys.readouterr().out
    assert not Unit.objects.filter(code="07090-TDP1").exists()
    call_command("units", "import", str(new), "--as", "xa.quantri")
    assert Unit.objects.filter(code="07090-TDP1", valid_to__isnull=True).exists()


def test_command_exits_non_zero_with_the_row_report(tree, commune_admin, tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_bytes(_csv([["07093-TDP1", "07093", "Tổ dân phố 1", "", "residential_area", "", "", ""]]))
    with pytest.raises(CommandError, match=r"Row 2 \(07093-TDP1\)"):
        call_command("units", "import", str(bad), "--as", "xa.quantri")
    assert not Unit.objects.filter(code="07093-TDP1").exists()
