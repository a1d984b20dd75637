"""The opener: codecs chosen by content, every member and frame read, faults reported."""
from __future__ import annotations

import bz2
import gzip
import lzma

import pytest
import zstandard
from pyfakefs.fake_filesystem import reset_ids, set_uid

from helpers import COMPRESSORS, write
from logpipe.pipeline.codecs import sniff


@pytest.mark.parametrize("codec", COMPRESSORS)
def test_every_codec_is_read_whatever_the_name(logpipe, tmp_path, codec):
    data = b"one\ntwo match\nthree\n"
    for name in ("x.log", "x.gz", "x.bz2", "x.zst", "x.xz", "noext"):
        write(tmp_path / name, data, codec)
    result = logpipe("match", tmp_path, line_number=True, with_filename=False)
    assert result.lines == [b"2:two match"] * 6
    assert result.status == 0 and result.err == b""


def test_sniff_by_magic_bytes():
    assert sniff(b"\x1f\x8b\x08\x00") == "gzip"
    assert sniff(b"BZh91AY") == "bzip2"
    assert sniff(b"BZhello") == "plain"  # a log line that happens to start with "BZh"
    assert sniff(b"\x28\xb5\x2f\xfd\x00") == "zstd"
    assert sniff(b"\xfd7zXZ\x00\x00") == "xz"
    assert sniff(b"Nov 12 sshd") == "plain"
    assert sniff(b"") == "plain"


def test_multi_member_gzip_and_multi_frame_zstd_are_read_to_the_end(logpipe, tmp_path):
    (tmp_path / "multi.gz").write_bytes(gzip.compress(b"a match 1\n") + gzip.compress(b"b\nc match 2\n"))
    zstd = zstandard.ZstdCompressor()
    (tmp_path / "multi.zst").write_bytes(zstd.compress(b"a match 1\n") + zstd.compress(b"b\nc match 2\n"))
    (tmp_path / "multi.bz2").write_bytes(bz2.compress(b"a match 1\n") + bz2.compress(b"b\nc match 2\n"))
    (tmp_path / "multi.xz").write_bytes(lzma.compress(b"a match 1\n") + lzma.compress(b"b\nc match 2\n"))
    result = logpipe("match", tmp_path, line_number=True)
    for name in (b"multi.bz2", b"multi.gz", b"multi.xz", b"multi.zst"):
        path = bytes(tmp_path / name.decode())
        assert [line for line in result.lines if line.startswith(path + b":")] == [
            path + b":1:a match 1", path + b":3:c match 2"]


def test_corrupt_gz_among_good_files(logpipe, tmp_path):
    write(tmp_path / "a.log", b"good match a\n")
    compressed = gzip.compress(b"early match\n" + b"".join(b"line %d\n" % i for i in range(200000)))
    (tmp_path / "b.log.gz").write_bytes(compressed[: len(compressed) // 2])
    write(tmp_path / "c.log", b"good match c\n", "gzip")
    result = logpipe("match", tmp_path, with_filename=False)
    assert result.lines == [b"good match a", b"early match", b"good match c"]
    assert result.err == b"logpipe: " + bytes(tmp_path) + b"/b.log.gz: truncated gzip stream\n"
    assert result.status == 2


def test_bad_crc_is_reported(logpipe, tmp_path):
    compressed = bytearray(gzip.compress(b"match\n"))
    compressed[-8] ^= 0xFF  # the CRC32 in the gzip trailer
    (tmp_path / "crc.gz").write_bytes(bytes(compressed))
    result = logpipe("match", tmp_path / "crc.gz")
    assert result.status == 2
    assert result.err.startswith(b"logpipe: " + bytes(tmp_path / "crc.gz") + b": corrupt gzip stream")
    assert result.err.count(b"\n") == 1


def test_unreadable_file_reports_and_goes_on(search, fs):
    fs.create_file("/logs/a.log", contents=b"match a\n")
    fs.create_file("/logs/b.log", contents=b"match b\n", st_mode=0o100000)  # no permission bits
    fs.create_file("/logs/c.log", contents=b"match c\n")
    set_uid(1000)  # as a user, not root, to whom permissions do not apply
    try:
        result = search("match", "/logs")
    finally:
        reset_ids()
    assert result.lines == [b"/logs/a.log:match a", b"/logs/c.log:match c"]
    assert result.err == b"logpipe: /logs/b.log: Permission denied\n"
    assert result.status == 2


def decodable_prefix(codec: str, compressed: bytes) -> bytes:
    """What an incremental decoder gets out of a cut file before it runs dry (for gzip,
    ISA-L's, which logpipe uses: it may hold back a byte or so more than zlib at a cut)."""
    from isal.isal_zlib import decompressobj

    decoder = {"gzip": lambda: decompressobj(wbits=31), "bzip2": bz2.BZ2Decompressor,
               "xz": lzma.LZMADecompressor, "zstd": lambda: zstandard.ZstdDecompressor().decompressobj()}[codec]()
    return decoder.decompress(compressed)


@pytest.mark.parametrize("codec", ["gzip", "bzip2", "xz", "zstd"])
@pytest.mark.parametrize("keep", [0.3, 0.7, 0.999])
def test_cut_file_gives_every_line_decoded_before_the_cut(logpipe, tmp_path, codec, keep):
    from logpipe.demo import log_lines

    data = b"".join(log_lines(6000, 7))  # 600 kB: more than one bzip2 block
    compressed = COMPRESSORS[codec](data)
    cut = compressed[: int(len(compressed) * keep)]
    (tmp_path / "cut.log").write_bytes(cut)
    expected = decodable_prefix(codec, cut)
    result = logpipe("", tmp_path / "cut.log")
    complete_lines = expected[: expected.rfind(b"\n") + 1]
    assert result.out.startswith(complete_lines)  # every whole line decodable before the cut
    partial = result.out[len(complete_lines):]
    assert partial == b"" or (partial.endswith(b"\n") and partial.count(b"\n") == 1
                              and data.startswith(complete_lines + partial[:-1]))  # then a piece of the next
    assert result.err == b"logpipe: " + bytes(tmp_path / "cut.log") + b": truncated " + codec.encode() + b" stream\n"
    assert result.status == 2


@pytest.mark.parametrize("codec", ["gzip", "bzip2", "zstd", "xz"])
def test_zeros_after_the_last_stream_are_padding_anything_else_is_reported(logpipe, tmp_path, codec):
    """Tape-block padding (zeros after the archive) is read without a word, as gzip -d does;
    other bytes after the last stream are reported once, after every line."""
    data = b"".join(b"line %d\n" % i for i in range(100))
    padded = write(tmp_path / "padded.log", data, codec)
    padded.write_bytes(padded.read_bytes() + b"\0" * 512)
    result = logpipe("line", padded)
    if codec == "zstd":  # zeros are no zstd frame: `zstd -d` refuses them too
        assert result.out == data and result.status == 2 and result.err.count(b"\n") == 1
    else:
        assert (result.out, result.err, result.status) == (data, b"", 0)
    garbage = write(tmp_path / "garbage.log", data, codec)
    garbage.write_bytes(garbage.read_bytes() + b"\0\0junk")
    result = logpipe("line", garbage)
    assert result.out == data and result.status == 2 and result.err.count(b"\n") == 1
