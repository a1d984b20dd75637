"""cat's shared piece: cut a decompressed stream into blocks of whole lines.

Per-item Python overhead is paid once per block, not once per line, and the matcher
scans a whole block with one `bytes.find` or one compiled regex.
"""
from __future__ import annotations

import itertools
from collections.abc import Iterator

from .codecs import BLOCK_SIZE, OpenLog, read_error
from ..messages import Messages
from ..records import Block
from ..stats import Stats

# A file whose first 32 KiB (decompressed) hold a NUL byte is binary. A fixed window,
# not "the first block", so that the verdict does not depend on the block size.
BINARY_PROBE = 32 * 1024

# The longest line held whole in memory (--max-line-bytes). Past it, a line goes on to
# `grep` in pieces that are searched but never printed, so that a decompression bomb of
# many GB without a newline cannot take the memory.
MAX_LINE_BYTES = 64 * 1024 * 1024

__all__ = ["BLOCK_SIZE", "BINARY_PROBE", "read_blocks", "end_of"]


def _chunks(file: OpenLog, size: int, messages: Messages, live_fd: int | None = None,
            flush=None) -> Iterator[bytes]:
    """What the decoder hands back, read by read; a fault ends it with one message. Before
    a read of a live input that will wait (nothing has arrived), `flush()` is called."""
    read = getattr(file.stream, "read1", file.stream.read)  # read1: hand back what is decoded now
    while True:
        if flush is not None and live_fd is not None and _nothing_ready(live_fd):
            flush()  # what was printed goes out while the input is quiet
        try:
            chunk = read(size)
        except Exception as err:  # only the decoder runs here: a corrupt or truncated file
            messages.error(file.name, read_error(file.codec, err))
            return
        if not chunk:
            return
        yield chunk


def _nothing_ready(fd: int) -> bool:
    """Whether a read of the live input `fd` would wait."""
    import select

    try:
        return not select.select([fd], [], [], 0)[0]
    except (OSError, ValueError):
        return False


def read_blocks(file: OpenLog, block_size: int = BLOCK_SIZE, messages: Messages | None = None,
                stats: Stats | None = None, count_lines: bool = True,
                max_line_bytes: int = MAX_LINE_BYTES, flush=None) -> Iterator[Block]:
    """Yield the blocks of `file`: each ends with a newline, except perhaps the last one.

    A line is never split across two blocks; a line longer than `block_size` makes a
    block of its own size. If decompression fails part way, every byte decoded before
    the fault is still yielded, then one message names the file and the fault.
    The closing `last=True` block is the caller's (`cat`'s) to send.
    With `count_lines=False` (nobody asked for line numbers or statistics) the blocks'
    line numbers are left at 0, saving one pass over the data. A line longer than
    `max_line_bytes` comes in pieces marked with `long_line` (its start offset).

    A live input (a pipe, a FIFO, a socket, a terminal: `file.live_fd`) is read as its data
    arrives: whatever whole lines have come go on as soon as nothing more is ready to read,
    in blocks still when data comes fast; `flush()` is called before a read that waits. Its
    binary probe is what has arrived by the first block, and a NUL arriving later within
    the first 32 KiB makes the rest of it binary (as GNU grep reads a pipe).
    """
    count_lines = count_lines or (stats is not None and stats.counts_lines)
    messages = messages or Messages()
    live = getattr(file, "live_fd", None)
    chunks = _chunks(file, block_size, messages, live, flush)
    head, size = [], 0
    for chunk in chunks:  # read ahead far enough to tell whether the file is binary
        head.append(chunk)
        size += len(chunk)
        if size >= BINARY_PROBE or (live is not None and _nothing_ready(live)):
            break
    binary = any(b"\0" in chunk for chunk in head) and b"\0" in b"".join(head)[:BINARY_PROBE]
    probing = live is not None and not binary and size < BINARY_PROBE  # a live input's late NUL
    name, line_number, offset = file.name, 1, 0
    pieces: list[bytes | memoryview] = []  # the unfinished line and whatever was read after it
    size = 0
    long_line = None  # start offset of the over-long line being passed on in pieces

    def block(data: bytes, lines: int, piece_of: int | None = None) -> Block:
        nonlocal binary, probing
        if probing:
            binary = b"\0" in data[:BINARY_PROBE - offset]
            probing = not binary and offset + len(data) < BINARY_PROBE
        if stats is not None:
            stats.blocks += 1
            stats.lines += lines
            stats.decompressed_bytes += len(data)
        return Block(name, line_number, offset, data, False, binary, piece_of)

    for chunk in itertools.chain(head, chunks):
        if long_line is not None:  # inside an over-long line: pass it on piece by piece
            end = chunk.find(b"\n")
            yield block(chunk if end < 0 else chunk[:end], 0 if end < 0 else 1, long_line)
            offset += len(chunk) if end < 0 else end + 1
            if end < 0:
                continue
            line_number += 1 if count_lines else 0
            long_line, chunk = None, chunk[end + 1:]
            if not chunk:
                continue
        pieces.append(chunk)
        size += len(chunk)
        if size < block_size:
            if live is None or not _nothing_ready(live):
                continue
            data = b"".join(pieces) if len(pieces) > 1 else chunk  # a live input gone quiet: its whole lines now
            cut = data.rfind(b"\n") + 1
            if cut:
                rest = data[cut:]
                pieces, size = ([rest] if rest else []), len(rest)
                lines = data.count(b"\n", 0, cut) if count_lines else 0
                yield block(data[:cut] if rest else data, lines)
                line_number += lines
                offset += cut
            continue
        cut = chunk.rfind(b"\n") + 1
        if not cut:  # still inside one long line: read on, up to the bound
            if size > max_line_bytes:
                data = b"".join(pieces)
                cut = data.rfind(b"\n") + 1
                if cut:  # whole lines before the long one
                    lines = data.count(b"\n", 0, cut) if count_lines else 0
                    yield block(data[:cut], lines)
                    line_number += lines
                    offset += cut
                long_line = offset
                yield block(data[cut:], 0, long_line)
                offset += len(data) - cut
                pieces, size = [], 0
            continue
        if cut == len(chunk):
            data, pieces, size = b"".join(pieces), [], 0
        else:
            pieces[-1] = memoryview(chunk)[:cut]
            data = b"".join(pieces)
            rest = chunk[cut:]
            pieces, size = [rest], len(rest)
        lines = data.count(b"\n") if count_lines else 0
        yield block(data, lines)
        line_number += lines
        offset += len(data)
    if pieces:
        data = b"".join(pieces)
        yield block(data, data.count(b"\n") + (data[-1:] != b"\n"))


def end_of(file: OpenLog) -> Block:
    """The empty block that closes `file` in the stream of blocks."""
    return Block(file.name, 0, 0, b"", True)
