"""The announcements pages (system admins only), the Django admin, and the menu entry."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.urls import reverse

from phoihop.calendar.models import CalendarAnnouncement
from phoihop.calendar.tests.factories import announce, announce_new_year_2026_swap
from phoihop.core.models import AuditEvent

D = dt.date
LIST = reverse("calendar:announcement-list")
CREATE = reverse("calendar:announcement-create")

pytestmark = pytest.mark.django_db

VALID = {
    "date": "2026-01-02",
    "kind": "day_off",
    "name": "Nghỉ hoán đổi Tết Dương lịch",
    "basis": "Thông báo của Bộ Nội vụ ngày 25/12/2025",
    "province_code": "",
}


def delete_url(announcement):
    return reverse("calendar:announcement-delete", args=[announcement.pk])


# The list ------------------------------------------------------------------------------------


@time_machine.travel(dt.datetime(2026, 3, 10, 9, 0, tzinfo=dt.UTC), tick=False)
def test_the_list_shows_this_years_announcements_and_calendar(admin_web):
    announce_new_year_2026_swap()
    announce(date=D(2025, 12, 31), kind="day_off", name="Nghỉ năm cũ")
    response = admin_web.get(LIST)
    assert response.status_code == 200
    assert response.context["year"] == 2026
    assert [a.date for a in response.context["page"].object_list] == [D(2026, 1, 2), D(2026, 1, 10)]
    content = response.content.decode()
    assert "Nghỉ năm cũ" not in content
    assert "Ngày Văn hóa Việt Nam" in content  # the package's days off are shown beside them
    assert "22/08/2026" in content  # and its make-up Saturday


def test_the_list_of_another_year_is_chosen_with_the_year_field(admin_web):
    announce(date=D(2025, 12, 31), kind="day_off", name="Nghỉ năm cũ")
    response = admin_web.get(LIST, {"year": 2025})
    assert [a.name for a in response.context["page"].object_list] == ["Nghỉ năm cũ"]


def test_a_year_outside_the_calendar_shows_the_error_and_this_year(admin_web):
    response = admin_web.get(LIST, {"year": "3000"})
    assert response.status_code == 200
    assert response.context["form"].errors["year"]


def test_the_list_is_paginated_with_a_fixed_number_of_queries(admin_web, django_assert_max_num_queries):
    CalendarAnnouncement.objects.bulk_create(
        CalendarAnnouncement(date=D(2026, 1, 1) + dt.timedelta(days=i), kind="day_off", name=f"Ngày {i}", basis="TB")
        for i in range(70)
    )
    admin_web.get(LIST, {"year": 2026})  # warm the session and user caches
    # session, user, memberships, OTP device, announcements fingerprint and rows, count, page
    with django_assert_max_num_queries(9):
        response = admin_web.get(LIST, {"year": 2026})
    assert len(response.context["page"].object_list) == 50
    assert response.context["page"].paginator.num_pages == 2


def test_htmx_gets_only_the_rows(admin_web):
    response = admin_web.get(LIST, {"year": 2026}, headers={"HX-Request": "true"})
    assert response.status_code == 200
    assert response.templates[0].name == "calendar/partials/_announcement_rows.html"
    assert b"<html" not in response.content


# Adding --------------------------------------------------------------------------------------


def test_the_admin_adds_an_announcement_and_it_is_audited(admin_web, province_admin):
    response = admin_web.post(CREATE, VALID)
    assert response.status_code == 302
    assert response["Location"] == f"{LIST}?year=2026"
    announcement = CalendarAnnouncement.objects.get()
    assert announcement.date == D(2026, 1, 2)
    event = AuditEvent.objects.get(verb="calendar_announcement.created")
    assert event.actor == province_admin


def test_htmx_add_answers_with_a_redirect_header(admin_web):
    response = admin_web.post(CREATE, VALID, headers={"HX-Request": "true"})
    assert response["HX-Redirect"] == f"{LIST}?year=2026"


def test_an_announcement_that_changes_nothing_shows_the_error_beside_the_date(admin_web):
    response = admin_web.post(CREATE, VALID | {"date": "2026-02-17"})
    assert response.status_code == 400
    assert [error.code for error in response.context["form"].errors.as_data()["date"]] == ["already_day_off"]
    assert 'aria-invalid="true"' in response.content.decode()
    assert not CalendarAnnouncement.objects.exists()


def test_a_missing_basis_and_a_bad_date_show_beside_their_fields(admin_web):
    response = admin_web.post(CREATE, VALID | {"basis": "", "date": "31/02/2026"})
    assert response.status_code == 400
    errors = response.context["form"].errors
    assert set(errors) == {"basis", "date"}
    assert not CalendarAnnouncement.objects.exists()


def test_the_form_accepts_a_vietnamese_written_date(admin_web):
    admin_web.post(CREATE, VALID | {"date": "10/01/2026", "kind": "working_day"})
    assert CalendarAnnouncement.objects.get().date == D(2026, 1, 10)


# Deleting ------------------------------------------------------------------------------------


def test_the_admin_confirms_then_deletes_and_it_is_audited(admin_web):
    announcement = announce(date=D(2026, 1, 2), kind="day_off")
    assert admin_web.get(delete_url(announcement)).status_code == 200
    response = admin_web.post(delete_url(announcement))
    assert response.status_code == 302
    assert not CalendarAnnouncement.objects.exists()
    assert AuditEvent.objects.filter(verb="calendar_announcement.deleted", target_id=str(announcement.pk)).exists()


def test_deleting_an_unknown_announcement_is_404(admin_web):
    assert admin_web.post(reverse("calendar:announcement-delete", args=[999])).status_code == 404


# Outsiders -----------------------------------------------------------------------------------


@pytest.fixture(params=["commune_officer", "officer_other_commune", "commune_admin"])
def outsider(request):
    return request.getfixturevalue(request.param)


def test_people_who_are_not_system_admins_cannot_see_or_change_the_calendar(client, outsider):
    announcement = announce(date=D(2026, 1, 2), kind="day_off")
    client.force_login(outsider)
    assert client.get(LIST).status_code == 403
    assert client.get(CREATE).status_code == 403
    assert client.post(CREATE, VALID | {"date": "2026-04-28"}).status_code == 403
    assert client.get(delete_url(announcement)).status_code == 403
    assert client.post(delete_url(announcement)).status_code == 403
    assert list(CalendarAnnouncement.objects.values_list("date", flat=True)) == [D(2026, 1, 2)]


def test_anonymous_visitors_are_sent_to_log_in(client):
    response = client.get(LIST)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("orgs:login"))


def test_the_menu_shows_the_calendar_to_system_admins_only(admin_web, client, commune_officer):
    assert LIST in admin_web.get(reverse("core:home")).content.decode()
    admin_web.logout()
    client.force_login(commune_officer)
    assert LIST not in client.get(reverse("core:home")).content.decode()


# The Django admin ----------------------------------------------------------------------------


@pytest.fixture
def superuser_web(admin_web, province_admin):
    province_admin.is_staff = province_admin.is_superuser = True
    province_admin.save(update_fields=["is_staff", "is_superuser"])
    return admin_web


def test_the_django_admin_adds_through_the_service(superuser_web):
    response = superuser_web.post(reverse("admin:calendar_calendarannouncement_add"), VALID)
    assert response.status_code == 302, response.context["adminform"].form.errors
    assert CalendarAnnouncement.objects.get().date == D(2026, 1, 2)
    assert AuditEvent.objects.filter(verb="calendar_announcement.created").count() == 1


def test_the_django_admin_shows_the_services_checks_beside_the_fields(superuser_web):
    response = superuser_web.post(reverse("admin:calendar_calendarannouncement_add"), VALID | {"date": "2026-02-17"})
    assert response.status_code == 200
    assert [error.code for error in response.context["adminform"].form.errors.as_data()["date"]] == ["already_day_off"]
    assert not CalendarAnnouncement.objects.exists()


def test_the_django_admin_deletes_through_the_service(superuser_web):
    announcement = announce(date=D(2026, 1, 2), kind="day_off")
    url = reverse("admin:calendar_calendarannouncement_delete", args=[announcement.pk])
    response = superuser_web.post(url, {"post": "yes"})
    assert response.status_code == 302
    assert not CalendarAnnouncement.objects.exists()
    assert AuditEvent.objects.filter(verb="calendar_announcement.deleted").count() == 1


def test_the_django_admin_bulk_delete_goes_through_the_service(superuser_web):
    first = announce(date=D(2026, 1, 2), kind="day_off")
    second = announce(date=D(2026, 1, 10), kind="working_day")
    response = superuser_web.post(
        reverse("admin:calendar_calendarannouncement_changelist"),
        {"action": "delete_selected", "_selected_action": [first.pk, second.pk], "post": "yes"},
    )
    assert response.status_code == 302
    assert not CalendarAnnouncement.objects.exists()
    assert AuditEvent.objects.filter(verb="calendar_announcement.deleted").count() == 2


def test_the_django_admin_does_not_edit_announcements(superuser_web):
    announcement = announce(date=D(2026, 1, 2), kind="day_off")
    url = reverse("admin:calendar_calendarannouncement_change", args=[announcement.pk])
    superuser_web.post(url, VALID | {"name": "Đổi tên"})
    announcement.refresh_from_db()
    assert announcement.name == "Ngày nghỉ"
