"""Trainable FastGaze-style gaze models and Fisher pruning (needs the optional ``torch`` extra).

Importing this subpackage imports PyTorch; ``import salbench`` and ``salbench.models`` never do.

Typical use::

    from salbench.models.pruning import (FixationData, GazeNet, export_onnx, network_flops,
                                         prune, to_fastgaze_model, train)
    data = FixationData.from_arrays(images, x=x, y=y, n=n)      # images (N, H, W, 3), 0-255 RGB
    net = GazeNet(backbone=((32, 32), (64, 64), (128, 128)), readout=(16,))
    train(net, data, steps=2000)                                 # Adam, fixation log-likelihood
    full = network_flops(net, data.image_size)
    history = prune(net, data, criterion="fisher", beta=0.05, target_flops=full / 4)
    export_onnx(net, "pruned.onnx")                              # or: to_fastgaze_model(net)

Modules: :mod:`.architecture` (the network), :mod:`.train` (data, loss, training loop),
:mod:`.fisher` (per-example Fisher signals), :mod:`.flops` (analytic cost and removal savings),
:mod:`.prune` (physical removal and the greedy loop), :mod:`.export` (runtime IR, ``.vxm``, ONNX),
:mod:`.model` (probabilistic-model adapter, save/load), :mod:`.synthetic` (a toy task with known
structure).
"""

from .architecture import (
    IMAGENET_MEAN_RGB,
    IMAGENET_STD_RGB,
    ChannelMask,
    GaussianCentreBias,
    GazeNet,
    SeparableGaussianBlur,
)
from .export import (
    GaussianCentreBiasPrior,
    export_onnx,
    export_runtime,
    export_vxm,
    to_fastgaze_model,
    to_network,
)
from .fisher import FisherAccumulator, fisher_signals
from .flops import LayerCost, conv_flops, head_flops, layer_costs, network_flops, removal_savings
from .model import GazeNetModel, load_model, save_model
from .prune import CRITERIA, prune, pruning_scores, remove_channel, select_map, weight_magnitudes
from .synthetic import synthetic_gaze_task
from .train import FixationData, mean_log_likelihood, per_example_loss, train, training_step

__all__ = [
    "CRITERIA",
    "ChannelMask",
    "FisherAccumulator",
    "FixationData",
    "GaussianCentreBiasPrior",
    "GazeNetModel",
    "GaussianCentreBias",
    "GazeNet",
    "IMAGENET_MEAN_RGB",
    "IMAGENET_STD_RGB",
    "LayerCost",
    "SeparableGaussianBlur",
    "conv_flops",
    "export_onnx",
    "export_runtime",
    "export_vxm",
    "fisher_signals",
    "head_flops",
    "layer_costs",
    "load_model",
    "mean_log_likelihood",
    "network_flops",
    "per_example_loss",
    "prune",
    "pruning_scores",
    "remove_channel",
    "removal_savings",
    "save_model",
    "select_map",
    "synthetic_gaze_task",
    "to_fastgaze_model",
    "to_network",
    "train",
    "training_step",
    "weight_magnitudes",
]
