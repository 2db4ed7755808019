"""The interchange commands: import-metadata, import-values, export-values, generate and bench."""

from __future__ import annotations

import io
import json

import pytest
from django.core.management import CommandError, call_command

from phoihop.core.models import AuditEvent
from phoihop.orgs.models import Unit
from phoihop.reporting.models import DataValue, Indicator, ReportForm, Submission
from phoihop.reporting.tests.test_interchange import METADATA, closing_commune  # noqa: F401 - a fixture

K = Unit.Kind


def run(*args: str) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command(*args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


@pytest.fixture
def metadata_file(tmp_path):
    path = tmp_path / "metadata.json"
    path.write_text(json.dumps(METADATA), encoding="utf-8")
    return path


@pytest.fixture
def imported(tree, closing_commune, metadata_file):  # noqa: F811 - the fixture imported above
    out, _err = run("import-metadata", str(metadata_file), "--owner", "22-UBND")
    assert out.strip() == "created 8, updated 0 (entries: 8)"


def values_file(tmp_path, name, rows, **header):
    path = tmp_path / name
    if name.endswith(".csv"):
        lines = ["dataelement,period,orgunit,catoptcombo,attroptcombo,value"]
        lines += [f"{r[0]},{r[2]},{r[1]},,,{r[3]}" for r in rows]
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    else:
        values = [{"dataElement": r[0], "orgUnit": r[1], "period": r[2], "value": r[3]} for r in rows]
        path.write_text(json.dumps({**header, "dataValues": values}), encoding="utf-8")
    return str(path)


def test_import_metadata_refuses_a_bad_file_and_names_each_entry(tree, closing_commune, tmp_path):  # noqa: F811
    bad = json.loads(json.dumps(METADATA))
    bad["dataSets"][0]["periodType"] = "Weekly"
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(bad), encoding="utf-8")
    err = io.StringIO()
    with pytest.raises(CommandError, match="1 bad entries: nothing was imported"):
        call_command("import-metadata", str(path), "--owner", "22-UBND", stderr=err)
    assert "Row 1 (dataSets XA-THANG): Period type Weekly is not supported" in err.getvalue()
    assert not Indicator.objects.exists()


def test_import_values_json_with_completion_prints_the_late_report(imported, tmp_path):
    path = values_file(
        tmp_path,
        "march.json",
        [("HOUSES", "07090-UBND", "202603", "5")],
        dataSet="XA-THANG",
        orgUnit="07090-UBND",
        period="202603",
        completeDate="2026-03-20",
    )
    out, err = run("import-values", path)
    assert "report of 07090-UBND on XA-THANG for 202603 submitted on 2026-03-20 (late), deadline 2026-03-17" in out
    assert out.splitlines()[-1] == "imported 1 values, cleared 0 (rows: 1)"
    assert "checking" in err  # the progress bar
    assert Submission.objects.get().is_late


def test_import_values_csv_writes_nothing_on_a_bad_row_unless_told_to_skip(imported, tmp_path):
    path = values_file(
        tmp_path, "v.csv", [("HOUSES", "07090-UBND", "202603", "5"), ("HOUSES", "07093-UBND", "202603", "many")]
    )
    err = io.StringIO()
    with pytest.raises(CommandError, match="1 bad rows of 2: nothing was imported"):
        call_command("import-values", path, stdout=io.StringIO(), stderr=err)
    assert "Row 3 (value): “many” is not a number." in err.getvalue()
    assert not DataValue.objects.exists()
    out, _err = run("import-values", path, "--skip-invalid")
    assert out.splitlines()[-1] == "imported 1 values, cleared 0, skipped 1 bad rows (rows: 2)"
    assert DataValue.objects.get().unit.code == "07090-UBND"


def test_import_values_as_a_person_applies_their_scope_and_records_them(imported, tmp_path, commune_officer):
    path = values_file(tmp_path, "v.json", [("HOUSES", "07093-UBND", "202603", "5")])
    with pytest.raises(CommandError):
        call_command("import-values", path, "--as", "xa", stdout=io.StringIO(), stderr=io.StringIO())
    path = values_file(tmp_path, "w.json", [("HOUSES", "07090-UBND", "202603", "5")])
    run("import-values", path, "--as", "xa")
    assert AuditEvent.objects.get(verb="reporting.values_imported").actor == commune_officer
    with pytest.raises(CommandError, match="no active person has the username 'nobody'"):
        call_command("import-values", path, "--as", "nobody")


def test_import_values_says_why_a_file_cannot_be_read(tmp_path):
    path = tmp_path / "v.xml"
    path.write_text("<dataValueSet/>", encoding="utf-8")
    with pytest.raises(CommandError, match=r"\.json or \.csv"):
        call_command("import-values", str(path))
    with pytest.raises(CommandError, match="no such file"):
        call_command("import-values", str(tmp_path / "missing.json"))


def test_export_values_writes_json_and_csv_that_import_back(imported, tmp_path):
    run("import-values", values_file(tmp_path, "v.json", [("HOUSES", "07090-UBND", "202603", "5")]))
    out, _err = run("export-values", "--form", "XA-THANG", "--period", "202603", "--unit", "07090-UBND")
    assert json.loads(out)["dataValues"][0] == {
        "dataElement": "HOUSES",
        "period": "202603",
        "orgUnit": "07090-UBND",
        "value": "5",
        "storedBy": "",
        "lastUpdated": DataValue.objects.get().updated_at.isoformat(timespec="seconds"),
    }
    target = tmp_path / "out.csv"
    run("export-values", "--form", "XA-THANG", "--period", "202603", "--out", str(target))
    assert target.read_text(encoding="utf-8").splitlines()[1].startswith("HOUSES,202603,07090-UBND,,,5,")
    DataValue.objects.all().delete()
    run("import-values", str(target))
    assert DataValue.objects.get().value_number == 5
    with pytest.raises(CommandError, match="2026Q1 is not a period of XA-THANG"):
        call_command("export-values", "--form", "XA-THANG", "--period", "2026Q1")


def test_generate_at_test_scale_then_bench_prints_every_figure(db):
    out, _err = run("generate", "--scale", "test")
    assert "generated" in out
    assert ReportForm.objects.filter(code__in=["GEN-THANG", "GEN-QUY"]).count() == 2
    assert Unit.objects.filter(kind=K.COMMUNE).count() == 6
    # About 90 % on time, 6 % late, 4 % never: some of each in a year of 12 committees.
    submissions = Submission.objects.filter(form__code="GEN-THANG")
    assert 0 < submissions.filter(is_late=True).count() < submissions.count() < 12 * 12
    assert (
        DataValue.objects.count()
        == submissions.count() * 30 + Submission.objects.filter(form__code="GEN-QUY").count() * 3
    )
    before = DataValue.objects.count()
    out, _err = run("bench", "reporting", "--runs", "1", "--import-values", "2000")
    for label in ("(a)", "(a+)", "(b)", "(c1)", "(c2)", "ratio (a)/(c1)", "ratio (b)/(c2)", "(d)"):
        assert label in out, label
    # Both ways give the same figures, and the import is undone.
    assert "-> True; rates" in out and out.count("-> True") == 2
    assert "import 2,000 values" in out and DataValue.objects.count() == before
    with pytest.raises(CommandError, match="already here"):
        call_command("generate", "--scale", "test")


def test_bench_without_generated_data_says_what_to_run(db):
    with pytest.raises(CommandError, match="phoihop generate"):
        call_command("bench", "reporting")
