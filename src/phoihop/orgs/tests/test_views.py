"""The unit and people screens: who may use them (200/403/404), what they write, and what they ask."""

import datetime as dt
import io

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from phoihop.core.models import AuditEvent
from phoihop.orgs import services
from phoihop.orgs.models import Membership, Role, Unit, UnitSuccession, User
from phoihop.orgs.views import UserLanguageMiddleware

DAY = dt.date(2026, 3, 1)


@pytest.fixture(autouse=True)
def english(settings):
    # Form errors are lazy texts read after the request, in the default language: make it English
    # so the assertions read the source text whatever the Vietnamese catalogue says.
    settings.LANGUAGE_CODE = "en"


@pytest.fixture
def login(client):
    """Log a persona in with the English interface (assertions read the English source text)."""

    def _login(user):
        client.force_login(user)
        session = client.session
        session[UserLanguageMiddleware.session_key] = "en"
        session.save()
        return client

    return _login


@pytest.fixture
def admin_client(login, province_admin, settings):
    # The TOTP step is tested with the account pages; here it would only stand in the way.
    settings.PHOIHOP_REQUIRE_ADMIN_2FA = False
    return login(province_admin)


def _fresh(unit):
    return Unit.objects.get(pk=unit.pk)


UNIT_SCREENS = ["orgs:unit-create", "orgs:unit-edit", "orgs:unit-move", "orgs:unit-close", "orgs:unit-merge"]


# --- who may open the unit screens --------------------------------------------------------------


@pytest.mark.parametrize("name", UNIT_SCREENS)
def test_unit_admin_opens_every_unit_screen(login, tree, commune_admin, name):
    response = login(commune_admin).get(reverse(name, args=[tree["commune_ubnd"].pk]))
    assert response.status_code == 200


@pytest.mark.parametrize("name", UNIT_SCREENS)
def test_officer_gets_403_on_unit_screens_of_a_unit_they_see(login, tree, commune_officer, name):
    client = login(commune_officer)
    assert client.get(reverse(name, args=[tree["commune_ubnd"].pk])).status_code == 403
    assert client.post(reverse(name, args=[tree["commune_ubnd"].pk]), {"name": "x"}).status_code == 403


@pytest.mark.parametrize("name", UNIT_SCREENS)
def test_officer_from_other_commune_gets_404_on_unit_screens(login, tree, officer_other_commune, name):
    client = login(officer_other_commune)
    assert client.get(reverse(name, args=[tree["commune"].pk])).status_code == 404
    assert client.post(reverse(name, args=[tree["commune_ubnd"].pk]), {"name": "x"}).status_code == 404


def test_unit_page_shows_the_actions_only_to_its_admins(login, tree, commune_admin, commune_officer):
    close_url = reverse("orgs:unit-close", args=[tree["commune_ubnd"].pk])
    page = login(commune_admin).get(tree["commune_ubnd"].get_absolute_url()).content.decode()
    assert close_url in page
    assert reverse("orgs:unit-create", args=[tree["commune_ubnd"].pk]) in page
    page = login(commune_officer).get(tree["commune_ubnd"].get_absolute_url()).content.decode()
    assert close_url not in page
    assert reverse("orgs:unit-edit", args=[tree["commune_ubnd"].pk]) not in page


# --- create, edit, move -------------------------------------------------------------------------


def test_unit_admin_creates_a_unit_within_their_commune(login, tree, commune_admin):
    response = login(commune_admin).post(
        reverse("orgs:unit-create", args=[tree["commune"].pk]),
        {"code": "07090-HND", "name": "Hội Nông dân phường An Sinh", "kind": "mass_org", "valid_from": "2026-01-01"},
    )
    unit = Unit.objects.get(code="07090-HND")
    assert response.status_code == 302
    assert response.url == unit.get_absolute_url()
    assert Unit.objects.get_parent(unit) == tree["commune"]
    assert AuditEvent.objects.get(verb="unit.created").actor_label == "xa.quantri"


def test_a_taken_code_is_refused_beside_the_code_field(login, tree, commune_admin):
    response = login(commune_admin).post(
        reverse("orgs:unit-create", args=[tree["commune"].pk]),
        {"code": "07090-UBND", "name": "Trùng mã", "kind": "other"},
    )
    assert response.status_code == 200
    assert "An open unit already has the code 07090-UBND." in response.context["form"].errors["code"]
    assert Unit.objects.filter(code="07090-UBND").count() == 1


def test_unit_admin_edits_a_unit(login, tree, commune_admin):
    url = reverse("orgs:unit-edit", args=[tree["commune_ubnd"].pk])
    client = login(commune_admin)
    assert client.get(url).context["form"]["name"].value() == "UBND phường An Sinh"
    response = client.post(
        url, {"code": "07090-UBND", "name": "Ủy ban nhân dân phường An Sinh", "kind": "people_committee"}
    )
    assert response.status_code == 302
    assert _fresh(tree["commune_ubnd"]).name == "Ủy ban nhân dân phường An Sinh"
    assert AuditEvent.objects.get(verb="unit.updated").changes["name"][1] == "Ủy ban nhân dân phường An Sinh"


def test_move_under_own_descendant_is_refused_beside_the_field(login, tree, commune_admin):
    response = login(commune_admin).post(
        reverse("orgs:unit-move", args=[tree["commune"].pk]), {"parent": tree["commune_ubnd"].pk}
    )
    assert response.status_code == 200
    assert response.context["form"].errors["parent"] == ["A unit cannot be moved under itself or one of its own units."]
    assert Unit.objects.get_parent(_fresh(tree["commune"])) == tree["province"]


def test_move_offers_only_units_the_person_administers(login, tree, commune_admin):
    client = login(commune_admin)
    offered = set(
        client.get(reverse("orgs:unit-move", args=[tree["commune_mttq"].pk]))
        .context["form"]
        .fields["parent"]
        .queryset.values_list("code", flat=True)
    )
    assert offered == {"07090", "07090-UBND"}
    response = client.post(
        reverse("orgs:unit-move", args=[tree["commune_mttq"].pk]), {"parent": tree["other_commune"].pk}
    )
    assert "parent" in response.context["form"].errors
    response = client.post(
        reverse("orgs:unit-move", args=[tree["commune_mttq"].pk]), {"parent": tree["commune_ubnd"].pk}
    )
    assert response.status_code == 302
    assert Unit.objects.get_parent(_fresh(tree["commune_mttq"])) == tree["commune_ubnd"]


# --- close --------------------------------------------------------------------------------------


def test_close_with_members_asks_what_becomes_of_them(login, tree, commune_admin, commune_officer, commune_leader):
    url = reverse("orgs:unit-close", args=[tree["commune_ubnd"].pk])
    client = login(commune_admin)
    page = client.get(url).content.decode()
    assert "2 people still hold a membership" in page
    assert 'name="members"' in page
    response = client.post(url, {"on": "2026-03-01"})
    assert response.context["form"].errors["members"] == ["Choose what becomes of the members."]
    assert _fresh(tree["commune_ubnd"]).valid_to is None


def test_close_ending_the_memberships(login, tree, commune_admin, commune_officer):
    response = login(commune_admin).post(
        reverse("orgs:unit-close", args=[tree["commune_ubnd"].pk]), {"on": "2026-03-01", "members": "end"}
    )
    assert response.status_code == 302
    assert _fresh(tree["commune_ubnd"]).valid_to == DAY
    assert Membership.objects.get(user=commune_officer).ended_on == DAY


def test_close_moving_the_members(login, tree, commune_admin, commune_officer):
    response = login(commune_admin).post(
        reverse("orgs:unit-close", args=[tree["commune_ubnd"].pk]),
        {"on": "2026-03-01", "members": "move", "move_to": tree["commune_mttq"].pk},
    )
    assert response.status_code == 302
    current = Membership.objects.get(user=commune_officer, ended_on__isnull=True)
    assert (current.unit, current.role) == (tree["commune_mttq"], Role.OFFICER)


def test_close_moving_without_a_unit_says_so_beside_the_picker(login, tree, commune_admin, commune_officer):
    response = login(commune_admin).post(
        reverse("orgs:unit-close", args=[tree["commune_ubnd"].pk]), {"on": "2026-03-01", "members": "move"}
    )
    assert response.context["form"].errors["move_to"] == ["Choose the unit the members move to."]
    assert 'name="move_to"' in response.content.decode()  # the picker stays to fix the error
    assert _fresh(tree["commune_ubnd"]).valid_to is None


def test_htmx_shows_the_move_to_picker_only_when_moving(login, tree, commune_admin, commune_officer):
    url = reverse("orgs:unit-close", args=[tree["commune_ubnd"].pk])
    client = login(commune_admin)
    moving = client.get(url, {"members": "move"}, headers={"HX-Request": "true"})
    ending = client.get(url, {"members": "end"}, headers={"HX-Request": "true"})
    assert 'name="move_to"' in moving.content.decode()
    assert 'name="move_to"' not in ending.content.decode()
    assert "<html" not in moving.content.decode()  # the fragment, not the page
    # Without JavaScript the page itself offers the picker.
    assert 'name="move_to"' in client.get(url).content.decode()


def test_close_of_a_unit_without_members_asks_nothing(login, tree, commune_admin):
    client = login(commune_admin)
    url = reverse("orgs:unit-close", args=[tree["commune_mttq"].pk])
    assert 'name="members"' not in client.get(url).content.decode()
    assert client.post(url, {"on": "2026-03-01"}).status_code == 302
    assert _fresh(tree["commune_mttq"]).valid_to == DAY


# --- merge --------------------------------------------------------------------------------------


def test_merge_into_this_unit_records_successions_and_closes_sources_the_day_before(admin_client, tree):
    response = admin_client.post(
        reverse("orgs:unit-merge", args=[tree["commune"].pk]),
        {
            "mode": "into_this",
            "sources": [tree["other_commune"].pk],
            "on": "2026-03-01",
            "basis": "Nghị quyết 1679/NQ-UBTVQH15",
            "members": "move",
        },
    )
    assert response.status_code == 302
    assert _fresh(tree["other_commune"]).valid_to == dt.date(2026, 2, 28)
    assert _fresh(tree["other_ubnd"]).valid_to == dt.date(2026, 2, 28)
    succession = UnitSuccession.objects.get()
    assert (succession.predecessor, succession.successor, succession.date) == (
        tree["other_commune"],
        tree["commune"],
        DAY,
    )
    assert AuditEvent.objects.filter(verb="unit.merged").count() == 1


def test_merge_into_a_new_unit(admin_client, tree):
    response = admin_client.post(
        reverse("orgs:unit-merge", args=[tree["commune"].pk]),
        {
            "mode": "into_new",
            "sources": [tree["other_commune"].pk],
            "on": "2026-03-01",
            "basis": "Nghị quyết 1679/NQ-UBTVQH15",
            "members": "move",
            "new_parent": tree["province"].pk,
            "new_code": "07100",
            "new_name": "Phường Hợp Nhất",
            "new_kind": "commune",
        },
    )
    new = Unit.objects.get(code="07100")
    assert response.status_code == 302
    assert response.url == new.get_absolute_url()
    assert set(UnitSuccession.objects.filter(successor=new).values_list("predecessor__code", flat=True)) == {
        "07090",
        "07093",
    }


def test_merge_into_a_new_unit_within_the_merged_one_is_refused(admin_client, tree):
    response = admin_client.post(
        reverse("orgs:unit-merge", args=[tree["commune"].pk]),
        {
            "mode": "into_new",
            "on": "2026-03-01",
            "basis": "NQ",
            "members": "move",
            "new_parent": tree["commune_ubnd"].pk,
            "new_code": "07100",
            "new_name": "Sai chỗ",
            "new_kind": "commune",
        },
    )
    assert response.status_code == 200
    assert response.context["form"].errors["sources"]
    assert not Unit.objects.filter(code="07100").exists()
    assert _fresh(tree["commune"]).valid_to is None


def test_htmx_shows_the_new_unit_fields_only_for_a_new_unit(login, tree, commune_admin):
    url = reverse("orgs:unit-merge", args=[tree["commune_ubnd"].pk])
    client = login(commune_admin)
    new = client.get(url, {"mode": "into_new"}, headers={"HX-Request": "true"}).content.decode()
    this = client.get(url, {"mode": "into_this"}, headers={"HX-Request": "true"}).content.decode()
    assert 'name="new_code"' in new
    assert 'name="new_code"' not in this


# --- tree page ----------------------------------------------------------------------------------


def test_tree_page_query_count_does_not_grow_with_the_tree(admin_client, tree, django_assert_max_num_queries):
    for n in range(20):
        services.unit_create(
            actor=None, parent=tree["commune"], code=f"07090-T{n}", name=f"Tổ {n}", kind="residential_area"
        )
    with django_assert_max_num_queries(5):
        response = admin_client.get(reverse("orgs:unit-tree"))
    assert response.status_code == 200
    assert reverse("orgs:unit-import") in response.content.decode()


# --- export and import pages --------------------------------------------------------------------


def test_export_downloads_what_the_person_sees(login, tree, commune_officer):
    response = login(commune_officer).get(reverse("orgs:unit-export"), {"format": "xlsx"})
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith('attachment; filename="units-')
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    assert [row[0] for row in sheet.iter_rows(min_row=2, values_only=True)] == ["07090-UBND"]


def test_export_of_another_communes_subtree_is_404(login, tree, officer_other_commune):
    response = login(officer_other_commune).get(reverse("orgs:unit-export"), {"format": "csv", "root": "07090"})
    assert response.status_code == 404


def test_import_page_is_403_below_unit_admin(login, tree, commune_officer):
    assert login(commune_officer).get(reverse("orgs:unit-import")).status_code == 403


def test_import_page_creates_units_from_a_csv(login, tree, commune_admin):
    upload = SimpleUploadedFile(
        "units.csv", "code,parent_code,name,kind\r\n07090-TDP1,07090,Tổ dân phố 1,residential_area\r\n".encode()
    )
    response = login(commune_admin).post(reverse("orgs:unit-import"), {"file": upload})
    assert response.status_code == 200
    assert response.context["report"].created == ["07090-TDP1"]
    assert Unit.objects.filter(code="07090-TDP1").exists()


def test_import_page_shows_the_row_report_and_writes_nothing(login, tree, commune_admin):
    upload = SimpleUploadedFile(
        "units.csv",
        (
            "code,parent_code,name,kind\r\n"
            "07090-TDP1,07090,Tổ dân phố 1,residential_area\r\n"
            "07093-TDP1,07093,Tổ dân phố 1,residential_area\r\n"
        ).encode(),
    )
    response = login(commune_admin).post(reverse("orgs:unit-import"), {"file": upload})
    page = response.content.decode()
    assert "Nothing was written: the file has 1 problem." in page
    assert "<td>3</td><td>07093-TDP1</td>" in page
    assert not Unit.objects.filter(code__endswith="-TDP1").exists()


# --- people -------------------------------------------------------------------------------------


def test_people_list_shows_the_admins_people_only(
    login, tree, commune_admin, commune_officer, commune_leader, officer_other_commune, django_assert_max_num_queries
):
    client = login(commune_admin)
    with django_assert_max_num_queries(7):  # 6, plus the header's unread-notifications count
        response = client.get(reverse("orgs:person-list"))
    usernames = [p.username for p in response.context["page"].object_list]
    assert usernames == ["xa", "xa.lanhdao", "xa.quantri"]
    assert "xa2" not in response.content.decode()


def test_people_list_query_count_does_not_grow_with_the_page(login, tree, commune_admin, django_assert_max_num_queries):
    for n in range(30):
        user = services.user_create(actor=None, username=f"nguoi{n}", audit=False)
        services.membership_grant(actor=None, user=user, unit=tree["commune_ubnd"], audit=False)
    client = login(commune_admin)
    with django_assert_max_num_queries(7):  # 6, plus the header's unread-notifications count
        response = client.get(reverse("orgs:person-list"))
    assert len(response.context["page"].object_list) == 25


def test_people_list_searches_and_answers_htmx_with_the_rows(login, tree, commune_admin, commune_leader):
    response = login(commune_admin).get(reverse("orgs:person-list"), {"q": "lanhdao"}, headers={"HX-Request": "true"})
    assert [p.username for p in response.context["page"].object_list] == ["xa.lanhdao"]
    assert "<html" not in response.content.decode()


def test_people_list_is_403_for_an_officer(login, tree, commune_officer):
    assert login(commune_officer).get(reverse("orgs:person-list")).status_code == 403


def test_navigation_offers_people_to_unit_admins_only(login, tree, commune_admin, commune_officer):
    url = reverse("orgs:person-list")
    assert f'href="{url}"' in login(commune_admin).get(reverse("orgs:unit-tree")).content.decode()
    assert f'href="{url}"' not in login(commune_officer).get(reverse("orgs:unit-tree")).content.decode()


def test_person_detail_permissions(login, tree, commune_admin, commune_officer, commune_leader, officer_other_commune):
    url = reverse("orgs:person-detail", args=[commune_leader.pk])
    assert login(commune_admin).get(url).status_code == 200
    assert login(commune_officer).get(url).status_code == 403
    assert login(officer_other_commune).get(url).status_code == 404


def test_person_detail_hides_memberships_outside_the_viewers_units(
    admin_client, login, tree, commune_admin, commune_officer
):
    services.membership_grant(actor=None, user=commune_officer, unit=tree["other_ubnd"], role=Role.VIEWER)
    response = login(commune_admin).get(reverse("orgs:person-detail", args=[commune_officer.pk]))
    assert [m.unit.code for m, _can_end in response.context["rows"]] == ["07090-UBND"]


def test_unit_admin_adds_a_person_who_gets_a_link_by_email(login, tree, commune_admin, mailoutbox):
    response = login(commune_admin).post(
        reverse("orgs:person-create"),
        {
            "username": "xa.moi",
            "full_name": "Nguyễn Thị Mới",
            "email": "moi@ansinh.vn",
            "phone": "",
            "language": "vi",
            "unit": tree["commune_mttq"].pk,
            "role": "officer",
            "title": "Cán bộ",
            "password_mode": "link",
        },
    )
    person = User.objects.get(username="xa.moi")
    assert response.status_code == 302
    assert response.url == reverse("orgs:person-detail", args=[person.pk])
    assert Membership.objects.get(user=person).unit == tree["commune_mttq"]
    assert [m.to for m in mailoutbox] == [["moi@ansinh.vn"]]
    assert "/account/reset/" in mailoutbox[0].body
    assert AuditEvent.objects.filter(verb="user.created", target_type="orgs.user", target_id=str(person.pk)).exists()
    assert AuditEvent.objects.filter(verb="membership.granted").exists()


def test_person_added_with_an_initial_password_can_use_it(login, tree, commune_admin, mailoutbox):
    login(commune_admin).post(
        reverse("orgs:person-create"),
        {
            "username": "xa.moi",
            "full_name": "Nguyễn Thị Mới",
            "language": "vi",
            "unit": tree["commune_mttq"].pk,
            "role": "viewer",
            "password_mode": "set",
            "password": "mat-khau-ban-dau-2026",
        },
    )
    assert User.objects.get(username="xa.moi").check_password("mat-khau-ban-dau-2026")
    assert mailoutbox == []


def test_person_form_refuses_a_link_without_email_beside_the_field(login, tree, commune_admin):
    response = login(commune_admin).post(
        reverse("orgs:person-create"),
        {
            "username": "xa.moi",
            "full_name": "Mới",
            "language": "vi",
            "unit": tree["commune_mttq"].pk,
            "role": "viewer",
            "password_mode": "link",
        },
    )
    assert response.context["form"].errors["email"] == ["An e-mail address is needed to send the link."]
    assert not User.objects.filter(username="xa.moi").exists()


def test_unit_admin_cannot_make_a_system_admin_or_add_outside_their_units(login, tree, commune_admin):
    client = login(commune_admin)
    form = client.get(reverse("orgs:person-create")).context["form"]
    assert "system_admin" not in dict(form.fields["role"].choices)
    response = client.post(
        reverse("orgs:person-create"),
        {
            "username": "x",
            "full_name": "X",
            "email": "x@example.vn",
            "language": "vi",
            "unit": tree["other_ubnd"].pk,
            "role": "system_admin",
            "password_mode": "link",
        },
    )
    assert set(response.context["form"].errors) == {"unit", "role"}
    assert not User.objects.filter(username="x").exists()


def test_person_create_is_403_for_an_officer(login, tree, commune_officer):
    assert login(commune_officer).get(reverse("orgs:person-create")).status_code == 403


def test_grant_a_membership(login, tree, commune_admin, commune_officer, officer_other_commune):
    url = reverse("orgs:membership-grant", args=[commune_officer.pk])
    response = login(commune_admin).post(url, {"unit": tree["commune_mttq"].pk, "role": "leader", "title": ""})
    assert response.status_code == 302
    assert Membership.objects.get(user=commune_officer, unit=tree["commune_mttq"]).role == Role.LEADER
    assert login(officer_other_commune).get(url).status_code == 404


def test_grant_is_403_for_an_officer_who_sees_the_person(login, tree, commune_officer, commune_leader):
    url = reverse("orgs:membership-grant", args=[commune_leader.pk])
    assert login(commune_officer).post(url, {"unit": tree["commune_ubnd"].pk, "role": "viewer"}).status_code == 403


def test_end_a_membership(login, tree, commune_admin, commune_officer, commune_leader, officer_other_commune):
    membership = commune_leader.memberships.get()
    url = reverse("orgs:membership-end", args=[membership.pk])
    assert login(officer_other_commune).get(url).status_code == 404
    assert login(commune_officer).post(url, {"on": "2026-03-01"}).status_code == 403
    response = login(commune_admin).post(url, {"on": "2026-03-01"})
    assert response.status_code == 302
    membership.refresh_from_db()
    assert membership.ended_on == DAY
    assert AuditEvent.objects.filter(verb="membership.ended", target_id=str(membership.pk)).exists()


def test_deactivate_and_reactivate_a_person(login, tree, commune_admin, commune_officer):
    client = login(commune_admin)
    response = client.post(reverse("orgs:person-deactivate", args=[commune_officer.pk]), {"note": "nghỉ hưu"})
    assert response.status_code == 302
    assert not User.objects.get(pk=commune_officer.pk).is_active
    assert AuditEvent.objects.get(verb="user.deactivated").note == "nghỉ hưu"
    client.post(reverse("orgs:person-reactivate", args=[commune_officer.pk]))
    assert User.objects.get(pk=commune_officer.pk).is_active


def test_deactivate_permissions(login, tree, commune_officer, commune_leader, officer_other_commune):
    url = reverse("orgs:person-deactivate", args=[commune_leader.pk])
    assert login(officer_other_commune).post(url).status_code == 404
    assert login(commune_officer).post(url).status_code == 403
    assert User.objects.get(pk=commune_leader.pk).is_active


def test_commune_admin_cannot_deactivate_someone_the_province_also_relies_on(
    login, tree, commune_admin, commune_officer
):
    services.membership_grant(actor=None, user=commune_officer, unit=tree["ubnd"], role=Role.OFFICER)
    response = login(commune_admin).post(reverse("orgs:person-deactivate", args=[commune_officer.pk]))
    assert response.status_code == 403
    assert User.objects.get(pk=commune_officer.pk).is_active


def test_edit_a_person(login, tree, commune_admin, commune_officer, officer_other_commune):
    url = reverse("orgs:person-edit", args=[commune_officer.pk])
    assert login(officer_other_commune).get(url).status_code == 404
    response = login(commune_admin).post(
        url, {"full_name": "Đỗ Văn Nam", "email": "nam@ansinh.vn", "phone": "0912 345 678", "language": "vi"}
    )
    assert response.status_code == 302
    assert User.objects.get(pk=commune_officer.pk).full_name == "Đỗ Văn Nam"
    assert AuditEvent.objects.get(verb="user.updated").changes["email"] == ["xa@example.vn", "nam@ansinh.vn"]
