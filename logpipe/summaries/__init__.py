"""Summaries of a search (--histogram, --count-by): the counting, shared by every printer
that summarises and by every executor (workers and cluster tasks count, the parent merges).

    buckets.py   time cut into buckets (1m, 1h, 1d, 1w, 1mo...) in the zone of --tz, DST included
    timecounts.py  selected lines per bucket: exact, bounded (automatic buckets coarsen as they grow)
    heavy.py     counts per value: exact up to a limit, then a Misra-Gries summary with its error bound
    keys.py      what a line is counted by: a capture group of the pattern, or a field (key extractors)
    tally.py     the three together, as one mergeable state per file (a printer's `totals`)

The output (terminal chart, table, JSON, CSV, SVG) is the printers' (`logpipe.printers.histogram`,
`counts`, `svg`); the time of each selected line is the time stages' (`Match.time`).
"""
