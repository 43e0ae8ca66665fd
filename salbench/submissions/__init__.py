"""Submissions: export a model's predictions, check a submission, score an archive of maps.

==============================  ==================================================================
:func:`export_predictions`      one prediction per image as PNG (8/16 bit), NPY, NPZ or a
                                pysaliency HDF5 file; resumable, with a fingerprinted manifest
:func:`check_submission`        a folder or archive of maps against a dataset: every problem at
                                once, in a :class:`SubmissionReport`
:func:`archive_model`           a ``.zip`` / ``.tar.gz`` of maps as a model, extracted safely
                                under the run folder (``salbench evaluate --model maps.zip``)
:func:`extract_archive`         safe extraction: no member escapes, size limits against bombs
==============================  ==================================================================
"""

from .._lazy import lazy_getattr

_LAZY = {
    "export_predictions": "export", "ExportResult": "export", "FORMATS": "export",
    "check_submission": "check", "SubmissionReport": "check", "Problem": "check",
    "PROBLEM_KINDS": "check",
    "archive_model": "archive_model", "ArchiveMapModel": "archive_model",
    "ArchiveLogDensityModel": "archive_model",
    "extract_archive": "archives", "archive_members": "archives", "is_archive": "archives",
    "UnsafeArchiveError": "archives", "MAX_BYTES": "archives", "MAX_MEMBERS": "archives",
}

__all__ = sorted(_LAZY)

__getattr__ = lazy_getattr(__name__, _LAZY, globals())


def __dir__():
    return sorted(set(globals()) | set(_LAZY))
