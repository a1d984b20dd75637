"""The two backends by name, for the executors: the same stages, pulled or pushed."""
from __future__ import annotations

from . import pull, push

BACKENDS = {"pull": pull, "push": push}
