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
    """The arguments in the file LOGPIPE_CONFIG_PATH names (none if it is unset or empty).
    A file that cannot be read is reported, `logpipe: PATH: reason`, and the search goes on
    without it, as ripgrep does."""
    path = environ.get(ENVIRONMENT_VARIABLE)
    if not path:
        return []
    try:
        with open(path, "rb") as file:
            data = file.read()
    except OSError as err:
        (messages or Messages()).error(path, describe(err))
        return []
    arguments = []
    for line in data.split(b"\n"):
        line = line.strip()
        if line and not line.startswith(b"#"):
            arguments.append(os.fsdecode(line))
    return arguments
