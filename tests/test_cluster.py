"""--dask: a real distributed.LocalCluster on 127.0.0.1 (2 workers); output exactly as -j1's."""
from __future__ import annotations

import bz2
import gzip
import io
import os
import queue
import signal
import subprocess
import sys
import threading
import time

import pytest

import logpipe.executors.dask
from helpers import EARLY_STOP_PATHS, early_stop_tree, early_stops, search_with, write
from logpipe.demo import log_lines
from servers import moto_endpoint, s3, s3_tree  # noqa: F401  (fixtures)

distributed = pytest.importorskip("distributed")


@pytest.fixture(scope="module")
def cluster():
    """Two workers (threads of this process, over TCP so that a logpipe process can connect too)."""
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=False, protocol="tcp",
                                  host="127.0.0.1", dashboard_address=None) as local:
        with distributed.Client(local, set_as_default=False) as client:
            yield local.scheduler_address, client


@pytest.fixture
def tree(tmp_path):
    for i, codec in enumerate(["plain", "gzip", "bzip2", "zstd", "xz", "gzip", "plain", "zstd"] * 3):
        write(tmp_path / f"d{i % 3}" / f"f{i:02d}.log", b"".join(log_lines(200, i)), codec)
    compressed = gzip.compress(b"".join(log_lines(400, 99)))
    (tmp_path / "d1" / "cut.gz").write_bytes(compressed[: len(compressed) // 2])
    return tmp_path


@pytest.fixture(params=[16, 3], ids=["batches-of-16", "batches-of-3"])
def batch_files(monkeypatch, request):
    monkeypatch.setattr(logpipe.executors.dask, "BATCH_FILES", request.param)


@pytest.mark.parametrize("options", [
    {"line_number": True},
    {"count": True},
    {"files_without_match": True},
    {"before_context": 2, "after_context": 1, "line_number": True, "color": "always"},
    {"max_count": 2, "invert_match": True, "byte_offset": True},
], ids=lambda options: ",".join(options))
def test_local_tree_same_output_as_one_process(backend, cluster, tree, batch_files, options):
    address, _ = cluster
    paths = (tree, tree / "no-such-dir", tree / "d2" / "f02.log")
    one = search_with(backend)("Failed password for r[a-z]+", *paths, **options)
    dask = search_with(backend)("Failed password for r[a-z]+", *paths, dask=address, **options)
    assert dask == one
    assert one.status == 2 and one.err.count(b"\n") == 2  # the missing dir and the cut file
    assert one.out or "files_without_match" in options  # (every file has a match)


def test_s3_tree_same_output_as_one_process(backend, cluster, s3_tree, batch_files):
    address, _ = cluster
    bucket, _ = s3_tree
    one = search_with(backend)("sshd", f"s3://{bucket}/tree", line_number=True)
    dask = search_with(backend)("sshd", f"s3://{bucket}/tree", line_number=True, dask=address)
    assert dask == one and one.status == 0 and one.out.count(b"s3://") > 100


def test_quiet_stops_at_the_first_match(backend, cluster, tree):
    address, _ = cluster
    assert search_with(backend)("sshd", tree, quiet=True, dask=address, no_messages=True) == (b"", b"", 0)


def test_unreachable_scheduler_is_one_message(backend, tmp_path, monkeypatch):
    monkeypatch.setattr(logpipe.executors.dask, "CONNECT_TIMEOUT", 1)
    result = search_with(backend)("x", tmp_path, dask="tcp://127.0.0.1:9")
    assert result.status == 2 and result.out == b""
    assert result.err.startswith(b"logpipe: --dask tcp://127.0.0.1:9: cannot reach the Dask scheduler (")
    assert result.err.count(b"\n") == 1


def test_ctrl_c_leaves_no_task_running(cluster, tmp_path):
    address, client = cluster
    # bzip2 (about 60 ms a file to decompress): the search lasts seconds after its first line,
    # so that the signal comes while tasks are in flight, also on a loaded machine
    content = bz2.compress(b"".join(log_lines(3000, 5)) * 4)
    for i in range(240):  # 15 batches of 16 files: far more than the window of 4 tasks
        (tmp_path / f"f{i:03d}.log.bz2").write_bytes(content)
    search = subprocess.Popen([sys.executable, "-m", "logpipe", "grep", "-c", "--dask", address, "e", str(tmp_path)],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, bufsize=0)
    # unbuffered, readline takes the first line only: communicate then reads all the rest
    first = search.stdout.readline()  # the first files are done: others are in flight
    search.send_signal(signal.SIGINT)
    out, err = search.communicate(timeout=60)
    assert first.startswith(os.fsencode(tmp_path)) and search.returncode == 130 and err == b"", err
    assert (first + out).count(b"\n") < 240  # stopped before the end

    def busy() -> tuple[int, int]:
        tasks = client.run_on_scheduler(lambda dask_scheduler: len(dask_scheduler.tasks))
        executing = sum(client.run(lambda dask_worker: len(dask_worker.state.executing)).values())
        return tasks, executing

    deadline = time.monotonic() + 20
    while busy() != (0, 0) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert busy() == (0, 0)


def test_a_worker_killed_mid_search_loses_and_repeats_nothing(backend, tmp_path, monkeypatch):
    """Tasks stream their output; a worker killed while its task waits on a slow reader has
    it run again elsewhere, and what was printed already is not printed twice."""
    monkeypatch.setattr(logpipe.executors.dask, "SEARCH_HERE_WHILE_CONNECTING", False)  # every file on the cluster
    for i in range(5):
        write(tmp_path / f"f{i}.log", b"".join(log_lines(20000, i)), ["plain", "gzip"][i % 2])
    expected = search_with(backend)("e", tmp_path, line_number=True)
    blocked, reading = threading.Event(), threading.Event()

    class SlowReader(io.BytesIO):
        def write(self, data) -> int:
            if self.tell() > 100_000:
                blocked.set()
                reading.wait()
            return super().write(data)

    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1",
                                  dashboard_address=None) as local, \
            distributed.Client(local, set_as_default=False) as client:
        results = []
        search = threading.Thread(target=lambda: results.append(search_with(backend, stdout=SlowReader())(
            "e", tmp_path, line_number=True, dask=local.scheduler_address)))
        search.start()
        assert blocked.wait(timeout=60)  # part of the task's output is printed, the rest waits
        busy = next(address for address, keys in client.processing().items() if keys)
        os.kill(client.run(os.getpid)[busy], signal.SIGKILL)
        reading.set()
        search.join(timeout=120)
    assert results == [expected]


# logpipe as the command runs it, every file searched on the cluster (none here while the client connects)
ON_THE_CLUSTER = ("import logpipe.executors.dask as dask; dask.SEARCH_HERE_WHILE_CONNECTING = False; "
                  "from logpipe.start import main; main()")


def _started(command: list[str], ready: bytes, tmp_path) -> tuple[subprocess.Popen, bytes]:
    """`command` started, once its stderr has printed a line holding `ready` (that line
    returned); the rest of its stderr is drained, so that its logging never blocks it."""
    process = subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                               env={**os.environ, "DASK_TEMPORARY_DIRECTORY": str(tmp_path)})
    lines: queue.Queue = queue.Queue()
    threading.Thread(target=lambda: [lines.put(line) for line in process.stderr], daemon=True).start()
    deadline = time.monotonic() + 60
    while True:
        try:
            line = lines.get(timeout=max(0.0, deadline - time.monotonic()))
        except queue.Empty:
            process.kill()
            pytest.fail(f"{command[2]} did not start")
        if ready in line:
            return process, line


@pytest.fixture
def scheduler_and_worker(tmp_path):
    """A scheduler and a worker, each a process of its own, as `dask scheduler` and
    `dask worker` run them: (the scheduler's address, the scheduler's process)."""
    scheduler, line = _started([sys.executable, "-m", "distributed.cli.dask_scheduler", "--host", "127.0.0.1",
                                "--port", "0", "--no-dashboard"], b"Scheduler at:", tmp_path)
    address = line.split()[-1].decode()
    worker, _ = _started([sys.executable, "-m", "distributed.cli.dask_worker", address, "--nthreads", "2",
                          "--no-nanny", "--no-dashboard", "--local-directory", str(tmp_path / "worker")],
                         b"Registered to:", tmp_path)
    try:
        yield address, scheduler
    finally:
        for process in (worker, scheduler):
            process.kill()
            process.wait()


def test_losing_the_scheduler_mid_search_is_one_line_and_status_2(backend, scheduler_and_worker, tmp_path):
    """The scheduler killed while a task runs (it reads a FIFO that is held open): one
    line on stderr, none of distributed's logging, status 2, and what was printed is
    what -j1 prints, up to where the search stopped."""
    address, scheduler = scheduler_and_worker
    for i in range(20):
        write(tmp_path / "a" / f"f{i:02d}.log", b"".join(log_lines(100, i)), "gzip" if i % 2 else "plain")
        write(tmp_path / "b" / f"f{i:02d}.log", b"".join(log_lines(100, 20 + i)), "zstd" if i % 2 else "plain")
    held = tmp_path / "held.log"
    os.mkfifo(held)  # in the second batch: the first is searched, the third waits
    paths = [str(tmp_path / "a"), str(held), str(tmp_path / "b")]
    search = subprocess.Popen([sys.executable, "-c", ON_THE_CLUSTER, "grep", "--backend", backend, "--no-progress",
                               "-n", "sshd", "--dask", address, *paths], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        writer: list = []
        opening = threading.Thread(target=lambda: writer.append(open(held, "wb")), daemon=True)
        opening.start()
        opening.join(timeout=120)  # returns when the task searching the FIFO opens it, on the worker
        if not writer:
            os.close(os.open(held, os.O_RDONLY | os.O_NONBLOCK))  # let the thread go
            pytest.fail("the task holding the FIFO never ran")
        scheduler.kill()
        scheduler.wait()
        writer[0].close()  # the worker's task ends; its results have nowhere to go
        out, err = search.communicate(timeout=120)
    finally:
        search.kill()
        search.wait()
    assert err == f"logpipe: Dask scheduler {address}: connection lost\n".encode()
    assert search.returncode == 2
    one = search_with(backend)("sshd", tmp_path / "a", tmp_path / "b", line_number=True)
    assert one.out.startswith(out) and one.out.count(b"\n") > 20


def test_an_early_stop_prints_the_walk_messages_one_process_prints(backend, cluster, tmp_path, monkeypatch):
    """-q and a reader that goes away, every file on the cluster: the walk's messages from
    before the stop are printed, none from after it, as -j1 prints them (issue 19, item 21)."""
    address, _ = cluster
    monkeypatch.setattr(logpipe.executors.dask, "SEARCH_HERE_WHILE_CONNECTING", False)
    monkeypatch.setattr(logpipe.executors.dask, "BATCH_FILES", 3)  # the stop comes in a batch among others
    early_stop_tree(tmp_path)
    paths = [tmp_path / path for path in EARLY_STOP_PATHS]  # absolute: the workers read them
    one = early_stops(backend, paths, tmp_path, threads=1)
    assert one[0].err == f"logpipe: {tmp_path}/missing1: No such file or directory\n".encode() and one[1].out
    assert early_stops(backend, paths, tmp_path, [sys.executable, "-c", ON_THE_CLUSTER], dask=address) == one
