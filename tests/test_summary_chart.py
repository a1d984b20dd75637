"""The terminal chart as a user sees it: the installed command in a tmux pane of 80 x 24 and
of 200 x 60 (the pane's screen captured with `capture-pane`, kept as expected text in
tests/data/), its lines within the width, its rows within the height, its columns aligned;
colour as --color says; --plot's picture."""
from __future__ import annotations

import os
import re
import shlex
import subprocess
import xml.etree.ElementTree as ElementTree
from pathlib import Path

import pytest

from helpers import Terminal, search_with
from terminal import environment, installed_command, needs
from timed_logs import access_lines, rotated_tree

DATA = Path(__file__).resolve().parent / "data"
BLOCKS = set("█▏▎▍▌▋▊▉")


@pytest.fixture(scope="module")
def tree(tmp_path_factory):
    return rotated_tree(tmp_path_factory.mktemp("chart"))


def tmux_screen(command: list[str], columns: int, rows: int, tmp_path: Path) -> list[str]:
    """What a tmux pane of `columns` x `rows` shows once `command` has ended (capture-pane)."""
    needs("tmux")
    socket = str(tmp_path / f"tmux-{columns}x{rows}.sock")
    done = tmp_path / f"done-{columns}x{rows}"
    os.mkfifo(done)
    tmux = ["tmux", "-u", "-S", socket, "-f", os.devnull]
    script = f"{shlex.join(command)}; echo done > {shlex.quote(str(done))}; exec cat"  # then the pane stays
    env = environment(LANG="C.UTF-8", LC_ALL="C.UTF-8", TERM="xterm-256color")
    env.pop("TMUX", None)
    try:
        subprocess.run([*tmux, "new-session", "-d", "-x", str(columns), "-y", str(rows), "-s", "chart", script],
                       env=env, check=True, timeout=60)
        # the command's end: reading the FIFO waits for the pane to write into it (no race, no polling)
        assert subprocess.run(["cat", str(done)], capture_output=True, timeout=120).stdout == b"done\n"
        screen = subprocess.run([*tmux, "capture-pane", "-p", "-t", "chart"], env=env, check=True, timeout=60,
                                capture_output=True).stdout.decode()
    finally:
        subprocess.run([*tmux, "kill-server"], env=env, capture_output=True, timeout=60)
    return screen.split("\n")[:rows]


def check_layout(screen: list[str], columns: int, rows: int) -> list[str]:
    """Every line within the width, the chart from the pane's first line (nothing scrolled
    away), the counts' right edges and the bars' left edges in one column each."""
    shown = [line for line in screen if line]
    assert all(len(line) < columns for line in screen)
    assert len(shown) < rows and screen[0].startswith("per ")
    bucket_rows = [line for line in shown if re.match(r"\d{4}-\d\d-\d\d \d\d:\d\d", line)]
    label = len(bucket_rows[0].split("  ")[0])
    count_end = len(screen[0].rstrip())
    for line in bucket_rows:
        assert line[label:label + 2] == "  " and line[count_end - 1].isdigit() and line[count_end:count_end + 1] in " "
        bar = line[count_end + 1:]
        assert set(bar) <= BLOCKS
    assert max(len(line) for line in bucket_rows) == columns - 1  # the largest bucket fills the width
    return bucket_rows


@pytest.mark.parametrize("columns, rows", [(80, 24), (200, 60)])
def test_chart_on_a_terminal(tree, tmp_path, columns, rows):
    screen = tmux_screen([installed_command(), "grep", "--histogram", "--tz", "UTC", "ERROR", str(tree.root)],
                         columns, rows, tmp_path)
    bucket_rows = check_layout(screen, columns, rows)
    assert sum(int(line.split()[2]) for line in bucket_rows) == len(tree.lines)
    expected = (DATA / f"histogram-{columns}x{rows}.txt").read_text().split("\n")
    assert screen == expected[:rows] + [""] * (rows - len(expected[:rows]))


def test_count_table_on_a_terminal(tmp_path):
    lines = access_lines(5000)
    (tmp_path / "access.log").write_bytes(b"".join(lines))
    screen = tmux_screen([installed_command(), "grep", "--count-by", "1", "--top", "10", r"^(\S+) ",
                          str(tmp_path / "access.log")], 80, 24, tmp_path)
    shown = [line for line in screen if line]
    assert shown[0] == "count  1" and all(len(line) < 80 for line in screen)
    rows = shown[1:11]
    assert len({line.index(line.split()[2][0], len(line.split()[0]) + 2) for line in rows}) == 1  # bars aligned
    assert len(rows[0]) == 79 and [int(line.split()[0]) for line in rows] == sorted(
        (int(line.split()[0]) for line in rows), reverse=True)
    assert shown[-1] == f"5000 lines counted by 1: {len({line.split()[0] for line in lines})} distinct values"


def test_colour_where_asked(search, tree):
    coloured = search_with("pull", stdout=Terminal())("ERROR", tree.root, histogram="1h", tz="UTC",
                                                      color="auto").out
    lines = coloured.split(b"\n")
    assert lines[1].startswith(b"\x1b[32m\x1b[K2026-12-31 18:00\x1b[m\x1b[K  ")  # the start: GREP_COLORS' ln
    assert re.search(rb" \x1b\[01;31m\x1b\[K[\xe2\x96\x80-\xe2\x96\x8f]+\x1b\[m\x1b\[K$", lines[1])  # the bar: ms
    plain = search("ERROR", tree.root, histogram="1h", tz="UTC", color="auto").out  # not a terminal
    assert b"\x1b" not in plain and re.sub(rb"\x1b\[[0-9;]*m\x1b\[K", b"", coloured) == plain


def test_plot_writes_an_svg_with_axes_and_labels(search, tree, tmp_path):
    picture = tmp_path / "errors.svg"
    result = search("ERROR", tree.root, histogram="1h", tz="UTC", plot=str(picture))
    assert result.status == 0 and result.out.startswith(b"per 1h")  # the chart is printed too
    svg = ElementTree.parse(picture).getroot()
    ns = "{http://www.w3.org/2000/svg}"
    texts = [element.text for element in svg.iter(f"{ns}text")]
    assert texts[0] == "lines per 1h: 'ERROR'" and "bucket start (UTC)" in texts and "lines" in texts
    assert "2026-12-31 18:00" in texts and "2027-01-01 05:00" in texts  # the x axis: bucket starts
    bars = [element for element in svg.iter(f"{ns}rect") if element.find(f"{ns}title") is not None]
    counts = [int(bar.find(f"{ns}title").text.rsplit(": ", 1)[1]) for bar in bars]
    assert sum(counts) == len(tree.lines) and len(bars) == 12 - 1  # 12 hours, one without a line
    heights = [float(bar.get("height")) for bar in bars]
    assert [h / max(heights) for h in heights] == pytest.approx([c / max(counts) for c in counts], rel=1e-3)


def test_plot_that_cannot_be_written_is_one_message(search, tree, tmp_path):
    result = search("ERROR", tree.root, histogram="1h", tz="UTC", plot=str(tmp_path / "no-such-dir" / "x.svg"))
    assert result.status == 2 and result.out.startswith(b"per 1h")
    assert result.err == f"logpipe: {tmp_path / 'no-such-dir' / 'x.svg'}: No such file or directory\n".encode()
