"""The organisation tree in /api/v1/orgs, scoped like the web.

Reads go through orgs.access and orgs.selectors; writes through orgs.services, the same
functions the web calls, so the rules and the audit trail are the same whichever door is used.
Units are addressed by their official code: the open unit with that code, or the newest closed
one when none is open (codes are reused after merges).
"""

# No `from __future__ import annotations` here: ninja builds the query-parameter model from
# `Query[UnitFilter]` at import and cannot resolve it from a string (the OpenAPI page broke).
import datetime as dt
from typing import Any, Literal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Length, Substr
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema
from ninja.pagination import paginate
from ninja.responses import Status

from phoihop.api.pagination import Page
from phoihop.core.search import search_documents
from phoihop.orgs import access, selectors, services
from phoihop.orgs.models import Membership, Role, Unit, User

router = Router(tags=["orgs"])


# Schemas --------------------------------------------------------------------------------------


class UnitOut(Schema):
    id: int
    code: str
    name: str
    short_name: str
    kind: str
    kind_label: str
    division_type: str
    province_code: str
    parent_code: str | None = Field(..., description="Code of the unit directly above (null for a root).")
    depth: int = Field(..., description="Level in the tree; the province is 1.")
    valid_from: dt.date | None
    valid_to: dt.date | None = Field(..., description="Last day of a closed unit; null while open.")

    @staticmethod
    def resolve_kind_label(obj: Unit) -> str:
        return str(obj.get_kind_display())

    @staticmethod
    def resolve_parent_code(obj: Unit) -> str | None:
        return getattr(obj, "parent_code", None)


class UnitDetailOut(UnitOut):
    email: str
    phone: str
    address: str


class UnitFilter(Schema):
    q: str = Field("", max_length=200, description="Words of the name or code; diacritics optional.")
    kind: Unit.Kind | None = None
    parent: str = Field("", description="Only the units directly below the unit with this code.")
    under: str = Field("", description="Only the units below the unit with this code, at any depth.")
    levels: int | None = Field(None, ge=1, le=20, description="With `under`: how many levels down.")
    include_closed: bool = False


class SuccessionOut(Schema):
    code: str
    name: str
    kind: str
    date: dt.date
    basis: str


class SuccessionsOut(Schema):
    predecessors: list[SuccessionOut]
    successors: list[SuccessionOut]


class MemberOut(Schema):
    id: int
    username: str = Field(..., alias="user.username")
    full_name: str = Field(..., alias="user.full_name")
    unit_code: str = Field(..., alias="unit.code")
    role: str
    title: str
    ended_on: dt.date | None


class UnitCreateIn(Schema):
    parent: str | None = Field(None, description="Code of the unit to create it under; null for a new root.")
    code: str
    name: str
    short_name: str = ""
    kind: Unit.Kind
    division_type: str = ""
    valid_from: dt.date | None = None
    email: str = ""
    phone: str = ""
    address: str = ""


class UnitUpdateIn(Schema):
    """Only the fields sent are changed; the place in the tree is not changed here."""

    code: str | None = None
    name: str | None = None
    short_name: str | None = None
    kind: Unit.Kind | None = None
    division_type: str | None = None
    valid_from: dt.date | None = None
    email: str | None = None
    phone: str | None = None
    address: str | None = None


class UnitCloseIn(Schema):
    on: dt.date = Field(..., description="The last day the unit exists.")
    members: Literal["end", "move"] = Field(..., description="End the members' memberships, or move them.")
    move_to: str | None = Field(None, description="With members=move: code of the unit they move to.")
    note: str = ""


class MembershipIn(Schema):
    username: str
    unit: str = Field(..., description="Code of the unit.")
    role: Role = Role.OFFICER
    title: str = ""


# Reads ----------------------------------------------------------------------------------------


def _with_parent_code(units: QuerySet[Unit]) -> QuerySet[Unit]:
    """Annotate each unit with its parent's code, in the same query however long the page is.

    The parent's path is the unit's path without its last step (treebeard's materialised path).
    """
    parent_path = Substr(OuterRef("path"), 1, Length(OuterRef("path")) - Unit.steplen)
    return units.annotate(parent_code=Subquery(Unit.objects.filter(path=parent_path).values("code")[:1]))


def _detail(unit: Unit) -> Unit:
    return _with_parent_code(Unit.objects.filter(pk=unit.pk)).get()


def _matching(q: str) -> Q:
    # Through the folded search index (đ → d, no diacritics), plus the start of the code. The
    # index holds each unit as its own `unit`, so unit_id is the unit's id on every database.
    found = search_documents(q).filter(model=Unit._meta.label_lower).values("unit_id")
    return Q(pk__in=found) | Q(code__istartswith=q.strip())


def _unit_list(user: Any, filters: UnitFilter) -> QuerySet[Unit]:
    parent = access.access_unit_by_code(user, filters.parent) if filters.parent else None
    units = selectors.unit_list(
        user=user, kind=filters.kind or "", include_closed=filters.include_closed, parent=parent
    )
    if filters.under:
        top = access.access_unit_by_code(user, filters.under)
        units = units.filter(path__startswith=top.path, depth__gt=top.depth)
        if filters.levels:
            units = units.filter(depth__lte=top.depth + filters.levels)
    if filters.q.strip():
        units = units.filter(_matching(filters.q))
    return _with_parent_code(units.order_by("path"))


@router.get("/units", response=list[UnitOut], summary="Units I may see, in tree order")
@paginate(Page)
def unit_list(request: HttpRequest, filters: Query[UnitFilter]) -> QuerySet[Unit]:
    return _unit_list(request.auth, filters)


@router.get("/units/{code}", response=UnitDetailOut, summary="One unit by its official code")
def unit_detail(request: HttpRequest, code: str) -> Unit:
    return _detail(access.access_unit_by_code(request.auth, code))


@router.get("/units/{code}/children", response=list[UnitOut], summary="The units directly below one")
@paginate(Page)
def unit_children(request: HttpRequest, code: str, include_closed: bool = False) -> QuerySet[Unit]:
    return _unit_list(request.auth, UnitFilter(parent=code, include_closed=include_closed))


@router.get(
    "/units/{code}/successions",
    response=SuccessionsOut,
    summary="The units this one came from and went into (merges, splits, renames), with dates",
)
def unit_successions(request: HttpRequest, code: str) -> dict:
    unit = access.access_unit_by_code(request.auth, code)
    # As on the web page: the history of a visible unit names the units on the other side of
    # each succession even when the person cannot open them.
    history = selectors.unit_history(unit=unit)

    def row(other: Unit, succession: Any) -> dict:
        return {
            "code": other.code,
            "name": other.name,
            "kind": succession.kind,
            "date": succession.date,
            "basis": succession.basis,
        }

    return {
        "predecessors": [row(s.predecessor, s) for s in history["predecessors"]],
        "successors": [row(s.successor, s) for s in history["successors"]],
    }


@router.get("/units/{code}/members", response=list[MemberOut], summary="The people in one unit")
@paginate(Page)
def unit_members(request: HttpRequest, code: str, include_ended: bool = False) -> QuerySet[Membership]:
    unit = access.access_unit_by_code(request.auth, code)
    return selectors.unit_members(user=request.auth, unit=unit, include_ended=include_ended).select_related("unit")


# Writes ---------------------------------------------------------------------------------------


@router.post("/units", response={201: UnitDetailOut}, summary="Create a unit (unit administrators of the parent)")
def unit_create(request: HttpRequest, payload: UnitCreateIn) -> Status[Unit]:
    actor = request.auth
    if payload.parent:
        parent = access.access_unit_by_code(actor, payload.parent, min_role=Role.UNIT_ADMIN)
    elif access.is_system_admin(actor):
        parent = None
    else:
        raise PermissionDenied  # a new root (a province) is for system administrators only
    fields = payload.dict(exclude={"parent"})
    unit = services.unit_create(actor=actor, parent=parent, **fields)
    return Status(201, _detail(unit))


@router.patch("/units/{code}", response=UnitDetailOut, summary="Change a unit's own fields (unit administrators)")
def unit_update(request: HttpRequest, code: str, payload: UnitUpdateIn) -> Unit:
    unit = access.access_unit_by_code(request.auth, code, min_role=Role.UNIT_ADMIN)
    changes = payload.dict(exclude_unset=True)
    # Only valid_from may be emptied; null for any other field is a mistake, not "leave as is".
    nulls = [name for name, value in changes.items() if value is None and not Unit._meta.get_field(name).null]
    if nulls:
        raise ValidationError({name: _("This field cannot be empty.") for name in nulls})
    services.unit_update(actor=request.auth, unit=unit, **changes)
    return _detail(unit)


@router.post(
    "/units/{code}/close",
    response=UnitDetailOut,
    summary="Close a unit and every open unit below it (unit administrators)",
)
def unit_close(request: HttpRequest, code: str, payload: UnitCloseIn) -> Unit:
    actor = request.auth
    unit = access.access_unit_by_code(actor, code, min_role=Role.UNIT_ADMIN)
    # Moving members there grants memberships there: the same role is needed on that side.
    move_to = access.access_unit_by_code(actor, payload.move_to, min_role=Role.UNIT_ADMIN) if payload.move_to else None
    services.unit_close(
        actor=actor, unit=unit, on=payload.on, members=payload.members, move_to=move_to, note=payload.note
    )
    return _detail(unit)


@router.post(
    "/memberships",
    response={200: MemberOut, 201: MemberOut},
    summary="Give a person a role in a unit, or change it (unit administrators)",
)
def membership_grant(request: HttpRequest, payload: MembershipIn) -> Status[Membership]:
    actor = request.auth
    unit = access.access_unit_by_code(actor, payload.unit, min_role=Role.UNIT_ADMIN)
    # The role ceiling (a unit admin cannot hand out a role above their own) is the service's
    # rule, shared with the web; it answers 422 on the role field.
    role = Role(payload.role)
    person = User.objects.filter(username=payload.username).first()
    if person is None:
        raise ValidationError({"username": _("Nobody has this username.")})
    existed = Membership.objects.filter(user=person, unit=unit, ended_on__isnull=True).exists()
    membership = services.membership_grant(actor=actor, user=person, unit=unit, role=role, title=payload.title)
    return Status(200 if existed else 201, membership)
