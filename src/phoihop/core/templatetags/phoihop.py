from __future__ import annotations

import datetime as dt

from django import template
from django.utils import timezone

from phoihop.core.dates import short_date, vn_date

register = template.Library()


@register.filter(name="vn_date")
def vn_date_filter(value: dt.date | dt.datetime | None) -> str:
    """{{ unit.valid_from|vn_date }} → "ngày 01 tháng 7 năm 2025"."""
    return vn_date(value)


@register.filter(name="short_date")
def short_date_filter(value: dt.date | dt.datetime | None) -> str:
    return short_date(value)


@register.simple_tag
def today_vn() -> str:
    return vn_date(timezone.localdate())
