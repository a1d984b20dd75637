"""The decompressors, one per codec: each wraps a raw binary file and reads its decoded bytes.

gzip, bzip2 and xz members follow one another in a file (each decoder reads on after a member
ends); zstd frames likewise, with skippable frames skipped. `DECODERS` maps a codec's name
(`codecs.sniff`) to the function that wraps a raw file. Each library is imported when first
needed, so a search over plain files never pays for importing it.
"""
from __future__ import annotations

import io
from typing import BinaryIO

# The one buffer size: of each block of lines that `cat` hands to `grep`, and of each
# read from a file or decoder. 256 KiB: large enough that the per-block Python work
# (a call, a join, a few tuples) costs under 1% at 1 GB/s, small enough that a block
# stays in a 2-core machine's L2 cache while `find`, `count` and the slicing pass over it.
BLOCK_SIZE = 256 * 1024


class DecodedStream(io.RawIOBase):
    """The reading side shared by the decoders below: `read1` is theirs, `read` reads on."""

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
        if size is None or size < 0:
            return b"".join(iter(lambda: self.read1(BLOCK_SIZE), b""))
        return self.read1(size)


class GzipReader(DecodedStream):
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
        self._held = b""  # the last 8 bytes read: maybe a member's CRC and size (RFC 1952 2.2)
        self._done = False

    def read1(self, size: int = -1) -> bytes:
        if size is None or size < 0:
            return self.read()
        while not self._done:
            if self._member.eof:  # after handing back its last output: next member, or the end
                rest, self._held = self._member.unused_data + self._input + self._held, b""
                self._next_member(rest)
                continue
            output = self._member.decompress(self._input, size)
            self._input = self._member.unconsumed_tail
            if output:
                return output
            if not self._input and not self._member.eof:
                data = self._raw.read(size)  # compressed input read as much as output asked for
                if data:
                    # The trailer is checked in the call that reaches it, and a failed check
                    # loses that call's output: so the last 8 bytes go in a call of their own.
                    data = self._held + data
                    self._input, self._held = data[:-8], data[-8:]
                elif self._held:
                    self._input, self._held = self._held, b""
                else:
                    output = self._member.decompress(b"", size)  # isal may still hold some back
                    if output:
                        return output
                    raise EOFError("Compressed file ended before the end-of-stream marker was reached")
        return b""

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


class MultiStreamReader(DecodedStream):
    """Decompresses one stream after another (bzip2 and xz files may hold several),
    handing back output as soon as it is decoded. Unlike `bz2.BZ2File` and
    `lzma.LZMAFile`, which drop bytes after the last stream without a word, it reports
    them: a file with garbage at its end gives all its streams, then an error."""

    def __init__(self, raw: BinaryIO, decompressor, magic: bytes, padding: bool = False) -> None:
        self._raw = raw
        self._new = decompressor
        self._magic = magic
        self._padding = padding  # xz: zero bytes between and after streams are allowed
        self._decompressor = decompressor()
        self._done = False

    def read1(self, size: int = -1) -> bytes:
        if size is None or size < 0:
            return self.read()
        while not self._done:
            decompressor = self._decompressor
            if decompressor.eof:
                self._next_stream(decompressor.unused_data, size)
                continue
            data = b""
            if decompressor.needs_input:
                data = self._raw.read(size)
                if not data:
                    raise EOFError("Compressed file ended before the end-of-stream marker was reached")
            output = decompressor.decompress(data, size)
            if output:
                return output
        return b""

    def _next_stream(self, rest: bytes, size: int) -> None:
        if self._padding:
            rest = rest.lstrip(b"\0")
        while len(rest) < len(self._magic):
            more = self._raw.read(size)
            if not more:
                break
            rest += more.lstrip(b"\0") if self._padding and not rest else more
        if not rest:
            self._done = True
        elif rest.startswith(self._magic):
            self._decompressor = self._new()
            self._decompressor.decompress(rest, 0)  # feed it; output comes with the next read
        else:
            self._done = True
            while rest:  # zeros after the last stream (tape blocks) are fine, as after gzip's last member
                if rest.strip(b"\0"):
                    raise ValueError("trailing garbage after the last stream")
                rest = self._raw.read(BLOCK_SIZE)


def _bzip2(raw: BinaryIO) -> BinaryIO:
    import bz2

    return MultiStreamReader(raw, bz2.BZ2Decompressor, b"BZh")


class ZstdFrames:
    """Passes a zstd stream through, following its frame and block boundaries
    (RFC 8878 section 3.1), so that a file cut off inside a frame can be told from a
    complete one: zstandard's stream reader stops at the end of input either way."""

    ZSTD_MAGIC = b"\x28\xb5\x2f\xfd"  # section 3.1.1
    HEADER_SIZES = {"magic": 4, "skippable size": 4, "descriptor": 1, "block": 3, "checksum": 4}

    def __init__(self, raw: BinaryIO) -> None:
        self.raw = raw
        self.state = "magic"
        self.pending = b""   # part of a header, waiting for the rest
        self.skip = 0        # bytes to pass over before the next header
        self.checksum = False
        self.lost = False    # not a zstd frame: the decoder itself will say what is wrong

    def read(self, size: int = -1) -> bytes:
        data = self.raw.read(size)
        if not self.lost:
            self._follow(data)
        return data

    @property
    def complete(self) -> bool:
        """Whether the input so far ends exactly at the end of a frame."""
        return self.lost or (self.state == "magic" and not self.pending and not self.skip)

    def _follow(self, data: bytes) -> None:
        buffer, pos = (self.pending + data if self.pending else data), 0
        while not self.lost:
            if self.skip:
                step = min(self.skip, len(buffer) - pos)
                pos += step
                self.skip -= step
                if self.skip:
                    break
            need = self.HEADER_SIZES[self.state]
            if len(buffer) - pos < need:
                break
            self._header(buffer[pos:pos + need])
            pos += need
        self.pending = buffer[pos:] if not self.lost else b""

    def _header(self, header: bytes) -> None:
        state = self.state
        if state == "magic":
            if header == self.ZSTD_MAGIC:
                self.state = "descriptor"
            elif header[1:] == b"\x2a\x4d\x18" and header[0] & 0xF0 == 0x50:  # skippable frame, 3.1.2
                self.state = "skippable size"
            else:
                self.lost = True
        elif state == "skippable size":
            self.skip, self.state = int.from_bytes(header, "little"), "magic"
        elif state == "descriptor":  # Frame_Header_Descriptor, 3.1.1.1.1
            descriptor = header[0]
            single_segment = descriptor >> 5 & 1
            self.checksum = bool(descriptor >> 2 & 1)
            content_size = (single_segment, 2, 4, 8)[descriptor >> 6]
            self.skip = (0 if single_segment else 1) + (0, 1, 2, 4)[descriptor & 3] + content_size
            self.state = "block"
        elif state == "block":  # Block_Header, 3.1.1.2
            value = int.from_bytes(header, "little")
            last, kind, size = value & 1, value >> 1 & 3, value >> 3
            self.skip = 1 if kind == 1 else size  # an RLE block holds one byte
            self.state = ("checksum" if self.checksum else "magic") if last else "block"
        else:  # the content checksum after the last block
            self.state = "magic"


class ZstdReader(DecodedStream):
    """zstandard's stream reader over every frame, and `EOFError` if the last is cut off."""

    def __init__(self, raw: BinaryIO) -> None:
        import zstandard

        self._frames = ZstdFrames(raw)
        self._reader = zstandard.ZstdDecompressor().stream_reader(self._frames, read_across_frames=True,
                                                                   closefd=False)

    def read1(self, size: int = -1) -> bytes:
        data = self._reader.read1(size)
        if not data and not self._frames.complete:
            raise EOFError("Compressed file ended before the end-of-stream marker was reached")
        return data

    def close(self) -> None:
        self._reader.close()
        super().close()


def _zstd(raw: BinaryIO) -> BinaryIO:
    return ZstdReader(raw)


def _xz(raw: BinaryIO) -> BinaryIO:
    import lzma

    return MultiStreamReader(raw, lzma.LZMADecompressor, b"\xfd7zXZ\x00", padding=True)


DECODERS = {"gzip": _gzip, "bzip2": _bzip2, "zstd": _zstd, "xz": _xz}
