"""--dask (issue 17): the client's memory with a slow reader, and the time to the first line.

    python benchmarks/run.py --only '^dask'

Starts a 2-worker Dask LocalCluster (worker processes) on 127.0.0.1 for the run, and builds
dask/: FILES hard links to one FILE_MB file of the corpus's plain lines (2 GB by default).
The watched runs (benchmarks/watch.py) sample the memory summed over logpipe's process tree
(the scheduler and workers are not in it: the client's memory is what the target is about)
and the first byte's arrival:
- `-v zzz --dask` through a reader that pauses PAUSE seconds after the first byte: the
  first file is searched by logpipe while the client connects, the others by the cluster's
  tasks, which stream through their bounded queues and wait;
- the time to the first line with `--dask` against `-j1`.
"""
from __future__ import annotations

import atexit
import json
import os
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
RECORDS = HERE / "data" / "watch"
FILES = 64
FILE_MB = 32
PAUSE = 20.0
_state: dict = {}

WATCHED = {  # name -> (watch.py options, logpipe arguments)
    "dask -v: --dask | pausing reader": (["--pause", str(PAUSE)], ["-v", "zzz"]),
    "dask first line: --dask": (["--first-line"], ["-F", "sshd"]),
    "dask first line: -j1": (["--first-line"], ["-j1", "-F", "sshd"]),
}


def prepare(root: Path, size_mb: int) -> None:
    for name in WATCHED:  # report() shows this run's figures only
        (RECORDS / f"{_slug(name)}.jsonl").unlink(missing_ok=True)
    tree = root / "dask"
    if not (tree / "done").exists():
        tree.mkdir(parents=True, exist_ok=True)
        plain = b"".join(path.read_bytes() for path in sorted((root / "plain").rglob("*.log")))
        with open(tree / "f00.log", "wb") as out:
            written = 0
            while written < FILE_MB << 20:
                out.write(plain[:(FILE_MB << 20) - written])
                written += min(len(plain), (FILE_MB << 20) - written)
        for i in range(1, FILES):
            target = tree / f"f{i:02d}.log"
            if not target.exists():
                os.link(tree / "f00.log", target)
        (tree / "done").write_text("ok")
    if "scheduler" not in _state:
        cluster = subprocess.Popen(
            [sys.executable, "-c",
             "from distributed import LocalCluster\n"
             "import sys\n"
             "if __name__ == '__main__':\n"
             "    c = LocalCluster(n_workers=2, threads_per_worker=1, processes=True, host='127.0.0.1',"
             " dashboard_address=None)\n"
             "    print(c.scheduler_address, flush=True)\n"
             "    sys.stdin.read()\n"],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
            env={**os.environ, "PYTHONPATH": str(HERE.parent)})
        atexit.register(cluster.kill)
        _state["scheduler"] = cluster.stdout.readline().strip()
        print(f"dask LocalCluster (2 worker processes) at {_state['scheduler']}", file=sys.stderr)


def commands(root: Path, python: str) -> dict[str, list[str]]:
    logpipe = [python, "-m", "logpipe", "grep", "--no-progress"]
    table = {}
    for name, (watching, arguments) in WATCHED.items():
        cluster = ["--dask", _state.get("scheduler", "tcp://127.0.0.1:1")] if "--dask" in name else []
        table[name] = [python, str(HERE / "watch.py"), _slug(name), *watching, "--",
                       *logpipe, *cluster, *arguments, str(root / "dask")]
    return table


TARGETS: list = []


def _slug(name: str) -> str:
    return "".join(c if c.isalnum() else "-" for c in name).strip("-")


def report() -> list[str]:
    """Rows for the targets table: the client's peak memory, the first line against -j1."""
    def runs(name: str) -> list[dict]:
        path = RECORDS / f"{_slug(name)}.jsonl"
        return [json.loads(line) for line in path.read_text().splitlines()] if path.exists() else []

    def median(values):
        values = sorted(values)
        return values[len(values) // 2]

    rows = []
    slow = runs("dask -v: --dask | pausing reader")
    if slow:
        rss = max(r["peak_rss"] for r in slow) / 1e6
        rows.append(f"| --dask -v over {FILES * FILE_MB / 1024:.0f} GB, reader pausing {PAUSE:.0f} s: peak memory of "
                    f"logpipe's process tree (RSS) | {rss:.0f} MB | < 200 MB | {'yes' if rss < 200 else 'NO'} |")
    many, one = runs("dask first line: --dask"), runs("dask first line: -j1")
    if many and one:
        first_dask = median([r["first_output_s"] for r in many if r["first_output_s"] is not None])
        first_one = median([r["first_output_s"] for r in one if r["first_output_s"] is not None])
        ratio = first_dask / first_one
        rows.append(f"| --dask: time to first line / -j1's ({first_dask:.3f} s / {first_one:.3f} s) | {ratio:.2f} "
                    f"| ≤ 2.0 | {'yes' if ratio <= 2.0 else 'NO'} |")
    return rows
