"""Remote PATHs at their edges: an unresolvable host, S3 keys with //, an HTTP object that shrinks while read."""
from __future__ import annotations

import pytest
from click.testing import CliRunner
from servers import moto_endpoint, s3, shrinking_http  # noqa: F401  (fixtures)

from logpipe.cli import main





def invoke(*args, **kwargs):
    return CliRunner().invoke(main, [str(arg) for arg in args], catch_exceptions=False, prog_name="logpipe", **kwargs)


def test_an_unresolvable_host_is_reported_as_such(backend):
    pytest.importorskip("aiohttp")
    url = "https://nonexistent.invalid/x.log"  # .invalid never resolves (RFC 2606)
    result = invoke("grep", "x", url, "--backend", backend)
    assert result.exit_code == 2
    assert result.stderr.startswith(f"logpipe: {url}: cannot resolve host nonexistent.invalid (")
    assert result.stderr.count("\n") == 1 and "No such file" not in result.stderr


def test_a_prefix_walk_finds_keys_with_double_slashes(backend, s3):
    import uuid

    bucket = f"odd-{uuid.uuid4().hex[:8]}"
    s3.create_bucket(Bucket=bucket)
    keys = ["odd/a.log", "odd//dbl.log", "odd//x//y.log", "odd/sub/b.log", "odd/z.log"]
    for key in keys:
        s3.put_object(Bucket=bucket, Key=key, Body=b"sshd in %s\n" % key.encode())
    from helpers import search_with

    result = search_with(backend)("sshd", f"s3://{bucket}/odd/", count=True)
    # sorted by name as bytes within each level, depth first: "" (the empty segment) first
    assert result.lines == [f"s3://{bucket}/odd/{key[4:]}:1".encode() for key in
                            ["odd//dbl.log", "odd//x//y.log", "odd/a.log", "odd/sub/b.log", "odd/z.log"]]
    assert (result.err, result.status) == (b"", 0)
    deep = search_with(backend)("sshd", f"s3://{bucket}/odd", globs=("y.log",))
    assert deep.lines == [f"s3://{bucket}/odd//x//y.log:sshd in odd//x//y.log".encode()]


def test_an_http_object_that_shrinks_while_read_is_reported(backend, shrinking_http):
    from helpers import search_with

    url, server = shrinking_http
    server.full = b"".join(b"line %05d sshd\n" % i for i in range(4000))  # 60 kB
    server.cut = 15 * 1000 + 7           # the first response ends there, inside line 1000
    server.now = server.full[:30000]     # and the file is now half as long
    result = search_with(backend)("sshd", url, count=True, with_filename=False)  # (-h: no listing GET first)
    assert result.status == 2
    assert result.err.startswith(f"logpipe: {url}: changed while being read".encode()), result.err
    assert result.err.count(b"\n") == 1
    assert int(result.out) <= 1875  # what was read (at most the whole of what the object has become), then the word
