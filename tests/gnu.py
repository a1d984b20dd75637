"""Helpers for the tests that compare logpipe with GNU grep: the installed grep, and the
table-driven tests of GNU grep's own suite (vendored in tests/data/gnu-grep/)."""
from __future__ import annotations

import shutil
import subprocess
from pathlib import Path
from typing import NamedTuple

TABLES = Path(__file__).resolve().parent / "data" / "gnu-grep"


def _gnu_grep() -> str | None:
    path = shutil.which("grep")
    if path is None:
        return None
    try:
        version = subprocess.run([path, "--version"], capture_output=True, timeout=10).stdout
    except (OSError, subprocess.SubprocessError):
        return None
    return path if b"GNU grep" in version else None


GREP = _gnu_grep()


def gnu_grep(args: list, data: bytes) -> subprocess.CompletedProcess:
    """GNU grep run on `data` (standard input) in the C locale."""
    return subprocess.run([GREP, *args], input=data, capture_output=True, env={"LC_ALL": "C"}, timeout=60)


class Row(NamedTuple):
    table: str
    number: int       # line number in the table
    status: int       # the table's expected exit status
    pattern: bytes
    subject: bytes    # one line of input (its newline added when searched)
    note: bytes       # a 4th field: Spencer's remark; GNU's own driver skips such rows

    @property
    def id(self) -> str:
        return f"{self.table}:{self.number}"


def table_rows(name: str) -> list[Row]:
    """The rows of one table, `status@pattern@input[@note]`, as GNU's awk drivers read them."""
    rows = []
    for number, line in enumerate((TABLES / name).read_bytes().split(b"\n"), 1):
        fields = line.split(b"@")
        if line.startswith(b"#") or len(fields) < 3:
            continue
        rows.append(Row(name, number, int(fields[0]), fields[1], fields[2], b"@".join(fields[3:])))
    return rows
