"""--tail's shared piece: follow every file under the PATHs as it grows, across rotation.

    Follower(logfiles, start, roots=..., walk=...).batches() ─> (file, [Block, ...]) ...

It yields batches of blocks of whole lines, each of one file, in the order the files
grew, and waits inside (`logpipe.pipeline.watch`) while nothing happens. Each backend
hands a file's batches to that file's lane (the plan's stages after `cat`, with pieces of
their own: `Plan.lane`), which `start(file)` makes when the follower meets the file.

What is followed, and from where:
- the walk's files (the same -g, --exclude, --max-depth, --follow), from their end (the
  last whole line: an unfinished one is read with the lines that finish it), or with
  --since from their start (then the lane's time window keeps the lines since TIME, and a
  file last modified well before TIME, which holds none, is followed from its end);
- a file that appears later where the walk would select it (created, renamed into the
  tree, a new file put in place of one), from its start, unless it is a copy of a
  followed file (its first bytes are the same: copytruncate, cp): then from where that
  file had been read to when it was truncated (or, if it is not truncated within GRACE,
  from the copy's end);
- compressed files never: a rotated log compressed is done with. With --since, the walk's
  compressed files are searched once, whole, before the follow.

Rotation, by file identity (device, inode), with each file held open:
- renamed (logrotate's `create`, `dateext`): read on where it was, under its new name if
  the walk selects that name, else under its old one; a new file at the old name is a
  new file, read from its start;
- truncated in place (copytruncate), or truncated and written again (the bytes just
  before the read position changed): read again from its start, numbered from line 1;
- deleted, or renamed where the walk does not look: read on while a writer still writes
  to it, and let go GRACE seconds after it last grew.
So every line written is read once: the old file's last lines after the rename, before
the writer reopened its log, are not lost, and none is read twice.
"""
from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterable, Iterator

from ..messages import Messages
from ..records import Block, LogFile
from ..signals import Terminated
from ..stats import Stats
from .blocks import MAX_LINE_BYTES
from .codecs import BLOCK_SIZE
from .followed import Followed, batched
from .rotation import GRACE, Tree, output_identity
from .watch import OutputClosed, Polling, make_watch

IDLE = 0.5    # seconds a file is quiet before its lane hears so (--records: its open record goes out)


class Follower:
    """The follow of one search: `batches()` runs it; `skip(file)` stops reading a file
    whose lane wants no more of it. `start(file) -> bool` begins a file's lane and says
    whether the file may hold lines since --since. `sink`: the output, flushed whenever
    the follow waits, and watched for its reader going away."""

    def __init__(self, logfiles: Iterable[LogFile], start: Callable[[object], bool], *, roots=("",),
                 walk: dict | None = None, since: float | None = None, until: float | None = None,
                 block_size: int = BLOCK_SIZE, count_lines: bool = True, max_line_bytes: int = MAX_LINE_BYTES,
                 poll: float | None = None, idle_blocks: bool = False, messages: Messages | None = None,
                 stats: Stats | None = None, sink=None, deadline: Callable[[], float | None] | None = None) -> None:
        self.logfiles, self.until = logfiles, until
        self.deadline = deadline  # when the consumer wants to be woken (`time.monotonic()`), or None
        self.poll, self.idle_blocks = poll, idle_blocks
        self.messages, self.sink = messages or Messages(), sink
        self.skipping: set = set()
        reading = {"block_size": block_size, "count_lines": count_lines, "max_line_bytes": max_line_bytes}
        self.tree = Tree(start, roots=roots, walk=walk, since=since, reading=reading, messages=self.messages,
                         stats=stats, output=output_identity(sink.stream if sink is not None else None),
                         skipping=self.skipping)
        self.files, self.watch = self.tree.files, None  # the followed files, by identity; the watch

    # -- the follow -----------------------------------------------------------------------------

    def batches(self) -> Iterator[tuple[object, list[Block]]]:
        """`(file, blocks)`: each file's new whole lines as they come, an empty block when
        it has gone quiet (with `idle_blocks`), and its `last` block when it is let go or
        the follow ends (by --until, Ctrl-C or SIGTERM, after its unfinished last line);
        with a `deadline`, a `(None, [])` after each round, for the consumer's own timers.
        Ends by itself only at --until; `OutputClosed` from the wait ends it too."""
        self.watch = self.tree.watch = make_watch(self.sink.stream if self.sink is not None else None, self.poll,
                                                  self.messages)
        try:
            yield from self._begin()
            yield from self._follow()
        except (KeyboardInterrupt, Terminated):
            yield from self._end_all()
            raise
        except OutputClosed:
            if self.sink is not None:
                self.sink.pipe_closed = True
            return
        yield from self._end_all()

    def skip(self, file) -> None:
        self.skipping.add(file)

    def close(self) -> None:
        for file in self.files.values():
            file.close()
        self.files.clear()
        if self.watch is not None:
            self.watch.close()

    def _begin(self) -> Iterator:
        logfiles = list(self.logfiles)
        from .timeline import ensure_descriptors

        ensure_descriptors(len(logfiles))
        for logfile in logfiles:
            if logfile.path == "-" or "://" in logfile.path:
                self.messages.error(logfile.name, "--tail follows local files only")
                continue
            yield from self.tree.track(logfile, initial=True)
        for logfile in self.tree.rescan():  # the directories to watch, and what appeared meanwhile
            yield from self.tree.track(logfile, initial=False)

    def _follow(self) -> Iterator:
        dirty: dict[Followed, None] = {}
        while True:
            if self.until is not None and time.time() > self.until:
                return
            found = []
            if not dirty:
                if self.sink is not None:
                    self.sink.idle()  # what was printed goes out while the logs are quiet
                changes = self._wait(self._timeout())
                if changes.rescan or not all(map(_still_there, changes.files)):
                    found = self.tree.rescan()  # names first: a line read after a rename has the new name
                dirty.update(dict.fromkeys(changes.files))
                if found:  # what the others have is older than a file found new: read it first
                    dirty.update(dict.fromkeys(self.files.values()))
            for file in list(dirty):  # the files that grew, in the order they did
                del dirty[file]
                if file.fd >= 0 and file.identity in self.files:
                    yield from self._turn(file)
                    if file.fd >= 0 and file.more and not _waiting(file, self.skipping):
                        dirty[file] = None  # the rest next round (a waiting file: when it is due)
            for logfile in found:  # then the files new in the tree
                yield from self.tree.track(logfile, initial=False)
            yield from self._due()
            if self.deadline is not None:
                yield None, []

    def _wait(self, timeout: float | None):
        if self.watch.exhausted:  # inotify refused a watch: every file is looked at in turn from now on
            self.messages.warn("--tail", "no inotify watch left (fs.inotify.max_user_watches): "
                                         "looking for changes every 0.5 s instead")
            self.watch.close()
            self.watch = self.tree.watch = Polling(self.sink.stream if self.sink is not None else None,
                                                   files=self.files.values())
            return self.watch.wait(0)._replace(files=list(self.files.values()), rescan=True)
        return self.watch.wait(timeout)

    def _timeout(self) -> float | None:
        now, deadlines = time.monotonic(), []
        for file in self.files.values():
            if self.idle_blocks and not file.idle_sent:
                deadlines.append(file.grown + IDLE)
            if file.gone is not None:
                deadlines.append(max(file.grown, file.gone) + GRACE)
            if file.copy_of is not None or file.deciding:
                deadlines.append(file.copy_since + GRACE)
        if self.skipping:
            deadlines.append(now)
        wanted = self.deadline() if self.deadline is not None else None
        if wanted is not None:
            deadlines.append(wanted)
        deadlines += _printer_wake(self.sink, now)
        timeout = min(deadlines) - now if deadlines else None
        if self.until is not None:
            left = self.until - time.time()
            timeout = left if timeout is None else min(timeout, left)
        return None if timeout is None else max(timeout, 0.0)

    def _due(self) -> Iterator:
        """What time brings: quiet files told so, files gone long enough let go, copies
        whose original was not truncated started at their end, lanes that want no more."""
        now = time.monotonic()
        for file in list(self.files.values()):
            if file in self.skipping:
                self.tree.ignore(file.identity, file.fd)
                self._let_go(file)
                yield file, [file.end()]
                continue
            if file.deciding:
                if now - file.copy_since >= GRACE:  # long enough like a followed file's beginning: decide now
                    self.tree.decide(file, final=True)
                    if file in self.skipping:
                        continue
                    if file.copy_of is None:
                        for blocks in batched(file.read()):
                            yield file, blocks
                continue
            if file.copy_of is not None:
                if now - file.copy_since >= GRACE:  # its original was not truncated: all it holds was read there
                    size = os.fstat(file.fd).st_size
                    file.copy_of = None
                    file.start_at(file.last_line_end(size))
                continue
            if self.idle_blocks and not file.idle_sent and now - file.grown >= IDLE:
                yield file, [file.idle()]
            if file.gone is not None and now - max(file.grown, file.gone) >= GRACE:
                blocks = list(file.read(None)) + file.rest()
                self._let_go(file)
                yield file, blocks + [file.end()]
        self.skipping.difference_update([file for file in self.skipping if isinstance(file, Followed)])

    def _end_all(self) -> Iterator:
        """The end of the follow: what each file holds is read to its end (the last line,
        unfinished or not), then its lane ends; a file truncated since it was read (and the
        copies that waited for it) from its start first."""
        for file in [file for file in self.files.values() if not _waiting(file, self.skipping)]:
            yield from _reread_if_truncated(self.tree, file, os.fstat(file.fd).st_size, False)
        for file in list(self.files.values()):
            if not _waiting(file, self.skipping):
                for blocks in batched(file.read(None)):
                    yield file, blocks
                yield file, file.rest() + [file.end()]
            else:
                yield file, [file.end()]
            self._let_go(file)

    def _let_go(self, file: Followed) -> None:
        self.watch.remove_file(file)
        self.files.pop(file.identity, None)
        file.close()

    # -- one file's turn ------------------------------------------------------------------------

    def _turn(self, file: Followed) -> Iterator:
        """Read what `file` has new (armed again first: what comes after wakes us)."""
        if file.copy_of is not None or file in self.skipping:
            return
        self.watch.arm(file)
        try:
            size = os.fstat(file.fd).st_size
        except OSError:
            return
        if file.deciding:  # new: a copy of a followed file, or a file of its own?
            self.tree.decide(file)
            if file.deciding or file.copy_of is not None:
                return
        yield from _reread_if_truncated(self.tree, file, size, self.idle_blocks)
        blocks = list(file.read())
        if blocks:
            yield file, blocks

def follower_for(logfiles: Iterable[LogFile], start: Callable[[object], bool], *, sort_by_time: bool = False,
                 **settings) -> tuple[Follower, object]:
    """A backend's follow stage's follower, and with --sort time (`sort_by_time`) the time
    order its records go through (`logpipe.pipeline.timeline.TimeOrder`), else None."""
    order = None
    if sort_by_time:
        from .timeline import TimeOrder

        order = TimeOrder()
    return Follower(logfiles, start, deadline=order.deadline if order is not None else None, **settings), order


def _reread_if_truncated(tree: Tree, file: Followed, size: int, idle: bool) -> Iterator:
    """If `file` was truncated (its `size` now), read it from its start again, after the
    copies that waited for it (what they hold was written before): `(file, blocks)`."""
    if file.changed(size):
        if idle:
            yield file, [file.idle()]
        file.restart()
        for copy in tree.copies_of(file):
            for blocks in batched(copy.read(None)):
                yield copy, blocks


def _waiting(file: Followed, skipping) -> bool:
    """Whether `file` is not to be read now: a copy waiting for its original, a new file
    not yet known to be one, or a file its lane wants no more of."""
    return file.copy_of is not None or file.deciding or file in skipping


def ended(batches: Iterator, ending: BaseException) -> Iterator[tuple[object, list[Block]]]:
    """The batches the follow reads at its end when `ending` (Ctrl-C, SIGTERM) came outside
    `batches` (`Follower.batches()`), while a lane searched: thrown into it, so that it reads
    what the files hold to their end as when the signal comes while it waits (nothing when
    it came there: `batches` has ended then)."""
    if batches.gi_frame is None or batches.gi_running:
        return
    try:
        batch = batches.throw(ending)
        while True:
            yield batch
            batch = next(batches)
    except (KeyboardInterrupt, Terminated, StopIteration):
        return


def _printer_wake(sink, now: float) -> list[float]:
    """When (`time.monotonic()`) the printer wants the follow to wait no longer (a followed
    histogram's next row: `Sink.wake`, on the epoch clock), as a list of none or one."""
    wake = sink.wake() if sink is not None and sink.wake is not None else None
    return [] if wake is None else [now + wake - time.time()]


def _still_there(file: Followed) -> bool:
    """Whether `file` is still at the path it was last seen at (or known to be gone)."""
    if file.gone is not None:
        return True
    try:
        info = os.stat(file.path)
    except OSError:
        return False
    return (info.st_dev, info.st_ino) == file.identity


def begin_lane(entries: list[tuple[str, tuple, dict]], file) -> bool:
    """A lane's time window (if it has one) told that `file` begins; whether the file may
    hold lines since --since."""
    for name, pieces, _ in entries:
        if name == "time_window":
            return pieces[0].begin(file)
    return True
