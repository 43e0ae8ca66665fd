"""The framework-free forward pass against slow references (scipy / loops) and PyTorch."""

import tracemalloc

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

import naive_fastgaze as naive
from fastgaze_paths import OSIE_ROOT, VXM_PATH
from salbench.exceptions import InputError
from salbench.models.fastgaze import runtime
from salbench.models.fastgaze.flops import conv_flops, layer_costs, multiply_adds
from salbench.models.fastgaze.network import Conv2d, GaussianBlur, MaxPool2d, Network
from salbench.models.fastgaze.runtime import GemmStats, Runtime
from salbench.models.fastgaze.vxm import read_vxm

TWITTER = read_vxm(VXM_PATH)


def assert_close_float32(ours, reference, *, factor=50, magnitude=None):
    """Agreement to float32 rounding: errors a few dozen ulps of the values' magnitude.

    ``magnitude`` (default: the reference output) is the size of what was summed; an output
    that is small by cancellation still carries the rounding of its large terms.
    """
    assert ours.dtype == np.float32 and ours.shape == reference.shape
    scale = max(float(np.abs(reference if magnitude is None else magnitude).max()), 1e-30)
    error = float(np.abs(ours.astype(np.float64) - reference).max())
    assert error <= factor * np.finfo(np.float32).eps * scale, (error, scale)


@st.composite
def networks(draw):
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    channels = draw(st.integers(1, 4))
    layers = []
    for _ in range(draw(st.integers(1, 4))):
        kh, kw = draw(st.sampled_from([(1, 1), (3, 3), (5, 5), (3, 1), (1, 5)]))
        out = draw(st.integers(1, 6))
        act = draw(st.sampled_from(["relu", "prelu", None]))
        w = rng.normal(size=(out, channels, kh, kw)) / np.sqrt(channels * kh * kw)
        layers.append(Conv2d(w, rng.normal(size=out) * 0.3, act,
                             float(rng.uniform(0, 0.5)) if act == "prelu" else 0.0))
        channels = out
        if draw(st.booleans()):
            layers.append(MaxPool2d(draw(st.sampled_from([2, 2, 3]))))
    if draw(st.booleans()):
        layers.append(GaussianBlur(draw(st.sampled_from([1, 3, 7])),
                                   draw(st.floats(0.5, 3.0))))
    return Network(layers)


@settings(max_examples=60, deadline=None)
@given(net=networks(), data=st.data())
def test_forward_matches_scipy_reference(net, data):
    stride = net.output_stride
    height = data.draw(st.integers(stride, stride * 3 + 5), label="height")
    width = data.draw(st.integers(stride, stride * 3 + 5), label="width")
    # Tiny tiles force many row tiles (and odd last tiles) through the same code path.
    tile_values = data.draw(st.sampled_from([1, 64, 1000, runtime.TILE_VALUES]), label="tile")
    x = np.random.default_rng(height * 100 + width).normal(size=(net.in_channels, height, width))
    x = x.astype(np.float32)
    ours = Runtime(net, tile_values=tile_values).forward(x)
    assert ours.shape == net.output_shape(height, width)
    assert_close_float32(ours, naive.forward(net, x),
                         magnitude=naive.forward(net, x, absolute=True))


def test_twitter_network_matches_reference_on_a_small_real_image():
    from PIL import Image  # pillow ships with matplotlib / scikit-image

    image = Image.open(OSIE_ROOT / "stimuli" / "1001.jpg").convert("RGB").resize((96, 64))
    x = np.asarray(image, np.float32).transpose(2, 0, 1) - np.float32(120.0)
    ours = Runtime(TWITTER).forward(x)
    reference = naive.forward(TWITTER, x)
    assert ours.shape == (1, 4, 6)
    assert np.ptp(reference) > 0.1  # a real, non-constant map
    assert_close_float32(ours, reference, factor=200)


@pytest.mark.parametrize("size", [(16, 16), (37, 53), (64, 48)])
def test_flop_count_equals_loop_counted_multiply_adds(size):
    rng = np.random.default_rng(3)
    net = Network([Conv2d(rng.normal(size=(3, 2, 3, 3)), rng.normal(size=3), "relu"),
                   MaxPool2d(2),
                   Conv2d(rng.normal(size=(2, 3, 5, 1)), rng.normal(size=2), "prelu", 0.2),
                   Conv2d(rng.normal(size=(1, 2, 1, 1)), rng.normal(size=1))])
    height, width = size
    x = rng.normal(size=(2, height, width)).astype(np.float32)
    counter = {"macs": 0, "adds": 0}
    value = x.astype(np.float64)
    for layer in net.layers:
        if isinstance(layer, Conv2d):
            value = naive.activation(naive.conv2d_loops(value, layer.weight, layer.bias, counter),
                                     layer.activation, layer.alpha)
        else:
            value = naive.max_pool(value, layer.size)
    assert counter["macs"] == multiply_adds(net, height, width)
    assert 2 * counter["macs"] + counter["adds"] == conv_flops(net, height, width)
    # ...and the runtime performs exactly those multiply-adds (plus junk border columns).
    stats = GemmStats()
    ours = Runtime(net, tile_values=50).forward(x, stats=stats)
    assert stats.useful_macs == counter["macs"] and stats.bias_adds == counter["adds"]
    assert stats.computed_macs >= stats.useful_macs
    assert_close_float32(ours, value)


@pytest.mark.parametrize("size", [(384, 512), (97, 131), (200, 264)])
def test_twitter_flops_equal_runtime_multiply_adds(size):
    stats = GemmStats()
    Runtime(TWITTER).forward(np.zeros((3,) + size, np.float32), stats=stats)
    assert stats.useful_macs == multiply_adds(TWITTER, *size)
    assert 2 * stats.useful_macs + stats.bias_adds == conv_flops(TWITTER, *size)
    # The padded-width layout wastes at most 2 columns per row of a 3×3 layer.
    assert stats.computed_macs <= stats.useful_macs * (1 + 2 / (size[1] // 16))


def test_twitter_gflop_at_384x512():
    # The figure quoted for this file in docs/fastgaze-vxm.md: about 12.5 GFLOP.
    assert conv_flops(TWITTER, 384, 512) == 12_532_788_480
    costs = layer_costs(TWITTER, 384, 512)
    assert costs[-1].output_shape == (1, 24, 32)


def test_memory_stays_within_a_few_activations():
    height, width = 384, 512
    largest = max(np.prod(c.output_shape) for c in layer_costs(TWITTER, height, width)) * 4
    model = Runtime(TWITTER)
    x = np.zeros((3, height, width), np.float32)
    model.forward(x)  # compile / warm up outside the measurement
    tracemalloc.start()
    try:
        model.forward(x)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    # Two padded activations alive at once plus one im2col and one GEMM-output tile.
    assert peak < 3.0 * largest, (peak / largest)


def test_input_validation():
    model = Runtime(TWITTER)
    with pytest.raises(InputError, match=r"shape \(3, height, width\)"):
        model.forward(np.zeros((384, 512, 3), np.float32))
    with pytest.raises(InputError, match="smaller than the network's output stride 16"):
        model.forward(np.zeros((3, 15, 100), np.float32))
    with pytest.raises(InputError, match="NaN"):
        model.forward(np.full((3, 16, 16), np.nan, np.float32))
    with pytest.raises(InputError, match="Network"):
        Runtime("fastgaze.vxm")


# -- each Numba kernel against its reference ----------------------------------------------------

@settings(max_examples=80, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), channels=st.integers(1, 3), rows=st.integers(1, 7),
       width=st.integers(1, 9), junk=st.integers(0, 4), act=st.sampled_from([0, 1, 2]),
       size=st.sampled_from([1, 2, 3]), pads=st.tuples(st.integers(0, 2), st.integers(0, 2)),
       row0=st.integers(0, 2))
def test_store_kernels_match_reference(seed, channels, rows, width, junk, act, size, pads, row0):
    rng = np.random.default_rng(seed)
    tile_width = width + junk
    tile = rng.normal(size=(channels, rows * tile_width)).astype(np.float32)
    bias = rng.normal(size=channels).astype(np.float32)
    alpha = np.float32(0.3)
    ph, pw = pads
    out_rows, out_w = (row0 + rows, width) if size == 1 else (row0 + rows // size, width // size)
    out_wp = out_w + 2 * pw
    shape = (channels, (out_rows + 2 * ph) * out_wp + 3)
    ours, ref = np.full(shape, 7.0, np.float32), np.full(shape, 7.0)
    if size == 1:
        runtime._store_tile(tile, rows, tile_width, width, bias, act, alpha, ours, out_wp, ph, pw,
                            row0)
        naive.store_tile(tile, rows, tile_width, width, bias, act, alpha, ref, out_wp, ph, pw, row0)
    else:
        runtime._store_tile_pooled(tile, rows, tile_width, width, size, bias, act, alpha, ours,
                                   out_wp, ph, pw, row0)
        naive.store_tile_pooled(tile, rows, tile_width, width, size, bias, act, alpha, ref, out_wp,
                                ph, pw, row0)
    # Untouched cells (7.0) must agree too: the kernels write nothing outside their rows.
    np.testing.assert_allclose(ours, ref, rtol=1e-6, atol=1e-6)


@settings(max_examples=50, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), channels=st.integers(1, 3), height=st.integers(3, 11),
       width=st.integers(3, 11), size=st.sampled_from([1, 2, 3]),
       src_pad=st.tuples(st.integers(0, 2), st.integers(0, 2)),
       out_pad=st.tuples(st.integers(0, 2), st.integers(0, 2)))
def test_max_pool_kernel_matches_reference(seed, channels, height, width, size, src_pad, out_pad):
    rng = np.random.default_rng(seed)
    image = rng.normal(size=(channels, height, width)).astype(np.float32)
    sph, spw = src_pad
    swp = width + 2 * spw
    src = np.zeros((channels, (height + 2 * sph) * swp + 2 * spw), np.float32)
    src[:, : (height + 2 * sph) * swp].reshape(channels, -1, swp)[
        :, sph: sph + height, spw: spw + width] = image
    oh, ow = height // size, width // size
    oph, opw = out_pad
    owp = ow + 2 * opw
    out = np.zeros((channels, (oh + 2 * oph) * owp), np.float32)
    runtime._max_pool(src, height, width, swp, sph, spw, size, out, owp, oph, opw)
    expected = np.zeros((channels, oh + 2 * oph, owp))
    expected[:, oph: oph + oh, opw: opw + ow] = naive.max_pool(image, size)
    np.testing.assert_array_equal(out.reshape(channels, -1, owp), expected)


@settings(max_examples=50, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), channels=st.integers(1, 2), height=st.integers(1, 30),
       width=st.integers(1, 30), kernel_size=st.sampled_from([1, 3, 5, 19]),
       std=st.floats(0.3, 5.0))
def test_blur_kernel_matches_reference(seed, channels, height, width, kernel_size, std):
    rng = np.random.default_rng(seed)
    image = rng.normal(size=(channels, height, width)).astype(np.float32)
    taps = GaussianBlur(kernel_size, std).kernel()
    out = np.empty_like(image)
    runtime._blur_rows_then_columns(image, taps, out)
    expected = naive.blur(image, naive.gaussian_taps(kernel_size, std))
    np.testing.assert_allclose(out, expected, rtol=1e-5, atol=1e-5 * np.abs(image).max())


def test_threads_give_identical_results_and_restore_blas_threads():
    from salbench import _blas

    x = np.random.default_rng(5).normal(size=(3, 70, 90)).astype(np.float32) * 50
    assert _blas.available()  # numpy's bundled OpenBLAS is found on the supported platforms
    before = _blas.thread_counts()
    one = Runtime(TWITTER, threads=1, tile_values=4000).forward(x)
    two = Runtime(TWITTER, threads=2, tile_values=4000).forward(x)
    three = Runtime(TWITTER, threads=3, tile_values=4000).forward(x)
    # Tiles are the same whichever thread runs them, so the results are bit-identical...
    assert np.array_equal(one, two) and np.array_equal(one, three)
    # ...while another tile size changes BLAS's blocking, hence the float32 rounding only.
    other = Runtime(TWITTER, threads=2, tile_values=100_000).forward(x)
    assert_close_float32(other, one.astype(np.float64))
    assert _blas.thread_counts() == before
    with _blas.single_threaded():
        with _blas.single_threaded():
            assert set(_blas.thread_counts()) == {1}
        assert set(_blas.thread_counts()) == {1}
    assert _blas.thread_counts() == before
