"""What --count-by KEY counts a selected line by: the key extractors.

A key is resolved once per search, by `resolve(name, matcher)`, in this order:
- a number: that capture group of the pattern (`--count-by 1`; `0` is the whole match, as
  `grep -o` prints it);
- a name of a named group of the pattern (`(?P<ip>...)`, also written `(?<ip>...)`);
- a field of a structured log line (`level`, `user.id`), by the resolvers in `FIELD_KEYS`.

Every extractor has the same interface, `KeyExtractor`: a `name` for the table's header
and `value(line, match)`, the key's value in a selected line (bytes, or None when the line
has none), given the line and the pattern's match in it (None for a key that does not read
the match). A field resolver plugs in by appending to `FIELD_KEYS` a function
`name -> KeyExtractor | None` (None: not a field it knows); nothing else changes.

`Keys` reads all the keys of one search from a selected line: one tuple of values per
line, or with -o one per match (as `grep -o ... | sort | uniq -c` counts).
"""
from __future__ import annotations

import re
from collections.abc import Callable
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from ..pipeline.matching import Matcher


class CountKeyError(ValueError):
    """A --count-by KEY that names nothing the search can read: the text says why."""


class KeyExtractor(Protocol):
    name: str
    reads_match: bool  # whether `value` needs the pattern's match (a group) or only the line (a field)

    def value(self, line: bytes, match) -> bytes | None: ...


# Resolvers of field names (the structured-logs module's): `name -> KeyExtractor | None`.
FIELD_KEYS: list[Callable[[str], KeyExtractor | None]] = []


class GroupKey:
    """A capture group of the pattern, by number or by name (with several -e patterns, a
    name may be the group of any of them: the one that took part in the match)."""

    reads_match = True

    def __init__(self, name: str, groups: tuple) -> None:
        self.name = name
        self.groups = groups

    def value(self, line: bytes, match) -> bytes | None:
        if match is None:
            return None
        for group in self.groups:
            found = match.group(group)
            if found is not None:
                return found
        return None

    def __reduce__(self):
        return GroupKey, (self.name, self.groups)


def _names(regex) -> dict[str, tuple]:
    """The pattern's group names as the user wrote them, each with the regex's names for it
    (several -e patterns have their groups' names prefixed p0_, p1_...)."""
    found: dict[str, list] = {}
    for name in getattr(regex, "groupindex", {}) or {}:
        plain = re.sub(r"^p\d+_", "", name)
        found.setdefault(plain, []).append(name)
        if plain != name:
            found.setdefault(name, []).append(name)
    return {name: tuple(names) for name, names in found.items()}


def resolve(name: str, matcher: Matcher, invert: bool = False) -> KeyExtractor:
    """The extractor for --count-by `name`, or CountKeyError saying what the search has."""
    regex = matcher.regex
    groups = regex.groups if regex is not None else 0
    names = _names(regex) if regex is not None else {}
    key: KeyExtractor | None = None
    if name.isdigit():
        number = int(name)
        if number > groups:
            raise CountKeyError(f"--count-by {name}: the pattern has {_groups_text(groups, names)}")
        key = GroupKey(name, (number,))
    elif name in names:
        key = GroupKey(name, names[name])
    else:
        for field_key in FIELD_KEYS:
            key = field_key(name)
            if key is not None:
                break
    if key is None:
        raise CountKeyError(f"--count-by {name}: the pattern has no group named {name} "
                            f"(it has {_groups_text(groups, names)})")
    if key.reads_match and invert:
        raise CountKeyError(f"--count-by {name}: -v selects the lines the pattern does not match, "
                            "which have no group to count by")
    return key


def _groups_text(groups: int, names: dict) -> str:
    if not groups:
        return "no group (count by the whole match with --count-by 0)"
    shown = [str(number) for number in range(1, groups + 1)]
    shown += sorted(name for name, real in names.items() if not re.match(r"^p\d+_", name))
    return f"{'1 group' if groups == 1 else f'{groups} groups'}: {', '.join(shown)}"


class Keys:
    """All the --count-by keys of a search, read from one selected line (or record)."""

    def __init__(self, keys: list[KeyExtractor], matcher: Matcher, every_match: bool = False) -> None:
        self.keys = keys
        self.names = tuple(key.name for key in keys)
        self.matcher = matcher
        self.every_match = every_match
        whole = [isinstance(key, GroupKey) and key.groups == (0,) for key in keys]
        self.reads_match = any(key.reads_match for key in keys)
        # only the whole match: the matcher's own spans (leftmost-longest for -G/-E/-F, as grep -o)
        self.whole_only = self.reads_match and all(w or not key.reads_match for w, key in zip(whole, keys))

    def values(self, lines: list[bytes]) -> list[tuple]:
        """One tuple of the keys' values per line (the first of `lines` with a match), or
        with -o per match in `lines`; a key without a value there gives None."""
        keys = self.keys
        if not self.reads_match:
            line = lines[0]
            found = tuple(key.value(line, None) for key in keys)
            return [found] * (self._match_count(lines) if self.every_match else 1)
        out = []
        for line in lines:
            for match in self._matches(line):
                out.append(tuple(key.value(line, match) for key in keys))
                if not self.every_match:
                    return out
        return out or [(None,) * len(keys)]

    def _matches(self, line: bytes) -> list:
        matcher = self.matcher
        if self.whole_only or matcher.regex is None:
            texts = matcher.match_texts(line) if self.every_match else [
                line[start:end] for start, end in matcher.spans(line)[:1]]
            return [_Whole(text) for text in texts]
        if self.every_match:
            return [m for m in matcher.regex.finditer(line) if m.end() > m.start()]
        match = matcher.regex.search(line)
        return [] if match is None else [match]

    def _match_count(self, lines: list[bytes]) -> int:
        return sum(len(self.matcher.spans(line)) for line in lines) or 1


class _Whole:
    """A match known by its text only (group 0)."""

    __slots__ = ("text",)

    def __init__(self, text: bytes) -> None:
        self.text = text

    def group(self, group=0):
        return self.text if group == 0 else None
