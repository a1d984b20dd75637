"""What each stage did, counted where it happens (`logpipe grep --stats`).

Every stage takes `stats=None`; when it is None nothing is counted beyond one `is None`
test per file or block. The counters are plain ints, so a progress display in another
thread can read them while the search runs.
"""
from __future__ import annotations

from collections import Counter


# The counters kept while a file is read (the walk's are counted where it runs): what a
# worker hands over to the parent.
PER_FILE = ("compressed_bytes", "decompressed_bytes", "files_done", "blocks", "lines", "records", "record_cuts",
            "files_skipped_by_time", "lines_without_timestamp")


class Stats:
    counts_lines = True  # False: a parallel worker's meter that only wants the per-block tick

    def __init__(self) -> None:  # a plain class: importing dataclasses costs a search 10 ms
        self.files_walked = 0        # regular files the walk met (find_files)
        self.files_selected = 0      # of those, the ones the globs let through (find_files)
        self.opened = Counter()      # files opened, by codec (opener)
        self.compressed_bytes = 0    # bytes read from disk (opener, when it closes a file)
        self.decompressed_bytes = 0  # bytes of content (cat)
        self.files_done = 0          # files read to their end or stopped early (cat)
        self.blocks = 0              # blocks cut (cat)
        self.lines = 0               # lines in those blocks (cat)
        self.matches = 0             # matching lines handed to the sink (printer)
        self.files_with_errors = 0   # files or directories reported on stderr
        self.seconds = 0.0           # wall time of the whole search
        self.records = 0             # multi-line records (--records), counted by the records stage
        self.record_cuts = 0         # of those, the ones begun by the cap rather than by their first line
        self.files_skipped_by_time = 0    # files not searched: their times miss --since/--until (time stages)
        self.lines_without_timestamp = 0  # lines looked at for their time that had none of their own (stamp)

    def add(self, other: Stats) -> None:
        """Add what a worker counted for one file (the walk is counted where it ran)."""
        self.opened.update(other.opened)
        for name in PER_FILE:
            setattr(self, name, getattr(self, name) + getattr(other, name))

    def as_dict(self) -> dict:
        return {
            "files_walked": self.files_walked, "files_selected": self.files_selected,
            "files_opened": sum(self.opened.values()), "opened_by_codec": dict(sorted(self.opened.items())),
            "compressed_bytes": self.compressed_bytes, "decompressed_bytes": self.decompressed_bytes,
            "blocks": self.blocks, "lines": self.lines, "matches": self.matches,
            "files_with_errors": self.files_with_errors, "seconds": round(self.seconds, 6),
            "records": self.records, "record_cuts": self.record_cuts,
            "files_skipped_by_time": self.files_skipped_by_time,
            "lines_without_timestamp": self.lines_without_timestamp,
        }

    def format(self) -> str:
        """A few lines for stderr, the way ripgrep's --stats reads."""
        codecs = ", ".join(f"{count} {codec}" for codec, count in sorted(self.opened.items())) or "none"
        mb = self.decompressed_bytes / 1e6
        rate = mb / self.seconds if self.seconds > 0 else 0.0
        records = [f"{self.records} records, {self.record_cuts} cut at the cap (500 lines or --max-line-bytes)"]
        return "\n".join([
            f"{self.files_walked} files walked, {self.files_selected} selected by the globs",
            f"{sum(self.opened.values())} files opened ({codecs})",
            f"{self.compressed_bytes} bytes read from disk, {self.decompressed_bytes} bytes decompressed",
            f"{self.blocks} blocks, {self.lines} lines scanned",
            f"{self.matches} matching lines",
            *(records if self.records else []),
            f"{self.files_with_errors} files with errors",
            *([f"{self.files_skipped_by_time} files skipped by time, "
               f"{self.lines_without_timestamp} lines without a timestamp"]
              if self.files_skipped_by_time or self.lines_without_timestamp else []),
            f"{self.seconds:.3f} seconds ({rate:.1f} MB/s)",
        ]) + "\n"
