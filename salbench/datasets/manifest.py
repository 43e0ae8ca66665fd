"""File manifests: the exact files of a dataset with their sizes and SHA-256 checksums.

A manifest is text, one file per line: ``<sha256 hex> <size in bytes> <relative path>``. The same
lines (without the size) are what ``sha256sum -c`` reads, and the dataset cards in the repository's
top-level ``datasets/`` folder carry :func:`manifest_digest` so a reader can check a card against
the code.

The registered datasets' pinned manifests are package data, read by :func:`pinned_manifest`:
``salbench/datasets/manifests/<name>.sha256`` in ``sha256sum`` format (``<sha256>  <path>``, so
``sha256sum -c`` checks a dataset folder directly) and ``<name>.sizes.json`` (path to size in
bytes). They were generated with :func:`build_manifest` from the files at the pinned commits (the
copies in ``../shared/datasets``); ``tests/test_download.py`` re-hashes those files and compares.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from importlib.resources import files
from pathlib import Path

from ..exceptions import DataError
from .stimuli import sha256_file


@dataclass(frozen=True)
class FileEntry:
    """One file of a dataset: path relative to the dataset folder, SHA-256 and size (or None)."""

    path: str
    sha256: str | None = None
    size: int | None = None


@dataclass(frozen=True)
class Archive:
    """One archive as a publisher distributes it (e.g. MIT1003's ``DATA.zip``).

    ``provides`` names the top-level folders (or files) it unpacks to, which is how an import
    recognises an already-unpacked copy; ``md5`` / ``sha256`` / ``size`` are checked where known
    (pysaliency's loaders pin MD5s). ``url`` is where the publisher serves it (may be dead).
    """

    filename: str
    url: str
    provides: tuple[str, ...]
    md5: str | None = None
    sha256: str | None = None
    size: int | None = None

    @property
    def pinned(self) -> bool:
        return self.md5 is not None or self.sha256 is not None


def file_digests(path, *, chunk: int = 1 << 20) -> dict:
    """``{"md5": ..., "sha256": ...}`` of a file, read once."""
    md5, sha = hashlib.md5(usedforsecurity=False), hashlib.sha256()
    with open(path, "rb") as handle:
        while block := handle.read(chunk):
            md5.update(block)
            sha.update(block)
    return {"md5": md5.hexdigest(), "sha256": sha.hexdigest()}


def check_archive(path, archive: Archive) -> str | None:
    """None when ``path`` has ``archive``'s pinned size and checksums, else what differs."""
    path = Path(path)
    size = path.stat().st_size
    if archive.size is not None and size != archive.size:
        return f"{path}: {size} bytes, expected {archive.size} for {archive.filename}"
    digests = file_digests(path)
    for kind in ("sha256", "md5"):
        expected = getattr(archive, kind)
        if expected is not None and digests[kind] != expected.lower():
            return (f"{path}: {kind.upper()} {digests[kind]}, expected {expected} for "
                    f"{archive.filename}")
    return None


def parse_manifest(text: str) -> tuple[FileEntry, ...]:
    entries = []
    for number, line in enumerate(text.strip().splitlines(), 1):
        parts = line.split(maxsplit=2)
        if len(parts) != 3 or len(parts[0]) != 64 or not parts[1].isdigit():
            raise ValueError(f"manifest line {number} is malformed: {line!r}")
        entries.append(FileEntry(parts[2], parts[0], int(parts[1])))
    return tuple(entries)


def parse_sha256sum(text: str) -> list[tuple[str, str]]:
    """``(path, sha256)`` pairs of ``sha256sum`` lines: ``<hex>  <path>`` or ``<hex> *<path>``."""
    pairs = []
    for number, line in enumerate(text.splitlines(), 1):
        digest, marker, path = line[:64], line[64:66], line[66:]
        if (len(digest) != 64 or marker not in ("  ", " *") or not path
                or any(c not in "0123456789abcdef" for c in digest)):
            raise ValueError(f"sha256sum line {number} is malformed: {line!r}")
        pairs.append((path, digest))
    return pairs


def pinned_manifest(name: str) -> tuple[FileEntry, ...]:
    """The pinned files of registered dataset ``name``, from the package's ``manifests/`` folder.

    Hashes and order from ``manifests/<name>.sha256``, sizes from ``manifests/<name>.sizes.json``.
    """
    folder = files(__package__).joinpath("manifests")
    pairs = parse_sha256sum(folder.joinpath(f"{name}.sha256").read_text(encoding="utf-8"))
    sizes = json.loads(folder.joinpath(f"{name}.sizes.json").read_text(encoding="utf-8"))
    paths = [path for path, _ in pairs]
    if len(set(paths)) != len(paths) or set(paths) != set(sizes):
        raise ValueError(f"manifests/{name}.sha256 and manifests/{name}.sizes.json do not list the "
                         "same files")
    return tuple(FileEntry(path, digest, int(sizes[path])) for path, digest in pairs)


def format_manifest(entries) -> str:
    return "".join(f"{e.sha256} {e.size} {e.path}\n" for e in entries)


def build_manifest(folder, paths) -> tuple[FileEntry, ...]:
    """Hash the files ``paths`` (relative to ``folder``)."""
    folder = Path(folder)
    entries = []
    for rel in paths:
        full = folder / rel
        if not full.is_file():
            raise DataError(f"{full}: file is missing")
        entries.append(FileEntry(rel, sha256_file(full), full.stat().st_size))
    return tuple(entries)


def manifest_digest(entries) -> str:
    """SHA-256 over the sorted ``"<sha256>  <path>"`` lines: one number for a whole dataset."""
    lines = sorted(f"{e.sha256}  {e.path}\n" for e in entries)
    return hashlib.sha256("".join(lines).encode("utf-8")).hexdigest()


def verify_files(folder, entries, *, check_hash: bool = True) -> list[str]:
    """Problems with the files in ``folder`` against ``entries`` (empty list = all good)."""
    folder = Path(folder)
    problems = []
    for e in entries:
        full = folder / e.path
        if not full.is_file():
            problems.append(f"{full}: missing")
            continue
        if e.size is not None and full.stat().st_size != e.size:
            problems.append(f"{full}: size {full.stat().st_size} bytes, expected {e.size}")
            continue
        if check_hash and e.sha256 is not None:
            actual = sha256_file(full)
            if actual != e.sha256:
                problems.append(f"{full}: SHA-256 {actual}, expected {e.sha256}")
    return problems
