"""Charts drawn on the server: SVG text for pages, the same figures drawn natively in DOCX.

One `Chart` value describes a chart (title, categories, one or more series); `render_svg()`
turns it into an SVG string a template can put inline (`{{ svg|safe }}`: every text in it is
escaped here), so pages need no JavaScript and no build step.

Why documents do not get a PNG of the same SVG: nothing already on the machine turns SVG into
PNG. LibreOffice's Writer-only package (`libreoffice-writer-nogui`, the one we install for PDF)
answers "no export filter" for SVG → PNG — that needs Draw, hundreds of MB more — and a DOCX
must be buildable where LibreOffice is not installed at all. matplotlib or CairoSVG would add
heavy dependencies for a few bars, and a home-made PNG rasteriser could not draw Vietnamese
labels without shipping a font renderer. So `builder.render_docx()` draws each chart with
Word's own means: a table of the figures whose bar column holds shaded paragraphs as long as
the values (see `bar_fractions()`), in the document's own font, sharp at any zoom, readable by
screen readers and editable by the person who receives the file. A line chart (a trend over
periods) is drawn as bars there too: the figures are the same, only the drawing differs.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from html import escape

from phoihop.documents.formatting import format_number

Number = int | float | Decimal

# Colours that stay apart in grey-scale print and for the common colour-vision deficiencies
# (blue, orange, green, purple, brown, grey).
PALETTE = ("1F5FA8", "E07B00", "2E8B57", "7B4FA0", "8C564B", "6B6B6B")


@dataclass(frozen=True)
class Series:
    name: str
    values: Sequence[Number | None]  # one per category; None = no figure (not drawn, not zero)


@dataclass(frozen=True)
class Chart:
    """A bar or line chart of one or more series over the same categories."""

    title: str
    categories: Sequence[str]
    series: Sequence[Series]
    kind: str = "bar"  # "bar" (grouped) or "line"
    unit: str = ""  # unit of measure shown beside the title, e.g. "hộ", "%"
    decimals: int | None = None  # digits after the decimal comma in labels; None: as the value has

    def __post_init__(self) -> None:
        if self.kind not in ("bar", "line"):
            raise ValueError(f"unknown chart kind {self.kind!r}")
        for serie in self.series:
            if len(serie.values) != len(self.categories):
                raise ValueError(
                    f"series {serie.name!r} has {len(serie.values)} values for {len(self.categories)} categories"
                )

    @property
    def heading(self) -> str:
        return f"{self.title} ({self.unit})" if self.unit else self.title

    def values(self) -> list[float]:
        return [float(v) for s in self.series for v in s.values if v is not None]


def colour(index: int) -> str:
    return PALETTE[index % len(PALETTE)]


# --- scale ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Scale:
    low: float
    high: float
    step: float

    def ticks(self) -> list[float]:
        count = round((self.high - self.low) / self.step)
        return [self.low + i * self.step for i in range(count + 1)]

    def fraction(self, value: float) -> float:
        return (value - self.low) / (self.high - self.low)


def nice_scale(values: Sequence[float], *, target_ticks: int = 5) -> Scale:
    """Return an axis from a round number to a round number (steps of 1, 2 or 5 × 10^k), always including 0.

    Bars start at zero; an axis that did not show zero would make small differences look large.
    """
    low = min([0.0, *values])
    high = max([0.0, *values])
    if high == low:
        high = low + 1
    raw = (high - low) / target_ticks
    magnitude = 10 ** math.floor(math.log10(raw))
    step = next(m * magnitude for m in (1, 2, 5, 10) if m * magnitude >= raw)
    return Scale(math.floor(low / step) * step, math.ceil(high / step) * step, step)


def bar_fractions(chart: Chart) -> list[list[float | None]]:
    """Return, per category and series, the bar's length as a fraction of the longest (0..1).

    The DOCX drawing uses these; negative values are drawn as empty bars (their figure is still
    printed beside them), since a document bar cannot point left.
    """
    top = max([abs(v) for v in chart.values()] or [0.0]) or 1.0
    return [
        [None if s.values[i] is None else max(0.0, float(s.values[i]) / top) for s in chart.series]
        for i in range(len(chart.categories))
    ]


# --- SVG --------------------------------------------------------------------------------------------

_WIDTH = 720
_PLOT_LEFT = 64
_PLOT_RIGHT = 16
_PLOT_TOP = 44
_PLOT_HEIGHT = 240
_LABEL_LINE = 14


def _wrap(text: str, width: int) -> list[str]:
    """Split a category label into at most three lines of about `width` characters."""
    words, lines, line = text.split(), [], ""
    for word in words:
        if line and len(line) + 1 + len(word) > width:
            lines.append(line)
            line = word
        else:
            line = f"{line} {word}".strip()
    if line:
        lines.append(line)
    if len(lines) > 3:
        lines = [*lines[:2], lines[2] + "…"]
    return lines or [""]


def render_svg(chart: Chart, *, dom_id: str | None = None) -> str:
    """Return the chart as a self-contained SVG element (escaped, accessible, scales to its box).

    `dom_id` prefixes the ids its title and description are referenced by; by default it is
    derived from the chart's content, so two different charts on one page never share ids.
    """
    if dom_id is None:
        digest = hashlib.sha1(repr((chart.heading, tuple(chart.categories))).encode(), usedforsecurity=False)
        dom_id = "chart-" + digest.hexdigest()[:8]
    n = max(len(chart.categories), 1)
    plot_width = _WIDTH - _PLOT_LEFT - _PLOT_RIGHT
    slot = plot_width / n
    label_chars = max(6, int(slot / 6.5))
    labels = [_wrap(c, label_chars) for c in chart.categories]
    label_lines = max((len(lines) for lines in labels), default=1)
    legend_top = _PLOT_TOP + _PLOT_HEIGHT + 10 + label_lines * _LABEL_LINE + 8
    # The legend wraps onto further rows: in one row, the dashboard's five long series names ran past the
    # right edge of the drawing and the last ones were cut off.
    legend: list[tuple[int, int]] = []
    lx, row = _PLOT_LEFT, 0
    for serie in chart.series if len(chart.series) > 1 else []:
        item_width = 40 + int(len(serie.name) * 7)
        if lx > _PLOT_LEFT and lx + item_width - 20 > _WIDTH:
            lx, row = _PLOT_LEFT, row + 1
        legend.append((lx, legend_top + row * 20))
        lx += item_width
    height = legend_top + (row * 20 + 24 if legend else 0) + 6
    scale = nice_scale(chart.values())

    def y(value: float) -> float:
        return _PLOT_TOP + _PLOT_HEIGHT * (1 - scale.fraction(value))

    summary = "; ".join(
        f"{s.name}: "
        + ", ".join(f"{c} {format_number(v, chart.decimals)}" for c, v in zip(chart.categories, s.values, strict=True))
        for s in chart.series
    )
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" viewBox="0 0 {_WIDTH} {height}" '
        f'width="100%" role="img" aria-labelledby="{dom_id}-title {dom_id}-desc" '
        f'font-family="system-ui, sans-serif" font-size="12">',
        f'<title id="{dom_id}-title">{escape(chart.heading)}</title>',
        f'<desc id="{dom_id}-desc">{escape(summary)}</desc>',
        f'<text x="{_WIDTH / 2:.0f}" y="22" text-anchor="middle" font-size="15" font-weight="bold">'
        f"{escape(chart.heading)}</text>",
    ]
    for tick in scale.ticks():
        ty = y(tick)
        out.append(
            f'<line x1="{_PLOT_LEFT}" x2="{_WIDTH - _PLOT_RIGHT}" y1="{ty:.1f}" y2="{ty:.1f}" '
            f'stroke="{"#444" if tick == 0 else "#ddd"}"/>'
        )
        out.append(
            f'<text x="{_PLOT_LEFT - 6}" y="{ty + 4:.1f}" text-anchor="end" fill="#444">'
            f"{escape(format_number(tick, None))}</text>"
        )
    zero = y(0)
    if chart.kind == "bar":
        group = slot * 0.8
        bar = group / max(len(chart.series), 1)
        for si, serie in enumerate(chart.series):
            for ci, value in enumerate(serie.values):
                if value is None:
                    continue
                x = _PLOT_LEFT + ci * slot + (slot - group) / 2 + si * bar
                top, bottom = sorted((y(float(value)), zero))
                label = escape(f"{serie.name}, {chart.categories[ci]}: {format_number(value, chart.decimals)}")
                out.append(
                    f'<rect x="{x:.1f}" y="{top:.1f}" width="{bar * 0.92:.1f}" height="{max(bottom - top, 0.5):.1f}" '
                    f'fill="#{colour(si)}"><title>{label}</title></rect>'
                )
                if bar >= 18:
                    out.append(
                        f'<text x="{x + bar * 0.46:.1f}" y="{top - 4:.1f}" text-anchor="middle" font-size="10">'
                        f"{escape(format_number(value, chart.decimals))}</text>"
                    )
    else:
        for si, serie in enumerate(chart.series):
            points = [
                (_PLOT_LEFT + (ci + 0.5) * slot, y(float(v)), v) for ci, v in enumerate(serie.values) if v is not None
            ]
            path = " ".join(f"{px:.1f},{py:.1f}" for px, py, _ in points)
            out.append(f'<polyline points="{path}" fill="none" stroke="#{colour(si)}" stroke-width="2.5"/>')
            for (px, py, v), ci in zip(points, [i for i, v in enumerate(serie.values) if v is not None], strict=True):
                label = escape(f"{serie.name}, {chart.categories[ci]}: {format_number(v, chart.decimals)}")
                out.append(
                    f'<circle cx="{px:.1f}" cy="{py:.1f}" r="4" fill="#{colour(si)}"><title>{label}</title></circle>'
                )
    label_top = _PLOT_TOP + _PLOT_HEIGHT + 10 + 10
    for ci, lines in enumerate(labels):
        cx = _PLOT_LEFT + (ci + 0.5) * slot
        for li, line in enumerate(lines):
            out.append(
                f'<text x="{cx:.1f}" y="{label_top + li * _LABEL_LINE}" text-anchor="middle">{escape(line)}</text>'
            )
    for si, (serie, (lx, ly)) in enumerate(zip(chart.series, legend, strict=False)):
        out.append(f'<rect x="{lx}" y="{ly}" width="12" height="12" fill="#{colour(si)}"/>')
        out.append(f'<text x="{lx + 17}" y="{ly + 11}">{escape(serie.name)}</text>')
    out.append("</svg>")
    return "\n".join(out)
