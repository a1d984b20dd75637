"""Issue 11: regular expressions at SIMD speed, dense output, plain files, zstd.

    python benchmarks/run.py --from ../shared/corpus/loghub \
        --only '^re |^empty dir|^(zst|plain): (logpipe|rg|ugrep)$'

Every pattern of the issue's table on the gz tree (against `rg -z` and `ugrep -z`) and on
the plain tree (against `rg`), all with `-c` as the issue measured them; `-o` with two
literals on a 1 MB line of matches against GNU grep; a 500 MB plain file where every line
matches, printed to a file, with `-F`, `-v` and `-c`, against GNU grep. The zst and plain
fixed-string commands and the empty-directory start-up are run.py's own.
"""
from __future__ import annotations

import shutil
from pathlib import Path

PATTERNS = {
    "-w ERROR": ["-w", "ERROR"],
    "\\bERROR\\b": ["\\bERROR\\b"],
    "IPv4": ["([0-9]{1,3}\\.){3}[0-9]{1,3}"],
    "-i error|warn": ["-i", "error|warn"],
    "blk_": ["blk_-?[0-9]{10,}"],
}
BIG_MB = 500


def _data(root: Path) -> Path:
    return root / "regex"


def prepare(root: Path, size_mb: int) -> None:
    """A 500 MB plain file of log lines that all hold "Nov", and one 1 MB line of matches."""
    import sys

    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    from logpipe.demo import log_lines

    data = _data(root)
    data.mkdir(exist_ok=True)
    line = data / "line-1mb.log"
    if not line.exists():
        line.write_bytes(b"r " * 500_000 + b"\n")
    big = data / f"big-{BIG_MB}mb.log"
    if not big.exists():
        chunk = b"".join(log_lines(200_000, 11))
        with open(str(big) + ".part", "wb") as out:
            for _ in range(BIG_MB * 1_000_000 // len(chunk) + 1):
                out.write(chunk)
        Path(str(big) + ".part").rename(big)


def commands(root: Path, python: str) -> dict[str, list[str]]:
    logpipe = [python, "-m", "logpipe", "grep", "--no-progress"]
    rg, ugrep, grep = shutil.which("rg"), shutil.which("ugrep"), shutil.which("grep")
    table = {}
    for what, args in PATTERNS.items():
        gz, plain = str(root / "gz"), str(root / "plain")
        table[f"re gz {what}: logpipe"] = [*logpipe, "-c", *args, gz]
        table[f"re plain {what}: logpipe"] = [*logpipe, "-c", *args, plain]
        if rg:
            table[f"re gz {what}: rg -z"] = [rg, "-z", "-c", *args, gz]
            table[f"re plain {what}: rg"] = [rg, "-c", *args, plain]
        if ugrep:
            table[f"re gz {what}: ugrep -z"] = [ugrep, "-z", "-r", "-c", *args, gz]
    data = _data(root)
    line, big = str(data / "line-1mb.log"), str(data / f"big-{BIG_MB}mb.log")
    table["re -o two literals, 1 MB line: logpipe"] = [*logpipe, "-o", "-F", "-e", "r", "-e", "zzz", line]
    table["re 500 MB -F every line: logpipe"] = [*logpipe, "-F", "Nov", big]
    table["re 500 MB -v zzzz: logpipe"] = [*logpipe, "-v", "zzzz", big]
    table["re 500 MB -c: logpipe"] = [*logpipe, "-c", "-F", "Nov", big]
    if grep:
        table["re -o two literals, 1 MB line: grep"] = [grep, "-o", "-F", "-e", "r", "-e", "zzz", line]
        table["re 500 MB -F every line: grep"] = [grep, "-F", "Nov", big]
        table["re 500 MB -v zzzz: grep"] = [grep, "-v", "zzzz", big]
        table["re 500 MB -c: grep"] = [grep, "-c", "-F", "Nov", big]
    return table


TARGETS = [
    *[(f"gz {what}: logpipe / rg -z", f"re gz {what}: logpipe", f"re gz {what}: rg -z", 1.0, None)
      for what in PATTERNS],
    *[(f"gz {what}: logpipe / ugrep -z", f"re gz {what}: logpipe", f"re gz {what}: ugrep -z", 1.0, None)
      for what in PATTERNS],
    *[(f"plain {what}: logpipe / rg", f"re plain {what}: logpipe", f"re plain {what}: rg", 3.0, None)
      for what in PATTERNS],
    ("zst fixed string: logpipe / ugrep -z", "zst: logpipe", "zst: ugrep", 1.0, None),
    ("plain fixed string: logpipe / rg", "plain: logpipe", "plain: rg", 3.0, None),
    ("-o two literals on a 1 MB line: logpipe / grep", "re -o two literals, 1 MB line: logpipe",
     "re -o two literals, 1 MB line: grep", 10.0, None),
    ("500 MB -F every line: logpipe / grep", "re 500 MB -F every line: logpipe", "re 500 MB -F every line: grep",
     3.0, None),
    ("500 MB -v zzzz: logpipe / grep", "re 500 MB -v zzzz: logpipe", "re 500 MB -v zzzz: grep", 3.0, None),
    ("500 MB -c: logpipe / grep", "re 500 MB -c: logpipe", "re 500 MB -c: grep", 3.0, None),
    ("start-up, empty dir: logpipe / import click", "empty dir: logpipe", "empty dir: python -c 'import click'",
     1.5, None),
]
