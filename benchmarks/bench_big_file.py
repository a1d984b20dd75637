"""Issue 20, one big file: trees.py's 2 GB file (--big-mb), plain and gzip (one member), with
the rare literal.

    python benchmarks/run.py --only '^big file'

- gz: logpipe at the default -j against `rg -z` (both read one gzip stream on one core today);
  with rapidgzip importable (`pip install rapidgzip`, not a logpipe dependency), its parallel
  decompression of the same file on 2 threads and on 1, output dropped: what a split of one
  gzip stream across cores could give;
- plain: logpipe at the default -j against -j1 (a split at line boundaries across workers
  would bring it under 0.6), and rg.
"""
from __future__ import annotations

import importlib.util
import shutil
from pathlib import Path

import trees

USES_CORPUS = False  # its inputs are trees.py's

RAPIDGZIP = """
import sys, rapidgzip
with rapidgzip.open(sys.argv[1], parallelization=int(sys.argv[2])) as file:
    while file.read(4 << 20):
        pass
"""


def prepare(root: Path, size_mb: int) -> None:
    trees.big()


def commands(root: Path, python: str) -> dict[str, list[str]]:
    logpipe = [python, "-m", "logpipe", "grep", "--no-progress"]
    base = trees.big_path()
    gz, plain = str(base / "gz" / "one.log.gz"), str(base / "one.log")
    table = {"big file gz: logpipe": [*logpipe, "-F", trees.RARE, gz],
             "big file plain: logpipe": [*logpipe, "-F", trees.RARE, plain],
             "big file plain: logpipe -j1": [*logpipe, "-j1", "-F", trees.RARE, plain]}
    if shutil.which("rg"):
        table["big file gz: rg -z"] = ["rg", "-z", "-F", trees.RARE, gz]
        table["big file plain: rg"] = ["rg", "-F", trees.RARE, plain]
    if importlib.util.find_spec("rapidgzip"):
        table["big file gz: rapidgzip floor, 2 threads"] = [python, "-c", RAPIDGZIP, gz, "2"]
        table["big file gz: rapidgzip floor, 1 thread"] = [python, "-c", RAPIDGZIP, gz, "1"]
    return table


TARGETS = [
    ("big file gz: logpipe / rg -z", "big file gz: logpipe", "big file gz: rg -z", 0.6, None, "wall"),
    ("big file plain: default -j / -j1", "big file plain: logpipe", "big file plain: logpipe -j1", 0.6, None,
     "wall"),
]
