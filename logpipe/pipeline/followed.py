"""One followed file (--tail): an inode held open, where it has been read up to, and its
new whole lines cut into blocks.

A `Followed` is a file's identity (device, inode), not its name: a file renamed keeps
being read where it was (its lines printed under its new name when the walk still
selects it), a new file at the same name is another `Followed`. It holds its descriptor
open, so that what a writer appends to it after a rename or a deletion, before the writer
reopens its log, is read too. What has been read and not handed on is the unfinished last
line: it goes on when its newline comes (or at the end of the follow).
"""
from __future__ import annotations

import os
import time
from collections.abc import Iterator

from ..records import Block
from ..stats import Stats
from .blocks import BINARY_PROBE, MAX_LINE_BYTES, next_block
from .codecs import BLOCK_SIZE

# A new file whose first bytes are a followed file's first bytes (up to this many) is a
# copy of it (logrotate's copytruncate, a cp): it is read from where the original was read up to.
HEAD = 4096

# The bytes just before the read position, kept to tell a file truncated and written
# again past that position between two looks (the size alone would not show it).
TAIL = 64

# The most read from one file in one turn, so that one file written very fast cannot keep
# the others waiting: the rest is read at its next turn, without waiting for an event.
TURN = 4 * BLOCK_SIZE


class Followed:
    """A file being followed: `offset` is where the next block starts (the bytes before
    it were handed on), `line_number` its line's number (from 1, as in the file on disk:
    counted from the start when the file is followed from its end, with -n); the
    unfinished line read after it waits for its newline."""

    codec = "plain"

    def __init__(self, fd: int, path: str, name: bytes, identity: tuple[int, int], *,
                 block_size: int = BLOCK_SIZE, count_lines: bool = True, max_line_bytes: int = MAX_LINE_BYTES,
                 stats: Stats | None = None) -> None:
        self.fd, self.path, self.name, self.identity = fd, path, name, identity
        self.block_size, self.count_lines, self.max_line_bytes = block_size, count_lines, max_line_bytes
        self.stats = stats
        self.offset = 0
        self.line_number = 1
        self._parts: list[bytes] = []  # the unfinished line read after `offset`
        self._pending_size = 0
        self.long_line: int | None = None  # start of the over-long line being handed on in pieces
        self.head = b""    # its first bytes (up to HEAD), to recognise a copy of it
        # the last bytes read (up to TAIL) and where they end, to recognise it rewritten: one
        # attribute, set at once, so that a signal between two steps of a read never leaves
        # them disagreeing (the end of the follow would take the file for truncated)
        self.tail: tuple[bytes, int] = (b"", 0)
        self.binary = False
        self.probing = True  # its first BINARY_PROBE bytes not all seen yet
        self.grown = time.monotonic()  # when it last grew
        self.gone: float | None = None  # when the walk stopped finding it (deleted, renamed away)
        self.skipped = False   # its lane wants no more of it (binary without-match, no timestamps)
        self.idle_sent = True  # its lane was told it has gone quiet since it last grew
        self.truncated: tuple | None = None  # (when, offset, line number, head) at its last truncation
        self.copy_of: Followed | None = None  # a copy waiting to know where its original stopped
        self.deciding = False  # found while following: a copy of a followed file, or a file of its own?
        self.copy_since = 0.0  # since when it has been waiting

    # -- what TimeWindow.begin reads of it ------------------------------------------------------

    @property
    def raw(self) -> Followed:
        return self

    def fileno(self) -> int:
        return self.fd

    def __repr__(self) -> str:
        return f"<Followed {self.path!r} at {self.offset}>"

    # -- where to start -------------------------------------------------------------------------

    def last_line_end(self, size: int) -> int:
        """Where the last whole line before byte `size` ends (0 if none): following from the
        end, an unfinished last line is read with the lines that finish it."""
        return _last_line_end(self.fd, size)

    def start_at(self, position: int, line_number: int | None = None) -> None:
        """Read on from byte `position` (the end of a line, or 0), numbering lines from
        `line_number` (counted from the start when not given and lines are counted)."""
        self.offset, self.long_line = position, None
        self._parts.clear()
        self._pending_size = 0
        if line_number is None:
            line_number = 1 + (_count_lines(self.fd, position) if self.count_lines and position else 0)
        self.line_number = line_number
        self.head = os.pread(self.fd, HEAD, 0)
        self.tail = (os.pread(self.fd, TAIL, position - TAIL) if position >= TAIL else self.head[:position], position)
        probe = self.head if position <= HEAD else os.pread(self.fd, BINARY_PROBE, 0)
        self.binary = b"\0" in probe[:BINARY_PROBE]
        self.probing = not self.binary and len(probe) < BINARY_PROBE

    # -- reading --------------------------------------------------------------------------------

    @property
    def read_up_to(self) -> int:
        return self.offset + self._pending_size

    def changed(self, size: int) -> bool:
        """Whether the file was truncated (or truncated and written again) since it was read:
        shorter than what was read, or different just before where reading goes on."""
        tail, end = self.tail
        if size < end:
            return True
        if not tail or end < len(tail):
            return False
        return os.pread(self.fd, len(tail), end - len(tail)) != tail

    def restart(self) -> None:
        """It was truncated (copytruncate) or rewritten: read it again from its start; what
        it held is remembered a moment for a copy of it to be read from where it stopped."""
        self.truncated = (time.monotonic(), self.offset, self.line_number, self.head)
        self.start_at(0, 1)

    def read(self, limit: int | None = TURN) -> Iterator[Block]:
        """The blocks of whole lines appended since the last read (at most about `limit`
        bytes read, None: to the end)."""
        fd, size, read = self.fd, self.block_size, 0
        while limit is None or read < limit:
            start = self.read_up_to
            chunk = os.pread(fd, size, start)
            if not chunk:
                return
            read += len(chunk)
            self.grown, self.idle_sent = time.monotonic(), False
            self.tail = ((self.tail[0] + chunk)[-TAIL:], start + len(chunk))
            known = len(self.head)
            if known < HEAD and start <= known < start + len(chunk):  # its first bytes, as far as they go
                self.head = (self.head + chunk[known - start:])[:HEAD]
            yield from self._cut(chunk)

    @property
    def more(self) -> bool:
        """Whether there is more to read than the last turn took."""
        try:
            return os.fstat(self.fd).st_size > self.read_up_to
        except OSError:
            return False

    def _cut(self, chunk: bytes) -> Iterator[Block]:
        if self.long_line is not None:  # inside an over-long line: on in pieces, searched, never printed
            end = chunk.find(b"\n")
            piece = chunk if end < 0 else chunk[:end]
            block = self._block(piece, 0 if end < 0 else 1, self.long_line)
            self.offset += len(chunk) if end < 0 else end + 1  # (before the block goes: a signal while it is
            yield block                                         # searched must not make the end read it again)
            if end < 0:
                return
            self.line_number += 1 if self.count_lines else 0
            self.long_line, chunk = None, chunk[end + 1:]
            if not chunk:
                return
        cut = chunk.rfind(b"\n") + 1
        parts = self._parts
        if cut:
            if parts:
                parts.append(chunk[:cut] if cut < len(chunk) else chunk)
                whole = b"".join(parts)
                parts.clear()
            else:
                whole = chunk[:cut] if cut < len(chunk) else chunk
            lines = whole.count(b"\n") if self.count_lines else 0
            block = self._block(whole, lines)
            self.offset += len(whole)  # (read once it is handed on, as above)
            self.line_number += lines
            self._pending_size = 0
            yield block
            if cut == len(chunk):
                return
            chunk = chunk[cut:]
        parts.append(chunk)
        self._pending_size += len(chunk)
        if self._pending_size > self.max_line_bytes:  # a line too long to hold: on in pieces
            self.long_line = self.offset
            yield from self.rest(0)

    def rest(self, lines: int = 1) -> list[Block]:
        """The unfinished last line, as a block of its own (at the end of the follow; or a
        piece of an over-long line, `lines=0`)."""
        if not self._parts:
            return []
        piece = b"".join(self._parts)
        self._parts.clear()
        self._pending_size = 0
        block = self._block(piece, lines if self.count_lines else 0, self.long_line)
        self.offset += len(piece)
        return [block]

    def idle(self) -> Block:
        """The empty block that tells the lane its file has gone quiet (--records: the
        open record goes out)."""
        self.idle_sent = True
        return Block(self.name, self.line_number, self.offset, b"", False, self.binary)

    def end(self) -> Block:
        return Block(self.name, 0, 0, b"", True)

    _block = next_block  # (data, lines, long_line): the next block, counted, probed for a late NUL

    def close(self) -> None:
        if self.fd >= 0:
            fd, self.fd = self.fd, -1
            os.close(fd)
            if self.stats is not None:
                self.stats.files_done += 1


def batched(blocks: Iterator[Block], size: int = TURN) -> Iterator[list[Block]]:
    """Blocks in batches of about `size` bytes (a whole file read with --since stays bounded)."""
    batch, held = [], 0
    for block in blocks:
        batch.append(block)
        held += len(block.data)
        if held >= size:
            yield batch
            batch, held = [], 0
    if batch:
        yield batch


def _count_lines(fd: int, end: int) -> int:
    count, position = 0, 0
    while position < end:
        chunk = os.pread(fd, min(1 << 20, end - position), position)
        if not chunk:
            break
        count += chunk.count(b"\n")
        position += len(chunk)
    return count


def _last_line_end(fd: int, size: int) -> int:
    position = size
    while position > 0:
        start = max(0, position - 65536)
        found = os.pread(fd, position - start, start).rfind(b"\n")
        if found >= 0:
            return start + found + 1
        position = start
    return 0
