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
Only control flow lives here: the walk, codecs, block cutting and matching are the
shared pieces that the push backend calls too.
"""
from __future__ import annotations

from collections.abc import Iterable, Iterator

from . import find_files as _walk
from .blocks import BLOCK_SIZE, MAX_LINE_BYTES, end_of, read_blocks
from .codecs import OpenLog, open_log
from .matching import BlockSearch, Matcher
from .messages import Messages
from .options import SearchOptions
from .output import Output
from .remote import PREFETCH, DeferredMessages, FetchWindow
from .records import SKIP_FILE, Block, LogFile, Match, StopSearch
from .stats import Stats

__all__ = ["find_files", "fetch", "opener", "cat", "grep", "printer", "search"]


def find_files(roots: Iterable[str], *, globs=(), exclude=(), max_depth=None, follow=False,
               messages: Messages | None = None, stats: Stats | None = None) -> Iterator[LogFile]:
    """Yield the `LogFile`s to search under `roots` (see `logpipe.find_files.walk`)."""
    yield from _walk.walk(roots, globs=globs, exclude=exclude, max_depth=max_depth, follow=follow,
                          messages=messages, stats=stats)


def fetch(logfiles: Iterable[LogFile], *, width: int = PREFETCH,
          walk_messages: DeferredMessages | None = None) -> Iterator[LogFile]:
    """Yield the same logfiles in the same order, each remote one (a URL) already being
    fetched while the `width - 1` before it are searched; local files pass straight on.
    `walk_messages`, the walk's, are passed on in their place among the logfiles."""
    window = FetchWindow(width, walk_messages)
    try:
        for logfile in logfiles:
            window.add(logfile)
            yield from window.ready()
        yield from window.rest()
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


def cat(files: Iterable[OpenLog], *, block_size: int = BLOCK_SIZE, messages: Messages | None = None,
        stats: Stats | None = None, count_lines: bool = True,
        max_line_bytes: int = MAX_LINE_BYTES) -> Iterator[Block]:
    """Yield each file's content as blocks of whole lines, then its closing `last` block.

    Sending `SKIP_FILE` into this generator (as `grep` does after `-m N` matches)
    stops reading the current file at once.
    """
    messages = messages or Messages()
    try:
        for file in files:
            for block in read_blocks(file, block_size, messages, stats, count_lines, max_line_bytes):
                if (yield block) == SKIP_FILE:
                    break
            yield end_of(file)
    finally:
        _close(files)


def grep(pattern: bytes | str | Matcher, blocks: Iterable[Block], **settings) -> Iterator[Match]:
    """Yield a `Match` for each line of `blocks` that matches `pattern`, a `FileEnd`
    after each file, and context lines or `BinaryMatch` as `settings` ask (the keyword
    arguments of `logpipe.matching.BlockSearch`: invert, max_count, before, after, ...).

    Once a file can print nothing more (`max_count` reached), it sends `SKIP_FILE`
    upstream so that `cat` stops reading the file (when upstream is a generator).
    """
    search = BlockSearch(pattern, **settings)
    blocks = iter(blocks)
    send = getattr(blocks, "send", None)
    verdict = None
    try:
        while True:
            try:
                block = send(verdict) if verdict is not None and send else next(blocks)
            except StopIteration:
                return
            matches, verdict = search(block)
            yield from matches
    finally:
        _close(blocks)


def printer(output: Output, matches: Iterable[Match]) -> None:
    """The sink: write every match, until the matches end or `output` says stop."""
    try:
        for match in matches:
            output.write(match)
    except StopSearch:
        pass


def search(options: SearchOptions, output: Output, messages: Messages, stats: Stats | None = None,
           logfiles: Iterable[LogFile] | None = None) -> None:
    """Run the whole chain for `options` (on `logfiles` instead of the walk of `options.paths`,
    if given); every stage is closed at the end, early or not."""
    walk_messages = None
    if logfiles is None:
        walk_messages = DeferredMessages(messages) if any("://" in path for path in options.paths) else None
        logfiles = find_files(options.paths, globs=options.globs, exclude=options.exclude,
                              max_depth=options.max_depth, follow=options.follow, messages=walk_messages or messages,
                              stats=stats)
    logfiles = fetch(logfiles, width=options.prefetch, walk_messages=walk_messages)
    files = opener(logfiles, messages=messages, stats=stats)
    blocks = cat(files, block_size=options.block_size, messages=messages, stats=stats,
                 count_lines=options.line_numbers, max_line_bytes=options.max_line_bytes)
    matches = grep(Matcher(options.patterns, **options.matcher_settings()), blocks, **options.search_settings())
    try:
        printer(output, matches)
    finally:
        matches.close()  # each stage closes its upstream: the open file closes in `opener`


def _close(upstream) -> None:
    """Close the upstream stage when this one ends, early or not (a plain iterable has no close)."""
    close = getattr(upstream, "close", None)
    if close is not None:
        close()
