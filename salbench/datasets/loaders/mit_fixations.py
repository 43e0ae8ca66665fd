"""Fixations from raw eye-tracker samples: a Python port of MIT1003's ``checkFixations.m``.

MIT1003 (Judd et al. 2009) publishes the raw 240 Hz samples of each observer (``eyeData``, one row
``[x, y]`` per sample, 1-based image pixels; negative values are blinks) and the MATLAB function
``checkFixations.m`` (B. Hidalgo-Sotelo, 2005/2006) that the dataset's own code, the MIT
benchmark and pysaliency (by running it in MATLAB/Octave) use to turn them into fixations. This
module re-implements that procedure — its acceleration-based algorithm ``'A'``, the only one the
function runs — step by step, including its quirks, so that salbench's MIT1003 fixations are the
ones everybody else uses, without MATLAB.

The algorithm (parameters as in the MATLAB source)
--------------------------------------------------
1. Displacement per sample ``d[k] = |p[k] - p[k-1]|`` (``d[1] = 0``), smoothed by a causal
   moving average over ``WINDOW = 4`` samples (MATLAB ``filter(ones(1, 4)/4, 1, d)``).
2. For ``k = 2 .. N - 5``: two window "velocities" ``v1 = sum(s[k .. k+4]) / (4 / 240)`` and
   ``v2 = sum(s[k+1 .. k+5]) / (4 / 240)`` (five samples each although the divisor says four —
   kept as published) and the "acceleration" ``a[k] = v2 - v1``; ``a = 0`` elsewhere.
3. Saccade candidates: samples with ``a > ACCELERATION_THRESHOLD`` (34 px/deg x 6 deg/s = 204).
   Runs of consecutive candidates are labelled start (3), middle (1), end (2); runs of fewer than
   three samples and isolated samples are discarded (the MATLAB bookkeeping of its ``n``/``nn``
   arrays, reproduced exactly).
4. Each run's end is extended to the first sample ``p`` (searching ``p = end + 1 ...`` for at most
   ``DECELERATION_SEARCH = 25`` steps and not past the data) where ``a[p] < -204`` and
   ``a[p + 1] >= -204``. A run without such a deceleration is dropped, unless it is the trial's
   last acceleration (the trial "ends in a saccade", end = N).
5. Fixations shorter than ``MIN_FIXATION_SAMPLES = round(50 ms x 240 Hz) = 12`` samples between two
   saccades are merged into the saccades; a final fixation of at most 12 samples is absorbed into
   the last saccade.
6. Every sample outside a saccade belongs to a fixation. A fixation's position is the median of
   its samples' x and y (NaN samples ignored), its duration ``1000 (end - start + 1) / 240`` ms.
7. Fewer than three saccade samples in total: the whole trial is one fixation (median of all
   samples).

Deviations (documented, all outside what MIT1003's files contain): a trial with no sample gives
no fixation (MATLAB would fail), and the moving average is a plain finite sum (a NaN sample makes
the four smoothed values after it NaN, nothing more).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

#: Sampling rate of MIT1003's ISCAN eye tracker (Hz).
SAMPLING_RATE = 240
#: Pixels per degree of visual angle of MIT1003's set-up (1024x768 px = 40.5x30 cm at 75 cm).
PIXELS_PER_DEGREE = 34
#: The acceleration criterion, in the units of step 2: 34 px/deg x 6 deg/s.
ACCELERATION_THRESHOLD = PIXELS_PER_DEGREE * 6
#: Samples of the moving average and of each velocity window (and the windows' offset).
WINDOW = 4
STEP = 1
#: Shortest fixation between saccades: 50 ms in samples.
MIN_FIXATION_SAMPLES = round(50 * SAMPLING_RATE / 1000)
#: How many samples past an acceleration run the deceleration is looked for.
DECELERATION_SEARCH = 25

#: Sample labels of :attr:`Extraction.labels`.
FIXATION, SACCADE, SACCADE_END, SACCADE_START = 0, 1, 2, 3


@dataclass(frozen=True)
class Extraction:
    """What :func:`check_fixations` returns (MATLAB's ``Fix`` and ``data(:, 3)``).

    ``x``, ``y`` are the fixations' medians in the samples' own (1-based) coordinates, ``start``
    and ``end`` 1-based sample indices (inclusive), ``duration_ms`` in milliseconds; ``labels``
    has one label per sample (:data:`FIXATION`, :data:`SACCADE`, :data:`SACCADE_END`,
    :data:`SACCADE_START`).
    """

    x: np.ndarray
    y: np.ndarray
    start: np.ndarray
    end: np.ndarray
    duration_ms: np.ndarray
    labels: np.ndarray

    def __len__(self) -> int:
        return int(self.x.shape[0])


def acceleration(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Steps 1-2: the per-sample "acceleration" of the MATLAB code (0 where it is not computed)."""
    n = x.shape[0]
    step = np.zeros(n)
    if n > 1:
        step[1:] = (np.diff(x) ** 2 + np.diff(y) ** 2) ** 0.5
    # filter(ones(1,4)/4, 1, step) evaluates b1*d[k] + (b2*d[k-1] + (b3*d[k-2] + b4*d[k-3]))
    # (transposed direct form, zero initial state); scaling by 1/4 is exact, so it is factored out.
    padded = np.concatenate([np.zeros(3), step])
    smooth = 0.25 * (padded[3:] + (padded[2:-1] + (padded[1:-2] + padded[:-3])))
    acc = np.zeros(n)
    last = n - WINDOW - STEP  # MATLAB: for k = 2 : length - winSize - stepSize (1-based)
    if last >= 2:
        k = np.arange(1, last)  # 0-based positions of MATLAB's k = 2 .. last
        duration = WINDOW / SAMPLING_RATE
        first = ((((smooth[k] + smooth[k + 1]) + smooth[k + 2]) + smooth[k + 3]) + smooth[k + 4])
        second = ((((smooth[k + 1] + smooth[k + 2]) + smooth[k + 3]) + smooth[k + 4]) + smooth[k + 5])
        acc[k] = second / duration - first / duration
    return acc


def _candidate_runs(acc: np.ndarray) -> list[tuple[int, int]]:
    """Step 3: the labelled candidate samples ``(sample, label)`` kept as saccade runs (1-based)."""
    check = (np.flatnonzero(acc > ACCELERATION_THRESHOLD) + 1).tolist()
    m = len(check)
    if m < 3:
        return []
    # MATLAB's 1-based indices into ``check``: diff(i) = check(i + 1) - check(i), i = 1 .. m-1
    diff = {i: check[i] - check[i - 1] for i in range(1, m)}
    middles = [i for i in range(1, m) if diff[i] == 1]
    ends = [i for i in range(1, m) if diff[i] > 1]
    lone = [ends[j + 1] for j in range(len(ends) - 1) if ends[j + 1] - ends[j] == 1]
    last_is_run = check[m - 1] - check[m - 2] == 1
    if last_is_run:
        middles.append(m)
    else:
        lone.append(m)
    label = [0] * (m + 1)  # label[i] for MATLAB row i
    for i in middles:
        label[i] = SACCADE
    for i in ends:
        label[i] = SACCADE_END
    for i in lone:
        label[i] = SACCADE_START
    rows = m
    if last_is_run:
        label[m] = SACCADE_END
    else:  # the last candidate is isolated: drop its row (and the end marker before it)
        rows = m - 1
        ends = ends[:-1]
    for i in ends:
        label[i + 1] = SACCADE_START  # the candidate after a jump begins a run
    if label[1] == SACCADE:
        label[1] = SACCADE_START
    n = [(check[i - 1], label[i]) for i in range(1, rows + 1)]

    kept: list[tuple[int, int]] = []
    if n[0][1] == SACCADE_START and n[1][1] == SACCADE:
        kept.append(n[0])
    length = max(rows, 2)
    for i in range(2, length):  # MATLAB: for i = 2 : length(n) - 1
        value = n[i - 1][1]
        if value == SACCADE_START:
            if n[i][1] == SACCADE:
                kept.append(n[i - 1])
        elif value == SACCADE:
            kept.append(n[i - 1])
        elif value == SACCADE_END:
            if n[i - 2][1] == SACCADE and n[i][1] == SACCADE_START:
                kept.append(n[i - 1])
        if i == length - 1:
            previous = kept[-1][0] if kept else 0
            if n[rows - 1][0] - previous == 1:
                kept.append(n[rows - 1])
    return kept


def _saccades(acc: np.ndarray, kept, n_samples: int):
    """Steps 4-5: ``(starts, ends)`` of the saccades (1-based samples), after merging."""
    end_rows = [k for k, (_, value) in enumerate(kept) if value == SACCADE_END]
    start_rows = [k for k, (_, value) in enumerate(kept) if value == SACCADE_START]
    end_samples = [kept[k][0] for k in end_rows]
    nonzero = np.flatnonzero(acc != 0)
    last_acceleration = int(nonzero[-1]) + 1 if nonzero.size else None

    def crossing(p):  # accel(p) < -crit and accel(p + 1) >= -crit, MATLAB 1-based p
        return acc[p - 1] < -ACCELERATION_THRESHOLD, acc[p] < -ACCELERATION_THRESHOLD

    good, decelerations = [], []
    for ordinal, end in enumerate(end_samples):
        p = end + 1
        first, second = crossing(p)
        remaining, time_ok = DECELERATION_SEARCH, True
        while not (first and not second) and time_ok:
            p += 1
            first, second = crossing(p)
            remaining -= 1
            time_ok = (p + 1 < n_samples) and remaining > 0
        if time_ok:
            good.append(ordinal)
            decelerations.append(p)
        elif last_acceleration is not None and all(e == last_acceleration for e in end_samples):
            # MATLAB compares *every* run end with the last acceleration: the trial ends in a
            # saccade only when there is one run and it ends there
            good.append(ordinal)
            decelerations.append(n_samples)
    if not good:
        return [], []
    if len(start_rows) < len(end_rows):
        raise ValueError("checkFixations: a saccade end without a start (please report this trial)")
    starts_of_good = [kept[start_rows[g]][0] for g in good]
    pairs = [[end_samples[g], d] for g, d in zip(good, decelerations)]
    if len(pairs) > 1:
        # a fixation of at most MIN_FIXATION_SAMPLES between two saccades joins them
        short = {t for t in range(len(pairs) - 1)
                 if starts_of_good[t + 1] - pairs[t][1] <= MIN_FIXATION_SAMPLES}
        starts = [s for i, s in enumerate(starts_of_good) if i - 1 not in short]
        ends = [pair[1] for i, pair in enumerate(pairs) if i not in short]
    else:
        starts = [starts_of_good[0]]
        ends = [pairs[-1][1]]
    if n_samples - pairs[-1][1] <= MIN_FIXATION_SAMPLES:  # a too-short final fixation
        ends[-1] = n_samples
    return starts, ends


def _one_fixation(x, y, n_samples) -> Extraction:
    length = max(n_samples, 2)  # MATLAB's length() of an N x 2 array
    mx = np.nanmedian(x) if np.isfinite(x).any() else np.nan
    my = np.nanmedian(y) if np.isfinite(y).any() else np.nan
    return Extraction(np.array([mx]), np.array([my]), np.array([1]), np.array([length]),
                      np.array([1000.0 * length / SAMPLING_RATE]),
                      np.zeros(n_samples, dtype=np.int8))


def check_fixations(samples) -> Extraction:
    """Fixations of one trial of raw samples, exactly as MIT1003's ``checkFixations.m`` finds them.

    Parameters
    ----------
    samples : array-like, shape (N, 2) or wider
        One row per 240 Hz sample, ``[x, y]`` in the tracker's image pixels (further columns are
        ignored).

    Returns
    -------
    Extraction

    Examples
    --------
    Half a second at one point, a fast jump, half a second at another:

    >>> import numpy as np
    >>> jump = 100 + 300 * (1 - np.cos(np.linspace(0, np.pi, 10))) / 2
    >>> x = np.concatenate([np.full(120, 100.0), jump, np.full(120, 400.0)])
    >>> e = check_fixations(np.column_stack([x, np.full(x.size, 50.0)]))
    >>> e.x.tolist(), e.y.tolist()
    ([100.0, 400.0], [50.0, 50.0])
    """
    data = np.asarray(samples, dtype=np.float64)
    if data.ndim != 2 or data.shape[1] < 2:
        raise ValueError(f"eye samples must be an N x 2 array [x, y], got shape {data.shape}")
    x, y = data[:, 0], data[:, 1]
    n_samples = data.shape[0]
    if n_samples == 0:
        empty = np.empty(0)
        return Extraction(empty, empty, empty.astype(np.int64), empty.astype(np.int64), empty,
                          np.empty(0, dtype=np.int8))
    acc = acceleration(x, y)
    kept = _candidate_runs(acc)
    if len(kept) < 3:
        return _one_fixation(x, y, n_samples)
    starts, ends = _saccades(acc, kept, n_samples)

    labels = np.zeros(n_samples + 1, dtype=np.int8)  # labels[k] for 1-based sample k
    interior = [k for s, e in zip(starts, ends) for k in range(s + 1, e)]
    labels[starts] = SACCADE_START
    labels[ends] = SACCADE_END
    labels[interior] = SACCADE
    labels = labels[1:]
    if np.count_nonzero(labels) < 3:
        return _one_fixation(x, y, n_samples)
    saccade_starts = (np.flatnonzero(labels == SACCADE_START) + 1).tolist()
    saccade_ends = (np.flatnonzero(labels == SACCADE_END) + 1).tolist()
    first_fixation_sample = int(np.flatnonzero(labels == FIXATION)[0]) + 1
    if not saccade_starts or not saccade_ends:
        raise ValueError("checkFixations: saccade labels without a start or an end")

    if len(saccade_starts) == 1:
        fix_start = [first_fixation_sample]
        if saccade_ends[-1] != n_samples:
            fix_start += [e + 1 for e in saccade_ends]
    else:
        fix_start = [first_fixation_sample] + [e + 1 for e in saccade_ends[:-1]]
        if saccade_ends[-1] != n_samples:
            fix_start.append(saccade_ends[-1] + 1)
    starts_in_saccade = saccade_starts[0] == 1
    ends_in_saccade = saccade_ends[-1] == n_samples
    fix_end = [s - 1 for s in (saccade_starts[1:] if starts_in_saccade else saccade_starts)]
    if not ends_in_saccade:
        fix_end.append(n_samples)
    if len(fix_end) < len(fix_start):
        raise ValueError("checkFixations: more fixation starts than ends")

    count = len(fix_start)
    mx, my = np.empty(count), np.empty(count)
    for i, (s, e) in enumerate(zip(fix_start, fix_end)):
        px, py = x[s - 1:e], y[s - 1:e]
        px, py = px[~np.isnan(px)], py[~np.isnan(py)]
        mx[i] = np.median(px) if px.size else np.nan
        my[i] = np.median(py) if py.size else np.nan
    start = np.asarray(fix_start, dtype=np.int64)
    end = np.asarray(fix_end[:count], dtype=np.int64)
    return Extraction(mx, my, start, end, 1000.0 * (end - start + 1) / SAMPLING_RATE, labels)
