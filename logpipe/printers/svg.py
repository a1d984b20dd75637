"""--plot FILE.svg: the histogram as a picture, plain SVG written here.

A bar per bucket (empty buckets leave their gap), a y axis of round counts with grid
lines, the buckets' start times under the x axis (every few, slanted so they never
overlap), a title; with --count-by the bars are stacked by the top values (at most 8,
and "other"), with a legend. No plotting library: matplotlib would bring NumPy and a
font stack to every user for a picture made of rectangles and text, and SVG opens in
every browser and pastes into issues and wikis as it is.
"""
from __future__ import annotations

import math

from ..summaries.rows import HistogramRows
from .chart import value_text

WIDTH, HEIGHT = 960, 420
LEFT, RIGHT, TOP, BOTTOM = 72, 24, 60, 96
LABELS = 16           # start times shown under the axis, at most
COLOURS = ("#4e79a7", "#f28e2b", "#59a14f", "#e15759", "#76b7b2", "#edc948", "#b07aa1", "#ff9da7")
OTHER = "#bab0ac"
FONT = 'font-family="DejaVu Sans, Verdana, sans-serif"'


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")


def nice_step(most: int, ticks: int = 5) -> int:
    """A round step (1, 2 or 5 times a power of ten) giving about `ticks` ticks up to `most`."""
    if most <= ticks:
        return 1
    raw = most / ticks
    power = 10 ** math.floor(math.log10(raw))
    for factor in (1, 2, 5, 10):
        if factor * power >= raw:
            return int(factor * power)
    return int(10 * power)


def histogram_svg(rows: HistogramRows, title: str, unit: str, zone: str, names: tuple = ()) -> bytes:
    rows_list = list(rows)
    count = max(1, len(rows_list))
    most = max((row.count for row in rows_list), default=0)
    step = nice_step(most)
    top = max(step, step * math.ceil(most / step)) if most else 1
    width, height = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    slot = width / count
    gap = slot * 0.12 if slot >= 4 else 0.0
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{HEIGHT}" '
           f'viewBox="0 0 {WIDTH} {HEIGHT}" {FONT} font-size="12">',
           f'<rect width="{WIDTH}" height="{HEIGHT}" fill="white"/>',
           f'<text x="{WIDTH / 2:.1f}" y="24" text-anchor="middle" font-size="15">'
           f'{_escape(f"{unit} per {rows.size}" + (f": {title}" if title else ""))}</text>']
    for tick in range(0, top + 1, step):  # the y axis: round counts, grid lines
        y = TOP + height - height * tick / top
        out.append(f'<line x1="{LEFT}" y1="{y:.1f}" x2="{LEFT + width}" y2="{y:.1f}" stroke="#e0e0e0"/>')
        out.append(f'<text x="{LEFT - 6}" y="{y + 4:.1f}" text-anchor="end">{tick}</text>')
    out.append(f'<text transform="translate(16 {TOP + height / 2:.1f}) rotate(-90)" text-anchor="middle">'
               f'{_escape(unit)}</text>')
    colours = [*COLOURS[:len(rows.values)], OTHER] if rows.values else [COLOURS[0]]
    for index, row in enumerate(rows_list):  # the bars, stacked by value with --count-by
        x = LEFT + index * slot + gap / 2
        parts = [*row.cells, row.other] if rows.values else [row.count]
        base = TOP + height
        for part, colour in zip(parts, colours):
            if part <= 0:
                continue
            tall = height * part / top
            base -= tall
            out.append(f'<rect x="{x:.2f}" y="{base:.2f}" width="{max(slot - gap, 0.5):.2f}" height="{tall:.2f}" '
                       f'fill="{colour}"><title>{_escape(rows.label(row.start))}: {part}</title></rect>')
    every = max(1, math.ceil(count / LABELS))
    offsets = rows.with_offsets()
    for index in range(0, len(rows_list), every):  # the x axis: start times, slanted
        x = LEFT + (index + 0.5) * slot
        y = TOP + height + 12
        out.append(f'<line x1="{x:.1f}" y1="{TOP + height}" x2="{x:.1f}" y2="{TOP + height + 4}" stroke="#444"/>')
        out.append(f'<text transform="translate({x:.1f} {y}) rotate(-35)" text-anchor="end" font-size="11">'
                   f'{_escape(rows.label(rows_list[index].start, offsets))}</text>')
    out.append(f'<line x1="{LEFT}" y1="{TOP + height}" x2="{LEFT + width}" y2="{TOP + height}" stroke="#444"/>')
    out.append(f'<line x1="{LEFT}" y1="{TOP}" x2="{LEFT}" y2="{TOP + height}" stroke="#444"/>')
    out.append(f'<text x="{LEFT + width / 2:.1f}" y="{HEIGHT - 8}" text-anchor="middle">'
               f'bucket start ({_escape(zone)})</text>')
    if rows.values:  # the legend, between the title and the bars
        entries = [value_text(value).decode("utf-8", "replace") for value in rows.values] + ["other"]
        heading = f"by {', '.join(names)}:"
        out.append(f'<text x="{LEFT}" y="{TOP - 17}" font-size="11">{_escape(heading)}</text>')
        x = LEFT + 12 + 6 * len(heading)
        for entry, colour in zip(entries, colours):
            out.append(f'<rect x="{x}" y="{TOP - 26}" width="10" height="10" fill="{colour}"/>')
            shown = entry if len(entry) <= 24 else entry[:23] + "…"
            out.append(f'<text x="{x + 14}" y="{TOP - 17}" font-size="11">{_escape(shown)}</text>')
            x += 24 + 7 * len(shown)
    out.append("</svg>")
    return ("\n".join(out) + "\n").encode("utf-8")
