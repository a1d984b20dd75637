"""Parallel search (-j N, issue 9): default -j against -j1 and grep -r, and the memory and
first-output figures of a parallel search, measured over its whole process tree.

    python benchmarks/run.py --only '^par'

Inputs (built once by `prepare`, cached under benchmarks/data/<corpus>/parallel/):
- big/: two plain files of 1.2 GB each (the corpus's plain files, repeated);
- big2/: a 50 MB file and a 1.2 GB one (a hard link to big/a.log);
- flat/: 100,000 files of ~800 bytes in 100 directories of 1,000;
- the corpus's gz tree (256 MB in 32 files by default).

Time ratios are in TARGETS (medians of one run.py run). Memory and the time to the first
output line need more than run.py's GNU time (whose %M is the largest single process,
not the parent and its workers together): those commands run under benchmarks/watch.py,
which samples the sum over the process tree and the first byte's arrival into
benchmarks/data/watch/, and `report()` prints them after run.py's targets. The issue's
slow reader pauses 60 s; here it pauses PAUSE seconds (the memory held during the pause
is what matters, and it stops growing within a second).
"""
from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

HERE = Path(__file__).resolve().parent
RECORDS = HERE / "data" / "watch"
BIG = 1_200_000_000
PAUSE = 10.0
FLAT_FILES = 100_000

WATCHED = {  # name -> (watch.py options, logpipe arguments)
    "par big -v: default -j > file": ([], ["-v", "zzzz"]),
    "par big -v: default -j | pausing reader": (["--pause", str(PAUSE)], ["-v", "zzzz"]),
    "par big2 first line: default -j": (["--first-line"], ["-F", "sshd"]),
    "par big2 first line: -j1": (["--first-line"], ["-j1", "-F", "sshd"]),
}


def prepare(root: Path, size_mb: int) -> None:
    for name in WATCHED:  # report() shows this run's figures only
        (RECORDS / f"{_slug(name)}.jsonl").unlink(missing_ok=True)
    base = root / "parallel"
    big, big2, flat = base / "big", base / "big2", base / "flat"
    if not (big / "done").exists():
        shutil.rmtree(big, ignore_errors=True)
        big.mkdir(parents=True)
        plain = [path.read_bytes() for path in sorted((root / "plain").rglob("*.log"))]
        for name in ("a.log", "b.log"):
            written = 0
            with open(big / name, "wb") as out:
                while written < BIG:
                    for data in plain:
                        data = data[:BIG - written]
                        out.write(data)
                        written += len(data)
                        if written >= BIG:
                            break
                    plain.reverse()  # b.log differs from a.log in its order
        (big / "done").write_text("ok")
    if not (big2 / "done").exists():
        shutil.rmtree(big2, ignore_errors=True)
        big2.mkdir(parents=True)
        with open(big / "a.log", "rb") as source, open(big2 / "a.log", "wb") as out:
            out.write(source.read(50_000_000))
        os.link(big / "b.log", big2 / "b.log")
        (big2 / "done").write_text("ok")
    if not (flat / "done").exists():
        shutil.rmtree(flat, ignore_errors=True)
        lines = (root / "plain" / "host0" / "app00.log").read_bytes()[:FLAT_FILES * 800 + 10_000]
        position = 0
        for d in range(100):
            directory = flat / f"d{d:02d}"
            directory.mkdir(parents=True)
            for f in range(FLAT_FILES // 100):
                end = lines.index(b"\n", position + 700) + 1
                (directory / f"f{f:04d}.log").write_bytes(lines[position:end])
                position = end if end < len(lines) - 2000 else 0
        (flat / "done").write_text("ok")


def commands(root: Path, python: str) -> dict[str, list[str]]:
    logpipe = [python, "-m", "logpipe", "grep", "--no-progress"]
    base = root / "parallel"
    table = {
        "par gz: logpipe": [*logpipe, "-F", "sshd", str(root / "gz")],
        "par gz: logpipe -j1": [*logpipe, "-j1", "-F", "sshd", str(root / "gz")],
        "par flat: logpipe": [*logpipe, "-F", "sshd", str(base / "flat")],
        "par flat: logpipe -j1": [*logpipe, "-j1", "-F", "sshd", str(base / "flat")],
        "par flat: grep -r": ["grep", "-r", "-F", "sshd", str(base / "flat")],
        "par big -c: logpipe": [*logpipe, "-c", "zzzz", str(base / "big")],
        "par big -c: logpipe -j1": [*logpipe, "-j1", "-c", "zzzz", str(base / "big")],
    }
    for name, (watching, arguments) in WATCHED.items():
        tree = base / ("big2" if "big2" in name else "big")
        table[name] = [python, str(HERE / "watch.py"), _slug(name), *watching, "--",
                       *logpipe, *arguments, str(tree)]
    return table


TARGETS = [
    ("parallel: gz tree, default -j / -j1", "par gz: logpipe", "par gz: logpipe -j1", 0.6, None),
    ("parallel: 100,000 small files, default -j / -j1", "par flat: logpipe", "par flat: logpipe -j1", 0.6, None),
    ("parallel: 100,000 small files, default -j / grep -r", "par flat: logpipe", "par flat: grep -r", 2.0, None),
    ("parallel: 2 x 1.2 GB -c, default -j / -j1", "par big -c: logpipe", "par big -c: logpipe -j1", 0.6, None),
]


def _slug(name: str) -> str:
    return "".join(c if c.isalnum() else "-" for c in name).strip("-")


def report() -> list[str]:
    """Rows for the targets table from the watched runs: memory summed over the process
    tree, time to the first output line. Peak over all runs, medians of the times."""
    rows = []

    def runs(name: str) -> list[dict]:
        path = RECORDS / f"{_slug(name)}.jsonl"
        return [json.loads(line) for line in path.read_text().splitlines()] if path.exists() else []

    for name in ("par big -v: default -j > file", "par big -v: default -j | pausing reader"):
        records = runs(name)
        if records:
            pss = max(r["peak_pss"] for r in records) / 1e6
            rss = max(r["peak_rss"] for r in records) / 1e6
            rows.append(f"| {name}: peak memory, parent + workers (PSS; RSS sum {rss:.0f} MB) | {pss:.0f} MB "
                        f"| ≤ 100 MB | {'yes' if pss <= 100 else 'NO'} |")
    many, one = runs("par big2 first line: default -j"), runs("par big2 first line: -j1")
    if many and one:
        def median(values):
            values = sorted(values)
            return values[len(values) // 2]

        first_many = median([r["first_output_s"] for r in many if r["first_output_s"] is not None])
        first_one = median([r["first_output_s"] for r in one if r["first_output_s"] is not None])
        ratio = first_many / first_one
        rows.append(f"| parallel: time to first line, default -j / -j1 ({first_many:.3f} s / {first_one:.3f} s) "
                    f"| {ratio:.2f} | ≤ 1.2 | {'yes' if ratio <= 1.2 else 'NO'} |")
    return rows
