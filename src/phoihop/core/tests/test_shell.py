"""The interface shell and the operations side: every page's basics, navigation, search as a
directory, /healthz, JSON request logs and production's refusal of an unsafe configuration."""

from __future__ import annotations

import datetime as dt
import io
import json
import logging
import os
import subprocess
import sys
from collections import deque
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urldefrag

import pytest
from django.core.checks import Tags, run_checks
from django.core.exceptions import ImproperlyConfigured
from django.core.management.utils import get_random_secret_key
from django.test import RequestFactory
from django.urls import reverse

from phoihop.checks import refuse_unsafe_production
from phoihop.core.logging import JsonFormatter
from phoihop.core.middleware import client_ip

# Page basics ------------------------------------------------------------------------------------------


class PageAudit(HTMLParser):
    """Collect what the page-basics rules look at: viewport, resources, form controls, labels."""

    _LABELLED_ELSEWHERE = {"hidden", "submit", "button", "reset", "image"}

    def __init__(self) -> None:
        super().__init__()
        self.lang = None
        self.viewport = False
        self.resources: list[str] = []
        self.links: list[str] = []
        self.controls: list[dict[str, str | None]] = []
        self.label_targets: set[str] = set()
        self.ids: list[str] = []
        self.described_by: list[str] = []
        self._open_labels = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if a.get("id"):
            self.ids.append(a["id"])
        self.described_by += (a.get("aria-describedby") or "").split()
        if tag == "html":
            self.lang = a.get("lang")
        elif tag == "meta" and a.get("name") == "viewport":
            self.viewport = "width=device-width" in (a.get("content") or "")
        elif tag in {"script", "img", "iframe", "source", "audio", "video"} and a.get("src"):
            self.resources.append(a["src"])
        elif tag == "link" and a.get("href"):
            self.resources.append(a["href"])
        elif tag == "a" and a.get("href"):
            self.links.append(a["href"])
        elif tag == "label":
            self._open_labels += 1
            if a.get("for"):
                self.label_targets.add(a["for"])
        if tag in {"input", "select", "textarea"} and a.get("type", "text") not in self._LABELLED_ELSEWHERE:
            self.controls.append({**a, "_wrapped": "yes" if self._open_labels else None})

    def handle_endtag(self, tag: str) -> None:
        if tag == "label" and self._open_labels:
            self._open_labels -= 1

    def problems(self) -> list[str]:
        found = []
        if not self.lang:
            found.append("<html> has no lang")
        if not self.viewport:
            found.append("no viewport meta tag")
        for url in self.resources:
            if url.startswith(("http://", "https://", "//")):
                found.append(f"loads an external resource: {url}")
        for control in self.controls:
            named = control.get("aria-label") or control["_wrapped"] or control.get("id") in self.label_targets
            if not named:
                found.append(f"form control without a label: {control.get('name') or control}")
        # A screen reader reads the help and the error a field points at: the target must exist.
        found += [f"aria-describedby points nowhere: {ref}" for ref in self.described_by if ref not in self.ids]
        found += [f"duplicate id: {ref}" for ref in sorted({i for i in self.ids if self.ids.count(i) > 1})]
        return found


def audit_page(html: str) -> PageAudit:
    page = PageAudit()
    page.feed(html)
    return page


# Paths a crawl must not follow: not pages of the interface (API docs are checked by the API's tests).
_NOT_PAGES = ("/static/", "/media/", "/api/", "/django-admin/")


def crawl(client, start: list[str], limit: int = 80) -> dict[str, list[str]]:
    """Visit every page reachable by links from `start`; return each HTML page's problems.

    A link the person is shown must lead somewhere they may go: any answer but 200 is a problem.
    """
    seen: dict[str, list[str]] = {}
    queue = deque(start)
    while queue and len(seen) < limit:
        url = queue.popleft()
        if url in seen:
            continue
        response = client.get(url)
        if response.status_code != 200:
            seen[url] = [f"answered {response.status_code}"]
            continue
        if not response["Content-Type"].startswith("text/html"):
            seen[url] = []
            continue
        page = audit_page(response.content.decode())
        seen[url] = page.problems()
        for href in page.links:
            target = urldefrag(href)[0]
            if target.startswith("/") and not target.startswith(_NOT_PAGES) and target not in seen:
                queue.append(target)
    return seen


def test_every_page_an_officer_reaches_has_the_basics(client, commune_officer):
    client.force_login(commune_officer)
    pages = crawl(client, [reverse("core:home"), reverse("core:search") + "?q=an+sinh"])
    assert len(pages) >= 5  # home, tree, unit pages, search, profile, password change
    assert {url: problems for url, problems in pages.items() if problems} == {}


def test_every_page_a_unit_admin_reaches_has_the_basics(client, commune_admin):
    client.force_login(commune_admin)
    pages = crawl(client, [reverse("core:home")])
    assert reverse("audit:event-list") in pages
    assert {url: problems for url, problems in pages.items() if problems} == {}


@pytest.mark.parametrize(
    "url_name",
    ["orgs:login", "orgs:password-reset", "orgs:password-reset-done", "orgs:password-reset-complete"],
)
def test_every_page_for_visitors_has_the_basics(client, db, url_name):
    response = client.get(reverse(url_name))
    assert response.status_code == 200
    assert audit_page(response.text).problems() == []


def test_the_reset_page_for_a_broken_link_and_the_two_factor_page_have_the_basics(client, province_admin):
    broken = client.get(reverse("orgs:password-reset-confirm", args=["MQ", "set-password"]))
    assert audit_page(broken.text).problems() == []
    client.force_login(province_admin)
    two_factor = client.get(reverse("orgs:two-factor"))
    assert audit_page(two_factor.text).problems() == []


def test_the_locked_out_page_has_the_basics(client, commune_officer, settings):
    from axes.utils import reset

    reset()
    try:
        for _ in range(settings.AXES_FAILURE_LIMIT):
            response = client.post(reverse("orgs:login"), {"username": "xa", "password": "wrong-password"})
        assert response.status_code == 429
        assert audit_page(response.text).problems() == []
    finally:
        reset()


def test_the_page_audit_catches_what_it_is_meant_to_catch():
    # The crawl tests are only as good as this detector: prove it fails bad pages.
    bad = (
        '<html><head><script src="https://cdn.example/x.js"></script></head>'
        '<body><input name="q"><label for="b">B</label><input id="b" name="b" aria-describedby="b_error">'
        '<p id="x"></p><p id="x"></p></body></html>'
    )
    problems = audit_page(bad).problems()
    assert problems == [
        "<html> has no lang",
        "no viewport meta tag",
        "loads an external resource: https://cdn.example/x.js",
        "form control without a label: q",
        "aria-describedby points nowhere: b_error",
        "duplicate id: x",
    ]


def test_password_change_errors_and_help_are_tied_to_their_fields(client, commune_officer):
    client.force_login(commune_officer)
    response = client.post(
        reverse("orgs:password-change"),
        {"old_password": "wrong", "new_password1": "short", "new_password2": "other"},
    )
    assert response.status_code == 200
    assert 'aria-describedby="id_old_password_error"' in response.text
    assert 'id="id_new_password1_helptext"' in response.text
    assert audit_page(response.text).problems() == []


def test_focus_is_always_visible_in_the_stylesheet():
    css = (Path(__file__).resolve().parents[2] / "static" / "phoihop" / "app.css").read_text(encoding="utf-8")
    assert ":focus-visible { outline: 3px solid" in css
    assert "outline: none" not in css and "outline: 0" not in css


# Navigation -------------------------------------------------------------------------------------------


def _nav_keys(client) -> list[str]:
    return [entry["key"] for entry in client.get(reverse("core:home")).context["nav_entries"]]


def test_audit_entry_is_hidden_from_an_officer(client, commune_officer):
    client.force_login(commune_officer)
    assert "audit" not in _nav_keys(client)
    assert f'href="{reverse("audit:event-list")}"' not in client.get(reverse("core:home")).text
    assert client.get(reverse("audit:event-list")).status_code == 403


def test_audit_entry_is_shown_to_a_leader(client, commune_leader):
    client.force_login(commune_leader)
    assert "audit" in _nav_keys(client)
    assert f'href="{reverse("audit:event-list")}"' in client.get(reverse("core:home")).text


def test_visitors_see_no_menu_and_no_search_box(client, db):
    html = client.get(reverse("orgs:login")).text
    assert 'id="global-search"' not in html
    assert 'class="menu"' not in html


def test_language_buttons_name_each_language_in_itself(client, db):
    html = client.get(reverse("orgs:login")).text
    assert '<button type="submit" name="language" value="vi" lang="vi" aria-pressed="true">Tiếng Việt</button>' in html
    assert '<button type="submit" name="language" value="en" lang="en">English</button>' in html


def test_current_page_is_marked_in_the_menu(client, commune_officer):
    client.force_login(commune_officer)
    html = client.get(reverse("orgs:unit-tree")).text
    assert f'<a href="{reverse("orgs:unit-tree")}" aria-current="page">' in html


# Search as a directory ------------------------------------------------------------------------------


def test_commune_officer_finds_province_units_without_diacritics_but_without_links(client, commune_officer):
    client.force_login(commune_officer)
    response = client.get(reverse("core:search"), {"q": "quang ninh"})
    titles = {doc.title: doc for doc in response.context["page"].object_list}
    assert {"Tỉnh Quảng Ninh", "UBND tỉnh Quảng Ninh", "Ủy ban MTTQ tỉnh Quảng Ninh"} <= set(titles)
    # The directory shows names; the unit page itself stays out of reach, so no dead link.
    province = titles["Tỉnh Quảng Ninh"]
    assert province.openable is False
    assert f'href="{province.url}"' not in response.text
    assert client.get(province.url).status_code == 404


def test_commune_officer_gets_links_to_units_in_scope(client, commune_officer, tree):
    client.force_login(commune_officer)
    response = client.get(reverse("core:search"), {"q": "an sinh"})
    titles = {doc.title: doc for doc in response.context["page"].object_list}
    assert titles["UBND phường An Sinh"].openable is True
    assert f'href="{tree["commune_ubnd"].get_absolute_url()}"' in response.text
    assert titles["Phường An Sinh"].openable is False


def test_closed_units_outside_scope_stay_out_of_search(client, commune_officer, tree):
    from phoihop.orgs import services
    from phoihop.orgs.models import Unit

    services.unit_create(
        actor=None,
        parent=tree["province"],
        code="06999",
        name="Xã Quảng La",
        kind=Unit.Kind.COMMUNE,
        valid_from=dt.date(2020, 1, 1),
        valid_to=dt.date(2025, 6, 30),
        audit=False,
    )
    client.force_login(commune_officer)
    titles = [doc.title for doc in client.get(reverse("core:search"), {"q": "quang la"}).context["page"].object_list]
    assert titles == []


def test_search_page_query_count_does_not_grow_with_results(client, commune_officer, django_assert_max_num_queries):
    client.force_login(commune_officer)
    with django_assert_max_num_queries(8):
        response = client.get(reverse("core:search"), {"q": "quang ninh"})
    assert response.context["page"].paginator.count >= 3


# Health and logs --------------------------------------------------------------------------------------


def test_healthz_answers_200_with_the_database(client, db):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json()["status"] == "ok"
    assert response["Cache-Control"].startswith("max-age=0")


def test_healthz_is_not_redirected_to_https(client, db, settings):
    settings.SECURE_SSL_REDIRECT = True
    # A load balancer checks over plain HTTP; every other page goes to HTTPS.
    assert client.get("/healthz").status_code == 200
    assert client.get(reverse("orgs:login")).status_code == 301


@pytest.fixture
def request_log():
    """Capture the request logger through the production formatter."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    logger = logging.getLogger("phoihop.request")
    level = logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    yield stream
    logger.removeHandler(handler)
    logger.setLevel(level)


def test_each_request_writes_one_json_line(client, commune_officer, request_log):
    client.force_login(commune_officer)
    client.get(reverse("orgs:unit-tree"), REMOTE_ADDR="192.0.2.4")
    lines = request_log.getvalue().splitlines()
    assert len(lines) == 1
    line = json.loads(lines[0])
    assert line["method"] == "GET"
    assert line["path"] == reverse("orgs:unit-tree")
    assert line["status"] == 200
    assert isinstance(line["duration_ms"], float) and line["duration_ms"] >= 0
    assert line["user_id"] == commune_officer.pk
    assert line["ip"] == "192.0.2.4"
    assert line["level"] == "INFO"
    assert line["logger"] == "phoihop.request"
    dt.datetime.fromisoformat(line["time"])


def test_json_formatter_keeps_vietnamese_and_exceptions_on_one_line():
    logger = logging.getLogger("phoihop.test")
    try:
        raise ValueError("hỏng")
    except ValueError:
        record = logger.makeRecord(
            "phoihop.test", logging.ERROR, __file__, 1, "Lỗi ở %s", ("Đông Triều",), sys.exc_info()
        )
    text = JsonFormatter().format(record)
    assert "\n" not in text
    line = json.loads(text)
    assert line["message"] == "Lỗi ở Đông Triều"
    assert "Đông Triều" in text  # not \u escapes
    assert "ValueError: hỏng" in line["exception"]


def test_client_address_behind_the_proxy_ignores_forged_entries(settings):
    settings.PHOIHOP_BEHIND_PROXY = True
    settings.PHOIHOP_PROXY_COUNT = 1
    request = RequestFactory().get("/", REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="6.6.6.6, 203.0.113.5")
    assert client_ip(request) == "203.0.113.5"
    settings.PHOIHOP_BEHIND_PROXY = False
    assert client_ip(request) == "10.0.0.2"


# Production refuses an unsafe configuration ---------------------------------------------------


def _security_check_ids() -> set[str]:
    return {message.id for message in run_checks(tags=[Tags.security])}


def test_production_refuses_a_missing_secret_key(settings):
    settings.PRODUCTION = True
    settings.SECRET_KEY_FROM_ENV = False
    with pytest.raises(ImproperlyConfigured, match="SECRET_KEY"):
        refuse_unsafe_production()
    assert "phoihop.E001" in _security_check_ids()


@pytest.mark.parametrize("key", ["change-me", "short-but-not-a-placeholder"])
def test_production_refuses_the_placeholder_or_a_short_secret_key(settings, key):
    settings.PRODUCTION = True
    settings.SECRET_KEY_FROM_ENV = True
    settings.SECRET_KEY = key
    with pytest.raises(ImproperlyConfigured, match="SECRET_KEY"):
        refuse_unsafe_production()
    assert "phoihop.E001" in _security_check_ids()


def test_production_accepts_a_long_random_secret_key(settings):
    settings.PRODUCTION = True
    settings.SECRET_KEY_FROM_ENV = True
    settings.SECRET_KEY = get_random_secret_key()
    assert len(settings.SECRET_KEY) == 50
    refuse_unsafe_production()
    assert "phoihop.E001" not in _security_check_ids()


# The real command line, as an operator runs it (no pytest in the environment = production mode).
# DJANGO_ALLOW_ASYNC_UNSAFE (set by the root conftest for the browser tests) fails the deploy check.
_CONFIG = (
    "PHOIHOP_",
    "SECRET_KEY",
    "DATABASE_URL",
    "DEBUG",
    "ALLOWED_HOSTS",
    "CSRF_",
    "SECURE_",
    "EMAIL_",
    "PYTEST_",
    "DJANGO_",
)


def _clean_env(**env: str) -> dict[str, str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(_CONFIG)}
    clean.update(env)
    assert "PYTEST_VERSION" not in clean  # or settings would think it runs under the tests
    return clean


def _run(tmp_path: Path, args: list[str], **env: str) -> subprocess.CompletedProcess[str]:
    clean = _clean_env(PHOIHOP_DATA_DIR=str(tmp_path / "data"), **env)
    phoihop = Path(sys.executable).with_name("phoihop")
    return subprocess.run(
        [str(phoihop), *args], env=clean, capture_output=True, text=True, timeout=120, cwd=tmp_path, check=False
    )


def test_phoihop_check_in_production_without_a_secret_key_fails(tmp_path):
    result = _run(tmp_path, ["check"], DEBUG="false")
    assert result.returncode != 0
    assert "phoihop.E001" in result.stderr
    assert "SECRET_KEY" in result.stderr


def test_wsgi_refuses_to_start_without_a_secret_key(tmp_path):
    result = subprocess.run(
        [sys.executable, "-c", "import phoihop.wsgi"],
        env=_clean_env(PHOIHOP_DATA_DIR=str(tmp_path)),
        capture_output=True,
        text=True,
        timeout=120,
        cwd=tmp_path,
        check=False,
    )
    assert result.returncode != 0
    assert "ImproperlyConfigured: SECRET_KEY is not set" in result.stderr


def test_phoihop_check_deploy_passes_with_production_settings(tmp_path):
    result = _run(
        tmp_path,
        ["check", "--deploy", "--fail-level", "WARNING"],
        SECRET_KEY=get_random_secret_key(),
        ALLOWED_HOSTS="phoihop.quangninh.gov.vn",
    )
    assert result.returncode == 0, result.stderr
    assert "no issues" in result.stdout


def test_production_logs_one_json_line_per_request_and_healthz_reports_a_dead_database(tmp_path):
    script = (
        "from django.test import Client\n"
        "r = Client().get('/healthz', HTTP_HOST='phoihop.quangninh.gov.vn', HTTP_X_FORWARDED_FOR='203.0.113.9')\n"
        "print(r.status_code)\n"
    )
    result = _run(
        tmp_path,
        ["shell", "--no-imports", "-c", script],
        SECRET_KEY=get_random_secret_key(),
        ALLOWED_HOSTS="phoihop.quangninh.gov.vn",
        # Nothing listens on port 1: the database is unreachable.
        DATABASE_URL="postgres://phoihop@127.0.0.1:1/phoihop",
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == "503"
    lines = [json.loads(line) for line in result.stderr.splitlines() if line.startswith("{")]
    requests = [line for line in lines if line["logger"] == "phoihop.request"]
    assert len(requests) == 1
    assert {k: requests[0][k] for k in ("method", "path", "status", "ip")} == {
        "method": "GET",
        "path": "/healthz",
        "status": 503,
        "ip": "203.0.113.9",
    }


def test_a_record_outside_ones_scope_answers_a_vietnamese_404_page(client, tree, officer_other_commune):
    client.force_login(officer_other_commune)
    response = client.get(tree["commune_ubnd"].get_absolute_url())
    assert response.status_code == 404
    page = response.content.decode()
    # Our own page in the default language, inside the usual layout, not Django's English one.
    assert "Không tìm thấy" in page and 'lang="vi"' in page
    assert "The requested resource was not found" not in page
