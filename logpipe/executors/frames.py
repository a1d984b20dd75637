"""A search's results as framed bytes: how a worker process or a cluster task hands each
file's output to the parent, and how the parent delivers them to the sink in order.

Frames: a 5-byte header (kind, length), then the payload: `O` output bytes, `G` the file
starts a context group, `E` message lines, `S` counter increments (pickled `Stats`), `D`
a file done (pickled: matches, messages, the format's totals, counters). The sender
gathers frames in a buffer and hands it on (`Frames.flush`) when it is big enough, when
`FLUSH_EVERY` seconds passed (checked per block), or when asked.
"""
from __future__ import annotations

import io
import pickle
import struct
import time
from collections import deque
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING

from ..messages import Messages
from ..printers import make_printer
from ..printers.ordered import FileDone

if TYPE_CHECKING:
    from ..plan import Plan
    from ..records import LogFile
    from ..stats import Stats

CHUNK = 64 * 1024     # output bytes per frame, and what a sender gathers before it hands them on
FLUSH_EVERY = 0.05    # seconds: a sender hands on what it has at least this often

HEADER = struct.Struct("<cI")
OUTPUT, GROUP, MESSAGE, COUNTED, DONE = b"O", b"G", b"E", b"S", b"D"


class Frames:
    """The sending side: frames gathered in a buffer, handed to `send(bytes)` when big
    enough, when FLUSH_EVERY passed, or when asked. A blocked `send` is the back-pressure."""

    def __init__(self, send: Callable[[bytes], None], limit: int = CHUNK) -> None:
        self.send = send
        self.limit = limit  # bytes gathered before they are handed on
        self.buffer = bytearray()
        self.output = bytearray()  # the current file's output not yet framed
        self.sent = 0.0  # never: the first output goes at the first block's tick (first line as soon as -j1's)

    def frame(self, kind: bytes, payload: bytes) -> None:
        self.seal()
        self.buffer += HEADER.pack(kind, len(payload))
        self.buffer += payload

    def seal(self) -> None:
        if self.output:
            self.buffer += HEADER.pack(OUTPUT, len(self.output))
            self.buffer += self.output
            self.output.clear()

    def flush(self) -> None:
        self.seal()
        if self.buffer:
            self.send(self.buffer)  # it may not keep the buffer: it is reused
            self.buffer.clear()
        self.sent = time.monotonic()

    def due(self) -> bool:
        """Whether what is gathered should go now (FLUSH_EVERY passed since the last send)."""
        return time.monotonic() - self.sent >= FLUSH_EVERY and bool(self.buffer or self.output)

    def done(self, result: FileDone, counted: Stats | None) -> None:
        self.frame(DONE, pickle.dumps((result.matches, result.errors, result.totals, counted),
                                      protocol=pickle.HIGHEST_PROTOCOL))

    def counted(self, stats: Stats) -> None:
        self.frame(COUNTED, pickle.dumps(stats, protocol=pickle.HIGHEST_PROTOCOL))


class FrameOutput(io.RawIOBase):
    """What a sender's printer writes into. With context lines, the first write of a file
    is a lone separator if the file starts a group (`StandardPrinter.begin_file`): that one
    becomes a `G` frame, for the parent to decide whether "--" belongs there."""

    starting = False
    separator = b"--\n"

    def __init__(self, frames: Frames) -> None:
        self.frames = frames

    def writable(self) -> bool:
        return True

    def write(self, data) -> int:
        frames = self.frames
        if self.starting:
            self.starting = False
            if data == self.separator:
                frames.frame(GROUP, b"")
                return len(data)
        frames.output += data
        if len(frames.output) >= CHUNK:
            frames.seal()
            if len(frames.buffer) >= frames.limit:
                frames.flush()
        return len(data)


class FrameMessages(io.RawIOBase):
    def __init__(self, frames: Frames) -> None:
        self.frames = frames

    def writable(self) -> bool:
        return True

    def write(self, data) -> int:
        self.frames.frame(MESSAGE, bytes(data))
        return len(data)


class FileSearcher:
    """The plan's chain over many files, with the printer built once, formatting into
    frames: after each file, `done(logfile, FileDone)` once its output has all been written."""

    def __init__(self, plan: Plan, frames: Frames, stats: Stats | None) -> None:
        from ..backends import BACKENDS

        self.plan = plan
        self.stream = FrameOutput(frames)
        self.messages = Messages(FrameMessages(frames), silent=plan.options.no_messages)
        self.printer = make_printer(plan.printer, self.stream, plan.highlighter, self.messages)
        self.stream.separator = self.printer.separator
        self.stats = stats
        self.backend = BACKENDS[plan.options.backend]

    def run(self, logfiles: Iterator[LogFile], done: Callable[[LogFile, FileDone], None]) -> None:
        printer, messages, stream = self.printer, self.messages, self.stream
        sink = printer.sink
        state = {"file": None, "matches": 0, "errors": 0}
        printer.take_totals()  # from here on
        taken: deque[LogFile] = deque()  # taken by the chain, their turn not come yet

        def finish() -> None:
            logfile, state["file"] = state["file"], None
            matches, errors = sink.matches - state["matches"], messages.count - state["errors"]
            state["matches"], state["errors"] = sink.matches, messages.count
            done(logfile, FileDone(matches, errors, printer.take_totals()))

        def turn() -> None:
            """The next file's turn: the one before it is done."""
            if state["file"] is not None:
                finish()
            state["file"] = taken.popleft()
            printer.begin_file()
            stream.starting = printer.settings.context

        fetched = self.plan.remote  # the fetch stage takes files ahead, and says when each one's turn comes

        def each_file() -> Iterator[LogFile]:
            while True:
                if not fetched and state["file"] is not None:  # the chain asks for the next file:
                    finish()  # the one before it is done (said before waiting for the next one)
                logfile = next(logfiles, None)
                if logfile is None:
                    return
                taken.append(logfile)
                if not fetched:
                    turn()
                yield logfile

        self.backend.search_logfiles(self.plan, each_file(), printer, messages, self.stats,
                                     turn if fetched else None)
        if state["file"] is not None:  # the last file, or the one the chain stopped in (-q satisfied)
            finish()


class Replay:
    """Frames of a sender that started over (a cluster task run again), less what the
    first run delivered already: the same search gives the same output bytes, messages,
    groups and file ends in the same order (only the counter frames differ, and are
    dropped while skipping)."""

    def __init__(self, delivered: dict) -> None:
        self.left = dict(delivered)
        self.pending = b""

    def __call__(self, data: bytes) -> bytes:
        if not any(self.left.values()):
            data, self.pending = self.pending + data, b""
            return data
        pending, position, out = self.pending + data, 0, bytearray()
        left = self.left
        while len(pending) - position >= HEADER.size and any(left.values()):
            kind, length = HEADER.unpack_from(pending, position)
            end = position + HEADER.size + length
            if len(pending) < end:
                break
            if kind == OUTPUT and left[OUTPUT]:
                cut = min(left[OUTPUT], length)
                left[OUTPUT] -= cut
                if cut < length:
                    out += HEADER.pack(OUTPUT, length - cut) + pending[position + HEADER.size + cut:end]
            elif kind in left and left[kind]:
                left[kind] -= 1
            elif kind != COUNTED:
                out += pending[position:end]
            position = end
        self.pending = pending[position:]
        if not any(left.values()):
            out += self.pending
            self.pending = b""
        return bytes(out)


class FrameReader:
    """The receiving side, for one sender: bytes received (`held`), delivered to a sink
    frame by frame, up to the end of the file at the head of the order."""

    def __init__(self) -> None:
        self.held = bytearray()
        self.position = 0
        self.delivered = {OUTPUT: 0, MESSAGE: 0, GROUP: 0, DONE: 0}  # output bytes, and frames of each kind

    @property
    def ahead(self) -> int:
        """Bytes received and not yet delivered."""
        return len(self.held) - self.position

    def deliver_file(self, sink, on_done: Callable[[], None] = lambda: None) -> bool:
        """Hand `sink` the complete frames received of the head file; True once its end
        came (`on_done` is called first, then `sink.done`)."""
        held, position = self.held, self.position
        try:
            while len(held) - position >= HEADER.size:
                kind, length = HEADER.unpack_from(held, position)
                end = position + HEADER.size + length
                if len(held) < end:
                    break
                payload = bytes(held[position + HEADER.size:end])
                position = end
                if kind == OUTPUT:
                    self.delivered[OUTPUT] += len(payload)
                    sink.output(payload)
                elif kind == GROUP:
                    self.delivered[GROUP] += 1
                    sink.group()
                elif kind == MESSAGE:
                    self.delivered[MESSAGE] += 1
                    sink.message(payload)
                elif kind == COUNTED:
                    sink.counted(pickle.loads(payload))
                else:
                    matches, errors, totals, counted = pickle.loads(payload)
                    self.delivered[DONE] += 1
                    on_done()
                    if counted is not None:
                        sink.counted(counted)
                    sink.done(FileDone(matches, errors, totals))
                    return True
            return False
        finally:
            if position == len(held):
                held.clear()
                position = 0
            elif position >= 1 << 20:
                del held[:position]
                position = 0
            self.position = position
