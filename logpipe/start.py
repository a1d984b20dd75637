"""The entry point of the installed command (`logpipe-py`, run by the `logpipe` launcher).

The program is called `logpipe` wherever a user sees it (usage lines, `Try 'logpipe grep
--help'`, the shell-completion variable `_LOGPIPE_COMPLETE`), whatever the name of the
file that Python runs.
"""
from __future__ import annotations

PROG_NAME = "logpipe"


def main() -> None:
    from .cli import main as command

    command(prog_name=PROG_NAME)
