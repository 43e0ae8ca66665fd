"""Installing a dataset from files the user already has: archives or folders, as published.

Some hosts are dead, some hide their files behind a form; ``import_dataset(name, paths)`` (and
``salbench datasets import NAME PATH...``) installs a dataset from what the user downloaded:

* **archives** (``.zip``, ``.tar``, ``.tar.gz``, ``.tgz``) — recognised by file name or checksum
  among the spec's :class:`~salbench.datasets.manifest.Archive` entries and verified (MD5 /
  SHA-256, size) where the spec pins them; an archive nobody pinned needs ``verify=False``.
  Members are extracted safely (no absolute paths, no ``..``, no links outside the tree;
  ``__MACOSX`` and ``.DS_Store`` skipped);
* **folders** holding the publisher's files as they unpack — e.g. MIT1003's ``ALLSTIMULI/`` and
  ``DATA/``, a GitHub checkout of OSIE's repository, or a folder holding the archives themselves.

For a dataset downloaded file by file (OSIE, NUS Scene, EyeCrowd) every file of the pinned
manifest is looked up by its local or repository path and, when the spec pins checksums,
verified by SHA-256. For an archive-based dataset each folder an archive provides is looked up
(up to three levels deep). Everything is assembled in ``<root>/.partial/`` and moved to
``<root>/<folder>`` in one rename, so an interrupted import leaves nothing half-installed; a
marker file records what was verified.
"""

from __future__ import annotations

import json
import os
import shutil
import tarfile
import tempfile
import time
import zipfile
from pathlib import Path

from .._io import write_text_atomic
from ..exceptions import DataError, InputError
from .cache import data_root, ensure_writable
from .manifest import check_archive, file_digests
from .stimuli import sha256_file

#: Marker written into an imported dataset folder.
MARKER = ".salbench-import.json"
_SKIPPED = ("__MACOSX", ".DS_Store", ".svn")
_ARCHIVE_SUFFIXES = (".zip", ".tar", ".tar.gz", ".tgz", ".tar.bz2", ".tar.xz")
_SEARCH_DEPTH = 3


def is_archive(path: Path) -> bool:
    name = Path(path).name.lower()
    return Path(path).is_file() and any(name.endswith(s) for s in _ARCHIVE_SUFFIXES)


def _skipped(parts) -> bool:
    return any(p in _SKIPPED or p.startswith("._") for p in parts)


def extract(archive: Path, into: Path) -> Path:
    """Unpack ``archive`` under ``into`` safely; returns ``into``."""
    archive, into = Path(archive), Path(into)
    into.mkdir(parents=True, exist_ok=True)
    root = into.resolve()
    try:
        if archive.name.lower().endswith(".zip"):
            with zipfile.ZipFile(archive) as zf:
                for info in zf.infolist():
                    parts = Path(info.filename).parts
                    if _skipped(parts) or info.is_dir():
                        continue
                    target = (into / info.filename).resolve()
                    if root not in target.parents:
                        raise DataError(f"{archive}: member {info.filename!r} would be written "
                                        "outside the target folder; refusing to unpack it")
                    target.parent.mkdir(parents=True, exist_ok=True)
                    with zf.open(info) as src, open(target, "wb") as dst:
                        shutil.copyfileobj(src, dst, 1 << 20)
        else:
            with tarfile.open(archive) as tf:
                members = []
                for member in tf.getmembers():
                    if _skipped(Path(member.name).parts) or not (member.isfile() or member.isdir()):
                        continue
                    target = (into / member.name).resolve()
                    if root not in target.parents and target != root:
                        raise DataError(f"{archive}: member {member.name!r} would be written "
                                        "outside the target folder; refusing to unpack it")
                    members.append(member)
                try:
                    tf.extractall(into, members=members, filter="data")
                except TypeError:  # Python < 3.10.12 has no extraction filters; checked above
                    tf.extractall(into, members=members)
    except (zipfile.BadZipFile, tarfile.TarError, EOFError, OSError) as error:
        raise DataError(f"{archive}: cannot unpack ({type(error).__name__}: {error})") from None
    return into


def _identify(spec, path: Path, verify: bool):
    """The spec's Archive that ``path`` is (by name, else by checksum), verified; or None."""
    by_name = {a.filename.lower(): a for a in spec.archives}
    archive = by_name.get(path.name.lower())
    if archive is None and spec.archives:
        digests = file_digests(path)
        for candidate in spec.archives:
            if (candidate.md5 and candidate.md5 == digests["md5"]) or \
                    (candidate.sha256 and candidate.sha256 == digests["sha256"]):
                return candidate, "checksum verified"
    if archive is None:
        if verify and spec.archives:
            expected = ", ".join(a.filename for a in spec.archives)
            raise DataError(f"{path}: not one of {spec.name}'s archives ({expected}) by name or "
                            "checksum; pass --no-verify (verify=False) to import it anyway")
        return None, "not verified (unknown archive)"
    if not verify:
        return archive, "not verified (--no-verify)"
    if not archive.pinned:
        return archive, "not verified (no checksum pinned)"
    problem = check_archive(path, archive)
    if problem:
        raise DataError(f"{problem}. The file differs from the one salbench knows (a changed or "
                        "damaged download); nothing was installed. Pass --no-verify "
                        "(verify=False) to import it anyway.")
    return archive, "checksum verified"


def _entries(spec) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """What an import places: the entries it needs, and those it takes when present.

    Archive datasets need the folders their archives provide. A publisher-hosted dataset
    (``spec.published``) needs the top-level entries of the files its loader reads by default and
    takes the other top-level entries its published files unpack to (images, other releases).
    """
    if not spec.published:
        return spec.installed_paths, ()

    def top(relative: str) -> str:
        return relative.strip().lstrip("./").split("/", 1)[0]

    needed = tuple(dict.fromkeys(top(r) for r in spec.required_files()))
    optional = []
    for published in spec.published:
        for part in published.unpacks_to.split(","):
            entry = top(part)
            if entry and not any(c in entry for c in "<{*") and entry not in needed:
                optional.append(entry)
    return needed, tuple(dict.fromkeys(optional))


def _find(trees, relative: str):
    """The first ``tree/.../relative`` (searching ``_SEARCH_DEPTH`` levels down), or None."""
    for tree in trees:
        frontier = [tree]
        for _depth in range(_SEARCH_DEPTH + 1):
            following = []
            for base in frontier:
                candidate = base / relative
                if candidate.exists():
                    return candidate
                if base.name == Path(relative).name and relative.count("/") == 0 and base.exists():
                    return base  # the user pointed at the folder itself
                try:
                    following.extend(p for p in sorted(base.iterdir())
                                     if p.is_dir() and not _skipped(p.parts[-1:]))
                except OSError:
                    pass
            frontier = following
    return None


def _place(source: Path, target: Path, move: bool):
    target.parent.mkdir(parents=True, exist_ok=True)
    if move:
        shutil.move(str(source), str(target))
    elif source.is_dir():
        shutil.copytree(source, target, symlinks=False)
    else:
        shutil.copy2(source, target)


def _manifest_files(spec, trees, staging: Path, verify: bool, moved) -> dict:
    """Place every file of a file-by-file spec's manifest; verify SHA-256 where pinned."""
    missing, corrupt, seen = [], [], {}
    check = verify and spec.checksums_pinned
    # the folder that plays the dataset folder's role: found once, from the most specific file
    probe = spec.fixation_files[0] if spec.fixation_files else spec.files[0].path
    bases = []
    for rel in dict.fromkeys((spec.remote_path(probe), probe)):  # repository layout first
        hit = _find(trees, rel)
        if hit is not None:
            bases.append(Path(str(hit)[: len(str(hit)) - len(rel)].rstrip("/") or "/"))
    for entry in spec.files:
        found = None
        candidates = (entry.path, spec.remote_path(entry.path))
        for base in bases:
            for rel in candidates:
                if (base / rel).is_file():
                    found = base / rel
                    break
            if found:
                break
        if found is None:
            missing.append(entry.path)
            continue
        if check and (entry.size is not None and found.stat().st_size != entry.size
                      or entry.sha256 is not None and sha256_file(found) != entry.sha256):
            corrupt.append(entry.path)
            continue
        _place(found, staging / entry.path, moved(found))
        seen[entry.path] = entry.sha256
    if missing:
        shown = ", ".join(missing[:5]) + (f" and {len(missing) - 5} more" if len(missing) > 5 else "")
        raise DataError(f"{len(missing)} of {len(spec.files)} file(s) of {spec.name} were not found "
                        f"in what was given: {shown}")
    if corrupt:
        shown = ", ".join(corrupt[:5]) + (f" and {len(corrupt) - 5} more" if len(corrupt) > 5 else "")
        raise DataError(f"{len(corrupt)} file(s) of {spec.name} differ from the pinned SHA-256 "
                        f"(changed or damaged): {shown}; nothing was installed. Pass --no-verify "
                        "(verify=False) to import them anyway.")
    return {"files": len(seen), "verified": "SHA-256 of every file" if check else "not verified"}


def import_dataset(name: str, paths, *, root=None, verify: bool = True,
                   overwrite: bool = False) -> Path:
    """Install dataset ``name`` from archives and/or folders the user has; returns its folder.

    Parameters
    ----------
    name : str
        A registered dataset (several names may share one folder: importing ``mit1003`` installs
        ``mit1003_initial`` and ``mit1003_onesize`` too).
    paths : path-like or sequence of path-like
        Archives as published (``DATA.zip``), folders as they unpack (``DATA/``), or folders that
        hold either.
    root : path-like, optional
        The data root (default ``$SALBENCH_DATA`` or the per-user cache folder).
    verify : bool, default=True
        Check archives (and, for file-by-file datasets, files) against the pinned checksums.
    overwrite : bool, default=False
        Replace an installed copy.

    Examples
    --------
    >>> from salbench.datasets.importing import import_dataset
    >>> import_dataset("osie", [SHARED_DATASETS / "osie"], root=getfixture("tmp_path"))  # doctest: +SKIP
    PosixPath('.../osie')
    """
    from .specs import spec as get_spec

    s = get_spec(name)
    if isinstance(paths, (str, os.PathLike)):
        paths = [paths]
    paths = [Path(p).expanduser() for p in paths]
    if not paths:
        raise InputError("import needs at least one archive or folder")
    for p in paths:
        if not p.exists():
            raise DataError(f"{p}: no such file or folder")
        if p.is_file() and not is_archive(p):
            raise InputError(f"{p}: not an archive ({', '.join(_ARCHIVE_SUFFIXES)}) nor a folder")
    root = ensure_writable(data_root(root))
    final = root / s.install_folder
    if final.exists() and any(final.iterdir()) and not overwrite:
        raise DataError(f"{final} already exists; pass --overwrite (overwrite=True) to replace it")
    partial = root / ".partial"
    partial.mkdir(exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=f"import-{s.install_folder}-", dir=partial))
    try:
        staging = work / "install"
        staging.mkdir()
        trees, archives_seen, unpacked = [], [], set()
        # archives inside a given folder count as given archives
        candidates = list(paths)
        for p in paths:
            if p.is_dir():
                candidates += [c for c in sorted(p.iterdir())
                               if is_archive(c) and c.name.lower() in
                               {a.filename.lower() for a in s.archives}]
        for k, p in enumerate(candidates):
            if p.is_dir():
                trees.append(p)
                continue
            archive, how = _identify(s, p, verify)
            archives_seen.append({"file": str(p), "archive": archive.filename if archive else None,
                                  "check": how})
            tree = extract(p, work / f"unpacked-{k}")
            unpacked.add(tree.resolve())
            trees.append(tree)

        def moved(path: Path) -> bool:  # files we unpacked ourselves are moved, not copied
            resolved = path.resolve()
            return any(u == resolved or u in resolved.parents for u in unpacked)

        if s.files:
            report = _manifest_files(s, trees, staging, verify, moved)
        else:
            placed, missing = [], []
            entries, optional = _entries(s)
            for entry in optional:  # a publisher's other files, taken when they are there
                found = _find(trees, entry)
                if found is not None and entry not in entries:
                    _place(found, staging / entry, moved(found))
                    placed.append(entry)
            for entry in entries:
                found = _find(trees, entry)
                if found is None:
                    provider = next((a.filename for a in s.archives if entry in a.provides), "?")
                    missing.append(f"{entry}/ (from {provider})")
                    continue
                _place(found, staging / entry, moved(found))
                placed.append(entry)
            if missing:
                raise DataError(f"{s.name} needs {', '.join(missing)}, which was not found in "
                                f"{', '.join(str(p) for p in paths)}; give every archive (or "
                                "unpacked folder) in one import")
            report = {"folders": placed,
                      "verified": "archive checksums" if archives_seen and all(
                          a["check"] == "checksum verified" for a in archives_seen)
                      else "not verified (folders given, or no checksum)"}
        marker = {"dataset": s.name, "folder": s.install_folder, "source": s.source,
                  "imported": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
                  "from": [str(p) for p in paths], "archives": archives_seen, **report}
        write_text_atomic(staging / MARKER, json.dumps(marker, indent=1))
        if final.exists():
            old = work / "replaced"
            os.replace(final, old)
        os.replace(staging, final)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return final
