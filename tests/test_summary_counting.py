"""The counting behind the summaries, against simple references (hypothesis): counts split
over any number of workers and merged are the counts of one pass; automatic buckets,
coarsened while counting, add up exactly to the size finally drawn; the heavy-hitters
summary keeps its bound."""
from __future__ import annotations

from collections import Counter

from hypothesis import example, given, settings
from hypothesis import strategies as st

from logpipe.summaries.buckets import CHOICES, Buckets, Calendar, nests, parse_size
from logpipe.summaries.heavy import HeavyHitters
from logpipe.summaries.tally import SummarySettings, Tally
from logpipe.summaries.timecounts import TimeCounts

streams = st.lists(st.integers(0, 400), min_size=1, max_size=3000)


def check_intervals(summary: HeavyHitters, truth: Counter) -> None:
    assert summary.total == sum(truth.values()) and len(summary) <= summary.limit
    assert summary.cut <= summary.total / (summary.limit // 2 + 1)
    for value, count in truth.items():
        assert summary.count(value) <= count <= summary.count(value) + summary.error(value)
        if value not in summary.counts:
            assert count <= summary.cut
    if len(truth) <= summary.limit:
        assert summary.exact and dict(summary.items()) == dict(truth)


@settings(max_examples=60, deadline=None)
@given(streams, st.integers(2, 64), st.integers(1, 5))
def test_heavy_hitters_intervals_after_merging(values, limit, parts):
    merged = HeavyHitters(limit)
    for part in range(parts):
        mine = HeavyHitters(limit)
        for value in values[part::parts]:
            mine.add(value)
        state = mine.take()
        if state is not None:
            merged.merge(state)
    check_intervals(merged, Counter(values))


@settings(max_examples=60, deadline=None)
@given(streams, st.integers(2, 64), st.integers(2, 9))
@example([0, 1, 2], 2, 2)  # both dropped, then met: the new value may have occurred twice the cut
def test_heavy_hitters_intervals_after_regrouping(values, limit, group):
    summary = HeavyHitters(limit)
    for value in values:
        summary.add(value)
    summary.rekey(lambda value: value // group, group)
    truth = Counter(value // group for value in values)
    for value, count in truth.items():
        assert summary.count(value) <= count <= summary.count(value) + summary.error(value)
    for value in range(401 // group + 1):  # values dropped before, met or not: within their bound
        assert summary.count(value) <= truth[value] <= summary.count(value) + summary.error(value)


def test_values_counted_from_the_start_stay_exact():
    summary = HeavyHitters(64)
    for i in range(20000):
        summary.add("frequent" if i % 4 == 0 else i)
    assert not summary.exact and summary.error("frequent") == 0 and summary.count("frequent") == 5000


moments = st.lists(st.floats(1_700_000_000, 1_700_000_000 + 90 * 86400, allow_nan=False), min_size=1, max_size=400)


@settings(max_examples=40, deadline=None)
@given(moments, st.integers(1, 4), st.sampled_from(["UTC", "Europe/Paris", "Asia/Kolkata", "America/St_Johns"]))
def test_automatic_buckets_add_up_to_any_size_they_nest_in(times, parts, zone):
    calendar = Calendar(zone)
    merged = TimeCounts(None, calendar, most=16)  # coarsens often
    for part in range(parts):
        counts = TimeCounts(None, calendar, most=16)
        for moment in times[part::parts]:
            counts.add(moment)
        state = counts.take()
        if state is not None:
            merged.merge(state)
    assert len(merged.counts) <= 16 or merged.size == parse_size("1y")
    for size in CHOICES:
        if nests(merged.size, size):
            buckets = Buckets(size, calendar)
            regrouped = Counter()
            for start, count in merged.counts.items():
                regrouped[buckets.key(start)] += count
            assert regrouped == Counter(buckets.key(moment) for moment in times)


@settings(max_examples=40, deadline=None)
@given(st.floats(1_600_000_000, 1_900_000_000, allow_nan=False),
       st.sampled_from(["1m", "5m", "15m", "1h", "3h", "1d", "1w", "1mo", "1y"]),
       st.sampled_from(["UTC", "Europe/Paris", "Asia/Kolkata", "Australia/Lord_Howe", "America/New_York"]))
def test_a_bucket_holds_its_moments_and_the_next_follows(moment, text, zone):
    buckets = Buckets(parse_size(text), Calendar(zone))
    start = buckets.key(moment)
    following = buckets.next(start)
    assert start <= moment < following
    assert buckets.key(start) == start and buckets.key(following) == following
    assert buckets.key(following - 1) == start


pairs_stream = st.lists(st.tuples(st.floats(1_700_000_000, 1_700_000_000 + 40 * 86400, allow_nan=False),
                                  st.integers(0, 30)), min_size=1, max_size=600)


@settings(max_examples=40, deadline=None)
@given(pairs_stream, st.integers(2, 12), st.integers(1, 3))
@example([(1700000000.0, 0), (1700089200.0, 0), (1700262000.0, 0), (1700348400.0, 0), (1700780400.0, 0),
          (1701171440.0, 0), (1700866800.0, 0), (1700002800.0, 0), (1700175600.0, 0)], 2, 1)
def test_cells_of_growing_buckets_stay_within_their_bounds(lines, limit, parts):
    """--histogram --count-by with few pairs kept exactly: the buckets grow while counting
    (in each worker and in the parent), and every (bucket, value) cell, kept or not, still
    lies within the interval the pairs' summary gives it."""
    def tally() -> Tally:
        made = Tally(SummarySettings(histogram=True, count_by=("1",), limit=limit, zone="Europe/Paris"))
        made.times.most = 8  # the buckets grow often
        return made

    merged = tally()
    for part in range(parts):
        mine = tally()
        for moment, value in lines[part::parts]:
            mine.add(moment, [(value,)])
        state = mine.take()
        if state is not None:
            merged.merge(state)
    key = merged.times.buckets.key
    truth = Counter((key(moment), (value,)) for moment, value in lines)
    assert sum(merged.times.counts.values()) == len(lines)
    for start in merged.times.counts:
        for value in range(31):
            pair = (start, (value,))
            low, error = merged.pairs.count(pair), merged.pairs.error(pair)
            assert low <= truth[pair] <= low + error


@settings(max_examples=20, deadline=None)
@given(moments, st.integers(2, 4))
@example([1_700_000_000.0 + second for second in range(20)], 2)  # 10 seconds each: the parent's buckets grow
def test_a_histogram_alone_merges_buckets_that_grew(times, parts):
    """An automatic histogram counted in workers, whose buckets grow in the parent as their
    counts come in (the gz tree's --histogram -j2 failed there: no pairs to regroup)."""
    def tally() -> Tally:
        made = Tally(SummarySettings(histogram=True, zone="UTC"))
        made.times.most = 8
        return made

    merged = tally()
    for part in range(parts):
        mine = tally()
        for moment in times[part::parts]:
            mine.add(moment)
        state = mine.take()
        if state is not None:
            merged.merge(state)
    key = merged.times.buckets.key
    assert merged.times.counts == dict(Counter(key(moment) for moment in times))
