"""The probabilistic model adapter around a FastGaze-style network (e.g. Twitter's ``.vxm``).

For an image of ``H × W`` pixels :class:`FastGazeModel` computes

    ``log p(x) = s · U(f(T(image)))(x) + w · log p_cb(x) − logsumexp(…)``

* ``T`` — :class:`~.network.Preprocessing`: resize to the network's input resolution (Pillow,
  bilinear with antialiasing), reorder channels, scale, subtract the mean, divide by the std;
* ``f`` — the network (framework-free :class:`~.runtime.Runtime`): one map of logits at
  ``1 / output_stride`` of the input resolution;
* a trailing Gaussian blur of the network runs either on the logit map (as stored) or, for
  Twitter's network by default, after upsampling with its std read as image pixels
  (``final_blur``, chosen by the OSIE evidence in ``models/fastgaze.md``);
* ``U`` — **bilinear interpolation of the logits** to the image's pixel grid. Logit cell ``(i, j)``
  summarises input pixels ``[s·i, s·(i+1)) × [s·j, s·(j+1))`` (``s`` = output stride), so its
  centre sits at input coordinate ``s·(i + ½)``, i.e. image coordinate ``s·(i + ½)·H / H_in``
  (continuous coordinates, pixel ``r`` spans ``[r, r + 1)``). Each image pixel centre ``r + ½`` is
  interpolated linearly between the two nearest cell centres; beyond the first / last centre the
  edge value is held constant (this also covers the trailing ``H_in mod s`` rows the network's
  floor-mode pooling drops). Interpolating logits (not densities) keeps the map smooth in log space,
  where the prior is added;
* ``s`` (``logit_scale``) and ``w`` (``centre_bias_weight``) are fitted by maximum likelihood on
  training fixations (:meth:`FastGazeModel.fit`); ``p_cb`` is a centre-bias model, e.g.
  :class:`salbench.models.baselines.CentreBiasModel` fitted on the same training images;
* the result is normalised so that ``logsumexp == 0``.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np

from ...exceptions import InputError
from ..base import ProbabilisticModel
from .flops import conv_flops
from .network import GaussianBlur, Network, Preprocessing, load_network
from .runtime import Runtime

#: The preprocessing settled on OSIE (see models/fastgaze.md, "Preprocessing"): 0–255 input in BGR
#: order minus the ImageNet mean pixel (the resolution is the model's ``input_pixels``).
IMAGENET_MEAN_RGB = (123.68, 116.779, 103.939)
TWITTER_PREPROCESSING = Preprocessing(input_size=None, channel_order="bgr", scale=1.0,
                                      mean=IMAGENET_MEAN_RGB[::-1])

#: Every image is resized (up or down, aspect ratio kept) to about this many pixels before the
#: network: the resolution the OSIE study found best (MODEL_CARD: "Preprocessing"), and a bound on
#: the cost of large photographs. ``None`` runs the network at each image's own size.
DEFAULT_INPUT_PIXELS = 480 * 640


def load(path) -> Network:
    """Read a network from a ``.vxm`` (Twitter) or ``.npz`` (salbench) file, by extension."""
    path = Path(path)
    if path.suffix.lower() == ".vxm":
        from .vxm import read_vxm

        return read_vxm(path)
    return load_network(path)


def _as_rgb(image) -> np.ndarray:
    a = np.asarray(image)
    if a.ndim == 2:
        a = np.repeat(a[:, :, None], 3, axis=2)
    if a.ndim != 3 or a.shape[2] not in (3, 4):
        raise InputError(f"image must be (H, W) greyscale or (H, W, 3) RGB, got shape {a.shape}")
    if a.dtype.kind not in "uif" or a.dtype == np.bool_:
        raise InputError(f"image must be a numeric array (uint8 RGB for photographs), "
                         f"got dtype {a.dtype}")
    if a.shape[0] < 1 or a.shape[1] < 1:
        raise InputError(f"image is empty (shape {a.shape})")
    return a[:, :, :3]


def input_size_for(shape, preprocessing: Preprocessing, *, pixels: int | None,
                   min_side: int) -> tuple:
    """The ``(height, width)`` the network sees for an image of ``shape`` (H, W).

    A fixed ``preprocessing.input_size`` wins; else the image is scaled (aspect kept) to about
    ``pixels`` pixels, or kept at its own size when ``pixels`` is None. Sides are at least
    ``min_side`` (the network's output stride).
    """
    if preprocessing.input_size is not None:
        return preprocessing.input_size
    height, width = int(shape[0]), int(shape[1])
    if pixels is not None:
        factor = math.sqrt(pixels / (height * width))
        height, width = max(1, int(round(height * factor))), max(1, int(round(width * factor)))
    return max(height, min_side), max(width, min_side)


def preprocess(image, preprocessing: Preprocessing, size) -> np.ndarray:
    """Turn an (H, W[, 3]) image into the network's float32 ``(3, height, width)`` input."""
    rgb = _as_rgb(image)
    height, width = size
    if rgb.shape[:2] != (height, width):
        from PIL import Image

        if rgb.dtype != np.uint8:
            raise InputError("only uint8 images can be resized for the network; pass an image of "
                             f"the network's input size {size} or a uint8 image")
        resized = Image.fromarray(np.ascontiguousarray(rgb)).resize(
            (width, height), Image.Resampling.BILINEAR)
        rgb = np.asarray(resized)
    x = rgb.astype(np.float32).transpose(2, 0, 1)
    if preprocessing.channel_order == "bgr":
        x = x[::-1]
    x = x * np.float32(preprocessing.scale)
    x -= np.asarray(preprocessing.mean, np.float32)[:, None, None]
    if preprocessing.std != (1.0, 1.0, 1.0):
        x /= np.asarray(preprocessing.std, np.float32)[:, None, None]
    return np.ascontiguousarray(x)


def _interpolation_matrix(n_out: int, n_cells: int, cell_size_in_out: float) -> np.ndarray:
    """(n_out, n_cells) bilinear weights from cell centres ``(i + ½)·cell_size`` to pixel centres."""
    centres = (np.arange(n_out) + 0.5) / cell_size_in_out - 0.5  # in units of cells
    centres = np.clip(centres, 0.0, n_cells - 1)
    low = np.floor(centres).astype(np.int64)
    high = np.minimum(low + 1, n_cells - 1)
    frac = centres - low
    m = np.zeros((n_out, n_cells))
    np.add.at(m, (np.arange(n_out), low), 1.0 - frac)
    np.add.at(m, (np.arange(n_out), high), frac)
    return m


def upsample_logits(logits, image_shape, input_shape, stride: int) -> np.ndarray:
    """Bilinear interpolation of an ``(h, w)`` logit map to ``image_shape`` (see module notes)."""
    logits = np.asarray(logits, dtype=np.float64)
    h_cells, w_cells = logits.shape
    height, width = image_shape
    cell_h = stride * height / input_shape[0]  # one cell, in image pixels
    cell_w = stride * width / input_shape[1]
    rows = _interpolation_matrix(height, h_cells, cell_h)
    cols = _interpolation_matrix(width, w_cells, cell_w)
    return rows @ logits @ cols.T


def blur_image(image: np.ndarray, blur: GaussianBlur) -> np.ndarray:
    """Separable zero-padded Gaussian blur of an (H, W) map, ``blur``'s taps read as pixels."""
    from scipy import ndimage

    taps = blur.kernel().astype(np.float64)
    out = ndimage.correlate1d(np.asarray(image, np.float64), taps, axis=1, mode="constant")
    return ndimage.correlate1d(out, taps, axis=0, mode="constant")


def _log_normalise(z: np.ndarray) -> np.ndarray:
    m = z.max()
    return z - (m + math.log(np.exp(z - m).sum()))


class FastGazeModel(ProbabilisticModel):
    """A FastGaze-style network as a probabilistic gaze model (see the module docstring).

    Parameters
    ----------
    network : Network or str or Path
        The network, or a ``.vxm`` / ``.npz`` file to read it from.
    preprocessing : Preprocessing, optional
        Default: the network's own (``network.preprocessing``), else :data:`TWITTER_PREPROCESSING`.
    centre_bias : ProbabilisticModel, optional
        The prior ``p_cb`` (called with the same ``image`` and ``image_id``); ``None`` for none.
    logit_scale, centre_bias_weight : float
        ``s`` and ``w`` of the module formula (set them, or fit them with :meth:`fit`).
    input_pixels : int or None
        Unless ``preprocessing.input_size`` fixes the input size, every image is resized (aspect
        kept, up or down) to about this many pixels; ``None`` keeps each image's own size.
    final_blur : {"auto", "network", "image"}
        Where a trailing :class:`GaussianBlur` of the network runs: ``"network"`` — as stored, on
        the ``1 / output_stride`` logit map; ``"image"`` — after upsampling, on the image's pixel
        grid, its kernel size and std read as pixels. ``"auto"`` (default) is ``"image"`` for
        Twitter's ``.vxm`` networks, where on OSIE the map-resolution blur cost 0.18 (768×1024
        input) to 0.52 (480×640) bits/fixation (models/fastgaze.md, "Blur"), and ``"network"``
        otherwise.
    threads : int, optional
        Worker threads of the runtime.

    Examples
    --------
    >>> import numpy as np
    >>> from salbench.models.fastgaze.network import Conv2d, MaxPool2d, Network
    >>> net = Network([Conv2d(np.ones((1, 3, 3, 3)) / 500, np.zeros(1)), MaxPool2d(4)])
    >>> model = FastGazeModel(net)
    >>> image = np.zeros((40, 60, 3), np.uint8); image[10:20, 30:40] = 255
    >>> log_p = model.log_density(image)
    >>> log_p.shape, bool(np.isclose(np.logaddexp.reduce(log_p.ravel()), 0.0))
    ((40, 60), True)
    >>> np.unravel_index(log_p.argmax(), log_p.shape)[0] in range(10, 20)
    True
    """

    name = "FastGaze"

    def __init__(self, network, *, preprocessing: Preprocessing | None = None,
                 centre_bias: ProbabilisticModel | None = None, logit_scale: float = 1.0,
                 centre_bias_weight: float = 1.0,
                 input_pixels: int | None = DEFAULT_INPUT_PIXELS,
                 final_blur: str = "auto", threads: int | None = None,
                 name: str | None = None):
        #: The file the network was read from (its hash is part of :meth:`fingerprint`).
        self.weights_file = None
        if isinstance(network, (str, Path)):
            self.weights_file = Path(network).resolve()
            network = load(network)
        if not isinstance(network, Network):
            raise InputError(f"network must be a Network or a .vxm/.npz path, got "
                             f"{type(network).__name__}")
        if network.in_channels != 3 or network.out_channels != 1:
            raise InputError(f"a gaze network maps 3 input channels to 1 logit map; this one maps "
                             f"{network.in_channels} to {network.out_channels}")
        self.network = network
        self.preprocessing = preprocessing or network.preprocessing or TWITTER_PREPROCESSING
        if not isinstance(self.preprocessing, Preprocessing):
            raise InputError("preprocessing must be a salbench Preprocessing")
        if centre_bias is not None and not isinstance(centre_bias, ProbabilisticModel):
            raise InputError("centre_bias must be a ProbabilisticModel (e.g. CentreBiasModel) "
                             "or None")
        self.centre_bias = centre_bias
        self.logit_scale = float(logit_scale)
        self.centre_bias_weight = float(centre_bias_weight)
        if not (math.isfinite(self.logit_scale) and math.isfinite(self.centre_bias_weight)):
            raise InputError("logit_scale and centre_bias_weight must be finite")
        if input_pixels is not None and (isinstance(input_pixels, bool) or not isinstance(
                input_pixels, (int, np.integer)) or input_pixels < network.output_stride ** 2):
            raise InputError(f"input_pixels must be None or an integer >= "
                             f"{network.output_stride ** 2}, got {input_pixels!r}")
        self.input_pixels = None if input_pixels is None else int(input_pixels)
        if final_blur == "auto":
            final_blur = "image" if network.metadata.get("format") == "vxm" else "network"
        if final_blur not in ("network", "image"):
            raise InputError(f"final_blur must be 'auto', 'network' or 'image', got {final_blur!r}")
        last = network.layers[-1]
        if final_blur == "image" and not isinstance(last, GaussianBlur):
            final_blur = "network"  # nothing to move
        self.final_blur = final_blur
        # With final_blur="image" the trailing blur is taken out of the network and applied to
        # the upsampled map, with its kernel size and std read as image pixels.
        self._image_blur = last if final_blur == "image" else None
        body = Network(network.layers[:-1]) if self._image_blur is not None else network
        self.runtime = Runtime(body, threads=threads)
        if name is not None:
            self.name = name

    # -- the network part ---------------------------------------------------------------------
    def input_size(self, image_shape) -> tuple:
        """``(height, width)`` of the network input for an image of ``image_shape``."""
        return input_size_for(image_shape, self.preprocessing, pixels=self.input_pixels,
                              min_side=self.network.output_stride)

    def network_logits(self, image) -> np.ndarray:
        """The network's raw ``(h, w)`` float32 logit map at ``1 / output_stride`` resolution.

        With ``final_blur="image"`` this is the map before the (moved) final blur.
        """
        rgb = _as_rgb(image)
        size = self.input_size(rgb.shape[:2])
        return self.runtime.forward(preprocess(rgb, self.preprocessing, size))[0]

    def logit_map(self, image) -> np.ndarray:
        """The network's logits upsampled to the image's ``(H, W)`` (before scale and prior)."""
        rgb = _as_rgb(image)
        size = self.input_size(rgb.shape[:2])
        logits = self.runtime.forward(preprocess(rgb, self.preprocessing, size))[0]
        return self.finish_logits(logits, rgb.shape[:2], size)

    def finish_logits(self, logits, image_shape, input_shape) -> np.ndarray:
        """Upsample :meth:`network_logits` to ``image_shape`` (and apply a moved final blur)."""
        upsampled = upsample_logits(logits, image_shape, input_shape, self.network.output_stride)
        if self._image_blur is not None:
            upsampled = blur_image(upsampled, self._image_blur)
        return upsampled

    # -- the probabilistic model ---------------------------------------------------------------
    def _prior(self, image, image_id):
        if self.centre_bias is None or self.centre_bias_weight == 0.0:
            return None
        return self.centre_bias.log_density(image, image_id=image_id)

    def combine(self, logit_map: np.ndarray, prior_log_density) -> np.ndarray:
        """``s · logits + w · log p_cb``, normalised (logsumexp = 0)."""
        z = self.logit_scale * np.asarray(logit_map, dtype=np.float64)
        if prior_log_density is not None:
            z = z + self.centre_bias_weight * prior_log_density
        return _log_normalise(z)

    def log_density(self, image, *, image_id=None) -> np.ndarray:
        try:
            logits = self.logit_map(image)
        except InputError as error:  # e.g. a layer that overflows: say which image
            if image_id is None:
                raise
            raise InputError(f"{self.name}, image {image_id!r}: {error}") from None
        return self.combine(logits, self._prior(image, image_id))

    def saliency_map(self, image, *, image_id=None) -> np.ndarray:
        """The predicted fixation density (sums to 1); see :meth:`log_density`."""
        return np.exp(self.log_density(image, image_id=image_id))

    # -- fitting -----------------------------------------------------------------------------
    @classmethod
    def fitted(cls, network, dataset, images, *, max_fit_images: int | None = 100,
               centre_bias: ProbabilisticModel | None = None, **options) -> "FastGazeModel":
        """A model with a centre bias and ``s``, ``w`` fitted on the training ``images``.

        The centre bias (a :class:`salbench.models.baselines.CentreBiasModel` unless given) is
        fitted on all of ``images``; ``s`` and ``w`` on at most ``max_fit_images`` of them, evenly
        spread (each needs a forward pass). ``options`` go to the constructor.
        """
        images = np.unique(np.asarray(images, dtype=np.int64))
        if images.size == 0:
            raise InputError("fitted() needs at least one training image")
        if centre_bias is None:
            from ..baselines import CentreBiasModel

            centre_bias = CentreBiasModel().fit(dataset, images=images)
        model = cls(network, centre_bias=centre_bias, **options)
        subset = images
        if max_fit_images is not None and images.size > max_fit_images:
            pick = np.linspace(0, images.size - 1, max_fit_images).round().astype(np.int64)
            subset = images[pick]
        return model.fit(dataset, images=subset)

    def fit(self, dataset, images=None, *, logit_maps=None, fit_centre_bias_weight: bool = True):
        """Fit ``logit_scale`` (and ``centre_bias_weight``) by maximum likelihood.

        Parameters
        ----------
        dataset : salbench.datasets.Dataset
        images : sequence of int, optional
            Indices of the training images (default: all). Never fit on evaluation images.
        logit_maps : sequence of arrays, optional
            Precomputed :meth:`logit_map` of each of ``images`` (saves running the network).
        fit_centre_bias_weight : bool
            Fit ``w`` too (else keep the current value).
        """
        from scipy.optimize import minimize

        indices = np.arange(len(dataset)) if images is None else np.asarray(images, np.int64)
        if indices.size == 0:
            raise InputError("fit needs at least one training image")
        if logit_maps is not None and len(logit_maps) != indices.size:
            raise InputError(f"logit_maps has {len(logit_maps)} maps for {indices.size} images")
        ids = dataset.stimuli.ids
        terms = []
        for k, i in enumerate(indices):
            f = dataset.fixations.for_image(int(i))
            if len(f.x) == 0:
                continue
            shape = tuple(dataset.stimuli.shape(int(i)))
            if logit_maps is not None:
                logits = np.asarray(logit_maps[k], np.float64)
                if logits.shape != shape:
                    raise InputError(f"logit map {k} has shape {logits.shape}, image {i} {shape}")
                prior = (self.centre_bias.log_density(shape, image_id=ids[i])
                         if self.centre_bias is not None else None)
            else:
                image = dataset.stimuli.load(int(i))
                logits = self.logit_map(image)
                prior = self._prior(image, ids[i])
            flat = (np.floor(f.y).astype(np.int64) * shape[1] + np.floor(f.x).astype(np.int64))
            terms.append((logits.ravel(), None if prior is None else prior.ravel(), flat))
        if not terms:
            raise InputError("the training images have no fixations")
        n_total = sum(t[2].size for t in terms)
        use_prior = self.centre_bias is not None
        fit_w = fit_centre_bias_weight and use_prior

        def objective(params):
            s = params[0]
            w = params[1] if fit_w else self.centre_bias_weight
            value, grad = 0.0, np.zeros(2)
            for logits, prior, flat in terms:
                z = s * logits if prior is None or not use_prior else s * logits + w * prior
                m = z.max()
                e = np.exp(z - m)
                total = e.sum()
                p = e / total
                value += z[flat].sum() - flat.size * (m + math.log(total))
                grad[0] += logits[flat].sum() - flat.size * float(p @ logits)
                if fit_w:
                    grad[1] += prior[flat].sum() - flat.size * float(p @ prior)
            return -value / n_total, -grad[: 1 + fit_w] / n_total

        start = np.array([self.logit_scale, self.centre_bias_weight][: 1 + fit_w])
        result = minimize(objective, start, jac=True, method="L-BFGS-B")
        self.logit_scale = float(result.x[0])
        if fit_w:
            self.centre_bias_weight = float(result.x[1])
        self.train_log_likelihood_ = float(-result.fun)
        self.n_train_fixations_ = int(n_total)
        self.n_train_images_ = len(terms)
        return self

    # -- facts -------------------------------------------------------------------------------
    def gflops(self, height: int | None = None, width: int | None = None) -> float:
        """Convolution GFLOP of one forward pass at a ``height × width`` network input.

        Without a size: the input this model actually uses — its fixed input size, or, with an
        ``input_pixels`` budget (about the same pixel count for every image), the input it
        chooses for a 4:3 image; at native resolution 384 × 512 is the reference.
        """
        if height is None or width is None:
            p = self.preprocessing
            if p.input_size:
                height, width = p.input_size
            elif self.input_pixels:
                height, width = self.input_size((3, 4))
            else:
                height, width = 384, 512
        return conv_flops(self.network, height, width) / 1e9

    def fingerprint(self) -> dict:
        """A hash of the network's layers and weights, the weights file's hash when it was read
        from one, and the centre bias's fingerprint (fitted ``s`` and ``w`` are in
        :meth:`describe`)."""
        from ..._fingerprint import array_hash, files_fingerprint, model_fingerprint
        from .network import Conv2d

        arrays = []
        for layer in self.network.layers:
            if isinstance(layer, Conv2d):
                arrays += [layer.weight, layer.bias, np.float64(layer.alpha)]
            arrays.append(np.frombuffer(f"{type(layer).__name__}:{layer!r}".encode(), np.uint8))
        info = {"weights": array_hash(*arrays)}
        if self.weights_file is not None:
            info["files"] = files_fingerprint([self.weights_file])
        if self.centre_bias is not None:
            info["centre_bias"] = model_fingerprint(self.centre_bias)
        return info

    def describe(self) -> dict:
        d = super().describe()
        p = self.preprocessing
        d["parameters"] = {
            "network": repr(self.network), "source": self.network.metadata.get("source"),
            "n_parameters": self.network.parameter_count,
            "output_stride": self.network.output_stride,
            "gflop_384x512": round(self.gflops(384, 512), 4),
            "gflop_per_image_4_3": (
                round(self.gflops(*p.input_size), 4) if p.input_size else
                round(self.gflops(*self.input_size((3, 4))), 4) if self.input_pixels else
                "native resolution: see gflops(height, width)"),
            "preprocessing": p.spec(), "input_pixels": self.input_pixels,
            "upsampling": "bilinear interpolation of logits between cell centres, edges held",
            "final_blur": self.final_blur,
            "logit_scale": self.logit_scale,
            "centre_bias": None if self.centre_bias is None else self.centre_bias.describe(),
            "centre_bias_weight": self.centre_bias_weight if self.centre_bias else None,
        }
        return d
