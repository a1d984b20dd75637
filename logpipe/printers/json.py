"""ripgrep's JSON Lines (`rg --json`): begin, match, context, end per file, and a summary."""
from __future__ import annotations

import time

from ..records import BinaryMatch, FileEnd, LongLineMatch, Match, RecordMatch
from .base import Printer

TOTALS = ("searches", "searches_with_match", "bytes_searched", "bytes_printed", "matched_lines", "matches")


def json_text(data: bytes) -> dict:
    """ripgrep's encoding of arbitrary bytes: text when valid UTF-8, else base64."""
    try:
        return {"text": data.decode("utf-8")}
    except UnicodeDecodeError:
        import base64

        return {"bytes": base64.b64encode(data).decode("ascii")}


def elapsed(seconds: float) -> dict:
    whole = int(seconds)
    return {"secs": whole, "nanos": int((seconds - whole) * 1e9), "human": f"{seconds:.6f}s"}


class JsonPrinter(Printer):
    """Mode "json". A line is held back until the next line or the file's end tells
    whether it ends with a newline (the last one of a file may not): `lines` holds the
    bytes as they are, as in rg. With -m, `bytes_searched` ends where the file's end says
    -m stopped the search (the end of the last selected line, as rg counts it)."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        import json  # only JSON output pays for importing it

        self._dumps = json.dumps
        self._file = None  # per-file figures of the file being printed
        self._live = self.settings.live
        self._files: dict[bytes, dict] = {}  # live: the figures of each file begun
        self._total = dict.fromkeys(TOTALS, 0)
        self._started = time.perf_counter()

    def write(self, record) -> None:
        kind = record.__class__
        if kind is Match:
            if not record.context:
                self.sink.select()
            self._line(record, "context" if record.context else "match")
        elif kind is RecordMatch:
            if not record.context:
                self.sink.select()
            self._record(record, "context" if record.context else "match")
        elif kind is FileEnd:
            self._end(record)
        elif kind is LongLineMatch:
            self.too_long(record)
        elif kind is BinaryMatch:  # not sent in JSON mode (binary files are searched as text)
            self.sink.select()
        else:
            raise TypeError(f"not a record: {record!r}")

    @property
    def totals(self) -> dict:
        return dict(self._total)

    def add_totals(self, totals: dict) -> None:
        for key, value in totals.items():
            self._total[key] += value

    def finish(self) -> None:
        if self.sink.stopped:
            return
        from ..records import StopSearch

        now = time.perf_counter() - self._started
        try:
            self._json({"type": "summary", "data": {"elapsed_total": elapsed(now),
                                                    "stats": {**self._total, "elapsed": elapsed(now)}}})
        except StopSearch:
            pass

    def _json(self, message: dict) -> int:
        data = self._dumps(message, ensure_ascii=False, separators=(",", ":")).encode("utf-8", "surrogatepass") + b"\n"
        self._out(data)
        return len(data)

    def _figures(self, name: bytes) -> dict:
        """The figures of the file being printed; its `begin` message first, if new."""
        figures = self._files.get(name) if self._live else self._file
        if figures is None or figures["name"] != name:
            figures = self._file = {"name": name, "started": time.perf_counter(), "printed": 0, "matches": 0,
                                    "pending": None}
            if self._live:
                self._files[name] = figures
            figures["printed"] += self._json({"type": "begin", "data": {"path": json_text(name)}})
        return figures

    def _line(self, record: Match, kind: str) -> None:
        figures = self._figures(record.name)
        spans = self.matcher.spans(record.line) if (kind == "match") != self.invert else []  # -v: context lines match
        if kind == "match":
            figures["matches"] += len(spans)
        self._flush_line(figures, True)
        figures["pending"] = (record, kind, spans)
        if self._live:
            self._flush_line(figures, True)

    def _flush_line(self, figures: dict, newline: bool) -> None:
        if figures["pending"] is None:
            return
        record, kind, spans = figures["pending"]
        figures["pending"] = None
        data = {"path": json_text(record.name), "lines": json_text(record.line + b"\n" if newline else record.line),
                "line_number": record.line_number, "absolute_offset": record.offset,
                "submatches": [{"match": json_text(record.line[s:e]), "start": s, "end": e} for s, e in spans]}
        if record.time is not None:  # the line's parsed time (logpipe's addition to rg's format)
            from ..pipeline.timestamps import rfc3339

            data["time"] = rfc3339(record.time)
        figures["printed"] += self._json({"type": kind, "data": data})

    def _record(self, record: RecordMatch, kind: str) -> None:
        """One message for a whole record, as `rg --json -U` gives a multi-line match:
        `lines` holds the record, `submatches` are offsets in it."""
        figures = self._figures(record.name)
        text, spans = record.text, []
        if kind == "match" and record.marks:
            for mark in record.marks:
                end = text.find(b"\n", mark)
                end = end if end >= 0 else len(text)
                spans += [(mark + start, mark + stop) for start, stop in self.matcher.spans(text[mark:end])]
            figures["matches"] += len(spans)
        data = {"path": json_text(record.name), "lines": json_text(text + b"\n"),
                "line_number": record.line_number, "absolute_offset": record.offset,
                "submatches": [{"match": json_text(text[s:e]), "start": s, "end": e} for s, e in spans]}
        if record.time is not None:  # the record's first line's time (logpipe's addition to rg's format)
            from ..pipeline.timestamps import rfc3339

            data["time"] = rfc3339(record.time)
        figures["printed"] += self._json({"type": kind, "data": data})

    def _end(self, end: FileEnd) -> None:
        figures = self._files.pop(end.name, None) if self._live else self._file
        if figures is None or figures["name"] != end.name:
            return  # nothing printed for this file: no begin, no end, not in the summary (as ripgrep)
        self._file = None
        last = figures["pending"]
        self._flush_line(figures, last is None or last[0].offset + len(last[0].line) < end.bytes_searched)
        searched = end.bytes_searched if end.stop is None else min(end.bytes_searched, end.stop)  # -m: as rg counts
        stats = {"elapsed": elapsed(time.perf_counter() - figures["started"]), "searches": 1,
                 "searches_with_match": int(end.count > 0), "bytes_searched": searched,
                 "bytes_printed": figures["printed"], "matched_lines": end.count, "matches": figures["matches"]}
        self._json({"type": "end", "data": {"path": json_text(end.name), "binary_offset": None, "stats": stats}})
        total = self._total
        total["searches"] += 1
        total["bytes_searched"] += searched
        total["searches_with_match"] += int(end.count > 0)
        total["bytes_printed"] += figures["printed"]  # the sum of the files' figures, as in rg
        total["matched_lines"] += end.count
        total["matches"] += figures["matches"]
