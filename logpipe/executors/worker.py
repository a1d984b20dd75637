"""A -j worker process's side (see `workers.py` for the parent's and the reasons): it
reads batches of logfiles from its task pipe, searches them with the plan's chain, and
writes each file's results as frames (`frames.py`) into its result pipe."""
from __future__ import annotations

import os
import pickle
import select
import signal
import struct
import time
from collections import deque
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING

from ..records import LogFile
from ..stats import PER_FILE, Stats
from .frames import CHUNK, FileSearcher, Frames

if TYPE_CHECKING:
    from ..plan import Plan
    from ..printers.ordered import FileDone

LOW_WATER = 8          # a worker with fewer tasks queued sends its results at once
REPORT_EVERY = 0.1     # seconds between counter increments sent for --stats/--progress
READ_SIZE = 256 * 1024

_libc = None


def prepare_fork(json: bool = False) -> None:
    """Load what a worker needs before forking: nothing is imported in a worker whose
    parent may have had another thread (the progress line) holding a lock at fork time.
    `json`: the workers print JSON."""
    global _libc
    if json:
        import base64  # noqa: F401  (JSON output in the worker)

        import msgspec  # noqa: F401
    if _libc is None:
        import fcntl  # noqa: F401  (workers._enlarge)
        import ctypes

        try:
            _libc = ctypes.CDLL(None, use_errno=True)  # this process's own symbols: libc's prctl among them
        except (OSError, ImportError):
            _libc = False


def _nothing() -> None:
    pass


class Meter(Stats):
    """A worker's counters: each block cut calls `tick` (the one hook per block a worker
    has), which sends what is buffered and, for --stats/--progress, the increments."""

    def __init__(self, tick: Callable[[], None]) -> None:
        self._tick = _nothing
        self._blocks = 0
        super().__init__()
        self._tick = tick

    @property
    def blocks(self) -> int:
        return self._blocks

    @blocks.setter
    def blocks(self, value: int) -> None:
        self._blocks = value
        self._tick()

    def take(self) -> Stats:
        """The increments since the last take, and zero them here."""
        taken = Stats()
        taken.opened.update(self.opened)
        self.opened.clear()
        for name in PER_FILE:
            if name != "blocks":  # blocks: the property that ticks
                setattr(taken, name, getattr(self, name))
                setattr(self, name, 0)
        taken.blocks, self._blocks = self._blocks, 0
        return taken


def worker_main(task_fd: int, result_fd: int, plan: Plan, counting: bool, signal_mask) -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)   # Ctrl-C is the parent's to handle
    signal.signal(signal.SIGTERM, signal.SIG_DFL)  # die at once, no handler, no traceback
    signal.signal(signal.SIGPIPE, signal.SIG_DFL)  # the parent is gone: so are we
    signal.pthread_sigmask(signal.SIG_SETMASK, signal_mask)  # blocked by the parent around the fork
    parent = os.getppid()
    if _libc:
        _libc.prctl(1, int(signal.SIGKILL))  # PR_SET_PDEATHSIG: die with the parent
    if os.getppid() != parent:
        return
    devnull = os.open(os.devnull, os.O_RDWR)
    os.dup2(devnull, 0)  # hold neither the search's stdin nor its stdout open
    os.dup2(devnull, 1)
    os.close(devnull)

    frames = Frames(lambda data: _write_all(result_fd, data))
    queue: deque[LogFile] = deque()
    reported = [time.monotonic()]

    def tick() -> None:
        now = time.monotonic()
        if counting and now - reported[0] >= REPORT_EVERY:
            reported[0] = now
            frames.counted(stats.take())
            frames.flush()
        elif frames.due():
            frames.flush()

    stats = Meter(tick)
    stats.counts_lines = counting  # else lines are not counted only to be thrown away
    searcher = FileSearcher(plan, frames, stats)
    tasks = _TaskPipe(task_fd, queue)

    def done(logfile: LogFile, result: FileDone) -> None:
        frames.done(result, stats.take() if counting else None)
        if len(queue) < LOW_WATER:
            tasks.top_up()
        if len(queue) < LOW_WATER or len(frames.buffer) >= CHUNK or frames.due():
            frames.flush()

    def logfiles() -> Iterator[LogFile]:
        while True:
            if not queue:
                frames.flush()
                if not tasks.wait():
                    return
            yield queue.popleft()

    searcher.run(logfiles(), done)
    frames.flush()


class _TaskPipe:
    """A worker's side of its task pipe: length-prefixed pickled lists of LogFiles."""

    def __init__(self, fd: int, queue: deque) -> None:
        self.fd, self.queue, self.pending, self.closed = fd, queue, bytearray(), False
        self.poller = select.poll()
        self.poller.register(fd, select.POLLIN)

    def _read(self) -> None:
        data = os.read(self.fd, READ_SIZE)
        if not data:
            self.closed = True
        self.pending += data
        while len(self.pending) >= 4:
            (length,) = struct.unpack_from("<I", self.pending)
            if len(self.pending) < 4 + length:
                break
            self.queue.extend(pickle.loads(bytes(self.pending[4:4 + length])))
            del self.pending[:4 + length]

    def top_up(self) -> None:
        """Take whatever tasks have arrived, without waiting."""
        while not self.closed and self.poller.poll(0):
            self._read()

    def wait(self) -> bool:
        """Wait for tasks; False at the end of the pipe (the search is over)."""
        while not self.queue and not self.closed:
            self._read()
        return bool(self.queue)


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view):]
