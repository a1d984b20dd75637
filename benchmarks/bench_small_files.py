"""Issue 20, many small files: 100,000 files of about 1 KiB (trees.py; --small-files N), a
literal on 8 % of lines, logpipe at the default -j and at -j1, and rg.

    python benchmarks/run.py --only '^small files'
"""
from __future__ import annotations

import shutil
from pathlib import Path

import trees

USES_CORPUS = False  # its inputs are trees.py's


def prepare(root: Path, size_mb: int) -> None:
    trees.small_files()


def commands(root: Path, python: str) -> dict[str, list[str]]:
    logpipe = [python, "-m", "logpipe", "grep", "--no-progress"]
    path = str(trees.small_path())
    table = {"small files: logpipe": [*logpipe, "-F", trees.EIGHT_PERCENT, path],
             "small files: logpipe -j1": [*logpipe, "-j1", "-F", trees.EIGHT_PERCENT, path]}
    if shutil.which("rg"):
        table["small files: rg"] = ["rg", "-F", trees.EIGHT_PERCENT, path]
    return table


TARGETS = [
    ("small files: logpipe / rg", "small files: logpipe", "small files: rg", 4.0, None, "wall+cpu"),
    ("small files: default -j / -j1", "small files: logpipe", "small files: logpipe -j1", 0.7, None, "wall"),
]
