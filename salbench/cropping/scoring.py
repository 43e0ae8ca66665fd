"""Scoring crops against people: how much of the human fixations a crop keeps.

For each image and aspect ratio, every crop rule (:mod:`.rules`) gives a box; its scores are

* ``fixations_kept`` — the fraction of the image's human fixations inside the box;
* ``density_kept`` — the fraction of the empirical fixation density
  (:func:`salbench.datasets.density_map`, Gaussian of ``sigma`` pixels, reflecting border) inside it.

``method="best"`` rows are the best any box of that size could do given the human data: the
maximum over all windows of the fixation count (for ``fixations_kept``) and of the density (for
``density_kept``) — two upper bounds, possibly reached by different windows. A model crops well
when its rows are near ``best`` and above ``centre``.

The empirical density's default ``sigma`` is the evaluation engine's: one degree of visual angle
when the dataset states its pixels per degree (OSIE: 24 px), otherwise ``max(H, W) / 32`` pixels.
The image's own aspect ratio is not scored: that crop is the whole image and keeps everything.
"""

from __future__ import annotations

import warnings

import numpy as np

from .._validation import positive_int
from ..exceptions import DegenerateInputWarning, InputError
from ..stats import bootstrap_means, check_confidence
from .boxes import SummedAreaTable, best_window, check_ratios, crop_size
from .rules import METHODS, _check_mass_map, argmax_crop, centre_crop, check_methods, model_name, \
    predict_map, salient_point

#: The ratios scored by default: Twitter's, without the image's own (which keeps everything).
SCORE_RATIOS = (0.56, 1.0, 1.14, 2.0)
#: Table columns of :func:`crop_scores`.
COLUMNS = ("image", "image_id", "ratio", "method", "fixations_kept", "density_kept", "n_fixations")
METRICS = ("fixations_kept", "density_kept")


def default_sigma(dataset, shape) -> float:
    """The engine's default empirical-map width: 1 degree if known, else ``max(H, W) / 32`` px."""
    ppd = getattr(dataset.facts, "pixels_per_degree", None)
    return float(ppd) if ppd else max(shape) / 32.0


def _images(dataset, images) -> np.ndarray:
    if images is None:
        return np.arange(len(dataset), dtype=np.int64)
    idx = np.asarray(images).reshape(-1)
    if idx.size and (idx.dtype.kind not in "iu"):
        raise InputError(f"images must be integer indices into the dataset, got dtype {idx.dtype}")
    idx = idx.astype(np.int64)
    bad = (idx < 0) | (idx >= len(dataset))
    if bad.any():
        raise InputError(f"image index {int(idx[bad][0])} is out of range for dataset "
                         f"{dataset.name!r} with {len(dataset)} images")
    return idx


def crop_scores(model, dataset, *, ratios=SCORE_RATIOS, images=None, methods=METHODS,
                sigma: float | None = None, progress: bool = True):
    """Per-image crop scores of ``model`` on ``dataset``: a tidy table.

    Parameters
    ----------
    model : SaliencyMapModel or callable
        Its map (a probabilistic model's density) positions the ``"argmax"`` and ``"mass"`` crops.
    dataset : salbench.datasets.Dataset
    ratios : sequence of float
        Aspect ratios (height / width) to crop to; Twitter's 0.56, 1, 1.14 and 2 by default.
    images : sequence of int, optional
        Indices of the images to score (default: all).
    methods : sequence of {"argmax", "mass", "centre"}
        The rules to score; ``"best"`` (the upper bound from the human data) is always added.
    sigma : float, optional
        Width in pixels of the empirical density's Gaussian (default: see the module notes).
    progress : bool
        Show a progress bar.

    Returns
    -------
    pandas.DataFrame
        Columns ``image`` (index in ``dataset``), ``image_id``, ``ratio``, ``method``,
        ``fixations_kept``, ``density_kept``, ``n_fixations``; one row per image, ratio and
        method. Images without fixations get NaN scores (with one DegenerateInputWarning).
    """
    import pandas as pd
    from tqdm.auto import tqdm

    from ..datasets import density_map, fixation_map

    ratios = check_ratios(ratios, allow_image=False)
    methods = check_methods(methods)
    if sigma is not None:
        sigma = float(sigma)
        if not (np.isfinite(sigma) and sigma > 0):
            raise InputError(f"sigma must be a positive number of pixels, got {sigma!r}")
    indices = _images(dataset, images)
    ids, names = dataset.stimuli.ids, dataset.stimuli.names
    name = model_name(model)
    rows, empty = [], []
    for i in tqdm(indices.tolist(), desc="crop scores", unit="image", disable=not progress):
        image = dataset.stimuli.load(i)
        shape = image.shape[:2]
        context = f"{name} on image {i} ({names[i]})"
        m = predict_map(model, image, image_id=ids[i], context=context)
        if "mass" in methods:
            _check_mass_map(m, f"the map of {context}")
        f = dataset.fixations.for_image(i)
        n = len(f.x)
        point = salient_point(m)
        model_table = SummedAreaTable(m) if "mass" in methods else None
        if n:
            counts = SummedAreaTable(fixation_map((f.x, f.y), shape))
            density = SummedAreaTable(density_map(
                (f.x, f.y), shape, sigma=sigma or default_sigma(dataset, shape)))
        else:
            empty.append(i)
        for r in ratios:
            size = crop_size(shape, r)
            boxes = {}
            for method in methods:
                if method == "argmax":
                    boxes[method] = argmax_crop(shape, point, r)
                elif method == "mass":
                    boxes[method] = best_window(model_table, size)[0]
                else:
                    boxes[method] = centre_crop(shape, r)
            base = {"image": i, "image_id": ids[i], "ratio": float(r), "n_fixations": n}
            for method, box in boxes.items():
                kept = ((counts.sum(box) / n, density.sum(box) / density.total) if n
                        else (np.nan, np.nan))
                rows.append({**base, "method": method, "fixations_kept": kept[0],
                             "density_kept": kept[1]})
            if n:
                best = (float(counts.window_sums(size).max()) / n,
                        float(density.window_sums(size).max()) / density.total)
            else:
                best = (np.nan, np.nan)
            rows.append({**base, "method": "best", "fixations_kept": best[0],
                         "density_kept": best[1]})
    if empty:
        shown = ", ".join(str(i) for i in empty[:5]) + (" ..." if len(empty) > 5 else "")
        warnings.warn(f"{len(empty)} image(s) have no fixations (image {shown}); their crop scores "
                      "are NaN", DegenerateInputWarning, stacklevel=2)
    table = pd.DataFrame(rows, columns=list(COLUMNS))
    # Counts become exact fractions; clip the density's summed-area rounding (~1e-15) into [0, 1].
    table["density_kept"] = table["density_kept"].clip(0.0, 1.0)
    return table


def summarise_crop_scores(table, *, baseline: str = "centre", confidence: float = 0.95,
                          n_boot: int = 2000, seed: int = 0):
    """Means over images with bootstrap confidence intervals, per ratio, method and metric.

    Images are the resampled units (the same resample for every method, so the difference from
    ``baseline`` is paired). Images with a NaN score at a ratio are left out at that ratio.

    Parameters
    ----------
    table : pandas.DataFrame
        The output of :func:`crop_scores`.
    baseline : str
        The method the differences ``minus_<baseline>`` are taken against (default the centre
        crop), or None for no differences.
    confidence : float
        Coverage of the percentile bootstrap intervals.
    n_boot : int
        Bootstrap resamples.
    seed : int
        Seed of the resampling (the summary is deterministic).

    Returns
    -------
    pandas.DataFrame
        Columns ``ratio, method, metric, n_images, mean, ci_low, ci_high`` and, with a baseline,
        ``minus_<baseline>, minus_<baseline>_low, minus_<baseline>_high``.
    """
    import pandas as pd

    confidence = check_confidence(confidence)
    n_boot = positive_int(n_boot, "n_boot")
    missing = [c for c in ("image", "ratio", "method", *METRICS) if c not in table.columns]
    if missing:
        raise InputError(f"table lacks the column(s) {missing}; pass the output of crop_scores")
    methods = list(dict.fromkeys(table["method"]))
    if baseline is not None and baseline not in methods:
        raise InputError(f"baseline {baseline!r} is not among the table's methods {methods}")
    out = []
    for ratio in sorted(table["ratio"].unique()):
        at = table[table["ratio"] == ratio]
        for metric in METRICS:
            wide = at.pivot_table(index="image", columns="method", values=metric, dropna=False,
                                  aggfunc="first").reindex(columns=methods)
            wide = wide.dropna(axis=0, how="any")
            values = wide.to_numpy()
            columns = [values]
            if baseline is not None:
                columns.append(values - values[:, [methods.index(baseline)]])
            mean, low, high = bootstrap_means(np.hstack(columns), n_bootstrap=n_boot, seed=seed,
                                              confidence=confidence)
            k = len(methods)
            for j, method in enumerate(methods):
                row = {"ratio": float(ratio), "method": method, "metric": metric,
                       "n_images": int(values.shape[0]), "mean": mean[j], "ci_low": low[j],
                       "ci_high": high[j]}
                if baseline is not None:
                    row[f"minus_{baseline}"] = mean[k + j]
                    row[f"minus_{baseline}_low"] = low[k + j]
                    row[f"minus_{baseline}_high"] = high[k + j]
                out.append(row)
    return pd.DataFrame(out)

