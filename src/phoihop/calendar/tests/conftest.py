"""Fixtures of the calendar tests: a fresh announcements cache, a verified system admin."""

from __future__ import annotations

import pytest

from phoihop.calendar import workdays
from phoihop.core.tests.catalog import write_catalog


@pytest.fixture(autouse=True)
def _fresh_calendar():
    # The announcements cache lives in the process; each test's transaction is rolled back
    # behind its back, so every test starts and ends with a re-read.
    workdays.forget()
    yield
    workdays.forget()


@pytest.fixture
def vietnamese_dates(settings, tmp_path):
    """Install the Decree 30 date form in a small Vietnamese catalogue (the real one comes later)."""
    settings.LOCALE_PATHS = [
        write_catalog(
            tmp_path / "locale",
            {"long date\x04%(day)s/%(month)s/%(year)s": "ngày %(day)s tháng %(month)s năm %(year)s"},
        )
    ]
