import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import PermissionDenied
from django.http import Http404

from phoihop.agreements import permissions, selectors, services
from phoihop.agreements.models import Agreement, Event, Occurrence
from phoihop.agreements.tests import factories
from phoihop.agreements.tests.factories import DR, SK, P, make_agreement, make_event, make_obligation
from phoihop.orgs import services as org_services

regulation = factories.regulation
commune_agreement = factories.commune_agreement

VN = ZoneInfo("Asia/Ho_Chi_Minh")
D = dt.date


def complete(occurrence, actor, on):
    return services.occurrence_complete(actor=actor, occurrence=occurrence, completed_on=on, note="Đã thực hiện")


# --- Visibility -------------------------------------------------------------------------------


def test_an_agreement_is_seen_through_its_owner_or_any_party(
    regulation, commune_agreement, front_officer, ubnd_officer, commune_officer, officer_other_commune
):
    def seen(user):
        return set(permissions.agreements_visible(user).values_list("number", flat=True))

    assert seen(front_officer) == {"194/QCPH"}
    assert seen(ubnd_officer) == {"194/QCPH"}  # a party, not the owner
    assert seen(commune_officer) == {"01/QCPH"}
    assert seen(officer_other_commune) == set()


def test_a_draft_is_seen_only_through_its_owner(tree, front_officer, ubnd_officer):
    make_agreement(
        owner=tree["mttq"],
        parties=[(tree["ubnd"], P.SIGNATORY, None)],
        number="07/QCPH",
        status=Agreement.Status.DRAFT,
    )
    assert permissions.agreements_visible(front_officer).count() == 1
    assert permissions.agreements_visible(ubnd_officer).count() == 0


def test_another_communes_agreement_answers_404_and_a_party_may_not_edit(
    commune_agreement, regulation, officer_other_commune, ubnd_officer, front_officer
):
    with pytest.raises(Http404):
        permissions.access_agreement(officer_other_commune, commune_agreement.pk)
    assert permissions.access_agreement(ubnd_officer, regulation.pk) == regulation
    with pytest.raises(PermissionDenied):
        permissions.access_agreement(ubnd_officer, regulation.pk, for_write=True)
    assert permissions.access_agreement(front_officer, regulation.pk, for_write=True) == regulation
    with pytest.raises(Http404):
        permissions.access_agreement(front_officer, "not-a-number")


def test_duties_and_occurrences_follow_their_agreement(commune_agreement, tree, officer_other_commune, commune_officer):
    duty = make_obligation(agreement=commune_agreement, owing=[tree["commune_ubnd"]])
    row = duty.occurrences.first()
    with pytest.raises(Http404):
        permissions.access_obligation(officer_other_commune, duty.pk)
    with pytest.raises(Http404):
        permissions.access_occurrence(officer_other_commune, row.pk)
    assert permissions.access_occurrence(commune_officer, row.pk, action="complete") == row
    # The registering unit is the commune's MTTQ: the UBND officer may not change the duty.
    with pytest.raises(PermissionDenied):
        permissions.access_obligation(commune_officer, duty.pk, for_write=True)


def test_an_owing_unit_completes_and_only_a_leader_of_the_owner_waives(
    regulation, tree, ubnd_officer, front_officer, province_admin
):
    owed_by_ubnd = make_obligation(agreement=regulation, owing=[tree["ubnd"]]).occurrences.first()
    owed_by_union = make_obligation(agreement=regulation, owing=[tree["hlhpn"]]).occurrences.first()
    assert permissions.access_occurrence(ubnd_officer, owed_by_ubnd.pk, action="complete")
    with pytest.raises(PermissionDenied):
        permissions.access_occurrence(ubnd_officer, owed_by_union.pk, action="complete")
    # The owner's officer may record what a member organisation did, but not waive a duty.
    assert permissions.access_occurrence(front_officer, owed_by_union.pk, action="complete")
    with pytest.raises(PermissionDenied):
        permissions.access_occurrence(front_officer, owed_by_union.pk, action="waive")
    leader = org_services.user_create(actor=None, username="mttq.lanhdao", audit=False)
    org_services.membership_grant(actor=None, user=leader, unit=tree["mttq"], role="leader", audit=False)
    assert permissions.access_occurrence(leader, owed_by_union.pk, action="waive")
    assert permissions.access_occurrence(province_admin, owed_by_union.pk, action="waive")


def test_every_person_sees_events_and_only_the_host_changes_them(tree, officer_other_commune, ubnd_officer):
    session = make_event(host=tree["ubnd"], starts_on=D(2024, 7, 10))
    assert permissions.access_event(officer_other_commune, session.pk) == session
    with pytest.raises(PermissionDenied):
        permissions.access_event(officer_other_commune, session.pk, for_write=True)
    assert permissions.access_event(ubnd_officer, session.pk, for_write=True) == session


def test_a_body_at_a_level_sees_that_levels_coverage(tree, front_officer, commune_officer, officer_other_commune):
    assert permissions.access_level_unit(front_officer, tree["province"].pk) == tree["province"]
    assert permissions.access_level_unit(commune_officer, tree["commune"].pk) == tree["commune"]
    with pytest.raises(Http404):
        permissions.access_level_unit(commune_officer, tree["province"].pk)
    with pytest.raises(Http404):
        permissions.access_level_unit(officer_other_commune, tree["commune"].pk)
    with pytest.raises(Http404):
        permissions.access_level_unit(front_officer, tree["mttq"].pk)  # a body is not a level


# --- Statuses ---------------------------------------------------------------------------------


@pytest.fixture
def quarterly(regulation, tree):
    return make_obligation(agreement=regulation, owing=[tree["hlhpn"]], receiving_units=[tree["mttq"]])


def test_statuses_at_their_boundaries_in_python_and_in_sql(quarterly, front_officer, time_machine, settings):
    settings.PHOIHOP_DUE_SOON_DAYS = 7
    # Monday 04/03/2024: seven working days ahead is Wednesday 13/03.
    time_machine.move_to(dt.datetime(2024, 3, 4, 9, 0, tzinfo=VN), tick=False)
    today = D(2024, 3, 4)
    assert selectors.due_soon_horizon(today) == D(2024, 3, 13)
    row = quarterly.occurrences.get(key="2024-01-01/2024-03-31")
    cases = [
        (D(2024, 3, 3), "overdue"),
        (D(2024, 3, 4), "due_soon"),
        (D(2024, 3, 13), "due_soon"),
        (D(2024, 3, 14), "upcoming"),
    ]
    for due, expected in cases:
        Occurrence.objects.filter(pk=row.pk).update(due_on=due)
        row.refresh_from_db()
        assert selectors.occurrence_status(row, today=today) == expected
        annotated = selectors.occurrence_list(user=front_officer, obligation=quarterly).get(pk=row.pk)
        assert annotated.display_status == expected  # today defaults to the frozen clock
    Occurrence.objects.filter(pk=row.pk).update(due_on=D(2024, 3, 1))
    row.refresh_from_db()
    complete(row, front_officer, D(2024, 3, 1))
    assert selectors.occurrence_status(row, today=today) == "done_on_time"
    assert selectors.occurrence_list(user=front_officer, status="done_on_time").get().pk == row.pk
    Occurrence.objects.filter(pk=row.pk).update(completed_on=D(2024, 3, 2))
    row.refresh_from_db()
    assert selectors.occurrence_status(row, today=today) == "done_late"
    assert selectors.occurrence_list(user=front_officer, status="done_late").get().display_status == "done_late"
    services.occurrence_reopen(actor=front_officer, occurrence=row, reason="Sai số liệu")
    services.occurrence_waive(actor=front_officer, occurrence=row, reason="Không phát sinh")
    row.refresh_from_db()
    assert selectors.occurrence_status(row, today=today) == "waived"


def test_occurrence_list_filters_and_stays_at_a_few_queries(
    quarterly, regulation, front_officer, officer_other_commune, django_assert_max_num_queries
):
    today = D(2025, 1, 20)
    listing = selectors.occurrence_list(user=front_officer, agreement=regulation, today=today)
    with django_assert_max_num_queries(3):
        rows = list(listing)
    assert [r.display_status for r in rows].count("overdue") == 4
    assert len(rows) == 8
    assert rows[0].obligation.agreement.number == "194/QCPH"
    window = selectors.occurrence_list(
        user=front_officer, date_from=D(2025, 1, 1), date_to=D(2025, 12, 31), today=today
    )
    assert window.count() == 4  # due 10/01, 10/04, 10/07, 10/10
    assert not selectors.occurrence_list(user=officer_other_commune, agreement=regulation).exists()
    with pytest.raises(ValueError):
        selectors.occurrence_list(user=front_officer, status="late-ish")


# --- Compliance -------------------------------------------------------------------------------


def test_an_open_overdue_item_counts_against_the_on_time_rate(
    quarterly, front_officer, time_machine, django_assert_num_queries
):
    time_machine.move_to(dt.datetime(2025, 3, 1, 9, 0, tzinfo=VN), tick=False)
    rows = list(quarterly.occurrences.order_by("due_on"))
    complete(rows[0], front_officer, D(2024, 4, 9))  # due 10/04/2024: on time
    complete(rows[1], front_officer, D(2024, 7, 10))  # due 10/07/2024: on time, on the day
    complete(rows[2], front_officer, D(2024, 10, 21))  # due 10/10/2024: late
    # rows[3] (due 10/01/2025) stays open: overdue. Four are upcoming; one of them is waived.
    services.occurrence_waive(actor=front_officer, occurrence=rows[7], reason="Hết hiệu lực")
    selectors.compliance(user=front_officer)  # warm the person's memberships and the calendar
    with django_assert_num_queries(1):
        counts = selectors.compliance(user=front_officer, agreement=quarterly.agreement)
    assert (counts.due, counts.done_on_time, counts.done_late, counts.overdue_open) == (4, 2, 1, 1)
    assert (counts.upcoming, counts.waived) == (3, 1)
    # 2 / (2 + 1 + 1), not 2 / 3: leaving work undone must not raise the rate.
    assert counts.on_time_rate == 0.5
    assert counts.on_time_percent == 50


def test_compliance_for_a_unit_an_area_and_a_period(regulation, quarterly, tree, front_officer):
    other = make_obligation(agreement=regulation, owing=[tree["mttq"]], area="kien-nghi-cu-tri")
    today = D(2025, 3, 1)
    union = selectors.compliance(user=front_officer, unit=tree["hlhpn"], today=today)
    front = selectors.compliance(user=front_officer, unit=tree["mttq"], today=today)
    assert union.overdue_open == front.overdue_open == 4
    by_area = selectors.compliance(user=front_officer, area="kien-nghi-cu-tri", today=today)
    assert by_area.due == 4
    assert by_area.upcoming == other.occurrences.filter(due_on__gte=today).count() == 4
    year_2024 = selectors.compliance(user=front_officer, date_from=D(2024, 1, 1), date_to=D(2024, 12, 31), today=today)
    assert year_2024.due == 6
    assert selectors.compliance(user=front_officer, date_to=D(2023, 12, 31), today=today).on_time_rate is None


def test_drafts_owe_nothing_yet(tree, front_officer):
    draft = make_agreement(
        owner=tree["mttq"], parties=[(tree["mttq"], P.SIGNATORY, None)], status=Agreement.Status.DRAFT
    )
    make_obligation(agreement=draft, owing=[tree["mttq"]])
    assert selectors.compliance(user=front_officer, today=D(2025, 3, 1)).due == 0
    assert not selectors.unit_duties(user=front_officer, unit=tree["mttq"])["owes"].exists()


def test_compliance_by_party_takes_the_same_few_queries_for_any_number_of_parties(
    regulation, tree, front_officer, django_assert_max_num_queries
):
    make_obligation(agreement=regulation, owing=[tree["hlhpn"]])
    make_obligation(
        agreement=regulation, owing=[tree["ubnd"], tree["mttq"]], rrule="FREQ=YEARLY;BYMONTH=1;BYMONTHDAY=1"
    )
    first = Occurrence.objects.filter(obligation__owing_units=tree["mttq"]).order_by("due_on").first()
    complete(first, front_officer, D(2025, 1, 5))
    selectors.compliance(user=front_officer)  # warm memberships and calendar
    with django_assert_max_num_queries(2):
        rows = selectors.compliance_by_party(user=front_officer, agreement=regulation, today=D(2025, 3, 1))
    by_code = {unit.code: counts for unit, counts in rows}
    assert set(by_code) == {"22-UBND", "22-MTTQ", "22-HLHPN"}
    # The jointly owed yearly duty counts for both owing units.
    assert by_code["22-UBND"].done_on_time == by_code["22-MTTQ"].done_on_time == 1
    assert by_code["22-HLHPN"].overdue_open == 4
    assert by_code["22-HLHPN"].on_time_rate == 0.0


# --- Duties of a unit and of a person ---------------------------------------------------------


def test_a_unit_sees_what_it_owes_and_what_it_is_owed_open_first(quarterly, tree, front_officer):
    complete(quarterly.occurrences.order_by("due_on").first(), front_officer, D(2024, 4, 1))
    duties = selectors.unit_duties(user=front_officer, unit=tree["hlhpn"], today=D(2025, 3, 1))
    owes = list(duties["owes"])
    assert len(owes) == 8
    assert owes[-1].state == Occurrence.State.DONE  # the done one comes last
    assert owes[0].display_status == "overdue"
    assert duties["owed"].count() == 0
    assert selectors.unit_duties(user=front_officer, unit=tree["mttq"], today=D(2025, 3, 1))["owed"].count() == 8


def test_my_duties_this_month_include_what_is_still_open_from_before(regulation, tree, front_officer, time_machine):
    make_obligation(agreement=regulation, owing=[tree["mttq"]])
    time_machine.move_to(dt.datetime(2024, 7, 3, 9, 0, tzinfo=VN), tick=False)
    mine = list(selectors.my_duties(user=front_officer))
    # Due 10/07/2024 this month, and 10/04/2024 still open from before.
    assert [r.due_on for r in mine] == [D(2024, 4, 10), D(2024, 7, 10)]
    assert [r.due_on for r in selectors.my_duties(user=front_officer, include_overdue=False)] == [D(2024, 7, 10)]
    assert [r.due_on for r in selectors.my_duties(user=front_officer, month="2024-10", include_overdue=False)] == [
        D(2024, 10, 10)
    ]


def test_my_duties_are_those_of_my_own_units(regulation, tree, ubnd_officer, time_machine):
    make_obligation(agreement=regulation, owing=[tree["mttq"]])
    time_machine.move_to(dt.datetime(2024, 7, 3, 9, 0, tzinfo=VN), tick=False)
    assert not selectors.my_duties(user=ubnd_officer).exists()


# --- Lists ------------------------------------------------------------------------------------


def test_agreement_list_filters(regulation, commune_agreement, tree, province_admin, django_assert_max_num_queries):
    programme = make_agreement(
        owner=tree["hlhpn"],
        kind=Agreement.Kind.PROGRAMME,
        number="03/CTrPH",
        title="Chương trình phối hợp chăm sóc sức khỏe phụ nữ",
        parent=regulation,
        parties=[(tree["hlhpn"], P.LEAD, None), (tree["sonv"], P.SIGNATORY, None)],
        effective_from=D(2022, 1, 1),
        effective_to=D(2023, 12, 31),
        areas=["giam-ngheo-an-sinh-xa-hoi"],
    )

    def numbers(**filters):
        return [a.number for a in selectors.agreement_list(user=province_admin, **filters)]

    assert numbers() == ["01/QCPH", "194/QCPH", "03/CTrPH"]  # newest first
    assert numbers(kind="programme") == ["03/CTrPH"]
    assert numbers(party="22-SONV") == ["03/CTrPH"]
    assert numbers(party=tree["commune_ubnd"]) == ["01/QCPH"]
    assert numbers(area="giam-ngheo-an-sinh-xa-hoi") == ["03/CTrPH"]
    assert numbers(year=2023) == ["03/CTrPH"]
    assert numbers(year=2026) == ["01/QCPH"]
    assert numbers(q="sức khỏe") == ["03/CTrPH"]
    assert numbers(level="commune") == ["01/QCPH"]
    assert numbers(level="province") == ["194/QCPH", "03/CTrPH"]
    assert numbers(status="in_force") == ["01/QCPH", "194/QCPH", "03/CTrPH"]
    with django_assert_max_num_queries(4):
        rows = list(selectors.agreement_list(user=province_admin))
        assert [p.unit.code for p in rows[2].parties.all()] == ["22-HLHPN", "22-SONV"]
        assert [a.code for a in rows[2].areas.all()] == ["giam-ngheo-an-sinh-xa-hoi"]
        assert rows[2].parent.number == programme.parent.number


def test_event_list_by_kind_and_year(tree):
    make_event(host=tree["ubnd"], starts_on=D(2024, 7, 10))
    make_event(host=tree["ubnd"], starts_on=D(2024, 12, 9))
    make_event(host=tree["ubnd"], starts_on=D(2025, 7, 9), kind=Event.Kind.JOINT_MEETING, title="Họp liên tịch")
    assert selectors.event_list(year=2024).count() == 2
    assert [e.title for e in selectors.event_list(kind="joint_meeting")] == ["Họp liên tịch"]


# --- Coverage ---------------------------------------------------------------------------------


def test_the_province_coverage_shows_its_bodies_the_signed_pairs_and_the_communes_without(
    regulation, commune_agreement, tree, front_officer, django_assert_max_num_queries
):
    today = D(2025, 9, 1)
    with django_assert_max_num_queries(6):
        coverage = selectors.coverage_matrix(user=front_officer, level_unit=tree["province"], today=today)
    # The province's own bodies, in tree order; the communes' bodies are not at this level.
    assert [u.code for u in coverage.units] == ["22-UBND", "22-SONV", "22-MTTQ", "22-HLHPN"]
    assert coverage.between(tree["ubnd"], tree["mttq"]) == [regulation]
    assert coverage.between(tree["mttq"], tree["ubnd"]) == [regulation]
    assert coverage.between(tree["hlhpn"], tree["ubnd"]) == [regulation]
    assert coverage.between(tree["sonv"], tree["mttq"]) == []
    assert coverage.pair_count == 3
    assert [u.code for u in coverage.communes_without] == ["07093"]
    row_ubnd = coverage.grid[0]
    assert row_ubnd[0] == tree["ubnd"]
    assert [len(cell) for _unit, cell in row_ubnd[1]] == [0, 0, 1, 1]


def test_coverage_on_a_day_before_anything_was_signed_is_empty(regulation, commune_agreement, tree, front_officer):
    coverage = selectors.coverage_matrix(user=front_officer, level_unit=tree["province"], today=D(2023, 6, 1))
    assert coverage.pairs == {}
    assert [u.code for u in coverage.communes_without] == ["07090", "07093"]


def test_an_expired_agreement_still_covered_the_days_it_was_in_force(regulation, tree, front_officer, time_machine):
    time_machine.move_to(dt.datetime(2025, 6, 30, 9, 0, tzinfo=VN), tick=False)
    services.agreement_set_status(actor=front_officer, agreement=regulation, status=Agreement.Status.EXPIRED)
    before = selectors.coverage_matrix(user=front_officer, level_unit=tree["province"], today=D(2025, 6, 1))
    after = selectors.coverage_matrix(user=front_officer, level_unit=tree["province"], today=D(2025, 7, 1))
    assert before.pair_count == 3
    assert after.pair_count == 0


def test_a_commune_coverage_is_its_own_bodies(commune_agreement, tree, commune_officer):
    coverage = selectors.coverage_matrix(user=commune_officer, level_unit=tree["commune"], today=D(2025, 9, 1))
    assert [u.code for u in coverage.units] == ["07090-UBND", "07090-MTTQ"]
    assert coverage.between(tree["commune_ubnd"], tree["commune_mttq"]) == [commune_agreement]
    assert coverage.communes_without == []


def test_coverage_cells_list_only_agreements_the_person_may_see(regulation, tree, commune_officer, province_admin):
    # A programme between the Women's Union and Sở Nội vụ, seen by the admin but not by a commune officer.
    make_agreement(
        owner=tree["hlhpn"],
        number="03/CTrPH",
        parties=[(tree["hlhpn"], P.LEAD, None), (tree["sonv"], P.SIGNATORY, None)],
    )
    admin_view = selectors.coverage_matrix(user=province_admin, level_unit=tree["province"], today=D(2025, 1, 1))
    commune_view = selectors.coverage_matrix(user=commune_officer, level_unit=tree["province"], today=D(2025, 1, 1))
    assert len(admin_view.between(tree["hlhpn"], tree["sonv"])) == 1
    assert commune_view.between(tree["hlhpn"], tree["sonv"]) == []


def test_a_programme_implementing_the_regulation_has_its_own_duties(regulation, tree, front_officer):
    programme = make_agreement(
        owner=tree["hlhpn"],
        number="03/CTrPH",
        kind=Agreement.Kind.PROGRAMME,
        parent=regulation,
        parties=[(tree["hlhpn"], P.LEAD, None), (tree["sonv"], P.SIGNATORY, None)],
    )
    make_obligation(
        agreement=programme,
        owing=[tree["hlhpn"]],
        schedule_kind=SK.ONCE,
        deadline_rule=DR.FIXED_DATE,
        deadline_date=D(2024, 10, 20),
    )
    assert selectors.compliance(user=front_officer, agreement=regulation, today=D(2025, 1, 1)).due == 0
    assert selectors.compliance(user=front_officer, agreement=programme, today=D(2025, 1, 1)).overdue_open == 1
