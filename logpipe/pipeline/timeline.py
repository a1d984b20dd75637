"""--sort time: one timeline across rotated and different logs.

Two shared pieces:

- `rotated_sets(logfiles)`: the walk's files grouped into rotated sets (same directory,
  same base name), each set oldest first, the sets in the order the walk met them:

      app.log.10.gz … app.log.2.gz, app.log.1, app.log        (numbered, delaycompress too)
      app.log-20261129.gz, app.log-20261130.gz, app.log       (dateext)

  A set is read as one chain of files, one file after the other.
- `merge_by_time(streams)`: the k-way merge of the sets' records into one stream ordered
  by time, as `heapq.merge` does, streaming: it holds one pending record per set, and each
  set's chain holds one open file and one block, so memory grows with the number of sets,
  never with their size. Stable: equal times keep the walk order of the sets, and records
  of one set keep their own order. A record without a time (a context line, a file's end,
  a line of a file without timestamps) takes the time of the record before it in its set.
  Each stream is assumed to be in time order already (a log is): the merge does not sort
  within a stream, so a line out of order stays where its file has it. A file's end
  (a `FileEnd` without a time of its own) comes right after the file's last record,
  before any other set's: the JSON printer knows by it whether that line ended with a
  newline.

Every set is open at once during a merge: one file descriptor per set (and per decoder).
`ensure_descriptors` raises the soft limit (RLIMIT_NOFILE) up to the hard one when needed.
"""
from __future__ import annotations

import heapq
import os
import re
from collections.abc import Iterable, Iterator

from ..records import FileEnd, LogFile, Match, RecordMatch

__all__ = ["rotation_key", "rotated_sets", "merge_by_time", "set_blocks", "ensure_descriptors"]

COMPRESSED_SUFFIX = r"\.(?:gz|bz2|xz|zst|zstd|lz4|Z|z)"
_ROTATED = re.compile(
    r"^(?P<base>.+?)"
    r"(?:[.-](?P<number>\d{1,5})"
    r"|[.-](?P<date>\d{8}(?:[-_T]?\d{2,6})?|\d{4}-\d{2}-\d{2}(?:[-_T][\d:.-]+)?))?"
    r"(?P<suffix>" + COMPRESSED_SUFFIX + r")?$", re.DOTALL)


def rotation_key(name: str) -> tuple[str, tuple]:
    """(base name, rank in its set: older files rank lower) of a file name."""
    m = _ROTATED.match(name)
    if m is None:  # pragma: no cover - the pattern matches every non-empty name
        return name, (2, "")
    if m.group("number") is not None:
        return m.group("base"), (0, -int(m.group("number")))
    if m.group("date") is not None:
        return m.group("base"), (1, re.sub(r"\D", "", m.group("date")))
    return m.group("base"), (2, "")


def rotated_sets(logfiles: Iterable[LogFile]) -> list[list[LogFile]]:
    """The files grouped into rotated sets, each oldest first, in the order the walk met them."""
    sets: dict[tuple[str, str], list[tuple[tuple, int, LogFile]]] = {}
    for position, logfile in enumerate(logfiles):
        if logfile.path == "-":
            sets[("-", str(position))] = [((2, ""), position, logfile)]
            continue
        directory, name = os.path.split(logfile.path)
        base, rank = rotation_key(name)
        sets.setdefault((directory, base), []).append((rank, position, logfile))
    return [[logfile for _, _, logfile in sorted(members, key=lambda m: (m[0], m[1]))]
            for members in sets.values()]


def merge_by_time(streams: Iterable[Iterable]) -> Iterator:
    """The records of `streams` (one per rotated set), merged into one time order.
    Closing this generator closes every stream (and so their open files).

    Merged run by run, not record by record: after a record of one set, the set's next
    records go out without a heap operation as long as they come before every other set's
    next record (a log whose hours lie before the others' comes out in one run)."""
    iterators = [iter(stream) for stream in streams]
    latest = [-float("inf")] * len(iterators)
    timed = (Match, RecordMatch, FileEnd)  # the records that may carry a time (a record: its first line's; a file's end: with -c, -l, -L)

    def entry(index: int):
        record = next(iterators[index], _END)
        if record is _END:
            return None
        moment = record.time if record.__class__ in timed else None
        if moment is None:
            moment = latest[index]
        else:
            latest[index] = moment
        return moment, index, record  # the index is unique in the heap: records are never compared

    try:
        heap = [item for item in map(entry, range(len(iterators))) if item is not None]
        heapq.heapify(heap)
        heapreplace, heappop = heapq.heapreplace, heapq.heappop
        while heap:
            _, index, record = heap[0]
            yield record
            if len(heap) == 1:  # the last set: the rest of it as it comes
                yield from iterators[index]
                break
            # the next record of any other set: this set runs on while its records come
            # before it (at an equal time, the set met first in the walk goes first)
            other = heap[1] if len(heap) == 2 or heap[1] < heap[2] else heap[2]
            other_moment, other_index = other[0], other[1]
            last = latest[index]
            for record in iterators[index]:
                moment = record.time if record.__class__ in timed else None
                if moment is None:
                    moment = last
                else:
                    last = moment
                if moment < other_moment or (moment == other_moment and index < other_index):
                    yield record
                    continue
                heapreplace(heap, (moment, index, record))
                break
            else:  # this set is done
                heappop(heap)
            latest[index] = last
    finally:
        for iterator in iterators:
            close = getattr(iterator, "close", None)
            if close is not None:
                close()


_END = object()


def set_blocks(logfiles: Iterable[LogFile], stages: list[tuple[str, tuple, dict]]) -> Iterator:
    """The blocks of one rotated set's files, one at a time, for a backend whose chain
    cannot pause inside a file (push): the work of the plan's `stages` up to `cat`
    (fetch, opener, skip_by_time, cat, as `logpipe.plan` lists them), with their shared
    pieces. Sending `SKIP_FILE` in stops reading the current file, as into pull's `cat`."""
    from ..records import SKIP_FILE
    from .blocks import end_of, read_blocks
    from .codecs import open_log

    settings = {name: (pieces, keywords) for name, pieces, keywords in stages}
    fetched = None
    if "fetch" in settings:
        from .remote import PREFETCH, FetchWindow

        fetched = FetchWindow(settings["fetch"][1]["width"] or PREFETCH, settings["fetch"][1]["announce"])
        logfiles = fetched.all(logfiles)
    window = settings["skip_by_time"][0][0] if "skip_by_time" in settings else None
    messages, stats = settings["opener"][1]["messages"], settings["opener"][1]["stats"]
    cat = dict(settings["cat"][1])
    cat.pop("messages"), cat.pop("stats")
    try:
        for logfile in logfiles:
            file = open_log(logfile, messages, stats)
            if file is None:
                continue
            with file:
                if window is not None and not window.open(file):
                    continue
                for block in read_blocks(file, messages=messages, stats=stats, **cat):
                    if (yield block) == SKIP_FILE:
                        break
                yield end_of(file)
    finally:
        if fetched is not None:
            fetched.close()


# --tail --sort time: how long a record is held, for the records of other files that come
# later but are older. One second: a log's lines reach the disk within it, and the follow's
# output stays within it of the writes.
SORT_WINDOW = 1.0


class TimeOrder:
    """--tail --sort time: the followed files' records merged by their timestamps within
    a window. Each record is held until `window` seconds after it came, and handed on in
    time order. A file's own order is kept, as `merge_by_time` keeps it: a record without a
    time of its own, or earlier than its file's previous one, takes that one's time. A
    record that comes more than `window` seconds after one newer than it goes out where it
    comes."""

    def __init__(self, window: float = SORT_WINDOW) -> None:
        self.window = window
        self.heap: list = []
        self.latest: dict[bytes, float] = {}
        self.count = 0  # unique in the heap: records are never compared

    def add(self, record) -> None:
        import time

        latest = self.latest.get(record.name, -float("inf"))
        moment = getattr(record, "time", None)
        moment = latest if moment is None or moment < latest else moment  # a file's own order is kept
        self.latest[record.name] = moment
        heapq.heappush(self.heap, (moment, self.count, time.monotonic(), record))
        self.count += 1

    def due(self) -> list:
        """The records whose time has come, in time order."""
        import time

        now, heap, out = time.monotonic() - self.window, self.heap, []
        while heap and heap[0][2] <= now:
            out.append(heapq.heappop(heap)[3])
        return out

    def deadline(self) -> float | None:
        """When the next record is due (`time.monotonic()`), if one is held."""
        return self.heap[0][2] + self.window if self.heap else None

    def rest(self) -> list:
        """Every record held, in time order (the end of the follow)."""
        out = [item[3] for item in sorted(self.heap)]
        self.heap.clear()
        return out


def ensure_descriptors(count: int) -> None:
    """Let this process hold `count` more open files, raising the soft limit if it can."""
    try:
        import resource
    except ImportError:  # pragma: no cover - not on POSIX
        return
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    wanted = count * 2 + 64  # a file and its decoder's, and room for the rest
    if soft != resource.RLIM_INFINITY and soft < wanted:
        new = wanted if hard == resource.RLIM_INFINITY else min(wanted, hard)
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (new, hard))
        except (ValueError, OSError):
            pass
