"""Downloading a registered dataset into the data folder: pinned, verified, resumable, atomic.

``fetch("osie")`` downloads every file of the dataset's manifest from its public source at the
pinned commit (``https://raw.githubusercontent.com/<repo>/<commit>/<path>``); ``fetch("mit1003")``
downloads the publisher's archives (``ALLSTIMULI.zip``, ``DATA.zip``) and installs them as
:func:`salbench.datasets.importing.import_dataset` does. ``base_url`` names a mirror with the same
layout as the data folder (``<base_url>/<dataset>/<path>``, or ``<base_url>/<folder>/<archive>``).

* **Where users are**: the transport is :mod:`urllib.request`, so ``HTTP_PROXY``,
  ``HTTPS_PROXY`` and ``NO_PROXY`` (any case) are honoured, redirects are followed and HTTPS
  certificates are checked as everywhere else in Python.
* **Several files at once**: ``workers`` transfers run in parallel behind one progress bar
  (tqdm) counting bytes. A failure does not stop the other files; the first error is raised once
  all have finished, so a rerun fetches only what is still missing.
* **Verified**: each file's size and SHA-256 (archives: MD5 or SHA-256, as pinned) are checked
  before it is accepted; a mismatch deletes the file and raises
  :class:`~salbench.exceptions.DataError` naming the file, the URL and both checksums. Datasets
  without pinned checksums (EyeCrowd) download only with ``verify=False``
  (``salbench datasets fetch --no-verify``); the hashes seen are then recorded.
* **Resumable**: bytes arrive in ``<root>/.partial/<dataset>/<path>.part``. A dropped connection is
  retried with an HTTP ``Range`` request from where it stopped; if every retry fails, running
  ``fetch`` again resumes from the same place.
* **Atomic**: files are assembled in ``<root>/.partial/<dataset>/`` and the complete, verified
  folder is renamed to ``<root>/<dataset>`` in one step, so ``<root>/<dataset>`` is either absent
  or complete. ``.partial`` holds only resumable state (remove it with :func:`clean_partial`).
"""

from __future__ import annotations

import dataclasses
import http.client
import json
import os
import shutil
import threading
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from .._faults import checkpoint
from .._io import write_text_atomic
from ..exceptions import DataError, InputError
from .cache import data_root, ensure_writable
from .manifest import verify_files

#: Name of the folder under the data root that holds unfinished downloads.
PARTIAL = ".partial"
#: Marker written into a completed dataset folder.
MARKER = ".salbench-download.json"
#: Parallel transfers by default.
DEFAULT_WORKERS = 4
_CHUNK = 1 << 20
_USER_AGENT = "salbench-dataset-fetch"


def _spec(name_or_spec):
    from .specs import DatasetSpec, spec

    return name_or_spec if isinstance(name_or_spec, DatasetSpec) else spec(name_or_spec)


def clean_partial(name, *, root=None) -> None:
    """Remove the resumable state of an unfinished download of ``name``."""
    s = _spec(name)
    shutil.rmtree(data_root(root) / PARTIAL / s.install_folder, ignore_errors=True)


@dataclasses.dataclass(frozen=True)
class Download:
    """One file to fetch: where from, where to, and what it must be."""

    url: str
    target: Path
    size: int | None = None
    sha256: str | None = None
    md5: str | None = None


class _Bar:
    """A tqdm bar shared by the transfer threads (updates under a lock)."""

    def __init__(self, bar):
        self.bar = bar
        self.lock = threading.Lock()

    def update(self, n):
        with self.lock:
            self.bar.update(n)


def download_files(downloads, *, progress: bool | None = None, retries: int = 3,
                   timeout: float = 60.0, workers: int | None = None,
                   description: str = "salbench") -> dict:
    """Fetch ``downloads`` in parallel with one progress bar; ``{target: sha256}`` of each file.

    A target that already holds the right bytes is kept. Every failure is collected; the first
    is raised after all transfers have ended.
    """
    downloads = list(downloads)
    if progress is None:
        progress = _stderr_is_terminal()
    if workers is None:
        workers = DEFAULT_WORKERS
    if isinstance(workers, bool) or not isinstance(workers, int) or workers < 1:
        raise InputError(f"workers must be a positive integer, got {workers!r}")
    sizes = [d.size for d in downloads]
    total = sum(sizes) if sizes and all(s is not None for s in sizes) else None
    opener = urllib.request.build_opener()  # ProxyHandler reads HTTP(S)_PROXY / NO_PROXY now
    opener.addheaders = [("User-Agent", _USER_AGENT)]
    from tqdm.auto import tqdm

    observed, errors = {}, []
    with tqdm(total=total, unit="B", unit_scale=True, unit_divisor=1024, desc=description,
              disable=not progress) as raw_bar:
        bar = _Bar(raw_bar)

        def one(d: Download):
            if d.target.is_file() and _matches(d.target, d):
                bar.update(d.target.stat().st_size)
                return d.target, d.sha256 or _sha256(d.target)
            if d.target.is_file():  # complete but wrong: never trust it
                d.target.unlink()
            return d.target, _download(opener, d, retries, timeout, bar)

        with ThreadPoolExecutor(max_workers=min(workers, max(1, len(downloads)))) as pool:
            futures = [pool.submit(one, d) for d in downloads]
            for future in futures:
                try:
                    target, digest = future.result()
                    observed[target] = digest
                except DataError as error:
                    errors.append(error)
    if errors:
        first = errors[0]
        if len(errors) > 1:
            raise DataError(f"{first} ({len(errors) - 1} more file(s) failed too; the files that "
                            "arrived are kept for the next attempt)") from None
        raise first
    return observed


def fetch(name, *, root=None, base_url: str | None = None, verify: bool = True,
          progress: bool | None = None, retries: int = 3, timeout: float = 60.0,
          workers: int | None = None) -> Path:
    """Download dataset ``name`` into the data folder (see the module notes) and return its folder.

    Parameters
    ----------
    name : str or DatasetSpec
    root : path-like, optional
        Data folder (default ``$SALBENCH_DATA`` or the per-user cache).
    base_url : str, optional
        A mirror with the data folder's layout, e.g. ``"http://127.0.0.1:8000"``.
    verify : bool
        Check checksums (always on for datasets whose checksums are pinned; ``False`` is only
        accepted for datasets without pinned checksums, whose observed hashes are recorded).
    progress : bool, optional
        Show a progress bar (default: when standard error is a terminal).
    retries : int
        Reconnections per file after a dropped transfer (each resumes with an HTTP Range request).
    timeout : float
        Socket timeout in seconds.
    workers : int, optional
        Parallel transfers (default :data:`DEFAULT_WORKERS`).
    """
    s = _spec(name)
    pinned = s.checksums_pinned if s.files else all(a.pinned for a in s.archives)
    if not s.files and not s.archives:
        from .loaders.published import where_to_get

        raise DataError(f"dataset {s.name!r} is not a pinned set of files salbench downloads "
                        f"itself (its source is {s.source_status}). {where_to_get(s)}")
    if s.source_status != "downloadable" and base_url is None:
        what = ("its host is gone" if s.source_status == "dead-host"
                else "its files are behind a form or licence agreement")
        raise DataError(f"dataset {s.name!r} cannot be downloaded automatically ({what}). Get "
                        f"the files from {s.source} (see datasets/{s.name}.md) and install them "
                        f"with `salbench datasets import {s.name} PATH...`.")
    if not pinned and verify:
        raise DataError(
            f"dataset {s.name!r} has no pinned checksums (salbench's authors did not have its "
            "files), so its download cannot be verified. Pass verify=False (`salbench datasets "
            "fetch --no-verify`) to download it anyway; the SHA-256 of every file is then "
            "recorded in the dataset folder."
        )
    if pinned and not verify:
        raise InputError(f"dataset {s.name!r} has pinned checksums; they are always verified")
    root = ensure_writable(data_root(root))
    final = root / s.install_folder
    if final.exists():
        problems = (verify_files(final, s.files, check_hash=False) if s.files else
                    [f"{final / p}: missing" for p in s.installed_paths
                     if not (final / p).exists()])
        if not problems:
            return final
        raise DataError(
            f"{final} exists but is incomplete ({len(problems)} problem(s), e.g. {problems[0]}). "
            "salbench does not modify folders it did not finish; remove it (or move it away) and "
            "fetch again."
        )
    staging = root / PARTIAL / s.install_folder
    try:
        staging.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise DataError(f"cannot create {staging}: {error.strerror or error}") from None
    if not s.files:
        return _fetch_archives(s, root, staging, base_url, verify, progress, retries, timeout,
                               workers)

    downloads = [Download(s.url(e.path, base_url=base_url), staging / e.path, e.size, e.sha256)
                 for e in s.files]
    observed = download_files(downloads, progress=progress, retries=retries, timeout=timeout,
                              workers=workers, description=f"salbench: {s.name}")
    marker = {
        "dataset": s.name, "source": s.source, "commit": s.commit,
        "url": s.url("<path>", base_url=base_url), "verified": bool(verify),
        "fetched": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "files": {d.target.relative_to(staging).as_posix(): observed[d.target]
                  for d in sorted(downloads, key=lambda d: d.target)},
    }
    write_text_atomic(staging / MARKER, json.dumps(marker, indent=1))
    checkpoint("fetch-marker")
    try:
        os.replace(staging, final)
    except OSError as error:
        raise DataError(f"cannot move the finished download {staging} to {final}: "
                        f"{error.strerror or error}") from None
    return final


def _fetch_archives(s, root, staging, base_url, verify, progress, retries, timeout, workers):
    """Download the publisher's archives of ``s`` into ``staging/archives`` and import them."""
    from .importing import import_dataset

    folder = staging / "archives"
    downloads = [Download(s.archive_url(a, base_url=base_url), folder / a.filename, a.size,
                          a.sha256, a.md5) for a in s.archives]
    try:
        download_files(downloads, progress=progress, retries=retries, timeout=timeout,
                       workers=workers, description=f"salbench: {s.name}")
    except DataError as error:
        names = " ".join(a.filename for a in s.archives)
        raise DataError(f"{error}. If the host is gone or blocked, download {names} by hand (see "
                        f"datasets/{s.name}.md) and run `salbench datasets import {s.name} "
                        f"{names}`") from None
    final = import_dataset(s.name, [d.target for d in downloads], root=root, verify=verify)
    shutil.rmtree(staging, ignore_errors=True)
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


def _matches(path: Path, d: Download) -> bool:
    if d.size is not None and path.stat().st_size != d.size:
        return False
    if d.sha256 is None and d.md5 is None:
        return True  # a target exists only after a complete transfer; nothing else to check
    from .manifest import file_digests

    digests = file_digests(path)
    return all(getattr(d, k) is None or digests[k] == getattr(d, k) for k in ("sha256", "md5"))


def _download(opener, d: Download, retries: int, timeout: float, bar) -> str:
    """Download ``d.url`` to ``d.target`` via ``target.part`` with resumption; its SHA-256."""
    from .manifest import file_digests

    part = d.target.with_name(d.target.name + ".part")
    try:
        part.parent.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise DataError(f"cannot create {part.parent}: {error.strerror or error}") from None
    attempt = 0
    while True:
        have = part.stat().st_size if part.exists() else 0
        if d.size is not None and have > d.size:
            part.unlink()  # longer than the file can be: start over
            have = 0
        if d.size is not None and have == d.size:
            break
        try:
            done = _transfer(opener, d.url, part, have, bar, timeout)
        except _Retryable as error:
            attempt += 1
            if attempt > retries:
                got = part.stat().st_size if part.exists() else 0
                kept = (f"{got} bytes are kept in {part} and the next fetch resumes from there"
                        if got else "nothing arrived")
                raise DataError(f"download of {d.url} failed after {attempt} attempt(s) "
                                f"({error}); {kept}") from None
            time.sleep(min(0.2 * 2 ** attempt, 2.0))
            continue
        if done:
            break
    checkpoint("fetch-part")
    digests = file_digests(part)
    size = part.stat().st_size
    wrong = [(k, digests[k], getattr(d, k)) for k in ("sha256", "md5")
             if getattr(d, k) is not None and digests[k] != getattr(d, k)]
    if (d.size is not None and size != d.size) or wrong:
        part.unlink()
        kind = wrong[0][0].upper() if wrong else "SHA-256"
        got_digest = wrong[0][1] if wrong else digests["sha256"]
        expected = wrong[0][2] if wrong else d.sha256
        kind = "SHA-256" if kind == "SHA256" else kind
        raise DataError(
            f"{d.target.name} from {d.url} is corrupt: got {size} bytes with {kind} {got_digest}, "
            f"expected {d.size} bytes with {kind} {expected}. The file was deleted; nothing was "
            "installed. Fetch again (or check base_url)."
        )
    os.replace(part, d.target)
    checkpoint("fetch-file")
    return digests["sha256"]


class _Retryable(Exception):
    """A transfer problem worth retrying (dropped connection, timeout, server error)."""


def _transfer(opener, url: str, part: Path, have: int, bar, timeout: float) -> bool:
    """One HTTP request appending to ``part`` from byte ``have``; True when the body was complete."""
    headers = {"Accept-Encoding": "identity"}
    if have:
        headers["Range"] = f"bytes={have}-"
    request = urllib.request.Request(url, headers=headers)
    try:
        response = opener.open(request, timeout=timeout)
    except urllib.error.HTTPError as error:
        error.close()
        if error.code == 416 and have:  # our partial file is already complete
            return True
        if error.code >= 500:
            raise _Retryable(f"HTTP {error.code} {error.reason}") from None
        raise DataError(f"{url}: HTTP {error.code} {error.reason}") from None
    except ValueError as error:  # unknown URL type
        raise InputError(f"cannot download {url!r}: {error}") from None
    except (urllib.error.URLError, OSError, http.client.HTTPException) as error:
        reason = getattr(error, "reason", error)
        raise _Retryable(f"{type(error).__name__}: {reason}") from None
    with response:
        status = response.status
        if status == 206:
            start = _range_start(response.headers.get("Content-Range"))
            if start != have:
                raise DataError(f"{url}: server resumed at byte {start}, not {have}")
            mode = "ab"
        else:  # 200: the server ignored the Range request (or none was sent): start over
            if have:
                bar.update(-have)
            mode = "wb"
        expected = response.headers.get("Content-Length")
        expected = int(expected) if expected and expected.isdigit() else None
        received = 0
        try:
            out = open(part, mode)
        except OSError as error:
            raise DataError(f"cannot write {part}: {error.strerror or error}") from None
        with out:
            while expected is None or received < expected:
                want = _CHUNK if expected is None else min(_CHUNK, expected - received)
                try:
                    block = response.read(want)
                except (OSError, http.client.HTTPException) as error:
                    raise _Retryable(f"{type(error).__name__}: {error}") from None
                if not block:
                    break
                try:
                    out.write(block)
                except OSError as error:
                    raise DataError(f"cannot write {part}: {error.strerror or error}") from None
                received += len(block)
                bar.update(len(block))
    if expected is not None and received < expected:
        raise _Retryable(f"connection closed after {received} of {expected} bytes")
    return True


def _range_start(header: str | None) -> int:
    # "bytes 1000-1999/2000"
    try:
        unit, rest = header.split(" ", 1)
        return int(rest.split("-", 1)[0]) if unit == "bytes" else -1
    except (AttributeError, ValueError):
        return -1


def with_files(spec, paths):
    """A copy of ``spec`` restricted to some of its files (for tests and partial mirrors)."""
    wanted = set(paths)
    files = tuple(e for e in spec.files if e.path in wanted)
    missing = wanted - {e.path for e in files}
    if missing:
        raise InputError(f"dataset {spec.name!r} has no file(s) {sorted(missing)}")
    return dataclasses.replace(spec, files=files)
