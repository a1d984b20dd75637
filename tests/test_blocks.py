"""cat's blocks: every byte of a file once, in order, cut at line ends, whatever the block size,
the codec, the line lengths and --max-line-bytes (plain files go through a reused buffer)."""
from __future__ import annotations

import os
import tempfile

from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from logpipe.demo import COMPRESSORS
from logpipe.messages import Messages
from logpipe.pipeline.blocks import read_blocks
from logpipe.pipeline.codecs import open_log, sniff
from logpipe.records import LogFile

lines = st.lists(st.one_of(st.binary(max_size=6).map(lambda b: b.replace(b"\n", b"")),
                           st.integers(20, 300).map(lambda n: b"L" * n)), max_size=20)
contents = st.tuples(lines, st.booleans(), st.booleans()).map(
    lambda t: (b"\0" if t[2] else b"") + b"\n".join(t[0]) + (b"\n" if t[1] and t[0] else b""))


def check_blocks(data: bytes, blocks: list, max_line_bytes: int) -> None:
    """Each block is the file's bytes at its offset; blocks follow one another, but for the
    newline that ends a line passed on in pieces (the pieces are the line without it)."""
    line_starts = [0] + [i + 1 for i, byte in enumerate(data) if byte == 10]
    position = 0
    for i, block in enumerate(blocks):
        ends_long_line = i and blocks[i - 1].long_line is not None and data[position:position + 1] == b"\n"
        if block.offset == position + 1 and ends_long_line:
            position += 1  # the end of a long line
        assert block.offset == position
        assert data[position:position + len(block.data)] == block.data
        assert block.binary == (b"\0" in data[:32 * 1024])
        if block.long_line is not None:  # a piece of a line longer than the bound
            assert b"\n" not in block.data
            end = data.find(b"\n", block.long_line)
            assert (len(data) if end < 0 else end) - block.long_line > max_line_bytes
            assert block.line_number == line_starts.index(block.long_line) + 1
        else:
            assert position in line_starts  # blocks start at a line start
            assert block.line_number == line_starts.index(position) + 1
            if i < len(blocks) - 1:
                assert block.data.endswith(b"\n")
        position += len(block.data)
    if blocks and blocks[-1].long_line is not None and data[position:] == b"\n":
        position += 1
    assert position == len(data)  # nothing lost at the end


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=contents, block_size=st.one_of(st.integers(1, 64), st.just(256 * 1024)), max_line_bytes=st.integers(1, 400),
       codec=st.sampled_from(["plain", "gzip", "zstd"]), walked=st.booleans())
def test_blocks_hold_every_byte_once_cut_at_line_ends(data, block_size, max_line_bytes, codec, walked):
    assume(codec != "plain" or sniff(data) == "plain")  # a plain file that starts as a gzip one is one
    with tempfile.TemporaryDirectory() as root:
        path = os.path.join(root, "x.log")
        with open(path, "wb") as out:
            out.write(COMPRESSORS[codec](data))
        messages = Messages()
        # as the walk hands it on (a regular file: its first short read is its end), or as a path
        file = open_log(LogFile(path, path.encode(), True) if walked else path, messages)
        with file:
            blocks = list(read_blocks(file, block_size, messages, max_line_bytes=max_line_bytes))
    check_blocks(data, blocks, max_line_bytes)


def test_a_fifo_is_read_as_a_file(tmp_path):
    """A FIFO named on the command line (reads come back short): the same blocks' bytes."""
    data = b"".join(b"line %d with some text\n" % i for i in range(20000)) + b"no newline"
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    pid = os.fork()
    if pid == 0:  # the writer, in small writes
        try:
            with open(fifo, "wb", buffering=0) as out:
                for start in range(0, len(data), 1000):
                    out.write(data[start:start + 1000])
        finally:
            os._exit(0)
    try:
        messages = Messages()
        file = open_log(str(fifo), messages)
        with file:
            blocks = list(read_blocks(file, 4096, messages))
    finally:
        os.waitpid(pid, 0)
    check_blocks(data, blocks, 64 * 1024 * 1024)
