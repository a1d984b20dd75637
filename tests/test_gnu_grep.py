"""logpipe prints what GNU grep prints on each file's decompressed content."""
from __future__ import annotations

import gzip
import shutil
import subprocess

import pytest

from conftest import CORPUS, DECOMPRESSORS, search_with, write
from logpipe.demo import log_lines

GREP = shutil.which("grep")
pytestmark = pytest.mark.skipif(GREP is None, reason="GNU grep is not installed")

PATTERNS = ["sshd", "Failed password for (root|admin)", "^Nov  3", "ssh2\r?$", "kernel: .*java", "[0-9]{5}\\]",
            "error|warn", "zzz-not-there", "Zookeeper|INFO"]


@pytest.fixture(scope="module")
def mixed_tree(tmp_path_factory):
    """Every codec, misnamed files, multi-member gzip, hidden files, nesting, odd names."""
    root = tmp_path_factory.mktemp("mixed")
    data = [b"".join(log_lines(3000, seed)) for seed in range(6)]
    files = [
        ("syslog", data[0], "plain"),
        ("syslog.1.gz", data[1], "gzip"),
        ("archive/syslog.2.bz2", data[2], "bzip2"),
        ("archive/syslog.3.zst", data[3], "zstd"),
        ("archive/old/syslog.4.xz", data[4], "xz"),
        ("misnamed/plain.gz", data[5], "plain"),
        ("misnamed/gzip.log", data[0][:50000], "gzip"),
        ("misnamed/zstd.txt", data[1][:50000], "zstd"),
        (".hidden/.bash_history", b"sshd root@host\nls\r\n", "plain"),
        ("names/with space.log", data[2][:20000], "plain"),
        ("names/ünïcödé.log", data[3][:20000], "xz"),
        ("crlf.log", data[4][:30000].replace(b"\n", b"\r\n"), "bzip2"),
        ("no-final-newline.log", data[5][:10000].rstrip(b"\n"), "plain"),
    ]
    if CORPUS.is_dir():
        for i, log in enumerate(sorted(CORPUS.glob("*.log"))):
            files.append((f"loghub/{log.name}" + [".gz", ".zst", ".bz2", ".xz", ""][i % 5], log.read_bytes(),
                          ["gzip", "zstd", "bzip2", "xz", "plain"][i % 5]))
    decompressed = {}
    for name, content, codec in files:
        write(root / name, content, codec)
        decompressed[name] = content
    multi = root / "multi-member.gz"
    multi.write_bytes(gzip.compress(data[1][:40000]) + gzip.compress(data[2][:40000]))
    decompressed["multi-member.gz"] = data[1][:40000] + data[2][:40000]
    return root, decompressed


def gnu_grep(pattern: str, root, decompressed: dict[str, bytes]) -> bytes:
    out = []
    for name in sorted(decompressed, key=lambda n: [part.encode() for part in n.split("/")]):
        found = subprocess.run([GREP, "-a", "-n", "-E", "-e", pattern], input=decompressed[name],
                               capture_output=True, env={"LC_ALL": "C"}).stdout
        prefix = str(root / name).encode() + b":"
        out += [prefix + line + b"\n" for line in found.split(b"\n")[:-1]]
    return b"".join(out)


@pytest.mark.parametrize("pattern", PATTERNS)
def test_same_lines_as_gnu_grep_in_both_backends(mixed_tree, pattern):
    root, decompressed = mixed_tree
    expected = gnu_grep(pattern, root, decompressed)
    outputs = {backend: search_with(backend)(pattern, root, line_number=True) for backend in ("pull", "push")}
    for backend, result in outputs.items():
        assert result.err == b""
        assert result.out == expected, backend
        assert result.status == (0 if expected else 1)
    assert outputs["pull"].out == outputs["push"].out


def test_loghub_corpus_lines_counted_like_grep(backend):
    if not CORPUS.is_dir():
        pytest.skip("../shared/corpus/loghub is not present")
    for log in sorted(CORPUS.glob("*.log")):
        data = log.read_bytes()
        expected = subprocess.run([GREP, "-a", "-c", "-E", "-e", "[Ee]rror|fail"], input=data,
                                  capture_output=True, env={"LC_ALL": "C"}).stdout
        result = search_with(backend, 4096)("[Ee]rror|fail", log)
        assert len(result.lines) == int(expected), log.name
