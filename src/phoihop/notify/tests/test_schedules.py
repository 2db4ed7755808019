"""The reminder engine: thresholds in working days, once per key, escalation, and the providers."""

from __future__ import annotations

import datetime as dt
import threading

import pytest
from django.core.management import call_command
from django.db import connection
from django.utils.translation import gettext_lazy as _

from phoihop.notify.models import Kind, Notification
from phoihop.notify.schedules import DueItem, run_schedules

D = dt.date

pytestmark = pytest.mark.django_db


def item(unit, due_on, *, key="tasks.task:1", title="Tổng hợp ý kiến cử tri", people=()):
    return DueItem(
        key=key, title=title, url="/tasks/1/", due_on=due_on, unit=unit, people=tuple(people), label=_("Duty")
    )


def keys_of(user):
    return sorted(Notification.objects.filter(recipient=user).values_list("key", flat=True))


def test_the_3_day_reminder_before_a_due_date_after_tet_fires_before_tet(tree, commune_officer, due_items):
    # Due Monday 23/02/2026. Tết 2026 is 16–20/02 (five weekdays off), so the working days
    # before it are 13/02, 12/02, 11/02: the 3-working-day reminder fires on Wednesday 11/02.
    due_items.append(item(tree["commune_ubnd"], D(2026, 2, 23)))

    run_schedules(today=D(2026, 2, 10), send_digests=False)
    assert keys_of(commune_officer) == ["tasks.task:1:due:7:2026-02-23"]  # the day before: still the 7-day one

    run_schedules(today=D(2026, 2, 11), send_digests=False)
    assert "tasks.task:1:due:3:2026-02-23" in keys_of(commune_officer)
    reminder = Notification.objects.get(key="tasks.task:1:due:3:2026-02-23")
    assert reminder.kind == Kind.DUE_SOON and reminder.url == "/tasks/1/"
    assert "Tổng hợp ý kiến cử tri" in reminder.title and "23/02/2026" in reminder.title

    # Friday 13/02 is the last working day before: the 1-day reminder; Tết itself adds nothing.
    run_schedules(today=D(2026, 2, 12), send_digests=False)
    assert len(keys_of(commune_officer)) == 2
    run_schedules(today=D(2026, 2, 13), send_digests=False)
    for day in (16, 17, 18, 19, 20, 23):
        run_schedules(today=D(2026, 2, day), send_digests=False)
    assert keys_of(commune_officer) == [
        "tasks.task:1:due:1:2026-02-23",
        "tasks.task:1:due:3:2026-02-23",
        "tasks.task:1:due:7:2026-02-23",
    ]


def test_an_item_first_seen_two_days_before_gets_only_the_tightest_reminder(tree, commune_officer, due_items):
    due_items.append(item(tree["commune_ubnd"], D(2026, 3, 13)))
    report = run_schedules(today=D(2026, 3, 11), send_digests=False)  # 2 working days before
    assert keys_of(commune_officer) == ["tasks.task:1:due:3:2026-03-13"]
    assert report.made[Kind.DUE_SOON] == 1 and report.items == 1


def test_running_twice_sends_each_reminder_once(tree, commune_officer, commune_leader, due_items):
    due_items.append(item(tree["commune_ubnd"], D(2026, 3, 13)))
    first = run_schedules(today=D(2026, 3, 10), send_digests=False)
    second = run_schedules(today=D(2026, 3, 10), send_digests=False)
    assert first.made[Kind.DUE_SOON] == 2 and second.made[Kind.DUE_SOON] == 0
    assert Notification.objects.count() == 2


def test_running_twice_mails_each_reminder_once(
    tree, commune_officer, due_items, mailoutbox, django_capture_on_commit_callbacks
):
    from phoihop.notify.services import preference_update

    preference_update(actor=commune_officer, user=commune_officer, email_mode="immediate")
    due_items.append(item(tree["commune_ubnd"], D(2026, 3, 13)))
    for _run in range(2):
        with django_capture_on_commit_callbacks(execute=True):
            run_schedules(today=D(2026, 3, 10), send_digests=False)
    assert len(mailoutbox) == 1
    assert mailoutbox[0].to == ["xa@example.vn"]


def test_a_moved_deadline_reminds_again(tree, commune_officer, due_items):
    due_items.append(item(tree["commune_ubnd"], D(2026, 3, 13)))
    run_schedules(today=D(2026, 3, 11), send_digests=False)
    due_items[0] = item(tree["commune_ubnd"], D(2026, 3, 12))
    run_schedules(today=D(2026, 3, 11), send_digests=False)
    assert keys_of(commune_officer) == ["tasks.task:1:due:1:2026-03-12", "tasks.task:1:due:3:2026-03-13"]


def test_overdue_once_then_escalation_to_the_leaders_then_to_the_level_above(
    tree, commune_officer, commune_leader, commune_admin, officer_other_commune, due_items
):
    # Due Monday 02/03/2026; 5 working days overdue on 09/03, 10 on 16/03.
    due_items.append(item(tree["commune_ubnd"], D(2026, 3, 2), people=[commune_officer]))

    run_schedules(today=D(2026, 3, 3), send_digests=False)
    assert keys_of(commune_officer) == ["tasks.task:1:overdue:2026-03-02"]
    assert keys_of(commune_leader) == []

    run_schedules(today=D(2026, 3, 6), send_digests=False)  # 4 working days late: not yet
    assert keys_of(commune_leader) == []

    run_schedules(today=D(2026, 3, 9), send_digests=False)
    assert keys_of(commune_leader) == ["tasks.task:1:escalated:1:2026-03-02"]
    escalation = Notification.objects.get(recipient=commune_leader)
    assert escalation.kind == Kind.ESCALATED and "UBND phường An Sinh" in escalation.title
    assert keys_of(commune_admin) == []

    run_schedules(today=D(2026, 3, 13), send_digests=False)
    assert keys_of(commune_admin) == []
    run_schedules(today=D(2026, 3, 16), send_digests=False)
    # The level above 07090-UBND with a leader is the commune itself (its unit administrator).
    assert keys_of(commune_admin) == ["tasks.task:1:escalated:2:2026-03-02"]
    assert keys_of(commune_officer) == ["tasks.task:1:overdue:2026-03-02"]  # overdue said once
    assert keys_of(officer_other_commune) == []


def test_items_overdue_for_longer_than_the_look_back_are_left_alone(tree, commune_officer, due_items, settings):
    settings.PHOIHOP_REMINDER_LOOKBACK_DAYS = 30
    due_items.append(item(tree["commune_ubnd"], D(2026, 1, 5)))
    assert run_schedules(today=D(2026, 3, 2), send_digests=False).items == 0
    assert keys_of(commune_officer) == []


def test_a_failing_provider_is_reported_and_the_others_still_remind(tree, commune_officer, due_items):
    from phoihop.notify import schedules

    def broken(*, today, horizon):
        raise RuntimeError("boom")

    schedules.register("broken", broken)
    try:
        due_items.append(item(tree["commune_ubnd"], D(2026, 3, 13)))
        report = run_schedules(today=D(2026, 3, 11), send_digests=False)
    finally:
        schedules.unregister("broken")
    assert report.errors and "boom" in report.errors[0]
    assert keys_of(commune_officer) == ["tasks.task:1:due:3:2026-03-13"]


def test_the_reminder_is_written_in_each_recipients_language(tree, commune_officer, commune_leader, due_items):
    commune_leader.language = "en"
    commune_leader.save(update_fields=["language"])
    due_items.append(item(tree["commune_ubnd"], D(2026, 3, 13)))
    run_schedules(today=D(2026, 3, 11), send_digests=False)
    assert Notification.objects.get(recipient=commune_officer).title.startswith("Nội dung phối hợp “")
    assert Notification.objects.get(recipient=commune_leader).title.startswith("Duty “")


def test_the_command_prints_its_report_and_takes_a_day(tree, commune_officer, due_items, capsys):
    due_items.append(item(tree["commune_ubnd"], D(2026, 3, 13)))
    call_command("run-schedules", "--today", "2026-03-11", "--no-digests")
    out = capsys.readouterr().out
    assert "2026-03-11: 1 open items; due_soon=1 overdue=0 escalated=0" in out


def test_the_command_refuses_a_bad_day():
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="YYYY-MM-DD"):
        call_command("run-schedules", "--today", "11/03/2026")


@pytest.mark.django_db(transaction=True)
def test_two_concurrent_runs_make_one_notification(tree, commune_officer, due_items):
    if connection.vendor == "sqlite":
        pytest.skip("SQLite runs one writer at a time, so two runs cannot race; the unique constraint is the guarantee")
    due_items.append(item(tree["commune_ubnd"], D(2026, 3, 13)))
    barrier = threading.Barrier(2)
    reports, errors = [], []

    def run():
        from django.db import connection as thread_connection

        try:
            barrier.wait(timeout=10)
            reports.append(run_schedules(today=D(2026, 3, 11), send_digests=False))
        except Exception as exc:  # surfaced by the assertion below
            errors.append(exc)
        finally:
            thread_connection.close()

    threads = [threading.Thread(target=run) for _n in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert errors == []
    assert Notification.objects.filter(recipient=commune_officer).count() == 1
    assert sorted(r.made[Kind.DUE_SOON] for r in reports) == [0, 1]


# --- The providers of agreements and reporting ------------------------------------------------


def test_an_open_duty_reminds_the_officers_of_the_unit_that_owes_it(tree, commune_officer, officer_other_commune):
    from phoihop.agreements.models import AgreementParty, Occurrence
    from phoihop.agreements.tests.factories import make_agreement, make_obligation

    agreement = make_agreement(
        owner=tree["commune_mttq"],
        parties=[
            (tree["commune_ubnd"], AgreementParty.Role.SIGNATORY, None),
            (tree["commune_mttq"], AgreementParty.Role.SIGNATORY, None),
        ],
        effective_from=D(2026, 1, 1),
        effective_to=D(2026, 12, 31),
    )
    make_obligation(agreement=agreement, owing=[tree["commune_ubnd"]])
    occurrence = Occurrence.objects.filter(state="open").order_by("due_on").first()
    run_schedules(today=occurrence.due_on - dt.timedelta(days=1), send_digests=False)
    notification = Notification.objects.get(recipient=commune_officer)
    assert notification.kind == Kind.DUE_SOON
    assert notification.url == f"/agreements/due/{occurrence.pk}/"
    assert notification.target == f"agreements.occurrence:{occurrence.pk}"
    assert not Notification.objects.filter(recipient=officer_other_commune).exists()


def test_a_missing_report_reminds_the_unit_and_a_submitted_one_does_not(
    tree, commune_officer, officer_other_commune, django_assert_max_num_queries
):
    from phoihop.calendar.periods import parse_period, submission_deadline
    from phoihop.orgs.models import Unit
    from phoihop.reporting import services as reporting_services
    from phoihop.reporting.reminders_due import missing_reports
    from phoihop.reporting.tests.factories import make_form

    form = make_form(
        owner=tree["ubnd"],
        code="XA-THANG",
        name="Báo cáo tháng",
        assigned_unit_kinds=[Unit.Kind.PEOPLE_COMMITTEE],
        assigned_territory_kinds=[Unit.Kind.COMMUNE],
        fields=[],
    )
    period = parse_period("202603")
    deadline = submission_deadline(period, form.deadline_working_days)
    submission = reporting_services.submission_open(
        actor=officer_other_commune, form=form, unit=tree["other_ubnd"], period_id="202603"
    )
    reporting_services.submission_submit(actor=officer_other_commune, submission=submission)
    today = deadline - dt.timedelta(days=1)
    with django_assert_max_num_queries(12):
        items = list(missing_reports(today=today, horizon=deadline + dt.timedelta(days=20)))
    assert [(i.unit.code, i.due_on) for i in items if i.key.endswith(":202603")] == [("07090-UBND", deadline)]
    run_schedules(today=today, send_digests=False)
    reminder = Notification.objects.get(recipient=commune_officer, key__contains="202603")
    assert reminder.url == f"/reporting/forms/{form.pk}/units/{tree['commune_ubnd'].pk}/202603/"
    assert not Notification.objects.filter(recipient=officer_other_commune, key__contains="202603").exists()


def test_the_one_click_report_reminder_reaches_the_inbox_without_a_second_mail(
    tree, province_admin, commune_officer, mailoutbox, django_capture_on_commit_callbacks
):
    from phoihop.notify.services import preference_update
    from phoihop.orgs.models import Unit
    from phoihop.reporting.reminders import submission_remind
    from phoihop.reporting.tests.factories import make_form

    form = make_form(
        owner=tree["ubnd"],
        code="XA-THANG",
        name="Báo cáo tháng",
        assigned_unit_kinds=[Unit.Kind.PEOPLE_COMMITTEE],
        assigned_territory_kinds=[Unit.Kind.COMMUNE],
    )
    preference_update(actor=commune_officer, user=commune_officer, email_mode="immediate")
    with django_capture_on_commit_callbacks(execute=True):
        submission_remind(actor=province_admin, form=form, unit=tree["commune_ubnd"], period_id="202603")
    notification = Notification.objects.get(recipient=commune_officer)
    assert notification.kind == Kind.URGED and "Báo cáo tháng" in notification.title
    assert notification.emailed_at is not None
    assert len(mailoutbox) == 1  # the reminder letter itself, not one more from the inbox
