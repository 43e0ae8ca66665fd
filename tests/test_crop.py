"""Crop geometry and rules against brute-force references (tests/naive_crop.py) and by hand."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import naive_crop as naive
from salbench.cropping import (
    CropBox, Crops, SummedAreaTable, argmax_crop, best_window, centre_crop, crop, crop_boxes,
    crop_size, mass_crop, model_crops, window_sums,
)
from salbench.exceptions import InputError
from salbench.models.base import ProbabilisticModel, SaliencyMapModel

ratios = st.one_of(st.sampled_from([0.56, 1.0, 1.14, 2.0]),
                   st.floats(0.05, 20.0, allow_nan=False))


@st.composite
def integer_maps(draw, max_side=12, high=4):
    h = draw(st.integers(1, max_side))
    w = draw(st.integers(1, max_side))
    values = draw(st.lists(st.integers(0, high), min_size=h * w, max_size=h * w))
    return np.array(values, dtype=np.float64).reshape(h, w)


@st.composite
def float_maps(draw, max_side=12):
    h = draw(st.integers(1, max_side))
    w = draw(st.integers(1, max_side))
    seed = draw(st.integers(0, 2**32 - 1))
    rng = np.random.default_rng(seed)
    return rng.gamma(0.3, size=(h, w)) * 10.0 ** draw(st.integers(-8, 8))


# ------------------------------------------------------------------------------ window sums
@settings(max_examples=120, deadline=None)
@given(m=integer_maps(), data=st.data())
def test_window_sums_equal_brute_force_on_integer_maps(m, data):
    h = data.draw(st.integers(1, m.shape[0]))
    w = data.draw(st.integers(1, m.shape[1]))
    np.testing.assert_array_equal(window_sums(m, (h, w)), naive.window_sums(m.tolist(), h, w))


@settings(max_examples=80, deadline=None)
@given(m=float_maps(), data=st.data())
def test_window_sums_match_brute_force_on_float_maps(m, data):
    h = data.draw(st.integers(1, m.shape[0]))
    w = data.draw(st.integers(1, m.shape[1]))
    expected = np.array(naive.window_sums(m.tolist(), h, w))
    np.testing.assert_allclose(window_sums(m, (h, w)), expected, rtol=0,
                               atol=1e-13 * m.sum())


@settings(max_examples=150, deadline=None)
@given(m=integer_maps(high=2), data=st.data())
def test_best_window_equals_brute_force_including_ties(m, data):
    # small integer values make many exact ties, which exercises the tie rule
    h = data.draw(st.integers(1, m.shape[0]))
    w = data.draw(st.integers(1, m.shape[1]))
    box, total = best_window(m, (h, w))
    assert (box.x0, box.y0, box.x1, box.y1) == naive.best_window(m.tolist(), h, w)
    assert total == m[box.slices].sum()


@settings(max_examples=80, deadline=None)
@given(m=float_maps(), data=st.data())
def test_best_window_on_float_maps_is_a_maximum(m, data):
    h = data.draw(st.integers(1, m.shape[0]))
    w = data.draw(st.integers(1, m.shape[1]))
    box, _ = best_window(m, (h, w))
    best = max(max(row) for row in naive.window_sums(m.tolist(), h, w))
    assert m[box.slices].sum() >= best - 1e-10 * m.sum()


def test_best_window_ties_go_to_the_centre_or_first():
    flat = np.ones((5, 9))
    assert best_window(flat, (5, 3))[0] == CropBox(3, 0, 6, 5)
    assert best_window(flat, (5, 3), prefer="first")[0] == CropBox(0, 0, 3, 5)
    with pytest.raises(InputError, match="prefer"):
        best_window(flat, (5, 3), prefer="middle")
    with pytest.raises(InputError, match="does not fit"):
        best_window(flat, (6, 3))


def test_summed_area_table_box_sums():
    rng = np.random.default_rng(1)
    m = rng.random((7, 11))
    table = SummedAreaTable(m)
    for box in (CropBox(0, 0, 11, 7), CropBox(3, 2, 4, 3), CropBox(5, 1, 11, 6)):
        assert table.sum(box) == pytest.approx(m[box.slices].sum(), rel=1e-13)
    assert table.total == pytest.approx(m.sum(), rel=1e-13)
    with pytest.raises(InputError, match="does not fit"):
        table.sum(CropBox(5, 1, 12, 6))


# ------------------------------------------------------------------------------ sizes and rules
@settings(max_examples=200, deadline=None)
@given(h=st.integers(1, 3000), w=st.integers(1, 3000), r=ratios)
def test_crop_size_keeps_one_full_side_and_the_nearest_ratio(h, w, r):
    ch, cw = crop_size((h, w), r)
    assert (ch, cw) == naive.crop_size(h, w, r)
    assert 1 <= ch <= h and 1 <= cw <= w
    if r < h / w:
        assert cw == w and (abs(ch - r * w) <= 0.5 or ch in (1, h))
    else:
        assert ch == h and (abs(cw - h / r) <= 0.5 or cw in (1, w))


def test_crop_size_examples_and_the_image_ratio():
    # 800 x 600 (W x H), Twitter's ratios: 0.56*800 = 448; 600/1.14 = 526.3; 600/2 = 300
    assert [crop_size((600, 800), r) for r in (0.56, 1.0, 1.14, 2.0, "image")] == [
        (448, 800), (600, 600), (600, 526), (600, 300), (600, 800)]
    assert crop_size((600, 800), 0.5) == (400, 800)
    assert crop_size((10, 10), 100.0) == (10, 1)  # at least one pixel
    for bad in (0, -1.0, float("nan"), float("inf"), "wide", None, True):
        with pytest.raises(InputError, match="aspect ratio"):
            crop_size((10, 10), bad)


@settings(max_examples=200, deadline=None)
@given(h=st.integers(1, 60), w=st.integers(1, 60), r=ratios, data=st.data())
def test_argmax_crop_equals_enumeration_and_contains_the_point(h, w, r, data):
    row = data.draw(st.integers(0, h - 1))
    col = data.draw(st.integers(0, w - 1))
    box = argmax_crop((h, w), (row, col), r)
    assert (box.x0, box.y0, box.x1, box.y1) == naive.argmax_crop(h, w, row, col, r)
    assert box.fits((h, w))
    assert box.contains(col + 0.5, row + 0.5)


def test_argmax_crop_by_hand():
    # odd size: the point is the centre pixel; even size: just after the centre
    assert argmax_crop((1, 20), (0, 10), 1 / 5) == CropBox(8, 0, 13, 1)
    assert argmax_crop((1, 20), (0, 10), 1 / 4) == CropBox(8, 0, 12, 1)
    # clamped at both edges
    assert argmax_crop((600, 800), (300, 5), 1.0) == CropBox(0, 0, 600, 600)
    assert argmax_crop((600, 800), (300, 799), 1.0) == CropBox(200, 0, 800, 600)
    assert argmax_crop((600, 800), (599, 0), 0.56) == CropBox(0, 152, 800, 600)
    with pytest.raises(InputError, match="outside the image"):
        argmax_crop((600, 800), (600, 0), 1.0)


@settings(max_examples=100, deadline=None)
@given(m=integer_maps(high=3), r=ratios)
def test_crop_boxes_match_the_references(m, r):
    crops = crop_boxes(m, ratios=[r])
    point = naive.salient_point(m.tolist())
    assert crops.salient_point == point
    a = crops.box("argmax", r)
    assert (a.x0, a.y0, a.x1, a.y1) == naive.argmax_crop(*m.shape, *point, r)
    h, w = naive.crop_size(*m.shape, r)
    b = crops.box("mass", r)
    assert (b.x0, b.y0, b.x1, b.y1) == naive.best_window(m.tolist(), h, w)
    c = crops.box("centre", r)
    assert (c.width, c.height) == (w, h)
    assert c.x0 == (m.shape[1] - w) // 2 and c.y0 == (m.shape[0] - h) // 2


def test_mass_rule_does_not_hang_on_one_pixel():
    # a single sharp pixel on the left, a broad moderately salient region on the right
    m = np.zeros((100, 300))
    m[50, 20] = 10.0
    m[20:80, 200:280] = 0.01  # 48 units of mass against the peak's 10
    crops = crop_boxes(m, ratios=[1.0])
    assert crops.salient_point == (50, 20)
    assert crops.box("argmax", 1.0) == CropBox(0, 0, 100, 100)
    # every x0 in 180..200 holds the whole band: the tie goes to the one nearest the centre
    assert crops.box("mass", 1.0) == CropBox(180, 0, 280, 100)
    assert mass_crop(m, 1.0) == crops.box("mass", 1.0)
    assert centre_crop(m.shape, 1.0) == CropBox(100, 0, 200, 100)


def test_image_ratio_is_the_whole_image():
    m = np.random.default_rng(0).random((30, 50))
    crops = crop_boxes(m, ratios=["image"])
    whole = CropBox(0, 0, 50, 30)
    assert all(crops.box(method, "image") == whole for method in crops.methods)


def test_cropbox_validation_apply_and_contains():
    with pytest.raises(InputError, match="positive size"):
        CropBox(3, 0, 3, 5)
    with pytest.raises(InputError, match="integer"):
        CropBox(0.5, 0, 3, 5)
    box = CropBox(1, 2, 4, 5)
    image = np.arange(6 * 7 * 3).reshape(6, 7, 3)
    np.testing.assert_array_equal(box.apply(image), image[2:5, 1:4])
    with pytest.raises(InputError, match="does not fit"):
        CropBox(5, 0, 8, 2).apply(image)
    inside = box.contains([1.0, 3.999, 4.0, 0.999, 2.0], [2.0, 4.999, 3.0, 3.0, 5.0])
    assert inside.tolist() == [True, True, False, False, False]


class _Peak(SaliencyMapModel):
    name = "peak"

    def __init__(self, row, col):
        self.row, self.col = row, col
        self.seen_ids = []

    def saliency_map(self, image, *, image_id=None):
        self.seen_ids.append(image_id)
        m = np.zeros(np.shape(image)[:2])
        m[self.row, self.col] = 1.0
        return m


class _LogDensity(ProbabilisticModel):
    def log_density(self, image, *, image_id=None):
        h, w = np.shape(image)[:2]
        z = np.zeros((h, w))
        z[:, -5:] = 3.0  # the right-most columns are e^3 times as likely
        return z - np.logaddexp.reduce(z.ravel())


def test_model_crops_with_models_and_callables():
    image = np.zeros((40, 100, 3), np.uint8)
    model = _Peak(10, 90)
    crops = model_crops(model, image, ratios=[1.0, 0.2], image_id="x")
    assert model.seen_ids == ["x"]
    assert crops.box("argmax", 1.0) == CropBox(60, 0, 100, 40)
    assert crops.box("argmax", 0.2) == CropBox(0, 0, 100, 20)  # 20 rows centred on row 10
    # a probabilistic model is cropped by its density
    dense = model_crops(_LogDensity(), image, ratios=[1.0])
    assert dense.box("mass", 1.0).x1 == 100 and dense.box("argmax", 1.0).x1 == 100
    # a plain callable
    out = crop(lambda im: im[..., 0].astype(float) + 1.0, image, ratios=[1.0], method="centre")
    assert len(out) == 1 and out[0].shape == (40, 40, 3)
    frame = crops.to_frame()
    assert list(frame.columns) == ["method", "ratio", "ratio_value", "x0", "y0", "x1", "y1"]
    assert len(frame) == 6 and set(frame["ratio"]) == {"1", "0.2"}
    assert isinstance(crops, Crops) and crops.images(image, "mass")[1].shape == (20, 100, 3)


def test_bad_maps_and_arguments_are_refused():
    image = np.zeros((20, 30), np.uint8)
    with pytest.raises(InputError, match="shape .*image"):
        model_crops(lambda im: np.zeros((20, 31)), image)
    nan_map = np.zeros((20, 30))
    nan_map[3, 4] = np.nan
    with pytest.raises(InputError, match="non-finite.*row 3, column 4"):
        model_crops(lambda im: nan_map, image)
    with pytest.raises(InputError, match="negative values"):
        crop_boxes(np.full((20, 30), -1.0))
    # the argmax and centre rules accept any finite map, e.g. logits
    assert crop_boxes(np.full((20, 30), -1.0), methods=["argmax", "centre"]).methods == (
        "argmax", "centre")
    with pytest.raises(InputError, match="unknown crop method"):
        crop_boxes(np.ones((4, 4)), methods=["thirds"])
    with pytest.raises(InputError, match="ratios is empty"):
        crop_boxes(np.ones((4, 4)), ratios=[])
    with pytest.raises(InputError, match="SaliencyMapModel or a callable"):
        model_crops(42, image)
    crops = crop_boxes(np.ones((4, 4)), ratios=[1.0])
    with pytest.raises(InputError, match="no crop for ratio"):
        crops.box("argmax", 2.0)
    with pytest.raises(InputError, match="made for"):
        crops.images(np.zeros((5, 4)))


def test_plot_crops_draws_every_box_and_the_point():
    import matplotlib.pyplot as plt

    from salbench.cropping import plot_crops

    image = np.zeros((30, 60, 3), np.uint8)
    image[10, 50] = 255
    crops = model_crops(lambda im: im[..., 0].astype(float), image, ratios=[1.0, 0.5, "image"])
    ax = plot_crops(image, crops, saliency_alpha=0.3)
    assert len(ax.patches) == 3 * 3
    rect = ax.patches[0]  # argmax, ratio 1: columns [30, 60)
    assert (rect.get_x(), rect.get_width(), rect.get_height()) == (30, 30, 30)
    (point,) = [line for line in ax.lines if line.get_label() == "salient point"]
    assert (point.get_xdata()[0], point.get_ydata()[0]) == (50.5, 10.5)  # pixel centre
    assert ax.get_xlim() == (0, 60) and ax.get_ylim() == (30, 0)
    plt.close(ax.figure)
    with pytest.raises(InputError, match="made for"):
        plot_crops(np.zeros((31, 60)), crops)
    with pytest.raises(InputError, match="no 'thirds' crops"):
        plot_crops(image, crops, methods=["thirds"])
