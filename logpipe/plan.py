"""The search plan: everything a runner needs, worked out once from `SearchOptions`.

    SearchOptions ─> Plan ─┬─ walk:     roots and the walk's arguments (find_files)
                           ├─ stages:   the chain after the walk, in pipeline order
                           ├─ printer:  which one, and its settings (logpipe.printers)
                           ├─ executor: in this process (also --tail), local workers (-j), a Dask cluster
                           ├─ matcher:  compiled once per process (not pickled; rebuilt on a cluster worker)
                           └─ where:    --where/--level, compiled once per process likewise

A `Plan` is plain and picklable: a `-j` worker inherits it through fork, a Dask task gets it
pickled. The backends read `plan.chain(...)`, the one list of stages: pull builds it in
order (each generator takes the one before it), push in reverse (each coroutine takes the
one after it). A new stage is one entry here, one function in each backend, and its
shared piece in `logpipe.pipeline`.
"""
from __future__ import annotations

import os
from typing import TYPE_CHECKING, NamedTuple

from .options import SearchOptions
from .printers.base import PrinterSettings

if TYPE_CHECKING:
    from .messages import Messages
    from .pipeline.matching import Matcher
    from .pipeline.where import Where
    from .stats import Stats


class Stage(NamedTuple):
    """One stage of the chain: its name in both backends, the shared pieces it takes first
    and those it takes as keywords (names of the per-chain objects of `Plan.pieces`), and
    its other keyword arguments."""

    name: str
    pieces: tuple = ()
    needs: tuple = ()
    settings: dict = {}


class Plan:
    """Built once per search by `Plan.make`; read by the executors, the backends and the printers."""

    def __init__(self, options: SearchOptions, printer: PrinterSettings) -> None:
        self.options = options
        self.roots = options.paths
        # the walk's arguments, for find_files here and nowhere else
        self.walk = {"globs": options.globs, "exclude": options.exclude, "max_depth": options.max_depth,
                     "follow": options.follow}
        self.printer = printer
        self.remote = options.remote and _any_url(options.paths)
        # --sort time: one chain per rotated set, merged by time (not for a summary: counts have no order;
        # not with --tail, whose lanes are merged as they come)
        self.merge = options.sort == "time" and not options.summary and not options.tail
        self.follow = options.tail  # --tail: the follow stage, and one lane of the later stages per file
        self.executor = _executor(options, self.remote)
        self.search, self.limits = _search_settings(options)  # BlockSearch's keywords; the time stages' -m
        self._matcher = None
        self._where = None
        self._highlighter = None

    @classmethod
    def make(cls, options: SearchOptions, stream=None) -> Plan:
        """The plan for `options`, printing to `stream` (a terminal gets colour with
        --color=auto and escaped names). Compiles the patterns: a bad one raises
        `PatternError` here, before any file is read."""
        plan = cls(options, printer_settings(options, stream))
        plan.where  # noqa: B018 - compiled now: a bad expression is an error before any file is read
        plan.matcher  # noqa: B018 - likewise a bad pattern
        if options.count_by:  # a key that names nothing is an error before any file is read too
            _check_count_keys(options, plan.matcher)
        return plan

    # -- built once per process -----------------------------------------------------------

    @property
    def matcher(self) -> Matcher:
        """The compiled patterns, built at the first use in this process. Without a
        PATTERN (--where alone), what the expression needs in a line, which grep looks for
        in whole blocks (`Where.block_patterns`)."""
        if self._matcher is None:
            from .pipeline.matching import Matcher

            options = self.options
            if options.pattern_given:
                self._matcher = Matcher(options.patterns, **options.matcher_settings())
            else:
                patterns, fixed = self.where.block_patterns()
                self._matcher = Matcher(patterns, fixed=fixed, ignore_case=options.ignore_case)
        return self._matcher

    @property
    def where(self) -> Where | None:
        """--where and --level compiled (None without them); `WhereError` if one cannot be read."""
        options = self.options
        if self._where is None and options.structured:
            from .pipeline.where import Where

            self._where = Where(options.where, options.level, ignore_case=options.ignore_case,
                                time_format=options.time_format)
        return self._where

    @property
    def highlighter(self) -> Matcher:
        """What the printers paint and -o prints: the PATTERN's matches (none without one)."""
        if self.options.pattern_given:
            return self.matcher
        if self._highlighter is None:
            from .pipeline.matching import Matcher

            self._highlighter = Matcher(())
        return self._highlighter

    def __getstate__(self) -> dict:
        state = dict(self.__dict__)
        # compiled regexes and hyperscan databases stay in their process
        state["_matcher"] = state["_where"] = state["_highlighter"] = None
        return state

    def __setstate__(self, state: dict) -> None:
        self.__dict__.update(state)

    # -- the chain ------------------------------------------------------------------------

    def stages(self, fetch: bool = True) -> list[Stage]:
        """The chain after the walk, in pipeline order (`fetch=False`: without the stage
        that fetches remote objects ahead, for a chain whose logfiles come fetched):

            [fetch] → opener → [skip_by_time] → cat → [time_window] → [records] → grep → [stamp]

        The bracketed stages only when a URL, the time options or --records ask for them.
        With --tail, one stage, `follow` (`logpipe.pipeline.follow`): it opens and watches
        the files, reads what is appended, and hands each file's blocks to a lane of its
        own, the stages after `cat` with pieces of their own (`lane`)."""
        options = self.options
        if self.follow:
            return [Stage("follow", ("lanes",), ("messages", "stats", "sink"), {
                "roots": self.roots, "walk": self.walk, "since": options.since, "until": options.until,
                "block_size": options.block_size, "count_lines": options.line_numbers,
                "max_line_bytes": options.max_line_bytes, "poll": options.tail_poll,
                "idle_blocks": options.multiline, "max_count": options.max_count,
                "sort_by_time": options.sort == "time" and not options.summary,  # counts need no order
                "hold_signals": options.summary})]  # a batch counted whole, then Ctrl-C
        return self._search_stages(fetch)

    def _search_stages(self, fetch: bool) -> list[Stage]:
        options, timed = self.options, self.options.timed
        stages = []
        if fetch and self.remote:
            stages.append(Stage("fetch", needs=("announce",), settings={"width": options.prefetch}))
        stages.append(Stage("opener", needs=("messages", "stats")))
        if timed:
            stages.append(Stage("skip_by_time", ("window",)))
        stages.append(Stage("cat", needs=("messages", "stats", "flush"), settings={
            "block_size": options.block_size, "count_lines": options.line_numbers,
            "max_line_bytes": options.max_line_bytes}))
        if timed:
            stages.append(Stage("time_window", ("window",)))
        if options.multiline:
            stages.append(Stage("records", ("bounds",), ("stats",), {"line_numbers": options.line_numbers}))
        stages.append(Stage("grep", ("search",)))
        if timed:
            stages.append(Stage("stamp", ("window",)))
        return stages

    def lane_stages(self) -> list[Stage]:
        """--tail: the stages a followed file's blocks go through, those after `cat`:
        [time_window] → [records] → grep → [stamp]."""
        normal = self._search_stages(fetch=False)
        return normal[[stage.name for stage in normal].index("cat") + 1:]

    def lane(self, messages: Messages, stats: Stats | None) -> list[tuple[str, tuple, dict]]:
        """--tail: one followed file's lane, `lane_stages` ready to be called as `chain`'s
        entries are, with pieces of its own (its time window, its grep's per-file state).
        Its records stage gets its `RecordBlocks` made here, so that the open record is kept
        between batches of blocks (pull builds a lane's generators again for each batch)."""
        pieces = self._search_pieces({"messages": messages, "stats": stats})
        if self.options.multiline:
            from .pipeline.multiline import RecordBlocks

            pieces["bounds"] = RecordBlocks(pieces["bounds"], stats, self.options.line_numbers)
        return _entries(self.lane_stages(), pieces)

    def pieces(self, messages: Messages, stats: Stats | None, announce=None, sink=None) -> dict:
        """The per-chain objects the stages share (a time window seen by three stages, the
        record bounds by two), made fresh for each chain. `sink`: the output's `Sink`, which
        a live input flushes when it waits (`flush`: `Sink.idle`), and which --tail watches."""
        pieces = {"messages": messages, "stats": stats, "announce": announce, "sink": sink,
                  "flush": sink.idle if sink is not None else None}
        if self.follow:
            import functools

            pieces["lanes"] = functools.partial(self.lane, messages, stats)
            return pieces
        return self._search_pieces(pieces)

    def _search_pieces(self, pieces: dict) -> dict:
        """`pieces` with the search's own: the time window, the record bounds, grep's search."""
        options, messages, stats = self.options, pieces["messages"], pieces["stats"]
        settings = self.search
        if options.timed:
            from .pipeline.timebounds import TimeWindow

            pieces["window"] = TimeWindow.from_options(options, self.limits, messages, stats)
        if options.multiline:
            from .pipeline.blocksearch import RecordSearch
            from .pipeline.multiline import record_bounds

            bounds = pieces["bounds"] = record_bounds(options.record_start, options.max_line_bytes,
                                                      options.time_format)
            pieces["search"] = RecordSearch(self.matcher, bounds, where=self.where,
                                            driven=not options.pattern_given, **settings)
        else:
            from .pipeline.blocksearch import BlockSearch

            pieces["search"] = BlockSearch(self.matcher, where=self.where, driven=not options.pattern_given,
                                           **settings)
        return pieces

    def chain(self, messages: Messages, stats: Stats | None, fetch: bool = True,
              announce=None, sink=None) -> list[tuple[str, tuple, dict]]:
        """`(stage name, positional pieces, keyword arguments)` for each stage, in pipeline
        order, ready to be called: `backend.<name>(*pieces, upstream_or_target, **keywords)`.
        `announce`: called by the fetch stage as each logfile's turn comes (see
        `logpipe.printers.ordered.OrderedWriter.announce`); `sink`: see `pieces`."""
        return _entries(self.stages(fetch), self.pieces(messages, stats, announce, sink))

    @property
    def walk_ahead(self) -> bool:
        """Whether the walk runs ahead of the printing (workers, a cluster, objects fetched
        ahead), so that its messages must be held until their place."""
        return self.executor != "inprocess" or (self.remote and not self.merge)

    @property
    def worker_options(self) -> SearchOptions:
        """The options as a worker sees them: one process, nothing drawn or summed up there."""
        return self.options._replace(threads=1, progress=False, stats=False, dask=None)



def printer_settings(options: SearchOptions, stream) -> PrinterSettings:
    """The printer's settings resolved for `stream`: colour with --color=auto and escaped
    names on a terminal, file names shown or not, what each mode prints."""
    from .printers.colors import grep_colors

    tty = _isatty(stream)
    color = options.color == "always" or (options.color == "auto" and tty and not os.environ.get("NO_COLOR"))
    return PrinterSettings(
        mode=options.mode, with_filename=show_filename(options),
        line_number=options.line_number or options.json, byte_offset=options.byte_offset, null=options.null,
        color=color, colors=grep_colors(os.environ.get("GREP_COLORS"), options.invert_match) if color else None,
        context=bool(options.before_context or options.after_context or options.context_given
                     or options.multiline),
        invert=options.invert_match, escape_names=tty, fields=options.fields,
        json_fields=options.json and (options.fields is not None or options.structured),
        time_format=options.time_format,
        summary=_summary_settings(options, stream) if options.summary else None, live=options.tail)


def _check_count_keys(options: SearchOptions, matcher) -> None:
    """`CountKeyError` for a --count-by key that names no group of the pattern."""
    from .summaries.keys import resolve

    for name in options.count_by:
        resolve(name, matcher, options.invert_match)


def _entries(stages: list[Stage], pieces: dict) -> list[tuple[str, tuple, dict]]:
    return [(stage.name, tuple(pieces[name] for name in stage.pieces),
             {**stage.settings, **{name: pieces[name] for name in stage.needs}})
            for stage in stages]


def _search_settings(options: SearchOptions) -> tuple[dict, dict]:
    """BlockSearch's settings (`logpipe.pipeline.blocksearch`) for `options`, and the limits
    the time stages apply. With time bounds, `grep` hands every selected line on and the
    stamp stage counts and limits the ones in the bounds (-m, -c, -l, -L and -q apply
    after the time test, not before): -m is then the stamp stage's, not grep's."""
    mode = options.mode
    max_count = options.max_count
    if mode in ("files-with-matches", "files-without-match", "quiet"):
        max_count = 1 if max_count is None else min(max_count, 1)
    context = mode in ("lines", "json", "only-matching")  # -o: context only places the "--"
    as_text = ("json", "quiet", "histogram", "count-by")  # modes that count binary files' lines as text (as -c)
    settings = {
        "invert": options.invert_match, "max_count": max_count,
        "before": options.before_context if context else 0, "after": options.after_context if context else 0,
        "binary": "text" if mode in as_text and options.binary_files == "binary" else options.binary_files,
        "lines": mode in ("lines", "only-matching", "json", "quiet", "histogram", "count-by"),
        "line_numbers": options.line_numbers,
        "max_line_bytes": options.max_line_bytes,
        # runs of lines (Lines records) only where nothing after grep looks at each line; or
        # a histogram's, whose times the stamp stage reads a block at a time (no bounds to test)
        "runs": (mode in ("lines", "quiet") and not (options.multiline or options.timed or options.structured
                                                     or options.fields is not None))
        or (mode == "histogram" and not (options.multiline or options.structured or options.count_by
                                         or options.only_matching or options.since is not None
                                         or options.until is not None)),
        "hits": mode == "histogram",  # (with runs: one Hits a block, also dense: the stamp stage reads them at once)
    }
    if options.tail:  # -m N ends the follow after N lines in all (the follow stage counts): none per file
        max_count = settings["max_count"] = None
        settings["runs"] = settings["runs"] and options.max_count is None  # counted record by record
    limits = {"max_count": max_count, "after": settings["after"], "swallow": not settings["lines"]}
    if options.since is not None or options.until is not None:
        counting = not settings["lines"]
        settings.update(max_count=None, lines=True,
                        binary="text" if counting and settings["binary"] == "binary" else settings["binary"])
    else:
        limits["max_count"] = None  # grep's own
    return settings, limits


def _executor(options: SearchOptions, remote: bool) -> str:
    """Which runner searches the files: "dask" (--dask), "workers" (-j N over local files),
    or "inprocess" (also for --sort time, which merges every file's lines in one process,
    for --tail, which follows every file in one process, and for a FIFO or a socket among
    the PATHs, whose lines go out as they come: -jN and --dask give -j1's output)."""
    if "-" in options.paths or (options.sort == "time" and not options.summary) or options.tail:
        return "inprocess"
    if options.dask:
        return "dask"
    if options.threads > 1 and not remote and not _any_live(options.paths):
        return "workers"
    return "inprocess"


def _summary_settings(options: SearchOptions, stream):
    """What --histogram and --count-by count and how they draw it (`logpipe.summaries`)."""
    from .pipeline.patterns import shown
    from .summaries.buckets import parse_size
    from .summaries.tally import SummarySettings

    width, height = terminal_size(stream)
    histogram = options.mode == "histogram"
    title = " or ".join(f"'{shown(pattern)}'" for pattern in options.patterns)
    bucket = parse_size(options.histogram) if options.histogram not in (None, "auto") else None
    grace = None
    if options.tail and histogram:  # rows printed as buckets close: a size fixed from the start
        import time

        from .summaries.buckets import Calendar
        from .summaries.live import GRACE, live_size

        if bucket is None:
            bucket = live_size(options.since, time.time(), height - 3, Calendar(options.tz))
        grace = GRACE + (options.tail_poll or 0.0)  # a file looked at every SECONDS: its lines that much later
    return SummarySettings(
        histogram=histogram, bucket=bucket, grace=grace,
        count_by=options.count_by, top=options.top, limit=options.count_limit, every_match=options.only_matching,
        format="json" if options.json else options.table or "chart", plot=options.plot, width=width, height=height,
        zone=options.tz, since=options.since, until=options.until,
        title=("not " if options.invert_match else "") + title,
        unit="records" if options.multiline else "matches" if options.only_matching else "lines")


def terminal_size(stream) -> tuple[int, int]:
    """(columns, lines) of the terminal `stream` writes to; else COLUMNS and LINES, else 80 x 24."""
    if _isatty(stream):
        try:
            size = os.get_terminal_size(stream.fileno())
            if size.columns > 0 and size.lines > 0:
                return size.columns, size.lines
        except (OSError, AttributeError, ValueError):
            pass
    sizes = []
    for name, default in (("COLUMNS", 80), ("LINES", 24)):
        try:
            value = int(os.environ.get(name, default))
        except ValueError:
            value = default
        sizes.append(value if value > 0 else default)
    return sizes[0], sizes[1]


def show_filename(options: SearchOptions) -> bool:
    """-H / -h if given; else names are printed when more than one file can be searched."""
    if options.with_filename is not None:
        return options.with_filename
    paths = options.paths
    if len(paths) == 1 and _any_url(paths):
        from .pipeline.remote import isdir

        return isdir(paths[0])
    return len(paths) > 1 or any(path != "-" and os.path.isdir(path or ".") for path in paths)


def _any_live(paths) -> bool:
    """Whether a PATH is a FIFO or a socket, whose lines go out as they come (a device such
    as /dev/zero is searched as a file is)."""
    import stat

    for path in paths:
        try:
            mode = os.stat(path or ".").st_mode
        except (OSError, ValueError):
            continue
        if stat.S_ISFIFO(mode) or stat.S_ISSOCK(mode):
            return True
    return False


def _any_url(paths) -> bool:
    """Whether any PATH is a URL (s3://, http://, ...)."""
    if not any("://" in path for path in paths):
        return False
    from .pipeline.remote import is_url

    return any(is_url(path) for path in paths)


def _isatty(stream) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False
