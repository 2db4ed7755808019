"""Units in and out of spreadsheets (XLSX and CSV).

The web pages, the `phoihop units` command and the API call these same functions, so a file
means the same thing whichever door it comes through.

Export writes what the person can see, in tree order (a parent always comes before its units),
so the file it writes can be imported again as it is.

Import is all or nothing: every row is checked first and the report lists every problem with
its row number; only a file without problems is written, in one transaction, through the
same services as the screens (each change audited) plus one summary event for the import.
"""

from __future__ import annotations

import csv
import datetime as dt
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

from phoihop.core.audit import audit_record
from phoihop.core.spreadsheets import XlsxColumn, write_table_xlsx
from phoihop.core.text import fold
from phoihop.orgs import access, services
from phoihop.orgs.models import Role, Unit

XLSX = "xlsx"
CSV = "csv"
FORMATS = (XLSX, CSV)
CONTENT_TYPES = {
    XLSX: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    CSV: "text/csv; charset=utf-8",
}
MAX_ROWS = 20_000  # a whole country is about 10,000 open units; more is a wrong file


@dataclass(frozen=True)
class Column:
    key: str
    label: Any  # lazy translation: the header row is written in the reader's language
    attr: str  # the Unit field ("" for the parent code, which is computed)
    is_date: bool = False


COLUMNS = (
    Column("code", gettext_lazy("Code"), "code"),
    Column("parent_code", gettext_lazy("Parent code"), ""),
    Column("name", gettext_lazy("Name"), "name"),
    Column("short_name", gettext_lazy("Abbreviation"), "short_name"),
    Column("kind", gettext_lazy("Kind"), "kind"),
    Column("division_type", gettext_lazy("Division type"), "division_type"),
    Column("valid_from", gettext_lazy("Valid from"), "valid_from", is_date=True),
    Column("valid_to", gettext_lazy("Valid to"), "valid_to", is_date=True),
    Column("email", gettext_lazy("E-mail"), "email"),
    Column("phone", gettext_lazy("Phone"), "phone"),
    Column("address", gettext_lazy("Address"), "address"),
)
_BY_KEY = {c.key: c for c in COLUMNS}
# The fields an import may set on a unit; code and parent identify it, valid_to is refused.
_IMPORTED_FIELDS = ("name", "short_name", "kind", "division_type", "valid_from", "email", "phone", "address")


# --- export -------------------------------------------------------------------------------------


def export_units(*, user: Any, root: Unit | None = None, include_closed: bool = False) -> list[dict[str, Any]]:
    """Return one dict per unit the person can see (all units when `user` is None: operator commands).

    Two queries: the units, and the parents of the top units of the selection (whose codes
    the file names but which may lie outside it).
    """
    units = Unit.objects.all() if user is None else access.units_visible(user)
    if root is not None:
        units = units.filter(path__startswith=root.path)
    if not include_closed:
        units = units.filter(valid_to__isnull=True)
    units = list(units.order_by("path"))
    codes = {u.path: u.code for u in units}
    missing = {u.path[: -Unit.steplen] for u in units if u.depth > 1} - codes.keys()
    if missing:
        codes.update(Unit.objects.filter(path__in=missing).values_list("path", "code"))
    rows = []
    for unit in units:
        row = {c.key: getattr(unit, c.attr) for c in COLUMNS if c.attr}
        row["parent_code"] = codes.get(unit.path[: -Unit.steplen], "") if unit.depth > 1 else ""
        rows.append(row)
    return rows


def headers() -> list[str]:
    return [str(c.label) for c in COLUMNS]


_WIDTHS = {"code": 14, "parent_code": 14, "name": 40, "kind": 18, "address": 40}


def write_xlsx(rows: Iterable[dict[str, Any]]) -> bytes:
    """Write the rows as an XLSX workbook with the project's one writer (codes as text, real dates)."""
    columns = [
        XlsxColumn(str(c.label), width=_WIDTHS.get(c.key, 16), number_format="DD/MM/YYYY" if c.is_date else None)
        for c in COLUMNS
    ]
    table = ([row.get(c.key) for c in COLUMNS] for row in rows)
    return write_table_xlsx(None, columns, table, sheet_title=_("Units"))


# A value Excel would run as a formula when it opens a CSV (OWASP "CSV injection"); phone
# numbers such as "+84 203 …" are left alone, they compute nothing.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_HARMLESS = re.compile(r"^[+-]?[\d\s().-]*$")


def _csv_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.date):
        return value.isoformat()
    text = str(value)
    if text.startswith(_FORMULA_START) and not _HARMLESS.match(text):
        return "'" + text
    return text


def write_csv(rows: Iterable[dict[str, Any]]) -> bytes:
    """Write the rows as CSV in UTF-8 with a byte-order mark, which Excel needs to read Vietnamese."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(headers())
    for row in rows:
        writer.writerow([_csv_text(row.get(c.key)) for c in COLUMNS])
    return buffer.getvalue().encode("utf-8-sig")


def export_file(*, user: Any, fmt: str, root: Unit | None = None, include_closed: bool = False) -> bytes:
    rows = export_units(user=user, root=root, include_closed=include_closed)
    return write_xlsx(rows) if fmt == XLSX else write_csv(rows)


def export_filename(*, fmt: str, root: Unit | None = None, today: dt.date | None = None) -> str:
    day = (today or dt.date.today()).strftime("%Y%m%d")
    scope = f"-{root.code}" if root is not None else ""
    return f"units{scope}-{day}.{fmt}"


# --- import: reading ----------------------------------------------------------------------------


@dataclass(frozen=True)
class RowIssue:
    """One problem: the spreadsheet row (1 is the header), the row's code, and what is wrong."""

    row: int
    code: str
    message: str


@dataclass
class ImportReport:
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    moved: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)  # closed units, which an import never changes
    errors: list[RowIssue] = field(default_factory=list)
    dry_run: bool = False
    rows: int = 0

    @property
    def ok(self) -> bool:
        return not self.errors

    def as_text(self) -> str:
        """The report as plain lines (the CLI prints it)."""
        if self.errors:
            return "\n".join(_("Row %(row)s (%(code)s): %(message)s") % vars(issue) for issue in self.errors)
        return _(
            "%(rows)s rows: %(created)s created, %(updated)s updated, %(moved)s moved, "
            "%(unchanged)s unchanged, %(skipped)s closed units skipped."
        ) % {
            "rows": self.rows,
            "created": len(self.created),
            "updated": len(self.updated),
            "moved": len(self.moved),
            "unchanged": len(self.unchanged),
            "skipped": len(self.skipped),
        }


class ImportFileError(ValueError):
    """The file as a whole cannot be read (not XLSX/CSV, unknown columns, no code column)."""


def _header_aliases() -> dict[str, str]:
    # A header may be the column key, or its label in any interface language, with or without
    # diacritics: a file exported in Vietnamese imports for someone who uses English.
    aliases: dict[str, str] = {}
    for column in COLUMNS:
        aliases[fold(column.key)] = column.key
        aliases[fold(column.key.replace("_", " "))] = column.key
        for language, _name in settings.LANGUAGES:
            with translation.override(language):
                aliases[fold(str(column.label))] = column.key
    return aliases


def _read_xlsx(content: bytes) -> list[list[Any]]:
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError) as exc:
        raise ImportFileError(_("The file could not be read as an XLSX workbook.")) from exc
    try:
        sheet = workbook.worksheets[0]
        return [list(row) for _n, row in zip(range(MAX_ROWS + 2), sheet.iter_rows(values_only=True), strict=False)]
    finally:
        workbook.close()


def _read_csv(content: bytes) -> list[list[Any]]:
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ImportFileError(_('The CSV file is not in UTF-8. In Excel, save it as "CSV UTF-8".')) from exc
    first_line = text.split("\n", 1)[0]
    try:
        dialect: Any = csv.Sniffer().sniff(first_line, delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    rows = []
    for _n, row in zip(range(MAX_ROWS + 2), csv.reader(io.StringIO(text), dialect), strict=False):
        # Undo the quote write_csv puts before text Excel would take for a formula.
        rows.append(
            [cell[1:] if cell.startswith("'") and cell[1:].startswith(_FORMULA_START) else cell for cell in row]
        )
    return rows


def read_table(content: bytes, filename: str) -> list[tuple[int, dict[str, Any]]]:
    """Return (row number, {column key: raw value}) for each non-empty data row.

    Only the columns the header names appear in a row's dict: a column missing from the file
    leaves that field of existing units as it is, a blank cell in a present column clears it.
    """
    is_xlsx = filename.lower().endswith(".xlsx") or (not filename.lower().endswith(".csv") and content[:2] == b"PK")
    table = _read_xlsx(content) if is_xlsx else _read_csv(content)
    if not table:
        raise ImportFileError(_("The file is empty."))
    if len(table) > MAX_ROWS + 1:
        raise ImportFileError(_("The file has more than %(max)s rows; split it.") % {"max": MAX_ROWS})
    aliases = _header_aliases()
    keys: list[str | None] = []
    for header in table[0]:
        name = str(header or "").strip()
        if not name:
            keys.append(None)
            continue
        key = aliases.get(fold(name))
        if key is None:
            raise ImportFileError(
                _("The column %(name)s is not known. The columns are: %(columns)s.")
                % {"name": name, "columns": ", ".join(headers())}
            )
        if key in keys:
            raise ImportFileError(_("The column %(name)s appears twice.") % {"name": name})
        keys.append(key)
    if "code" not in keys:
        raise ImportFileError(_("The file has no column for the code."))
    rows = []
    for number, values in enumerate(table[1:], start=2):
        row = {key: value for key, value in zip(keys, values, strict=False) if key is not None}
        for key in keys:  # a short CSV line leaves its last cells blank
            if key is not None:
                row.setdefault(key, None)
        if any(value not in (None, "") for value in row.values()):
            rows.append((number, row))
    return rows


# --- import: checking ---------------------------------------------------------------------------


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))  # a code typed into Excel as a number
    return str(value).strip()


_DMY = re.compile(r"^(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})$")


def _date(value: Any) -> dt.date | None:
    if value in (None, ""):
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    text = str(value).strip()
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        pass
    match = _DMY.match(text)
    if match:  # Vietnamese order: day/month/year
        day, month, year = (int(g) for g in match.groups())
        return dt.date(year, month, day)
    raise ValueError(text)


def _kind(value: str) -> str:
    if value in Unit.Kind.values:
        return value
    folded = fold(value)
    for language, _name in settings.LANGUAGES:
        with translation.override(language):
            for kind, label in Unit.Kind.choices:
                if fold(str(label)) == folded:
                    return kind
    raise ValueError(value)


@dataclass
class _Row:
    number: int
    code: str
    fields: dict[str, Any]  # the imported fields present in the file, parsed
    parent_code: str | None  # None: the file has no parent column or the cell is blank
    unit: Unit | None = None  # the open unit with this code, for an update
    action: str = ""  # create, update, skip


class _Plan:
    """Everything checked before anything is written; problems collect in `errors`."""

    def __init__(self, actor: Any, rows: list[tuple[int, dict[str, Any]]]) -> None:
        self.actor = actor
        self.errors: list[RowIssue] = []
        self.rows: list[_Row] = []
        codes = {_text(raw.get("code")) for _n, raw in rows} | {_text(raw.get("parent_code")) for _n, raw in rows}
        codes.discard("")
        self.open_units = {u.code: u for u in Unit.objects.filter(code__in=codes, valid_to__isnull=True)}
        # Current parents by path, in one query, to tell a move from a row that repeats its parent.
        parent_paths = {u.path[: -Unit.steplen] for u in self.open_units.values() if u.depth > 1}
        self.codes_by_path = dict(Unit.objects.filter(path__in=parent_paths).values_list("path", "code"))
        self.closed = set(
            Unit.objects.filter(code__in=codes, valid_to__isnull=False).values_list("code", "valid_to").distinct()
        )
        seen: dict[str, int] = {}
        for number, raw in rows:
            self._check(number, raw, seen)

    def error(self, number: int, code: str, message: str) -> None:
        self.errors.append(RowIssue(number, code, message))

    def _check(self, number: int, raw: dict[str, Any], seen: dict[str, int]) -> None:
        code = _text(raw.get("code"))
        fields, problems = _parse_fields(raw)
        for message in problems.values():
            self.error(number, code, message)
        if not code:
            self.error(number, code, _("The code is missing."))
            return
        valid_to = fields.pop("valid_to", None)
        if valid_to is not None:
            # Closed units are history: re-importing an export that includes them changes
            # nothing; closing a unit needs the close screen (it asks about the members).
            if (code, valid_to) not in self.closed:
                self.error(number, code, _("An import does not close units; close it on its page."))
            self.rows.append(_Row(number, code, fields, None, action="skip"))
            return
        if code in seen:
            self.error(number, code, _("The code appears again; it is already on row %(row)s.") % {"row": seen[code]})
            return
        seen[code] = number
        parent_code = _text(raw.get("parent_code")) or None
        row = _Row(number, code, fields, parent_code, unit=self.open_units.get(code))
        if row.unit is not None:
            self._check_update(row, seen)
        else:
            self._check_create(row, seen, unreadable=problems.keys())
        self._check_values(row, unreadable=problems.keys())
        self.rows.append(row)

    def _administers(self, unit: Unit) -> bool:
        return access.can(self.actor, unit, Role.UNIT_ADMIN)

    def _parent_problem(self, parent_code: str, seen: dict[str, int], number: int) -> str | None:
        parent = self.open_units.get(parent_code)
        if parent is None and seen.get(parent_code, number) < number:
            return None  # a unit further up in this file
        if parent is not None and self._administers(parent):
            return None
        # The same words whether a unit with that code exists elsewhere or not: an import does
        # not confirm codes outside the person's units either.
        return _("The parent %(parent)s is neither an open unit you administer nor a unit further up in this file.") % {
            "parent": parent_code
        }

    def _check_create(self, row: _Row, seen: dict[str, int], unreadable: Iterable[str]) -> None:
        row.action = "create"
        for key in ("name", "kind"):
            if not row.fields.get(key) and key not in unreadable:
                self.error(
                    row.number, row.code, _("%(column)s is needed for a new unit.") % {"column": _BY_KEY[key].label}
                )
        if row.parent_code is None:
            if not access.is_system_admin(self.actor):
                self.error(row.number, row.code, _("A new unit needs the code of its parent unit."))
            return
        problem = self._parent_problem(row.parent_code, seen, row.number)
        if problem:
            self.error(row.number, row.code, problem)

    def _check_update(self, row: _Row, seen: dict[str, int]) -> None:
        row.action = "update"
        unit = row.unit
        assert unit is not None
        if not self._administers(unit):
            self.error(
                row.number,
                row.code,
                _("An open unit with the code %(code)s exists outside the units you administer.") % {"code": row.code},
            )
            return
        if row.parent_code is None:
            return
        if self.codes_by_path.get(unit.path[: -Unit.steplen]) == row.parent_code:
            row.parent_code = None  # already there
            return
        problem = self._parent_problem(row.parent_code, seen, row.number)
        parent = self.open_units.get(row.parent_code)
        if problem is None and parent is not None and parent.path.startswith(unit.path):
            problem = _("A unit cannot be moved under itself or one of its own units.")
        if problem:
            self.error(row.number, row.code, problem)

    def _check_values(self, row: _Row, unreadable: Iterable[str]) -> None:
        # Field rules of the model (lengths, e-mail form, kinds) before any write, for every row.
        base = {f: getattr(row.unit, f) for f in _IMPORTED_FIELDS} if row.unit else {}
        candidate = Unit(code=row.code, **{**base, **row.fields})
        try:
            candidate.full_clean(
                exclude=["path", "depth", "numchild", *unreadable], validate_unique=False, validate_constraints=False
            )
        except ValidationError as exc:
            for name, messages in exc.message_dict.items():
                if row.action == "create" and name in ("name", "kind") and not row.fields.get(name):
                    continue  # already reported as missing
                self._field_errors(row, name, messages)

    def _field_errors(self, row: _Row, name: str, messages: list[str]) -> None:
        label = _BY_KEY[name].label if name in _BY_KEY else name
        for message in messages:
            self.error(row.number, row.code, _("%(column)s: %(message)s") % {"column": label, "message": message})


def _parse_fields(raw: dict[str, Any]) -> tuple[dict[str, Any], dict[str, str]]:
    """Return the parsed fields present in the row, and a message for each field that could not be read."""
    fields: dict[str, Any] = {}
    problems: dict[str, str] = {}
    for key in (*_IMPORTED_FIELDS, "valid_to"):
        if key not in raw:
            continue
        column = _BY_KEY[key]
        value = raw[key]
        if column.is_date:
            try:
                fields[key] = _date(value)
            except ValueError:
                problems[key] = _("%(column)s: %(value)s is not a date; write it as 31/12/2025.") % {
                    "column": column.label,
                    "value": value,
                }
        elif key == "kind":
            text = _text(value)
            if not text:
                fields[key] = ""
                continue
            try:
                fields[key] = _kind(text)
            except ValueError:
                problems[key] = _("%(column)s: %(value)s is not a kind of unit; use one of %(kinds)s.") % {
                    "column": column.label,
                    "value": text,
                    "kinds": ", ".join(Unit.Kind.values),
                }
        else:
            fields[key] = _text(value)
    return fields, problems


# --- import: writing ----------------------------------------------------------------------------


class _Rollback(Exception):
    """Raised inside the transaction to undo a dry run or a row the services refused."""


def _service_messages(exc: ValidationError) -> list[str]:
    if hasattr(exc, "error_dict"):
        return [
            _("%(column)s: %(message)s") % {"column": _BY_KEY[name].label, "message": m} if name in _BY_KEY else m
            for name, messages in exc.message_dict.items()
            for m in messages
        ]
    return list(exc.messages)


def _apply(actor: Any, plan: _Plan, report: ImportReport) -> list[Unit]:
    touched: list[Unit] = []
    for row in plan.rows:
        if row.action == "skip":
            report.skipped.append(row.code)
            continue
        try:
            if row.action == "create":
                parent = None
                if row.parent_code:
                    parent = plan.open_units[row.parent_code]
                unit = services.unit_create(actor=actor, parent=parent, code=row.code, **row.fields)
                plan.open_units[row.code] = unit  # later rows may name it as their parent
                report.created.append(row.code)
            else:
                unit = row.unit
                assert unit is not None
                changed = {k: v for k, v in row.fields.items() if getattr(unit, k) != v}
                if changed:
                    services.unit_update(actor=actor, unit=unit, **changed)
                    report.updated.append(row.code)
                if row.parent_code:
                    parent = plan.open_units[row.parent_code]
                    services.unit_move(actor=actor, unit=unit, new_parent=parent)
                    report.moved.append(row.code)
                if not changed and not row.parent_code:
                    report.unchanged.append(row.code)
            touched.append(unit)
        except ValidationError as exc:
            report.errors.extend(RowIssue(row.number, row.code, m) for m in _service_messages(exc))
            raise _Rollback from exc
    return touched


def _common_unit(units: list[Unit]) -> Unit | None:
    """Return the lowest unit above (or at) every touched unit, so its administrators see the summary."""
    if not units:
        return None
    # Moves during the import changed paths: read them again, in one query.
    paths = list(Unit.objects.filter(pk__in=[u.pk for u in units]).values_list("path", flat=True))
    prefix = paths[0]
    for path in paths[1:]:
        while not path.startswith(prefix):
            prefix = prefix[: -Unit.steplen]
    return Unit.objects.filter(path=prefix).first() if prefix else None


def import_units(*, actor: Any, content: bytes, filename: str, dry_run: bool = False) -> ImportReport:
    """Check a whole file of units, then create and update them in one transaction, or write nothing.

    `actor` must be a person: the rows may touch only the units they administer. With
    `dry_run` the file is checked and written inside a transaction that is then undone, so
    the report also shows what the services would refuse.
    """
    report = ImportReport(dry_run=dry_run)
    try:
        rows = read_table(content, filename)
    except ImportFileError as exc:
        report.errors.append(RowIssue(1, "", str(exc)))
        return report
    report.rows = len(rows)
    if not rows:
        report.errors.append(RowIssue(1, "", _("The file has a header but no rows.")))
        return report
    plan = _Plan(actor, rows)
    if plan.errors:
        report.errors = sorted(plan.errors, key=lambda issue: issue.row)
        return report
    try:
        with transaction.atomic():
            touched = _apply(actor, plan, report)
            audit_record(
                actor=actor,
                verb="units.imported",
                unit=_common_unit(touched),
                changes={
                    "created": [None, report.created],
                    "updated": [None, report.updated],
                    "moved": [None, report.moved],
                },
                note=filename,
                target_repr=filename,
            )
            if dry_run:
                raise _Rollback
    except _Rollback:
        if report.errors:
            report.created, report.updated, report.moved, report.unchanged = [], [], [], []
    return report
