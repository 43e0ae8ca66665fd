"""Downloading a registered dataset into the cache: pinned, verified, resumable, atomic.

``fetch("osie")`` downloads every file of the dataset's manifest from its public source at the
pinned commit (``https://raw.githubusercontent.com/<repo>/<commit>/<path>``), or from a mirror
given as ``base_url`` (same layout as the cache: ``<base_url>/<dataset>/<path>``).

* **Verified**: each file's size and SHA-256 are checked against the manifest before it is
  accepted; a mismatch deletes the file and raises :class:`~salbench.exceptions.DataError` naming
  the file, the URL and both checksums.
* **Resumable**: bytes arrive in ``<root>/.partial/<dataset>/<path>.part``. A dropped connection is
  retried with an HTTP ``Range`` request from where it stopped; if every retry fails, running
  ``fetch`` again resumes from the same place.
* **Atomic**: files are assembled in ``<root>/.partial/<dataset>/`` and the complete, verified
  folder is renamed to ``<root>/<dataset>`` in one step, so ``<root>/<dataset>`` is either absent
  or complete; nothing half-written ever sits there. ``.partial`` holds only resumable state
  (remove it with :func:`clean_partial`).
* A progress bar (tqdm) counts bytes.
"""

from __future__ import annotations

import dataclasses
import http.client
import json
import os
import shutil
import time
import urllib.parse
from pathlib import Path

from .._io import write_text_atomic
from ..exceptions import DataError, InputError
from .cache import data_root, ensure_writable
from .manifest import verify_files

#: Name of the folder under the data root that holds unfinished downloads.
PARTIAL = ".partial"
#: Marker written into a completed dataset folder.
MARKER = ".salbench-download.json"
_CHUNK = 1 << 20
_USER_AGENT = "salbench-dataset-fetch"


def _spec(name_or_spec):
    from .specs import DatasetSpec, spec

    return name_or_spec if isinstance(name_or_spec, DatasetSpec) else spec(name_or_spec)


def clean_partial(name, *, root=None) -> None:
    """Remove the resumable state of an unfinished download of ``name``."""
    s = _spec(name)
    shutil.rmtree(data_root(root) / PARTIAL / s.name, ignore_errors=True)


def fetch(name, *, root=None, base_url: str | None = None, verify: bool = True,
          progress: bool | None = None, retries: int = 3, timeout: float = 60.0) -> Path:
    """Download dataset ``name`` into ``root/name`` (see the module notes) and return that folder.

    Parameters
    ----------
    name : str or DatasetSpec
    root : path-like, optional
        Data folder (default ``$SALBENCH_DATA`` or the per-user cache).
    base_url : str, optional
        A mirror with the cache's layout, e.g. ``"http://127.0.0.1:8000"``.
    verify : bool
        Check SHA-256 checksums (always on for datasets whose checksums are pinned; ``False`` is
        only accepted for datasets without pinned checksums, whose observed hashes are recorded).
    progress : bool, optional
        Show a progress bar (default: when standard error is a terminal).
    retries : int
        Reconnections per file after a dropped transfer (each resumes with an HTTP Range request).
    timeout : float
        Socket timeout in seconds.
    """
    s = _spec(name)
    if not s.files:
        from .loaders.published import where_to_get

        raise DataError(f"dataset {s.name!r} is not a pinned set of files salbench downloads "
                        f"itself (its source is {s.availability}). {where_to_get(s)}")
    if not s.checksums_pinned and verify:
        raise DataError(
            f"dataset {s.name!r} has no pinned checksums (salbench's authors did not have its "
            "files), so its download cannot be verified. Pass verify=False to download it anyway; "
            "the SHA-256 of every file is then recorded in the dataset folder."
        )
    if s.checksums_pinned and not verify:
        raise InputError(f"dataset {s.name!r} has pinned checksums; they are always verified")
    root = ensure_writable(data_root(root))
    final = root / s.name
    if final.exists():
        problems = verify_files(final, s.files, check_hash=False)
        if not problems:
            return final
        raise DataError(
            f"{final} exists but is incomplete ({len(problems)} problem(s), e.g. {problems[0]}). "
            "salbench does not modify folders it did not finish; remove it (or move it away) and "
            "fetch again."
        )
    staging = root / PARTIAL / s.name
    try:
        staging.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise DataError(f"cannot create {staging}: {error.strerror or error}") from None

    if progress is None:
        progress = _stderr_is_terminal()
    total = sum(e.size or 0 for e in s.files) or None
    from tqdm.auto import tqdm

    observed = {}
    with tqdm(total=total, unit="B", unit_scale=True, unit_divisor=1024,
              desc=f"salbench: {s.name}", disable=not progress) as bar, _Connections(timeout) as pool:
        for entry in s.files:
            url = s.url(entry.path, base_url=base_url)
            target = staging / entry.path
            if target.is_file() and _matches(target, entry):
                bar.update(target.stat().st_size)
                observed[entry.path] = entry.sha256 or _sha256(target)
                continue
            if target.is_file():  # complete but wrong: never trust it
                target.unlink()
            observed[entry.path] = _download(pool, url, target, entry, retries, bar)

    marker = {
        "dataset": s.name, "source": s.source, "commit": s.commit,
        "url": s.url("<path>", base_url=base_url), "verified": bool(verify),
        "fetched": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "files": {path: digest for path, digest in sorted(observed.items())},
    }
    write_text_atomic(staging / MARKER, json.dumps(marker, indent=1))
    try:
        os.replace(staging, final)
    except OSError as error:
        raise DataError(f"cannot move the finished download {staging} to {final}: "
                        f"{error.strerror or error}") from None
    return final


def _stderr_is_terminal() -> bool:
    import sys

    try:
        return sys.stderr.isatty()
    except (AttributeError, ValueError):
        return False


def _sha256(path: Path) -> str:
    from .stimuli import sha256_file

    return sha256_file(path)


def _matches(path: Path, entry) -> bool:
    if entry.size is not None and path.stat().st_size != entry.size:
        return False
    return entry.sha256 is None or _sha256(path) == entry.sha256


def _download(pool, url: str, target: Path, entry, retries: int, bar) -> str:
    """Download ``url`` to ``target`` via ``target.part`` with resumption; return its SHA-256."""
    part = target.with_name(target.name + ".part")
    part.parent.mkdir(parents=True, exist_ok=True)
    attempt = 0
    while True:
        have = part.stat().st_size if part.exists() else 0
        if entry.size is not None and have > entry.size:
            part.unlink()  # longer than the file can be: start over
            have = 0
        if entry.size is not None and have == entry.size:
            break
        try:
            done = _transfer(pool, url, part, have, bar)
        except _Retryable as error:
            attempt += 1
            if attempt > retries:
                got = part.stat().st_size if part.exists() else 0
                raise DataError(
                    f"download of {url} failed after {attempt} attempt(s) ({error}); "
                    f"{got} bytes are kept in {part} and the next fetch resumes from there"
                ) from None
            time.sleep(min(0.2 * 2 ** attempt, 2.0))
            continue
        if done:
            break
    digest = _sha256(part)
    size = part.stat().st_size
    if (entry.size is not None and size != entry.size) or (entry.sha256 is not None and digest != entry.sha256):
        part.unlink()
        raise DataError(
            f"{target.name} from {url} is corrupt: got {size} bytes with SHA-256 {digest}, expected "
            f"{entry.size} bytes with SHA-256 {entry.sha256}. The file was deleted; nothing was "
            "installed. Fetch again (or check base_url)."
        )
    os.replace(part, target)
    return digest


class _Retryable(Exception):
    """A transfer problem worth retrying (dropped connection, timeout, server error)."""


def _transfer(pool, url: str, part: Path, have: int, bar) -> bool:
    """One HTTP request appending to ``part`` from byte ``have``; True when the body was complete."""
    for _hop in range(5):  # follow a few redirects
        conn, path = pool.get(url)
        headers = {"User-Agent": _USER_AGENT, "Accept-Encoding": "identity"}
        if have:
            headers["Range"] = f"bytes={have}-"
        try:
            conn.request("GET", path, headers=headers)
            response = conn.getresponse()
        except (OSError, http.client.HTTPException) as error:
            pool.drop(url)
            raise _Retryable(f"{type(error).__name__}: {error}") from None
        if response.status in (301, 302, 303, 307, 308):
            location = response.getheader("Location")
            response.read()
            if not location:
                raise DataError(f"{url}: redirect without a Location header")
            url = urllib.parse.urljoin(url, location)
            continue
        break
    else:
        raise DataError(f"{url}: too many redirects")

    if response.status == 416 and have:  # our partial file is already complete
        response.read()
        return True
    if response.status >= 500:
        response.read()
        raise _Retryable(f"HTTP {response.status} {response.reason}")
    if response.status not in (200, 206):
        response.read()
        raise DataError(f"{url}: HTTP {response.status} {response.reason}")
    if response.status == 206:
        start = _range_start(response.getheader("Content-Range"))
        if start != have:
            response.read()
            raise DataError(f"{url}: server resumed at byte {start}, not {have}")
        mode = "ab"
    else:  # server ignored the Range request: start over
        if have:
            bar.update(-have)
        mode = "wb"
    expected = response.getheader("Content-Length")
    expected = int(expected) if expected and expected.isdigit() else None
    received = 0
    try:
        out = open(part, mode)
    except OSError as error:
        response.close()
        raise DataError(f"cannot write {part}: {error.strerror or error}") from None
    with out:
        while expected is None or received < expected:
            want = _CHUNK if expected is None else min(_CHUNK, expected - received)
            try:
                block = response.read(want)
            except (OSError, http.client.HTTPException) as error:
                pool.drop(url)
                raise _Retryable(f"{type(error).__name__}: {error}") from None
            if not block:
                break
            try:
                out.write(block)
            except OSError as error:
                pool.drop(url)
                raise DataError(f"cannot write {part}: {error.strerror or error}") from None
            received += len(block)
            bar.update(len(block))
    if expected is not None and received < expected:
        pool.drop(url)
        raise _Retryable(f"connection closed after {received} of {expected} bytes")
    if response.will_close:
        pool.drop(url)
    return True


def _range_start(header: str | None) -> int:
    # "bytes 1000-1999/2000"
    try:
        unit, rest = header.split(" ", 1)
        return int(rest.split("-", 1)[0]) if unit == "bytes" else -1
    except (AttributeError, ValueError):
        return -1


class _Connections:
    """Keep-alive HTTP(S) connections per host, so hundreds of small files share one handshake."""

    def __init__(self, timeout: float):
        self.timeout = timeout
        self._conns: dict = {}

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        for conn in self._conns.values():
            conn.close()
        self._conns.clear()

    @staticmethod
    def _key(url: str):
        parts = urllib.parse.urlsplit(url)
        if parts.scheme not in ("http", "https"):
            raise InputError(f"unsupported URL scheme in {url!r} (http or https only)")
        return parts.scheme, parts.netloc

    def get(self, url: str):
        key = self._key(url)
        conn = self._conns.get(key)
        if conn is None:
            cls = http.client.HTTPSConnection if key[0] == "https" else http.client.HTTPConnection
            conn = cls(key[1], timeout=self.timeout)
            self._conns[key] = conn
        parts = urllib.parse.urlsplit(url)
        path = parts.path or "/"
        if parts.query:
            path += "?" + parts.query
        return conn, path

    def drop(self, url: str):
        conn = self._conns.pop(self._key(url), None)
        if conn is not None:
            conn.close()


def with_files(spec, paths):
    """A copy of ``spec`` restricted to some of its files (for tests and partial mirrors)."""
    wanted = set(paths)
    files = tuple(e for e in spec.files if e.path in wanted)
    missing = wanted - {e.path for e in files}
    if missing:
        raise InputError(f"dataset {spec.name!r} has no file(s) {sorted(missing)}")
    return dataclasses.replace(spec, files=files)
