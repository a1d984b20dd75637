"""Issue 20, --json: the literal on 8 % of lines over trees.py's gz tree, against `rg -z --json`.

    python benchmarks/run.py --only '^json'
"""
from __future__ import annotations

import shutil
from pathlib import Path

import trees

USES_CORPUS = False  # its inputs are trees.py's


def prepare(root: Path, size_mb: int) -> None:
    trees.tree()


def commands(root: Path, python: str) -> dict[str, list[str]]:
    gz = str(trees.tree_path() / "gz")
    table = {"json gz 8 % literal: logpipe": [python, "-m", "logpipe", "grep", "--no-progress", "--json", "-F",
                                             trees.EIGHT_PERCENT, gz]}
    if shutil.which("rg"):
        table["json gz 8 % literal: rg -z"] = ["rg", "-z", "--json", "-F", trees.EIGHT_PERCENT, gz]
    return table


TARGETS = [("json gz 8 % literal: logpipe / rg -z --json", "json gz 8 % literal: logpipe",
            "json gz 8 % literal: rg -z", 1.5, None, "wall+cpu")]
