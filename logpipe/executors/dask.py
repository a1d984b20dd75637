"""--dask ADDRESS: the search fanned out over a Dask cluster, output exactly as -j1 prints it.

    find_files (here) ─> batches of files ─> workers: fetch → opener → cat → grep → printer (into bytes)
                                          <─ each batch's output, messages, counts ─> in walk order → stdout

The contract, for whichever engine hosts it (issue 9's executor interface):
- the walk runs here; files go out in batches of up to `BATCH_FILES` (remote objects are small
  and many: one task per object would cost more in scheduling than in searching);
- each task is `search_batch(options, logfiles, counting)`: the workers read the files
  themselves (URLs, or paths they share with this machine) through the usual chain, remote
  ones fetched ahead as here, and return one `FileResult` for the batch;
- at most `window` tasks are in flight (memory bounded whatever the number of files), and
  results are written in submission order, so the output is -j1's;
- -q satisfied, a closed pipe, Ctrl-C or SIGTERM cancel every task not yet done; the
  scheduler forgets them and no worker starts one of them.
"""
from __future__ import annotations

import io
from collections import deque
from typing import NamedTuple

from ..pipeline.find_files import walk
from ..messages import HeldMessages, Messages
from ..options import SearchOptions
from ..output import Output
from ..records import LogFile, StopSearch
from ..pipeline.remote import MissingPackage
from ..stats import Stats

class FileResult(NamedTuple):
    """What a task hands back: its batch's output and messages, formatted by the worker."""

    output: bytes
    messages: bytes
    message_count: int
    matches: int
    stats: Stats | None
    json_totals: dict


BATCH_FILES = 16      # files per task
TASKS_PER_THREAD = 2  # tasks in flight per worker thread of the cluster: each busy, the next one queued
CONNECT_TIMEOUT = 10  # seconds to reach the scheduler


def search_batch(options: SearchOptions, logfiles: list[LogFile], counting: bool = False) -> FileResult:
    """On a worker: search `logfiles` in order with the chosen backend, formatted into bytes."""
    from ..search import BACKENDS, make_output

    out, err, stats = io.BytesIO(), io.BytesIO(), Stats() if counting else None
    messages = Messages(err, silent=options.no_messages)
    output = make_output(options, out, messages)
    BACKENDS[options.backend].search_logfiles(options, [LogFile(*f) for f in logfiles], output, messages, stats)
    return FileResult(out.getvalue(), err.getvalue(), messages.count, output.matches, stats, output.json_totals)


def connect(address: str):
    """A client of the scheduler at `address`; `MissingPackage` when distributed is absent."""
    try:
        from distributed import Client
    except ImportError:
        raise MissingPackage("needs the distributed package (pip install 'logpipe[dask]')") from None
    return Client(address, timeout=CONNECT_TIMEOUT, set_as_default=False)


def search(options: SearchOptions, output: Output, messages: Messages, stats: Stats | None) -> None:
    """Search `options.paths` on the cluster at `options.dask`; write to `output` in walk order."""
    try:
        client = connect(options.dask)
    except Exception as err:  # missing package, no scheduler there, a bad address
        reason = str(err) if isinstance(err, MissingPackage) else f"cannot reach the Dask scheduler ({err})"
        messages.error(f"--dask {options.dask}", " ".join(reason.split()))
        return
    per_batch = options._replace(
        threads=1, progress=False, stats=False, dask=None, with_filename=output.with_filename,
        color="always" if output.color else "never")
    walked = HeldMessages(silent=options.no_messages)  # what the walk reports, kept until its place in the order
    logfiles = walk(options.paths, globs=options.globs, exclude=options.exclude, max_depth=options.max_depth,
                    follow=options.follow, messages=walked, stats=stats)

    def emit(walk_report: tuple[bytes, int], result: FileResult) -> None:
        messages.write_raw(*walk_report)
        messages.write_raw(result.messages, result.message_count)
        output.matches += result.matches
        if stats is not None and result.stats is not None:
            stats.add(result.stats)
        if output.mode == "quiet" and result.matches:
            raise StopSearch
        output.write_file_output(result.output, result.json_totals)
        if output.pipe_closed or output.write_error:
            raise StopSearch

    pending: deque = deque()
    try:
        threads = sum(client.nthreads().values()) or 1
        window = max(2, TASKS_PER_THREAD * threads)
        batch: list[tuple[str, bytes]] = []
        report = (b"", 0)

        def submit() -> None:
            future = client.submit(search_batch, per_batch, list(batch), stats is not None, pure=False)
            pending.append((report, future))

        for logfile in logfiles:
            if not batch:
                report = walked.take()  # the walk's messages before the batch's first file
            elif walked.held:  # a message between two files: it starts a new batch
                submit()
                batch, report = [], walked.take()
            batch.append(tuple(logfile))
            if len(batch) >= BATCH_FILES:
                submit()
                batch = []
            while len(pending) >= window:
                walk_report, future = pending.popleft()
                emit(walk_report, future.result())
        if batch:
            submit()
        while pending:
            walk_report, future = pending.popleft()
            emit(walk_report, future.result())
        messages.write_raw(*walked.take())
    except StopSearch:
        pass
    finally:
        if pending:  # an early stop, Ctrl-C, an error: nothing more runs for us
            client.cancel([future for _, future in pending], force=True)
        client.close()
