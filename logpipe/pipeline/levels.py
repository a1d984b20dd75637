"""Levels of log lines as formats write them, ranked on one scale (--level).

    >>> level_rank("WARNING"), level_rank("E"), level_rank(3), level_rank(50), level_rank("chatty")
    (3, 4, 4, 4, None)
"""
from __future__ import annotations

import math

_ABSENT = object()

__all__ = ["LEVELS", "LEVEL_WORDS", "LEVEL_LETTERS", "SYSLOG_KEYWORDS", "LEVEL_KEYS", "level_rank", "line_level"]

LEVELS = ("trace", "debug", "info", "warn", "error", "fatal")  # --level's order; a rank is an index here

# The words of each level, as formats write them (compared in lower case).
LEVEL_WORDS = {
    "trace": 0, "trc": 0, "verbose": 0, "finest": 0,
    "debug": 1, "dbg": 1,
    "info": 2, "inf": 2, "information": 2, "informational": 2, "notice": 2,
    "warn": 3, "warning": 3, "wrn": 3,
    "error": 4, "err": 4, "severe": 4,
    "fatal": 5, "ftl": 5, "crit": 5, "critical": 5, "alert": 5, "emerg": 5, "emergency": 5, "panic": 5,
    "dpanic": 5, "pnc": 5,
}
# logcat's and glog's one-letter levels, also accepted as a JSON or logfmt level value
LEVEL_LETTERS = {"V": 0, "T": 0, "D": 1, "I": 2, "W": 3, "E": 4, "F": 5, "A": 5, "C": 5}
SYSLOG_KEYWORDS = ("emerg", "alert", "crit", "err", "warning", "notice", "info", "debug")  # severity 0-7
SYSLOG_RANKS = (5, 5, 5, 4, 3, 2, 2, 1)
# where a JSON or logfmt line keeps its level: the first of these present (log.level: ECS)
LEVEL_KEYS = ("level", "lvl", "severity", "loglevel", "log_level", "levelname", "log.level", "@l", "@level",
              "severity_text", "SeverityText", "Level", "LEVEL", "Severity", "PRIORITY", "priority")


def level_rank(value) -> int | None:
    """The rank in LEVELS of a level value as formats write it: a word of any case
    (`WARN`, `Warning`, `err`, `CRITICAL`), a one-letter level (`E`), a syslog severity
    0-7 (`3` is error), a Bunyan/pino number (10 trace ... 60 fatal; 35 is info); None
    for anything else."""
    if isinstance(value, str):
        rank = LEVEL_WORDS.get(value.lower())
        if rank is not None:
            return rank
        if value.isdigit() and len(value) < 4:
            value = int(value)
        elif len(value) == 1:
            return LEVEL_LETTERS.get(value.upper())
        else:
            return None
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value != value:
        return None
    if 0 <= value <= 7 and value == int(value):
        return SYSLOG_RANKS[int(value)]
    if 10 <= value < math.inf:
        return min(int(value) // 10, 6) - 1
    return None


def line_level(values: dict) -> int | None:
    """The rank of a line's level (see `level_rank`), from the first level key present."""
    for key in LEVEL_KEYS:
        value = values.get(key, _ABSENT)
        if value is _ABSENT and key == "log.level":  # ECS: {"log": {"level": ...}}
            nested = values.get("log")
            value = nested.get("level", _ABSENT) if isinstance(nested, dict) else _ABSENT
        if value is not _ABSENT:
            return level_rank(value)
    return None
