"""Parallel search across files (-j N): the walk runs here, each file is searched in a
worker process by the chosen backend's own pipeline, and the output comes out in exactly
the order that -j1 gives.

    find_files ─┬─> worker: opener → cat → grep → printer (into bytes) ─┐
                ├─> worker: ...                                         ├─> in walk order → stdout
                └─> worker: ...                                         ┘

Small searches never pay for starting processes: files are searched here, straight into
the output, until the search has run for `START_WORKERS_AFTER` seconds, and only the
rest goes to the workers.
The sink still stops everything: -q satisfied, a closed pipe or Ctrl-C terminate the
workers at once.
"""
from __future__ import annotations

import io
import signal
import time
from collections import deque
from typing import NamedTuple

from .find_files import walk
from .messages import Messages
from .options import SearchOptions
from .output import Output
from .records import StopSearch
from .stats import Stats

START_WORKERS_AFTER = 0.02  # seconds of searching in this process before workers start
AHEAD_PER_WORKER = 4       # files handed out ahead per worker: enough to keep each busy


class FileResult(NamedTuple):
    output: bytes
    messages: bytes
    message_count: int
    matches: int
    stats: Stats | None
    json_totals: dict


def search_file(options: SearchOptions, path: str, counting: bool = False) -> FileResult:
    """Search one file with the chosen backend, its output formatted into bytes
    (and what its stages did, if `counting`: that costs a pass to count lines)."""
    from .search import BACKENDS, make_output

    out, err, stats = io.BytesIO(), io.BytesIO(), Stats() if counting else None
    messages = Messages(err, silent=options.no_messages)
    output = make_output(options, out, messages)
    BACKENDS[options.backend].search(options._replace(paths=(path,)), output, messages, stats)
    return FileResult(out.getvalue(), err.getvalue(), messages.count, output.matches, stats, output.json_totals)


def _worker_signals() -> None:
    """The parent handles Ctrl-C and ends the workers; SIGTERM (how it ends them) must
    kill a worker outright, not run the parent's handler that a fork copied."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)


def search(options: SearchOptions, output: Output, messages: Messages, stats: Stats | None) -> None:
    """Search `options.paths` with `options.threads` worker processes; write to `output`."""
    from .search import BACKENDS

    per_file = options._replace(
        threads=1, progress=False, stats=False, with_filename=output.with_filename,
        color="always" if output.color else "never")
    walk_messages = io.BytesIO()  # what the walk reports, kept until its place in the order
    walked = Messages(walk_messages, silent=options.no_messages)
    logfiles = walk(options.paths, globs=options.globs, exclude=options.exclude, max_depth=options.max_depth,
                    follow=options.follow, messages=walked, stats=stats)

    def take_walk_messages() -> tuple[bytes, int]:
        lines, count = walk_messages.getvalue(), walked.count
        walk_messages.seek(0)
        walk_messages.truncate()
        walked.count = 0
        return lines, count

    def emit(walk_report: tuple[bytes, int], result: FileResult) -> None:
        messages.write_raw(*walk_report)
        messages.write_raw(result.messages, result.message_count)
        output.matches += result.matches
        if stats is not None and result.stats is not None:
            stats.add(result.stats)
        if output.mode == "quiet" and result.matches:
            raise StopSearch
        output.write_file_output(result.output, result.json_totals)

    pool = None
    started = time.perf_counter()
    try:
        pending: deque = deque()
        for logfile in logfiles:
            report = take_walk_messages()
            if pool is None and time.perf_counter() - started < START_WORKERS_AFTER:
                # here, straight into our output: a `| head -1` needs no worker at all
                messages.write_raw(*report)
                counted = Stats() if stats is not None else None
                BACKENDS[options.backend].search(per_file._replace(paths=(logfile.path,)), output, messages, counted)
                if counted is not None:
                    stats.add(counted)
                if output.pipe_closed or output.write_error or (output.mode == "quiet" and output.matches):
                    raise StopSearch
                continue
            if pool is None:
                output.flush()  # nothing buffered may be copied into the workers
                pool = _context().Pool(options.threads, initializer=_worker_signals)
            pending.append((report, pool.apply_async(search_file, (per_file, logfile.path, stats is not None))))
            while len(pending) >= options.threads * AHEAD_PER_WORKER:
                report, result = pending.popleft()
                emit(report, result.get())
        while pending:
            report, result = pending.popleft()
            emit(report, result.get())
        messages.write_raw(*take_walk_messages())
    except StopSearch:
        pass
    finally:
        if pool is not None:
            pool.terminate()
            pool.join()


def _context():
    """fork where there is one: a worker starts in milliseconds with logpipe already imported."""
    import multiprocessing  # here, not at the top: a search that never starts workers never pays for it

    methods = multiprocessing.get_all_start_methods()
    return multiprocessing.get_context("fork" if "fork" in methods else "spawn")
