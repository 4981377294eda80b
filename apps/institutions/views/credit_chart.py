"""The credit trend as server-rendered SVG geometry (INS-3): no JavaScript, no chart library, no CDN.

A score holds from one change to the next, so the trend is drawn as steps from the first recorded
change to now. The template draws the SVG from this geometry and a data table for screen readers."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _


def _day(moment) -> str:
    return date_format(timezone.localtime(moment), "Y-m-d")


WIDTH, HEIGHT = 640, 220
LEFT, RIGHT, TOP, BOTTOM = 40, 16, 12, 28


@dataclass
class Point:
    x: float
    y: float
    score: int
    grade: str
    at: datetime.datetime


@dataclass
class Band:
    y: float
    label: str


@dataclass
class TrendChart:
    width: int
    height: int
    path: str
    points: list[Point]
    bands: list[Band]
    axis: list[Band]
    x_labels: list[tuple[float, str]]
    summary: str
    plot_left: int = LEFT
    plot_right: int = WIDTH - RIGHT
    rows: list = field(default_factory=list)


def trend_chart(snapshots, *, grades, low: int, high: int, now: datetime.datetime) -> TrendChart | None:
    """Geometry for `snapshots` (oldest first, each with computed_at, score, grade); None when empty.

    `grades` give the dashed threshold lines; `low`..`high` is the scheme's score range."""
    snapshots = list(snapshots)
    if not snapshots:
        return None
    span = max(high - low, 1)
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    start = snapshots[0].computed_at
    seconds = max((now - start).total_seconds(), 1.0)

    def x_of(moment) -> float:
        return round(LEFT + plot_w * max((moment - start).total_seconds(), 0) / seconds, 1)

    def y_of(score) -> float:
        return round(TOP + plot_h * (high - min(max(score, low), high)) / span, 1)

    points = [Point(x_of(s.computed_at), y_of(s.score), s.score, s.grade, s.computed_at) for s in snapshots]
    if len(points) == 1 and seconds <= 1:
        points[0].x = LEFT + plot_w / 2
    path = [f"M{points[0].x},{points[0].y}"]
    for point in points[1:]:
        path.append(f"H{point.x}V{point.y}")
    path.append(f"H{LEFT + plot_w}")
    bands = [Band(y_of(g.min_score), f"{g.code} ≥ {g.min_score}") for g in grades
             if low < g.min_score <= high]
    axis = [Band(y_of(low), str(low)), Band(y_of(high), str(high))]
    x_labels = [(LEFT, _day(start)), (LEFT + plot_w, _day(now))]
    lowest = min(snapshots, key=lambda s: (s.score, s.computed_at))
    summary = _(
        "Credit score over time: %(first)d (grade %(first_grade)s) on %(start)s, now %(last)d (grade "
        "%(last_grade)s); lowest %(low)d on %(low_date)s; %(changes)d changes recorded."
    ) % {"first": snapshots[0].score, "first_grade": snapshots[0].grade, "start": _day(start),
         "last": snapshots[-1].score, "last_grade": snapshots[-1].grade, "low": lowest.score,
         "low_date": _day(lowest.computed_at), "changes": len(snapshots)}
    return TrendChart(WIDTH, HEIGHT, "".join(path), points, bands, axis, x_labels, summary,
                      rows=list(reversed(snapshots)))
