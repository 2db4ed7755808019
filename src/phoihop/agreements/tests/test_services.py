import datetime as dt
import io
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import CommandError

from phoihop.agreements import services
from phoihop.agreements.models import Agreement, AgreementParty, Area, Event, Evidence, Obligation, Occurrence
from phoihop.agreements.tests import factories
from phoihop.agreements.tests.factories import DR, SK, P, make_agreement, make_event, make_obligation
from phoihop.core.models import AuditEvent

regulation = factories.regulation
commune_agreement = factories.commune_agreement

VN = ZoneInfo("Asia/Ho_Chi_Minh")


def at(day: dt.date) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day, 10, 0, tzinfo=VN)


def last_audit(verb: str) -> AuditEvent:
    return AuditEvent.objects.filter(verb=verb).latest("id")


def occurrence(obligation: Obligation, key: str) -> Occurrence:
    """The occurrence with this key, or the one whose period starts on this ISO date."""
    if "/" in key or ":" in key or key == "once":
        return Occurrence.objects.get(obligation=obligation, key=key)
    return Occurrence.objects.get(obligation=obligation, key__startswith=f"{key}/")


# --- Agreements -------------------------------------------------------------------------------


def test_registering_an_agreement_keeps_parties_areas_and_writes_the_audit_event(regulation, tree, front_officer):
    assert regulation.status == Agreement.Status.IN_FORCE
    assert regulation.province_code == "22"
    parties = {p.unit.code: (p.role, p.focal_unit) for p in regulation.parties.select_related("unit")}
    assert parties == {
        "22-UBND": (P.SIGNATORY, tree["sonv"]),
        "22-MTTQ": (P.SIGNATORY, None),
        "22-HLHPN": (P.MEMBER, None),
    }
    assert list(regulation.areas.values_list("code", flat=True)) == ["thong-tin-bao-cao-hoi-hop"]
    event = last_audit("agreement.registered")
    assert event.target_id == str(regulation.pk)
    assert event.unit == tree["mttq"]
    assert event.changes["number"] == [None, "194/QCPH"]
    assert event.changes["parties"][1] == ["22-UBND", "22-MTTQ", "22-HLHPN"]


def test_a_new_agreement_is_a_draft_unless_registered_in_force(tree, front_officer):
    agreement = services.agreement_register(
        actor=front_officer,
        owner_unit=tree["mttq"],
        kind=Agreement.Kind.PLAN,
        number="05/KH",
        title="Kế hoạch phối hợp",
        effective_from=dt.date(2026, 1, 1),
    )
    assert agreement.status == Agreement.Status.DRAFT


def test_an_agreement_cannot_end_before_it_starts_and_nothing_is_saved(tree, front_officer):
    with pytest.raises(ValidationError) as exc:
        make_agreement(
            owner=tree["mttq"],
            parties=[(tree["ubnd"], P.SIGNATORY, None)],
            effective_from=dt.date(2025, 1, 1),
            effective_to=dt.date(2024, 12, 31),
        )
    assert "effective_to" in exc.value.message_dict
    assert not Agreement.objects.exists()
    assert not AgreementParty.objects.exists()


def test_an_unknown_area_is_refused_and_nothing_is_saved(tree):
    with pytest.raises(ValidationError) as exc:
        make_agreement(owner=tree["mttq"], parties=[], areas=["khong-co"])
    assert "areas" in exc.value.message_dict
    assert not Agreement.objects.exists()


def test_a_focal_unit_must_belong_to_its_party(tree):
    with pytest.raises(ValidationError) as exc:
        make_agreement(owner=tree["mttq"], parties=[(tree["ubnd"], P.SIGNATORY, tree["hlhpn"])])
    assert "focal_unit" in exc.value.message_dict
    assert not Agreement.objects.exists()


def test_a_party_listed_twice_is_refused(tree):
    with pytest.raises(ValidationError) as exc:
        make_agreement(owner=tree["mttq"], parties=[(tree["ubnd"], P.SIGNATORY, None), (tree["ubnd"], P.LEAD, None)])
    assert "parties" in exc.value.message_dict


def test_updating_an_agreement_records_what_changed(regulation, front_officer):
    services.agreement_update(
        actor=front_officer,
        agreement=regulation,
        title="Quy chế phối hợp (sửa đổi)",
        areas=["thong-tin-bao-cao-hoi-hop", "kien-nghi-cu-tri"],
    )
    regulation.refresh_from_db()
    assert regulation.title == "Quy chế phối hợp (sửa đổi)"
    event = last_audit("agreement.updated")
    assert event.changes["title"][1] == "Quy chế phối hợp (sửa đổi)"
    assert event.changes["areas"] == [["thong-tin-bao-cao-hoi-hop"], ["kien-nghi-cu-tri", "thong-tin-bao-cao-hoi-hop"]]


def test_an_agreement_cannot_implement_itself_through_a_child(regulation, tree, front_officer):
    child = make_agreement(owner=tree["hlhpn"], parties=[], parent=regulation, number="02/CTrPH")
    with pytest.raises(ValidationError) as exc:
        services.agreement_update(actor=front_officer, agreement=regulation, parent=child)
    assert "parent" in exc.value.message_dict


def test_shortening_the_period_removes_future_untouched_duties_only(regulation, tree, front_officer, time_machine):
    time_machine.move_to(at(dt.date(2024, 11, 15)), tick=False)
    duty = make_obligation(agreement=regulation, owing=[tree["hlhpn"]])
    touched = occurrence(duty, "2025-04-01")
    services.evidence_add(actor=front_officer, occurrence=touched, kind="note", note="Dự thảo báo cáo")
    services.agreement_update(actor=front_officer, agreement=regulation, effective_to=dt.date(2025, 3, 31))
    starts = set(Occurrence.objects.filter(obligation=duty).values_list("period_start", flat=True))
    # The quarters from 01/07/2025 fell outside; the touched 2025-04-01 stays with its evidence.
    assert sorted(d.isoformat() for d in starts) == [
        "2024-01-01",
        "2024-04-01",
        "2024-07-01",
        "2024-10-01",
        "2025-01-01",
        "2025-04-01",
    ]
    assert touched.evidence.count() == 1


def test_replacing_needs_the_new_agreement(regulation, front_officer):
    with pytest.raises(ValidationError) as exc:
        services.agreement_set_status(actor=front_officer, agreement=regulation, status=Agreement.Status.REPLACED)
    assert "replaced_by" in exc.value.message_dict


def test_marking_expired_early_ends_the_period_today_and_drops_later_untouched_duties(
    regulation, tree, front_officer, time_machine
):
    time_machine.move_to(at(dt.date(2025, 2, 20)), tick=False)
    duty = make_obligation(agreement=regulation, owing=[tree["hlhpn"]])
    services.agreement_set_status(actor=front_officer, agreement=regulation, status=Agreement.Status.EXPIRED)
    regulation.refresh_from_db()
    assert regulation.status == Agreement.Status.EXPIRED
    assert regulation.effective_to == dt.date(2025, 2, 20)
    latest = Occurrence.objects.filter(obligation=duty).order_by("-due_on").first()
    # The quarter that had started still falls due (cut at the new end); none after it.
    assert latest.key == "2025-01-01/2025-02-20"
    assert latest.period_end == dt.date(2025, 2, 20)
    event = last_audit("agreement.status_changed")
    assert event.changes["status"] == ["in_force", "expired"]


def test_an_agreement_with_a_completed_duty_cannot_be_deleted(regulation, tree, front_officer, time_machine):
    time_machine.move_to(at(dt.date(2024, 5, 1)), tick=False)
    duty = make_obligation(agreement=regulation, owing=[tree["hlhpn"]])
    services.occurrence_complete(actor=front_officer, occurrence=occurrence(duty, "2024-01-01"), note="Báo cáo số 12")
    with pytest.raises(ValidationError):
        services.agreement_delete(actor=front_officer, agreement=regulation)
    assert Agreement.objects.filter(pk=regulation.pk).exists()


def test_deleting_an_agreement_without_completed_duties_is_audited(regulation, tree, front_officer):
    make_obligation(agreement=regulation, owing=[tree["hlhpn"]])
    pk = regulation.pk
    services.agreement_delete(actor=front_officer, agreement=regulation)
    assert not Agreement.objects.filter(pk=pk).exists()
    assert not Occurrence.objects.exists()
    event = last_audit("agreement.deleted")
    assert event.target_repr.startswith("194/QCPH")
    assert event.unit == tree["mttq"]


def test_an_agreement_that_others_implement_cannot_be_deleted(regulation, tree, front_officer):
    make_agreement(owner=tree["hlhpn"], parties=[], parent=regulation, number="02/CTrPH")
    with pytest.raises(ValidationError):
        services.agreement_delete(actor=front_officer, agreement=regulation)


def test_adding_and_removing_a_party_is_audited(regulation, tree, front_officer):
    party = services.party_add(actor=front_officer, agreement=regulation, unit=tree["sonv"], role=P.MEMBER)
    assert last_audit("agreement.party_added").changes["party"] == [None, "22-SONV"]
    services.party_remove(actor=front_officer, party=party)
    assert not regulation.parties.filter(unit=tree["sonv"]).exists()
    assert last_audit("agreement.party_removed").changes["party"] == ["22-SONV", None]


def test_a_party_that_still_owes_duties_cannot_be_removed(regulation, tree, front_officer):
    make_obligation(agreement=regulation, owing=[tree["hlhpn"]])
    party = regulation.parties.get(unit=tree["hlhpn"])
    with pytest.raises(ValidationError):
        services.party_remove(actor=front_officer, party=party)


def test_a_unit_cannot_be_a_party_twice(regulation, tree, front_officer):
    with pytest.raises(ValidationError) as exc:
        services.party_add(actor=front_officer, agreement=regulation, unit=tree["ubnd"], role=P.MEMBER)
    assert "unit" in exc.value.message_dict


def test_a_signed_scan_must_be_a_pdf(regulation, front_officer, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    with pytest.raises(ValidationError) as exc:
        services.agreement_file_add(
            actor=front_officer,
            agreement=regulation,
            file=SimpleUploadedFile("194.docx", b"PK"),
            kind="scan",
        )
    assert "file" in exc.value.message_dict
    attached = services.agreement_file_add(
        actor=front_officer, agreement=regulation, file=SimpleUploadedFile("194.pdf", b"%PDF-1.4"), kind="scan"
    )
    assert attached.uploaded_by == front_officer
    assert last_audit("agreement.file_added").changes["kind"] == [None, "scan"]


def test_an_amendment_cannot_predate_the_agreement(regulation, front_officer):
    with pytest.raises(ValidationError) as exc:
        services.amendment_add(
            actor=front_officer, agreement=regulation, date=dt.date(2023, 6, 1), summary="Sửa Điều 5"
        )
    assert "date" in exc.value.message_dict
    services.amendment_add(actor=front_officer, agreement=regulation, date=dt.date(2024, 6, 1), summary="Sửa Điều 5")
    assert regulation.amendments.count() == 1
    assert last_audit("agreement.amendment_added").note == "Sửa Điều 5"


# --- Duties and their schedules ---------------------------------------------------------------


def test_a_quarterly_duty_gets_one_occurrence_per_quarter_due_after_it_ends(regulation, tree, front_officer):
    duty = make_obligation(agreement=regulation, owing=[tree["hlhpn"]], receiving_units=[tree["mttq"]])
    rows = list(Occurrence.objects.filter(obligation=duty).order_by("due_on"))
    assert [r.key for r in rows][:2] == ["2024-01-01/2024-03-31", "2024-04-01/2024-06-30"]
    assert len(rows) == 8
    assert (rows[0].period_start, rows[0].period_end, rows[0].due_on) == (
        dt.date(2024, 1, 1),
        dt.date(2024, 3, 31),
        dt.date(2024, 4, 10),
    )
    # 10/01/2026 is a Saturday: the deadline moves to Monday 12/01 (Civil Code art. 148.5).
    assert rows[-1].due_on == dt.date(2026, 1, 12)
    assert {r.province_code for r in rows} == {"22"}
    event = last_audit("obligation.created")
    assert event.changes["owing_units"] == [None, ["22-HLHPN"]]


def test_a_deadline_in_working_days_skips_new_year(regulation, tree):
    duty = make_obligation(agreement=regulation, owing=[tree["hlhpn"]], deadline_days=5, deadline_working_days=True)
    # Quarter ending 31/12/2024: 01/01 is a holiday, 04-05/01 a weekend → 2, 3, 6, 7, 8 January.
    assert occurrence(duty, "2024-10-01").due_on == dt.date(2025, 1, 8)


def test_a_duty_on_each_date_of_its_rule_is_due_that_day(regulation, tree):
    duty = make_obligation(
        agreement=regulation,
        owing=[tree["mttq"]],
        title="Ngày vì người nghèo",
        rrule="FREQ=YEARLY;BYMONTH=10;BYMONTHDAY=17",
        deadline_rule=DR.FIXED_DATE,
    )
    rows = list(Occurrence.objects.filter(obligation=duty).order_by("due_on"))
    assert [r.due_on for r in rows] == [dt.date(2024, 10, 17), dt.date(2025, 10, 17)]
    # The last period is cut at the agreement's end.
    assert rows[-1].period_end == dt.date(2025, 12, 31)


def test_a_one_off_duty_on_a_fixed_date(regulation, tree):
    duty = make_obligation(
        agreement=regulation,
        owing=[tree["ubnd"], tree["mttq"]],
        title="Sơ kết giữa kỳ",
        schedule_kind=SK.ONCE,
        rrule="FREQ=MONTHLY",  # ignored for a one-off duty, and cleared
        deadline_rule=DR.FIXED_DATE,
        deadline_date=dt.date(2024, 5, 31),
    )
    assert duty.rrule == ""
    assert list(Occurrence.objects.filter(obligation=duty).values_list("key", "due_on")) == [
        ("once", dt.date(2024, 5, 31))
    ]


def test_a_final_review_after_the_period_ends(regulation, tree):
    duty = make_obligation(
        agreement=regulation,
        owing=[tree["mttq"]],
        schedule_kind=SK.ONCE,
        deadline_rule=DR.AFTER_PERIOD_END,
        deadline_days=90,
    )
    assert occurrence(duty, "once").due_on == dt.date(2026, 3, 31)


def test_a_deadline_before_the_agreement_starts_is_refused_and_nothing_is_saved(regulation, tree):
    with pytest.raises(ValidationError) as exc:
        make_obligation(
            agreement=regulation,
            owing=[tree["mttq"]],
            schedule_kind=SK.ONCE,
            deadline_rule=DR.FIXED_DATE,
            deadline_date=dt.date(2023, 12, 1),
        )
    assert "deadline_date" in exc.value.message_dict
    assert not Obligation.objects.exists()


def test_a_rule_with_no_date_inside_the_period_is_refused(regulation, tree):
    with pytest.raises(ValidationError) as exc:
        make_obligation(agreement=regulation, owing=[tree["mttq"]], rrule="FREQ=MONTHLY;UNTIL=20231231")
    assert "rrule" in exc.value.message_dict
    assert not Obligation.objects.exists()
    assert not Occurrence.objects.exists()


@pytest.mark.parametrize(
    "rule", ["every month", "FREQ=HOURLY", "DTSTART:20240101\nRRULE:FREQ=MONTHLY", "FREQ=MONTHLY;BYDAY=XX"]
)
def test_a_rule_that_is_not_rfc_5545_is_refused(regulation, tree, rule):
    with pytest.raises(ValidationError) as exc:
        make_obligation(agreement=regulation, owing=[tree["mttq"]], rrule=rule)
    assert "rrule" in exc.value.message_dict


def test_a_rule_giving_hundreds_of_dates_is_refused(regulation, tree):
    with pytest.raises(ValidationError) as exc:
        make_obligation(agreement=regulation, owing=[tree["mttq"]], rrule="FREQ=DAILY")
    assert "rrule" in exc.value.message_dict


def test_a_duty_needs_an_owing_unit(regulation):
    with pytest.raises(ValidationError) as exc:
        make_obligation(agreement=regulation, owing=[])
    assert "owing_units" in exc.value.message_dict
    assert not Obligation.objects.exists()


def test_only_a_party_or_one_of_its_units_owes_a_duty(regulation, tree):
    # 22-SONV is under the party 22-UBND: allowed. The commune is no party.
    make_obligation(agreement=regulation, owing=[tree["sonv"]])
    with pytest.raises(ValidationError) as exc:
        make_obligation(agreement=regulation, owing=[tree["commune_ubnd"]])
    assert "owing_units" in exc.value.message_dict


def test_a_duty_in_an_unknown_or_retired_area_is_refused(regulation, tree, province_admin):
    with pytest.raises(ValidationError) as exc:
        make_obligation(agreement=regulation, owing=[tree["mttq"]], area="khong-co")
    assert "area" in exc.value.message_dict
    retired = services.area_update(
        actor=province_admin, area=Area.objects.get(code="doi-ngoai-nhan-dan"), is_active=False
    )
    with pytest.raises(ValidationError) as exc:
        make_obligation(agreement=regulation, owing=[tree["mttq"]], area=retired)
    assert "area" in exc.value.message_dict


def test_a_duty_refuses_unknown_evidence_kinds(regulation, tree):
    with pytest.raises(ValidationError) as exc:
        make_obligation(agreement=regulation, owing=[tree["mttq"]], evidence_kinds=["photo"])
    assert "evidence_kinds" in exc.value.message_dict


def test_by_a_date_of_the_year_before(regulation, tree):
    duty = make_obligation(
        agreement=regulation,
        owing=[tree["mttq"]],
        title="Đề xuất nội dung giám sát năm sau",
        rrule="",
        deadline_rule=DR.DATE_OF_PREVIOUS_YEAR,
        deadline_date=dt.date(2000, 3, 1),
    )
    assert duty.rrule == "FREQ=YEARLY"
    rows = list(Occurrence.objects.filter(obligation=duty).order_by("due_on"))
    # Topics for 2025 by 01/03/2024; for 2026 by 01/03/2025, a Saturday → Monday 03/03/2025.
    assert [(r.key, r.period_start, r.period_end, r.due_on) for r in rows] == [
        ("2025-01-01/2025-12-31", dt.date(2025, 1, 1), dt.date(2025, 12, 31), dt.date(2024, 3, 1)),
        ("2026-01-01/2026-12-31", dt.date(2026, 1, 1), dt.date(2026, 12, 31), dt.date(2025, 3, 3)),
    ]


def test_by_a_date_of_the_year_before_needs_a_yearly_rule(regulation, tree):
    with pytest.raises(ValidationError) as exc:
        make_obligation(
            agreement=regulation,
            owing=[tree["mttq"]],
            rrule="FREQ=MONTHLY",
            deadline_rule=DR.DATE_OF_PREVIOUS_YEAR,
            deadline_date=dt.date(2000, 3, 1),
        )
    assert "rrule" in exc.value.message_dict


# --- Generation: idempotent, also when two processes race ------------------------------------


def test_generating_twice_creates_nothing_new(regulation, tree):
    duty = make_obligation(agreement=regulation, owing=[tree["hlhpn"]])
    assert Occurrence.objects.filter(obligation=duty).count() == 8
    assert services.occurrences_generate(obligation=duty) == 0
    assert services.occurrences_generate(agreement=regulation) == 0
    assert services.occurrences_generate() == 0
    assert Occurrence.objects.filter(obligation=duty).count() == 8


def test_generation_fills_in_only_what_is_missing(regulation, tree):
    duty = make_obligation(agreement=regulation, owing=[tree["hlhpn"]])
    Occurrence.objects.filter(obligation=duty, key__startswith="2025").delete()
    assert services.occurrences_generate(obligation=duty) == 4
    assert Occurrence.objects.filter(obligation=duty).count() == 8


def test_two_processes_generating_at_once_do_not_duplicate_or_fail(regulation, tree):
    duty = make_obligation(agreement=regulation, owing=[tree["hlhpn"]])
    Occurrence.objects.filter(obligation=duty).delete()
    # Both processes read the database before either writes: each plans all eight.
    first = services.occurrences_missing(obligation=duty)
    second = services.occurrences_missing(obligation=duty)
    assert len(first) == len(second) == 8
    # Meanwhile a third writer saves one of the same keys.
    Occurrence.objects.create(obligation=duty, key="2024-07-01/2024-09-30", due_on=dt.date(2024, 10, 10))
    assert services.occurrences_save(first) == 7
    assert services.occurrences_save(second) == 0
    assert Occurrence.objects.filter(obligation=duty).count() == 8
    assert Occurrence.objects.filter(obligation=duty, key="2024-07-01/2024-09-30").count() == 1


# --- Editing a schedule -----------------------------------------------------------------------


def test_editing_a_schedule_keeps_every_completed_occurrence_and_its_evidence(
    regulation, tree, front_officer, time_machine
):
    time_machine.move_to(at(dt.date(2024, 11, 15)), tick=False)
    duty = make_obligation(agreement=regulation, owing=[tree["hlhpn"]])
    done_q1 = services.occurrence_complete(
        actor=front_officer,
        occurrence=occurrence(duty, "2024-01-01"),
        completed_on=dt.date(2024, 4, 8),
        note="Báo cáo số 15/BC-HLHPN",
    )
    done_q2 = occurrence(duty, "2024-04-01")
    file_evidence = services.evidence_add(
        actor=front_officer, occurrence=done_q2, kind="note", note="Biên bản họp giao ban quý II"
    )
    services.occurrence_complete(actor=front_officer, occurrence=done_q2, completed_on=dt.date(2024, 7, 20))
    started = occurrence(duty, "2025-04-01")  # future, but someone already attached a draft
    services.evidence_add(actor=front_officer, occurrence=started, kind="note", note="Dự thảo")
    evidence_before = set(Evidence.objects.values_list("pk", flat=True))

    services.obligation_update(
        actor=front_officer,
        obligation=duty,
        rrule="FREQ=YEARLY;BYMONTH=1,7;BYMONTHDAY=1",
        deadline_days=15,
    )

    duty.refresh_from_db()
    assert duty.schedule_version == 2
    assert duty.schedule_changed_on == dt.date(2024, 11, 15)
    # Every completed occurrence and every piece of evidence is still there, unchanged.
    assert set(Evidence.objects.values_list("pk", flat=True)) == evidence_before
    for done in (done_q1, done_q2):
        done.refresh_from_db()
        assert done.state == Occurrence.State.DONE
        assert done.schedule_version == 1
    assert file_evidence.occurrence_id == done_q2.pk
    # Past untouched duties stay as they were made (Q3 2024 is overdue, not rewritten).
    assert occurrence(duty, "2024-07-01/2024-09-30").due_on == dt.date(2024, 10, 10)
    # The touched future one stays; the untouched future ones follow the new half-yearly rule.
    keys = dict(Occurrence.objects.filter(obligation=duty).values_list("key", "schedule_version"))
    assert keys == {
        "2024-01-01/2024-03-31": 1,
        "2024-04-01/2024-06-30": 1,
        "2024-07-01/2024-09-30": 1,
        # The old Q4 2024 (due 10/01/2025) was untouched: the second half-year replaces it. The
        # new first half of 2024 fell due (15/07) before the edit, so it is not made afterwards.
        "2024-07-01/2024-12-31": 2,
        "2025-01-01/2025-06-30": 2,
        "2025-04-01/2025-06-30": 1,
        "2025-07-01/2025-12-31": 2,
    }
    assert occurrence(duty, "2024-07-01/2024-12-31").due_on == dt.date(2025, 1, 15)
    # A later run adds nothing under the new rule before the day of the change.
    assert services.occurrences_generate(obligation=duty) == 0
    event = last_audit("obligation.updated")
    assert event.changes["schedule_version"] == [1, 2]
    assert "re-planned" in event.note


def test_editing_only_the_text_of_a_duty_leaves_its_occurrences_alone(regulation, tree, front_officer):
    duty = make_obligation(agreement=regulation, owing=[tree["hlhpn"]])
    ids = set(Occurrence.objects.filter(obligation=duty).values_list("pk", flat=True))
    services.obligation_update(actor=front_officer, obligation=duty, title="Báo cáo quý", article_ref="Điều 9")
    duty.refresh_from_db()
    assert duty.schedule_version == 1
    assert set(Occurrence.objects.filter(obligation=duty).values_list("pk", flat=True)) == ids
    assert last_audit("obligation.updated").changes["article_ref"] == ["", "Điều 9"]


def test_a_schedule_edit_that_gives_no_date_is_refused_and_changes_nothing(regulation, tree, front_officer):
    duty = make_obligation(agreement=regulation, owing=[tree["hlhpn"]])
    with pytest.raises(ValidationError):
        services.obligation_update(actor=front_officer, obligation=duty, rrule="FREQ=MONTHLY;UNTIL=20230101")
    duty.refresh_from_db()
    assert duty.rrule == "FREQ=YEARLY;BYMONTH=1,4,7,10;BYMONTHDAY=1"
    assert Occurrence.objects.filter(obligation=duty).count() == 8


# --- Events -----------------------------------------------------------------------------------


def session_duty(agreement, tree, **fields):
    return factories.make_session_duty(agreement=agreement, owing=[tree["mttq"]], **fields)


def test_entering_a_session_creates_the_duties_due_before_it(regulation, tree, ubnd_officer):
    duty = session_duty(regulation, tree)
    assert not duty.occurrences.exists()  # no session entered yet: allowed
    session = make_event(host=tree["ubnd"], starts_on=dt.date(2024, 7, 10), ends_on=dt.date(2024, 7, 12))
    row = duty.occurrences.get()
    assert row.key == f"event:{session.pk}"
    assert row.event == session
    # Ten days before 10/07/2024 is Sunday 30/06: a before-event deadline moves earlier, to Friday 28/06.
    assert row.due_on == dt.date(2024, 6, 28)
    event = last_audit("event.created")
    assert event.unit == tree["ubnd"]
    assert "1 occurrences" in event.note


def test_a_duty_due_after_each_session_counts_from_its_last_day(regulation, tree):
    duty = session_duty(regulation, tree, deadline_rule=DR.AFTER_EVENT, deadline_days=5)
    make_event(host=tree["ubnd"], starts_on=dt.date(2024, 12, 9), ends_on=dt.date(2024, 12, 11))
    assert duty.occurrences.get().due_on == dt.date(2024, 12, 16)


def test_a_commune_session_does_not_create_provincial_duties(regulation, commune_agreement, tree):
    provincial = session_duty(regulation, tree)
    commune = make_obligation(
        agreement=commune_agreement,
        owing=[tree["commune_mttq"]],
        schedule_kind=SK.EVENT,
        rrule="",
        event_kind=Event.Kind.COUNCIL_REGULAR_SESSION,
        deadline_rule=DR.BEFORE_EVENT,
        deadline_days=5,
    )
    make_event(host=tree["commune_ubnd"], starts_on=dt.date(2025, 12, 15))
    assert not provincial.occurrences.exists()
    assert commune.occurrences.count() == 1


def test_a_session_outside_the_period_creates_nothing(regulation, tree):
    duty = session_duty(regulation, tree)
    make_event(host=tree["ubnd"], starts_on=dt.date(2026, 7, 8))
    assert not duty.occurrences.exists()


def test_moving_a_session_moves_untouched_duties_but_not_touched_ones(regulation, tree, front_officer, ubnd_officer):
    duty = session_duty(regulation, tree)
    other = session_duty(regulation, tree, title="Tổng hợp ý kiến cử tri")
    session = make_event(host=tree["ubnd"], starts_on=dt.date(2024, 7, 10))
    touched = other.occurrences.get()
    services.evidence_add(actor=front_officer, occurrence=touched, kind="note", note="Đã gửi")
    services.event_update(actor=ubnd_officer, event=session, starts_on=dt.date(2024, 7, 17))
    assert duty.occurrences.get().due_on == dt.date(2024, 7, 5)
    touched.refresh_from_db()
    assert touched.due_on == dt.date(2024, 6, 28)
    assert last_audit("event.updated").changes["starts_on"] == ["2024-07-10", "2024-07-17"]


def test_an_event_cannot_end_before_it_starts(tree):
    with pytest.raises(ValidationError) as exc:
        make_event(host=tree["ubnd"], starts_on=dt.date(2024, 7, 10), ends_on=dt.date(2024, 7, 9))
    assert "ends_on" in exc.value.message_dict
    assert not Event.objects.exists()


def test_an_event_whose_duties_were_acted_on_cannot_be_deleted(regulation, tree, front_officer, ubnd_officer):
    duty = session_duty(regulation, tree)
    session = make_event(host=tree["ubnd"], starts_on=dt.date(2024, 7, 10))
    services.evidence_add(actor=front_officer, occurrence=duty.occurrences.get(), kind="note", note="Đã gửi")
    with pytest.raises(ValidationError):
        services.event_delete(actor=ubnd_officer, event=session)
    assert Event.objects.filter(pk=session.pk).exists()


def test_deleting_an_untouched_event_removes_its_occurrences_and_is_audited(regulation, tree, ubnd_officer):
    duty = session_duty(regulation, tree)
    session = make_event(host=tree["ubnd"], starts_on=dt.date(2024, 7, 10))
    services.event_delete(actor=ubnd_officer, event=session)
    assert not duty.occurrences.exists()
    assert last_audit("event.deleted").unit == tree["ubnd"]


# --- Occurrences and evidence -----------------------------------------------------------------


@pytest.fixture
def duty(regulation, tree):
    return make_obligation(agreement=regulation, owing=[tree["hlhpn"]])


def test_completing_needs_evidence(duty, front_officer, time_machine):
    time_machine.move_to(at(dt.date(2024, 4, 5)), tick=False)
    row = occurrence(duty, "2024-01-01")
    with pytest.raises(ValidationError) as exc:
        services.occurrence_complete(actor=front_officer, occurrence=row)
    assert "note" in exc.value.message_dict
    row.refresh_from_db()
    assert row.state == Occurrence.State.OPEN


def test_completing_with_a_note_keeps_the_note_as_evidence(duty, front_officer, time_machine, tree):
    time_machine.move_to(at(dt.date(2024, 4, 5)), tick=False)
    row = services.occurrence_complete(
        actor=front_officer, occurrence=occurrence(duty, "2024-01-01"), note="Báo cáo số 15/BC-HLHPN ngày 05/4/2024"
    )
    row.refresh_from_db()
    assert (row.state, row.completed_on, row.completed_by, row.touched) == (
        Occurrence.State.DONE,
        dt.date(2024, 4, 5),
        front_officer,
        True,
    )
    assert row.evidence.get().kind == Evidence.Kind.NOTE
    event = last_audit("occurrence.completed")
    assert event.changes["state"] == ["open", "done"]
    assert event.unit == tree["mttq"]


def test_completing_with_evidence_already_attached(duty, front_officer, time_machine):
    time_machine.move_to(at(dt.date(2024, 4, 5)), tick=False)
    row = occurrence(duty, "2024-01-01")
    services.evidence_add(actor=front_officer, occurrence=row, kind="note", note="Báo cáo quý I")
    services.occurrence_complete(actor=front_officer, occurrence=row, completed_on=dt.date(2024, 4, 3))
    row.refresh_from_db()
    assert row.completed_on == dt.date(2024, 4, 3)


def test_a_completion_date_in_the_future_or_before_the_agreement_is_refused(duty, front_officer, time_machine):
    time_machine.move_to(at(dt.date(2024, 4, 5)), tick=False)
    row = occurrence(duty, "2024-01-01")
    for day in (dt.date(2024, 4, 6), dt.date(2023, 12, 31)):
        with pytest.raises(ValidationError) as exc:
            services.occurrence_complete(actor=front_officer, occurrence=row, completed_on=day, note="x")
        assert "completed_on" in exc.value.message_dict
    assert not row.evidence.exists()


def test_completing_twice_is_refused(duty, front_officer, time_machine):
    time_machine.move_to(at(dt.date(2024, 4, 5)), tick=False)
    row = services.occurrence_complete(actor=front_officer, occurrence=occurrence(duty, "2024-01-01"), note="x")
    with pytest.raises(ValidationError):
        services.occurrence_complete(actor=front_officer, occurrence=row, note="y")


def test_a_duty_that_wants_a_file_does_not_take_a_note(regulation, tree, front_officer, time_machine):
    time_machine.move_to(at(dt.date(2024, 4, 5)), tick=False)
    strict = make_obligation(agreement=regulation, owing=[tree["hlhpn"]], evidence_kinds=["file"])
    row = occurrence(strict, "2024-01-01")
    with pytest.raises(ValidationError) as exc:
        services.occurrence_complete(actor=front_officer, occurrence=row, note="Đã làm")
    assert "note" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:
        services.evidence_add(actor=front_officer, occurrence=row, kind="note", note="Đã làm")
    assert "kind" in exc.value.message_dict


def test_evidence_needs_its_content(duty, front_officer):
    row = occurrence(duty, "2024-01-01")
    with pytest.raises(ValidationError) as exc:
        services.evidence_add(actor=front_officer, occurrence=row, kind="note", note="  ")
    assert "note" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:
        services.evidence_add(actor=front_officer, occurrence=row, kind="file")
    assert "file" in exc.value.message_dict


def test_adding_evidence_marks_the_occurrence_touched_and_is_audited(duty, front_officer, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    row = occurrence(duty, "2024-01-01")
    evidence = services.evidence_add(
        actor=front_officer, occurrence=row, kind="file", file=SimpleUploadedFile("bao-cao.pdf", b"%PDF")
    )
    row.refresh_from_db()
    assert row.touched
    assert evidence.added_by == front_officer
    assert last_audit("occurrence.evidence_added").changes["kind"] == [None, "file"]


def test_reopening_needs_a_reason_and_is_audited(duty, front_officer, time_machine):
    time_machine.move_to(at(dt.date(2024, 4, 5)), tick=False)
    row = services.occurrence_complete(actor=front_officer, occurrence=occurrence(duty, "2024-01-01"), note="x")
    with pytest.raises(ValidationError) as exc:
        services.occurrence_reopen(actor=front_officer, occurrence=row, reason=" ")
    assert "reason" in exc.value.message_dict
    services.occurrence_reopen(actor=front_officer, occurrence=row, reason="Báo cáo thiếu số liệu")
    row.refresh_from_db()
    assert (row.state, row.completed_on, row.completed_by) == (Occurrence.State.OPEN, None, None)
    assert row.evidence.count() == 1  # the evidence stays
    event = last_audit("occurrence.reopened")
    assert event.note == "Báo cáo thiếu số liệu"
    assert event.changes["state"] == ["done", "open"]
    with pytest.raises(ValidationError):
        services.occurrence_reopen(actor=front_officer, occurrence=row, reason="again")


def test_waiving_records_who_and_why(duty, front_officer):
    row = occurrence(duty, "2024-01-01")
    with pytest.raises(ValidationError) as exc:
        services.occurrence_waive(actor=front_officer, occurrence=row, reason="")
    assert "reason" in exc.value.message_dict
    services.occurrence_waive(actor=front_officer, occurrence=row, reason="Gộp vào báo cáo 6 tháng")
    row.refresh_from_db()
    assert (row.state, row.waived_by, row.waived_reason) == (
        Occurrence.State.WAIVED,
        front_officer,
        "Gộp vào báo cáo 6 tháng",
    )
    assert last_audit("occurrence.waived").note == "Gộp vào báo cáo 6 tháng"
    with pytest.raises(ValidationError):
        services.occurrence_complete(actor=front_officer, occurrence=row, note="x")
    with pytest.raises(ValidationError):
        services.evidence_add(actor=front_officer, occurrence=row, kind="note", note="x")


def test_a_done_occurrence_cannot_be_waived(duty, front_officer, time_machine):
    time_machine.move_to(at(dt.date(2024, 4, 5)), tick=False)
    row = services.occurrence_complete(actor=front_officer, occurrence=occurrence(duty, "2024-01-01"), note="x")
    with pytest.raises(ValidationError):
        services.occurrence_waive(actor=front_officer, occurrence=row, reason="y")


# --- Areas ------------------------------------------------------------------------------------


def test_the_seeded_areas_are_there(db):
    assert Area.objects.count() == 13
    assert Area.objects.get(code="kien-nghi-cu-tri").name == "Ý kiến, kiến nghị cử tri"


def test_areas_are_created_once_per_code_and_audited(province_admin):
    area = services.area_create(actor=province_admin, code="chuyen-doi-so", name="Chuyển đổi số")
    assert last_audit("area.created").target_id == str(area.pk)
    with pytest.raises(ValidationError) as exc:
        services.area_create(actor=province_admin, code="chuyen-doi-so", name="Trùng")
    assert "code" in exc.value.message_dict
    services.area_update(actor=province_admin, area=area, name="Chuyển đổi số, dữ liệu")
    assert last_audit("area.updated").changes["name"] == ["Chuyển đổi số", "Chuyển đổi số, dữ liệu"]


# --- The generate_occurrences command ---------------------------------------------------------


def run_command(*args):
    out = io.StringIO()
    call_command("generate_occurrences", *args, stdout=out)
    return out.getvalue().strip()


def test_the_command_fills_in_missing_occurrences_once(regulation, commune_agreement, tree):
    duty = make_obligation(agreement=regulation, owing=[tree["hlhpn"]])
    make_obligation(agreement=commune_agreement, owing=[tree["commune_ubnd"]])
    Occurrence.objects.filter(obligation=duty).delete()
    assert run_command("--dry-run") == "dry run: 8 occurrences would be created for 2 duties"
    assert not Occurrence.objects.filter(obligation=duty).exists()
    assert run_command("--agreement", str(commune_agreement.pk)) == "0 occurrences created for 1 duties"
    assert run_command() == "8 occurrences created for 2 duties"
    assert run_command() == "0 occurrences created for 2 duties"


def test_the_command_refuses_an_unknown_agreement(db):
    with pytest.raises(CommandError):
        run_command("--agreement", "999999")


# --- The Django admin -------------------------------------------------------------------------


@pytest.fixture
def superuser(db, settings):
    from phoihop.orgs.models import User

    settings.PHOIHOP_REQUIRE_ADMIN_2FA = False
    return User.objects.create_superuser("root", "root@example.vn", "correct-horse-battery")


def test_the_admin_shows_agreements_read_only_and_edits_areas_through_the_services(client, superuser, regulation, tree):
    make_obligation(agreement=regulation, owing=[tree["hlhpn"]])
    client.force_login(superuser)
    for model in ("agreement", "obligation", "occurrence", "evidence", "event", "area"):
        assert client.get(f"/django-admin/agreements/{model}/").status_code == 200, model
    assert client.get(f"/django-admin/agreements/agreement/{regulation.pk}/change/").status_code == 200
    assert client.get("/django-admin/agreements/agreement/add/").status_code == 403
    response = client.post(
        "/django-admin/agreements/area/add/",
        {"code": "chuyen-doi-so", "name": "Chuyển đổi số", "order": 200, "is_active": "on"},
    )
    assert response.status_code == 302
    area = Area.objects.get(code="chuyen-doi-so", is_active=True)
    assert last_audit("area.created").target_id == str(area.pk)
