"""Stopping early: the sink stops the source, and no file is left open."""
from __future__ import annotations

import io

import pytest

import logpipe.pipeline.codecs
from helpers import write
from logpipe import pull, push
from logpipe.printers import StandardPrinter
from logpipe.records import FileEnd, StopSearch


@pytest.fixture
def opened(monkeypatch):
    """Every file the opener opens (a `LocalFile`: os.open), in order."""
    files = []

    class RecordingFile(logpipe.pipeline.codecs.LocalFile):
        __slots__ = ()

        def __init__(self, path: str) -> None:
            super().__init__(path)
            files.append(self)

    monkeypatch.setattr(logpipe.pipeline.codecs, "LocalFile", RecordingFile)
    return files


@pytest.fixture
def five_files(tmp_path):
    for i, codec in enumerate(["plain", "gzip", "bzip2", "zstd", "xz"]):
        write(tmp_path / f"{i}.log", b"x\n" * 10 + b"hit\n" * 1000, codec)
    return tmp_path


def test_quiet_opens_no_further_file_and_closes_it(logpipe, five_files, opened):
    assert logpipe("hit", five_files, quiet=True).status == 0
    assert len(opened) == 1 and opened[0].closed


def test_max_count_closes_every_file(logpipe, five_files, opened):
    result = logpipe("hit", five_files, max_count=2, with_filename=False)
    assert result.lines == [b"hit"] * 10
    assert len(opened) == 5 and all(file.closed for file in opened)


def test_interrupt_closes_the_open_file(backend, five_files, opened, monkeypatch):
    def interrupted(self, match):
        raise KeyboardInterrupt

    monkeypatch.setattr(StandardPrinter, "write", interrupted)
    with pytest.raises(KeyboardInterrupt):
        search_library(backend, five_files, StandardPrinter(io.BytesIO()))
    assert len(opened) == 1 and opened[0].closed


def search_library(backend, root, sink_output):
    """The chain as a library user writes it."""
    if backend == "pull":
        matches = pull.grep(b"hit", pull.cat(pull.opener(pull.find_files([str(root)]))))
        try:
            for match in matches:
                sink_output.write(match)
        except StopSearch:
            pass
        finally:
            matches.close()
    else:
        push.find_files([str(root)], push.opener(push.cat(push.grep(b"hit", push.printer(sink_output)))))


class StopAfter(StandardPrinter):
    def __init__(self, limit):
        super().__init__(io.BytesIO())
        self.limit = limit

    def write(self, match):
        super().write(match)
        if self.matches >= self.limit:
            raise StopSearch


def test_sink_stops_the_source(backend, five_files, opened):
    printer = StopAfter(3)
    search_library(backend, five_files, printer)
    assert printer.sink.stream.getvalue() == b"hit\n" * 3
    assert len(opened) == 1 and opened[0].closed


def test_push_sink_that_returns_ends_the_search_cleanly(five_files, opened):
    @push.coroutine
    def first_only(received):
        received.append((yield))  # then returns: send() raises StopIteration upstream

    received = []
    push.find_files([str(five_files)], push.opener(push.cat(push.grep(b"hit", first_only(received)))))
    assert [match.line for match in received] == [b"hit"]
    assert len(opened) == 1 and opened[0].closed


def test_pull_closing_the_last_stage_closes_the_file(five_files, opened):
    matches = pull.grep(b"hit", pull.cat(pull.opener(pull.find_files([str(five_files)]))))
    assert next(matches).line == b"hit"
    assert not opened[0].closed
    matches.close()
    assert opened[0].closed


def test_push_close_runs_every_stage_cleanup(five_files, opened):
    chain = push.opener(push.cat(push.grep(b"hit", push.printer(StandardPrinter(io.BytesIO())))))
    chain.send(str(five_files / "0.log"))
    chain.close()
    assert opened[0].closed
    for stage in (chain,):
        with pytest.raises(StopIteration):
            stage.send("more")


def test_pull_grep_accepts_plain_iterables():
    from logpipe.records import Block

    blocks = [Block(b"f", 1, 0, b"a hit\nb\nhit c\n"), Block(b"f", 4, 13, b"hit d\n"), Block(b"f", 0, 0, b"", True)]
    records = list(pull.grep(b"hit", blocks, max_count=2))
    assert [(m.line_number, m.line) for m in records[:-1]] == [(1, b"a hit"), (3, b"hit c")]
    assert records[-1] == FileEnd(b"f", 2, 14, 14)  # the second block was dropped unsearched; -m stopped at 14
