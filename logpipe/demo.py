"""A small demo tree of synthetic logs in every codec, for trying logpipe out.

`log_lines(n, seed)` is also the synthetic corpus that the benchmark builds on;
`service_events` with `json_line`/`logfmt_line` the structured logs (JSON lines, logfmt)
of the demo's `app/` folder, of the structured-log tests and of their benchmark.
"""
from __future__ import annotations

import bz2
import gzip
import lzma
import os
import random
import time

HOSTS = ["web01", "web02", "db01", "cache03", "edge-7"]
USERS = ["root", "admin", "alice", "bob", "deploy", "postgres", "ubuntu"]


MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]


def _syslog_stamp(epoch: float) -> str:
    """`Nov  3 17:53:34` in local time, as syslog writes it."""
    moment = time.localtime(epoch)
    return f"{MONTHS[moment.tm_mon - 1]} {moment.tm_mday:2d} {time.strftime('%H:%M:%S', moment)}"


def log_lines(count: int, seed: int = 0, span: tuple[float, float] | None = None) -> list[bytes]:
    """`count` syslog-like lines (sshd, cron, kernel, nginx), the same for the same seed.
    With `span` (first, last epoch seconds), their times run in order from first to last,
    in local time; else they are random times of a November."""
    rng = random.Random(seed)
    lines = []
    for i in range(count):
        if span is not None:
            stamp = _syslog_stamp(span[0] + (span[1] - span[0]) * i / max(count - 1, 1))
        else:
            stamp = f"Nov {1 + i * 28 // max(count, 1):2d} {rng.randrange(24):02d}:{rng.randrange(60):02d}:{rng.randrange(60):02d}"
        host = rng.choice(HOSTS)
        pid = rng.randrange(300, 65000)
        ip = f"{rng.randrange(1, 255)}.{rng.randrange(256)}.{rng.randrange(256)}.{rng.randrange(1, 255)}"
        kind = rng.random()
        if kind < 0.15:
            text = f"sshd[{pid}]: Failed password for {rng.choice(USERS)} from {ip} port {rng.randrange(1024, 65535)} ssh2"
        elif kind < 0.3:
            text = f"sshd[{pid}]: Accepted publickey for {rng.choice(USERS)} from {ip} port {rng.randrange(1024, 65535)} ssh2"
        elif kind < 0.45:
            text = f"CRON[{pid}]: ({rng.choice(USERS)}) CMD (run-parts /etc/cron.hourly)"
        elif kind < 0.55:
            text = f"kernel: [{rng.randrange(10**6)}.{rng.randrange(10**6):06d}] eth0: link up, 1000Mbps, full-duplex"
        elif kind < 0.6:
            text = f"kernel: Out of memory: Killed process {pid} (java) total-vm:{rng.randrange(10**7)}kB"
        else:
            status = rng.choice([200, 200, 200, 301, 304, 404, 500])
            text = (f'nginx: {ip} - - "GET /api/v1/items/{rng.randrange(10**5)} HTTP/1.1" {status} '
                    f'{rng.randrange(10**5)} "-" "Mozilla/5.0"')
        lines.append(f"{stamp} {host} {text}\n".encode())
    return lines


LEVEL_WEIGHTS = (("debug", 8), ("info", 70), ("warn", 12), ("error", 8), ("fatal", 2))
PATHS = ["/api/v1/items/{}", "/api/v1/orders/{}", "/login", "/health", "/healthz", "/static/app.{}.js"]
MESSAGES = {"debug": ["cache lookup", "query plan chosen"], "info": ["request served", "user logged in",
                                                                   "cache error recovered", 'said "hi"'],
            "warn": ["slow query", "retrying request"], "error": ["request failed", "upstream timeout"],
            "fatal": ["out of memory", "cannot bind port"]}


def service_events(count: int, seed: int = 0, span: tuple[float, float] | None = None) -> list[dict]:
    """`count` events of a web service (time, level, msg, status, path, duration, user,
    bytes; sometimes no user, an error text, a trace id), the same for the same seed; times
    in order over `span` (epoch seconds; default: a day of November 2026)."""
    rng = random.Random(seed)
    first, last = span if span is not None else (1795996800.0, 1796083199.0)
    levels = [name for name, weight in LEVEL_WEIGHTS for _ in range(weight)]
    events = []
    for i in range(count):
        epoch = first + (last - first) * i / max(count - 1, 1)
        level = rng.choice(levels)
        status = rng.choice([200] * 12 + [201, 301, 304, 404, 429] + ([500, 502, 503] if level in ("error", "fatal")
                                                                         else [200]))
        path = rng.choice(PATHS).format(rng.randrange(1000))
        event = {"time": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(epoch)) + ".%03dZ" % (int(epoch * 1000) % 1000),
                 "level": level, "msg": rng.choice(MESSAGES[level]), "status": status, "path": path,
                 "duration": f"{rng.expovariate(1 / 40):.1f}ms" if rng.random() < 0.9 else f"{rng.uniform(1, 9):.2f}s",
                 "bytes": rng.randrange(50, 100_000)}
        if rng.random() < 0.85:
            event["user"] = {"id": rng.randrange(100), "name": rng.choice(USERS)}
        if level in ("error", "fatal"):
            event["error"] = rng.choice(["connection reset by peer", "context deadline exceeded", "status 503"])
        if rng.random() < 0.3:
            event["trace_id"] = f"{rng.getrandbits(64):016x}"
        events.append(event)
    return events


def json_line(event: dict) -> bytes:
    """One event as a JSON line (compact, keys in order, as most JSON loggers write them)."""
    import json

    return json.dumps(event, separators=(",", ":"), ensure_ascii=False).encode() + b"\n"


def logfmt_line(event: dict) -> bytes:
    """One event as a logfmt line (`user.id=42`: nested keys flattened with dots; values with
    blanks, quotes or `=` quoted, as go-logfmt writes them)."""
    words = []
    for key, value in event.items():
        if isinstance(value, dict):
            words += [_logfmt_word(f"{key}.{inner}", item) for inner, item in value.items()]
        else:
            words.append(_logfmt_word(key, value))
    return " ".join(words).encode() + b"\n"


def _logfmt_word(key: str, value) -> str:
    text = str(value)
    if not text or any(c in text for c in ' ="\\') or not text.isprintable():
        text = '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'
    return f"{key}={text}"


def _zstd_compress(data: bytes) -> bytes:
    import zstandard

    return zstandard.ZstdCompressor().compress(data)


# Each codec's compressor, for the demo tree, the benchmark corpus and the tests.
COMPRESSORS = {"plain": bytes, "gzip": gzip.compress, "bzip2": bz2.compress, "zstd": _zstd_compress,
               "xz": lzma.compress}


def make_demo_tree(root: str, lines_per_file: int = 2000, now: float | None = None) -> list[str]:
    """Write a tree mixing plain, gzip, bzip2, zstd and xz files under `root`; return their paths.
    As a rotated syslog: `syslog` holds the last day up to `now` (default: the time it is
    run), `syslog.1.gz` the day before, and so on back to `syslog.4.xz`, each file's lines in
    time order and its mtime (and gzip's) the time of its last line, so that `--sort time`
    and `--since 2h` work on it."""
    files = {"syslog": "plain", "syslog.1.gz": "gzip", "archive/syslog.2.bz2": "bzip2",
             "archive/syslog.3.zst": "zstd", "archive/old/syslog.4.xz": "xz"}
    now = time.time() if now is None else now
    paths = []
    for seed, (name, codec) in enumerate(files.items()):
        last = int(now) - seed * 86400
        first = last - 86400 + 1
        data = b"".join(log_lines(lines_per_file, seed, (first, last)))
        path = os.path.join(root, name)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "wb") as out:
            out.write(gzip.compress(data, mtime=last) if codec == "gzip" else COMPRESSORS[codec](data))
        os.utime(path, (last, last))
        paths.append(path)
    # a service's structured logs of the last day: JSON lines and logfmt (--where, --level, --fields)
    last = int(now)
    events = service_events(lines_per_file, 7, (last - 86400 + 1, last))
    for name, line in (("app/api.json.log", json_line), ("app/worker.logfmt.log.gz", logfmt_line)):
        data = b"".join(map(line, events))
        path = os.path.join(root, name)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "wb") as out:
            out.write(gzip.compress(data, mtime=last) if name.endswith(".gz") else data)
        os.utime(path, (last, last))
        paths.append(path)
    return paths
