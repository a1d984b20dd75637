"""One printer per output format, behind one protocol (`base.Printer`: `write(record)`,
`finish()`), chosen once for the search by its mode:

    lines                                        → StandardPrinter  (standard.py)
    only-matching                                → OnlyMatchingPrinter (only_matching.py)
    count, files-with-matches, -without-match, quiet → SummaryPrinter (summary.py)
    json                                         → JsonPrinter      (json.py)
    histogram                                    → HistogramPrinter (histogram.py; svg.py for --plot)
    histogram with --tail                        → LiveHistogramPrinter (live_histogram.py: a row per closed bucket)
    count-by                                     → CountsPrinter    (counts.py)

The last two count into a `logpipe.summaries` tally (tallying.py) and draw it at the end;
they are imported when used (their entries name their module and class).

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
            "json": JsonPrinter, "histogram": "histogram.HistogramPrinter", "count-by": "counts.CountsPrinter",
            "live-histogram": "live_histogram.LiveHistogramPrinter"}

__all__ = ["Printer", "PrinterSettings", "Sink", "StandardPrinter", "OnlyMatchingPrinter", "SummaryPrinter",
           "JsonPrinter", "PRINTERS", "make_printer"]


def make_printer(settings: PrinterSettings, stream, matcher=None, messages=None) -> Printer:
    """The printer of `settings.mode`, writing to `stream` (a binary stream or a `Sink`)."""
    printer = PRINTERS[settings.mode]
    if settings.live and f"live-{settings.mode}" in PRINTERS:  # --tail: a format of its own (rows as they close)
        printer = PRINTERS[f"live-{settings.mode}"]
    if isinstance(printer, str):  # imported when used
        import importlib

        module, name = printer.rsplit(".", 1)
        printer = getattr(importlib.import_module(f"{__name__}.{module}"), name)
    return printer(stream, settings, matcher=matcher, messages=messages)
