"""The walk: which files under the roots are searched, in a fixed order.

Entries are sorted by name (as bytes) within each directory and walked depth first,
with an explicit stack so that a tree thousands of directories deep cannot overflow
Python's recursion limit.
"""
from __future__ import annotations

import fnmatch
import os
import re
import stat
from collections.abc import Iterable, Iterator
from typing import Callable

from ..messages import Messages, describe
from ..records import LogFile
from ..stats import Stats

# A root of "" means "no path was given": the current directory, printed without "./".
CURRENT_DIRECTORY = ""


def _glob_matcher(globs: Iterable[str]) -> Callable[[str, str], bool] | None:
    """A test `(name, relative_path) -> bool` for any of `globs`.

    A glob without "/" is matched against the base name, one with "/" against the
    path relative to the root (as .gitignore and ripgrep's --glob do).
    """
    by_name = [g for g in globs if "/" not in g]
    by_path = [g.strip("/") for g in globs if "/" in g]
    if not by_name and not by_path:
        return None

    def compile_any(patterns: list[str]):
        if not patterns:
            return None
        return re.compile("|".join(fnmatch.translate(p) for p in patterns)).match

    name_match, path_match = compile_any(by_name), compile_any(by_path)

    def matches(name: str, rel: str) -> bool:
        return bool((name_match and name_match(name)) or (path_match and path_match(rel)))

    return matches


def _display_name(root: str, rel: str) -> bytes:
    return os.fsencode(os.path.join(root, rel) if rel else root)


def _byte_name(entry: os.DirEntry) -> bytes:
    return os.fsencode(entry.name)


def _entry_name(entry: os.DirEntry) -> str:
    return entry.name


def _sorted_entries(path: str) -> list[os.DirEntry]:
    """A directory's entries in the order of their names as bytes: as str when every name is
    ASCII (the same order, without encoding each name)."""
    with os.scandir(path or ".") as entries:
        entries = list(entries)
    if all(entry.name.isascii() for entry in entries):
        entries.sort(key=_entry_name)
    else:
        entries.sort(key=_byte_name)
    return entries


def walk(
    roots: Iterable[str],
    *,
    globs: Iterable[str] = (),
    exclude: Iterable[str] = (),
    max_depth: int | None = None,
    follow: bool = False,
    messages: Messages | None = None,
    stats: Stats | None = None,
    directories: list[str] | None = None,
) -> Iterator[LogFile]:
    """Yield a `LogFile` for each file to search under `roots`, in order.

    - A root that is not a directory is searched whatever its name ("-" is stdin).
    - Below a directory, `globs` (default: every file) and `exclude` select files,
      hidden ones included; `exclude` also prunes directories.
    - `max_depth` counts levels below a root: 0 searches only the roots themselves.
    - Symbolic links met during the walk are skipped unless `follow` (as `grep -r`
      and `rg` do); when followed, a link back to an ancestor is reported, not walked.
    - FIFOs, sockets and devices met during the walk are skipped without being opened.
    `stats`, if given, counts the files met and the files selected; `directories`, if
    given, gets the path of each directory walked (--tail watches them).
    """
    messages = messages or Messages()
    globs, exclude = tuple(globs), tuple(exclude)
    wanted = _glob_matcher(globs)
    excluded = _glob_matcher(exclude)
    tally = _Tally()
    for logfile in _walk(roots, wanted, excluded, max_depth, follow, messages, stats, tally, directories):
        tally.searched += 1
        yield logfile
    if not tally.searched and (tally.met or tally.unentered) and (globs or exclude or max_depth is not None):
        messages.warn("no file searched", tally.explain(globs, exclude, max_depth))


class _Tally:
    """What the walk met, to say why no file was searched when filters left none."""

    def __init__(self) -> None:
        self.searched = 0   # files handed on
        self.met = 0        # files met below the directories (selected or not)
        self.roots: list[str] = []
        self.unentered: list[str] = []  # directories given with --max-depth 0

    def explain(self, globs, exclude, max_depth) -> str:
        import shlex

        filters = [f"-g {shlex.quote(glob)}" for glob in globs] + [f"--exclude {shlex.quote(glob)}"
                                                                   for glob in exclude]
        if max_depth is not None:
            filters.append(f"--max-depth {max_depth}")
        if not self.met:
            return f"--max-depth {max_depth} searches the PATHs themselves, and {', '.join(self.unentered)} " \
                   "is a directory"
        files = "1 file" if self.met == 1 else f"{self.met} files"
        return f"of the {files} under {', '.join(self.roots)}, none is selected by {' '.join(filters)}"


def _walk(roots, wanted, excluded, max_depth, follow, messages, stats, tally: _Tally,
          directories: list[str] | None = None) -> Iterator[LogFile]:
    for root in roots:
        if "://" in root:
            from . import remote

            if remote.is_url(root):  # s3://, http://, ...: listed through fsspec
                yield from remote.walk(root, wanted, excluded, max_depth, messages, stats, tally)
                continue
        if root == "-":
            logfile = LogFile("-", b"(standard input)")
        else:
            try:
                root_stat = os.stat(root or ".")
            except OSError as err:
                messages.error(root, describe(err))
                continue
            if stat.S_ISDIR(root_stat.st_mode):
                tally.roots.append(root or ".")
                yield from _walk_directory(root, root_stat, wanted, excluded, max_depth, follow, messages, stats,
                                           tally, directories)
                continue
            logfile = LogFile(root, os.fsencode(root), stat.S_ISREG(root_stat.st_mode))
        if stats is not None:
            stats.files_walked += 1
            stats.files_selected += 1
        yield logfile


def _walk_directory(root, root_stat, wanted, excluded, max_depth, follow, messages, stats, tally: _Tally,
                    directories: list[str] | None = None):
    if max_depth is not None and max_depth < 1:
        tally.unentered.append(root or ".")
        return
    if directories is not None:
        directories.append(root)
    try:
        entries = _sorted_entries(root)
    except OSError as err:
        messages.error(root, describe(err))
        return
    # Each frame: the directory's remaining entries, its path below the root, its depth,
    # and its identity (device, inode) for loop detection when links are followed.
    stack = [(iter(entries), "", 1, (root_stat.st_dev, root_stat.st_ino))]
    # the entries' own paths (their directory as scanned, joined with their name) are the paths
    # below `root`, but below the current directory, which is scanned as "."
    own_paths = bool(root)
    while stack:
        entries, prefix, depth, _ = stack[-1]
        entry = next(entries, None)
        if entry is None:
            stack.pop()
            continue
        rel = f"{prefix}/{entry.name}" if prefix else entry.name
        if excluded and excluded(entry.name, rel):
            if not entry.is_dir(follow_symlinks=False):
                tally.met += 1
            continue
        path = entry.path if own_paths else rel
        try:
            if entry.is_symlink():
                if not follow:
                    continue
                target = os.stat(path)  # where the link leads; fails on a broken link
                is_dir, is_file = stat.S_ISDIR(target.st_mode), stat.S_ISREG(target.st_mode)
            else:  # d_type from the directory listing: no extra system call
                is_dir, is_file = entry.is_dir(follow_symlinks=False), entry.is_file(follow_symlinks=False)
        except OSError as err:  # a broken link, or an entry that vanished
            messages.error(_display_name(root, rel), describe(err))
            continue
        if is_dir:
            if max_depth is not None and depth >= max_depth:
                continue
            identity = None
            if follow:
                try:
                    target = os.stat(path)
                except OSError as err:
                    messages.error(_display_name(root, rel), describe(err))
                    continue
                identity = (target.st_dev, target.st_ino)
                if any(frame[3] == identity for frame in stack):
                    messages.error(_display_name(root, rel), "symbolic link loop (points to an ancestor directory)")
                    continue
            try:
                children = _sorted_entries(path)
            except OSError as err:
                messages.error(_display_name(root, rel), describe(err))
                continue
            stack.append((iter(children), rel, depth + 1, identity))
            if directories is not None:
                directories.append(path)
        elif is_file:
            tally.met += 1
            selected = wanted is None or wanted(entry.name, rel)
            if stats is not None:
                stats.files_walked += 1
                stats.files_selected += selected
            if selected:
                yield LogFile(path, os.fsencode(path), True)
        # FIFOs, sockets and devices: skipped, never opened (a FIFO would block).
