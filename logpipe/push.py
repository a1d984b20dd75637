"""The push backend: each stage is a coroutine that receives with `item = yield`
and hands on with `target.send(...)`, taking its `target` last.

    >>> from logpipe import push
    >>> from logpipe.output import Output
    >>> import sys
    >>> sink = push.printer(Output(sys.stdout.buffer))
    >>> push.find_files(["/var/log"], push.opener(push.cat(push.grep(b"sshd", sink))),
    ...                 globs=["*.gz"])                                # doctest: +SKIP

`find_files` is the source: it drives the chain and, at the end, closes it; `close()`
travels down the chain and runs each stage's `finally`.

Talking back upstream:
- `send()` returns the receiving stage's verdict: `grep` answers `SKIP_FILE` after
  `-m N` matches in a file, and `cat` stops reading that file.
- a sink that wants the whole search over (`-q`, closed pipe) raises `StopSearch`;
  it propagates out of every `send()`, closing open files on the way, and the source
  catches it. No stage of ours ever returns by itself; a target that does (a user's
  sink that just returns) makes `send()` raise StopIteration, which each stage turns
  into `StopSearch`, since a StopIteration escaping a generator becomes RuntimeError.
"""
from __future__ import annotations

import functools
from collections.abc import Generator, Iterable
from typing import TYPE_CHECKING

from .pipeline import find_files as _walk
from .pipeline.blocks import BLOCK_SIZE, MAX_LINE_BYTES, end_of, read_blocks
from .pipeline.codecs import open_log
from .pipeline.matching import BlockSearch, Matcher
from .messages import Messages
from .options import SearchOptions
from .output import Output
from .records import SKIP_FILE, LogFile, StopSearch
from .stats import Stats

if TYPE_CHECKING:  # the time, record and remote modules are imported only by a search that uses them
    from .pipeline.multiline import RecordBounds, RecordSearch
    from .pipeline.remote import DeferredMessages
    from .pipeline.timebounds import TimeWindow

__all__ = ["coroutine", "find_files", "fetch", "opener", "skip_by_time", "cat", "time_window", "records", "grep",
           "stamp", "merge_by_time", "printer", "search", "search_logfiles"]


def coroutine(func):
    """Start a coroutine function's generator, so that it is ready for `send()`."""

    @functools.wraps(func)
    def start(*args, **kwargs):
        generator = func(*args, **kwargs)
        next(generator)
        return generator

    return start


def find_files(roots: Iterable[str], target: Generator, *, globs=(), exclude=(), max_depth=None,
               follow=False, messages: Messages | None = None, stats: Stats | None = None) -> None:
    """The source: send each `LogFile` to search under `roots` to `target`, then close it."""
    try:
        for logfile in _walk.walk(roots, globs=globs, exclude=exclude, max_depth=max_depth,
                                  follow=follow, messages=messages, stats=stats):
            target.send(logfile)
    except (StopSearch, StopIteration):
        pass
    finally:
        target.close()


@coroutine
def fetch(target: Generator, *, width: int | None = None, walk_messages: DeferredMessages | None = None):
    """Receive logfiles; send the same ones in the same order, each remote one (a URL)
    already being fetched while the `width - 1` before it are searched. When the source
    closes this stage at the end of the walk, the logfiles still waiting are sent first.
    `walk_messages`, the walk's, are passed on in their place among the logfiles."""
    from .pipeline.remote import PREFETCH, FetchWindow

    window = FetchWindow(width or PREFETCH, walk_messages)
    try:
        while True:
            try:
                window.add((yield))
            except GeneratorExit:  # the walk is over: what waits goes on, then the chain closes
                try:
                    for logfile in window.rest():
                        target.send(logfile)
                except (StopSearch, StopIteration):
                    pass  # the source is closing us: nobody above is left to stop
                return
            for logfile in window.ready():
                target.send(logfile)
    except StopIteration:
        raise StopSearch from None
    finally:
        window.close()
        target.close()


@coroutine
def opener(target: Generator, *, messages: Messages | None = None, stats: Stats | None = None):
    """Receive `LogFile`s (or paths); send each opened file, closing it once `target` is done."""
    messages = messages or Messages()
    try:
        while True:
            file = open_log((yield), messages, stats)
            if file is None:
                continue
            with file:
                target.send(file)
    except StopIteration:
        raise StopSearch from None
    finally:
        target.close()


@coroutine
def cat(target: Generator, *, block_size: int = BLOCK_SIZE, messages: Messages | None = None,
        stats: Stats | None = None, count_lines: bool = True,
        max_line_bytes: int = MAX_LINE_BYTES):
    """Receive open files; send each one's blocks of whole lines, then its `last` block.

    Stops reading a file as soon as `target` answers `SKIP_FILE`.
    """
    messages = messages or Messages()
    try:
        while True:
            file = yield
            for block in read_blocks(file, block_size, messages, stats, count_lines, max_line_bytes):
                if target.send(block) == SKIP_FILE:
                    break
            target.send(end_of(file))
    except StopIteration:
        raise StopSearch from None
    finally:
        target.close()


@coroutine
def records(bounds: RecordBounds, target: Generator, *, stats: Stats | None = None, line_numbers: bool = True):
    """lines → records (--records): receive blocks, send them again cut at record
    boundaries (see `logpipe.multiline.RecordBlocks`), for `grep` with a `RecordSearch`.
    Answers `SKIP_FILE` when `target` does, and drops the file's open record."""
    from .pipeline.multiline import RecordBlocks

    recut = RecordBlocks(bounds, stats, line_numbers)
    verdict = None
    try:
        while True:
            block = yield verdict
            verdict = None
            for whole in recut(block):
                if target.send(whole) == SKIP_FILE:
                    verdict = SKIP_FILE
            if verdict is not None:
                recut.skip()
    except StopIteration:
        raise StopSearch from None
    finally:
        target.close()


@coroutine
def grep(pattern: bytes | str | Matcher | BlockSearch, target: Generator, **settings):
    """Receive blocks; send a `Match` for each matching line, a `FileEnd` after each
    file, and context lines or `BinaryMatch` as `settings` ask (the keyword arguments of
    `logpipe.matching.BlockSearch`). Answers `SKIP_FILE` to the sender once a file can
    print nothing more (`max_count` reached). `pattern` may be a ready `BlockSearch`
    (a `RecordSearch` for --records)."""
    search = pattern if isinstance(pattern, BlockSearch) else BlockSearch(pattern, **settings)
    verdict = None
    try:
        while True:
            matches, verdict = search((yield verdict))
            for match in matches:
                target.send(match)
    except StopIteration:
        raise StopSearch from None
    finally:
        target.close()


@coroutine
def skip_by_time(window: TimeWindow, target: Generator):
    """Receive open files; send on each one unless its time range misses the bounds
    (`window.open`, which may also move a plain file to where --since begins)."""
    try:
        while True:
            file = yield
            if window.open(file):
                target.send(file)
    except StopIteration:
        raise StopSearch from None
    finally:
        target.close()


@coroutine
def time_window(window: TimeWindow, target: Generator):
    """Receive blocks; send on those that can hold lines in the bounds (`window.block`).
    Answers `SKIP_FILE` past --until in a time-ordered file, or when `target` does."""
    verdict = None
    try:
        while True:
            block, verdict = window.block((yield verdict))
            if block is not None and target.send(block) == SKIP_FILE:
                verdict = SKIP_FILE
    except StopIteration:
        raise StopSearch from None
    finally:
        target.close()


@coroutine
def stamp(window: TimeWindow, target: Generator):
    """Receive records; send on those whose lines' times are in the bounds, with their
    time if asked (`window.stamp`), each `FileEnd` with its count of lines kept."""
    try:
        while True:
            record = window.stamp((yield))
            if record is not None:
                target.send(record)
    except StopIteration:
        raise StopSearch from None
    finally:
        target.close()


def merge_by_time(streams: list, target: Generator) -> None:
    """--sort time, a source: send the records of several streams (one per rotated set)
    to `target` in one time order, then close it.

    A k-way merge must choose which stream moves next, so here the streams are pulled
    (each is a chain of the pull stages over one rotated set: a push chain cannot be
    paused between two of its file's blocks); from the merge on, records are pushed."""
    from .pipeline.timeline import merge_by_time as merged

    records = merged(streams)
    try:
        for record in records:
            target.send(record)
    except (StopSearch, StopIteration):
        pass
    finally:
        records.close()
        target.close()


@coroutine
def printer(output: Output):
    """The sink: write each match; `output.write` raises `StopSearch` to end the search."""
    while True:
        output.write((yield))


def search(options: SearchOptions, output: Output, messages: Messages, stats: Stats | None = None) -> None:
    """Build the chain for `options` and drive it from the source (with --sort time, the
    merge is the source)."""
    if options.sort == "time":
        logfiles = _walk.walk(options.paths, globs=options.globs, exclude=options.exclude, max_depth=options.max_depth,
                              follow=options.follow, messages=messages, stats=stats)
        search_logfiles(options, logfiles, output, messages, stats)
        return
    walk_messages = None
    if options.remote:
        from .pipeline.remote import DeferredMessages

        walk_messages = DeferredMessages(messages)  # the walk runs ahead: its messages wait for their place
    find_files(options.paths,
               _fetched(options, _chain(options, output, messages, stats), walk_messages),
               globs=options.globs, exclude=options.exclude, max_depth=options.max_depth,
               follow=options.follow, messages=walk_messages or messages, stats=stats)


def search_logfiles(options: SearchOptions, logfiles: Iterable[LogFile], output: Output, messages: Messages,
                    stats: Stats | None = None, matcher: Matcher | None = None) -> None:
    """The chain after the walk, driven over `logfiles` walked elsewhere (what a parallel
    worker runs, one chain for all the files it is given)."""
    if options.sort == "time":
        from . import pull
        from .pipeline.timeline import ensure_descriptors, rotated_sets

        sets = rotated_sets(logfiles)
        ensure_descriptors(len(sets))
        merge_by_time([pull.chain(options, pull.fetch(logfiles, width=options.prefetch) if options.remote else logfiles,
                                  messages, stats, matcher)
                       for logfiles in sets], printer(output))
        return
    send_all(logfiles, _fetched(options, _chain(options, output, messages, stats, matcher)))


def _fetched(options: SearchOptions, target: Generator, walk_messages: DeferredMessages | None = None) -> Generator:
    """`target` behind a fetch stage when a PATH is a URL (objects fetched ahead)."""
    return fetch(target, width=options.prefetch, walk_messages=walk_messages) if options.remote else target


def send_all(logfiles: Iterable[LogFile], target: Generator) -> None:
    """A source for logfiles walked elsewhere: send each to `target`, then close it."""
    try:
        for logfile in logfiles:
            target.send(logfile)
    except (StopSearch, StopIteration):
        pass
    finally:
        target.close()


def _chain(options: SearchOptions, output: Output, messages: Messages, stats: Stats | None,
           matcher: Matcher | None = None) -> Generator:
    """opener → [skip_by_time] → cat → [time_window] → [records] → grep → [stamp] → printer
    for `options`, ready for `LogFile`s: the bracketed stages only when the time options
    or --records ask for them."""
    window, settings = None, options.search_settings()
    if options.timed:
        from .pipeline.timebounds import TimeWindow
        from .pipeline.timebounds import search_settings as time_search_settings

        window, settings = TimeWindow.from_options(options, messages, stats), time_search_settings(options)
    target = printer(output)
    if window is not None:
        target = stamp(window, target)
    searcher: Matcher | RecordSearch = matcher or Matcher(options.patterns, **options.matcher_settings())
    if options.multiline:
        from .pipeline.multiline import RecordSearch, record_bounds

        bounds = record_bounds(options.record_start, options.max_line_bytes, options.time_format)
        searcher = RecordSearch(searcher, bounds, **settings)
    target = grep(searcher, target, **settings)
    if options.multiline:  # lines → records before grep
        target = records(bounds, target, stats=stats, line_numbers=options.line_numbers)
    if window is not None:
        target = time_window(window, target)
    target = cat(target, block_size=options.block_size, messages=messages, stats=stats,
                 count_lines=options.line_numbers, max_line_bytes=options.max_line_bytes)
    if window is not None:
        target = skip_by_time(window, target)
    return opener(target, messages=messages, stats=stats)
