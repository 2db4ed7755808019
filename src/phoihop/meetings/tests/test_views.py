"""Meeting screens: each page's permitted path, the outsider's 404, the forms' errors beside
their fields, the one-click task from a conclusion, the .ics download, and the feed page."""

from __future__ import annotations

import datetime as dt

import icalendar
import pytest
from django.urls import reverse

from phoihop.meetings import services
from phoihop.meetings.models import CalendarFeed, Conclusion, Invitation, Meeting
from phoihop.meetings.tests.conftest import at

pytestmark = pytest.mark.django_db


@pytest.fixture
def conclusion(meeting, ubnd_officer, tree):
    return services.conclusion_add(
        actor=ubnd_officer,
        meeting=meeting,
        text="Sở Nội vụ chủ trì rà soát quy chế phối hợp.",
        lead_unit=tree["sonv"],
        due_date=dt.date(2026, 4, 30),
    )


def test_the_list_shows_visible_meetings_in_bounded_queries(
    client, meeting, ubnd_officer, tree, django_assert_max_num_queries
):
    for n in range(8):
        services.meeting_create(
            actor=ubnd_officer, title=f"Họp số {n}", starts_at=at(20, 8), ends_at=at(20, 9), host_unit=tree["ubnd"]
        )
    client.force_login(ubnd_officer)
    with django_assert_max_num_queries(14):
        response = client.get(reverse("meetings:list"), {"when": "upcoming"})
    assert response.status_code == 200
    assert meeting.title in response.content.decode()
    assert response.context["page"].paginator.count == 9


def test_the_list_filters_by_host_with_htmx(client, meeting, front_officer, tree):
    client.force_login(front_officer)
    response = client.get(reverse("meetings:list"), {"host": tree["mttq"].pk}, headers={"HX-Request": "true"})
    assert response.status_code == 200
    assert response.templates[0].name == "meetings/partials/_meeting_rows.html"
    assert response.context["page"].paginator.count == 0


def test_an_invited_unit_sees_the_meeting(client, meeting, front_officer):
    client.force_login(front_officer)
    response = client.get(meeting.get_absolute_url())
    assert response.status_code == 200
    # The officer of the invited unit is invited in person and may answer; only the host may edit.
    assert response.context["invitation"].user == front_officer
    assert response.context["can_edit"] is False
    assert reverse("meetings:meeting-respond", args=[meeting.pk]) in response.content.decode()


def test_an_invited_commune_officer_gets_no_dead_link_to_the_province_host(client, meeting, commune_officer):
    client.force_login(commune_officer)
    response = client.get(meeting.get_absolute_url())
    assert response.status_code == 200
    host = meeting.host_unit
    assert host.name in response.content.decode()
    # The host unit's page answers 404 to a commune officer, so the meeting page must not link to it.
    assert host.get_absolute_url() not in response.content.decode()
    assert client.get(host.get_absolute_url()).status_code == 404


def test_officer_from_other_commune_gets_404_on_every_meeting_page(client, meeting, officer_other_commune, conclusion):
    client.force_login(officer_other_commune)
    assert client.get(reverse("meetings:list")).context["page"].paginator.count == 0
    pk = meeting.pk
    for name in ("meeting-detail", "meeting-edit", "meeting-ics"):
        assert client.get(reverse(f"meetings:{name}", args=[pk])).status_code == 404, name
    for name in (
        "meeting-invite",
        "meeting-cancel",
        "meeting-minutes",
        "meeting-respond",
        "file-add",
        "conclusion-add",
    ):
        assert client.post(reverse(f"meetings:{name}", args=[pk])).status_code == 404, name
    assert client.get(reverse("meetings:file-download", args=[pk, 1])).status_code == 404
    for name in ("conclusion-task", "conclusion-remove"):
        assert client.post(reverse(f"meetings:{name}", args=[conclusion.pk])).status_code == 404, name
    assert Conclusion.objects.get(pk=conclusion.pk).task is None


def test_an_invitee_may_not_edit_the_hosts_meeting(client, meeting, front_officer, conclusion):
    client.force_login(front_officer)
    assert client.get(reverse("meetings:meeting-edit", args=[meeting.pk])).status_code == 403
    assert client.post(reverse("meetings:conclusion-task", args=[conclusion.pk])).status_code == 403


def test_scheduling_a_meeting_from_the_form(
    client, ubnd_officer, tree, front_officer, mailoutbox, django_capture_on_commit_callbacks
):
    client.force_login(ubnd_officer)
    assert client.get(reverse("meetings:meeting-create")).status_code == 200
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("meetings:meeting-create"),
            {
                "title": "Hội nghị sơ kết 6 tháng",
                "kind": "interim_review",
                "host_unit": tree["ubnd"].pk,
                "day": "2026-06-15",
                "start_time": "08:00",
                "end_time": "11:30",
                "place": "Hạ Long",
                "units": "22-MTTQ",
            },
        )
    meeting = Meeting.objects.get(title="Hội nghị sơ kết 6 tháng")
    assert response.status_code == 302
    assert response["Location"] == meeting.get_absolute_url()
    # 08:00 in Vietnam.
    assert meeting.starts_at == dt.datetime(2026, 6, 15, 1, 0, tzinfo=dt.UTC)
    assert Invitation.objects.filter(meeting=meeting, user=front_officer).exists()
    assert [m.to for m in mailoutbox] == [[front_officer.email]]


def test_the_form_puts_errors_beside_their_fields(client, ubnd_officer, tree):
    client.force_login(ubnd_officer)
    response = client.post(
        reverse("meetings:meeting-create"),
        {
            "title": "Họp",
            "kind": "briefing",
            "host_unit": tree["ubnd"].pk,
            "day": "2026-06-15",
            "start_time": "10:00",
            "end_time": "09:00",
            "units": "22-KHONGCO",
        },
    )
    assert response.status_code == 400
    form = response.context["form"]
    assert "end_time" in form.errors
    assert "22-KHONGCO" in str(form.errors["units"])
    assert not Meeting.objects.exists()


def test_a_commune_officer_cannot_host_for_the_province(client, commune_officer, tree):
    client.force_login(commune_officer)
    response = client.post(
        reverse("meetings:meeting-create"),
        {
            "title": "Họp",
            "kind": "briefing",
            "host_unit": tree["ubnd"].pk,
            "day": "2026-06-15",
            "start_time": "08:00",
            "end_time": "09:00",
        },
    )
    assert response.status_code == 400
    assert "host_unit" in response.context["form"].errors


def test_editing_the_time_resends_the_invitation(
    client, meeting, ubnd_officer, mailoutbox, django_capture_on_commit_callbacks
):
    mailoutbox.clear()
    client.force_login(ubnd_officer)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("meetings:meeting-edit", args=[meeting.pk]),
            {
                "title": meeting.title,
                "kind": meeting.kind,
                "day": "2026-03-10",
                "start_time": "14:00",
                "end_time": "16:00",
                "place": meeting.place,
                "agenda": meeting.agenda,
            },
        )
    assert response.status_code == 302
    meeting.refresh_from_db()
    assert meeting.sequence == 1
    assert len(mailoutbox) == 3


def test_make_a_task_button_makes_one_task_and_opens_it(client, ubnd_officer, conclusion):
    client.force_login(ubnd_officer)
    url = reverse("meetings:conclusion-task", args=[conclusion.pk])
    first = client.post(url)
    conclusion.refresh_from_db()
    assert first.status_code == 302
    assert first["Location"] == conclusion.task.get_absolute_url()
    second = client.post(url)
    assert second["Location"] == first["Location"]
    from phoihop.tasks.models import Task

    assert Task.objects.filter(source=f"meetings.conclusion:{conclusion.pk}").count() == 1
    page = client.get(conclusion.meeting.get_absolute_url()).content.decode()
    assert conclusion.task.get_absolute_url() in page


def test_adding_a_conclusion_with_an_unknown_unit_shows_the_error(client, meeting, ubnd_officer):
    client.force_login(ubnd_officer)
    response = client.post(
        reverse("meetings:conclusion-add", args=[meeting.pk]), {"text": "Kết luận", "lead_unit": "99-KHONG"}
    )
    assert response.status_code == 400
    assert "lead_unit" in response.context["conclusion_form"].errors
    assert not Conclusion.objects.exists()


def test_an_invitee_answers_from_the_page(client, meeting, front_officer):
    client.force_login(front_officer)
    response = client.post(reverse("meetings:meeting-respond", args=[meeting.pk]), {"response": "accepted"})
    assert response.status_code == 302
    assert Invitation.objects.get(meeting=meeting, user=front_officer).response == "accepted"


def test_the_ics_download_parses(client, meeting, front_officer):
    client.force_login(front_officer)
    response = client.get(reverse("meetings:meeting-ics", args=[meeting.pk]))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/calendar")
    event = next(iter(icalendar.Calendar.from_ical(response.content).walk("VEVENT")))
    assert str(event["UID"]) == f"meeting-{meeting.uid}@phoihop"


def test_cancelling_from_the_page(client, meeting, ubnd_officer, mailoutbox, django_capture_on_commit_callbacks):
    mailoutbox.clear()
    client.force_login(ubnd_officer)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("meetings:meeting-cancel", args=[meeting.pk]), {"reason": "Hoãn"})
    assert response.status_code == 302
    meeting.refresh_from_db()
    assert meeting.status == Meeting.Status.CANCELLED
    assert len(mailoutbox) == 3


def test_the_feed_page_shows_the_address_once_and_revokes(client, commune_officer, tree):
    client.force_login(commune_officer)
    assert client.get(reverse("meetings:feed-list")).status_code == 200
    response = client.post(reverse("meetings:feed-list"), {"unit": tree["commune_ubnd"].pk, "name": "Điện thoại"})
    assert response.status_code == 200
    address = response.context["new_address"]
    assert address.startswith("http://testserver/meetings/feeds/") and address.endswith(".ics")
    assert client.get(reverse("meetings:feed-list")).context["new_address"] == ""
    feed = CalendarFeed.objects.get(owner=commune_officer)
    assert client.post(reverse("meetings:feed-revoke", args=[feed.pk])).status_code == 302
    client.logout()
    assert client.get(address.removeprefix("http://testserver")).status_code == 404


def test_a_feed_for_another_units_is_refused_beside_the_field(client, commune_officer, tree):
    client.force_login(commune_officer)
    response = client.post(reverse("meetings:feed-list"), {"unit": tree["other_ubnd"].pk})
    assert response.status_code == 400
    assert "unit" in response.context["form"].errors
    assert not CalendarFeed.objects.exists()


def test_nobody_revokes_another_persons_feed(client, commune_officer, officer_other_commune):
    feed, _token = services.feed_create(actor=commune_officer)
    client.force_login(officer_other_commune)
    assert client.post(reverse("meetings:feed-revoke", args=[feed.pk])).status_code == 404
    feed.refresh_from_db()
    assert feed.revoked_at is None


def test_the_menu_has_meetings(client, commune_officer):
    client.force_login(commune_officer)
    response = client.get(reverse("meetings:feed-list"))
    assert any(entry["key"] == "meetings" for entry in response.context["nav_entries"])


def test_the_admin_shows_meetings_read_only(admin_web, province_admin, meeting):
    province_admin.is_staff = province_admin.is_superuser = True
    province_admin.save(update_fields=["is_staff", "is_superuser"])
    response = admin_web.get(reverse("admin:meetings_meeting_change", args=[meeting.pk]))
    assert response.status_code == 200
    assert admin_web.get(reverse("admin:meetings_meeting_add")).status_code == 403


def test_the_global_search_finds_a_meeting_for_its_host_only(client, meeting, ubnd_officer, officer_other_commune):
    client.force_login(ubnd_officer)
    assert meeting.get_absolute_url() in client.get(reverse("core:search"), {"q": "giao ban quy"}).content.decode()
    client.force_login(officer_other_commune)
    assert meeting.get_absolute_url() not in client.get(reverse("core:search"), {"q": "giao ban quy"}).content.decode()
