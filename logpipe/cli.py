"""The command line: parse options with click into one `SearchOptions`, run, exit.

The library never imports click; this module is the only one that does.
"""
from __future__ import annotations

import errno
import io
import json
import os
import re
import signal
import stat
import sys

import click

from . import __version__
from .pipeline.matching import PatternError
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


def last_one_wins(other: str):
    """A callback for one of two options that exclude each other (-l, -L): click processes the
    options given in command-line order, so the one given last is remembered, and wins (as in grep)."""

    def callback(ctx: click.Context, param: click.Parameter, value):
        if value:
            ctx.meta[("logpipe.last", *sorted((param.name, other)))] = param.name
        return value

    return callback


def syntax_flag(syntax: str):
    """A callback for -G, -E, -P: the one given last is remembered (click processes the
    options in command-line order), and wins."""

    def callback(ctx: click.Context, param: click.Parameter, value):
        if value:
            ctx.meta["logpipe.syntax"] = syntax
        return value

    return callback


def chosen_syntax() -> str:
    ctx = click.get_current_context(silent=True)
    return ctx.meta.get("logpipe.syntax", "default") if ctx is not None else "default"


def number_context(args: list[str], takes_value: set[str], known: set[str] = frozenset()) -> list[str]:
    """grep's `-NUM`: `-3` is `-C 3` (not after an option that takes a value, nor after `--`;
    `-0` stays ripgrep's --null, an option of its own)."""
    out = []
    for i, arg in enumerate(args):
        if arg == "--":
            return out + args[i:]
        if (len(arg) > 1 and arg[0] == "-" and arg[1:].isdigit() and arg not in known
                and not (out and out[-1] in takes_value)):
            out.append("-C" + arg[1:])
        else:
            out.append(arg)
    return out


def drop_overridden(flags: dict) -> None:
    """Of two options that exclude each other, keep only the one given last (see last_one_wins)."""
    ctx = click.get_current_context(silent=True)
    for key, last in (ctx.meta.items() if ctx is not None else ()):
        if isinstance(key, tuple) and key[0] == "logpipe.last":
            for name in key[1:]:
                if name != last and name in flags:
                    flags[name] = False


# A count of lines (-A, -B, -C): any size is accepted, as grep accepts it; beyond this bound
# (more lines than any file holds) every value means the same.
MAX_LINES = 1 << 40


class LineCount(click.ParamType):
    """A number of context lines: 0 or more (a negative one is an error, as in grep and rg);
    any larger number is accepted, and means the same beyond MAX_LINES."""

    name = "integer"

    def convert(self, value, param, ctx) -> int:
        if isinstance(value, int):
            number = value
        else:
            try:
                number = int(str(value).strip())
            except ValueError:
                self.fail(f"{value!r} is not a number of lines", param, ctx)
        if number < 0:
            self.fail(f"{number} is not a number of lines (0 or more)", param, ctx)
        return min(number, MAX_LINES)


LINES = LineCount()


# The options that say what to search and how; shared by `grep` and `compare`.
SEARCH_OPTIONS = [
    click.argument("arguments", nargs=-1, metavar="PATTERN [PATH]...", type=click.Path()),  # PATHs complete
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
    click.option("-m", "--max-count", type=int, metavar="N",
                 help="Stop reading a file after N selected lines (negative: no limit, as grep -m -1)."),
    click.option("-g", "--glob", "--include", "--pattern", "globs", multiple=True, metavar="GLOB",
                 help="Search only files whose name matches GLOB (path below the root if GLOB has '/'); "
                      "selects files, it is not the search pattern. Repeatable."),
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

# What grep and ripgrep users type out of habit.
HABIT_OPTIONS = [
    click.option("-r", "--recursive", is_flag=True, expose_value=False,
                 help="Accepted for grep's sake: directories are always searched recursively."),
    click.option("-R", "--dereference-recursive", is_flag=True,
                 help="As grep -R: recursive, following symbolic links (= --follow)."),
    click.option("-G", "--basic-regexp", is_flag=True, expose_value=False, callback=syntax_flag("basic"),
                 help="Patterns are POSIX basic regexes as GNU grep reads them (grep's default: \\| \\+ \\? "
                      "\\{n,m\\} \\( \\) and back-references \\1-\\9 are operators, | + ? { } ( ) literal). "
                      "-o and --color show the leftmost-longest match."),
    click.option("-E", "--extended-regexp", is_flag=True, expose_value=False, callback=syntax_flag("extended"),
                 help="Patterns are POSIX extended regexes, the dialect of GNU grep -E exactly (a+? is (a+)?, a "
                      "leading * repeats nothing, GNU's \\< \\> \\b \\w \\s, back-references). -o and --color "
                      "show the leftmost-longest match."),
    click.option("-P", "--perl-regexp", is_flag=True, expose_value=False, callback=syntax_flag("perl"),
                 help="Patterns are Perl-compatible (PCRE2 when the pcre2 package is installed, else Python's re): "
                      "lookarounds, lazy quantifiers, \\K, (?i). Several -e patterns are allowed. Of -G, -E, -P "
                      "the last one given wins; without any, logpipe's own dialect (see the README)."),
    click.option("-z", "--search-zip", is_flag=True, expose_value=False,
                 help="Accepted for ripgrep's sake: compressed files are always decompressed."),
    click.option("-I", "skip_binary", is_flag=True, help="Skip binary files (= --binary-files without-match)."),
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
    click.option("-l", "--files-with-matches", is_flag=True, callback=last_one_wins("files_without_match"),
                 help="Print only the names of files with a match."),
    click.option("-L", "--files-without-match", is_flag=True, callback=last_one_wins("files_with_matches"),
                 help="Print only the names of files without a match (-l and -L: the last one given wins)."),
    click.option("-A", "--after-context", type=LINES, metavar="N", help="Print N lines after each."),
    click.option("-B", "--before-context", type=LINES, metavar="N", help="Print N lines before each."),
    click.option("-C", "--context", type=LINES, metavar="N", help="Print N lines around each (-NUM: the same)."),
    click.option("--color", "--colour", type=click.Choice(COLOR_MODES), default="auto", show_default=True,
                 is_flag=False, flag_value="auto", metavar="[WHEN]",
                 help="Highlight matches, names and numbers as grep does, in GREP_COLORS' colours (auto, also "
                      "--color alone: when stdout is a terminal and NO_COLOR is unset)."),
    click.option("--json", is_flag=True, help="Print JSON Lines in ripgrep's --json format."),
    click.option("-0", "-Z", "--null", is_flag=True, help="Print a NUL byte after each file name."),
    click.option("-q", "--quiet", is_flag=True, help="Print nothing; exit 0 at the first match."),
]

# Multi-line records (logpipe.multiline): what is selected is a record, not a line.
RECORD_OPTIONS = [
    click.option("--records", is_flag=True,
                 help="Select multi-line records, not lines: a record begins at each line that starts with a "
                      "timestamp and holds the lines after it that do not (stack traces, tracebacks). It is "
                      "printed whole, its matching lines marked ':' and the others '-'; -c, -l, -m, -A/-B/-C "
                      "count records. At most 500 lines and --max-line-bytes bytes per record."),
    click.option("--record-start", metavar="REGEX", type=os.fsencode,
                 help="A record begins at each line that REGEX matches (anchor it with '^'); implies --records."),
]


# The headings of `logpipe grep --help` (and of the man page), each with the options under it
# by parameter name, in the order shown. A new list of options adds its own heading here;
# an option listed nowhere is shown under "Other options".
HELP_SECTIONS = {
    "What to search": ["globs", "exclude", "max_depth", "follow", "recursive",
                       "dereference_recursive", "search_zip", "text", "binary_files", "skip_binary",
                       "max_line_bytes"],
    "How to match": ["regexps", "pattern_files", "fixed_strings", "basic_regexp", "extended_regexp", "perl_regexp",
                     "ignore_case",
                     "smart_case", "invert_match", "word_regexp", "line_regexp", "max_count"],
    "What to print": ["line_number", "byte_offset", "with_filename", "only_matching", "count", "files_with_matches",
                      "files_without_match", "after_context", "before_context", "context", "color", "json", "null",
                      "quiet", "no_messages"],
    "Time": ["since", "until", "time_format", "tz", "sort"],
    "Multi-line records": ["records", "record_start"],
    "How to run": ["threads", "backend", "stats", "progress", "prefetch", "dask", "repeat", "as_json", "no_config",
                   "version", "help"],
}
OTHER_OPTIONS = "Other options"


def help_sections(command: click.Command, ctx: click.Context) -> list[tuple[str, list[tuple[str, str]]]]:
    """The command's options as (heading, [(options, help)]) in HELP_SECTIONS' order."""
    place = {name: (number, index) for number, names in enumerate(HELP_SECTIONS.values())
             for index, name in enumerate(names)}
    headings = [*HELP_SECTIONS, OTHER_OPTIONS]
    placed = []
    for order, param in enumerate(command.get_params(ctx)):
        record = param.get_help_record(ctx) if isinstance(param, click.Option) else None  # arguments: in the usage
        if record:
            number, index = place.get(param.name, (len(HELP_SECTIONS), order))
            placed.append((number, index, order, record))
    sections: dict[str, list] = {}
    for number, _, _, record in sorted(placed, key=lambda item: item[:3]):
        sections.setdefault(headings[number], []).append(record)
    return list(sections.items())


class SectionedHelp(click.Command):
    """--help with the options grouped under HELP_SECTIONS' headings."""

    def format_options(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        for heading, records in help_sections(self, ctx):
            with formatter.section(heading):
                formatter.write_dl(records)


class SearchCommand(SectionedHelp):
    """`grep` and `compare`: their arguments are read as grep reads them before click parses
    them; `grep`'s come after the defaults in LOGPIPE_CONFIG_PATH (unless --no-config)."""

    reads_config = False

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        args = list(args)
        configured = []
        if self.reads_config and "--no-config" not in args[:args.index("--") if "--" in args else len(args)]:
            from .config import config_lines

            configured = config_lines()
            args = [argument for argument, _ in configured] + args
        takes_value = {name for param in self.get_params(ctx) if isinstance(param, click.Option)
                       and not param.is_flag and not param.count for name in param.opts}
        known = {name for param in self.get_params(ctx) if isinstance(param, click.Option) for name in param.opts}
        try:
            return super().parse_args(ctx, number_context(bare_color(args), takes_value, known))
        except click.NoSuchOption as err:
            from .config import explain_unknown

            hint = explain_unknown(err.option_name, configured)
            if hint is None:
                raise
            raise click.UsageError(hint, ctx) from None


class GrepCommand(SearchCommand):
    reads_config = True


def bare_color(args: list[str]) -> list[str]:
    """`--color` alone means `--color=auto`, as in grep: the next word stays a PATTERN or PATH
    unless it is one of auto, always, never."""
    for i, arg in enumerate(args):
        if arg == "--":
            break
        if arg in ("--color", "--colour") and (i == 0 or args[i - 1] not in ("-e", "--regexp")):
            if i + 1 == len(args) or args[i + 1] not in COLOR_MODES:
                args[i] = "--color=auto"
    return args


# Timestamps inside lines (logpipe.timestamps, timebounds, timeline).
TIME_OPTIONS = [
    click.option("--since", metavar="TIME",
                 help="Only lines at or after TIME: 2026-11-30, '2026-11-30 02:10', 02:10 (today), 2pm, yesterday, "
                      "'yesterday 10:00', 'last monday', 'Dec 1 12:00', now, '1h ago', -3h, 2h (see the README). "
                      "Not an ambiguous 12/01/2026."),
    click.option("--until", metavar="TIME", help="Only lines at or before TIME (same forms as --since)."),
    click.option("--time-format", metavar="FORMAT",
                 help="strptime-style format of the timestamps (e.g. '%d.%m.%Y %H:%M:%S'), when logpipe does "
                      "not recognise them by itself."),
    click.option("--tz", metavar="ZONE",
                 help="Zone of times written without one, and of --since/--until (IANA name or UTC) "
                      "[default: local time]."),
    click.option("--sort", type=click.Choice(["time"]), default=None,
                 help="time: rotated files oldest first, and the matched lines of all files merged into one "
                      "timeline."),
]


def refuse_json_with_counts(flags: dict) -> None:
    """--json prints every match: with -c, -l or -L it would ignore them, so the combination is
    refused, as ripgrep refuses it."""
    if flags.get("json"):
        for name, option in (("count", "--count"), ("files_with_matches", "--files-with-matches"),
                             ("files_without_match", "--files-without-match")):
            if flags.get(name):
                raise click.UsageError(f"--json cannot be used with {option} (as in ripgrep: --json prints "
                                       "each match; use one or the other)")


def time_flags(flags: dict) -> dict:
    """--since/--until as epoch seconds (durations count back from now), checked with --tz."""
    from .pipeline.timebounds import TimeFormatError, parse_bound
    from .pipeline.timestamps import Zone, custom_format

    try:
        Zone(flags.get("tz"))
        if flags.get("time_format"):
            custom_format(flags["time_format"])
    except TimeFormatError as err:
        raise click.UsageError(str(err)) from None
    given = {name: flags.get(name) for name in ("since", "until")}
    for name in ("since", "until"):
        if flags.get(name) is not None:
            try:
                flags[name] = parse_bound(given[name], zone=flags.get("tz"))
            except ValueError as err:
                raise click.BadParameter(str(err), param_hint=f"--{name}") from None
    if flags.get("since") is not None and flags.get("until") is not None and flags["since"] > flags["until"]:
        raise click.UsageError(f"--since ({given['since']}) is later than --until ({given['until']}): "
                               "no line can be in both")
    return flags


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
    from .start import ignore_ending_signals

    ignore_ending_signals()  # one is enough: the next must not interrupt the cleanup
    raise Terminated


def _interrupted(signum, frame) -> None:
    from .start import ignore_ending_signals

    ignore_ending_signals()
    raise KeyboardInterrupt


def interruptible(run_command):
    """Ctrl-C exits with 130 and SIGTERM with 143, as shells expect, without a traceback;
    open files are closed and worker processes ended on the way out. Before and after the
    search, the handlers that were there stay (logpipe.start's exit at once)."""

    def wrapper(*args, **kwargs):
        previous = {signum: signal.getsignal(signum) for signum in (signal.SIGINT, signal.SIGTERM)}
        if previous[signal.SIGINT] is not signal.SIG_IGN:  # a background job of a script keeps ignoring it
            signal.signal(signal.SIGINT, _interrupted)
        signal.signal(signal.SIGTERM, _terminated)
        try:
            return run_command(*args, **kwargs)
        except KeyboardInterrupt:
            return 130
        except Terminated:
            return 128 + signal.SIGTERM
        finally:
            from .start import _again

            for signum, handler in previous.items():
                if signal.getsignal(signum) is not _again and handler is not None:  # not after a signal
                    signal.signal(signum, handler)

    return wrapper


def without(decorators, *names: str) -> list:
    """The option decorators of a list but those whose parameters are `names` (for a command
    that has its own option of that name)."""

    def collect(function):
        return function

    for decorator in decorators:
        decorator(collect)
    def attach(param: click.Parameter):
        def decorator(command):
            command.__dict__.setdefault("__click_params__", []).append(param)  # as click's own decorators do
            return command

        return decorator

    return [attach(param) for param in reversed(collect.__click_params__) if param.name not in names]


def apply(decorators):
    def decorate(command):
        for decorator in reversed(decorators):
            command = decorator(command)
        return command

    return decorate


def stdin_is_readable() -> bool:
    """Whether standard input is a pipe or a file to search, as ripgrep decides it
    (not a terminal, not /dev/null, not closed); or a directory, which is then reported
    as grep reports it ("Is a directory")."""
    try:
        mode = os.fstat(0).st_mode
    except OSError:
        return False
    return stat.S_ISFIFO(mode) or stat.S_ISREG(mode) or stat.S_ISSOCK(mode) or stat.S_ISDIR(mode)


def build_options(arguments: tuple[str, ...], regexps: tuple[str, ...], pattern_files, text: bool,
                  binary_files: str, context: int | None = None, after_context: int | None = None,
                  before_context: int | None = None, skip_binary: bool = False,
                  dereference_recursive: bool = False, **flags) -> SearchOptions:
    drop_overridden(flags)
    if skip_binary:
        binary_files = "without-match"
    if dereference_recursive:
        flags["follow"] = True
    if flags.get("max_count") is not None and flags["max_count"] < 0:
        flags["max_count"] = None  # grep's -m -1: no limit
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
        patterns=tuple(patterns), paths=paths, binary_files="text" if text else binary_files, syntax=chosen_syntax(),
        context_given=context is not None or after_context is not None or before_context is not None,
        after_context=after_context if after_context is not None else context or 0,
        before_context=before_context if before_context is not None else context or 0, **flags)


def version_option():
    return click.version_option(__version__, "--version", "-V", prog_name="logpipe")


class ClosedFile(io.RawIOBase):
    """Standard input or output that was closed when logpipe started (`<&-`, `>&-`): reading
    or writing it fails as the closed descriptor did, with "Bad file descriptor"."""

    def __init__(self, fd: int) -> None:
        self.fd = fd  # now /dev/null, so that no file opened later takes its number

    def fileno(self) -> int:
        return self.fd

    def readable(self) -> bool:
        return True

    def writable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        raise OSError(errno.EBADF, os.strerror(errno.EBADF))

    def write(self, data) -> int:
        raise OSError(errno.EBADF, os.strerror(errno.EBADF))


def reopen_closed_streams() -> None:
    """Descriptors 0, 1, 2 closed when we started: open /dev/null on them, so that a log file
    opened later cannot become "standard input" or receive our output; then reading a closed
    stdin or writing a closed stdout fails with "Bad file descriptor" (as in grep), and
    messages to a closed stderr are dropped."""
    handed_over = os.environ.pop("LOGPIPE_STDIN_FD", None)  # a directory as stdin: see bin/logpipe
    if handed_over is not None and handed_over.isdigit():
        try:
            os.dup2(int(handed_over), 0)  # reading it now fails with "Is a directory", as in grep
            os.close(int(handed_over))
        except OSError:
            pass
    for fd in (0, 1, 2):
        try:
            os.fstat(fd)
            continue
        except OSError:
            pass
        null = os.open(os.devnull, os.O_RDWR)
        if null != fd:
            os.dup2(null, fd)
            os.close(null)
        if fd == 0:
            sys.stdin = io.TextIOWrapper(io.BufferedReader(ClosedFile(0)))
        elif fd == 1:
            sys.stdout = io.TextIOWrapper(ClosedFile(1), write_through=True)
        else:
            sys.stderr = open(2, "w", closefd=False)


class Logpipe(click.Group):
    def resolve_command(self, ctx: click.Context, args: list[str]):
        """An unknown command is most often a pattern typed where `grep` goes: say so."""
        try:
            return super().resolve_command(ctx, args)
        except click.UsageError as err:
            if args and args[0] not in self.commands and not args[0].startswith("-"):
                import shlex

                suggestion = " ".join(shlex.quote(arg) for arg in ["logpipe", "grep", *args])
                raise click.UsageError(f"{err.message}; did you mean: {suggestion}", ctx) from None
            raise

    def main(self, *args, **kwargs):
        """Every command: closed standard descriptors handled first; an unexpected exception
        (a bug) ends in one line and status 2, never in a traceback that scripts read as status 1."""
        reopen_closed_streams()
        try:
            return super().main(*args, **kwargs)
        except Exception as err:
            try:
                sys.stderr.write(f"logpipe: internal error: {type(err).__name__}: {err}\n")
                sys.stderr.flush()
            except Exception:
                pass
            sys.exit(ERROR)


@click.group(cls=Logpipe, context_settings={**CONTEXT, "help_option_names": ["-h", "--help"]})  # -h: only here
@version_option()
def main() -> None:
    """Search log trees (plain, gzip, bzip2, zstd, xz) for a pattern."""


@main.command("grep", cls=GrepCommand, context_settings=CONTEXT,
              short_help="Print the lines matching PATTERN under each PATH.")
@version_option()
@apply(SEARCH_OPTIONS + HABIT_OPTIONS + OUTPUT_OPTIONS + RECORD_OPTIONS + TIME_OPTIONS)
@click.option("--backend", type=click.Choice(BACKENDS), default="pull", show_default=True,
              help="Pipeline to run: generators (pull) or coroutines (push). Output is identical.")
@click.option("-j", "--threads", type=click.IntRange(min=0), default=0, metavar="N",
              help="Worker processes searching files in parallel (0: one per core; 1: none). The output "
                   f"order is always that of -j1.  [default: 0, one per core: {os.cpu_count()} here]")
@click.option("--stats", is_flag=True, help="After the search, print on stderr what each stage did.")
@click.option("--progress/--no-progress", default=None,
              help="Show a progress line on stderr [default: when stderr is a terminal].")
@click.option("--no-config", is_flag=True, expose_value=False,
              help="Ignore the file of default arguments that LOGPIPE_CONFIG_PATH names (one argument per "
                   "line, put before the command line's; # starts a comment).")
@apply(REMOTE_OPTIONS)
def grep_command(**flags) -> None:
    """Print the lines matching PATTERN in the files under each PATH.

    With no PATH, search standard input if it is a pipe or a file, else the current
    directory; "-" is standard input. PATTERN is a regular expression on bytes, as grep -E
    and -P users write it (searched as a literal when it has no metacharacters); -G, -E and
    -P read it exactly as GNU grep -G, -E and -P do. Compressed files are recognised
    by their first bytes, not their names. Exit status: 0 if a line was selected, 1 if
    none was, 2 if an error occurred.

    \b
    Example:  logpipe grep brew ~ -g '*bash*'
    """
    refuse_json_with_counts(flags)
    if any(flags.get(name) is not None for name in ("since", "until", "time_format", "tz", "sort")):
        flags = time_flags(flags)
    sys.exit(interruptible(search)(flags))


def search(flags: dict) -> int:
    options = None
    try:
        options = build_options(**flags)
        if options.record_start is not None:  # a bad --record-start is an error before any file is read
            from .pipeline.multiline import record_start

            record_start(options.record_start)
        return run(options)
    except PatternError as err:
        click.echo(f"logpipe: {err}{glob_hint(options.patterns if options else ())}", err=True)
        return ERROR


def glob_hint(patterns) -> str:
    """A pattern that is not a regex but looks like a file name glob (`*.log`): say where a
    glob goes."""
    for pattern in patterns:
        text = os.fsdecode(pattern)
        if text[:1] == "*" or text.startswith("?*") or re.fullmatch(r"[\w.-]*\*[\w.*-]*", text or "x"):
            import shlex

            return f"; to search the files named {text}, give it to -g: logpipe grep PATTERN -g {shlex.quote(text)}"
    return ""


@main.command("compare", cls=SearchCommand, context_settings=CONTEXT,
              short_help="Measure the pull and push backends on one search.")
@version_option()
@apply(SEARCH_OPTIONS + HABIT_OPTIONS + without(OUTPUT_OPTIONS, "json"))  # --json: the report's here
@click.option("-j", "--threads", type=click.IntRange(min=0), default=0, metavar="N",
              help="Worker processes of each measured search, as grep's -j (0: one per core; 1: none)."
                   f"  [default: 0, one per core: {os.cpu_count()} here]")
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


@main.command("demo", cls=SectionedHelp, context_settings=CONTEXT,
              short_help="Write a small tree of logs in every codec.")
@version_option()
@click.argument("directory", type=click.Path(file_okay=False))
@click.option("--force", is_flag=True, help="Write into DIRECTORY even if it is not empty (replacing files of "
                                               "the same names).")
def demo_command(directory: str, force: bool) -> None:
    """Write a small tree of synthetic logs in every codec to DIRECTORY, to try logpipe on.

    DIRECTORY must be new or empty, unless --force: run in /var/log, the demo would
    replace the real syslog.
    """
    from .demo import make_demo_tree

    if not force and os.path.isdir(directory) and os.listdir(directory):
        click.echo(f"logpipe: {directory}: directory not empty (the demo would replace its files; "
                   "use --force to write there anyway)", err=True)
        sys.exit(ERROR)
    for path in make_demo_tree(directory):
        click.echo(path)


@main.command("man", cls=SectionedHelp, context_settings=CONTEXT, short_help="Print logpipe's man page (roff).")
@version_option()
def man_command() -> None:
    """Print logpipe's manual page, made from the same text as --help, in roff.

    \b
    Read it:    logpipe man | man -l -
    Install it: logpipe man > ~/.local/share/man/man1/logpipe.1
    """
    from .manpage import man_page

    root = click.get_current_context().find_root()
    pages = []
    for name, command in main.commands.items():
        ctx = click.Context(command, info_name=name, parent=root)
        pages.append((name, command.collect_usage_pieces(ctx), command.help or "",
                      help_sections(command, ctx)))
    click.echo(man_page(main.help or "", pages, __version__), nl=False)
