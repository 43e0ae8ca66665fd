"""Regenerate the pysaliency-written fixtures in this folder (run with pysaliency 0.2.22 + h5py).

    PYTHONPATH=<h5py> /path/to/pysaliency-venv/bin/python tests/data/pysaliency/make_fixtures.py

The files are written by pysaliency itself, so salbench's reader is tested against the real
layout, not against salbench's own idea of it. Images are tiny JPEGs made here.
"""

from pathlib import Path

import numpy as np

# pysaliency 0.2.22 calls np.string_, removed in NumPy 2.0, where it was an alias of np.bytes_.
if not hasattr(np, "string_"):
    np.string_ = np.bytes_

import pysaliency  # noqa: E402
from PIL import Image

here = Path(__file__).resolve().parent
(here / "images").mkdir(exist_ok=True)
rng = np.random.default_rng(0)
files = []
for i, (h, w) in enumerate([(24, 32), (30, 20), (16, 16)]):
    path = here / "images" / f"img{i}.jpg"
    Image.fromarray(rng.integers(0, 256, (h, w, 3), dtype=np.uint8)).save(path, quality=80)
    files.append(str(path))
stimuli = pysaliency.FileStimuli(files)
stimuli.to_hdf5(str(here / "stimuli.hdf5"))

xs = [[1.5, 10.25, 30.0], [5.0], [0.0, 19.5], [3.5, 4.5, 5.5, 6.5]]
ys = [[2.0, 20.0, 23.5], [29.0], [0.5, 1.5], [15.0, 0.0, 7.25, 8.0]]
ts = [[0.1, 0.4, 0.9], [0.2], [0.0, 0.3], [0.05, 0.5, 0.8, 1.1]]
ns = [0, 1, 1, 2]
subjects = [0, 0, 1, 1]
durations = [[0.25, 0.5, 0.125], [0.75], [0.2, 0.3], [0.1, 0.2, 0.3, 0.4]]
trains = pysaliency.FixationTrains.from_fixation_trains(
    xs, ys, ts, ns, subjects,
    scanpath_fixation_attributes={"durations": durations},
    scanpath_attribute_mapping={"durations": "duration"},
)
trains.to_hdf5(str(here / "fixation_trains.hdf5"))
flat = pysaliency.Fixations.FixationsWithoutHistory(
    np.array([1.0, 2.5, 3.0]), np.array([4.0, 5.0, 6.5]), np.array([0.1, 0.2, 0.3]),
    np.array([0, 2, 2]), np.array([3, 1, 4]))
flat.to_hdf5(str(here / "fixations_flat.hdf5"))
print("written", sorted(p.name for p in here.iterdir()))
