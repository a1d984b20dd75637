"""grep's bulk path: a block's selected lines as a few records that a printer formats in
bulk, not one `Match` per line (`BlockSearch(runs=True)`, where nothing after grep looks
at each line: plain output, -q).

- dense blocks (-v, a literal on most lines, `-e ''`): `Lines`, one per run of consecutive
  selected lines, cut out of the block whole;
- sparse blocks: one `Hits`, the block and its selected lines' starts and ends, from the
  matcher's reports over the whole block (`Matcher.bounds`); the printer cuts and joins
  them in a few C-level calls (a `Match` and a write per line cost ~1 µs a line more).
"""
from __future__ import annotations

from itertools import accumulate, compress
from typing import TYPE_CHECKING

from ..records import Block, Hits, Lines

if TYPE_CHECKING:
    from .matching import Matcher


def runs_of_lines(matcher: Matcher, block: Block, invert: bool, numbered: bool,
                  hits: bool = False) -> tuple[list, int]:
    """The selected lines of `block` as `Lines` records (one per run of consecutive lines)
    when they are dense, else as one `Hits`; and how many lines they hold. `hits`: as one
    `Hits` when they are dense too (for a stage that reads each line's time, not a printer:
    runs of one or two lines would cost it a record each)."""
    data, name = block.data, block.name
    records, selected = [], 0
    if invert:  # the runs between the matching lines
        pos, number, count = 0, block.line_number, data.count
        for start, end in matcher.lines(data):
            if start > pos:
                lines = count(b"\n", pos, start)
                records.append(Lines(name, number if numbered else 0, block.offset + pos, data[pos:start]))
                selected += lines
                number += lines
            number += 1
            pos = end + 1
        if pos < len(data):
            run = Lines(name, number if numbered else 0, block.offset + pos, data[pos:])
            records.append(run)
            selected += run.count
        return records, selected
    dense = matcher.dense_lines(data)
    if dense is None:  # sparse: the hits, cut out by the printer
        starts, ends = matcher.bounds(data)
        if not starts:
            return [], 0
        return [Hits(name, block.line_number if numbered else 0, block.offset, data, starts, ends)], len(starts)
    lines, found = dense
    total = len(found)
    if hits:
        starts = [0]
        starts += accumulate(map((1).__add__, map(len, lines)))
        selected_lines = list(map((-1).__ne__, found))
        ends = list(compress(map(int.__add__, starts, map(len, lines)), selected_lines))
        starts = list(compress(starts, selected_lines))
        if not starts:
            return [], 0
        return [Hits(name, block.line_number if numbered else 0, block.offset, data, starts, ends)], len(starts)
    if -1 not in found:  # every line
        return [Lines(name, block.line_number if numbered else 0, block.offset, data)], total
    starts = [0]
    starts += accumulate(map((1).__add__, map(len, lines)))
    first, index = 0, found.index
    while first < total:
        while first < total and found[first] < 0:
            first += 1
        if first == total:
            break
        try:
            stop = index(-1, first)
        except ValueError:
            stop = total
        start = starts[first]
        records.append(Lines(name, block.line_number + first if numbered else 0, block.offset + start,
                             data[start:starts[stop]]))
        selected += stop - first
        first = stop
    return records, selected
