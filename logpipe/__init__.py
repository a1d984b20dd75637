"""logpipe: search log trees (plain, gzip, bzip2, zstd, xz) with a generator pipeline.

    find_files -> opener -> cat -> grep -> printer

built twice, as interchangeable backends with the same stage names:
`logpipe.pull` (generators) and `logpipe.push` (coroutines).
"""
__version__ = "0.1.0"

from . import pull, push  # noqa: E402

__all__ = ["pull", "push", "__version__"]
