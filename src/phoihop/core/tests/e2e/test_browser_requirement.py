"""Without Chromium the browser tests skip on a developer's machine and fail in CI.

Runs pytest on the browser tests in a child process pointed at a Chromium that does not exist.
Not marked e2e: it needs no browser, and it guards the promise that CI never skips them.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

E2E_TEST = Path(__file__).with_name("test_e2e_shell.py")
REPO = Path(__file__).resolve().parents[5]


def run_browser_tests_without_chromium(tmp_path: Path, **env: str) -> subprocess.CompletedProcess[str]:
    child = {k: v for k, v in os.environ.items() if k not in {"PHOIHOP_REQUIRE_BROWSER", "DATABASE_URL"}}
    # DATABASE_URL is dropped so the child's test database (SQLite in memory) cannot collide
    # with this run's PostgreSQL test database.
    child.update(PHOIHOP_CHROMIUM=str(tmp_path / "no-chromium-here"), PHOIHOP_DATA_DIR=str(tmp_path), **env)
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-rsf",
            f"{E2E_TEST}::test_skip_link_takes_keyboard_users_to_the_content",
        ],
        cwd=REPO,
        env=child,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def test_browser_tests_skip_and_say_how_to_install_chromium(tmp_path):
    result = run_browser_tests_without_chromium(tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "1 skipped" in result.stdout
    assert "apt-get install chromium" in result.stdout


def test_browser_tests_fail_when_ci_requires_the_browser(tmp_path):
    result = run_browser_tests_without_chromium(tmp_path, PHOIHOP_REQUIRE_BROWSER="1")
    assert result.returncode != 0
    assert "1 error" in result.stdout or "1 failed" in result.stdout
    assert "apt-get install chromium" in result.stdout
    assert "PHOIHOP_REQUIRE_BROWSER=1" in result.stdout
