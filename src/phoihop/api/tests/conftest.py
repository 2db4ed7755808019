"""Fixtures for the API tests: bearer headers, and no lockouts leaking between tests."""

from __future__ import annotations

from typing import Any

import pytest

from phoihop.api.services import token_issue


@pytest.fixture(autouse=True)
def _no_lockouts_between_tests(no_lockouts):
    """Every test here logs in; none may inherit another's failed attempts (root conftest)."""


@pytest.fixture
def bearer():
    """Return a function giving request headers with a fresh token for a person."""

    def headers_for(user: Any) -> dict[str, str]:
        _token, raw = token_issue(user=user, name="tests")
        return {"Authorization": f"Bearer {raw}"}

    return headers_for
