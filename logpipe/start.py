"""The entry point of the installed command (`logpipe-py`, run by the `logpipe` launcher,
bin/logpipe) and of `python -m logpipe`.

- The program is called `logpipe` wherever a user sees it (usage lines, `Try 'logpipe grep
  --help'`, the shell-completion variable `_LOGPIPE_COMPLETE`), whatever the name of the
  file that Python runs.
- Ctrl-C and SIGTERM end the program quietly whenever they come: from the moment this
  module is imported until a command's search takes over (`cli.interruptible`, which
  raises them as exceptions so that files are closed and workers ended), a handler exits
  at once with 130 or 143, before click or any option parsing can turn the interrupt into
  a traceback or into click's "Aborted!" with status 1. The launcher starts Python with
  SIGINT ignored, so nothing before this module can see it (see bin/logpipe).
"""
from __future__ import annotations

import os
import signal

PROG_NAME = "logpipe"


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


install_handlers()


def main() -> None:
    from .cli import main as command

    command(prog_name=PROG_NAME)
