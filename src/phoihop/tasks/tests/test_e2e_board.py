"""End to end in headless Chromium on a 360-px phone: the 2025 coordination plan as a board and
as a list, opened by the provincial UBND officer, who moves a card on the board."""

from __future__ import annotations

import datetime as dt
import re
import tempfile
from pathlib import Path

import pytest
from django.utils import translation
from playwright.sync_api import Page, expect

# The browser fixtures of the project (system Chromium, a 360-px phone, Vietnamese).
from phoihop.core.tests.e2e.conftest import browser_context_args, browser_type_launch_args  # noqa: F401
from phoihop.tasks import services
from phoihop.tasks.models import Plan, Task
from phoihop.tasks.tests import makers

pytestmark = pytest.mark.e2e

# Left behind for a person to look at: the list, the board and a task page on a phone.
SCREENSHOTS = Path(tempfile.gettempdir())

people = makers.people


def vi(text: str) -> str:
    with translation.override("vi"):
        return translation.gettext(text)


def no_horizontal_scroll(page: Page) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 360, f"{page.url} is {width}px wide on a 360px screen"


@pytest.fixture
def plan_2025(tree, people):
    plan = services.plan_create(
        actor=people["ubnd"],
        owner_unit=tree["ubnd"],
        title="Chương trình phối hợp năm 2025 thực hiện Quy chế 194",
        year=2025,
        kind=Plan.Kind.PROGRAMME,
    )
    done = makers.make_task(
        actor=people["ubnd"],
        plan=plan,
        lead_unit=tree["mttq"],
        cooperating_units=[tree["hlhpn"]],
        title="Ngày hội Đại đoàn kết toàn dân tộc",
        due_date=dt.date(2025, 11, 18),
    )
    services.task_submit(actor=people["mttq"], task=done)
    services.task_confirm(actor=people["ubnd"], task=done)
    makers.make_task(
        actor=people["ubnd"],
        plan=plan,
        lead_unit=tree["ubnd"],
        cooperating_units=[tree["mttq"], tree["commune_ubnd"]],
        title="Thông báo tình hình kinh tế - xã hội 6 tháng",
        due_date=dt.date(2025, 7, 15),
    )
    return plan


def test_the_2025_plan_as_a_board_and_a_list_on_a_phone(page: Page, live_server, people, plan_2025, password):
    page.goto(f"{live_server.url}/account/login/")
    page.locator("#id_username").fill("ubnd")
    page.locator("#id_password").fill(password)
    page.locator("#id_password").press("Enter")
    expect(page.locator("h1")).to_be_visible()

    # The menu leads to the tasks; from there to the plans of 2025.
    page.locator("details.menu > summary").click()
    page.locator("details.menu nav a[href='/tasks/']").click()
    expect(page).to_have_url(re.compile(r"/tasks/$"))
    no_horizontal_scroll(page)
    page.goto(f"{live_server.url}/tasks/plans/?year=2025")
    page.get_by_role("link", name=plan_2025.title).click()

    # The list: both tasks, the overdue one marked in words, not only in colour.
    expect(page.locator("h1")).to_have_text(plan_2025.title)
    rows = page.locator("#task-rows")
    expect(rows).to_contain_text("Ngày hội Đại đoàn kết toàn dân tộc")
    expect(rows).to_contain_text("Thông báo tình hình kinh tế - xã hội 6 tháng")
    expect(rows.locator(".ts-overdue")).to_contain_text(vi("Overdue"))
    no_horizontal_scroll(page)
    page.screenshot(path=str(SCREENSHOTS / "e2e-tasks-list-360.png"), full_page=True)

    # The board: a column per status, stacked on a phone.
    page.get_by_role("link", name=vi("Board")).click()
    expect(page).to_have_url(re.compile(r"/board/$"))
    confirmed = page.locator("section.board-column", has=page.locator("#col-confirmed"))
    expect(confirmed).to_contain_text("Ngày hội Đại đoàn kết toàn dân tộc")
    card = page.locator(".board-card", has_text="Thông báo tình hình kinh tế")
    expect(card).to_be_visible()
    no_horizontal_scroll(page)

    # Move the card with the keyboard: pick "Start" and press the button; htmx swaps the board.
    card.locator("select[name=action]").select_option("start")
    card.get_by_role("button", name=vi("Move")).press("Enter")
    in_progress = page.locator("section.board-column", has=page.locator("#col-in_progress"))
    expect(in_progress).to_contain_text("Thông báo tình hình kinh tế")
    expect(page.locator("#messages")).to_contain_text(vi("The task was started."))
    assert Task.objects.get(title__startswith="Thông báo").status == Task.Status.IN_PROGRESS
    no_horizontal_scroll(page)
    page.screenshot(path=str(SCREENSHOTS / "e2e-tasks-board-360.png"), full_page=True)

    # The task page of the moved card, on the phone too.
    in_progress.get_by_role("link", name=re.compile("Thông báo tình hình")).click()
    expect(page.locator("h1")).to_contain_text("Thông báo tình hình kinh tế")
    no_horizontal_scroll(page)
    page.screenshot(path=str(SCREENSHOTS / "e2e-tasks-task-360.png"), full_page=True)
