"""Horizontal bar charts of counts as server-rendered SVG geometry for the sharing dashboard (SVC-2):
no JavaScript, no chart library. `catalog/dashboard/_count_chart.html` draws the bars (each a link to the
filtered list) and always the same figures as a table, so the chart is never the only way to read them."""

from __future__ import annotations

from dataclasses import dataclass

WIDTH = 640
LABEL_WIDTH = 170
VALUE_WIDTH = 56
BAR_HEIGHT = 18
GAP = 8
TOP, BOTTOM = 8, 24


@dataclass
class CountBar:
    y: float
    width: float
    label: str
    value: int
    url: str


@dataclass
class CountChart:
    width: int
    height: int
    bars: list[CountBar]
    plot_left: int
    plot_right: int
    ticks: list[tuple[float, str]]
    summary: str
    total: int
    bar_height: int = BAR_HEIGHT


def _ticks(maximum: int) -> list[int]:
    """Gridlines from 0 in steps of 1, 2 or 5 times a power of ten; the last at or above `maximum`."""
    step, magnitude = 1, 1
    while step * 4 < maximum:
        for factor in (1, 2, 5, 10):
            step = factor * magnitude
            if step * 4 >= maximum:
                break
        magnitude *= 10
    ticks = [0]
    while ticks[-1] < max(maximum, 1):
        ticks.append(ticks[-1] + step)
    return ticks


def count_chart(rows, *, summary: str) -> CountChart | None:
    """`rows` are (label, count, url) tuples in display order; None when there is nothing to draw."""
    rows = [(str(label), int(count or 0), url) for label, count, url in rows]
    if not rows:
        return None
    ticks = _ticks(max(count for _label, count, _url in rows))
    scale_max = ticks[-1] or 1
    plot_left, plot_right = LABEL_WIDTH, WIDTH - VALUE_WIDTH
    plot_w = plot_right - plot_left
    bars = [CountBar(y=TOP + index * (BAR_HEIGHT + GAP), width=round(plot_w * count / scale_max, 1),
                     label=label[:24], value=count, url=url)
            for index, (label, count, url) in enumerate(rows)]
    height = TOP + len(rows) * (BAR_HEIGHT + GAP) + BOTTOM
    tick_marks = [(round(plot_left + plot_w * value / scale_max, 1), str(value)) for value in ticks]
    return CountChart(WIDTH, height, bars, plot_left, plot_right, tick_marks, summary,
                      total=sum(count for _label, count, _url in rows))
