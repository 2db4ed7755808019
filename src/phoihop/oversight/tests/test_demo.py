"""The supervision demo: programmes, five supervisions, fourteen recommendations in every state, one escalated."""

import datetime as dt
from collections import Counter
from zoneinfo import ZoneInfo

from phoihop.core.audit import audit_verify
from phoihop.demo.personas import load_personas
from phoihop.demo.quang_ninh import load_structure
from phoihop.orgs.models import User
from phoihop.oversight import demo, selectors
from phoihop.oversight.models import Escalation, Recommendation, Supervision, SupervisionProgramme

VN = ZoneInfo("Asia/Ho_Chi_Minh")


def test_demo_has_every_state_and_one_escalation_and_runs_twice(db, settings, time_machine, tmp_path, client):
    settings.DEMO = True
    settings.MEDIA_ROOT = tmp_path
    time_machine.move_to(dt.datetime(2026, 11, 28, 9, 0, tzinfo=VN), tick=False)
    load_structure()
    load_personas()
    demo.load()
    demo.load()  # idempotent

    assert sorted(SupervisionProgramme.objects.values_list("year", flat=True)) == [2024, 2025, 2026]
    assert Supervision.objects.count() == 5
    assert Recommendation.objects.count() == 14
    statuses = Counter(Recommendation.objects.values_list("status", flat=True))
    assert set(statuses) == {"draft", "sent", "answered", "assessed", "closed"}
    assessments = set(Recommendation.objects.exclude(assessment="").values_list("assessment", flat=True))
    assert assessments == {"satisfactory", "partly", "not_satisfactory"}
    escalation = Escalation.objects.get()
    assert escalation.to_unit.code == "22-MTTQ"
    assert escalation.recommendation.front_unit.code == "07090-MTTQ"

    today = dt.date(2026, 11, 28)
    admin = User.objects.get(username="admin")
    figures = selectors.recommendation_figures(user=admin, today=today)
    c = figures.compliance
    assert c.done_on_time >= 1 and c.done_late >= 1 and c.overdue_open >= 1 and c.upcoming >= 1

    # The personas see what was sent to them (the Front's draft to Sở Nội vụ is not in its inbox).
    assert selectors.recommendations_addressed_to(user=User.objects.get(username="sonoivu")).count() == 4
    assert selectors.recommendations_addressed_to(user=User.objects.get(username="xa")).count() == 4
    assert selectors.recommendations_addressed_to(user=User.objects.get(username="xa2")).count() == 1
    assert audit_verify().ok

    # Every page of the demo opens for the Front's officer and for the ward's officer (what they may see).
    from django.urls import reverse

    from phoihop.oversight.permissions import recommendations_visible, supervisions_visible

    for username in ("mttq", "xa", "sonoivu"):
        person = User.objects.get(username=username)
        client.force_login(person)
        for name in ("board", "inbox", "figures", "supervision-list", "programme-list"):
            assert client.get(reverse(f"oversight:{name}")).status_code == 200, (username, name)
        for supervision in supervisions_visible(person):
            assert client.get(supervision.get_absolute_url()).status_code == 200, (username, supervision)
        for recommendation in recommendations_visible(person):
            assert client.get(recommendation.get_absolute_url()).status_code == 200, (username, recommendation)
    client.force_login(User.objects.get(username="mttq"))
    letter = client.get(reverse("oversight:recommendation-letter", args=[escalation.recommendation_id]))
    assert letter.status_code == 200
    b"".join(letter.streaming_content)
