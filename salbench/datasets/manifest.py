"""File manifests: the exact files of a dataset with their sizes and SHA-256 checksums.

A manifest is text, one file per line: ``<sha256 hex> <size in bytes> <relative path>``. The same
lines (without the size) are what ``sha256sum -c`` reads, and the dataset cards in the repository's
top-level ``datasets/`` folder carry :func:`manifest_digest` so a reader can check a card against
the code.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

from ..exceptions import DataError
from .stimuli import sha256_file


@dataclass(frozen=True)
class FileEntry:
    """One file of a dataset: path relative to the dataset folder, SHA-256 and size (or None)."""

    path: str
    sha256: str | None = None
    size: int | None = None


def parse_manifest(text: str) -> tuple[FileEntry, ...]:
    entries = []
    for number, line in enumerate(text.strip().splitlines(), 1):
        parts = line.split(maxsplit=2)
        if len(parts) != 3 or len(parts[0]) != 64 or not parts[1].isdigit():
            raise ValueError(f"manifest line {number} is malformed: {line!r}")
        entries.append(FileEntry(parts[2], parts[0], int(parts[1])))
    return tuple(entries)


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
