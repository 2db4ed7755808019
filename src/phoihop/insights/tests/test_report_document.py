"""The interim review of Regulation 194 generated from the demo data, read back with python-docx.

"Done when" #1 of issue 7: the Decree 30 format (fonts, sizes, margins, header lines, "Số:",
the date line, "Nơi nhận:") and the figures of section I equal to what the modules' selectors
return for the same records. The demo is loaded once for the module (as of 20/10/2025, as the
reporting demo's tests do), inside a transaction rolled back at the end; each test runs in a
savepoint of it.
"""

from __future__ import annotations

import datetime as dt
import io
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.test import override_settings
from django.utils import translation
from django.utils.translation import gettext
from docx import Document
from docx.shared import Emu, Pt
from docx.text.paragraph import Paragraph as DocxParagraph

from phoihop.agreements import selectors as agreement_selectors
from phoihop.agreements.demo import load_agreements
from phoihop.agreements.models import Agreement
from phoihop.demo.personas import load_personas
from phoihop.demo.quang_ninh import load_structure
from phoihop.insights import report_services
from phoihop.insights.report import build_review_document, identifier_of, report_identifier
from phoihop.insights.report_figures import review_figures
from phoihop.orgs.models import Unit, User
from phoihop.reporting import selectors as reporting_selectors
from phoihop.reporting.demo import load_reporting
from phoihop.reporting.models import ReportForm

VN = ZoneInfo("Asia/Ho_Chi_Minh")
TODAY = dt.date(2025, 10, 20)
FROM, TO = dt.date(2021, 11, 30), dt.date(2024, 5, 31)


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker):
    with (
        django_db_blocker.unblock(),
        override_settings(DEMO=True),
        time_machine.travel(dt.datetime(TODAY.year, TODAY.month, TODAY.day, 9, 0, tzinfo=VN), tick=False),
        transaction.atomic(),
    ):
        load_structure()
        load_personas()
        load_agreements()
        load_reporting()
        yield
        transaction.set_rollback(True)


@pytest.fixture
def loaded(demo, db, time_machine):
    time_machine.move_to(dt.datetime(TODAY.year, TODAY.month, TODAY.day, 9, 0, tzinfo=VN), tick=False)


def person(username: str) -> User:
    return User.objects.get(username=username)


def unit(code: str) -> Unit:
    return Unit.objects.get(code=code, valid_to__isnull=True)


def regulation() -> Agreement:
    return Agreement.objects.get(number="194/QCPH")


@pytest.fixture
def interim(loaded):
    return Document(
        io.BytesIO(build_review_document(agreement=regulation(), date_from=FROM, date_to=TO, user=person("admin")))
    )


def cells(table) -> list[list[str]]:
    return [[cell.text for cell in row.cells] for row in table.rows]


def table_after(docx, caption: str):
    """The first table after the paragraph `caption` (tables and paragraphs in body order)."""
    with translation.override(settings.LANGUAGE_CODE):
        caption = gettext(caption)  # the document is in the installation's language
    seen, index = False, -1
    for element in docx.element.body.iterchildren():
        if element.tag.endswith("}tbl"):
            index += 1
            if seen:
                return docx.tables[index]
        elif element.tag.endswith("}p") and DocxParagraph(element, docx).text == caption:
            seen = True
    raise AssertionError(f"no table after {caption!r}")


def percent(c) -> str:
    return "-" if c.on_time_rate is None else f"{c.on_time_rate * 100:.1f}".replace(".", ",")


# --- the format ----------------------------------------------------------------------------------


def test_interim_review_has_the_decree_30_page_fonts_and_header(interim):
    section = interim.sections[0]
    assert round(Emu(section.page_width).cm, 1) == 21.0 and round(Emu(section.page_height).cm, 1) == 29.7
    assert round(Emu(section.top_margin).cm, 1) == 2.0 and round(Emu(section.left_margin).cm, 1) == 3.0
    assert round(Emu(section.right_margin).cm, 1) == 1.5
    normal = interim.styles["Normal"]
    assert normal.font.name == "Times New Roman" and normal.font.size == Pt(14)
    header = cells(interim.tables[0])
    left, right = header[0]
    assert "ỦY BAN MẶT TRẬN TỔ QUỐC VIỆT NAM TỈNH QUẢNG NINH" in left
    assert right.startswith("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM") and "Độc lập - Tự do - Hạnh phúc" in right
    # A draft: the number is left blank for the register, the day and month for the signer.
    assert header[1][0] == "Số:      /BC-MTTQ"
    assert header[1][1] == "Quảng Ninh, ngày      tháng      năm 2025"
    national = interim.tables[0].rows[0].cells[1].paragraphs[0].runs[0]
    assert national.bold and national.font.size == Pt(13)
    date_run = interim.tables[0].rows[1].cells[1].paragraphs[0].runs[0]
    assert date_run.italic
    texts = [p.text for p in interim.paragraphs]
    assert "BÁO CÁO" in texts
    assert any("194/QCPH" in t and "30/11/2021" in t and "31/05/2024" in t for t in texts)
    closing = cells(interim.tables[-1])[0][0]
    assert closing.startswith("Nơi nhận:") and "Ủy ban nhân dân tỉnh Quảng Ninh" in closing
    assert closing.rstrip().endswith("- Lưu: VT.")
    # The identifier an upload is checked against.
    assert identifier_of(
        build_review_document(agreement=regulation(), date_from=FROM, date_to=TO, user=person("admin"))
    ) == report_identifier(None)


def test_headings_of_the_five_sections_and_the_annex_are_numbered_in_order(interim):
    headings = [p.text for p in interim.paragraphs if p.style.name == "Heading 1"]
    assert [h.split(".", 1)[0] for h in headings[:5]] == ["I", "II", "III", "IV", "V"]
    assert len(headings) == 6  # I–V and the annex (not numbered)


# --- the figures equal the selectors' -----------------------------------------------------------


def test_section_one_duties_by_area_equal_the_agreements_selector(loaded, interim):
    admin, agreement = person("admin"), regulation()
    total = agreement_selectors.compliance(user=admin, agreement=agreement, date_from=FROM, date_to=TO, today=TODAY)
    assert total.due > 50  # the demo's two and a half years
    rows = cells(table_after(interim, "Duties met by content area"))
    assert rows[-1][1:5] == [str(total.due), str(total.done_on_time), str(total.done_late), str(total.overdue_open)]
    assert rows[-1][5] == percent(total)
    for name, *figures in rows[1:-1]:
        area = agreement.areas.get(name=name) if agreement.areas.filter(name=name).exists() else None
        area = area or agreement.obligations.filter(area__name=name).first().area
        c = agreement_selectors.compliance(
            user=admin, agreement=agreement, area=area, date_from=FROM, date_to=TO, today=TODAY
        )
        assert figures == [str(c.due), str(c.done_on_time), str(c.done_late), str(c.overdue_open), percent(c)], name


def test_section_one_reports_equal_the_reporting_rates_of_each_period(loaded, interim):
    form = ReportForm.objects.get(obligation__agreement=regulation())
    figures = review_figures(agreement=regulation(), date_from=FROM, date_to=TO, user=person("admin"), today=TODAY)
    periods = figures.reports[0].periods
    assert periods and all(FROM <= p.end <= TO for p in periods)
    rates = [reporting_selectors.reporting_rates(form=form, period_id=p, unit=unit("22")) for p in periods]
    expected, submitted, on_time = (sum(getattr(r, k) for r in rates) for k in ("expected", "submitted", "on_time"))
    row = cells(table_after(interim, "Reports submitted"))[1]
    assert row[:4] == [form.name, str(expected), str(submitted), str(on_time)]


def test_annex_has_each_owing_unit_with_its_selector_figures(loaded, interim):
    admin, agreement = person("admin"), regulation()
    annex = cells(interim.tables[-2])
    by_name = {row[1]: row[2:7] for row in annex[1:-1]}
    for code in ("22-UBND", "22-SONV", "22-MTTQ", "22-HLHPN"):
        c = agreement_selectors.compliance(
            user=admin, agreement=agreement, unit=unit(code), date_from=FROM, date_to=TO, today=TODAY
        )
        assert by_name[unit(code).name] == [
            str(c.due),
            str(c.done_on_time),
            str(c.done_late),
            str(c.overdue_open),
            percent(c),
        ]


def test_section_two_names_every_overdue_duty_of_the_period(loaded, interim):
    overdue = agreement_selectors.occurrence_list(
        user=person("admin"), agreement=regulation(), status="overdue", date_from=FROM, date_to=TO, today=TODAY
    )
    texts = [p.text for p in interim.paragraphs]
    start = texts.index(next(t for t in texts if t.startswith("II.")))
    listed = [t for t in texts[start:] if t.startswith("- ") and t.endswith(";")]
    assert overdue.count() and len(listed) == min(overdue.count(), 15)
    first = overdue.first()
    assert any(first.obligation.title in t and first.due_on.strftime("%d/%m/%Y") in t for t in listed)


# --- bad input and the empty period --------------------------------------------------------------


def test_a_period_outside_the_agreement_is_refused_with_a_clear_message(loaded):
    with pytest.raises(ValidationError) as error:
        report_services.review_report_generate(
            actor=person("mttq"),
            agreement=regulation(),
            kind="interim",
            date_from=dt.date(2021, 1, 1),
            date_to=dt.date(2026, 6, 30),
        )
    assert "30/11/2021" in error.value.message_dict["date_from"][0]
    assert "31/12/2025" in error.value.message_dict["date_to"][0]


def test_a_period_with_no_data_gives_a_report_that_says_so(loaded):
    day = dt.date(2021, 11, 30)
    data = build_review_document(agreement=regulation(), date_from=day, date_to=day, user=person("admin"))
    texts = [p.text for p in Document(io.BytesIO(data)).paragraphs]
    # The document is Vietnamese whatever the reader's language: compare with the catalogue's words.
    with translation.override("vi"):
        nothing = gettext(
            "No duty, task, report, recommendation or critique fell due in this period: the data holds "
            "nothing to review yet."
        )
        no_duty = gettext("No duty fell due in the period.")
    assert nothing in texts
    assert no_duty in texts
