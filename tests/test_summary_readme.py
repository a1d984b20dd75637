"""The README's Summaries section prints what it says: its commands, run on the demo tree
written at the time it names, give its text; --plot gives the picture in docs/."""
from __future__ import annotations

import re
import shlex
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from logpipe.cli import main
from logpipe.demo import make_demo_tree

ROOT = Path(__file__).resolve().parents[1]
SECTION = (ROOT / "README.md").read_text().split("## Summaries:")[1].split("\n## ")[0]
WRITTEN = 1796061600  # "written at 2026-11-30 18:00 UTC"


@pytest.fixture
def demo(tmp_path, monkeypatch):
    """The demo tree as the README's was written: in UTC, at 18:00 on 30 November 2026."""
    monkeypatch.setenv("TZ", "UTC")
    monkeypatch.setenv("COLUMNS", "80")
    monkeypatch.setenv("LINES", "24")
    time.tzset()
    try:
        make_demo_tree(str(tmp_path / "demo-logs"), now=WRITTEN)
        yield tmp_path
    finally:
        monkeypatch.undo()
        time.tzset()


def run(args: list[str], where: Path) -> str:
    args = [str(where / arg) if arg.startswith(("demo-logs", "docs/")) else arg for arg in args]
    result = CliRunner().invoke(main, args, catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.stdout


def test_readme_examples_print_what_they_say(demo):
    assert "written at 2026-11-30 18:00 UTC" in SECTION
    block = SECTION.split("```\n")[1]
    examples = re.findall(r"^\$ logpipe (.*)\n((?:(?!\$ ).*\n)*)", block, re.MULTILINE)
    assert len(examples) == 4
    for command, expected in examples:
        assert run(shlex.split(command), demo) == expected, command


def test_readme_picture_is_what_plot_writes(demo):
    command = re.search(r"here `logpipe (grep [^`]*--plot[^`]*)`", SECTION.replace("\n", " ")).group(1)
    (demo / "docs").mkdir()
    run(shlex.split(command), demo)
    picture = re.search(r"!\[[^\]]*\]\((docs/[^)]+\.svg)\)", SECTION).group(1)
    assert command.split("--plot ")[1].split()[0] == picture
    assert (demo / picture).read_bytes() == (ROOT / picture).read_bytes()
