"""Fixation datasets: the data model, loaders, downloads, empirical maps and splits.

* :class:`Fixations` — columnar fixations sorted by image (``fixations.for_image(i)`` is O(1));
* :class:`Stimuli` — file-backed images, sizes from headers, stable ids;
* :class:`Dataset` — stimuli + fixations + :class:`DatasetFacts`;
* :func:`names`, :func:`load` — the registered datasets (``osie``, ``nus_scene``, ``eyecrowd``);
* :func:`fixation_map`, :func:`density_map` — empirical maps (Gaussian or the MIT benchmark's blur).
"""

from .dataset import Dataset, DatasetFacts, DatasetImage
from .fixations import FIELDS, Fixations, ImageFixations
from .maps import density_map, fixation_map
from .registry import load, names, spec
from .stimuli import Stimuli

__all__ = [
    "FIELDS", "Dataset", "DatasetFacts", "DatasetImage", "Fixations", "ImageFixations", "Stimuli",
    "density_map", "fixation_map", "load", "names", "spec",
]
