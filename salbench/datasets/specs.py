"""The registered datasets' specifications: what each dataset is, where it comes from, and how
its files are read.

``names()`` lists the datasets and ``spec(name)`` gives its :class:`DatasetSpec`; loading and
verifying a dataset folder (and downloading it first) is :mod:`salbench.datasets.registry`, which
re-exports these names. Each dataset has a card in the repository's top-level ``datasets/``
folder; a test checks every card against the :class:`DatasetSpec` here.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import numpy as np

from ..exceptions import DataError, InputError
from .dataset import Dataset, DatasetFacts, apply_out_of_image_policy
from .fixations import Fixations
from .manifest import FileEntry, pinned_manifest
from .stimuli import Stimuli


@dataclass(frozen=True)
class DatasetSpec:
    """Everything salbench knows about a registered dataset before reading its files."""

    name: str
    title: str
    citation: str
    licence: str
    repo: str  #: GitHub "owner/name" of the public source
    commit: str  #: pinned commit the files (and checksums) come from
    files: tuple[FileEntry, ...]
    remote_map: tuple[tuple[str, str], ...]  #: (local prefix, path prefix in the repository)
    fixation_files: tuple[str, ...]
    n_images: int
    n_observers: int
    n_fixations: int
    image_sizes: str
    empty_trials: int
    conversion: str
    layout: str
    pixels_per_degree: float | None
    loader: Callable = field(repr=False, compare=False)
    checksums_pinned: bool = True
    notes: tuple[str, ...] = ()

    @property
    def source(self) -> str:
        return f"https://github.com/{self.repo}"

    def remote_path(self, local: str) -> str:
        """Path of a local file inside the source repository."""
        for local_prefix, remote_prefix in self.remote_map:
            if local == local_prefix or (local_prefix.endswith("/") and local.startswith(local_prefix)) \
                    or local_prefix == "":
                return remote_prefix + local[len(local_prefix):]
        return local

    def url(self, local: str, *, base_url: str | None = None) -> str:
        """Where to download ``local`` from.

        By default the raw file at the pinned commit on GitHub. With ``base_url`` (a mirror or a
        local test server) the URL is ``{base_url}/{dataset name}/{local path}``, i.e. a mirror
        holds the same layout as salbench's cache.
        """
        if base_url is not None:
            return f"{base_url.rstrip('/')}/{self.name}/{local}"
        return f"https://raw.githubusercontent.com/{self.repo}/{self.commit}/{self.remote_path(local)}"

    def facts(self, **measured) -> DatasetFacts:
        return DatasetFacts(
            name=self.name, title=self.title, citation=self.citation, licence=self.licence,
            source=self.source, commit=self.commit, observers=self.n_observers,
            pixels_per_degree=self.pixels_per_degree, conversion=self.conversion,
            notes=self.notes, **measured,
        )


# ------------------------------------------------------------------ loaders
def _missing_stimuli(folder: Path, names) -> None:
    missing = [n for n in names if not (folder / n).is_file()]
    if missing:
        shown = ", ".join(missing[:5]) + (f" and {len(missing) - 5} more" if len(missing) > 5 else "")
        raise DataError(f"{folder}: {len(missing)} stimulus file(s) named in the fixation file are "
                        f"missing: {shown}")


def _load_osie_layout(spec: DatasetSpec, folder: Path, out_of_image: str) -> Dataset:
    from .loaders.osie_layout import read_osie_layout

    names, c, empty = read_osie_layout(folder / spec.fixation_files[0])
    stimuli_folder = folder / "stimuli"
    _missing_stimuli(stimuli_folder, names)
    stimuli = Stimuli([stimuli_folder / n for n in names])
    fixations = Fixations._from_sorted({
        "x": c["x"] - 1.0, "y": c["y"] - 1.0,  # MATLAB 1-based -> 0-based
        "n": c["n"], "subject": c["subject"], "scanpath": c["scanpath"], "position": c["position"],
        "t": np.full(c["x"].shape, np.nan), "duration": c["duration_ms"] / 1000.0,
    }, len(names))
    fixations, stats = apply_out_of_image_policy(spec.name, fixations, stimuli, out_of_image)
    return Dataset(stimuli, fixations, spec.facts(empty_trials=empty, **stats))


def _load_nus_scene(spec: DatasetSpec, folder: Path, out_of_image: str) -> Dataset:
    from .loaders.nus_scene import read_nus_scene

    n_images, c, empty, sizes = read_nus_scene(folder / "tidy" / "fixations.mat",
                                               folder / "tidy" / "imgInfo.mat")
    names = [f"{i + 1:03d}.jpg" for i in range(n_images)]
    stimuli_folder = folder / "stimuli"
    _missing_stimuli(stimuli_folder, names)
    stimuli = Stimuli([stimuli_folder / n for n in names])
    mismatch = np.flatnonzero((stimuli.shapes != sizes).any(axis=1))
    if mismatch.size:
        i = int(mismatch[0])
        raise DataError(f"{folder / 'tidy' / 'imgInfo.mat'}: imgInfo.size of image {i} ({names[i]}) "
                        f"is {tuple(sizes[i].tolist())} [H, W] but the file is {tuple(stimuli.shapes[i].tolist())}; "
                        f"{mismatch.size} image(s) disagree")
    fixations = Fixations._from_sorted(c, n_images)  # already 0-based: no offset
    fixations, stats = apply_out_of_image_policy(spec.name, fixations, stimuli, out_of_image)
    return Dataset(stimuli, fixations, spec.facts(empty_trials=empty, **stats))


# ------------------------------------------------------------------ the registry
_OSIE_CONVERSION = ("x = fix_x - 1, y = fix_y - 1 (MATLAB 1-based to 0-based); "
                    "duration = fix_duration / 1000 s; onset t unknown (NaN)")

_SPECS = {
    "osie": DatasetSpec(
        name="osie",
        title="OSIE: Object and Semantic Images and Eye-tracking",
        citation=("Xu, J., Jiang, M., Wang, S., Kankanhalli, M. S., Zhao, Q. (2014). Predicting "
                  "human gaze beyond pixels. Journal of Vision 14(1):28."),
        licence="MIT",
        repo="NUS-VIP/predicting-human-gaze-beyond-pixels",
        commit="4a467890fcb40a2fec04cdded552760942bac7a4",
        files=pinned_manifest("osie"),
        remote_map=(("LICENSE", "LICENSE"), ("", "data/")),
        fixation_files=("eye/fixations.mat",),
        n_images=700, n_observers=15, n_fixations=98321,
        image_sizes="800x600 (all)", empty_trials=0,
        conversion=_OSIE_CONVERSION,
        layout="OSIE MAT layout: fixations{i}.img, fixations{i}.subjects{j}.fix_x/fix_y/fix_duration",
        pixels_per_degree=24.0,
        loader=_load_osie_layout,
        notes=("free viewing, about 3 s per image; 24 px = 1 degree of visual angle (Xu et al. 2014)",
               "first fixation not forced to the centre"),
    ),
    "nus_scene": DatasetSpec(
        name="nus_scene",
        title="NUS Scene saliency (500 SUN2012 scenes)",
        citation=("Liang, H., Jiang, M., Liang, R., Zhao, Q. (2015). Saliency prediction with scene "
                  "structural guidance. Code and data: github.com/Yanakz/Scene."),
        licence="MIT",
        repo="Yanakz/Scene",
        commit="2cf042b013181a6339378827d094aafa9322ba0d",
        files=pinned_manifest("nus_scene"),
        remote_map=(("LICENSE", "LICENSE"), ("", "data/")),
        fixation_files=("tidy/fixations.mat", "tidy/imgInfo.mat"),
        n_images=500, n_observers=12, n_fixations=43894,
        image_sizes="130 distinct sizes (311 images 256x256; up to 3888 px wide)", empty_trials=52,
        conversion="none: cells store [y, x, onset_s, duration_s], already continuous 0-based "
                   "positions inside the image (x = column 2, y = column 1)",
        layout="fixations{image, observer} = k x 4 [y, x, onset_s, duration_s]; imgInfo.size = [H, W]",
        pixels_per_degree=None,
        loader=_load_nus_scene,
        notes=("12 observers on 450 images, 11 on 48, 10 on 2",
               "pixels per degree not stated: images of many sizes were rescaled to the screen"),
    ),
    "eyecrowd": DatasetSpec(
        name="eyecrowd",
        title="EyeCrowd: Saliency in Crowd",
        citation="Jiang, M., Xu, J., Zhao, Q. (2014). Saliency in crowd. ECCV 2014.",
        licence="MIT",
        repo="NUS-VIP/saliency-in-crowd",
        commit="d0f2f16e9345fcc4a690fd35dada03d4a02b0f14",
        files=(FileEntry("LICENSE"), FileEntry("eye/fixations.mat"))
        + tuple(FileEntry(f"stimuli/{i:03d}.jpg") for i in range(1, 501)),
        remote_map=(("LICENSE", "LICENSE"), ("", "data/")),
        fixation_files=("eye/fixations.mat",),
        n_images=500, n_observers=16, n_fixations=126348,
        image_sizes="1024x768 (all)", empty_trials=3,
        conversion=_OSIE_CONVERSION,
        layout="OSIE MAT layout: fixations{i}.img, fixations{i}.subjects{j}.fix_x/fix_y/fix_duration",
        pixels_per_degree=None,
        loader=_load_osie_layout,
        checksums_pinned=False,
        notes=("checksums are not pinned: salbench's authors did not have the files; "
               "download with verify=False records the hashes it saw",),
    ),
}


def names() -> list[str]:
    """Names of the registered datasets, sorted."""
    return sorted(_SPECS)


def spec(name: str) -> DatasetSpec:
    """The :class:`DatasetSpec` of ``name`` (an InputError suggests close names)."""
    if not isinstance(name, str) or name not in _SPECS:
        close = difflib.get_close_matches(str(name), list(_SPECS), n=1)
        hint = f"; did you mean {close[0]!r}?" if close else ""
        raise InputError(f"unknown dataset {name!r}{hint} Known datasets: {', '.join(names())}")
    return _SPECS[name]
