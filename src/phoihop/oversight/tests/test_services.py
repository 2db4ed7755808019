"""A supervision walked from programme to escalation, with the deadline rules and the bad-input refusals."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.test import override_settings
from django.utils import translation

from phoihop.core.models import AuditEvent
from phoihop.documents.models import IssuedNumber
from phoihop.notify.models import Kind, Notification
from phoihop.oversight import services
from phoihop.oversight.models import Escalation, Recommendation, Supervision


@pytest.fixture(autouse=True)
def _english():
    """The refusals are matched by their English source words, whatever the catalogue says."""
    with translation.override("en"):
        yield


D = dt.date
pytestmark = pytest.mark.django_db


def test_programme_to_escalation_walk_with_a_deadline_across_tet(
    tree, front_officer, front_leader, commune_officer, ward_sent
):
    programme = services.programme_create(
        actor=front_officer, front_unit=tree["mttq"], year=2026, title="Chương trình giám sát năm 2026"
    )
    item = services.programme_item_add(
        actor=front_officer,
        programme=programme,
        topic="Thực hiện chính sách giảm nghèo",
        subjects=[tree["commune_ubnd"]],
        planned_quarter=1,
        form="team",
    )
    supervision = services.supervision_create(
        actor=front_officer,
        front_unit=tree["mttq"],
        title="Thực hiện chính sách giảm nghèo tại phường An Sinh",
        form="team",
        subjects=[tree["commune_ubnd"]],
        starts_on=D(2026, 1, 20),
        ends_on=D(2026, 1, 23),
        programme_item=item,
    )
    services.team_member_add(
        actor=front_officer, supervision=supervision, user=front_leader, unit=tree["mttq"], role="head"
    )
    # The plan reaches the ward 15 days before the start: 05/01/2026 is the last day.
    services.supervision_notify(actor=front_officer, supervision=supervision, on_date=D(2026, 1, 5))
    assert supervision.status == Supervision.Status.NOTIFIED
    assert Notification.objects.filter(recipient=commune_officer, kind=Kind.INFO).exists()
    numbers = IssuedNumber.objects.filter(issuing_unit=tree["mttq"]).order_by("sequence")
    assert [(n.symbol, n.sequence) for n in numbers] == [("KH-MTTQ", 1), ("QĐ-MTTQ", 2)]

    services.supervision_start(actor=front_officer, supervision=supervision)
    services.activity_add(
        actor=front_leader, supervision=supervision, kind="visit", date=D(2026, 1, 21), note="Thăm hộ nghèo."
    )
    services.finding_add(actor=front_leader, supervision=supervision, text="Danh sách hộ nghèo chưa được niêm yết.")
    services.supervision_conclude(
        actor=front_officer, supervision=supervision, conclusion="Cần công khai danh sách.", on_date=D(2026, 2, 4)
    )
    assert supervision.status == Supervision.Status.CONCLUDED
    assert IssuedNumber.objects.filter(issuing_unit=tree["mttq"], symbol="BC-MTTQ", sequence=3).exists()

    recommendation = services.recommendation_create(
        actor=front_officer,
        supervision=supervision,
        addressee=tree["commune_ubnd"],
        text="Niêm yết danh sách hộ nghèo.",
    )
    services.recommendation_send(actor=front_officer, recommendation=recommendation, on_date=D(2026, 2, 5))
    # 05/02 + 15 days = 20/02/2026, the fourth day of Tết; Sat 21 and Sun 22 follow: Monday 23/02.
    assert recommendation.deadline == D(2026, 2, 23)
    assert Notification.objects.filter(recipient=commune_officer, kind=Kind.ASSIGNED).exists()
    # Unanswered: 23/02 + 20 days = Sunday 15/03 → Monday 16/03/2026.
    assert services.escalation_due(recommendation) == D(2026, 3, 16)
    assert services.run_escalations(D(2026, 3, 13)) == []
    with pytest.raises(ValidationError, match="16/03/2026"):
        services.recommendation_escalate(actor=front_officer, recommendation=recommendation, today=D(2026, 3, 13))

    # The ward's Front escalates to the province's: the level above.
    ward_rec = ward_sent

    escalated = services.run_escalations(D(2026, 3, 16))
    assert {e.recommendation_id for e in escalated} == {recommendation.pk, ward_rec.pk}
    by_rec = {e.recommendation_id: e for e in escalated}
    assert by_rec[ward_rec.pk].to_unit == tree["mttq"]
    # The province's Front has no Front above: its letter urges the agency, and stays with it.
    assert by_rec[recommendation.pk].to_unit == tree["mttq"]
    assert IssuedNumber.objects.filter(issuing_unit=tree["commune_mttq"], symbol="MTTQ-BTT", kind="CV").count() == 1
    # Both reach the province Front's leader: one from the ward, one from its own recommendation.
    assert Notification.objects.filter(recipient=front_leader, kind=Kind.ESCALATED).count() == 2
    # Twice is once.
    assert services.run_escalations(D(2026, 3, 17)) == []
    assert services.recommendation_escalate(actor=None, recommendation=ward_rec) == by_rec[ward_rec.pk]
    assert Escalation.objects.count() == 2
    assert AuditEvent.objects.filter(verb="oversight.recommendation.escalated").count() == 2

    # Late answer, assessment, follow-up, close.
    services.recommendation_answer(
        actor=commune_officer, recommendation=recommendation, answer="Đã niêm yết.", on_date=D(2026, 3, 18)
    )
    assert Notification.objects.filter(recipient=front_officer, kind=Kind.ANSWERED).exists()
    services.recommendation_assess(
        actor=front_officer, recommendation=recommendation, assessment="partly", note="Chưa đủ 3 thôn."
    )
    assert Notification.objects.filter(recipient=commune_officer, kind=Kind.CONFIRMED).exists()
    services.follow_up_add(
        actor=front_officer, recommendation=recommendation, text="Kiểm tra lại", due_on=D(2026, 4, 30)
    )
    services.recommendation_close(actor=front_officer, recommendation=recommendation)
    verbs = list(
        AuditEvent.objects.filter(target_type="oversight.recommendation", target_id=str(recommendation.pk))
        .order_by("id")
        .values_list("verb", flat=True)
    )
    assert verbs == [
        "oversight.recommendation.created",
        "oversight.recommendation.sent",
        "oversight.recommendation.escalated",
        "oversight.recommendation.answered",
        "oversight.recommendation.assessed",
        "oversight.recommendation.follow_up",
        "oversight.recommendation.closed",
    ]


def test_plan_sent_late_is_refused_for_an_officer(planned, front_officer):
    with pytest.raises(ValidationError, match="05/01/2026"):
        services.supervision_notify(actor=front_officer, supervision=planned, on_date=D(2026, 1, 6))
    with pytest.raises(ValidationError, match="leader"):
        services.supervision_notify(
            actor=front_officer, supervision=planned, on_date=D(2026, 1, 6), override_reason="Gấp"
        )
    planned.refresh_from_db()
    assert planned.status == Supervision.Status.PLANNED
    assert not IssuedNumber.objects.exists()


def test_a_leader_sends_a_late_plan_with_a_reason_and_it_is_audited(planned, front_leader):
    services.supervision_notify(
        actor=front_leader, supervision=planned, on_date=D(2026, 1, 10), override_reason="Theo chỉ đạo"
    )
    event = AuditEvent.objects.get(verb="oversight.supervision.notified_late")
    assert event.note == "Theo chỉ đạo"
    assert planned.notice_override_reason == "Theo chỉ đạo"


@override_settings(PHOIHOP_SUPERVISION_NOTICE_DAYS=5)
def test_notice_days_come_from_the_setting(planned, front_officer):
    services.supervision_notify(actor=front_officer, supervision=planned, on_date=D(2026, 1, 15))
    assert planned.status == Supervision.Status.NOTIFIED


@override_settings(PHOIHOP_RECOMMENDATION_ANSWER_DAYS_COMMUNE=10)
def test_a_commune_front_uses_the_commune_answer_period(tree):
    assert services.answer_deadline(tree["commune_mttq"], D(2026, 3, 2)) == D(2026, 3, 12)
    assert services.answer_deadline(tree["mttq"], D(2026, 3, 2)) == D(2026, 3, 17)


def test_a_recommendation_without_an_addressee_is_refused(concluded, front_officer):
    with pytest.raises(ValidationError) as caught:
        services.recommendation_create(actor=front_officer, supervision=concluded, addressee=None, text="Tăng cường")
    assert "addressee" in caught.value.error_dict
    assert not Recommendation.objects.exists()


def test_an_answer_after_the_record_was_closed_is_refused(sent, front_officer, commune_officer):
    services.recommendation_answer(
        actor=commune_officer, recommendation=sent, answer="Đã thực hiện", on_date=D(2026, 2, 10)
    )
    services.recommendation_assess(actor=front_officer, recommendation=sent, assessment="satisfactory")
    services.recommendation_close(actor=front_officer, recommendation=sent)
    with pytest.raises(ValidationError, match="closed"):
        services.recommendation_answer(actor=commune_officer, recommendation=sent, answer="Bổ sung")
    sent.refresh_from_db()
    assert sent.answer == "Đã thực hiện"


def test_an_assessment_by_someone_outside_the_front_is_refused(sent, commune_officer):
    services.recommendation_answer(
        actor=commune_officer, recommendation=sent, answer="Đã thực hiện", on_date=D(2026, 2, 10)
    )
    with pytest.raises(ValidationError, match="Front committee"):
        services.recommendation_assess(actor=commune_officer, recommendation=sent, assessment="satisfactory")
    sent.refresh_from_db()
    assert sent.assessment == "" and sent.status == Recommendation.Status.ANSWERED


def test_an_agency_not_addressed_cannot_answer(sent, officer_other_commune):
    with pytest.raises(ValidationError):
        services.recommendation_answer(actor=officer_other_commune, recommendation=sent, answer="x")


def test_a_paper_answer_needs_its_file(sent, front_officer):
    with pytest.raises(ValidationError) as caught:
        services.recommendation_answer(actor=front_officer, recommendation=sent, answer="Công văn số 12", on_paper=True)
    assert "file" in caught.value.error_dict


def test_a_partly_assessment_needs_a_note(sent, front_officer, commune_officer):
    services.recommendation_answer(
        actor=commune_officer, recommendation=sent, answer="Đang làm", on_date=D(2026, 2, 10)
    )
    with pytest.raises(ValidationError) as caught:
        services.recommendation_assess(actor=front_officer, recommendation=sent, assessment="not_satisfactory")
    assert "note" in caught.value.error_dict


def test_recommendations_are_sent_only_after_the_conclusion(planned, front_officer, tree):
    recommendation = services.recommendation_create(
        actor=front_officer, supervision=planned, addressee=tree["sonv"], text="Rà soát quy trình."
    )
    with pytest.raises(ValidationError, match="conclude"):
        services.recommendation_send(actor=front_officer, recommendation=recommendation, on_date=D(2026, 1, 2))


def test_a_resupervision_links_back_to_the_recommendation(sent, front_officer, commune_officer, tree):
    services.recommendation_answer(
        actor=commune_officer, recommendation=sent, answer="Đã thực hiện", on_date=D(2026, 2, 10)
    )
    again = services.recommendation_resupervise(
        actor=front_officer, recommendation=sent, title="Giám sát lại", starts_on=D(2026, 6, 1), ends_on=D(2026, 6, 2)
    )
    assert again.follows_up == sent
    assert list(again.subjects.all()) == [tree["commune_ubnd"]]


def test_the_front_above_of_a_ward_front_is_the_province_front(tree):
    assert services.front_above(tree["commune_mttq"]) == tree["mttq"]
    assert services.front_above(tree["mttq"]) is None


def test_the_escalate_command_is_idempotent(ward_sent):
    from io import StringIO

    from django.core.management import call_command

    out = StringIO()
    call_command("oversight-escalate", "--today", "2026-03-16", "--dry-run", stdout=out)
    assert "1 recommendations would be escalated" in out.getvalue()
    assert not Escalation.objects.exists()
    call_command("oversight-escalate", "--today", "2026-03-16", stdout=out)
    call_command("oversight-escalate", "--today", "2026-03-17", stdout=out)
    assert out.getvalue().splitlines()[-2:] == ["1 recommendations escalated", "0 recommendations escalated"]
    assert Escalation.objects.get().recommendation == ward_sent
