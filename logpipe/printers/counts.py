"""--count-by KEY (without --histogram): selected lines per value of the keys, most first.

    chart (default)  a table: the count, the value of each key, a bar scaled to the width;
                     the top N (--top, default 20), then one line for the rest, the total,
                     and when the counts are approximate, their error bound
    --json           one object per value shown, then a summary
    --csv, --tsv     a header and one row per value shown (--top 0: every value)

Equal counts come in the order of their values (bytes), as `sort | uniq -c | sort -rn`
would give them if it broke ties the same way.
"""
from __future__ import annotations

from ..records import StopSearch
from .chart import bar, cells, counted, delimited, escaped, fitted, padded, wrapped
from .tallying import TallyPrinter

MIN_BAR = 10     # cells kept for the bars
MIN_VALUE = 12   # cells a value column may be cut down to


class CountsPrinter(TallyPrinter):
    """Mode "count-by" (see the module's docstring)."""

    def finish(self) -> None:
        if self.sink.stopped:
            return
        try:
            if self.summary.format == "chart":
                self._chart()
            elif self.summary.format == "json":
                self._json()
            else:
                self._delimited(b"\t" if self.summary.format == "tsv" else b",")
        except StopSearch:
            pass

    def _top(self) -> list[tuple[tuple, int]]:
        return self.tally.values.top(self.summary.top or None)

    def _footer(self, top: list) -> tuple[list[str], str, list[str]]:
        """The lines under the table: the rest (if any), the total, and notes (values
        missing, the error bound). A spreadsheet's rows leave out all but the total."""
        values, unit, names = self.tally.values, self.summary.unit, self.keys.names
        rest_count = values.total - sum(count for _, count in top)
        others = len(values) - len(top)
        rest = []
        if others > 0 or rest_count > 0:
            others = counted(others, "other values") if values.exact else "other values"
            rest.append(f"{counted(rest_count, unit)} in {others}")
        keys = ", ".join(names)
        distinct = counted(len(values), "distinct values") if values.exact else \
            f"more than {values.limit} distinct values"
        notes = []
        if self.tally.without_value:
            notes.append(f"{counted(self.tally.without_value, unit)} without a value for {keys} (not counted)")
        if not values.exact:
            most = max((values.error(value) for value, _ in top), default=0)
            if most:
                notes.append(f"approximate (over {values.limit} distinct values): a count marked ≥ may be up to "
                             f"{most} below the true one, the others are exact (Misra-Gries; see --count-limit)")
            else:
                notes.append(f"over {values.limit} distinct values: the counts shown are exact all the same; a value "
                             f"not kept occurred at most {values.cut} times (Misra-Gries; see --count-limit)")
        return rest, f"{counted(values.total, unit)} counted by {keys}: {distinct}", notes

    def _chart(self) -> None:
        summary, out, paint = self.summary, self._out, self.paint
        top = self._top()
        width = summary.width - 1  # the last column left free: no terminal wraps the line
        rest, total, notes = self._footer(top)
        if not top:  # nothing counted: the total alone
            out(wrapped([total, *notes], width))
            return
        names = [name.encode() for name in self.keys.names]
        values = self.tally.values
        counts = [("≥" if values.error(found) else "") + str(count) for found, count in top]  # ≥: a lower bound
        count_width = max(len("count"), *map(len, counts))
        shown = [[escaped(value) for value in values] for values, _ in top]
        widths = [max([cells(name)] + [cells(row[i]) for row in shown]) for i, name in enumerate(names)]
        room = width - count_width - MIN_BAR - 2 * len(names) - 1
        while sum(widths) > room and max(widths) > MIN_VALUE:  # cut the widest value column first
            widest = widths.index(max(widths))
            widths[widest] = max(MIN_VALUE, widths[widest] - (sum(widths) - room))
        bar_width = max(0, width - count_width - sum(w + 2 for w in widths) - 1)
        head = padded(b"count", count_width, True)
        for name, column in zip(names, widths):
            head += b"  " + padded(fitted(name, column), column)
        out(head.rstrip() + b"\n")
        most = top[0][1] if top else 0
        for (found, count), row, text in zip(top, shown, counts):
            line = padded(text.encode(), count_width, True)
            for value, column in zip(row, widths):
                line += b"  " + padded(fitted(value, column), column)
            drawn = bar(count, most, bar_width).encode()
            if drawn:
                line += b" " + (paint("match", drawn) if self.color else drawn)
            out(line + b"\n")
        out(wrapped([*rest, total, *notes], width))

    def _json(self) -> None:
        import json

        from .json import json_text

        names, values = self.keys.names, self.tally.values
        top = self._top()
        for found, count in top:
            message = {"type": "count", "data": {"key": dict(zip(names, map(json_text, found))), "count": count,
                                                 "error": values.error(found)}}
            self._out(json.dumps(message, separators=(",", ":")).encode() + b"\n")
        data = {"count": values.total, "distinct": len(values) if values.exact else None,
                "other": values.total - sum(count for _, count in top), "without_value": self.tally.without_value,
                "approximate": not values.exact, "not_kept_at_most": values.cut}
        self._out(json.dumps({"type": "summary", "data": data}, separators=(",", ":")).encode() + b"\n")

    def _delimited(self, separator: bytes) -> None:
        values = self.tally.values
        error = [] if values.exact else [b"error"]  # approximate: how far below the true count each may be
        self._out(delimited([b"count", *(name.encode() for name in self.keys.names), *error], separator))
        top = self._top()
        for found, count in top:
            self._out(delimited([b"%d" % count, *found, *([b"%d" % values.error(found)] if error else [])],
                                separator))
        rest, _, notes = self._footer(top)
        for line in rest + notes:
            self.messages.warn("--count-by", line)
