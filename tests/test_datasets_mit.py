"""MIT1003 and MIT300: the checkFixations port on synthetic eye samples with known fixations, and
the loaders on small folders built in the exact published layout (``ALLSTIMULI/<stem>.jpeg``,
``DATA/<user>/<stem>.mat`` with a struct named like the image whose ``DATA(1).eyeData`` holds the
raw N x 2 samples; ``BenchmarkIMAGES/<name>.jpg``). No real MIT files are on this machine: these
loaders have run on fixtures only (the cards say so)."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import salbench
from salbench.datasets import load
from salbench.datasets.loaders.mit import read_eye_data
from salbench.datasets.loaders.mit_fixations import (
    FIXATION, MIN_FIXATION_SAMPLES, SACCADE_END, SACCADE_START, acceleration, check_fixations)
from salbench.exceptions import DataError, InputError

from _datasets_support import eye_trace, write_jpeg, write_mit1003, write_mit1003_trial


# ------------------------------------------------------------------ the extraction
def test_three_fixations_are_found_at_their_exact_positions():
    points = [(512.0, 384.0), (200.0, 100.0), (900.0, 600.0)]
    samples = eye_trace(points, [120, 150, 100])
    e = check_fixations(samples)
    assert e.x.tolist() == [512.0, 200.0, 900.0] and e.y.tolist() == [384.0, 100.0, 600.0]
    # each fixation starts after the previous saccade and ends before the next
    assert e.start[0] == 1 and e.end[-1] == len(samples)
    assert np.all(e.start[1:] > e.end[:-1])
    assert 120 - 5 <= e.end[0] <= 120 and 120 + 10 < e.start[1] <= 120 + 10 + 8
    np.testing.assert_allclose(e.duration_ms, 1000 * (e.end - e.start + 1) / 240)
    # the labels mark the saccades between the fixations
    assert np.all(e.labels[e.start[0] - 1:e.end[0]] == FIXATION)
    assert e.labels[e.end[0]] == SACCADE_START and e.labels[e.start[1] - 2] == SACCADE_END


def test_the_acceleration_is_the_difference_of_two_five_sample_window_sums():
    samples = eye_trace([(0.0, 0.0), (300.0, 400.0)], [40, 40])
    x, y = samples[:, 0], samples[:, 1]
    acc = acceleration(x, y)
    step = np.r_[0.0, np.hypot(np.diff(x), np.diff(y))]
    smooth = np.convolve(step, np.ones(4) / 4)[: step.size]
    k = np.arange(1, step.size - 5)
    expected = np.zeros_like(acc)
    expected[k] = np.array([smooth[i + 1:i + 6].sum() - smooth[i:i + 5].sum() for i in k]) * 60.0
    np.testing.assert_allclose(acc, expected, rtol=1e-12, atol=1e-9)
    assert acc[0] == 0 and np.all(acc[-5:] == 0)  # outside k = 2 .. N - 5 nothing is computed


def test_a_fixation_shorter_than_50_ms_between_saccades_joins_them():
    short = MIN_FIXATION_SAMPLES - 8  # a few samples, well under 12 (50 ms)
    samples = eye_trace([(100.0, 100.0), (400.0, 100.0), (700.0, 100.0)], [100, short, 100])
    e = check_fixations(samples)
    assert e.x.tolist() == [100.0, 700.0]
    long = eye_trace([(100.0, 100.0), (400.0, 100.0), (700.0, 100.0)], [100, 40, 100])
    assert check_fixations(long).x.tolist() == [100.0, 400.0, 700.0]


def test_no_saccade_is_one_fixation_over_the_whole_trial():
    rng = np.random.default_rng(0)
    samples = np.column_stack([300 + rng.normal(0, 0.5, 500), 200 + rng.normal(0, 0.5, 500)])
    e = check_fixations(samples)
    assert len(e) == 1 and e.start.tolist() == [1] and e.end.tolist() == [500]
    assert e.x[0] == np.median(samples[:, 0]) and e.duration_ms[0] == 1000 * 500 / 240


def test_blink_samples_enter_the_median_as_the_matlab_code_has_it():
    samples = eye_trace([(300.0, 200.0)], [200])
    samples[50:53] = -1.0  # three samples of a short blink inside a fixation
    e = check_fixations(samples)
    assert np.median(samples[e.start[0] - 1:e.end[0], 0]) == e.x[0]


def test_empty_and_malformed_trials():
    assert len(check_fixations(np.empty((0, 2)))) == 0
    with pytest.raises(ValueError, match="N x 2"):
        check_fixations(np.zeros(5))


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.floats(0, 1000), st.floats(0, 700), st.integers(3, 90)),
                min_size=1, max_size=6),
       st.integers(0, 2 ** 31 - 1))
def test_fixations_partition_the_unlabelled_samples(plan, seed):
    points = [(px, py) for px, py, _ in plan]
    counts = [n for _, _, n in plan]
    samples = eye_trace(points, counts)
    samples = samples + np.random.default_rng(seed).normal(0, 0.3, samples.shape)
    e = check_fixations(samples)
    assert len(e) >= 1 and np.all(e.start <= e.end + 1)
    assert np.all(e.start[1:] > e.end[:-1])  # in order, disjoint
    assert e.start.min() >= 1 and e.end.max() <= len(samples)
    covered = np.zeros(len(samples), bool)
    for s, t in zip(e.start, e.end):
        covered[s - 1:t] = True
        if t >= s:
            assert samples[s - 1:t, 0].min() <= e.x[list(e.start).index(s)] <= samples[s - 1:t, 0].max()
    if len(e) > 1 or e.labels.any():
        assert np.array_equal(covered, e.labels == FIXATION)
    np.testing.assert_allclose(e.duration_ms, 1000 * (e.end - e.start + 1) / 240)


# ------------------------------------------------------------------ the loader
IMAGES = {"i1": (768, 1024), "i2": (600, 800), "i3long" + "x" * 70: (768, 1024)}
USERS = ["CNG", "ajs"]


def mit_folder(root):
    trials = {}
    for k, stem in enumerate(IMAGES):
        h, w = IMAGES[stem]
        for j, user in enumerate(USERS):
            # centre first, then two points; the 1-based pixel (101, 51) is known
            points = [(w / 2, h / 2), (101.0, 51.0), (w - 10.0 - k - j, h - 20.0)]
            if stem == "i2" and user == "ajs":
                points.append((w + 50.0, 10.0))  # off the image: dropped
            trials[(stem, user)] = eye_trace(points, [120, 150, 150] + [100] * (len(points) > 3))
    write_mit1003(root / "mit1003", IMAGES, trials)
    return trials


def test_mit1003_conversion_counts_and_facts(tmp_path):
    mit_folder(tmp_path)
    ds = load("mit1003", root=tmp_path, cache=False)
    assert len(ds) == 3 and ds.stimuli.names == ["i1.jpeg", "i2.jpeg", "i3long" + "x" * 70 + ".jpeg"]
    assert ds.fixations.n_subjects == 2 and ds.fixations.n_scanpaths == 6
    f = ds.fixations.for_image(0)
    # the 1-based MATLAB pixel (col 101, row 51) is salbench's pixel (row 50, col 100)
    assert f.x[0] == 100.0 and f.y[0] == 50.0
    assert (int(np.floor(f.y[0])), int(np.floor(f.x[0]))) == (50, 100)
    assert f.position.tolist() == [1, 2, 1, 2]  # the initial central fixation (0) is left out
    assert ds.facts.out_of_image == 1 and ds.facts.dropped == 1
    assert len(ds.fixations) == 3 * 2 * 2  # two kept fixations per trial
    assert np.all(ds.fixations.t > 0) and np.all(ds.fixations.duration > 0.4)
    assert ds.facts.pixels_per_degree == 34.0 and ds.facts.observers == 2


def test_with_initial_fixation_is_the_same_plus_position_zero(tmp_path):
    mit_folder(tmp_path)
    without = load("mit1003", root=tmp_path, cache=False)
    with_initial = load("mit1003_initial", root=tmp_path, cache=False)
    assert len(with_initial.fixations) == len(without.fixations) + 6
    first = with_initial.fixations.filter(positions=[0])
    h, w = with_initial.stimuli.shapes[first.n].T
    np.testing.assert_array_equal(first.x, w / 2 - 1)  # at the centre of the image
    np.testing.assert_array_equal(first.y, h / 2 - 1)
    assert with_initial.fixations.filter(positions=slice(1, None)).equals(without.fixations)


def test_onesize_keeps_only_the_1024x768_images(tmp_path):
    mit_folder(tmp_path)
    ds = load("mit1003_onesize", root=tmp_path, cache=False)
    assert ds.stimuli.names == ["i1.jpeg", "i3long" + "x" * 70 + ".jpeg"]
    assert {tuple(s) for s in ds.stimuli.shapes.tolist()} == {(768, 1024)}
    full = load("mit1003", root=tmp_path, cache=False).fixations.subset([0, 2])
    for column in ("x", "y", "n", "subject", "position", "t", "duration"):
        np.testing.assert_array_equal(ds.fixations.column(column), full.column(column))


def test_variable_names_longer_than_63_characters_are_truncated_like_matlab(tmp_path):
    stem = "a" * 80
    path = write_mit1003_trial(tmp_path / "t.mat", stem, [[1.0, 2.0], [3.0, 4.0]])
    np.testing.assert_array_equal(read_eye_data(path, stem), [[1, 2], [3, 4]])


def test_missing_trial_files_and_folders_are_named(tmp_path):
    mit_folder(tmp_path)
    (tmp_path / "mit1003" / "DATA" / "ajs" / "i2.mat").unlink()
    with pytest.raises(DataError, match=r"1 trial file\(s\) are missing: DATA/ajs/i2.mat"):
        load("mit1003", root=tmp_path, cache=False)
    with pytest.raises(DataError, match=r"mit1003.*is not in.*missing ALLSTIMULI.*datasets import"):
        load("mit1003", root=tmp_path / "elsewhere")


def test_damaged_trial_file_names_the_file(tmp_path):
    mit_folder(tmp_path)
    (tmp_path / "mit1003" / "DATA" / "CNG" / "i1.mat").write_bytes(b"not a mat file")
    with pytest.raises(DataError, match=r"DATA/CNG/i1.mat"):
        load("mit1003", root=tmp_path, cache=False)


# ------------------------------------------------------------------ MIT300: stimuli only
def mit300_folder(root):
    for k, (w, h) in enumerate([(40, 30), (30, 40), (50, 30)]):
        write_jpeg(root / "mit300" / "BenchmarkIMAGES" / f"i{[10, 2, 1][k]}.jpg", h, w, seed=k)


def test_mit300_is_stimuli_only_and_serves_predictions(tmp_path):
    from salbench.models.baselines import UniformModel
    from salbench.models.predict import predict_map

    mit300_folder(tmp_path)
    ds = load("mit300", root=tmp_path)
    assert ds.stimuli.names == ["i1.jpg", "i2.jpg", "i10.jpg"]  # natural order
    assert len(ds.fixations) == 0 and ds.facts.stimuli_only
    density = predict_map(UniformModel(), ds, 2)
    assert density.shape == (30, 40)  # i10.jpg is 40 x 30 (W x H)
    with pytest.raises(InputError, match=r"mit300.*no fixations.*predict"):
        salbench.evaluate(UniformModel(), ds, metrics=["auc"])
