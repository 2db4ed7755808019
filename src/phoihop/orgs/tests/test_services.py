"""Services of units, memberships and people: the rules, and the audit trail each one writes."""

import datetime as dt

import pytest
from django.contrib.auth.forms import PasswordResetForm
from django.core.exceptions import ValidationError

from phoihop.core.models import AuditEvent
from phoihop.orgs import access, services
from phoihop.orgs.models import Membership, Role, Unit, UnitSuccession, User

K = Unit.Kind
DAY = dt.date(2026, 3, 1)


def _fresh(unit: Unit) -> Unit:
    return Unit.objects.get(pk=unit.pk)


def _errors(exc: pytest.ExceptionInfo) -> dict:
    return exc.value.message_dict


# --- move ---------------------------------------------------------------------------------------


def test_move_under_own_descendant_is_refused(tree, commune_admin):
    with pytest.raises(ValidationError) as exc:
        services.unit_move(actor=commune_admin, unit=tree["commune"], new_parent=tree["commune_ubnd"])
    assert "parent" in _errors(exc)
    # The branch stays where it was.
    assert _fresh(tree["commune_ubnd"]).path.startswith(_fresh(tree["commune"]).path)


def test_move_under_itself_is_refused(tree, commune_admin):
    with pytest.raises(ValidationError) as exc:
        services.unit_move(actor=commune_admin, unit=tree["commune_ubnd"], new_parent=tree["commune_ubnd"])
    assert "parent" in _errors(exc)


def test_move_under_a_closed_unit_is_refused(tree, province_admin):
    services.unit_close(actor=province_admin, unit=tree["other_commune"], on=DAY)
    with pytest.raises(ValidationError) as exc:
        services.unit_move(actor=province_admin, unit=tree["commune_mttq"], new_parent=tree["other_commune"])
    assert "parent" in _errors(exc)


def test_move_carries_the_subtree_and_is_audited(tree, province_admin):
    moved = services.unit_move(actor=province_admin, unit=tree["commune"], new_parent=tree["ubnd"])
    assert _fresh(tree["commune_ubnd"]).path.startswith(moved.path)
    assert Unit.objects.get_parent(moved).code == "22-UBND"
    event = AuditEvent.objects.get(verb="unit.moved")
    assert event.changes == {"parent": ["22", "22-UBND"]}
    assert event.actor_label == "admin"


def test_two_moves_in_one_transaction_use_current_paths(tree, province_admin):
    # The second call receives an instance whose path the first move made stale.
    commune_ubnd = tree["commune_ubnd"]
    services.unit_move(actor=province_admin, unit=tree["commune"], new_parent=tree["ubnd"])
    services.unit_move(actor=province_admin, unit=commune_ubnd, new_parent=tree["other_commune"])
    assert Unit.objects.get_parent(_fresh(commune_ubnd)).code == "07093"
    assert Unit.objects.filter(code="07090-MTTQ").get().path.startswith(_fresh(tree["commune"]).path)


# --- close --------------------------------------------------------------------------------------


def test_close_with_members_asks_what_becomes_of_them(tree, commune_admin, commune_officer):
    with pytest.raises(ValidationError) as exc:
        services.unit_close(actor=commune_admin, unit=tree["commune_ubnd"], on=DAY)
    assert "members" in _errors(exc)
    assert _fresh(tree["commune_ubnd"]).valid_to is None


def test_close_without_members_needs_no_choice(tree, commune_admin):
    services.unit_close(actor=commune_admin, unit=tree["commune_mttq"], on=DAY)
    assert _fresh(tree["commune_mttq"]).valid_to == DAY


def test_close_ending_memberships_closes_the_subtree(tree, province_admin, commune_officer):
    services.unit_close(actor=province_admin, unit=tree["commune"], on=DAY, members="end")
    assert set(Unit.objects.filter(valid_to=DAY).values_list("code", flat=True)) == {
        "07090",
        "07090-UBND",
        "07090-MTTQ",
    }
    assert commune_officer.memberships.get().ended_on == DAY
    assert not access.units_visible(User.objects.get(pk=commune_officer.pk)).exists()
    event = AuditEvent.objects.get(verb="unit.closed")
    assert event.changes["closed_units"][1] == ["07090", "07090-UBND", "07090-MTTQ"]
    assert AuditEvent.objects.filter(verb="membership.ended").count() == 1


def test_close_moving_members_keeps_their_role(tree, province_admin, commune_leader):
    services.unit_close(
        actor=province_admin, unit=tree["commune_ubnd"], on=DAY, members="move", move_to=tree["other_ubnd"]
    )
    current = Membership.objects.get(user=commune_leader, ended_on__isnull=True)
    assert (current.unit.code, current.role) == ("07093-UBND", Role.LEADER)
    assert Membership.objects.get(user=commune_leader, unit=tree["commune_ubnd"]).ended_on == DAY


def test_close_moving_members_never_weakens_a_stronger_role(tree, province_admin, commune_officer):
    services.membership_grant(actor=province_admin, user=commune_officer, unit=tree["other_ubnd"], role=Role.LEADER)
    services.unit_close(
        actor=province_admin, unit=tree["commune_ubnd"], on=DAY, members="move", move_to=tree["other_ubnd"]
    )
    assert Membership.objects.get(user=commune_officer, ended_on__isnull=True).role == Role.LEADER


def test_close_moving_members_into_the_closing_subtree_is_refused(tree, commune_admin, commune_officer):
    with pytest.raises(ValidationError) as exc:
        services.unit_close(
            actor=commune_admin, unit=tree["commune"], on=DAY, members="move", move_to=tree["commune_mttq"]
        )
    assert "move_to" in _errors(exc)


def test_close_before_a_unit_within_was_established_is_refused(tree, province_admin):
    # Before the fix the database's period constraint raised an IntegrityError here.
    services.unit_update(actor=province_admin, unit=tree["commune_mttq"], valid_from=dt.date(2026, 5, 1))
    with pytest.raises(ValidationError) as exc:
        services.unit_close(actor=province_admin, unit=tree["commune"], on=DAY, members="end")
    assert "on" in _errors(exc)


def test_update_refuses_a_first_day_after_the_closing_day(tree, province_admin):
    services.unit_close(actor=province_admin, unit=tree["commune_mttq"], on=DAY)
    with pytest.raises(ValidationError) as exc:
        services.unit_update(actor=province_admin, unit=_fresh(tree["commune_mttq"]), valid_from=dt.date(2026, 4, 1))
    assert "valid_from" in _errors(exc)


# --- merge --------------------------------------------------------------------------------------


def test_merge_records_successions_and_closes_sources_the_day_before(tree, province_admin, commune_officer):
    target = services.unit_merge(
        actor=province_admin,
        sources=[tree["commune"]],
        target=tree["other_commune"],
        on=DAY,
        basis="Nghị quyết 1679/NQ-UBTVQH15",
    )
    assert _fresh(tree["commune"]).valid_to == dt.date(2026, 2, 28)
    assert _fresh(tree["commune_ubnd"]).valid_to == dt.date(2026, 2, 28)
    succession = UnitSuccession.objects.get()
    assert (succession.predecessor_id, succession.successor_id, succession.date) == (tree["commune"].pk, target.pk, DAY)
    assert succession.basis == "Nghị quyết 1679/NQ-UBTVQH15"
    # Members follow into the unit they merged into.
    assert Membership.objects.get(user=commune_officer, ended_on__isnull=True).unit == target
    assert AuditEvent.objects.filter(verb="unit.merged", target_id=str(target.pk)).exists()


def test_merge_into_a_new_unit_creates_it_from_the_merge_day(tree, province_admin):
    new = services.unit_merge(
        actor=province_admin,
        sources=[tree["commune"], tree["other_commune"]],
        on=DAY,
        parent=tree["province"],
        new_fields={"code": "07100", "name": "Phường Mới", "kind": K.COMMUNE},
    )
    assert (new.code, new.valid_from, new.valid_to) == ("07100", DAY, None)
    assert UnitSuccession.objects.filter(successor=new).count() == 2


def test_merge_into_a_closed_unit_is_refused(tree, province_admin):
    services.unit_close(actor=province_admin, unit=tree["commune_mttq"], on=DAY)
    with pytest.raises(ValidationError) as exc:
        services.unit_merge(actor=province_admin, sources=[tree["hlhpn"]], target=tree["commune_mttq"], on=DAY)
    assert "target" in _errors(exc)
    assert _fresh(tree["hlhpn"]).valid_to is None


def test_merge_into_own_descendant_is_refused(tree, province_admin):
    with pytest.raises(ValidationError) as exc:
        services.unit_merge(actor=province_admin, sources=[tree["commune"]], target=tree["commune_ubnd"], on=DAY)
    assert "sources" in _errors(exc)
    assert not UnitSuccession.objects.exists()


def test_merge_of_a_unit_and_one_within_it_closes_each_once(tree, province_admin):
    services.unit_merge(
        actor=province_admin,
        sources=[tree["commune_ubnd"], tree["commune"], tree["commune"]],
        target=tree["other_commune"],
        on=DAY,
        members="end",
    )
    assert UnitSuccession.objects.count() == 2
    assert AuditEvent.objects.filter(verb="unit.closed").count() == 1


# --- memberships --------------------------------------------------------------------------------


def test_unit_admin_grants_roles_up_to_their_own(tree, commune_admin, officer_other_commune):
    membership = services.membership_grant(
        actor=commune_admin, user=officer_other_commune, unit=tree["commune_mttq"], role=Role.UNIT_ADMIN
    )
    assert membership.role == Role.UNIT_ADMIN
    event = AuditEvent.objects.get(verb="membership.granted")
    assert event.unit_id == tree["commune_mttq"].pk
    assert event.changes["role"] == [None, "unit_admin"]


def test_unit_admin_cannot_make_a_system_admin(tree, commune_admin, commune_officer):
    with pytest.raises(ValidationError) as exc:
        services.membership_grant(
            actor=commune_admin, user=commune_officer, unit=tree["commune_ubnd"], role=Role.SYSTEM_ADMIN
        )
    assert "role" in _errors(exc)
    assert commune_officer.memberships.get().role == Role.OFFICER


def test_leader_cannot_grant_memberships(tree, commune_leader, officer_other_commune):
    with pytest.raises(ValidationError) as exc:
        services.membership_grant(
            actor=commune_leader, user=officer_other_commune, unit=tree["commune_ubnd"], role=Role.VIEWER
        )
    assert "unit" in _errors(exc)


def test_unit_admin_cannot_end_a_system_admin_membership(tree, commune_admin, province_admin):
    planted = services.membership_grant(
        actor=province_admin, user=province_admin, unit=tree["commune_mttq"], role=Role.SYSTEM_ADMIN
    )
    with pytest.raises(ValidationError):
        services.membership_end(actor=commune_admin, membership=planted, on=DAY)
    planted.refresh_from_db()
    assert planted.ended_on is None


def test_unknown_role_is_refused(tree, province_admin, commune_officer):
    with pytest.raises(ValidationError) as exc:
        services.membership_grant(actor=province_admin, user=commune_officer, unit=tree["commune"], role="boss")
    assert "role" in _errors(exc)


def test_membership_end_is_audited_and_removes_access(tree, commune_admin, commune_officer):
    membership = commune_officer.memberships.get()
    services.membership_end(actor=commune_admin, membership=membership, on=DAY)
    assert AuditEvent.objects.get(verb="membership.ended").changes == {"ended_on": [None, "2026-03-01"]}
    assert not access.units_visible(User.objects.get(pk=commune_officer.pk)).exists()


# --- people -------------------------------------------------------------------------------------


def test_person_created_without_password_can_receive_the_reset_link(db):
    user = services.user_create(actor=None, username="moi", email="moi@example.vn", full_name="Người Mới")
    # Django's reset form skips unusable passwords; the account must still be reachable by it.
    assert list(PasswordResetForm().get_users("moi@example.vn")) == [user]
    assert AuditEvent.objects.get(verb="user.created").changes["username"] == [None, "moi"]


def test_initial_password_must_follow_the_password_rules(db):
    with pytest.raises(ValidationError) as exc:
        services.user_create(actor=None, username="moi", password="12345")
    assert "password" in _errors(exc)
    assert not User.objects.filter(username="moi").exists()


def test_deactivate_and_reactivate_are_audited(tree, commune_admin, commune_officer):
    services.user_deactivate(actor=commune_admin, user=commune_officer)
    assert not User.objects.get(pk=commune_officer.pk).is_active
    services.user_reactivate(actor=commune_admin, user=commune_officer)
    assert User.objects.get(pk=commune_officer.pk).is_active
    verbs = list(
        AuditEvent.objects.filter(target_id=str(commune_officer.pk)).order_by("id").values_list("verb", flat=True)
    )
    assert verbs == ["user.deactivated", "user.reactivated"]


def test_nobody_deactivates_themselves(tree, commune_admin):
    with pytest.raises(ValidationError):
        services.user_deactivate(actor=commune_admin, user=commune_admin)
    assert User.objects.get(pk=commune_admin.pk).is_active
