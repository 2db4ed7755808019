import pytest
from django.core.exceptions import PermissionDenied
from django.http import Http404

from phoihop.orgs import access
from phoihop.orgs.models import Membership, Role, Unit


def test_membership_reaches_the_unit_subtree_only(tree, front_officer):
    codes = set(access.units_visible(front_officer).values_list("code", flat=True))
    assert codes == {"22-MTTQ", "22-HLHPN"}


def test_system_admin_sees_everything(tree, province_admin):
    assert access.units_visible(province_admin).count() == Unit.objects.count()


def test_unit_outside_scope_is_404(tree, commune_officer):
    with pytest.raises(Http404):
        access.access_unit(commune_officer, tree["other_ubnd"].pk)


def test_visible_unit_with_too_low_role_is_403(tree, commune_officer):
    with pytest.raises(PermissionDenied):
        access.access_unit(commune_officer, tree["commune_ubnd"].pk, min_role=Role.UNIT_ADMIN)


def test_scope_over_several_lookups(tree, commune_officer, officer_other_commune):
    memberships = Membership.objects.all()
    mine = access.scope_queryset(memberships, commune_officer, via=("unit",))
    assert [m.user.username for m in mine] == ["xa"]


def test_ended_membership_gives_no_access(tree, commune_officer):
    import datetime as dt

    from phoihop.orgs import services

    membership = commune_officer.memberships.get()
    services.membership_end(actor=None, membership=membership, on=dt.date(2026, 1, 1))
    assert not access.units_visible(commune_officer).exists()


def test_inactive_person_sees_nothing(tree, commune_officer):
    commune_officer.is_active = False
    access.forget(commune_officer)
    assert not access.units_visible(commune_officer).exists()
