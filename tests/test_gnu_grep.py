"""logpipe prints what GNU grep prints on each file's decompressed content."""
from __future__ import annotations

import gzip
import shutil
import subprocess

import pytest

from helpers import CORPUS, search_with, write
from logpipe.demo import log_lines

GREP = shutil.which("grep")
pytestmark = pytest.mark.skipif(GREP is None, reason="GNU grep is not installed")

PATTERNS = ["sshd", "Failed password for (root|admin)", "^Nov  3", "ssh2\r?$", "kernel: .*java", "[0-9]{5}\\]",
            "error|warn", "zzz-not-there", "Zookeeper|INFO",
            # the dialect: POSIX classes and escapes as GNU grep -E reads them
            "[[:digit:]]{5}\\]", "^[[:upper:]][[:lower:]]+ +[[:digit:]]+ ", "\\bport [[:digit:]]+\\b",
            "[[:alpha:]]+\\[[[:digit:]]+\\]: [[:upper:]]", "\\w+@\\S+|[[:punct:]]{3}", "([0-9]{1,3}\\.){3}[0-9]{1,3}"]


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


# -- every option, side by side with GNU grep ----------------------------------------

OPTION_TABLE = [
    (["-n"], "sshd"),
    (["-i", "-n"], "FAILED PASSWORD"),
    (["-v", "-n"], "nginx|CRON|sshd"),
    (["-w"], "root"),
    (["-x", "-n"], "Nov  [0-9] .*ssh2"),
    (["-c"], "sshd"),
    (["-c", "-v"], "sshd"),
    (["-l"], "Out of memory"),
    (["-L"], "Out of memory"),
    (["-L"], "nowhere at all"),  # every file listed, none matched: status 1 (grep >= 3.5)
    (["-L"], "Nov"),             # none listed, every one matched: status 0
    (["-o", "-b"], "port [0-9]+"),
    (["-o", "-i", "-n"], "failed|accepted"),
    (["-n", "-A", "2"], "Out of memory"),
    (["-n", "-B", "3"], "Out of memory"),
    (["-C", "2"], "Out of memory"),
    (["-n", "-m", "2", "-A", "1"], "kernel"),
    (["-m", "3", "-c"], "sshd"),
    (["-F", "-i"], "(JAVA)"),
    (["-b"], "Killed process"),
    (["-n", "--color=always"], "Failed password for [a-z]+"),
    (["-C", "1", "--color=always"], "Killed process"),
    (["-l", "--color=always"], "Killed"),
    (["-c", "--color=always"], "Killed"),
    (["-v", "-C", "1", "-n"], "sshd|nginx|CRON|kernel"),
    (["-h"], "java"),
    (["-l", "-Z"], "Killed"),
    (["-n", "-Z"], "Killed"),
]

GREP_FLAGS = {"-Z": "-Z"}


def logpipe_options(flags: list[str]) -> dict:
    """The same flags as SearchOptions fields (what the CLI builds)."""
    options, i = {}, 0
    names = {"-n": "line_number", "-i": "ignore_case", "-v": "invert_match", "-w": "word_regexp",
             "-x": "line_regexp", "-c": "count", "-l": "files_with_matches", "-L": "files_without_match",
             "-o": "only_matching", "-b": "byte_offset", "-F": "fixed_strings", "-Z": "null"}
    while i < len(flags):
        flag = flags[i]
        if flag in names:
            options[names[flag]] = True
        elif flag == "-h":
            options["with_filename"] = False
        elif flag in ("-A", "-B", "-C", "-m"):
            value = int(flags[i + 1])
            i += 1
            if flag == "-m":
                options["max_count"] = value
            if flag in ("-A", "-C"):
                options["after_context"] = value
            if flag in ("-B", "-C"):
                options["before_context"] = value
        elif flag.startswith("--color="):
            options["color"] = flag.split("=", 1)[1]
        else:
            raise AssertionError(flag)
        i += 1
    return options


def gnu_grep_tree(flags: list[str], pattern: str, root, decompressed: dict[str, bytes]) -> tuple[bytes, int]:
    """GNU grep on each file's decompressed content, named with --label, in logpipe's order;
    `grep -r` puts "--" between the context groups of different files, so it goes there too."""
    outputs, statuses = [], []
    fixed = "-F" in flags
    for name in sorted(decompressed, key=lambda n: [part.encode() for part in n.split("/")]):
        label = str(root / name)
        show_name = [] if "-h" in flags else ["-H"]
        done = subprocess.run([GREP, "-a", *([] if fixed else ["-E"]), *flags, *show_name, f"--label={label}",
                               "-e", pattern, "-"], input=decompressed[name], capture_output=True,
                              env={"LC_ALL": "C"})
        outputs.append(done.stdout)
        statuses.append(done.returncode)
    separator = b"--\n" if "--color=always" not in flags else b"\x1b[36m\x1b[K--\x1b[m\x1b[K\n"
    context = any(flag in flags for flag in ("-A", "-B", "-C"))
    joined = separator.join(out for out in outputs if out) if context else b"".join(outputs)
    return joined, 0 if 0 in statuses else 1


@pytest.mark.parametrize("flags,pattern", OPTION_TABLE, ids=[" ".join(f) + " " + p for f, p in OPTION_TABLE])
def test_every_option_as_gnu_grep_prints_it(mixed_tree, flags, pattern):
    root, decompressed = mixed_tree
    expected, status = gnu_grep_tree(flags, pattern, root, decompressed)
    for backend in ("pull", "push"):
        for block_size in (997, 256 * 1024):
            result = search_with(backend, block_size)(pattern, root, **logpipe_options(flags))
            assert result.err == b""
            assert result.out == expected, (backend, block_size)
            assert result.status == status
