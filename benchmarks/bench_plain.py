"""Issue 20, plain files (the current log of every service): a 1 GB tree of loghub lines in
64 files (trees.py; --tree-mb), searched by logpipe at the default -j and at -j1, and by rg.

    python benchmarks/run.py --only '^plain tree'

Cases: a rare literal (-F ClassCastException, 1 line in 32,000), a literal on 8 % of the lines
(-F sshd), `-w ERROR`, `\\b(ERROR|FATAL)\\b` and an IPv4 regex, every matching line printed (to
a file), as a user runs them. Targets on wall time and on CPU time (user + system of the whole
process tree: the steadier figure on a shared machine).
"""
from __future__ import annotations

import shutil
from pathlib import Path

import trees

USES_CORPUS = False  # its inputs are trees.py's

CASES = {
    "rare literal": ["-F", trees.RARE],
    "8 % literal": ["-F", trees.EIGHT_PERCENT],
    "-w ERROR": ["-w", "ERROR"],
    "\\b(ERROR|FATAL)\\b": ["\\b(ERROR|FATAL)\\b"],
    "IPv4": ["([0-9]{1,3}\\.){3}[0-9]{1,3}"],
}
GOALS = {"rare literal": 3.0}  # the others: 4.0


def prepare(root: Path, size_mb: int) -> None:
    trees.tree()


def commands(root: Path, python: str) -> dict[str, list[str]]:
    logpipe = [python, "-m", "logpipe", "grep", "--no-progress"]
    plain = str(trees.tree_path() / "plain")
    rg = shutil.which("rg")
    table = {}
    for case, arguments in CASES.items():
        table[f"plain tree {case}: logpipe"] = [*logpipe, *arguments, plain]
        table[f"plain tree {case}: logpipe -j1"] = [*logpipe, "-j1", *arguments, plain]
        if rg:
            table[f"plain tree {case}: rg"] = [rg, *arguments, plain]
    return table


TARGETS = [(f"plain tree {case}: logpipe / rg", f"plain tree {case}: logpipe", f"plain tree {case}: rg",
            GOALS.get(case, 4.0), None, "wall+cpu") for case in CASES]
