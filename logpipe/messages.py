"""Error messages on stderr, one line each, and the sticky "errored" flag behind exit status 2."""
from __future__ import annotations

import os
import re
import sys
from typing import BinaryIO


def describe(err: BaseException) -> str:
    """The short reason for an OS error: "Permission denied", not "[Errno 13] ...: 'x'"."""
    if isinstance(err, OSError) and err.errno is not None:
        return os.strerror(err.errno)
    return str(err) or type(err).__name__


class ReadError(OSError):
    """A read that failed for the reason its text gives in full (a remote transfer, say)."""

    def __str__(self) -> str:
        return str(self.args[0]) if self.args else "read error"


# Notes: what is said of many files at once, in one summary line at the end (`note`), not one
# line per file. Each kind's text, as a per-file message reads where nobody summarises.
NOTES = {"timeless": "no timestamp recognised (see --time-format)",
         "unsorted": "no timestamp recognised (see --time-format); their lines keep their place"}
NOTE_ENDINGS = {"timeless": "skipped", "unsorted": "its lines keep their place"}
NAMES_SHOWN = 3          # file names in a summary line
NAMES_KEPT = 100_000     # file names kept for --stats (beyond: counted only)


class Messages:
    """Writes `logpipe: NAME: reason` lines and remembers that something went wrong.

    `silent=True` (`-s`) drops the lines but still sets `errored`, as grep does.
    `summarize=True` (the search's own messages, not a worker's): notes are gathered, also
    from what workers pass on (`write_raw`), for one line each at the end (`write_notes`).
    """

    def __init__(self, stream: BinaryIO | None = None, *, silent: bool = False, summarize: bool = False) -> None:
        self.stream = stream
        self.silent = silent
        self.errored = False
        self.count = 0  # how many messages, shown or not
        self.summarize = summarize
        self.notes: dict[str, list] = {}  # kind -> [count, names]

    def note(self, kind: str, name: bytes | str) -> None:
        """Something to say of this file that is said of many files at once (see NOTES)."""
        if self.silent:
            return
        if not self.summarize:  # a worker's, or a library user's: one line, which the summary recognises
            self.warn(name, _note_line(kind))
            return
        if isinstance(name, str):
            name = os.fsencode(name)
        entry = self.notes.setdefault(kind, [0, []])
        entry[0] += 1
        if len(entry[1]) < NAMES_KEPT:
            entry[1].append(name)

    def write_notes(self, every_name: bool = False) -> None:
        """One line for each kind of note gathered (the first few names), and with
        `every_name` (--stats) every name after it, one a line."""
        for kind, (count, names) in self.notes.items():
            files = "1 file" if count == 1 else f"{count} files"
            shown = b", ".join(names[:NAMES_SHOWN])
            more = count - min(count, NAMES_SHOWN)
            line = (f"logpipe: {files} {NOTE_ENDINGS[kind] if kind == 'timeless' else 'without a timestamp'}: "
                    f"{NOTES[kind]}: ").encode() + shown
            if more:
                line += f" and {more} more".encode() + (b"" if every_name else b" (--stats lists them all)")
            lines = [line + b"\n"]
            if every_name and more:
                lines += [b"  " + name + b"\n" for name in names]
            stream = self.stream if self.stream is not None else sys.stderr.buffer
            stream.write(b"".join(lines))
            stream.flush()
        self.notes = {}

    def write_raw(self, lines: bytes, count: int) -> None:
        """Pass on `count` messages already formatted elsewhere (by a worker process)."""
        if self.summarize and lines and b"no timestamp recognised" in lines:
            lines = self._gather_notes(lines)
        if count:
            self.errored = True
            self.count += count
        if lines and not self.silent:
            stream = self.stream if self.stream is not None else sys.stderr.buffer
            stream.write(lines)
            stream.flush()

    def _gather_notes(self, lines: bytes) -> bytes:
        """The worker's note lines taken out of `lines` into the summary; the rest."""
        kept, position = [], 0
        for m in _NOTE_LINE.finditer(lines):
            kept.append(lines[position:m.start()])
            position = m.end()
            self.note(_NOTE_KINDS[m.group(2)], m.group(1))
        kept.append(lines[position:])
        return b"".join(kept)

    def warn(self, name: bytes | str, reason: str) -> None:
        """A line on stderr that is not an error: the exit status stays as it is."""
        if self.silent:
            return
        if isinstance(name, str):
            name = os.fsencode(name)
        stream = self.stream if self.stream is not None else sys.stderr.buffer
        stream.write(b"logpipe: " + name + b": " + reason.encode("utf-8", "replace") + b"\n")
        stream.flush()

    def error(self, name: bytes | str, reason: str) -> None:
        """A line on stderr that makes the exit status 2."""
        self.errored = True
        self.count += 1
        self.warn(name, reason)


def _note_line(kind: str) -> str:
    return NOTES["timeless"] + "; skipped" if kind == "timeless" else NOTES["timeless"] + "; its lines keep their place"


_NOTE_KINDS = {_note_line(kind).encode(): kind for kind in NOTES}
_NOTE_LINE = re.compile(
    rb"(?:^|(?<=\n))logpipe: ((?:(?!\nlogpipe: ).)+?): (" + b"|".join(
        re.escape(text) for text in _NOTE_KINDS) + rb")\n", re.DOTALL)


class HeldMessages(Messages):
    """Messages held, not written: what a walk running ahead of the search reports (the
    -j workers', --dask's, or the fetch stage's walk), kept until its place in the
    output's order. `take()` hands over what was held since the last take, as a batch
    for `release(batch)` (or `write_raw(*batch)`) when its place comes."""

    def __init__(self, target: Messages) -> None:
        import io

        super().__init__(io.BytesIO(), silent=target.silent)
        self.target = target

    @property
    def held(self) -> bool:
        """Whether anything was reported since the last `take`."""
        return bool(self.stream.tell()) or bool(self.count)

    def take(self) -> tuple[bytes, int]:
        """The lines held and how many messages they were."""
        lines, count = self.stream.getvalue(), self.count
        self.stream.seek(0)
        self.stream.truncate()
        self.count = 0
        return lines, count

    def release(self, batch: tuple[bytes, int] | None = None) -> None:
        """Write `batch` (default: everything held now) to the messages it was held for."""
        self.target.write_raw(*(batch if batch is not None else self.take()))
