"""The runners of a search over many files, behind one contract; the plan names which
one a search uses (`Plan.executor`), and `make` builds it:

    inprocess.py   InProcess      the files searched here, one after the other (-j1, stdin, URLs)
    workers.py     LocalWorkers   forked worker processes, each with its own pipes (-j N)
    dask.py        DaskCluster    batches of files as tasks on a Dask cluster (--dask)

The contract
------------
- `executor.run(logfiles, sink)`. A **task** is one `LogFile` (path to open, name to print)
  of `logfiles`, an iterable the executor pulls lazily, as it has room for more work (the
  walk runs alongside the search). Every file is searched by the plan's chain, on the
  backend the plan names, with the matcher and printer built once per process.
- What a task gives goes to `sink` (a `logpipe.printers.ordered.OrderedWriter`), **in the
  order of `logfiles`**, file after file: zero or more `sink.output(bytes)` (the file's
  formatted output, in chunks as it is produced, never the whole file at once), zero or
  more `sink.message(bytes)` (its lines for stderr), with context lines a `sink.group()`
  first if the file's output starts a context group (the sink puts "--" there if a group
  came before), then exactly one `sink.done(FileDone)` (selected count, number of
  messages, the format's totals). Nothing of a file is delivered before the previous
  file's `done`. `sink.counted(Stats)` may come at any time: counter increments for
  --stats and --progress. `sink.idle()` before the executor waits for results: what was
  printed goes out then (the sink may hold it). An executor that searches here may print with `sink.printer`
  directly (the same bytes, without the copy).
- **Streaming and memory**: the file being printed is delivered as it is searched; for
  the files behind it an executor holds at most a bounded amount, then its workers wait.
  A slow reader slows the workers down; it never makes memory grow.
- **Shutdown**: any exception out of a sink call (`StopSearch` for -q satisfied, a closed
  pipe or a write error; `KeyboardInterrupt`; the CLI's SIGTERM exception) leaves `run`
  after every worker or task of the executor has been ended (killed and reaped, or
  cancelled): the one shutdown rule, in each `run`'s `finally`. A normal end ends nothing
  by force.
- Errors of the executor itself (a worker killed from outside, a lost scheduler) end
  `run` with `ExecutorError`, whose text is the one line to print.

A new executor is one module here implementing `run`, and one entry in `EXECUTORS`.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ..messages import Messages
    from ..plan import Plan
    from ..stats import Stats


class ExecutorError(Exception):
    """The executor cannot go on (a worker killed from outside, the scheduler lost): the
    text is one line for stderr, naming what failed."""

    def __init__(self, where: str, reason: str) -> None:
        super().__init__(f"{where}: {reason}")
        self.where, self.reason = where, reason


EXECUTORS = {"inprocess": ("inprocess", "InProcess"), "workers": ("workers", "Staged"),
             "dask": ("dask", "DaskCluster")}


def make(plan: Plan, messages: Messages, stats: Stats | None = None):
    """The executor the plan names (imported only when used)."""
    import importlib

    module, name = EXECUTORS[plan.executor]
    return getattr(importlib.import_module(f"{__name__}.{module}"), name)(plan, messages, stats)
