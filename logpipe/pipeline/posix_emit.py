"""A parsed POSIX pattern (`posix.Node`) written out: as Python's `re` syntax (`to_re`)
and, without back-references where it can be, as hyperscan's, newline-free (`to_hyperscan`)."""
from __future__ import annotations

from .dialect import ALL, NEWLINE, WORD, class_source
from .posix import Node

def _set_source(members: frozenset[int], newline_free: bool) -> bytes:
    members = members - {NEWLINE}
    if len(members) == 1:
        return b"\\x%02x" % next(iter(members))
    if ALL - members <= {NEWLINE} and members:
        return b"[^\\n]" if NEWLINE not in members else b"[\\x00-\\xff]"
    if not members:
        return b"(?!)"
    if len(members) > 128:
        return class_source((ALL - members) | {NEWLINE}, True)
    return class_source(members, False)


ASSERT_RE = {"bol": b"^", "eol": b"$", "bow": rb"\b(?=\w)", "eow": rb"\b(?<=\w)", "wb": rb"\b",
             "nwb": rb"(?:\B|^$)"}


def to_re(tree: Node, group_offset: int = 0) -> bytes:
    """The tree in Python's `re` syntax (MULTILINE), its groups numbered from `group_offset` + 1."""
    return _emit(tree, group_offset, False)


def to_hyperscan(tree: Node) -> bytes | None:
    """The tree in hyperscan's syntax, newline-free; None if it cannot say it
    (back-references, `\\<` `\\>` next to what may be no word byte)."""
    try:
        return _emit(tree, 0, True)
    except _NotExpressible:
        return None


class _NotExpressible(Exception):
    pass


def _emit(node: Node, offset: int, hs: bool) -> bytes:
    kind = node[0]
    if kind == "set":
        return _set_source(node[1], hs)
    if kind == "empty":
        return b""
    if kind == "cat":
        items = node[1]
        out = []
        for index, item in enumerate(items):
            if hs and item[0] == "assert" and item[1] in ("bow", "eow"):
                out.append(_word_edge(items, index))
            else:
                out.append(_emit(item, offset, hs))
        return b"".join(out)
    if kind == "alt":
        return b"(?:" + b"|".join(_emit(item, offset, hs) for item in node[1]) + b")"
    if kind == "group":
        inner = _emit(node[2], offset, hs)
        return b"(?:" + inner + b")" if hs else b"(" + inner + b")"
    if kind == "rep":
        inner = b"(?:" + _emit(node[1], offset, hs) + b")"
        low, high = node[2], node[3]
        if high is None:
            suffix = b"*" if low == 0 else b"+" if low == 1 else b"{%d,}" % low
        elif low == high:
            suffix = b"" if low == 1 else b"{%d}" % low
        else:
            suffix = b"?" if (low, high) == (0, 1) else b"{%d,%d}" % (low, high)
        return inner + suffix
    if kind == "backref":
        if hs:
            raise _NotExpressible
        return b"(?:\\%d)" % (node[1] + offset)
    if kind == "assert":
        if hs:
            # hyperscan 5.4 (the wheel's) misses some line ends with `$` in multi-line
            # mode (`[ab]$` on b".|.x?]a.\\n\\n(|_?_b\\n" finds nothing): `re` takes those
            if node[1] in ("bow", "eow", "eol"):
                raise _NotExpressible
            return {"bol": b"^", "eol": b"$", "wb": rb"\b", "nwb": rb"\B"}[node[1]]
        return ASSERT_RE[node[1]]
    raise AssertionError(kind)


def _word_edge(items: tuple, index: int) -> bytes:
    """`\\<` or `\\>` inside a concatenation for hyperscan: `\\b` when the byte after
    (`\\<`) or before (`\\>`) it is surely a word byte."""
    if items[index][1] == "bow":
        following = _first_bytes(items[index + 1:])
    else:
        following = _first_bytes(tuple(reversed(items[:index])), last=True)
    if following is None or not following or not following <= WORD:
        raise _NotExpressible
    return rb"\b"


def _first_bytes(items: tuple, last: bool = False) -> frozenset[int] | None:
    """The bytes the first (or last) byte matched by `items` can be; None if it may be none."""
    found: set[int] = set()
    for item in items:
        edge = _edge(item, last)
        if edge is None:
            return None
        members, nullable = edge
        found |= members
        if not nullable:
            return frozenset(found)
    return None


def _edge(node: Node, last: bool) -> tuple[frozenset[int], bool] | None:
    kind = node[0]
    if kind == "set":
        return node[1], False
    if kind == "empty":
        return frozenset(), True
    if kind == "assert":
        return None
    if kind == "group":
        return _edge(node[2], last)
    if kind == "rep":
        inner = _edge(node[1], last)
        if inner is None:
            return None
        return inner[0], inner[1] or node[2] == 0
    if kind == "alt":
        found, nullable = set(), False
        for item in node[1]:
            edge = _edge(item, last)
            if edge is None:
                return None
            found |= edge[0]
            nullable = nullable or edge[1]
        return frozenset(found), nullable
    if kind == "cat":
        items = reversed(node[1]) if last else node[1]
        found = set()
        for item in items:
            edge = _edge(item, last)
            if edge is None:
                return None
            found |= edge[0]
            if not edge[1]:
                return frozenset(found), False
        return frozenset(found), True
    return None  # a back-reference


__all__ = ["to_re", "to_hyperscan"]
