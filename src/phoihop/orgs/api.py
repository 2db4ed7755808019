"""The organisation tree in /api/v1/orgs, scoped like the web."""

from __future__ import annotations

import datetime as dt

from django.http import HttpRequest
from ninja import Query, Router, Schema
from ninja.pagination import LimitOffsetPagination, paginate

from phoihop.orgs import access, selectors
from phoihop.orgs.models import Unit

router = Router(tags=["orgs"])


class UnitOut(Schema):
    id: int
    code: str
    name: str
    short_name: str
    kind: str
    division_type: str
    parent_code: str | None
    depth: int
    valid_from: dt.date | None
    valid_to: dt.date | None

    @staticmethod
    def resolve_parent_code(obj: Unit) -> str | None:
        return getattr(obj, "parent_code", None)


class UnitFilter(Schema):
    q: str = ""
    kind: str = ""
    include_closed: bool = False


def _with_parent_codes(units: list[Unit]) -> list[Unit]:
    parent_paths = {u.path[: -Unit.steplen] for u in units if u.depth > 1}
    codes = dict(Unit.objects.filter(path__in=parent_paths).values_list("path", "code"))
    for unit in units:
        unit.parent_code = codes.get(unit.path[: -Unit.steplen])
    return units


@router.get("/units", response=list[UnitOut], summary="Units I may see")
@paginate(LimitOffsetPagination)
def unit_list(request: HttpRequest, filters: Query[UnitFilter]) -> list[Unit]:
    units = selectors.unit_list(
        user=request.auth, query=filters.q, kind=filters.kind, include_closed=filters.include_closed
    )
    return _LazyParents(units)


class _LazyParents:
    """Let the paginator slice first, then fetch parent codes for that page only (2 queries)."""

    def __init__(self, queryset):
        self.queryset = queryset

    def __len__(self) -> int:
        return self.queryset.count()

    def count(self) -> int:
        return self.queryset.count()

    def __getitem__(self, item):
        return _with_parent_codes(list(self.queryset[item]))


@router.get("/units/{code}", response=UnitOut, summary="One unit by its official code")
def unit_detail(request: HttpRequest, code: str) -> Unit:
    return _with_parent_codes([access.access_unit_by_code(request.auth, code)])[0]


@router.get("/units/{code}/children", response=list[UnitOut], summary="The units directly within one")
@paginate(LimitOffsetPagination)
def unit_children(request: HttpRequest, code: str, include_closed: bool = False) -> list[Unit]:
    unit = access.access_unit_by_code(request.auth, code)
    return _LazyParents(selectors.unit_children(user=request.auth, unit=unit, include_closed=include_closed))
