"""One printer per output format, behind one protocol (`base.Printer`: `write(record)`,
`finish()`), chosen once for the search by its mode:

    lines                                        → StandardPrinter  (standard.py)
    only-matching                                → OnlyMatchingPrinter (only_matching.py)
    count, files-with-matches, -without-match, quiet → SummaryPrinter (summary.py)
    json                                         → JsonPrinter      (json.py)

Each writes bytes to a `Sink` (sink.py), the one writer to standard output and the one
count behind the exit status. `OrderedWriter` (ordered.py) is what every executor
delivers to: output formatted elsewhere (a worker process, a cluster task), in walk
order. A new format is one more printer module and one entry in `PRINTERS`.
"""
from __future__ import annotations

from .base import Printer, PrinterSettings
from .json import JsonPrinter
from .only_matching import OnlyMatchingPrinter
from .sink import Sink
from .standard import StandardPrinter
from .summary import SummaryPrinter

PRINTERS = {"lines": StandardPrinter, "only-matching": OnlyMatchingPrinter, "count": SummaryPrinter,
            "files-with-matches": SummaryPrinter, "files-without-match": SummaryPrinter, "quiet": SummaryPrinter,
            "json": JsonPrinter}

__all__ = ["Printer", "PrinterSettings", "Sink", "StandardPrinter", "OnlyMatchingPrinter", "SummaryPrinter",
           "JsonPrinter", "PRINTERS", "make_printer"]


def make_printer(settings: PrinterSettings, stream, matcher=None, messages=None) -> Printer:
    """The printer of `settings.mode`, writing to `stream` (a binary stream or a `Sink`)."""
    return PRINTERS[settings.mode](stream, settings, matcher=matcher, messages=messages)
