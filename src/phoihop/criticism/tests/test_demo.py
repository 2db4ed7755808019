"""The demo critiques: one answered in full on time, one partly and overdue; loading twice adds nothing."""

import datetime as dt
from zoneinfo import ZoneInfo

from phoihop.criticism import demo, selectors
from phoihop.criticism.models import Critique, Disposition
from phoihop.demo.personas import load_personas
from phoihop.demo.quang_ninh import load_structure
from phoihop.orgs.models import User


def test_the_demo_has_two_critiques_with_all_outcomes_and_an_overdue_one(db, settings, time_machine):
    settings.DEMO = True
    time_machine.move_to(dt.datetime(2026, 11, 28, 9, 0, tzinfo=ZoneInfo("Asia/Ho_Chi_Minh")), tick=False)
    load_structure()
    load_personas()
    demo.load()
    demo.load()
    poor = Critique.objects.get(title=demo.POOR_TITLE)
    culture = Critique.objects.get(title=demo.CULTURE_TITLE)
    assert Critique.objects.count() == 2
    assert (poor.status, poor.disposition_due, poor.disposed_on) == (
        "disposed",
        dt.date(2026, 10, 27),
        dt.date(2026, 10, 26),
    )
    assert set(Disposition.objects.filter(opinion__critique=poor).values_list("outcome", flat=True)) == {
        "accepted",
        "partly",
        "not_accepted",
    }
    assert culture.status == "consolidated" and culture.versions.count() == 2
    front = User.objects.get(username="mttq")
    assert list(selectors.overdue_critiques(user=front)) == [culture]
    compliance = selectors.critique_compliance(user=front)
    assert (compliance.done_on_time, compliance.overdue_open) == (1, 1)
    # The agency's officer finds the critique addressed to Sở Nội vụ in the inbox.
    assert list(selectors.critiques_addressed_to(user=User.objects.get(username="sonoivu"))) == [poor]
