"""Standard input, output and error as logpipe finds them: closed (`<&-`), a directory
as standard input (handed over by bin/logpipe), or a pipe to read when no PATH is given."""
from __future__ import annotations

import errno
import io
import os
import stat
import sys


def stdin_is_readable() -> bool:
    """Whether standard input is a pipe or a file to search, as ripgrep decides it
    (not a terminal, not /dev/null, not closed); or a directory, which is then reported
    as grep reports it ("Is a directory")."""
    try:
        mode = os.fstat(0).st_mode
    except OSError:
        return False
    return stat.S_ISFIFO(mode) or stat.S_ISREG(mode) or stat.S_ISSOCK(mode) or stat.S_ISDIR(mode)


class ClosedFile(io.RawIOBase):
    """Standard input or output that was closed when logpipe started (`<&-`, `>&-`): reading
    or writing it fails as the closed descriptor did, with "Bad file descriptor"."""

    def __init__(self, fd: int) -> None:
        self.fd = fd  # now /dev/null, so that no file opened later takes its number

    def fileno(self) -> int:
        return self.fd

    def readable(self) -> bool:
        return True

    def writable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        raise OSError(errno.EBADF, os.strerror(errno.EBADF))

    def write(self, data) -> int:
        raise OSError(errno.EBADF, os.strerror(errno.EBADF))


def reopen_closed_streams() -> None:
    """Descriptors 0, 1, 2 closed when we started: open /dev/null on them, so that a log file
    opened later cannot become "standard input" or receive our output; then reading a closed
    stdin or writing a closed stdout fails with "Bad file descriptor" (as in grep), and
    messages to a closed stderr are dropped."""
    handed_over = os.environ.pop("LOGPIPE_STDIN_FD", None)  # a directory as stdin: see bin/logpipe
    if handed_over is not None and handed_over.isdigit():
        try:
            os.dup2(int(handed_over), 0)  # reading it now fails with "Is a directory", as in grep
            os.close(int(handed_over))
        except OSError:
            pass
    for fd in (0, 1, 2):
        try:
            os.fstat(fd)
            continue
        except OSError:
            pass
        null = os.open(os.devnull, os.O_RDWR)
        if null != fd:
            os.dup2(null, fd)
            os.close(null)
        if fd == 0:
            sys.stdin = io.TextIOWrapper(io.BufferedReader(ClosedFile(0)))
        elif fd == 1:
            sys.stdout = io.TextIOWrapper(ClosedFile(1), write_through=True)
        else:
            sys.stderr = open(2, "w", closefd=False)
