"""What `logpipe grep` prints and returns, on both backends and tiny and normal blocks."""
from __future__ import annotations

import functools

import pytest

from helpers import COMPRESSORS, search_with, write
from logpipe.demo import log_lines


@pytest.fixture
def tree(tmp_path):
    write(tmp_path / "a.log", b"alpha error one\nbeta ok\ngamma error two\n")
    write(tmp_path / "sub" / "b.log", b"error in b\n", "gzip")
    write(tmp_path / "sub" / "c.log", b"nothing here\n", "zstd")
    return tmp_path


def test_prints_matching_lines_with_root_joined_names(logpipe, tree):
    result = logpipe("error", tree)
    root = bytes(tree)
    assert result.lines == [root + b"/a.log:alpha error one", root + b"/a.log:gamma error two",
                            root + b"/sub/b.log:error in b"]
    assert result.status == 0 and result.err == b""


def test_line_numbers(logpipe, tree):
    assert logpipe("error", tree / "a.log", line_number=True).lines == [b"1:alpha error one", b"3:gamma error two"]


def test_filename_shown_for_directories_and_several_files_only(logpipe, tree):
    assert logpipe("error", tree / "a.log").lines[0] == b"alpha error one"
    assert logpipe("error", tree / "a.log", tree / "sub" / "b.log").lines[-1] == bytes(tree) + b"/sub/b.log:error in b"
    assert logpipe("error", tree / "a.log", with_filename=True).lines[0] == bytes(tree) + b"/a.log:alpha error one"
    assert logpipe("error", tree, with_filename=False).lines[0] == b"alpha error one"


def test_default_root_is_current_directory_without_dot_prefix(logpipe, tree, monkeypatch):
    monkeypatch.chdir(tree)
    assert logpipe("error in").lines == [b"sub/b.log:error in b"]
    assert logpipe("error in", ".").lines == [b"./sub/b.log:error in b"]


def test_exit_status_one_when_nothing_matches(logpipe, tree):
    result = logpipe("absent", tree)
    assert (result.out, result.err, result.status) == (b"", b"", 1)


def test_missing_path_reports_and_goes_on(logpipe, tree):
    result = logpipe("error", tree / "missing.log", tree / "a.log")
    assert result.err == b"logpipe: " + bytes(tree) + b"/missing.log: No such file or directory\n"
    assert len(result.lines) == 2
    assert result.status == 2


def test_crlf_and_invalid_utf8_pass_through_unchanged(logpipe, tmp_path):
    data = b"caf\xe9 error\r\n\xff\xfe error \x1b[31m\r\nclean\r\n"
    write(tmp_path / "latin1.log", data, "gzip")
    assert logpipe("error", tmp_path / "latin1.log").out == b"caf\xe9 error\r\n\xff\xfe error \x1b[31m\r\n"


def test_last_line_without_newline_gets_one(logpipe, tmp_path):
    write(tmp_path / "x.log", b"first\nlast error")
    assert logpipe("error", tmp_path / "x.log", line_number=True).out == b"2:last error\n"


def test_lines_longer_than_the_block_are_whole(logpipe, tmp_path):
    long_line = b"x" * 1000 + b" error " + b"y" * 1000
    write(tmp_path / "long.log", b"short\n" + long_line + b"\nshort error\n", "bzip2")
    assert logpipe("error", tmp_path / "long.log", line_number=True).lines == [b"2:" + long_line, b"3:short error"]


def test_empty_files_and_empty_lines(logpipe, tmp_path):
    write(tmp_path / "empty.log", b"")
    write(tmp_path / "blank.log", b"\n\nx\n\n")
    assert logpipe("^$", tmp_path / "blank.log", line_number=True).lines == [b"1:", b"2:", b"4:"]
    assert logpipe("", tmp_path / "empty.log").status == 1


def test_regex_never_matches_across_a_newline(logpipe, tmp_path):
    write(tmp_path / "x.log", b"ends with a\nb starts\na\\sb\n")
    assert logpipe(r"a\sb", tmp_path / "x.log").status == 1
    assert logpipe(r"a[^x]b", tmp_path / "x.log").status == 1
    assert logpipe(r"a\s*$", tmp_path / "x.log", line_number=True).lines == [b"1:ends with a"]


def test_regex_and_fixed_strings(logpipe, tmp_path):
    write(tmp_path / "x.log", b"a.b\naxb\n(a|c)\n")
    assert logpipe("a.b", tmp_path / "x.log").lines == [b"a.b", b"axb"]
    assert logpipe("a.b", tmp_path / "x.log", fixed_strings=True).lines == [b"a.b"]
    assert logpipe("(a|c)", tmp_path / "x.log", fixed_strings=True).lines == [b"(a|c)"]
    assert logpipe("^(a|x)x", tmp_path / "x.log").lines == [b"axb"]


def test_max_count_per_file(logpipe, tmp_path):
    write(tmp_path / "a.log", b"e1\ne2\ne3\n")
    write(tmp_path / "b.log", b"e4\ne5\n", "gzip")
    assert logpipe("e", tmp_path, max_count=2, with_filename=False).lines == [b"e1", b"e2", b"e4", b"e5"]
    assert logpipe("e", tmp_path, max_count=1, with_filename=False).lines == [b"e1", b"e4"]
    assert logpipe("e", tmp_path, max_count=0).status == 1


@functools.cache
def cut_archive(codec: str) -> bytes:
    """A first match, then a tail cut off half way (garbage after it, for plain)."""
    good = b"first error\n" + b"".join(log_lines(30000))  # several bzip2 blocks, xz and zstd frames
    compressed = COMPRESSORS[codec](good)
    return compressed + b"garbage" if codec == "plain" else compressed[: len(compressed) // 2]


@pytest.mark.parametrize("codec", COMPRESSORS)
def test_max_count_stops_reading_the_file(logpipe, block_size, tmp_path, codec):
    # The tail of this file is corrupt: a search that stops after the first match
    # never reads that far, so it reports nothing and succeeds.
    (tmp_path / "x.log").write_bytes(cut_archive(codec))
    assert logpipe("error", tmp_path / "x.log", max_count=1) == (b"first error\n", b"", 0)
    if block_size > 1000 and codec != "plain":
        whole = logpipe("error", tmp_path / "x.log")
        assert whole.status == 2 and b"truncated" in whole.err


def test_quiet_prints_nothing_and_stops_at_the_first_match(logpipe, tmp_path):
    write(tmp_path / "a.log", b"hit\n")
    write(tmp_path / "b.log", b"hit\n" + b"x" * 100, "gzip")
    (tmp_path / "b.log").write_bytes((tmp_path / "b.log").read_bytes()[:-10])  # truncated: never read
    assert logpipe("hit", tmp_path, quiet=True) == (b"", b"", 0)
    assert logpipe("miss", tmp_path / "a.log", quiet=True).status == 1


def test_no_messages_silences_errors_but_not_the_status(logpipe, tmp_path):
    write(tmp_path / "a.log", b"hit\n")
    result = logpipe("hit", tmp_path / "a.log", tmp_path / "missing", no_messages=True, with_filename=False)
    assert (result.out, result.err, result.status) == (b"hit\n", b"", 2)



class RawOutput:
    """Standard output as PYTHONUNBUFFERED makes it (a raw file: every write a system call),
    keeping each write apart; `terminal`: a terminal's."""

    def __init__(self, terminal: bool = False) -> None:
        self.writes: list[bytes] = []
        self.terminal = terminal

    def write(self, data) -> int:
        self.writes.append(bytes(data))
        return len(data)

    def flush(self) -> None:
        pass

    def isatty(self) -> bool:
        return self.terminal

    def getvalue(self) -> bytes:
        return b"".join(self.writes)


@pytest.mark.parametrize("threads", [1, 2])
def test_unbuffered_stdout_gets_the_output_in_large_writes_not_one_per_line(backend, tmp_path, threads,
                                                                            monkeypatch):
    import logpipe.executors.workers

    monkeypatch.setattr(logpipe.executors.workers, "START_WORKERS_AFTER", 0.0)  # -j2: workers from the start
    for i in range(4):
        write(tmp_path / f"f{i}.log", b"".join(log_lines(4000, i)), ["plain", "gzip"][i % 2])
    expected = search_with(backend)("sshd", tmp_path, line_number=True, threads=1)
    raw = RawOutput()
    result = search_with(backend, stdout=raw)("sshd", tmp_path, line_number=True, threads=threads)
    assert result == expected and expected.out.count(b"\n") > 1000
    assert len(raw.writes) <= len(expected.out) // 65536 + 2


def test_a_terminal_gets_each_line_as_it_is_printed(backend, tmp_path):
    write(tmp_path / "a.log", b"x one\nno\nx two\nx three\n")
    terminal = RawOutput(terminal=True)
    search_with(backend, stdout=terminal)("x", tmp_path / "a.log")
    assert terminal.writes == [b"x one\n", b"x two\n", b"x three\n"]
