"""Run one search: make the plan, the printer and the executor it names, walk, and compute
the exit status.

    options ─> Plan ─> walk ─> executor.run(logfiles, OrderedWriter(printer ─> Sink ─> stdout))
"""
from __future__ import annotations

import os
import sys
import time
from typing import BinaryIO

from . import executors
from .messages import HeldMessages, Messages, describe
from .options import SearchOptions
from .pipeline.find_files import walk
from .plan import Plan
from .printers import Sink, make_printer
from .printers.sink import HOLD
from .printers.ordered import OrderedWriter
from .progress import wanted as progress_wanted
from .records import StopSearch
from .signals import Terminated
from .stats import Stats

# Exit statuses, as grep's.
MATCHED, NO_MATCH, ERROR = 0, 1, 2


def run(options: SearchOptions, stdout: BinaryIO | None = None, stderr: BinaryIO | None = None,
        stats: Stats | None = None) -> int:
    """Search as `options` say, writing matches to `stdout` and messages to `stderr`
    (both binary; the process's own by default). Returns grep's exit status.
    With `stats`, each stage counts what it did into it. A bad pattern raises
    `logpipe.pipeline.patterns.PatternError` before any file is read."""
    messages = Messages(stderr, silent=options.no_messages, summarize=True)  # notes: one line at the end
    stream = stdout if stdout is not None else sys.stdout.buffer
    error_stream = stderr if stderr is not None else sys.stderr.buffer
    plan = Plan.make(options, stream)
    show_progress = options.progress if options.progress is not None else progress_wanted(stream, error_stream)
    show_progress = show_progress and not options.tail  # a follow has no end to show progress towards
    if stats is None and (options.stats or show_progress):
        stats = Stats()
    # our own buffer, whatever PYTHONUNBUFFERED says; a terminal sees each write at once (as
    # grep's line buffering: the stream's own buffer is flushed too, or a match found early in a
    # long search would wait there for 8 KiB more or the end), and so does --line-buffered
    terminal = _isatty(stream)
    sink = Sink(stream, quiet=options.quiet, line_buffered=options.line_buffered or terminal,
                hold=0 if terminal else HOLD)
    progress = None
    if show_progress:
        from .progress import Progress

        progress = Progress(stats, lambda: sink.matches, error_stream)
        sink.stream = progress.guard(stream)
    printer = make_printer(plan.printer, sink, plan.highlighter, messages)
    held = HeldMessages(messages) if plan.walk_ahead else None  # the walk runs ahead of the output
    writer = OrderedWriter(printer, messages, stats, held)
    logfiles = walk(plan.roots, **plan.walk, messages=held or messages, stats=stats)
    if held is not None:  # each file's turn is announced by the executor, or by the fetch stage
        logfiles = writer.walked(logfiles)
    started = time.perf_counter()
    try:
        if progress is not None:
            with progress:
                _search(plan, logfiles, writer, messages, stats)
        else:
            _search(plan, logfiles, writer, messages, stats)
        printer.finish()
    except (KeyboardInterrupt, Terminated):
        if plan.follow and options.summary:  # a followed summary ends on Ctrl-C, as ping prints its statistics
            printer.finish()
        raise
    finally:
        sink.flush()
        if stats is not None:
            stats.matches = sink.matches
            stats.files_with_errors = messages.count
            stats.seconds = time.perf_counter() - started
    messages.write_notes(every_name=options.stats)
    if options.stats:
        error_stream.write(stats.format().encode())
        error_stream.flush()
    if sink.pipe_closed:
        _silence_stdout(stdout)
        return MATCHED
    if sink.write_error is not None:  # a full disk, say: the output is incomplete
        messages.error("(standard output)", "write error: " + describe(sink.write_error))
        _silence_stdout(stdout)
        return ERROR
    if sink.matches and (options.quiet or not messages.errored):
        return MATCHED
    return ERROR if messages.errored else NO_MATCH


def _search(plan: Plan, logfiles, writer: OrderedWriter, messages: Messages, stats: Stats | None) -> None:
    """The executor the plan names, over the walk; its end (normal or early) decided here."""
    try:
        executors.make(plan, messages, stats).run(logfiles, writer)
    except StopSearch:
        return
    except executors.ExecutorError as err:
        messages.error(err.where, err.reason)
        return
    except (OSError, MemoryError) as err:  # not expected: one message all the same, never a traceback
        if plan.executor == "inprocess":
            raise
        where = "-j" if plan.executor == "workers" else f"--dask {plan.options.dask}"
        messages.error(where, f"parallel search failed: {describe(err)}")
        return
    writer.finish()


def _isatty(stream) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False


def _silence_stdout(stdout: BinaryIO | None) -> None:
    """After the reader of stdout has gone (or writing failed), point fd 1 at /dev/null
    so that the interpreter's own flush at exit prints no second error or traceback."""
    if stdout is not None and stdout is not sys.stdout.buffer:
        return
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, ValueError):
        pass
