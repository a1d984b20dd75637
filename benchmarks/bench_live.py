"""Live logs (issue 21): `logpipe grep --tail` under load, and what it costs while idle.

    python benchmarks/run.py --only '^live'        # with the rest of the benchmark's table
    python benchmarks/bench_live.py                 # alone: one run per backend, the figures printed

The load case of the issue: FILES files, each appended at RATE lines a second for SECONDS
seconds by a writer process (every 10 ms, the lines due, one write per file), while
`logpipe grep --tail -h f0 DIR` (a pattern every line matches) follows the directory and
this process reads its output. Each line carries its file, its number in the file and the
time it was written; the reader notes when it arrived. Reported, per backend:
- lines lost (written, never printed) and duplicates (printed twice): both must be 0;
- lines out of their file's order;
- the lag from write to print, p50 / p99 / max (goal: under 1 s);
- CPU while idle: logpipe's CPU time (from /proc) over IDLE seconds with nothing written,
  as a percentage of one core (goal: under 1 %), with inotify and with polling;
- peak memory: logpipe's VmHWM (its resident high-water mark) at the end.
Each run appends its figures to benchmarks/data/watch/live.jsonl; `report()` prints them.

    python benchmarks/bench_live.py --stream        # the issue's streaming example, measured

`--stream`: the issue's first example, `(for i in 1 2 3 4 5 6; do echo "ERROR $i"; sleep 1;
done) | logpipe grep ERROR` (each line also carrying the time it was written), for each
backend, with and without --line-buffered, into a pipe and onto a terminal (a pty): the
lag from each line's writing to its arrival (goal: under 0.5 s). The first line is
written while logpipe starts, so its lag includes logpipe's start-up.
"""
from __future__ import annotations

import argparse
import json
import os
import re
import select
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
RECORDS = HERE / "data" / "watch" / "live.jsonl"
FILES, RATE, SECONDS, IDLE = 100, 1000, 30.0, 5.0
TICK = 0.01

WRITER = r"""
import os, sys, time
directory, files, rate, seconds, tick = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), float(sys.argv[4]), float(sys.argv[5])
pad = b"x" * 40
fds = [os.open(os.path.join(directory, "f%03d.log" % i), os.O_WRONLY | os.O_APPEND) for i in range(files)]
written = [0] * files
start = time.time()
end = start + seconds
while True:
    now = time.time()
    if now >= end:
        break
    due = int((now - start) * rate)
    for i, fd in enumerate(fds):
        first = written[i]
        if due > first:
            os.write(fd, b"".join(b"f%03d %08d %.6f %s\n" % (i, n, now, pad) for n in range(first, due)))
            written[i] = due
    time.sleep(max(0.0, tick - (time.time() - now)))
print(sum(written))
"""

LINE = re.compile(rb"f(\d{3}) (\d{8}) (\d+\.\d+)")


def cpu_seconds(pid: int) -> float:
    with open(f"/proc/{pid}/stat", "rb") as stat:
        fields = stat.read().rsplit(b")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def peak_memory_mb(pid: int) -> float:
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return 0.0


def idle_cpu(directory: Path, backend: str, poll: str | None) -> float:
    """logpipe's CPU use over IDLE seconds of a follow with nothing written, % of a core."""
    extra = ["--tail-poll", poll] if poll else []
    process = subprocess.Popen([sys.executable, "-m", "logpipe", "grep", "--no-progress", "--no-config", "--tail",
                                *extra, "--backend", backend, "-h", "f0", str(directory)],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        time.sleep(2.0)  # its start-up (imports, the walk) is not idle time
        before = cpu_seconds(process.pid)
        time.sleep(IDLE)
        return 100 * (cpu_seconds(process.pid) - before) / IDLE
    finally:
        process.send_signal(signal.SIGINT)
        process.wait()


def load(backend: str, files: int = FILES, rate: int = RATE, seconds: float = SECONDS) -> dict:
    with tempfile.TemporaryDirectory(prefix="logpipe-live-") as temporary:
        directory = Path(temporary)
        for i in range(files):
            (directory / f"f{i:03d}.log").write_bytes(b"")
        figures = {"backend": backend, "files": files, "rate": rate, "seconds": seconds,
                   "idle_cpu_percent": idle_cpu(directory, backend, None),
                   "idle_cpu_percent_polling": idle_cpu(directory, backend, "0.5")}
        process = subprocess.Popen([sys.executable, "-m", "logpipe", "grep", "--no-progress", "--no-config", "--tail",
                                    "--backend", backend, "-h", "f0", str(directory)],
                                   stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        stdout = process.stdout.fileno()
        _wait_until_following(directory / "f000.log", stdout)  # the start-up is not what is measured
        writer = subprocess.Popen([sys.executable, "-c", WRITER, str(directory), str(files), str(rate), str(seconds),
                                   str(TICK)], stdout=subprocess.PIPE, text=True)
        last = [-1] * files
        lags: list[float] = []
        duplicates = out_of_order = printed = 0
        partial = b""
        total = None
        deadline = None
        while True:
            if total is None and writer.poll() is not None:
                total = int(writer.stdout.read())
                deadline = time.monotonic() + 10.0  # every line must have come by then
            if total is not None and (printed >= total or time.monotonic() > deadline):
                break
            ready, _, _ = select.select([stdout], [], [], 0.2)
            if not ready:
                continue
            chunk = os.read(stdout, 1 << 20)
            if not chunk:
                break
            now = time.time()
            data = partial + chunk
            cut = data.rfind(b"\n") + 1
            partial = data[cut:]
            for name, number, written in LINE.findall(data, 0, cut):
                file, number = int(name), int(number)
                printed += 1
                lags.append(now - float(written))
                if number <= last[file]:
                    duplicates += number == last[file] or 0
                    out_of_order += number < last[file]
                elif number != last[file] + 1:
                    out_of_order += 1
                last[file] = max(last[file], number)
        figures["peak_memory_mb"] = peak_memory_mb(process.pid)
        process.send_signal(signal.SIGINT)
        process.communicate(timeout=30)
        distinct = sum(n + 1 for n in last)
        lags.sort()
        figures.update(written=total, printed=printed, lost=(total or 0) - distinct, duplicates=duplicates,
                       out_of_order=out_of_order,
                       lag_p50=lags[len(lags) // 2] if lags else None,
                       lag_p99=lags[int(len(lags) * 0.99)] if lags else None,
                       lag_max=lags[-1] if lags else None, load_average=os.getloadavg()[0])
        return figures


def _wait_until_following(log: Path, stdout: int) -> None:
    """Append a marker line every half second until logpipe prints one."""
    seen = b""
    while b"ready" not in seen:
        with open(log, "ab") as out:
            out.write(b"f0 ready\n")
        end = time.monotonic() + 0.5
        while b"ready" not in seen and time.monotonic() < end:
            if select.select([stdout], [], [], max(0.0, end - time.monotonic()))[0]:
                seen += os.read(stdout, 65536)


# -- the streaming example -----------------------------------------------------------------

STREAM_WRITER = r"""
import sys, time
for i in range(1, 7):
    sys.stdout.write("ERROR %d %.6f\n" % (i, time.time()))
    sys.stdout.flush()
    time.sleep(1)
"""
COLOURS = re.compile(rb"\x1b\[[0-9;]*[mK]")
STREAMED = re.compile(rb"ERROR (\d) (\d+\.\d+)")


def stream(backend: str, line_buffered: bool, terminal: bool) -> dict:
    """The streaming example once: each line's lag from its writing to its arrival."""
    import pty

    ours, theirs = pty.openpty() if terminal else os.pipe()
    writer = subprocess.Popen([sys.executable, "-c", STREAM_WRITER], stdout=subprocess.PIPE)
    process = subprocess.Popen([sys.executable, "-m", "logpipe", "grep", "--no-progress", "--no-config",
                                "--backend", backend, *(["--line-buffered"] if line_buffered else []), "ERROR"],
                               stdin=writer.stdout, stdout=theirs, stderr=subprocess.DEVNULL)
    writer.stdout.close()
    os.close(theirs)
    lags: dict[int, float] = {}
    partial = b""
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if not select.select([ours], [], [], 1.0)[0]:
            continue
        try:
            chunk = os.read(ours, 65536)
        except OSError:  # a pty whose other side is closed
            chunk = b""
        if not chunk:
            break
        now = time.time()
        *lines, partial = (partial + chunk).split(b"\n")
        for line in lines:
            found = STREAMED.search(COLOURS.sub(b"", line))
            if found:
                lags.setdefault(int(found[1]), now - float(found[2]))
    os.close(ours)
    writer.wait()
    process.wait()
    return {"backend": backend, "line_buffered": line_buffered, "output": "terminal" if terminal else "pipe",
            "lags": [round(lags[i], 4) if i in lags else None for i in range(1, 7)], "status": process.returncode}


# -- run.py's side ----------------------------------------------------------------------------


def commands(root: Path, python: str) -> dict[str, list[str]]:
    return {f"live load: logpipe --tail {backend} ({FILES} files x {RATE} lines/s x {SECONDS:.0f} s)":
            [python, str(Path(__file__).resolve()), "--record", "--backend", backend] for backend in ("pull", "push")}


TARGETS: list = []


def prepare(root: Path, size_mb: int) -> None:
    RECORDS.unlink(missing_ok=True)  # report() shows this run's figures only


def report() -> list[str]:
    if not RECORDS.exists():
        return []
    rows = []
    runs = [json.loads(line) for line in RECORDS.read_text().splitlines()]
    for backend in ("pull", "push"):
        mine = [run for run in runs if run["backend"] == backend]
        if not mine:
            continue
        lost, duplicates = max(r["lost"] for r in mine), max(r["duplicates"] for r in mine)
        p50 = statistics.median(r["lag_p50"] for r in mine)
        p99 = max(r["lag_p99"] for r in mine)
        idle = max(r["idle_cpu_percent"] for r in mine)
        idle_polling = max(r["idle_cpu_percent_polling"] for r in mine)
        peak = max(r["peak_memory_mb"] for r in mine)
        rows += [f"| live {backend}: lines lost, duplicates, out of order ({len(mine)} runs) | {lost}, {duplicates}, "
                 f"{max(r['out_of_order'] for r in mine)} | 0, 0, 0 | {'yes' if lost == duplicates == 0 else 'NO'} |",
                 f"| live {backend}: lag write → print, p50 / p99 (worst run) | {p50:.3f} / {p99:.3f} s | < 1 s | "
                 f"{'yes' if p99 < 1 else 'NO'} |",
                 f"| live {backend}: CPU while idle, inotify / polling every 0.5 s | {idle:.2f} / {idle_polling:.2f} % "
                 f"of a core | < 1 % | {'yes' if idle < 1 else 'NO'} |",
                 f"| live {backend}: peak memory (VmHWM) | {peak:.0f} MB | bounded | - |"]
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--backend", choices=["pull", "push"], action="append")
    parser.add_argument("--record", action="store_true", help="append the figures to " + str(RECORDS))
    parser.add_argument("--seconds", type=float, default=SECONDS)
    parser.add_argument("--files", type=int, default=FILES)
    parser.add_argument("--rate", type=int, default=RATE)
    parser.add_argument("--stream", action="store_true", help="measure the streaming example instead")
    args = parser.parse_args()
    sys.path.insert(0, str(HERE.parent))
    if args.stream:
        for backend in args.backend or ["pull", "push"]:
            for terminal in (False, True):
                for line_buffered in (False, True):
                    figures = stream(backend, line_buffered, terminal)
                    late = [lag for lag in figures["lags"] if lag is None or lag >= 0.5]  # the first one too
                    print(json.dumps({**figures, "each_under_half_a_second": not late}))
        return
    for backend in args.backend or ["pull", "push"]:
        figures = load(backend, args.files, args.rate, args.seconds)
        print(json.dumps(figures))
        if args.record:
            RECORDS.parent.mkdir(parents=True, exist_ok=True)
            with open(RECORDS, "a") as records:
                records.write(json.dumps(figures) + "\n")


if __name__ == "__main__":
    main()
