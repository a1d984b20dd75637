"""The in-process executor: the files searched here, one after the other (-j1, standard
input, URL PATHs, and the first files of a parallel search while its workers start)."""
from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING

from ..backends import BACKENDS
from ..records import StopSearch

if TYPE_CHECKING:
    from ..messages import Messages
    from ..plan import Plan
    from ..printers.ordered import OrderedWriter
    from ..records import LogFile
    from ..stats import Stats


class InProcess:
    """Runs the plan's chain here, printing with the sink's own printer: its output is in
    walk order by construction, and goes to the sink's stream without a copy."""

    def __init__(self, plan: Plan, messages: Messages, stats: Stats | None = None) -> None:
        self.plan, self.messages, self.stats = plan, messages, stats

    def run(self, logfiles: Iterable[LogFile], sink: OrderedWriter) -> None:
        plan = self.plan
        announce = None
        if sink.held is not None:  # the walk runs ahead: its messages wait for their place
            if plan.remote:  # the fetch stage, ahead of the search too, says when a file's turn comes
                announce = sink.announce
            else:
                logfiles = _each(logfiles, sink)
        BACKENDS[plan.options.backend].search_logfiles(plan, logfiles, sink.printer, self.messages, self.stats,
                                                       announce)
        out = sink.out
        if out.stopped or (out.quiet and out.matches):  # the printer ended the chain: the search is over
            raise StopSearch


def _each(logfiles: Iterable[LogFile], sink: OrderedWriter) -> Iterator[LogFile]:
    """The logfiles, each announced to the sink as the chain takes it (the walk's messages
    from before it are written then)."""
    for logfile in logfiles:
        sink.announce()
        yield logfile
