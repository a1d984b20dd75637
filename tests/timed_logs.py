"""Trees of rotated logs whose every line's time is known, and the histogram they must give,
computed here from those times with datetime and zoneinfo (not with logpipe's own code)."""
from __future__ import annotations

import gzip
import json
import os
import random
from collections import Counter
from datetime import datetime, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

from helpers import COMPRESSORS

MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]


def utc(text: str) -> float:
    return datetime.fromisoformat(text).replace(tzinfo=timezone.utc).timestamp()


def _iso(epoch: float) -> str:
    moment = datetime.fromtimestamp(epoch, timezone.utc)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def _syslog(epoch: float) -> str:
    moment = datetime.fromtimestamp(epoch, timezone.utc)
    return f"{MONTHS[moment.month - 1]} {moment.day:2d} {moment.strftime('%H:%M:%S')}"


def _times(rng: random.Random, first: float, last: float, gap: tuple[float, float] | None = None) -> list[float]:
    """Increasing times from `first` to `last`, 0 to 150 s apart, none inside `gap`."""
    times, moment = [], first
    while moment <= last:
        if gap is None or not gap[0] <= moment < gap[1]:
            times.append(moment)
        moment += rng.uniform(0.0, 150.0)
    return times


def _write(path: Path, lines: list[str], codec: str, mtime: float) -> None:
    data = "".join(lines).encode()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(gzip.compress(data, mtime=int(mtime)) if codec == "gzip" else COMPRESSORS[codec](data))
    os.utime(path, (mtime, mtime))


class Tree:
    """The tree written, and what was written in it: for each line matching "ERROR" (and for
    each record holding one), its time; and how many such lines carry no time at all."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.lines: list[float] = []    # the time of each selected line ("ERROR")
        self.records: list[float] = []  # the time of each selected record (--records)
        self.timeless = 0               # selected lines without any time (a file with none)
        self.app: list[float] = []      # the times of the app log's selected lines (ISO times, full dates)


def rotated_tree(root: Path, seed: int = 23) -> Tree:
    """Two rotated sets spanning New Year 2026/2027 (UTC): an app log with ISO times and
    stack traces (app.log ... app.log.3.zst), a syslog without years (syslog ...
    syslog.2.bz2, each file's mtime its last line's time, so that the years are inferred
    across the boundary); no line at all from 00:55 to 02:05 on 1 January; and a file
    without timestamps."""
    rng = random.Random(seed)
    tree = Tree(root)
    start, end = utc("2026-12-31T18:00:00"), utc("2027-01-01T06:00:00")
    gap = (utc("2027-01-01T00:55:00"), utc("2027-01-01T02:05:00"))  # the hour from 01:00 has no line
    app = _times(rng, start, end, gap)
    codecs = ["zstd", "gzip", "plain", "plain"]  # oldest first: app.log.3.zst ... app.log
    names = ["app/app.log.3.zst", "app/app.log.2.gz", "app/app.log.1", "app/app.log"]
    for part, (name, codec) in enumerate(zip(names, codecs)):
        chunk = app[part * len(app) // 4:(part + 1) * len(app) // 4]
        lines = []
        for moment in chunk:
            roll = rng.random()
            if roll < 0.25:
                lines.append(f"{_iso(moment)} ERROR request failed id={rng.randrange(10**6)}\n")
                lines.append("  at com.example.Handler.handle(Handler.java:42)\n")
                tree.lines.append(moment)
                tree.app.append(moment)
                tree.records.append(moment)
            elif roll < 0.3:  # a record whose only match is in its stack trace
                lines.append(f"{_iso(moment)} WARN slow request\n")
                lines.append("  Caused by: ERROR upstream timed out\n")
                tree.lines.append(moment)  # a continuation line takes the time of the line before it
                tree.app.append(moment)
                tree.records.append(moment)
            else:
                lines.append(f"{_iso(moment)} INFO request ok id={rng.randrange(10**6)}\n")
        _write(root / name, lines, codec, chunk[-1])
    syslog = _times(rng, start + 30, end - 30, gap)
    names = ["syslog/syslog.2.bz2", "syslog/syslog.1", "syslog/syslog"]
    for part, (name, codec) in enumerate(zip(names, ["bzip2", "plain", "xz"])):
        chunk = syslog[part * len(syslog) // 3:(part + 1) * len(syslog) // 3]
        lines = []
        for moment in chunk:
            if rng.random() < 0.2:
                lines.append(f"{_syslog(moment)} web01 kernel: ERROR disk sda: I/O error\n")
                tree.lines.append(moment)
                tree.records.append(moment)
            else:
                lines.append(f"{_syslog(moment)} web01 CRON[{rng.randrange(300, 9999)}]: (root) CMD (run-parts)\n")
        _write(root / name, lines, codec, chunk[-1])
    _write(root / "notes" / "todo.txt", ["fix the ERROR page\n", "ERROR budget review\n", "nothing else\n"],
           "plain", end)
    tree.timeless = 2
    return tree


def dst_tree(root: Path, seed: int = 10) -> Tree:
    """Europe/Paris around both changes of 2026: on 29 March (02:00 -> 03:00) lines in local
    time without a zone; on 25 October (03:00 -> 02:00, the hour from 02:00 happens twice)
    ISO lines with their offsets, so that each line's instant is known exactly."""
    rng = random.Random(seed)
    tree = Tree(root)
    paris = ZoneInfo("Europe/Paris")
    spring = _times(rng, utc("2026-03-28T22:00:00"), utc("2026-03-29T04:00:00"))
    lines = []
    for moment in spring:
        local = datetime.fromtimestamp(moment, paris).strftime("%Y-%m-%d %H:%M:%S")
        selected = rng.random() < 0.5
        lines.append(f"{local} {'ERROR' if selected else 'INFO'} spring\n")
        if selected:
            tree.lines.append(float(int(moment)))
    _write(root / "spring.log", lines, "plain", spring[-1])
    autumn = _times(rng, utc("2026-10-24T22:00:00"), utc("2026-10-25T04:00:00"))
    lines = []
    for moment in autumn:
        local = datetime.fromtimestamp(moment, paris).isoformat(timespec="seconds")
        selected = rng.random() < 0.5
        lines.append(f"{local} {'ERROR' if selected else 'INFO'} autumn\n")
        if selected:
            tree.lines.append(float(int(moment)))
    _write(root / "autumn.log.1.gz", lines, "gzip", autumn[-1])
    tree.records = list(tree.lines)
    return tree


def expected_rows(times: list[float], minutes: int, zone: str, since: float | None = None,
                  until: float | None = None) -> list[tuple[float, int]]:
    """(bucket start, count) for every bucket of `minutes` (1 or 60) in `zone` from the one
    holding the first time (or `since`) to the one holding the last (or `until`), the
    empty ones included: the local wall clock floored, each instant of a repeated hour in
    its own bucket (its offset tells them apart)."""
    tz = ZoneInfo(zone)

    def bucket(moment: float) -> float:
        local = datetime.fromtimestamp(moment, tz)
        floored = local.replace(minute=local.minute - local.minute % minutes, second=0, microsecond=0)
        return floored.timestamp()

    kept = [moment for moment in times if (since is None or moment >= since) and (until is None or moment <= until)]
    counts = Counter(bucket(moment) for moment in kept)
    first = bucket(since if since is not None else min(kept))
    last = bucket(until if until is not None else max(kept))
    step = 60 * minutes  # whole-hour offsets: every bucket of an hour or less lasts its length
    return [(start, counts.get(start, 0)) for start in range(int(first), int(last) + 1, step)]


def histogram_rows(out: bytes) -> tuple[list[tuple[float, int]], dict]:
    """The (start, count) of each bucket object of --histogram --json output, and its summary."""
    rows, summary = [], None
    for line in out.splitlines():
        message = json.loads(line)
        if message["type"] == "bucket":
            data = message["data"]
            rows.append((datetime.fromisoformat(data["start"]).timestamp(), data["count"]))
        else:
            summary = message["data"]
    return rows, summary


def access_lines(count: int, seed: int = 7, distinct: int = 3000, start: float = 1796000000.0) -> list[bytes]:
    """An nginx access log: client IPs drawn from a Zipf-like law over `distinct` addresses
    (a few frequent, many rare), users in some requests, times one to three seconds apart."""
    rng = random.Random(seed)
    weights = [1.0 / (rank + 1) ** 1.1 for rank in range(distinct)]
    ips = [f"{10 + rank % 200}.{rank // 200 % 250}.{rank * 7 % 250}.{1 + rank % 253}" for rank in range(distinct)]
    users = ["alice", "bob", "carol", "-"]
    lines, moment = [], start
    for ip in rng.choices(ips, weights, k=count):
        moment += rng.uniform(1.0, 3.0)
        stamp = datetime.fromtimestamp(moment, timezone.utc).strftime("%d/%b/%Y:%H:%M:%S +0000")
        user = rng.choice(users)
        path = f"/api/items/{rng.randrange(50)}?ref=a{rng.randrange(3)}" + (f"&ref=b{rng.randrange(3)}"
                                                                            if rng.random() < 0.3 else "")
        status = rng.choice([200, 200, 200, 304, 404, 500])
        lines.append(f'{ip} - {user} [{stamp}] "GET {path} HTTP/1.1" {status} {rng.randrange(9999)}\n'.encode())
    return lines
