"""The command line: parse options with click into one `SearchOptions`, run, exit.

The library never imports click; this module is the only one that does.
"""
from __future__ import annotations

import json
import os
import signal
import stat
import sys

import click

from . import __version__
from .matching import PatternError
from .options import BACKENDS, BINARY_MODES, COLOR_MODES, SearchOptions
from .search import ERROR, run

CONTEXT = {"help_option_names": ["--help"], "max_content_width": 100}

class ByteSize(click.ParamType):
    """A size in bytes: 1048576, 1024K, 64M, 1G."""

    name = "size"
    UNITS = {"": 1, "K": 1 << 10, "M": 1 << 20, "G": 1 << 30}

    def convert(self, value, param, ctx) -> int:
        if isinstance(value, int):
            return value
        text = str(value).strip().upper().removesuffix("B")
        number, unit = (text[:-1], text[-1]) if text[-1:] in "KMG" else (text, "")
        try:
            size = int(number) * self.UNITS[unit]
        except (ValueError, KeyError):
            self.fail(f"{value!r} is not a size such as 1048576, 512K or 64M", param, ctx)
        if size < 1:
            self.fail("the size must be at least 1 byte", param, ctx)
        return size


# The options that say what to search and how; shared by `grep` and `compare`.
SEARCH_OPTIONS = [
    click.argument("arguments", nargs=-1, metavar="PATTERN [PATH]..."),
    click.option("-e", "--regexp", "regexps", multiple=True, metavar="PATTERN",
                 help="A pattern to search for (repeatable: a line matches if any does). PATHs then start at "
                      "the first argument."),
    click.option("-f", "--file", "pattern_files", multiple=True, type=click.File("rb"), metavar="FILE",
                 help="Read patterns from FILE, one per line."),
    click.option("-F", "--fixed-strings", is_flag=True, help="Take patterns as literal strings, not regexes."),
    click.option("-i", "--ignore-case", is_flag=True, help="Ignore ASCII case."),
    click.option("-S", "--smart-case", is_flag=True, help="Ignore case unless a pattern has an upper-case letter."),
    click.option("-v", "--invert-match", is_flag=True, help="Select the lines that do not match."),
    click.option("-w", "--word-regexp", is_flag=True, help="Match whole words only."),
    click.option("-x", "--line-regexp", is_flag=True, help="Match whole lines only."),
    click.option("-m", "--max-count", type=click.IntRange(min=0), metavar="N",
                 help="Stop reading a file after N selected lines."),
    click.option("--pattern", "globs", multiple=True, metavar="GLOB",
                 help="Search only files whose name matches GLOB (path below the root if GLOB has '/'). "
                      "Repeatable."),
    click.option("--exclude", multiple=True, metavar="GLOB",
                 help="Skip files and directories matching GLOB. Repeatable."),
    click.option("--max-depth", type=click.IntRange(min=0), metavar="N",
                 help="Descend at most N directories below each PATH (0: the PATHs themselves)."),
    click.option("--follow", is_flag=True, help="Follow symbolic links while walking directories."),
    click.option("-a", "--text", is_flag=True, help="Search binary files as if they were text."),
    click.option("--binary-files", type=click.Choice(BINARY_MODES), default="binary", show_default=True,
                 help="binary: print 'Binary file PATH matches'; text: as -a; without-match: skip them. "
                      "A file is binary if its first 32 KiB hold a NUL byte."),
    click.option("-s", "--no-messages", is_flag=True,
                 help="Suppress messages about unreadable files (the exit status still says 2)."),
    click.option("--max-line-bytes", type=ByteSize(), default="64M", show_default=True, metavar="SIZE",
                 help="Longest line printed (K, M, G suffixes). A match in a longer line is reported on "
                      "stderr instead, and memory stays bounded."),
]

OUTPUT_OPTIONS = [
    click.option("-n", "--line-number", is_flag=True, help="Print the line number before each line."),
    click.option("-b", "--byte-offset", is_flag=True, help="Print the byte offset of each line (of each match "
                                                             "with -o)."),
    click.option("-H", "--with-filename", "with_filename", flag_value=True, default=None,
                 help="Print the file name for each match (default when searching a directory or several files)."),
    click.option("-h", "--no-filename", "with_filename", flag_value=False, help="Never print file names."),
    click.option("-o", "--only-matching", is_flag=True, help="Print only the matched parts, each on its own line."),
    click.option("-c", "--count", is_flag=True, help="Print the number of selected lines per file."),
    click.option("-l", "--files-with-matches", is_flag=True, help="Print only the names of files with a match."),
    click.option("-L", "--files-without-match", is_flag=True, help="Print only the names of files without a match."),
    click.option("-A", "--after-context", type=click.IntRange(min=0), metavar="N", help="Print N lines after each."),
    click.option("-B", "--before-context", type=click.IntRange(min=0), metavar="N", help="Print N lines before each."),
    click.option("-C", "--context", type=click.IntRange(min=0), metavar="N", help="Print N lines around each."),
    click.option("--color", "--colour", type=click.Choice(COLOR_MODES), default="auto", show_default=True,
                 help="Highlight matches, names and numbers as grep does (auto: when stdout is a terminal and "
                      "NO_COLOR is unset)."),
    click.option("--json", is_flag=True, help="Print JSON Lines in ripgrep's --json format."),
    click.option("-0", "-Z", "--null", is_flag=True, help="Print a NUL byte after each file name."),
    click.option("-q", "--quiet", is_flag=True, help="Print nothing; exit 0 at the first match."),
]


# Remote PATHs (s3://, http://, ...) and clusters.
REMOTE_OPTIONS = [
    click.option("--prefetch", type=click.IntRange(min=1), default=16, show_default=True, metavar="N",
                 help="Remote objects (URL PATHs) fetched at once, ahead of the one searched: at most N "
                      "requests in flight (1: one object at a time)."),
    click.option("--dask", metavar="ADDRESS", default=None,
                 help="Search on a Dask cluster: the scheduler at ADDRESS (tcp://host:8786) sends batches of "
                      "files to its workers, which read them themselves; output as -j1 prints it."),
]


class Terminated(BaseException):
    """SIGTERM, turned into an exception so that every stage's cleanup runs."""


def _terminated(signum, frame) -> None:
    raise Terminated


def interruptible(run_command):
    """Ctrl-C exits with 130 and SIGTERM with 143, as shells expect, without a traceback;
    open files are closed and worker processes ended on the way out."""

    def wrapper(*args, **kwargs):
        signal.signal(signal.SIGTERM, _terminated)
        try:
            return run_command(*args, **kwargs)
        except KeyboardInterrupt:
            return 130
        except Terminated:
            return 128 + signal.SIGTERM

    return wrapper


def apply(decorators):
    def decorate(command):
        for decorator in reversed(decorators):
            command = decorator(command)
        return command

    return decorate


def stdin_is_readable() -> bool:
    """Whether standard input is a pipe or a file to search, as ripgrep decides it
    (not a terminal, not /dev/null, not closed)."""
    try:
        mode = os.fstat(0).st_mode
    except OSError:
        return False
    return stat.S_ISFIFO(mode) or stat.S_ISREG(mode) or stat.S_ISSOCK(mode)


def build_options(arguments: tuple[str, ...], regexps: tuple[str, ...], pattern_files, text: bool,
                  binary_files: str, context: int | None = None, after_context: int | None = None,
                  before_context: int | None = None, **flags) -> SearchOptions:
    patterns = [os.fsencode(p) for p in regexps]
    for pattern_file in pattern_files:
        with pattern_file:
            data = pattern_file.read()
        patterns += data[:-1].split(b"\n") if data.endswith(b"\n") else data.split(b"\n") if data else []
    if not regexps and not pattern_files:
        if not arguments:
            raise click.UsageError("Missing argument 'PATTERN'.")
        patterns, arguments = [os.fsencode(arguments[0])], arguments[1:]
    paths = arguments or (("-",) if stdin_is_readable() else ("",))
    if flags.get("threads") == 0:
        flags["threads"] = os.cpu_count() or 1
    return SearchOptions(
        patterns=tuple(patterns), paths=paths, binary_files="text" if text else binary_files,
        after_context=after_context if after_context is not None else context or 0,
        before_context=before_context if before_context is not None else context or 0, **flags)


@click.group(context_settings=CONTEXT)
@click.version_option(__version__, "--version", "-V", prog_name="logpipe")
def main() -> None:
    """Search log trees (plain, gzip, bzip2, zstd, xz) for a pattern."""


@main.command("grep", context_settings=CONTEXT)
@apply(SEARCH_OPTIONS + OUTPUT_OPTIONS)
@click.option("--backend", type=click.Choice(BACKENDS), default="pull", show_default=True,
              help="Pipeline to run: generators (pull) or coroutines (push). Output is identical.")
@click.option("-j", "--threads", type=click.IntRange(min=0), default=0, metavar="N",
              help="Worker processes searching files in parallel (0: one per core; 1: none). The output "
                   "order is always that of -j1.")
@click.option("--stats", is_flag=True, help="After the search, print on stderr what each stage did.")
@click.option("--progress/--no-progress", default=None,
              help="Show a progress line on stderr [default: when stderr is a terminal].")
@apply(REMOTE_OPTIONS)
def grep_command(**flags) -> None:
    """Print the lines matching PATTERN in the files under each PATH.

    With no PATH, search standard input if it is a pipe or a file, else the current
    directory; "-" is standard input. PATTERN is a Python regular expression on bytes
    (searched as a literal when it has no metacharacters). Compressed files are recognised
    by their first bytes, not their names. Exit status: 0 if a line was selected, 1 if
    none was, 2 if an error occurred.

    \b
    Example:  logpipe grep brew ~ --pattern '*bash*'
    """
    sys.exit(interruptible(search)(flags))


def search(flags: dict) -> int:
    try:
        return run(build_options(**flags))
    except PatternError as err:
        click.echo(f"logpipe: {err}", err=True)
        return ERROR


@main.command("compare", context_settings=CONTEXT)
@apply(SEARCH_OPTIONS)
@click.option("--repeat", type=click.IntRange(min=1), default=3, show_default=True, metavar="N",
              help="Measured runs per backend, in alternating order.")
@click.option("--json", "as_json", is_flag=True, help="Print the figures as one JSON object.")
def compare_command(repeat: int, as_json: bool, **flags) -> None:
    """Run the search on both backends (pull, push) and compare time, throughput, memory and output.

    Each run is in a fresh process after a warm-up run; matched lines are not printed, their
    SHA-256 is compared. Exit status: 0 if both printed identical output, 2 if not.
    """
    from .compare import compare, format_report

    def measure() -> int:
        try:
            report = compare(build_options(**flags), repeat)
        except PatternError as err:
            click.echo(f"logpipe: {err}", err=True)
            return ERROR
        click.echo(json.dumps(report, indent=2) if as_json else format_report(report), nl=not as_json)
        return 0 if report["identical"] else ERROR

    sys.exit(interruptible(measure)())


@main.command("demo", context_settings=CONTEXT)
@click.argument("directory", type=click.Path(file_okay=False))
def demo_command(directory: str) -> None:
    """Write a small tree of synthetic logs in every codec to DIRECTORY, to try logpipe on."""
    from .demo import make_demo_tree

    for path in make_demo_tree(directory):
        click.echo(path)
