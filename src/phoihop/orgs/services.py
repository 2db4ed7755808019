"""Every change of state of units, memberships and people. Each writes the audit trail."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from treebeard.exceptions import InvalidMoveToDescendant

from phoihop.core.audit import audit_record, created, diff, snapshot
from phoihop.orgs import access
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
    changes = diff(before, snapshot(unit, UNIT_FIELDS))
    if not changes:
        return unit
    unit.save(update_fields=[*changes, "updated_at"])
    audit_record(actor=actor, verb="unit.updated", target=unit, changes=changes)
    return unit


@transaction.atomic
def unit_move(*, actor: Any, unit: Unit, new_parent: Unit) -> Unit:
    """Move a unit (with its subtree) under another parent."""
    if new_parent.pk == unit.pk or new_parent.path.startswith(unit.path):
        raise ValidationError({"parent": _("A unit cannot be moved under itself or one of its own units.")})
    old_parent = Unit.objects.get_parent(unit)
    try:
        Unit.objects.move(unit, new_parent, pos="last-child")
    except InvalidMoveToDescendant as exc:  # the check above should have caught it
        raise ValidationError({"parent": _("A unit cannot be moved under itself or one of its own units.")}) from exc
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


@transaction.atomic
def unit_close(
    *,
    actor: Any,
    unit: Unit,
    on: dt.date,
    members: str = MemberDisposition.END,
    move_to: Unit | None = None,
    note: str = "",
) -> Unit:
    """Close a unit and every still-open unit below it on `on` (the last day they exist).

    Members of the closed units either end their membership that day or move, with the same
    role, to `move_to`. The caller must say which when there are members (the screen asks).
    """
    if unit.valid_to is not None:
        raise ValidationError(_("This unit is already closed."))
    if unit.valid_from and on < unit.valid_from:
        raise ValidationError({"on": _("A unit cannot close before it was established.")})
    subtree = Unit.objects.get_tree(unit).filter(valid_to__isnull=True)
    memberships = Membership.objects.filter(unit__in=subtree, ended_on__isnull=True).select_related("unit", "user")
    if members == MemberDisposition.MOVE:
        if move_to is None:
            raise ValidationError({"move_to": _("Choose the unit the members move to.")})
        if move_to.path.startswith(unit.path) or move_to.valid_to is not None:
            raise ValidationError({"move_to": _("Members must move to an open unit outside the one being closed.")})
    closed = list(subtree.values_list("pk", "code"))
    for membership in memberships:
        membership_end(actor=actor, membership=membership, on=on)
        if members == MemberDisposition.MOVE:
            membership_grant(
                actor=actor, user=membership.user, unit=move_to, role=membership.role, title=membership.title
            )
    subtree.update(valid_to=on)
    unit.refresh_from_db()
    audit_record(
        actor=actor,
        verb="unit.closed",
        target=unit,
        changes={"valid_to": [None, on.isoformat()], "closed_units": [None, [code for _pk, code in closed]]},
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
    if not sources:
        raise ValidationError(_("Choose at least one unit to merge."))
    if target is None:
        if parent is None or not new_fields:
            raise ValidationError(_("Name the unit the others merge into, or describe a new one."))
        target = unit_create(actor=actor, parent=parent, valid_from=on, audit=audit, **new_fields)
    for source in sources:
        if source.pk == target.pk:
            raise ValidationError(_("A unit cannot be merged into itself."))
        if target.path.startswith(source.path):
            raise ValidationError(_("A unit cannot be merged into one of its own units."))
    last_day = on - dt.timedelta(days=1)
    for source in sources:
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


@transaction.atomic
def membership_grant(
    *, actor: Any, user: User, unit: Unit, role: str = Role.OFFICER, title: str = "", audit: bool = True
) -> Membership:
    """Give a person a role in a unit (or change the role of an open membership)."""
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
def membership_end(*, actor: Any, membership: Membership, on: dt.date) -> Membership:
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
    return membership


USER_FIELDS = ("username", "email", "full_name", "phone", "language", "is_active")


@transaction.atomic
def user_create(*, actor: Any, username: str, password: str | None = None, audit: bool = True, **fields: Any) -> User:
    """Create a person. Without a password the account cannot log in until a reset by e-mail."""
    user = User(username=username, **fields)
    if password:
        user.set_password(password)
    else:
        user.set_unusable_password()
    user.full_clean(exclude=["password"])
    user.save()
    if audit:
        audit_record(actor=actor, verb="user.created", target=user, changes=created(user, USER_FIELDS))
    return user


@transaction.atomic
def user_update(*, actor: Any, user: User, **fields: Any) -> User:
    before = snapshot(user, USER_FIELDS)
    for name, value in fields.items():
        if name not in USER_FIELDS:
            raise ValueError(f"not editable here: {name}")
        setattr(user, name, value)
    user.full_clean(exclude=["password"])
    changes = diff(before, snapshot(user, USER_FIELDS))
    if changes:
        user.save(update_fields=list(changes))
        audit_record(actor=actor, verb="user.updated", target=user, changes=changes)
    return user


@transaction.atomic
def user_set_language(*, actor: Any, user: User, language: str) -> User:
    return user_update(actor=actor, user=user, language=language)
