"""A tiny synthetic gaze task with known structure, for tests, examples and benchmarks.

Each image shows grey noise with a few coloured discs. Observers look at the *red* discs only
(green and blue discs of the same brightness are distractors), with a mild centre bias and a small
uniform lapse rate. The true fixation density of every image is known, so a model's
log-likelihood can be compared to the best possible one.
"""

from __future__ import annotations

import numpy as np

from ..._validation import positive_int
from .train import FixationData

_TARGET = (230.0, 40.0, 40.0)
_DISTRACTORS = ((40.0, 190.0, 40.0), (60.0, 60.0, 230.0))


def synthetic_gaze_task(n_images: int, *, size=(32, 32), fixations_per_image: int = 20,
                        targets=(1, 3), distractors=(1, 3), radius: float = 2.5,
                        centre_weight: float = 0.1, lapse: float = 0.02, seed: int = 0):
    """Images, sampled fixations and the true log-densities of the synthetic task.

    Parameters
    ----------
    n_images : int
    size : (int, int)
        Image height and width.
    fixations_per_image : int
    targets, distractors : (int, int)
        Inclusive range of the number of red target discs and of distractor discs per image.
    radius : float
        Disc radius in pixels; the fixation density around a target is a Gaussian of this width.
    centre_weight, lapse : float
        Mixture weights of a centre-bias Gaussian and of a uniform density.
    seed : int

    Returns
    -------
    data : FixationData
    true_log_densities : numpy.ndarray
        ``(n_images, height, width)`` natural-log densities the fixations were drawn from.

    Examples
    --------
    >>> data, truth = synthetic_gaze_task(3, size=(16, 16), fixations_per_image=5)
    >>> len(data), truth.shape, float(data.fixation_counts.sum())
    (3, (3, 16, 16), 15.0)
    """
    n_images = positive_int(n_images, "n_images")
    fixations_per_image = positive_int(fixations_per_image, "fixations_per_image")
    height, width = (int(v) for v in size)
    rng = np.random.default_rng(seed)
    rows, cols = np.mgrid[0:height, 0:width] + 0.5
    centre = np.exp(-0.5 * (((rows - height / 2) / (0.25 * height)) ** 2 + ((cols - width / 2) / (0.25 * width)) ** 2))
    centre /= centre.sum()
    images = np.empty((n_images, height, width, 3), dtype=np.float32)
    log_densities = np.empty((n_images, height, width))
    xs, ys, ns = [], [], []
    margin = radius + 1
    for n in range(n_images):
        image = 128.0 + rng.normal(0.0, 20.0, size=(height, width, 1)) + rng.normal(0.0, 8.0, size=(height, width, 3))
        density = np.zeros((height, width))
        n_targets = rng.integers(targets[0], targets[1] + 1)
        n_distract = rng.integers(distractors[0], distractors[1] + 1)
        for k in range(n_targets + n_distract):
            cy, cx = rng.uniform(margin, height - margin), rng.uniform(margin, width - margin)
            disc = ((rows - cy) ** 2 + (cols - cx) ** 2) <= radius**2
            colour = _TARGET if k < n_targets else _DISTRACTORS[rng.integers(len(_DISTRACTORS))]
            image[disc] = np.asarray(colour) + rng.normal(0.0, 8.0, size=(int(disc.sum()), 3))
            if k < n_targets:
                blob = np.exp(-0.5 * ((rows - cy) ** 2 + (cols - cx) ** 2) / radius**2)
                density += blob / blob.sum() / n_targets
        density = (1 - centre_weight - lapse) * density + centre_weight * centre + lapse / density.size
        images[n] = np.clip(image, 0, 255)
        log_densities[n] = np.log(density)
        flat = rng.choice(density.size, size=fixations_per_image, p=density.ravel() / density.sum())
        ys.append(flat // width + rng.uniform(0, 1, fixations_per_image))
        xs.append(flat % width + rng.uniform(0, 1, fixations_per_image))
        ns.append(np.full(fixations_per_image, n))
    data = FixationData.from_arrays(images, x=np.concatenate(xs), y=np.concatenate(ys), n=np.concatenate(ns))
    return data, log_densities
