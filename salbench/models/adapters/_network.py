"""What the ONNX and torch adapters share: input preprocessing and output handling."""

from __future__ import annotations

import numpy as np

from ._base import Adapter, check_resize, pixels_of
from ._preprocess import InputSpec


class NetworkAdapter(Adapter):
    """A network that maps one preprocessed image to one 2-D output, resized to the image.

    Subclasses set ``self._fixed_size`` (the network's own input size or None) and implement
    :meth:`_run` (input tensor -> output array).
    """

    _fixed_size = None
    _input_dtype = np.float32

    def _setup(self, *, input_size, scale, mean, std, channel_order, layout, resize, name, default_name):
        self.input = InputSpec(size=input_size, scale=scale, mean=mean, std=std,
                               channel_order=channel_order, layout=layout)
        self.resize = check_resize(resize, allow_none=False)
        self.name = name or default_name

    def input_size_for(self, shape) -> tuple:
        """The ``(height, width)`` the network sees for an image of ``shape``."""
        return self.input.size or self._fixed_size or tuple(shape[:2])

    def _output(self, image, image_id) -> np.ndarray:
        pixels = pixels_of(image, self.name)
        x = self.input(pixels, self.input_size_for(pixels.shape), dtype=self._input_dtype)
        out = self._run(x)
        return self._finish(out, pixels, image_id, self.resize)

    def _run(self, x: np.ndarray) -> np.ndarray:  # pragma: no cover - abstract
        raise NotImplementedError

    def _parameters(self) -> dict:
        return {"input": self.input.to_dict(), "resize": self.resize}
