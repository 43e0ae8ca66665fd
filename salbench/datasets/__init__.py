"""Fixation datasets: the data model, loaders, downloads, empirical maps and splits.

* :class:`Fixations` — columnar fixations sorted by image (``fixations.for_image(i)`` is O(1));
* :class:`Stimuli` — file-backed images, sizes from headers, stable ids;
* :class:`Dataset` — stimuli + fixations + :class:`DatasetFacts`; fixations outside their image
  are found when it is built and treated as ``out_of_image=`` says (one of
  :data:`OUT_OF_IMAGE_POLICIES`, the values of every ``out_of_image=`` and ``--out-of-image``);
* :func:`names`, :func:`load`, :func:`fetch` — the registered datasets (``osie``, ``nus_scene``,
  ``eyecrowd``, ``mit1003`` and its variants, ``mit300``, ``cat2000_train``, ``cat2000_test``),
  downloaded at pinned commits or as the publishers' archives and verified by checksum, or
  installed from files the user has (:mod:`salbench.datasets.importing`); the first load fills a
  converted cache (:mod:`salbench.datasets.converted`); and those read from a folder of their
  publisher's files (``figrim``, ``salicon``, ``coco_search18``... see
  :mod:`salbench.datasets.loaders.published`), with per-dataset options (``load(name, **options)``);
* :func:`fixation_map`, :func:`density_map` — empirical maps (Gaussian or the MIT benchmark's blur);
  :func:`blur_counts`, :func:`blur_at` — the sparse Gaussian blurs under them (SciPy's
  ``gaussian_filter`` of a count map, exactly; or its values at chosen pixels only);
* :func:`split_images`, :func:`kfold` — deterministic splits by image;
* :func:`read_pysaliency`, :func:`write_pysaliency`, :func:`load_pysaliency`,
  :func:`save_pysaliency` — pysaliency's HDF5 layout; :func:`read_fixations` — CSV/Parquet tables.
"""

from ._gauss import blur_at, blur_counts
from .dataset import OUT_OF_IMAGE_POLICIES, Dataset, DatasetFacts, DatasetImage
from .download import fetch
from .fixations import FIELDS, Fixations, ImageFixations
from .hdf5 import load_pysaliency, read_pysaliency, save_pysaliency, write_pysaliency
from .maps import density_map, fixation_map
from .negatives import shuffled_negatives
from .registry import load, names, spec, verify
from .splits import Folds, Split, kfold, split_images
from .stimuli import Stimuli
from .tabular import read_fixations

__all__ = [
    "FIELDS", "OUT_OF_IMAGE_POLICIES", "Dataset", "DatasetFacts", "DatasetImage", "Fixations", "Folds", "ImageFixations",
    "Split", "Stimuli", "blur_at", "blur_counts", "density_map", "fetch", "fixation_map", "kfold",
    "load", "load_pysaliency", "names", "read_fixations", "read_pysaliency", "save_pysaliency",
    "shuffled_negatives", "spec", "split_images", "verify", "write_pysaliency",
]
