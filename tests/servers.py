"""Real servers on 127.0.0.1 for the remote tests: moto's S3 server, a proxy in front of it
that can deny or cut chosen objects, and http.server. Test modules import these fixtures.

Nothing of logpipe is mocked: logpipe talks to them through s3fs/aiohttp over TCP, configured
the provider's usual way (AWS_ENDPOINT_URL and the AWS_* credentials in the environment).
"""
from __future__ import annotations

import contextlib
import functools
import http.client
import http.server
import itertools
import os
import threading
from pathlib import Path

import pytest

from helpers import COMPRESSORS
from logpipe.demo import log_lines

SECRET = "logpipe-test-secret-never-printed"
ENVIRONMENT = {"AWS_ACCESS_KEY_ID": "logpipe-test-key", "AWS_SECRET_ACCESS_KEY": SECRET,
               "AWS_DEFAULT_REGION": "us-east-1", "AWS_MAX_ATTEMPTS": "2", "AWS_RETRY_MODE": "standard"}
_buckets = itertools.count()


def use_endpoint(url: str) -> None:
    """Point S3 clients at `url` the way a user does (AWS_ENDPOINT_URL), and forget the s3fs
    instances made for another endpoint."""
    import s3fs

    os.environ["AWS_ENDPOINT_URL"] = url
    s3fs.S3FileSystem.clear_instance_cache()


@pytest.fixture(scope="session")
def moto_endpoint():
    """moto's S3 server in a thread of this process, on a free port of 127.0.0.1."""
    pytest.importorskip("moto.server")
    from moto.server import ThreadedMotoServer

    saved = {name: os.environ.get(name) for name in [*ENVIRONMENT, "AWS_ENDPOINT_URL"]}
    os.environ.update(ENVIRONMENT)
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    endpoint = f"http://{host}:{port}"
    use_endpoint(endpoint)
    import s3fs

    retries, s3fs.S3FileSystem.retries = s3fs.S3FileSystem.retries, 1  # s3fs's own: a cut reaches logpipe's soon
    try:
        yield endpoint
    finally:
        s3fs.S3FileSystem.retries = retries
        server.stop()
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


@pytest.fixture
def s3(moto_endpoint):
    """A boto3 client on the moto server, and the server's endpoint set for logpipe."""
    import boto3

    use_endpoint(moto_endpoint)
    yield boto3.client("s3", endpoint_url=moto_endpoint)
    use_endpoint(moto_endpoint)


@pytest.fixture(scope="module")
def s3_tree(moto_endpoint, tmp_path_factory):
    """One tree of mixed-codec objects per test module, in S3 and on disk: (bucket, local root)."""
    import boto3

    return make_tree(boto3.client("s3", endpoint_url=moto_endpoint), tmp_path_factory.mktemp("s3-tree"))


# (key below the tree, codec, seed): prefixes of several depths, every codec, a misnamed file
TREE = [
    ("2024/01/01/app.log", "plain", 1), ("2024/01/01/app.log.1.gz", "gzip", 2),
    ("2024/01/02/app.log.zst", "zstd", 3), ("2024/01/02/web.log.bz2", "bzip2", 4),
    ("2024/02/01/web.log.xz", "xz", 5), ("2024/02/01/misnamed.gz", "plain", 6),
    ("2024/README", "plain", 7), ("2025/01/01/app.log.gz", "gzip", 8), ("top.log", "plain", 9),
    ("2024/01/01/App.log", "zstd", 10),
]


def make_tree(s3, local: Path, lines: int = 300) -> tuple[str, Path]:
    """The same tree in a new bucket and under `local`: returns (bucket, local root)."""
    bucket = f"logs-{next(_buckets)}"
    s3.create_bucket(Bucket=bucket)
    for key, codec, seed in TREE:
        data = COMPRESSORS[codec](b"".join(log_lines(lines, seed)))
        s3.put_object(Bucket=bucket, Key=f"tree/{key}", Body=data)
        path = local / "tree" / key
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    return bucket, local / "tree"


class ProxyHandler(http.server.BaseHTTPRequestHandler):
    """Forwards each request to moto; `server.deny` keys get S3's 403 AccessDenied, and a GET
    of a `server.cut` key (from byte `cut_from` on) is cut off after `cut_after` body bytes
    while `cut[key]` > 0."""

    protocol_version = "HTTP/1.1"

    def log_message(self, *args) -> None:
        pass

    def _forward(self) -> None:
        server = self.server
        key = self.path.split("?", 1)[0]
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else None
        if any(key.endswith(denied) for denied in server.deny):
            payload = (b"<?xml version='1.0' encoding='UTF-8'?><Error><Code>AccessDenied</Code>"
                       b"<Message>Access Denied</Message></Error>")
            self.send_response(403)
            self.send_header("Content-Type", "application/xml")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(payload)
            return
        upstream = http.client.HTTPConnection(server.upstream_host, server.upstream_port, timeout=30)
        headers = {name: value for name, value in self.headers.items() if name.lower() != "connection"}
        upstream.request(self.command, self.path, body=body, headers=headers)
        response = upstream.getresponse()
        payload = response.read()
        upstream.close()
        cut = next((name for name in server.cut if key.endswith(name)), None)
        self.send_response(response.status)
        for name, value in response.getheaders():
            if name.lower() not in ("connection", "transfer-encoding", "date", "server"):
                self.send_header(name, value)
        self.end_headers()
        if self.command == "HEAD":
            return
        start = int((self.headers.get("Range") or "bytes=0-").removeprefix("bytes=").split("-")[0] or 0)
        if (cut is not None and self.command == "GET" and server.cut[cut] > 0 and len(payload) > server.cut_after
                and start >= server.cut_from):
            server.cut[cut] -= 1
            server.cuts_made += 1
            self.wfile.write(payload[:server.cut_after])
            self.wfile.flush()
            self.close_connection = True
            self.connection.shutdown(2)  # the connection drops mid-body
            return
        self.wfile.write(payload)

    do_GET = do_HEAD = do_PUT = do_POST = do_DELETE = _forward


@pytest.fixture
def proxy(s3, moto_endpoint):
    """A proxy before moto on its own port; S3 clients of logpipe go through it for this test."""
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), ProxyHandler)
    server.daemon_threads = True
    host, port = moto_endpoint.removeprefix("http://").split(":")
    server.upstream_host, server.upstream_port = host, int(port)
    server.deny, server.cut, server.cut_after, server.cut_from, server.cuts_made = set(), {}, 1000, 0, 0
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    use_endpoint(f"http://127.0.0.1:{server.server_address[1]}")
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()
        use_endpoint(moto_endpoint)


class QuietFiles(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args) -> None:
        pass


@pytest.fixture
def http_root(tmp_path):
    """http.server serving `tmp_path/site` on 127.0.0.1: yields (base URL, the folder)."""
    site = tmp_path / "site"
    site.mkdir()
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(QuietFiles, directory=str(site)))
    with serving(server) as base:
        yield base, site


class ShrinkingFile(http.server.BaseHTTPRequestHandler):
    """Serves one object, `/shrink.log`, that is truncated while the first GET sends it: that
    response promises `server.full` bytes and ends after `server.cut`; later GETs get the
    shorter object it has become (`server.now`), with its true length."""

    protocol_version = "HTTP/1.1"

    def log_message(self, *args) -> None:
        pass

    def do_HEAD(self) -> None:
        self._send(head=True)

    def do_GET(self) -> None:
        self._send(head=False)

    def _send(self, head: bool) -> None:
        server = self.server
        if self.path != "/shrink.log":
            self.send_error(404)
            return
        first = not head and server.gets == 0
        if not head:
            server.gets += 1
        body = server.full if first or head and server.gets == 0 else server.now
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if head:
            return
        if first:
            self.wfile.write(body[:server.cut])
            self.wfile.flush()
            self.close_connection = True
            self.connection.shutdown(2)  # the file ended under the server's feet
            return
        self.wfile.write(body)


@pytest.fixture
def shrinking_http():
    """An HTTP server on 127.0.0.1 whose /shrink.log shrinks while it is read: (URL, server)."""
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), ShrinkingFile)
    server.gets = 0
    with serving(server) as base:
        yield f"{base}/shrink.log", server


@contextlib.contextmanager
def serving(server: http.server.ThreadingHTTPServer):
    """Run `server` in a thread while the block runs: its base URL."""
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
