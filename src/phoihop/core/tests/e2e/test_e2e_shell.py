"""End to end in headless Chromium on a 360-px phone screen: `xa`, an officer of a commune's
People's Committee, logs in with the keyboard, finds the commune in the organisation tree and
searches without diacritics."""

from __future__ import annotations

import re
import tempfile
from pathlib import Path

import pytest
from django.utils import translation
from playwright.sync_api import Page, expect

pytestmark = pytest.mark.e2e

# Left behind for a person to look at (/tmp/e2e-360.png here): the search page on a phone.
SCREENSHOT = Path(tempfile.gettempdir()) / "e2e-360.png"


def no_horizontal_scroll(page: Page) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 360, f"{page.url} is {width}px wide on a 360px screen"


def has_visible_focus(page: Page) -> bool:
    return page.evaluate(
        """() => {
            const style = getComputedStyle(document.activeElement);
            return style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) >= 2;
        }"""
    )


def test_commune_officer_logs_in_finds_the_commune_and_searches_without_diacritics(
    page: Page, live_server, commune_officer, password
):
    page.goto(f"{live_server.url}/account/login/")
    expect(page.locator("html")).to_have_attribute("lang", "vi")
    no_horizontal_scroll(page)

    # The keyboard alone: the username field has focus on arrival; Tab, type, Enter.
    expect(page.locator("#id_username")).to_be_focused()
    page.keyboard.type("xa")
    page.keyboard.press("Tab")
    expect(page.locator("#id_password")).to_be_focused()
    assert has_visible_focus(page)
    page.keyboard.type("not-the-password")
    page.keyboard.press("Enter")
    # The error is announced (role=alert), in Vietnamese, and the person can try again at once.
    with translation.override("vi"):
        refusal = translation.gettext("The username or password is not correct, or the account is disabled.")
    expect(page.get_by_role("alert")).to_contain_text(refusal)
    page.locator("#id_username").fill("xa")
    page.locator("#id_password").fill(password)
    page.locator("#id_password").press("Enter")
    expect(page.locator("h1")).to_contain_text("Xa")
    no_horizontal_scroll(page)

    # The menu is folded on a phone; open it and go to the organisation tree.
    page.locator("details.menu > summary").click()
    menu = page.locator("details.menu nav")
    for entry in menu.get_by_role("link").all():
        expect(entry).to_be_in_viewport(ratio=1)  # wholly on screen, not cut off at the edge
    menu.locator("a[href='/orgs/']").click()
    expect(page).to_have_url(re.compile(r"/orgs/$"))
    tree = page.locator("main > ul.tree")
    # The commune is shown as context around the officer's own unit, which is a link.
    expect(tree.locator(".context", has_text="Phường An Sinh")).to_be_visible()
    expect(tree.locator(".context", has_text="Tỉnh Quảng Ninh")).to_be_visible()
    unit_link = tree.get_by_role("link", name="UBND phường An Sinh")
    expect(unit_link).to_be_visible()
    # Another commune is not in this officer's tree at all.
    expect(tree).not_to_contain_text("Đông Triều")
    no_horizontal_scroll(page)
    unit_link.click()
    expect(page.locator("h1")).to_contain_text("UBND phường An Sinh")
    no_horizontal_scroll(page)

    # The global search box, without diacritics.
    page.locator("#global-search").fill("quang ninh")
    page.locator("#global-search").press("Enter")
    expect(page).to_have_url(re.compile(r"/search/\?q=quang\+ninh"))
    # The search page's own box takes over, holding the words, with the focus in it.
    expect(page.locator("#search-page-q")).to_have_value("quang ninh")
    expect(page.locator("#search-page-q")).to_be_focused()
    expect(page.locator("#global-search")).to_have_count(0)
    results = page.locator("#search-results")
    expect(results).to_contain_text("Tỉnh Quảng Ninh")
    expect(results).to_contain_text("UBND tỉnh Quảng Ninh")
    # Province units are directory entries for this officer: named, not linked.
    expect(results.get_by_role("link", name="Tỉnh Quảng Ninh")).to_have_count(0)
    no_horizontal_scroll(page)

    # Typing in the search page's own box updates the results in place (htmx), still folded.
    page.locator("#search-page-q").fill("an sinh")
    expect(results.get_by_role("link", name="UBND phường An Sinh")).to_be_visible()
    expect(page).to_have_url(re.compile(r"q=an(\+|%20)sinh"))
    no_horizontal_scroll(page)
    page.screenshot(path=SCREENSHOT, full_page=True)


def test_skip_link_takes_keyboard_users_to_the_content(page: Page, live_server, commune_officer, password):
    page.goto(f"{live_server.url}/account/login/")
    page.locator("#id_username").fill("xa")
    page.locator("#id_password").fill(password)
    page.locator("#id_password").press("Enter")
    expect(page.locator("h1")).to_be_visible()

    page.keyboard.press("Tab")
    skip = page.locator("a.skip")
    expect(skip).to_be_focused()
    expect(skip).to_be_in_viewport()  # hidden off-screen until focused, then shown
    assert has_visible_focus(page)
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"#main$"))
    expect(page.locator("main")).to_be_focused()
