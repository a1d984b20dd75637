"""Ctrl-C and SIGTERM, as shells expect them: status 130 and 143, no traceback.

Until a command's search runs, a handler exits at once (`quit_at_once`, installed by
`logpipe.start` before anything else is imported); while it runs, the signals become
exceptions (`interruptible`), so that open files are closed and worker processes ended
on the way out.
"""
from __future__ import annotations

import os
import signal


def quit_at_once(signum: int, frame) -> None:
    """Ctrl-C or SIGTERM before the search runs: nothing to clean up, exit 128 + signal."""
    ignore_ending_signals()
    os._exit(128 + signum)


def ignore_ending_signals() -> None:
    """After the first Ctrl-C or SIGTERM, the next ones (a second key press, the launcher's
    SIGTERM after the terminal's SIGINT) must not interrupt the way out. A handler that does
    nothing, not SIG_IGN: a signal already received would make Python print "Signal 15
    ignored due to race condition" when it finds no handler for it."""
    for signum in (signal.SIGINT, signal.SIGTERM):
        if signal.getsignal(signum) is not signal.SIG_IGN:
            signal.signal(signum, _again)


def _again(signum: int, frame) -> None:
    """A second ending signal, while the first one is handled: nothing more to do."""


def install_handlers() -> None:
    launched = os.environ.pop("LOGPIPE_SIGINT", None)  # set by bin/logpipe: "catch" or "ignore"
    if launched is None:  # python -m logpipe, or logpipe-py run directly
        catch = signal.getsignal(signal.SIGINT) is not signal.SIG_IGN
    else:
        catch = launched == "catch"
        if catch and hasattr(signal, "SIGQUIT"):
            signal.signal(signal.SIGQUIT, signal.SIG_DFL)  # a background job starts with it ignored too
    if catch:
        signal.signal(signal.SIGINT, quit_at_once)
    signal.signal(signal.SIGTERM, quit_at_once)


class Terminated(BaseException):
    """SIGTERM, turned into an exception so that every stage's cleanup runs."""


_holding = False   # inside `HeldSignals()`: an ending signal is kept for its end
_held: type | None = None


def _terminated(signum, frame) -> None:
    global _held
    ignore_ending_signals()  # one is enough: the next must not interrupt the cleanup
    if _holding:
        _held = Terminated
        return
    raise Terminated


def _interrupted(signum, frame) -> None:
    global _held
    ignore_ending_signals()
    if _holding:
        _held = KeyboardInterrupt
        return
    raise KeyboardInterrupt


class HeldSignals:
    """`with HeldSignals():` Ctrl-C and SIGTERM that come inside are raised at its end, not where
    they came: for work that must not be cut half way (a followed file's batch of lines,
    already read, counted by a summary). Not around writes to the output, which a reader
    that does not read can block: a signal must end those."""

    def __enter__(self) -> HeldSignals:
        global _holding
        _holding = True
        return self

    def __exit__(self, kind, *exc) -> None:
        global _holding, _held
        _holding = False
        ending, _held = _held, None  # (not kept for a later search in this process)
        if ending is not None and kind is not GeneratorExit:  # (closed early: the search ends anyway)
            raise ending


def interruptible(run_command):
    """Ctrl-C exits with 130 and SIGTERM with 143, as shells expect, without a traceback;
    open files are closed and worker processes ended on the way out. Before and after the
    search, the handlers that were there stay (`quit_at_once`)."""

    def wrapper(*args, **kwargs):
        previous = {signum: signal.getsignal(signum) for signum in (signal.SIGINT, signal.SIGTERM)}
        try:  # a signal whose handler runs while the handlers are put back (the search just ended) is
            try:  # caught here too: 130 or 143, never click's "Aborted!" (status 1)
                if previous[signal.SIGINT] is not signal.SIG_IGN:  # a background job of a script keeps ignoring it
                    signal.signal(signal.SIGINT, _interrupted)
                signal.signal(signal.SIGTERM, _terminated)
                return run_command(*args, **kwargs)
            finally:
                for signum, handler in previous.items():
                    if signal.getsignal(signum) is not _again and handler is not None:  # not after a signal
                        signal.signal(signum, handler)
        except KeyboardInterrupt:
            return 130
        except Terminated:
            return 128 + signal.SIGTERM

    return wrapper
