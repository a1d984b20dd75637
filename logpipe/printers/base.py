"""What every printer shares: its settings, the sink it writes to, names and colours."""
from __future__ import annotations

from typing import TYPE_CHECKING, BinaryIO, NamedTuple

from ..messages import Messages
from .colors import Painter
from .sink import Sink

if TYPE_CHECKING:
    from ..pipeline.matching import Matcher
    from ..summaries.tally import SummarySettings


class PrinterSettings(NamedTuple):
    """How records become bytes: all resolved once for the search (colour and name
    escaping follow the stream, file names the PATHs; see `logpipe.plan`)."""

    mode: str = "lines"         # lines, only-matching, count, files-with-matches, files-without-match, quiet, json,
                                # histogram, count-by
    with_filename: bool = False
    line_number: bool = False
    byte_offset: bool = False
    null: bool = False           # a NUL after each file name (-0)
    color: bool = False
    colors: tuple | None = None  # GREP_COLORS as read: (colours, erase)
    context: bool = False        # context groups are separated by "--"
    invert: bool = False
    escape_names: bool = False   # control characters in names shown as \xNN (a terminal)
    fields: tuple[str, ...] | None = None  # --fields: these fields of each line, tab-separated, not the line
    json_fields: bool = False    # --json messages carry the line's parsed fields (with --where, --level, --fields)
    time_format: str | None = None  # --time-format: how text lines' timestamps are recognised
    summary: SummarySettings | None = None  # --histogram, --count-by (logpipe.summaries)
    live: bool = False           # --tail: the lines of many files interleave, each line whole when it comes


class Printer:
    """The protocol: `write(record)` for each record of the chain, `finish()` at the end of
    the search; what decides the exit status is counted on `sink` (`sink.select`).
    `stream` is a binary stream or a `Sink` shared with other printers and executors.
    Settings are a `PrinterSettings`, or given as keywords."""

    def __init__(self, stream: BinaryIO | Sink, settings: PrinterSettings | None = None, *,
                 matcher: Matcher | None = None, messages: Messages | None = None, **overrides) -> None:
        settings = (settings or PrinterSettings())._replace(**overrides)
        self.settings = settings
        self.sink = stream if isinstance(stream, Sink) else Sink(stream, quiet=settings.mode == "quiet")
        self.matcher = matcher
        self.messages = messages or Messages()
        self.mode = settings.mode
        self.with_filename = settings.with_filename
        self.line_number = settings.line_number
        self.byte_offset = settings.byte_offset
        self.null = settings.null
        self.color = settings.color
        self.invert = settings.invert
        self.escape_names = settings.escape_names
        self.paint = Painter(settings.colors)
        self._out = self.sink.write

    def write(self, record) -> None:
        raise NotImplementedError

    def begin_file(self) -> None:
        """A file searched in a buffer of its own starts (a parallel worker's)."""

    def finish(self) -> None:
        """The end of the search: a summary, if the format has one."""

    def add_totals(self, totals: dict) -> None:
        """Figures of files printed elsewhere (a worker's), for the format's summary."""

    @property
    def totals(self) -> dict | None:
        """This printer's figures for its summary so far (JSON), else None."""
        return None

    def take_totals(self) -> dict | None:
        """The figures counted since the last take (what a worker sends with each file's
        `FileDone`, for the parent's `add_totals`); by default the difference of `totals`."""
        now = self.totals
        if now is None:
            return None
        before = getattr(self, "_taken", None) or {}
        self._taken = now
        return {key: value - before.get(key, 0) for key, value in now.items()}

    @property
    def matches(self) -> int:
        return self.sink.matches

    def name(self, name: bytes) -> bytes:
        """A file name as printed: raw bytes into a pipe; on a terminal, control characters
        (newlines, escape sequences) are shown escaped, so a name cannot drive the terminal."""
        if self.escape_names and any(byte < 0x20 or byte == 0x7F for byte in name):
            return b"".join(b"\\x%02x" % byte if byte < 0x20 or byte == 0x7F else bytes([byte]) for byte in name)
        return name

    @property
    def separator(self) -> bytes:
        """The line between context groups."""
        return (self.paint("separator", b"--") if self.color else b"--") + b"\n"

    def too_long(self, record) -> None:
        """A match in a line longer than --max-line-bytes: selected, reported, not printed
        (with --where, a line whose fields could not be read: reported, not selected)."""
        where = f"line {record.line_number}" if record.line_number else f"the line at byte {record.offset}"
        if record.unread:
            self.messages.error(record.name, f"{where} is longer than --max-line-bytes: its fields are not read "
                                             "(--where, --level), it is not selected")
            return
        self.sink.select()
        self.messages.error(record.name, f"{where} matches but is longer than --max-line-bytes: not printed")
