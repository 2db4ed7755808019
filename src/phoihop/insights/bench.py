"""`phoihop bench insights`: the dashboard for the whole nation and for one province, through the test client.

Run after `phoihop generate --scale test|province|nation` (reporting's generator: units and
reports). The first run adds, at the same scale and once (the extra step of issue 7 "Speed"):

- per commune, an agreement between its People's Committee and its Front committee (parent: one
  agreement per province), with a quarterly duty owed by the committee and a six-monthly one
  owed by the Front, and their dated occurrences over the generated years (≈ 80 % done on
  time, 10 % late, the rest open);
- per commune committee, four tasks a year (lead unit), same mix;
- per commune Front, one supervision a year of its committee with two recommendations, answered
  on time, late or not at all.

Rows are written in bulk (the records are consistent by construction; one audit event records
the generation), like reporting's generator. Then it measures the dashboard page (`/insights/`)
for a system administrator (the whole tree) and for a leader of one province, each `--requests`
times after a warm-up, and prints the median and the 95th percentile; and the review report DOCX
of the province's agreement for a year when the report builder is there. No thresholds are
asserted: it measures.
"""

from __future__ import annotations

import datetime as dt
import random
import statistics
import time
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.test import Client
from django.test.utils import override_settings
from django.utils import timezone

from phoihop.agreements.models import Agreement, AgreementParty, Area, Obligation, Occurrence
from phoihop.core.audit import audit_record
from phoihop.orgs import services as org_services
from phoihop.orgs.models import Membership, Role, Unit, User

MARK = "BENCH-INSIGHTS"  # the number of every generated agreement: the generation is done once
ON_TIME, LATE = 0.80, 0.10
BATCH = 5000


def _bulk(model: Any, rows: list[Any]) -> list[Any]:
    return model.objects.bulk_create(rows, batch_size=BATCH)


def _years(today: dt.date) -> list[int]:
    """The years reporting's generator wrote (from its reports), up to this one."""
    from phoihop.reporting.models import Submission

    first = Submission.objects.order_by("period_start").values_list("period_start", flat=True).first()
    start = first.year if first else today.year - 1
    return list(range(start, today.year + 1))


class Generator:
    def __init__(self, *, seed: int, today: dt.date, say: Callable[[str], None]) -> None:
        self.random = random.Random(seed)
        self.today = today
        self.say = say

    def state(self, due: dt.date) -> tuple[str, dt.date | None]:
        """Done on time, late, or open; a date in the future is never done yet."""
        draw = self.random.random()
        if draw < ON_TIME:
            done = due - dt.timedelta(days=self.random.randint(0, 5))
        elif draw < ON_TIME + LATE:
            done = due + dt.timedelta(days=self.random.randint(1, 30))
        else:
            return "open", None
        return ("done", done) if done <= self.today else ("open", None)

    def run(self) -> dict[str, int]:
        communes = list(Unit.objects.filter(kind=Unit.Kind.COMMUNE, valid_to__isnull=True).order_by("path"))
        bodies: dict[str, dict[str, Unit]] = {}
        for body in Unit.objects.filter(
            kind__in=[Unit.Kind.PEOPLE_COMMITTEE, Unit.Kind.FRONT_COMMITTEE], depth__gt=1, valid_to__isnull=True
        ):
            bodies.setdefault(body.path[: -Unit.steplen], {})[body.kind] = body
        years = _years(self.today)
        start, end = dt.date(years[0], 1, 1), dt.date(years[-1], 12, 31)
        areas = list(Area.objects.order_by("order")[:3])
        counts = {"agreements": 0, "occurrences": 0, "tasks": 0, "recommendations": 0}
        provinces: dict[str, list[Unit]] = {}
        for commune in communes:
            if Unit.Kind.PEOPLE_COMMITTEE in bodies.get(commune.path, {}):
                provinces.setdefault(commune.path[: Unit.steplen * (commune.depth - 1)], []).append(commune)
        for number, (province_path, members) in enumerate(provinces.items(), start=1):
            with transaction.atomic():
                self._province(province_path, members, bodies, start, end, areas, counts)
            self.say(f"  province {number}/{len(provinces)}: {len(members)} communes")
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE")
        audit_record(
            actor="phoihop bench insights",
            verb="insights.synthetic_generated",
            changes={k: [None, v] for k, v in counts.items()},
        )
        return counts

    def _province(
        self,
        province_path: str,
        communes: list[Unit],
        bodies: dict[str, dict[str, Unit]],
        start: dt.date,
        end: dt.date,
        areas: list[Area],
        counts: dict[str, int],
    ) -> None:
        province = Unit.objects.get(path=province_path)
        code = province.province_code
        parent = Agreement.objects.create(
            kind=Agreement.Kind.REGULATION,
            number=f"{MARK}/{province.code}",
            title=f"Quy chế phối hợp (dữ liệu tổng hợp) {province.name}",
            effective_from=start,
            effective_to=end,
            status=Agreement.Status.IN_FORCE,
            owner_unit=province,
            province_code=code,
        )
        agreements = _bulk(
            Agreement,
            [
                Agreement(
                    kind=Agreement.Kind.REGULATION,
                    number=f"{MARK}/{c.code}",
                    title=f"Quy chế phối hợp {c.name}",
                    effective_from=start,
                    effective_to=end,
                    status=Agreement.Status.IN_FORCE,
                    owner_unit=bodies[c.path][Unit.Kind.FRONT_COMMITTEE],
                    parent=parent,
                    province_code=code,
                )
                for c in communes
            ],
        )
        counts["agreements"] += len(agreements) + 1
        parties = [AgreementParty(agreement=parent, unit=province)]
        obligations = []
        for agreement, commune in zip(agreements, communes, strict=True):
            committee = bodies[commune.path][Unit.Kind.PEOPLE_COMMITTEE]
            front = bodies[commune.path][Unit.Kind.FRONT_COMMITTEE]
            parties += [
                AgreementParty(agreement=agreement, unit=committee),
                AgreementParty(agreement=agreement, unit=front),
            ]
            for title, months, area in (("Thông báo tình hình kinh tế - xã hội", 3, 0), ("Báo cáo giám sát", 6, 1)):
                obligations.append(
                    (
                        Obligation(
                            agreement=agreement,
                            title=title,
                            area=areas[area % len(areas)],
                            rrule=f"FREQ=MONTHLY;INTERVAL={months}",
                        ),
                        committee if months == 3 else front,
                        months,
                    )
                )
        _bulk(AgreementParty, parties)
        made = _bulk(Obligation, [o for o, _unit, _m in obligations])
        through = Obligation.owing_units.through
        _bulk(
            through,
            [through(obligation_id=o.pk, unit_id=unit.pk) for o, (_x, unit, _m) in zip(made, obligations, strict=True)],
        )
        occurrences = []
        for obligation, (_x, _unit, months) in zip(made, obligations, strict=True):
            period_start = start
            while period_start <= end:
                month = period_start.month - 1 + months
                period_end = dt.date(period_start.year + month // 12, month % 12 + 1, 1) - dt.timedelta(days=1)
                due = period_end + dt.timedelta(days=10)
                state, done = self.state(due)
                occurrences.append(
                    Occurrence(
                        obligation=obligation,
                        key=f"{period_start.isoformat()}/{period_end.isoformat()}",
                        period_start=period_start,
                        period_end=period_end,
                        due_on=due,
                        state=state,
                        completed_on=done,
                        province_code=code,
                    )
                )
                period_start = period_end + dt.timedelta(days=1)
        counts["occurrences"] += len(_bulk(Occurrence, occurrences))
        counts["tasks"] += self._tasks(communes, bodies, start, end, code, areas)
        counts["recommendations"] += self._recommendations(communes, bodies, start, end)

    def _tasks(self, communes: list[Unit], bodies: dict, start: dt.date, end: dt.date, code: str, areas: list) -> int:
        try:
            from phoihop.tasks.models import Task, TaskUnit
        except ImportError:
            return 0
        tasks, leads = [], []
        for commune in communes:
            committee = bodies[commune.path][Unit.Kind.PEOPLE_COMMITTEE]
            for year in range(start.year, end.year + 1):
                for quarter in range(4):
                    due = dt.date(year, quarter * 3 + 3, 20)
                    state, done = self.state(due)
                    tasks.append(
                        Task(
                            title=f"Nhiệm vụ quý {quarter + 1}/{year}",
                            lead_unit=committee,
                            area=areas[quarter % len(areas)] if areas else None,
                            due_date=due,
                            status=Task.Status.CONFIRMED if state == "done" else Task.Status.IN_PROGRESS,
                            completed_on=done,
                            province_code=code,
                            source="bench",
                        )
                    )
                    leads.append(committee)
        made = _bulk(Task, tasks)
        _bulk(TaskUnit, [TaskUnit(task=t, unit=u, role=TaskUnit.Role.LEAD) for t, u in zip(made, leads, strict=True)])
        return len(made)

    def _recommendations(self, communes: list[Unit], bodies: dict, start: dt.date, end: dt.date) -> int:
        try:
            from phoihop.oversight.models import Recommendation, Supervision
        except ImportError:
            return 0
        supervisions, targets = [], []
        for commune in communes:
            front = bodies[commune.path][Unit.Kind.FRONT_COMMITTEE]
            committee = bodies[commune.path][Unit.Kind.PEOPLE_COMMITTEE]
            for year in range(start.year, end.year + 1):
                supervisions.append(
                    Supervision(
                        front_unit=front,
                        title=f"Giám sát năm {year}",
                        starts_on=dt.date(year, 5, 1),
                        ends_on=dt.date(year, 5, 15),
                        status=Supervision.Status.CONCLUDED,
                        concluded_on=dt.date(year, 5, 20),
                    )
                )
                targets.append((front, committee, year))
        made = _bulk(Supervision, supervisions)
        recommendations = []
        for supervision, (front, committee, year) in zip(made, targets, strict=True):
            for n in range(2):
                sent = dt.date(year, 6, 1 + n)
                deadline = sent + dt.timedelta(days=15)
                state, done = self.state(deadline)
                if sent > self.today:
                    continue
                recommendations.append(
                    Recommendation(
                        supervision=supervision,
                        front_unit=front,
                        addressee=committee,
                        text=f"Kiến nghị {n + 1} sau giám sát năm {year}",
                        status=Recommendation.Status.ANSWERED if state == "done" else Recommendation.Status.SENT,
                        sent_on=sent,
                        deadline=deadline,
                        answered_on=done,
                    )
                )
        return len(_bulk(Recommendation, recommendations))


# --- measuring ----------------------------------------------------------------------------------------


def _person(username: str, unit: Unit, role: str) -> User:
    user = User.objects.filter(username=username).first()
    if user is None:
        user = org_services.user_create(actor=None, username=username, password=None, audit=False)
    if not Membership.objects.filter(user=user, unit=unit, role=role, ended_on__isnull=True).exists():
        org_services.membership_grant(actor=None, user=user, unit=unit, role=role, audit=False)
    return user


def _times(client: Client, url: str, requests: int) -> tuple[float, float, int, int]:
    """Warm up, count one request's queries, then time `requests` GETs; return median and p95 in ms, queries, status."""
    client.get(url, secure=True)
    # Count through an execute wrapper: the query log is cleared at each request's start.
    captured: list[str] = []

    def count(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        captured.append(sql)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(count):  # a warm request: sessions and caches read already
        status = client.get(url, secure=True).status_code
    times = []
    for _n in range(requests):
        started = time.perf_counter()
        response = client.get(url, secure=True)
        times.append((time.perf_counter() - started) * 1000)
        status = response.status_code
    times.sort()
    p95 = times[min(len(times) - 1, max(0, round(0.95 * len(times)) - 1))]
    return statistics.median(times), p95, len(captured), status


def measure(*, requests: int, period: str, say: Callable[[str], None]) -> list[tuple[str, float, float, int, int]]:
    """Time the dashboard for the whole tree (system admin) and for one province (a leader of it)."""
    root = Unit.objects.filter(depth=1).order_by("path").first()
    province = (
        Unit.objects.filter(kind=Unit.Kind.PROVINCE, province_code="22").order_by("valid_to").first()
        or Unit.objects.filter(kind=Unit.Kind.PROVINCE).order_by("path").first()
    )
    admin = _person("bench.admin", root, Role.SYSTEM_ADMIN)
    leader = _person("bench.province", province, Role.LEADER)
    rows = []
    # The pages as served, minus what a test client cannot do: a second factor, a collected manifest.
    storages = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    with override_settings(ALLOWED_HOSTS=["testserver"], PHOIHOP_REQUIRE_ADMIN_2FA=False, STORAGES=storages):
        for label, user, scope in (
            (f"nation ({root.code})", admin, root),
            (f"province ({province.code})", leader, province),
        ):
            client = Client()
            client.force_login(user)
            units = Unit.objects.filter(path__startswith=scope.path).count()
            median, p95, queries, status = _times(client, f"/insights/?period={period}&unit={scope.pk}", requests)
            rows.append((f"{label}, {units:,} units", median, p95, queries, status))
    return rows


def time_review(*, period_from: dt.date, period_to: dt.date) -> tuple[str, float] | None:
    """Time the review report DOCX of the province's agreement for a year, when the builder is there."""
    try:
        from phoihop.insights.report import build_review_document
    except ImportError:
        return None
    agreement = (
        Agreement.objects.filter(number__startswith=MARK, owner_unit__province_code="22", parent__isnull=True).first()
        or Agreement.objects.filter(number__startswith=MARK, parent__isnull=True).order_by("pk").first()
    )
    if agreement is None:
        return None
    admin = User.objects.get(username="bench.admin")
    started = time.perf_counter()
    build_review_document(agreement=agreement, date_from=period_from, date_to=period_to, user=admin)
    return agreement.number, (time.perf_counter() - started) * 1000


def run(*, requests: int, period: str | None, say: Callable[[str], None], seed: int = 2026) -> None:
    """Generate the coordination records once, then measure and print the table."""
    from phoihop.calendar.periods import PeriodType, parse_period, period_containing
    from phoihop.reporting.models import Submission

    if not Submission.objects.exists():
        raise RuntimeError("no synthetic data here: run `phoihop generate --scale test|province|nation` first")
    today = timezone.localdate()
    if not Agreement.objects.filter(number__startswith=MARK).exists():
        started = time.monotonic()
        say("generating agreements, duties, tasks and recommendations (once) …")
        counts = Generator(seed=seed, today=today, say=say).run()
        say(
            "generated " + ", ".join(f"{v:,} {k}" for k, v in counts.items()) + f" in {time.monotonic() - started:.1f}s"
        )
    if not period:
        period = period_containing(today, PeriodType.YEARLY).previous().id
    span = parse_period(period)
    say(
        f"database: {connection.vendor}; units {Unit.objects.count():,}; occurrences {Occurrence.objects.count():,}; "
        f"reports {Submission.objects.count():,}; period {span.id}; {requests} requests after a warm-up"
    )
    rows = measure(requests=requests, period=span.id, say=say)
    say(f"{'dashboard':<40} {'median ms':>10} {'p95 ms':>10} {'queries':>8} {'status':>7}")
    for label, median, p95, queries, status in rows:
        say(f"{label:<40} {median:>10.1f} {p95:>10.1f} {queries:>8} {status:>7}")
    review = time_review(period_from=span.start, period_to=span.end)
    if review is not None:
        say(f"review report DOCX ({review[0]}, {span.id}): {review[1]:.0f} ms")
