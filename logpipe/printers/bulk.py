"""Plain output (no colour, context, byte offsets or NUL) of the records grep gives in
bulk (`logpipe.pipeline.runs`): a block's selected lines formatted in a few C-level calls,
one bytes object per record, instead of a `Match` and a write per line."""
from __future__ import annotations

from ..records import Hits, Lines


def format_run(run: Lines, prefix: bytes, numbered: bool) -> tuple[bytes, int]:
    """A run of consecutive lines as printed (`prefix`: the name and its ":", or nothing),
    and how many lines it holds."""
    data = bytes(run.data)
    if data[-1:] != b"\n":
        data += b"\n"
    lines = data.count(b"\n")
    if numbered:
        form = prefix.replace(b"%", b"%%") + b"%d:%s\n"
        data = b"".join(map(form.__mod__, zip(range(run.line_number, run.line_number + lines),
                                                data[:-1].split(b"\n"))))
    elif prefix:
        data = prefix + data[:-1].replace(b"\n", b"\n" + prefix) + b"\n"
    return data, lines


def format_hits(hits: Hits, prefix: bytes, numbered: bool) -> bytes:
    """A block's selected lines as printed: each cut out of the block and joined at once."""
    data = hits.data
    lines = list(map(data.__getitem__, map(slice, hits.starts, hits.ends)))
    if numbered:
        form = prefix.replace(b"%", b"%%") + b"%d:%s\n"
        return b"".join(map(form.__mod__, zip(hits.numbers(), lines)))
    if prefix:
        return prefix + (b"\n" + prefix).join(lines) + b"\n"
    lines.append(b"")
    return b"\n".join(lines)
