"""The inbox pages, the header's unread count, preferences, and the /api/v1/notifications endpoints."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from phoihop.api.services import token_issue
from phoihop.notify.models import Kind, Notification, Preference
from phoihop.notify.recipients import leaders_above, leaders_of, people_of
from phoihop.notify.services import notify

pytestmark = pytest.mark.django_db


def tell(person, *, kind=Kind.ASSIGNED, url="/agreements/", n=1):
    made = []
    for _i in range(n):
        made += notify(recipients=[person], kind=kind, title=_("Duty"), url=url)
    return made


@pytest.fixture
def web(client):
    def as_(user):
        client.force_login(user)
        return client

    return as_


def test_the_inbox_lists_newest_first_unread_bold_in_few_queries(web, commune_officer, django_assert_max_num_queries):
    old, _new = tell(commune_officer, n=2)
    old.read_at = old.created_at
    old.save(update_fields=["read_at"])
    tell(commune_officer, n=30)
    client = web(commune_officer)
    with django_assert_max_num_queries(8):
        response = client.get(reverse("notify:inbox"))
    assert response.status_code == 200
    page = response.context["page"]
    assert len(page.object_list) == 25 and page.paginator.count == 32
    html = response.content.decode()
    assert "<strong>Nội dung phối hợp</strong>" in html
    # The header shows the unread count (31) on the page.
    assert '<span class="badge" aria-hidden="true">31</span>' in html
    last = client.get(reverse("notify:inbox"), {"page": 2})
    assert [n.pk for n in last.context["page"].object_list][-1] == old.pk


def test_the_inbox_filters_unread_and_kind(web, commune_officer):
    read, unread = tell(commune_officer, n=2)
    read.read_at = read.created_at
    read.save(update_fields=["read_at"])
    (overdue,) = tell(commune_officer, kind=Kind.OVERDUE)
    client = web(commune_officer)
    response = client.get(reverse("notify:inbox"), {"unread": "on"})
    assert {n.pk for n in response.context["page"]} == {unread.pk, overdue.pk}
    response = client.get(reverse("notify:inbox"), {"kind": "overdue"})
    assert [n.pk for n in response.context["page"]] == [overdue.pk]


def test_opening_marks_read_and_goes_to_the_record(web, commune_officer):
    (notification,) = tell(commune_officer, url="/agreements/")
    response = web(commune_officer).get(notification.get_absolute_url())
    assert response.status_code == 302 and response["Location"] == "/agreements/"
    notification.refresh_from_db()
    assert notification.read_at is not None


def test_marking_one_read_returns_to_the_page_it_was_marked_on(web, commune_officer):
    (notification,) = tell(commune_officer)
    back = reverse("notify:inbox") + "?unread=on"
    response = web(commune_officer).post(reverse("notify:read", args=[notification.pk]), {"next": back})
    assert response.status_code == 302 and response["Location"] == back
    notification.refresh_from_db()
    assert notification.read_at is not None


def test_a_link_to_another_site_is_not_followed(web, commune_officer):
    (notification,) = tell(commune_officer, url="https://evil.example.com/")
    response = web(commune_officer).get(notification.get_absolute_url())
    assert response["Location"] == reverse("notify:inbox")


def test_officer_from_other_commune_gets_404_opening_or_marking_anothers_notification(
    web, commune_officer, officer_other_commune
):
    (notification,) = tell(commune_officer)
    client = web(officer_other_commune)
    assert client.get(notification.get_absolute_url()).status_code == 404
    assert client.post(reverse("notify:read", args=[notification.pk])).status_code == 404
    notification.refresh_from_db()
    assert notification.read_at is None


def test_mark_all_read_touches_only_ones_own(web, commune_officer, officer_other_commune):
    tell(commune_officer, n=3)
    (theirs,) = tell(officer_other_commune)
    response = web(commune_officer).post(reverse("notify:read-all"))
    assert response.status_code == 302
    assert not Notification.objects.filter(recipient=commune_officer, read_at__isnull=True).exists()
    theirs.refresh_from_db()
    assert theirs.read_at is None


def test_the_preferences_page_saves_the_choice(web, commune_officer):
    client = web(commune_officer)
    page = client.get(reverse("notify:preferences"))
    assert page.status_code == 200 and 'value="digest"' in page.content.decode()
    response = client.post(reverse("notify:preferences"), {"email_mode": "immediate", "muted_kinds": ["urged"]})
    assert response.status_code == 302
    preference = Preference.objects.get(user=commune_officer)
    assert (preference.email_mode, preference.muted_kinds) == ("immediate", ["urged"])


def test_a_bad_choice_is_refused_beside_the_field(web, commune_officer):
    response = web(commune_officer).post(reverse("notify:preferences"), {"email_mode": "hourly"})
    assert response.status_code == 200
    assert "email_mode" in response.context["form"].errors
    assert not Preference.objects.exists()


def test_the_inbox_needs_a_login(client):
    response = client.get(reverse("notify:inbox"))
    assert response.status_code == 302 and "/login" in response["Location"]


# --- recipients ------------------------------------------------------------------------------


def test_people_leaders_and_the_level_above(tree, commune_officer, commune_leader, commune_admin, province_admin):
    assert people_of(tree["commune_ubnd"]) == [commune_officer, commune_leader]
    assert leaders_of(tree["commune_ubnd"]) == [commune_leader]
    assert leaders_above(tree["commune_ubnd"]) == [commune_admin]  # the commune, nearest with a leader
    assert leaders_above(tree["commune"]) == [province_admin]
    assert leaders_above(tree["province"]) == []


def test_someone_who_left_the_unit_is_not_reminded(tree, commune_officer):
    from phoihop.orgs import services as org_services

    membership = commune_officer.memberships.get()
    org_services.membership_end(actor=None, membership=membership, on=dt.date(2026, 3, 1))
    assert people_of(tree["commune_ubnd"]) == []


# --- API -------------------------------------------------------------------------------------


@pytest.fixture
def call(client):
    tokens = {}

    def send(user, method, path, body=None):
        if user.pk not in tokens:
            tokens[user.pk] = token_issue(user=user, name="tests")[1]
        kwargs = {"headers": {"Authorization": f"Bearer {tokens[user.pk]}"}}
        if body is not None:
            kwargs.update(data=json.dumps(body), content_type="application/json")
        return getattr(client, method)("/api/v1/notifications" + path, **kwargs)

    return send


def test_the_api_lists_ones_notifications_with_pages_and_filters(
    call, commune_officer, officer_other_commune, django_assert_max_num_queries
):
    tell(commune_officer, n=3)
    tell(commune_officer, kind=Kind.OVERDUE)
    tell(officer_other_commune)
    call(commune_officer, "get", "/preferences")  # the token is issued outside the count
    with django_assert_max_num_queries(5):
        response = call(commune_officer, "get", "/?limit=2")
    body = response.json()
    assert response.status_code == 200 and body["count"] == 4 and len(body["items"]) == 2
    assert body["items"][0]["kind"] == "overdue" and body["items"][0]["title"] == "Nội dung phối hợp"
    assert call(commune_officer, "get", "/?kind=overdue").json()["count"] == 1
    assert call(commune_officer, "get", "/?kind=nonsense").status_code == 422


def test_the_api_marks_read_and_answers_404_for_anothers(call, commune_officer, officer_other_commune):
    first, _second = tell(commune_officer, n=2)
    assert call(officer_other_commune, "post", f"/{first.pk}/read").status_code == 404
    assert call(officer_other_commune, "get", f"/{first.pk}").status_code == 404
    response = call(commune_officer, "post", f"/{first.pk}/read")
    assert response.status_code == 200 and response.json()["read_at"] is not None
    response = call(commune_officer, "post", "/read-all")
    assert response.json() == {"marked": 1, "unread": 0}


def test_the_api_reads_and_writes_preferences(call, commune_officer):
    assert call(commune_officer, "get", "/preferences").json() == {"email_mode": "digest", "muted_kinds": []}
    response = call(commune_officer, "put", "/preferences", {"email_mode": "off", "muted_kinds": ["urged"]})
    assert response.status_code == 200 and response.json() == {"email_mode": "off", "muted_kinds": ["urged"]}
    assert call(commune_officer, "put", "/preferences", {"email_mode": "hourly"}).status_code == 422
    assert Preference.objects.get(user=commune_officer).email_mode == "off"
