"""The command line: parse options with click into one `SearchOptions`, run, exit.

The commands are here; their options in `cli_options`, the signals in `signals`, the
standard descriptors as found in `standard_streams`. The library never imports click:
this module and `cli_options` are the only ones that do.
"""
from __future__ import annotations

import json
import os
import re
import sys

import click

from . import __version__
from .pipeline.patterns import PatternError
from .cli_options import (CONTEXT, HABIT_OPTIONS, LIVE_OPTIONS, OUTPUT_OPTIONS, RECORD_OPTIONS, REMOTE_OPTIONS,
                          SEARCH_OPTIONS, STRUCTURED_OPTIONS, SUMMARY_OPTIONS, TIME_OPTIONS, GrepCommand,
                          SearchCommand, SectionedHelp, apply, chosen_syntax, drop_overridden, help_sections,
                          refuse_summary_conflicts, version_option, without)
from .options import BACKENDS, SearchOptions
from .search import ERROR, run
from .summaries.keys import CountKeyError
from .signals import interruptible
from .standard_streams import reopen_closed_streams, stdin_is_readable

def refuse_json_with_counts(flags: dict) -> None:
    """--json prints every match: with -c, -l or -L it would ignore them, so the combination is
    refused, as ripgrep refuses it (with a summary, --json is its format: see refuse_summary_conflicts)."""
    refuse_summary_conflicts(flags)
    if flags.get("json") and not (flags.get("histogram") is not None or flags.get("count_by")
                                  or flags.get("plot")):
        for name, option in (("count", "--count"), ("files_with_matches", "--files-with-matches"),
                             ("files_without_match", "--files-without-match")):
            if flags.get(name):
                raise click.UsageError(f"--json cannot be used with {option} (as in ripgrep: --json prints "
                                       "each match; use one or the other)")


def refuse_with_tail(options: SearchOptions) -> None:
    """What --tail cannot do: counts and lists of files are known when a file ends, and a
    followed file never does; URLs and standard input cannot be followed as files are.
    (A summary follows: --histogram prints a row per bucket as it closes, --count-by alone
    its table when the follow ends.)"""
    if not options.tail:
        return
    for given, option in ((options.count, "--count"), (options.files_with_matches, "--files-with-matches"),
                          (options.files_without_match, "--files-without-match")):
        if given:
            raise click.UsageError(f"--tail cannot be used with {option}: a count or a list of files is known when "
                                   "the files end, and followed files never do (use it without --tail)")
    for path in options.paths:
        if path == "-":
            raise click.UsageError("--tail follows files, not standard input (a pipe is read as it comes "
                                   "without --tail: tail -F FILE | logpipe grep PATTERN)")
        if "://" in path:
            from .pipeline.remote import is_url

            if is_url(path):
                raise click.UsageError(f"--tail follows local files only: {path} is a URL")


def time_flags(flags: dict) -> dict:
    """--since/--until as epoch seconds (durations count back from now), checked with --tz."""
    from .pipeline.timebounds import TimeFormatError, parse_bound
    from .pipeline.timeformats import Zone, custom_format

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


def structured_flags(flags: dict) -> dict:
    """--where, --level and --fields read and checked before any file is: a bad expression,
    level or key is a usage error (status 2)."""
    from .pipeline.fields import KeyError_, split_keys
    from .pipeline.where import Where, WhereError

    flags["where"] = tuple(flags.get("where") or ())
    if flags["where"] or flags.get("level") is not None:
        try:
            Where(flags["where"], flags.get("level"))
        except WhereError as err:
            raise click.UsageError(str(err)) from None
    if flags.get("fields") is not None:
        try:
            flags["fields"] = split_keys(flags["fields"])
        except KeyError_ as err:
            raise click.UsageError(f"--fields {flags['fields']!r}: {err}") from None
        if flags.get("only_matching"):
            raise click.UsageError("--fields cannot be used with --only-matching (one prints fields, the other "
                                   "matches: use one or the other)")
    return flags


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
    structured = bool(flags.get("where")) or flags.get("level") is not None
    if not regexps and not pattern_files and not structured:  # with --where/--level, PATTERN is optional:
        if not arguments:                                         # every argument is then a PATH
            raise click.UsageError("Missing argument 'PATTERN'.")
        patterns, arguments = [os.fsencode(arguments[0])], arguments[1:]
    if flags.get("tail_poll") is not None:
        flags["tail"] = True
    paths = arguments or (("-",) if stdin_is_readable() and not flags.get("tail") else ("",))
    if flags.get("threads") == 0:
        flags["threads"] = os.cpu_count() or 1
    return SearchOptions(
        patterns=tuple(patterns), patterns_given=bool(regexps or pattern_files), paths=paths, binary_files="text" if text else binary_files, syntax=chosen_syntax(),
        context_given=context is not None or after_context is not None or before_context is not None,
        after_context=after_context if after_context is not None else context or 0,
        before_context=before_context if before_context is not None else context or 0, **flags)


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
@apply(SEARCH_OPTIONS + HABIT_OPTIONS + OUTPUT_OPTIONS + RECORD_OPTIONS + TIME_OPTIONS + STRUCTURED_OPTIONS
       + SUMMARY_OPTIONS + LIVE_OPTIONS)
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
    flags = structured_flags(flags)
    sys.exit(interruptible(search)(flags))


def search(flags: dict) -> int:
    options = None
    try:
        options = build_options(**flags)
        refuse_with_tail(options)
        if options.record_start is not None:  # a bad --record-start is an error before any file is read
            from .pipeline.multiline import record_start

            record_start(options.record_start)
        return run(options)
    except PatternError as err:
        click.echo(f"logpipe: {err}{glob_hint(options.patterns if options else ())}", err=True)
        return ERROR
    except CountKeyError as err:
        click.echo(f"logpipe: {err}", err=True)
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
@apply(SEARCH_OPTIONS + HABIT_OPTIONS + without(OUTPUT_OPTIONS, "json") + STRUCTURED_OPTIONS)  # --json: the report's
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

    structured_flags(flags)

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
