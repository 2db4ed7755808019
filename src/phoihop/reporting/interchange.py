"""DHIS2 interchange: metadata (dataElements, dataSets) and values (dataValueSets JSON and CSV).

Everything is identified by code (DHIS2's `idScheme=code`): a data element is an indicator, a
data set a report form, an organisation unit a unit, a period an id of `calendar.periods`
(`2026`, `2026S1`, `2026Q1`, `202603`), a category option combo a disaggregation option.

Mappings that are not one to one, and why:

- valueType: INTEGER, INTEGER_POSITIVE, INTEGER_ZERO_OR_POSITIVE (and INTEGER_NEGATIVE) → integer;
  NUMBER → decimal; PERCENTAGE → percent; BOOLEAN, TRUE_ONLY → boolean; TEXT, LONG_TEXT → text;
  DATE → date; an `optionSet` makes it "one of a list" whatever its valueType. Export writes
  INTEGER, NUMBER, PERCENTAGE, BOOLEAN, TEXT (with the optionSet) and DATE.
- aggregationType gives both our aggregations (over units, over periods): SUM → sum/sum,
  AVERAGE → average/average, AVERAGE_SUM_ORG_UNIT → sum/average, LAST → sum/last,
  LAST_AVERAGE_ORG_UNIT → average/last, MIN, MAX, NONE → the same over both. Export picks the
  type with the same pair; a pair DHIS2 has no name for (max over units, sum over periods) is
  exported by its aggregation over units.
- periodType: Monthly, Quarterly, SixMonthly, Yearly, and our own "NineMonthly" (the
  provincial nine-month report; DHIS2 has no such type, so a DHIS2 server will refuse it).
- timelyDays: DHIS2 counts calendar days after the period's end; a form counts working days
  after the Decree 09 cut-off. Import converts at five working days a week,
  round(timelyDays × 5 / 7), and export does the reverse, round(working days × 7 / 5), so a
  form's deadline survives the round trip (15 calendar days → 11 working days → 15).
- categoryCombos: `[{"code", "categoryOptionCombos": [{"code", "name"}]}]` referenced by a
  data element's `categoryCombo` is its disaggregation; "default" means none. optionSets:
  `[{"code", "options": [{"code", "name"}]}]` referenced by `optionSet` (or written inline).
- dataSets' `organisationUnits` are the units picked one by one; forms assigned by kind export
  every open unit the kinds assign today.

Values: every row is checked before anything is written (codes, the unit reporting a form that
carries the indicator for a period of that form's type, the value by the engine's own checker
`validation.parse_value`, duplicates, reports already sent up). With errors nothing is written,
unless the caller asks to import only the valid rows. The valid rows are then written in
batches by one upsert per batch (`bulk_create(update_conflicts=True)`: INSERT … ON CONFLICT DO
UPDATE on PostgreSQL and SQLite), inside one transaction, with one audit event for the import.
An empty value clears the stored one (as in DHIS2 and on the entry page). Values imported
without a completion belong to no report and count in totals at once (selectors' docstring). A
JSON payload naming `dataSet`, `orgUnit`, `period` and `completeDate` also records that unit's
report as submitted on that day, through the engine's services (late when after its deadline).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from collections.abc import Callable, Iterable, Iterator
from dataclasses import asdict, dataclass, field
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connection, connections, transaction
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django_tasks import task

from phoihop.calendar.periods import Period, PeriodType, parse_period
from phoihop.core.audit import audit_record
from phoihop.orgs import access
from phoihop.orgs.models import Role, Unit
from phoihop.reporting import permissions, selectors, services
from phoihop.reporting.models import (
    Aggregation,
    DataValue,
    FormField,
    Indicator,
    ReportForm,
    Submission,
    ValueType,
)
from phoihop.reporting.validation import InvalidValue, format_number, parse_value

A = Aggregation
Progress = Callable[[str, int, int], None]

BATCH_SIZE = 5000
# How often (in rows) the validation reports progress.
PROGRESS_EVERY = 20000

VALUE_TYPES_IN = {
    "INTEGER": ValueType.INTEGER,
    "INTEGER_POSITIVE": ValueType.INTEGER,
    "INTEGER_ZERO_OR_POSITIVE": ValueType.INTEGER,
    "INTEGER_NEGATIVE": ValueType.INTEGER,
    "NUMBER": ValueType.DECIMAL,
    "PERCENTAGE": ValueType.PERCENT,
    "BOOLEAN": ValueType.BOOLEAN,
    "TRUE_ONLY": ValueType.BOOLEAN,
    "TEXT": ValueType.TEXT,
    "LONG_TEXT": ValueType.TEXT,
    "DATE": ValueType.DATE,
}
VALUE_TYPES_OUT = {
    ValueType.INTEGER: "INTEGER",
    ValueType.DECIMAL: "NUMBER",
    ValueType.PERCENT: "PERCENTAGE",
    ValueType.BOOLEAN: "BOOLEAN",
    ValueType.TEXT: "TEXT",
    ValueType.OPTION: "TEXT",
    ValueType.DATE: "DATE",
}
# aggregationType → (over units, over periods)
AGGREGATIONS_IN = {
    "SUM": (A.SUM, A.SUM),
    "AVERAGE": (A.AVERAGE, A.AVERAGE),
    "AVERAGE_SUM_ORG_UNIT": (A.SUM, A.AVERAGE),
    "LAST": (A.SUM, A.LAST),
    "LAST_AVERAGE_ORG_UNIT": (A.AVERAGE, A.LAST),
    "MIN": (A.MIN, A.MIN),
    "MAX": (A.MAX, A.MAX),
    "NONE": (A.NONE, A.NONE),
}
AGGREGATIONS_OUT = {pair: name for name, pair in AGGREGATIONS_IN.items()}
PERIOD_TYPES_IN = {
    "Monthly": PeriodType.MONTHLY,
    "Quarterly": PeriodType.QUARTERLY,
    "SixMonthly": PeriodType.SIX_MONTHLY,
    "NineMonthly": PeriodType.NINE_MONTHLY,
    "Yearly": PeriodType.YEARLY,
}
PERIOD_TYPES_OUT = {kind: name for name, kind in PERIOD_TYPES_IN.items()}
DEFAULT_COMBO = "default"
WORKING_DAYS_PER_WEEK = 5

# DHIS2's CSV columns, in its order (the docs' "CSV data value format"); the header row is
# read by name when it names them, by position otherwise, as DHIS2 does.
CSV_COLUMNS = (
    "dataelement",
    "period",
    "orgunit",
    "catoptcombo",
    "attroptcombo",
    "value",
    "storedby",
    "lastupdated",
    "comment",
    "followup",
)
CSV_ALIASES = {
    "categoryoptioncombo": "catoptcombo",
    "attributeoptioncombo": "attroptcombo",
    "timestamp": "lastupdated",
    "flwup": "followup",
}


# The report of an import -----------------------------------------------------------------------


@dataclass(frozen=True)
class RowError:
    """One bad row (or entry): `row` is its line in a CSV file, its position in `dataValues` (or in
    its metadata list) in JSON, 0 for the file as a whole; `field` names the column."""

    row: int
    field: str
    message: str

    def __str__(self) -> str:
        if self.row:
            return _("Row %(row)s (%(field)s): %(message)s") % {
                "row": self.row,
                "field": self.field,
                "message": self.message,
            }
        return f"{self.field}: {self.message}" if self.field else self.message


@dataclass
class ImportReport:
    """What an import did: counts, every error, and the reports it recorded as submitted."""

    kind: str = "values"
    total: int = 0
    written: int = 0
    cleared: int = 0
    skipped: int = 0
    created: int = 0
    updated: int = 0
    errors: list[RowError] = field(default_factory=list)
    submissions: list[dict[str, Any]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    committed: bool = False

    @property
    def ok(self) -> bool:
        return self.committed

    def as_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["errors"] = [asdict(e) for e in self.errors]
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ImportReport:
        values = dict(data or {})
        values["errors"] = [RowError(**e) for e in values.get("errors", [])]
        known = set(cls.__dataclass_fields__)
        return cls(**{k: v for k, v in values.items() if k in known})


class ImportFileError(ValueError):
    """The file cannot be read at all (not JSON, not CSV, no dataValues); the message says why."""


def _no_progress(phase: str, done: int, total: int) -> None:
    return None


class _Rollback(Exception):
    """Raised inside the import's transaction to undo it when the file had errors."""


def _messages(exc: ValidationError) -> str:
    return " ".join(exc.messages)


# Reading values ----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class RawRow:
    row: int
    data_element: str
    period: str
    org_unit: str
    category: str = ""
    attribute: str = ""
    value: str | None = ""


@dataclass
class ValueSet:
    """A dataValueSets payload as read: the set-level fields and one RawRow per value."""

    rows: list[RawRow]
    data_set: str = ""
    org_unit: str = ""
    period: str = ""
    complete_date: str = ""


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value).strip()


def read_value_set_json(data: bytes | str) -> ValueSet:
    """Read a dataValueSets JSON payload (a row's period and orgUnit default to the set's)."""
    try:
        payload = json.loads(data)
    except (ValueError, UnicodeDecodeError) as exc:
        raise ImportFileError(_("The file is not valid JSON: %(error)s") % {"error": exc}) from exc
    if not isinstance(payload, dict) or not isinstance(payload.get("dataValues"), list):
        raise ImportFileError(_("The file has no “dataValues” list: it is not a DHIS2 dataValueSets file."))
    period, org_unit = _text(payload.get("period")), _text(payload.get("orgUnit"))
    rows = []
    for number, item in enumerate(payload["dataValues"], start=1):
        if not isinstance(item, dict):
            item = {}
        value = item.get("value")
        rows.append(
            RawRow(
                row=number,
                data_element=_text(item.get("dataElement")),
                period=_text(item.get("period")) or period,
                org_unit=_text(item.get("orgUnit")) or org_unit,
                category=_text(item.get("categoryOptionCombo")),
                attribute=_text(item.get("attributeOptionCombo")),
                value=None if value is None else _text(value),
            )
        )
    return ValueSet(
        rows=rows,
        data_set=_text(payload.get("dataSet")),
        org_unit=org_unit,
        period=period,
        complete_date=_text(payload.get("completeDate")),
    )


def read_value_set_csv(data: bytes | str) -> ValueSet:
    """Read DHIS2's CSV of data values: the first row is a header, each row after it a value."""
    if isinstance(data, bytes):
        try:
            data = data.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise ImportFileError(_("The file is not UTF-8 text.")) from exc
    reader = csv.reader(io.StringIO(data))
    try:
        header = [h.strip().lower().replace("_", "") for h in next(reader)]
    except StopIteration:
        raise ImportFileError(_("The file is empty.")) from None
    header = [CSV_ALIASES.get(h, h) for h in header]
    if "dataelement" in header and "orgunit" in header:
        positions = {name: header.index(name) for name in CSV_COLUMNS if name in header}
    else:
        positions = {name: i for i, name in enumerate(CSV_COLUMNS)}
    rows = []
    for line, cells in enumerate(reader, start=2):
        if not any(c.strip() for c in cells):
            continue

        def cell(name: str, cells: list[str] = cells) -> str:
            i = positions.get(name)
            return cells[i].strip() if i is not None and i < len(cells) else ""

        rows.append(
            RawRow(
                row=line,
                data_element=cell("dataelement"),
                period=cell("period"),
                org_unit=cell("orgunit"),
                category=cell("catoptcombo"),
                attribute=cell("attroptcombo"),
                value=cell("value"),
            )
        )
    return ValueSet(rows=rows)


def read_value_set(data: bytes | str, *, name: str) -> ValueSet:
    """Read a file by its extension: .json or .csv."""
    lowered = name.lower()
    if lowered.endswith(".json"):
        return read_value_set_json(data)
    if lowered.endswith(".csv"):
        return read_value_set_csv(data)
    raise ImportFileError(_("Name the file .json or .csv: its extension says which format it is."))


# Checking values ---------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Cell:
    """One checked row, ready to write: `number`/`text` None and "" with `clear` for an empty value."""

    row: int
    indicator_id: int
    unit_id: int
    province_code: str
    period: Period
    category: str
    number: Any
    text: str
    clear: bool = False


@dataclass
class Completion:
    """The report a payload records as submitted (dataSet + orgUnit + period + completeDate)."""

    form: ReportForm
    unit: Unit
    period: Period
    on: dt.date


def may_import_for(user: Any, unit: Unit) -> bool:
    """Say whether a person may import values for `unit`: the unit's own officers (who enter its
    reports), and unit administrators above it (who move data in bulk for their units)."""
    return permissions.is_own_unit(user, unit, min_role=Role.OFFICER) or access.can(user, unit, Role.UNIT_ADMIN)


class _Resolver:
    """Looks codes up once per file and remembers the answers (a million rows name few codes)."""

    def __init__(self, value_set: ValueSet, user: Any) -> None:
        self.user = user
        self.indicators = {i.code: i for i in Indicator.objects.all()}
        self.indicators_folded = {code.casefold(): i for code, i in self.indicators.items()}
        codes = {r.org_unit for r in value_set.rows} | {value_set.org_unit}
        self.units = _units_by_code(codes - {""})
        self.periods: dict[str, Period | str] = {}
        # Active forms carrying each indicator.
        self.forms: dict[int, ReportForm] = {}
        self.forms_of: dict[int, tuple[int, ...]] = {}
        for form_field in FormField.objects.filter(section__form__is_active=True).select_related("section__form"):
            form = form_field.section.form
            self.forms[form.pk] = form
            self.forms_of[form_field.indicator_id] = (*self.forms_of.get(form_field.indicator_id, ()), form.pk)
        self.expected: dict[tuple[int, str], set[int]] = {}
        self.allowed: dict[int, bool] = {}
        self.locked: set[tuple[int, int, str]] | None = None
        self.reporting: dict[tuple[tuple[int, ...], int, str], tuple[str, str] | None] = {}
        self.parsed: dict[tuple[int, str], Any] = {}
        self.breakdowns: dict[int, list[str]] = {}
        self.rows = value_set.rows

    def parse(self, indicator: Indicator, text: str) -> Any:
        """The engine's checker, remembered per indicator and text: reported figures repeat a lot."""
        key = (indicator.id, text)
        found = self.parsed.get(key)
        if found is None:
            if len(self.parsed) > 200_000:
                self.parsed.clear()
            try:
                found = parse_value(indicator, text)
            except InvalidValue as exc:
                found = exc
            self.parsed[key] = found
        if isinstance(found, InvalidValue):
            raise found
        return found

    def indicator(self, code: str) -> Indicator | None:
        return self.indicators.get(code) or self.indicators_folded.get(code.casefold())

    def period(self, text: str) -> Period | str:
        found = self.periods.get(text)
        if found is None:
            try:
                found = parse_period(text)
            except ValueError as exc:
                found = str(exc)
            self.periods[text] = found
        return found

    def may(self, unit: Unit) -> bool:
        if self.user is None:
            return True  # an operator's command: no person's scope (like `phoihop migrate`)
        if unit.pk not in self.allowed:
            self.allowed[unit.pk] = may_import_for(self.user, unit)
        return self.allowed[unit.pk]

    def expected_units(self, form: ReportForm, period: Period) -> set[int]:
        key = (form.pk, period.id)
        if key not in self.expected:
            self.expected[key] = set(selectors.expected_units(form=form, period=period).values_list("pk", flat=True))
        return self.expected[key]

    def is_locked(self, form_id: int, unit_id: int, period_id: str) -> bool:
        if self.locked is None:
            period_ids = {p.id for p in self.periods.values() if isinstance(p, Period)}
            self.locked = set(
                Submission.objects.filter(
                    period_id__in=period_ids,
                    status__in=(Submission.Status.SUBMITTED, Submission.Status.APPROVED, Submission.Status.ACCEPTED),
                ).values_list("form_id", "unit_id", "period_id")
            )
        return (form_id, unit_id, period_id) in self.locked


def _units_by_code(codes: Iterable[str]) -> dict[str, Unit]:
    """The open unit with each code, or else the one closed last (codes are reused after merges)."""
    found: dict[str, Unit] = {}
    codes = sorted(codes)
    for start in range(0, len(codes), 2000):
        chunk = codes[start : start + 2000]
        for unit in Unit.objects.filter(code__in=chunk):
            current = found.get(unit.code)
            if current is None or _newer(unit, current):
                found[unit.code] = unit
    return found


def _newer(unit: Unit, than: Unit) -> bool:
    if than.valid_to is None:
        return False
    return unit.valid_to is None or unit.valid_to > than.valid_to


def _parse_complete_date(text: str) -> dt.date | None:
    try:
        return dt.date.fromisoformat(text[:10])
    except ValueError:
        return None


def check_values(
    value_set: ValueSet, *, user: Any = None, progress: Progress = _no_progress
) -> tuple[list[Cell], list[RowError], Completion | None]:
    """Check every row; return the valid cells, the errors (one per bad row) and the completion asked for.

    Reads only. `user` None is the operator (no scope); a person may import only for the units
    `may_import_for` allows, and a code outside them reads as unknown (ids do not leak).
    """
    resolve = _Resolver(value_set, user)
    errors: list[RowError] = []
    cells: list[Cell] = []
    completion, form_only = _check_completion(value_set, resolve, errors)
    seen: dict[tuple[int, int, str, str], int] = {}
    total = len(value_set.rows)
    for done, raw in enumerate(value_set.rows, start=1):
        if done % PROGRESS_EVERY == 0:
            progress("checking", done, total)
        problem = _check_row(raw, resolve, form_only, seen, cells)
        if problem is not None:
            errors.append(problem)
    progress("checking", total, total)
    return cells, errors, completion


def _check_completion(
    value_set: ValueSet, resolve: _Resolver, errors: list[RowError]
) -> tuple[Completion | None, ReportForm | None]:
    """Check the set-level dataSet (the rows then belong to that form) and the completion it asks for."""
    if not value_set.data_set:
        if value_set.complete_date:
            errors.append(RowError(0, "dataSet", _("A completeDate needs the dataSet it completes.")))
        return None, None
    form = ReportForm.objects.filter(code=value_set.data_set, is_active=True).first()
    if form is None:
        errors.append(RowError(0, "dataSet", _("Unknown data set code %(code)s.") % {"code": value_set.data_set}))
        return None, None
    if not value_set.complete_date:
        return None, form
    on = _parse_complete_date(value_set.complete_date)
    unit = resolve.units.get(value_set.org_unit)
    if unit is not None and not resolve.may(unit):
        unit = None
    period = resolve.period(value_set.period) if value_set.period else None
    if on is None:
        errors.append(RowError(0, "completeDate", _("Write the completeDate as YYYY-MM-DD.")))
    if unit is None:
        errors.append(
            RowError(0, "orgUnit", _("A completeDate needs the orgUnit of the report, by a known unit code."))
        )
    if not isinstance(period, Period):
        errors.append(RowError(0, "period", _("A completeDate needs the period of the report.")))
    if on is None or unit is None or not isinstance(period, Period):
        return None, form
    if period.type != form.period_type:
        errors.append(RowError(0, "period", _wrong_type(period, form)))
        return None, form
    if unit.pk not in resolve.expected_units(form, period):
        errors.append(RowError(0, "orgUnit", _not_expected(unit, form, period)))
        return None, form
    if resolve.is_locked(form.pk, unit.pk, period.id):
        errors.append(
            RowError(
                0,
                "completeDate",
                _("%(unit)s already submitted its report on %(form)s for %(period)s: it is not submitted twice.")
                % {"unit": unit.code, "form": form.code, "period": period.id},
            )
        )
        return None, form
    return Completion(form=form, unit=unit, period=period, on=on), form


def _wrong_type(period: Period, form: ReportForm) -> str:
    return _("%(period)s is not a period of %(form)s, which is reported %(type)s.") % {
        "period": period.id,
        "form": form.code,
        "type": PeriodType(form.period_type).label.lower(),
    }


def _not_expected(unit: Unit, form: ReportForm, period: Period) -> str:
    return _("%(unit)s does not report %(form)s for %(period)s: it is not assigned the form or was not open then.") % {
        "unit": unit.code,
        "form": form.code,
        "period": period.id,
    }


def _reporting_problem(
    resolve: _Resolver, form_ids: tuple[int, ...], unit: Unit, period: Period
) -> tuple[str, str] | None:
    """(column, message) when the unit does not report one of these forms for the period, or it is locked."""
    forms = [resolve.forms[pk] for pk in form_ids]
    of_type = [f for f in forms if f.period_type == period.type]
    if not of_type:
        return "period", _wrong_type(period, forms[0])
    reporting = [f for f in of_type if unit.pk in resolve.expected_units(f, period)]
    if not reporting:
        return "orgUnit", _not_expected(unit, of_type[0], period)
    for form in reporting:
        if resolve.is_locked(form.pk, unit.pk, period.id):
            return "period", _(
                "The report of %(unit)s on %(form)s for %(period)s has been sent up; "
                "it must be returned or unlocked before its values change."
            ) % {"unit": unit.code, "form": form.code, "period": period.id}
    return None


def _check_row(
    raw: RawRow,
    resolve: _Resolver,
    form_only: ReportForm | None,
    seen: dict[tuple[int, int, str, str], int],
    cells: list[Cell],
) -> RowError | None:
    """Check one row; append its cell to `cells` and return None, or return its error."""
    row = raw.row
    if not raw.data_element:
        return RowError(row, "dataElement", _("The data element code is missing."))
    indicator = resolve.indicator(raw.data_element)
    if indicator is None:
        return RowError(row, "dataElement", _("Unknown data element code %(code)s.") % {"code": raw.data_element})
    if not raw.org_unit:
        return RowError(row, "orgUnit", _("The organisation unit code is missing."))
    unit = resolve.units.get(raw.org_unit)
    if unit is None or not resolve.may(unit):
        return RowError(row, "orgUnit", _("No unit you may report for has the code %(code)s.") % {"code": raw.org_unit})
    period = resolve.period(raw.period)
    if not isinstance(period, Period):
        return RowError(row, "period", period)
    breakdown = resolve.breakdowns.get(indicator.id)
    if breakdown is None:
        breakdown = resolve.breakdowns[indicator.id] = [o["code"] for o in indicator.disaggregation or []]
    category = "" if raw.category in ("", DEFAULT_COMBO) else raw.category
    if category and category not in breakdown:
        folded = {c.casefold(): c for c in breakdown}
        category = folded.get(category.casefold(), category)
    if breakdown and category not in breakdown:
        return RowError(
            row,
            "categoryOptionCombo",
            _("%(code)s is broken down: give one of %(options)s.")
            % {"code": indicator.code, "options": ", ".join(breakdown)},
        )
    if not breakdown and category:
        return RowError(
            row,
            "categoryOptionCombo",
            _("%(code)s has no breakdown: leave the category option combo empty.") % {"code": indicator.code},
        )
    if raw.attribute not in ("", DEFAULT_COMBO):
        return RowError(row, "attributeOptionCombo", _("Attribute option combos are not used: leave it empty."))
    form_ids = resolve.forms_of.get(indicator.id, ())
    if form_only is not None:
        if form_only.id not in form_ids:
            return RowError(
                row,
                "dataElement",
                _("%(code)s is not on the data set %(form)s.") % {"code": indicator.code, "form": form_only.code},
            )
        form_ids = (form_only.id,)
    if not form_ids:
        return RowError(row, "dataElement", _("%(code)s is on no report form in use.") % {"code": indicator.code})
    # Thirty indicators of one form share the answer for a unit and period: ask once.
    form_key = (form_ids, unit.id, period.id)
    if form_key not in resolve.reporting:
        resolve.reporting[form_key] = _reporting_problem(resolve, form_ids, unit, period)
    problem = resolve.reporting[form_key]
    if problem is not None:
        return RowError(row, *problem)
    key = (indicator.id, unit.id, period.id, category)
    first = seen.get(key)
    if first is not None:
        return RowError(
            row,
            "dataElement",
            _("This row repeats row %(row)s: same data element, unit, period and option.") % {"row": first},
        )
    seen[key] = row
    text = raw.value
    if text is None or text == "":
        cells.append(Cell(row, indicator.id, unit.id, unit.province_code, period, category, None, "", clear=True))
        return None
    try:
        parsed = resolve.parse(indicator, text)
    except InvalidValue as exc:
        return RowError(row, "value", str(exc))
    cells.append(Cell(row, indicator.id, unit.id, unit.province_code, period, category, parsed.number, parsed.text))
    return None


# Writing values ----------------------------------------------------------------------------------


UPSERT_COLUMNS = (
    "indicator_id",
    "unit_id",
    "period_id",
    "period_start",
    "period_end",
    "category",
    "value_number",
    "value_text",
    "updated_at",
    "updated_by_id",
    "province_code",
)
# The link to a report (submission_id) is left as it is: a value entered in a draft stays that draft's.
UPSERT_SET = ", ".join(f"{c} = excluded.{c}" for c in UPSERT_COLUMNS[3:] if c != "category")
UPSERT_CONFLICT = "(indicator_id, unit_id, period_id, category)"


def _write_cells(cells: list[Cell], *, actor: Any, progress: Progress) -> tuple[int, int]:
    """Upsert the cells in batches and delete the cleared ones; return (written, cleared).

    One INSERT … ON CONFLICT DO UPDATE per batch, on the unique (indicator, unit, period,
    category). Not `bulk_create(update_conflicts=True)`, which does the same statement: it builds
    a model instance and binds every field per value, which made a million values take minutes;
    PostgreSQL gets its rows by COPY into a temporary table, SQLite by executemany.
    """
    user_id = actor.pk if getattr(actor, "is_authenticated", False) else None
    now = timezone.now()
    to_write = [c for c in cells if not c.clear]
    to_clear = [c for c in cells if c.clear]
    total = len(cells)
    rows = (
        (
            c.indicator_id,
            c.unit_id,
            c.period.id,
            c.period.start,
            c.period.end,
            c.category,
            c.number,
            c.text,
            now,
            user_id,
            c.province_code,
        )
        for c in to_write
    )
    upsert = _upsert_postgresql if connection.vendor == "postgresql" else _upsert_sqlite
    done = 0
    for written in upsert(rows):
        done += written
        progress("writing", done, total)
    cleared = 0
    for start in range(0, len(to_clear), 500):
        condition = Q(pk__in=[])
        for c in to_clear[start : start + 500]:
            condition |= Q(indicator_id=c.indicator_id, unit_id=c.unit_id, period_id=c.period.id, category=c.category)
        cleared += DataValue.objects.filter(condition).delete()[0]
        done += min(500, len(to_clear) - start)
        progress("writing", done, total)
    return len(to_write), cleared


def _batches(rows: Iterable[tuple[Any, ...]], size: int) -> Iterator[list[tuple[Any, ...]]]:
    batch: list[tuple[Any, ...]] = []
    for row in rows:
        batch.append(row)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


def _upsert_sqlite(rows: Iterable[tuple[Any, ...]]) -> Iterator[int]:
    table = DataValue._meta.db_table
    marks = ", ".join(["%s"] * len(UPSERT_COLUMNS))
    sql = (
        f"INSERT INTO {table} ({', '.join(UPSERT_COLUMNS)}) VALUES ({marks}) "  # noqa: S608 - fixed names
        f"ON CONFLICT {UPSERT_CONFLICT} DO UPDATE SET {UPSERT_SET}"
    )
    with connection.cursor() as cursor:
        for batch in _batches(rows, BATCH_SIZE):
            # SQLite stores decimals as text or real through Django's adapter; pass them as text.
            ops = connection.ops
            cursor.executemany(
                sql,
                [
                    (
                        *r[:3],
                        ops.adapt_datefield_value(r[3]),
                        ops.adapt_datefield_value(r[4]),
                        r[5],
                        None if r[6] is None else str(r[6]),
                        r[7],
                        ops.adapt_datetimefield_value(r[8]),
                        *r[9:],
                    )
                    for r in batch
                ],
            )
            yield len(batch)


def _upsert_postgresql(rows: Iterable[tuple[Any, ...]]) -> Iterator[int]:
    table = DataValue._meta.db_table
    columns = ", ".join(UPSERT_COLUMNS)
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE TEMP TABLE IF NOT EXISTS phoihop_import_values (indicator_id bigint, unit_id bigint, "
            "period_id varchar(16), period_start date, period_end date, category varchar(32), "
            "value_number numeric(20, 4), value_text text, updated_at timestamptz, updated_by_id bigint, "
            "province_code varchar(8)) ON COMMIT DROP"
        )
        for batch in _batches(rows, BATCH_SIZE * 10):
            cursor.execute("TRUNCATE phoihop_import_values")
            with cursor.cursor.copy(f"COPY phoihop_import_values ({columns}) FROM STDIN") as copy:
                for row in batch:
                    copy.write_row(row)
            cursor.execute(
                f"INSERT INTO {table} ({columns}) SELECT {columns} FROM phoihop_import_values "  # noqa: S608 - fixed names
                f"ON CONFLICT {UPSERT_CONFLICT} DO UPDATE SET {UPSERT_SET}"
            )
            yield len(batch)


def _record_completion(completion: Completion, *, actor: Any, source: str) -> dict[str, Any]:
    """Open (or find) the unit's report, attach the form's values to it and submit it on completeDate.

    Validation warnings are answered with a note that the report was imported: the person who
    completed it in the other system saw them there; errors still block, as on the entry page.
    """
    form, unit, period = completion.form, completion.unit, completion.period
    submission = services.submission_open(actor=actor, form=form, unit=unit, period_id=period.id)
    indicator_ids = FormField.objects.filter(section__form=form).values("indicator_id")
    DataValue.objects.filter(unit=unit, period_id=period.id, indicator_id__in=indicator_ids).filter(
        Q(submission__isnull=True) | Q(submission=submission)
    ).update(submission=submission)
    check = services.submission_check(submission=submission)
    note = _("Imported from %(source)s, completed on %(date)s in the system it came from.") % {
        "source": source,
        "date": completion.on.isoformat(),
    }
    comments = {str(w.rule_id): note for w in check.warnings}
    services.submission_submit(actor=actor, submission=submission, warning_comments=comments, on=completion.on)
    return {
        "form": form.code,
        "unit": unit.code,
        "period": period.id,
        "submitted_on": completion.on.isoformat(),
        "deadline": submission.deadline.isoformat(),
        "late": submission.is_late,
        "submission": submission.pk,
    }


def import_values(
    value_set: ValueSet,
    *,
    actor: Any,
    user: Any = None,
    skip_invalid: bool = False,
    source: str = "",
    progress: Progress = _no_progress,
) -> ImportReport:
    """Check every row of a dataValueSets payload and write them all, or nothing when any is bad.

    With `skip_invalid` the valid rows are written and the report lists the skipped ones. `user`
    is the person whose scope applies (None for an operator's command); `actor` is recorded in
    the audit trail. One audit event records the import, with its counts.
    """
    report = ImportReport(kind="values", total=len(value_set.rows))
    cells, errors, completion = check_values(value_set, user=user, progress=progress)
    report.errors = errors
    if errors and not skip_invalid:
        return report
    report.skipped = len({e.row for e in errors if e.row})
    try:
        with transaction.atomic():
            report.written, report.cleared = _write_cells(cells, actor=actor, progress=progress)
            if completion is not None:
                try:
                    with transaction.atomic():
                        report.submissions.append(_record_completion(completion, actor=actor, source=source))
                except ValidationError as exc:
                    error = RowError(
                        0, "completeDate", _("The report was not submitted: %(reason)s") % {"reason": _messages(exc)}
                    )
                    report.errors.append(error)
                    if not skip_invalid:
                        raise _Rollback from exc
                    report.notes.append(_("The values were kept in the unit's draft report."))
            audit_record(
                actor=actor,
                verb="reporting.values_imported",
                target=completion.form if completion else None,
                unit=completion.unit if completion else None,
                changes={
                    "rows": [None, report.total],
                    "written": [None, report.written],
                    "cleared": [None, report.cleared],
                    "skipped": [None, report.skipped],
                    "submissions": [None, [s["submission"] for s in report.submissions]],
                },
                note=source[:500],
            )
    except _Rollback:
        report.written = report.cleared = 0
        report.submissions = []
        return report
    report.committed = True
    return report


# Exporting values --------------------------------------------------------------------------------


def values_for_export(
    *, form: ReportForm, period: Period, unit: Unit | None = None, user: Any = None
) -> Iterator[dict[str, str]]:
    """Yield the form's values for the period as dataValues rows (codes), in unit and indicator order.

    Only values that count in totals are exported: imported ones and those of reports sent up
    (drafts and returned reports are the unit's own business, selectors' docstring). `user`
    limits them to the units the person may see.
    """
    indicators = FormField.objects.filter(section__form=form).values("indicator_id")
    values = DataValue.objects.filter(indicator_id__in=indicators, period_id=period.id).filter(
        Q(submission__isnull=True) | Q(submission__status__in=selectors.COUNTED_STATUSES)
    )
    if unit is not None:
        values = values.filter(unit__path__startswith=unit.path)
    if user is not None:
        values = access.scope_queryset(values, user, via="unit")
    rows = values.order_by("unit__path", "indicator__code", "category").values_list(
        "indicator__code", "unit__code", "category", "value_number", "value_text", "updated_at", "updated_by__username"
    )
    for code, unit_code, category, number, text, updated, username in rows.iterator(chunk_size=5000):
        yield {
            "dataElement": code,
            "period": period.id,
            "orgUnit": unit_code,
            "categoryOptionCombo": category,
            "value": format_number(number) if number is not None else text,
            "storedBy": username or "",
            "lastUpdated": updated.isoformat(timespec="seconds") if updated else "",
        }


def export_values_json(*, form: ReportForm, period: Period, unit: Unit | None = None, user: Any = None) -> str:
    """The values as a dataValueSets JSON document naming the data set and period."""
    rows = []
    for row in values_for_export(form=form, period=period, unit=unit, user=user):
        if not row["categoryOptionCombo"]:
            del row["categoryOptionCombo"]
        rows.append(row)
    document = {"dataSet": form.code, "period": period.id, "dataValues": rows}
    return json.dumps(document, ensure_ascii=False, indent=1)


def export_values_csv(*, form: ReportForm, period: Period, unit: Unit | None = None, user: Any = None) -> str:
    """The values as DHIS2's CSV (its header and column order)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for row in values_for_export(form=form, period=period, unit=unit, user=user):
        writer.writerow(
            [
                row["dataElement"],
                row["period"],
                row["orgUnit"],
                row["categoryOptionCombo"],
                "",
                row["value"],
                row["storedBy"],
                row["lastUpdated"],
                "",
                "false",
            ]
        )
    return out.getvalue()


# Metadata ----------------------------------------------------------------------------------------


def _code_of(ref: Any) -> str:
    return _text(ref.get("code")) if isinstance(ref, dict) else _text(ref)


def _option_list(items: Any) -> list[dict[str, str]]:
    result = []
    for item in items or []:
        if isinstance(item, dict):
            result.append({"code": _text(item.get("code")), "name": _text(item.get("name")) or _text(item.get("code"))})
        else:
            result.append({"code": _text(item), "name": _text(item)})
    return result


def _lookup_lists(payload: dict[str, Any], key: str, inner: str) -> dict[str, list[dict[str, str]]]:
    found = {}
    for item in payload.get(key) or []:
        if isinstance(item, dict) and _text(item.get("code")):
            found[_text(item["code"])] = _option_list(item.get(inner))
    return found


def _indicator_fields(entry: dict[str, Any], option_sets: dict, combos: dict) -> dict[str, Any]:
    """Turn a dataElement into indicator_create's arguments; ValidationError naming the bad field."""
    value_type_name = _text(entry.get("valueType")) or "NUMBER"
    option_set = entry.get("optionSet")
    if option_set:
        code = _code_of(option_set)
        options = _option_list(option_set.get("options")) if isinstance(option_set, dict) else []
        if not options:
            if code not in option_sets:
                raise ValidationError({"optionSet": _("Unknown option set %(code)s.") % {"code": code}})
            options = option_sets[code]
        value_type = ValueType.OPTION
    else:
        options = []
        if value_type_name not in VALUE_TYPES_IN:
            raise ValidationError(
                {
                    "valueType": _("Value type %(type)s is not supported; use one of %(types)s.")
                    % {"type": value_type_name, "types": ", ".join(VALUE_TYPES_IN)}
                }
            )
        value_type = VALUE_TYPES_IN[value_type_name]
    numeric = value_type in (ValueType.INTEGER, ValueType.DECIMAL, ValueType.PERCENT, ValueType.BOOLEAN)
    aggregation_name = _text(entry.get("aggregationType")) or ("SUM" if numeric else "NONE")
    if aggregation_name not in AGGREGATIONS_IN:
        raise ValidationError(
            {
                "aggregationType": _("Aggregation type %(type)s is not supported; use one of %(types)s.")
                % {"type": aggregation_name, "types": ", ".join(AGGREGATIONS_IN)}
            }
        )
    over_units, over_periods = AGGREGATIONS_IN[aggregation_name]
    if not numeric:
        # DHIS2 exports SUM on text elements too; text is never added up here.
        over_units = over_periods = A.NONE
    disaggregation: list[dict[str, str]] = []
    combo = entry.get("categoryCombo")
    if combo:
        code = _code_of(combo)
        if code and code != DEFAULT_COMBO:
            if code not in combos:
                raise ValidationError({"categoryCombo": _("Unknown category combo %(code)s.") % {"code": code}})
            disaggregation = combos[code]
    if _text(entry.get("domainType")).upper() == "TRACKER":
        raise ValidationError({"domainType": _("Only aggregate data elements can be imported.")})
    return {
        "name": _text(entry.get("name")),
        "short_name": _text(entry.get("shortName"))[:100],
        "description": _text(entry.get("description")),
        "value_type": value_type,
        "aggregation": over_units,
        "period_aggregation": over_periods,
        "options": options,
        "disaggregation": disaggregation,
    }


def working_days_from_timely_days(days: Any) -> int:
    """DHIS2's timelyDays (calendar days) as working days: five in every seven, capped by the service's limit."""
    number = round(float(days) * WORKING_DAYS_PER_WEEK / 7)
    return max(0, min(number, services.MAX_DEADLINE_WORKING_DAYS))


def timely_days_from_working_days(days: int) -> int:
    return round(days * 7 / WORKING_DAYS_PER_WEEK)


def import_metadata(
    payload: dict[str, Any], *, actor: Any, owner_unit: Unit | None = None, user: Any = None
) -> ImportReport:
    """Create or update indicators and forms from DHIS2 metadata (dataElements, dataSets), by code.

    Through the engine's services (each change audited as usual); all of it or nothing: every bad
    entry is reported (`row` = its position in its list) and nothing stays written. `owner_unit`
    designs the forms created; `user` (None for an operator) must be allowed to design what
    changes.
    """
    report = ImportReport(kind="metadata")
    if not isinstance(payload, dict):
        report.errors.append(RowError(0, "", _("The file is not a DHIS2 metadata JSON object.")))
        return report
    elements = payload.get("dataElements") or []
    data_sets = payload.get("dataSets") or []
    report.total = len(elements) + len(data_sets)
    if not report.total:
        report.errors.append(RowError(0, "", _("The file has neither dataElements nor dataSets.")))
        return report
    option_sets = _lookup_lists(payload, "optionSets", "options")
    combos = _lookup_lists(payload, "categoryCombos", "categoryOptionCombos")
    if elements and user is not None and not permissions.can_design_indicators(user):
        report.errors.append(RowError(0, "dataElements", _("You may not change indicators.")))
        return report
    try:
        with transaction.atomic():
            _import_elements(elements, option_sets, combos, actor=actor, report=report)
            _import_data_sets(data_sets, actor=actor, owner_unit=owner_unit, user=user, report=report)
            if report.errors:
                raise _Rollback
    except _Rollback:
        report.created = report.updated = 0
        return report
    report.committed = True
    return report


def _entry_error(report: ImportReport, kind: str, number: int, code: str, exc: ValidationError | str) -> None:
    message = exc if isinstance(exc, str) else _messages(exc)
    label = f"{kind} {code}" if code else kind
    report.errors.append(RowError(number, label, message))


def _each_entry(
    entries: list[Any], kind: str, report: ImportReport, apply: Callable[[dict[str, Any], str], None]
) -> None:
    """Apply `apply(entry, code)` to each entry in a savepoint of its own, so one bad entry is
    reported (with its position and code) while the others are still checked."""
    seen: set[str] = set()
    for number, entry in enumerate(entries, start=1):
        code = _code_of(entry) if isinstance(entry, dict) else ""
        if not code:
            _entry_error(report, kind, number, "", _("The code is missing."))
            continue
        if code.casefold() in seen:
            _entry_error(report, kind, number, code, _("This code appears twice in the file."))
            continue
        seen.add(code.casefold())
        try:
            with transaction.atomic():
                apply(entry, code)
        except ValidationError as exc:
            _entry_error(report, kind, number, code, exc)


def _import_elements(elements: list[Any], option_sets: dict, combos: dict, *, actor: Any, report: ImportReport) -> None:
    def apply(entry: dict[str, Any], code: str) -> None:
        fields = _indicator_fields(entry, option_sets, combos)
        indicator = Indicator.objects.filter(code__iexact=code).first()
        if indicator is None:
            services.indicator_create(actor=actor, code=code, **fields)
            report.created += 1
        else:
            services.indicator_update(actor=actor, indicator=indicator, **fields)
            report.updated += 1

    _each_entry(elements, "dataElements", report, apply)


def _import_data_sets(
    data_sets: list[Any], *, actor: Any, owner_unit: Unit | None, user: Any, report: ImportReport
) -> None:
    def apply(entry: dict[str, Any], code: str) -> None:
        _import_data_set(entry, code, actor=actor, owner_unit=owner_unit, user=user, report=report)

    _each_entry(data_sets, "dataSets", report, apply)


def _import_data_set(
    entry: dict[str, Any], code: str, *, actor: Any, owner_unit: Unit | None, user: Any, report: ImportReport
) -> None:
    period_name = _text(entry.get("periodType"))
    if period_name not in PERIOD_TYPES_IN:
        raise ValidationError(
            {
                "periodType": _("Period type %(type)s is not supported; use one of %(types)s.")
                % {"type": period_name, "types": ", ".join(PERIOD_TYPES_IN)}
            }
        )
    element_codes = []
    for item in entry.get("dataSetElements") or []:
        ref = item.get("dataElement") if isinstance(item, dict) and "dataElement" in item else item
        element_codes.append(_code_of(ref))
    indicators = []
    for element_code in element_codes:
        indicator = Indicator.objects.filter(code__iexact=element_code).first()
        if indicator is None:
            raise ValidationError({"dataSetElements": _("Unknown data element %(code)s.") % {"code": element_code}})
        if indicator not in indicators:
            indicators.append(indicator)
    unit_codes = [_code_of(ref) for ref in entry.get("organisationUnits") or []]
    units = _units_by_code(unit_codes)
    unknown = [c for c in unit_codes if c not in units]
    if unknown:
        raise ValidationError(
            {"organisationUnits": _("Unknown organisation units: %(codes)s.") % {"codes": ", ".join(unknown)}}
        )
    fields: dict[str, Any] = {
        "name": _text(entry.get("name")),
        "period_type": PERIOD_TYPES_IN[period_name],
        "assigned_units": [units[c] for c in unit_codes],
    }
    if entry.get("timelyDays") not in (None, ""):
        try:
            fields["deadline_working_days"] = working_days_from_timely_days(entry["timelyDays"])
        except (TypeError, ValueError):
            raise ValidationError({"timelyDays": _("timelyDays is a number of days.")}) from None
    if _text(entry.get("description")):
        fields["description"] = _text(entry.get("description"))
    form = ReportForm.objects.filter(code__iexact=code).first()
    if form is None:
        if owner_unit is None:
            raise ValidationError({"owner_unit": _("Choose the unit that designs the forms created.")})
        if user is not None and not permissions.can_create_form(user, owner_unit):
            raise ValidationError({"owner_unit": _("You may not design forms for this unit.")})
        form = services.form_create(actor=actor, owner_unit=owner_unit, code=code, **fields)
        report.created += 1
    else:
        if user is not None and not permissions.can_design_form(user, form):
            raise ValidationError({"code": _("You may not change this form.")})
        services.form_update(actor=actor, form=form, **fields)
        report.updated += 1
    _set_form_fields(form, indicators, actor=actor)


def _set_form_fields(form: ReportForm, indicators: list[Indicator], *, actor: Any) -> None:
    """Make the form carry exactly these indicators: add the missing ones (in a first section), take
    off the others (field_remove refuses one a rule uses, which fails the entry)."""
    current = {f.indicator_id: f for f in FormField.objects.filter(section__form=form).select_related("indicator")}
    wanted = {i.pk for i in indicators}
    for indicator_id, form_field in current.items():
        if indicator_id not in wanted:
            services.field_remove(actor=actor, field=form_field)
    missing = [i for i in indicators if i.pk not in current]
    if not missing:
        return
    section = form.sections.order_by("order", "pk").first() or services.section_add(
        actor=actor, form=form, title=form.name
    )
    order = max((f.order for f in current.values() if f.section_id == section.pk), default=-1) + 1
    for offset, indicator in enumerate(missing):
        services.field_add(actor=actor, section=section, indicator=indicator, order=order + offset)


def export_metadata(*, forms: Iterable[ReportForm] | None = None) -> dict[str, Any]:
    """Return DHIS2 metadata for the forms (all active ones when None) and the indicators they carry."""
    form_list = list(forms) if forms is not None else list(ReportForm.objects.filter(is_active=True))
    fields_by_form: dict[int, list[Indicator]] = {}
    for form_field in (
        FormField.objects.filter(section__form__in=form_list)
        .select_related("indicator", "section")
        .order_by("section__order", "section_id", "order", "pk")
    ):
        fields_by_form.setdefault(form_field.section.form_id, []).append(form_field.indicator)
    indicators: dict[int, Indicator] = {}
    for carried in fields_by_form.values():
        for indicator in carried:
            indicators.setdefault(indicator.pk, indicator)
    option_sets, combos, elements = [], [], []
    for indicator in sorted(indicators.values(), key=lambda i: i.code):
        element: dict[str, Any] = {
            "code": indicator.code,
            "name": indicator.name,
            "shortName": indicator.short_name or indicator.name[:50],
            "valueType": VALUE_TYPES_OUT[ValueType(indicator.value_type)],
            "aggregationType": _aggregation_name(indicator),
            "domainType": "AGGREGATE",
        }
        if indicator.description:
            element["description"] = indicator.description
        if indicator.value_type == ValueType.OPTION:
            option_sets.append({"code": indicator.code, "name": indicator.name, "options": indicator.options})
            element["optionSet"] = {"code": indicator.code}
        if indicator.disaggregation:
            combos.append(
                {"code": indicator.code, "name": indicator.name, "categoryOptionCombos": indicator.disaggregation}
            )
            element["categoryCombo"] = {"code": indicator.code}
        else:
            element["categoryCombo"] = {"code": DEFAULT_COMBO}
        elements.append(element)
    data_sets = []
    for form in form_list:
        assigned = selectors.assigned_units(form=form).filter(valid_to__isnull=True).order_by("path")
        data_sets.append(
            {
                "code": form.code,
                "name": form.name,
                "periodType": PERIOD_TYPES_OUT[PeriodType(form.period_type)],
                "timelyDays": timely_days_from_working_days(form.deadline_working_days),
                "dataSetElements": [{"dataElement": {"code": i.code}} for i in fields_by_form.get(form.pk, [])],
                "organisationUnits": [{"code": c} for c in assigned.values_list("code", flat=True)],
            }
        )
    document: dict[str, Any] = {"dataElements": elements, "dataSets": data_sets}
    if option_sets:
        document["optionSets"] = option_sets
    if combos:
        document["categoryCombos"] = combos
    return document


def _aggregation_name(indicator: Indicator) -> str:
    pair = (Aggregation(indicator.aggregation), Aggregation(indicator.period_aggregation))
    return AGGREGATIONS_OUT.get(pair) or AGGREGATIONS_OUT[(pair[0], pair[0])]


def read_metadata(data: bytes | str) -> dict[str, Any]:
    try:
        payload = json.loads(data)
    except (ValueError, UnicodeDecodeError) as exc:
        raise ImportFileError(_("The file is not valid JSON: %(error)s") % {"error": exc}) from exc
    if not isinstance(payload, dict):
        raise ImportFileError(_("The file is not a DHIS2 metadata JSON object."))
    return payload


# Progress seen from elsewhere --------------------------------------------------------------------


def progress_writer(job_id: int) -> Progress:
    """A progress callback that stores (phase, done, total) on the ImportJob where others can read it.

    The import writes inside one transaction, whose changes nobody sees before it ends, so the
    progress goes through a second connection of its own. SQLite lets one writer at a time:
    while the import's transaction holds the lock, progress is not stored (it shows when the
    transaction ends).
    """
    from phoihop.reporting.models import ImportJob

    state = {"connection": None, "last": -1.0}

    def write(phase: str, done: int, total: int) -> None:
        now = timezone.now().timestamp()
        if done < total and now - state["last"] < 0.5:
            return
        state["last"] = now
        main = connections["default"]
        if main.vendor == "sqlite":
            if main.in_atomic_block:
                return
            ImportJob.objects.filter(pk=job_id).update(progress_phase=phase, progress_done=done, progress_total=total)
            return
        if state["connection"] is None:
            state["connection"] = connections.create_connection("default")
        table = ImportJob._meta.db_table
        with state["connection"].cursor() as cursor:
            cursor.execute(
                f"UPDATE {table} SET progress_phase = %s, progress_done = %s, progress_total = %s WHERE id = %s",  # noqa: S608 - the model's table name
                [phase, done, total, job_id],
            )

    def close() -> None:
        if state["connection"] is not None:
            state["connection"].close()

    write.close = close  # type: ignore[attr-defined]  # the job runner closes the side connection
    return write


# Imports from the web, as background jobs -------------------------------------------------------


def import_job_create(
    *, actor: Any, file: Any, kind: str, skip_invalid: bool = False, owner_unit: Unit | None = None
) -> Any:
    """Store an uploaded file as an import job and queue it; the job runs once the transaction commits."""
    from phoihop.reporting.models import ImportJob

    name = getattr(file, "name", "") or ""
    if kind not in ImportJob.Kind.values:
        raise ValidationError({"kind": _("Choose what the file holds.")})
    allowed = (".json", ".csv") if kind == ImportJob.Kind.VALUES else (".json",)
    if not name.lower().endswith(allowed):
        raise ValidationError(
            {"file": _("Choose a %(extensions)s file.") % {"extensions": " / ".join(e.lstrip(".") for e in allowed)}}
        )
    job = ImportJob(
        kind=kind,
        file_name=name.rsplit("/", 1)[-1][:255],
        skip_invalid=bool(skip_invalid),
        owner_unit=owner_unit,
        created_by=actor,
    )
    job.file.save(job.file_name, file, save=False)
    job.save()
    audit_record(
        actor=actor,
        verb="reporting.import_queued",
        target=job,
        unit=owner_unit,
        changes={"kind": [None, kind], "file": [None, job.file_name], "skip_invalid": [None, job.skip_invalid]},
    )
    transaction.on_commit(lambda: run_import_job.enqueue(job.pk))
    return job


def import_job_run(*, job_id: int) -> Any:
    """Run a queued import: read its file, import it with its author's scope, store the report."""
    from phoihop.reporting.models import ImportJob

    job = ImportJob.objects.select_related("created_by", "owner_unit").get(pk=job_id)
    if job.status != ImportJob.Status.QUEUED:
        return job  # a job is run once, even when a worker picks it up twice
    job.status = ImportJob.Status.RUNNING
    job.started_at = timezone.now()
    job.save(update_fields=["status", "started_at", "updated_at"])
    progress = progress_writer(job.pk)
    # The report's messages are stored as text: write them in the author's language.
    language = translation.override(getattr(job.created_by, "language", None) or settings.LANGUAGE_CODE)
    try:
        language.__enter__()
        with job.file.open("rb") as handle:
            data = handle.read()
        if job.kind == ImportJob.Kind.METADATA:
            report = import_metadata(
                read_metadata(data), actor=job.created_by, owner_unit=job.owner_unit, user=job.created_by
            )
        else:
            report = import_values(
                read_value_set(data, name=job.file_name),
                actor=job.created_by,
                user=job.created_by,
                skip_invalid=job.skip_invalid,
                source=job.file_name,
                progress=progress,
            )
        job.report = report.as_dict()
        job.status = ImportJob.Status.DONE if report.committed else ImportJob.Status.REFUSED
    except ImportFileError as exc:
        job.report = ImportReport(kind=job.kind, errors=[RowError(0, "", str(exc))]).as_dict()
        job.status = ImportJob.Status.REFUSED
    except Exception as exc:
        # Anything unexpected still ends the job, so the page stops waiting; the worker logs it.
        job.report = ImportReport(kind=job.kind, errors=[RowError(0, "", repr(exc))]).as_dict()
        job.status = ImportJob.Status.FAILED
        raise
    finally:
        language.__exit__(None, None, None)
        progress.close()  # type: ignore[attr-defined]
        job.finished_at = timezone.now()
        job.save(update_fields=["status", "report", "finished_at", "updated_at"])
    return job


@task()
def run_import_job(job_id: int) -> str:
    """The background job (django-tasks) behind an import from the web."""
    return import_job_run(job_id=job_id).status
