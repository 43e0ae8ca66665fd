"""salbench.torch.StreamingScores: torchmetrics' expectations and the numpy StreamingScores."""

from __future__ import annotations

import math
import os
import socket
import subprocess
import sys
import warnings
from pathlib import Path

import numpy as np
import pytest

torch = pytest.importorskip("torch")
pytest.importorskip("torchmetrics")

import salbench.metrics as M  # noqa: E402
from salbench.exceptions import DegenerateInputWarning, InputError  # noqa: E402
from salbench.torch import StreamingScores, pad_fixations  # noqa: E402

import _torch_distributed  # noqa: E402

HERE = Path(__file__).resolve().parent
# image 2 of the data has no fixations: NaN there (with a warning) is part of what is tested
pytestmark = pytest.mark.filterwarnings("ignore::salbench.exceptions.DegenerateInputWarning")


def _numpy_scores(maps, refs, x, y, lengths, metrics, average="image"):
    keep = np.arange(x.shape[1])[None, :] < lengths.numpy()[:, None]
    n = np.repeat(np.arange(len(maps)), lengths.numpy())
    streaming = M.StreamingScores(metrics)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DegenerateInputWarning)
        streaming.update(maps.numpy(), x.numpy()[keep], y.numpy()[keep], n,
                         reference_maps=refs.numpy())
    return streaming.compute(average=average)


def test_update_compute_reset_equal_the_numpy_streaming_scores():
    maps, refs, x, y, lengths = _torch_distributed.data()
    metric = StreamingScores(_torch_distributed.METRICS)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DegenerateInputWarning)
        for part in (slice(0, 2), slice(2, 3), slice(3, 6)):
            metric.update(maps[part], x[part], y[part], lengths[part], reference_maps=refs[part])
    got = {k: float(v) for k, v in metric.compute().items()}
    expected = _numpy_scores(maps, refs, x, y, lengths, _torch_distributed.METRICS)
    for name in expected:
        assert got[name] == pytest.approx(expected[name], rel=1e-12), name
    assert metric.undefined.tolist()[0] == 1  # image 2 has no fixations
    metric.reset()
    with pytest.warns(UserWarning, match="called before the ``update``"):  # torchmetrics'
        assert all(math.isnan(float(v)) for v in metric.compute().values())
    assert float(metric.images.sum()) == 0


def test_average_over_fixations():
    maps, refs, x, y, lengths = _torch_distributed.data()
    metric = StreamingScores(["auc", "nss"], average="fixation")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DegenerateInputWarning)
        metric.update(maps, x, y, lengths)
    expected = _numpy_scores(maps, refs, x, y, lengths, ["auc", "nss"], average="fixation")
    assert {k: float(v) for k, v in metric.compute().items()} == pytest.approx(expected,
                                                                              rel=1e-12)
    with pytest.raises(InputError, match="not means over fixations"):
        StreamingScores(["cc"], average="fixation")


def test_forward_returns_the_batch_and_accumulates():
    maps, refs, x, y, lengths = _torch_distributed.data()
    metric = StreamingScores(["auc", "cc"])
    first = metric(maps[:3], x[:3], y[:3], lengths[:3], reference_maps=refs[:3])
    alone = StreamingScores(["auc", "cc"])
    alone.update(maps[:3], x[:3], y[:3], lengths[:3], reference_maps=refs[:3])
    assert {k: float(v) for k, v in first.items()} == {
        k: float(v) for k, v in alone.compute().items()}
    metric(maps[3:], x[3:], y[3:], lengths[3:], reference_maps=refs[3:])
    both = StreamingScores(["auc", "cc"])
    both.update(maps, x, y, lengths, reference_maps=refs)
    for name, value in metric.compute().items():
        assert float(value) == pytest.approx(float(both.compute()[name]), rel=1e-12)


def test_merge_and_state_dict():
    maps, refs, x, y, lengths = _torch_distributed.data()
    a, b, whole = (StreamingScores(["auc", "sim"]) for _ in range(3))
    a.update(maps[:4], x[:4], y[:4], lengths[:4], reference_maps=refs[:4])
    b.update(maps[4:], x[4:], y[4:], lengths[4:], reference_maps=refs[4:])
    whole.update(maps, x, y, lengths, reference_maps=refs)
    assert a.merge(b) is a
    for name, value in whole.compute().items():
        assert float(a.compute()[name]) == pytest.approx(float(value), rel=1e-12)
    state = a.state_dict()
    assert set(state) == {"value_sum", "weighted_sum", "images", "fixations", "undefined"}
    restored = StreamingScores(["auc", "sim"])
    restored.load_state_dict(state)
    with warnings.catch_warnings():  # torchmetrics counts updates, not loaded states
        warnings.simplefilter("ignore", UserWarning)
        assert {k: float(v) for k, v in restored.compute().items()} == {
            k: float(v) for k, v in a.compute().items()}
    with pytest.raises(InputError, match="cannot merge"):
        a.merge(StreamingScores(["auc"]))


def test_states_follow_the_module_to_a_device_and_dtype_of_the_maps():
    metric = StreamingScores(["nss"])
    maps = torch.rand(2, 5, 6, dtype=torch.float32, requires_grad=True)
    metric.update(maps * 1.0, torch.tensor([[0.5], [1.5]]), torch.tensor([[0.5], [2.5]]),
                  torch.tensor([1, 1]))
    assert metric.value_sum.dtype == torch.float64 and metric.value_sum.device == maps.device
    assert not metric.compute()["nss"].requires_grad


def test_rejects_metrics_without_a_torch_core():
    with pytest.raises(InputError, match="has no torch implementation"):
        StreamingScores(["auc_borji"])


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.slow
def test_two_process_gloo_sync_equals_one_process(tmp_path):
    port, out = _free_port(), tmp_path / "result.pt"
    env = {**os.environ, "PORT": str(port), "OUT": str(out),
           "PYTHONPATH": os.pathsep.join([str(HERE.parent), str(HERE),
                                          os.environ.get("PYTHONPATH", "")])}
    processes = [subprocess.Popen([sys.executable, str(HERE / "_torch_distributed.py")],
                                  env={**env, "RANK": str(rank)}, stdout=subprocess.PIPE,
                                  stderr=subprocess.STDOUT, text=True)
                 for rank in range(2)]
    outputs = [p.communicate(timeout=240)[0] for p in processes]
    assert all(p.returncode == 0 for p in processes), outputs
    synced = torch.load(out)
    maps, refs, x, y, lengths = _torch_distributed.data()
    single = StreamingScores(_torch_distributed.METRICS)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DegenerateInputWarning)
        single.update(maps, x, y, lengths, reference_maps=refs)
    for name, value in single.compute().items():
        assert float(synced[name]) == pytest.approx(float(value), rel=1e-12), name
    # and the synced value is not what rank 0 alone would give
    alone = StreamingScores(["auc"])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DegenerateInputWarning)
        alone.update(maps[:4], x[:4], y[:4], lengths[:4])
    assert float(alone.compute()["auc"]) != pytest.approx(float(synced["auc"]), rel=1e-9)


def test_pad_fixations_round_trip_with_the_flat_layout():
    x, y, n = [0.5, 1.5, 2.5, 3.5], [0.5, 0.5, 1.5, 1.5], [2, 0, 2, 2]
    px, py, lengths = pad_fixations(x, y, n, 3)
    assert lengths.tolist() == [1, 0, 3]
    assert px[2, :3].tolist() == [0.5, 2.5, 3.5] and py[0, 0] == 0.5
