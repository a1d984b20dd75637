"""--tail --histogram: a row per bucket once it has closed, as `vmstat 1` appends its rows;
a row once printed never changes, so the output reads the same in a pipe as on a terminal.

    chart (default)  the header once, as the follow begins (after the catch-up of --since,
                     whose closed buckets come out at once), then a row per closed bucket:
                     its start, its count, a bar scaled to the largest count so far (the rows
                     printed at once included: no later row rescales an earlier one, and a
                     row above all before it fills the width); with --count-by,
                     the bar in a column of its own and after it the bucket's own top values
                     with their counts, then `other`
    --json           one object per closed bucket (with --count-by, its own top values)
    --csv, --tsv     the header, then one row per closed bucket; with --count-by, one row per
                     value of the bucket (its top values), the bucket's lines on each
At the end of the follow (--until, -m N, Ctrl-C, SIGTERM) the rows left, the open bucket's
included, then the footer (JSON's summary), as ping prints its statistics on Ctrl-C; and
--plot's picture, of every count. Which bucket closes when: `logpipe.summaries.live`.

Rows go out as they close: the printer is the sink's `release` (called whenever the follow
waits, and the output flushed then) and tells it when it wants to be called next (`wake`).
"""
from __future__ import annotations

import time

from ..records import StopSearch
from ..summaries.buckets import Buckets
from ..summaries.live import GRACE, LiveBuckets
from .chart import bar, counted, delimited, escaped, padded, value_text, wrapped
from .histogram import HistogramPrinter, _Times

MIN_BAR = 10  # cells of the bar beside --count-by's values at least


class LiveHistogramPrinter(HistogramPrinter):
    """Mode "histogram" with --tail (see the module's docstring)."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        summary = self.summary
        self.buckets = Buckets(summary.bucket, self.tally.calendar)
        first = summary.since if summary.since is not None else time.time()
        self.live = LiveBuckets(self.buckets, first, summary.until, summary.grace or GRACE)
        self.rfc3339 = _Times(self.tally.calendar.rfc3339)
        self.rows = 0      # rows printed
        self.most = 0      # the largest count printed so far (the bars' scale)
        self.layout = None  # (label width, count width, bar width), once the header is out
        self.offset = self.tally.calendar.offset(self.live.next)  # the first row's UTC offset: others show theirs
        self.sink.release = self.tick
        self.sink.wake = self.live.wake

    def tick(self) -> None:
        """The follow waits: the buckets closed by now, each a row."""
        self._print(list(self.live.closed(time.time())))

    def finish(self) -> None:
        self.sink.release = self.sink.wake = None
        try:
            if not self.sink.stopped:
                times = self.tally.times
                last = self.summary.until if self.summary.until is not None else max(time.time(), times.last or 0)
                self._print(list(self.live.rest(last)))
                self._end()
            if self.summary.plot:
                self._plot(self.summary.plot)
        except StopSearch:
            pass

    # -- rows --------------------------------------------------------------------------------

    def _print(self, spans: list[tuple[int, int]]) -> None:
        if self.layout is None:
            self._header()
        if not spans:
            return
        counts, shown = self.tally.times.counts, self.live.shown
        # the scale: the largest count printed so far, this batch's included (the catch-up's
        # rows come at once, scaled together; a later row larger than all fills the width)
        self.most = max(self.most, max(counts.get(start, 0) for start, _ in spans))
        values = self._values(spans) if self.keys is not None else {}
        form = self.summary.format
        for start, end in spans:
            count = shown[start] = counts.get(start, 0)
            self.rows += 1
            if form == "chart":
                self._chart_row(start, count, values.get(start, ()))
            elif form == "json":
                self._json_row(start, end, count, values.get(start, ()))
            else:
                self._delimited_row(start, end, count, values.get(start, ()))
        self.sink.flush()  # each row as it closes, even into a pipe

    def _values(self, spans: list[tuple[int, int]]) -> dict[int, list[tuple[tuple, int]]]:
        """Each bucket's own top values (--top), most first, for the buckets of `spans`."""
        wanted, found = {start for start, _ in spans}, {}
        for (start, value), count in self.tally.pairs.items():
            if start in wanted:
                found.setdefault(start, []).append((value, count))
        top = self.summary.top or None
        return {start: sorted(pairs, key=lambda pair: (-pair[1], pair[0]))[:top] for start, pairs in found.items()}

    def _header(self) -> None:
        summary = self.summary
        form = summary.format
        if form == "json":
            self.layout = ()
            return
        if form != "chart":
            names = [name.encode() for name in self.keys.names] + [b"count"] if self.keys is not None else []
            self.layout = ()
            self._out(delimited([b"start", b"end", summary.unit.encode(), *names],
                                b"\t" if form == "tsv" else b","))
            self.sink.flush()
            return
        width = summary.width - 1  # the last column left free: no terminal wraps the line
        label_width = len(self.buckets.label(self.live.next))
        most = max(self.tally.times.counts.values(), default=0)  # what the catch-up counted
        count_width = max(len(summary.unit), 6, len(str(most)))
        room = max(0, width - label_width - 2 - count_width - 1)
        bar_width = room if self.keys is None else max(MIN_BAR, room // 3)
        self.layout = (label_width, count_width, bar_width)
        head = padded(f"per {summary.bucket}".encode(), label_width) + b"  " + padded(summary.unit.encode(),
                                                                                       count_width, True)
        if self.keys is not None:
            head += b" " + b" " * bar_width + b"  " + ",".join(self.keys.names).encode()
        self._out(head.rstrip() + b"\n")
        self.sink.flush()

    def _chart_row(self, start: int, count: int, values: list) -> None:
        label_width, count_width, bar_width = self.layout
        offset = self.buckets.size.unit == "s" and self.tally.calendar.offset(start) != self.offset
        label = self.buckets.label(start, offset).encode()
        line = (self.paint("number", label) if self.color else label) + b"  " + b"%*d" % (count_width, count)
        drawn = bar(count, self.most, bar_width)
        painted = self.paint("match", drawn.encode()) if self.color and drawn else drawn.encode()
        if self.keys is None:
            line += b" " + painted if drawn else b""
        else:
            line += b" " + painted + b" " * (bar_width - len(drawn)) + b"  " + self._cells(count, values)
        self._out(line.rstrip() + b"\n")

    def _cells(self, count: int, values: list) -> bytes:
        """A bucket's top values and their counts, as many as fit the line, then the rest."""
        label_width, count_width, bar_width = self.layout
        room = self.summary.width - 1 - label_width - 2 - count_width - 1 - bar_width - 2
        parts, used, rest = [], 0, count
        for value, cell in values:
            part = escaped(value_text(value)) + b" %d" % cell
            if used + len(part) + 2 + len(b"other %d" % rest) > room:
                break
            parts.append(part)
            used += len(part) + 2
            rest -= cell
        if rest > 0:
            parts.append(b"other %d" % rest)
        return b"  ".join(parts)

    def _json_row(self, start: int, end: int, count: int, values: list) -> None:
        begin, finish = self.rfc3339(start), self.rfc3339(end)
        if self.keys is None:
            self._out(b'{"type":"bucket","data":{"start":"%s","end":"%s","count":%d}}\n'
                      % (begin.encode(), finish.encode(), count))
            return
        import json

        from .json import json_text

        names = self.keys.names
        data = {"start": begin, "end": finish, "count": count,
                "values": [{"key": dict(zip(names, map(json_text, value))), "count": cell} for value, cell in values],
                "other": count - sum(cell for _, cell in values)}
        self._out(json.dumps({"type": "bucket", "data": data}, separators=(",", ":")).encode() + b"\n")

    def _delimited_row(self, start: int, end: int, count: int, values: list) -> None:
        separator = b"\t" if self.summary.format == "tsv" else b","
        fields = [self.rfc3339(start).encode(), self.rfc3339(end).encode(), b"%d" % count]
        if self.keys is None:
            self._out(delimited(fields, separator))
            return
        if not values:  # a bucket without a value is a row all the same: gaps show
            self._out(delimited(fields + [b""] * len(self.keys.names) + [b"0"], separator))
        for value, cell in values:
            self._out(delimited(fields + list(value) + [b"%d" % cell], separator))

    # -- the end -----------------------------------------------------------------------------

    def _notes(self) -> list[str]:
        tally, unit = self.tally, self.summary.unit
        times = tally.times
        notes = []
        if times.timeless:
            notes.append(f"{counted(times.timeless, unit)} without a timestamp (not in the chart)")
        late = self.live.late(times.counts)
        if late:
            notes.append(f"{counted(late, unit)} came after {'its' if late == 1 else 'their'} bucket's row: "
                         "in the total, not in a row")
        if tally.pairs is not None and not tally.pairs.exact:
            notes.append(f"approximate (over {tally.pairs.limit} bucket-value pairs): a value's count may be up "
                         f"to {tally.pairs.cut} below its true one (Misra-Gries; see --count-limit)")
        return notes

    def _end(self) -> None:
        if self.layout is None:
            self._header()
        times, unit, form = self.tally.times, self.summary.unit, self.summary.format
        if form == "json":
            import json

            data = {"bucket": str(self.summary.bucket), "zone": self._zone(), "buckets": self.rows,
                    "count": times.total, "without_timestamp": times.timeless, "late": self.live.late(times.counts)}
            if self.tally.pairs is not None:
                data["error_bound"] = self.tally.pairs.cut
            self._out(json.dumps({"type": "summary", "data": data}, separators=(",", ":")).encode() + b"\n")
        elif form == "chart":
            total = (f"{counted(times.total, unit)} in {counted(self.rows, 'buckets')} of {self.summary.bucket}, "
                     f"times in {self._zone()}")
            self._out(wrapped([total, *self._notes()], self.summary.width - 1))
        else:
            for line in self._notes():
                self.messages.warn("--histogram", line)
