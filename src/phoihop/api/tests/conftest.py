"""Fixtures for the API tests: bearer headers, and no lockouts leaking between tests."""

from __future__ import annotations

from typing import Any

import pytest
from axes.utils import reset as axes_reset

from phoihop.api.services import token_issue


@pytest.fixture(autouse=True)
def _no_lockouts_between_tests(db):
    # axes keeps failed attempts in the database, which the test transaction rolls back, but a
    # cache handler would not be: reset both ways so no test inherits another's failures.
    axes_reset()
    yield
    axes_reset()


@pytest.fixture
def bearer():
    """Return a function giving request headers with a fresh token for a person."""

    def headers_for(user: Any) -> dict[str, str]:
        _token, raw = token_issue(user=user, name="tests")
        return {"Authorization": f"Bearer {raw}"}

    return headers_for
