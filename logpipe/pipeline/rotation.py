"""--tail: which files are followed, and from where (see `logpipe.pipeline.follow`).

`Tree` keeps the followed files by identity (device, inode), walks the tree again when it
may have changed (names updated, files gone marked so, new ones found), and decides where
a file found new starts: at its start, unless it is a copy of a followed file.
"""
from __future__ import annotations

import os
import stat
import time
from collections.abc import Callable, Iterator

from ..messages import Messages, describe
from ..records import LogFile
from ..stats import Stats
from .blocks import end_of, read_blocks
from .codecs import MAGIC_LENGTH, open_log, sniff
from .find_files import walk as walk_tree
from .followed import HEAD, TURN, Followed, batched

GRACE = 5.0   # seconds a file gone from the walk is read on after it last grew; a copy waits for its original


class Tree:
    """The followed files (`files`, by identity, in the order met) under `roots`, walked
    with the walk's arguments. `start(file) -> bool` begins a file's lane; `skipping`, the
    files whose lanes want no more of them (shared with the follower); `watch`, set by it."""

    def __init__(self, start: Callable[[object], bool], *, roots=("",), walk: dict | None = None,
                 since: float | None = None, reading: dict | None = None, messages: Messages | None = None,
                 stats: Stats | None = None, output: tuple[int, int] | None = None, skipping: set | None = None) -> None:
        self.start = start
        self.roots, self.walk = tuple(roots), dict(walk or {})
        self.since, self.reading = since, dict(reading or {})
        self.messages = messages or Messages()
        self.stats, self.output = stats, output  # the output is never followed: it would read itself
        self.skipping = skipping if skipping is not None else set()
        self.files: dict[tuple[int, int], Followed] = {}
        self.ignored: dict[tuple[int, int], int] = {}  # compressed, or not wanted by their lane: its ctime
        self.watch = None

    def skip(self, file) -> None:
        self.skipping.add(file)

    def ignore(self, identity: tuple[int, int], fd: int) -> None:
        """Not to be followed (compressed, or not wanted): until its inode changes (its
        ctime: renamed, or the inode number given to a new file)."""
        try:
            self.ignored[identity] = os.fstat(fd).st_ctime_ns
        except OSError:
            pass

    def _ignoring(self, identity: tuple[int, int], info: os.stat_result) -> bool:
        return self.ignored.get(identity) == info.st_ctime_ns

    def copies_of(self, original: Followed) -> None:
        """`original` was just truncated: its copies waiting start where it stopped."""
        for file in self.files.values():
            if file.copy_of is original:
                file.copy_of = None
                _, offset, line_number, _ = original.truncated
                _start_copy(file, offset, line_number)

    def decide(self, file: Followed, final: bool = False) -> None:
        """Whether `file`, found while following, is a copy of a followed file: it begins
        with that file's first bytes (HEAD). A copy of a file already truncated starts
        where that file had been read to; one of a file not truncated yet waits for it
        (`copy_of`). A file whose bytes so far are the beginning of a followed file's
        could still become a copy (it is being written): it waits, at most GRACE (`final`)."""
        head = os.pread(file.fd, HEAD, 0)
        now, could_be = time.monotonic(), False
        if len(head) < MAGIC_LENGTH and not final:
            return  # too short yet to tell whether it is compressed
        if sniff(head) != "plain":  # a rotated log being compressed: never followed
            file.deciding = False
            self.skip(file)
            return
        for original in self.files.values():
            if original is file or original.deciding:
                continue
            candidates = [(original.head, None, None)]
            if original.truncated is not None and now - original.truncated[0] < GRACE:
                candidates.insert(0, (original.truncated[3], original.truncated[1], original.truncated[2]))
            for begins, offset, line_number in candidates:
                if not begins:
                    continue
                if head.startswith(begins):
                    file.deciding = False
                    if offset is None:
                        file.copy_of = original
                    else:
                        _start_copy(file, offset, line_number)
                    return
                could_be = could_be or begins.startswith(head)
        if could_be and not final:
            return
        file.deciding = False
        file.start_at(0, 1)

    # -- the walk, again ------------------------------------------------------------------------

    def rescan(self) -> list[LogFile]:
        """Walk the tree again: renamed files get their new names, files no longer in it are
        gone, every directory of it is watched; the files new in it are returned. A
        directory watched for the first time is walked once more after its watch is set, so
        that a file created in it meanwhile is seen either way."""
        seen, directories = self._walk()
        if sum(self.watch.add_directory(directory) for directory in directories):
            seen, _ = self._walk()
        now = time.monotonic()
        for identity, file in self.files.items():
            found = seen.get(identity)
            if found is not None:
                file.path, file.name, file.gone = found[0].path, found[0].name, None
            elif file.gone is None:
                file.gone = now
        self.ignored = {identity: ctime for identity, ctime in self.ignored.items() if identity in seen}
        return [logfile for identity, (logfile, info) in seen.items()
                if identity not in self.files and not self._ignoring(identity, info)]

    def _walk(self) -> tuple[dict, list[str]]:
        """The regular files the walk selects now, by identity, and its directories."""
        directories: list[str] = []
        seen: dict[tuple[int, int], tuple[LogFile, os.stat_result]] = {}
        for logfile in walk_tree(self.roots, **self.walk, messages=Messages(silent=True), directories=directories):
            try:
                info = os.stat(logfile.path)
            except OSError:
                continue
            if stat.S_ISREG(info.st_mode):
                seen.setdefault((info.st_dev, info.st_ino), (logfile, info))
        for root in self.roots:
            if root != "-" and not os.path.isdir(root or "."):
                directories.append(os.path.dirname(root))  # a file given: its directory shows it replaced
        return seen, directories

    def track(self, logfile: LogFile, initial: bool) -> Iterator:
        """Begin following `logfile` (met by the first walk, `initial`, or found later)."""
        try:
            fd = os.open(logfile.path, os.O_RDONLY | os.O_NONBLOCK)  # a FIFO must not block the open
        except OSError as err:
            if initial:
                self.messages.error(logfile.name, describe(err))
            return
        try:
            info = os.fstat(fd)
            identity = (info.st_dev, info.st_ino)
            if not stat.S_ISREG(info.st_mode) or identity in self.files or self._ignoring(identity, info) \
                    or identity == self.output:
                if initial and not stat.S_ISREG(info.st_mode):
                    self.messages.error(logfile.name, "not a regular file: --tail follows files")
                elif initial and identity == self.output:
                    self.messages.error(logfile.name, "input file is also the output: not followed")
                os.close(fd)
                return
            if sniff(os.pread(fd, MAGIC_LENGTH, 0)) != "plain":  # compressed: done with, never followed
                self.ignore(identity, fd)
                os.close(fd)
                if initial and self.since is not None:
                    yield from self._read_once(logfile)
                return
        except OSError:
            os.close(fd)
            return
        file = Followed(fd, logfile.path, logfile.name, identity, stats=self.stats, **self.reading)
        if self.stats is not None:
            self.stats.opened["plain"] += 1
        self.files[identity] = file
        wanted = self.start(file)
        if initial:
            if self.since is not None and wanted:
                file.start_at(0, 1)
            else:
                file.start_at(file.last_line_end(info.st_size))
        self.watch.add_file(file)  # before its content is looked at: what comes after wakes us
        if not initial:
            file.deciding, file.copy_since = True, time.monotonic()
            self.decide(file)
        if not file.deciding and file.copy_of is None:
            for blocks in batched(file.read(None if initial else TURN)):
                yield file, blocks

    def _read_once(self, logfile: LogFile) -> Iterator:
        """A compressed file met by the first walk, with --since: searched whole, once."""
        file = open_log(logfile, self.messages, self.stats)
        if file is None:
            return
        with file:
            if self.start(file):
                for block in read_blocks(file, messages=self.messages, stats=self.stats, **self.reading):
                    yield file, [block]
                    if file in self.skipping:
                        break
            self.skipping.discard(file)
            yield file, [end_of(file)]


def output_identity(stream) -> tuple[int, int] | None:
    try:
        info = os.fstat(stream.fileno())
    except (AttributeError, OSError, ValueError):
        return None
    return (info.st_dev, info.st_ino) if stat.S_ISREG(info.st_mode) else None


def _start_copy(file: Followed, offset: int, line_number: int) -> None:
    """A copy starts where its original had been read to (if it holds that much)."""
    end = file.last_line_end(os.fstat(file.fd).st_size)
    if offset <= end:
        file.start_at(offset, line_number)
    else:
        file.start_at(end)
