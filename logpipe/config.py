"""Default arguments from a file: LOGPIPE_CONFIG_PATH, as ripgrep's RIPGREP_CONFIG_PATH.

The file holds one argument per line (leading and trailing white space trimmed); blank lines
and lines starting with `#` are ignored. Its arguments go before those of the command line,
so that the command line wins where they conflict; `--no-config` ignores the file.
"""
from __future__ import annotations

import os

from .messages import Messages, describe

ENVIRONMENT_VARIABLE = "LOGPIPE_CONFIG_PATH"


def config_arguments(messages: Messages | None = None, environ=os.environ) -> list[str]:
    """The arguments in the file LOGPIPE_CONFIG_PATH names (none if it is unset or empty)."""
    return [argument for argument, _ in config_lines(messages, environ)]


def config_lines(messages: Messages | None = None, environ=os.environ) -> list[tuple[str, str]]:
    """The arguments in the file LOGPIPE_CONFIG_PATH names, each with where it was written
    (`PATH:LINE`). A file that cannot be read is reported, `logpipe: config file PATH
    (LOGPIPE_CONFIG_PATH): reason`, and the search goes on without it, as ripgrep does."""
    path = environ.get(ENVIRONMENT_VARIABLE)
    if not path:
        return []
    try:
        with open(path, "rb") as file:
            data = file.read()
    except OSError as err:
        (messages or Messages()).error(f"config file {path} ({ENVIRONMENT_VARIABLE})", describe(err))
        return []
    arguments = []
    for number, line in enumerate(data.split(b"\n"), 1):
        line = line.strip()
        if line and not line.startswith(b"#"):
            arguments.append((os.fsdecode(line), f"{path}:{number}"))
    return arguments


def explain_unknown(option: str, configured: list[tuple[str, str]]) -> str | None:
    """The message for an unknown option that came from the config file (None if it did
    not): its file and line, and for `--max-count 1`, that one argument goes on each line."""
    for argument, where in configured:
        if argument == option:
            message = f"{where}: no such option {option!r}"
            name, _, value = option.partition(" ")
            if value.strip() and name.startswith("-"):
                value = value.strip()
                message += (f": one argument per line ({name}={value}, or {name} and {value} on two lines)"
                            if name.startswith("--") else f": one argument per line ({name}{value}, or {name} "
                            f"and {value} on two lines)")
            return message + f" (in the file {ENVIRONMENT_VARIABLE} names)"
    return None
