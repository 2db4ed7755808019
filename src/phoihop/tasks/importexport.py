"""Tasks in and out of XLSX: export any task list, import a plan's tasks from the template.

Export writes the list the person is looking at (the same filters, already scoped), with the
import columns first, so an exported plan can be filled into another plan's import as it is;
the columns after them (status, progress…) are read back and ignored.

Import is all or nothing, like the units' import (orgs.importexport): every row is checked
first and the report names each bad row and column; only a file without problems is written,
in one transaction, through `tasks.services.task_create` (each task audited, its units and
people notified) plus one summary event. Parents are created before their subtasks, whatever
the order of the rows.
"""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from phoihop.agreements.models import Area
from phoihop.core.audit import audit_record
from phoihop.core.spreadsheets import XlsxColumn, write_table_xlsx
from phoihop.core.text import fold
from phoihop.orgs.importexport import _date as parse_date  # the same cell reading as the units' import
from phoihop.orgs.importexport import _text
from phoihop.orgs.models import Unit
from phoihop.tasks import services
from phoihop.tasks.models import Plan, Task, TaskUnit

CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
MAX_ROWS = 2_000  # a year's programme has tens of tasks; thousands is a wrong file


@dataclass(frozen=True)
class Column:
    key: str
    label: Any  # lazy: the header row is written in the reader's language
    width: float = 16
    is_date: bool = False
    imported: bool = True  # False: written by the export, ignored by the import


COLUMNS = (
    Column("number", gettext_lazy("Number"), 10),
    Column("title", gettext_lazy("Title"), 50),
    Column("lead_unit", gettext_lazy("Lead unit code"), 16),
    Column("cooperating_units", gettext_lazy("Co-operating unit codes"), 24),
    Column("observer_units", gettext_lazy("Observer unit codes"), 20),
    Column("start_date", gettext_lazy("Start date"), 13, is_date=True),
    Column("due_date", gettext_lazy("Due date"), 13, is_date=True),
    Column("priority", gettext_lazy("Priority"), 12),
    Column("area", gettext_lazy("Content area code"), 20),
    Column("parent_number", gettext_lazy("Parent number"), 12),
    Column("description", gettext_lazy("Description"), 50),
)
EXPORT_ONLY = (
    Column("status", gettext_lazy("Status"), 14, imported=False),
    Column("progress", gettext_lazy("Progress (%)"), 10, imported=False),
    Column("completed_on", gettext_lazy("Completed on"), 13, is_date=True, imported=False),
    Column("plan", gettext_lazy("Plan"), 30, imported=False),
)
_BY_KEY = {c.key: c for c in (*COLUMNS, *EXPORT_ONLY)}


def _xlsx_columns(columns: Iterable[Column]) -> list[XlsxColumn]:
    return [XlsxColumn(str(c.label), width=c.width, number_format="DD/MM/YYYY" if c.is_date else None) for c in columns]


# --- export -------------------------------------------------------------------------------------


def _codes(task: Task, role: str) -> str:
    return ", ".join(p.unit.code for p in task.units.all() if p.role == role)


def export_rows(tasks: Iterable[Task]) -> Iterable[list[Any]]:
    """One row per task; the queryset should prefetch `units__unit` and select lead_unit, area, parent, plan."""
    for task in tasks:
        yield [
            task.number,
            task.title,
            task.lead_unit.code,
            _codes(task, TaskUnit.Role.COOPERATING),
            _codes(task, TaskUnit.Role.OBSERVER),
            task.start_date,
            task.due_date,
            task.priority,
            task.area.code if task.area_id else "",
            task.parent.number if task.parent_id else "",
            task.description,
            task.get_status_display(),
            task.progress,
            task.completed_on,
            task.plan.title if task.plan_id else "",
        ]


def export_xlsx(tasks: Iterable[Task], *, title: str | None = None) -> bytes:
    """Write a task list as XLSX with the project's one writer (dates as dates, codes as text)."""
    return write_table_xlsx(
        None, _xlsx_columns((*COLUMNS, *EXPORT_ONLY)), export_rows(tasks), sheet_title=title or _("Tasks")
    )


def template_xlsx() -> bytes:
    """The empty import template: the header row only, in the reader's language."""
    return write_table_xlsx(None, _xlsx_columns(COLUMNS), [], sheet_title=_("Tasks"))


# --- import: reading ----------------------------------------------------------------------------


@dataclass(frozen=True)
class RowIssue:
    """One problem: the spreadsheet row (1 is the header), the column's label ("" for the row), what is wrong."""

    row: int
    column: str
    message: str

    def __str__(self) -> str:
        if self.column:
            return _("Row %(row)s, column “%(column)s”: %(message)s") % {
                "row": self.row,
                "column": self.column,
                "message": self.message,
            }
        return _("Row %(row)s: %(message)s") % {"row": self.row, "message": self.message}


@dataclass
class ImportReport:
    created: list[Task] = field(default_factory=list)
    errors: list[RowIssue] = field(default_factory=list)
    rows: int = 0

    @property
    def ok(self) -> bool:
        return not self.errors


class ImportFileError(ValueError):
    """The file as a whole cannot be read: not XLSX, an unknown column, no title or due column."""


def _header_aliases() -> dict[str, str]:
    # A header may be the column key, or its label in any interface language, with or without
    # diacritics: a template downloaded in Vietnamese imports for someone who uses English.
    aliases: dict[str, str] = {}
    for column in _BY_KEY.values():
        aliases[fold(column.key)] = column.key
        aliases[fold(column.key.replace("_", " "))] = column.key
        for language, _name in settings.LANGUAGES:
            with translation.override(language):
                aliases[fold(str(column.label))] = column.key
    return aliases


def read_rows(content: bytes) -> list[tuple[int, dict[str, Any]]]:
    """Return (row number, {column key: raw value}) for each non-empty row of the first sheet."""
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError) as exc:
        raise ImportFileError(_("The file could not be read as an XLSX workbook.")) from exc
    try:
        sheet_rows = workbook.worksheets[0].iter_rows(values_only=True)
        table = [list(r) for _n, r in zip(range(MAX_ROWS + 2), sheet_rows, strict=False)]
    finally:
        workbook.close()
    if not table:
        raise ImportFileError(_("The file is empty."))
    if len(table) > MAX_ROWS + 1:
        raise ImportFileError(_("The file has more than %(max)s rows; split it.") % {"max": MAX_ROWS})
    aliases = _header_aliases()
    keys: list[str | None] = []
    for header in table[0]:
        name = str(header or "").strip()
        key = aliases.get(fold(name)) if name else None
        if name and key is None:
            raise ImportFileError(
                _("The column “%(name)s” is not known. The columns are: %(columns)s.")
                % {"name": name, "columns": ", ".join(str(c.label) for c in COLUMNS)}
            )
        if key is not None and key in keys:
            raise ImportFileError(_("The column “%(name)s” appears twice.") % {"name": name})
        keys.append(key)
    for needed in ("title", "lead_unit", "due_date"):
        if needed not in keys:
            raise ImportFileError(_("The file has no column “%(name)s”.") % {"name": _BY_KEY[needed].label})
    rows = []
    for number, values in enumerate(table[1:], start=2):
        row = {k: v for k, v in zip(keys, values, strict=False) if k is not None and _BY_KEY[k].imported}
        if any(v not in (None, "") and str(v).strip() for v in row.values()):
            rows.append((number, row))
    return rows


# --- import: checking ---------------------------------------------------------------------------


def _priority(value: str) -> str:
    if not value:
        return Task.Priority.NORMAL
    folded = fold(value)
    for code, _label in Task.Priority.choices:
        if folded == code:
            return code
    for language, _name in settings.LANGUAGES:
        with translation.override(language):
            for code, label in Task.Priority.choices:
                if fold(str(label)) == folded:
                    return code
    raise ValueError(value)


@dataclass
class _Row:
    number: int
    task_number: str
    parent_number: str
    fields: dict[str, Any]


class _Checker:
    """Everything checked before anything is written; problems collect in `errors`."""

    def __init__(self, plan: Plan, rows: list[tuple[int, dict[str, Any]]]) -> None:
        self.plan = plan
        self.errors: list[RowIssue] = []
        self.rows: list[_Row] = []
        codes: set[str] = set()
        for _n, raw in rows:
            codes.add(_text(raw.get("lead_unit")))
            for key in ("cooperating_units", "observer_units"):
                codes.update(self._split(raw.get(key)))
        self.units = {
            u.code.lower(): u
            for u in Unit.objects.filter(code__in=codes - {""}, valid_to__isnull=True).exclude(
                kind__in=Unit.TERRITORY_KINDS
            )
        }
        self.areas = {a.code.lower(): a for a in Area.objects.all()}
        self.existing = {t.number: t for t in plan.tasks.exclude(number="").only("pk", "number", "parent_id")}
        for number, raw in rows:
            self._check(number, raw)
        self._check_parents()

    @staticmethod
    def _split(value: Any) -> list[str]:
        return [c for c in re.split(r"[,;\s]+", _text(value)) if c]

    def error(self, row: int, key: str, message: str) -> None:
        self.errors.append(RowIssue(row, str(_BY_KEY[key].label) if key else "", message))

    def _unit(self, row: int, key: str, code: str) -> Unit | None:
        unit = self.units.get(code.lower())
        if unit is None:
            self.error(row, key, _("No open body has the code %(code)s.") % {"code": code})
        return unit

    def _check(self, row: int, raw: dict[str, Any]) -> None:
        fields: dict[str, Any] = {}
        title = _text(raw.get("title"))
        if not title:
            self.error(row, "title", _("The title is missing."))
        fields["title"] = title
        fields["description"] = _text(raw.get("description"))
        lead_code = _text(raw.get("lead_unit"))
        fields["lead_unit"] = self._unit(row, "lead_unit", lead_code) if lead_code else None
        if not lead_code:
            self.error(row, "lead_unit", _("The lead unit's code is missing."))
        for key in ("cooperating_units", "observer_units"):
            units = [self._unit(row, key, code) for code in self._split(raw.get(key))]
            fields[key] = [u for u in units if u is not None]
            lead = fields["lead_unit"]
            if lead is not None and lead in fields[key]:
                self.error(row, key, _("The lead unit %(code)s cannot also be listed here.") % {"code": lead.code})
        for key in ("start_date", "due_date"):
            try:
                fields[key] = parse_date(raw.get(key))
            except (ValueError, TypeError):
                fields[key] = None
                self.error(
                    row, key, _("%(value)s is not a date; write it as 31/12/2026.") % {"value": _text(raw.get(key))}
                )
                continue
            if key == "due_date" and fields[key] is None:
                self.error(row, key, _("The due date is missing."))
        if fields["start_date"] and fields["due_date"] and fields["due_date"] < fields["start_date"]:
            self.error(row, "due_date", _("The due date is before the start date."))
        try:
            fields["priority"] = _priority(_text(raw.get("priority")))
        except ValueError:
            self.error(
                row,
                "priority",
                _("%(value)s is not a priority; use one of %(choices)s.")
                % {
                    "value": _text(raw.get("priority")),
                    "choices": ", ".join(str(label) for _v, label in Task.Priority.choices),
                },
            )
        area_code = _text(raw.get("area"))
        fields["area"] = self.areas.get(area_code.lower()) if area_code else None
        if area_code and fields["area"] is None:
            self.error(row, "area", _("No content area has the code %(code)s.") % {"code": area_code})
        task_number = _text(raw.get("number"))
        if task_number:
            if task_number in self.existing:
                self.error(
                    row, "number", _("The plan already has a task numbered %(number)s.") % {"number": task_number}
                )
            elif any(r.task_number == task_number for r in self.rows):
                self.error(
                    row, "number", _("The number %(number)s appears twice in the file.") % {"number": task_number}
                )
        self.rows.append(_Row(row, task_number, _text(raw.get("parent_number")), fields))

    def _check_parents(self) -> None:
        in_file = {r.task_number: r for r in self.rows if r.task_number}
        for row in self.rows:
            if not row.parent_number:
                continue
            if row.parent_number not in in_file and row.parent_number not in self.existing:
                self.error(
                    row.number,
                    "parent_number",
                    _("No task numbered %(number)s is in this file or in the plan.") % {"number": row.parent_number},
                )
                continue
            # Follow the parents within the file: coming back to this row is a cycle.
            seen = {row.task_number}
            current = in_file.get(row.parent_number)
            while current is not None:
                if current.task_number in seen:
                    self.error(
                        row.number,
                        "parent_number",
                        _("Task %(number)s would be under its own subtask (a cycle of parents).")
                        % {"number": row.task_number or row.number},
                    )
                    break
                seen.add(current.task_number)
                current = in_file.get(current.parent_number) if current.parent_number else None

    def creation_order(self) -> list[_Row]:
        """Rows whose parent is in the file come after that parent (the file is free of cycles here)."""
        in_file = {r.task_number: r for r in self.rows if r.task_number}
        ordered: list[_Row] = []
        placed: set[int] = set()

        def place(row: _Row) -> None:
            if row.number in placed:
                return
            parent = in_file.get(row.parent_number) if row.parent_number else None
            if parent is not None:
                place(parent)
            placed.add(row.number)
            ordered.append(row)

        for row in self.rows:
            place(row)
        return ordered


# --- import: writing ----------------------------------------------------------------------------

# Service argument names → the file's columns, so a service refusal names the column.
_SERVICE_FIELDS = {
    "title": "title",
    "lead_unit": "lead_unit",
    "cooperating_units": "cooperating_units",
    "observer_units": "observer_units",
    "start_date": "start_date",
    "due_date": "due_date",
    "priority": "priority",
    "area": "area",
    "parent": "parent_number",
    "number": "number",
    "description": "description",
}


class _Refused(Exception):
    """Raised inside the transaction when the service refuses a row: undo every row."""


def _service_issues(row: int, exc: ValidationError) -> list[RowIssue]:
    if hasattr(exc, "error_dict"):
        return [
            RowIssue(row, str(_BY_KEY[_SERVICE_FIELDS[name]].label) if name in _SERVICE_FIELDS else "", message)
            for name, messages in exc.message_dict.items()
            for message in messages
        ]
    return [RowIssue(row, "", message) for message in exc.messages]


def import_plan_tasks(*, actor: Any, plan: Plan, content: bytes) -> ImportReport:
    """Check a whole file of tasks for `plan`, then create them in one transaction, or write nothing.

    The person must be allowed to add tasks to the plan (the view checks it, task_create again).
    """
    report = ImportReport()
    try:
        rows = read_rows(content)
    except ImportFileError as exc:
        report.errors.append(RowIssue(1, "", str(exc)))
        return report
    report.rows = len(rows)
    if not rows:
        report.errors.append(RowIssue(1, "", _("The file has a header but no rows.")))
        return report
    checker = _Checker(plan, rows)
    if checker.errors:
        report.errors = sorted(checker.errors, key=lambda issue: issue.row)
        return report
    created: dict[str, Task] = dict(checker.existing)
    try:
        with transaction.atomic():
            for row in checker.creation_order():
                parent = created.get(row.parent_number) if row.parent_number else None
                try:
                    task = services.task_create(
                        actor=actor, plan=plan, parent=parent, number=row.task_number, source="xlsx", **row.fields
                    )
                except ValidationError as exc:
                    report.errors.extend(_service_issues(row.number, exc))
                    raise _Refused from exc
                if row.task_number:
                    created[row.task_number] = task
                report.created.append(task)
            audit_record(
                actor=actor,
                verb="tasks.imported",
                target=plan,
                unit=plan.owner_unit,
                changes={"tasks": [None, [t.pk for t in report.created]]},
                note=_("%(count)s tasks imported from XLSX.") % {"count": len(report.created)},
            )
    except _Refused:
        report.created = []
    return report
