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
from .dataset import Dataset, DatasetFacts
from .fixations import Fixations
from .manifest import Archive, FileEntry, pinned_manifest
from .stimuli import Stimuli


#: What a dataset's source allows: ``salbench datasets fetch`` works (``"downloadable"``), the
#: files must be obtained by hand and installed with ``salbench datasets import``
#: (``"import-only"``, e.g. behind a form), or the published URL is known to be gone
#: (``"dead-host"``: import a copy).
SOURCE_STATUSES = ("downloadable", "import-only", "dead-host")


@dataclass(frozen=True, kw_only=True)
class DatasetSpec:
    """Everything salbench knows about a registered dataset before reading its files.

    A dataset comes either from a repository at a pinned commit, file by file (``repo``,
    ``commit``, ``files`` with SHA-256s, ``remote_map``), or from the publisher's archives
    (``archives``, with the checksums pysaliency or the publisher pin). Several names may share one
    installed folder (``folder``: MIT1003 with and without the initial fixation), told apart by
    ``variant``, which the loader reads.

    The loader is ``loader(spec, folder) -> Dataset``: it reads the installed files and returns
    the fixations in salbench's convention *before* any out-of-image policy (the registry applies
    ``out_of_image=`` and caches the loader's result; see :mod:`salbench.datasets.converted`).
    Bump ``loader_version`` whenever the loader's output changes, so old caches are rebuilt.
    Counts that have not been measured on the real files are ``None``.
    """

    name: str
    title: str
    citation: str
    licence: str
    loader: Callable = field(repr=False, compare=False)
    conversion: str
    layout: str
    image_sizes: str
    n_images: int | None
    n_observers: int | None
    n_fixations: int | None
    empty_trials: int | None
    pixels_per_degree: float | None
    repo: str = ""  #: GitHub "owner/name" of the public source (file-by-file datasets)
    commit: str = ""  #: pinned commit the files (and checksums) come from
    files: tuple[FileEntry, ...] = ()
    remote_map: tuple[tuple[str, str], ...] = ()  #: (local prefix, path prefix in the repository)
    fixation_files: tuple[str, ...] = ()
    checksums_pinned: bool = True
    archives: tuple[Archive, ...] = ()
    homepage: str = ""
    folder: str = ""  #: installed folder under the data root (default: the name)
    variant: dict = field(default_factory=dict, compare=False, hash=False)
    source_status: str = "downloadable"
    stimuli_only: bool = False
    attributes: tuple[str, ...] = ()  #: per-image attribute columns the loader provides
    loader_version: int = 1
    tested_on: str = "fixtures"  #: "real files" once the loader has run on the publisher's files
    notes: tuple[str, ...] = ()

    def __post_init__(self):
        if self.source_status not in SOURCE_STATUSES:
            raise ValueError(f"{self.name}: source_status must be one of {SOURCE_STATUSES}")

    @property
    def source(self) -> str:
        if self.homepage:
            return self.homepage
        return f"https://github.com/{self.repo}" if self.repo else ""

    @property
    def install_folder(self) -> str:
        """The folder under the data root that holds this dataset's files."""
        return self.folder or self.name

    @property
    def installed_paths(self) -> tuple[str, ...]:
        """Paths (relative to the installed folder) whose presence means "installed"."""
        if self.fixation_files:
            return self.fixation_files
        provided = []
        for archive in self.archives:
            provided.extend(p for p in archive.provides if p not in provided)
        return tuple(provided)

    def is_installed(self, folder) -> bool:
        folder = Path(folder)
        paths = self.installed_paths
        return bool(paths) and all((folder / p).exists() for p in paths)

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

    def archive_url(self, archive: Archive, *, base_url: str | None = None) -> str:
        """Where to download ``archive``: the publisher's URL, or ``{base_url}/{folder}/{file}``."""
        if base_url is not None:
            return f"{base_url.rstrip('/')}/{self.install_folder}/{archive.filename}"
        return archive.url

    def facts(self, **measured) -> DatasetFacts:
        values = dict(
            name=self.name, title=self.title, citation=self.citation, licence=self.licence,
            source=self.source, commit=self.commit, observers=self.n_observers,
            pixels_per_degree=self.pixels_per_degree, conversion=self.conversion,
            notes=self.notes, stimuli_only=self.stimuli_only,
        )
        values.update(measured)
        return DatasetFacts(**values)


# ------------------------------------------------------------------ loaders
def _missing_stimuli(folder: Path, names) -> None:
    missing = [n for n in names if not (folder / n).is_file()]
    if missing:
        shown = ", ".join(missing[:5]) + (f" and {len(missing) - 5} more" if len(missing) > 5 else "")
        raise DataError(f"{folder}: {len(missing)} stimulus file(s) named in the fixation file are "
                        f"missing: {shown}")


def _load_osie_layout(spec: DatasetSpec, folder: Path) -> Dataset:
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
    return Dataset(stimuli, fixations, spec.facts(empty_trials=empty))


def _load_nus_scene(spec: DatasetSpec, folder: Path) -> Dataset:
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
    return Dataset(stimuli, fixations, spec.facts(empty_trials=empty))


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
        tested_on="real files",
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
        tested_on="real files",
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

# ------------------------------------------------------------------ MIT and CAT2000 (archives)
_MIT_HOME = "http://people.csail.mit.edu/tjudd/WherePeopleLook/index.html"
_MIT_CITATION = ("Judd, T., Ehinger, K., Durand, F., Torralba, A. (2009). Learning to predict "
                 "where humans look. ICCV 2009.")
_MIT_ARCHIVES = (
    Archive("ALLSTIMULI.zip", "http://people.csail.mit.edu/tjudd/WherePeopleLook/ALLSTIMULI.zip",
            ("ALLSTIMULI",), md5="0d7df8b954ecba69b6796e77b9afe4b6"),
    Archive("DATA.zip", "http://people.csail.mit.edu/tjudd/WherePeopleLook/DATA.zip",
            ("DATA",), md5="ea19d74ad0a0144428c53e9d75c2d71c"),
)
_MIT_CONVERSION = ("fixations extracted from the raw 240 Hz samples with a port of checkFixations.m; "
                   "x = median_x - 1, y = median_y - 1 (1-based to 0-based); t = (first sample - 1) "
                   "/ 240 s; duration = ms / 1000; fixations outside the image dropped")
_MIT_LAYOUT = ("ALLSTIMULI/<stem>.jpeg; DATA/<user>/<stem>.mat with variable <stem> (63 chars "
               "at most): DATA(1).eyeData = N x 2 raw samples [x, y], 1-based, 240 Hz")
_MIT_NOTES = ("free viewing, 3 s per image; 15 observers; the first fixation is on a central "
              "fixation cross",)


def _mit1003(name, title, *, initial_fixation, only_1024x768, n_images, image_sizes, notes=()):
    from .loaders.mit import load_mit1003

    return DatasetSpec(
        name=name, title=title, citation=_MIT_CITATION, licence="not stated", homepage=_MIT_HOME,
        archives=_MIT_ARCHIVES, folder="mit1003", loader=load_mit1003,
        variant={"initial_fixation": initial_fixation, "only_1024x768": only_1024x768},
        n_images=n_images, n_observers=15, n_fixations=None, empty_trials=None,
        image_sizes=image_sizes, pixels_per_degree=34.0, conversion=_MIT_CONVERSION,
        layout=_MIT_LAYOUT, notes=_MIT_NOTES + notes,
    )


def _mit300(spec_name="mit300"):
    from .loaders.mit import load_mit300

    return DatasetSpec(
        name=spec_name, title="MIT300: the MIT saliency benchmark's test images (stimuli only)",
        citation=("Bylinskii, Z., Judd, T., Borji, A., Itti, L., Durand, F., Oliva, A., Torralba, "
                  "A. MIT Saliency Benchmark. Judd, T., Durand, F., Torralba, A. (2012). A "
                  "benchmark of computational models of saliency to predict human fixations. "
                  "MIT tech report."),
        licence="not stated", homepage="http://saliency.mit.edu/",
        archives=(Archive("BenchmarkIMAGES.zip", "http://saliency.mit.edu/BenchmarkIMAGES.zip",
                          ("BenchmarkIMAGES",), md5="03ed32bdf5e4289950cd28df89451260"),),
        loader=load_mit300, stimuli_only=True, n_images=300, n_observers=None, n_fixations=0,
        empty_trials=None, image_sizes="various (longest side 1024 px)", pixels_per_degree=None,
        conversion="none: stimuli only (the fixations are held out by the benchmark)",
        layout="BenchmarkIMAGES/<name>.jpg", notes=("submit predicted maps to the benchmark",),
    )


_CAT_HOME = "http://saliency.mit.edu/datasets.html"
_CAT_CITATION = ("Borji, A., Itti, L. (2015). CAT2000: A large scale fixation dataset for "
                 "boosting saliency research. CVPR 2015 workshop on Future of Datasets.")


def _cat2000_train():
    from .loaders.cat2000 import load_cat2000_train

    return DatasetSpec(
        name="cat2000_train", title="CAT2000 training set (20 categories)", citation=_CAT_CITATION,
        licence="not stated", homepage=_CAT_HOME,
        archives=(Archive("trainSet.zip", "http://saliency.mit.edu/trainSet.zip", ("trainSet",),
                          md5="56ad5c77e6c8f72ed9ef2901628d6e48"),),
        loader=load_cat2000_train, attributes=("category",),
        n_images=2000, n_observers=None, n_fixations=None, empty_trials=None,
        image_sizes="1920x1080 (all)", pixels_per_degree=None,
        conversion=("x = data(:,1) - 1, y = data(:,2) - 1 (1-based to 0-based); t and duration "
                    "unknown (NaN); NaN rows, rows outside the image and exact repeats dropped"),
        layout=("trainSet/Stimuli/<category>/<nnn>.jpg; trainSet/allFixData.mat: allData, a "
                "containers.Map, one key per image -> cell of structs {name, data = k x 2 [x, y]}"),
        notes=("free viewing, 5 s per image; 18 observers per image (Borji & Itti 2015)",
               "reading allFixData.mat needs mat-io: pip install \"salbench[matlab]\""),
    )


def _cat2000_test():
    from .loaders.cat2000 import load_cat2000_test

    return DatasetSpec(
        name="cat2000_test", title="CAT2000 test set (stimuli only, 20 categories)",
        citation=_CAT_CITATION, licence="not stated", homepage=_CAT_HOME,
        archives=(Archive("testSet.zip", "http://saliency.mit.edu/testSet.zip", ("testSet",),
                          md5="903ec668df2e5a8470aef9d8654e7985"),),
        loader=load_cat2000_test, stimuli_only=True, attributes=("category",),
        n_images=2000, n_observers=None, n_fixations=0, empty_trials=None,
        image_sizes="1920x1080 (all)", pixels_per_degree=None,
        conversion="none: stimuli only (the fixations are held out by the benchmark)",
        layout="testSet/Stimuli/<category>/<nnn>.jpg (files under Output/ are not stimuli)",
        notes=("testSet/Stimuli/Pattern/134.jpg carries a wrong EXIF rotation tag; salbench "
               "never applies EXIF rotation, so its pixels are read as stored",),
    )


for _spec in (
    _mit1003("mit1003", "MIT1003 (Judd et al. 2009), without the initial central fixation",
             initial_fixation=False, only_1024x768=False, n_images=1003,
             image_sizes="longest side 1024 px, the other 405-1024 px (463 are 1024x768)"),
    _mit1003("mit1003_initial", "MIT1003 (Judd et al. 2009), with the initial central fixation",
             initial_fixation=True, only_1024x768=False, n_images=1003,
             image_sizes="longest side 1024 px, the other 405-1024 px (463 are 1024x768)",
             notes=("position 0 of each scanpath is the initial fixation on the central cross",)),
    _mit1003("mit1003_onesize", "MIT1003, the 463 images of 1024x768 px (Kuemmerer et al. 2014)",
             initial_fixation=False, only_1024x768=True, n_images=463,
             image_sizes="1024x768 (all)"),
    _mit300(), _cat2000_train(), _cat2000_test(),
):
    _SPECS[_spec.name] = _spec
del _spec


def register(spec: DatasetSpec, *, replace: bool = False) -> DatasetSpec:
    """Add a dataset to the registry (how further loaders plug in; ``replace`` to redefine one)."""
    if not isinstance(spec, DatasetSpec):
        raise InputError(f"register() takes a DatasetSpec, got {type(spec).__name__}")
    if spec.name in _SPECS and not replace:
        raise InputError(f"dataset {spec.name!r} is already registered (pass replace=True)")
    _SPECS[spec.name] = spec
    return spec


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
