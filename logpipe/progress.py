"""A progress line on stderr while a long search runs (tqdm draws it).

A thread reads the counters that the stages keep (`Stats`) a few times a second, so the
search itself pays nothing for it. tqdm waits `delay` seconds before it shows anything,
redraws the line in place, and erases it at the end. When stdout is the same terminal,
`guard(stdout)` erases the line before anything is written there (under a lock shared with
the redraws), so that results never run into it; it is drawn again at the next redraw, and only when the
last write ended a line (never over a line cut by Ctrl-C, which is also not erased).
"""
from __future__ import annotations

import io
import os
import stat
import threading
from typing import BinaryIO, Callable

from .stats import Stats

DELAY = 0.5      # seconds before the line appears: a quick search shows nothing
INTERVAL = 0.1   # seconds between redraws

# Held by the progress thread while it runs tqdm's code (importing tqdm imports bz2, lzma,
# zipfile...; drawing), and by `-j`'s fork of a worker: a worker is never forked while
# this thread holds an import lock, which the worker would find held forever (it hung in
# `import bz2`, under load, about once in 20 searches on a terminal).
TQDM = threading.Lock()


class Progress:
    def __init__(self, stats: Stats, matches: Callable[[], int], stream: BinaryIO, *,
                 delay: float | None = None) -> None:
        self.stats = stats
        self.matches = matches
        self.stream = stream
        self.delay = DELAY if delay is None else delay
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._run, name="logpipe-progress", daemon=True)
        self._lock = threading.Lock()  # held while the line is drawn or erased, and while stdout is written
        self._bar = None
        self._shown = False
        self.at_line_start = True  # where the cursor is: the last write to the same terminal ended a line

    def guard(self, stdout: BinaryIO) -> BinaryIO:
        """`stdout` as the search should write to it: through `ErasingWriter` when it is the
        terminal the line is drawn on, else as it is."""
        return ErasingWriter(stdout, self) if same_terminal(stdout, self.stream) else stdout

    def erase(self) -> None:
        """Erase the line if it is shown (the caller holds the lock)."""
        if self._shown:
            self._bar.clear(nolock=True)
            self._shown = False

    def __enter__(self) -> Progress:
        self._thread.start()
        return self

    def __exit__(self, *exc_info) -> None:
        self._done.set()
        self._thread.join()

    def _run(self) -> None:
        with TQDM:
            from tqdm import tqdm

            tqdm.monitor_interval = 0  # no monitor thread of tqdm's own: ours redraws, and forks stay simple
            text = io.TextIOWrapper(self.stream, encoding="utf-8", errors="replace", write_through=True)
            bar = tqdm(total=0, unit="file", file=text, delay=self.delay, leave=False, dynamic_ncols=True,
                       bar_format="{n_fmt}/{total_fmt} files{postfix} [{elapsed}]", mininterval=INTERVAL)
        self._bar = bar
        try:
            while not self._done.wait(INTERVAL):
                with self._lock, TQDM:
                    self._update(bar)
        finally:
            with self._lock, TQDM:
                if not self._shown:  # nothing to erase: no "\r" either, which would put the cursor
                    bar.disable = True  # at the start of a line the search left unfinished
                bar.close()
                self._shown = False
            text.detach()  # leave the binary stream open: it is not ours

    def _update(self, bar) -> None:
        now = bar._time()
        if now - bar.start_t < self.delay:  # refresh() itself does not wait for `delay`
            return
        if not self.at_line_start:  # drawn from column 0, it would cover the line being written
            return
        stats = self.stats
        bar.total = stats.files_selected
        bar.n = stats.files_done
        bar.set_postfix_str(f"{stats.decompressed_bytes / 1e6:.1f} MB read, {self.matches()} matches", refresh=False)
        bar.refresh(nolock=True)
        bar.last_print_t = now  # so that close() knows the line is shown and erases it
        self._shown = True


class ErasingWriter:
    """stdout on the terminal where the progress line is drawn: each write erases the line
    first and reaches the terminal at once, under the lock the redraws take."""

    def __init__(self, stream: BinaryIO, progress: Progress) -> None:
        self.stream = stream
        self.progress = progress

    def write(self, data: bytes) -> int:
        progress = self.progress
        with progress._lock:
            progress.erase()
            if data:
                progress.at_line_start = False  # until the write is done: it may be cut (Ctrl-C)
            written = self.stream.write(data)
            self.stream.flush()
            if data:
                progress.at_line_start = data[-1:] == b"\n"
        return written

    def flush(self) -> None:
        self.stream.flush()

    def isatty(self) -> bool:
        return self.stream.isatty()

    def fileno(self) -> int:
        return self.stream.fileno()


def wanted(stdout: BinaryIO, stderr: BinaryIO) -> bool:
    """Whether the progress line is shown when neither --progress nor --no-progress says:
    when stderr is a terminal and stdout is not a pipe (`| less` shows the terminal, and
    a line drawn there would run over the pager's screen)."""
    try:
        if not stderr.isatty():
            return False
    except (AttributeError, ValueError):
        return False
    try:
        return not stat.S_ISFIFO(os.fstat(stdout.fileno()).st_mode)
    except (AttributeError, OSError, ValueError):  # not a real file: a library user's buffer
        return True


def same_terminal(stdout: BinaryIO, stderr: BinaryIO) -> bool:
    try:
        return stdout.isatty() and os.path.samestat(os.fstat(stdout.fileno()), os.fstat(stderr.fileno()))
    except (AttributeError, OSError, ValueError):
        return False
