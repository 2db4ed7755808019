"""The agreements screens: each view's permitted path, the 403 for a role too low, the 404 for an
officer of another commune, htmx fragments, query counts of lists, and files only through views.

Today is frozen at Monday 16/03/2026 so the statuses of the dates do not drift.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from phoihop.agreements import services
from phoihop.agreements.models import Agreement, AgreementParty, Area, Event, Evidence, Obligation, Occurrence
from phoihop.agreements.tests import factories
from phoihop.agreements.tests.factories import make_agreement, make_event, make_obligation
from phoihop.core.models import AuditEvent
from phoihop.core.tests.test_shell import audit_page, crawl

D = dt.date
P = AgreementParty.Role
HX = {"HTTP_HX_REQUEST": "true"}
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"

pytestmark = pytest.mark.django_db

# The backend's fixtures: Regulation 194 of the province, and an agreement of commune 07090 registered by its MTTQ.
regulation = factories.regulation
commune_agreement = factories.commune_agreement


@pytest.fixture(autouse=True)
def _monday_16_march_2026():
    with time_machine.travel(dt.datetime(2026, 3, 16, 9, 0, tzinfo=ZoneInfo("Asia/Ho_Chi_Minh")), tick=False):
        yield


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def deal(tree):
    """In force 01/08/2025 – 31/12/2026 between commune 07090's UBND (the owner) and its MTTQ.

    Two duties of the UBND to the MTTQ: a quarterly report (due 10 days after each quarter; the
    one for Q4 2025 fell on Saturday 10/01/2026, so it is due Monday 12/01 and overdue today) and
    a one-off plan due on Friday 20/03/2026 (due soon).
    """
    agreement = make_agreement(
        owner=tree["commune_ubnd"],
        number="05/QCPH-AS",
        title="Quy chế phối hợp giữa UBND và Ủy ban MTTQ phường An Sinh",
        effective_from=D(2025, 8, 1),
        effective_to=D(2026, 12, 31),
        parties=[(tree["commune_ubnd"], P.SIGNATORY, None), (tree["commune_mttq"], P.SIGNATORY, None)],
    )
    make_obligation(
        agreement=agreement,
        owing=[tree["commune_ubnd"]],
        receiving_units=[tree["commune_mttq"]],
        article_ref="Điều 5",
    )
    make_obligation(
        agreement=agreement,
        owing=[tree["commune_ubnd"]],
        receiving_units=[tree["commune_mttq"]],
        title="Xây dựng kế hoạch phối hợp năm 2026",
        schedule_kind=Obligation.ScheduleKind.ONCE,
        rrule="",
        deadline_rule=Obligation.DeadlineRule.FIXED_DATE,
        deadline_date=D(2026, 3, 20),
        deadline_days=0,
    )
    return agreement


def occurrences(agreement):
    return Occurrence.objects.filter(obligation__agreement=agreement).order_by("due_on", "pk")


def overdue_one(agreement):
    return occurrences(agreement).filter(due_on=D(2026, 1, 12)).get()


@pytest.fixture
def viewer(tree):
    """Sees commune 07090's UBND but may change nothing."""
    from phoihop.orgs import services as org_services

    user = org_services.user_create(actor=None, username="xem", password="x-long-password-1", audit=False)
    org_services.membership_grant(actor=None, user=user, unit=tree["commune_ubnd"], role="viewer", audit=False)
    return user


def url(name, *args):
    return reverse(f"agreements:{name}", args=args)


def verbs():
    return list(AuditEvent.objects.order_by("pk").values_list("verb", flat=True))


# The list ---------------------------------------------------------------------------------------


def test_the_list_shows_the_agreements_the_officer_can_see(client, commune_officer, deal, regulation):
    client.force_login(commune_officer)
    response = client.get(url("agreement-list"))
    assert response.status_code == 200
    assert "agreements/agreement_list.html" in [t.name for t in response.templates]
    assert list(response.context["page"].object_list) == [deal]  # the province's regulation is not theirs
    content = response.content.decode()
    assert "05/QCPH-AS" in content and deal.get_absolute_url() in content
    assert response.context["can_register"] is True


def test_the_list_filters_by_kind_party_year_and_text(client, front_officer, regulation, tree):
    programme = make_agreement(
        owner=tree["mttq"],
        kind=Agreement.Kind.PROGRAMME,
        number="12/CTPH",
        title="Chương trình phối hợp với Hội Phụ nữ",
        effective_from=D(2026, 1, 1),
        effective_to=D(2026, 12, 31),
        parties=[(tree["sonv"], P.SIGNATORY, None), (tree["hlhpn"], P.SIGNATORY, None)],
    )
    client.force_login(front_officer)

    def found(**query):
        response = client.get(url("agreement-list"), query)
        assert response.status_code == 200
        return list(response.context["page"].object_list)

    assert found() == [programme, regulation]
    assert found(kind="programme") == [programme]
    assert found(party="22-SONV") == [programme]  # a party here; only the UBND's focal unit in the regulation
    assert found(party="22-sonv", q="Phụ nữ") == [programme]
    assert found(party="Hội Liên hiệp Phụ nữ") == [programme, regulation]  # by a part of the name
    assert found(year="2025") == [regulation]
    assert found(status="in_force", level="province") == [programme, regulation]
    assert found(level="commune") == []


def test_an_unknown_party_is_an_error_beside_the_field(client, front_officer, regulation):
    client.force_login(front_officer)
    response = client.get(url("agreement-list"), {"party": "99-KHONG"})
    assert response.context["form"].errors["party"]


def test_the_list_answers_htmx_with_the_rows_only(client, commune_officer, deal):
    client.force_login(commune_officer)
    response = client.get(url("agreement-list"), {"q": "An Sinh"}, **HX)
    assert response.status_code == 200
    assert next(t.name for t in response.templates) == "agreements/partials/_agreement_rows.html"
    assert "<html" not in response.content.decode()
    assert response["Vary"] == "HX-Request" or "HX-Request" in response["Vary"]


def test_the_officer_of_another_commune_does_not_see_the_agreement_in_the_list(client, officer_other_commune, deal):
    client.force_login(officer_other_commune)
    response = client.get(url("agreement-list"))
    assert list(response.context["page"].object_list) == []
    assert "05/QCPH-AS" not in response.content.decode()


def test_the_list_costs_the_same_queries_for_3_or_30_agreements(
    client, commune_officer, tree, django_assert_max_num_queries
):
    def add(n):
        for _i in range(n):
            make_agreement(
                owner=tree["commune_ubnd"],
                number=f"{Agreement.objects.count() + 1}/KH",
                parties=[(tree["commune_ubnd"], P.SIGNATORY, None), (tree["commune_mttq"], P.LEAD, None)],
                effective_from=D(2025, 8, 1),
            )

    client.force_login(commune_officer)
    add(3)
    with django_assert_max_num_queries(16) as few:
        client.get(url("agreement-list"))
    add(27)
    with django_assert_max_num_queries(len(few.captured_queries)) as many:
        response = client.get(url("agreement-list"))
    assert len(response.context["page"].object_list) == 25
    assert len(many.captured_queries) == len(few.captured_queries)


# Registering and changing an agreement --------------------------------------------------------------


def agreement_post(**extra):
    data = {
        "owner_unit": "",
        "status": "in_force",
        "kind": "programme",
        "number": "07/CTr-AS",
        "title": "Chương trình phối hợp tuyên truyền",
        "summary": "",
        "signed_on": "20/07/2025",
        "signed_place": "An Sinh",
        "effective_from": "2025-08-01",
        "effective_to": "2026-12-31",
        "parent": "",
        "parties-TOTAL_FORMS": "4",
        "parties-INITIAL_FORMS": "0",
        "parties-MIN_NUM_FORMS": "4",
        "parties-MAX_NUM_FORMS": "30",
        "parties-0-unit": "07090-UBND",
        "parties-0-role": "lead",
        "parties-0-focal_unit": "",
        "parties-1-unit": "07090-mttq",
        "parties-1-role": "signatory",
        "parties-1-focal_unit": "",
    }
    for i in (2, 3):
        data.update({f"parties-{i}-unit": "", f"parties-{i}-role": "signatory", f"parties-{i}-focal_unit": ""})
    data.update(extra)
    return data


def test_an_officer_registers_an_agreement_with_its_parties(client, commune_officer, tree):
    client.force_login(commune_officer)
    page = client.get(url("agreement-create"))
    assert page.status_code == 200
    assert list(page.context["form"].fields["owner_unit"].queryset) == [tree["commune_ubnd"]]
    area = Area.objects.get(code="thong-tin-bao-cao-hoi-hop")
    response = client.post(url("agreement-create"), agreement_post(owner_unit=tree["commune_ubnd"].pk, areas=[area.pk]))
    agreement = Agreement.objects.get(number="07/CTr-AS")
    assert response.status_code == 302 and response["Location"] == agreement.get_absolute_url()
    assert agreement.status == "in_force" and agreement.signed_on == D(2025, 7, 20)
    assert {(p.unit.code, p.role) for p in agreement.parties.all()} == {
        ("07090-UBND", "lead"),
        ("07090-MTTQ", "signatory"),
    }
    assert list(agreement.areas.all()) == [area]
    assert "agreement.registered" in verbs()


def test_a_period_that_ends_before_it_starts_is_refused_beside_the_field(client, commune_officer, tree):
    client.force_login(commune_officer)
    response = client.post(
        url("agreement-create"), agreement_post(owner_unit=tree["commune_ubnd"].pk, effective_to="2025-01-01")
    )
    assert response.status_code == 400
    assert response.context["form"].errors["effective_to"]
    assert not Agreement.objects.exists()


def test_an_unknown_party_code_is_refused_beside_its_row(client, commune_officer, tree):
    client.force_login(commune_officer)
    response = client.post(
        url("agreement-create"), agreement_post(owner_unit=tree["commune_ubnd"].pk, **{"parties-1-unit": "07090-XX"})
    )
    assert response.status_code == 400
    assert response.context["parties"].forms[1].errors["unit"]
    assert not Agreement.objects.exists()


def test_someone_who_can_only_read_cannot_register(client, viewer):
    client.force_login(viewer)
    assert client.get(url("agreement-create")).status_code == 403


def test_the_owner_edits_the_agreement(client, commune_officer, deal):
    client.force_login(commune_officer)
    assert client.get(url("agreement-edit", deal.pk)).status_code == 200
    data = {
        "kind": deal.kind,
        "number": deal.number,
        "title": "Quy chế phối hợp (sửa đổi)",
        "summary": "",
        "signed_on": "",
        "signed_place": "",
        "effective_from": "2025-08-01",
        "effective_to": "2026-12-31",
        "parent": "",
    }
    response = client.post(url("agreement-edit", deal.pk), data)
    assert response.status_code == 302
    deal.refresh_from_db()
    assert deal.title == "Quy chế phối hợp (sửa đổi)"
    assert "agreement.updated" in verbs()


def test_a_party_that_does_not_own_the_agreement_may_read_it_but_not_change_it(
    client, commune_officer, commune_agreement
):
    client.force_login(commune_officer)  # 07090-UBND is a party; 07090-MTTQ registered it
    assert client.get(commune_agreement.get_absolute_url()).status_code == 200
    for name in ("agreement-edit", "agreement-status", "agreement-delete", "party-add", "file-add", "amendment-add"):
        assert client.get(url(name, commune_agreement.pk)).status_code == 403, name
    assert client.get(url("obligation-create", commune_agreement.pk)).status_code == 403


def test_the_officer_of_another_commune_gets_404_everywhere_on_the_agreement(client, officer_other_commune, deal):
    client.force_login(officer_other_commune)
    for name in (
        "agreement-detail",
        "agreement-edit",
        "agreement-status",
        "agreement-delete",
        "party-add",
        "file-add",
        "amendment-add",
        "obligation-create",
    ):
        assert client.get(url(name, deal.pk)).status_code == 404, name
    party = deal.parties.first()
    assert client.post(url("party-remove", deal.pk, party.pk)).status_code == 404
    assert client.post(url("agreement-delete", deal.pk)).status_code == 404
    assert Agreement.objects.filter(pk=deal.pk).exists()


def test_the_status_changes_to_replaced_by_another_agreement(client, commune_officer, deal, tree):
    newer = make_agreement(
        owner=tree["commune_ubnd"],
        number="09/QCPH-AS",
        effective_from=D(2026, 3, 1),
        effective_to=None,
        parties=[(tree["commune_ubnd"], P.SIGNATORY, None)],
    )
    client.force_login(commune_officer)
    refused = client.post(url("agreement-status", deal.pk), {"status": "replaced", "replaced_by": ""})
    assert refused.status_code == 400 and refused.context["form"].errors["replaced_by"]
    response = client.post(url("agreement-status", deal.pk), {"status": "replaced", "replaced_by": newer.pk})
    assert response.status_code == 302
    deal.refresh_from_db()
    assert deal.status == "replaced" and deal.replaced_by == newer
    page = client.get(deal.get_absolute_url())
    assert page.context["replaced_by"] == newer


def test_an_agreement_without_completed_duties_can_be_deleted(client, commune_officer, deal):
    client.force_login(commune_officer)
    assert client.get(url("agreement-delete", deal.pk)).status_code == 200
    response = client.post(url("agreement-delete", deal.pk))
    assert response.status_code == 302 and response["Location"] == url("agreement-list")
    assert not Agreement.objects.filter(pk=deal.pk).exists()
    assert "agreement.deleted" in verbs()


def test_an_agreement_with_a_completed_duty_cannot_be_deleted_and_says_why(client, commune_officer, deal):
    services.occurrence_complete(actor=commune_officer, occurrence=overdue_one(deal), note="Đã báo cáo")
    client.force_login(commune_officer)
    response = client.post(url("agreement-delete", deal.pk))
    assert response.status_code == 400
    assert response.context["refusal"]  # the service's message, shown on the page
    assert Agreement.objects.filter(pk=deal.pk).exists()


def test_parties_are_added_and_removed(client, commune_officer, deal, tree):
    from phoihop.orgs import services as org_services

    youth = org_services.unit_create(
        actor=None, parent=tree["commune_mttq"], code="07090-DTN", name="Đoàn Thanh niên phường", kind="mass_org"
    )
    client.force_login(commune_officer)
    response = client.post(url("party-add", deal.pk), {"unit": "07090-DTN", "role": "member", "focal_unit": ""})
    assert response.status_code == 302
    party = deal.parties.get(unit=youth)
    twice = client.post(url("party-add", deal.pk), {"unit": "07090-DTN", "role": "member", "focal_unit": ""})
    assert twice.status_code == 400 and twice.context["form"].errors["unit"]
    assert client.post(url("party-remove", deal.pk, party.pk)).status_code == 302
    assert not deal.parties.filter(unit=youth).exists()
    assert verbs()[-2:] == ["agreement.party_added", "agreement.party_removed"]


# The agreement page, files, amendments ---------------------------------------------------------------


def test_the_agreement_page_shows_parties_compliance_and_timelines(client, commune_officer, deal, tree):
    services.occurrence_complete(
        actor=commune_officer, occurrence=overdue_one(deal), note="Đã báo cáo", completed_on=D(2026, 2, 2)
    )
    client.force_login(commune_officer)
    response = client.get(deal.get_absolute_url())
    assert response.status_code == 200
    assert "agreements/agreement_detail.html" in [t.name for t in response.templates]
    assert response.context["can_edit"] is True
    content = response.content.decode()
    assert tree["commune_mttq"].name in content
    ((unit, counts),) = response.context["compliance"]
    assert unit == tree["commune_ubnd"]
    assert (counts.done_late, counts.overdue_open, counts.on_time_percent) == (1, 0, 0)
    # Every date of every duty is on a timeline, coloured by its status and linked to its page.
    for occurrence in occurrences(deal):
        assert url("occurrence-detail", occurrence.pk) in content
    assert 'class="st-done_late' in content and 'class="st-due_soon' in content and 'class="st-upcoming' in content
    (plan,) = [o for o in response.context["obligations"] if o.schedule_kind == "once"]
    assert plan.next_pk == occurrences(deal).get(due_on=D(2026, 3, 20)).pk


def test_the_agreement_page_does_not_repeat_queries_per_duty(
    client, commune_officer, deal, tree, django_assert_max_num_queries
):
    client.force_login(commune_officer)
    with django_assert_max_num_queries(40) as two:
        client.get(deal.get_absolute_url())
    for i in range(4):
        make_obligation(agreement=deal, owing=[tree["commune_ubnd"]], title=f"Nhiệm vụ {i}")
    with django_assert_max_num_queries(len(two.captured_queries)):
        client.get(deal.get_absolute_url())


def test_a_scan_is_uploaded_and_downloaded_through_the_view(client, commune_officer, deal):
    client.force_login(commune_officer)
    scan = SimpleUploadedFile("quy-che.pdf", PDF, content_type="application/pdf")
    response = client.post(url("file-add", deal.pk), {"kind": "scan", "title": "Bản ký", "file": scan})
    assert response.status_code == 302
    attached = deal.files.get()
    page = client.get(deal.get_absolute_url()).content.decode()
    download = url("file-download", deal.pk, attached.pk)
    assert download in page and "/media/" not in page
    got = client.get(download)
    assert got.status_code == 200
    assert b"".join(got.streaming_content) == PDF
    assert "attachment" in got["Content-Disposition"]


def test_a_file_of_the_wrong_type_is_refused_beside_the_field(client, commune_officer, deal):
    client.force_login(commune_officer)
    script = SimpleUploadedFile("virus.exe", b"MZ", content_type="application/octet-stream")
    response = client.post(url("file-add", deal.pk), {"kind": "other", "file": script})
    assert response.status_code == 400 and response.context["form"].errors["file"]
    assert not deal.files.exists()


def test_an_outsider_cannot_download_the_file(client, commune_officer, officer_other_commune, deal):
    attached = services.agreement_file_add(
        actor=commune_officer, agreement=deal, kind="scan", file=SimpleUploadedFile("qc.pdf", PDF)
    )
    client.force_login(officer_other_commune)
    assert client.get(url("file-download", deal.pk, attached.pk)).status_code == 404


def test_an_amendment_is_recorded_with_its_date(client, commune_officer, deal):
    client.force_login(commune_officer)
    response = client.post(
        url("amendment-add", deal.pk), {"date": "2026-02-01", "number": "02/QĐ", "summary": "Bổ sung Điều 6"}
    )
    assert response.status_code == 302
    assert deal.amendments.get().summary == "Bổ sung Điều 6"
    early = client.post(url("amendment-add", deal.pk), {"date": "2020-01-01", "summary": "Sai ngày"})
    assert early.status_code == 400 and early.context["form"].errors["date"]


def test_a_programme_shows_the_regulation_it_implements_and_the_other_way(client, front_officer, regulation, tree):
    programme = make_agreement(
        owner=tree["mttq"],
        kind=Agreement.Kind.PROGRAMME,
        number="12/CTPH",
        parent=regulation,
        parties=[(tree["sonv"], P.SIGNATORY, None), (tree["hlhpn"], P.SIGNATORY, None)],
    )
    client.force_login(front_officer)
    assert client.get(programme.get_absolute_url()).context["parent"] == regulation
    assert list(client.get(regulation.get_absolute_url()).context["children"]) == [programme]


# Duties (obligations) ---------------------------------------------------------------------------------


def obligation_post(tree, **extra):
    data = {
        "article_ref": "Điều 7, khoản 1",
        "title": "Thông báo tình hình kinh tế - xã hội",
        "text": "",
        "owing_units": [tree["commune_ubnd"].pk],
        "receiving_units": [tree["commune_mttq"].pk],
        "area": Area.objects.get(code="phat-trien-kinh-te-xa-hoi").pk,
        "schedule_kind": "recurring",
        "every": "half_years",
        "interval": "1",
        "on_day": "",
        "on_month": "",
        "custom_rrule": "",
        "event_kind": "",
        "deadline_rule": "after_period_end",
        "deadline_days": "15",
        "deadline_date": "",
        "evidence_kinds": ["note", "file"],
    }
    data.update(extra)
    return data


def test_a_duty_every_half_year_is_stored_as_an_rfc_5545_rule(client, commune_officer, deal, tree):
    client.force_login(commune_officer)
    page = client.get(url("obligation-create", deal.pk))
    assert set(page.context["form"].fields["owing_units"].queryset) == {tree["commune_ubnd"], tree["commune_mttq"]}
    response = client.post(url("obligation-create", deal.pk), obligation_post(tree, deadline_working_days="on"))
    obligation = deal.obligations.get(article_ref="Điều 7, khoản 1")
    assert response.status_code == 302 and response["Location"] == obligation.get_absolute_url()
    assert obligation.rrule == "FREQ=YEARLY;BYMONTH=1,7;BYMONTHDAY=1"  # calendar half-years
    assert obligation.deadline_working_days is True
    assert obligation.occurrences.exists()
    assert "obligation.created" in verbs()


def test_the_services_errors_show_beside_the_duty_fields(client, commune_officer, deal, tree):
    client.force_login(commune_officer)
    no_owner = client.post(url("obligation-create", deal.pk), obligation_post(tree, owing_units=[]))
    assert no_owner.status_code == 400 and no_owner.context["form"].errors["owing_units"]
    bad_rule = client.post(
        url("obligation-create", deal.pk), obligation_post(tree, every="custom", custom_rrule="FREQ=SOMETIMES")
    )
    assert bad_rule.status_code == 400 and bad_rule.context["form"].errors["custom_rrule"]
    too_early = client.post(
        url("obligation-create", deal.pk),
        obligation_post(tree, schedule_kind="once", deadline_rule="fixed_date", deadline_date="2025-01-01"),
    )
    assert too_early.status_code == 400 and too_early.context["form"].errors["deadline_date"]
    no_event = client.post(
        url("obligation-create", deal.pk), obligation_post(tree, schedule_kind="event", deadline_rule="before_event")
    )
    assert no_event.status_code == 400 and no_event.context["form"].errors["event_kind"]
    assert deal.obligations.count() == 2


def test_the_duty_page_lists_its_dates_and_the_owner_edits_it(client, commune_officer, deal, tree):
    obligation = deal.obligations.get(article_ref="Điều 5")
    client.force_login(commune_officer)
    page = client.get(obligation.get_absolute_url())
    assert page.status_code == 200
    assert len(page.context["occurrences"]) == obligation.occurrences.count()
    edit = client.get(url("obligation-edit", obligation.pk))
    assert edit.context["form"].initial["every"] == "quarters"  # the factory's calendar quarters
    data = obligation_post(
        tree,
        title=obligation.title,
        every="months",
        interval="2",
        deadline_days="10",
    )
    response = client.post(url("obligation-edit", obligation.pk), data)
    assert response.status_code == 302
    obligation.refresh_from_db()
    assert obligation.rrule == "FREQ=MONTHLY;INTERVAL=2;BYMONTHDAY=1"
    assert "obligation.updated" in verbs()


def test_duties_answer_404_to_the_other_commune_and_403_to_a_party_that_does_not_own(
    client, officer_other_commune, commune_officer, deal, commune_agreement, tree
):
    obligation = deal.obligations.first()
    client.force_login(officer_other_commune)
    assert client.get(obligation.get_absolute_url()).status_code == 404
    assert client.get(url("obligation-edit", obligation.pk)).status_code == 404
    foreign = make_obligation(agreement=commune_agreement, owing=[tree["commune_mttq"]])
    client.force_login(commune_officer)
    assert client.get(foreign.get_absolute_url()).status_code == 200
    assert client.get(url("obligation-edit", foreign.pk)).status_code == 403


# Occurrences -------------------------------------------------------------------------------------------


def test_the_occurrence_page_shows_its_status_and_actions(client, commune_officer, deal):
    occurrence = overdue_one(deal)
    client.force_login(commune_officer)
    response = client.get(url("occurrence-detail", occurrence.pk))
    assert response.status_code == 200
    assert response.context["status"] == "overdue"
    assert response.context["can_act"] is True and response.context["can_waive"] is False  # officer, not leader
    assert response.context["complete_form"].fields["completed_on"].initial == D(2026, 3, 16)


def test_completing_with_a_note_through_htmx_swaps_the_card(client, commune_officer, deal):
    occurrence = overdue_one(deal)
    client.force_login(commune_officer)
    response = client.post(
        url("occurrence-complete", occurrence.pk),
        {"complete-completed_on": "2026-03-16", "complete-note": "Đã gửi báo cáo"},
        **HX,
    )
    assert response.status_code == 200
    assert next(t.name for t in response.templates) == "agreements/partials/_occurrence_card.html"
    content = response.content.decode()
    assert 'id="occurrence-card"' in content and "<html" not in content
    assert 'hx-swap-oob="true"' in content  # the flash message travels with the card
    occurrence.refresh_from_db()
    assert occurrence.state == "done" and occurrence.completed_on == D(2026, 3, 16)
    assert response.context["status"] == "done_late"
    assert occurrence.evidence.get().note == "Đã gửi báo cáo"
    assert "occurrence.completed" in verbs()


def test_completing_without_evidence_is_refused_beside_the_note(client, commune_officer, deal):
    occurrence = overdue_one(deal)
    client.force_login(commune_officer)
    response = client.post(
        url("occurrence-complete", occurrence.pk), {"complete-completed_on": "2026-03-16", "complete-note": ""}
    )
    assert response.status_code == 400
    assert response.context["complete_form"].errors["note"]
    occurrence.refresh_from_db()
    assert occurrence.state == "open"
    htmx = client.post(url("occurrence-complete", occurrence.pk), {"complete-completed_on": "2026-03-16"}, **HX)
    assert htmx.status_code == 200  # htmx swaps only 2xx answers: the card comes back with the error
    assert htmx.context["complete_form"].errors["note"]


def test_a_plain_post_redirects_back_to_the_occurrence(client, commune_officer, deal):
    occurrence = overdue_one(deal)
    client.force_login(commune_officer)
    response = client.post(
        url("evidence-add", occurrence.pk), {"evidence-kind": "note", "evidence-note": "Biên bản họp"}
    )
    assert response.status_code == 302 and response["Location"] == url("occurrence-detail", occurrence.pk)
    assert occurrence.evidence.get().kind == "note"


def test_file_evidence_is_downloaded_only_through_the_view(client, commune_officer, officer_other_commune, deal):
    occurrence = overdue_one(deal)
    client.force_login(commune_officer)
    upload = SimpleUploadedFile("bao-cao-quy-4.pdf", PDF, content_type="application/pdf")
    response = client.post(url("evidence-add", occurrence.pk), {"evidence-kind": "file", "evidence-file": upload}, **HX)
    assert response.status_code == 200
    evidence = Evidence.objects.get(occurrence=occurrence)
    download = url("evidence-download", occurrence.pk, evidence.pk)
    assert download in response.content.decode() and "bao-cao-quy-4" in response.content.decode()
    assert b"".join(client.get(download).streaming_content) == PDF
    client.force_login(officer_other_commune)
    assert client.get(download).status_code == 404
    assert client.get(url("occurrence-detail", occurrence.pk)).status_code == 404
    assert (
        client.post(url("evidence-add", occurrence.pk), {"evidence-kind": "note", "evidence-note": "x"}).status_code
        == 404
    )
    assert (
        client.post(url("occurrence-complete", occurrence.pk), {"complete-completed_on": "2026-03-16"}).status_code
        == 404
    )


def test_a_done_occurrence_is_reopened_with_a_reason(client, commune_officer, deal):
    occurrence = services.occurrence_complete(actor=commune_officer, occurrence=overdue_one(deal), note="Xong")
    client.force_login(commune_officer)
    refused = client.post(url("occurrence-reopen", occurrence.pk), {"reopen-reason": ""}, **HX)
    assert refused.context["reopen_form"].errors["reason"]
    response = client.post(url("occurrence-reopen", occurrence.pk), {"reopen-reason": "Thiếu số liệu"}, **HX)
    assert response.status_code == 200
    occurrence.refresh_from_db()
    assert occurrence.state == "open"
    assert "occurrence.reopened" in verbs()


def test_only_a_leader_of_the_owner_waives(client, commune_officer, commune_leader, deal):
    occurrence = overdue_one(deal)
    client.force_login(commune_officer)
    assert client.post(url("occurrence-waive", occurrence.pk), {"waive-reason": "Hoãn"}).status_code == 403
    client.force_login(commune_leader)
    response = client.post(url("occurrence-waive", occurrence.pk), {"waive-reason": "Kỳ họp bị hoãn"}, **HX)
    assert response.status_code == 200 and response.context["status"] == "waived"
    occurrence.refresh_from_db()
    assert occurrence.waived_by == commune_leader and occurrence.waived_reason == "Kỳ họp bị hoãn"


def test_a_party_that_only_receives_the_duty_cannot_complete_it(client, tree, deal):
    from phoihop.orgs import services as org_services

    front = org_services.user_create(actor=None, username="mttq.xa", password="x-long-password-1", audit=False)
    org_services.membership_grant(actor=None, user=front, unit=tree["commune_mttq"], role="officer", audit=False)
    client.force_login(front)
    occurrence = overdue_one(deal)
    assert client.get(url("occurrence-detail", occurrence.pk)).status_code == 200
    assert client.post(url("occurrence-complete", occurrence.pk), {"complete-note": "x"}).status_code == 403


def test_occurrence_actions_need_post(client, commune_officer, deal):
    client.force_login(commune_officer)
    occurrence = overdue_one(deal)
    for name in ("occurrence-complete", "occurrence-reopen", "occurrence-waive", "evidence-add"):
        assert client.get(url(name, occurrence.pk)).status_code == 405


# Duties of a unit, my duties ----------------------------------------------------------------------------


def test_the_womens_union_page_shows_what_it_owes_and_is_owed(client, front_officer, regulation, tree):
    make_obligation(agreement=regulation, owing=[tree["hlhpn"]], receiving_units=[tree["mttq"]])
    make_obligation(
        agreement=regulation, owing=[tree["ubnd"]], receiving_units=[tree["hlhpn"]], title="Thông báo tình hình"
    )
    client.force_login(front_officer)
    response = client.get(url("unit-duties", tree["hlhpn"].pk))
    assert response.status_code == 200
    owes, owed = response.context["owes"], response.context["owed"]
    assert owes.paginator.count == 8 and owed.paginator.count == 8
    assert {o.obligation.title for o in owes.object_list} == {"Báo cáo kết quả phối hợp hằng quý"}
    assert {o.obligation.title for o in owed.object_list} == {"Thông báo tình hình"}
    # Open ones first: the regulation ran until 31/12/2025, so all of them are overdue now.
    assert {o.display_status for o in owes.object_list} == {"overdue"}


def test_the_unit_duties_page_pages_each_list_on_its_own(client, front_officer, regulation, tree):
    for i in range(4):
        make_obligation(agreement=regulation, owing=[tree["hlhpn"]], title=f"Nhiệm vụ {i}")
    client.force_login(front_officer)
    response = client.get(url("unit-duties", tree["hlhpn"].pk), {"owes_page": 2, "owed_page": 1})
    assert response.context["owes"].number == 2
    assert "?owed_page=1&amp;owes_page=1" in response.content.decode()  # back a page, the other list kept


def test_unit_duties_answer_htmx_and_404_outside(client, commune_officer, officer_other_commune, deal, tree):
    client.force_login(commune_officer)
    response = client.get(url("unit-duties", tree["commune_ubnd"].pk), **HX)
    assert next(t.name for t in response.templates) == "agreements/partials/_unit_duties.html"
    client.force_login(officer_other_commune)
    assert client.get(url("unit-duties", tree["commune_ubnd"].pk)).status_code == 404


def test_unit_duties_cost_the_same_queries_however_many_rows(
    client, commune_officer, deal, tree, django_assert_max_num_queries
):
    client.force_login(commune_officer)
    with django_assert_max_num_queries(20) as before:
        client.get(url("unit-duties", tree["commune_ubnd"].pk))
    for i in range(3):
        make_obligation(agreement=deal, owing=[tree["commune_ubnd"]], title=f"Nhiệm vụ {i}")
    with django_assert_max_num_queries(len(before.captured_queries)):
        client.get(url("unit-duties", tree["commune_ubnd"].pk))


def test_my_duties_groups_this_months_duties_by_status(client, commune_officer, deal, django_assert_max_num_queries):
    client.force_login(commune_officer)
    with django_assert_max_num_queries(20):
        response = client.get(url("my-duties"))
    assert response.status_code == 200
    groups = dict(response.context["groups"])
    assert [o.due_on for o in groups["due_soon"]] == [D(2026, 3, 20)]
    assert D(2026, 1, 12) in [o.due_on for o in groups["overdue"]]  # still open from before the month
    assert list(dict(response.context["groups"])) == ["overdue", "due_soon"]  # what needs action first
    april = client.get(url("my-duties"), {"month": "2026-04"})
    assert april.context["month"] == D(2026, 4, 1)
    assert D(2026, 4, 10) in [o.due_on for _, rows in april.context["groups"] for o in rows]


def test_my_duties_of_the_other_commune_are_empty(client, officer_other_commune, deal):
    client.force_login(officer_other_commune)
    assert client.get(url("my-duties")).context["groups"] == []


# Coverage ----------------------------------------------------------------------------------------------


def test_the_province_coverage_marks_the_pairs_with_an_agreement_in_force(
    client, front_officer, tree, django_assert_max_num_queries
):
    in_force = make_agreement(
        owner=tree["mttq"],
        number="194/QCPH",
        effective_from=D(2026, 1, 1),
        effective_to=None,
        parties=[(tree["ubnd"], P.SIGNATORY, None), (tree["mttq"], P.SIGNATORY, None)],
    )
    client.force_login(front_officer)
    with django_assert_max_num_queries(20):
        response = client.get(url("coverage"))
    assert response.status_code == 200
    assert response.context["level"] == tree["province"]
    rows = {
        row["unit"].code: {c["unit"].code: c["agreements"] for c in row["cells"]} for row in response.context["rows"]
    }
    assert rows["22-UBND"]["22-MTTQ"] == [in_force] and rows["22-MTTQ"]["22-UBND"] == [in_force]
    assert rows["22-MTTQ"]["22-HLHPN"] == []
    assert [(a.code, b.code, found) for a, b, found in response.context["signed_pairs"]] == [
        ("22-UBND", "22-MTTQ", [in_force])
    ]
    assert in_force.get_absolute_url() in response.content.decode()
    assert {c.code for c in response.context["communes_without"]} == {"07090", "07093"}
    # The Front's officer may not open a commune's matrix: the communes are named, not linked.
    assert f"?level={tree['commune'].pk}" not in response.content.decode()


def test_a_commune_officer_sees_the_coverage_of_the_commune(client, commune_officer, deal, tree):
    client.force_login(commune_officer)
    response = client.get(url("coverage"))
    assert response.context["level"] == tree["commune"]
    rows = {
        row["unit"].code: {c["unit"].code: c["agreements"] for c in row["cells"]} for row in response.context["rows"]
    }
    assert rows["07090-UBND"]["07090-MTTQ"] == [deal]
    assert not response.context["show_communes"]


def test_a_system_admin_reaches_each_communes_matrix_from_the_province(admin_web, tree):
    response = admin_web.get(url("coverage"))
    assert response.context["level"] == tree["province"]
    assert f"?level={tree['commune'].pk}" in response.content.decode()
    assert admin_web.get(url("coverage"), {"level": tree["commune"].pk}).context["level"] == tree["commune"]


def test_the_coverage_of_another_commune_answers_404(client, officer_other_commune, tree):
    client.force_login(officer_other_commune)
    assert client.get(url("coverage"), {"level": tree["commune"].pk}).status_code == 404
    assert client.get(url("coverage"), {"level": tree["other_commune"].pk}).status_code == 200


# Events ------------------------------------------------------------------------------------------------


def test_events_are_listed_by_year_for_every_logged_in_person(
    client, officer_other_commune, tree, django_assert_max_num_queries
):
    for month in (7, 12):
        make_event(host=tree["ubnd"], starts_on=D(2026, month, 8))
    make_event(host=tree["ubnd"], starts_on=D(2025, 12, 9))
    client.force_login(officer_other_commune)
    with django_assert_max_num_queries(15):
        response = client.get(url("event-list"))
    assert [e.starts_on for e in response.context["page"].object_list] == [D(2026, 7, 8), D(2026, 12, 8)]
    assert not any(e.can_edit for e in response.context["page"].object_list)
    older = client.get(url("event-list"), {"year": 2025}, **HX)
    assert next(t.name for t in older.templates) == "agreements/partials/_event_rows.html"
    assert [e.starts_on for e in older.context["page"].object_list] == [D(2025, 12, 9)]


def test_the_hosts_officer_adds_and_edits_an_event(client, ubnd_officer, tree):
    client.force_login(ubnd_officer)
    assert client.get(url("event-create")).status_code == 200
    data = {
        "kind": "council_regular_session",
        "title": "Kỳ họp thứ 30 HĐND tỉnh",
        "host_unit": tree["ubnd"].pk,
        "starts_on": "2026-07-08",
        "ends_on": "2026-07-10",
        "place": "Hạ Long",
    }
    response = client.post(url("event-create"), data)
    event = Event.objects.get()
    assert response.status_code == 302 and response["Location"] == url("event-list") + "?year=2026"
    bad = client.post(url("event-edit", event.pk), {**data, "ends_on": "2026-07-01"})
    assert bad.status_code == 400 and bad.context["form"].errors["ends_on"]
    assert client.post(url("event-edit", event.pk), {**data, "place": "Cẩm Phả"}).status_code == 302
    event.refresh_from_db()
    assert event.place == "Cẩm Phả"
    assert client.post(url("event-delete", event.pk)).status_code == 302
    assert verbs()[-3:] == ["event.created", "event.updated", "event.deleted"]


def test_an_officer_of_another_unit_cannot_edit_the_event(client, officer_other_commune, tree):
    event = make_event(host=tree["ubnd"], starts_on=D(2026, 7, 8))
    client.force_login(officer_other_commune)
    assert client.get(url("event-edit", event.pk)).status_code == 403
    assert client.post(url("event-delete", event.pk)).status_code == 403
    assert client.get(url("event-edit", 999999)).status_code == 404


# Areas -------------------------------------------------------------------------------------------------


def test_a_system_admin_keeps_the_list_of_areas(admin_web):
    response = admin_web.get(url("area-list"))
    assert response.status_code == 200
    assert response.context["page"].paginator.count == Area.objects.count()
    created = admin_web.post(url("area-create"), {"code": "chuyen-doi-so", "name": "Chuyển đổi số", "order": 20})
    assert created.status_code == 302
    area = Area.objects.get(code="chuyen-doi-so")
    edited = admin_web.post(
        url("area-edit", area.pk), {"code": "doi-ma", "name": "Chuyển đổi số quốc gia", "order": 21, "is_active": "on"}
    )
    assert edited.status_code == 302
    area.refresh_from_db()
    assert (area.code, area.name, area.order) == ("chuyen-doi-so", "Chuyển đổi số quốc gia", 21)  # code kept
    assert admin_web.post(url("area-toggle", area.pk)).status_code == 302
    area.refresh_from_db()
    assert area.is_active is False
    twice = admin_web.post(url("area-create"), {"code": "chuyen-doi-so", "name": "Lặp", "order": 1})
    assert twice.status_code == 400 and twice.context["form"].errors["code"]


def test_areas_are_refused_to_everyone_else(client, commune_admin):
    client.force_login(commune_admin)
    area = Area.objects.first()
    assert client.get(url("area-list")).status_code == 403
    assert client.get(url("area-edit", area.pk)).status_code == 403
    assert client.post(url("area-toggle", area.pk)).status_code == 403


# Navigation and page basics ------------------------------------------------------------------------------


def test_the_menu_has_my_duties_before_agreements(client, commune_officer):
    client.force_login(commune_officer)
    entries = [e["key"] for e in client.get(url("my-duties")).context["nav_entries"]]
    assert entries.index("my-duties") < entries.index("agreements")


def test_every_agreements_page_an_officer_reaches_has_the_basics(client, commune_officer, deal):
    client.force_login(commune_officer)
    start = [url("agreement-list"), deal.get_absolute_url(), url("occurrence-detail", overdue_one(deal).pk)]
    pages = crawl(client, start, limit=60)
    assert any(u.startswith("/agreements/due/") for u in pages)
    assert {u: problems for u, problems in pages.items() if problems} == {}


def test_the_forms_have_labels_for_every_field(client, commune_officer, deal):
    client.force_login(commune_officer)
    for address in (
        url("agreement-create"),
        url("agreement-edit", deal.pk),
        url("obligation-create", deal.pk),
        url("party-add", deal.pk),
        url("file-add", deal.pk),
        url("event-create"),
    ):
        response = client.get(address)
        assert response.status_code == 200, address
        assert audit_page(response.content.decode()).problems() == [], address


def test_the_unit_page_links_to_its_duties(client, front_officer, tree):
    client.force_login(front_officer)
    page = client.get(reverse("orgs:unit-detail", args=[tree["hlhpn"].pk])).content.decode()
    assert url("unit-duties", tree["hlhpn"].pk) in page


def test_saving_a_duty_with_only_a_new_title_keeps_its_dates(client, commune_officer, deal, tree):
    # A rule the friendly choices do not write comes back in the custom field, unchanged.
    odd = make_obligation(
        agreement=deal, owing=[tree["commune_ubnd"]], title="Giao ban", rrule="FREQ=MONTHLY;INTERVAL=2"
    )
    before = list(odd.occurrences.values_list("pk", "due_on"))
    client.force_login(commune_officer)
    form = client.get(url("obligation-edit", odd.pk)).context["form"]
    data = {name: form[name].value() for name in form.fields}
    data = {k: ("on" if v is True else v) for k, v in data.items() if v not in (None, False)}
    data["title"] = "Giao ban định kỳ"
    data.pop("deadline_date", None)
    response = client.post(url("obligation-edit", odd.pk), data)
    assert response.status_code == 302, response.context["form"].errors
    odd.refresh_from_db()
    assert (odd.title, odd.rrule, odd.schedule_version) == ("Giao ban định kỳ", "FREQ=MONTHLY;INTERVAL=2", 1)
    assert list(odd.occurrences.values_list("pk", "due_on")) == before


def test_duties_are_listed_in_article_order(client, commune_officer, deal, tree):
    for ref in ("Điều 10", "Điều 9, khoản 2", "Điều 9, khoản 1"):
        make_obligation(agreement=deal, owing=[tree["commune_ubnd"]], article_ref=ref, title=ref)
    client.force_login(commune_officer)
    refs = [o.article_ref for o in client.get(deal.get_absolute_url()).context["obligations"]]
    assert refs == ["", "Điều 5", "Điều 9, khoản 1", "Điều 9, khoản 2", "Điều 10"]
