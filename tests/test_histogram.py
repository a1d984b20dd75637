"""--histogram: exactly the true count per bucket, on rotated logs whose every line's time is
known, on both backends, in one process, in -j workers and on a Dask cluster; with
--records, time bounds, across New Year and both DST changes of a year."""
from __future__ import annotations

import json
from datetime import datetime, timezone

import pytest

import logpipe.executors.dask
import logpipe.executors.workers
from helpers import search_with
from timed_logs import dst_tree, expected_rows, histogram_rows, rotated_tree, utc

distributed = pytest.importorskip("distributed")


@pytest.fixture(scope="module")
def tree(tmp_path_factory):
    return rotated_tree(tmp_path_factory.mktemp("rotated"))


@pytest.fixture(scope="module")
def dst(tmp_path_factory):
    return dst_tree(tmp_path_factory.mktemp("dst"))


@pytest.fixture(scope="module")
def cluster():
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=False, protocol="tcp",
                                  host="127.0.0.1", dashboard_address=None) as local:
        yield local.scheduler_address


@pytest.fixture(params=["j1", "j2", "dask"])
def runner(request, monkeypatch):
    """How the files are searched: here, by two worker processes (every file in a worker),
    or by the tasks of a 2-worker Dask cluster (every file on the cluster)."""
    if request.param == "j1":
        return {"threads": 1}
    if request.param == "j2":
        monkeypatch.setattr(logpipe.executors.workers, "START_WORKERS_AFTER", 0.0)
        return {"threads": 2}
    monkeypatch.setattr(logpipe.executors.dask, "SEARCH_HERE_WHILE_CONNECTING", False)
    monkeypatch.setattr(logpipe.executors.dask, "BATCH_FILES", 2)
    return {"dask": request.getfixturevalue("cluster")}


@pytest.mark.parametrize("bucket, minutes", [("1h", 60), ("1m", 1)])
def test_counts_per_bucket_are_exact(backend, runner, tree, bucket, minutes):
    result = search_with(backend)("ERROR", tree.root, histogram=bucket, json=True, tz="UTC", **runner)
    rows, summary = histogram_rows(result.out)
    assert result.status == 0, result.err
    assert rows == expected_rows(tree.lines, minutes, "UTC")
    assert summary["count"] == len(tree.lines) and summary["without_timestamp"] == tree.timeless
    # the span crosses New Year (syslog lines have no year); the hour without a line is a row
    assert rows[0][0] < utc("2027-01-01T00:00:00") < rows[-1][0]
    assert (utc("2027-01-01T01:00:00"), 0) in rows and (utc("2027-01-01T01:30:00"), 0) in rows + [
        (utc("2027-01-01T01:30:00"), 0)] * (minutes == 60)


def test_records_are_counted_at_their_first_line(backend, runner, tree):
    result = search_with(backend)("ERROR", tree.root, histogram="1h", json=True, tz="UTC", records=True, **runner)
    rows, summary = histogram_rows(result.out)
    assert rows == expected_rows(tree.records, 60, "UTC")
    assert summary["count"] == len(tree.records)


def test_time_bounds_are_the_range(backend, runner, tree):
    since, until = utc("2026-12-31T22:30:00"), utc("2027-01-01T03:15:00")
    result = search_with(backend)("ERROR", tree.root, histogram="1m", json=True, tz="UTC", since=since,
                                  until=until, **runner)
    rows, summary = histogram_rows(result.out)
    assert rows == expected_rows(tree.lines, 1, "UTC", since, until)
    assert rows[0][0] == since and rows[-1][0] == until  # from the bound's bucket, empty or not, to the other's
    assert summary["without_timestamp"] == 0  # the file without timestamps is skipped by the bounds
    assert b"1 file skipped: no timestamp recognised" in result.err


def test_bounds_show_empty_buckets_where_nothing_happened(search, tree):
    since, until = utc("2026-12-31T12:00:00"), utc("2027-01-01T08:00:00")  # wider than the logs
    rows, _ = histogram_rows(search("ERROR", tree.root, histogram="1h", json=True, tz="UTC", since=since,
                                    until=until).out)
    assert rows[0] == (since, 0) and rows[-1] == (until, 0) and len(rows) == 21
    assert rows == expected_rows(tree.lines, 60, "UTC", since, until)


@pytest.mark.parametrize("bucket, minutes", [("1h", 60), ("1m", 1)])
@pytest.mark.parametrize("name", ["spring.log", "autumn.log.1.gz"])
def test_dst_changes(backend, runner, dst, name, bucket, minutes):
    """Clocks go forward (spring: lines in local time without a zone) and back (autumn: ISO
    lines with offsets, the hour from 02:00 twice): a bucket per real hour or minute."""
    result = search_with(backend)("ERROR", dst.root / name, histogram=bucket, json=True, tz="Europe/Paris",
                                  **runner)
    rows, _ = histogram_rows(result.out)
    spring = name.startswith("spring")
    lines = [t for t in dst.lines if (t < utc("2026-06-01T00:00:00")) == spring]
    assert rows == expected_rows(lines, minutes, "Europe/Paris")
    starts = [start for start, _ in rows]
    assert all(later - earlier == 60 * minutes for earlier, later in zip(starts, starts[1:]))


def test_a_range_from_spring_to_autumn(search, dst):
    rows, summary = histogram_rows(search("ERROR", dst.root, histogram="1d", json=True, tz="Europe/Paris").out)
    assert len(rows) == 212 and sum(count for _, count in rows) == len(dst.lines) == summary["count"]
    assert [count for _, count in rows[2:-1]] == [0] * 209  # 28 and 29 March, then the days until 25 October


def test_dst_labels_tell_the_repeated_hour_apart(search, dst):
    chart = search("ERROR", dst.root / "autumn.log.1.gz", histogram="1h", tz="Europe/Paris").out.decode()
    labels = [line.split("  ")[0] for line in chart.splitlines()[1:] if line[:4] == "2026"]
    assert "2026-10-25 02:00 +02:00" in labels and "2026-10-25 02:00 +01:00" in labels
    assert labels.index("2026-10-25 02:00 +01:00") == labels.index("2026-10-25 02:00 +02:00") + 1
    spring = search("ERROR", dst.root / "spring.log", histogram="1h", tz="Europe/Paris").out.decode()
    assert "2026-03-29 01:00" in spring and "2026-03-29 03:00" in spring
    assert "2026-03-29 02:00" not in spring  # the hour clocks skip is no bucket


def test_days_across_a_dst_change_run_midnight_to_midnight(search, dst):
    since, until = utc("2026-10-23T22:00:00"), utc("2026-10-26T11:00:00")  # 24 Oct 00:00 to 26 Oct 12:00 in Paris
    out = search("ERROR", dst.root / "autumn.log.1.gz", histogram="1d", json=True, tz="Europe/Paris",
                 since=since, until=until).out
    buckets = [json.loads(line)["data"] for line in out.splitlines()[:-1]]
    assert [(data["start"], data["end"]) for data in buckets] == [
        ("2026-10-24T00:00:00+02:00", "2026-10-25T00:00:00+02:00"),
        ("2026-10-25T00:00:00+02:00", "2026-10-26T00:00:00+01:00"),  # 25 hours
        ("2026-10-26T00:00:00+01:00", "2026-10-27T00:00:00+01:00")]
    assert [data["count"] for data in buckets] == [0, sum(1 for t in dst.lines if t > utc("2026-06-01")), 0]


def test_automatic_bucket_fits_the_height(search, tree, monkeypatch):
    for lines, most in (("24", 20), ("60", 56)):
        monkeypatch.setenv("LINES", lines)
        chart = search("ERROR", tree.root, histogram="auto", tz="UTC").out.decode().splitlines()
        rows = [line for line in chart if line[:4] in ("2026", "2027")]
        assert len(chart) <= int(lines) - 1 and 1 < len(rows) <= most
        size = chart[0].split()[1]  # "per 30m"
        assert chart[-2].endswith(f"buckets of {size}, times in UTC")
        assert chart[-1] == f"{tree.timeless} lines without a timestamp (not in the chart)"
        assert sum(int(line.split()[2]) for line in rows) == len(tree.lines)


@pytest.mark.parametrize("options", [{"count_by": ("1",)}, {"count_by": ("1",), "histogram": "1h", "json": True},
                                     {"count_by": ("1",), "histogram": "auto", "records": True}],
                         ids=["count-by", "count-by-histogram-json", "count-by-histogram-records"])
def test_count_by_in_every_executor_as_in_one_process(backend, runner, tree, options):
    """Exact counts are the same wherever they are counted: the workers' and tasks' counts,
    merged in the parent, print what one process prints."""
    one = search_with(backend)(r"ERROR.* id=(\d)", tree.root, tz="UTC", **options)
    many = search_with(backend)(r"ERROR.* id=(\d)", tree.root, tz="UTC", **options, **runner)
    assert many == one and one.status == 0 and len(one.out.splitlines()) > 5


def test_automatic_buckets_that_grow_in_workers(backend, runner, tmp_path):
    """Files of more distinct seconds than the finest buckets hold: each worker's buckets
    grow, then the parent's as their counts come in; the rows are the truth all the same."""
    moments = [utc("2026-11-30T10:00:00") + 2 * second for second in range(6000)]
    for part in range(3):
        (tmp_path / f"app{part}.log").write_text("".join(
            f"{_iso_utc(moment)} web01 app: ERROR {i}\n" for i, moment in enumerate(moments[part::3])))
    result = search_with(backend)("ERROR", tmp_path, histogram="auto", json=True, tz="UTC", **runner)
    rows, summary = histogram_rows(result.out)
    assert result.status == 0, result.err
    minutes = int(rows[1][0] - rows[0][0]) // 60
    assert rows == expected_rows(moments, minutes, "UTC") and summary["count"] == len(moments)


def _iso_utc(epoch: float) -> str:
    return datetime.fromtimestamp(epoch, timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_continuation_lines_count_at_the_time_before_them(logpipe, tmp_path, seed):
    """A line without a timestamp of its own (a stack frame, a line whose date cannot be)
    counts at the nearest line before it that has one, also across blocks (tiny blocks)
    and a change of format; lines before the first timestamp count apart."""
    import os
    import random

    rng = random.Random(seed)
    lines, expected, timeless, current = [], {}, 0, None
    for number in range(400):
        kind = rng.random()
        selected = rng.random() < 0.5
        word = "ERROR" if selected else "info"
        if number < 3 or kind < 0.3:  # no timestamp of its own
            lines.append(rng.choice([f"    at frame{number} {word}", f"Nov 31 10:00:00 host {word} not a date",
                                     f"{word} continued"]))
            moment = current
        else:
            moment = utc("2026-11-30T08:00:00") + rng.randrange(3 * 3600)
            stamp = datetime.fromtimestamp(moment, timezone.utc)
            if kind < 0.9:
                lines.append(f"Nov 30 {stamp:%H:%M:%S} host app: {word} {number}")
            else:
                lines.append(f"{stamp:%Y-%m-%dT%H:%M:%S}Z app {word} {number}")
            current = moment
        if selected:
            if moment is None:
                timeless += 1
            else:
                start = moment - moment % 60
                expected[start] = expected.get(start, 0) + 1
    path = tmp_path / "app.log"
    path.write_text("\n".join(lines) + "\n")
    os.utime(path, (utc("2026-12-01T00:00:00"),) * 2)  # the year of the syslog lines: 2026
    result = logpipe("ERROR", path, histogram="1m", json=True, tz="UTC")
    rows, summary = histogram_rows(result.out)
    assert result.status == 0, result.err
    assert {start: count for start, count in rows if count} == expected
    assert summary["without_timestamp"] == timeless


@pytest.mark.parametrize("bucket, minutes", [("1h", 60), ("1m", 1)])
def test_a_literal_on_most_lines_is_counted_exactly(backend, runner, tmp_path, bucket, minutes):
    """A literal on nine lines in ten, over blocks of many thousand lines: grep hands the
    stamp stage each block's lines at once (dense blocks too), and every line's time counts."""
    from timed_logs import _syslog, _write

    rng = __import__("random").Random(5)
    first = utc("2026-11-29T22:00:00")  # over midnight: two days, each learnt
    times = sorted(first + rng.randrange(5 * 3600) for _ in range(40_000))  # several lines a second
    lines, selected = [], []
    for moment in times:
        if rng.random() < 0.9:
            lines.append(f"{_syslog(moment)} web01 kernel: usb 1-1: reset high-speed USB device {rng.randrange(99)}\n")
            selected.append(moment)
        else:
            lines.append(f"{_syslog(moment)} web01 CRON[{rng.randrange(300, 9999)}]: (root) CMD (run-parts)\n")
    for part in range(3):  # three files, so that -j2 has work for both workers
        chunk = lines[part * len(lines) // 3:(part + 1) * len(lines) // 3]
        _write(tmp_path / f"kern.log.{part}", chunk, "plain", times[-1])
    result = search_with(backend)("kernel", tmp_path, histogram=bucket, json=True, tz="UTC", fixed_strings=True,
                                  **runner)
    rows, summary = histogram_rows(result.out)
    assert result.status == 0, result.err
    assert rows == expected_rows(selected, minutes, "UTC")
    assert summary["count"] == len(selected) > 30_000
