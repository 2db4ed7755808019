"""E-mail as each person chose: at once, in a daily digest, or never; in their language; once."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from phoihop.core.models import AuditEvent
from phoihop.notify.emails import digest_send, notification_email_send
from phoihop.notify.models import DigestSent, Kind, Notification
from phoihop.notify.schedules import run_schedules
from phoihop.notify.services import notify, preference_update

pytestmark = pytest.mark.django_db

VN = ZoneInfo("Asia/Ho_Chi_Minh")


def at(hour, day=dt.date(2026, 3, 11)):
    return dt.datetime(day.year, day.month, day.day, hour, 5, tzinfo=VN)


def tell(people, *, kind=Kind.ASSIGNED, key="", url="/tasks/7/", title=None):
    return notify(
        recipients=people,
        kind=kind,
        title=title or _("Duty"),
        body=_("Report"),
        url=url,
        key=key,
    )


def test_immediate_mode_sends_one_mail_after_commit_with_absolute_links(
    commune_officer, mailoutbox, django_capture_on_commit_callbacks, settings
):
    settings.PHOIHOP_BASE_URL = "https://phoihop.example.vn"
    preference_update(actor=commune_officer, user=commune_officer, email_mode="immediate")
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        (notification,) = tell([commune_officer])
        assert mailoutbox == []  # nothing leaves before the transaction commits
    assert len(callbacks) == 1
    assert len(mailoutbox) == 1
    mail = mailoutbox[0]
    assert mail.to == ["xa@example.vn"]
    assert mail.subject == "Nội dung phối hợp"
    assert f"https://phoihop.example.vn/notifications/{notification.pk}/" in mail.body
    html, mimetype = mail.alternatives[0]
    assert mimetype == "text/html" and f'href="https://phoihop.example.vn/notifications/{notification.pk}/"' in html
    notification.refresh_from_db()
    assert notification.emailed_at is not None
    # A second worker handed the same job sends nothing: the claim is taken.
    assert notification_email_send(notification_id=notification.pk) is False
    assert len(mailoutbox) == 1


def test_the_mail_is_in_the_recipients_language(commune_officer, mailoutbox, django_capture_on_commit_callbacks):
    commune_officer.language = "en"
    commune_officer.save(update_fields=["language"])
    preference_update(actor=commune_officer, user=commune_officer, email_mode="immediate")
    with django_capture_on_commit_callbacks(execute=True):
        tell([commune_officer])
    assert mailoutbox[0].subject == "Duty"
    assert "Report" in mailoutbox[0].body and "Open it:" in mailoutbox[0].body


def test_off_means_the_inbox_only(commune_officer, mailoutbox, django_capture_on_commit_callbacks):
    preference_update(actor=commune_officer, user=commune_officer, email_mode="off")
    with django_capture_on_commit_callbacks(execute=True):
        tell([commune_officer])
    run_schedules(today=dt.date(2026, 3, 11), now=at(9))
    assert mailoutbox == []
    assert Notification.objects.filter(recipient=commune_officer).count() == 1


def test_a_muted_kind_reaches_the_inbox_but_is_not_mailed(
    commune_officer, mailoutbox, django_capture_on_commit_callbacks
):
    preference_update(actor=commune_officer, user=commune_officer, email_mode="immediate", muted_kinds=["assigned"])
    with django_capture_on_commit_callbacks(execute=True):
        tell([commune_officer], kind=Kind.ASSIGNED)
        tell([commune_officer], kind=Kind.RETURNED)
    assert [m.subject for m in mailoutbox] == ["Nội dung phối hợp"]
    assert Notification.objects.filter(recipient=commune_officer).count() == 2


def test_the_digest_goes_once_a_day_from_its_hour_listing_what_is_unread(
    commune_officer, commune_leader, mailoutbox, settings
):
    settings.PHOIHOP_DIGEST_HOUR = 7
    first, second, seen = tell([commune_officer]) + tell([commune_officer]) + tell([commune_officer])
    seen.read_at = at(6)
    seen.save(update_fields=["read_at"])

    assert run_schedules(today=dt.date(2026, 3, 11), now=at(6)).digests == 0  # before 07:00
    assert mailoutbox == []

    assert run_schedules(today=dt.date(2026, 3, 11), now=at(7)).digests == 1
    assert len(mailoutbox) == 1
    digest = mailoutbox[0]
    assert digest.to == ["xa@example.vn"] and "11/03/2026" in digest.subject
    assert f"/notifications/{first.pk}/" in digest.body and f"/notifications/{second.pk}/" in digest.body
    assert f"/notifications/{seen.pk}/" not in digest.body  # already read in the inbox
    assert DigestSent.objects.get(user=commune_officer).count == 2

    tell([commune_officer])  # something new the same day waits for tomorrow
    run_schedules(today=dt.date(2026, 3, 11), now=at(9))
    assert len(mailoutbox) == 1
    run_schedules(today=dt.date(2026, 3, 12), now=at(7, dt.date(2026, 3, 12)))
    assert len(mailoutbox) == 2
    assert commune_leader.email not in [address for m in mailoutbox for address in m.to]


def test_a_digest_is_sent_once_even_when_asked_twice_for_the_same_day(commune_officer, mailoutbox):
    tell([commune_officer])
    assert digest_send(user_id=commune_officer.pk, day=dt.date(2026, 3, 11)) == 1
    assert digest_send(user_id=commune_officer.pk, day=dt.date(2026, 3, 11)) == 0
    assert len(mailoutbox) == 1


def test_a_refused_mail_gives_the_digest_back_for_the_next_run(commune_officer, mailoutbox, settings):
    tell([commune_officer])
    settings.EMAIL_BACKEND = "phoihop.notify.tests.failing_backend.Refusing"
    with pytest.raises(OSError):
        digest_send(user_id=commune_officer.pk, day=dt.date(2026, 3, 11))
    assert not DigestSent.objects.exists()
    assert Notification.objects.get(recipient=commune_officer).emailed_at is None
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    assert digest_send(user_id=commune_officer.pk, day=dt.date(2026, 3, 11)) == 1


def test_the_actor_is_not_told_of_their_own_act_and_a_key_tells_once(commune_officer, commune_leader):
    made = notify(
        recipients=[commune_officer, commune_leader], kind=Kind.ASSIGNED, title=_("Duty"), actor=commune_leader
    )
    assert [n.recipient for n in made] == [commune_officer]
    tell([commune_officer], key="k1")
    assert tell([commune_officer], key="k1") == []


def test_changing_preferences_is_audited_and_only_for_oneself(commune_officer, commune_leader):
    preference_update(actor=commune_officer, user=commune_officer, email_mode="off", muted_kinds=["urged"])
    event = AuditEvent.objects.get(verb="notify.preference_changed")
    assert event.changes == {"email_mode": ["digest", "off"], "muted_kinds": [[], ["urged"]]}
    with pytest.raises(ValidationError):
        preference_update(actor=commune_leader, user=commune_officer, email_mode="immediate")
    with pytest.raises(ValidationError) as refused:
        preference_update(actor=commune_officer, user=commune_officer, email_mode="off", muted_kinds=["nonsense"])
    assert "muted_kinds" in refused.value.message_dict
