"""logpipe's benchmark: logpipe against ripgrep, ugrep and the decompression floor, in one run.

    python benchmarks/run.py                      # 256 MB synthetic corpus, 3 rounds
    python benchmarks/run.py --size-mb 64 --from ../shared/corpus/loghub --json results.json

It builds its corpus itself (synthetic log lines, or real logs repeated, shuffled and
varied with --from), compresses it into gz, zst, bz2 and xz trees (cached under
benchmarks/data/), then times every command in alternating order over the rounds and
prints one table of medians and the ratios that the targets are about. Not a test:
nothing here asserts a time; CI never runs it.
"""
from __future__ import annotations

import argparse
import bz2
import gzip
import hashlib
import json
import lzma
import multiprocessing
import os
import platform
import random
import re
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE))

from logpipe.demo import log_lines  # noqa: E402

CODECS = {"gz": (lambda data: gzip.compress(data, 6)), "zst": None, "bz2": (lambda data: bz2.compress(data, 9)),
          "xz": (lambda data: lzma.compress(data, preset=6))}
FILES = 32
NEEDLE = "Killed process 4"
IGNORE_CASE = "killed PROCESS 4"
ALTERNATION = "Killed process 4|for root from 9|GET /api/v1/items/999"


# -- the corpus ---------------------------------------------------------------------


def corpus_lines(source: str | None, count: int, seed: int) -> list[bytes]:
    if source is None:
        return log_lines(count, seed)
    rng = random.Random(seed)
    pool = []
    for path in sorted(Path(source).glob("*")):
        if path.is_file():
            pool += [line + b"\n" for line in path.read_bytes().split(b"\n") if line]
    # repeat and shuffle the real lines, and vary their digits so that files differ
    digits = re.compile(rb"\d")
    return [digits.sub(lambda m: b"%d" % rng.randrange(10), line) if rng.random() < 0.5 else line
            for line in (rng.choice(pool) for _ in range(count))]


def compress_file(job: tuple[str, str, str]) -> None:
    codec, plain, target = job
    data = Path(plain).read_bytes()
    if codec == "zst":
        import zstandard

        packed = zstandard.ZstdCompressor(level=3).compress(data)
    else:
        packed = CODECS[codec](data)
    Path(target).write_bytes(packed)


def build_corpus(size_mb: int, source: str | None) -> Path:
    key = hashlib.sha256(f"{size_mb}:{source}:{FILES}:v1".encode()).hexdigest()[:12]
    root = HERE / "data" / f"corpus-{size_mb}mb-{key}"
    if (root / "done").exists():
        return root
    shutil.rmtree(root, ignore_errors=True)
    (root / "plain").mkdir(parents=True)
    per_file = size_mb * 1_000_000 // FILES
    print(f"building a {size_mb} MB corpus in {root} ...", file=sys.stderr)
    for i in range(FILES):
        lines, size, chunk = [], 0, 0
        while size < per_file:
            batch = corpus_lines(source, 20000, i * 1000 + chunk)
            chunk += 1
            for line in batch:
                lines.append(line)
                size += len(line)
                if size >= per_file:
                    break
        sub = root / "plain" / f"host{i % 4}"
        sub.mkdir(exist_ok=True)
        (sub / f"app{i:02d}.log").write_bytes(b"".join(lines))
    jobs = []
    for codec in CODECS:
        for plain in sorted((root / "plain").rglob("*.log")):
            target = root / codec / plain.relative_to(root / "plain")
            target.parent.mkdir(parents=True, exist_ok=True)
            jobs.append((codec, str(plain), str(target) + "." + codec))
    with multiprocessing.Pool() as pool:
        pool.map(compress_file, jobs, chunksize=1)
    (root / "empty").mkdir()
    (root / "done").write_text("ok")
    return root


# -- measuring ----------------------------------------------------------------------


TIME = shutil.which("time") or "/usr/bin/time"
SCRATCH = HERE / "data" / "output"
# What an installed logpipe runs with: its bytecode cached (pip compiles it at install). A
# PYTHONDONTWRITEBYTECODE inherited from the shell would make every run compile logpipe anew.
ENVIRONMENT = {name: value for name, value in os.environ.items() if name != "PYTHONDONTWRITEBYTECODE"}


def measure(command: list[str]) -> tuple[float, int]:
    """Wall seconds and peak RSS (bytes) of one run.

    Output goes to a real file, not /dev/null: GNU grep and ugrep notice /dev/null and
    stop at the first match. Peak memory comes from GNU time (`%M`): measured from this
    Python process, a child's maxrss would include this process's own size at fork."""
    report = SCRATCH.with_suffix(".rss")
    timed = [TIME, "-f", "%M", "-o", str(report), *command] if os.path.exists(TIME) else command
    with open(SCRATCH, "wb") as out:
        started = time.perf_counter()
        status = subprocess.call(timed, stdout=out, stderr=subprocess.DEVNULL, env=ENVIRONMENT)
        seconds = time.perf_counter() - started
    if status not in (0, 1):
        raise RuntimeError(f"{' '.join(command)} failed with status {status}")
    peak = 0
    if os.path.exists(TIME):
        peak = int(report.read_text().split()[-1]) * 1024
    return seconds, peak


FLOOR = """
import sys, pathlib
from logpipe.pipeline.codecs import OpenLog, as_logfile
for path in sorted(pathlib.Path(sys.argv[1]).rglob('*')):
    if path.is_file():
        with OpenLog(as_logfile(str(path))) as file:
            read = file.stream.read1 if hasattr(file.stream, 'read1') else file.stream.read
            while read(262144):
                pass
"""


def commands(root: Path, python: str) -> dict[str, list[str]]:
    logpipe = [python, "-m", "logpipe", "grep", "--no-progress"]
    rg, ugrep = shutil.which("rg"), shutil.which("ugrep")
    table = {}
    for tree in ("gz", "zst", "bz2", "xz", "plain"):
        path = str(root / tree)
        table[f"{tree}: logpipe"] = [*logpipe, "-F", NEEDLE, path]
        table[f"{tree}: logpipe -j1 pull"] = [*logpipe, "-j1", "--backend", "pull", "-F", NEEDLE, path]
        table[f"{tree}: logpipe -j1 push"] = [*logpipe, "-j1", "--backend", "push", "-F", NEEDLE, path]
        if rg:
            table[f"{tree}: rg"] = [rg, *([] if tree == "plain" else ["-z"]), "-F", NEEDLE, path]
            table[f"{tree}: rg -j1"] = [rg, "-j1", *([] if tree == "plain" else ["-z"]), "-F", NEEDLE, path]
        if ugrep:
            table[f"{tree}: ugrep"] = [ugrep, *([] if tree == "plain" else ["-z"]), "-r", "-F", NEEDLE, path]
            table[f"{tree}: ugrep -J1"] = [ugrep, "-J1", *([] if tree == "plain" else ["-z"]), "-r", "-F", NEEDLE,
                                           path]
        if tree != "plain":
            table[f"{tree}: floor (decompress only, 1 process)"] = [python, "-c", FLOOR, path]
    table["gz: logpipe -i"] = [*logpipe, "-i", IGNORE_CASE, str(root / "gz")]
    table["gz: logpipe alternation"] = [*logpipe, ALTERNATION, str(root / "gz")]
    table["gz: logpipe -j1 -i"] = [*logpipe, "-j1", "-i", IGNORE_CASE, str(root / "gz")]
    table["gz: logpipe -j1 alternation"] = [*logpipe, "-j1", ALTERNATION, str(root / "gz")]
    table["empty dir: logpipe"] = [*logpipe, "x", str(root / "empty")]
    table["empty dir: python -c 'import click'"] = [python, "-c", "import click"]
    big = root / "big" / "one-1gb.log"
    table["1 GB file: logpipe"] = [*logpipe, "-F", NEEDLE, str(big)]
    return table


def make_big_file(root: Path, size_mb: int) -> None:
    big = root / "big" / "one-1gb.log"
    if big.exists():
        return
    big.parent.mkdir(exist_ok=True)
    plain = sorted((root / "plain").rglob("*.log"))
    with open(big, "wb") as out:
        written = 0
        while written < 1_000_000_000:
            for path in plain:
                data = path.read_bytes()
                out.write(data)
                written += len(data)
                if written >= 1_000_000_000:
                    break


def ratio(results: dict, a: str, b: str) -> float | None:
    if a in results and b in results:
        return results[a]["median"] / results[b]["median"]
    return None


TARGETS = [
    # (what, numerator, denominator, at most, at least)
    ("gz: logpipe / ugrep -z -r", "gz: logpipe", "gz: ugrep", 1.0, None),
    ("gz: logpipe / rg -z", "gz: logpipe", "gz: rg", 0.7, None),
    ("zst: logpipe / ugrep -z -r", "zst: logpipe", "zst: ugrep", 1.0, None),
    ("zst: logpipe / rg -z", "zst: logpipe", "zst: rg", 0.7, None),
    ("bz2: logpipe / ugrep -z -r", "bz2: logpipe", "bz2: ugrep", 1.0, None),
    ("bz2: logpipe / rg -z", "bz2: logpipe", "bz2: rg", 1.0, None),
    ("gz: logpipe -j1 pull / floor", "gz: logpipe -j1 pull", "gz: floor (decompress only, 1 process)", 1.3, None),
    ("zst: logpipe -j1 pull / floor", "zst: logpipe -j1 pull", "zst: floor (decompress only, 1 process)", 1.3,
     None),
    ("plain: logpipe / rg", "plain: logpipe", "plain: rg", 3.0, None),
    ("gz: logpipe -i / fixed string", "gz: logpipe -i", "gz: logpipe", 1.5, None),
    ("gz: logpipe alternation / fixed string", "gz: logpipe alternation", "gz: logpipe", 1.5, None),
    ("gz: push / pull at -j1", "gz: logpipe -j1 push", "gz: logpipe -j1 pull", 1.1, 0.9),
    ("zst: push / pull at -j1", "zst: logpipe -j1 push", "zst: logpipe -j1 pull", 1.1, 0.9),
    ("empty dir / import click", "empty dir: logpipe", "empty dir: python -c 'import click'", 1.5, None),
]


def suites() -> list:
    """The benchmark groups beside this file (`bench_*.py`), each with `commands(root, python)`
    -> {name: argv}, `TARGETS` (same shape as above) and optionally `prepare(root, size_mb)` and
    `report() -> [table rows]` (figures it measured itself, printed after the targets)."""
    import importlib

    found = []
    for path in sorted(HERE.glob("bench_*.py")):
        found.append(importlib.import_module(path.stem))
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--size-mb", type=int, default=256, help="corpus size (default 256)")
    parser.add_argument("--from", dest="source", help="a folder of real logs to build the corpus from")
    parser.add_argument("--repeat", type=int, default=3, help="rounds (default 3)")
    parser.add_argument("--only", help="a regex: run only the commands whose name matches")
    parser.add_argument("--json", help="also write the results to this file")
    args = parser.parse_args()

    root = build_corpus(args.size_mb, args.source)
    make_big_file(root, args.size_mb)
    table = commands(root, sys.executable)
    targets = list(TARGETS)
    selected_suites = []
    for suite in suites():
        suite_table = suite.commands(root, sys.executable)
        if args.only and not any(re.search(args.only, name) for name in suite_table):
            continue  # nothing of it runs: build none of its inputs, start none of its servers
        if hasattr(suite, "prepare"):
            suite.prepare(root, args.size_mb)
        table.update(suite_table)
        targets += suite.TARGETS
        selected_suites.append(suite)
    if args.only:
        table = {name: cmd for name, cmd in table.items() if re.search(args.only, name)}
    names = list(table)
    for name in names:  # warm the page cache
        measure(table[name])
    runs: dict[str, list[tuple[float, int]]] = {name: [] for name in names}
    for round_number in range(args.repeat):
        for name in (names if round_number % 2 == 0 else names[::-1]):
            runs[name].append(measure(table[name]))
    results = {name: {"median": statistics.median(s for s, _ in r), "min": min(s for s, _ in r),
                      "max": max(s for s, _ in r), "peak_mb": max(m for _, m in r) / 1e6}
               for name, r in runs.items()}
    machine = f"{platform.machine()}, {os.cpu_count()} cores, {platform.python_implementation()} " \
              f"{platform.python_version()}, {platform.platform()}"
    print(f"corpus: {args.size_mb} MB {'from ' + args.source if args.source else 'synthetic'}, {FILES} files, "
          f"{args.repeat} rounds; machine: {machine}")
    print("\n| command | median s | min-max s | peak MB |\n|---|---:|---:|---:|")
    for name, r in results.items():
        print(f"| {name} | {r['median']:.3f} | {r['min']:.3f}-{r['max']:.3f} | {r['peak_mb']:.0f} |")
    print("\n| target | measured | goal | met |\n|---|---:|---:|---|")
    verdicts = []
    for what, a, b, at_most, at_least in targets:
        value = ratio(results, a, b)
        if value is None:
            print(f"| {what} | - | ≤ {at_most} | not measured |")
            continue
        met = value <= at_most and (at_least is None or value >= at_least)
        goal = f"{at_least}-{at_most}" if at_least else f"≤ {at_most}"
        verdicts.append({"target": what, "ratio": value, "goal": goal, "met": met})
        print(f"| {what} | {value:.2f} | {goal} | {'yes' if met else 'NO'} |")
    for suite in selected_suites:  # rows a suite measures itself (e.g. memory summed over a process tree)
        for row in suite.report() if hasattr(suite, "report") else []:
            print(row)
    peak = max((results.get(n, {}).get("peak_mb", 0) for n in names if n.startswith(("gz: logpipe", "zst: logpipe",
                                                                                       "1 GB"))), default=0)
    print(f"| peak memory, logpipe on the corpus and on a 1 GB file | {peak:.0f} MB | ≤ 100 MB | "
          f"{'yes' if peak <= 100 else 'NO'} |")
    if args.json:
        Path(args.json).write_text(json.dumps({"machine": machine, "size_mb": args.size_mb, "source": args.source,
                                               "results": results, "targets": verdicts}, indent=2))


if __name__ == "__main__":
    main()
