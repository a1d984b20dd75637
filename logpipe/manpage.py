"""`logpipe man`: the manual page in roff, made from the commands' own help text.

The caller (cli.py) hands over what click knows of each command: its usage, its help text
and its options grouped under the --help headings; this module only writes roff.
"""
from __future__ import annotations

ENVIRONMENT = [
    ("LOGPIPE_CONFIG_PATH", "A file of default arguments for logpipe grep, one per line (blank lines and lines "
                            "starting with # are ignored), put before the command line's; --no-config ignores it."),
    ("GREP_COLORS", "The colours of --color, as GNU grep reads them: ms, mc, mt, sl, cx, fn, ln, bn, se, rv, ne."),
    ("NO_COLOR", "When set, --color=auto prints no colour."),
    ("_LOGPIPE_COMPLETE", "Shell completion: eval \"$(_LOGPIPE_COMPLETE=bash_source logpipe)\" in ~/.bashrc "
                          "(zsh_source in ~/.zshrc; for fish, "
                          "_LOGPIPE_COMPLETE=fish_source logpipe > ~/.config/fish/completions/logpipe.fish)."),
]

EXIT_STATUS = [("0", "A line was selected (with -L: a file matched)."), ("1", "No line was selected."),
               ("2", "An error occurred (a file could not be read, a bad option); with -q a match wins."),
               ("130, 143", "Interrupted by Ctrl-C, ended by SIGTERM.")]


def escape(text: str) -> str:
    """Text as roff prints it literally: backslashes, hyphens, and a leading dot or quote."""
    text = text.replace("\\", "\\e").replace("-", "\\-")
    return "\n".join("\\&" + line if line.startswith((".", "'")) else line for line in text.split("\n"))


def paragraphs(help_text: str) -> list[str]:
    """click's help text as roff paragraphs; a paragraph marked \\b keeps its line breaks."""
    out = []
    for block in help_text.strip().split("\n\n"):
        lines = [line.strip() for line in block.strip("\n").split("\n")]
        if lines and lines[0] == "\b":
            out.append(".PP\n.nf\n" + escape("\n".join(lines[1:])) + "\n.fi")
        else:
            out.append(".PP\n" + escape(" ".join(line for line in lines if line)))
    return out


def man_page(description: str, commands: list, version: str) -> str:
    """`commands`: (name, usage pieces, help text, [(heading, [(options, help)])]) for each."""
    first_line = description.strip().split("\n")[0].rstrip(".")
    rows = [f'.TH LOGPIPE 1 "" "logpipe {escape(version)}" "User Commands"', ".SH NAME",
            f"logpipe \\- {escape(first_line[0].lower() + first_line[1:])}", ".SH SYNOPSIS"]
    for name, usage, _, _ in commands:
        rows += [".PP", f"\\fBlogpipe {escape(name)}\\fR {escape(' '.join(usage))}"]
    rows += [".SH DESCRIPTION", *paragraphs(description)]
    for name, usage, help_text, sections in commands:
        rows += [f'.SH "LOGPIPE {escape(name.upper())}"', *paragraphs(help_text)]
        for heading, records in sections:
            rows.append(f'.SS "{escape(heading)}"')
            for options, text in records:
                rows += [".TP", f"\\fB{escape(options)}\\fR", escape(text)]
    rows.append(".SH ENVIRONMENT")
    for name, text in ENVIRONMENT:
        rows += [".TP", f"\\fB{escape(name)}\\fR", escape(text)]
    rows.append(".SH EXIT STATUS")
    for status, text in EXIT_STATUS:
        rows += [".TP", f"\\fB{escape(status)}\\fR", escape(text)]
    rows += [".SH SEE ALSO", "\\fBgrep\\fR(1), \\fBrg\\fR(1), \\fBzgrep\\fR(1)"]
    return "\n".join(rows) + "\n"
