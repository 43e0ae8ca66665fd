"""The packaged default gaze model: loads without torch, matches torch, costs what it says, works.

The real accuracy numbers are in ``benchmarks/bench_gaze_models.py`` (``docs/gaze_models.md``);
here only a weak, robust check that the model beats the centre bias on a few OSIE test images.
"""

import json
import subprocess
import sys
import textwrap

import numpy as np
import pytest

from salbench.models import default as default_module
from salbench.models.default import (
    MODELS_DIR, LearnedCentreBias, default_model, default_network, default_variant, to_gazenet,
    variants,
)
from salbench.models.fastgaze.flops import conv_flops, multiply_adds
from salbench.models.fastgaze.model import preprocess
from salbench.models.fastgaze.network import Conv2d, MaxPool2d
from salbench.models.fastgaze.runtime import GemmStats

from conftest import REPO, SHARED

OSIE_ROOT = SHARED / "datasets"


@pytest.fixture(scope="module")
def osie():
    from salbench.datasets import load

    return load("osie", root=OSIE_ROOT)


@pytest.fixture(scope="module")
def split(osie):
    from salbench.datasets import split_images

    return split_images(osie, seed=0)


def test_package_files_are_small_and_indexed():
    facts = variants()
    assert default_variant() in facts and "unpruned" in facts
    assert variants(family="lite"), "the Lite variants are packaged (issue 16)"
    total = 0
    for name, fact in facts.items():
        path = MODELS_DIR / fact["file"]
        assert path.is_file(), name
        total += path.stat().st_size
    assert total < 8 * 10**6  # both families together: "at most 8 MB" (issue 16)
    assert (MODELS_DIR / "README.md").is_file()


def test_loads_and_runs_without_torch(split):
    """A fresh interpreter in which ``import torch`` fails scores an OSIE test image."""
    image_index = split.test[0]
    code = textwrap.dedent(f"""
        import json, sys
        sys.modules["torch"] = None          # any "import torch" now raises ImportError
        import numpy as np
        from salbench.datasets import load
        from salbench.models import default_model
        osie = load("osie", root={str(OSIE_ROOT)!r})
        image = osie.stimuli.load({image_index})
        log_p = default_model(threads=1).log_density(image)
        print(json.dumps({{"shape": list(log_p.shape), "dtype": str(log_p.dtype),
                          "finite": bool(np.isfinite(log_p).all()),
                          "logsumexp": float(np.logaddexp.reduce(log_p.ravel())),
                          "torch": sys.modules.get("torch") is not None}}))
    """)
    done = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, done.stderr
    out = json.loads(done.stdout.strip().splitlines()[-1])
    assert out["shape"] == [600, 800]
    assert out["finite"] and not out["torch"]
    assert abs(out["logsumexp"]) < 1e-9


def test_blocking_torch_really_blocks():
    """The subprocess trick above would prove nothing if torch could still be imported."""
    code = "import sys; sys.modules['torch'] = None\ntry:\n import torch\nexcept ImportError:\n print('blocked')"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.stdout.strip() == "blocked"


#: The GazeNet variant recommended before the Lite family (the tests of GazeNet specifics use it).
GAZENET_DEFAULT = "pruned-12"


@pytest.mark.parametrize("variant", sorted(variants(family="gazenet")))
def test_runtime_matches_torch_gazenet(variant, osie, split):
    """Framework-free runtime == PyTorch GazeNet (same weights) to float32 rounding."""
    import torch

    from salbench.models.pruning import GazeNetModel

    model = default_model(variant, threads=2)
    network = model.network
    net = to_gazenet(network)
    image = osie.stimuli.load(split.test[1])
    size = model.input_size(image.shape[:2])
    assert size == tuple(network.metadata["input_size"])  # OSIE images: the training input
    from PIL import Image

    small = np.asarray(Image.fromarray(image).resize(size[::-1], Image.Resampling.BILINEAR))
    # network logits at 1/8 resolution
    x = preprocess(small, model.preprocessing, size)
    ours = model.runtime.forward(x)[0]
    with torch.no_grad():
        theirs = net.logits(torch.from_numpy(small.transpose(2, 0, 1).astype(np.float32))[None])
    theirs = theirs[0, 0].numpy()
    assert ours.shape == theirs.shape == (size[0] // 8, size[1] // 8)
    scale = np.abs(theirs).max()
    np.testing.assert_allclose(ours, theirs, rtol=0, atol=1e-5 * scale)
    # whole log-density on an image of the training input size (no resizing on either side)
    ours = model.log_density(small)
    theirs = GazeNetModel(net).log_density(small)
    np.testing.assert_allclose(ours, theirs, rtol=0, atol=2e-4)
    assert np.isclose(np.logaddexp.reduce(ours.ravel()), 0.0)


def test_centre_bias_matches_torch_prior():
    import torch

    network = default_network(GAZENET_DEFAULT)
    net = to_gazenet(network)
    prior = LearnedCentreBias.from_network(network)
    with torch.no_grad():
        theirs = net.log_prior(30, 40, dtype=torch.float64)
        theirs = (theirs - torch.logsumexp(theirs.reshape(-1), 0)).numpy()
    np.testing.assert_allclose(prior.log_density((30, 40)), theirs, atol=1e-12)


@pytest.mark.parametrize("variant", sorted(variants(family="gazenet")))
def test_flop_count_matches_analytic_and_counted(variant):
    from salbench.models.pruning import network_flops

    network = default_network(variant)
    height, width = network.metadata["input_size"]
    # by hand from the layer shapes: H·W·C_out·(2·C_in·k² + 1) per convolution
    expected, h, w = 0, height, width
    for layer in network.layers:
        if isinstance(layer, Conv2d):
            o, i, kh, kw = layer.weight.shape
            expected += h * w * o * (2 * i * kh * kw + 1)
        elif isinstance(layer, MaxPool2d):
            h, w = h // layer.size, w // layer.size
    assert conv_flops(network, height, width) == expected
    assert network_flops(to_gazenet(network), (height, width)) == expected
    assert variants()[variant]["gflop_at_input"] == pytest.approx(expected / 1e9, rel=1e-12)
    # multiply-adds the runtime really performs
    stats = GemmStats()
    default_model(variant, threads=1).runtime.forward(
        np.zeros((3, height, width), np.float32), stats=stats)
    assert stats.useful_macs == multiply_adds(network, height, width)
    assert 2 * stats.useful_macs + stats.bias_adds == expected


def test_beats_centre_bias_on_test_images(osie, split):
    """Weak and robust: more log-likelihood than a training-fitted centre bias on 8 test images."""
    from salbench.models.baselines import CentreBiasModel

    centre_bias = CentreBiasModel().fit(osie, images=split.train)
    model = default_model(threads=2)
    ours, theirs, n = 0.0, 0.0, 0
    for i in split.test[:8]:
        f = osie.fixations.for_image(i)
        rows, cols = np.floor(f.y).astype(int), np.floor(f.x).astype(int)
        ours += model.log_density(osie.stimuli.load(i))[rows, cols].sum()
        theirs += centre_bias.log_density(osie.stimuli.shape(i))[rows, cols].sum()
        n += rows.size
    gain = (ours - theirs) / n / np.log(2)
    assert gain > 0.2, f"information gain over the centre bias {gain:.3f} bits/fixation"


def test_unknown_variant_is_an_error():
    from salbench.exceptions import InputError

    with pytest.raises(InputError, match="unknown default-model variant 'nope'"):
        default_model("nope")


def test_lazy_export():
    import salbench.models

    assert salbench.models.default_model is default_module.default_model


def test_builtin_spec_builds_the_packaged_variants():
    from salbench.exceptions import InputError
    from salbench.models import from_spec

    facts = variants()
    default = from_spec("builtin:default", threads=1)
    metadata = default.network.metadata
    assert metadata.get("variant", metadata.get("candidate")) == facts[default_variant()]["candidate"]
    smaller = from_spec("builtin:pruned-25", threads=1)
    assert smaller.network.metadata["variant"] == facts["pruned-25"]["candidate"]
    assert smaller.gflops(240, 320) < from_spec("builtin:unpruned").gflops(240, 320)
    with pytest.raises(InputError, match="unknown default-model variant 'pruned-99'"):
        from_spec("builtin:pruned-99")


def test_crop_command_runs_the_builtin_model(tmp_path):
    """``salbench crop builtin:default IMAGE`` finds a bright object on a dark photograph."""
    from click.testing import CliRunner
    from PIL import Image

    from salbench.cli import crop_command

    image = np.full((120, 240, 3), 30, np.uint8)
    yy, xx = np.mgrid[:120, :240]
    image[(yy - 60) ** 2 + (xx - 190) ** 2 < 15 ** 2] = (250, 60, 40)  # a red disc on the right
    Image.fromarray(image).save(tmp_path / "scene.png")
    result = CliRunner().invoke(crop_command, ["builtin:default", str(tmp_path / "scene.png"),
                                               "--ratios", "1", "--method", "argmax",
                                               "--out", str(tmp_path / "out")])
    assert result.exit_code == 0, result.output
    import pandas as pd

    box = pd.read_csv(tmp_path / "out" / "crops.csv").iloc[0]
    assert box["x0"] <= 190 < box["x1"] and box["x0"] > 0  # the square crop keeps the disc
