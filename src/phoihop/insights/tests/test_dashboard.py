"""The dashboard's figures, scope, page, exports and query counts (issue 7 items 1, 2, 5, 7)."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook

from phoihop.agreements import selectors as agreement_selectors
from phoihop.insights import selectors as s
from phoihop.insights.tests import dashboard_data
from phoihop.orgs import services as org_services
from phoihop.reporting import selectors as reporting_selectors
from phoihop.reporting.tests import factories as reporting_factories
from phoihop.reporting.tests.factories import add_unit

TODAY = dashboard_data.TODAY
frozen = dashboard_data.frozen
coordination = dashboard_data.coordination
indicators = reporting_factories.indicators
monthly_form = reporting_factories.monthly_form
YEAR = s.span_of("2025")
URL = "/insights/"


def _leader(username, unit):
    user = org_services.user_create(actor=None, username=username, password="x-y-z-pass-123", audit=False)
    org_services.membership_grant(actor=None, user=user, unit=unit, role="leader", audit=False)
    return user


@pytest.fixture
def ubnd_chair(tree):
    return _leader("ubnd.chutich", tree["ubnd"])


@pytest.fixture
def front_chair(tree):
    return _leader("mttq.chutich", tree["mttq"])


# --- figures equal the modules' own selectors ------------------------------------------------------


def test_duties_of_a_unit_equal_what_agreements_counts(coordination, tree, province_admin):
    for unit in (tree["hlhpn"], tree["commune_ubnd"], tree["sonv"]):
        ours = s.obligation_compliance(user=province_admin, within=unit, span=YEAR, today=TODAY)
        theirs = agreement_selectors.compliance(
            user=province_admin, unit=unit, date_from=YEAR.date_from, date_to=YEAR.date_to, today=TODAY
        )
        assert ours == theirs


def test_duties_of_22_ubnd_count_on_time_late_and_overdue(coordination, tree, province_admin):
    duties = s.obligation_compliance(user=province_admin, within=tree["ubnd"], span=YEAR, today=TODAY)
    # Four quarterly occurrences fall due in the 2025 window: one on time, one late, two left open.
    assert (duties.done_on_time, duties.done_late, duties.overdue_open) == (1, 1, 2)
    assert duties.on_time_rate == pytest.approx(0.25)


def test_reports_equal_reporting_rates_added_over_the_months(coordination, tree, province_admin):
    ours = s.report_compliance(within=tree["province"], span=YEAR, today=TODAY)
    months = [p.period for p in s.form_periods(YEAR, TODAY)]
    assert [m.id for m in months] == [f"2025{n:02d}" for n in range(1, 13)]
    rates = [
        reporting_selectors.reporting_rates(form=coordination["form"], period_id=m, unit=tree["province"])
        for m in months
    ]
    assert ours.due == sum(r.expected for r in rates) == 12  # two communes' committees from 202507
    assert ours.done_on_time == sum(r.on_time for r in rates) == 6
    assert ours.done_late == sum(r.late for r in rates) == 1
    assert ours.overdue_open == sum(len(r.missing_reports) for r in rates) == 5


def test_tasks_equal_the_tasks_selector(coordination, tree, province_admin):
    task_compliance = s.module_selector("tasks", "task_compliance")
    if task_compliance is None or coordination["task"] is None:
        pytest.fail("the tasks module's contract selector and service are expected by now")
    ours = s.figures(user=province_admin, scope=tree["province"], span=YEAR, today=TODAY)[s.TASKS]
    theirs = task_compliance(
        user=province_admin, unit=tree["province"], date_from=YEAR.date_from, date_to=YEAR.date_to, today=TODAY
    )
    assert ours == theirs
    assert ours.overdue_open == 1


def test_ranking_rolls_communes_up_from_their_bodies(coordination, tree, province_admin):
    ranking = s.by_unit(user=province_admin, scope=tree["province"], span=YEAR, today=TODAY)
    rows = {row.unit.code: row for row in ranking.rows}
    assert set(rows) == {"22-UBND", "22-MTTQ", "07090", "07093"}
    commune = rows["07090"].figures
    assert commune[s.REPORTS].done_on_time == 5 and commune[s.REPORTS].done_late == 1
    assert commune[s.OBLIGATIONS].due == 0  # its first duty fell due on 12/01/2026, after the span
    assert rows["22-MTTQ"].figures[s.OBLIGATIONS].on_time_rate == 1  # 22-HLHPN's duties, all on time
    # Best first: the Front (everything on time) ranks above the commune that missed five reports.
    assert ranking.rows[0].unit.code == "22-MTTQ" and ranking.rows[0].rank == 1
    assert rows["07093"].figures[s.REPORTS].overdue_open == 5
    assert ranking.reports == s.report_compliance(within=tree["province"], span=YEAR, today=TODAY)


def test_overdue_list_is_oldest_first_across_modules_with_links(coordination, tree, province_admin):
    items, counts = s.overdue_now(user=province_admin, scope=tree["province"], span=YEAR, today=TODAY)
    assert counts[s.OBLIGATIONS] >= 3 and counts[s.REPORTS] == 5
    assert [i.due_on for i in items] == sorted(i.due_on for i in items)
    assert all(i.url.startswith("/") for i in items)
    first_duty = next(i for i in items if i.kind == s.OBLIGATIONS)
    assert first_duty.days_overdue == (TODAY - first_duty.due_on).days


# --- scope -------------------------------------------------------------------------------------------


def test_commune_leader_sees_their_commune_only(coordination, tree, commune_leader):
    assert s.default_scope(commune_leader) == tree["commune_ubnd"]
    values = s.figures(user=commune_leader, scope=tree["commune_ubnd"], span=YEAR, today=TODAY)
    assert values[s.OBLIGATIONS].due == 0  # none of the province's duties
    assert values[s.REPORTS].due == 6
    items, counts = s.overdue_now(user=commune_leader, scope=tree["commune_ubnd"], span=YEAR, today=TODAY)
    assert counts[s.OBLIGATIONS] == 1  # its own duty, due 12/01/2026
    assert {i.unit_name for i in items} == {"UBND phường An Sinh"}


def test_front_chair_sees_the_front_and_its_organisations(coordination, tree, front_chair):
    assert s.default_scope(front_chair) == tree["mttq"]
    values = s.figures(user=front_chair, scope=tree["mttq"], span=YEAR, today=TODAY)
    assert values[s.OBLIGATIONS].done_on_time == 4 and values[s.OBLIGATIONS].overdue_open == 0


def test_ubnd_chair_sees_the_committee_and_its_departments(coordination, tree, ubnd_chair):
    assert s.default_scope(ubnd_chair) == tree["ubnd"]
    values = s.figures(user=ubnd_chair, scope=tree["ubnd"], span=YEAR, today=TODAY)
    assert (values[s.OBLIGATIONS].done_on_time, values[s.OBLIGATIONS].overdue_open) == (1, 2)
    assert values[s.REPORTS].due == 0


@pytest.mark.parametrize("unit", ["province", "other_ubnd", "commune_mttq"])
def test_commune_leader_asking_for_a_unit_outside_their_scope_gets_404(
    client, coordination, tree, commune_leader, unit
):
    client.force_login(commune_leader)
    assert client.get(URL, {"unit": tree[unit].pk, "period": "2025"}).status_code == 404


def test_officer_from_other_commune_gets_404_for_the_commune(client, coordination, tree, officer_other_commune):
    client.force_login(officer_other_commune)
    assert client.get(URL, {"unit": tree["commune"].pk}).status_code == 404


def test_an_officer_is_not_shown_the_leaders_dashboard(client, coordination, commune_officer):
    client.force_login(commune_officer)
    assert client.get(URL).status_code == 403


def test_the_menu_shows_the_dashboard_to_leaders_only(client, coordination, commune_leader, commune_officer):
    client.force_login(commune_leader)
    assert 'href="/insights/"' in client.get("/").content.decode()
    client.force_login(commune_officer)
    assert 'href="/insights/"' not in client.get("/").content.decode()


# --- the page ----------------------------------------------------------------------------------------


def test_chair_dashboard_shows_tiles_charts_ranking_and_overdue(admin_web, coordination, tree):
    client = admin_web
    response = client.get(URL, {"period": "2025"})
    assert response.status_code == 200
    page = response.content.decode()
    assert "25%" not in page or "Thông báo" in page  # the page renders in Vietnamese by default
    assert page.count("<svg") >= 3  # trend, areas, ranking
    assert "Phường An Sinh" in page and "Thông báo tình hình kinh tế - xã hội" in page
    # Every tile clicks through: the report tiles lead to the rates page filtered to the scope.
    form = coordination["form"].pk
    assert f"/reporting/rates/?form={form}&amp;period=202512&amp;unit={tree['province'].pk}" in page
    # Ranking rows open each unit's scorecard and let the leader drill down.
    assert reverse("insights:scorecard", args=[tree["commune"].pk]) in page


def test_a_period_that_does_not_parse_is_explained_beside_the_field(admin_web, coordination):
    client = admin_web
    response = client.get(URL, {"period": "2025X"})
    assert response.status_code == 200
    assert response.context["form"].errors["period"]
    assert "2025X" in response.context["form"].errors["period"][0]
    assert response.context.get("tiles") is None


def test_a_last_day_before_the_first_is_refused(admin_web, coordination):
    client = admin_web
    response = client.get(URL, {"date_from": "2025-06-01", "date_to": "2025-01-01"})
    assert response.context["form"].errors["date_to"]


def test_a_custom_span_is_accepted(admin_web, coordination):
    client = admin_web
    response = client.get(URL, {"date_from": "2025-01-01", "date_to": "2025-06-30"})
    assert response.status_code == 200
    tiles = {t["key"]: t for t in response.context["tiles"]}
    assert tiles[s.OBLIGATIONS]["figures"].due == 4  # 10/01 and 10/04 for 22-UBND and 22-HLHPN


def _add_communes(tree, count):
    # From 01/08/2025 they miss the reports of the same periods 07093 misses (202508-202512): the
    # overdue list reads one query per period with a missing report (bounded by the periods of the
    # span), never one per unit.
    for n in range(count):
        commune = add_unit(tree["province"], f"0720{n}", "commune", valid_from=dt.date(2025, 8, 1))
        add_unit(commune, f"0720{n}-UBND", "people_committee")


def _queries(client, params):
    with CaptureQueriesContext(connection) as captured:
        assert client.get(URL, params).status_code == 200
    return len(captured)


def test_the_dashboard_query_count_does_not_grow_with_units(admin_web, coordination, tree):
    client = admin_web
    params = {"period": "2025"}
    _queries(client, params)  # warm the caches (content types, sessions)
    before = _queries(client, params)
    _add_communes(tree, 6)
    after = _queries(client, params)
    assert after == before
    # 46 on SQLite, 53 on PostgreSQL (its SET LOCAL jit = off per figure): one grouped query per module for the
    # whole trend, not one per period (the benchmark page went from 79–84 queries to 53–56).
    assert before <= 55


def test_tables_export_to_xlsx_and_read_back(admin_web, coordination, tree):
    client = admin_web
    base = {"period": "2025", "unit": tree["province"].pk, "format": "xlsx"}
    units = load_workbook(io.BytesIO(client.get(URL, {**base, "table": "units"}).getvalue())).active
    rows = list(units.iter_rows(min_row=4, values_only=True))
    assert {row[2] for row in rows} == {"22-UBND", "22-MTTQ", "07090", "07093"}
    assert rows[0][0] == 1
    overdue = load_workbook(io.BytesIO(client.get(URL, {**base, "table": "overdue"}).getvalue())).active
    overdue_rows = list(overdue.iter_rows(min_row=4, values_only=True))
    assert any(row[1] == "Thông báo tình hình kinh tế - xã hội" for row in overdue_rows)
    assert all(isinstance(row[3], dt.datetime) for row in overdue_rows)  # deadlines stay dates
    components = load_workbook(io.BytesIO(client.get(URL, {**base, "table": "components"}).getvalue())).active
    first = next(components.iter_rows(min_row=4, values_only=True))
    assert first[1] == pytest.approx(62.5)  # duties: 1 + 4 on time of 4 + 4 due (22-UBND, 22-HLHPN)
    for table in ("trend", "areas"):
        response = client.get(URL, {**base, "table": table})
        assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert client.get(URL, {**base, "table": "nonsense"}).status_code == 404


@pytest.mark.parametrize(
    ("persona", "scope", "shown", "hidden"),
    [
        ("commune_leader", "commune_ubnd", "UBND phường An Sinh", "Hội Liên hiệp Phụ nữ tỉnh"),
        ("front_chair", "mttq", "Hội Liên hiệp Phụ nữ tỉnh", "Phường An Sinh"),
        ("ubnd_chair", "ubnd", "Sở Nội vụ", "Phường An Sinh"),
    ],
)
def test_each_leader_opens_the_dashboard_of_their_own_scope(
    client, coordination, tree, request, persona, scope, shown, hidden
):
    client.force_login(request.getfixturevalue(persona))
    response = client.get(URL, {"period": "2025"})
    assert response.status_code == 200
    assert response.context["scope"] == tree[scope]
    page = response.content.decode()
    assert hidden not in page
    assert shown in page


@pytest.mark.parametrize("scope_key", ["province", "mttq", "commune", "commune_ubnd"])
@pytest.mark.parametrize("period", ["2025", "2025Q4", "202512"])
def test_the_trend_read_in_one_query_per_module_equals_the_figures_span_by_span(
    coordination, tree, province_admin, scope_key, period
):
    scope = tree[scope_key]
    spans = s.trend_spans(s.span_of(period))
    folded = s._trend_components(province_admin, scope, spans, TODAY)
    for span in spans:
        one_by_one = s.figures(user=province_admin, scope=scope, span=span, today=TODAY)
        for key, value in folded[span.id].items():
            assert value == one_by_one[key], (span.id, key)
    task_compliance = s.module_selector("tasks", "task_compliance")
    last = spans[-1]
    assert folded[last.id][s.TASKS] == task_compliance(
        user=province_admin, unit=scope, date_from=last.date_from, date_to=last.date_to, today=TODAY
    )
