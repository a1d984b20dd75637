"""--histogram: selected lines per time bucket, drawn at the end of the search.

    chart (default)  one row per bucket, empty ones too: its start, its count and a bar of
                     eighth blocks scaled to the terminal's width; with --count-by, a
                     column per top value (as many as fit) and one for the rest
    --json           one object per bucket, then a summary
    --csv, --tsv     a header and one row per bucket, for a spreadsheet
    --plot FILE.svg  the same histogram as a picture (`svg.py`), beside any of these

Lines without a timestamp are counted apart: one line under the chart, the summary's
`without_timestamp` in JSON, a line on stderr with CSV/TSV.
"""
from __future__ import annotations

from ..messages import describe
from ..records import StopSearch
from ..summaries.rows import HistogramRows
from .chart import bar, cells, counted, delimited, escaped, fitted, padded, value_text, wrapped
from .tallying import TallyPrinter

MIN_BAR = 10        # cells left for the bar when value columns are added
COLUMN_HEADER = 14  # cells of a value column's header at most


class HistogramPrinter(TallyPrinter):
    """Mode "histogram" (see the module's docstring)."""

    def finish(self) -> None:
        summary = self.summary
        try:
            if summary.plot:
                self._plot(summary.plot)
            if self.sink.stopped:
                return
            if summary.format == "chart":
                self._chart()
            elif summary.format == "json":
                self._json()
            else:
                self._delimited(b"\t" if summary.format == "tsv" else b",")
        except StopSearch:
            pass

    # -- the terminal chart ------------------------------------------------------------------

    def _footer(self, rows: HistogramRows | None) -> list[str]:
        tally, unit = self.tally, self.summary.unit
        times = tally.times
        zone = self._zone()
        lines = []
        if rows is None or rows.empty:
            lines.append(f"{counted(times.total, unit)} with a timestamp")
        else:
            count = sum(1 for _ in rows.buckets.starts(rows.first, rows.last))
            lines.append(f"{counted(times.total, unit)} in {counted(count, 'buckets')} of {rows.size}, "
                         f"times in {zone}")
        if times.timeless:
            lines.append(f"{counted(times.timeless, unit)} without a timestamp (not in the chart)")
        if tally.pairs is not None and not tally.pairs.exact and rows is not None:
            lines.append(self._approximate(rows))
        return lines

    def _zone(self) -> str:
        if self.summary.zone:
            return self.summary.zone
        import time

        return f"local time ({time.strftime('%Z')})"

    def _approximate(self, rows: HistogramRows) -> str:
        limit = self.tally.pairs.limit
        if not rows.cell_error:
            return f"over {limit} bucket-value pairs: the cells shown are exact all the same"
        return (f"approximate (over {limit} bucket-value pairs): a cell may be up to {rows.cell_error} below "
                "its true count (Misra-Gries; see --count-limit)")

    def _chart(self) -> None:
        summary, out, paint = self.summary, self._out, self.paint
        rows = HistogramRows(self.tally, rows=self._row_budget())
        if rows.empty:
            out(wrapped(self._footer(rows), summary.width - 1))
            return
        width = summary.width - 1  # the last column left free: no terminal wraps the line
        offsets = rows.with_offsets()
        label_width = len(rows.label(rows.buckets.key(rows.first), offsets))
        most = rows.most
        count_width = max(len(summary.unit), len(str(most)))
        used = label_width + 2 + count_width + 1
        headers, column_widths, other_width = self._columns(rows, width - used)
        used += sum(w + 2 for w in column_widths) + (other_width + 2 if other_width else 0)
        bar_width = max(0, width - used)
        head = padded(f"per {rows.size}".encode(), label_width) + b"  " + padded(summary.unit.encode(), count_width,
                                                                                 True)
        for header, column in zip(headers, column_widths):
            head += b"  " + padded(header, column, True)
        if other_width:
            head += b"  " + padded(b"other", other_width, True)
        out(head.rstrip() + b"\n")
        columns = len(column_widths)
        for row in rows:
            label = rows.label(row.start, offsets).encode()
            line = (paint("number", label) if self.color else label) + b"  " + b"%*d" % (count_width, row.count)
            for cell, column in zip(row.cells, column_widths):
                line += b"  " + b"%*d" % (column, cell)
            if other_width:
                line += b"  " + b"%*d" % (other_width, row.count - sum(row.cells[:columns]))
            drawn = bar(row.count, most, bar_width).encode()
            if drawn:
                line += b" " + (paint("match", drawn) if self.color else drawn)
            out(line + b"\n")
        out(wrapped(self._footer(rows), width))

    def _columns(self, rows: HistogramRows, room: int) -> tuple[list[bytes], list[int], int]:
        """The top values' column headers and widths that fit in `room` cells, with the
        "other" column (its width is the third) and a bar of MIN_BAR cells after them."""
        if not rows.values:
            return [], [], 0
        tops = [0] * len(rows.values)
        for row in rows:
            tops = [max(top, cell) for top, cell in zip(tops, row.cells)]
        headers = [fitted(escaped(value_text(value)), COLUMN_HEADER) for value in rows.values]
        widths = [max(cells(header), len(str(top))) for header, top in zip(headers, tops)]
        other_width = max(len("other"), len(str(rows.most)))
        shown, used = 0, other_width + 2
        for column in widths:
            if used + column + 2 + MIN_BAR > room:
                break
            used += column + 2
            shown += 1
        return headers[:shown], widths[:shown], other_width

    def _row_budget(self) -> int:
        """Rows an automatic histogram may have: the terminal's height less the header, the
        footer and the line the prompt comes back on."""
        tally = self.tally
        footer = 1 + bool(tally.times.timeless) + bool(tally.pairs is not None and not tally.pairs.exact)
        return self.summary.height - footer - 2

    # -- JSON, CSV, TSV ----------------------------------------------------------------------

    def _values_json(self, rows: HistogramRows, row) -> dict:
        from .json import json_text

        names = self.keys.names
        return {"values": [{"key": dict(zip(names, map(json_text, value))), "count": cell}
                           for value, cell in zip(rows.values, row.cells)], "other": row.other}

    def _json(self) -> None:
        import json

        rows = HistogramRows(self.tally, rows=self._row_budget())
        rfc3339 = _Times(self.tally.calendar.rfc3339)
        dumps, out = json.dumps, self._out
        count = 0
        for row in rows:
            start, end = rfc3339(row.start), rfc3339(row.end)
            if rows.values:
                data = {"start": start, "end": end, "count": row.count, **self._values_json(rows, row)}
                out(dumps({"type": "bucket", "data": data}, separators=(",", ":")).encode() + b"\n")
            else:  # the common case, written directly
                out(b'{"type":"bucket","data":{"start":"%s","end":"%s","count":%d}}\n'
                    % (start.encode(), end.encode(), row.count))
            count += 1
        times = self.tally.times
        data = {"bucket": str(rows.size), "zone": self._zone(), "buckets": count, "count": times.total,
                "without_timestamp": times.timeless}
        if self.tally.pairs is not None:
            data["error_bound"] = rows.cell_error
        self._out(dumps({"type": "summary", "data": data}, separators=(",", ":")).encode() + b"\n")

    def _delimited(self, separator: bytes) -> None:
        rows = HistogramRows(self.tally, rows=self._row_budget())
        rfc3339 = _Times(self.tally.calendar.rfc3339)
        header = [b"start", b"end", self.summary.unit.encode()]
        header += [value_text(value) for value in rows.values]
        if rows.values:
            header.append(b"other")
        self._out(delimited(header, separator))
        for row in rows:
            fields = [rfc3339(row.start).encode(), rfc3339(row.end).encode(), b"%d" % row.count]
            if rows.values:
                fields += [b"%d" % cell for cell in row.cells] + [b"%d" % row.other]
            self._out(delimited(fields, separator))
        for line in self._footer(rows)[1:]:
            self.messages.warn("--histogram", line)

    # -- the picture -------------------------------------------------------------------------

    def _plot(self, path: str) -> None:
        from .svg import histogram_svg

        rows = HistogramRows(self.tally, rows=self._row_budget(), columns=8)
        picture = histogram_svg(rows, self.summary.title, self.summary.unit, self._zone(),
                                self.keys.names if self.keys is not None else ())
        try:
            with open(path, "wb") as file:
                file.write(picture)
        except OSError as err:
            self.messages.error(path, describe(err))


class _Times:
    """RFC 3339 times of bucket starts, the last one remembered: a row's end is the next one's start."""

    def __init__(self, rfc3339) -> None:
        self.rfc3339 = rfc3339
        self.last = (None, "")

    def __call__(self, epoch: int) -> str:
        if self.last[0] != epoch:
            self.last = (epoch, self.rfc3339(epoch))
        return self.last[1]
