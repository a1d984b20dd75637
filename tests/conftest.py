"""Shared fixtures: every behavioural test runs on both backends (`backend`); where the
block size matters, on tiny and normal blocks too (`block_size`, and `logpipe`, which
takes both). Helpers that are not fixtures live in `helpers.py`."""
from __future__ import annotations

import pytest

from helpers import search_with
from logpipe.pipeline.blocks import BLOCK_SIZE


@pytest.fixture(params=["pull", "push"])
def backend(request) -> str:
    return request.param


@pytest.fixture(params=[5, BLOCK_SIZE], ids=["tiny-blocks", "normal-blocks"])
def block_size(request) -> int:
    return request.param


@pytest.fixture
def logpipe(backend, block_size):
    """`logpipe(pattern, *paths, **SearchOptions fields) -> Result` on the fixture's backend and block size."""
    return search_with(backend, block_size)


@pytest.fixture
def search(backend):
    """`search(pattern, *paths, **SearchOptions fields) -> Result` on the fixture's backend, normal blocks:
    for tests where the block size changes nothing."""
    return search_with(backend)
