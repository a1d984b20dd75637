"""Stopping early: the sink stops the source, no file is left open, and the walk's messages
are the ones -j1 prints, whoever walks ahead (workers, URLs fetched ahead; --dask in test_cluster.py)."""
from __future__ import annotations

import io
import os

import pytest

import logpipe.executors.workers
import logpipe.pipeline.codecs
from helpers import EARLY_STOP_PATHS, early_stop_tree, early_stops, write
from servers import http_root, moto_endpoint, s3  # noqa: F401  (fixtures)
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


# -- after an early stop, the walk's messages are those -j1 prints, whoever walks ahead ----------


@pytest.fixture
def one_process(backend, tmp_path, monkeypatch):
    """What -j1 prints for the two early stops over `early_stop_tree` (in the current
    directory: names print as given), and the tree's files."""
    monkeypatch.chdir(tmp_path)
    files = early_stop_tree(tmp_path)
    quiet, head = early_stops(backend, EARLY_STOP_PATHS, tmp_path, threads=1)
    assert (quiet.out, quiet.err, quiet.status) == (b"", b"logpipe: missing1: No such file or directory\n", 0)
    assert (head.out, head.err, head.status) == (b"b/big.log:hit 0\nb/big.log:hit 1\nb/big.log:hit 2\n"
                                                 b"b/big.log:hit 3\nb/big.log:hit 4\n", quiet.err, 0)
    return quiet, head, files


def test_early_stop_with_workers_prints_the_walk_messages_of_one_process(backend, tmp_path, one_process,
                                                                          monkeypatch):
    monkeypatch.setattr(logpipe.executors.workers, "START_WORKERS_AFTER", 0)  # every file to the workers
    broken = tmp_path / "a" / "f05x.log"  # a message from inside a directory the walk runs through ahead
    os.symlink(tmp_path / "nowhere", broken)
    quiet, head = early_stops(backend, EARLY_STOP_PATHS, tmp_path, threads=1, follow=True)
    assert quiet.err == b"logpipe: a/f05x.log: No such file or directory\n" + one_process[0].err
    assert (quiet, head) == early_stops(backend, EARLY_STOP_PATHS, tmp_path, threads=2, follow=True)


def test_early_stop_over_http_prints_the_messages_of_one_process(backend, tmp_path, http_root, one_process):
    base, site = http_root
    early_stop_tree(site)
    urls = [f"{base}/{name}" for name in one_process[2]]  # objects fetched ahead, each URL a file
    quiet, head = early_stops(backend, urls, tmp_path)
    expected = [result._replace(out=result.out.replace(b"b/big.log", f"{base}/b/big.log".encode()),
                                err=result.err.replace(b"missing1", f"{base}/missing1".encode()))
                for result in one_process[:2]]
    assert [quiet, head] == expected


def test_early_stop_over_s3_prefixes_prints_the_messages_of_one_process(backend, tmp_path, s3, one_process):
    bucket = f"stop-{backend}"
    s3.create_bucket(Bucket=bucket)
    for name in one_process[2]:
        if (tmp_path / name).is_file():
            s3.put_object(Bucket=bucket, Key=name, Body=(tmp_path / name).read_bytes())
    base = f"s3://{bucket}"  # each prefix's walk runs ahead of the search, and the objects are fetched ahead
    quiet, head = early_stops(backend, [f"{base}/{path}" for path in EARLY_STOP_PATHS], tmp_path)
    expected = [result._replace(out=result.out.replace(b"b/big.log", f"{base}/b/big.log".encode()),
                                err=result.err.replace(b"missing1", f"{base}/missing1".encode()))
                for result in one_process[:2]]
    assert [quiet, head] == expected
