"""`phoihop bench reporting`: time the engine against hand-written SQL on the configured database.

Run it after `phoihop generate --scale …`. It times:

(a) the roll-up of one indicator (GEN_01, a sum) over the whole tree for the last full year,
    through `selectors.rollup` (the figure alone, `detail=False`; with contributors and missing
    too as (a+));
(b) completeness and timeliness of the quarterly form over the whole tree for its last quarter,
    through `selectors.reporting_rates` (counts and the missing units);
(c) the same two answered by one hand-written SQL query each, written for this data's shape;
(d) importing values from a dataValueSets JSON file it writes first (1,000,000 by default), for
    months after the generated ones, through `interchange.import_values`; they are deleted
    again afterwards so the database is left as it was.

It prints each median (of --runs runs for a-c), the ratios (a)/(c) and (b)/(c), and checks that
both ways give the same answer. No thresholds are asserted: it measures.
"""

from __future__ import annotations

import importlib
import json
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection
from django.test.utils import CaptureQueriesContext

from phoihop.calendar.periods import Period, parse_period
from phoihop.orgs.models import Unit
from phoihop.reporting import interchange, selectors
from phoihop.reporting.management.commands._progress import ProgressBar
from phoihop.reporting.management.commands.generate import MONTHLY_CODE, QUARTERLY_CODE
from phoihop.reporting.models import DataValue, FormField, Indicator, ReportForm, Submission

COUNTED = tuple(str(s) for s in selectors.COUNTED_STATUSES)


def _median_ms(function: Callable[[], Any], runs: int) -> tuple[float, Any]:
    """Run once to warm the caches, then `runs` times; return the median in ms and the last answer."""
    answer = function()
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        answer = function()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times), answer


class Command(BaseCommand):
    help = "Time the reporting engine (roll-up, completeness, a big import) against hand-written SQL."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("suite", choices=("reporting", "insights"))
        # `bench insights` (the dashboard; insights/bench.py, imported by name: insights sits above reporting).
        parser.add_argument("--requests", type=int, default=50, help="insights: requests per page (default 50)")
        parser.add_argument("--period", default="", help="insights: the period shown (default: last year)")
        parser.add_argument("--runs", type=int, default=5, help="runs of (a)-(c), after one warm-up (default 5)")
        parser.add_argument("--import-values", type=int, default=1_000_000, help="values in (d); 0 skips it")
        parser.add_argument("--explain", action="store_true", help="print EXPLAIN ANALYZE of the engine's queries")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["suite"] == "insights":
            bench = importlib.import_module("phoihop.insights.bench")
            try:
                bench.run(requests=max(1, options["requests"]), period=options["period"], say=self.say)
            except RuntimeError as exc:
                raise CommandError(str(exc)) from exc
            return
        monthly = ReportForm.objects.filter(code=MONTHLY_CODE).first()
        quarterly = ReportForm.objects.filter(code=QUARTERLY_CODE).first()
        if monthly is None or quarterly is None:
            raise CommandError("no synthetic data here: run `phoihop generate --scale test|province|nation` first")
        runs = max(1, options["runs"])
        indicator = Indicator.objects.get(code="GEN_01")
        last_month = Submission.objects.filter(form=monthly).order_by("-period_end").values_list("period_id", flat=True)
        month = parse_period(last_month[0])
        year = str(month.year if month.number == 12 else month.year - 1)
        last_quarter = (
            Submission.objects.filter(form=quarterly).order_by("-period_end").values_list("period_id", flat=True)
        )
        quarter = parse_period(last_quarter[0])
        some = Submission.objects.filter(form=monthly).select_related("unit").first()
        root = Unit.objects.get(path=some.unit.path[: Unit.steplen])
        self.say(
            f"database: {connection.vendor} {connection.Database.__name__} ({connection.settings_dict['NAME']}); "
            f"units {Unit.objects.count():,}; reports {Submission.objects.count():,}; "
            f"values {DataValue.objects.count():,}"
        )
        self.say(f"tree: {root.code} {root.name}; year {year}; quarter {quarter.id}; runs {runs} after a warm-up")

        a_ms, a_value = _median_ms(
            lambda: selectors.rollup(indicator=indicator, period_id=year, unit=root, detail=False).value, runs
        )
        a_full_ms, _full = _median_ms(lambda: selectors.rollup(indicator=indicator, period_id=year, unit=root), runs)
        b_ms, rates = _median_ms(lambda: selectors.reporting_rates(form=quarterly, period_id=quarter, unit=root), runs)
        c1_ms, c1_value = _median_ms(lambda: hand_rollup(indicator, parse_period(year), root), runs)
        c2_ms, c2_rates = _median_ms(lambda: hand_rates(quarterly, quarter, root), runs)

        self.say(f"(a)  rollup {indicator.code} {year} over {root.code} (engine, figure only): median {a_ms:.1f} ms")
        self.say(f"(a+) rollup with contributors and missing units (engine, detail): median {a_full_ms:.1f} ms")
        self.say(f"(b)  reporting_rates {quarterly.code} {quarter.id} over {root.code} (engine): median {b_ms:.1f} ms")
        self.say(f"(c1) rollup by hand-written SQL: median {c1_ms:.1f} ms")
        self.say(f"(c2) rates by hand-written SQL: median {c2_ms:.1f} ms")
        self.say(f"ratio (a)/(c1) = {a_ms / c1_ms:.2f}")
        self.say(f"ratio (b)/(c2) = {b_ms / c2_ms:.2f}")
        engine_counts = (rates.expected, rates.submitted, rates.on_time, len(rates.missing))
        self.say(
            f"same answers: rollup {a_value} vs {c1_value} -> {a_value == c1_value}; "
            f"rates (expected, submitted, on time, missing) {engine_counts} vs {c2_rates} "
            f"-> {engine_counts == c2_rates}"
        )
        if options["explain"]:
            self._explain(indicator, year, quarterly, quarter, root)
        if options["import_values"] > 0:
            self._bench_import(monthly, options["import_values"])

    def say(self, text: str) -> None:
        self.stdout.write(text)

    def _explain(self, indicator: Indicator, year: str, form: ReportForm, quarter: Period, root: Unit) -> None:
        with CaptureQueriesContext(connection) as captured:
            selectors.rollup(indicator=indicator, period_id=year, unit=root, detail=False)
            selectors.reporting_rates(form=form, period_id=quarter, unit=root)
        prefix = "EXPLAIN ANALYZE " if connection.vendor == "postgresql" else "EXPLAIN QUERY PLAN "
        for query in captured.captured_queries:
            if not query["sql"].lstrip().upper().startswith("SELECT"):
                continue
            self.say(f"-- {query['time']}s: {query['sql'][:300]}")
            with connection.cursor() as cursor:
                cursor.execute(prefix + query["sql"])
                for line in cursor.fetchall():
                    self.say("   " + " ".join(str(c) for c in line))

    def _bench_import(self, form: ReportForm, wanted: int) -> None:
        """(d): write a dataValueSets file of `wanted` values for months nobody reported yet, import it, undo it."""
        indicator_codes = list(
            FormField.objects.filter(section__form=form).order_by("order").values_list("indicator__code", flat=True)
        )
        last = Submission.objects.filter(form=form).order_by("-period_end").values_list("period_id", flat=True)[0]
        period = parse_period(last).next()
        rows: list[dict[str, str]] = []
        months: list[str] = []
        number = 0
        while len(rows) < wanted:
            codes = list(
                selectors.expected_units(form=form, period=period).order_by("path").values_list("code", flat=True)
            )
            if not codes:
                raise CommandError(f"no unit reports {form.code} for {period.id}")
            months.append(period.id)
            for code in codes:
                for element in indicator_codes:
                    number += 1
                    value = str(number % 97) if not element.startswith("GEN_2") else str(number % 100)
                    rows.append({"dataElement": element, "period": period.id, "orgUnit": code, "value": value})
                    if len(rows) == wanted:
                        break
                if len(rows) == wanted:
                    break
            period = period.next()
        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / "bench.json"
            path.write_text(json.dumps({"dataSet": form.code, "dataValues": rows}), encoding="utf-8")
            size = path.stat().st_size
            del rows
            bar = ProgressBar(self.stderr)
            started = time.perf_counter()
            value_set = interchange.read_value_set(path.read_bytes(), name=path.name)
            read_s = time.perf_counter() - started
            report = interchange.import_values(value_set, actor="phoihop bench", source=path.name, progress=bar)
            total_s = time.perf_counter() - started
            bar.close()
        if not report.committed:
            raise CommandError(f"the benchmark's own file was refused: {report.errors[:3]}")
        self.say(
            f"(d)  import {report.written:,} values ({size / 1e6:.0f} MB dataValueSets JSON, months "
            f"{months[0]}-{months[-1]}): {total_s:.1f} s (reading the file {read_s:.1f} s)"
        )
        deleted = DataValue.objects.filter(
            period_id__in=months, submission__isnull=True, indicator__code__in=indicator_codes
        ).delete()[0]
        self.say(f"     removed the {deleted:,} imported values again")


def _table(model: Any) -> str:
    return model._meta.db_table


def hand_rollup(indicator: Indicator, period: Period, unit: Unit) -> Any:
    """The roll-up of a summed indicator as one SQL statement, written by hand."""
    value, unit_table, submission = _table(DataValue), _table(Unit), _table(Submission)
    marks = ", ".join(["%s"] * len(COUNTED))
    sql = f"""
        SELECT SUM(v.value_number)
        FROM {value} v
        JOIN {unit_table} u ON u.id = v.unit_id
        LEFT JOIN {submission} s ON s.id = v.submission_id
        WHERE v.indicator_id = %s AND v.period_start >= %s AND v.period_end <= %s
          AND v.value_number IS NOT NULL AND u.path LIKE %s
          AND (v.submission_id IS NULL OR s.status IN ({marks}))
    """  # noqa: S608 - table names from the models, values as parameters
    with connection.cursor() as cursor:
        cursor.execute(sql, [indicator.pk, period.start, period.end, unit.path + "%", *COUNTED])
        return selectors.number(cursor.fetchone()[0])


def hand_rates(form: ReportForm, period: Period, unit: Unit) -> tuple[int, int, int, int]:
    """Expected, submitted, on time and missing for a form assigned to committees of communes, in one statement.

    Written for the synthetic data's shape: a reporting body sits right under its commune, so the
    nearest territory is its parent; its ancestors are found by the prefixes of its path.
    """
    unit_table, submission = _table(Unit), _table(Submission)
    depth = Unit.objects.order_by("-depth").values_list("depth", flat=True).first() or 1
    prefixes = ", ".join(f"SUBSTR(u.path, 1, {k * Unit.steplen})" for k in range(1, depth))
    kinds = list(form.assigned_unit_kinds)
    marks = ", ".join(["%s"] * len(COUNTED))
    kind_marks = ", ".join(["%s"] * len(kinds))
    sql = f"""
        SELECT u.id,
               CASE WHEN s.status IN ({marks}) THEN 1 ELSE 0 END,
               CASE WHEN s.status IN ({marks}) AND s.submitted_on <= s.deadline THEN 1 ELSE 0 END
        FROM {unit_table} u
        JOIN {unit_table} p ON p.path = SUBSTR(u.path, 1, LENGTH(u.path) - {Unit.steplen})
        LEFT JOIN {submission} s ON s.form_id = %s AND s.unit_id = u.id AND s.period_id = %s
        WHERE u.path LIKE %s AND u.kind IN ({kind_marks}) AND p.kind = %s
          AND (u.valid_from IS NULL OR u.valid_from <= %s) AND (u.valid_to IS NULL OR u.valid_to >= %s)
          AND NOT EXISTS (
              SELECT 1 FROM {unit_table} a
              WHERE a.path IN ({prefixes}) AND a.path <> u.path
                AND ((a.valid_from IS NOT NULL AND a.valid_from > %s) OR (a.valid_to IS NOT NULL AND a.valid_to < %s))
          )
        ORDER BY u.path
    """  # noqa: S608 - table names from the models, values as parameters
    params = [
        *COUNTED,
        *COUNTED,
        form.pk,
        period.id,
        unit.path + "%",
        *kinds,
        str(Unit.Kind.COMMUNE),
        period.end,
        period.start,
        period.end,
        period.start,
    ]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    submitted = sum(r[1] for r in rows)
    return len(rows), submitted, sum(r[2] for r in rows), len(rows) - submitted
