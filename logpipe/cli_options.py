"""The command line's options (click), grouped as `--help` shows them, and grep's habits
read before click parses (`-NUM`, `--color` alone, the last of -l/-L or -G/-E/-P wins).
Only `logpipe.cli` and this module import click."""
from __future__ import annotations

import os

import click

from . import __version__
from .options import BINARY_MODES, COLOR_MODES


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
    click.option("-o", "--only-matching", is_flag=True,
                 help="Print only the matched parts, each on its own line (with -v and context: the context "
                      "lines' matches, as GNU grep)."),
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
    "Structured logs": ["where", "level", "fields"],
    "Summaries": ["histogram", "count_by", "top", "count_limit", "table", "plot"],
    "How to run": ["tail", "tail_poll", "line_buffered", "threads", "backend", "stats", "progress", "prefetch",
                   "dask", "repeat", "as_json", "no_config", "version", "help"],
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
            name = "help" if "--help" in param.opts else param.name  # click 8.2+ names it _click_default_help
            number, index = place.get(name, (len(HELP_SECTIONS), order))
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


def _bucket_size(word: str) -> bool:
    """Whether `word` after --histogram is meant as its bucket: a number and a unit of time,
    valid or not (`1h`; `1.5h`, `0s`, `3000y` are then refused with the reason, not taken
    as the PATTERN)."""
    import re

    return re.fullmatch(r"\s*\d+(\.\d+)?\s*(s|sec|ms|m|min|h|hr|d|w|mo|month|y|yr)s?\s*", word.lower()) is not None


# Options whose value may be left out: what each means alone, and which next words are its value.
OPTIONAL_VALUES = {"--color": ("auto", lambda word: word in COLOR_MODES),
                   "--colour": ("auto", lambda word: word in COLOR_MODES),
                   "--histogram": ("auto", lambda word: word == "auto" or _bucket_size(word))}


def bare_color(args: list[str]) -> list[str]:
    """`--color` alone means `--color=auto`, as in grep: the next word stays a PATTERN or PATH
    unless it is one of auto, always, never. `--histogram` alone likewise means
    `--histogram=auto`, unless the next word is a bucket size (1h, 5m, ...)."""
    for i, arg in enumerate(args):
        if arg == "--":
            break
        if arg in OPTIONAL_VALUES and (i == 0 or args[i - 1] not in ("-e", "--regexp")):
            alone, is_value = OPTIONAL_VALUES[arg]
            if i + 1 == len(args) or not is_value(args[i + 1]):
                args[i] = f"{arg}={alone}"
    return args


class BucketSizeParam(click.ParamType):
    """--histogram's bucket: 30s, 1m, 5m, 1h, 1d, 1w, 1mo, 1y, or auto."""

    name = "bucket"

    def convert(self, value, param, ctx) -> str:
        if value == "auto":
            return value
        from .summaries.buckets import parse_size

        try:
            parse_size(value)
        except ValueError as err:
            self.fail(str(err), param, ctx)
        return value


# Summaries instead of the lines (logpipe.summaries, printers/histogram.py and counts.py).
SUMMARY_OPTIONS = [
    click.option("--histogram", type=BucketSizeParam(), is_flag=False, flag_value="auto", default=None,
                 metavar="[BUCKET]",
                 help="Instead of the lines, how many selected lines fall in each time bucket (30s, 1m, 5m, 1h, "
                      "1d, 1w, 1mo, 1y; alone or 'auto': a size that fits the terminal's height), from the lines' "
                      "timestamps in --tz, empty buckets shown; lines without a timestamp counted apart. A chart "
                      "on a terminal, or --json, --csv, --tsv. With --count-by, a column per top value."),
    click.option("--count-by", "count_by", multiple=True, metavar="KEY",
                 help="Instead of the lines, count them by KEY: a capture group of the pattern (1, 2...; 0: "
                      "the whole match) or a named group; repeatable (a table of combinations). Sorted by "
                      "count, with a bar per row; with -o each match counts."),
    click.option("--top", type=click.IntRange(min=0), default=20, show_default=True, metavar="N",
                 help="Values shown by --count-by (0: all); the rest in one line."),
    click.option("--count-limit", type=click.IntRange(min=2), default=50000, show_default=True, metavar="N",
                 help="Distinct values counted exactly by --count-by; beyond, only the most frequent are "
                      "kept (Misra-Gries), in bounded memory, and the error bound is printed."),
    click.option("--csv", "table", flag_value="csv", default=None,
                 help="Print a summary's rows as CSV (a header, then one row per bucket or value)."),
    click.option("--tsv", "table", flag_value="tsv", help="Print a summary's rows as tab-separated values."),
    click.option("--plot", metavar="FILE.svg", type=click.Path(dir_okay=False),
                 help="Also write the histogram as an SVG picture, with axes and labels (implies --histogram)."),
]


def refuse_summary_conflicts(flags: dict) -> None:
    """A summary replaces the lines: with -c, -l or -L it would replace their output too, so
    the combinations are refused; --csv/--tsv and --plot need what they print."""
    summary = flags.get("histogram") is not None or flags.get("count_by") or flags.get("plot")
    what = "--histogram" if flags.get("histogram") is not None or flags.get("plot") else "--count-by"
    if summary:
        for name, option in (("count", "--count"), ("files_with_matches", "--files-with-matches"),
                             ("files_without_match", "--files-without-match")):
            if flags.get(name):
                raise click.UsageError(f"{what} cannot be used with {option} (each prints its own summary; use "
                                       "one or the other)")
        if flags.get("json") and flags.get("table"):
            raise click.UsageError(f"--json cannot be used with --{flags['table']}: choose one format")
    elif flags.get("table"):
        raise click.UsageError(f"--{flags['table']} prints a summary's rows: use it with --histogram or --count-by")
    plot = flags.get("plot")
    if plot is not None and not plot.lower().endswith(".svg"):
        raise click.UsageError(f"--plot {plot}: the picture is SVG, name it FILE.svg")


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
                      "timeline (with --json, the files' begin/end pairs interleave: read each message's path)."),
]


# Structured logs (logpipe.pipeline.fields, where): select on fields, print fields.
STRUCTURED_OPTIONS = [
    click.option("--where", "where", multiple=True, metavar="EXPR",
                 help="Select only lines whose fields satisfy EXPR (JSON lines, also behind a prefix; logfmt; "
                      "text lines' time, level, msg): key=value, key!=value, key~regex, key!~regex, key>N, "
                      "key>=N, key<N, key<=N (numbers, durations 300ms 1.5s, sizes 2MB), key?, not, and, or, "
                      "( ); dotted keys (user.id), quoted keys (\"a.b\"). Repeatable: all must hold. With "
                      "--where or --level, PATTERN is optional: every argument is a PATH, give a pattern with "
                      "-e. -i folds case in values; -v inverts the whole selection."),
    click.option("--level", metavar="LEVEL",
                 help="Select only lines of at least this severity: trace, debug, info, warn, error, fatal (or "
                      "a synonym: warning, err, crit, E, a syslog priority, a Bunyan/pino number), read from "
                      "JSON's and logfmt's level key (level, lvl, severity, ...) or a text line's level word."),
    click.option("--fields", metavar="KEYS",
                 help="Print these fields of each selected line, tab-separated, instead of the line "
                      "(--fields time,level,msg,user.id: time, level and msg whatever the format calls them; a "
                      "missing field is empty). With --json, the messages' 'fields' hold these."),
]

# Live logs: followed files (logpipe.pipeline.follow), output that streams.
LIVE_OPTIONS = [
    click.option("--tail", is_flag=True,
                 help="Follow every PATH as it grows, as tail -F does, for whole trees: print the lines that "
                      "match as they are written (from the end of each file; with --since TIME, first what "
                      "matches since TIME), across rotation (renamed, truncated, deleted and re-created files, "
                      "new files the walk selects), until Ctrl-C, --until or -m N matches in all. Compressed "
                      "files are never followed. With --sort time, the lines are merged by their timestamps "
                      "within a second. With --histogram, a row per bucket once it has closed (the clock 1 s "
                      "past its end; --histogram alone: a size fixed at the start to fit --since, else 1m), "
                      "the open bucket and the totals at the end; --count-by alone, its table at the end. "
                      "Not with -c, -l, -L, URLs or standard input."),
    click.option("--tail-poll", type=click.FloatRange(min=0, min_open=True), metavar="SECONDS",
                 help="Follow (--tail) by looking at the files every SECONDS instead of through inotify (for "
                      "network file systems, whose other clients' writes inotify does not see); implies --tail "
                      "[default: inotify where it works, else every 0.5 s]."),
    click.option("--line-buffered", is_flag=True,
                 help="Flush the output after every line (as grep's). Without it the output to a pipe or a "
                      "file is block-buffered (a terminal sees each line at once), but a live search (input "
                      "from a pipe or a terminal, or --tail) flushes it whenever its input goes quiet."),
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


def version_option():
    return click.version_option(__version__, "--version", "-V", prog_name="logpipe")
