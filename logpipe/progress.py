"""A progress line on stderr while a long search runs (tqdm draws it).

A thread reads the counters that the stages keep (`Stats`) a few times a second, so the
search itself pays nothing for it. tqdm waits `delay` seconds before it shows anything,
redraws the line in place, and erases it at the end.
"""
from __future__ import annotations

import threading
import io
from typing import BinaryIO, Callable

from .stats import Stats

DELAY = 0.5      # seconds before the line appears: a quick search shows nothing
INTERVAL = 0.1   # seconds between redraws


class Progress:
    def __init__(self, stats: Stats, matches: Callable[[], int], stream: BinaryIO, *,
                 delay: float | None = None) -> None:
        self.stats = stats
        self.matches = matches
        self.stream = stream
        self.delay = DELAY if delay is None else delay
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._run, name="logpipe-progress", daemon=True)

    def __enter__(self) -> Progress:
        self._thread.start()
        return self

    def __exit__(self, *exc_info) -> None:
        self._done.set()
        self._thread.join()

    def _run(self) -> None:
        from tqdm import tqdm

        tqdm.monitor_interval = 0  # no monitor thread of tqdm's own: ours redraws, and forks stay simple
        text = io.TextIOWrapper(self.stream, encoding="utf-8", errors="replace", write_through=True)
        bar = tqdm(total=0, unit="file", file=text, delay=self.delay, leave=False, dynamic_ncols=True,
                   bar_format="{n_fmt}/{total_fmt} files{postfix} [{elapsed}]", mininterval=INTERVAL)
        try:
            while not self._done.wait(INTERVAL):
                self._update(bar)
        finally:
            bar.close()
            text.detach()  # leave the binary stream open: it is not ours

    def _update(self, bar) -> None:
        now = bar._time()
        if now - bar.start_t < self.delay:  # refresh() itself does not wait for `delay`
            return
        stats = self.stats
        bar.total = stats.files_selected
        bar.n = stats.files_done
        bar.set_postfix_str(f"{stats.decompressed_bytes / 1e6:.1f} MB read, {self.matches()} matches", refresh=False)
        bar.refresh()
        bar.last_print_t = now  # so that close() knows the line is shown and erases it
