"""--records (issue 13): multi-line records cost little on top of the line search, and an
endless "record" (no line starts with a timestamp) keeps memory bounded.

    python benchmarks/run.py --only records

Targets: `--records` with a sparse pattern on the gz tree ≤ 1.3 × the same search
without it; peak memory ≤ 100 MB on a 1 GB file that is one endless record (run.py's
peak-memory line counts every command whose name starts with "1 GB").
"""
from __future__ import annotations

from pathlib import Path

NEEDLE = "Killed process 4"  # run.py's sparse fixed string
ENDLESS = Path("endless") / "one-record-1gb.log"


def endless_chunk(seed: int) -> bytes:
    """About 1 MB of Java frames: not one line starts with a timestamp; one line matches NEEDLE."""
    lines = [b"\tat com.example.frames.Frame%d.call(Frame%d.java:%d)\n" % (i % 997, seed % 89, i % 1013)
             for i in range(20000)]
    lines[10000 + seed % 5000] = b"Caused by: java.lang.IllegalStateException: Killed process 4%d\n" % seed
    return b"".join(lines)


def prepare(root: Path, size_mb: int) -> None:
    """The 1 GB endless record, built once and cached beside the corpus."""
    path = root / ENDLESS
    if path.exists():
        return
    path.parent.mkdir(exist_ok=True)
    partial = path.with_suffix(".partial")
    with open(partial, "wb") as out:
        written, seed = 0, 0
        while written < 1_000_000_000:
            chunk = endless_chunk(seed)
            out.write(chunk)
            written += len(chunk)
            seed += 1
    partial.rename(path)


def commands(root: Path, python: str) -> dict[str, list[str]]:
    logpipe = [python, "-m", "logpipe", "grep", "--no-progress"]
    gz = str(root / "gz")
    return {
        "gz: logpipe sparse, lines (records baseline)": [*logpipe, "-F", NEEDLE, gz],
        "gz: logpipe sparse, --records": [*logpipe, "--records", "-F", NEEDLE, gz],
        "gz: logpipe -j1 sparse, lines (records baseline)": [*logpipe, "-j1", "-F", NEEDLE, gz],
        "gz: logpipe -j1 sparse, --records": [*logpipe, "-j1", "--records", "-F", NEEDLE, gz],
        "1 GB endless record: logpipe --records": [*logpipe, "--records", "-F", NEEDLE, str(root / ENDLESS)],
    }


TARGETS = [
    ("gz: --records / lines, sparse pattern", "gz: logpipe sparse, --records",
     "gz: logpipe sparse, lines (records baseline)", 1.3, None),
    ("gz: --records / lines, sparse pattern, -j1", "gz: logpipe -j1 sparse, --records",
     "gz: logpipe -j1 sparse, lines (records baseline)", 1.3, None),
]
