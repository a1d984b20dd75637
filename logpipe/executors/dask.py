"""--dask ADDRESS: the search fanned out over a Dask cluster, output exactly as -j1 prints
it, streaming, in bounded memory (the executor contract of `logpipe.executors`).

    find_files (here) ─> batches of files ─> tasks on the workers: the plan's chain → frames
                                          <─ each task's frames through a Dask queue ─> in walk order → stdout

- The walk runs here; files go out in batches of up to `BATCH_FILES` (remote objects are
  small and many: one task per object would cost more in scheduling than in searching).
  While the client connects to the scheduler (importing `distributed` and connecting take
  longer than a small search), the first files are searched here, as `-j1` would.
- Each task is `search_batch(plan, logfiles, queue, counting)`: the worker reads the files
  itself (URLs, or paths it shares with this machine) through the plan's chain, and
  streams the results as frames (`frames.py`) in chunks of up to `CHUNK` into a Dask
  queue of its own, which holds at most `QUEUED` chunks: a task further ahead than that
  waits in `put`. Here the head task's queue is read and delivered as it comes; at most
  `window` tasks are in flight. So the client holds at most a chunk at a time, whatever
  the size of the results, and a slow reader slows the tasks down.
- A task that a lost worker left half done is run again by the scheduler; its frames come
  again from the start, and what was delivered already is skipped (the output of a
  search is deterministic).
- -q satisfied, a closed pipe, Ctrl-C or SIGTERM cancel every task not yet done; the
  scheduler forgets them and no worker starts one of them. A scheduler that goes away is
  one message, `logpipe: Dask scheduler ADDRESS: connection lost`, status 2, at once:
  the client cancels every future when its connection drops (they cannot come back), and
  the first cancelled task closes the client (`_Watch`), which ends a call waiting on the
  scheduler (a queue read would otherwise wait out the client's reconnection attempts).
  distributed's own log lines never reach stderr.
"""
from __future__ import annotations

import asyncio
import threading
import time
import uuid
from collections import deque
from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING

from ..pipeline.remote import MissingPackage
from ..records import StopSearch
from . import ExecutorError
from .frames import FileSearcher, FrameReader, Frames, Replay
from .inprocess import InProcess

if TYPE_CHECKING:
    from ..messages import Messages
    from ..plan import Plan
    from ..printers.ordered import FileDone, OrderedWriter
    from ..records import LogFile
    from ..stats import Stats

BATCH_FILES = 16      # files per task
TASKS_PER_THREAD = 2  # tasks in flight per worker thread of the cluster: each busy, the next one queued
CONNECT_TIMEOUT = 10  # seconds to reach the scheduler
CHUNK = 1 << 20       # bytes of frames per queue item
QUEUED = 4            # queue items a task may have waiting for the client
SEARCH_HERE_WHILE_CONNECTING = True  # the first files are searched here while the client connects
MIN_POLL, POLL = 0.002, 0.1  # seconds between looks at an empty queue: the first wait, the longest


def search_batch(plan: Plan, logfiles: list[LogFile], queue_name: str, counting: bool = False) -> int:
    """On a worker: search `logfiles` in order with the plan's chain, the results framed
    into the Dask queue `queue_name` (each item: this attempt's id, frame bytes)."""
    from distributed import Queue

    from ..records import LogFile as Log
    from .worker import Meter

    attempt = uuid.uuid4().hex
    queue = Queue(queue_name, maxsize=QUEUED)
    frames = Frames(_Outlet(queue, attempt), CHUNK)

    def tick() -> None:
        if frames.due():
            frames.flush()

    stats = Meter(tick)
    stats.counts_lines = counting

    def done(logfile: LogFile, result: FileDone) -> None:
        frames.done(result, stats.take() if counting else None)
        if len(frames.buffer) >= CHUNK or frames.due():
            frames.flush()

    FileSearcher(plan, frames, stats).run(iter([Log(*f) for f in logfiles]), done)
    frames.flush()
    return len(logfiles)


class Cancelled(Exception):
    """The task's results are no longer wanted (the search stopped, its client is gone)."""


class _Outlet:
    """A task's side of its queue, whose only producer it is: while the queue is full (a
    slow reader) it waits, looking now and then whether the task was cancelled (the search
    stopped, its client went away), and gives up then: a task blocked for ever would hold
    a worker thread. (A put that waits with a timeout would log an error on the
    scheduler at every timeout.)"""

    def __init__(self, queue, attempt: str) -> None:
        from distributed import get_worker
        from distributed.worker import thread_state

        self.queue, self.attempt = queue, attempt
        self.worker, self.key = get_worker(), thread_state.key

    def __call__(self, data) -> None:
        item, pause = (self.attempt, bytes(data)), MIN_POLL
        while self.queue.qsize() >= QUEUED:
            state = self.worker.state.tasks.get(self.key)
            if state is None or state.state in ("cancelled", "released", "forgotten"):
                raise Cancelled(self.key)
            time.sleep(pause)
            pause = min(pause * 2, POLL)
        self.queue.put(item)


class _Task:
    """A batch submitted: its future, its queue, and what of it was delivered."""

    def __init__(self, client, plan: Plan, batch: list, counting: bool, watch: _Watch) -> None:
        from distributed import Queue

        self.name = f"logpipe-{uuid.uuid4().hex}"
        self.queue = Queue(self.name, client=client, maxsize=QUEUED)
        self.files = len(batch)
        self.future = client.submit(search_batch, plan, batch, self.name, counting, pure=False)
        self.future.add_done_callback(watch.ended)
        self.reader = FrameReader()
        self.attempt = None
        self.delivered = 0  # files done
        self.replay = None  # a new attempt's frames, less what the first one delivered

    def receive(self, attempt: str, data: bytes) -> None:
        if attempt != self.attempt:  # the first frames, or the task run again (its worker was lost)
            if self.attempt is not None:
                self.replay = Replay(self.reader.delivered)
                self.reader.held.clear()
                self.reader.position = 0
            self.attempt = attempt
        self.reader.held += self.replay(data) if self.replay is not None else data


class DaskCluster:
    """Batches of files searched by the workers of the scheduler at `plan.options.dask`."""

    def __init__(self, plan: Plan, messages: Messages, stats: Stats | None = None) -> None:
        self.plan, self.messages, self.stats = plan, messages, stats
        self.address = plan.options.dask
        self.watch: _Watch | None = None

    def run(self, logfiles: Iterable[LogFile], sink: OrderedWriter) -> None:
        connecting = _Connect(self.address)
        logfiles = iter(logfiles)
        if SEARCH_HERE_WHILE_CONNECTING and not self.plan.remote:  # the first files here, while the client connects
            InProcess(self.plan, self.messages, self.stats).run(_until(connecting.ready, logfiles), sink)
        sink.idle()  # what the first files printed goes out before the cluster is waited on
        client = connecting.result()
        watch = self.watch = _Watch(client)
        pending: deque[_Task] = deque()
        try:
            threads = sum(client.nthreads().values()) or 1
            window = max(2, TASKS_PER_THREAD * threads)
            for batch in self._batches(logfiles):
                pending.append(_Task(client, self.plan, batch, self.stats is not None, watch))
                while len(pending) >= window:
                    self._deliver(pending.popleft(), sink)
            while pending:
                self._deliver(pending.popleft(), sink)
        except (ExecutorError, StopSearch):
            raise
        except (Exception, asyncio.CancelledError):  # the connection to the scheduler (a call the
            raise _lost(self.address) from None     # closed client ended), a task that failed
        finally:
            watch.stopping = True  # what is cancelled from now on, we cancel
            if pending and not watch.lost:  # an early stop, Ctrl-C, an error: nothing more runs for us
                try:
                    client.cancel([task.future for task in pending], force=True)
                except Exception:  # noqa: S110 - the scheduler may be gone: nothing left to cancel
                    pass
            watch.close()

    def _batches(self, logfiles: Iterator[LogFile]) -> Iterator[list]:
        """Batches of up to BATCH_FILES logfiles (the walk's messages are written in their
        place by the sink, file by file)."""
        batch: list = []
        for logfile in logfiles:
            batch.append(tuple(logfile))
            if len(batch) >= BATCH_FILES:
                yield batch
                batch = []
        if batch:
            yield batch

    def _deliver(self, task: _Task, sink: OrderedWriter) -> None:
        """Everything of `task`, file after file, as its queue brings it. The queue is
        asked for what waits in it (a get that waits with a timeout would log an error on
        the scheduler at every timeout); while it is empty, the client waits a little,
        longer each time, up to POLL, and looks at the task's state."""
        pause = MIN_POLL
        try:
            while task.delivered < task.files:
                if self.watch.lost:
                    raise _lost(self.address)
                finished = task.future.done()  # all its frames are queued once it is done
                sink.idle()  # each get waits on the scheduler: what was printed goes out first
                items = task.queue.get(batch=True)
                if not items:
                    if finished:
                        self._check(task)
                        raise ExecutorError(f"--dask {self.address}", "a task ended without its results")
                    time.sleep(pause)
                    pause = min(pause * 2, POLL)
                    continue
                pause = MIN_POLL
                for attempt, data in items:
                    task.receive(attempt, data)
                while task.delivered < task.files and task.reader.deliver_file(sink):
                    task.delivered += 1
            task.future.result()  # its end (and any exception after its last file)
        finally:
            try:
                task.queue.close()
            except Exception:  # noqa: S110 - a scheduler gone: its queues went with it
                pass

    def _check(self, task: _Task) -> None:
        """A task whose queue stays empty: failed, cancelled, or still at work."""
        status = task.future.status
        if status == "error":
            err = task.future.exception()
            raise ExecutorError(f"--dask {self.address}", f"a task failed: {type(err).__name__}: {err}")
        if status in ("cancelled", "lost"):
            raise _lost(self.address)
        if status == "finished":
            task.future.result()


class _Connect:
    """A client of the scheduler, connected in a thread of its own (importing distributed
    and connecting take longer than a small search)."""

    def __init__(self, address: str) -> None:
        self.address = address
        self.client = self.error = None
        self.done = threading.Event()
        threading.Thread(target=self._connect, name="logpipe-dask-connect", daemon=True).start()

    def _connect(self) -> None:
        try:
            try:
                import distributed  # noqa: F401
            except ImportError:
                raise MissingPackage("needs the distributed package (pip install 'logpipe[dask]')") from None
            _quiet_loggers()
            from distributed import Client

            self.client = Client(self.address, timeout=CONNECT_TIMEOUT, set_as_default=False)
        except Exception as err:  # missing package, no scheduler there, a bad address
            self.error = err
        finally:
            self.done.set()

    def ready(self) -> bool:
        return self.done.is_set()

    def result(self):
        self.done.wait()
        if self.error is not None:
            err = self.error
            reason = str(err) if isinstance(err, MissingPackage) else f"cannot reach the Dask scheduler ({err})"
            raise ExecutorError(f"--dask {self.address}", " ".join(reason.split()))
        return self.client


def _quiet_loggers() -> None:
    """distributed logs to stderr by itself (a lost connection, a cancelled future): none
    of it may reach our stderr, which holds one line per problem. Importing it gave some
    of its loggers a stderr handler of their own (`distributed.client` among them, not
    only `distributed`): each of these loggers, and any made later below them, ends in a
    handler that drops what it is given."""
    import logging

    roots = ("distributed", "dask", "tornado", "asyncio", "bokeh")
    for root in roots:
        logger = logging.getLogger(root)
        logger.handlers[:] = [logging.NullHandler()]
        logger.propagate = False
    for name, logger in list(logging.Logger.manager.loggerDict.items()):
        if isinstance(logger, logging.Logger) and name.split(".", 1)[0] in roots and "." in name:
            logger.handlers[:] = []
            logger.propagate = True  # up to its root's NullHandler


def _lost(address: str) -> ExecutorError:
    return ExecutorError(f"Dask scheduler {address}", "connection lost")


class _Watch:
    """Ends the client once its scheduler is lost. When the connection drops, the client
    cancels every future it holds (a search cannot go on: its tasks are forgotten with the
    scheduler) and tries to reconnect for its timeout, while a call in flight (a queue
    read, in the main thread) waits; a future cancelled while we were not stopping
    (`ended`, in distributed's callback thread) closes the client, which ends that call.
    `close` closes it once, from whichever thread comes first."""

    def __init__(self, client) -> None:
        self.client = client
        self.stopping = False  # the search ends: what is cancelled from now on, we cancel
        self.lost = False
        self._lock = threading.Lock()
        self._closed = False

    def ended(self, future) -> None:
        if future.status == "cancelled" and not self.stopping:
            self.lost = True
            self.close()

    def close(self) -> None:
        with self._lock:
            if self._closed:
                return
            self._closed = True
            try:
                self.client.close()
            except Exception:  # noqa: S110 - closing a client whose scheduler is gone may time out
                pass


def _until(ready, logfiles: Iterator[LogFile]) -> Iterator[LogFile]:
    while not ready():
        logfile = next(logfiles, None)
        if logfile is None:
            return
        yield logfile
