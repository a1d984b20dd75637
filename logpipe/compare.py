"""`logpipe compare`: run the same search on both backends and show them side by side.

Each measured run happens in a fresh Python process (the same state for both backends),
after one unmeasured run of each to warm the page cache, in alternating order over the
rounds so that a drifting machine favours neither. The matched lines are not printed:
each run hashes its output, and the hashes must agree.

    python -m logpipe.compare OPTIONS_JSON   # one measured run, as the parent starts it
"""
from __future__ import annotations

import dataclasses
import hashlib
import io
import json
import resource
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass

from .options import BACKENDS, SearchOptions
from .search import run
from .stats import Stats


class Digest(io.RawIOBase):
    """A binary sink that keeps only a SHA-256 of what is written, and its length."""

    def __init__(self) -> None:
        self.hash = hashlib.sha256()
        self.size = 0

    def writable(self) -> bool:
        return True

    def write(self, data) -> int:
        self.hash.update(data)
        self.size += len(data)
        return len(data)


@dataclass
class Measurement:
    backend: str
    seconds: float
    cpu_seconds: float
    peak_bytes: int
    decompressed_bytes: int
    lines: int
    matches: int
    output_bytes: int
    digest: str
    status: int


def measure_here(options: SearchOptions) -> Measurement:
    """One run in this process, its output hashed and thrown away."""
    stats, sink = Stats(), Digest()
    before = resource.getrusage(resource.RUSAGE_SELF)
    started = time.perf_counter()
    status = run(options, sink, io.BytesIO() if options.no_messages else None, stats)
    seconds = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_SELF)
    return Measurement(
        backend=options.backend, seconds=seconds,
        cpu_seconds=(after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime),
        peak_bytes=after.ru_maxrss * 1024,  # kilobytes on Linux
        decompressed_bytes=stats.decompressed_bytes, lines=stats.lines, matches=stats.matches,
        output_bytes=sink.size, digest=sink.hash.hexdigest(), status=status,
    )


def _to_json(options: SearchOptions) -> str:
    fields = options._asdict()
    fields["patterns"] = [pattern.hex() for pattern in options.patterns]
    return json.dumps(fields)


def _from_json(text: str) -> SearchOptions:
    fields = json.loads(text)
    fields["patterns"] = [bytes.fromhex(pattern) for pattern in fields["patterns"]]
    for name in ("patterns", "paths", "globs", "exclude", "where"):
        fields[name] = tuple(fields[name])
    if fields.get("fields") is not None:
        fields["fields"] = tuple(fields["fields"])
    return SearchOptions(**fields)


def measure_in_child(options: SearchOptions) -> Measurement:
    """One run in a fresh interpreter; its messages go to our stderr."""
    child = subprocess.run([sys.executable, "-m", "logpipe.compare", _to_json(options)],
                           stdout=subprocess.PIPE, check=False)
    if child.returncode != 0:
        raise RuntimeError(f"the {options.backend} run failed (status {child.returncode})")
    return Measurement(**json.loads(child.stdout))


def capture(options: SearchOptions) -> bytes:
    """The whole output of a run, with file names and line numbers to locate a difference."""
    out = io.BytesIO()
    run(options._replace(with_filename=True, line_number=True, quiet=False, no_messages=True,
                            progress=False, stats=False, color="never"), out, io.BytesIO())
    return out.getvalue()


def first_difference(options: SearchOptions) -> dict | None:
    outputs = {backend: capture(options._replace(backend=backend)).split(b"\n") for backend in BACKENDS}
    pull, push = outputs["pull"], outputs["push"]
    for number, (left, right) in enumerate(zip(pull + [None], push + [None]), 1):
        if left != right:
            show = lambda line: "(end of output)" if line is None else line.decode("utf-8", "backslashreplace")
            return {"output_line": number, "pull": show(left), "push": show(right)}
    return None


def compare(options: SearchOptions, repeat: int = 3, *, fresh_process: bool = True) -> dict:
    """Measure both backends `repeat` times each and compare their outputs; return the report."""
    measure = measure_in_child if fresh_process else measure_here
    options = options._replace(progress=False, stats=False, color="never")
    quiet_options = options._replace(no_messages=True)
    for backend in BACKENDS:  # warm the page cache; show any message once
        measure(options._replace(backend=backend))
    runs: dict[str, list[Measurement]] = {backend: [] for backend in BACKENDS}
    for round_number in range(repeat):
        order = BACKENDS if round_number % 2 == 0 else BACKENDS[::-1]
        for backend in order:
            runs[backend].append(measure(quiet_options._replace(backend=backend)))
    digests = {m.digest for ms in runs.values() for m in ms}
    report = {
        "pattern": b"|".join(options.patterns).decode("utf-8", "backslashreplace"),
        "paths": list(options.paths) or ["."],
        "repeat": repeat,
        "threads": options.threads,
        "backends": {backend: summarize(ms) for backend, ms in runs.items()},
        "ratio_push_pull": ratio([m.seconds for m in runs["push"]], [m.seconds for m in runs["pull"]]),
        "identical": len(digests) == 1,
        "digest": sorted(digests)[0] if len(digests) == 1 else None,
        "first_difference": None,
    }
    if not report["identical"]:
        report["first_difference"] = first_difference(quiet_options)
    return report


def summarize(measurements: list[Measurement]) -> dict:
    seconds = [m.seconds for m in measurements]
    median = statistics.median(seconds)
    last = measurements[-1]
    return {
        "runs": len(measurements),
        "median_seconds": median, "min_seconds": min(seconds), "max_seconds": max(seconds),
        "cpu_seconds": statistics.median(m.cpu_seconds for m in measurements),
        "mb_per_second": last.decompressed_bytes / 1e6 / median if median else 0.0,
        "lines_per_second": last.lines / median if median else 0.0,
        "decompressed_bytes": last.decompressed_bytes, "lines": last.lines,
        "matches": last.matches, "output_bytes": last.output_bytes,
        "peak_bytes": max(m.peak_bytes for m in measurements),
    }


def ratio(numerators: list[float], denominators: list[float]) -> dict:
    """The median ratio, and its spread over the rounds (round i against round i)."""
    per_round = [a / b for a, b in zip(numerators, denominators) if b > 0]
    median = statistics.median(numerators) / statistics.median(denominators) if statistics.median(denominators) else 0
    return {"median": median, "min": min(per_round, default=0.0), "max": max(per_round, default=0.0)}


def format_report(report: dict) -> str:
    head = (f"{'backend':<8} {'median':>9} {'min-max':>17} {'CPU':>8} {'MB/s':>8} {'lines/s':>10} "
            f"{'matches':>9} {'peak mem':>10}")
    rows = [f"logpipe compare: {report['pattern']!r} in {' '.join(report['paths'])} at -j{report.get('threads', 1)}, "
            f"{report['repeat']} rounds each, alternating, each run in a fresh process after a warm-up run", "", head]
    for backend, s in report["backends"].items():
        rows.append(
            f"{backend:<8} {s['median_seconds']:>7.3f} s {s['min_seconds']:>8.3f}-{s['max_seconds']:.3f} s "
            f"{s['cpu_seconds']:>6.2f} s {s['mb_per_second']:>8.1f} {s['lines_per_second'] / 1e6:>8.2f} M "
            f"{s['matches']:>9} {s['peak_bytes'] / 2**20:>6.1f} MiB")
    r = report["ratio_push_pull"]
    rows += ["", f"push/pull: {r['median']:.3f} (rounds {r['min']:.3f}-{r['max']:.3f})"]
    if report["identical"]:
        size = report["backends"]["pull"]["output_bytes"]
        rows.append(f"output: identical ({size} bytes, sha256 {report['digest'][:16]}...)")
    else:
        d = report["first_difference"] or {}
        rows.append(f"output: DIFFERENT, first at output line {d.get('output_line')}:")
        rows.append(f"  pull: {d.get('pull')}")
        rows.append(f"  push: {d.get('push')}")
    return "\n".join(rows) + "\n"


if __name__ == "__main__":
    measurement = measure_here(_from_json(sys.argv[1]))
    sys.stdout.write(json.dumps(dataclasses.asdict(measurement)))
