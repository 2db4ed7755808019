"""`phoihop generate --scale test|province|nation`: synthetic report data for the benchmark (issue 4).

- province: Quảng Ninh (the demo's tree, built when missing), three years of a monthly form of
  30 indicators reported by every commune's People's Committee and Front committee: the 171
  communes of before the 2025 reform until 30/06/2025 (their two committees are added, closed
  then), the 54 new ones from 01/07/2025.
- nation: a root "VN" over the 34 provinces and their 3,321 communes after 01/07/2025
  (`vietnam-provinces`), each commune with a People's Committee and a Front committee, the same
  form over five years: 6,642 units × 60 months × 30 indicators ≈ 12 million values.
- test: the nation's shape at toy size (2 provinces × 3 communes, one year), for the tests.

Each scale also has a quarterly form of 3 indicators for the same units (the benchmark's
completeness is asked of a quarter). About 90 % of reports arrive on time, 6 % late, 4 % never,
decided by a seeded random generator so two runs give the same data.

Speed over ceremony, as this is synthetic data for measuring: indicators and forms go through
the services, but units (nation and test), reports and values are written in bulk — values by
COPY on PostgreSQL and batched INSERTs on SQLite — one province per transaction, and one audit
event records the whole generation.
"""

from __future__ import annotations

import datetime as dt
import io
import random
import time
from collections.abc import Iterable, Iterator
from decimal import Decimal
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection, transaction
from django.utils import timezone

from phoihop.calendar.periods import Period, PeriodType, make_period, period_containing, submission_deadline
from phoihop.core.audit import audit_record
from phoihop.orgs import services as org_services
from phoihop.orgs.models import Unit
from phoihop.reporting import services
from phoihop.reporting.management.commands._progress import ProgressBar
from phoihop.reporting.models import Aggregation, DataValue, Indicator, ReportForm, Submission, ValueType

K = Unit.Kind
S = Submission.Status
MONTHLY_CODE = "GEN-THANG"
QUARTERLY_CODE = "GEN-QUY"
ROOT_CODE = "VN"
DEADLINE_WORKING_DAYS = 5
# Of the reports owed: on time, late, never (the rest).
ON_TIME, LATE = 0.90, 0.06
BODIES = (("UBND", "Ủy ban nhân dân", K.PEOPLE_COMMITTEE), ("MTTQ", "Ủy ban MTTQ Việt Nam", K.FRONT_COMMITTEE))


def indicator_specs() -> list[tuple[str, str, str, str]]:
    """(code, name, value type, aggregation) of the monthly form's 30 indicators and the quarterly 3."""
    specs = []
    for n in range(1, 31):
        if n <= 24:
            specs.append((f"GEN_{n:02d}", f"Chỉ tiêu tổng hợp {n}", ValueType.INTEGER, "sum"))
        elif n <= 27:
            specs.append((f"GEN_{n:02d}", f"Tỷ lệ {n}", ValueType.PERCENT, "average"))
        else:
            specs.append((f"GEN_{n:02d}", f"Số lượng hiện có {n}", ValueType.INTEGER, "last"))
    return specs


QUARTERLY_SPECS = [(f"GENQ_{n}", f"Kết quả phối hợp quý {n}", ValueType.INTEGER, "sum") for n in range(1, 4)]


class Command(BaseCommand):
    help = (
        "Generate synthetic report data in the current database for `phoihop bench reporting`: "
        "--scale province (Quảng Ninh, 3 years), nation (34 provinces, 3,321 communes, 5 years, ~12 million "
        "values) or test (toy size)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--scale", choices=("test", "province", "nation"), required=True)
        parser.add_argument("--seed", type=int, default=2026)
        parser.add_argument("--provinces", type=int, default=None, help="nation: only the first N provinces")

    def handle(self, *args: Any, **options: Any) -> None:
        if ReportForm.objects.filter(code=MONTHLY_CODE).exists():
            raise CommandError(f"synthetic data is already here (form {MONTHLY_CODE}); use a fresh database")
        self.random = random.Random(options["seed"])
        self.bar = ProgressBar(self.stderr)
        self.started = time.monotonic()
        scale = options["scale"]
        if scale == "province":
            groups, periods = self._province_units(), self._months(2024, 2026)
        else:
            if Unit.objects.filter(code=ROOT_CODE, valid_to__isnull=True).exists():
                raise CommandError(f"a unit {ROOT_CODE} exists already; use a fresh database")
            limit = options["provinces"]
            groups = self._nation_units(test=scale == "test", limit=limit)
            periods = self._months(2025, 2025) if scale == "test" else self._months(2021, 2025)
        self.say(f"units: {sum(len(units) for units in groups.values()):,} reporting units in {len(groups)} groups")
        monthly, quarterly = self._forms()
        counts = {"submissions": 0, "values": 0}
        quarters = sorted({period_containing(p.end, PeriodType.QUARTERLY) for p in periods}, key=lambda p: p.start)
        quarters = [q for q in quarters if q.end <= periods[-1].end]
        total = sum(len(units) for units in groups.values())
        done = 0
        fast = _skip_row_triggers_possible()
        for units in groups.values():
            with transaction.atomic():
                if fast:
                    # The rows are consistent by construction; PostgreSQL's per-row foreign-key
                    # checks at COMMIT were most of the time (half a minute per province).
                    with connection.cursor() as cursor:
                        cursor.execute("SET LOCAL session_replication_role = replica")
                for form, form_periods in ((monthly, periods), (quarterly, quarters)):
                    written = self._reports(form, units, form_periods)
                    counts["submissions"] += written[0]
                    counts["values"] += written[1]
            done += len(units)
            self.bar("writing", done, total)
        self.bar.close()
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE")
        audit_record(
            actor="phoihop generate",
            verb="reporting.synthetic_generated",
            target=monthly,
            changes={"scale": [None, scale], **{k: [None, v] for k, v in counts.items()}},
        )
        self.say(
            f"generated {counts['submissions']:,} reports and {counts['values']:,} values "
            f"({periods[0].id}-{periods[-1].id}) in {time.monotonic() - self.started:.1f}s"
        )

    def say(self, text: str) -> None:
        self.stdout.write(text)

    # Periods and units -------------------------------------------------------------------------

    def _months(self, first_year: int, last_year: int) -> list[Period]:
        """Monthly periods of those years whose deadline has passed."""
        today = timezone.localdate()
        months = []
        for year in range(first_year, last_year + 1):
            for number in range(1, 13):
                period = make_period(PeriodType.MONTHLY, year, number)
                if period.end + dt.timedelta(days=10) < today:
                    months.append(period)
        return months

    def _province_units(self) -> dict[str, list[Unit]]:
        """Quảng Ninh's committees of communes, old (closed 30/06/2025) and new, in one group."""
        from phoihop.demo import quang_ninh

        quang_ninh.load_structure()
        old_communes = Unit.objects.filter(
            province_code=quang_ninh.PROVINCE_CODE, kind=K.COMMUNE, valid_to__isnull=False
        ).order_by("path")
        for commune in old_communes:
            if commune.numchild:
                continue
            for abbreviation, title, kind in BODIES:
                org_services.unit_create(
                    actor=None,
                    parent=commune,
                    code=f"{commune.code}-{abbreviation}",
                    name=f"{title} {commune.name}",
                    short_name=abbreviation,
                    kind=kind,
                    valid_to=commune.valid_to,
                    audit=False,
                )
                commune.refresh_from_db()
        units = list(
            Unit.objects.filter(
                province_code=quang_ninh.PROVINCE_CODE, kind__in=[k for _a, _t, k in BODIES], depth__gte=3
            ).order_by("path")
        )
        return {quang_ninh.PROVINCE_CODE: [u for u in units if u.territory().kind == K.COMMUNE]}

    def _nation_units(self, *, test: bool, limit: int | None) -> dict[str, list[Unit]]:
        """The root VN, its provinces and communes with their two committees, in bulk (materialised paths)."""
        import vietnam_provinces as vp

        root = org_services.unit_create(
            actor=None, parent=None, code=ROOT_CODE, name="Cả nước (dữ liệu tổng hợp)", kind=K.OTHER, audit=False
        )
        if test:
            provinces = [
                ("91", "Tỉnh Thử Nghiệm Một", ["91001", "91002", "91003"]),
                ("92", "Tỉnh Thử Nghiệm Hai", ["92001", "92002", "92003"]),
            ]
            names = {}
        else:
            wards: dict[int, list[Any]] = {}
            for ward in vp.Ward.iter_all():
                wards.setdefault(ward.province_code.value, []).append(ward)
            provinces = []
            names = {}
            for province in sorted(vp.Province.iter_all(), key=lambda p: p.code.value)[:limit]:
                codes = []
                for ward in sorted(wards.get(province.code.value, []), key=lambda w: w.code.value):
                    code = f"{ward.code.value:05d}"
                    codes.append(code)
                    names[code] = ward.name
                provinces.append((f"{province.code.value:02d}", province.name, codes))
        groups: dict[str, list[Unit]] = {}
        province_units = _bulk_children(
            root,
            [{"code": code, "name": name, "kind": K.PROVINCE, "province_code": code} for code, name, _c in provinces],
        )
        for province, (code, _name, commune_codes) in zip(province_units, provinces, strict=True):
            communes = _bulk_children(
                province,
                [
                    {"code": c, "name": names.get(c, f"Xã {c}"), "kind": K.COMMUNE, "province_code": code}
                    for c in commune_codes
                ],
            )
            bodies = []
            for commune in communes:
                bodies += _bulk_children(
                    commune,
                    [
                        {
                            "code": f"{commune.code}-{abbreviation}",
                            "name": f"{title} {commune.name}",
                            "short_name": abbreviation,
                            "kind": kind,
                            "province_code": code,
                        }
                        for abbreviation, title, kind in BODIES
                    ],
                    save_parent=False,
                )
            Unit.objects.filter(pk__in=[c.pk for c in communes]).update(numchild=len(BODIES))
            groups[code] = bodies
            self.bar("units", len(groups), len(provinces))
        self.bar.close()
        return groups

    # Forms, reports and values -----------------------------------------------------------------

    def _forms(self) -> tuple[ReportForm, ReportForm]:
        owner = Unit.objects.filter(depth=1).order_by("path").first()
        made = {}
        for code, name, value_type, aggregation in indicator_specs() + QUARTERLY_SPECS:
            over_periods = {"last": Aggregation.LAST, "average": Aggregation.AVERAGE}.get(aggregation, Aggregation.SUM)
            made[code] = services.indicator_create(
                actor=None,
                code=code,
                name=name,
                value_type=value_type,
                aggregation=Aggregation.AVERAGE if aggregation == "average" else Aggregation.SUM,
                period_aggregation=over_periods,
            )
        forms = []
        for code, name, period_type, specs in (
            (MONTHLY_CODE, "Báo cáo tháng (dữ liệu tổng hợp)", PeriodType.MONTHLY, indicator_specs()),
            (QUARTERLY_CODE, "Báo cáo quý (dữ liệu tổng hợp)", PeriodType.QUARTERLY, QUARTERLY_SPECS),
        ):
            form = services.form_create(
                actor=None,
                owner_unit=owner,
                code=code,
                name=name,
                period_type=period_type,
                deadline_working_days=DEADLINE_WORKING_DAYS,
                assigned_unit_kinds=[k for _a, _t, k in BODIES],
                assigned_territory_kinds=[K.COMMUNE],
                approval_required=False,
            )
            section = services.section_add(actor=None, form=form, title=name)
            for order, spec in enumerate(specs):
                services.field_add(actor=None, section=section, indicator=made[spec[0]], order=order)
            forms.append(form)
        return forms[0], forms[1]

    def _reports(self, form: ReportForm, units: list[Unit], periods: list[Period]) -> tuple[int, int]:
        """Write the units' reports on the form and their values; return (reports, values)."""
        indicators = list(Indicator.objects.filter(form_fields__section__form=form).order_by("code"))
        deadlines: dict[tuple[str, str], dt.date] = {}
        submissions = []
        for unit in units:
            for period in periods:
                if not _open_during(unit, period):
                    continue
                draw = self.random.random()
                if draw >= ON_TIME + LATE:
                    continue  # never reported
                key = (period.id, unit.province_code)
                if key not in deadlines:
                    deadlines[key] = submission_deadline(
                        period, DEADLINE_WORKING_DAYS, province_code=unit.province_code
                    )
                deadline = deadlines[key]
                late = draw >= ON_TIME
                if late:
                    on = deadline + dt.timedelta(days=self.random.randint(1, 20))
                else:
                    on = min(period.end + dt.timedelta(days=self.random.randint(1, 7)), deadline)
                submissions.append(
                    Submission(
                        form=form,
                        unit=unit,
                        period_id=period.id,
                        period_start=period.start,
                        period_end=period.end,
                        deadline=deadline,
                        status=S.SUBMITTED,
                        submitted_on=on,
                        is_late=late,
                        province_code=unit.province_code,
                    )
                )
        Submission.objects.bulk_create(submissions, batch_size=2000)
        rows = self._value_rows(submissions, indicators)
        return len(submissions), _copy_values(rows)

    def _value_rows(self, submissions: list[Submission], indicators: list[Indicator]) -> Iterator[tuple[Any, ...]]:
        now = timezone.now().isoformat()
        rand = self.random
        for s in submissions:
            start, end = s.period_start.isoformat(), s.period_end.isoformat()
            for indicator in indicators:
                if indicator.value_type == ValueType.PERCENT:
                    value = Decimal(rand.randint(0, 1000)) / 10
                elif indicator.period_aggregation == Aggregation.LAST:
                    value = rand.randint(1000, 5000)
                else:
                    value = rand.randint(0, 500)
                yield (indicator.pk, s.unit_id, s.period_id, start, end, "", value, "", s.pk, now, s.province_code)


def _skip_row_triggers_possible() -> bool:
    """Only a PostgreSQL superuser may switch the foreign-key triggers off for its own transaction."""
    if connection.vendor != "postgresql":
        return False
    with connection.cursor() as cursor:
        cursor.execute("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")
        row = cursor.fetchone()
    return bool(row and row[0])


def _open_during(unit: Unit, period: Period) -> bool:
    return (unit.valid_from is None or unit.valid_from <= period.end) and (
        unit.valid_to is None or unit.valid_to >= period.start
    )


def _bulk_children(parent: Unit, specs: list[dict[str, Any]], *, save_parent: bool = True) -> list[Unit]:
    """Create children of `parent` in one INSERT with the materialised paths treebeard would give them.

    The parent must have no children yet (a fresh synthetic tree); its numchild is set here, or
    by the caller in one UPDATE for many parents (`save_parent=False`).
    """
    units = [
        Unit(
            path=Unit._get_path(parent.path, parent.depth + 1, n),
            depth=parent.depth + 1,
            numchild=0,
            **spec,
        )
        for n, spec in enumerate(specs, start=1)
    ]
    created = Unit.objects.bulk_create(units, batch_size=1000)
    if save_parent:
        Unit.objects.filter(pk=parent.pk).update(numchild=len(created))
    return created


COLUMNS = (
    "indicator_id",
    "unit_id",
    "period_id",
    "period_start",
    "period_end",
    "category",
    "value_number",
    "value_text",
    "submission_id",
    "updated_at",
    "province_code",
)


def _copy_values(rows: Iterable[tuple[Any, ...]]) -> int:
    """Write value rows fast: COPY on PostgreSQL, executemany of one INSERT on SQLite."""
    table = DataValue._meta.db_table
    count = 0
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            raw = cursor.cursor  # psycopg's own cursor, which speaks COPY
            with raw.copy(f"COPY {table} ({', '.join(COLUMNS)}) FROM STDIN") as copy:
                buffer = io.StringIO()
                for row in rows:
                    buffer.write("\t".join(str(v) for v in row))
                    buffer.write("\n")
                    count += 1
                    if count % 50000 == 0:
                        copy.write(buffer.getvalue())
                        buffer = io.StringIO()
                copy.write(buffer.getvalue())
        return count
    sql = f"INSERT INTO {table} ({', '.join(COLUMNS)}) VALUES ({', '.join(['%s'] * len(COLUMNS))})"  # noqa: S608 - fixed names
    batch: list[tuple[Any, ...]] = []
    with connection.cursor() as cursor:
        for row in rows:
            batch.append(tuple(str(v) if isinstance(v, Decimal) else v for v in row))
            if len(batch) == 20000:
                cursor.executemany(sql, batch)
                count += len(batch)
                batch = []
        if batch:
            cursor.executemany(sql, batch)
            count += len(batch)
    return count
