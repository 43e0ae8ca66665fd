"""The framework-free runtime agrees with PyTorch to float32 rounding (needs the torch extra)."""

import numpy as np
import pytest

from fastgaze_paths import OSIE_ROOT, VXM_PATH
from salbench.models.fastgaze.model import TWITTER_PREPROCESSING, preprocess
from salbench.models.fastgaze.network import Conv2d, GaussianBlur, MaxPool2d, Network
from salbench.models.fastgaze.runtime import Runtime
from salbench.models.fastgaze.vxm import read_vxm

torch = pytest.importorskip("torch", reason="the torch comparison needs the 'torch' extra")
from salbench.models.fastgaze.torch_module import to_torch_module  # noqa: E402


def run_torch(network, x):
    with torch.inference_mode():
        return to_torch_module(network)(torch.from_numpy(x)[None]).numpy()[0]


def test_twitter_network_on_a_real_osie_image_at_384x512():
    from PIL import Image

    image = np.asarray(Image.open(OSIE_ROOT / "stimuli" / "1002.jpg").convert("RGB"))
    x = preprocess(image, TWITTER_PREPROCESSING, (384, 512))
    network = read_vxm(VXM_PATH)
    ours = Runtime(network).forward(x)
    theirs = run_torch(network, x)
    assert ours.shape == theirs.shape == (1, 24, 32)
    scale = np.abs(theirs).max()
    assert np.ptp(theirs) > 0.1
    # float32 rounding through 14 layers: a few hundred ulps of the output's magnitude at most.
    assert np.abs(ours - theirs).max() <= 300 * np.finfo(np.float32).eps * scale


@pytest.mark.parametrize("size", [(33, 47), (64, 64), (17, 90)])
def test_random_network_with_odd_sizes_and_every_layer_kind(size):
    rng = np.random.default_rng(sum(size))
    network = Network([
        Conv2d(rng.normal(size=(6, 3, 3, 3)) / 5, rng.normal(size=6), "relu"),
        MaxPool2d(2),
        Conv2d(rng.normal(size=(5, 6, 5, 3)) / 9, rng.normal(size=5), "prelu", 0.3),
        MaxPool2d(3),
        Conv2d(rng.normal(size=(1, 5, 1, 1)), rng.normal(size=1)),
        GaussianBlur(5, 1.0),
    ])
    x = rng.normal(size=(3,) + size).astype(np.float32)
    ours = Runtime(network, tile_values=300).forward(x)
    theirs = run_torch(network, x)
    assert ours.shape == theirs.shape
    assert np.abs(ours - theirs).max() <= 100 * np.finfo(np.float32).eps * np.abs(theirs).max()
