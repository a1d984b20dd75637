"""The push backend: each stage is a coroutine that receives with `item = yield`
and hands on with `target.send(...)`, taking its `target` last.

    >>> from logpipe import push
    >>> from logpipe.printers import StandardPrinter
    >>> import sys
    >>> sink = push.printer(StandardPrinter(sys.stdout.buffer))
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
  That protocol is written once, in `stage`: each stage below is the function that
  handles one item.
Only control flow lives here (see `logpipe.pull` for where the rest is).
"""
from __future__ import annotations

import functools
from collections import deque
from collections.abc import Callable, Generator, Iterable, Iterator
from typing import TYPE_CHECKING

from .messages import Messages
from .pipeline import find_files as _walk
from .pipeline.blocks import BLOCK_SIZE, MAX_LINE_BYTES, end_of, read_blocks
from .pipeline.codecs import open_log
from .pipeline.blocksearch import BlockSearch, FileSearch
from .pipeline.matching import Matcher
from .records import SKIP_FILE, LogFile, StopSearch
from .stats import Stats

if TYPE_CHECKING:  # the time, record and remote modules are imported only by a search that uses them
    from .pipeline.multiline import RecordBlocks, RecordBounds
    from .pipeline.timebounds import TimeWindow
    from .plan import Plan
    from .printers.base import Printer
    from .printers.sink import Sink

__all__ = ["coroutine", "stage", "find_files", "fetch", "opener", "skip_by_time", "cat", "time_window", "records",
           "grep", "stamp", "merge_by_time", "follow", "printer", "search_logfiles", "send_all"]


def coroutine(func):
    """Start a coroutine function's generator, so that it is ready for `send()`."""

    @functools.wraps(func)
    def start(*args, **kwargs):
        generator = func(*args, **kwargs)
        next(generator)
        return generator

    return start


def stage(make):
    """A push stage from `make(*pieces, target, **settings) -> step`: `step(item)` handles
    one received item (sending what it makes to `target`) and returns the verdict for the
    sender (`SKIP_FILE` or None). The protocol every stage follows is here, once: the
    coroutine is primed; a target that returns ends the search (`StopSearch`); when the
    source closes the stage, `step.finish()` (if the step has one) sends what it still
    holds; whatever happens, `step.close()` (if any) runs and the target is closed."""

    @functools.wraps(make)
    def start(*args, **kwargs):
        return _run(make(*args, **kwargs), args[-1])

    return start


@coroutine
def _run(step, target: Generator):
    verdict = None
    try:
        while True:
            try:
                item = yield verdict
            except GeneratorExit:  # the source is done: what the step holds goes on, then the chain closes
                finish = getattr(step, "finish", None)
                if finish is not None:
                    try:
                        finish()
                    except (StopSearch, StopIteration):
                        pass  # the source is closing us: nobody above is left to stop
                return
            verdict = step(item)
    except StopIteration:
        raise StopSearch from None
    finally:
        close = getattr(step, "close", None)
        if close is not None:
            close()
        target.close()


def find_files(roots: Iterable[str], target: Generator, *, globs=(), exclude=(), max_depth=None,
               follow=False, messages: Messages | None = None, stats: Stats | None = None) -> None:
    """The source: send each `LogFile` to search under `roots` to `target`, then close it."""
    send_all(_walk.walk(roots, globs=globs, exclude=exclude, max_depth=max_depth, follow=follow,
                        messages=messages, stats=stats), target)


def send_all(logfiles: Iterable[LogFile], target: Generator) -> None:
    """A source for logfiles walked elsewhere: send each to `target`, then close it."""
    try:
        for logfile in logfiles:
            target.send(logfile)
    except (StopSearch, StopIteration):
        pass
    finally:
        target.close()


@stage
def fetch(target: Generator, *, width: int | None = None, announce=None):
    """Receive logfiles; send the same ones in the same order, each remote one (a URL)
    already being fetched while the `width - 1` before it are searched. When the source
    closes this stage at the end of the walk, the logfiles still waiting are sent first.
    `announce()` is called as each logfile's turn comes (the walk's messages from before
    it go out then)."""
    from .pipeline.remote import PREFETCH, FetchWindow

    window = FetchWindow(width or PREFETCH, announce)

    def step(logfile) -> None:
        window.add(logfile)
        for ready in window.ready():
            target.send(ready)

    def finish() -> None:
        for logfile in window.rest():
            target.send(logfile)

    step.finish, step.close = finish, window.close
    return step


@stage
def opener(target: Generator, *, messages: Messages | None = None, stats: Stats | None = None):
    """Receive `LogFile`s (or paths); send each opened file, closing it once `target` is done."""
    messages = messages or Messages()

    def step(logfile) -> None:
        file = open_log(logfile, messages, stats)
        if file is not None:
            with file:
                target.send(file)

    return step


@stage
def skip_by_time(window: TimeWindow, target: Generator):
    """Receive open files; send on each one unless its time range misses the bounds
    (`window.open`, which may also move a plain file to where --since begins)."""

    def step(file) -> None:
        if window.open(file):
            target.send(file)

    return step


@stage
def cat(target: Generator, *, block_size: int = BLOCK_SIZE, messages: Messages | None = None,
        stats: Stats | None = None, count_lines: bool = True, max_line_bytes: int = MAX_LINE_BYTES,
        flush=None):
    """Receive open files; send each one's blocks of whole lines, then its `last` block.
    Stops reading a file as soon as `target` answers `SKIP_FILE`. A live input (a pipe, a
    terminal) is read as its lines come; `flush()` is called when it waits for more."""
    messages = messages or Messages()
    send = target.send

    def step(file) -> None:
        for block in read_blocks(file, block_size, messages, stats, count_lines, max_line_bytes, flush):
            if send(block) == SKIP_FILE:
                break
        send(end_of(file))

    return step


@stage
def time_window(window: TimeWindow, target: Generator):
    """Receive blocks; send on those that can hold lines in the bounds (`window.block`).
    Answers `SKIP_FILE` past --until in a time-ordered file, or when `target` does."""

    def step(block):
        block, verdict = window.block(block)
        if block is not None and target.send(block) == SKIP_FILE:
            return SKIP_FILE
        return verdict

    return step


@stage
def records(bounds: RecordBounds | RecordBlocks, target: Generator, *, stats: Stats | None = None,
            line_numbers: bool = True):
    """lines → records (--records): receive blocks, send them again cut at record
    boundaries (see `logpipe.pipeline.multiline.RecordBlocks`), for `grep` with a
    `RecordSearch`. Answers `SKIP_FILE` when `target` does, and drops the file's open record.
    `bounds` may be a ready `RecordBlocks`."""
    from .pipeline.multiline import RecordBlocks

    recut = bounds if isinstance(bounds, RecordBlocks) else RecordBlocks(bounds, stats, line_numbers)

    def step(block):
        verdict = None
        for whole in recut(block):
            if target.send(whole) == SKIP_FILE:
                verdict = SKIP_FILE
        if verdict is not None:
            recut.skip()
        return verdict

    return step


@stage
def grep(pattern: bytes | str | Matcher | FileSearch, target: Generator, **settings):
    """Receive blocks; send a `Match` for each matching line, a `FileEnd` after each
    file, and context lines or `BinaryMatch` as `settings` ask (the keyword arguments of
    `logpipe.pipeline.blocksearch.BlockSearch`). Answers `SKIP_FILE` to the sender once a
    file can print nothing more (`max_count` reached). `pattern` may be a ready
    `BlockSearch` (a `RecordSearch` for --records)."""
    search = pattern if isinstance(pattern, FileSearch) else BlockSearch(pattern, **settings)
    send = target.send

    def step(block):
        matches, verdict = search(block)
        for match in matches:
            send(match)
        return verdict

    return step


@stage
def stamp(window: TimeWindow, target: Generator):
    """Receive records; send on those whose lines' times are in the bounds, with their
    time if asked (`window.stamp`), each `FileEnd` with its count of lines kept."""
    keep, send = window.stamp, target.send

    def step(record) -> None:
        record = keep(record)
        if record is not None:
            send(record)

    return step


@stage
def follow(lanes: Callable[[], list], target: Generator, *, messages: Messages | None = None,
           stats: Stats | None = None, sink: Sink | None = None, max_count: int | None = None,
           sort_by_time: bool = False, hold_signals: bool = False, **settings):
    """--tail: receive the walk's logfiles; when the walk is done, follow them, and the
    files that appear under the roots, as they grow (`logpipe.pipeline.follow.Follower`,
    whose keyword arguments `settings` are), pushing each file's new blocks as they come.

    Each file has a lane, `lanes()`: the plan's stages after `cat` with pieces of their
    own, as coroutines made once when the file is met and kept while it is followed,
    each lane ending in `target` (`sort_by_time`: in a `logpipe.pipeline.timeline.TimeOrder`
    first, which hands them on merged by their times within a second). A file whose lane
    answers `SKIP_FILE` is let go. With `max_count` (-m), the follow ends after that many
    selected lines in all; `hold_signals` (a summary, which writes nothing per line): a
    batch is searched whole before Ctrl-C or SIGTERM ends the follow
    (`logpipe.signals.HeldSignals`)."""
    import contextlib

    from .pipeline.follow import begin_lane, ended, follower_for
    from .signals import HeldSignals, Terminated

    whole = HeldSignals if hold_signals else contextlib.nullcontext

    logfiles: list = []
    running: dict = {}  # file -> the first coroutine of its lane
    order = None

    def send(records) -> None:
        for record in records:
            target.send(record)
            if max_count is not None and sink.matches >= max_count:
                raise StopSearch

    def start(file) -> bool:
        entries = lanes()
        if order is not None:
            lane = _Into(order.add)
        else:
            lane = _Enough(target, sink, max_count) if max_count is not None else _Shared(target)
        for name, pieces, keywords in reversed(entries):
            lane = STAGES[name](*pieces, lane, **keywords)
        running[file] = lane
        return begin_lane(entries, file)

    def finish() -> None:
        nonlocal order
        follower, order = follower_for(logfiles, start, sort_by_time=sort_by_time, messages=messages, stats=stats,
                                       sink=sink, **settings)

        def searched(file, blocks) -> None:
            """A batch of `file`'s blocks sent through its lane."""
            lane = running[file]
            with whole():
                for block in blocks:
                    if lane.send(block) == SKIP_FILE:
                        follower.skip(file)
                        break
            if blocks[-1].last:
                running.pop(file).close()

        batches = follower.batches()
        try:
            for file, blocks in batches:
                if file is not None:
                    searched(file, blocks)
                if order is not None:
                    send(order.due())
        except (KeyboardInterrupt, Terminated) as ending:
            for file, blocks in ended(batches, ending):  # it came while a lane searched: the rest read now
                if file is not None and file in running:
                    try:
                        searched(file, blocks)
                    except (StopSearch, StopIteration):  # the lane the signal cut (a coroutine that raised is done)
                        running.pop(file, None)
            if order is not None:
                send(order.rest())  # what the files held at the end (the follower read it)
            raise
        finally:
            batches.close()
            follower.close()
            for lane in running.values():
                lane.close()
        if order is not None:
            send(order.rest())

    def step(logfile) -> None:
        logfiles.append(logfile)

    step.finish = finish
    return step


@coroutine
def _Into(add):
    """A lane's end that hands its records to `add` (the time order, with --sort time)."""
    while True:
        add((yield))


@coroutine
def _Shared(target: Generator):
    """A lane's end: hands records on to the target all lanes share, which closing the
    lane leaves open."""
    send = target.send
    while True:
        send((yield))


@coroutine
def _Enough(target: Generator, sink: Sink, max_count: int):
    """A lane's end with -m under --tail: the search ends after `max_count` selected lines in all."""
    send = target.send
    while True:
        send((yield))
        if sink.matches >= max_count:
            raise StopSearch


@coroutine
def printer(output: Printer):
    """The sink: write each match; `output.write` raises `StopSearch` to end the search."""
    while True:
        output.write((yield))


def merge_by_time(streams: list[Iterable], target: Generator) -> None:
    """--sort time, a source: send the records of several streams (one per rotated set)
    to `target` in one time order, then close it. A k-way merge must choose which stream
    moves next, so it pulls its streams (see `_set_records`)."""
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


# -- the plan's chain --------------------------------------------------------------------


def chain(plan: Plan, target: Generator, messages: Messages, stats: Stats | None = None,
          announce=None, fetch: bool = True, sink: Sink | None = None) -> Generator:
    """The plan's stages after the walk, each coroutine taking the one after it: built
    from the last stage to the first, ready for `LogFile`s."""
    for name, pieces, settings in reversed(plan.chain(messages, stats, fetch=fetch, announce=announce, sink=sink)):
        target = STAGES[name](*pieces, target, **settings)
    return target


def search_logfiles(plan: Plan, logfiles: Iterable[LogFile], output: Printer, messages: Messages,
                    stats: Stats | None = None, announce=None) -> None:
    """Print what the plan's chain finds in `logfiles` (walked elsewhere: this is what
    every executor runs); with --sort time, one chain per rotated set, merged by time."""
    if plan.merge:
        from .pipeline.timeline import ensure_descriptors, rotated_sets

        sets = rotated_sets(logfiles)
        ensure_descriptors(len(sets))
        merge_by_time([_set_records(plan, members, messages, stats) for members in sets], printer(output))
        return
    send_all(logfiles, chain(plan, printer(output), messages, stats, announce, sink=output.sink))


def _set_records(plan: Plan, logfiles: list[LogFile], messages: Messages, stats: Stats | None) -> Iterator:
    """One rotated set's records for the merge, which pulls them. A push chain cannot
    pause inside a file, so the set's files are read by `timeline.set_blocks` (the work of
    the stages up to `cat`, one block at a time) and each block is pushed through the
    plan's stages after `cat` into a queue that the merge drains: at most one block's
    records per set wait ahead of the timeline."""
    from .pipeline.timeline import set_blocks

    pending: deque = deque()

    @coroutine
    def collect():
        while True:
            pending.append((yield))

    stages = plan.chain(messages, stats)
    after_cat = [name for name, _, _ in stages].index("cat") + 1
    target = collect()
    for name, pieces, settings in reversed(stages[after_cat:]):
        target = STAGES[name](*pieces, target, **settings)
    blocks = set_blocks(logfiles, stages[:after_cat])
    try:
        verdict = None
        while True:
            try:
                block = blocks.send(verdict)
            except StopIteration:
                return
            verdict = target.send(block)
            while pending:
                yield pending.popleft()
    finally:
        blocks.close()
        target.close()


STAGES = {"fetch": fetch, "opener": opener, "skip_by_time": skip_by_time, "cat": cat, "time_window": time_window,
          "records": records, "grep": grep, "stamp": stamp, "follow": follow}
