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
    # Datasets a publisher serves as archives on its own pages (``repo`` empty, ``archives`` empty,
    # ``source_status`` says whether salbench can fetch them): where a person gets them, and what
    # their loader accepts. Their loader is ``loader(spec, folder, out_of_image, **options)``.
    how_to_get: str = ""
    published: tuple = ()  #: the publisher's files (loaders.published.PublishedFile)
    options: tuple = ()  #: keyword options of ``load`` (loaders.published.LoadOption)
    default_out_of_image: str = "error"  #: ``load``'s policy when out_of_image is not given
    tracking: str = "eye tracking"
    counts_from: str = ""  #: who counted n_images / n_fixations when salbench has not
    files_for: Callable | None = field(default=None, repr=False, compare=False)
    #: A sibling dataset folder (under the same data root) that may hold this dataset's image
    #: folders (the :attr:`installed_paths` ending in ``/``) instead of its own folder:
    #: COCO-FreeView shows COCO-Search18's images, unpacked once for both.
    images_in: str = ""

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
        return bool(self.installed_paths) and not self.missing_paths(folder)

    def missing_paths(self, folder) -> list[str]:
        """The :attr:`installed_paths` that ``folder`` lacks (a trailing ``/`` names a folder).

        With :attr:`images_in`, the image folders may all be in that sibling folder instead
        (where the loader looks when ``folder`` has none of them); a missing one is then named
        with both places."""
        folder = Path(folder)

        def lacks(base, p):
            return not ((base / p).is_dir() if p.endswith("/") else (base / p).exists())

        missing = [p for p in self.installed_paths if lacks(folder, p)]
        if not self.images_in:
            return missing
        image_folders = [p for p in self.installed_paths if p.endswith("/")]
        if any(not lacks(folder, p) for p in image_folders):
            return missing  # the loader reads the images here, so they must all be here
        sibling = folder.parent / self.images_in
        return [p for p in missing if not p.endswith("/")] + [
            f"{p} (or ../{self.images_in}/{p})" for p in image_folders if lacks(sibling, p)]

    def required_files(self, options: dict | None = None) -> tuple[str, ...]:
        """The files ``load`` needs for ``options`` (the fixation files by default)."""
        if self.files_for is None:
            return self.fixation_files
        return tuple(self.files_for(**(options or {})))

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
            notes=self.notes, stimuli_only=self.stimuli_only, tracking=self.tracking,
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
    return Dataset(stimuli, fixations, spec.facts(empty_trials=empty), out_of_image=None)


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
    return Dataset(stimuli, fixations, spec.facts(empty_trials=empty), out_of_image=None)


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


# ------------------------------------------------------------------ publishers' archives (issue 12)
# Datasets whose files a publisher serves as archives on its own pages (or behind a form, or on a
# host that has gone). Each loader lives in loaders/<name>.py and reads a dataset folder holding
# the publisher's files as they unpack; it is imported only when the dataset is loaded.
from .loaders.published import LoadOption, PublishedFile  # noqa: E402 - kept with its entries

_PYSALIENCY = "pysaliency's loader (MD5 it checks)"


def _publisher_loader(module: str) -> Callable:
    def load(spec, folder, out_of_image, **options):
        import importlib

        return importlib.import_module(f"{__package__}.loaders.{module}").load(
            spec, folder, out_of_image, **options)

    load.__name__ = f"load_{module}"
    # called with out_of_image=None it returns what the files hold, so ``load()`` caches that
    # per option set and applies the policy afterwards, as for every other dataset
    load.cached = True
    return load


def _salicon_files(*, release="2017", split="train", points="fixations"):
    from .loaders.salicon import check_options

    check_options(release=release, split=split, points=points)
    if split == "test":
        return ("images/test/",)
    if release == "2015-json":
        return (f"annotations/fixations_{split}2014.json", "images/")
    return (f"{release}/{split}/", f"images/{split}/")


def _coco_search18_files(*, split="train", task=None, condition="both"):
    """COCO-Search18's files for a load: the three fixation files (the loader reads them all)
    and the image folder of each condition it selects."""
    folders = {"both": ("images/", "coco_search18_images_TA/"), "present": ("images/",),
               "absent": ("coco_search18_images_TA/",)}
    return ("coco_search18_fixations_TP_train_split1.json",
            "coco_search18_fixations_TP_validation_split1.json",
            "coco_search18_fixations_TA_trainval.json") + folders.get(condition, ())


_COCO_IMAGES = (
    PublishedFile("COCOSearch18-images-TP.zip",
                  "http://vision.cs.stonybrook.edu/~cvlab_download/COCOSearch18-images-TP.zip",
                  "images/<task>/<name>.jpg", md5="4a815bb591cb463ab77e5ba0c68fedfb",
                  checksum_from=_PYSALIENCY),
    PublishedFile("COCOSearch18-images-TA.zip",
                  "http://vision.cs.stonybrook.edu/~cvlab_download/COCOSearch18-images-TA.zip",
                  "coco_search18_images_TA/<task>/<name>.jpg", md5="85af7d74fa57c202320fa5e7d0dcc187",
                  checksum_from=_PYSALIENCY),
)

_SPECS.update({
    "toronto": DatasetSpec(
        name="toronto",
        title="Toronto: Bruce & Tsotsos eye-tracking data (120 images)",
        citation=("Bruce, N. D. B., Tsotsos, J. K. (2007). Attention based on information "
                  "maximization. Journal of Vision 7(9):950; Bruce & Tsotsos (2009), Saliency, "
                  "attention, and visual search: an information theoretic approach, JoV 9(3):5."),
        licence="unstated", repo="", commit="", files=(), remote_map=(),
        fixation_files=("eyetrackingdata/fixdens/origfixdata.mat",),
        n_images=120, n_observers=20, n_fixations=11199,
        image_sizes="681x511 (all)", empty_trials=None,
        conversion="x = col, y = row of every non-zero pixel of white{n} (0-based array indices); "
                   "no observer, order, time or duration",
        layout="eyetrackingdata/fixdens/origfixdata.mat: white = 1x120 cell of 511x681 maps of "
               "fixated pixels (all observers pooled); Original Image Set/<n>.jpg",
        pixels_per_degree=None, loader=_publisher_loader("toronto"), checksums_pinned=False,
        homepage="http://www-sop.inria.fr/members/Neil.Bruce/", source_status="downloadable",
        published=(PublishedFile(
            "eyetrackingdata.zip", "http://www-sop.inria.fr/members/Neil.Bruce/eyetrackingdata.zip",
            "eyetrackingdata/", md5="38d5c02217060d4d2d1a4649cc632af1", checksum_from=_PYSALIENCY),),
        counts_from="pysaliency's test of get_toronto (11,199 fixated pixels); not measured by salbench",
        notes=("free viewing, 4 s per image, 20 observers",
               "fixations are the non-zero pixels of pooled fixation maps: one per fixated pixel"),
    ),
    "koehler": DatasetSpec(
        name="koehler",
        title="Koehler et al.: free viewing, object search and saliency search on 800 images",
        citation=("Koehler, K., Guo, F., Zhang, S., Eckstein, M. P. (2014). What do saliency "
                  "models predict? Journal of Vision 14(3):14."),
        licence="unstated", repo="", commit="", files=(), remote_map=(),
        # the images folder too: without it the dataset is not installed (nothing loads)
        fixation_files=("ObserverData.mat", "Images/"),
        n_images=800, n_observers=None, n_fixations=94600,
        image_sizes="405x405 (all)", empty_trials=None,
        conversion="x = <task>_x - 1, y = <task>_y - 1 (1-based to 0-based); NaN padding dropped",
        layout="ObserverData.mat: <task>_x, <task>_y = observers x 800 x fixations (NaN-padded), "
               "task prefixes freeview, objsearch, salview; Images/image_r_<n>.jpg",
        pixels_per_degree=None, loader=_publisher_loader("koehler"), checksums_pinned=False,
        homepage="https://labs.psych.ucsb.edu/eckstein/miguel/research_pages/saliencydata.html",
        source_status="import-only",
        how_to_get="request PublicData.zip with the form on the lab's page",
        published=(PublishedFile(
            "PublicData.zip", "https://labs.psych.ucsb.edu/eckstein/miguel/research_pages/saliencydata.html",
            "Images/, ObserverData.mat", md5="405f58aaa9b4ddc76f3e8f23c379d315",
            checksum_from=_PYSALIENCY),),
        options=(LoadOption("task", ("freeviewing", "objectsearch", "saliencysearch"), "freeviewing",
                            "free viewing, cued object search or saliency search"),),
        counts_from=("pysaliency's test of get_koehler: 94,600 / 125,293 / 94,528 fixations for "
                     "the three tasks; not measured by salbench"),
        notes=("the number of observers per task is read from the file, not stated here",
               "empty_trials counts observer-image pairs that are all NaN and is only known "
               "after loading"),
    ),
    "figrim": DatasetSpec(
        name="figrim",
        title="FIGRIM: Fine-Grained Image Memorability, the 630 target images",
        citation=("Bylinskii, Z., Isola, P., Bainbridge, C., Torralba, A., Oliva, A. (2015). "
                  "Intrinsic and extrinsic effects on image memorability. Vision Research 116:165-178."),
        licence="unstated", repo="", commit="", files=(), remote_map=(),
        # the images folder too: without it the dataset is not installed (nothing loads)
        fixation_files=("allImages_release.mat", "Targets/"),
        n_images=630, n_observers=None, n_fixations=None,
        image_sizes="1000x1000 (all)", empty_trials=None,
        conversion="x = fixations.<viewing>(:, 1) - 1, y = fixations.<viewing>(:, 2) - 1 (1-based "
                   "to 0-based); subject = userdata slot",
        layout="allImages_release.mat: allImages(i).filename/category/impath, "
               "allImages(i).userdata(j).fixations.enc/rec/rec2 = k x 2 [x, y]; Targets/<category>/<file>.jpg",
        pixels_per_degree=None, loader=_publisher_loader("figrim"), checksums_pinned=False,
        homepage="http://figrim.mit.edu/index_eyetracking.html", source_status="downloadable",
        published=(
            PublishedFile("Targets.zip", "http://figrim.mit.edu/Targets.zip", "Targets/<category>/<file>.jpg",
                          md5="2ad3a42ebc377efe4b39064405568201", checksum_from=_PYSALIENCY),
            PublishedFile("allImages_release.mat",
                          "https://raw.githubusercontent.com/cvzoya/figrim/"
                          "725dc8b77dd780850ca1197b6db12c8fc7c5f024/targetData/allImages_release.mat",
                          "allImages_release.mat", md5="c72843b05e95ab27594c1d11c849c897",
                          checksum_from=_PYSALIENCY),
        ),
        options=(LoadOption("viewing", ("enc", "rec", "rec2"), "enc",
                            "the first showing (enc) or the two repeats (rec, rec2)"),),
        default_out_of_image="clip",
        counts_from="not counted: salbench's authors have not had the target file",
        notes=("memory task: each target shown three times (enc, rec, rec2); about 16 observers per "
               "target (11-22, publisher's README)",
               "category per image in dataset.attributes['category'] (21 scene categories x 30)"),
    ),
    "figrim_fillers": DatasetSpec(
        name="figrim_fillers",
        title="FIGRIM: Fine-Grained Image Memorability, the 2,157 filler images",
        citation=("Bylinskii, Z., Isola, P., Bainbridge, C., Torralba, A., Oliva, A. (2015). "
                  "Intrinsic and extrinsic effects on image memorability. Vision Research 116:165-178."),
        licence="unstated", repo="", commit="", files=(), remote_map=(),
        fixation_files=("allImages_fillers.mat", "Fillers/"),
        n_images=2157, n_observers=67, n_fixations=226755,
        image_sizes="1000x1000 (all)", empty_trials=201,
        conversion="x = fixations.<viewing>(:, 1) - 1, y = fixations.<viewing>(:, 2) - 1 (1-based "
                   "to 0-based); subject = userdata slot",
        layout="allImages_fillers.mat: allImages(i).filename/category/impath, "
               "allImages(i).userdata(j).fixations.enc/rec/rec2 = k x 2 [x, y]; Fillers/<category>/<file>.jpg",
        pixels_per_degree=None, loader=_publisher_loader("figrim"), checksums_pinned=False,
        homepage="http://figrim.mit.edu/index_eyetracking.html", source_status="downloadable",
        published=(
            PublishedFile("Fillers.zip", "http://figrim.mit.edu/Fillers.zip", "Fillers/<category>/<file>.jpg",
                          md5="dc0bc9561b5bc90e158ec32074dd1060", checksum_from=_PYSALIENCY),
            PublishedFile("allImages_fillers.mat",
                          "https://raw.githubusercontent.com/cvzoya/figrim/"
                          "725dc8b77dd780850ca1197b6db12c8fc7c5f024/fillerData/allImages_fillers.mat",
                          "allImages_fillers.mat", size=3655090, md5="ce4f8b4961005d62f7a21191a64cab5e",
                          sha256="74eada5c8d033f0bd98e32bc21870cb0b6d15689e8feb4547a3a17f0c7c2fe26",
                          checksum_from="salbench, on the real file (the MD5 equals pysaliency's)"),
        ),
        options=(LoadOption("viewing", ("enc", "rec", "rec2"), "enc",
                            "the only showing (enc) or the vigilance repeat (rec)"),),
        tested_on="real files", default_out_of_image="clip",
        counts_from="salbench, on the real allImages_fillers.mat (viewing enc, before clipping)",
        notes=("memory task; each filler shown once (enc) but 2,414 vigilance repeats are recorded "
               "under rec (15,422 fixations)",
               "category per image in dataset.attributes['category'] (21 scene categories)"),
    ),
    "nusef": DatasetSpec(
        name="nusef",
        title="NUSEF: NUS Eye Fixation database, the 444 public images",
        citation=("Ramanathan, S., Katti, H., Sebe, N., Kankanhalli, M., Chua, T.-S. (2010). An eye "
                  "fixation database for saliency detection in images. ECCV 2010."),
        licence="unstated", repo="", commit="", files=(), remote_map=(),
        fixation_files=("NUSEF_database/stimuli/", "NUSEF_database/fix_data/"),
        n_images=444, n_observers=25, n_fixations=71477,
        image_sizes="various (up to 1024x768)", empty_trials=None,
        conversion="screen = (hor_pos * 1024/260, ver_pos * 768/280); image = (screen - centring "
                   "offset) / s with s = min(1024/W, 768/H); duration = fix_dur s",
        layout="NUSEF_database/stimuli/<name>.jpg; NUSEF_database/fix_data/<name>/<..NN+..>.fix "
               "(ASL listings: COLS= header, 15 fields per fixation)",
        pixels_per_degree=None, loader=_publisher_loader("nusef"), checksums_pinned=False,
        homepage="https://ncript.comp.nus.edu.sg/site/mmas/NUSEF.html", source_status="dead-host",
        how_to_get=("the host's name no longer resolves (reported in pysaliency issue #115, 2025); "
                    "if you have NUSEF_database.zip, unpack it"),
        published=(PublishedFile(
            "NUSEF_database.zip", "https://ncript.comp.nus.edu.sg/site/mmas/NUSEF_database.zip",
            "NUSEF_database/", md5="429a78ad92184e8a4b37419988d98953", checksum_from=_PYSALIENCY),),
        default_out_of_image="drop",
        counts_from=("pysaliency's test of get_NUSEF_public (71,477 fixations, out-of-image ones "
                     "included, with its own screen-to-image transform); not measured by salbench"),
        notes=("free viewing, 5 s per image; 25 observers in all, not every one on every image",
               "fixations off the displayed image are dropped by default (pysaliency reports many)"),
    ),
    "pascal_s": DatasetSpec(
        name="pascal_s",
        title="PASCAL-S: fixations on 850 PASCAL VOC 2010 images",
        citation=("Li, Y., Hou, X., Koch, C., Rehg, J. M., Yuille, A. L. (2014). The secrets of "
                  "salient object segmentation. CVPR 2014."),
        licence="unstated", repo="", commit="", files=(), remote_map=(),
        fixation_files=("datasets/fixations/pascalFix.mat",),
        n_images=850, n_observers=12, n_fixations=40314,
        image_sizes="various (PASCAL VOC, up to 500 px)", empty_trials=None,
        conversion="x = col - 1, y = row - 1, subject = observer - 1 (all 1-based in the file)",
        layout="datasets/fixations/pascalFix.mat (v7.3/HDF5): fixCell{n} = k x 3 [row, col, "
               "observer]; datasets/imgs/pascal/<n>.jpg",
        pixels_per_degree=None, loader=_publisher_loader("pascal_s"), checksums_pinned=False,
        homepage="http://cbs.ic.gatech.edu/salobj/", source_status="downloadable",
        published=(PublishedFile(
            "salObj.zip", "http://cbs.ic.gatech.edu/salobj/download/salObj.zip", "datasets/",
            md5="e48b4e5deac08bddcaec55ce56e4d420", checksum_from=_PYSALIENCY),),
        counts_from="pysaliency's test of get_PASCAL_S; not measured by salbench",
        notes=("free viewing, 2 s per image, 12 observers",),
    ),
    "dut_omron": DatasetSpec(
        name="dut_omron",
        title="DUT-OMRON: eye-tracking points on 5,168 images",
        citation=("Yang, C., Zhang, L., Lu, H., Ruan, X., Yang, M.-H. (2013). Saliency detection via "
                  "graph-based manifold ranking. CVPR 2013."),
        licence="unstated", repo="", commit="", files=(), remote_map=(),
        fixation_files=("DUT-OMRON-image/", "DUT-OMRON-eye-fixations/mat/"),
        n_images=5168, n_observers=5, n_fixations=797542,
        image_sizes="various (longest side 400 px)", empty_trials=None,
        conversion="x = s(:, 1), y = s(:, 2) (0-based as stored), subject = s(:, 3) - 1; the "
                   "observer-0 row is the image size, not a fixation",
        layout="DUT-OMRON-eye-fixations/mat/<name>.mat: s = n x 3 [x, y, observer], first row "
               "[size, 0]; DUT-OMRON-image/<name>.jpg",
        pixels_per_degree=None, loader=_publisher_loader("dut_omron"), checksums_pinned=False,
        homepage="http://saliencydetection.net/dut-omron/", source_status="downloadable",
        published=(
            PublishedFile("DUT-OMRON-image.zip",
                          "http://saliencydetection.net/dut-omron/download/DUT-OMRON-image.zip",
                          "DUT-OMRON-image/", md5="a8951db9297afacf78bc0e5079103cf1",
                          checksum_from=_PYSALIENCY),
            PublishedFile("DUT-OMRON-eye-fixations.zip",
                          "http://saliencydetection.net/dut-omron/download/DUT-OMRON-eye-fixations.zip",
                          "DUT-OMRON-eye-fixations/", md5="d9f4f83fcc78b1e5efb579ae9fb0edc2",
                          checksum_from=_PYSALIENCY),
        ),
        counts_from="pysaliency's test of get_DUT_OMRON; not measured by salbench",
        notes=("free viewing, 2 s per image, 5 observers; about 154 points per image: filtered "
               "gaze points rather than classic fixations",),
    ),
    "isun": DatasetSpec(
        name="isun",
        title="iSUN: webcam eye tracking on SUN images (LSUN 2015 saliency challenge)",
        citation=("Xu, P., Ehinger, K. A., Zhang, Y., Finkelstein, A., Kulkarni, S. R., Xiao, J. "
                  "(2015). TurkerGaze: crowdsourcing saliency with webcam based eye tracking. "
                  "arXiv:1504.06755."),
        licence="unstated", repo="", commit="", files=(), remote_map=(),
        fixation_files=("training.mat", "images/"),
        n_images=None, n_observers=None, n_fixations=None,
        image_sizes="various (SUN database)", empty_trials=None,
        conversion="x = fixation(:, 1), y = fixation(:, 2), taken as 0-based (base not stated)",
        layout="<training|validation|testing>.mat: <name>(i).image, <name>(i).gaze(j).fixation = "
               "k x 2 [x, y]; images/<image>.jpg",
        pixels_per_degree=None, loader=_publisher_loader("isun"), checksums_pinned=False,
        homepage="http://vision.princeton.edu/projects/2014/iSUN/", source_status="dead-host",
        how_to_get=("lsun.cs.princeton.edu no longer serves the challenge files (pysaliency issue "
                    "#115, 2025); if you have them, put the three MAT files and images/ together"),
        published=tuple(PublishedFile(
            f"{name}", f"http://lsun.cs.princeton.edu/challenge/2015/eyetracking/data/{name}",
            unpacks, md5=md5, checksum_from=_PYSALIENCY) for name, unpacks, md5 in (
                ("training.mat", "training.mat", "5a8b15134b17c7a3f69b087845db1363"),
                ("validation.mat", "validation.mat", "f68e9b011576e48d2460b883854fd86c"),
                ("testing.mat", "testing.mat", "be008ef0330467dcb9c9cd9cc96a8546"),
                ("image.zip", "images/", "0a3af01c5307f1d44f5dd309f71ea963"))),
        options=(LoadOption("split", ("train", "val", "test"), "train",
                            "training or validation fixations, or the test stimuli only"),),
        files_for=lambda *, split="train": ({"train": "training", "val": "validation",
                                             "test": "testing"}[split] + ".mat", "images/"),
        tracking="webcam eye tracking",
        counts_from="not counted: salbench's authors have not had the files",
        notes=("webcam eye tracking of Amazon Mechanical Turk workers (TurkerGaze), free viewing",),
    ),
    "salicon": DatasetSpec(
        name="salicon",
        title="SALICON: Saliency in Context (mouse tracking on MS COCO images)",
        citation=("Jiang, M., Huang, S., Duan, J., Zhao, Q. (2015). SALICON: Saliency in context. "
                  "CVPR 2015."),
        licence="unstated", repo="", commit="", files=(), remote_map=(),
        fixation_files=("2017/train/", "images/train/"),
        n_images=10000, n_observers=None, n_fixations=4598112,
        image_sizes="640x480 (all)", empty_trials=None,
        conversion="MAT: x = p(:, 1) - 1, y = p(:, 2) - 1 ([x, y], 1-based); JSON: x = col - 1, "
                   "y = row - 1 ([row, col], 1-based integers); mouse t = timestamp / 1000 s",
        layout="<release>/<split>/COCO_<split>2014_<id>.mat: gaze(j).location/timestamp/fixations; "
               "annotations/fixations_<split>2014.json (salicon-api); images/<split>/*.jpg",
        pixels_per_degree=None, loader=_publisher_loader("salicon"), checksums_pinned=False,
        homepage="http://salicon.net/", source_status="import-only",
        how_to_get=("the files are on Google Drive behind a confirmation page (links on "
                    "salicon.net/challenge-2017); unpack the images archive into salicon/ and each "
                    "fixations archive into salicon/<release>/"),
        published=(
            PublishedFile("images (stimuli zip)",
                          "https://drive.google.com/file/d/1g8j-hTT-51IG1UFwP0xTGhLdgIUCW5e5",
                          "images/train/, images/val/, images/test/",
                          md5="eb2a1bb706633d1b31fc2e01422c5757", checksum_from=_PYSALIENCY),
            PublishedFile("fixations 2015 (LSUN MAT)",
                          "https://drive.google.com/file/d/1WVEiXba-I4GN33f0uUl4KhaN1rK7qzs6",
                          "2015/train/, 2015/val/", md5="9a22db9d718200fb90252e5010c004c4",
                          checksum_from=_PYSALIENCY),
            PublishedFile("fixations 2017 (LSUN MAT)",
                          "https://drive.google.com/file/d/1P-jeZXCsjoKO79OhFUgnj6FGcyvmLDPj",
                          "2017/train/, 2017/val/", md5="462b70f4f9e8ea446ac628e46cea8d3d",
                          checksum_from=_PYSALIENCY),
            PublishedFile("fixations_<split>2014.json (salicon-api v1.0)", "http://salicon.net/",
                          "annotations/fixations_<split>2014.json",
                          checksum_from="not known"),
        ),
        options=(LoadOption("release", ("2017", "2015", "2015-json"), "2017",
                            "the 2017 re-derived MAT files, the 2015 MAT files, or the original "
                            "salicon-api JSON"),
                 LoadOption("split", ("train", "val", "test"), "train",
                            "training or validation data, or the test stimuli only"),
                 LoadOption("points", ("fixations", "mouse"), "fixations",
                            "fixations detected in the mouse path, or the raw mouse samples")),
        files_for=_salicon_files, tested_on="real files", default_out_of_image="clip", tracking="mouse tracking",
        counts_from=("pysaliency's tests (2017 train fixations: 4,598,112; val 2,576,914; 2015 "
                     "train 3,171,533, val 1,662,655; mouse samples 69-215 million); salbench ran "
                     "on the publisher's 10-image example JSON only"),
        notes=("mouse tracking, not eye tracking: observers moved a mouse over a blurred image that "
               "was sharp around the cursor, 5 s per image",),
    ),
    "coco_search18": DatasetSpec(
        name="coco_search18",
        title="COCO-Search18: visual search for 18 target categories",
        citation=("Chen, Y., Yang, Z., Ahn, S., Samaras, D., Hoai, M., Zelinsky, G. (2021). "
                  "COCO-Search18 fixation dataset for predicting goal-directed attention control. "
                  "Scientific Reports 11:8776."),
        licence="unstated", repo="", commit="", files=(), remote_map=(),
        # and the two image folders: without them the dataset is not installed
        fixation_files=("coco_search18_fixations_TP_train_split1.json",
                        "coco_search18_fixations_TP_validation_split1.json",
                        "coco_search18_fixations_TA_trainval.json",
                        "images/", "coco_search18_images_TA/"),
        files_for=_coco_search18_files,
        n_images=3714, n_observers=10, n_fixations=207970,
        image_sizes="1680x1050 (all)", empty_trials=None,
        conversion="x = X, y = Y (continuous, taken as 0-based), subject = subject - 1, "
                   "duration = T / 1000 s",
        layout="coco_search18_fixations_{TP_train_split1,TP_validation_split1,TA_trainval}.json: "
               "trials {name, subject, task, condition, bbox, X, Y, T, split}; "
               "images/<task>/<name>.jpg, coco_search18_images_TA/<task>/<name>.jpg",
        pixels_per_degree=None, loader=_publisher_loader("coco_search18"), checksums_pinned=False,
        homepage="https://sites.google.com/view/cocosearch/home", source_status="downloadable",
        published=_COCO_IMAGES + (
            PublishedFile("COCOSearch18-fixations-TP.zip",
                          "http://vision.cs.stonybrook.edu/~cvlab_download/COCOSearch18-fixations-TP.zip",
                          "coco_search18_fixations_TP_{train,validation}_split1.json",
                          md5="bfcf4c005a89c43a1719b28b028c5499", checksum_from=_PYSALIENCY),
            PublishedFile("coco_search18_fixations_TA_trainval.json",
                          "http://vision.cs.stonybrook.edu/~cvlab_download/"
                          "coco_search18_fixations_TA_trainval.json",
                          "coco_search18_fixations_TA_trainval.json",
                          md5="bd491cce105ff6470536afdab1184776",
                          checksum_from="pysaliency's loader (written there with a stray trailing '.')"),
        ),
        options=(LoadOption("split", ("train", "val"), "train", "the training or validation trials"),
                 LoadOption("task", (None, "bottle", "bowl", "car", "chair", "clock", "cup", "fork",
                                     "keyboard", "knife", "laptop", "microwave", "mouse", "oven",
                                     "potted plant", "sink", "stop sign", "toilet", "tv"), None,
                            "one target category's trials (None: all)"),
                 LoadOption("condition", ("both", "present", "absent"), "both",
                            "target-present, target-absent or both kinds of trial")),
        default_out_of_image="drop",
        counts_from="pysaliency's test of get_COCO_Search18 (train split, tasks merged); not "
                    "measured by salbench",
        notes=("visual search: find the target (task attribute), respond present or absent; "
               "10 observers",
               "pysaliency disables its in-image check here: points off the image are dropped "
               "by default and counted in facts.dropped"),
    ),
    "coco_freeview": DatasetSpec(
        name="coco_freeview",
        title="COCO-FreeView: free viewing of the COCO-Search18 images",
        citation=("Chen, Y., Yang, Z., Chakraborty, S., Mondal, S., Ahn, S., Samaras, D., Hoai, M., "
                  "Zelinsky, G. (2022). Characterizing target-absent human attention. CVPR "
                  "Workshops 2022."),
        licence="unstated", repo="", commit="", files=(), remote_map=(),
        # the images are COCO-Search18's, here or in ../coco_search18/ (images_in); the
        # loader finds them itself, so load() checks only the fixation file first
        fixation_files=("COCOFreeView_fixations_trainval.json", "images/",
                        "coco_search18_images_TA/"),
        images_in="coco_search18",
        files_for=lambda *, split="train": ("COCOFreeView_fixations_trainval.json",),
        n_images=3714, n_observers=10, n_fixations=572184,
        image_sizes="1680x1050 (all)", empty_trials=None,
        conversion="x = X, y = Y (continuous, taken as 0-based), subject = subject - 1, "
                   "duration = T / 1000 s",
        layout="COCOFreeView_fixations_trainval.json: trials {name, subject, X, Y, T, split}; "
               "COCO-Search18's image folders (here or in ../coco_search18/)",
        pixels_per_degree=None, loader=_publisher_loader("coco_freeview"), checksums_pinned=False,
        homepage="https://sites.google.com/view/cocosearch/coco-freeview", source_status="downloadable",
        published=_COCO_IMAGES + (
            PublishedFile("COCOFreeView_fixations_trainval.json",
                          "http://vision.cs.stonybrook.edu/~cvlab_download/"
                          "COCOFreeView_fixations_trainval.json",
                          "COCOFreeView_fixations_trainval.json",
                          md5="d43d3e22de7b73297b3b35cb24d12c79", checksum_from=_PYSALIENCY),
        ),
        options=(LoadOption("split", ("train", "val"), "train", "the training or validation trials"),),
        default_out_of_image="drop",
        counts_from="pysaliency's test of get_COCO_Freeview (train split); not measured by salbench",
        notes=("free viewing, 10 observers",
               "points off the image are dropped by default and counted in facts.dropped"),
    ),
})


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
