"""The command line: parse options with click into one `SearchOptions`, run, exit.

The library never imports click; this module is the only one that does.
"""
from __future__ import annotations

import json
import os
import sys

import click

from . import __version__
from .matching import PatternError
from .options import BACKENDS, SearchOptions
from .search import ERROR, run

CONTEXT = {"help_option_names": ["--help"], "max_content_width": 100}

# The options that say what to search and how; shared by `grep` and `compare`.
SEARCH_OPTIONS = [
    click.argument("pattern"),
    click.argument("paths", nargs=-1, metavar="[PATH]..."),
    click.option("--pattern", "globs", multiple=True, metavar="GLOB",
                 help="Search only files whose name matches GLOB (path below the root if GLOB has '/'). "
                      "Repeatable."),
    click.option("--exclude", multiple=True, metavar="GLOB", help="Skip files and directories matching GLOB. "
                                                                   "Repeatable."),
    click.option("--max-depth", type=click.IntRange(min=0), metavar="N",
                 help="Descend at most N directories below each PATH (0: the PATHs themselves)."),
    click.option("-L", "--follow", is_flag=True, help="Follow symbolic links while walking directories."),
    click.option("-F", "--fixed-strings", is_flag=True, help="Take PATTERN as a literal string, not a regex."),
    click.option("-n", "--line-number", is_flag=True, help="Print the line number before each line."),
    click.option("-H", "--with-filename", "with_filename", flag_value=True, default=None,
                 help="Print the file name for each match (default when searching a directory or several files)."),
    click.option("-h", "--no-filename", "with_filename", flag_value=False, help="Never print file names."),
    click.option("-m", "--max-count", type=click.IntRange(min=0), metavar="N",
                 help="Stop reading a file after N matching lines."),
    click.option("-s", "--no-messages", is_flag=True,
                 help="Suppress messages about unreadable files (the exit status still says 2)."),
]


def search_options(command):
    for decorator in reversed(SEARCH_OPTIONS):
        command = decorator(command)
    return command


def build_options(pattern: str, paths: tuple[str, ...], **flags) -> SearchOptions:
    return SearchOptions(pattern=os.fsencode(pattern), paths=paths or ("",), **flags)


@click.group(context_settings=CONTEXT)
@click.version_option(__version__, "--version", "-V", prog_name="logpipe")
def main() -> None:
    """Search log trees (plain, gzip, bzip2, zstd, xz) for a pattern."""


@main.command("grep", context_settings=CONTEXT)
@search_options
@click.option("-q", "--quiet", is_flag=True, help="Print nothing; exit 0 at the first match.")
@click.option("--backend", type=click.Choice(BACKENDS), default="pull", show_default=True,
              help="Pipeline to run: generators (pull) or coroutines (push). Output is identical.")
@click.option("--stats", is_flag=True, help="After the search, print on stderr what each stage did.")
@click.option("--progress/--no-progress", default=None,
              help="Show a progress line on stderr [default: when stderr is a terminal].")
def grep_command(**flags) -> None:
    """Print the lines matching PATTERN in the files under each PATH (default: the current directory).

    PATTERN is a Python regular expression on bytes (searched as a literal when it has no
    metacharacters). Compressed files are recognised by their first bytes, not their names.
    Exit status: 0 if a line matched, 1 if none did, 2 if an error occurred.

    \b
    Example:  logpipe grep brew ~ --pattern '*bash*'
    """
    try:
        status = run(build_options(**flags))
    except PatternError as err:
        click.echo(f"logpipe: {err}", err=True)
        status = ERROR
    except KeyboardInterrupt:
        status = 130
    sys.exit(status)


@main.command("compare", context_settings=CONTEXT)
@search_options
@click.option("--repeat", type=click.IntRange(min=1), default=3, show_default=True, metavar="N",
              help="Measured runs per backend, in alternating order.")
@click.option("--json", "as_json", is_flag=True, help="Print the figures as one JSON object.")
def compare_command(repeat: int, as_json: bool, **flags) -> None:
    """Run the search on both backends (pull, push) and compare time, throughput, memory and output.

    Each run is in a fresh process after a warm-up run; matched lines are not printed, their
    SHA-256 is compared. Exit status: 0 if both printed identical output, 2 if not.
    """
    from .compare import compare, format_report

    try:
        report = compare(build_options(**flags), repeat)
    except PatternError as err:
        click.echo(f"logpipe: {err}", err=True)
        sys.exit(ERROR)
    except KeyboardInterrupt:
        sys.exit(130)
    click.echo(json.dumps(report, indent=2) if as_json else format_report(report), nl=not as_json)
    sys.exit(0 if report["identical"] else ERROR)


@main.command("demo", context_settings=CONTEXT)
@click.argument("directory", type=click.Path(file_okay=False))
def demo_command(directory: str) -> None:
    """Write a small tree of synthetic logs in every codec to DIRECTORY, to try logpipe on."""
    from .demo import make_demo_tree

    for path in make_demo_tree(directory):
        click.echo(path)
