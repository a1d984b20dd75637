"""Summaries (issue 23): what --histogram costs on top of the same search with -c, and
--count-by on a 1 GB access log with 10^7 distinct client addresses: its memory, summed
over the process tree, and its top 20 against GNU's `grep -o | sort | uniq -c | sort -rn |
head -20` on the same file.

    python benchmarks/run.py --only '^sum' --repeat 3

Inputs (built once by `prepare`, cached under benchmarks/data/<corpus>/summaries/):
- access-1gb.log: ~13 million lines of an nginx access log, 10^7 client addresses that
  occur once each and 1,000 that occur ~3,300 times on average (a Zipf law), shuffled.

Targets: `--histogram 1h` over the gz tree ≤ 1.2 × `-c` (the sparse fixed string of
run.py; and for the record, a dense one: 'sshd', on ~30 % of the lines); `--count-by` peak
memory (parent and workers, PSS) < 100 MB with 10^7 distinct values; its top 20 the same
as GNU's (report() compares the two outputs this run wrote).
"""
from __future__ import annotations

import json
import random
from pathlib import Path

HERE = Path(__file__).resolve().parent
RECORDS = HERE / "data" / "watch"
NEEDLE = "Killed process 4"  # run.py's sparse fixed string
DISTINCT = 10_000_000
FREQUENT = 1_000
FREQUENT_LINES = 3_300_000
IP = r"^([0-9]+\.[0-9]+\.[0-9]+\.[0-9]+) "
WATCHED = "sum 1 GB access log: logpipe --count-by 1"
_outputs: dict[str, Path] = {}


def _ip(number: int) -> str:
    return f"{10 + (number >> 24) % 200}.{(number >> 16) & 255}.{(number >> 8) & 255}.{number & 255}"


def prepare(root: Path, size_mb: int) -> None:
    (RECORDS / f"{_slug(WATCHED)}.jsonl").unlink(missing_ok=True)  # report() shows this run's figures only
    base = root / "summaries"
    path = base / "access-1gb.log"
    for output in _outputs.values():
        output.unlink(missing_ok=True)
    if path.exists():
        return
    base.mkdir(parents=True, exist_ok=True)
    rng = random.Random(23)
    weights = [1.0 / (rank + 1) for rank in range(FREQUENT)]
    frequent = [_ip(4_000_000_000 + rank * 7919) for rank in range(FREQUENT)]
    order = [None] * DISTINCT + rng.choices(frequent, weights, k=FREQUENT_LINES)
    rng.shuffle(order)
    partial = path.with_suffix(".partial")
    with open(partial, "w") as out:
        unique = 0
        chunk = []
        for position, ip in enumerate(order):
            if ip is None:
                ip, unique = _ip(unique), unique + 1
            chunk.append(f'{ip} - - [30/Nov/2026:{position // 3_600_000 % 24:02d}:{position // 60_000 % 60:02d}:'
                         f'{position // 1000 % 60:02d} +0000] "GET /i/{position % 977} HTTP/1.1" 200 '
                         f'{position % 9973}\n')
            if len(chunk) >= 100_000:
                out.write("".join(chunk))
                chunk.clear()
        out.write("".join(chunk))
    partial.rename(path)


def commands(root: Path, python: str) -> dict[str, list[str]]:
    logpipe = [python, "-m", "logpipe", "grep", "--no-progress"]
    gz = str(root / "gz")
    access = root / "summaries" / "access-1gb.log"
    out = root / "summaries"
    _outputs.update(logpipe=out / "logpipe-top20.csv", gnu=out / "gnu-top20.txt")
    logpipe_run = " ".join([python, str(HERE / "watch.py"), _slug(WATCHED), "--", *logpipe, "--count-by", "1",
                            "--csv", f"'{IP}'", str(access)])
    return {
        "sum gz: logpipe -c": [*logpipe, "-c", "-F", NEEDLE, gz],
        "sum gz: logpipe --histogram 1h": [*logpipe, "--histogram", "1h", "-F", NEEDLE, gz],
        "sum gz: logpipe --histogram (auto)": [*logpipe, "--histogram", "-F", NEEDLE, gz],
        "sum gz: logpipe -j1 -c": [*logpipe, "-j1", "-c", "-F", NEEDLE, gz],
        "sum gz: logpipe -j1 --histogram 1h": [*logpipe, "-j1", "--histogram", "1h", "-F", NEEDLE, gz],
        "sum gz dense: logpipe -c sshd": [*logpipe, "-c", "-F", "sshd", gz],
        "sum gz dense: logpipe --histogram 1h sshd": [*logpipe, "--histogram", "1h", "-F", "sshd", gz],
        WATCHED: ["sh", "-c", f"{logpipe_run} > {_outputs['logpipe']}"],
        "sum 1 GB access log: grep -o | sort | uniq -c | sort -rn | head -20": [
            "sh", "-c", f"LC_ALL=C grep -oE '^[0-9]+\\.[0-9]+\\.[0-9]+\\.[0-9]+' {access} | LC_ALL=C sort | "
                        f"uniq -c | sort -rn | head -20 > {_outputs['gnu']}"],
    }


TARGETS = [
    # "costs": judged on wall and CPU time (a histogram's extra work is CPU; the wall hides it behind the workers)
    ("summaries: gz --histogram 1h / -c", "sum gz: logpipe --histogram 1h", "sum gz: logpipe -c", 1.2, None,
     "wall+cpu"),
    ("summaries: gz --histogram (auto) / -c", "sum gz: logpipe --histogram (auto)", "sum gz: logpipe -c", 1.2, None,
     "wall+cpu"),
    ("summaries: gz -j1 --histogram 1h / -c", "sum gz: logpipe -j1 --histogram 1h", "sum gz: logpipe -j1 -c", 1.2,
     None, "wall+cpu"),
    ("summaries: gz dense ('sshd') --histogram 1h / -c", "sum gz dense: logpipe --histogram 1h sshd",
     "sum gz dense: logpipe -c sshd", 1.2, None, "wall+cpu"),
]


def _slug(name: str) -> str:
    return "".join(c if c.isalnum() else "-" for c in name).strip("-")


def report() -> list[str]:
    rows = []
    path = RECORDS / f"{_slug(WATCHED)}.jsonl"
    records = [json.loads(line) for line in path.read_text().splitlines()] if path.exists() else []
    if records:
        pss = max(r["peak_pss"] for r in records) / 1e6
        rss = max(r["peak_rss"] for r in records) / 1e6
        rows.append(f"| summaries: --count-by on 1 GB, 10^7 distinct values: peak memory, parent + workers (PSS; "
                    f"RSS sum {rss:.0f} MB) | {pss:.0f} MB | < 100 MB | {'yes' if pss < 100 else 'NO'} |")
    mine, gnu = _outputs.get("logpipe"), _outputs.get("gnu")
    if mine and gnu and mine.exists() and gnu.exists():
        ours = [tuple(line.split(",")[:2]) for line in mine.read_text().splitlines()[1:21]]
        theirs = [tuple(reversed(line.split())) for line in gnu.read_text().splitlines()]
        theirs = [(count, value) for value, count in theirs]
        same = ours == theirs
        rows.append(f"| summaries: --count-by 1 top 20 = grep -o \\| sort \\| uniq -c \\| sort -rn \\| head -20 "
                    f"(1 GB, 10^7 distinct) | {'same' if same else 'DIFFERENT'} | same | {'yes' if same else 'NO'} |")
    return rows
