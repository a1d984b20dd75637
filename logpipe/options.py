"""One frozen object holding everything a search was asked to do."""
from __future__ import annotations

from dataclasses import dataclass

from .blocks import BLOCK_SIZE

BACKENDS = ("pull", "push")


@dataclass(frozen=True)
class SearchOptions:
    pattern: bytes
    paths: tuple[str, ...] = ("",)  # "" is the current directory, printed without "./"
    backend: str = "pull"
    # what is searched
    globs: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()
    max_depth: int | None = None
    follow: bool = False
    # how lines are matched
    fixed_strings: bool = False
    max_count: int | None = None
    # what is printed
    with_filename: bool | None = None  # None: when more than one file can be searched
    line_number: bool = False
    quiet: bool = False
    no_messages: bool = False
    stats: bool = False  # print what each stage did on stderr at the end
    progress: bool | None = None  # None: when stderr is a terminal
    block_size: int = BLOCK_SIZE

    def __post_init__(self) -> None:
        if self.backend not in BACKENDS:
            raise ValueError(f"backend must be one of {BACKENDS}, not {self.backend!r}")
        if self.block_size < 1:
            raise ValueError("block_size must be at least 1")
