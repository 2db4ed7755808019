"""Server-side SVG charts and the Vietnamese number form."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from decimal import Decimal

import pytest

from phoihop.documents.charts import Chart, Series, bar_fractions, nice_scale, render_svg
from phoihop.documents.formatting import format_number

SVG = "{http://www.w3.org/2000/svg}"


def chart(kind="bar", **extra):
    return Chart(
        title="Nhà Đại đoàn kết <2026>",
        categories=["Phường Hạ Long", "Xã Cô Tô", "Đặc khu Vân Đồn"],
        series=[Series("Khởi công", [40, 10, 25]), Series("Bàn giao", [20, None, 25])],
        kind=kind,
        unit="căn",
        **extra,
    )


def test_bar_chart_is_valid_accessible_svg_with_one_bar_per_figure():
    svg = render_svg(chart())
    root = ET.fromstring(svg)  # noqa: S314  (our own SVG) well-formed: the "<2026>" in the title was escaped
    assert root.get("role") == "img"
    assert root.find(f"{SVG}title").text == "Nhà Đại đoàn kết <2026> (căn)"
    bars = [r for r in root.iter(f"{SVG}rect") if r.find(f"{SVG}title") is not None]
    assert len(bars) == 5  # six figures, one missing
    assert "Bàn giao, Phường Hạ Long: 20" in [b.find(f"{SVG}title").text for b in bars]
    # A bar twice the figure is twice as tall.
    heights = {b.find(f"{SVG}title").text: float(b.get("height")) for b in bars}
    assert heights["Khởi công, Phường Hạ Long: 40"] == pytest.approx(2 * heights["Bàn giao, Phường Hạ Long: 20"])
    assert "Đặc khu Vân Đồn" in svg


def test_two_charts_on_one_page_do_not_share_ids():
    other = Chart(title="Khác", categories=["a"], series=[Series("s", [1])])
    ids = [ET.fromstring(render_svg(c)).find(f"{SVG}title").get("id") for c in (chart(), other)]  # noqa: S314
    assert ids[0] != ids[1]
    assert 'aria-labelledby="page-title page-desc"' in render_svg(other, dom_id="page")


def test_a_long_legend_wraps_inside_the_drawing():
    names = [
        "Nội dung phối hợp thực hiện đúng hạn",
        "Nhiệm vụ hoàn thành đúng hạn",
        "Báo cáo nộp đúng hạn",
        "Kiến nghị được trả lời đúng hạn",
        "Văn bản phản biện được tiếp thu, giải trình đúng hạn",
    ]
    long = Chart(title="Xu hướng", categories=["2024", "2025"], series=[Series(n, [1, 2]) for n in names], kind="line")
    root = ET.fromstring(render_svg(long))  # noqa: S314  (our own SVG)
    width, height = (float(v) for v in root.get("viewBox").split()[2:])
    legend = [t for t in root.iter(f"{SVG}text") if t.text in names]
    assert sorted(t.text for t in legend) == sorted(names)
    for text in legend:
        # Each name starts inside the drawing and, at 7 units a character, ends inside it too.
        assert float(text.get("x")) + len(text.text) * 7 <= width
        assert float(text.get("y")) <= height
    assert len({t.get("y") for t in legend}) > 1


def test_line_chart_draws_a_line_per_series():
    root = ET.fromstring(render_svg(chart(kind="line")))  # noqa: S314  (our own SVG)
    assert len(list(root.iter(f"{SVG}polyline"))) == 2
    assert len(list(root.iter(f"{SVG}circle"))) == 5


def test_series_must_match_the_categories():
    with pytest.raises(ValueError, match="has 1 values for 2 categories"):
        Chart(title="x", categories=["a", "b"], series=[Series("s", [1])])


def test_axis_runs_from_zero_to_a_round_number():
    scale = nice_scale([40, 10, 25])
    assert (scale.low, scale.high, scale.step) == (0, 40, 10)
    assert nice_scale([0.3]).high == pytest.approx(0.3)
    assert nice_scale([]).high == 1
    assert nice_scale([-15, 30]).low == -20


def test_bar_fractions_are_relative_to_the_largest_figure():
    assert bar_fractions(chart()) == [[1.0, 0.5], [0.25, None], [0.625, 0.625]]


@pytest.mark.parametrize(
    ("value", "decimals", "text"),
    [
        (1234567, None, "1.234.567"),
        (1234567.5, None, "1.234.567,5"),
        (87.5, 1, "87,5"),
        (100, 1, "100,0"),
        (Decimal("12.30"), None, "12,30"),
        (0.333333, None, "0,33"),
        (-4500, None, "-4.500"),
        (None, None, ""),
    ],
)
def test_numbers_are_written_the_vietnamese_way(value, decimals, text):
    assert format_number(value, decimals) == text
