"""Time bounds and the timeline (issue 12): what --since/--until and --sort time cost or save.

- `time gz`: a sparse fixed string over the 256 MB gz tree, with and without a ten-day
  window (--since/--until): the per-match time test must cost little.
- `time 1 GB`: a 1 GB plain log in time order (ISO timestamps, ~12 lines a second over
  ~10 days), a pattern that matches every line, with and without a 10-minute window:
  the binary search for --since and the stop after --until read ~1 MB of it.
- `time merge`: 16 different logs (16 MB each: each loghub file repeated, so its times
  start over at each copy: the merge's work per record is the same), a common pattern,
  --sort time against the unsorted search, both in one process (-j1; --sort time
  merges in one process whatever -j says).
"""
from __future__ import annotations

import os
import time
from pathlib import Path

import trees

NEEDLE = "Killed process 4"
ORDERED = "time/ordered-1gb.log"
MERGE = "time/merge"
START = 1796000000  # 2026-11-30T00:53:20Z: the ordered log's first second
LINES_PER_SECOND = 12


def _iso(epoch: int) -> bytes:
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(epoch)).encode()


def _ordered_log(path: Path) -> None:
    """~1 GB: each second, LINES_PER_SECOND lines of synthetic text after an ISO timestamp."""
    from logpipe.demo import log_lines

    bodies = [line.split(b" ", 3)[3] for line in log_lines(4096, 12)]  # without the syslog stamp
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "wb") as out:
        written, second, i = 0, START, 0
        while written < 1_000_000_000:
            prefix = _iso(second) + b" "
            chunk = b"".join(prefix + bodies[(i + k) % 4096] for k in range(LINES_PER_SECOND))
            out.write(chunk)
            written += len(chunk)
            second += 1
            i += 7


def _merge_logs(directory: Path) -> None:
    """16 logs of 16 MB: each loghub file repeated."""
    directory.mkdir(parents=True, exist_ok=True)
    loghub = trees.loghub_dir()
    sources = sorted(loghub.glob("*.log")) if loghub else []
    for source in sources[:16]:
        data = source.read_bytes()
        with open(directory / source.name, "wb") as out:
            size = 0
            while size < 16_000_000:
                out.write(data)
                size += len(data)


def prepare(root: Path, size_mb: int) -> None:
    ordered = root / ORDERED
    if not ordered.exists():
        _ordered_log(ordered.with_suffix(".tmp"))
        ordered.with_suffix(".tmp").rename(ordered)
    merge_logs(root)


def merge_logs(root: Path) -> None:
    """root/MERGE: the 16 logs of the merge (also bench_timeline's), built once."""
    merge = root / MERGE
    if not (merge / "done").exists():
        _merge_logs(merge)
        (merge / "done").write_text("ok")


def _gz_window(root: Path) -> tuple[str, str]:
    """A ten-day window inside the synthetic tree's November (its lines carry no year:
    they take the year of the files' mtime)."""
    sample = next((root / "gz").rglob("*.gz"), None)
    year = time.gmtime(os.stat(sample).st_mtime if sample else time.time()).tm_year
    if sample and time.gmtime(os.stat(sample).st_mtime).tm_mon < 11:
        year -= 1
    return f"{year}-11-10", f"{year}-11-20"


def commands(root: Path, python: str) -> dict[str, list[str]]:
    logpipe = [python, "-m", "logpipe", "grep", "--no-progress", "--tz", "UTC"]
    since, until = _gz_window(root)
    window_since, window_until = _iso(START + 5 * 86400).decode(), _iso(START + 5 * 86400 + 600).decode()
    merge = str(root / MERGE)
    pattern = "ERROR|WARN|error|fail"
    return {
        "time gz: logpipe": [*logpipe, "-F", NEEDLE, str(root / "gz")],
        "time gz: logpipe --since --until": [*logpipe, "--since", since, "--until", until, "-F", NEEDLE,
                                             str(root / "gz")],
        "time 1 GB: logpipe, every line": [*logpipe, "-F", "T", str(root / ORDERED)],
        "time 1 GB: logpipe, every line, 10-minute window": [
            *logpipe, "--since", window_since, "--until", window_until, "-F", "T", str(root / ORDERED)],
        "time merge: logpipe -j1": [*logpipe, "-j1", pattern, merge, "--exclude", "done"],
        "time merge: logpipe -j1 --sort time": [*logpipe, "-j1", "--sort", "time", pattern, merge,
                                                "--exclude", "done"],
    }


TARGETS = [
    ("time gz: --since/--until / without bounds", "time gz: logpipe --since --until", "time gz: logpipe", 1.15,
     None),
    ("time 1 GB: without bounds / 10-minute window (≥ 20)", "time 1 GB: logpipe, every line",
     "time 1 GB: logpipe, every line, 10-minute window", float("inf"), 20.0),
    ("time merge: --sort time / unsorted (-j1)", "time merge: logpipe -j1 --sort time", "time merge: logpipe -j1",
     1.5, None),
]
