"""-j N as a sysadmin runs it, in real processes: signals to the whole process group, a
reader that stops reading or goes away, too few file descriptors, a slow reader, a worker
killed from outside. Each case is repeated STRESS_RUNS times (default 15; the closing
note of issue 9 reports 1000) while a CPU burner keeps both cores busy."""
from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time

import pytest

from helpers import write
from logpipe.demo import log_lines

RUNS = int(os.environ.get("STRESS_RUNS", "15"))
LOGPIPE = [sys.executable, "-m", "logpipe", "grep", "--no-progress"]
# -c with a lookahead: read line by line by `re`, so that the search is still running when the
# signal comes (`-c zzzz` is done in a few hundredths of a second since literals go to hyperscan)
PATTERNS = [["-F", "sshd"], ["-v", "zzzz"], ["-c", "zz(?=zz)"], ["-n", "Failed password"]]

pytestmark = pytest.mark.skipif(not os.path.isdir("/proc/self/task"), reason="reads /proc (Linux)")


@pytest.fixture(scope="module")
def tree(tmp_path_factory):
    """Two big plain files (each goes to a worker at once) and 200 small ones."""
    root = tmp_path_factory.mktemp("stress")
    chunk = b"".join(log_lines(20000, 5))
    for name in ("big1.log", "big2.log"):
        write(root / name, chunk * 20)  # ~40 MB each
    for i in range(200):
        write(root / "small" / f"{i:03d}.log", b"".join(log_lines(30, i)), "gzip" if i % 3 else "plain")
    return root


@pytest.fixture
def burner():
    """Keep the CPUs busy, as the other jobs on a shared machine do."""
    burners = [subprocess.Popen([sys.executable, "-c", "while True: pass"]) for _ in range(os.cpu_count() or 1)]
    yield
    for process in burners:
        process.kill()
        process.wait()


def session(sid: int) -> list[int]:
    """Processes (any state, zombies too) in session `sid`."""
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", "rb") as stat:
                fields = stat.read().rsplit(b")", 1)[1].split()
        except OSError:
            continue
        if int(fields[3]) == sid:
            found.append(int(entry))
    return found


def children(pid: int) -> list[int]:
    try:
        with open(f"/proc/{pid}/task/{pid}/children") as listing:
            return [int(child) for child in listing.read().split()]
    except OSError:
        return []


def start(tree, pattern, **popen) -> subprocess.Popen:
    return subprocess.Popen([*LOGPIPE, *pattern, str(tree)], stderr=subprocess.PIPE, start_new_session=True,
                            **popen)


def wait_for_workers(process: subprocess.Popen) -> None:
    deadline = time.monotonic() + 10
    while not children(process.pid) and process.poll() is None and time.monotonic() < deadline:
        time.sleep(0.002)


class Tally:
    """What went wrong over many runs, by kind, so that one run's failure does not hide the rest."""

    def __init__(self, name: str) -> None:
        self.name, self.runs, self.slowest, self.failures = name, 0, 0.0, {}

    def ended_cleanly(self, process: subprocess.Popen, since: float, status: int) -> None:
        err = process.stderr.read()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
        took = time.monotonic() - since
        left = session(process.pid)  # no worker left, orphaned or zombie
        self.runs += 1
        self.slowest = max(self.slowest, took)
        for failed, what in [(process.returncode != status, f"status {process.returncode}"),
                             (took >= 1.0, "took 1 s or more to exit"), (err != b"", f"stderr {err[-300:]!r}"),
                             (bool(left), "processes left")]:
            if failed:
                self.failures.setdefault(what, []).append(self.runs)
        if left:
            for pid in left:
                os.kill(pid, signal.SIGKILL)
        if self.runs % 100 == 0:  # for long runs (-s): where it stands
            print(f"{self.name}: {self.runs} runs, slowest exit {self.slowest:.3f} s, failures {self.failures}",
                  flush=True)

    def check(self) -> None:
        summary = f"{self.name}: {self.runs} runs, slowest exit {self.slowest:.3f} s, failures {self.failures}"
        print(summary)
        assert not self.failures, summary


@pytest.mark.usefixtures("burner")
@pytest.mark.parametrize("signum,status", [(signal.SIGTERM, 143), (signal.SIGINT, 130)], ids=["TERM", "INT"])
def test_signal_to_the_process_group(tree, signum, status):
    """What `timeout`, `kill %1`, systemd (SIGTERM) and Ctrl-C (SIGINT) do: every process
    of the group gets it, whatever each is doing."""
    rng = random.Random(signum)
    tally = Tally(f"group {signal.Signals(signum).name}")
    for run in range(RUNS):
        process = start(tree, PATTERNS[run % len(PATTERNS)], stdout=subprocess.DEVNULL)
        wait_for_workers(process)
        time.sleep(rng.uniform(0, 0.15))
        os.killpg(process.pid, signum)
        tally.ended_cleanly(process, time.monotonic(), status)
    tally.check()


@pytest.mark.usefixtures("burner")
def test_sigterm_to_the_parent_only(tree):
    tally = Tally("parent SIGTERM")
    for run in range(RUNS // 2):
        process = start(tree, PATTERNS[run % len(PATTERNS)], stdout=subprocess.DEVNULL)
        wait_for_workers(process)
        time.sleep(random.uniform(0, 0.1))
        process.send_signal(signal.SIGTERM)
        tally.ended_cleanly(process, time.monotonic(), 143)
    tally.check()


@pytest.mark.usefixtures("burner")
def test_reader_goes_away(tree):
    """`| head -c 100000`: the reader takes what it wants and closes the pipe."""
    tally = Tally("| head -c")
    for run in range(RUNS):
        pattern = [["-v", "zzzz"], ["-F", "sshd"], ["-l", "-F", "sshd"]][run % 3]
        process = start(tree, pattern, stdout=subprocess.PIPE)
        process.stdout.read(100000 if pattern[0] != "-l" else 1000)
        process.stdout.close()
        tally.ended_cleanly(process, time.monotonic(), 0)
    tally.check()


def pss(pids: list[int]) -> int:
    """Proportional set size in bytes, summed: the memory these processes take together
    (shared pages counted once, unlike summing RSS)."""
    total = 0
    for pid in pids:
        try:
            with open(f"/proc/{pid}/smaps_rollup") as rollup:
                total += next(int(line.split()[1]) for line in rollup if line.startswith("Pss:")) * 1024
        except (OSError, StopIteration):
            pass
    return total


def test_memory_bounded_with_a_slow_reader(tree):
    """`grep -v zzzz big | (sleep; cat)`: the workers wait, memory does not grow."""
    process = start(tree, ["-v", "zzzz"], stdout=subprocess.PIPE)
    try:
        wait_for_workers(process)
        peak, deadline = 0, time.monotonic() + 1.5
        while time.monotonic() < deadline:  # the reader pauses: nothing is read
            peak = max(peak, pss([process.pid, *children(process.pid)]))
            time.sleep(0.02)
        read = 0
        while read < 30_000_000:  # then it reads on, from both files
            data = process.stdout.read(1 << 20)
            assert data
            read += len(data)
            peak = max(peak, pss([process.pid, *children(process.pid)]))
        process.stdout.close()
        assert process.wait(timeout=60) == 0
    finally:
        process.kill()
    assert peak < 100_000_000, f"peak {peak / 1e6:.0f} MB"


def test_worker_killed_from_outside_is_reported(tree):
    process = start(tree, ["-v", "zzzz"], stdout=subprocess.PIPE)
    wait_for_workers(process)
    os.kill(children(process.pid)[0], signal.SIGKILL)
    process.stdout.read()  # the search goes on until it needs that worker's files
    err = process.stderr.read()
    assert process.wait(timeout=60) == 2
    assert err == b"logpipe: -j: a worker process was killed by signal 9; search stopped\n"
    assert session(process.pid) == []


SEARCH_HERE = """
import sys, io
import logpipe.executors.workers
logpipe.executors.workers.START_WORKERS_AFTER = 0  # every file in a worker, however small the tree
from logpipe.options import SearchOptions
from logpipe.search import run
status = run(SearchOptions(patterns=(b"sshd",), paths=(sys.argv[1],), count=True, threads=2))
sys.exit(status)
"""


@pytest.mark.parametrize("limit,status,message", [
    (12, 0, b""),  # the case: enough for two workers
    (8, 2, b"logpipe: -j: cannot start a worker process: Too many open files (going on with 1)\n"),
    (6, 2, b"logpipe: -j: cannot start a worker process: Too many open files (searching in this process)\n"),
], ids=["12", "8", "6"])
def test_too_few_file_descriptors(tmp_path, limit, status, message):
    for i in range(20):
        write(tmp_path / f"f{i:02d}.log", b"".join(log_lines(200, i)), "gzip" if i % 2 else "plain")
    one = subprocess.run([*LOGPIPE, "-j1", "-c", "sshd", str(tmp_path)], capture_output=True, timeout=60)
    limited = subprocess.run(f"ulimit -n {limit}; exec {sys.executable} -c '{SEARCH_HERE}' {tmp_path}",
                             shell=True, executable="/bin/bash", capture_output=True, timeout=60)
    assert (limited.returncode, limited.stderr) == (status, message)
    assert limited.stdout == one.stdout and one.stdout.count(b"\n") == 20


def test_tiny_search_starts_no_worker(tmp_path, monkeypatch):
    """A search too small to gain from workers never forks (START_WORKERS_AFTER)."""
    import io

    from logpipe.options import SearchOptions
    from logpipe.search import run

    forks = []
    real_fork = os.fork
    monkeypatch.setattr(os, "fork", lambda: forks.append(1) or real_fork())
    write(tmp_path / "0.log", b"".join(log_lines(50, 0)))
    out = io.BytesIO()
    assert run(SearchOptions(patterns=(b"sshd",), paths=(str(tmp_path),), threads=2), out, io.BytesIO()) == 0
    assert out.getvalue() and forks == []
