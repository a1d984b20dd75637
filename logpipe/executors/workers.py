"""Parallel search (-j N): the walk runs here, the files are searched by worker processes
running the chosen backend's own chain, and the output comes out streaming, in exactly
the order that -j1 gives, in bounded memory, and every worker ends with the search.

    find_files ─ tasks ─┬─> worker 1: opener → cat → grep → printer ═ frames ═╗
                        └─> worker 2: opener → cat → grep → printer ═ frames ═╣
                                                                               ╚═> in walk order → stdout

The executor contract is in `logpipe.executors`; this module holds `LocalWorkers` (the
parent's side) and `Staged` (the executor the plan names for -j N: the first files searched
here while the search is small, the rest by workers); `worker.py` holds a worker's side,
`frames.py` the framed results both sides share.

Why own processes and pipes (and not multiprocessing.Pool or concurrent.futures)
-----------------------------------------------------------------------------------
Pool's workers share one task queue and one result queue, each guarded by a lock that a
worker takes while it reads or writes; a worker killed while holding it (SIGTERM to the
process group, `terminate()`) leaves the lock held and the parent's `terminate()` hangs
on it (CPython #96995). Here each worker has two pipes of its own and shares no lock
with anyone: the parent writes batches of paths into the worker's task pipe and reads
the worker's framed results from its result pipe. Ending a worker is SIGKILL then
`waitpid`, which nothing a worker holds can block. A worker:
- is forked (starts in ~1 ms with logpipe imported, nothing pickled but paths);
- ignores SIGINT (Ctrl-C reaches the whole group; the parent decides), dies at once on
  SIGTERM (default action, no handler, no traceback) and on SIGPIPE (the parent is gone);
- asks the kernel for SIGKILL when the parent dies (`prctl(PR_SET_PDEATHSIG)`), and sees
  end-of-file on its task pipe when the parent closes it or dies;
- leaves only through `os._exit`: no atexit handler, no flush of a copied stdout buffer.

Results (worker → parent) are frames (`frames.py`), written when they reach `CHUNK`, when
`FLUSH_EVERY` seconds passed (checked per block), and at a file's end when its queue of
tasks runs low; the kernel pipe (enlarged to 1 MiB where allowed) and the parent's
`HELD_PER_WORKER` bound what is ahead of the printer: a worker further ahead blocks in
`write`.

Tasks (parent → worker): pickled lists of `LogFile`s. Files are dealt one by one to the
worker with the fewest in flight, at most `AHEAD_PER_WORKER` each, and the bytes in
flight stay below the task pipe's capacity, so that the parent never blocks writing a
task (the one write that could otherwise deadlock against a worker blocked on output).
All files dealt in one round to a worker go in one write (many small files per message).

How many workers: at most -j, at most the cores this process may run on, and a worker
is only started when a file is waiting and every started worker is busy (so `-j 1000`
on 3 files starts at most 3). A search too small to gain starts none: files are
searched here (`InProcess`) until the search has run for `START_WORKERS_AFTER` seconds,
and only the rest goes to workers; a `| head -1` usually needs no worker at all.

Resource errors when starting a worker (EMFILE from `pipe`, EAGAIN or ENOMEM from
`fork`, MemoryError): one message, status 2, and the search goes on with the workers
already started, or here if there are none.

Not done: a big plain file is searched by one worker, not split at line boundaries
across several (line numbers, -m and context would need state carried between parts).
"""
from __future__ import annotations

import os
import pickle
import select
import signal
import struct
import time
from collections import deque
from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING

from ..messages import Messages, describe
from ..records import LogFile
from . import ExecutorError
from .frames import FrameReader
from .inprocess import InProcess

if TYPE_CHECKING:
    from ..plan import Plan
    from ..printers.ordered import OrderedWriter
    from ..stats import Stats

START_WORKERS_AFTER = 0.02  # seconds of searching in this process before workers start
IN_PROCESS_AT_MOST = 4 << 20  # bytes on disk: a bigger file goes to a worker at once
AHEAD_PER_WORKER = 64       # files dealt to a worker and not yet done
HELD_PER_WORKER = 4 << 20   # result bytes the parent reads ahead for a file behind the one printed
PIPE_SIZE = 1 << 20         # asked of the kernel for each pipe (F_SETPIPE_SZ), if allowed
READ_SIZE = 256 * 1024

ENDING = {signal.SIGINT, signal.SIGTERM}  # the signals that end a search


class Staged:
    """The -j N executor: files are searched here until the search has run for
    `START_WORKERS_AFTER` seconds (or a file too big for that comes), the rest by up to
    -j worker processes (`LocalWorkers`), or here when -j or the cores allow one."""

    def __init__(self, plan: Plan, messages: Messages, stats: Stats | None = None) -> None:
        self.plan, self.messages, self.stats = plan, messages, stats

    def run(self, logfiles: Iterable[LogFile], sink: OrderedWriter) -> None:
        logfiles = iter(logfiles)
        handed_over: list[LogFile] = []
        started = time.perf_counter()

        def for_a_while() -> Iterator[LogFile]:
            while time.perf_counter() - started < START_WORKERS_AFTER:
                logfile = next(logfiles, None)
                if logfile is None:
                    return
                if _size(logfile.path) > IN_PROCESS_AT_MOST:  # worth a worker (and the files after it too)
                    handed_over.append(logfile)
                    return
                yield logfile

        InProcess(self.plan, self.messages, self.stats).run(for_a_while(), sink)
        jobs = worker_count(self.plan.options.threads)
        executor = LocalWorkers(self.plan, jobs, self.messages, self.stats) if jobs > 1 else \
            InProcess(self.plan, self.messages, self.stats)
        executor.run(_chain(handed_over, logfiles), sink)


def worker_count(threads: int) -> int:
    """-j, capped at the cores this process may run on."""
    try:
        cores = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        cores = os.cpu_count() or 1
    return max(1, min(threads, cores))


class _Worker:
    def __init__(self, pid: int, tasks: int, results: int, room: int) -> None:
        self.pid = pid
        self.tasks = tasks          # our end of its task pipe
        self.results = results      # our end of its result pipe
        self.room = room            # task bytes it may have in flight (below the pipe's capacity)
        self.in_flight: deque[int] = deque()  # encoded size of each task dealt and not done
        self.in_flight_bytes = 0    # their sum
        self.reader = FrameReader()  # results read ahead, delivered file by file
        self.eof = False
        self.reaped = False

    def file_done(self) -> None:
        self.in_flight_bytes -= self.in_flight.popleft()


class LocalWorkers:
    """Search the files in forked worker processes, each with a task pipe and a result
    pipe of its own (see the module's docstring for the reasons)."""

    def __init__(self, plan: Plan, jobs: int, messages: Messages, stats: Stats | None = None) -> None:
        self.plan = plan
        self.jobs = jobs
        self.messages = messages
        self.stats = stats
        self.workers: list[_Worker] = []
        self._held_task: LogFile | None = None

    # -- the parent's loop ---------------------------------------------------------------

    def run(self, logfiles: Iterable[LogFile], sink: OrderedWriter) -> None:
        logfiles = iter(logfiles)
        order: deque[tuple[_Worker, LogFile]] = deque()  # dealt, in walk order
        normal = False
        try:
            walked_all = False
            while True:
                if not walked_all and self._wants_work():
                    walked_all = self._deal(logfiles, order)
                if not order:
                    if walked_all:
                        break
                    # no worker could be started: the rest is searched here
                    rest = [self._held_task] if self._held_task is not None else []
                    self._held_task = None
                    InProcess(self.plan, self.messages, self.stats).run(_chain(rest, logfiles), sink)
                    break
                if self._deliver(order, sink):
                    continue
                worker = order[0][0]
                if worker.eof:
                    self._died(worker)
                self._read(worker, sink)
            normal = True
        finally:
            self._shutdown(normal)

    def _deal(self, logfiles: Iterator[LogFile], order: deque) -> bool:
        """Deal files to the workers with room; True once the walk is over."""
        batches: dict[_Worker, list[LogFile]] = {}
        walked_all = False
        while True:
            logfile = self._held_task if self._held_task is not None else next(logfiles, None)
            self._held_task = None
            if logfile is None:
                walked_all = True
                break
            size = len(logfile.path) * 4 + len(logfile.name) + 64
            worker = self._pick(size)
            if worker is None:
                self._held_task = logfile
                break
            worker.in_flight.append(size)
            worker.in_flight_bytes += size
            batches.setdefault(worker, []).append(logfile)
            order.append((worker, logfile))
        for worker, batch in batches.items():
            payload = pickle.dumps(batch, protocol=pickle.HIGHEST_PROTOCOL)
            try:
                _write_all(worker.tasks, struct.pack("<I", len(payload)) + payload)
            except BrokenPipeError:  # it died: reported when its first file's turn comes
                worker.eof = True
        return walked_all

    def _wants_work(self) -> bool:
        """Deal again once a worker is half way through what it was dealt (not after every
        file: many files per write)."""
        return len(self.workers) < self.jobs or any(
            len(w.in_flight) <= AHEAD_PER_WORKER // 2 and not w.eof for w in self.workers)

    def _pick(self, size: int) -> _Worker | None:
        """The worker with the fewest files in flight, a new one if all are busy and -j allows."""
        live = [w for w in self.workers if not w.eof]
        idle = min(live, key=lambda w: len(w.in_flight), default=None)
        if (idle is None or idle.in_flight) and len(self.workers) < self.jobs:
            started = self._start()
            if started is not None:
                return started
            live = [w for w in self.workers if not w.eof]
            idle = min(live, key=lambda w: len(w.in_flight), default=None)
        if idle is None or len(idle.in_flight) >= AHEAD_PER_WORKER or idle.in_flight_bytes + size > idle.room:
            return None
        return idle

    def _deliver(self, order: deque, sink: OrderedWriter) -> bool:
        """Hand the sink the complete frames the head file's worker has sent, file after
        file; True if a file was finished."""
        finished = False
        while order:
            worker = order[0][0]

            def done() -> None:
                order.popleft()
                worker.file_done()

            if not worker.reader.deliver_file(sink, done):
                break
            finished = True
        return finished

    def _read(self, head: _Worker, sink: OrderedWriter) -> None:
        """Wait for results: from the head file's worker always, from the others while
        they hold less than HELD_PER_WORKER here (past that, their pipe fills and they wait).
        Before waiting, what was printed goes out (`sink.idle`)."""
        wanted = {w.results: w for w in self.workers
                  if not w.eof and (w is head or w.reader.ahead < HELD_PER_WORKER)}
        poller = select.poll()
        for fd in wanted:
            poller.register(fd, select.POLLIN)
        ready = poller.poll(0)
        if not ready:
            sink.idle()
            ready = poller.poll()
        for fd, _ in ready:
            worker = wanted[fd]
            data = os.read(fd, READ_SIZE)
            if data:
                worker.reader.held += data
            else:
                worker.eof = True

    def _died(self, worker: _Worker) -> None:
        """The head file's worker closed its results without finishing the file."""
        time.sleep(0.2)  # if the whole group was signalled, our own handler runs now
        reason = "ended unexpectedly"
        try:
            pid, status = os.waitpid(worker.pid, os.WNOHANG)
            if pid:
                worker.reaped = True
                if os.WIFSIGNALED(status):
                    reason = f"was killed by signal {os.WTERMSIG(status)}"
        except ChildProcessError:
            pass
        raise ExecutorError("-j", f"a worker process {reason}; search stopped")

    # -- starting and ending workers ---------------------------------------------------

    def _start(self) -> _Worker | None:
        """Fork one more worker; on a resource error, say so once and go on without it."""
        try:
            return fork_worker(self.plan, self.stats is not None, self.workers)
        except (OSError, ImportError, MemoryError) as err:
            started = len(self.workers)
            self.jobs = started
            where = f"going on with {started}" if started else "searching in this process"
            self.messages.error("-j", f"cannot start a worker process: {describe(err)} ({where})")
            return None

    def _shutdown(self, normal: bool) -> None:
        end_workers(self.workers, normal)
        self.workers = []


def fork_worker(plan: Plan, counting: bool, workers: list[_Worker]) -> _Worker:
    """A new worker process with a task pipe and a result pipe of its own, added to
    `workers` (whose pipes are closed in it) before any signal can end the search, so that
    the shutdown rule ends it too; raises OSError, ImportError or MemoryError if it cannot
    be started."""
    from .worker import prepare_fork, worker_main

    fds: list[int] = []
    try:
        prepare_fork(plan.printer.mode == "json")  # before the pipes: loading a library needs a descriptor too
        task_read, task_write = os.pipe()
        fds += [task_read, task_write]
        result_read, result_write = os.pipe()
        fds += [result_read, result_write]
        room = _enlarge(task_write) - 4096
        _enlarge(result_write)
        # no signal handler may run between the fork and the worker's registration
        # by the caller (it would leave a worker nobody ends); the child unblocks them itself
        previous = signal.pthread_sigmask(signal.SIG_BLOCK, ENDING)
        try:
            pid = os.fork()
        except BaseException:
            signal.pthread_sigmask(signal.SIG_SETMASK, previous)
            raise
    except BaseException:
        for fd in fds:
            os.close(fd)
        raise
    if pid == 0:  # the worker
        code = 70
        try:
            mine = {task_read, result_write}
            for fd in fds + [fd for w in workers for fd in (w.tasks, w.results)]:
                if fd not in mine:
                    os.close(fd)
            worker_main(task_read, result_write, plan, counting, previous)
            code = 0
        except BaseException:  # noqa: B902 - never a traceback from a worker, whatever happens
            pass
        finally:
            os._exit(code)
    try:
        worker = _Worker(pid, task_write, result_read, max(room, 4096))
        workers.append(worker)
        os.close(task_read)
        os.close(result_write)
        return worker
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)


def end_workers(workers: list[_Worker], normal: bool) -> None:
    """The one shutdown rule: on a normal end, close the task pipes and let the workers
    exit; otherwise SIGKILL them. Then reap every one (no zombie), within a second."""
    previous = signal.pthread_sigmask(signal.SIG_BLOCK, ENDING)  # a second Ctrl-C cannot cut this short
    try:
        for worker in workers:
            _close(worker.tasks)
            if not normal:
                _kill(worker.pid)
        for worker in workers:
            _close(worker.results)
        deadline = time.monotonic() + 1.0
        for worker in workers:
            while not worker.reaped:
                try:
                    pid, _ = os.waitpid(worker.pid, os.WNOHANG if time.monotonic() < deadline else 0)
                except ChildProcessError:
                    pid = worker.pid
                if pid:
                    worker.reaped = True
                elif time.monotonic() >= deadline - 0.5:
                    _kill(worker.pid)  # still busy after a normal end: not expected, but never wait
                else:
                    time.sleep(0.001)
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)


def _size(path: str) -> int:
    try:
        return os.stat(path).st_size
    except OSError:
        return 0  # reported when it is opened


def _chain(first: list, rest: Iterator) -> Iterator:
    yield from first
    while True:
        item = next(rest, None)
        if item is None:
            return
        yield item


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view):]


def _close(fd: int) -> None:
    try:
        os.close(fd)
    except OSError:
        pass


def _kill(pid: int) -> None:
    try:
        os.kill(pid, signal.SIGKILL)
    except ProcessLookupError:
        pass


def _enlarge(fd: int) -> int:
    """Ask for a bigger pipe buffer (fewer wake-ups); returns the capacity it has."""
    import fcntl  # loaded already by prepare_fork

    try:
        return fcntl.fcntl(fd, getattr(fcntl, "F_SETPIPE_SZ", 1031), PIPE_SIZE)
    except OSError:
        try:
            return fcntl.fcntl(fd, getattr(fcntl, "F_GETPIPE_SZ", 1032))
        except OSError:
            return 65536
