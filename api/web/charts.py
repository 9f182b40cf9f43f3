"""Inline SVG charts for reports: plain functions of numbers, each with a text alternative.

Charts never stand alone: every chart has a title and description for screen readers, and the page shows
the same figures as a table.
"""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

WIDTH = 640
BAR_HEIGHT = 22
GAP = 8
LABEL_WIDTH = 200


def bar_chart(title: str, rows: Sequence[tuple[str, float | None]], *, chart_id: str) -> str:
    """Horizontal bars of scores from 0 to 100, as SVG markup; a missing score is drawn as 'not assessed'."""
    height = len(rows) * (BAR_HEIGHT + GAP) + 30
    scale = (WIDTH - LABEL_WIDTH - 60) / 100
    described = "; ".join(f"{label}: {'not assessed' if score is None else score}" for label, score in rows)
    parts = [
        f'<svg class="app-chart" role="img" aria-labelledby="{chart_id}-title {chart_id}-desc" '
        f'viewBox="0 0 {WIDTH} {height}" width="100%" xmlns="http://www.w3.org/2000/svg">',
        f'<title id="{chart_id}-title">{escape(title)}</title>',
        f'<desc id="{chart_id}-desc">{escape(described)}</desc>',
    ]
    for index, (label, score) in enumerate(rows):
        y = index * (BAR_HEIGHT + GAP) + 4
        parts.append(
            f'<text x="{LABEL_WIDTH - 8}" y="{y + BAR_HEIGHT - 6}" text-anchor="end" class="app-chart__label">'
            f"{escape(label)}</text>"
        )
        if score is None:
            parts.append(
                f'<text x="{LABEL_WIDTH}" y="{y + BAR_HEIGHT - 6}" class="app-chart__value">not assessed</text>'
            )
            continue
        width = max(1.0, score * scale)
        parts.append(
            f'<rect x="{LABEL_WIDTH}" y="{y}" width="{width:.1f}" height="{BAR_HEIGHT}" class="app-chart__bar"/>'
        )
        parts.append(
            f'<text x="{LABEL_WIDTH + width + 6:.1f}" y="{y + BAR_HEIGHT - 6}" class="app-chart__value">{score}</text>'
        )
    axis_y = len(rows) * (BAR_HEIGHT + GAP) + 18
    for tick in (0, 50, 75, 90, 100):
        x = LABEL_WIDTH + tick * scale
        parts.append(f'<text x="{x:.1f}" y="{axis_y}" text-anchor="middle" class="app-chart__tick">{tick}</text>')
    parts.append("</svg>")
    return "".join(parts)


def line_chart(title: str, points: Sequence[tuple[str, float | None]], *, chart_id: str) -> str:
    """Scores (0-100) across audits, oldest first, as points joined by a line (SVG markup)."""
    height = 220
    left, right, top, bottom = 40, 20, 20, 40
    usable_w, usable_h = WIDTH - left - right, height - top - bottom
    scored = [(label, score) for label, score in points if score is not None]
    described = "; ".join(f"{label}: {score}" for label, score in scored) or "no scored audits"
    parts = [
        f'<svg class="app-chart" role="img" aria-labelledby="{chart_id}-title {chart_id}-desc" '
        f'viewBox="0 0 {WIDTH} {height}" width="100%" xmlns="http://www.w3.org/2000/svg">',
        f'<title id="{chart_id}-title">{escape(title)}</title>',
        f'<desc id="{chart_id}-desc">{escape(described)}</desc>',
    ]
    for tick in (0, 50, 100):
        y = top + usable_h * (1 - tick / 100)
        parts.append(f'<line x1="{left}" x2="{WIDTH - right}" y1="{y:.1f}" y2="{y:.1f}" class="app-chart__grid"/>')
        parts.append(f'<text x="{left - 6}" y="{y + 4:.1f}" text-anchor="end" class="app-chart__tick">{tick}</text>')
    step = usable_w / max(1, len(scored) - 1)
    # Dates would overlap past six audits: then five, evenly spaced, are written (the description has them all).
    last = len(scored) - 1
    labelled = set(range(len(scored))) if len(scored) <= 6 else {round(i * last / 4) for i in range(5)}
    coordinates = []
    for index, (label, score) in enumerate(scored):
        x = left + (index * step if len(scored) > 1 else usable_w / 2)
        y = top + usable_h * (1 - (score or 0) / 100)
        coordinates.append(f"{x:.1f},{y:.1f}")
        parts.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="5" class="app-chart__point"/>')
        if index not in labelled:
            continue
        # The first and last labels sit at the ends of the axis: anchored inwards, they are not cut off.
        anchor = "middle"
        if len(scored) > 1 and index == 0:
            anchor = "start"
        elif len(scored) > 1 and index == len(scored) - 1:
            anchor = "end"
        parts.append(
            f'<text x="{x:.1f}" y="{height - 14}" text-anchor="{anchor}" class="app-chart__tick">{escape(label)}</text>'
        )
    if len(coordinates) > 1:
        parts.append(f'<polyline points="{" ".join(coordinates)}" class="app-chart__line"/>')
    parts.append("</svg>")
    return "".join(parts)
