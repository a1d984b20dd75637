"""Structured logs (issue 22): --where and --level against jq and ripgrep.

    python benchmarks/run.py --only '^fields'                 # trees of --tree-mb (1 GB by default)
    python benchmarks/run.py --only '^fields' --tree-mb 256   # a quicker run of the same

Three trees of the same service events (`logpipe.demo.service_events`: time, level, msg,
status, path, duration, user.id, ...) in 32 files each: JSON lines plain, the same gzipped,
and logfmt plain, each of --tree-mb (issue 20's option, `trees.SIZES`), cached under
benchmarks/data/fields/.

Targets (issue 22): `--where 'level=error'` on the JSON tree ≤ 0.3 × `jq -c
'select(.level=="error")'` on the decompressed stream (jq reads the plain files: the gz
tree's decompression is not charged to it) and ≤ 2 × `rg -z '"level":"error"'` on the gz
tree; `--where 'status>=500'` ≤ 0.3 × jq; peak memory ≤ 100 MB (run.py's memory line
counts these logpipe commands too, summed over each one's process tree).
"""
from __future__ import annotations

import gzip
import multiprocessing
import shutil
import sys
from pathlib import Path

import trees

USES_CORPUS = False  # its inputs are its own
FILES = 32
DATA = Path(__file__).resolve().parent / "data" / "fields"


def base() -> Path:
    return DATA / f"fields-{trees.SIZES['tree_mb']}mb"


def _write(job: tuple[str, int, int, int]) -> None:
    from logpipe.demo import json_line, logfmt_line, service_events

    root, number, per_file, seed = job
    base = Path(root)
    events_per_chunk = 20000
    with open(base / "json" / f"svc{number:02d}.log", "wb") as plain, \
            gzip.open(base / "json-gz" / f"svc{number:02d}.log.gz", "wb", compresslevel=6) as packed, \
            open(base / "logfmt" / f"svc{number:02d}.log", "wb") as logfmt:
        written, chunk = 0, 0
        start = 1795996800 + number * 86400
        while written < per_file:
            events = service_events(events_per_chunk, seed * 1000 + chunk,
                                    (start + chunk * 4000, start + chunk * 4000 + 3999))
            data = b"".join(map(json_line, events))
            plain.write(data)
            packed.write(data)
            logfmt.write(b"".join(map(logfmt_line, events)))
            written += len(data)
            chunk += 1


def prepare(root: Path, corpus_mb: int) -> None:
    """The three trees, built once per size."""
    where = base()
    if (where / "done").exists():
        return
    shutil.rmtree(where, ignore_errors=True)
    for tree in ("json", "json-gz", "logfmt"):
        (where / tree).mkdir(parents=True)
    per_file = trees.SIZES["tree_mb"] * 1_000_000 // FILES
    with multiprocessing.Pool() as pool:
        pool.map(_write, [(str(where), i, per_file, i) for i in range(FILES)], chunksize=1)
    (where / "done").write_text("ok")


def commands(root: Path, python: str) -> dict[str, list[str]]:
    base_dir = base()
    logpipe = [python, "-m", "logpipe", "grep", "--no-progress"]
    jq, rg = shutil.which("jq"), shutil.which("rg")
    plain, packed, logfmt = str(base_dir / "json"), str(base_dir / "json-gz"), str(base_dir / "logfmt")
    files = [str(base_dir / "json" / f"svc{number:02d}.log") for number in range(FILES)]
    table = {
        "fields json gz: logpipe --where level=error": [*logpipe, "--where", "level=error", packed],
        "fields json gz: logpipe -j1 --where level=error": [*logpipe, "-j1", "--where", "level=error", packed],
        "fields json plain: logpipe --where level=error": [*logpipe, "--where", "level=error", plain],
        "fields json gz: logpipe --where status>=500": [*logpipe, "--where", "status>=500", packed],
        "fields json plain: logpipe --where status>=500": [*logpipe, "--where", "status>=500", plain],
        "fields json gz: logpipe --where user.id=42": [*logpipe, "--where", "user.id=42", packed],
        "fields json gz: logpipe --level warn": [*logpipe, "--level", "warn", packed],
        "fields json gz: logpipe --where 'status>=500 and not path~^/health'":
            [*logpipe, "--where", "status>=500 and not path~^/health", packed],
        "fields logfmt: logpipe --where level=error": [*logpipe, "--where", "level=error", logfmt],
        "fields logfmt: logpipe --where status>=500": [*logpipe, "--where", "status>=500", logfmt],
        "fields json gz: logpipe -F '\"level\":\"error\"' (the regex way)": [*logpipe, "-F", '"level":"error"', packed],
    }
    if jq:
        table["fields json plain: jq -c 'select(.level==\"error\")'"] = [jq, "-c", 'select(.level=="error")', *files]
        table["fields json plain: jq -c 'select(.status>=500)'"] = [jq, "-c", "select(.status>=500)", *files]
    if rg:
        table["fields json gz: rg -z '\"level\":\"error\"'"] = [rg, "-z", '"level":"error"', packed]
        table["fields json plain: rg '\"level\":\"error\"'"] = [rg, '"level":"error"', plain]
    return table


TARGETS = [
    ("fields: --where level=error (gz) / jq (plain)", "fields json gz: logpipe --where level=error",
     "fields json plain: jq -c 'select(.level==\"error\")'", 0.3, None, "wall+cpu"),
    ("fields: --where level=error (plain) / jq (plain)", "fields json plain: logpipe --where level=error",
     "fields json plain: jq -c 'select(.level==\"error\")'", 0.3, None, "wall+cpu"),
    ("fields: --where level=error / rg -z (gz)", "fields json gz: logpipe --where level=error",
     "fields json gz: rg -z '\"level\":\"error\"'", 2.0, None, "wall+cpu"),
    ("fields: --where level=error / rg (plain)", "fields json plain: logpipe --where level=error",
     "fields json plain: rg '\"level\":\"error\"'", 2.0, None, "wall+cpu"),
    ("fields: --where status>=500 (gz) / jq (plain)", "fields json gz: logpipe --where status>=500",
     "fields json plain: jq -c 'select(.status>=500)'", 0.3, None, "wall+cpu"),
    ("fields: --where status>=500 (plain) / jq (plain)", "fields json plain: logpipe --where status>=500",
     "fields json plain: jq -c 'select(.status>=500)'", 0.3, None, "wall+cpu"),
]


def report() -> list[str]:
    """orjson against msgspec on the JSON tree's lines, in this process (CPU time per line,
    the best of 3): whole dicts line by line (what orjson can do), msgspec's struct of the
    one key an expression reads, line by line and a block at a time (`decode_lines`)."""
    import time
    from typing import Any

    import msgspec

    first = base() / "json" / "svc00.log"
    if not first.exists():
        return []
    data = first.read_bytes()[:16_000_000]
    data = data[:data.rfind(b"\n") + 1]
    lines = data.split(b"\n")[:-1]
    blocks, pos = [], 0
    while pos < len(data):
        end = data.rfind(b"\n", pos, pos + 262144) + 1
        blocks.append(data[pos:end])
        pos = end
    struct = msgspec.defstruct("Level", [("f0", Any, msgspec.UNSET)], rename={"f0": "level"})
    ways = {"msgspec, a dict per line": (msgspec.json.Decoder().decode, lines),
            "msgspec, a struct of `level` per line": (msgspec.json.Decoder(struct).decode, lines),
            "msgspec, a struct of `level`, decode_lines per 256 KiB block": (
                msgspec.json.Decoder(struct).decode_lines, blocks)}
    try:
        import orjson

        ways = {"orjson, a dict per line": (orjson.loads, lines), **ways}
    except ImportError:
        pass
    rows = ["", "| JSON parser (lines of the JSON tree, in process) | µs per line (CPU) |", "|---|---:|"]
    for name, (decode, items) in ways.items():
        best = None
        for _ in range(3):
            started = time.process_time()
            for item in items:
                decode(item)
            spent = time.process_time() - started
            best = spent if best is None else min(best, spent)
        rows.append(f"| {name} | {best / len(lines) * 1e6:.3f} |")
    if "orjson, a dict per line" not in ways:
        rows.append("| orjson | not installed (pip install orjson to compare) |")
    return rows


# -- the Done-when check on the 1 GB trees: what logpipe selects is what jq selects ------------


def _selection(command: list[str], jq: str | None = None) -> tuple[str, str | None, int]:
    """Run `command` (logpipe -n on a tree) and digest what it printed: the hash of its
    `file:line-number` list (file names without folder and .gz, so that the JSON, gz and
    logfmt trees compare), the hash of the selected lines as `jq -c .` rewrites them (if
    `jq`), and the number of lines."""
    import hashlib
    import subprocess

    where, content, count = hashlib.sha256(), hashlib.sha256(), 0
    search = subprocess.Popen(command, stdout=subprocess.PIPE)
    rewrite = subprocess.Popen([jq, "-c", "."], stdin=subprocess.PIPE, stdout=subprocess.PIPE) if jq else None
    reader = None
    if rewrite:
        import threading

        def read() -> None:
            for block in iter(lambda: rewrite.stdout.read(1 << 20), b""):
                content.update(block)

        reader = threading.Thread(target=read)
        reader.start()
    for line in search.stdout:
        name, _, rest = line.partition(b":")
        number, _, text = rest.partition(b":")
        name = name.rpartition(b"/")[2].removesuffix(b".gz")
        where.update(b"%s:%s\n" % (name, number))
        if rewrite:
            rewrite.stdin.write(text)
        count += 1
    search.wait()
    if rewrite:
        rewrite.stdin.close()
        reader.join()
        rewrite.wait()
    return where.hexdigest()[:16], content.hexdigest()[:16] if rewrite else None, count


COMBINATIONS = [("json-gz", "pull", "2"), ("json", "push", "1"), ("logfmt", "pull", "1"), ("logfmt", "push", "2")]


def check(combinations: list[tuple[str, str, str]], python: str = sys.executable) -> int:
    """For each of the Done-when's expressions: jq's selection on the plain JSON tree against
    logpipe's on the JSON trees (plain, gz: the lines' content as jq rewrites them, and their
    number), and the logfmt tree's (the same events, line for line: the same file:line list)
    in each of `combinations` (tree, backend, -j). Prints a table; 1 if anything differs.

        python benchmarks/bench_fields.py --check [--all] [--tree-mb N]
    """
    import hashlib
    import subprocess

    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
    from structured import JQ_OF  # the tests' reading of each expression in jq

    jq, tree, failed = shutil.which("jq"), base(), 0
    files = sorted(str(path) for path in (tree / "json").iterdir())
    jq_runs = {combination for combination in combinations if combination[0] != "logfmt"}
    for expression, jq_expression in JQ_OF.items():
        args = ["--level", expression.split()[1]] if expression.startswith("--level") else ["--where", expression]
        reference = subprocess.run(f"{jq} -c 'select({jq_expression})' {' '.join(files)} | {jq} -c .",
                                   shell=True, capture_output=True, check=True).stdout
        expected = hashlib.sha256(reference).hexdigest()[:16], reference.count(b"\n")
        print(f"{expression}: jq selects {expected[1]} lines (sha256 {expected[0]})", flush=True)
        lines_of = None
        for name, backend, threads in combinations:
            command = [python, "-m", "logpipe", "grep", "--no-progress", "-n", "--backend", backend,
                       "-j", threads, *args, str(tree / name)]
            lines, content, count = _selection(command, jq if (name, backend, threads) in jq_runs else None)
            lines_of = lines_of or lines
            same = lines == lines_of and count == expected[1] and (content in (None, expected[0]))
            failed += not same
            print(f"  {name:8} {backend} -j{threads}: {count} lines, lines {lines}"
                  f"{'' if content is None else ', content ' + content} {'ok' if same else 'DIFFERS'}", flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    import argparse

    parser = argparse.ArgumentParser(description="bench_fields' check: logpipe's selections against jq's")
    parser.add_argument("--check", action="store_true", required=True)
    parser.add_argument("--all", action="store_true",
                        help="every tree x backend x -j1/-j2 (default: 4 that cover each once)")
    parser.add_argument("--tree-mb", type=int, default=trees.SIZES["tree_mb"])
    args = parser.parse_args()
    trees.SIZES["tree_mb"] = args.tree_mb
    prepare(DATA, 0)
    everything = [(name, backend, threads) for name in ("json", "json-gz", "logfmt")
                  for backend in ("pull", "push") for threads in ("1", "2")]
    sys.exit(check(everything if args.all else COMBINATIONS))
