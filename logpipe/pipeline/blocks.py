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


def _chunks(file: OpenLog, size: int, messages: Messages, live: int | None = None,
            flush=None) -> Iterator[bytes]:
    """What the decoder hands back, read by read; a fault ends it with one message. Before
    a read of a live input (`live`, its descriptor) that will wait, `flush()` is called."""
    read = getattr(file.stream, "read1", file.stream.read)  # read1: hand back what is decoded now
    while True:
        if flush is not None and live is not None and _nothing_ready(live):
            flush()  # what was printed goes out while the input is quiet
        try:
            chunk = read(size)
        except Exception as err:  # only the decoder runs here: a corrupt or truncated file
            messages.error(file.name, read_error(file.codec, err))
            return
        if not chunk:
            return
        yield chunk


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

    A plain file is read straight into a buffer that is reused from block to block
    (`readinto`): the one copy of each block is the `bytes` it is handed on as. What a
    decoder hands back is already a `bytes` object of its own: its whole lines go on
    with the line carried from the chunk before, in one join.

    A live input (a pipe, a FIFO, a socket, a terminal: `file.live_fd`) is read as its data
    arrives: whatever whole lines have come go on as soon as nothing more is ready to read,
    in blocks still when data comes fast; `flush()` is called before a read that waits. Its
    binary probe is what has arrived by the first block, and a NUL arriving later within
    the first 32 KiB makes the rest of it binary (as GNU grep reads a pipe).
    """
    count_lines = count_lines or (stats is not None and stats.counts_lines)
    messages = messages or Messages()
    stream = file.stream
    if file.codec == "plain":
        whole = getattr(stream, "whole", None)
        if whole is not None and len(whole) <= block_size:  # a small file, read whole by its first read
            if not whole:
                return iter(())
            blocks = _Blocks(file, stats)
            blocks.binary = b"\0" in whole[:BINARY_PROBE]
            lines = whole.count(b"\n") + (whole[-1] != 10) if count_lines or stats is not None else 0
            return iter((blocks.block(whole, lines),))
        readinto = getattr(stream, "readinto1", None) or getattr(stream, "readinto", None)
        if readinto is not None:
            return _read_plain(file, readinto, block_size, messages, stats, count_lines, max_line_bytes, flush)
    return _read_decoded(file, block_size, messages, stats, count_lines, max_line_bytes, flush)


class _Blocks:
    """Where a file's blocks stand: the next block's line number and offset. `probing`: a
    live input's binary probe was cut short, so its blocks within the first 32 KiB are
    looked at for a NUL as they go."""

    __slots__ = ("name", "stats", "binary", "line_number", "offset", "probing")

    def __init__(self, file: OpenLog, stats: Stats | None) -> None:
        self.name, self.stats, self.binary = file.name, stats, False
        self.line_number, self.offset = 1, 0
        self.probing = False

    def block(self, data: bytes, lines: int, piece_of: int | None = None) -> Block:
        if self.probing:  # a live input's late NUL (only until its first 32 KiB have gone)
            self.binary = b"\0" in data[:max(0, BINARY_PROBE - self.offset)]
            self.probing = not self.binary and self.offset + len(data) < BINARY_PROBE
        stats = self.stats
        if stats is not None:
            stats.blocks += 1
            stats.lines += lines
            stats.decompressed_bytes += len(data)
        return Block(self.name, self.line_number, self.offset, data, False, self.binary, piece_of)


# Buffers of finished reads, for the next file: a tree of many small files allocates none.
_SPARE_BUFFERS: list[bytearray] = []


def _buffer(size: int) -> bytearray:
    while True:
        try:
            buffer = _SPARE_BUFFERS.pop()
        except IndexError:  # none left (or another thread took the last one)
            return bytearray(size)
        if len(buffer) == size:
            return buffer


def _nothing_ready(fd: int) -> bool:
    """Whether a read of the live input `fd` would wait."""
    import select

    try:
        return not select.select([fd], [], [], 0)[0]
    except (OSError, ValueError):
        return False


def _read_plain(file: OpenLog, readinto, block_size: int, messages: Messages, stats: Stats | None,
                count_lines: bool, max_line_bytes: int, flush=None) -> Iterator[Block]:
    """Blocks read into one buffer: `buffer[begin:filled]` is what is read and not yet handed
    on; each block is the whole lines of up to `block_size` of it (or the one line that is
    longer), copied out once as `bytes`. A line longer than the buffer is held in pieces
    (`held`) until its end, or passed on in pieces past `max_line_bytes`. A pipe's lines go
    on as soon as nothing more is ready to read, without waiting for a full block, nor
    for the binary probe (then `_Blocks.probing`); `flush()` before a read that waits."""
    blocks = _Blocks(file, stats)
    fd = getattr(file, "live_fd", None)
    normal = 2 * block_size  # room for a carried line and a read
    buffer = _buffer(normal)
    view = memoryview(buffer)
    begin = filled = got = request = 0
    held: list[bytes] = []  # the start of a line longer than the buffer
    held_size = 0
    long_line = None  # start offset of the over-long line being passed on in pieces
    probing = True    # the first BINARY_PROBE bytes are read before the first block
    ended = False
    try:
        while not ended:
            pending = filled - begin
            request = block_size - pending if pending < block_size else block_size
            if probing:
                request = max(request, BINARY_PROBE - filled)
            if filled + request > len(buffer):  # what is pending to the front (of a larger buffer for the probe)
                if pending + request > len(buffer):
                    grown = bytearray(max(2 * len(buffer), pending + request))
                    grown[:pending] = view[begin:filled]
                    view.release()
                    buffer, view = grown, memoryview(grown)
                else:
                    view[:pending] = view[begin:filled]
                begin, filled = 0, pending
            if fd is not None and flush is not None and _nothing_ready(fd):
                flush()  # what was printed goes out while the input is quiet
            try:
                got = readinto(view[filled:filled + request])
            except Exception as err:  # a read error (EIO), or a file gone stale
                messages.error(file.name, read_error(file.codec, err))
                got = 0
            if got:
                filled += got
            else:
                ended = True
            if probing:
                if filled < BINARY_PROBE and not ended and (fd is None or not _nothing_ready(fd)):
                    continue
                probing = False
                blocks.binary = buffer.find(b"\0", 0, min(filled, BINARY_PROBE)) >= 0
                blocks.probing = not blocks.binary and filled < BINARY_PROBE and not ended
            while begin < filled or (ended and held):  # hand on what can go
                pending = filled - begin
                if long_line is not None:  # inside an over-long line: pass it on piece by piece
                    end = buffer.find(b"\n", begin, filled)
                    yield blocks.block(bytes(view[begin:filled if end < 0 else end]), 0 if end < 0 else 1,
                                       long_line)
                    if end < 0:
                        blocks.offset += pending
                        begin = filled
                        break
                    blocks.offset += end + 1 - begin
                    blocks.line_number += 1 if count_lines else 0
                    begin, long_line = end + 1, None
                    continue
                if held:  # the rest of a line longer than the buffer
                    end = buffer.find(b"\n", begin, filled)
                    if end < 0 and not ended:
                        if pending < block_size:
                            break  # read on
                        held.append(bytes(view[begin:filled]))
                        held_size += pending
                        begin = filled
                        if held_size > max_line_bytes:  # too long to print: on in pieces
                            long_line = blocks.offset
                            for piece in held:
                                yield blocks.block(piece, 0, long_line)
                                blocks.offset += len(piece)
                            held.clear()
                        break
                    cut = filled if end < 0 else end + 1
                    data = b"".join([*held, view[begin:cut]])  # its one join
                    held.clear()
                    lines = 1 if end < 0 or count_lines else 0
                    yield blocks.block(data, lines)
                    blocks.line_number += lines
                    blocks.offset += len(data)
                    begin = cut
                    continue
                if ended and pending <= block_size:
                    cut = filled  # the end of the file: one last block
                elif pending < block_size:
                    if fd is None or got == request or not _nothing_ready(fd):
                        break  # read on
                    cut = buffer.rfind(b"\n", begin, filled) + 1  # a pipe with nothing more ready now
                    if not cut:
                        break
                else:
                    limit = begin + block_size
                    cut = buffer.rfind(b"\n", begin, limit) + 1 or buffer.find(b"\n", limit, filled) + 1
                    if not cut:  # inside one line longer than a block
                        if ended:
                            cut = filled
                        else:  # held until its end
                            held.append(bytes(view[begin:filled]))
                            held_size = pending
                            begin = filled
                            break
                data = bytes(view[begin:cut])
                if cut == filled and ended:
                    lines = data.count(b"\n") + (data[-1:] != b"\n")
                else:
                    lines = data.count(b"\n") if count_lines else 0
                yield blocks.block(data, lines)
                blocks.line_number += lines
                blocks.offset += cut - begin
                begin = cut
            if begin == filled:
                begin = filled = 0
                if len(buffer) > normal:  # after the probe with small blocks
                    view.release()
                    buffer = _buffer(normal)
                    view = memoryview(buffer)
    finally:
        view.release()
        if len(buffer) == normal:
            _SPARE_BUFFERS.append(buffer)


def _read_decoded(file: OpenLog, block_size: int, messages: Messages, stats: Stats | None,
                  count_lines: bool, max_line_bytes: int, flush=None) -> Iterator[Block]:
    """Blocks of the chunks a decoder hands back (a live input's lines as they come)."""
    live = getattr(file, "live_fd", None)
    chunks = _chunks(file, block_size, messages, live, flush)
    head, size = [], 0
    for chunk in chunks:  # read ahead far enough to tell whether the file is binary
        head.append(chunk)
        size += len(chunk)
        if size >= BINARY_PROBE or (live is not None and _nothing_ready(live)):
            break
    blocks = _Blocks(file, stats)
    blocks.binary = any(b"\0" in chunk for chunk in head) and b"\0" in b"".join(head)[:BINARY_PROBE]
    blocks.probing = live is not None and not blocks.binary and size < BINARY_PROBE
    pieces: list[bytes | memoryview] = []  # the unfinished line and whatever was read after it
    size = 0
    long_line = None  # start offset of the over-long line being passed on in pieces
    block = blocks.block
    for chunk in itertools.chain(head, chunks):
        if long_line is not None:  # inside an over-long line: pass it on piece by piece
            end = chunk.find(b"\n")
            yield block(chunk if end < 0 else chunk[:end], 0 if end < 0 else 1, long_line)
            blocks.offset += len(chunk) if end < 0 else end + 1
            if end < 0:
                continue
            blocks.line_number += 1 if count_lines else 0
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
                blocks.line_number += lines
                blocks.offset += cut
            continue
        cut = chunk.rfind(b"\n") + 1
        if not cut:  # still inside one long line: read on, up to the bound
            if size > max_line_bytes:
                data = b"".join(pieces)
                cut = data.rfind(b"\n") + 1
                if cut:  # whole lines before the long one
                    lines = data.count(b"\n", 0, cut) if count_lines else 0
                    yield block(data[:cut], lines)
                    blocks.line_number += lines
                    blocks.offset += cut
                if len(data) - cut <= max_line_bytes:  # the line itself is not over the bound yet
                    pieces, size = [data[cut:]], len(data) - cut
                    continue
                long_line = blocks.offset
                yield block(data[cut:], 0, long_line)
                blocks.offset += len(data) - cut
                pieces, size = [], 0
            continue
        if cut == len(chunk):
            data, pieces, size = b"".join(pieces), [], 0  # one piece (the common case): no copy
        else:
            pieces[-1] = memoryview(chunk)[:cut]
            data = b"".join(pieces)
            rest = chunk[cut:]
            pieces, size = [rest], len(rest)
        lines = data.count(b"\n") if count_lines else 0
        yield block(data, lines)
        blocks.line_number += lines
        blocks.offset += len(data)
    if pieces:
        data = b"".join(pieces)
        yield block(data, data.count(b"\n") + (data[-1:] != b"\n"))


def end_of(file: OpenLog) -> Block:
    """The empty block that closes `file` in the stream of blocks."""
    return Block(file.name, 0, 0, b"", True)
