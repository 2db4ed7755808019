"""The audit trail: every change of state, login and logout, hash-chained.

Services call `audit_record()` inside their transaction; nothing else writes AuditEvent rows.
"""

from __future__ import annotations

import contextvars
import datetime as dt
import decimal
import hashlib
import json
import uuid
from dataclasses import dataclass
from typing import Any

from django.db import connection, models, transaction
from django.utils import timezone

from phoihop.core.models import AuditEvent

# The request's client address, set by the middleware so services need not pass it around.
current_ip: contextvars.ContextVar[str | None] = contextvars.ContextVar("phoihop_audit_ip", default=None)

_LOCK_KEY = 0x70686F69  # "phoi": one PostgreSQL advisory lock serialises the chain


def _plain(value: Any) -> Any:
    """Turn a field value into JSON that reads back identically on SQLite and PostgreSQL."""
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, float | decimal.Decimal):
        return str(value)
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, models.Model):
        return value.pk
    if isinstance(value, list | tuple | set):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    return str(value)


def snapshot(instance: models.Model, fields: list[str] | tuple[str, ...]) -> dict[str, Any]:
    """Return the named fields' values (foreign keys as ids), to diff before and after a change."""
    values = {}
    for name in fields:
        field = instance._meta.get_field(name)
        values[name] = _plain(getattr(instance, field.attname))
    return values


def diff(before: dict[str, Any], after: dict[str, Any]) -> dict[str, list[Any]]:
    """Return {field: [before, after]} for the fields whose value changed."""
    return {k: [before.get(k), after.get(k)] for k in after if before.get(k) != after.get(k)}


def created(instance: models.Model, fields: list[str] | tuple[str, ...]) -> dict[str, list[Any]]:
    return {k: [None, v] for k, v in snapshot(instance, fields).items() if v not in (None, "")}


@dataclass(frozen=True)
class _Content:
    at: str
    actor_id: int | None
    actor_label: str
    verb: str
    target_type: str
    target_id: str
    target_repr: str
    unit_id: int | None
    changes: dict[str, Any]
    note: str
    ip: str | None


def _content(event: AuditEvent) -> _Content:
    at = event.at
    if timezone.is_aware(at):
        at = at.astimezone(dt.UTC)
    return _Content(
        at=at.strftime("%Y-%m-%dT%H:%M:%S.%f"),
        actor_id=event.actor_id,
        actor_label=event.actor_label,
        verb=event.verb,
        target_type=event.target_type,
        target_id=event.target_id,
        target_repr=event.target_repr,
        unit_id=event.unit_id,
        changes=event.changes,
        note=event.note,
        ip=event.ip,
    )


def compute_hash(event: AuditEvent, prev_hash: str) -> str:
    payload = json.dumps([prev_hash, vars(_content(event))], sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def _lock_chain() -> None:
    # SQLite runs writers one at a time (IMMEDIATE transactions); PostgreSQL needs a lock held
    # to the end of the transaction so two writers cannot both chain onto the same row.
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_LOCK_KEY])


def audit_record(
    *,
    actor: Any,
    verb: str,
    target: models.Model | None = None,
    unit: Any = None,
    changes: dict[str, Any] | None = None,
    note: str = "",
    target_repr: str | None = None,
) -> AuditEvent:
    """Append one event to the trail, in the caller's transaction.

    `unit` is the organisation the change belongs to (for scoped audit views); when omitted
    and the target has a `unit` (or is a unit), that is used.
    """
    with transaction.atomic():
        _lock_chain()
        if unit is None and target is not None:
            unit = target if target._meta.label_lower == "orgs.unit" else getattr(target, "unit", None)
        user = actor if actor is not None and getattr(actor, "is_authenticated", False) else None
        event = AuditEvent(
            at=timezone.now(),
            actor=user,
            actor_label=(user.get_username() if user else (str(actor) if actor else ""))[:150],
            verb=verb,
            target_type=target._meta.label_lower if target is not None else "",
            target_id=str(target.pk) if target is not None else "",
            target_repr=(target_repr if target_repr is not None else str(target) if target is not None else "")[:255],
            unit=unit,
            changes=_plain(changes or {}),
            note=note,
            ip=current_ip.get(),
        )
        last = AuditEvent.objects.order_by("-id").values_list("hash", flat=True).first()
        event.prev_hash = last or ""
        event.hash = compute_hash(event, event.prev_hash)
        event.save(force_insert=True)
    return event


@dataclass(frozen=True)
class ChainReport:
    checked: int
    broken_id: int | None = None
    reason: str = ""

    @property
    def ok(self) -> bool:
        return self.broken_id is None


def audit_verify() -> ChainReport:
    """Recompute the chain from the first row; report the first row that does not fit."""
    prev_hash = ""
    checked = 0
    for event in AuditEvent.objects.order_by("id").iterator(chunk_size=2000):
        if event.prev_hash != prev_hash:
            return ChainReport(
                checked, event.pk, "previous hash does not match: a row before it was deleted or altered"
            )
        if compute_hash(event, prev_hash) != event.hash:
            return ChainReport(checked, event.pk, "content does not match its hash: the row was altered")
        prev_hash = event.hash
        checked += 1
    return ChainReport(checked)
