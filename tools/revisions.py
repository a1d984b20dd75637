"""Another git revision of logpipe, checked out beside this one: for `tools/same_output.py`
(same output?) and `benchmarks/run.py --against REV` (same speed?).

    temporary_checkout(rev)   a git worktree of REV in a temporary folder, removed afterwards
    installed(rev)            a git worktree of REV and a venv with it installed, cached outside
                              the repo under CACHE/<commit>/ and reused by later runs

Both check out with `git worktree add --detach`, so nothing here touches the current
checkout, its branch or its index.
"""
from __future__ import annotations

import contextlib
import fcntl
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import NamedTuple

REPO = Path(__file__).resolve().parents[1]
CACHE = Path(os.environ.get("LOGPIPE_REVISIONS_CACHE")
             or Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "logpipe-revisions")


def _git(*arguments: str, repo: Path = REPO) -> str:
    return subprocess.run(["git", "-C", str(repo), *arguments], check=True, capture_output=True,
                          text=True).stdout.strip()


def commit_of(rev: str, repo: Path = REPO) -> str:
    """The full commit id REV names (a branch, a tag, HEAD~3, an abbreviated id)."""
    try:
        return _git("rev-parse", "--verify", "--quiet", f"{rev}^{{commit}}", repo=repo)
    except subprocess.CalledProcessError:
        raise SystemExit(f"{rev}: not a git revision of {repo}") from None


def _add_worktree(commit: str, path: Path, repo: Path) -> None:
    _git("worktree", "prune", repo=repo)  # forget worktrees whose folder was deleted by hand
    _git("worktree", "add", "--detach", "--force", str(path), commit, repo=repo)


def _remove_worktree(path: Path, repo: Path) -> None:
    try:
        _git("worktree", "remove", "--force", str(path), repo=repo)
    except subprocess.CalledProcessError:
        shutil.rmtree(path, ignore_errors=True)
        _git("worktree", "prune", repo=repo)


@contextlib.contextmanager
def temporary_checkout(rev: str, repo: Path = REPO):
    """Yields (commit, folder) of a worktree of REV that is removed on the way out."""
    commit = commit_of(rev, repo)
    with tempfile.TemporaryDirectory(prefix=f"logpipe-{commit[:10]}-") as scratch:
        path = Path(scratch) / "src"
        _add_worktree(commit, path, repo)
        try:
            yield commit, path
        finally:
            _remove_worktree(path, repo)


class Installed(NamedTuple):
    commit: str
    source: Path  # the worktree
    python: Path  # the venv's interpreter


def installed(rev: str, repo: Path = REPO, log=sys.stderr) -> Installed:
    """A venv in which REV is installed (editable, from its own worktree, with the `remote`
    extra when REV has it), built once per commit under CACHE/<commit>/ and reused."""
    commit = commit_of(rev, repo)
    home = CACHE / commit
    home.mkdir(parents=True, exist_ok=True)
    with open(home / "lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # two runs wanting the same commit: the second waits, then reuses
        return _install(rev, commit, home, repo, log)


def _install(rev: str, commit: str, home: Path, repo: Path, log) -> Installed:
    source, venv, done = home / "src", home / "venv", home / "installed"
    python = venv / "bin" / "python"
    if done.exists() and python.exists() and source.is_dir():
        return Installed(commit, source, python)
    print(f"installing {rev} ({commit[:10]}) into {home} ...", file=log, flush=True)
    if source.exists():
        _remove_worktree(source, repo)
    shutil.rmtree(venv, ignore_errors=True)
    _add_worktree(commit, source, repo)
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    extras = "[remote]" if "remote =" in (source / "pyproject.toml").read_text() else ""
    pip = subprocess.run([str(python), "-m", "pip", "install", "-q", "-e", f"{source}{extras}"],
                         capture_output=True, text=True)
    if pip.returncode:
        print(pip.stdout + pip.stderr, file=log)
        raise SystemExit(f"{rev}: pip install failed (status {pip.returncode})")
    done.write_text(commit + "\n")
    return Installed(commit, source, python)
