"""Run one search: pick the backend, wire the output and messages, compute the exit status."""
from __future__ import annotations

import os
import sys
import time
from typing import BinaryIO

from . import pull, push
from .pipeline.matching import Matcher
from .messages import Messages, describe
from .options import SearchOptions
from .output import Output, grep_colors
from .progress import Progress, wanted as progress_wanted
from .stats import Stats

BACKENDS = {"pull": pull, "push": push}

# Exit statuses, as grep's.
MATCHED, NO_MATCH, ERROR = 0, 1, 2


def run(options: SearchOptions, stdout: BinaryIO | None = None, stderr: BinaryIO | None = None,
        stats: Stats | None = None) -> int:
    """Search as `options` say, writing matches to `stdout` and messages to `stderr`
    (both binary; the process's own by default). Returns grep's exit status.
    With `stats`, each stage counts what it did into it."""
    messages = Messages(stderr, silent=options.no_messages, summarize=True)  # notes: one line at the end
    stream = stdout if stdout is not None else sys.stdout.buffer
    error_stream = stderr if stderr is not None else sys.stderr.buffer
    show_progress = options.progress if options.progress is not None else progress_wanted(stream, error_stream)
    if stats is None and (options.stats or show_progress):
        stats = Stats()
    progress = Progress(stats, lambda: output.matches, error_stream) if show_progress else None
    output = make_output(options, progress.guard(stream) if progress else stream, messages)
    if options.dask and "-" not in options.paths:
        from .executors.dask import search as engine  # batches of files on a Dask cluster's workers
    elif options.threads > 1 and "-" not in options.paths and not _remote(options.paths) and options.sort != "time":
        # (--sort time merges every file's lines in one process: -jN gives -j1's output)
        from .executors.workers import search as engine  # each file in a worker process
    else:
        engine = BACKENDS[options.backend].search
    started = time.perf_counter()
    try:
        if progress is not None:
            with progress:
                engine(options, output, messages, stats)
        else:
            engine(options, output, messages, stats)
        output.finish()
    finally:
        output.flush()
        if stats is not None:
            stats.matches = output.matches
            stats.files_with_errors = messages.count
            stats.seconds = time.perf_counter() - started
    messages.write_notes(every_name=options.stats)
    if options.stats:
        error_stream.write(stats.format().encode())
        error_stream.flush()
    if output.pipe_closed:
        _silence_stdout(stdout)
        return MATCHED
    if output.write_error is not None:  # a full disk, say: the output is incomplete
        messages.error("(standard output)", "write error: " + describe(output.write_error))
        _silence_stdout(stdout)
        return ERROR
    if output.matches and (options.quiet or not messages.errored):
        return MATCHED
    return ERROR if messages.errored else NO_MATCH


def make_output(options: SearchOptions, stream: BinaryIO, messages: Messages | None = None) -> Output:
    """The sink for `options`, writing to `stream` (and what cannot be printed to `messages`)."""
    color = use_color(options.color, stream)
    return Output(stream, mode=options.mode, with_filename=show_filename(options),
                  line_number=options.line_number or options.json, byte_offset=options.byte_offset,
                  null=options.null, color=color,
                  colors=grep_colors(os.environ.get("GREP_COLORS"), options.invert_match) if color else None,
                  context=bool(options.before_context or options.after_context or options.context_given
                               or options.multiline),
                  matcher=Matcher(options.patterns, **options.matcher_settings()), invert=options.invert_match,
                  messages=messages, escape_names=_isatty(stream), max_count=options.max_count)


def use_color(mode: str, stream) -> bool:
    """--color: "auto" colours only a terminal, and only when NO_COLOR is not set."""
    if mode == "auto":
        return _isatty(stream) and not os.environ.get("NO_COLOR")
    return mode == "always"


def _isatty(stream) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False


def show_filename(options: SearchOptions) -> bool:
    """-H / -h if given; else names are printed when more than one file can be searched."""
    if options.with_filename is not None:
        return options.with_filename
    paths = options.paths
    if len(paths) == 1 and _remote(paths):
        from .pipeline.remote import isdir

        return isdir(paths[0])
    return len(paths) > 1 or any(path != "-" and os.path.isdir(path or ".") for path in paths)


def _remote(paths) -> bool:
    """Whether any PATH is a URL (s3://, http://, ...). Remote objects are searched here,
    many fetched at once by threads (--prefetch), rather than by -j worker processes."""
    if not any("://" in path for path in paths):
        return False
    from .pipeline.remote import is_url

    return any(is_url(path) for path in paths)


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
