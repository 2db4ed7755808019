"""The person's notifications under /api/v1/notifications: list, mark read, preferences.

Each person reaches only their own notifications (notify.permissions: anyone else's answers
404); writes go through notify.services, the functions the web pages call.
"""

# No `from __future__ import annotations`: ninja builds its models from these annotations at import.
import datetime as dt
from typing import Any, Literal

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema
from ninja.pagination import paginate

from phoihop.api.pagination import Page
from phoihop.notify import selectors, services
from phoihop.notify.models import EmailMode, Kind, Notification
from phoihop.notify.permissions import access_notification

router = Router(tags=["notify"])

KindCode = Literal[tuple(Kind.values)]  # type: ignore[valid-type]  # built from the model's choices
EmailModeCode = Literal[tuple(EmailMode.values)]  # type: ignore[valid-type]  # built from the model's choices


class NotificationOut(Schema):
    id: int
    kind: str
    kind_label: str
    title: str = Field(..., description="In the recipient's language, as written when it was made.")
    body: str
    url: str = Field(..., description="Path of the page it is about (relative to the site).")
    unit_id: int | None
    target: str = Field(..., description='The record it is about, as "app_label.model:pk".')
    created_at: dt.datetime
    read_at: dt.datetime | None

    @staticmethod
    def resolve_kind_label(obj: Notification) -> str:
        return str(obj.get_kind_display())


class InboxFilters(Schema):
    unread: bool = Field(False, description="Only unread notifications.")
    kind: KindCode | None = None


@router.get("/", response=list[NotificationOut], summary="My notifications, newest first")
@paginate(Page)
def notification_list(request: HttpRequest, filters: Query[InboxFilters]) -> Any:
    return selectors.inbox(user=request.auth, unread=filters.unread, kind=filters.kind or "")


class MarkedOut(Schema):
    marked: int
    unread: int


@router.post("/read-all", response=MarkedOut, summary="Mark all my notifications read (of one kind when given)")
def notification_read_all(request: HttpRequest, kind: KindCode | None = None) -> dict[str, int]:
    marked = services.notifications_mark_all_read(actor=request.auth, kind=kind or "")
    return {"marked": marked, "unread": selectors.unread_count(user=request.auth)}


class PreferenceIO(Schema):
    email_mode: EmailModeCode = Field(..., description="immediate, digest (the default) or off.")
    muted_kinds: list[KindCode] = Field([], description="Kinds never e-mailed (they still reach the inbox).")


@router.get("/preferences", response=PreferenceIO, summary="How I am e-mailed")
def preference_read(request: HttpRequest) -> Any:
    return services.preference_get(user=request.auth)


@router.put("/preferences", response=PreferenceIO, summary="Choose how I am e-mailed")
def preference_write(request: HttpRequest, data: PreferenceIO) -> Any:
    return services.preference_update(
        actor=request.auth, user=request.auth, email_mode=data.email_mode, muted_kinds=data.muted_kinds
    )


@router.get("/{int:notification_id}", response=NotificationOut, summary="One of my notifications")
def notification_read_one(request: HttpRequest, notification_id: int) -> Any:
    return access_notification(request.auth, notification_id)


@router.post("/{int:notification_id}/read", response=NotificationOut, summary="Mark one of my notifications read")
def notification_mark_read(request: HttpRequest, notification_id: int) -> Any:
    notification = access_notification(request.auth, notification_id)
    return services.notification_mark_read(notification=notification, actor=request.auth)
