"""Codecs and the opener: sniff a file's first bytes, then open the right decompressor.

The codec is chosen by content, never by file name, so a plain file called `x.gz`
and a gzip file called `x.log` are both read right. Decoders are imported when first
needed, so a search over plain files never pays for importing them.
"""
from __future__ import annotations

import io
import os
import sys
from contextlib import ExitStack
from typing import BinaryIO

from .messages import Messages, describe
from .records import LogFile
from .stats import Stats

# The one buffer size: of each block of lines that `cat` hands to `grep`, and of each
# read from a file or decoder. 256 KiB: large enough that the per-block Python work
# (a call, a join, a few tuples) costs under 1% at 1 GB/s, small enough that a block
# stays in a 2-core machine's L2 cache while `find`, `count` and the slicing pass over it.
BLOCK_SIZE = 256 * 1024

# The longest magic number below (xz's), which is how many bytes `peek` must see.
MAGIC_LENGTH = 6


def sniff(head: bytes) -> str:
    """The codec named by a file's first bytes: gzip, bzip2, zstd, xz or plain."""
    # gzip, RFC 1952 section 2.3.1: ID1 = 0x1f, ID2 = 0x8b.
    if head.startswith(b"\x1f\x8b"):
        return "gzip"
    # bzip2, the .bz2 file format (Seward): "BZh" then the block size '1'..'9'.
    if head.startswith(b"BZh") and head[3:4].isdigit():
        return "bzip2"
    # Zstandard, RFC 8878 section 3.1.1: magic number 0xFD2FB528, little-endian.
    if head.startswith(b"\x28\xb5\x2f\xfd"):
        return "zstd"
    # xz, The .xz File Format 1.1.0 section 2.1.1.1: header magic FD 37 7A 58 5A 00.
    if head.startswith(b"\xfd7zXZ\x00"):
        return "xz"
    return "plain"


class GzipReader(io.RawIOBase):
    """Decompresses every member of a gzip stream (RFC 1952 section 2.2: members follow
    one another), handing back output as soon as it is decoded.

    Unlike `gzip.GzipFile` and isal's `IGzipFile`, it never drops the bytes decoded just
    before a fault: a cut-off file gives all it holds, then `EOFError`. The CRC and length
    in each member's trailer are checked by the decompressor (wbits=31). Trailing zero
    bytes are ignored, as GNU gzip does; other bytes after the last member are an error.
    """

    def __init__(self, raw: BinaryIO) -> None:
        try:  # Intel's ISA-L inflates 2-4 times faster than zlib; zlib where isal is missing
            from isal.isal_zlib import decompressobj
        except ImportError:  # pragma: no cover - isal ships wheels for the usual platforms
            from zlib import decompressobj
        self._decompressobj = decompressobj
        self._raw = raw
        self._member = decompressobj(wbits=31)
        self._input = b""
        self._done = False

    def readable(self) -> bool:
        return True

    def read1(self, size: int = -1) -> bytes:
        if size is None or size < 0:
            return self.read()
        while not self._done:
            output = self._member.decompress(self._input, size)
            self._input = self._member.unconsumed_tail
            if self._member.eof:
                self._next_member(self._member.unused_data + self._input)
            if output:
                return output
            if not self._input and not self._done:
                self._input = self._raw.read(size)  # compressed input read as much as output asked for
                if not self._input:
                    output = self._member.decompress(b"", size)  # isal may still hold some back
                    if output:
                        return output
                    raise EOFError("Compressed file ended before the end-of-stream marker was reached")
        return b""

    def read(self, size: int = -1) -> bytes:
        if size is None or size < 0:
            return b"".join(iter(lambda: self.read1(BLOCK_SIZE), b""))
        return self.read1(size)

    def _next_member(self, rest: bytes) -> None:
        """After a member's trailer: start the next member, or end at the end of the file."""
        while len(rest) < 2:
            more = self._raw.read(2)
            if not more:
                break
            rest += more
        if rest.startswith(b"\x1f\x8b"):
            self._member = self._decompressobj(wbits=31)
            self._input = rest
            return
        self._input = b""
        self._done = True
        while rest:  # zeros padding the last member (tape blocks) are fine; anything else is not
            if rest.strip(b"\0"):
                raise ValueError("trailing garbage after the last member")
            rest = self._raw.read(BLOCK_SIZE)


def _gzip(raw: BinaryIO) -> BinaryIO:
    return GzipReader(raw)


def _bzip2(raw: BinaryIO) -> BinaryIO:
    import bz2

    return bz2.BZ2File(raw, "rb")  # reads every stream of a multi-stream file


def _zstd(raw: BinaryIO) -> BinaryIO:
    import zstandard

    return zstandard.ZstdDecompressor().stream_reader(raw, read_across_frames=True, closefd=False)


def _xz(raw: BinaryIO) -> BinaryIO:
    import lzma

    return lzma.LZMAFile(raw, "rb")  # reads every stream of a multi-stream file


def _head(raw: BinaryIO) -> bytes:
    """The first bytes of `raw`, left unread: peeked from a buffered file, or read and
    sought back from a seekable one that cannot peek (such as pyfakefs' files)."""
    if hasattr(raw, "peek"):
        return raw.peek(MAGIC_LENGTH)[:MAGIC_LENGTH]
    head = raw.read(MAGIC_LENGTH)
    raw.seek(0)
    return head


DECODERS = {"gzip": _gzip, "bzip2": _bzip2, "zstd": _zstd, "xz": _xz}


class OpenLog:
    """An opened log file: `stream` yields its decompressed bytes.

    A context manager: leaving it closes the decoder and the file it opened, but never
    standard input, which it did not open.
    """

    def __init__(self, logfile: LogFile, stats: Stats | None = None) -> None:
        self.name = logfile.name
        self.path = logfile.path
        self.stats = stats
        self._resources = ExitStack()
        try:
            if logfile.path == "-":
                raw = sys.stdin.buffer
            else:
                raw = self._resources.enter_context(open(logfile.path, "rb"))
            self.raw = raw
            self.codec = sniff(_head(raw))
            decoder = DECODERS.get(self.codec)
            self.stream = raw if decoder is None else self._resources.enter_context(decoder(raw))
        except BaseException:
            self._resources.close()
            raise
        if stats is not None:
            stats.opened[self.codec] += 1

    def close(self) -> None:
        if self.stats is not None and not self.raw.closed:
            try:
                self.stats.compressed_bytes += self.raw.tell()
            except OSError:  # a pipe: no position to tell
                pass
            self.stats.files_done += 1
        self._resources.close()

    def __enter__(self) -> OpenLog:
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"<OpenLog {self.path!r} {self.codec}>"


def as_logfile(item: LogFile | str | os.PathLike) -> LogFile:
    """Let library users hand plain paths to `opener`."""
    if isinstance(item, LogFile):
        return item
    path = os.fspath(item)
    return LogFile(path, os.fsencode(path))


def open_log(item: LogFile | str | os.PathLike, messages: Messages, stats: Stats | None = None) -> OpenLog | None:
    """Open `item`, or report on stderr why it cannot be opened and return None."""
    logfile = as_logfile(item)
    try:
        return OpenLog(logfile, stats)
    except Exception as err:  # OSError mostly; any decoder that refuses the header too
        messages.error(logfile.name, describe(err))
        return None


def read_error(codec: str, err: BaseException) -> str:
    """What went wrong while decompressing, in one short phrase."""
    if isinstance(err, EOFError):
        return f"truncated {codec} stream" if codec != "plain" else "unexpected end of file"
    if isinstance(err, OSError) and err.errno is not None:
        return os.strerror(err.errno)
    kind = f"corrupt {codec} stream" if codec != "plain" else "read error"
    return f"{kind} ({err})" if str(err) else kind
