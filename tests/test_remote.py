"""Remote PATHs: S3 through moto's server and s3fs, HTTP through http.server, all on 127.0.0.1.

The S3 tree is also written to a local folder, and the remote search must print exactly
what the local one prints, with `s3://bucket/tree` in place of the folder.
"""
from __future__ import annotations

import gzip
import io
import subprocess
import sys

import pytest

from helpers import search_with
from logpipe import pull, push
from logpipe.demo import log_lines
from logpipe.messages import Messages
from logpipe.printers import StandardPrinter
from servers import SECRET, http_root, make_tree, moto_endpoint, proxy, s3, s3_tree  # noqa: F401  (fixtures)

pytest.importorskip("s3fs")


def as_local(result, url: str, folder) -> bytes:
    return result.out.replace(url.encode(), str(folder).encode())


@pytest.mark.parametrize("options", [
    {"line_number": True},
    {"globs": ("*.gz",)},
    {"globs": ("2024/01/*/*",), "count": True},
    {"exclude": ("02",), "files_with_matches": True},
    {"max_depth": 2, "line_number": True},
    {"max_depth": 0},
    {"before_context": 1, "after_context": 2, "byte_offset": True},
    {"max_count": 1, "prefetch": 1},
    {"files_without_match": True, "prefetch": 3},
], ids=lambda options: ",".join(f"{k}={v}" for k, v in options.items()))
def test_s3_tree_prints_what_the_local_tree_prints(backend, s3, s3_tree, options):
    bucket, folder = s3_tree
    logpipe = search_with(backend, 5 if options.get("before_context") else 256 * 1024)  # tiny blocks once
    url = f"s3://{bucket}/tree"
    remote = logpipe("Failed password|sshd.*root", url, **options)
    local = logpipe("Failed password|sshd.*root", folder, **options)
    assert (as_local(remote, url, folder), remote.err.replace(url.encode(), str(folder).encode()), remote.status) \
        == (local.out, local.err, local.status)
    if options.get("max_depth") != 0 and not options.get("files_without_match"):
        assert remote.status == 0 and remote.out.count(url.encode()) > 3
    # names print as the URL, in the local walk's order (sorted by name as bytes, depth first)
    names = [line.split(b":")[0] + b":" + line.split(b":")[1] for line in remote.lines
             if line.startswith(b"s3:") and not options.get("before_context")]
    distinct = list(dict.fromkeys(names))
    assert distinct == sorted(distinct)


def test_objects_and_prefixes_given_one_by_one(backend, s3, s3_tree):
    logpipe = search_with(backend)
    bucket, folder = s3_tree
    paths = [f"s3://{bucket}/tree/top.log", f"s3://{bucket}/tree/2025/", f"s3://{bucket}/tree/2024/01/02"]
    remote = logpipe("GET /api", *paths, line_number=True)
    local = logpipe("GET /api", *(p.replace(f"s3://{bucket}/tree", str(folder)) for p in paths), line_number=True)
    assert remote.out.replace(f"s3://{bucket}/tree".encode(), str(folder).encode()) == local.out
    assert remote.status == 0 and b"s3://" + bucket.encode() + b"/tree/2025/01/01/app.log.gz:" in remote.out


def test_one_object_prints_no_name(backend, s3, s3_tree):
    logpipe = search_with(backend)
    bucket, folder = s3_tree
    result = logpipe("sshd", f"s3://{bucket}/tree/2024/01/01/app.log.1.gz")
    assert result.status == 0 and result.lines and not any(b"s3://" in line for line in result.lines)


def test_missing_bucket_and_prefix_are_reported_and_the_rest_searched(backend, s3, s3_tree):
    logpipe = search_with(backend)
    bucket, folder = s3_tree
    result = logpipe("sshd", "s3://no-such-bucket/logs", f"s3://{bucket}/no/such/prefix", f"s3://{bucket}/tree/top.log")
    assert result.err == (b"logpipe: s3://no-such-bucket/logs: No such file or directory\n"
                          b"logpipe: s3://" + bucket.encode() + b"/no/such/prefix: No such file or directory\n")
    assert result.status == 2 and result.out.startswith(f"s3://{bucket}/tree/top.log:".encode())


def test_access_denied_object_and_bucket(backend, proxy, s3, s3_tree):
    logpipe = search_with(backend)
    bucket, folder = s3_tree
    proxy.deny.update({f"{bucket}/tree/2024/01/02/app.log.zst", "/locked"})
    if "locked" not in [b["Name"] for b in s3.list_buckets()["Buckets"]]:
        s3.create_bucket(Bucket="locked")
    result = logpipe("sshd", f"s3://{bucket}/tree", "s3://locked", line_number=True)
    local = logpipe("sshd", folder, line_number=True)
    denied = f"s3://{bucket}/tree/2024/01/02/app.log.zst".encode()
    # in -j1's order, though the walk of the next PATH runs ahead of the search
    assert result.err == b"logpipe: " + denied + b": Permission denied\nlogpipe: s3://locked: Permission denied\n"
    expected = b"".join(line + b"\n" for line in local.lines if b"app.log.zst" not in line)
    assert as_local(result, f"s3://{bucket}/tree", folder) == expected and result.status == 2
    assert SECRET.encode() not in result.err + result.out


def test_object_that_vanishes_after_the_listing(backend, s3, tmp_path):
    """Listed, then deleted before it is read: one message in its place, the rest searched."""
    bucket, folder = make_tree(s3, tmp_path)
    messages_out = io.BytesIO()
    messages = Messages(messages_out)
    logfiles = list(pull.find_files([f"s3://{bucket}/tree/2024/01/01"], messages=messages))
    s3.delete_object(Bucket=bucket, Key="tree/2024/01/01/App.log")
    out = io.BytesIO()
    output = StandardPrinter(out, with_filename=True)
    if backend == "pull":
        pull.printer(output, pull.grep(b"sshd", pull.cat(pull.opener(pull.fetch(logfiles), messages=messages),
                                                         messages=messages)))
    else:
        chain = push.fetch(push.opener(push.cat(push.grep(b"sshd", push.printer(output)), messages=messages),
                                       messages=messages))
        for logfile in logfiles:
            chain.send(logfile)
        chain.close()
    output.finish()
    gone = f"s3://{bucket}/tree/2024/01/01/App.log"
    assert messages_out.getvalue() == f"logpipe: {gone}: No such file or directory\n".encode()
    names = {b":".join(line.split(b":")[:2]) for line in out.getvalue().splitlines()}
    assert names == {f"s3://{bucket}/tree/2024/01/01/{name}".encode() for name in ("app.log", "app.log.1.gz")}


def big_gzip_object(s3, bucket: str) -> tuple[bytes, bytes]:
    """A gzip object of ~1.5 MB (two reads of 1 MiB), and its content."""
    content = b"".join(log_lines(60_000, 42))
    packed = gzip.compress(content, 1)
    s3.put_object(Bucket=bucket, Key="big/app.log.gz", Body=packed)
    s3.put_object(Bucket=bucket, Key="big/next.log", Body=b"sshd after the cut\n")
    return packed, content


def test_connection_cut_once_is_resumed_where_it_broke(backend, proxy, s3):
    logpipe = search_with(backend)
    s3.create_bucket(Bucket="cut-once")
    packed, content = big_gzip_object(s3, "cut-once")
    assert len(packed) > 1024 * 1024
    proxy.cut["cut-once/big/app.log.gz"], proxy.cut_after = 1, 300_000
    result = logpipe("sshd", "s3://cut-once/big", count=True)
    assert proxy.cuts_made == 1
    assert result.err == b"" and result.status == 0
    assert result.out == (b"s3://cut-once/big/app.log.gz:%d\ns3://cut-once/big/next.log:1\n"
                          % sum(b"sshd" in line for line in content.splitlines()))


def test_connection_cut_for_good_reports_once_after_every_line_before_it(backend, proxy, s3):
    logpipe = search_with(backend)
    s3.create_bucket(Bucket="cut-always")
    packed, content = big_gzip_object(s3, "cut-always")
    # every request for the second MiB is cut off: the first arrived whole and is searched
    proxy.cut["cut-always/big/app.log.gz"], proxy.cut_after, proxy.cut_from = 10**6, 300_000, 1024 * 1024
    result = logpipe("sshd", "s3://cut-always/big", line_number=True)
    assert result.status == 2 and result.err.count(b"\n") == 1
    assert result.err.startswith(b"logpipe: s3://cut-always/big/app.log.gz: ") and b"after 3 retries" in result.err
    lines = result.lines
    assert lines[-1] == b"s3://cut-always/big/next.log:1:sshd after the cut"  # the rest searched
    # every line decoded before the cut is searched: what was printed is a prefix of the full answer
    expected = [b"s3://cut-always/big/app.log.gz:%d:%s" % (number, line)
                for number, line in enumerate(content.splitlines(), 1) if b"sshd" in line]
    printed = lines[:-1]
    assert printed == expected[:len(printed)] and len(printed) > 100


def test_http_files(backend, http_root):
    logpipe = search_with(backend)
    base, site = http_root
    (site / "a.log.gz").write_bytes(gzip.compress(b"one sshd\ntwo\n"))
    (site / "b.log").write_bytes(b"three sshd\n")
    result = logpipe("sshd", f"{base}/a.log.gz", f"{base}/b.log", f"{base}/gone.log", line_number=True)
    assert result.out == f"{base}/a.log.gz:1:one sshd\n{base}/b.log:1:three sshd\n".encode()
    assert result.err == f"logpipe: {base}/gone.log: No such file or directory\n".encode()
    assert result.status == 2


def test_a_scheme_without_its_package_names_what_to_install(backend):
    logpipe = search_with(backend)
    pytest.importorskip("fsspec")
    try:
        import gcsfs  # noqa: F401
        pytest.skip("gcsfs is installed")
    except ImportError:
        pass
    result = logpipe("x", "gs://bucket/logs", "nosuchscheme://x/y")
    assert result.err == (b"logpipe: gs://bucket/logs: gs:// URLs need gcsfs (pip install gcsfs)\n"
                          b"logpipe: nosuchscheme://x/y: unknown URL scheme nosuchscheme://\n")
    assert result.status == 2


def test_command_line_searches_an_s3_prefix_from_the_environment(s3, s3_tree, moto_endpoint):
    bucket, folder = s3_tree
    run = subprocess.run([sys.executable, "-m", "logpipe", "grep", "-c", "sshd", f"s3://{bucket}/tree/2024/01"],
                         capture_output=True, timeout=60)
    local = search_with("pull")("sshd", folder / "2024" / "01", count=True)
    assert run.returncode == 0 and run.stderr == b""
    assert run.stdout == local.out.replace(str(folder).encode(), f"s3://{bucket}/tree".encode())
