"""Reading submission archives (``.zip``, ``.tar``, ``.tar.gz``, ``.tgz``) without trusting them.

A submission archive comes from someone else, so every member is checked before a single byte is
written: no member may escape the folder it is extracted into. Refused, with the member's name:

* absolute names (``/etc/passwd``, ``C:\\x``) and names with a ``..`` component (backslashes count
  as separators, as Windows archivers write them);
* symbolic and hard links that point outside the archive, or at a member that is not a file;
* device files, FIFOs and any other member that is neither a file, a folder nor a link;
* the same name twice.

Links that stay inside are extracted as copies of their target (never as links). Only map files
(:data:`salbench.models.adapters.MAP_SUFFIXES`) are extracted; other members (a README, a
``__MACOSX/`` folder, hidden files) are skipped and listed.

Against archive bombs the bytes actually written are counted while streaming (a member's declared
size is not trusted): extraction stops when they exceed :data:`MAX_BYTES` (16 GiB: 2,000 CAT2000
maps of 1920×1080 as float32 NPY take 16.6 GB uncompressed; pass ``max_bytes=`` for more), and an
archive with more than :data:`MAX_MEMBERS` members is refused before reading any.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import stat
import tarfile
import zipfile
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from ..exceptions import DataError, InputError

__all__ = ["ARCHIVE_SUFFIXES", "MAX_BYTES", "MAX_MEMBERS", "ArchiveMember", "UnsafeArchiveError",
           "archive_members",
           "archive_stem", "extract_archive", "is_archive", "maps_root"]

#: File name endings read as archives (lower case).
ARCHIVE_SUFFIXES = (".zip", ".tar.gz", ".tgz", ".tar")
#: Largest number of bytes extracted from one archive (16 GiB), unless ``max_bytes=`` says more.
MAX_BYTES = 16 * 1024 ** 3
#: Largest number of members an archive may hold.
MAX_MEMBERS = 100_000
_CHUNK = 1 << 20
_SKIPPED_FOLDERS = ("__MACOSX",)


class UnsafeArchiveError(DataError):
    """An archive refused because a member would escape, or because it holds too much."""


def is_archive(path) -> bool:
    """Whether ``path`` names an archive by its ending (``.zip``, ``.tar``, ``.tar.gz``, ``.tgz``).

    Examples
    --------
    >>> is_archive("maps.tar.gz"), is_archive("maps/")
    (True, False)
    """
    name = str(path).lower()
    return any(name.endswith(suffix) for suffix in ARCHIVE_SUFFIXES)


def archive_stem(path) -> str:
    """The archive's name without its ending (``"maps"`` for ``maps.tar.gz``).

    Examples
    --------
    >>> archive_stem("out/my-maps.tgz")
    'my-maps'
    """
    name = Path(path).name
    for suffix in ARCHIVE_SUFFIXES:
        if name.lower().endswith(suffix):
            return name[: -len(suffix)] or "archive"
    return name


@dataclass(frozen=True)
class ArchiveMember:
    """One member of an archive, as it will be extracted.

    Attributes
    ----------
    name : str
        The member's name in the archive, as written there.
    path : str
        Its normalised relative POSIX path (``a/b.png``).
    kind : {"file", "folder", "link"}
    target : str or None
        For a link, the normalised path of the member it copies.
    size : int
        Declared uncompressed size (informative only; extraction counts real bytes).
    """

    name: str
    path: str
    kind: str
    target: str | None
    size: int


def _normalise(name: str, base: PurePosixPath | None = None):
    """``(path, reason)``: the member's relative path inside the archive, or why it escapes."""
    if "\x00" in name:
        return None, "has a NUL character in its name"
    text = name.replace("\\", "/")
    if text.startswith("/") or (len(text) > 1 and text[1] == ":" and text[0].isalpha()):
        return None, "has an absolute path"
    parts = [] if base is None else list(base.parts)
    for part in text.split("/"):
        if part in ("", "."):
            continue
        if part == "..":
            if base is None or not parts:
                return None, "escapes the archive ('..' in its path)"
            parts.pop()
            continue
        parts.append(part)
    return "/".join(parts), None


def _link_target(link: str, member_path: str, hard: bool):
    """The normalised target of a link, or why it points outside the archive."""
    text = link.replace("\\", "/")
    if not text or text.startswith("/") or (len(text) > 1 and text[1] == ":" and text[0].isalpha()):
        return None, f"is a link to an absolute path ({link!r}), outside the archive"
    # a hard link names its target from the archive's root, a symbolic link from its folder
    base = PurePosixPath("") if hard else PurePosixPath(member_path).parent
    path, reason = _normalise(text, base)
    if reason is not None or not path:
        return None, f"is a link pointing outside the archive ({link!r})"
    return path, None


def _zip_entries(archive: zipfile.ZipFile):
    for info in archive.infolist():
        mode = (info.external_attr >> 16) & 0xFFFF
        if info.is_dir():
            kind = "folder"
        elif mode and stat.S_ISLNK(mode):
            kind = "symlink"
        elif mode and stat.S_IFMT(mode) not in (0, stat.S_IFREG):
            kind = "special"
        else:
            kind = "file"
        link = None
        if kind == "symlink":
            with archive.open(info) as stream:  # a link's content is its target: read little
                link = stream.read(4096).decode("utf-8", "replace")
        yield info.filename, kind, link, int(info.file_size)


def _tar_entries(archive: tarfile.TarFile):
    for info in archive.getmembers():
        if info.isdir():
            kind, link = "folder", None
        elif info.isfile():
            kind, link = "file", None
        elif info.issym():
            kind, link = "symlink", info.linkname
        elif info.islnk():
            kind, link = "hardlink", info.linkname
        else:
            kind, link = "special", None
        yield info.name, kind, link, int(info.size)


@contextlib.contextmanager
def _open(path: Path):
    name = path.name.lower()
    try:
        if name.endswith(".zip"):
            with zipfile.ZipFile(path) as archive:
                yield "zip", archive
        else:
            with tarfile.open(path, "r:*") as archive:
                yield "tar", archive
    except FileNotFoundError:
        raise DataError(f"{path}: archive is missing") from None
    except (zipfile.BadZipFile, tarfile.TarError, EOFError, OSError) as error:
        raise DataError(f"{path}: not a readable archive ({error})") from None


def _check_path(path) -> Path:
    path = Path(path)
    if not is_archive(path):
        raise InputError(f"{path}: not an archive name (expected one of "
                         f"{', '.join(ARCHIVE_SUFFIXES)})")
    if not path.is_file():
        raise DataError(f"{path}: archive is missing")
    return path


def archive_members(path, *, max_members: int = MAX_MEMBERS) -> list[ArchiveMember]:
    """Every member of an archive, checked; refuse the archive if any member is unsafe.

    Parameters
    ----------
    path : path-like
        A ``.zip``, ``.tar``, ``.tar.gz`` or ``.tgz`` file.
    max_members : int
        Refuse archives with more members.

    Returns
    -------
    list of ArchiveMember

    Raises
    ------
    UnsafeArchiveError
        Naming every member that is absolute, escapes with ``..``, is a link pointing outside
        (or at no file), is a device file or FIFO, or appears twice; or the archive is unreadable.
    """
    path = _check_path(path)
    with _open(path) as (fmt, archive):
        entries = list(_zip_entries(archive) if fmt == "zip" else _tar_entries(archive))
    if len(entries) > max_members:
        raise UnsafeArchiveError(f"{path}: holds {len(entries)} members, more than the limit of "
                        f"{max_members} (max_members=)")
    problems, members, seen = [], [], {}
    for name, kind, link, size in entries:
        rel, reason = _normalise(name)
        if reason is None and kind == "special":
            reason = "is a device file, FIFO or other special file"
        target = None
        if reason is None and kind in ("symlink", "hardlink"):
            target, reason = _link_target(link or "", rel, hard=kind == "hardlink")
        if reason is not None:
            problems.append(f"{name}: {reason}")
            continue
        if not rel:
            continue  # the archive's root folder itself ("./")
        if rel in seen and kind != "folder":
            problems.append(f"{name}: appears twice in the archive")
            continue
        seen[rel] = kind
        members.append(ArchiveMember(name=name, path=rel,
                                     kind="link" if target is not None else kind,
                                     target=target, size=size))
    kinds = {m.path: m for m in members}
    for member in members:
        if member.kind == "link":
            final, hops = kinds.get(member.target), 0
            while final is not None and final.kind == "link" and hops < 32:
                final, hops = kinds.get(final.target), hops + 1
            if final is None or final.kind != "file":
                problems.append(f"{member.name}: is a link to {member.target!r}, which is not a "
                                "file in the archive")
    if problems:
        raise UnsafeArchiveError(f"{path}: refused, {len(problems)} unsafe member(s) (nothing was "
                        "extracted):\n" + "\n".join(f"  {p}" for p in problems))
    return members


def _skipped(member: ArchiveMember) -> bool:
    from ..models.adapters import is_map_file

    parts = PurePosixPath(member.path).parts
    return (any(p.startswith(".") or p in _SKIPPED_FOLDERS for p in parts)
            or not is_map_file(member.path))


def _copy_stream(source, target: Path, budget: list, archive: Path, name: str) -> None:
    with open(target, "wb") as handle:
        while True:
            chunk = source.read(_CHUNK)
            if not chunk:
                return
            budget[0] -= len(chunk)
            if budget[0] < 0:
                raise UnsafeArchiveError(f"{archive}: refused, extracting it would write more than "
                                f"{budget[1]} bytes (reached at member {name}); an archive bomb, "
                                "or pass max_bytes= for a larger limit")
            handle.write(chunk)


def extract_archive(path, target, *, max_bytes: int = MAX_BYTES,
                    max_members: int = MAX_MEMBERS) -> tuple[Path, tuple]:
    """Extract the map files of an archive into the new folder ``target``, safely.

    The members are checked first (:func:`archive_members`); files are written into a temporary
    folder beside ``target`` and renamed to ``target`` when all are done, so ``target`` is either
    absent or complete.

    Parameters
    ----------
    path : path-like
        The archive.
    target : path-like
        Folder to create (it must not exist).
    max_bytes, max_members : int
        Limits against archive bombs (:data:`MAX_BYTES`, :data:`MAX_MEMBERS`).

    Returns
    -------
    (Path, tuple of str)
        ``target``, and the members skipped because they are not map files (or are hidden).

    Raises
    ------
    UnsafeArchiveError
        For an unsafe member, too many members, or more than ``max_bytes`` of content.
    DataError
        For an unreadable archive.
    """
    path = _check_path(path)
    target = Path(target)
    if target.exists():
        raise InputError(f"{target}: already exists; extract_archive writes a new folder")
    members = archive_members(path, max_members=max_members)
    by_path = {m.path: m for m in members}
    wanted = [m for m in members if m.kind != "folder" and not _skipped(m)]
    skipped = tuple(m.name for m in members if m.kind != "folder" and _skipped(m))
    target.parent.mkdir(parents=True, exist_ok=True)
    import tempfile

    staging = Path(tempfile.mkdtemp(prefix=f".{target.name}.", dir=target.parent))
    budget = [int(max_bytes), int(max_bytes)]
    try:
        with _open(path) as (fmt, archive):
            tar_infos = {}
            if fmt == "tar":
                for info in archive.getmembers():
                    rel, _ = _normalise(info.name)
                    tar_infos[rel] = info
            for member in wanted:
                source = member
                while source.kind == "link":  # archive_members checked the chain ends at a file
                    source = by_path[source.target]
                out = staging / member.path
                out.parent.mkdir(parents=True, exist_ok=True)
                if fmt == "zip":
                    with archive.open(source.name) as stream:
                        _copy_stream(stream, out, budget, path, member.name)
                else:
                    stream = archive.extractfile(tar_infos[source.path])
                    if stream is None:
                        raise DataError(f"{path}: member {member.name} cannot be read")
                    with stream:
                        _copy_stream(stream, out, budget, path, member.name)
        try:
            os.replace(staging, target)
        except OSError:
            if not target.is_dir():
                raise
            # another process extracted the same archive meanwhile: keep its complete folder
            shutil.rmtree(staging, ignore_errors=True)
    except (zipfile.BadZipFile, tarfile.TarError, EOFError, OSError) as error:
        shutil.rmtree(staging, ignore_errors=True)
        raise DataError(f"{path}: not a readable archive ({error})") from None
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return target, skipped


def maps_root(folder) -> Path:
    """The folder holding the maps: ``folder``, or its only sub-folder when ``folder`` holds
    nothing else (archives made with ``zip -r maps.zip maps/``)."""
    folder = Path(folder)
    entries = [p for p in folder.iterdir() if not p.name.startswith(".")]
    if len(entries) == 1 and entries[0].is_dir():
        return maps_root(entries[0])
    return folder
