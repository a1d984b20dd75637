"""The pull backend: each stage is a generator that takes the upstream iterable last.

    >>> from logpipe import pull
    >>> from logpipe.records import Match
    >>> logfiles = pull.find_files(["/var/log"], globs=["*.gz"])
    >>> files = pull.opener(logfiles)
    >>> blocks = pull.cat(files)
    >>> records = pull.grep(b"sshd", blocks)          # Match records, and a FileEnd per file
    >>> for match in records:                          # doctest: +SKIP
    ...     if isinstance(match, Match):
    ...         print(match.name, match.line_number, match.line)

Nothing runs until the last stage is iterated. Each file is open only while `cat`
reads it. Each stage closes its upstream when it ends, so `matches.close()` after an
early stop closes the whole chain and the file that was open.
Only control flow lives here: which stages run, in which order, with which settings is
the plan's (`logpipe.plan`); the walk, codecs, block cutting and matching are the shared
pieces in `logpipe.pipeline` that the push backend calls too.
"""
from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from typing import TYPE_CHECKING

from .messages import Messages
from .pipeline import find_files as _walk
from .pipeline.blocks import BLOCK_SIZE, MAX_LINE_BYTES, end_of, read_blocks
from .pipeline.codecs import OpenLog, open_log
from .pipeline.blocksearch import BlockSearch, FileSearch
from .pipeline.matching import Matcher
from .records import SKIP_FILE, Block, LogFile, Match, StopSearch
from .stats import Stats

if TYPE_CHECKING:  # the time, record and remote modules are imported only by a search that uses them
    from .pipeline.multiline import RecordBlocks, RecordBounds
    from .pipeline.timebounds import TimeWindow
    from .plan import Plan
    from .printers.base import Printer
    from .printers.sink import Sink

__all__ = ["find_files", "fetch", "opener", "skip_by_time", "cat", "time_window", "records", "grep", "stamp",
           "merge_by_time", "follow", "printer", "search_logfiles", "chain"]


def find_files(roots: Iterable[str], *, globs=(), exclude=(), max_depth=None, follow=False,
               messages: Messages | None = None, stats: Stats | None = None) -> Iterator[LogFile]:
    """Yield the `LogFile`s to search under `roots` (see `logpipe.pipeline.find_files.walk`)."""
    yield from _walk.walk(roots, globs=globs, exclude=exclude, max_depth=max_depth, follow=follow,
                          messages=messages, stats=stats)


def fetch(logfiles: Iterable[LogFile], *, width: int | None = None,
          announce=None) -> Iterator[LogFile]:
    """Yield the same logfiles in the same order, each remote one (a URL) already being
    fetched while the `width - 1` before it are searched; local files pass straight on.
    `announce()` is called as each logfile's turn comes (the walk's messages from before
    it go out then)."""
    from .pipeline.remote import PREFETCH, FetchWindow

    window = FetchWindow(width or PREFETCH, announce)
    try:
        yield from window.all(logfiles)
    finally:
        window.close()
        _close(logfiles)


def opener(logfiles: Iterable[LogFile | str], *, messages: Messages | None = None,
           stats: Stats | None = None) -> Iterator[OpenLog]:
    """Yield each file opened through the decoder its first bytes call for.

    A file is closed when the next one is asked for, or when the chain is closed.
    One that cannot be opened is reported on stderr and skipped.
    """
    messages = messages or Messages()
    try:
        for logfile in logfiles:
            file = open_log(logfile, messages, stats)
            if file is None:
                continue
            with file:
                yield file
    finally:
        _close(logfiles)


def skip_by_time(window: TimeWindow, files: Iterable[OpenLog]) -> Iterator[OpenLog]:
    """Pass on each open file unless its time range misses the bounds (`window.open`;
    it may also move a plain file to where --since begins)."""
    try:
        for file in files:
            if window.open(file):
                yield file
    finally:
        _close(files)


def cat(files: Iterable[OpenLog], *, block_size: int = BLOCK_SIZE, messages: Messages | None = None,
        stats: Stats | None = None, count_lines: bool = True,
        max_line_bytes: int = MAX_LINE_BYTES, flush=None) -> Iterator[Block]:
    """Yield each file's content as blocks of whole lines, then its closing `last` block.

    Sending `SKIP_FILE` into this generator (as `grep` does after `-m N` matches)
    stops reading the current file at once. A live input (a pipe, a terminal) is read as
    its lines come; `flush()` is called when it waits for more.
    """
    messages = messages or Messages()
    try:
        for file in files:
            for block in read_blocks(file, block_size, messages, stats, count_lines, max_line_bytes, flush):
                if (yield block) == SKIP_FILE:
                    break
            yield end_of(file)
    finally:
        _close(files)


def time_window(window: TimeWindow, blocks: Iterable[Block]) -> Iterator[Block]:
    """Pass on the blocks that can hold lines in the bounds; stop a time-ordered file
    past --until (`window.block`). `SKIP_FILE` sent in by `grep` goes on to `cat`."""
    upstream = _Upstream(blocks)
    try:
        for block in upstream:
            block, upstream.verdict = window.block(block)
            if block is not None and (yield block) == SKIP_FILE:
                upstream.verdict = SKIP_FILE
    finally:
        upstream.close()


def records(bounds: RecordBounds | RecordBlocks, blocks: Iterable[Block], *, stats: Stats | None = None,
            line_numbers: bool = True) -> Iterator[Block]:
    """lines → records (--records): yield the blocks again, cut at record boundaries
    (see `logpipe.pipeline.multiline.RecordBlocks`), for `grep` with a `RecordSearch`.
    Passes `SKIP_FILE` on upstream, and drops the file's open record. `bounds` may be a
    ready `RecordBlocks` (a followed file's, kept between batches)."""
    from .pipeline.multiline import RecordBlocks

    recut = bounds if isinstance(bounds, RecordBlocks) else RecordBlocks(bounds, stats, line_numbers)
    upstream = _Upstream(blocks)
    try:
        for block in upstream:
            for whole in recut(block):
                if (yield whole) == SKIP_FILE:
                    upstream.verdict = SKIP_FILE
            if upstream.verdict is not None:
                recut.skip()
    finally:
        upstream.close()


def grep(pattern: bytes | str | Matcher | FileSearch, blocks: Iterable[Block], **settings) -> Iterator[Match]:
    """Yield a `Match` for each line of `blocks` that matches `pattern`, a `FileEnd`
    after each file, and context lines or `BinaryMatch` as `settings` ask (the keyword
    arguments of `logpipe.pipeline.blocksearch.BlockSearch`: invert, max_count, before, after, ...).

    Once a file can print nothing more (`max_count` reached), it sends `SKIP_FILE`
    upstream so that `cat` stops reading the file (when upstream is a generator).
    `pattern` may be a ready `BlockSearch` (a `RecordSearch` for --records).
    """
    search = pattern if isinstance(pattern, FileSearch) else BlockSearch(pattern, **settings)
    upstream = _Upstream(blocks)
    try:
        for block in upstream:
            matches, upstream.verdict = search(block)
            yield from matches
    finally:
        upstream.close()


def stamp(window: TimeWindow, records: Iterable) -> Iterator:
    """Keep the records whose lines' times are in the bounds, with their time if asked
    (`window.stamp`); fix each `FileEnd`'s count to the lines kept."""
    try:
        for record in records:
            record = window.stamp(record)
            if record is not None:
                yield record
    finally:
        _close(records)


def merge_by_time(streams: list[Iterable]) -> Iterator:
    """--sort time: the records of several chains (one per rotated set) in one time order;
    closing it closes every chain."""
    from .pipeline.timeline import merge_by_time as merged

    yield from merged(streams)


def follow(lanes: Callable[[], list], logfiles: Iterable[LogFile], *, messages: Messages | None = None,
           stats: Stats | None = None, sink: Sink | None = None, max_count: int | None = None,
           sort_by_time: bool = False, hold_signals: bool = False, **settings) -> Iterator:
    """--tail: follow the walk's `logfiles`, and the files that appear under the roots, as
    they grow (`logpipe.pipeline.follow.Follower`, whose keyword arguments `settings` are);
    yield the records of every file, in the order their lines came (`sort_by_time`: merged
    by their times within a second, `logpipe.pipeline.timeline.TimeOrder`).

    Each file has a lane, `lanes()`: the plan's stages after `cat` with pieces of their
    own. The printer pulls, the follower waits for a file to grow and reads its new whole
    lines, and the lane's generators, built again over each batch of blocks (a generator
    cannot pause for input that has not come yet) over the same pieces, search them.
    With `max_count` (-m), the follow ends after that many selected lines in all;
    `hold_signals` (a summary, which writes nothing per line): a batch is searched whole
    before Ctrl-C or SIGTERM ends the follow (`logpipe.signals.HeldSignals`)."""
    import contextlib

    from .pipeline.follow import begin_lane, ended, follower_for
    from .signals import HeldSignals, Terminated

    running: dict = {}  # file -> its lane's entries
    whole = HeldSignals if hold_signals else contextlib.nullcontext

    def start(file) -> bool:
        entries = running[file] = lanes()
        return begin_lane(entries, file)

    def enough() -> bool:
        return max_count is not None and sink.matches >= max_count

    follower, order = follower_for(logfiles, start, sort_by_time=sort_by_time, messages=messages, stats=stats,
                                   sink=sink, **settings)

    def lane(file, blocks: list[Block]) -> tuple[Iterator, _Feed]:
        """A batch of `file`'s blocks, as its lane's records (and the batch's feed)."""
        feed = records = _Feed(blocks)
        for name, pieces, keywords in running[file]:
            records = STAGES[name](*pieces, records, **keywords)
        return records, feed

    def searched(file, blocks: list[Block], feed: _Feed) -> None:
        """After a batch of `file`'s: the file let go if its lane wants no more, or it ended."""
        if feed.skipped:
            follower.skip(file)
        if blocks[-1].last:
            del running[file]

    batches = follower.batches()
    try:
        for file, blocks in batches:
            if file is not None:
                records, feed = lane(file, blocks)
                try:
                    with whole():
                        for record in records:
                            if order is not None:
                                order.add(record)
                                continue
                            yield record
                            if enough():
                                return
                finally:
                    _close(records)
                searched(file, blocks, feed)
            if order is not None:
                for record in order.due():
                    yield record
                    if enough():
                        return
    except (KeyboardInterrupt, Terminated) as ending:
        for file, blocks in ended(batches, ending):  # it came while a lane searched: the rest read now
            if file is not None:
                records, feed = lane(file, blocks)
                try:
                    for record in records:
                        if order is not None:
                            order.add(record)
                        else:
                            yield record
                finally:
                    _close(records)
                searched(file, blocks, feed)
        if order is not None:
            yield from order.rest()  # what the files held at the end (the follower read it)
        raise
    finally:
        batches.close()
        follower.close()
        _close(logfiles)
    if order is not None:
        for record in order.rest():
            yield record
            if enough():
                return


class _Feed:
    """A batch of one followed file's blocks for its lane; remembers a `SKIP_FILE` sent back."""

    def __init__(self, blocks: list[Block]) -> None:
        self._blocks = iter(blocks)
        self.skipped = False

    def __iter__(self) -> _Feed:
        return self

    def __next__(self) -> Block:
        return next(self._blocks)

    def send(self, verdict) -> Block:
        if verdict == SKIP_FILE:
            self.skipped = True
        return next(self._blocks)


def printer(output: Printer, matches: Iterable[Match]) -> None:
    """The sink: write every match, until the matches end or `output` says stop."""
    try:
        for match in matches:
            output.write(match)
    except StopSearch:
        pass


# -- the plan's chain --------------------------------------------------------------------


def chain(plan: Plan, logfiles: Iterable[LogFile], messages: Messages, stats: Stats | None = None,
          announce=None, sink: Sink | None = None) -> Iterator:
    """The plan's stages after the walk, each generator taking the one before it."""
    items = logfiles
    for name, pieces, settings in plan.chain(messages, stats, announce=announce, sink=sink):
        items = STAGES[name](*pieces, items, **settings)
    return items


def search_logfiles(plan: Plan, logfiles: Iterable[LogFile], output: Printer, messages: Messages,
                    stats: Stats | None = None, announce=None) -> None:
    """Print what the plan's chain finds in `logfiles` (walked elsewhere: this is what
    every executor runs); with --sort time, one chain per rotated set, merged by time.
    Every stage is closed at the end, early or not."""
    if plan.merge:
        from .pipeline.timeline import ensure_descriptors, rotated_sets

        sets = rotated_sets(logfiles)
        ensure_descriptors(len(sets))
        matches = merge_by_time([chain(plan, members, messages, stats, sink=output.sink) for members in sets])
    else:
        matches = chain(plan, logfiles, messages, stats, announce, output.sink)
    try:
        printer(output, matches)
    finally:
        matches.close()  # each stage closes its upstream: the open file closes in `opener`


STAGES = {"fetch": fetch, "opener": opener, "skip_by_time": skip_by_time, "cat": cat, "time_window": time_window,
          "records": records, "grep": grep, "stamp": stamp, "follow": follow}


class _Upstream:
    """The stage above, read block by block (`for block in upstream`): a verdict set on
    `upstream.verdict` (`SKIP_FILE`) goes back with the next read, when the stage above is
    a generator that can take it (a plain iterable cannot: the stage drops the rest itself)."""

    def __init__(self, blocks: Iterable) -> None:
        self._blocks = iter(blocks)
        self._send = getattr(self._blocks, "send", None)
        self.verdict = None

    def __iter__(self) -> _Upstream:
        return self

    def __next__(self):
        verdict, self.verdict = self.verdict, None
        return self._send(verdict) if verdict is not None and self._send else next(self._blocks)

    def close(self) -> None:
        _close(self._blocks)


def _close(upstream) -> None:
    """Close the upstream stage when this one ends, early or not (a plain iterable has no close)."""
    close = getattr(upstream, "close", None)
    if close is not None:
        close()
