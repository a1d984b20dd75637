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
    """Mode "json". Each file printed gets a `begin` before its first message and an
    `end` after its last (with its figures, which the summary adds up). In a merged
    timeline (--sort time) several files are open at once: their pairs interleave, each
    in the place the merged lines need, and every message names its file (`path`).
    The last line printed is held back until what comes next tells whether it ends with
    a newline (a file's last line may not): `lines` holds the bytes as they are, as in rg.
    Only a file's end can say no, and it comes right after the file's last line (also in
    a merged timeline: `logpipe.pipeline.timeline.merge_by_time`). With -m,
    `bytes_searched` ends where the file's end says -m stopped the search (the end of the
    last selected line, as rg counts it)."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        import msgspec  # only JSON output pays for importing it

        from ..pipeline.timestamps import rfc3339

        # msgspec's encoder: the bytes of json.dumps(ensure_ascii=False, separators=(",", ":")),
        # which are ripgrep's, at a twentieth of the cost (and the library --where reads JSON with)
        self._encode = msgspec.json.Encoder().encode
        self._rfc3339 = rfc3339
        self._texts: dict[bytes, bytes] = {}  # matched texts as encoded (a literal's few spellings)
        self._fields = JsonFields(self.settings.fields, self.settings.time_format) \
            if self.settings.json_fields else None
        self._files: dict[bytes, dict] = {}  # the figures of each file begun and not yet ended
        self._pending = None  # (figures, record, kind, spans) of the last line, not yet printed
        self._live = self.settings.live  # --tail: lines come whole, each printed as it comes
        self.sink.release = self._release  # a live input that waits: the held line goes out
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
            self._flush_line(True)  # a file whose end never came (the search was cut short)
            self._json({"type": "summary", "data": {"elapsed_total": elapsed(now),
                                                    "stats": {**self._total, "elapsed": elapsed(now)}}})
        except StopSearch:
            pass

    def _json(self, message: dict) -> int:
        data = self._encode(message) + b"\n"
        self._out(data)
        return len(data)

    def _figures(self, name: bytes) -> dict:
        """The figures of file `name`; its `begin` message first, if it is new."""
        figures = self._files.get(name)
        if figures is None:
            path = json_text(name)
            figures = self._files[name] = {"name": name, "path": path, "started": time.perf_counter(),
                                           "printed": 0, "matches": 0}
            for kind in ("match", "context"):  # how a line's message starts
                figures[kind] = b'{"type":"%s","data":{"path":%s,"lines":' % (kind.encode(), self._encode(path))
            figures["printed"] += self._json({"type": "begin", "data": {"path": path}})
        return figures

    def _line(self, record: Match, kind: str) -> None:
        self._flush_line(True)  # something follows it: it ended with a newline
        figures = self._figures(record.name)
        spans = self.matcher.spans(record.line) if (kind == "match") != self.invert else []  # -v: context lines match
        if kind == "match":
            figures["matches"] += len(spans)
        self._pending = (figures, record, kind, spans)
        if self._live:
            self._flush_line(True)

    def _release(self) -> None:
        self._flush_line(True)

    def _flush_line(self, newline: bool) -> None:
        """The message of the line held back, now that it is known whether it ends with a
        newline. Its bytes are put together from pieces: exactly what encoding the message
        as a dict gives (`_record`'s way), at a third of the cost."""
        if self._pending is None:
            return
        figures, record, kind, spans = self._pending
        self._pending = None
        line, text = record.line, self._text
        submatches = b""
        if spans:
            texts = self._texts
            if len(texts) > 4096:
                texts.clear()
            pieces = []
            for start, end in spans:
                piece = line[start:end]
                matched = texts.get(piece)
                if matched is None:
                    matched = texts[piece] = text(piece)
                pieces.append(b'{"match":%s,"start":%d,"end":%d}' % (matched, start, end))
            submatches = b",".join(pieces)
        moment = b"" if record.time is None else b',"time":"%s"' % self._rfc3339(record.time).encode()
        if self._fields is not None:  # the line's parsed fields (logpipe's addition, with --where/--fields)
            fields: dict = {}
            self._fields.add(fields, line)
            if fields:
                moment += b',"format":%s,"fields":%s' % (self._encode(fields["format"]), self._encode(fields["fields"]))
        data = b'%s%s,"line_number":%d,"absolute_offset":%d,"submatches":[%s]%s}}\n' % (
            figures[kind], text(line + b"\n" if newline else line), record.line_number, record.offset, submatches,
            moment)  # "time": the line's parsed time (logpipe's addition to rg's format)
        self._out(data)
        figures["printed"] += len(data)

    def _text(self, data: bytes) -> bytes:
        """`json_text(data)` encoded."""
        try:
            return b'{"text":%s}' % self._encode(data.decode("utf-8"))
        except UnicodeDecodeError:
            import base64

            return b'{"bytes":"%s"}' % base64.b64encode(data)

    def _record(self, record: RecordMatch, kind: str) -> None:
        """One message for a whole record, as `rg --json -U` gives a multi-line match:
        `lines` holds the record, `submatches` are offsets in it."""
        self._flush_line(True)
        figures = self._figures(record.name)
        text, spans = record.text, []
        if kind == "match" and record.marks:
            for mark in record.marks:
                end = text.find(b"\n", mark)
                end = end if end >= 0 else len(text)
                spans += [(mark + start, mark + stop) for start, stop in self.matcher.spans(text[mark:end])]
            figures["matches"] += len(spans)
        data = {"path": figures["path"], "lines": json_text(text + b"\n"),
                "line_number": record.line_number, "absolute_offset": record.offset,
                "submatches": [{"match": json_text(text[s:e]), "start": s, "end": e} for s, e in spans]}
        if record.time is not None:  # the record's first line's time (logpipe's addition to rg's format)
            data["time"] = self._rfc3339(record.time)
        if self._fields is not None:  # its first line's fields
            end = text.find(b"\n")
            self._fields.add(data, text[:end] if end >= 0 else text)
        figures["printed"] += self._json({"type": kind, "data": data})

    def _end(self, end: FileEnd) -> None:
        pending = self._pending
        if pending is not None:  # the file's last line, if it is this file's: a newline unless it ends the file
            last = pending[1]
            self._flush_line(pending[0]["name"] != end.name or last.offset + len(last.line) < end.bytes_searched)
        figures = self._files.pop(end.name, None)
        if figures is None:
            return  # nothing printed for this file: no begin, no end, not in the summary (as ripgrep)
        searched = end.bytes_searched if end.stop is None else min(end.bytes_searched, end.stop)  # -m: as rg counts
        stats = {"elapsed": elapsed(time.perf_counter() - figures["started"]), "searches": 1,
                 "searches_with_match": int(end.count > 0), "bytes_searched": searched,
                 "bytes_printed": figures["printed"], "matched_lines": end.count, "matches": figures["matches"]}
        self._json({"type": "end", "data": {"path": figures["path"], "binary_offset": None, "stats": stats}})
        total = self._total
        total["searches"] += 1
        total["bytes_searched"] += searched
        total["searches_with_match"] += int(end.count > 0)
        total["bytes_printed"] += figures["printed"]  # the sum of the files' figures, as in rg
        total["matched_lines"] += end.count
        total["matches"] += figures["matches"]


class JsonFields:
    """The `fields` of a --json message: every parsed field of the line, or with --fields
    those asked for (by their names; a missing one left out); the line's format as
    `format`. Valid JSON whatever the line held: NaN and infinities become null, invalid
    UTF-8 U+FFFD (as jq shows them)."""

    def __init__(self, keys: tuple[str, ...] | None, time_format: str | None = None) -> None:
        from ..pipeline.fields import FieldReader, Key

        self.keys = None if keys is None else tuple(Key.parse(key) for key in keys)
        self.reader = FieldReader(time_format)

    def add(self, data: dict, line: bytes) -> None:
        from ..pipeline.fields import MISSING, standard_value

        fields = self.reader.read(line)
        if fields is None:
            return
        values = fields.values
        if self.keys is not None:
            values = {key.text: value for key in self.keys
                      if (value := standard_value(fields.values, key)) is not MISSING}
        data["format"] = fields.format
        data["fields"] = _valid(values)


def _valid(value):
    """`value` as strict JSON can hold it."""
    if isinstance(value, str):
        if value.isascii():
            return value
        try:
            value.encode("utf-8")
            return value
        except UnicodeEncodeError:  # lone surrogates: invalid UTF-8 in the line
            return value.encode("utf-8", "surrogateescape" if _escaped(value) else "surrogatepass").decode(
                "utf-8", "replace")
    if isinstance(value, float):
        return value if value == value and value not in (float("inf"), float("-inf")) else None
    if isinstance(value, dict):
        return {_valid(key): _valid(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_valid(item) for item in value]
    return value


def _escaped(text: str) -> bool:
    """Whether every lone surrogate of `text` stands for a byte (surrogateescape's)."""
    return all(not 0xD800 <= ord(c) <= 0xDFFF or 0xDC80 <= ord(c) <= 0xDCFF for c in text)
