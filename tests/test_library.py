"""The README's library example, run as written on a tree of our own."""
from __future__ import annotations

import re
from pathlib import Path

from helpers import write

README = Path(__file__).resolve().parents[1] / "README.md"


def test_readme_library_example_runs(tmp_path, capsysbinary, monkeypatch):
    write(tmp_path / "auth.log.1.gz", b"sshd one\nother\n", "gzip")
    write(tmp_path / "auth.log.2.gz", b"sshd two\n", "zstd")  # zstd content, .gz name
    write(tmp_path / "plain.log", b"sshd not selected by the glob\n")
    example = re.search(r"```python\n(from logpipe import pull, push.*?)```", README.read_text(), re.S).group(1)
    exec(compile(example.replace('"/var/log"', repr(str(tmp_path))), "README example", "exec"), {})
    out = capsysbinary.readouterr().out
    pull_part, push_part = out.split(b"\n", 2)[:2], out.split(b"\n", 2)[2]
    assert pull_part == [repr(bytes(tmp_path / "auth.log.1.gz")).encode() + b" 1 b'sshd one'",
                         repr(bytes(tmp_path / "auth.log.2.gz")).encode() + b" 1 b'sshd two'"]
    assert push_part == b"sshd one\nsshd two\n"
