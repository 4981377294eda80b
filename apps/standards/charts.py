"""Horizontal bar charts of percentages as server-rendered SVG geometry (STD-5): no JavaScript, no chart
library, no CDN. The template `standards/_bar_chart.html` draws it, with the same figures as a table."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

WIDTH = 640
LABEL_WIDTH = 150
VALUE_WIDTH = 56
BAR_HEIGHT = 18
GAP = 8
TOP, BOTTOM = 8, 24
MAX_BARS = 60  # beyond this the chart stops being readable; the table always has every row


@dataclass
class Bar:
    y: float
    width: float
    label: str
    value_text: str
    detail: str
    empty: bool


@dataclass
class BarChart:
    width: int
    height: int
    bars: list[Bar]
    plot_left: int
    plot_right: int
    ticks: list[tuple[float, str]]
    summary: str
    truncated: int = 0
    bar_height: int = BAR_HEIGHT


def bar_chart(rows, *, summary: str) -> BarChart | None:
    """`rows` are (label, percentage or None, detail) tuples; None when there are no rows."""
    rows = list(rows)
    if not rows:
        return None
    shown, truncated = rows[:MAX_BARS], max(len(rows) - MAX_BARS, 0)
    plot_left, plot_right = LABEL_WIDTH, WIDTH - VALUE_WIDTH
    plot_w = plot_right - plot_left
    bars = []
    for index, (label, value, detail) in enumerate(shown):
        y = TOP + index * (BAR_HEIGHT + GAP)
        share = float(min(max(value, Decimal(0)), Decimal(100))) / 100 if value is not None else 0.0
        bars.append(Bar(y=y, width=round(plot_w * share, 1), label=str(label)[:22],
                        value_text=f"{value}%" if value is not None else "—", detail=str(detail),
                        empty=value is None))
    height = TOP + len(shown) * (BAR_HEIGHT + GAP) + BOTTOM
    ticks = [(round(plot_left + plot_w * p / 100, 1), f"{p}%") for p in (0, 25, 50, 75, 100)]
    return BarChart(WIDTH, height, bars, plot_left, plot_right, ticks, summary, truncated)
