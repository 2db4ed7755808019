"""Every change of state of units, memberships and people. Each writes the audit trail."""

from __future__ import annotations

import datetime as dt
import secrets
from typing import Any

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from treebeard.exceptions import InvalidMoveToDescendant

from phoihop.core.audit import audit_record, created, diff, snapshot
from phoihop.orgs import access, selectors, signals
from phoihop.orgs.models import Membership, Role, Unit, UnitSuccession, User

UNIT_FIELDS = (
    "code",
    "name",
    "short_name",
    "kind",
    "division_type",
    "province_code",
    "valid_from",
    "valid_to",
    "email",
    "phone",
    "address",
)
EDITABLE_UNIT_FIELDS = (
    "code",
    "name",
    "short_name",
    "kind",
    "division_type",
    "valid_from",
    "email",
    "phone",
    "address",
)


def _province_code(parent: Unit | None, code: str, kind: str) -> str:
    if parent is not None and parent.province_code:
        return parent.province_code
    return code if kind == Unit.Kind.PROVINCE else ""


def _check_code_free(code: str, *, exclude_pk: int | None = None) -> None:
    clash = Unit.objects.filter(code=code, valid_to__isnull=True)
    if exclude_pk is not None:
        clash = clash.exclude(pk=exclude_pk)
    if clash.exists():
        raise ValidationError({"code": _("An open unit already has the code %(code)s.") % {"code": code}})


@transaction.atomic
def unit_create(*, actor: Any, parent: Unit | None, audit: bool = True, **fields: Any) -> Unit:
    """Create a unit under `parent` (a root when None) and record it.

    `audit=False` is for bulk loads (the demo, imports) that write one summary event instead.
    """
    code = fields.get("code", "").strip()
    fields["code"] = code
    if fields.get("valid_to") is None:  # a unit created closed (history) may reuse an open code
        _check_code_free(code)
    fields.setdefault("province_code", _province_code(parent, code, fields.get("kind", "")))
    unit = Unit(**fields)
    unit.full_clean(exclude=["path", "depth", "numchild"], validate_constraints=False)
    if parent is None:
        unit = Unit.objects.add_root(instance=unit)
    else:
        # History may be entered below a closed unit, as long as it closed no later than its parent.
        closes = unit.valid_to
        if parent.valid_to is not None and (closes is None or closes > parent.valid_to):
            raise ValidationError({"parent": _("A unit cannot be added under a closed unit.")})
        unit = Unit.objects.add_child(parent, instance=unit)
    if audit:
        audit_record(actor=actor, verb="unit.created", target=unit, changes=created(unit, UNIT_FIELDS))
    return unit


@transaction.atomic
def unit_update(*, actor: Any, unit: Unit, **fields: Any) -> Unit:
    """Change a unit's own fields (not its place in the tree: see unit_move)."""
    unknown = set(fields) - set(EDITABLE_UNIT_FIELDS)
    if unknown:
        raise ValueError(f"not editable here: {sorted(unknown)}")
    before = snapshot(unit, UNIT_FIELDS)
    if "code" in fields:
        fields["code"] = fields["code"].strip()
        if unit.valid_to is None:
            _check_code_free(fields["code"], exclude_pk=unit.pk)
    for name, value in fields.items():
        setattr(unit, name, value)
    unit.full_clean(exclude=["path", "depth", "numchild"], validate_constraints=False)
    # The database refuses this too (unit_valid_period), but as an IntegrityError nobody can read.
    if unit.valid_from and unit.valid_to and unit.valid_from > unit.valid_to:
        raise ValidationError({"valid_from": _("A unit cannot be established after the day it closed.")})
    changes = diff(before, snapshot(unit, UNIT_FIELDS))
    if not changes:
        return unit
    unit.save(update_fields=[*changes, "updated_at"])
    audit_record(actor=actor, verb="unit.updated", target=unit, changes=changes)
    return unit


@transaction.atomic
def unit_move(*, actor: Any, unit: Unit, new_parent: Unit) -> Unit:
    """Move a unit (with its subtree) under another parent.

    Refused: under itself or one of its own units (the branch would leave the tree), under a
    closed unit, and moving a closed unit (history keeps the place a unit had when it closed).
    """
    # Paths change when anything above moves; an import moves several units in one transaction.
    unit.refresh_from_db()
    new_parent.refresh_from_db()
    if unit.valid_to is not None:
        raise ValidationError(_("A closed unit keeps its place in the tree and cannot be moved."))
    if new_parent.pk == unit.pk or new_parent.path.startswith(unit.path):
        raise ValidationError({"parent": _("A unit cannot be moved under itself or one of its own units.")})
    if new_parent.valid_to is not None:
        raise ValidationError({"parent": _("A unit cannot be moved under a closed unit.")})
    old_parent = Unit.objects.get_parent(unit)
    if old_parent is not None and old_parent.pk == new_parent.pk:
        raise ValidationError({"parent": _("The unit is already directly under this unit.")})
    try:
        Unit.objects.move(unit, new_parent, pos="last-child")
    except InvalidMoveToDescendant as exc:  # the check above should have caught it
        raise ValidationError({"parent": _("A unit cannot be moved under itself or one of its own units.")}) from exc
    unit.refresh_from_db()
    if new_parent.province_code and new_parent.province_code != unit.province_code:
        # A unit moved into another province reports there from now on, with its whole subtree.
        Unit.objects.get_tree(unit).update(province_code=new_parent.province_code)
        unit.refresh_from_db()
    audit_record(
        actor=actor,
        verb="unit.moved",
        target=unit,
        changes={"parent": [old_parent.code if old_parent else None, new_parent.code]},
    )
    return unit


class MemberDisposition:
    """What becomes of the members of a unit that closes."""

    END = "end"
    MOVE = "move"
    CHOICES = (END, MOVE)


@transaction.atomic
def unit_close(
    *,
    actor: Any,
    unit: Unit,
    on: dt.date,
    members: str | None = None,
    move_to: Unit | None = None,
    note: str = "",
) -> Unit:
    """Close a unit and every still-open unit below it on `on` (the last day they exist).

    Members of the closed units either end their membership that day or move, with the same
    role, to `move_to`. When anyone still holds a membership the caller must say which: a
    silent default would either lock people out or leave them attached to a dead unit.
    """
    if unit.valid_to is not None:
        raise ValidationError(_("This unit is already closed."))
    if unit.valid_from and on < unit.valid_from:
        raise ValidationError({"on": _("A unit cannot close before it was established.")})
    subtree = Unit.objects.get_tree(unit).filter(valid_to__isnull=True)
    # The database refuses a closing day before a unit's first day (unit_valid_period).
    if subtree.filter(valid_from__gt=on).exists():
        raise ValidationError({"on": _("A unit within this one was established after that day; choose a later day.")})
    memberships = list(selectors.unit_open_memberships(unit=unit).select_related("unit", "user").order_by("pk"))
    if memberships and members not in MemberDisposition.CHOICES:
        raise ValidationError(
            {"members": _("Choose what becomes of the people who still hold a membership in this unit.")}
        )
    if members == MemberDisposition.MOVE:
        if move_to is None:
            raise ValidationError({"move_to": _("Choose the unit the members move to.")})
        move_to.refresh_from_db()
        if move_to.path.startswith(unit.path) or move_to.valid_to is not None:
            raise ValidationError({"move_to": _("Members must move to an open unit outside the one being closed.")})
    closed = list(subtree.values_list("pk", "code"))
    for membership in memberships:
        _membership_close(actor=actor, membership=membership, on=on)
        if members == MemberDisposition.MOVE:
            _membership_carry(actor=actor, membership=membership, unit=move_to)
    subtree.update(valid_to=on)
    unit.refresh_from_db()
    audit_record(
        actor=actor,
        verb="unit.closed",
        target=unit,
        changes={
            "valid_to": [None, on.isoformat()],
            "closed_units": [None, [code for _pk, code in closed]],
            "members": [None, members if memberships else None],
        },
        note=note,
    )
    return unit


@transaction.atomic
def unit_merge(
    *,
    actor: Any,
    sources: list[Unit],
    target: Unit | None = None,
    on: dt.date,
    parent: Unit | None = None,
    new_fields: dict[str, Any] | None = None,
    members: str = MemberDisposition.MOVE,
    basis: str = "",
    audit: bool = True,
) -> Unit:
    """Record that `sources` became `target` on `on` (the new unit's first day).

    Either name an existing open `target` or give `parent` and `new_fields` to create it. Each
    source closes the day before; its members move to the target (or end), and a succession
    record links each source to the target so history can be followed both ways.
    """
    # One source named twice, or a source inside another, must not close twice.
    unique: dict[int, Unit] = {}
    for source in sources:
        source.refresh_from_db()
        unique.setdefault(source.pk, source)
    sources = list(unique.values())
    if not sources:
        raise ValidationError({"sources": _("Choose at least one unit to merge.")})
    if target is None:
        if parent is None or not new_fields:
            raise ValidationError(_("Name the unit the others merge into, or describe a new one."))
        target = unit_create(actor=actor, parent=parent, valid_from=on, audit=audit, **new_fields)
    else:
        target.refresh_from_db()
        if target.valid_to is not None:
            raise ValidationError({"target": _("Units cannot merge into a closed unit.")})
    for source in sources:
        if source.pk == target.pk:
            raise ValidationError({"sources": _("A unit cannot be merged into itself.")})
        if target.path.startswith(source.path):
            raise ValidationError(
                {"sources": _("%(name)s cannot be merged into one of its own units.") % {"name": source.name}}
            )
    last_day = on - dt.timedelta(days=1)
    for source in sorted(sources, key=lambda u: u.path):
        source.refresh_from_db()  # closing an ancestor source above already closed it
        if source.valid_to is None and audit:
            move_to = target if members == MemberDisposition.MOVE else None
            unit_close(actor=actor, unit=source, on=last_day, members=members, move_to=move_to)
        elif source.valid_to is None:
            # Bulk loads (the demo's 2025 reform) have no members to move.
            Unit.objects.get_tree(source).filter(valid_to__isnull=True).update(valid_to=last_day)
        UnitSuccession.objects.get_or_create(
            predecessor=source,
            successor=target,
            defaults={"date": on, "kind": UnitSuccession.Kind.MERGE, "basis": basis},
        )
    if audit:
        audit_record(
            actor=actor,
            verb="unit.merged",
            target=target,
            changes={"predecessors": [None, [s.code for s in sources]], "date": [None, on.isoformat()]},
            note=basis,
        )
    return target


def _check_role_ceiling(*, actor: Any, unit: Unit, role: str) -> None:
    """Refuse a unit admin a role above their own over `unit`; only system admins make system admins.

    `actor=None` is the system itself (the demo, fixtures, operator commands) and is not limited.
    """
    if actor is None or not getattr(actor, "is_authenticated", False) or access.is_system_admin(actor):
        return
    own = access.role_on(actor, unit)
    if own is None or access.ROLE_RANK[own] < access.ROLE_RANK[Role.UNIT_ADMIN]:
        raise ValidationError({"unit": _("Only the administrators of a unit can change its memberships.")})
    if role == Role.SYSTEM_ADMIN or access.ROLE_RANK[Role(role)] > access.ROLE_RANK[own]:
        raise ValidationError({"role": _("You cannot give or take away a role above your own.")})


def _membership_put(*, actor: Any, user: User, unit: Unit, role: str, title: str, audit: bool = True) -> Membership:
    if unit.valid_to is not None:
        raise ValidationError({"unit": _("People cannot be added to a closed unit.")})
    membership = Membership.objects.filter(user=user, unit=unit, ended_on__isnull=True).first()
    if membership is None:
        membership = Membership.objects.create(user=user, unit=unit, role=role, title=title)
        changes = {"user": [None, user.get_username()], "role": [None, role], "title": [None, title]}
        verb = "membership.granted"
    else:
        before = snapshot(membership, ("role", "title"))
        membership.role, membership.title = role, title
        changes = diff(before, snapshot(membership, ("role", "title")))
        if not changes:
            return membership
        membership.save(update_fields=["role", "title", "updated_at"])
        verb = "membership.changed"
    access.forget(user)
    if audit:
        audit_record(actor=actor, verb=verb, target=membership, unit=unit, changes=changes)
    return membership


@transaction.atomic
def membership_grant(
    *, actor: Any, user: User, unit: Unit, role: str = Role.OFFICER, title: str = "", audit: bool = True
) -> Membership:
    """Give a person a role in a unit (or change the role of an open membership).

    A unit admin hands out roles up to unit admin within the units they administer; system
    admin is given only by a system admin.
    """
    if role not in Role.values:
        raise ValidationError({"role": _("Choose one of the roles offered.")})
    _check_role_ceiling(actor=actor, unit=unit, role=role)
    if not user.is_active:
        raise ValidationError(_("This person's account is deactivated; reactivate it first."))
    return _membership_put(actor=actor, user=user, unit=unit, role=role, title=title, audit=audit)


def _membership_close(*, actor: Any, membership: Membership, on: dt.date) -> Membership:
    if membership.ended_on is not None:
        raise ValidationError(_("This membership has already ended."))
    membership.ended_on = on
    membership.save(update_fields=["ended_on", "updated_at"])
    access.forget(membership.user)
    audit_record(
        actor=actor,
        verb="membership.ended",
        target=membership,
        unit=membership.unit,
        changes={"ended_on": [None, on.isoformat()]},
    )
    signals.membership_ended.send(sender=Membership, membership=membership, actor=actor)
    return membership


def _membership_carry(*, actor: Any, membership: Membership, unit: Unit) -> Membership:
    """Give the member of a closing unit the same role in `unit`, never weakening one they hold there."""
    held = Membership.objects.filter(user=membership.user, unit=unit, ended_on__isnull=True).first()
    if held is not None and access.ROLE_RANK[Role(held.role)] >= access.ROLE_RANK[Role(membership.role)]:
        return held
    title = held.title if held is not None and held.title else membership.title
    return _membership_put(actor=actor, user=membership.user, unit=unit, role=membership.role, title=title)


@transaction.atomic
def membership_end(*, actor: Any, membership: Membership, on: dt.date) -> Membership:
    """End a membership on `on`; the person loses the access it gave at once."""
    _check_role_ceiling(actor=actor, unit=membership.unit, role=membership.role)
    return _membership_close(actor=actor, membership=membership, on=on)


USER_FIELDS = ("username", "email", "full_name", "phone", "language", "is_active")


def _check_email_free(user: User) -> None:
    # The database constraint (user_email_unique_ci) would only say "constraint violated".
    if user.email and User.objects.filter(email__iexact=user.email).exclude(pk=user.pk).exists():
        raise ValidationError({"email": _("Another person already uses this e-mail address.")})


@transaction.atomic
def user_create(*, actor: Any, username: str, password: str | None = None, audit: bool = True, **fields: Any) -> User:
    """Create a person, with an initial password or none.

    Without one the person sets it through "forgot password". Django's reset skips accounts
    with an unusable password, so such an account gets a long random password nobody knows
    instead: it cannot log in, and the reset link reaches it.
    """
    user = User(username=username.strip(), **fields)
    _check_email_free(user)
    user.full_clean(exclude=["password"])
    if password:
        validate_password_for(user=user, password=password)
        user.set_password(password)
    else:
        user.set_password(secrets.token_urlsafe(32))
    user.save()
    if audit:
        audit_record(actor=actor, verb="user.created", target=user, changes=created(user, USER_FIELDS))
    return user


@transaction.atomic
def user_create_in_unit(
    *, actor: Any, unit: Unit, role: str, title: str = "", username: str, password: str | None = None, **fields: Any
) -> User:
    """Create a person together with their first membership.

    A unit admin sees only people inside their units, so a person created without one would
    vanish from the screen of the very admin who created them.
    """
    _check_role_ceiling(actor=actor, unit=unit, role=role)
    user = user_create(actor=actor, username=username, password=password, **fields)
    membership_grant(actor=actor, user=user, unit=unit, role=role, title=title)
    return user


def validate_password_for(*, user: User, password: str) -> None:
    """Apply the password rules of settings.AUTH_PASSWORD_VALIDATORS, as an error on the password field."""
    try:
        validate_password(password, user)
    except ValidationError as exc:
        raise ValidationError({"password": exc.messages}) from exc


@transaction.atomic
def user_update(*, actor: Any, user: User, **fields: Any) -> User:
    """Change a person's own fields and record what changed."""
    before = snapshot(user, USER_FIELDS)
    for name, value in fields.items():
        if name not in USER_FIELDS:
            raise ValueError(f"not editable here: {name}")
        setattr(user, name, value)
    _check_email_free(user)
    user.full_clean(exclude=["password"])
    changes = diff(before, snapshot(user, USER_FIELDS))
    if changes:
        user.save(update_fields=list(changes))
        audit_record(actor=actor, verb="user.updated", target=user, changes=changes)
    return user


def _user_set_active(*, actor: Any, user: User, active: bool, note: str) -> User:
    user.is_active = active
    user.save(update_fields=["is_active"])
    access.forget(user)
    verb = "user.reactivated" if active else "user.deactivated"
    audit_record(actor=actor, verb=verb, target=user, changes={"is_active": [not active, active]}, note=note)
    return user


@transaction.atomic
def user_deactivate(*, actor: Any, user: User, note: str = "") -> User:
    """Stop a person from logging in (web and API) while keeping their history and memberships.

    Nobody deactivates themselves: an administrator who did would have no way back in.
    """
    if actor is not None and getattr(actor, "pk", None) == user.pk:
        raise ValidationError(_("You cannot deactivate your own account."))
    if not user.is_active:
        raise ValidationError(_("This account is already deactivated."))
    return _user_set_active(actor=actor, user=user, active=False, note=note)


@transaction.atomic
def user_reactivate(*, actor: Any, user: User, note: str = "") -> User:
    """Let a deactivated person log in again, with the memberships they still hold."""
    if user.is_active:
        raise ValidationError(_("This account is already active."))
    return _user_set_active(actor=actor, user=user, active=True, note=note)


@transaction.atomic
def user_set_language(*, actor: Any, user: User, language: str) -> User:
    return user_update(actor=actor, user=user, language=language)
