"""An ONNX network run with onnxruntime (``pip install 'salbench[onnx]'``)."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from ...exceptions import DataError, InputError
from ._base import make_log_density_variant
from ._network import NetworkAdapter

_ONNX_DTYPES = {"tensor(float)": np.float32, "tensor(float16)": np.float16,
                "tensor(double)": np.float64}


def _onnxruntime():
    try:
        import onnxruntime
    except ImportError:
        raise InputError("running ONNX models needs onnxruntime (pip install 'salbench[onnx]')") from None
    return onnxruntime


class OnnxModel(NetworkAdapter):
    """An ONNX model: image in, one saliency map (or log-density) out, resized to the image.

    Parameters
    ----------
    path : path-like or bytes
        The ``.onnx`` file (or its serialised bytes).
    kind : {"saliency", "log_density"}
        ``"log_density"``: the output is a log-density up to a constant (logits); it is resized
        in log space and normalised.
    input_size : (height, width), optional
        Resize images to this before the network. Default: the model's fixed input size if it
        has one, else the image's own size.
    scale, mean, std, channel_order, layout
        Preprocessing, see :class:`~salbench.models.adapters.InputSpec`: ``x = (pixel * scale -
        mean) / std`` (mean/std per RGB channel), ``"rgb"``/``"bgr"``, ``"nchw"``/``"nhwc"``.
        The defaults give 0–1 RGB in NCHW.
    resize : {"bilinear", "mit", "nearest", "area"}
        How the output is resized to the image (:func:`salbench.metrics.resize_map`).
    input_name, output_name : str, optional
        Which input / output to use when the model has several.
    threads : int, optional
        onnxruntime intra-op threads (default: onnxruntime's choice).
    name : str, optional
    """

    def __init__(self, path, *, kind: str = "saliency", input_size=None, scale: float = 1 / 255,
                 mean=0.0, std=1.0, channel_order: str = "rgb", layout: str = "nchw",
                 resize: str = "bilinear", input_name: str | None = None,
                 output_name: str | None = None, threads: int | None = None, name: str | None = None):
        if isinstance(path, (bytes, bytearray)):
            self.path, self._bytes = None, bytes(path)
            default_name = "onnx model"
        else:
            self.path, self._bytes = Path(path), None
            if not self.path.is_file():
                raise DataError(f"{self.path}: ONNX model file is missing")
            default_name = self.path.stem
        self._setup(input_size=input_size, scale=scale, mean=mean, std=std,
                    channel_order=channel_order, layout=layout, resize=resize, name=name,
                    default_name=default_name)
        self.threads = threads
        self.input_name, self.output_name = input_name, output_name
        self._session = None
        self._open()

    def _open(self):
        ort = _onnxruntime()
        options = ort.SessionOptions()
        if self.threads:
            options.intra_op_num_threads = int(self.threads)
        source = self._bytes if self._bytes is not None else str(self.path)
        try:
            session = ort.InferenceSession(source, options, providers=["CPUExecutionProvider"])
        except Exception as error:  # onnxruntime raises its own exception types
            raise DataError(f"{self.path or 'ONNX bytes'}: onnxruntime cannot load the model "
                            f"({error})") from None
        inputs, outputs = session.get_inputs(), session.get_outputs()
        model_input = self._pick(inputs, self.input_name, "input")
        model_output = self._pick(outputs, self.output_name, "output")
        self.input_name, self.output_name = model_input.name, model_output.name
        dtype = _ONNX_DTYPES.get(model_input.type)
        if dtype is None:
            raise InputError(f"{self.name}: input {model_input.name!r} has type {model_input.type}; "
                             f"supported: {', '.join(_ONNX_DTYPES)}")
        self._input_dtype = dtype
        shape = list(model_input.shape)
        if len(shape) != 4:
            raise InputError(f"{self.name}: input {model_input.name!r} has shape {shape}; expected "
                             "4 axes (batch, channels, height, width) or (batch, height, width, "
                             "channels)")
        h, w = (shape[2], shape[3]) if self.input.layout == "nchw" else (shape[1], shape[2])
        channels = shape[1] if self.input.layout == "nchw" else shape[3]
        if isinstance(channels, int) and channels != 3:
            raise InputError(f"{self.name}: input {model_input.name!r} has {channels} channels in "
                             f"layout {self.input.layout!r}; expected 3 (wrong layout=?)")
        fixed = (h, w) if isinstance(h, int) and isinstance(w, int) and h > 0 and w > 0 else None
        if fixed and self.input.size and tuple(self.input.size) != fixed:
            raise InputError(f"{self.name}: input_size {self.input.size} differs from the model's "
                             f"fixed input size {fixed}")
        self._fixed_size = fixed
        self._session = session

    def _pick(self, items, wanted, what):
        names = [item.name for item in items]
        if wanted is None:
            if len(items) != 1:
                raise InputError(f"{self.name}: the model has {len(items)} {what}s {names}; "
                                 f"choose one with {what}_name=")
            return items[0]
        for item in items:
            if item.name == wanted:
                return item
        raise InputError(f"{self.name}: no {what} named {wanted!r} (the model has {names})")

    def __getstate__(self):
        state = dict(self.__dict__)
        state["_session"] = None
        return state

    def __setstate__(self, state):
        self.__dict__.update(state)
        self._open()

    def _run(self, x):
        return self._session.run([self.output_name], {self.input_name: x})[0]

    def _parameters(self) -> dict:
        return {**super()._parameters(), "path": None if self.path is None else str(self.path),
                "input_name": self.input_name, "output_name": self.output_name}

    def fingerprint(self) -> dict:
        """The ``.onnx`` file's hash (or the serialised model's, when given as bytes)."""
        from ..._fingerprint import array_hash, files_fingerprint

        if self.path is None:
            return {"model_bytes": array_hash(np.frombuffer(self._bytes, np.uint8))}
        return {"files": files_fingerprint([self.path.resolve()])}


OnnxLogDensityModel = make_log_density_variant(
    OnnxModel, "OnnxLogDensityModel",
    """An ONNX model whose output is a log-density up to a constant: ``OnnxModel(path, kind="log_density")``.""")
