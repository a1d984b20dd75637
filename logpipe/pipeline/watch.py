"""--tail's waiting: sleep until a followed file grows, a directory of the tree changes, a
deadline comes, or the reader of the output goes away.

    Inotify  (Linux, through inotify_simple): a watch on each directory of the tree (files
             created, renamed, deleted there) and a one-shot watch on each followed file
             (it was written to), armed again just before the file is read: nothing written
             after a read goes unseen, and a file written line by line wakes the follow
             once per read, not once per line. A file's watch is set through its open
             descriptor (/proc/self/fd/N), so a file renamed away or deleted is still seen
             growing while a writer holds it.
    Polling  (without inotify, or --tail-poll SECONDS): every interval, every followed file
             is looked at (one fstat each) and the tree walked again.

Both wait in one `poll()`, which also watches standard output when it is a pipe or a
socket: a reader gone (`| head`) shows there at once, not at the next match.
"""
from __future__ import annotations

import os
import select
import stat
import time
from typing import NamedTuple

POLL = 0.5  # seconds between looks when polling (the default without inotify)


class OutputClosed(Exception):
    """The reader of standard output went away (its pipe has no reader left)."""


class Changes(NamedTuple):
    files: list         # followed files that may have grown (all of them: polling, or events lost)
    rescan: bool        # the tree may have changed: walk it again


class Watch:
    """What both watchers share: the poll object, and standard output watched for its reader.
    `exhausted`: inotify refused a watch (fs.inotify.max_user_watches): polling must take over."""

    exhausted = False

    def __init__(self, output) -> None:
        self.poller = select.poll()
        self.output_fd = _pipe_descriptor(output)
        if self.output_fd is not None:
            self.poller.register(self.output_fd, 0)  # POLLERR and POLLHUP are reported anyway

    def _poll(self, timeout: float | None) -> list[int]:
        """The descriptors ready (within `timeout` seconds; None: until one is); raises
        `OutputClosed` when the output's reader is gone."""
        ready = self.poller.poll(None if timeout is None else max(0, int(timeout * 1000 + 0.999)))
        for fd, _ in ready:
            if fd == self.output_fd:
                raise OutputClosed
        return [fd for fd, _ in ready]

    def add_directory(self, path: str) -> bool:
        """Watch `path`; whether it was not watched before."""
        return False

    def add_file(self, file) -> None:
        pass

    def arm(self, file) -> None:
        """Before `file` is read: what is written after the read wakes the follow."""

    def remove_file(self, file) -> None:
        pass

    def close(self) -> None:
        pass


class Polling(Watch):
    kind = "polling"

    def __init__(self, output, interval: float = POLL, files=()) -> None:
        super().__init__(output)
        self.interval = interval
        self.files = list(files)
        self.next = time.monotonic() + interval

    def add_file(self, file) -> None:
        self.files.append(file)

    def remove_file(self, file) -> None:
        if file in self.files:
            self.files.remove(file)

    def wait(self, timeout: float | None) -> Changes:
        now = time.monotonic()
        left = self.next - now
        self._poll(left if timeout is None else min(left, timeout))
        now = time.monotonic()
        if now < self.next:
            return Changes([], False)
        self.next = now + self.interval
        return Changes(list(self.files), True)


class Inotify(Watch):
    kind = "inotify"

    def __init__(self, output) -> None:
        super().__init__(output)
        from inotify_simple import INotify, flags

        self.flags = flags
        self.inotify = INotify()
        self.poller.register(self.inotify.fileno(), select.POLLIN)
        self.directories: dict[int, str] = {}  # watch descriptor → directory
        self.watched: set[str] = set()
        self.files: dict[int, object] = {}     # watch descriptor → followed file
        self.armed: dict[object, int] = {}     # followed file → its watch descriptor, while armed
        self.directory_mask = (flags.CREATE | flags.MOVED_FROM | flags.MOVED_TO | flags.DELETE | flags.DELETE_SELF
                               | flags.MOVE_SELF | flags.ONLYDIR)
        self.file_mask = flags.MODIFY | flags.ONESHOT
        self.by_descriptor = os.path.isdir("/proc/self/fd")

    def add_directory(self, path: str) -> bool:
        if path in self.watched:
            return False
        try:
            wd = self.inotify.add_watch(path or ".", self.directory_mask)
        except OSError as err:
            self.exhausted = self.exhausted or err.errno == 28  # ENOSPC: no watch left
            return False  # gone already, or not readable: the next walk tells
        self.watched.add(path)
        self.directories[wd] = path
        return True

    def add_file(self, file) -> None:
        self.arm(file)

    def arm(self, file) -> None:
        if file in self.armed:
            return
        target = f"/proc/self/fd/{file.fd}" if self.by_descriptor else file.path
        try:
            wd = self.inotify.add_watch(target, self.file_mask)
        except OSError as err:
            self.exhausted = self.exhausted or err.errno == 28
            return
        self.files[wd] = file
        self.armed[file] = wd

    def remove_file(self, file) -> None:
        wd = self.armed.pop(file, None)
        if wd is not None:
            self.files.pop(wd, None)
            try:
                self.inotify.rm_watch(wd)
            except OSError:
                pass

    def wait(self, timeout: float | None) -> Changes:
        if not self._poll(timeout):
            return Changes([], False)
        flags = self.flags
        grown, rescan = {}, False
        for event in self.inotify.read(timeout=0):
            if event.mask & flags.Q_OVERFLOW:  # events lost: look at everything
                return Changes(list(self.armed) + list(grown), True)
            if event.wd in self.directories:
                if event.mask & flags.IGNORED:  # the directory is gone
                    self.watched.discard(self.directories.pop(event.wd))
                rescan = True
                continue
            file = self.files.get(event.wd)
            if file is None:
                continue
            if event.mask & (flags.IGNORED | flags.MODIFY):  # a one-shot watch spent: armed no more
                if self.armed.get(file) == event.wd:
                    del self.armed[file]
                if event.mask & flags.IGNORED:
                    self.files.pop(event.wd, None)
            if event.mask & flags.MODIFY:
                grown[file] = None
        return Changes(list(grown), rescan)

    def close(self) -> None:
        self.inotify.close()


def make_watch(output, interval: float | None = None, messages=None) -> Watch:
    """inotify where it works (unless `interval`, --tail-poll, asks for polling), else polling."""
    if interval is None:
        try:
            return Inotify(output)
        except (ImportError, OSError):  # not Linux, inotify_simple missing, or no inotify instance left
            interval = POLL
    return Polling(output, interval)


def _pipe_descriptor(output) -> int | None:
    """The descriptor of standard output when it is a pipe or a socket (whose reader can go)."""
    try:
        fd = output.fileno()
        mode = os.fstat(fd).st_mode
    except (AttributeError, OSError, ValueError):
        return None
    return fd if stat.S_ISFIFO(mode) or stat.S_ISSOCK(mode) else None
