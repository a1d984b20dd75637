"""Remote PATHs and --dask, for benchmarks/run.py (`--only '^s3'` runs just these).

    python benchmarks/run.py --size-mb 8 --only '^s3'

`prepare` starts, for the whole run, moto's S3 server on 127.0.0.1 (a child process),
uploads 500 gzip objects (~100 MB decompressed, 200 KB each, under 10 date prefixes) and
starts a 2-worker Dask LocalCluster (worker processes); both end with the benchmark.
logpipe finds the server the usual way: AWS_ENDPOINT_URL and AWS_* credentials in the
environment, which the measured commands inherit.

A second pair of commands goes through a proxy adding 25 ms to each request (a round
trip to a region): on loopback, moto's own CPU time per request (~8-17 ms on 2 shared cores)
is the floor, and fetching ahead can only hide latency, not a busy server.

Targets: fetching ahead (--prefetch 16, the default) at least 5x faster than one object at
a time (--prefetch 1); --dask on the 2 local workers within 2x the local -j2 time (for URL
PATHs, -j2 searches in one process with the objects fetched ahead). Peak memory of the
prefetching search (the `peak MB` column) should stay under 150 MB.
"""
from __future__ import annotations

import atexit
import gzip
import os
import socket
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

HERE = Path(__file__).resolve().parent
OBJECTS = 500
OBJECT_BYTES = 200_000
BUCKET = "bench-logs"
NEEDLE = "Killed process 4"
_children: list[subprocess.Popen] = []
_state: dict = {}


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _stop_children() -> None:
    for child in _children:
        if child.poll() is None:
            child.terminate()
            try:
                child.wait(10)
            except subprocess.TimeoutExpired:
                child.kill()


def _objects() -> list[tuple[str, bytes]]:
    """500 gzip objects, cached on disk between runs."""
    sys.path.insert(0, str(HERE.parent))
    from logpipe.demo import log_lines

    cache = HERE / "data" / f"remote-{OBJECTS}x{OBJECT_BYTES}"
    if not (cache / "done").exists():
        cache.mkdir(parents=True, exist_ok=True)
        pool = b"".join(log_lines(250_000, 7))  # ~25 MB of lines; objects are windows of it
        for i in range(OBJECTS):
            start = pool.find(b"\n", (i * 7919 * 1000) % (len(pool) - 2 * OBJECT_BYTES)) + 1
            end = pool.find(b"\n", start + OBJECT_BYTES) + 1
            (cache / f"{i:03d}.gz").write_bytes(gzip.compress(pool[start:end], 6))
        (cache / "done").write_text("ok")
    return [(f"logs/2024-01-{i % 10 + 1:02d}/app-{i:03d}.log.gz", (cache / f"{i:03d}.gz").read_bytes())
            for i in range(OBJECTS)]


LATENCY = 0.025  # seconds added to each request by the "s3 +25 ms" proxy: a round trip to a region


def _start_latency_proxy(upstream_port: int) -> str:
    """A proxy in a thread of this process that answers each request LATENCY seconds late,
    as a store across a network does; moto on loopback answers in well under a millisecond
    of network time, so without it only moto's own CPU time is measured."""
    import http.client
    import http.server
    import threading

    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args) -> None:
            pass

        def _forward(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else None
            time.sleep(LATENCY)
            upstream = http.client.HTTPConnection("127.0.0.1", upstream_port, timeout=60)
            upstream.request(self.command, self.path, body=body,
                             headers={k: v for k, v in self.headers.items() if k.lower() != "connection"})
            response = upstream.getresponse()
            payload = response.read()
            upstream.close()
            self.send_response(response.status)
            for name, value in response.getheaders():
                if name.lower() not in ("connection", "transfer-encoding", "date", "server"):
                    self.send_header(name, value)
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(payload)

        do_GET = do_HEAD = do_PUT = do_POST = _forward

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return f"http://127.0.0.1:{server.server_address[1]}"


def prepare(root: Path, size_mb: int) -> None:
    if _state:
        return
    os.environ.update({"AWS_ACCESS_KEY_ID": "bench", "AWS_SECRET_ACCESS_KEY": "bench",
                       "AWS_DEFAULT_REGION": "us-east-1"})
    port = _free_port()
    atexit.register(_stop_children)
    _children.append(subprocess.Popen([sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
                                      stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
    endpoint = f"http://127.0.0.1:{port}"
    os.environ["AWS_ENDPOINT_URL"] = endpoint
    import boto3

    s3 = boto3.client("s3", endpoint_url=endpoint)
    for _ in range(100):
        try:
            s3.create_bucket(Bucket=BUCKET)
            break
        except Exception:
            time.sleep(0.1)
    objects = _objects()
    with ThreadPoolExecutor(8) as pool:
        list(pool.map(lambda item: s3.put_object(Bucket=BUCKET, Key=item[0], Body=item[1]), objects))
    print(f"moto on {endpoint}: {len(objects)} objects, {sum(len(d) for _, d in objects) / 1e6:.1f} MB gzip",
          file=sys.stderr)
    cluster = subprocess.Popen(
        [sys.executable, "-c",
         "from distributed import LocalCluster\n"
         "import sys, time\n"
         "c = LocalCluster(n_workers=2, threads_per_worker=1, processes=True, host='127.0.0.1',"
         " dashboard_address=None)\n"
         "print(c.scheduler_address, flush=True)\n"
         "sys.stdin.read()\n"],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    _children.append(cluster)
    _state["scheduler"] = cluster.stdout.readline().strip()
    _state["slow"] = _start_latency_proxy(port)
    print(f"dask LocalCluster (2 worker processes) at {_state['scheduler']}", file=sys.stderr)


def commands(root: Path, python: str) -> dict[str, list[str]]:
    logpipe = [python, "-m", "logpipe", "grep", "--no-progress", "-F", NEEDLE]
    url = f"s3://{BUCKET}/logs"
    table = {
        "s3: logpipe (--prefetch 16)": [*logpipe, url],
        "s3: logpipe --prefetch 1 (one object at a time)": [*logpipe, "--prefetch", "1", url],
        "s3: logpipe -j2": [*logpipe, "-j2", url],
    }
    if "slow" in _state:
        slow = ["env", f"AWS_ENDPOINT_URL={_state['slow']}"]
        table["s3 +25 ms: logpipe (--prefetch 16)"] = [*slow, *logpipe, url]
        table["s3 +25 ms: logpipe --prefetch 1 (one object at a time)"] = [*slow, *logpipe, "--prefetch", "1", url]
    if "scheduler" in _state:
        table["s3: logpipe --dask (2-worker LocalCluster)"] = [*logpipe, "--dask", _state["scheduler"], url]
    return table


TARGETS = [
    ("s3: one object at a time / prefetch 16", "s3: logpipe --prefetch 1 (one object at a time)",
     "s3: logpipe (--prefetch 16)", 1e9, 5.0),
    ("s3 +25 ms: one object at a time / prefetch 16", "s3 +25 ms: logpipe --prefetch 1 (one object at a time)",
     "s3 +25 ms: logpipe (--prefetch 16)", 1e9, 5.0),
    ("s3: --dask 2 workers / -j2", "s3: logpipe --dask (2-worker LocalCluster)", "s3: logpipe -j2", 2.0, None),
]
