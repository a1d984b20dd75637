"""Issue 20, compressed trees: the gz and zst copies of trees.py's 1 GB tree (--tree-mb).

    python benchmarks/run.py --only '^(gz|zst) tree'

- gz at -j1 with the rare literal against the decompress-only floor: every file read through
  isal's decompressobj in 256 KiB steps and the output dropped, in one Python process (the
  library logpipe decodes gzip with; `igzip -dc` is printed beside it, when installed);
- gz and zst, rare literal and the literal on 8 % of lines, default -j, against `rg -z`.
"""
from __future__ import annotations

import shutil
from pathlib import Path

import trees

USES_CORPUS = False  # its inputs are trees.py's

ISAL_FLOOR = """
import sys, pathlib
from isal.isal_zlib import decompressobj
for path in sorted(pathlib.Path(sys.argv[1]).rglob('*.gz')):
    with open(path, 'rb') as file:
        member = decompressobj(wbits=31)
        while True:
            data = file.read(262144)
            if not data:
                break
            while data:
                member.decompress(data, 262144)
                data = member.unconsumed_tail
                if member.eof:  # the next member, if any
                    data, member = member.unused_data + data, decompressobj(wbits=31)
                    if not data.strip(b'\\0'):
                        break
"""
IGZIP_FLOOR = 'for f in $(find "$1" -name "*.gz" | sort); do igzip -dc "$f"; done > /dev/null'
CASES = {"rare literal": ["-F", trees.RARE], "8 % literal": ["-F", trees.EIGHT_PERCENT]}


def prepare(root: Path, size_mb: int) -> None:
    trees.tree()


def commands(root: Path, python: str) -> dict[str, list[str]]:
    logpipe = [python, "-m", "logpipe", "grep", "--no-progress"]
    base = trees.tree_path()
    rg = shutil.which("rg")
    table = {"gz tree rare literal: logpipe -j1": [*logpipe, "-j1", "-F", trees.RARE, str(base / "gz")],
             "gz tree: isal floor (decompress only, 1 process)": [python, "-c", ISAL_FLOOR, str(base / "gz")]}
    if shutil.which("igzip"):
        table["gz tree: igzip -dc floor"] = ["sh", "-c", IGZIP_FLOOR, "sh", str(base / "gz")]
    for tree in ("gz", "zst"):
        for case, arguments in CASES.items():
            table[f"{tree} tree {case}: logpipe"] = [*logpipe, *arguments, str(base / tree)]
            if rg:
                table[f"{tree} tree {case}: rg -z"] = [rg, "-z", *arguments, str(base / tree)]
    return table


TARGETS = [
    ("gz tree rare literal -j1: logpipe / isal floor", "gz tree rare literal: logpipe -j1",
     "gz tree: isal floor (decompress only, 1 process)", 1.4, None, "wall+cpu"),
    *[(f"{tree} tree {case}: logpipe / rg -z", f"{tree} tree {case}: logpipe", f"{tree} tree {case}: rg -z",
       1.0, None, "wall+cpu") for tree in ("gz", "zst") for case in CASES],
]
