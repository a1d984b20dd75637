"""Structured logs (issue 22): --where and --level against jq and ripgrep.

    python benchmarks/run.py --only '^fields'                 # trees of 4 x --size-mb (1 GB by default)
    LOGPIPE_FIELDS_MB=256 python benchmarks/run.py --only '^fields'

Three trees of the same service events (`logpipe.demo.service_events`: time, level, msg,
status, path, duration, user.id, ...) in 32 files each: JSON lines plain, the same gzipped,
and logfmt plain; their size is LOGPIPE_FIELDS_MB if set, else 4 x --size-mb (1 GB).

Targets (issue 22): `--where 'level=error'` on the JSON tree ≤ 0.3 × `jq -c
'select(.level=="error")'` on the decompressed stream (jq reads the plain files: the gz
tree's decompression is not charged to it) and ≤ 2 × `rg -z '"level":"error"'` on the gz
tree; `--where 'status>=500'` ≤ 0.3 × jq; peak memory ≤ 100 MB (run.py's memory line
counts these logpipe commands too).
"""
from __future__ import annotations

import gzip
import multiprocessing
import os
import re
import shutil
from pathlib import Path

FILES = 32
TREES = ("fields/json", "fields/json-gz", "fields/logfmt")


def size_mb(corpus_mb: int) -> int:
    return int(os.environ.get("LOGPIPE_FIELDS_MB") or 4 * corpus_mb)


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
    """The three trees, built once per size (cached beside the corpus)."""
    mb = size_mb(corpus_mb)
    base = root / f"fields-{mb}mb"
    if (base / "done").exists():
        return
    shutil.rmtree(base, ignore_errors=True)
    for tree in ("json", "json-gz", "logfmt"):
        (base / tree).mkdir(parents=True)
    per_file = mb * 1_000_000 // FILES
    with multiprocessing.Pool() as pool:
        pool.map(_write, [(str(base), i, per_file, i) for i in range(FILES)], chunksize=1)
    (base / "done").write_text("ok")


def commands(root: Path, python: str) -> dict[str, list[str]]:
    corpus_mb = re.match(r"corpus-(\d+)mb", root.name)  # run.py's corpus, named after its --size-mb
    base = root / f"fields-{size_mb(int(corpus_mb.group(1)) if corpus_mb else 256)}mb"
    _ROOT[:] = [base]
    logpipe = [python, "-m", "logpipe", "grep", "--no-progress"]
    jq, rg = shutil.which("jq"), shutil.which("rg")
    plain, packed, logfmt = str(base / "json"), str(base / "json-gz"), str(base / "logfmt")
    files = [str(base / "json" / f"svc{number:02d}.log") for number in range(FILES)]  # (prepare() writes them later)
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


_ROOT: list[Path] = []  # the tree the commands ran on, for report()


TARGETS = [
    ("fields: --where level=error (gz) / jq (plain)", "fields json gz: logpipe --where level=error",
     "fields json plain: jq -c 'select(.level==\"error\")'", 0.3, None),
    ("fields: --where level=error (plain) / jq (plain)", "fields json plain: logpipe --where level=error",
     "fields json plain: jq -c 'select(.level==\"error\")'", 0.3, None),
    ("fields: --where level=error / rg -z (gz)", "fields json gz: logpipe --where level=error",
     "fields json gz: rg -z '\"level\":\"error\"'", 2.0, None),
    ("fields: --where level=error / rg (plain)", "fields json plain: logpipe --where level=error",
     "fields json plain: rg '\"level\":\"error\"'", 2.0, None),
    ("fields: --where status>=500 (gz) / jq (plain)", "fields json gz: logpipe --where status>=500",
     "fields json plain: jq -c 'select(.status>=500)'", 0.3, None),
    ("fields: --where status>=500 (plain) / jq (plain)", "fields json plain: logpipe --where status>=500",
     "fields json plain: jq -c 'select(.status>=500)'", 0.3, None),
]


def report() -> list[str]:
    """orjson against msgspec on the JSON tree's lines, in this process (CPU time per line,
    the best of 3): whole dicts line by line (what orjson can do), msgspec's struct of the
    one key an expression reads, line by line and a block at a time (`decode_lines`)."""
    import time
    from typing import Any

    import msgspec

    if not _ROOT or not (_ROOT[0] / "json" / "svc00.log").exists():
        return []
    data = (_ROOT[0] / "json" / "svc00.log").read_bytes()[:16_000_000]
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
