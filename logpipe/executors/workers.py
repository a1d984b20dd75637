"""Parallel search (-j N): the walk runs here, the files are searched by worker processes
running the chosen backend's own chain, and the output comes out streaming, in exactly
the order that -j1 gives, in bounded memory, and every worker ends with the search.

    find_files ─ tasks ─┬─> worker 1: opener → cat → grep → printer ═ frames ═╗
                        └─> worker 2: opener → cat → grep → printer ═ frames ═╣
                                                                               ╚═> in walk order → stdout

The executor interface
----------------------
A search of many files is run by an *executor*: `InProcess` (here, in this process) or
`LocalWorkers` (forked worker processes); a cluster executor (Dask) can be added behind
the same contract:

- `executor.run(logfiles, sink)`. A **task** is one `LogFile` (path to open, name to
  print) of `logfiles`, an iterable that the executor pulls lazily, as it has room for
  more work (the walk runs alongside the search). Every file is searched with the same
  per-file `SearchOptions` (given when the executor is made), by the backend those options
  name, with a matcher and output format built once per process, not per file.
- What a task returns goes to `sink`, **in the order of `logfiles`**, file after file:
  zero or more `sink.output(bytes)` (the file's formatted output, in chunks as it is
  produced, never the whole file at once), zero or more `sink.message(bytes)` (its lines
  for stderr), with context lines (-A/-B/-C) a `sink.group()` first if the file's output
  starts a context group (the sink puts "--" there if a group came before), then exactly
  one `sink.done(FileDone)` (selected-line count, number of
  messages, JSON totals). Nothing of a file is delivered before the previous file's `done`.
  `sink.counted(Stats)` may come at any time, in any order: counter increments (bytes,
  blocks, lines, files) for --stats and --progress, sent while a file is being read.
- **Streaming and memory**: the file being printed is delivered as it is searched; for
  the files behind it an executor holds at most a bounded amount (here `HELD_PER_WORKER`
  per worker plus a pipe's buffer), then its workers wait. A slow reader slows the
  workers down; it never makes memory grow.
- **Cancel**: any exception out of a sink call (`StopSearch` for -q satisfied, a closed
  pipe or a write error; `KeyboardInterrupt`; the CLI's SIGTERM exception) leaves `run`
  after every worker has been ended and reaped: the one shutdown rule, in `run`'s
  `finally`. A normal end ends no worker by force: they see the end of their task pipe
  and exit, and are reaped.

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

Frames (worker → parent): a 5-byte header (kind, length) then the payload: `O` output
bytes (sent in chunks of `CHUNK`), `G` the file starts a context group, `E` message lines, `S` counter increments (pickled
`Stats`, every `REPORT_EVERY` seconds within a file), `D` a file done (pickled: matches,
messages, JSON totals, counters). A worker sends its buffered frames when they reach
`CHUNK`, when `FLUSH_EVERY` seconds passed (checked per block), and at a file's end when
its queue of tasks runs low; the kernel pipe (enlarged to 1 MiB where allowed) and the
parent's `HELD_PER_WORKER` bound what is ahead of the printer: a worker further ahead
blocks in `write`.

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

import io
import os
import pickle
import select
import signal
import struct
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from typing import NamedTuple

from ..pipeline.find_files import walk
from ..messages import HeldMessages, Messages, describe
from ..options import SearchOptions
from ..output import Output
from ..records import LogFile, StopSearch
from ..stats import PER_FILE, Stats

START_WORKERS_AFTER = 0.02  # seconds of searching in this process before workers start
IN_PROCESS_AT_MOST = 4 << 20  # bytes on disk: a bigger file goes to a worker at once
AHEAD_PER_WORKER = 64       # files dealt to a worker and not yet done
LOW_WATER = 8               # a worker with fewer tasks queued sends its results at once
CHUNK = 64 * 1024           # output bytes per frame, and what a worker gathers before a write
HELD_PER_WORKER = 4 << 20   # result bytes the parent reads ahead for a file behind the one printed
PIPE_SIZE = 1 << 20         # asked of the kernel for each pipe (F_SETPIPE_SZ), if allowed
FLUSH_EVERY = 0.05          # seconds: a worker sends what it has at least this often
REPORT_EVERY = 0.1          # seconds between counter increments sent for --stats/--progress
READ_SIZE = 256 * 1024

_HEADER = struct.Struct("<cI")
_ENDING = {signal.SIGINT, signal.SIGTERM}  # the signals that end a search
_OUTPUT, _GROUP, _MESSAGE, _COUNTED, _DONE = b"O", b"G", b"E", b"S", b"D"


class FileDone(NamedTuple):
    """The end of one file's results: what the printer adds up."""

    matches: int          # what decides the exit status (selected lines, or files with -l/-L)
    errors: int           # messages about the file (shown or, with -s, not)
    json_totals: dict | None


class WorkerDied(Exception):
    """A worker ended without finishing its files (killed from outside, out of memory)."""


# -- searching files, the same in every process ------------------------------------------


class FileSearcher:
    """One backend chain over many files, with the matcher and output format built once:
    calls `done(logfile, FileDone)` after each file's output has all been written."""

    def __init__(self, options: SearchOptions, stream: _FileOutput, message_stream, stats: Stats | None,
                 escape_names: bool) -> None:
        from ..pipeline.matching import Matcher
        from ..search import BACKENDS, make_output

        self.options = options
        self.messages = Messages(message_stream, silent=options.no_messages)
        self.output = make_output(options, stream, self.messages)
        self.stream = stream
        stream.separator = self.output.separator
        if escape_names:  # as the printer's own Output would show names on a terminal
            self.output.escape_names, self.output._plain = True, False
        self.stats = stats
        self.matcher = Matcher(options.patterns, **options.matcher_settings())
        self.backend = BACKENDS[options.backend]
        self._json = options.mode == "json"

    def run(self, logfiles: Iterator[LogFile], done: Callable[[LogFile, FileDone], None]) -> None:
        output, messages, stream = self.output, self.messages, self.stream
        state = {"file": None, "matches": 0, "errors": 0, "json": output.json_totals if self._json else None}

        def finish() -> None:
            logfile, state["file"] = state["file"], None
            matches, errors = output.matches - state["matches"], messages.count - state["errors"]
            state["matches"], state["errors"] = output.matches, messages.count
            totals = None
            if self._json:
                now = output.json_totals
                totals = {key: value - state["json"][key] for key, value in now.items()}
                state["json"] = now
            done(logfile, FileDone(matches, errors, totals))

        def each_file() -> Iterator[LogFile]:
            while True:
                if state["file"] is not None:  # the chain asks for the next file: the last one is done
                    finish()
                logfile = next(logfiles, None)
                if logfile is None:
                    return
                state["file"] = logfile
                output.begin_file()
                stream.starting = output.context
                yield logfile

        self.backend.search_logfiles(self.options, each_file(), output, messages, self.stats, self.matcher)
        if state["file"] is not None:  # the chain stopped inside a file (-q satisfied, output gone)
            finish()


# -- the printer: in walk order ------------------------------------------------------


class InOrder:
    """The sink of a parallel search: writes each file's results into the search's
    Output and Messages, the walk's own messages in their place before each file."""

    def __init__(self, output: Output, messages: Messages, stats: Stats | None, walk_reports: deque) -> None:
        self.out = output
        self.messages = messages
        self.stats = stats
        self.walk_reports = walk_reports
        self._started = False  # the current file has delivered something

    def _begin(self) -> None:
        if not self._started:
            self._started = True
            if self.walk_reports:
                self.messages.write_raw(*self.walk_reports.popleft())

    def output(self, data: bytes) -> None:
        self._begin()
        if data:
            self.out.write_file_output(data, continued=True)

    def group(self) -> None:
        """The file's output starts a context group: "--" before it if one came before."""
        self._begin()
        self.out.separate_group()

    def message(self, lines: bytes) -> None:
        self._begin()
        self.messages.write_raw(lines, 0)

    def counted(self, stats: Stats) -> None:
        if self.stats is not None:
            self.stats.add(stats)

    def done(self, result: FileDone) -> None:
        self._begin()
        self._started = False
        out = self.out
        out.matches += result.matches
        self.messages.write_raw(b"", result.errors)
        if result.json_totals:
            out.write_file_output(b"", result.json_totals)
        if out.pipe_closed or out.write_error or (out.mode == "quiet" and result.matches):
            raise StopSearch


# -- executors ---------------------------------------------------------------------------


class _FileOutput(io.RawIOBase):
    """What a FileSearcher's Output writes into. With context lines, the first write of a
    file is a lone separator if the file starts a group (`Output.begin_file`): that one
    goes to `group()`, for the printer to decide whether "--" belongs there."""

    starting = False
    separator = b"--\n"

    def writable(self) -> bool:
        return True

    def write(self, data) -> int:
        if self.starting:
            self.starting = False
            if data == self.separator:
                self.group()
                return len(data)
        self.add(data)
        return len(data)

    def group(self) -> None:
        raise NotImplementedError

    def add(self, data) -> None:
        raise NotImplementedError


class _SinkStream(_FileOutput):
    """What an in-process Output writes into: gathered up to `size`, then handed to the sink."""

    def __init__(self, sink, size: int) -> None:
        self.sink, self.size, self.pending = sink, size, bytearray()

    def group(self) -> None:
        self.send()
        self.sink.group()

    def add(self, data) -> None:
        self.pending += data
        if len(self.pending) >= self.size:
            self.send()

    def send(self) -> None:
        if self.pending:
            data = bytes(self.pending)
            self.pending.clear()
            self.sink.output(data)


class _SinkMessages(io.RawIOBase):
    def __init__(self, sink, out: _SinkStream) -> None:
        self.sink, self.out = sink, out

    def writable(self) -> bool:
        return True

    def write(self, data) -> int:
        self.out.send()  # the file's output before its message, as they came
        self.sink.message(bytes(data))
        return len(data)


class InProcess:
    """Search the files here, one after the other (the executor of small searches, and
    the fallback when no worker can be started). Counters go straight into `stats`."""

    def __init__(self, options: SearchOptions, stats: Stats | None = None, escape_names: bool = False) -> None:
        self.options, self.stats, self.escape_names = options, stats, escape_names

    def run(self, logfiles: Iterable[LogFile], sink) -> None:
        stream = _SinkStream(sink, 8192)  # as a BufferedWriter on stdout would gather
        searcher = FileSearcher(self.options, stream, _SinkMessages(sink, stream), self.stats, self.escape_names)

        def done(logfile: LogFile, result: FileDone) -> None:
            stream.send()
            sink.done(result)

        searcher.run(iter(logfiles), done)


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
        self.held = bytearray()     # results read ahead; delivered up to `position`
        self.position = 0
        self.eof = False
        self.reaped = False


class LocalWorkers:
    """Search the files in forked worker processes, each with a task pipe and a result
    pipe of its own (see the module's docstring for the contract and the reasons)."""

    def __init__(self, options: SearchOptions, jobs: int, messages: Messages, stats: Stats | None = None,
                 escape_names: bool = False) -> None:
        self.options = options
        self.jobs = jobs
        self.messages = messages
        self.counting = stats is not None
        self.stats = stats
        self.escape_names = escape_names
        self.workers: list[_Worker] = []
        self._held_task: LogFile | None = None

    # -- the parent's loop ---------------------------------------------------------------

    def run(self, logfiles: Iterable[LogFile], sink) -> None:
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
                    InProcess(self.options, self.stats, self.escape_names).run(_chain(rest, logfiles), sink)
                    break
                if self._deliver(order, sink):
                    continue
                worker = order[0][0]
                if worker.eof:
                    self._died(worker)
                self._read(worker)
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

    def _deliver(self, order: deque, sink) -> bool:
        """Hand the sink the complete frames the head file's worker has sent, file after
        file; True if a file was finished."""
        finished = False
        while order and self._deliver_file(order[0][0], order, sink):
            finished = True
        return finished

    def _deliver_file(self, worker: _Worker, order: deque, sink) -> bool:
        """Hand the sink the complete frames of the head file; True once its end came."""
        held = worker.held
        position = worker.position
        try:
            while len(held) - position >= _HEADER.size:
                kind, length = _HEADER.unpack_from(held, position)
                end = position + _HEADER.size + length
                if len(held) < end:
                    break
                payload = bytes(held[position + _HEADER.size:end])
                position = end
                if kind == _OUTPUT:
                    sink.output(payload)
                elif kind == _GROUP:
                    sink.group()
                elif kind == _MESSAGE:
                    sink.message(payload)
                elif kind == _COUNTED:
                    sink.counted(pickle.loads(payload))
                else:
                    matches, errors, totals, counted = pickle.loads(payload)
                    order.popleft()
                    worker.in_flight_bytes -= worker.in_flight.popleft()
                    if counted is not None:
                        sink.counted(counted)
                    sink.done(FileDone(matches, errors, totals))
                    return True
            return False
        finally:
            if position == len(held):
                held.clear()
                position = 0
            elif position >= HELD_PER_WORKER // 4:
                del held[:position]
                position = 0
            worker.position = position

    def _read(self, head: _Worker) -> None:
        """Wait for results: from the head file's worker always, from the others while
        they hold less than HELD_PER_WORKER here (past that, their pipe fills and they wait)."""
        wanted = {w.results: w for w in self.workers
                  if not w.eof and (w is head or len(w.held) - w.position < HELD_PER_WORKER)}
        poller = select.poll()
        for fd in wanted:
            poller.register(fd, select.POLLIN)
        for fd, _ in poller.poll():
            worker = wanted[fd]
            data = os.read(fd, READ_SIZE)
            if data:
                worker.held += data
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
        raise WorkerDied(f"a worker process {reason}")

    # -- starting and ending workers ---------------------------------------------------

    def _start(self) -> _Worker | None:
        """Fork one more worker; on a resource error, say so once and go on without it."""
        fds: list[int] = []
        try:
            _prepare_fork()  # before the pipes: loading a library needs a descriptor too
            task_read, task_write = os.pipe()
            fds += [task_read, task_write]
            result_read, result_write = os.pipe()
            fds += [result_read, result_write]
            room = _enlarge(task_write) - 4096
            _enlarge(result_write)
            # no signal handler may run between the fork and the worker's registration
            # below (it would leave a worker nobody ends); the child unblocks them itself
            previous = signal.pthread_sigmask(signal.SIG_BLOCK, _ENDING)
            try:
                pid = os.fork()
            except BaseException:
                signal.pthread_sigmask(signal.SIG_SETMASK, previous)
                raise
        except (OSError, ImportError, MemoryError) as err:
            for fd in fds:
                os.close(fd)
            started = len(self.workers)
            self.jobs = started
            where = f"going on with {started}" if started else "searching in this process"
            self.messages.error("-j", f"cannot start a worker process: {describe(err)} ({where})")
            return None
        if pid == 0:  # the worker
            code = 70
            try:
                mine = {task_read, result_write}
                for fd in fds + [fd for w in self.workers for fd in (w.tasks, w.results)]:
                    if fd not in mine:
                        os.close(fd)
                _worker_main(task_read, result_write, self.options, self.counting, self.escape_names, previous)
                code = 0
            except BaseException:  # noqa: B902 - never a traceback from a worker, whatever happens
                pass
            finally:
                os._exit(code)
        try:
            worker = _Worker(pid, task_write, result_read, max(room, 4096))
            self.workers.append(worker)
            os.close(task_read)
            os.close(result_write)
        finally:
            signal.pthread_sigmask(signal.SIG_SETMASK, previous)
        return worker

    def _shutdown(self, normal: bool) -> None:
        """The one shutdown rule: on a normal end, close the task pipes and let the
        workers exit; otherwise SIGKILL them. Then reap every one (no zombie)."""
        previous = signal.pthread_sigmask(signal.SIG_BLOCK, _ENDING)  # a second Ctrl-C cannot cut this short
        try:
            for worker in self.workers:
                _close(worker.tasks)
                if not normal:
                    _kill(worker.pid)
            for worker in self.workers:
                _close(worker.results)
            deadline = time.monotonic() + 1.0
            for worker in self.workers:
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
            self.workers = []
        finally:
            signal.pthread_sigmask(signal.SIG_SETMASK, previous)


def _size(path: str) -> int:
    try:
        return os.stat(path).st_size
    except OSError:
        return 0  # reported when it is opened


def _nothing() -> None:
    pass


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
    import fcntl  # loaded already by _prepare_fork

    try:
        return fcntl.fcntl(fd, getattr(fcntl, "F_SETPIPE_SZ", 1031), PIPE_SIZE)
    except OSError:
        try:
            return fcntl.fcntl(fd, getattr(fcntl, "F_GETPIPE_SZ", 1032))
        except OSError:
            return 65536


_libc = None


def _prepare_fork() -> None:
    """Load what a worker needs before forking: nothing is imported in a worker whose
    parent may have had another thread (the progress line) holding a lock at fork time."""
    global _libc
    if _libc is None:
        import fcntl  # noqa: F401  (_enlarge)
        import ctypes
        import json  # noqa: F401  (JSON output in the worker)
        import base64  # noqa: F401

        try:
            _libc = ctypes.CDLL(None, use_errno=True)  # this process's own symbols: libc's prctl among them
        except (OSError, ImportError):
            _libc = False


# -- the worker ----------------------------------------------------------------------


class _Frames:
    """A worker's side of its result pipe: frames gathered in a buffer, written when big
    enough, when FLUSH_EVERY passed, or when asked. A blocked write is the back-pressure."""

    def __init__(self, fd: int) -> None:
        self.fd = fd
        self.buffer = bytearray()
        self.output = bytearray()  # the current file's output not yet framed
        self.sent = 0.0  # never: the first output goes at the first block's tick (first line as soon as -j1's)

    def frame(self, kind: bytes, payload: bytes) -> None:
        self.seal()
        self.buffer += _HEADER.pack(kind, len(payload))
        self.buffer += payload

    def seal(self) -> None:
        if self.output:
            self.buffer += _HEADER.pack(_OUTPUT, len(self.output))
            self.buffer += self.output
            self.output.clear()

    def flush(self) -> None:
        self.seal()
        if self.buffer:
            _write_all(self.fd, self.buffer)
            self.buffer.clear()
        self.sent = time.monotonic()


class _FrameOutput(_FileOutput):
    def __init__(self, frames: _Frames) -> None:
        self.frames = frames

    def group(self) -> None:
        self.frames.frame(_GROUP, b"")

    def add(self, data) -> None:
        frames = self.frames
        frames.output += data
        if len(frames.output) >= CHUNK:
            frames.seal()
            if len(frames.buffer) >= CHUNK:
                frames.flush()


class _FrameMessages(io.RawIOBase):
    def __init__(self, frames: _Frames) -> None:
        self.frames = frames

    def writable(self) -> bool:
        return True

    def write(self, data) -> int:
        self.frames.frame(_MESSAGE, bytes(data))
        return len(data)


class _Meter(Stats):
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


def _worker_main(task_fd: int, result_fd: int, options: SearchOptions, counting: bool, escape_names: bool,
                 signal_mask) -> None:
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

    frames = _Frames(result_fd)
    queue: deque[LogFile] = deque()
    reported = [time.monotonic()]

    def tick() -> None:
        now = time.monotonic()
        if counting and now - reported[0] >= REPORT_EVERY:
            reported[0] = now
            frames.frame(_COUNTED, pickle.dumps(stats.take(), protocol=pickle.HIGHEST_PROTOCOL))
            frames.flush()
        elif now - frames.sent >= FLUSH_EVERY and (frames.buffer or frames.output):
            frames.flush()

    stats = _Meter(tick)
    stats.counts_lines = counting  # else lines are not counted only to be thrown away
    searcher = FileSearcher(options, _FrameOutput(frames), _FrameMessages(frames), stats, escape_names)
    tasks = _TaskPipe(task_fd, queue)

    def done(logfile: LogFile, result: FileDone) -> None:
        counted = stats.take() if counting else None
        frames.frame(_DONE, pickle.dumps((result.matches, result.errors, result.json_totals, counted),
                                         protocol=pickle.HIGHEST_PROTOCOL))
        if len(queue) < LOW_WATER:
            tasks.top_up()
        if len(queue) < LOW_WATER or len(frames.buffer) >= CHUNK or time.monotonic() - frames.sent >= FLUSH_EVERY:
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


# -- the search --------------------------------------------------------------------------


def search(options: SearchOptions, output: Output, messages: Messages, stats: Stats | None) -> None:
    """Search `options.paths` with up to `options.threads` worker processes; write to `output`."""
    per_file = options._replace(
        threads=1, progress=False, stats=False, with_filename=output.with_filename,
        color="always" if output.color else "never")
    walked = HeldMessages(silent=options.no_messages)  # what the walk reports, kept until its place in the order
    reports: deque = deque()

    def logfiles() -> Iterator[LogFile]:
        for logfile in walk(options.paths, globs=options.globs, exclude=options.exclude,
                            max_depth=options.max_depth, follow=options.follow, messages=walked, stats=stats):
            reports.append(walked.take())
            yield logfile

    walked_files = logfiles()
    sink = InOrder(output, messages, stats, reports)
    started = time.perf_counter()

    handed_over: list[LogFile] = []

    def for_a_while() -> Iterator[LogFile]:
        while time.perf_counter() - started < START_WORKERS_AFTER:
            logfile = next(walked_files, None)
            if logfile is None:
                return
            if _size(logfile.path) > IN_PROCESS_AT_MOST:  # worth a worker (and the files after it too)
                handed_over.append(logfile)
                return
            yield logfile

    try:
        InProcess(per_file, stats, output.escape_names).run(for_a_while(), sink)
        jobs = worker_count(options.threads)
        executor = LocalWorkers(per_file, jobs, messages, stats, output.escape_names) if jobs > 1 else \
            InProcess(per_file, stats, output.escape_names)
        executor.run(_chain(handed_over, walked_files), sink)
        messages.write_raw(*walked.take())
    except StopSearch:
        pass
    except WorkerDied as err:
        messages.error("-j", f"{err}; search stopped")
    except (OSError, MemoryError) as err:  # not expected: one message all the same, never a traceback
        messages.error("-j", f"parallel search failed: {describe(err)}")
