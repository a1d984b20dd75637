"""The inputs of issue 20's suites (bench_plain, bench_compressed, bench_small_files,
bench_json, bench_big_file, bench_malformed_time), built once and cached under
benchmarks/data/speed/. Not a suite itself.

Sizes come from run.py's options (`SIZES`, set before any suite builds its commands):

    --tree-mb 1024     the plain/gz/zst trees: 64 files of loghub lines (16 MiB each at 1 GB)
    --big-mb 2048      the one big plain file and the one big gz file
    --small-files N    how many small files (1 KiB each, 1,000 per directory)

so that `run.py --tree-mb 128 --big-mb 256 --small-files 10000` is a quick run of the same cases.

The lines are loghub's (../shared/corpus/loghub, looked for beside every parent folder of the
repository, or $LOGPIPE_LOGHUB), each file a random draw of them, so that files differ but every
literal keeps its share of lines and every timestamp stays valid (16 formats mixed line by line);
without loghub, logpipe's synthetic lines (then RARE and EIGHT_PERCENT do not hold their shares).
"""
from __future__ import annotations

import gzip
import os
import random
import shutil
import subprocess
from pathlib import Path

HERE = Path(__file__).resolve().parent
DATA = HERE / "data" / "speed"
TREE_FILES = 64
RARE = "ClassCastException"  # 1 loghub line in 32,000
EIGHT_PERCENT = "sshd"       # 8.4 % of loghub's lines
SIZES = {"tree_mb": 1024, "big_mb": 2048, "small_files": 100_000}


def loghub_dir() -> Path | None:
    named = os.environ.get("LOGPIPE_LOGHUB")
    if named:
        return Path(named) if Path(named).is_dir() else None
    for parent in HERE.parents:
        candidate = parent / "shared" / "corpus" / "loghub"
        if candidate.is_dir():
            return candidate
    return None


def _pool() -> list[bytes]:
    source = loghub_dir()
    if source is None:
        from logpipe.demo import log_lines

        return log_lines(20_000, 7)
    pool = []
    for path in sorted(source.glob("*.log")):
        pool += [line + b"\n" for line in path.read_bytes().split(b"\n") if line]
    return pool


def _lines(pool: list[bytes], size: int, seed: int) -> bytes:
    """About `size` bytes of whole lines drawn from `pool` (as they are: their timestamps stay
    valid, for --json's times and the time stages)."""
    rng = random.Random(seed)
    runs, written = [], 0
    while written < size:
        run = b"".join(rng.choices(pool, k=256))
        runs.append(run)
        written += len(run)
    return b"".join(runs)


def _gzip_file(plain: Path, target: Path) -> None:
    """gzip -6 of `plain`: pigz on every core when installed (building only), else Python's gzip."""
    partial = target.with_name(target.name + ".part")
    pigz = shutil.which("pigz")
    if pigz:
        with open(plain, "rb") as source, open(partial, "wb") as out:
            subprocess.run([pigz, "-6", "-c"], stdin=source, stdout=out, check=True)
    else:
        with open(plain, "rb") as source, gzip.open(partial, "wb", 6) as out:
            shutil.copyfileobj(source, out, 1 << 20)
    partial.rename(target)


def _zstd_file(plain: Path, target: Path) -> None:
    import zstandard

    partial = target.with_name(target.name + ".part")
    with open(plain, "rb") as source, open(partial, "wb") as out:
        zstandard.ZstdCompressor(level=3, threads=-1).copy_stream(source, out)
    partial.rename(target)


def tree_path() -> Path:
    return DATA / f"tree-{SIZES['tree_mb']}mb-v2"


def big_path() -> Path:
    return DATA / f"big-{SIZES['big_mb']}mb-v2"


def small_path() -> Path:
    return DATA / f"small-{SIZES['small_files']}-v2"


def tree() -> Path:
    """DATA/tree-<MB>mb/{plain,gz,zst}/hostN/appNN.log[.gz|.zst]: TREE_FILES files."""
    root = tree_path()
    if (root / "done").exists():
        return root
    print(f"building {root} ...", flush=True)
    pool = _pool()
    per_file = SIZES["tree_mb"] * 1_000_000 // TREE_FILES
    for i in range(TREE_FILES):
        rel = Path(f"host{i % 4}") / f"app{i:02d}.log"
        plain = root / "plain" / rel
        plain.parent.mkdir(parents=True, exist_ok=True)
        if not plain.exists():
            plain.write_bytes(_lines(pool, per_file, 1000 + i))
        for codec, build in (("gz", _gzip_file), ("zst", _zstd_file)):
            target = root / codec / rel.with_name(rel.name + "." + codec)
            target.parent.mkdir(parents=True, exist_ok=True)
            if not target.exists():
                build(plain, target)
    (root / "done").write_text("ok")
    return root


def big() -> Path:
    """DATA/big-<MB>mb/{one.log, gz/one.log.gz}: one big file, plain and gzip (one member)."""
    root = big_path()
    if (root / "done").exists():
        return root
    print(f"building {root} ...", flush=True)
    root.mkdir(parents=True, exist_ok=True)
    pool, size = _pool(), SIZES["big_mb"] * 1_000_000
    plain = root / "one.log"
    if not plain.exists():
        with open(root / "one.log.part", "wb") as out:
            written, seed = 0, 0
            while written < size:
                chunk = _lines(pool, min(64_000_000, size - written), 5000 + seed)
                out.write(chunk)
                written += len(chunk)
                seed += 1
        (root / "one.log.part").rename(plain)
    (root / "gz").mkdir(exist_ok=True)
    if not (root / "gz" / "one.log.gz").exists():
        _gzip_file(plain, root / "gz" / "one.log.gz")
    (root / "done").write_text("ok")
    return root


def small_files() -> Path:
    """DATA/small-<N>/dNN/fNNNN.log: N files of about 1 KiB of loghub lines, 1,000 a directory."""
    count = SIZES["small_files"]
    root = small_path()
    if (root / "done").exists():
        return root
    print(f"building {root} ...", flush=True)
    shutil.rmtree(root, ignore_errors=True)
    data = _lines(_pool(), min(count, 20_000) * 1024 + 1_000_000, 77)
    position = 0
    for d in range((count + 999) // 1000):
        directory = root / f"d{d:03d}"
        directory.mkdir(parents=True)
        for f in range(min(1000, count - d * 1000)):
            end = data.index(b"\n", position + 900) + 1
            (directory / f"f{f:04d}.log").write_bytes(data[position:end])
            position = end if end < len(data) - 100_000 else 0
    (root / "done").write_text("ok")
    return root
