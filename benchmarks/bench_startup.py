"""Issue 20, start-up: a search of an empty directory against `python -c 'import click'` (what
any click program pays), and rg.

    python benchmarks/run.py --only '^start-up'
"""
from __future__ import annotations

import shutil
from pathlib import Path

import trees

USES_CORPUS = False  # its inputs are trees.py's


def prepare(root: Path, size_mb: int) -> None:
    (trees.DATA / "empty").mkdir(parents=True, exist_ok=True)


def commands(root: Path, python: str) -> dict[str, list[str]]:
    empty = str(trees.DATA / "empty")
    table = {"start-up: logpipe, empty directory": [python, "-m", "logpipe", "grep", "--no-progress", "x", empty],
             "start-up: python -c 'import click'": [python, "-c", "import click"]}
    if shutil.which("rg"):
        table["start-up: rg, empty directory"] = ["rg", "x", empty]
    return table


TARGETS = [("start-up: logpipe / import click", "start-up: logpipe, empty directory",
            "start-up: python -c 'import click'", 1.2, None, "wall+cpu")]
