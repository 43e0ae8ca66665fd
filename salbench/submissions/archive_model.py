"""Scoring an archive of maps directly: ``salbench evaluate --model maps.zip --out results/``.

The archive is extracted safely (:func:`~salbench.submissions.archives.extract_archive`) into
``OUT/.submissions/<archive name>-<first 12 hex digits of its SHA-256>/`` — under the run
folder only, named by content, so a rerun with the same archive reuses the extraction and a
changed archive gets a new folder. The model is a map-folder model whose fingerprint is the
archive's own content hash, so a results manifest names the archive that was scored.
"""

from __future__ import annotations

from pathlib import Path

from ..models.adapters import MapDirectoryModel
from ..models.base import ProbabilisticModel
from .archives import MAX_BYTES, MAX_MEMBERS, archive_stem, extract_archive, maps_root

__all__ = ["ArchiveLogDensityModel", "ArchiveMapModel", "archive_model", "SUBMISSIONS_FOLDER"]

#: Folder of the run folder that extracted archives go to.
SUBMISSIONS_FOLDER = ".submissions"


class ArchiveMapModel(MapDirectoryModel):
    """Maps from an extracted archive; fingerprinted by the archive file's content hash.

    Build it with :func:`archive_model`. ``archive`` is the archive's path; the other
    parameters are :class:`~salbench.models.adapters.MapDirectoryModel`'s.
    """

    def __init__(self, directory, *, archive, kind: str = "saliency", recursive: bool = False,
                 resize: str | None = None, key: str | None = None, name: str | None = None):
        self.archive = Path(archive)
        super().__init__(directory, kind=kind, recursive=recursive, resize=resize, key=key,
                         name=name or archive_stem(self.archive))

    def _parameters(self) -> dict:
        return {**super()._parameters(), "archive": str(self.archive)}

    def fingerprint(self) -> dict:
        """The archive's size, mtime and SHA-256 (what was extracted follows from it)."""
        from .._fingerprint import files_fingerprint

        return {"archive": self.archive.name,
                "files": files_fingerprint([self.archive.resolve()])}


class ArchiveLogDensityModel(ArchiveMapModel, ProbabilisticModel):
    """Normalised log-densities from an archive: ``archive_model(path, out=..., kind="log_density")``."""

    def log_density(self, image, *, image_id=None):
        return self._log_density(image, image_id)


ArchiveMapModel._log_density_class = ArchiveLogDensityModel


def archive_model(path, *, out, kind: str = "saliency", recursive: bool = False,
                  resize: str | None = None, key: str | None = None, name: str | None = None,
                  max_bytes: int = MAX_BYTES, max_members: int = MAX_MEMBERS) -> ArchiveMapModel:
    """A map-folder model of the maps in an archive, extracted under ``out`` only.

    Parameters
    ----------
    path : path-like
        A ``.zip``, ``.tar``, ``.tar.gz`` or ``.tgz`` of maps (one top folder inside is fine).
    out : path-like
        The run folder; the maps go to ``out/.submissions/<name>-<hash>/``.
    kind, recursive, resize, key, name
        As for :class:`~salbench.models.adapters.MapDirectoryModel` (``name`` defaults to the
        archive's name without its ending).
    max_bytes, max_members : int
        Archive limits (:mod:`salbench.submissions.archives`).

    Returns
    -------
    ArchiveMapModel
        (an :class:`ArchiveLogDensityModel` for ``kind="log_density"``).
    """
    from .._fingerprint import file_entry

    path = Path(path)
    entry = file_entry(path)
    if "sha256" not in entry:
        from ..exceptions import DataError

        raise DataError(f"{path}: archive is missing ({entry.get('missing')})")
    target = Path(out) / SUBMISSIONS_FOLDER / f"{archive_stem(path)}-{entry['sha256'][:12]}"
    if not target.is_dir():  # extract_archive renames a complete folder into place, or nothing
        extract_archive(path, target, max_bytes=max_bytes, max_members=max_members)
    return ArchiveMapModel(maps_root(target), archive=path, kind=kind, recursive=recursive,
                           resize=resize, key=key, name=name)
