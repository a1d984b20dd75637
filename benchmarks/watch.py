"""Run a command and watch its whole process tree (the benchmark's wrapper for -j N).

    python benchmarks/watch.py NAME [--pipe] [--pause S] [--first-line] -- COMMAND...

GNU time's %M is the peak of the largest single process; a parallel search is a parent
and its workers, so this samples /proc every 10 ms and records the peak of the *sum*
over the tree, both RSS (shared pages counted in every process: an upper bound) and PSS
(shared pages divided among their sharers: what the tree really takes). With --pipe the
command's stdout goes through this process, which records when the first byte arrived;
--pause S stops reading for S seconds after it (a slow reader, like `less`); --first-line
stops reading after the first line and closes the pipe (`| head -1`); --limit S ends the
command with SIGTERM after S seconds (memory over a window of a long run). One JSON line per
run is appended to benchmarks/data/watch/NAME.jsonl. Exit status: the command's.
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
RECORDS = HERE / "data" / "watch"


def tree(pid: int) -> list[int]:
    found, todo = [], [pid]
    while todo:
        current = todo.pop()
        found.append(current)
        try:
            for task in os.listdir(f"/proc/{current}/task"):
                with open(f"/proc/{current}/task/{task}/children") as listing:
                    todo += [int(child) for child in listing.read().split()]
        except OSError:
            pass
    return found


def memory(pids: list[int]) -> tuple[int, int]:
    """(RSS, PSS) in bytes, summed over `pids`."""
    rss = pss = 0
    for pid in pids:
        try:
            with open(f"/proc/{pid}/smaps_rollup") as rollup:
                for line in rollup:
                    if line.startswith("Rss:"):
                        rss += int(line.split()[1]) * 1024
                    elif line.startswith("Pss:"):
                        pss += int(line.split()[1]) * 1024
        except OSError:
            pass
    return rss, pss


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("name")
    parser.add_argument("--pipe", action="store_true")
    parser.add_argument("--pause", type=float, default=0.0)
    parser.add_argument("--first-line", action="store_true")
    parser.add_argument("--limit", type=float, help="end the command with SIGTERM after this many seconds")
    argv = sys.argv[1:]
    split = argv.index("--") if "--" in argv else len(argv)
    args, command = parser.parse_args(argv[:split]), argv[split + 1:]
    piped = args.pipe or args.pause or args.first_line
    started = time.perf_counter()
    process = subprocess.Popen(command, stdout=subprocess.PIPE if piped else None)
    peak = [0, 0]
    done = threading.Event()

    def sample() -> None:
        while not done.is_set():
            rss, pss = memory(tree(process.pid))
            peak[0], peak[1] = max(peak[0], rss), max(peak[1], pss)
            done.wait(0.01)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    if args.limit:
        threading.Timer(args.limit, lambda: process.poll() is None and process.terminate()).start()
    first = None
    if piped:
        out = sys.stdout.buffer
        while True:
            data = process.stdout.read1(1 << 16)
            if not data:
                break
            if first is None:
                first = time.perf_counter() - started
                if args.pause:
                    time.sleep(args.pause)
            if args.first_line and b"\n" in data:
                out.write(data[:data.index(b"\n") + 1])
                break
            out.write(data)
        process.stdout.close()
    status = process.wait()
    wall = time.perf_counter() - started
    done.set()
    sampler.join()
    RECORDS.mkdir(parents=True, exist_ok=True)
    with open(RECORDS / f"{args.name}.jsonl", "a") as records:
        records.write(json.dumps({"first_output_s": first, "wall_s": wall, "peak_rss": peak[0],
                                  "peak_pss": peak[1], "status": status}) + "\n")
    return 0 if status in (0, 1) or (args.first_line and status < 0) or (args.limit and status == 143) else status


if __name__ == "__main__":
    sys.exit(main())
