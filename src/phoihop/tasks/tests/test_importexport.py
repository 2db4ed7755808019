"""XLSX in and out: any task list exports with its filters; a plan's tasks import from the template,
all or nothing, with a report naming each bad row and column."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import translation
from openpyxl import Workbook, load_workbook

from phoihop.agreements.models import Area
from phoihop.core.models import AuditEvent
from phoihop.tasks import importexport
from phoihop.tasks.models import Task, TaskUnit
from phoihop.tasks.tests import makers
from phoihop.tasks.tests.makers import make_task

people = makers.people
plan = makers.plan

# The template's header as the pages speak (Vietnamese): what a person downloads and fills in.
with translation.override("vi"):
    HEADER = [str(c.label) for c in importexport.COLUMNS]
    LABELS = {c.key: str(c.label) for c in (*importexport.COLUMNS, *importexport.EXPORT_ONLY)}


def vi(text: str) -> str:
    with translation.override("vi"):
        return translation.gettext(text)


def xlsx(rows, header=HEADER) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def upload(client, plan, content, name="tasks.xlsx"):
    return client.post(reverse("tasks:plan-import", args=[plan.pk]), {"file": SimpleUploadedFile(name, content)})


@pytest.fixture
def area(db):
    return Area.objects.get_or_create(code="an-sinh", defaults={"name": "Giảm nghèo và an sinh xã hội"})[0]


# Export ---------------------------------------------------------------------------------------------


def test_a_filtered_list_exports_as_xlsx_with_the_same_rows(client, tree, people, plan):
    make_task(
        actor=people["ubnd"],
        plan=plan,
        lead_unit=tree["mttq"],
        cooperating_units=[tree["hlhpn"], tree["commune_ubnd"]],
        title="Ngày hội Đại đoàn kết",
        start_date=dt.date(2026, 10, 1),
        due_date=dt.date(2026, 11, 18),
    )
    make_task(actor=people["ubnd"], plan=plan, lead_unit=tree["ubnd"], title="Báo cáo sơ kết")
    client.force_login(people["ubnd"])
    response = client.get(reverse("tasks:plan-detail", args=[plan.pk]), {"q": "Đại đoàn kết", "export": "xlsx"})
    assert response.status_code == 200
    assert response["Content-Type"] == importexport.CONTENT_TYPE
    assert "attachment" in response["Content-Disposition"]
    rows = list(load_workbook(io.BytesIO(response.getvalue())).active.iter_rows(values_only=True))
    assert len(rows) == 2  # the header and the one task the filter keeps
    header, row = rows
    record = dict(zip(header, row, strict=True))
    assert record[LABELS["title"]] == "Ngày hội Đại đoàn kết"
    assert record[LABELS["lead_unit"]] == "22-MTTQ"
    assert record[LABELS["cooperating_units"]] == "22-HLHPN, 07090-UBND"
    # Dates are real dates, so the receiver can sort them.
    assert record[LABELS["due_date"]] == dt.datetime(2026, 11, 18)
    assert record[LABELS["status"]] == vi("New") and record[LABELS["progress"]] == 0


def test_the_export_header_is_in_the_readers_language(client, tree, people, plan):
    make_task(actor=people["ubnd"], plan=plan, lead_unit=tree["ubnd"])
    client.force_login(people["ubnd"])
    with translation.override("vi"):
        content = importexport.export_xlsx(Task.objects.all())
        expected = str(importexport.COLUMNS[1].label)
    assert load_workbook(io.BytesIO(content)).active.cell(1, 2).value == expected


def test_an_officer_of_another_commune_exports_none_of_our_tasks(client, tree, people, plan):
    make_task(actor=people["ubnd"], plan=plan, lead_unit=tree["commune_ubnd"], title="Việc của phường")
    client.force_login(people["xa2"])
    response = client.get(reverse("tasks:my-tasks"), {"export": "xlsx"})
    assert response.status_code == 200
    assert len(list(load_workbook(io.BytesIO(response.getvalue())).active.iter_rows())) == 1  # the header only
    assert client.get(reverse("tasks:plan-detail", args=[plan.pk]), {"export": "xlsx"}).status_code == 404


# Import ---------------------------------------------------------------------------------------------


def test_the_template_downloads_from_the_plan_page(client, people, plan):
    client.force_login(people["ubnd"])
    response = client.get(reverse("tasks:plan-import-template", args=[plan.pk]))
    assert response.status_code == 200
    header = next(load_workbook(io.BytesIO(response.getvalue())).active.iter_rows(values_only=True))
    assert list(header) == HEADER


def test_importing_a_plans_tasks_with_subtasks_and_units(client, tree, people, plan, area):
    content = xlsx(
        [
            # The subtask comes first: parents are created before their subtasks whatever the order.
            ["1.1", "Khảo sát hộ nghèo", "07090-UBND", "", "", "01/03/2026", "31/03/2026", "high", "", "1", ""],
            [
                "1",
                "Rà soát hộ nghèo",
                "22-UBND",
                "22-MTTQ, 22-HLHPN",
                "07090-UBND",
                "15/02/2026",
                "30/06/2026",
                "Urgent",
                "an-sinh",
                "",
                "Theo Quy chế 194",
            ],
            ["2", "Ngày vì người nghèo", "22-MTTQ", "", "", None, dt.datetime(2026, 10, 17), "", "", "", ""],
        ]
    )
    client.force_login(people["ubnd"])
    response = upload(client, plan, content)
    assert response.status_code == 302 and response.url == plan.get_absolute_url()
    tasks = {t.number: t for t in plan.tasks.all()}
    assert set(tasks) == {"1", "1.1", "2"}
    top, sub = tasks["1"], tasks["1.1"]
    assert sub.parent == top and sub.priority == "high" and sub.lead_unit == tree["commune_ubnd"]
    assert top.priority == "urgent" and top.area == area and top.description == "Theo Quy chế 194"
    assert top.start_date == dt.date(2026, 2, 15) and top.due_date == dt.date(2026, 6, 30)
    assert set(top.units.values_list("unit__code", "role")) == {
        ("22-UBND", "lead"),
        ("22-MTTQ", "cooperating"),
        ("22-HLHPN", "cooperating"),
        ("07090-UBND", "observer"),
    }
    assert tasks["2"].due_date == dt.date(2026, 10, 17) and tasks["2"].source == "xlsx"
    # Each task went through the service (audited), and the import has its own event.
    assert AuditEvent.objects.filter(verb="task.created").count() == 3
    assert AuditEvent.objects.filter(verb="tasks.imported", target_id=str(plan.pk)).exists()


def test_a_file_with_three_bad_rows_saves_nothing_and_names_each_row(client, people, plan):
    content = xlsx(
        [
            ["1", "Việc đúng", "22-UBND", "", "", "", "30/06/2026", "", "", "", ""],
            ["2", "Đơn vị lạ", "22-KHONGCO", "", "", "", "30/06/2026", "", "", "", ""],
            ["3", "Chủ trì cũng phối hợp", "22-MTTQ", "22-MTTQ", "", "", "31/13/2026", "", "", "", ""],
            ["4", "Hạn trước khi bắt đầu", "22-UBND", "", "", "01/07/2026", "30/06/2026", "", "", "9", ""],
        ]
    )
    client.force_login(people["ubnd"])
    response = upload(client, plan, content)
    assert response.status_code == 400
    assert not Task.objects.exists() and not TaskUnit.objects.exists()
    errors = response.context["report"].errors
    issues = [(i.row, i.column) for i in errors]
    assert (3, LABELS["lead_unit"]) in issues
    assert (4, LABELS["cooperating_units"]) in issues and (4, LABELS["due_date"]) in issues
    assert (5, LABELS["due_date"]) in issues and (5, LABELS["parent_number"]) in issues
    assert {row for row, _column in issues} == {3, 4, 5}
    # Each problem names its row, its column and the value at fault, on the page.
    assert any("22-KHONGCO" in i.message for i in errors if i.row == 3)
    assert any("9" in i.message for i in errors if i.column == LABELS["parent_number"])
    for issue in errors:
        assert str(issue).replace("“", "&ldquo;") in response.text or str(issue) in response.text
    assert vi("Nothing was imported. Correct these rows and upload the file again:") in response.text


def test_a_cycle_of_parents_in_the_file_is_refused(client, people, plan):
    content = xlsx(
        [
            ["1", "Việc A", "22-UBND", "", "", "", "30/06/2026", "", "", "2", ""],
            ["2", "Việc B", "22-UBND", "", "", "", "30/06/2026", "", "", "1", ""],
        ]
    )
    client.force_login(people["ubnd"])
    response = upload(client, plan, content)
    assert response.status_code == 400
    assert {(i.row, i.column) for i in response.context["report"].errors} == {
        (2, vi("Parent number")),
        (3, vi("Parent number")),
    }
    assert not Task.objects.exists()


def test_a_refusal_by_the_service_undoes_the_rows_already_created(tree, people, plan):
    # A closed area passes the file check (the code exists) but the service refuses it on row 3.
    Area.objects.create(code="cu", name="Lĩnh vực cũ", is_active=False)
    content = xlsx(
        [
            ["1", "Việc đúng", "22-UBND", "", "", "", "30/06/2026", "", "", "", ""],
            ["2", "Lĩnh vực đã bỏ", "22-UBND", "", "", "", "30/06/2026", "", "cu", "", ""],
        ]
    )
    report = importexport.import_plan_tasks(actor=people["ubnd"], plan=plan, content=content)
    assert not report.ok and report.created == []
    assert [(i.row, i.column) for i in report.errors] == [(3, LABELS["area"])]
    assert not Task.objects.exists()


def test_headers_in_vietnamese_without_diacritics_are_understood(people, plan):
    with translation.override("vi"):
        header = [str(c.label) for c in importexport.COLUMNS]
    from phoihop.core.text import fold

    content = xlsx(
        [["1", "Việc", "22-UBND", "", "", "", "30/06/2026", "", "", "", ""]], header=[fold(h) for h in header]
    )
    report = importexport.import_plan_tasks(actor=people["ubnd"], plan=plan, content=content)
    assert report.ok and [t.title for t in report.created] == ["Việc"]


def test_a_file_that_is_not_xlsx_is_refused_with_a_message(client, people, plan):
    client.force_login(people["ubnd"])
    response = upload(client, plan, b"not a workbook", name="tasks.xlsx")
    assert response.status_code == 400
    assert vi("The file could not be read as an XLSX workbook.") in response.text


def test_an_unknown_column_is_refused_before_any_row(people, plan):
    report = importexport.import_plan_tasks(
        actor=people["ubnd"], plan=plan, content=xlsx([["x"]], header=[*HEADER, "Ghi chú lạ"])
    )
    assert not report.ok and "Ghi chú lạ" in report.errors[0].message


def test_only_an_officer_of_the_owner_unit_imports(client, people, plan):
    content = xlsx([["1", "Việc", "22-UBND", "", "", "", "30/06/2026", "", "", "", ""]])
    client.force_login(people["mttq"])
    # The Front sees the plan once it has a task of the Front; without one it is not even visible.
    assert upload(client, plan, content).status_code == 404
    client.force_login(people["xa2"])
    assert upload(client, plan, content).status_code == 404
    assert not Task.objects.exists()
