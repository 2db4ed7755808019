"""The demo's notification history: the commune officer has an inbox, a leader an escalation; idempotent."""

import datetime as dt
from zoneinfo import ZoneInfo

from phoihop.agreements.demo import load_agreements
from phoihop.demo.personas import load_personas
from phoihop.demo.quang_ninh import load_structure
from phoihop.notify import demo
from phoihop.notify.models import Kind, Notification

VN = ZoneInfo("Asia/Ho_Chi_Minh")


def test_the_demo_gives_the_commune_officer_an_inbox_and_is_idempotent(db, settings, time_machine, mailoutbox):
    settings.DEMO = True
    # The quarterly UBND–Front meeting of 25/09/2026 is owed by 07090-UBND: three reminders by the 24th.
    time_machine.move_to(dt.datetime(2026, 9, 24, 9, 0, tzinfo=VN), tick=False)
    load_structure()
    load_personas()
    load_agreements()

    made = demo.load()
    xa = Notification.objects.filter(recipient__username="xa")
    assert xa.count() >= 3
    assert xa.filter(read_at__isnull=True).exists() and xa.filter(read_at__isnull=False).exists()
    steps = sorted(key.split(":")[-2] for key in xa.filter(key__endswith=":2026-09-25").values_list("key", flat=True))
    assert steps == ["1", "3", "7"]
    assert made[Kind.DUE_SOON] >= 3
    # Dated to the mornings they were given, not all to the moment of loading.
    assert Notification.objects.dates("created_at", "day").count() > 1

    count = Notification.objects.count()
    assert demo.load() == {}
    assert Notification.objects.count() == count
    assert mailoutbox == []
