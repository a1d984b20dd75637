"""Issue 20, --sort time: every line of 16 different logs (bench_time's merge tree: each
loghub log repeated to 16 MB), merged into one timeline, against `sort -m` of the same files
(C locale) and the same search unsorted.

    python benchmarks/run.py --only '^timeline'
"""
from __future__ import annotations

from pathlib import Path

import bench_time

USES_CORPUS = False  # bench_time's merge logs, built under the corpus folder without the corpus


def prepare(root: Path, size_mb: int) -> None:
    bench_time.merge_logs(root)


def commands(root: Path, python: str) -> dict[str, list[str]]:
    logpipe = [python, "-m", "logpipe", "grep", "--no-progress", "--tz", "UTC"]
    merge = str(root / bench_time.MERGE)
    return {
        "timeline every line: logpipe --sort time": [*logpipe, "--sort", "time", "-e", "", merge, "-g", "*.log"],
        "timeline every line: logpipe -j1 unsorted": [*logpipe, "-j1", "-e", "", merge, "-g", "*.log"],
        "timeline every line: sort -m": ["sh", "-c", 'LC_ALL=C exec sort -m "$1"/*.log', "sh", merge],
    }


TARGETS = [("timeline every line: --sort time / sort -m", "timeline every line: logpipe --sort time",
            "timeline every line: sort -m", 3.0, None, "wall+cpu")]
