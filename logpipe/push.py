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

from . import find_files as _walk
from .blocks import BLOCK_SIZE, MAX_LINE_BYTES, end_of, read_blocks
from .codecs import open_log
from .matching import BlockSearch, Matcher
from .messages import Messages
from .options import SearchOptions
from .output import Output
from .records import SKIP_FILE, LogFile, StopSearch
from .remote import PREFETCH, DeferredMessages, FetchWindow
from .stats import Stats

__all__ = ["coroutine", "find_files", "fetch", "opener", "cat", "grep", "printer", "search"]


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
def fetch(target: Generator, *, width: int = PREFETCH, walk_messages: DeferredMessages | None = None):
    """Receive logfiles; send the same ones in the same order, each remote one (a URL)
    already being fetched while the `width - 1` before it are searched. When the source
    closes this stage at the end of the walk, the logfiles still waiting are sent first.
    `walk_messages`, the walk's, are passed on in their place among the logfiles."""
    window = FetchWindow(width, walk_messages)
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
def grep(pattern: bytes | str | Matcher, target: Generator, **settings):
    """Receive blocks; send a `Match` for each matching line, a `FileEnd` after each
    file, and context lines or `BinaryMatch` as `settings` ask (the keyword arguments of
    `logpipe.matching.BlockSearch`). Answers `SKIP_FILE` to the sender once a file can
    print nothing more (`max_count` reached)."""
    search = BlockSearch(pattern, **settings)
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
def printer(output: Output):
    """The sink: write each match; `output.write` raises `StopSearch` to end the search."""
    while True:
        output.write((yield))


def send_all(logfiles: Iterable[LogFile], target: Generator) -> None:
    """A source for logfiles walked elsewhere: send each to `target`, then close it."""
    try:
        for logfile in logfiles:
            target.send(logfile)
    except (StopSearch, StopIteration):
        pass
    finally:
        target.close()


def search(options: SearchOptions, output: Output, messages: Messages, stats: Stats | None = None,
           logfiles: Iterable[LogFile] | None = None) -> None:
    """Build the chain for `options` and drive it from the source (the walk of `options.paths`,
    or `logfiles` if given)."""
    matcher = Matcher(options.patterns, **options.matcher_settings())
    walk_messages = None
    if logfiles is None and any("://" in path for path in options.paths):
        walk_messages = DeferredMessages(messages)  # the walk runs ahead: its messages wait for their place
    chain = fetch(opener(cat(grep(matcher, printer(output), **options.search_settings()),
                             block_size=options.block_size, messages=messages, stats=stats,
                             count_lines=options.line_numbers, max_line_bytes=options.max_line_bytes),
                         messages=messages, stats=stats),
                  width=options.prefetch, walk_messages=walk_messages)
    if logfiles is not None:
        send_all(logfiles, chain)
    else:
        find_files(options.paths, chain, globs=options.globs, exclude=options.exclude, max_depth=options.max_depth,
                   follow=options.follow, messages=walk_messages or messages, stats=stats)
