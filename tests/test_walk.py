"""find_files: which files are searched, in which order (pyfakefs stands in for the disk)."""
from __future__ import annotations

import os

import pytest


@pytest.fixture
def logs(fs):
    for path in ["/logs/b.log", "/logs/a.log", "/logs/.hidden.log", "/logs/sub/z.log", "/logs/sub/deeper/y.txt",
                 "/logs/.git/config", "/logs/c dir/ü.log", "/logs/10.log", "/logs/2.log"]:
        fs.create_file(path, contents=b"needle in " + path.encode() + b"\n")
    return "/logs"


def searched(result) -> list[bytes]:
    return [line.split(b":", 1)[0] for line in result.lines]


def test_sorted_depth_first_hidden_included(search, logs):
    assert searched(search("needle", logs)) == [
        b"/logs/.git/config", b"/logs/.hidden.log", b"/logs/10.log", b"/logs/2.log", b"/logs/a.log",
        b"/logs/b.log", "/logs/c dir/ü.log".encode(), b"/logs/sub/deeper/y.txt", b"/logs/sub/z.log"]


def test_glob_on_base_name_and_on_relative_path(search, logs):
    assert searched(search("needle", logs, globs=("*.txt", "a*"))) == [b"/logs/a.log", b"/logs/sub/deeper/y.txt"]
    assert searched(search("needle", logs, globs=("sub/*.log",))) == [b"/logs/sub/z.log"]


def test_exclude_drops_files_and_prunes_directories(search, logs):
    assert searched(search("needle", logs, exclude=(".*", "sub", "*.log"))) == []
    assert searched(search("needle", logs, exclude=("deeper", ".git", "[0-9]*", "c dir"))) == [
        b"/logs/.hidden.log", b"/logs/a.log", b"/logs/b.log", b"/logs/sub/z.log"]


def test_max_depth(search, logs):
    assert searched(search("needle", logs, max_depth=0)) == []
    assert searched(search("needle", logs, max_depth=1, globs=("*.log",))) == [
        b"/logs/.hidden.log", b"/logs/10.log", b"/logs/2.log", b"/logs/a.log", b"/logs/b.log"]
    assert b"/logs/sub/z.log" in searched(search("needle", logs, max_depth=2))
    assert b"/logs/sub/deeper/y.txt" not in searched(search("needle", logs, max_depth=2))


def test_file_given_on_the_command_line_is_searched_whatever_its_name(search, logs):
    result = search("needle", "/logs/sub/deeper/y.txt", globs=("*.log",), exclude=("*.txt",))
    assert result.lines == [b"needle in /logs/sub/deeper/y.txt"]


def test_symlinked_directories_followed_only_with_follow(search, fs):
    fs.create_file("/real/r.log", contents=b"needle\n")
    fs.create_file("/logs/a.log", contents=b"needle\n")
    fs.create_symlink("/logs/link", "/real")
    fs.create_symlink("/logs/filelink.log", "/real/r.log")
    assert searched(search("needle", "/logs")) == [b"/logs/a.log"]
    assert searched(search("needle", "/logs", follow=True)) == [
        b"/logs/a.log", b"/logs/filelink.log", b"/logs/link/r.log"]


def test_symlink_loop_reported_once_with_follow(search, fs):
    fs.create_file("/logs/sub/a.log", contents=b"needle\n")
    fs.create_symlink("/logs/sub/loop", "/logs")
    result = search("needle", "/logs", follow=True)
    assert searched(result) == [b"/logs/sub/a.log"]
    assert result.err == b"logpipe: /logs/sub/loop: symbolic link loop (points to an ancestor directory)\n"
    assert result.status == 2


def test_broken_symlink_reported_with_follow(search, fs):
    fs.create_file("/logs/a.log", contents=b"needle\n")
    fs.create_symlink("/logs/broken.log", "/nowhere")
    assert search("needle", "/logs").status == 0
    result = search("needle", "/logs", follow=True)
    assert result.err == b"logpipe: /logs/broken.log: No such file or directory\n"
    assert result.status == 2


def test_deep_tree_does_not_recurse(search, tmp_path):
    path = tmp_path
    for _ in range(1200):  # deeper than Python's recursion limit (os.makedirs itself would recurse)
        path = path / "d"
        os.mkdir(path)
    (path / "deep.log").write_bytes(b"needle\n")
    try:
        assert search("needle", tmp_path, with_filename=False).lines == [b"needle"]
    finally:  # shutil.rmtree, as pytest cleans up, would itself recurse too deep
        (path / "deep.log").unlink()
        while path != tmp_path:
            path.rmdir()
            path = path.parent
