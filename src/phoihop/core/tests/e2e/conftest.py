"""Browser fixtures for the end-to-end tests: Playwright driving Debian's Chromium.

`playwright install` cannot download browsers here, so the tests launch the system Chromium
(stack-check §7). Without it, `make test` skips these tests and says how to install it; CI sets
PHOIHOP_REQUIRE_BROWSER=1 so a missing browser fails the run instead of hiding the tests.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from phoihop.env import env_bool

# Playwright's sync API runs an event loop in the test thread; Django must allow ORM calls there.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
PHONE = {"width": 360, "height": 740}


def chromium_path() -> Path:
    return Path(os.environ.get("PHOIHOP_CHROMIUM", "/usr/bin/chromium"))


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    executable = chromium_path()
    if not os.access(executable, os.X_OK):
        message = (
            f"Chromium not found at {executable}: the browser tests need Debian's chromium "
            "(sudo apt-get install chromium)."
        )
        if env_bool("PHOIHOP_REQUIRE_BROWSER"):
            pytest.fail(message + " PHOIHOP_REQUIRE_BROWSER=1 makes this a failure (CI).", pytrace=False)
        pytest.skip(message)
    return {**browser_type_launch_args, "executable_path": str(executable), "args": CHROMIUM_ARGS}


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    # A small phone is the narrowest screen the interface promises to work on.
    return {**browser_context_args, "viewport": PHONE, "locale": "vi-VN"}
