"""Remote PATHs: any `scheme://` URL (s3://, gs://, az://, http(s)://, ssh://, ...) read through fsspec.

    walk(url)      the listing, recursive and sorted as the local walk is, names printed as URLs
    Prefetcher     starts fetching the next objects while the current one is searched: each
                   object is read in bounded chunks by a thread of a bounded pool into a bounded
                   queue, so at most `width` requests are in flight and memory stays bounded
    open_url(url)  one object read the same way, without looking ahead (library users, -j workers)

The object's bytes then go through the same opener (codec sniffed from its first bytes),
cat, grep and printer as a local file's. Credentials and endpoints come the provider's usual
way (for S3: AWS_PROFILE, AWS_ACCESS_KEY_ID, AWS_ENDPOINT_URL, ~/.aws/config); logpipe never
logs them. fsspec and the protocol's package are imported only when a URL is searched.

A transfer that breaks part way (connection cut, timeout) is retried `RETRIES` times,
resuming at the byte offset reached, so every byte handed to the decoder is handed once;
then the read fails with one message, as a truncated local file does.
"""
from __future__ import annotations

import errno
import io
import queue
import re
import threading
import time
from collections.abc import Callable, Iterable, Iterator

from ..messages import Messages, ReadError
from ..records import LogFile
from ..stats import Stats

CHUNK = 1024 * 1024        # bytes asked for in one request
QUEUED_CHUNKS = 2          # chunks fetched ahead of the reader, per object
PREFETCH = 16              # objects fetched at once (--prefetch): requests in flight
RETRIES = 3                # further tries of a broken transfer, each resuming where it broke
RETRY_PAUSE = 0.2          # seconds before the first retry, doubled for each next one

_URL = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*://")

# Which package serves a protocol, and which extra of logpipe installs it.
PACKAGES = {"s3": ("s3fs", "s3"), "s3a": ("s3fs", "s3"), "http": ("aiohttp", "http"),
            "https": ("aiohttp", "http"), "gs": ("gcsfs", None), "gcs": ("gcsfs", None),
            "az": ("adlfs", None), "abfs": ("adlfs", None), "abfss": ("adlfs", None),
            "ssh": ("sshfs", None), "sftp": ("sshfs", None)}


def is_url(path: str) -> bool:
    """Whether a PATH names a remote object or prefix (`scheme://...`), not a local file."""
    return bool(_URL.match(path))


class MissingPackage(ReadError):
    """The URL's protocol needs a package that is not installed."""


def _install_hint(package: str, extra: str | None) -> str:
    return f"pip install 'logpipe[{extra}]'" if extra else f"pip install {package}"


def filesystem(url: str):
    """The fsspec filesystem and the path within it for `url`; `MissingPackage` naming
    the extra to install when fsspec or the protocol's package is missing."""
    protocol = url.split("://", 1)[0].lower()
    package, extra = PACKAGES.get(protocol, (None, None))
    try:
        import fsspec.core
    except ImportError:
        raise MissingPackage(f"{protocol}:// URLs need fsspec (" + _install_hint("fsspec", extra or "remote")
                             + ")") from None
    try:
        return fsspec.core.url_to_fs(url)
    except ImportError as err:
        name = package or getattr(err, "name", None) or "its fsspec package"
        raise MissingPackage(f"{protocol}:// URLs need {name} ({_install_hint(name, extra)})") from None
    except ValueError as err:
        if "Protocol not known" in str(err):
            raise ReadError(f"unknown URL scheme {protocol}://") from None
        raise ReadError(describe(err)) from None


def _lookup_failure(err: BaseException | None) -> str | None:
    """The reason a host name lookup failed, when it did anywhere in the chain of causes
    (fsspec's HTTP layer turns it into a FileNotFoundError)."""
    import socket

    for _ in range(16):
        if err is None:
            return None
        if isinstance(err, socket.gaierror):
            return err.strerror or str(err)
        err = err.__cause__ or err.__context__
    return None


def describe(err: BaseException, url: str | None = None) -> str:
    """One short line for what went wrong, never the credentials or a stack."""
    reason = _lookup_failure(err)
    if reason is not None:
        from urllib.parse import urlsplit

        host = urlsplit(url).hostname if url else None
        return f"cannot resolve host {host} ({reason})" if host else f"cannot resolve host ({reason})"
    if isinstance(err, ReadError):
        return str(err)
    if isinstance(err, FileNotFoundError):
        return "No such file or directory"
    if isinstance(err, PermissionError):
        return "Permission denied"
    if isinstance(err, OSError) and err.errno is not None and err.strerror:
        return err.strerror
    text = " ".join(str(err).split()) or type(err).__name__
    return text[:200]


def _failure(err: BaseException, url: str | None = None) -> OSError:
    """`err` as the OSError the stages report: ENOENT and EACCES by errno, the rest by text."""
    if _lookup_failure(err) is not None:
        return ReadError(describe(err, url))
    if isinstance(err, FileNotFoundError):
        return OSError(errno.ENOENT, "No such file or directory")
    if isinstance(err, PermissionError):
        return OSError(errno.EACCES, "Permission denied")
    if isinstance(err, ReadError):
        return err
    return ReadError(describe(err))


def _final(err: BaseException) -> bool:
    """Errors a retry cannot mend: the object is gone or changed, access is denied, no package."""
    return isinstance(err, (FileNotFoundError, PermissionError, IsADirectoryError, MissingPackage,
                            NotImplementedError, ValueError, TypeError)) or (
        isinstance(err, ReadError) and str(err).startswith("changed while being read"))


def isdir(url: str) -> bool:
    """Whether `url` names a prefix (a directory) rather than one object; False when unknown."""
    try:
        fs, path = filesystem(url)
        return fs.isdir(path)
    except Exception:
        return False


# -- the walk -----------------------------------------------------------------------


def _join(root: str, rel: str) -> str:
    return root + rel if root.endswith("/") else f"{root}/{rel}"


def _base(path: str) -> str:
    return path.rstrip("/").rsplit("/", 1)[-1]


def walk(root: str, wanted, excluded, max_depth: int | None, messages: Messages,
         stats: Stats | None, tally=None) -> Iterator[LogFile]:
    """The objects under `root` in the local walk's order: each listing sorted by name (as
    bytes), depth first, `wanted`/`excluded` as find_files' glob tests, `max_depth` levels
    (`tally`: find_files' count of what the walk met, for its word when no file is left)."""
    try:
        fs, path = filesystem(root)
        fs.invalidate_cache(path)  # a listing cached earlier in this process may be stale
        info = fs.info(path)
    except Exception as err:
        messages.error(root, describe(err, root))
        return
    if info.get("type") != "directory":
        if stats is not None:
            stats.files_walked += 1
            stats.files_selected += 1
        yield LogFile(root, root.encode())
        return
    if tally is not None:
        tally.roots.append(root)
    if max_depth is not None and max_depth < 1:
        if tally is not None:
            tally.unentered.append(root)
        return
    stack = [(iter(_listing(fs, path)), None, 1)]  # (entries, path below the root or None at the root, depth)
    while stack:
        entries, prefix, depth = stack[-1]
        try:
            entry = next(entries, None)
        except Exception as err:  # the listing failed: report the directory, go on with the rest
            stack.pop()
            messages.error(_join(root, prefix) if prefix is not None else root, describe(err))
            continue
        if entry is None:
            stack.pop()
            continue
        name = entry["base"] if "base" in entry else _base(entry["name"])
        rel = name if prefix is None else f"{prefix}/{name}"  # an empty name (a key's '//') stays a level
        if excluded and excluded(name, rel):
            if tally is not None and entry.get("type") != "directory":
                tally.met += 1
            continue
        if entry.get("type") == "directory":
            if max_depth is None or depth < max_depth:
                stack.append((iter(_listing(fs, entry["name"])), rel, depth + 1))
            continue
        if tally is not None:
            tally.met += 1
        selected = wanted is None or wanted(name, rel)
        if stats is not None:
            stats.files_walked += 1
            stats.files_selected += selected
        if selected:
            url = _join(root, rel)
            yield LogFile(url, url.encode())


def _listing(fs, path: str) -> Iterator[dict]:
    """One directory's entries, sorted by name as bytes; listed when first asked for."""
    if "s3" in (fs.protocol if isinstance(fs.protocol, tuple) else (fs.protocol,)):
        yield from _s3_listing(fs, path)
        return
    entries = fs.ls(path, detail=True)
    base = path.rstrip("/")
    entries = [e for e in entries if e["name"].rstrip("/") != base]  # some stores list the prefix itself
    yield from sorted(entries, key=lambda entry: _base(entry["name"]).encode("utf-8", "surrogateescape"))


def _s3_listing(fs, path: str) -> Iterator[dict]:
    """An S3 prefix's entries, listed as the keys are written: s3fs turns `a//b` into `a/b`
    (a path, not a key), which would skip the objects under an empty segment. `path` is
    `bucket/key-prefix`; a directory entry keeps its prefix's trailing `/` (its `name`), and
    its `base` is the segment's name, "" for the segment between two slashes."""
    bucket, _, key = path.partition("/")
    prefix = key if key.endswith("/") or not key else key + "/"
    entries, token = [], None
    while True:
        request = {"Bucket": bucket, "Prefix": prefix, "Delimiter": "/"}
        if token:
            request["ContinuationToken"] = token
        page = fs.call_s3("list_objects_v2", **request)
        for common in page.get("CommonPrefixes", ()):
            below = common["Prefix"]
            entries.append({"name": f"{bucket}/{below}", "type": "directory", "base": below[len(prefix):-1]})
        for item in page.get("Contents", ()):
            below = item["Key"]
            if below == prefix:  # a directory marker object: the prefix itself
                continue
            entries.append({"name": f"{bucket}/{below}", "type": "file", "size": item.get("Size"),
                            "base": below[len(prefix):]})
        token = page.get("NextContinuationToken")
        if not page.get("IsTruncated") or not token:
            break
    yield from sorted(entries, key=lambda entry: entry["base"].encode("utf-8", "surrogateescape"))


# -- reading ------------------------------------------------------------------------


_END = object()


class RemoteReader(io.RawIOBase):
    """The bytes of one remote object, fetched by a pool thread in `CHUNK`-sized reads into
    a queue of `QUEUED_CHUNKS`; reading takes them off the queue. Closing it stops the fetch
    (also part way, after -m or -q) and frees the pool thread."""

    def __init__(self, url: str, pool, retries: int = RETRIES) -> None:
        self.url = url
        self._queue: queue.Queue = queue.Queue(QUEUED_CHUNKS)
        self._stopped = threading.Event()
        self._retries = retries
        self._current = memoryview(b"")
        self._position = 0
        self._finished = False
        self._future = pool.submit(self._fetch)

    # the pool thread's side

    def _fetch(self) -> None:
        file, offset, tries, size = None, 0, 0, None
        try:
            fs, path = filesystem(self.url)
            http = fs.protocol in ("http", "https") or "http" in tuple(fs.protocol)
            while not self._stopped.is_set():
                try:
                    if file is None:
                        file = _open_at(fs, path, offset, http, size)
                        if http and size is None:
                            size = _http_size(file)  # what the first response promised
                    data = file.read(CHUNK)
                except Exception as err:
                    file = _close_quietly(file)
                    if _final(err) or tries >= self._retries or _lookup_failure(err) is not None:
                        if tries and not _final(err):
                            err = ReadError(f"{describe(err, self.url)} (after {tries} retries, at byte {offset})")
                        self._put(_failure(err, self.url))
                        return
                    time.sleep(RETRY_PAUSE * 2 ** tries)
                    tries += 1
                    continue
                if not data:
                    if size is not None and offset != size:  # the object ended before its promised end
                        self._put(ReadError(f"changed while being read (it ended at byte {offset} of {size})"))
                        return
                    self._put(_END)
                    return
                offset += len(data)
                tries = 0  # a transfer that moves on may break again later, and be resumed again
                self._put(data)
        except BaseException as err:
            self._put(_failure(err, self.url) if isinstance(err, Exception) else ReadError("interrupted"))
        finally:
            _close_quietly(file)

    def _put(self, item) -> None:
        while not self._stopped.is_set():
            try:
                self._queue.put(item, timeout=0.1)
                return
            except queue.Full:
                continue

    # the reader's side

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        if self.closed:
            raise ValueError("read of closed file")
        while not self._current:
            if self._finished:
                return 0
            item = self._queue.get()
            if item is _END:
                self._finished = True
                return 0
            if isinstance(item, BaseException):
                self._finished = True
                raise item
            self._current = memoryview(item)
        size = min(len(buffer), len(self._current))
        buffer[:size] = self._current[:size]
        self._current = self._current[size:]
        self._position += size
        return size

    def tell(self) -> int:
        return self._position

    def close(self) -> None:
        if not self.closed:
            self._stopped.set()
            while True:  # unblock a put under way
                try:
                    self._queue.get_nowait()
                except queue.Empty:
                    break
            self._current = memoryview(b"")
        super().close()


def _http_size(file) -> int | None:
    """The length an HTTP response announced for the whole object (None: not said, or said
    of a compressed transfer, which is not the length of what is read)."""
    response = getattr(file, "r", None)
    if response is None or response.headers.get("Content-Encoding", "identity").lower() != "identity":
        return None
    return response.content_length


def _open_at(fs, path: str, offset: int, http: bool, size: int | None = None):
    """An fsspec file of `path` positioned at `offset`, read without a cache of its own.
    HTTP streams the response (servers need not support ranges: a resumed transfer skips
    what was already read, after checking that the object still has the `size` the first
    response announced); other stores read ranges of `CHUNK` bytes."""
    if http:
        file = fs.open(path, "rb", block_size=0)
        now = _http_size(file)
        if offset and size is not None and now is not None and now != size:
            _close_quietly(file)
            raise ReadError(f"changed while being read (it was {size} bytes, now {now}; {offset} were read)")
        skip = offset
        while skip:
            data = file.read(min(skip, CHUNK))
            if not data:
                raise ReadError("changed while being read (now shorter than what was read)")
            skip -= len(data)
        return file
    file = fs.open(path, "rb", block_size=CHUNK, cache_type="none")
    if offset:
        file.seek(offset)
    return file


def _close_quietly(file) -> None:
    if file is not None:
        try:
            file.close()
        except Exception:
            pass
    return None


class RemoteLogFile(LogFile):
    """A `LogFile` whose bytes are already being fetched: `opener` reads `raw` (and closes it)."""

    raw: io.BufferedReader


class Prefetcher:
    """Starts fetching objects ahead of the search: a bounded pool of threads, one per
    object in flight. `start(logfile)` returns a `RemoteLogFile`; `close()` stops them all."""

    def __init__(self, width: int = PREFETCH) -> None:
        from concurrent.futures import ThreadPoolExecutor

        self.width = max(1, width)
        self._pool = ThreadPoolExecutor(self.width, thread_name_prefix="logpipe-fetch")

    def start(self, logfile: LogFile) -> RemoteLogFile:
        started = RemoteLogFile(logfile.path, logfile.name)
        started.raw = io.BufferedReader(RemoteReader(logfile.path, self._pool), CHUNK)
        return started

    def close(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)


def open_url(url: str) -> io.BufferedReader:
    """One object, read in bounded chunks by a thread of its own (no look-ahead)."""
    from concurrent.futures import ThreadPoolExecutor

    pool = ThreadPoolExecutor(1, thread_name_prefix="logpipe-fetch")
    try:
        return io.BufferedReader(RemoteReader(url, pool), CHUNK)
    finally:
        pool.shutdown(wait=False)  # the thread ends with its object


class FetchWindow:
    """The `fetch` stage's shared piece: logfiles go in in walk order and come out in the
    same order, each remote one started `width - 1` objects before it is searched. Local
    files pass through untouched (straight away when nothing remote is waiting before them).
    `announce()`, if given, is called as each logfile is handed on (its turn has come: the
    walk's messages from before it go out then)."""

    def __init__(self, width: int = PREFETCH, announce: Callable[[], None] | None = None) -> None:
        from collections import deque

        self.width = max(1, width)
        self._waiting = deque()
        self._prefetcher: Prefetcher | None = None
        self._announce = announce

    def add(self, logfile: LogFile) -> None:
        if is_url(logfile.path):
            if self._prefetcher is None:
                self._prefetcher = Prefetcher(self.width)
            logfile = self._prefetcher.start(logfile)
        self._waiting.append(logfile)

    def _hand_on(self) -> LogFile:
        if self._announce is not None:
            self._announce()
        return self._waiting.popleft()

    def ready(self) -> Iterator[LogFile]:
        """The logfiles that may go on now: enough remote ones are started behind them."""
        waiting = self._waiting
        while waiting and (len(waiting) >= self.width or not isinstance(waiting[0], RemoteLogFile)):
            yield self._hand_on()

    def rest(self) -> Iterator[LogFile]:
        """At the end of the walk: every logfile still waiting, in order."""
        while self._waiting:
            yield self._hand_on()

    def all(self, logfiles: Iterable[LogFile]) -> Iterator[LogFile]:
        """`logfiles` again, each remote one fetched ahead (what the fetch stage does)."""
        for logfile in logfiles:
            self.add(logfile)
            yield from self.ready()
        yield from self.rest()

    def close(self) -> None:
        """Stop every fetch not handed on (an early stop), and the threads."""
        for logfile in self._waiting:
            if isinstance(logfile, RemoteLogFile):
                logfile.raw.close()
        self._waiting.clear()
        if self._prefetcher is not None:
            self._prefetcher.close()
