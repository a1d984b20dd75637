"""One frozen object holding everything a search was asked to do, and what follows from it."""
from __future__ import annotations

from typing import NamedTuple

from .pipeline.blocks import MAX_LINE_BYTES
from .pipeline.codecs import BLOCK_SIZE

BACKENDS = ("pull", "push")
SYNTAXES = ("default", "basic", "extended", "perl")
BINARY_MODES = ("binary", "text", "without-match")
COLOR_MODES = ("auto", "always", "never")


class _Fields(NamedTuple):
    patterns: tuple[bytes, ...]
    paths: tuple[str, ...] = ("",)  # "" is the current directory, printed without "./"
    backend: str = "pull"
    # what is searched
    globs: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()
    max_depth: int | None = None
    follow: bool = False
    binary_files: str = "binary"
    # how lines are matched
    fixed_strings: bool = False
    syntax: str = "default"  # how patterns are read: "default", "basic" (-G), "extended" (-E), "perl" (-P)
    ignore_case: bool = False
    smart_case: bool = False
    invert_match: bool = False
    word_regexp: bool = False
    line_regexp: bool = False
    max_count: int | None = None
    # what is printed
    with_filename: bool | None = None  # None: when more than one file can be searched
    line_number: bool = False
    byte_offset: bool = False
    only_matching: bool = False
    count: bool = False
    files_with_matches: bool = False
    files_without_match: bool = False
    after_context: int = 0
    before_context: int = 0
    color: str = "never"
    json: bool = False
    null: bool = False
    quiet: bool = False
    no_messages: bool = False
    stats: bool = False  # print what each stage did on stderr at the end
    progress: bool | None = None  # None: when stderr is a terminal
    threads: int = 1  # worker processes, each searching whole files; 1: all in this process
    block_size: int = BLOCK_SIZE
    max_line_bytes: int = MAX_LINE_BYTES
    context_given: bool = False  # -A/-B/-C given, even as 0: groups are separated by "--", as grep does
    # multi-line records (logpipe.multiline)
    records: bool = False  # select records, not lines: a record begins at a line with a leading timestamp
    record_start: bytes | None = None  # a regex: the lines it matches begin a record (implies records)
    # time (timestamps inside lines)
    since: float | None = None  # epoch seconds; lines earlier are not printed
    until: float | None = None  # epoch seconds, inclusive
    time_format: str | None = None  # strptime-style format of the timestamps, when not recognised
    tz: str | None = None  # zone of times written without one (IANA name, UTC); None: local time
    sort: str | None = None  # "time": rotated sets oldest first, matches of all files merged by time
    # structured logs (logpipe.pipeline.fields, where)
    where: tuple[str, ...] = ()  # --where expressions: every one must hold on a selected line's fields
    level: str | None = None  # --level: at least this severity (trace debug info warn error fatal, or a synonym)
    fields: tuple[str, ...] | None = None  # --fields: print these fields of each line instead of the line
    # remote PATHs (s3://, http://, ...) and clusters
    prefetch: int = 16  # remote objects fetched at once, ahead of the one searched (1: one at a time)
    dask: str | None = None  # address of a Dask scheduler: each batch of files searched by its workers
    # summaries instead of the lines (logpipe.summaries)
    histogram: str | None = None  # a bucket size (1m, 1h, 1d, ...) or "auto" (to fit the terminal); None: none
    count_by: tuple[str, ...] = ()  # --count-by KEYs: capture groups (numbers, names) or fields
    top: int = 20  # values shown by --count-by (0: all)
    count_limit: int = 50_000  # distinct values counted exactly; beyond, the heavy hitters (Misra-Gries)
    table: str | None = None  # "csv" or "tsv": a summary's rows for a spreadsheet
    plot: str | None = None  # --plot FILE.svg: the histogram as a picture (implies a histogram)
    # live logs
    line_buffered: bool = False  # flush the output after every line (grep's --line-buffered)
    tail: bool = False  # follow every PATH as it grows, across rotation (logpipe.pipeline.follow)
    tail_poll: float | None = None  # with tail: look for changes every this many seconds, not through inotify



class SearchOptions(_Fields):
    """Immutable: a NamedTuple (`_replace` makes a changed copy), which, unlike a frozen
    dataclass, costs no import of `dataclasses` at start-up."""

    __slots__ = ()

    def __new__(cls, *args, **kwargs):
        self = super().__new__(cls, *args, **kwargs)
        self._check()
        return self

    def _check(self) -> None:
        if isinstance(self.patterns, (bytes, str)):
            raise TypeError("patterns is a tuple of patterns")
        if self.backend not in BACKENDS:
            raise ValueError(f"backend must be one of {BACKENDS}, not {self.backend!r}")
        if self.syntax not in SYNTAXES:
            raise ValueError(f"syntax must be one of {SYNTAXES}, not {self.syntax!r}")
        if self.binary_files not in BINARY_MODES:
            raise ValueError(f"binary_files must be one of {BINARY_MODES}")
        if self.color not in COLOR_MODES:
            raise ValueError(f"color must be one of {COLOR_MODES}")
        if self.block_size < 1:
            raise ValueError("block_size must be at least 1")
        if self.threads < 1:
            raise ValueError("threads must be at least 1")
        if self.sort not in (None, "time"):
            raise ValueError("sort must be None or 'time'")
        if self.prefetch < 1:
            raise ValueError("prefetch must be at least 1")
        if isinstance(self.where, str):
            raise TypeError("where is a tuple of expressions")
        if isinstance(self.count_by, str):
            raise TypeError("count_by is a tuple of keys")
        if self.histogram not in (None, "auto"):
            from .summaries.buckets import parse_size

            parse_size(self.histogram)
        if self.top < 0:
            raise ValueError("top must be 0 (all) or more")
        if self.count_limit < 2:
            raise ValueError("count_limit must be at least 2")
        if self.table not in (None, "csv", "tsv"):
            raise ValueError("table must be None, 'csv' or 'tsv'")
        if self.tail_poll is not None and not self.tail_poll > 0:
            raise ValueError("tail_poll must be a number of seconds above 0")

    @property
    def mode(self) -> str:
        """What is printed, in grep's order of precedence."""
        if self.quiet:
            return "quiet"
        if self.histogram is not None or self.plot is not None:
            return "histogram"
        if self.count_by:
            return "count-by"
        if self.json:
            return "json"
        if self.files_with_matches:
            return "files-with-matches"
        if self.files_without_match:
            return "files-without-match"
        if self.count:
            return "count"
        if self.only_matching:
            return "only-matching"
        return "lines"

    @property
    def summary(self) -> bool:
        """Whether a summary is printed instead of the lines (--histogram, --count-by)."""
        return self.mode in ("histogram", "count-by")

    @property
    def multiline(self) -> bool:
        """Whether records are selected rather than lines (--records, --record-start)."""
        return self.records or self.record_start is not None

    @property
    def line_numbers(self) -> bool:
        """Whether anything printed needs line numbers (else nobody counts newlines)."""
        if self.summary:
            return self.stats
        return (self.line_number or self.json or self.stats or self.context_given
                or bool(self.before_context or self.after_context))

    @property
    def structured(self) -> bool:
        """Whether lines are selected on their fields too (--where, --level)."""
        return bool(self.where) or self.level is not None

    @property
    def pattern_given(self) -> bool:
        """Whether a PATTERN selects lines; with --where or --level it may be left out
        (no -e, -f or PATTERN): the expression alone selects."""
        return bool(self.patterns) or not self.structured

    @property
    def remote(self) -> bool:
        """Whether a PATH is a URL (s3://, http://, ...): then objects are fetched ahead."""
        return any("://" in path for path in self.paths)

    @property
    def timed(self) -> bool:
        """Whether the time stages run (bounds, --sort time, JSON's time field, a histogram's times)."""
        if self.summary:
            return self.since is not None or self.until is not None or self.mode == "histogram"
        return self.since is not None or self.until is not None or self.sort == "time" or self.json

    def matcher_settings(self) -> dict:
        return {"fixed": self.fixed_strings, "ignore_case": self.ignore_case, "smart_case": self.smart_case,
                "word": self.word_regexp, "line": self.line_regexp, "syntax": self.syntax}
