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

from .signals import install_handlers

PROG_NAME = "logpipe"


install_handlers()


def main() -> None:
    from .cli import main as command

    command(prog_name=PROG_NAME)
