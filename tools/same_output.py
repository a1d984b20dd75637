"""Does this checkout print exactly what another revision prints? (issue 17: a refactor must not
change behaviour)

    .venv/bin/python tools/same_output.py                 # this checkout against main
    .venv/bin/python tools/same_output.py --against HEAD  # against its own commit: must say all same
    .venv/bin/python tools/same_output.py --against 0f5ad2d --only 'json|dask' --keep /tmp/same

It builds one mixed-codec tree deterministically (every codec, multi-member gzip, a misnamed
file, a binary file, a truncated gzip, a file without timestamps, rotated sets with timestamps,
stack traces, odd names), checks REV out into a temporary git worktree, starts an http.server
on 127.0.0.1 serving part of the tree and, for each side, a Dask scheduler and worker whose
PYTHONPATH is that side's checkout, then runs `python -m logpipe grep` with each of the option
sets below, alternating the two sides, and compares stdout, stderr and the exit status byte for
byte. The one thing normalised: the `elapsed` objects of `--json` (times of the run).

Each run: this interpreter, PYTHONPATH at the checkout under test (so the checkout's logpipe
is imported, whatever is installed), cwd the folder holding the tree (names print as
`tree/...`), TZ=UTC, `--no-progress`, a fixed small environment (no LOGPIPE_CONFIG_PATH,
GREP_COLORS or NO_COLOR), stdin from /dev/null unless the option set reads stdin.

Prints one line per option set, `same` or `DIFFERENT` with the first differing line of each
side, and exits 1 if any option set differs (2 if the tool itself could not run).
"""
from __future__ import annotations

import argparse
import bz2
import contextlib
import functools
import gzip
import http.server
import json
import lzma
import os
import random
import re
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from revisions import REPO, temporary_checkout  # noqa: E402

MTIME = 1796083200        # 2026-12-01T00:00:00Z: every file's mtime (the year of syslog lines comes from it)
RUN_TIMEOUT = 120         # seconds for one logpipe run
PATTERN = "Failed password"

# -- the tree -----------------------------------------------------------------------------------

HOSTS = ["web01", "web02", "db01"]
USERS = ["root", "admin", "alice", "bob", "oracle"]


def _message(rng: random.Random) -> str:
    ip = f"10.{rng.randrange(4)}.{rng.randrange(256)}.{rng.randrange(256)}"
    return rng.choice([
        f"sshd[{rng.randrange(100, 999)}]: Failed password for {rng.choice(USERS)} from {ip} port "
        f"{rng.randrange(1024, 65535)} ssh2",
        f"sshd[{rng.randrange(100, 999)}]: Accepted publickey for {rng.choice(USERS)} from {ip}",
        f"app[{rng.randrange(10, 99)}]: ERROR disk /dev/sd{rng.choice('abc')}1 is {rng.randrange(90, 100)}% full",
        f"app[{rng.randrange(10, 99)}]: error: connection reset by {ip}",
        f"app[{rng.randrange(10, 99)}]: WARN slow query took {rng.randrange(100, 9999)} ms",
        f"nginx: GET /api/v1/items/{rng.randrange(1000)} 200",
        f"kernel: Out of memory: Killed process {rng.randrange(1000, 9999)} (java)",
        "cron[1]: (root) CMD (run-parts /etc/cron.hourly)",
        "systemd[1]: Started Session of user alice.",
    ])


def iso_lines(seed: int, start: int, count: int, step: int = 7) -> list[bytes]:
    rng = random.Random(seed)
    lines = []
    for i in range(count):
        moment = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(start + i * step))
        lines.append(f"{moment}.{rng.randrange(1000):03d}Z {rng.choice(HOSTS)} {_message(rng)}\n".encode())
    return lines


def syslog_lines(seed: int, start: int, count: int, step: int = 11) -> list[bytes]:
    rng = random.Random(seed)
    return [f"{time.strftime('%b %e %H:%M:%S', time.gmtime(start + i * step))} {rng.choice(HOSTS)} "
            f"{_message(rng)}\n".encode() for i in range(count)]


def access_lines(seed: int, start: int, count: int, step: int = 13) -> list[bytes]:
    rng = random.Random(seed)
    return [f"192.0.2.{rng.randrange(256)} - - [{time.strftime('%d/%b/%Y:%H:%M:%S', time.gmtime(start + i * step))}"
            f" +0000] \"{rng.choice(['GET', 'POST'])} /{rng.choice(['login', 'api/v1/items', 'index.html'])} "
            f"HTTP/1.1\" {rng.choice([200, 200, 302, 401, 500])} {rng.randrange(100, 9999)}\n".encode()
            for i in range(count)]


def with_traces(seed: int, start: int, count: int) -> list[bytes]:
    """ISO lines with Java stack traces and Python tracebacks (continuation lines without times)."""
    rng = random.Random(seed)
    lines = []
    for number, line in enumerate(iso_lines(seed, start, count, step=3)):
        lines.append(line)
        if rng.random() < 0.08:
            moment = line[:24].decode()
            if rng.random() < 0.5:
                lines += [f"{moment} web01 app[7]: ERROR request failed\n".encode(),
                          b"java.lang.NullPointerException: Cannot invoke \"String.length()\" because \"s\" is null\n",
                          f"\tat com.example.Foo.bar(Foo.java:{number % 97})\n".encode(),
                          b"\tat com.example.Main.main(Main.java:7)\n",
                          b"Caused by: java.io.IOException: Failed password file read\n",
                          b"\t... 3 more\n"]
            else:
                lines += [f"{moment} web02 worker[9]: error: job {number} crashed\n".encode(),
                          b"Traceback (most recent call last):\n",
                          b'  File "/srv/worker.py", line 41, in run\n',
                          b"    result = handle(job)\n",
                          f"ValueError: bad record {number}\n".encode()]
    return lines


def _gzip(data: bytes) -> bytes:
    return gzip.compress(data, 6, mtime=MTIME)


def _zstd(data: bytes) -> bytes:
    import zstandard

    return zstandard.ZstdCompressor(level=3).compress(data)


DAY = 86400
START = MTIME - 10 * DAY


def tree_files() -> dict[bytes, bytes]:
    """{relative path (bytes): content}: the tree every option set searches."""
    join = b"".join
    big = iso_lines(20, START + 2 * DAY, 9000, step=5)      # ~0.8 MB: several 256 KiB blocks
    half = len(big) // 2
    cut = _gzip(join(iso_lines(31, START + 3 * DAY, 3000)))
    binary = join(syslog_lines(41, START + 4 * DAY, 40)) + b"\x00\x01\x02core\x00" + join(
        syslog_lines(42, START + 4 * DAY + 600, 40))
    crlf = join(line.replace(b"\n", b"\r\n") for line in iso_lines(51, START + 5 * DAY, 60))
    crlf += b"2026-11-26T00:00:00.000Z web01 caf\xe9 latin-1 \xff\xfe Failed password for root\r\n"
    files = {
        b"auth.log.2.gz": _gzip(join(syslog_lines(1, START, 600))),
        b"auth.log.1": join(syslog_lines(2, START + 3 * DAY, 600)),
        b"auth.log": join(syslog_lines(3, START + 6 * DAY, 600)),
        b"app/app.log": join(with_traces(4, START + 7 * DAY, 900)),
        b"app/app.log.1.gz": _gzip(join(big[:half])) + _gzip(join(big[half:])),   # two gzip members
        b"app/worker.log.bz2": bz2.compress(join(with_traces(5, START + 5 * DAY, 700)), 9),
        b"app/events.log.zst": _zstd(join(iso_lines(6, START + 6 * DAY, 1500))),
        b"app/old.log.xz": lzma.compress(join(iso_lines(7, START + DAY, 1200)), preset=6),
        b"web/access.log": join(access_lines(8, START + 8 * DAY, 800)),
        b"web/access.log.1.zst": _zstd(join(access_lines(9, START + 7 * DAY, 800))),
        b"misc/misnamed.gz": join(iso_lines(10, START + 4 * DAY, 300)),             # plain, named .gz
        b"misc/really-gzip.txt": _gzip(join(syslog_lines(11, START + 5 * DAY, 300))),  # gzip, named .txt
        b"misc/core.bin": binary,
        b"misc/cut.gz": cut[: len(cut) // 2],                                       # truncated gzip
        b"misc/notimes.txt": b"no timestamps here\nFailed password somewhere\nERROR without a time\n" * 20,
        b"misc/crlf.log": crlf,
        b"misc/empty.log": b"",
        b"odd/with space.log": join(iso_lines(12, START + 8 * DAY, 50)),
        b"odd/tab\tand\nnewline.log": join(syslog_lines(13, START + 8 * DAY, 50)),
        b"odd/lat\xe9n-1.log": join(iso_lines(14, START + 9 * DAY, 50)),
        b"odd/$(touch pwned).log": join(iso_lines(15, START + 9 * DAY, 50)),
        b"odd/.hidden.log": join(iso_lines(16, START + 9 * DAY, 50)),
        b"odd/-dash.log": join(iso_lines(17, START + 9 * DAY, 50)),
        b"odd/\xe6\x97\xa5\xe5\xbf\x97.log.gz": _gzip(join(iso_lines(18, START + 9 * DAY, 50))),
    }
    return files


def build_tree(root: Path) -> Path:
    tree = os.fsencode(root / "tree")
    for name, data in tree_files().items():
        path = os.path.join(tree, name)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "wb") as out:
            out.write(data)
        os.utime(path, (MTIME, MTIME))
    (root / "stdin.gz").write_bytes(_gzip(b"".join(syslog_lines(19, START, 200))))
    (root / "patterns.txt").write_bytes(b"Failed password for root\nKilled process\n")
    return root / "tree"


# URL PATHs: each an HTTP URL of one file of the tree (the http.server serves the tree)
URL_FILES = ["auth.log.2.gz", "app/events.log.zst", "web/access.log", "misc/cut.gz", "misc/core.bin",
             "app/worker.log.bz2"]

# -- the option sets ----------------------------------------------------------------------------
# (name, arguments after `logpipe grep --no-progress`, stdin file or None). "{urls}" stands for
# the URL PATHs, "{dask}" for the side's scheduler address.

T = "tree"
OPTION_SETS: list[tuple[str, list[str], str | None]] = [
    ("lines", [PATTERN, T], None),
    ("-n", ["-n", PATTERN, T], None),
    ("-b -F", ["-b", "-F", PATTERN, T], None),
    ("-H one file", ["-H", "ERROR", "tree/app/app.log"], None),
    ("-h tree", ["-h", "-n", "ERROR", T], None),
    ("-o -n regex", ["-o", "-n", r"Failed password for [a-z]+", T], None),
    ("-c", ["-c", "error", T], None),
    ("-l -L (last wins) -0", ["-l", "-L", "-0", "Killed process", T], None),
    ("-l", ["-l", "Killed process", T], None),
    ("-q", ["-q", PATTERN, T], None),
    ("no match, missing path", ["zzz-no-such-thing", T, "tree/no/such/file.log"], None),
    ("--json", ["--json", r"Failed password for (root|admin)", T], None),
    ("--color=always -n -b", ["--color=always", "-n", "-b", r"for (root|alice)", T], None),
    ("-A2 -B1 -n", ["-A2", "-B1", "-n", "Killed process", T], None),
    ("-C3 -m2 --color=always", ["-C3", "-m2", "--color=always", "ERROR", T], None),
    ("-v -c", ["-v", "-c", "e", T], None),
    ("-v -m5 -n", ["-v", "-m5", "-n", "sshd", T], None),
    ("-w -i", ["-w", "-i", "-n", "error", T], None),
    ("-x -F -f file", ["-x", "-F", "-e", "no timestamps here", "-f", "patterns.txt", T], None),
    ("-i -o alternation -j1 push", ["-j1", "--backend", "push", "-i", "-o", "killed PROCESS|for ROOT", T], None),
    ("--records", ["--records", "-n", "NullPointerException|ValueError", T], None),
    ("--records -c push", ["--backend", "push", "--records", "-c", "Failed password file", T], None),
    ("--since --until", ["--since", "2026-11-24 06:00", "--until", "2026-11-26 12:00", "-n", PATTERN, T], None),
    ("--sort time", ["--sort", "time", "-n", "Killed process|POST /login", T], None),
    ("--sort time --json --since", ["--sort", "time", "--json", "--since", "2026-11-27", "Killed process", T],
     None),
    ("--json -j1 push", ["-j1", "--backend", "push", "--json", "-C1", "disk /dev/sda1", T], None),
    ("-j2 pull -n", ["-j2", "--backend", "pull", "-n", "-H", PATTERN, T], None),
    ("-j2 push -c --color", ["-j2", "--backend", "push", "-c", "--color=always", "WARN", T], None),
    ("stdin -", ["-n", PATTERN, "-"], "stdin.gz"),
    ("URLs -n", ["-n", PATTERN, "{urls}"], None),
    ("URLs --json push", ["--backend", "push", "--json", "Killed process", "{urls}"], None),
    ("--dask -n", ["--dask", "{dask}", "-n", PATTERN, T, "{urls}"], None),
    ("--dask -c -l push", ["--dask", "{dask}", "--backend", "push", "-l", "-c", "ERROR", T], None),
]

# -- running ------------------------------------------------------------------------------------

ELAPSED = re.compile(rb'"elapsed(_total)?":\{[^{}]*\}')


def environment(checkout: Path) -> dict[str, str]:
    return {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": os.environ.get("HOME", "/tmp"),
            "LANG": "C.UTF-8", "TZ": "UTC", "PYTHONPATH": str(checkout), "PYTHONSAFEPATH": "1"}


class QuietFiles(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args) -> None:
        pass


@contextlib.contextmanager
def http_server(folder: Path):
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(QuietFiles, directory=str(folder)))
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


@contextlib.contextmanager
def dask_cluster(checkout: Path, cwd: Path, scratch: Path):
    """A scheduler and one worker (2 threads), subprocesses on 127.0.0.1 running `checkout`'s code;
    yields the scheduler's address."""
    scratch.mkdir(parents=True)
    env = environment(checkout)
    scheduler_file = scratch / "scheduler.json"
    bin_dir = Path(sys.executable).parent
    logs = open(scratch / "dask.log", "wb")
    processes = []
    try:
        processes.append(subprocess.Popen(
            [sys.executable, str(bin_dir / "dask"), "scheduler", "--host", "127.0.0.1", "--port", "0",
             "--no-dashboard", "--scheduler-file", str(scheduler_file)],
            cwd=cwd, env=env, stdout=logs, stderr=subprocess.STDOUT))
        processes.append(subprocess.Popen(
            [sys.executable, str(bin_dir / "dask"), "worker", "--scheduler-file", str(scheduler_file),
             "--host", "127.0.0.1", "--nthreads", "2", "--no-nanny", "--no-dashboard",
             "--local-directory", str(scratch)],
            cwd=cwd, env=env, stdout=logs, stderr=subprocess.STDOUT))
        yield scheduler_file
    finally:
        for process in processes[::-1]:
            process.terminate()
        for process in processes[::-1]:
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        logs.close()


def wait_for_workers(scheduler_files: list[Path]) -> list[str]:
    """The scheduler addresses, once each scheduler has a worker."""
    import distributed

    deadline = time.monotonic() + 90
    while not all(f.exists() for f in scheduler_files):
        if time.monotonic() > deadline:
            raise RuntimeError("a Dask scheduler did not start (see its dask.log)")
        time.sleep(0.1)  # polling for a file another process writes, not synchronising our own work
    addresses = []
    for scheduler_file in scheduler_files:
        address = json.loads(scheduler_file.read_text())["address"]
        with distributed.Client(address, timeout=60, set_as_default=False) as client:
            client.wait_for_workers(1, timeout=90)
        addresses.append(address)
    return addresses


def expand(arguments: list[str], urls: list[str], dask: str | None) -> list[str]:
    expanded = []
    for argument in arguments:
        if argument == "{urls}":
            expanded += urls
        elif argument == "{dask}":
            expanded.append(dask or "")
        else:
            expanded.append(argument)
    return expanded


def run(checkout: Path, cwd: Path, arguments: list[str], stdin: str | None) -> tuple[bytes, bytes, int]:
    command = [sys.executable, "-m", "logpipe", "grep", "--no-progress", *arguments]
    with open(cwd / stdin if stdin else os.devnull, "rb") as source:
        try:
            done = subprocess.run(command, cwd=cwd, env=environment(checkout), stdin=source, capture_output=True,
                                  timeout=RUN_TIMEOUT)
        except subprocess.TimeoutExpired as timeout:
            return timeout.stdout or b"", (timeout.stderr or b"") + b"\n[same_output: timed out]\n", -1
    out = done.stdout
    if "--json" in arguments:
        out = ELAPSED.sub(lambda m: b'"elapsed%s":{}' % (m.group(1) or b""), out)
    return out, done.stderr, done.returncode


def first_difference(new: bytes, old: bytes) -> str:
    """The first differing line of each side, quoted."""
    new_lines, old_lines = new.split(b"\n"), old.split(b"\n")
    for number, (a, b) in enumerate(zip(new_lines, old_lines), 1):
        if a != b:
            column = next((i for i, (x, y) in enumerate(zip(a, b)) if x != y), min(len(a), len(b)))
            start = max(0, column - 40)  # long lines (JSON): show them from a little before the difference
            where = f"line {number}" + (f", byte {column + 1}" if start else "")
            return f"{where}: new {a[start:start + 160]!r} / old {b[start:start + 160]!r}"
    number = min(len(new_lines), len(old_lines))
    extra = "new" if len(new_lines) > len(old_lines) else "old"
    rest = (new_lines if extra == "new" else old_lines)[number]
    return f"line {number + 1}: only {extra} has {rest[:160]!r}"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--against", default="main", help="the git revision to compare with (default: main)")
    parser.add_argument("--only", help="a regex: run only the option sets whose name matches")
    parser.add_argument("--no-dask", action="store_true", help="skip the --dask option sets (no cluster started)")
    parser.add_argument("--keep", help="write each side's outputs into this folder (new/, old/) to diff them")
    args = parser.parse_args()

    selected = [s for s in OPTION_SETS if (not args.only or re.search(args.only, s[0]))
                and not (args.no_dask and "{dask}" in s[1])]
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="logpipe-same-output-") as scratch, \
            temporary_checkout(args.against) as (commit, old_checkout):
        work = Path(scratch) / "work"
        tree = build_tree(work)
        sides = {"new": REPO, "old": old_checkout}
        print(f"same_output: {REPO} (working tree of {subprocess.run(['git', '-C', str(REPO), 'rev-parse', '--short', 'HEAD'], capture_output=True, text=True).stdout.strip()}"
              f"{', with changes' if _dirty() else ''}) against {args.against} ({commit[:10]}), "
              f"{len(selected)} option sets", flush=True)
        dask_needed = any("{dask}" in s[1] for s in selected)
        with http_server(tree) as base, contextlib.ExitStack() as stack:
            urls = [f"{base}/{name}" for name in URL_FILES]
            addresses = {}
            if dask_needed:
                files = {side: stack.enter_context(dask_cluster(checkout, work, Path(scratch) / f"dask-{side}"))
                         for side, checkout in sides.items()}
                addresses = dict(zip(files, wait_for_workers(list(files.values()))))
            differences = 0
            for index, (name, arguments, stdin) in enumerate(selected):
                results = {}
                # alternate which side runs first, so that neither always gets the warmer cache
                for side in (("new", "old") if index % 2 == 0 else ("old", "new")):
                    results[side] = run(sides[side], work, expand(arguments, urls, addresses.get(side)), stdin)
                    if args.keep:
                        keep = Path(args.keep) / side
                        keep.mkdir(parents=True, exist_ok=True)
                        slug = re.sub(r"[^A-Za-z0-9]+", "-", name).strip("-")
                        (keep / f"{index:02d}-{slug}.out").write_bytes(results[side][0])
                        (keep / f"{index:02d}-{slug}.err").write_bytes(results[side][1])
                new, old = results["new"], results["old"]
                if new == old:
                    print(f"same       {name}  (status {new[2]}, {len(new[0])} + {len(new[1])} bytes)", flush=True)
                    continue
                differences += 1
                print(f"DIFFERENT  {name}", flush=True)
                if new[2] != old[2]:
                    print(f"    status: new {new[2]} / old {old[2]}")
                for what, a, b in (("stdout", new[0], old[0]), ("stderr", new[1], old[1])):
                    if a != b:
                        print(f"    {what} {first_difference(a, b)}")
    seconds = time.monotonic() - started
    print(f"same_output: {len(selected) - differences} same, {differences} different ({seconds:.0f} s)")
    return 1 if differences else 0


def _dirty() -> bool:
    return bool(subprocess.run(["git", "-C", str(REPO), "status", "--porcelain", "--untracked-files=no"],
                               capture_output=True, text=True).stdout.strip())


if __name__ == "__main__":
    sys.exit(main())
