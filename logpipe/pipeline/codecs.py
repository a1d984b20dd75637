"""Codecs and the opener: sniff a file's first bytes, then open the right decompressor.

The codec is chosen by content, never by file name, so a plain file called `x.gz`
and a gzip file called `x.log` are both read right. The decompressors themselves are in
`decoders.py`, each library imported when first needed, so a search over plain files
never pays for importing them.
"""
from __future__ import annotations

import os
import stat
import sys
from typing import BinaryIO

from ..messages import Messages, ReadError, describe
from ..records import LogFile
from ..stats import Stats
from .decoders import BLOCK_SIZE, DECODERS  # BLOCK_SIZE: the one buffer size, read here too

# The longest magic number below (xz's), which is how many bytes `peek` must see.
MAGIC_LENGTH = 6

# A local file's first read: its codec is sniffed from these bytes, which then go on to the
# decoder or to `cat` unread again. A small file (most of a tree of many) is read whole by it:
# one open, one read, and the read that finds its end. 64 KiB also holds the binary probe.
HEAD_SIZE = 64 * 1024


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


def _head(raw: BinaryIO) -> bytes:
    """The first bytes of `raw`, left unread: peeked from a buffered file, or read and
    sought back from a seekable one that cannot peek."""
    if hasattr(raw, "peek"):
        return raw.peek(MAGIC_LENGTH)[:MAGIC_LENGTH]
    head = raw.read(MAGIC_LENGTH)
    raw.seek(0)
    return head


_MODULE = type(os)


class LocalFile:
    """A local file opened with `os.open`, read with `os.read`/`os.readv`: no buffered
    reader, no file object of the io module (each costs a search of many small files)."""

    __slots__ = ("fd", "closed")

    def __init__(self, path: str) -> None:
        self.fd = os.open(path, os.O_RDONLY)  # not inherited by child processes (PEP 446)
        self.closed = False

    def fileno(self) -> int:
        if self.closed:
            raise ValueError("I/O operation on closed file")
        return self.fd

    def read(self, size: int = -1) -> bytes:
        if size is None or size < 0:
            return b"".join(iter(lambda: os.read(self.fd, BLOCK_SIZE), b""))
        return os.read(self.fd, size)

    def readinto(self, buffer) -> int:
        if type(os) is _MODULE:
            return os.readv(self.fd, [buffer])
        data = os.read(self.fd, len(buffer))  # a stand-in os (pyfakefs's, in tests) has no readv
        buffer[:len(data)] = data
        return len(data)

    def seek(self, offset: int, whence: int = 0) -> int:
        return os.lseek(self.fd, offset, whence)

    def tell(self) -> int:
        return os.lseek(self.fd, 0, os.SEEK_CUR)

    def close(self) -> None:
        if not self.closed:
            self.closed = True
            os.close(self.fd)


class HeadReader:
    """A local file after its first read (`head`): hands back the head first, then reads
    the file. What `cat` reads a plain file through (`readinto`, straight into its own
    buffer) and what a decoder reads its compressed bytes from. `whole` is the head when
    it is the whole file (a regular file's short read), else None."""

    def __init__(self, raw: BinaryIO, head: bytes, regular: bool = False) -> None:
        self.raw = raw
        self.head = head
        self.position = len(head)  # of the raw file, for `tell`
        self.regular = regular
        self.whole = head if regular and len(head) < HEAD_SIZE else None

    def readable(self) -> bool:
        return True

    @property
    def closed(self) -> bool:
        return self.raw.closed

    def read(self, size: int = -1) -> bytes:
        head = self.head
        if head:
            if size is None or size < 0 or size >= len(head):
                self.head = b""
                return head
            self.head = head[size:]
            return head[:size]
        if self.whole is not None:
            return b""  # read whole already
        data = self.raw.read(size)
        if data:
            self.position += len(data)
        return data

    read1 = read

    def readinto(self, buffer) -> int:
        head = self.head
        if head:
            size = min(len(head), len(buffer))
            buffer[:size] = head[:size] if size < len(head) else head
            self.head = head[size:]
            return size
        if self.whole is not None:
            return 0
        into = getattr(self.raw, "readinto", None)
        if into is None:  # a file object without readinto (pyfakefs's)
            data = self.raw.read(len(buffer))
            buffer[:len(data)] = data
            got = len(data)
        else:
            got = into(buffer) or 0
        self.position += got
        return got

    readinto1 = readinto

    def seek(self, offset: int, whence: int = 0) -> int:
        self.head, self.whole = b"", None
        self.position = self.raw.seek(offset, whence)
        return self.position

    def tell(self) -> int:
        return self.position - len(self.head)

    def fileno(self) -> int:
        return self.raw.fileno()

    def close(self) -> None:
        self.raw.close()


def _open_local(path: str) -> tuple[BinaryIO, bytes]:
    """A local file opened unbuffered, and its first bytes (at least MAGIC_LENGTH, unless
    it is shorter: a FIFO may hand them over a few at a time)."""
    raw = LocalFile(path)
    try:
        head = raw.read(HEAD_SIZE)
        while head and len(head) < MAGIC_LENGTH:
            more = raw.read(HEAD_SIZE)
            if not more:
                break
            head += more
        return raw, head
    except BaseException:
        raw.close()
        raise




def live_descriptor(raw) -> int | None:
    """The descriptor of the pipe, FIFO, socket or terminal that `raw` reads (a live input,
    whose lines go on as they come), else None: a regular file, a remote object."""
    try:
        fd = raw.fileno()
        return None if stat.S_ISREG(os.fstat(fd).st_mode) else fd
    except (AttributeError, OSError, ValueError):  # BytesIO, a remote object: no descriptor
        return None


class ReadAvailable:
    """Standard input that is live: `read(n)` and `readinto(buffer)` hand back what has
    arrived, and wait only when nothing has (a buffered reader's `read(n)` waits for all n
    bytes, and its `readinto1` reads the pipe again after what it holds)."""

    def __init__(self, raw: BinaryIO) -> None:
        self.raw = raw
        self.read = getattr(raw, "read1", raw.read)

    def readinto(self, buffer) -> int:
        data = self.read(len(buffer))
        buffer[:len(data)] = data
        return len(data)

    readinto1 = readinto

    def __getattr__(self, name: str):
        return getattr(self.raw, name)


class OpenLog:
    """An opened log file: `stream` yields its decompressed bytes.

    A context manager: leaving it closes the decoder and the file it opened, but never
    standard input, which it did not open. A local file is opened unbuffered and read
    once for its codec (`HeadReader`): no buffered reader, no second look at its head.
    `live_fd`: the descriptor of a live input (a pipe, a FIFO, a socket, a terminal), read
    as its data arrives; None for a file (no system call for a file the walk saw regular).
    """

    def __init__(self, logfile: LogFile, stats: Stats | None = None) -> None:
        self.name = logfile.name
        self.path = logfile.path
        self.stats = stats
        self._decoder = None
        path = logfile.path
        self._owned = path != "-"  # standard input is not ours to close
        if not self._owned:
            raw, head = sys.stdin.buffer, None
        elif "://" not in path:
            raw, head = _open_local(path)
        elif hasattr(logfile, "raw"):  # a remote object the fetch stage already started
            raw, head = logfile.raw, None
        else:
            from .remote import is_url, open_url

            raw, head = (open_url(path), None) if is_url(path) else _open_local(path)
        self.raw = raw
        try:
            self.live_fd = None if head is not None and logfile.regular else live_descriptor(raw)
            if head is None:
                self.codec = sniff(_head(raw))
                source = raw if self.live_fd is None else ReadAvailable(raw)  # standard input, live
            else:
                self.codec = sniff(head[:MAGIC_LENGTH])
                source = HeadReader(raw, head, logfile.regular)
            decoder = DECODERS.get(self.codec)
            self.stream = source if decoder is None else decoder(source)
            if decoder is not None:
                self._decoder = self.stream
        except BaseException:
            self._close_raw()
            raise
        if stats is not None:
            stats.opened[self.codec] += 1

    def _close_raw(self) -> None:
        if self._owned:
            self.raw.close()

    def close(self) -> None:
        if self.stats is not None and not self.raw.closed:
            try:
                self.stats.compressed_bytes += self.raw.tell()
            except OSError:  # a pipe: no position to tell
                pass
            self.stats.files_done += 1
        try:
            if self._decoder is not None:
                self._decoder.close()
        finally:
            self._close_raw()

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
    if isinstance(err, ReadError):  # a remote transfer (logpipe.remote): its text says it all
        return str(err)
    if isinstance(err, EOFError):
        return f"truncated {codec} stream" if codec != "plain" else "unexpected end of file"
    if isinstance(err, OSError) and err.errno is not None:
        return os.strerror(err.errno)
    kind = f"corrupt {codec} stream" if codec != "plain" else "read error"
    return f"{kind} ({err})" if str(err) else kind
