"""Issue 20, --since/--until over lines that mostly carry no valid timestamp: a gz log whose
syslog stamps are malformed on 98 lines in 100 (`Dec 87 88:77:97`), every line printed, with
bounds that hold the valid lines (2000-01-01 .. 2099-01-01) and without bounds.

    python benchmarks/run.py --only '^malformed'

Its size follows --tree-mb: 1/16 of it, decompressed (64 MB at the default).
"""
from __future__ import annotations

import gzip
from pathlib import Path

import trees

USES_CORPUS = False  # its inputs are trees.py's


def path() -> Path:
    return trees.DATA / f"malformed-{trees.SIZES['tree_mb'] // 16}mb.log.gz"


def prepare(root: Path, size_mb: int) -> None:
    target = path()
    if target.exists():
        return
    from logpipe.demo import log_lines

    lines = log_lines(100_000, 3)
    bad = [b"Dec 87 88:77:97" + line[15:] if i % 50 else line for i, line in enumerate(lines)]
    chunk = b"".join(bad)
    size = trees.SIZES["tree_mb"] // 16 * 1_000_000
    target.parent.mkdir(parents=True, exist_ok=True)
    with gzip.open(target.with_name(target.name + ".part"), "wb", 6) as out:
        for _ in range(max(1, size // len(chunk))):
            out.write(chunk)
    target.with_name(target.name + ".part").rename(target)


def commands(root: Path, python: str) -> dict[str, list[str]]:
    logpipe = [python, "-m", "logpipe", "grep", "--no-progress", "--tz", "UTC"]
    gz = str(path())
    return {
        "malformed times: logpipe --since --until": [*logpipe, "--since", "2000-01-01", "--until", "2099-01-01",
                                                     "-F", ":", gz],
        "malformed times: logpipe without bounds": [*logpipe, "-F", ":", gz],
    }


TARGETS = [("malformed times: --since/--until / without bounds", "malformed times: logpipe --since --until",
            "malformed times: logpipe without bounds", 1.3, None, "wall+cpu")]
