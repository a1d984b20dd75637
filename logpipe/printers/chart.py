"""The pieces of a chart drawn in text: bars of Unicode eighth blocks, values fitted to a
width, rows for a spreadsheet. Values are the log's bytes: measured and cut, never
re-encoded (a byte that is not UTF-8 counts as one cell, as a terminal shows it)."""
from __future__ import annotations

EIGHTHS = ("", "▏", "▎", "▍", "▌", "▋", "▊", "▉")
FULL = "█"
ELLIPSIS = "…"


def bar(count: int, most: int, width: int) -> str:
    """`count` as a bar of at most `width` cells, `most` filling them all; eighth blocks
    for resolution, and any count above zero at least one eighth (an empty bucket and a
    nearly empty one look different)."""
    if count <= 0 or most <= 0 or width <= 0:
        return ""
    eighths = max(1, round(count * width * 8 / most))
    full, part = divmod(eighths, 8)
    return FULL * full + EIGHTHS[part]


def cells(value: bytes) -> int:
    """The cells `value` takes on a terminal (one per character; one per byte that is not UTF-8)."""
    return len(value.decode("utf-8", "surrogateescape"))


def fitted(value: bytes, width: int) -> bytes:
    """`value` cut to `width` cells, an ellipsis marking the cut; its bytes as they are."""
    text = value.decode("utf-8", "surrogateescape")
    if len(text) <= width:
        return value
    return (text[:max(0, width - 1)] + ELLIPSIS).encode("utf-8", "surrogateescape")


def padded(value: bytes, width: int, right: bool = False) -> bytes:
    room = b" " * max(0, width - cells(value))
    return room + value if right else value + room


def escaped(value: bytes) -> bytes:
    """Control characters shown as \\xNN, so that a value cannot drive the terminal."""
    if any(byte < 0x20 or byte == 0x7F for byte in value):
        return b"".join(b"\\x%02x" % byte if byte < 0x20 or byte == 0x7F else bytes([byte]) for byte in value)
    return value


def delimited(fields: list[bytes], separator: bytes) -> bytes:
    """One row: CSV as RFC 4180 quotes it (a field holding the separator, a quote or a line
    break is quoted, its quotes doubled; rows end with a newline, as Unix tools read them),
    or TSV (tabs and line breaks written \\t, \\n)."""
    if separator == b"\t":
        return b"\t".join(field.replace(b"\\", b"\\\\").replace(b"\t", b"\\t").replace(b"\n", b"\\n")
                          .replace(b"\r", b"\\r") for field in fields) + b"\n"
    out = []
    for field in fields:
        if any(special in field for special in (b",", b'"', b"\n", b"\r")):
            field = b'"' + field.replace(b'"', b'""') + b'"'
        out.append(field)
    return b",".join(out) + b"\n"


def value_text(values: tuple) -> bytes:
    """A combination of --count-by values as one cell: `a,b`."""
    return b",".join(values)


def wrapped(lines: list[str], width: int) -> bytes:
    """Lines of text under a chart, each wrapped at `width` cells (between words)."""
    import textwrap

    return "".join(part + "\n" for line in lines for part in textwrap.wrap(line, max(width, 20))).encode()


SINGULAR = {"lines": "line", "records": "record", "matches": "match", "buckets": "bucket",
            "other values": "other value", "distinct values": "distinct value"}


def counted(count: int, unit: str) -> str:
    """`3 lines`, `1 line`."""
    return f"{count} {SINGULAR.get(unit, unit) if count == 1 else unit}"
