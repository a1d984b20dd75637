"""logpipe's benchmark: logpipe against ripgrep, ugrep and the decompression floor, in one run.

    python benchmarks/run.py                      # 256 MB synthetic corpus, 3 rounds
    python benchmarks/run.py --size-mb 64 --from ../shared/corpus/loghub --json results.json
    python benchmarks/run.py --against main --only '^gz: logpipe'   # this checkout against main

It builds its corpus itself (synthetic log lines, or real logs repeated, shuffled and
varied with --from), compresses it into gz, zst, bz2 and xz trees (cached under
benchmarks/data/), then times every command in alternating order over the rounds and
prints one table of medians and the ratios that the targets are about (each the median of
the rounds' own ratios: see `paired`). Not a test:
nothing here asserts a time; CI never runs it.

With --against REV, every logpipe command also runs with REV's code, installed in a venv of its
own (tools/revisions.py: a git worktree and a venv per commit, cached outside the repo), each
run of REV right beside the same run of this checkout, their order swapped every round, and a
table of new/old per command follows (wall and CPU time).
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
import threading
import time
from pathlib import Path
from typing import NamedTuple

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE))

import trees  # noqa: E402
import watch  # noqa: E402
from logpipe.demo import log_lines  # noqa: E402
from tools.revisions import installed  # noqa: E402

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


def corpus_root(size_mb: int, source: str | None) -> Path:
    key = hashlib.sha256(f"{size_mb}:{source}:{FILES}:v1".encode()).hexdigest()[:12]
    return HERE / "data" / f"corpus-{size_mb}mb-{key}"


def build_corpus(size_mb: int, source: str | None) -> Path:
    root = corpus_root(size_mb, source)
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
# PYTHONPATH names the checkout whose logpipe runs, and PYTHONSAFEPATH keeps `python -m` from
# importing a logpipe/ from the current directory instead (the other revision's runs would be
# this checkout's when run.py is started from the repo).
ENVIRONMENT = {name: value for name, value in os.environ.items() if name != "PYTHONDONTWRITEBYTECODE"}


def environment(source: Path) -> dict[str, str]:
    return {**ENVIRONMENT, "PYTHONPATH": str(source), "PYTHONSAFEPATH": "1"}


class Run(NamedTuple):
    seconds: float  # wall
    peak: int       # bytes, the largest process
    cpu: float      # user + system seconds of the command and every child it waited for
    tree_peak: int  # bytes, PSS summed over the whole process tree (a parent and its workers)


TREE_SAMPLE_S = 0.025  # how often the process tree's memory is sampled (watch.py's tree and memory)


def _sample_tree(pid: int, done: threading.Event, peak: list[int]) -> None:
    while True:
        peak[0] = max(peak[0], watch.memory(watch.tree(pid))[1])
        if done.wait(TREE_SAMPLE_S):
            return


def measure(command: list[str], env: dict[str, str] | None = None) -> Run:
    """Wall seconds, peak RSS (bytes) and CPU seconds of one run.

    Output goes to a real file, not /dev/null: GNU grep and ugrep notice /dev/null and
    stop at the first match. Peak memory comes from GNU time (`%M`): measured from this
    Python process, a child's maxrss would include this process's own size at fork. CPU
    time from wait4: the child's and its reaped descendants' (a logpipe's workers), which
    a loaded machine disturbs less than wall time. The memory of the whole process tree
    (PSS, summed: a parent and its workers) is sampled every TREE_SAMPLE_S seconds by a
    thread of this process, which costs the command no CPU time of its own."""
    report = SCRATCH.with_suffix(".rss")
    timed = [TIME, "-f", "%M", "-o", str(report), *command] if os.path.exists(TIME) else command
    with open(SCRATCH, "wb") as out:
        started = time.perf_counter()
        process = subprocess.Popen(timed, stdout=out, stderr=subprocess.DEVNULL, env=env or environment(HERE.parent))
        done, tree_peak = threading.Event(), [0]
        sampler = threading.Thread(target=_sample_tree, args=(process.pid, done, tree_peak), daemon=True)
        sampler.start()
        _, wait_status, usage = os.wait4(process.pid, 0)
        seconds = time.perf_counter() - started
        done.set()
        sampler.join()
        process.returncode = os.waitstatus_to_exitcode(wait_status)
    if process.returncode not in (0, 1):
        raise RuntimeError(f"{' '.join(command)} failed with status {process.returncode}")
    peak = 0
    if os.path.exists(TIME):
        peak = int(report.read_text().split()[-1]) * 1024
    return Run(seconds, peak, usage.ru_utime + usage.ru_stime, tree_peak[0])


def other_revision(command: list[str], python: str) -> list[str] | None:
    """`command` run by the other revision: the interpreter before each `-m logpipe` replaced
    (a wrapper such as watch.py stays this checkout's, and records under its own name); None
    for a command that runs no logpipe (rg, the floor, `import click`), or that runs it on the
    Dask cluster a suite started (whose workers run this checkout's code)."""
    if "--dask" in command:
        return None
    changed = list(command)
    for i in range(len(command) - 2):
        if command[i] == sys.executable and command[i + 1:i + 3] == ["-m", "logpipe"]:
            changed[i] = python
    if changed == command:
        return None
    if len(changed) > 2 and changed[1].endswith("watch.py"):
        changed[2] += "-against"  # watch.py's record file: report() shows this checkout's runs only
    return changed


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
    # issue 20's regression case: a literal on more lines than NEEDLE (loghub's sshd lines with --from)
    table["gz: logpipe -F 'Failed password'"] = [*logpipe, "-F", "Failed password", str(root / "gz")]
    table["gz: logpipe -j1 -F 'Failed password'"] = [*logpipe, "-j1", "-F", "Failed password", str(root / "gz")]
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


def paired(runs: dict, a: tuple, b: tuple, field: str) -> float | None:
    """The median over the rounds of each round's ratio a/b (`field`: "seconds" or "cpu"),
    None when either was not run. A round runs the two a few seconds apart, so a machine
    whose speed drifts between rounds (a VM: ±15 % from one minute to the next) moves both,
    where a ratio of the two medians takes each from another round."""
    if not runs.get(a) or not runs.get(b):
        return None
    return statistics.median(getattr(x, field) / max(getattr(y, field), 1e-9) for x, y in zip(runs[a], runs[b]))


TARGETS = [
    # (what, numerator, denominator, at most, at least[, judged on: "wall" (default) or "wall+cpu"])
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
    -> {name: argv}, `TARGETS` (same shape as above) and optionally `prepare(root, size_mb)`,
    `report() -> [table rows]` (figures it measured itself, printed after the targets) and
    `USES_CORPUS = False` (its inputs are its own: run.py's corpus is not built for it)."""
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
    parser.add_argument("--against", metavar="REV",
                        help="also run every logpipe command with git revision REV (its own venv), side by side")
    parser.add_argument("--tree-mb", type=int, default=trees.SIZES["tree_mb"],
                        help="issue 20's plain/gz/zst trees (default %(default)s MB, 64 files)")
    parser.add_argument("--big-mb", type=int, default=trees.SIZES["big_mb"],
                        help="issue 20's one big file, plain and gz (default %(default)s MB)")
    parser.add_argument("--small-files", type=int, default=trees.SIZES["small_files"],
                        help="issue 20's tree of 1 KiB files (default %(default)s files)")
    args = parser.parse_args()
    trees.SIZES.update(tree_mb=args.tree_mb, big_mb=args.big_mb, small_files=args.small_files)
    against = installed(args.against) if args.against else None

    load_before = " ".join(f"{x:.2f}" for x in os.getloadavg())
    root = corpus_root(args.size_mb, args.source)
    table = commands(root, sys.executable)
    if args.only:
        table = {name: cmd for name, cmd in table.items() if re.search(args.only, name)}
    corpus_needed = bool(table)
    targets = list(TARGETS)
    selected_suites = []
    for suite in suites():
        suite_table = suite.commands(root, sys.executable)
        if args.only and not any(re.search(args.only, name) for name in suite_table):
            continue  # nothing of it runs: build none of its inputs, start none of its servers
        corpus_needed = corpus_needed or getattr(suite, "USES_CORPUS", True)
        table.update(suite_table)
        targets += suite.TARGETS
        selected_suites.append(suite)
    if corpus_needed:
        build_corpus(args.size_mb, args.source)
    if any(name.startswith("1 GB file") for name in table):
        make_big_file(root, args.size_mb)
    for suite in selected_suites:
        if hasattr(suite, "prepare"):
            suite.prepare(root, args.size_mb)
            table.update(suite.commands(root, sys.executable))  # with what prepare started (a server's address)
    if args.only:
        table = {name: cmd for name, cmd in table.items() if re.search(args.only, name)}
    names = list(table)
    # (name, side): the other revision's run of a command right after this checkout's
    plan = [(name, "new") for name in names]
    commands_of = {(name, "new"): (table[name], environment(HERE.parent)) for name in names}
    if against:
        plan = []
        for name in names:
            plan.append((name, "new"))
            other = other_revision(table[name], str(against.python))
            if other:
                plan.append((name, "old"))
                commands_of[name, "old"] = (other, environment(against.source))
    for key in plan:  # warm the page cache (and each side's bytecode)
        measure(*commands_of[key])
    runs: dict[tuple[str, str], list[Run]] = {key: [] for key in plan}
    for round_number in range(args.repeat):
        for key in (plan if round_number % 2 == 0 else plan[::-1]):  # so the old side runs first every other round
            runs[key].append(measure(*commands_of[key]))
    summaries = {key: {"median": statistics.median(r.seconds for r in rs), "min": min(r.seconds for r in rs),
                       "max": max(r.seconds for r in rs), "peak_mb": max(r.peak for r in rs) / 1e6,
                       "cpu": statistics.median(r.cpu for r in rs),
                       "tree_mb": max(r.tree_peak for r in rs) / 1e6}
                 for key, rs in runs.items()}
    results = {name: summaries[name, "new"] for name in names}
    old_results = {name: summaries[name, "old"] for name in names if (name, "old") in summaries}
    machine = f"{platform.machine()}, {os.cpu_count()} cores, {platform.python_implementation()} " \
              f"{platform.python_version()}, {platform.platform()}"
    print(f"corpus: {args.size_mb} MB {'from ' + args.source if args.source else 'synthetic'}, {FILES} files, "
          f"{args.repeat} rounds; issue 20's inputs: trees of {args.tree_mb} MB, one file of {args.big_mb} MB, "
          f"{args.small_files} small files; machine: {machine}; load average before/after: {load_before} / "
          f"{' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    print("\n| command | median s | min-max s | CPU s | peak MB | tree MB |\n|---|---:|---:|---:|---:|---:|")
    for name, r in results.items():
        print(f"| {name} | {r['median']:.3f} | {r['min']:.3f}-{r['max']:.3f} | {r['cpu']:.3f} | {r['peak_mb']:.0f} "
              f"| {r['tree_mb']:.0f} |")
    if against:
        print(f"\nnew: this checkout ({HERE.parent}); old: {args.against} = {against.commit[:10]} ({against.source}); "
              f"medians of {args.repeat} alternated rounds")
        print("\n| command | new s | old s | new/old | new CPU s | old CPU s | new/old CPU |\n"
              "|---|---:|---:|---:|---:|---:|---:|")
        for name, old in old_results.items():
            new = results[name]
            print(f"| {name} | {new['median']:.3f} | {old['median']:.3f} | {new['median'] / old['median']:.2f} | "
                  f"{new['cpu']:.3f} | {old['cpu']:.3f} | {new['cpu'] / max(old['cpu'], 1e-9):.2f} |")
    print("\n| target | wall | CPU | goal | met |" + (" old wall | old CPU |" if against else "")
          + "\n|---|---:|---:|---:|---|" + ("---:|---:|" if against else ""))
    verdicts = []
    for what, a, b, at_most, at_least, *judged in targets:
        judged = judged[0] if judged else "wall"  # CPU time too: a ratio to another program's
        value, cpu = paired(runs, (a, "new"), (b, "new"), "seconds"), paired(runs, (a, "new"), (b, "new"), "cpu")
        if a not in results and b not in results:
            continue  # neither side was selected (--only)
        if value is None:
            print(f"| {what} | - | - | ≤ {at_most} | not measured |" + (" | |" if against else ""))
            continue

        def within(x: float) -> bool:
            return x <= at_most and (at_least is None or x >= at_least)

        met = within(value) and (judged == "wall" or within(cpu))
        goal = (f"{at_least}-{at_most}" if at_least else f"≤ {at_most}") + (" (wall and CPU)" if judged != "wall" else "")
        verdicts.append({"target": what, "ratio": value, "cpu_ratio": cpu, "goal": goal, "met": met})
        side_a, side_b = (a, "old" if (a, "old") in runs else "new"), (b, "old" if (b, "old") in runs else "new")
        old = (paired(runs, side_a, side_b, "seconds"), paired(runs, side_a, side_b, "cpu")) \
            if a in old_results or b in old_results else None
        print(f"| {what} | {value:.2f} | {cpu:.2f} | {goal} | {'yes' if met else 'NO'} |"
              + (f" {old[0]:.2f} | {old[1]:.2f} |" if old is not None else " - | - |" if against else ""))
    for suite in selected_suites:  # rows a suite measures itself (e.g. memory summed over a process tree)
        for row in suite.report() if hasattr(suite, "report") else []:
            print(row)
    logpipes = [n for n in names if "logpipe" in table[n]]
    if logpipes:  # the largest process tree of every logpipe command run
        heaviest = max(logpipes, key=lambda n: results[n]["tree_mb"])
        peak = results[heaviest]["tree_mb"]
        print(f"| peak memory summed over the process tree (PSS), every logpipe command (largest: {heaviest}) "
              f"| {peak:.0f} MB | | ≤ 100 MB | {'yes' if peak <= 100 else 'NO'} |" + (" | |" if against else ""))
    if args.json:
        report = {"machine": machine, "size_mb": args.size_mb, "source": args.source, "results": results,
                  "targets": verdicts}
        if against:
            report["against"] = {"rev": args.against, "commit": against.commit, "results": old_results}
        Path(args.json).write_text(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
