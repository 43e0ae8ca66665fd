"""The forward pass of a :class:`~.network.Network` with numpy and Numba only (no DL framework).

How it computes (chosen by measurement, see ``benchmarks/bench_fastgaze.py`` and the model card):

* Activations are channels-first float32 buffers that already contain the zero border the next
  convolution needs: channel ``c`` is a flat run of ``(H + 2·ph) · (W + 2·pw)`` values (plus a few
  spare zeros at the end). In this "padded-width" layout, the input pixel under kernel tap
  ``(dy, dx)`` for the output pixel at flat position ``q = y·Wp + x`` is simply ``q + dy·Wp + dx``:
  the im2col matrix of a tile of output rows is ``kH·kW`` **contiguous slice copies** (memcpy
  speed), never a gather.
* Each convolution is computed in tiles of output rows: im2col of the tile (≈ 2 MB, stays in
  cache) then one float32 GEMM ``(O × kH·kW·I) @ (kH·kW·I × tile)`` by ``np.matmul``, i.e. the
  multithreaded BLAS numpy links (OpenBLAS). Memory beyond the activations is one im2col tile and
  one GEMM-output tile, whatever the image size.
* The GEMM computes 2 (``kW − 1``) junk columns per row (the right border of the padded width);
  a fused Numba pass drops them while adding the bias, applying the activation, max-pooling when
  the next layer is a pool (``max`` commutes with the monotone bias + activation, so it pools first)
  and storing into the next layer's padded buffer.
* The Gaussian blur is separable, zero padded, in float32 (Numba).

The arithmetic is plain cross-correlation with "same" zero padding, as defined in
:mod:`.network`; results agree with PyTorch's ``conv2d`` / ``max_pool2d`` to float32 rounding
(summation order differs).
"""

from __future__ import annotations

import functools
import math
import os
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np

from ..._blas import available as _blas_controllable, single_threaded
from ..._numba import kernel
from ..._validation import positive_int
from ...exceptions import InputError
from .network import Conv2d, MaxPool2d, Network

#: Target size of the im2col tile in float32 values (≈ 2 MiB): large enough that each GEMM call has
#: plenty of work for every BLAS thread, small enough to stay in the 4 MiB L2 cache of a core.
TILE_VALUES = 2 * 1024 * 1024

_ACT_NONE, _ACT_RELU, _ACT_PRELU = 0, 1, 2
_ACT_CODES = {None: _ACT_NONE, "relu": _ACT_RELU, "prelu": _ACT_PRELU}


# -- Numba kernels (references: tests/naive_fastgaze.py) ---------------------------------------

@kernel
def _store_tile(tile, rows, tile_width, width, bias, act, alpha, out, out_wp, out_ph, out_pw,
                row0):
    """Bias + activation of a GEMM tile; store its valid columns into a padded buffer.

    ``tile`` is (O, rows·tile_width) in padded-width layout; its columns ``x >= width`` are junk.
    Output row ``r`` of the tile goes to row ``row0 + r`` of ``out`` (O, ...) whose rows are
    ``out_wp`` wide, with ``out_ph``/``out_pw`` rows/columns of zero border.
    """
    channels = tile.shape[0]
    zero = np.float32(0.0)
    for o in range(channels):
        b = bias[o]
        for r in range(rows):
            src = tile[o, r * tile_width: r * tile_width + width]
            start = (row0 + r + out_ph) * out_wp + out_pw
            dst = out[o, start: start + width]
            # One loop per activation so each inner loop is branch-free and vectorises.
            if act == 1:
                for x in range(width):
                    dst[x] = max(src[x] + b, zero)
            elif act == 2:
                for x in range(width):
                    v = src[x] + b
                    dst[x] = v if v > zero else v * alpha
            else:
                for x in range(width):
                    dst[x] = src[x] + b


@kernel
def _store_tile_pooled(tile, rows, tile_width, width, size, bias, act, alpha, out, out_wp, out_ph,
                       out_pw, pooled_row0):
    """Like :func:`_store_tile`, then ``size × size`` max pooling (stride ``size``, floor).

    Pools the raw GEMM values first: bias + activation are monotone non-decreasing in the value,
    so ``act(max(v) + b) == max(act(v + b))`` exactly.
    """
    channels = tile.shape[0]
    pooled_rows = rows // size
    pooled_width = width // size
    zero = np.float32(0.0)
    for o in range(channels):
        b = bias[o]
        for pr in range(pooled_rows):
            start = (pooled_row0 + pr + out_ph) * out_wp + out_pw
            dst = out[o, start: start + pooled_width]
            top = tile[o, pr * size * tile_width:]
            if size == 2:  # the common case, written out so the loop vectorises
                bottom = tile[o, (pr * 2 + 1) * tile_width:]
                for px in range(pooled_width):
                    dst[px] = max(max(top[2 * px], top[2 * px + 1]),
                                  max(bottom[2 * px], bottom[2 * px + 1]))
            else:
                for px in range(pooled_width):
                    m = top[px * size]
                    for dy in range(size):
                        for dx in range(size):
                            m = max(m, top[dy * tile_width + px * size + dx])
                    dst[px] = m
            if act == 1:
                for px in range(pooled_width):
                    dst[px] = max(dst[px] + b, zero)
            elif act == 2:
                for px in range(pooled_width):
                    v = dst[px] + b
                    dst[px] = v if v > zero else v * alpha
            else:
                for px in range(pooled_width):
                    dst[px] = dst[px] + b


@kernel
def _max_pool(src, height, width, src_wp, src_ph, src_pw, size, out, out_wp, out_ph, out_pw):
    """Stand-alone max pooling between two padded buffers (a pool not directly after a conv)."""
    channels = src.shape[0]
    for c in range(channels):
        for py in range(height // size):
            dst = (py + out_ph) * out_wp + out_pw
            for px in range(width // size):
                m = src[c, (py * size + src_ph) * src_wp + px * size + src_pw]
                for dy in range(size):
                    base = (py * size + dy + src_ph) * src_wp + src_pw + px * size
                    for dx in range(size):
                        m = max(m, src[c, base + dx])
                out[c, dst + px] = m


@kernel
def _blur_rows_then_columns(image, taps, out):
    """Separable "same" zero-padded correlation of each (H, W) channel with ``taps`` (float32)."""
    channels, height, width = image.shape
    k = taps.shape[0]
    half = (k - 1) // 2
    temp = np.empty((height, width), dtype=np.float32)
    for c in range(channels):
        for y in range(height):
            for x in range(width):
                acc = np.float32(0.0)
                for t in range(k):
                    xx = x + t - half
                    if 0 <= xx < width:
                        acc += taps[t] * image[c, y, xx]
                temp[y, x] = acc
        for y in range(height):
            for x in range(width):
                acc = np.float32(0.0)
                for t in range(k):
                    yy = y + t - half
                    if 0 <= yy < height:
                        acc += taps[t] * temp[yy, x]
                out[c, y, x] = acc


# -- buffers ------------------------------------------------------------------------------------

@dataclass
class _Buffer:
    """A channels-first activation with a zero border: data is (C, (H+2ph)·(W+2pw) + spare)."""

    data: np.ndarray
    height: int
    width: int
    ph: int
    pw: int

    @property
    def wp(self) -> int:
        return self.width + 2 * self.pw

    @classmethod
    def zeros(cls, channels, height, width, ph, pw):
        # Spare zeros at the end: the im2col slices of the last tile read up to 2·pw values past
        # the last padded row (the junk columns of its last row).
        size = (height + 2 * ph) * (width + 2 * pw) + 2 * pw
        return cls(np.zeros((channels, size), dtype=np.float32), height, width, ph, pw)

    def image(self) -> np.ndarray:
        """The (C, H, W) interior as a new contiguous array."""
        hp = self.height + 2 * self.ph
        full = self.data[:, : hp * self.wp].reshape(-1, hp, self.wp)
        return np.ascontiguousarray(full[:, self.ph: self.ph + self.height,
                                         self.pw: self.pw + self.width])


@dataclass
class GemmStats:
    """Multiply-adds the runtime performed, filled in when passed to :meth:`Runtime.forward`.

    ``useful_macs`` counts one multiply-add per (output pixel, output channel, input channel, kernel
    tap) — zero-padding taps included, as they are physically multiplied; ``computed_macs`` also
    counts the junk border columns of the padded-width layout that are computed and thrown away.
    ``bias_adds`` counts one addition per output value.
    """

    useful_macs: int = 0
    computed_macs: int = 0
    bias_adds: int = 0
    gemm_calls: int = 0


class Runtime:
    """A network prepared for repeated forward passes (weights reordered once).

    Parameters
    ----------
    network : Network
    tile_values : int, optional
        Size of the im2col tile in float32 values (default :data:`TILE_VALUES`); smaller tiles use
        less memory, larger ones make fewer, bigger GEMM calls. Results depend on it only through
        float32 rounding (BLAS blocks the sums differently).
    threads : int, optional
        Worker threads over row tiles (default: the CPUs this process may use). numpy's OpenBLAS
        is made single-threaded during the forward pass (whatever ``threads`` is, 1 included) and
        restored afterwards; if it cannot be controlled, one worker is used and BLAS keeps its own
        threads. Results are bit-identical for any number of threads.

    Examples
    --------
    >>> import numpy as np
    >>> from salbench.models.fastgaze.network import Conv2d, MaxPool2d, Network
    >>> net = Network([Conv2d(np.ones((1, 1, 3, 3)), np.zeros(1), "relu")])
    >>> Runtime(net).forward(np.ones((1, 3, 4), np.float32))[0]  # "same" zero padding
    array([[4., 6., 6., 4.],
           [6., 9., 9., 6.],
           [4., 6., 6., 4.]], dtype=float32)
    """

    def __init__(self, network: Network, *, tile_values: int | None = None,
                 threads: int | None = None):
        if not isinstance(network, Network):
            raise InputError(f"Runtime needs a Network, got {type(network).__name__}")
        self.network = network
        self.tile_values = TILE_VALUES if tile_values is None else positive_int(tile_values,
                                                                                "tile_values")
        # Parallel over row tiles with single-threaded BLAS when numpy's OpenBLAS can be
        # controlled; otherwise one worker and BLAS's own threads (see salbench/_blas.py).
        if threads is None:
            threads = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") \
                else (os.cpu_count() or 1)
        self._blas_controlled = _blas_controllable()
        self._threads = positive_int(threads, "threads") if self._blas_controlled else 1
        layers = network.layers
        self._matrices = {}
        for index, layer in enumerate(layers):
            if isinstance(layer, Conv2d):
                # Columns ordered (dy, dx, c) to match the im2col rows built from shifted slices.
                o, i, kh, kw = layer.weight.shape
                self._matrices[index] = np.ascontiguousarray(
                    layer.weight.transpose(0, 2, 3, 1).reshape(o, kh * kw * i))
        # The zero border each layer's *input* buffer needs (that of the conv reading it).
        self._pads = [((l.kernel_size[0] - 1) // 2, (l.kernel_size[1] - 1) // 2)
                      if isinstance(l, Conv2d) else (0, 0) for l in layers]

    def _validate(self, image) -> np.ndarray:
        x = np.asarray(image)
        if x.dtype.kind not in "iuf" or x.dtype == np.bool_:
            raise InputError(f"network input must be a real numeric array, got dtype {x.dtype}")
        if x.ndim != 3 or x.shape[0] != self.network.in_channels:
            raise InputError(f"network input must have shape ({self.network.in_channels}, height, "
                             f"width) (channels first), got {x.shape}")
        stride = self.network.output_stride
        if x.shape[1] < stride or x.shape[2] < stride:
            raise InputError(f"network input of {x.shape[1]}×{x.shape[2]} pixels is smaller than "
                             f"the network's output stride {stride} in at least one dimension")
        if not np.isfinite(x).all():
            raise InputError("network input contains NaN or infinite values")
        return x

    def forward(self, image, *, stats: GemmStats | None = None) -> np.ndarray:
        """Run the network on a channels-first ``(C, H, W)`` image; returns float32 ``(C', H', W')``.

        ``stats``, when given, is filled with the multiply-adds performed (see :class:`GemmStats`).
        """
        x = self._validate(image)
        if self._blas_controlled:
            # Single-threaded BLAS for every worker count, one included: OpenBLAS's threaded GEMM
            # splits the matrix differently, so its float32 sums depend on its own thread count.
            with single_threaded():
                return self._forward(x, stats)
        return self._forward(x, stats)

    __call__ = forward

    def _forward(self, x: np.ndarray, stats) -> np.ndarray:
        layers = self.network.layers
        channels, height, width = x.shape
        ph, pw = self._pads[0]
        buf = _Buffer.zeros(channels, height, width, ph, pw)
        interior = buf.data[:, : (height + 2 * ph) * buf.wp].reshape(channels, -1, buf.wp)
        interior[:, ph: ph + height, pw: pw + width] = x
        dense = None  # a plain (C, H, W) array once a blur has run
        index = 0
        while index < len(layers):
            layer = layers[index]
            next_pad = self._pads[index + 1] if index + 1 < len(layers) else (0, 0)
            if isinstance(layer, Conv2d):
                pool = layers[index + 1] if index + 1 < len(layers) and isinstance(
                    layers[index + 1], MaxPool2d) else None
                if pool is not None:
                    next_pad = self._pads[index + 2] if index + 2 < len(layers) else (0, 0)
                if dense is not None:
                    buf, dense = self._buffer_from_dense(dense, self._pads[index]), None
                buf = self._conv(index, layer, buf, pool, next_pad, stats)
                index += 2 if pool is not None else 1
            elif isinstance(layer, MaxPool2d):
                if dense is not None:
                    buf, dense = self._buffer_from_dense(dense, (0, 0)), None
                out = _Buffer.zeros(buf.data.shape[0], buf.height // layer.size,
                                    buf.width // layer.size, *next_pad)
                _max_pool(buf.data, buf.height, buf.width, buf.wp, buf.ph, buf.pw, layer.size,
                          out.data, out.wp, out.ph, out.pw)
                buf = out
                index += 1
            else:  # GaussianBlur
                src = dense if dense is not None else buf.image()
                dense = np.empty_like(src)
                _blur_rows_then_columns(src, layer.kernel(), dense)
                index += 1
        return dense if dense is not None else buf.image()

    @staticmethod
    def _buffer_from_dense(dense: np.ndarray, pad) -> _Buffer:
        c, h, w = dense.shape
        buf = _Buffer.zeros(c, h, w, *pad)
        view = buf.data[:, : (h + 2 * pad[0]) * buf.wp].reshape(c, -1, buf.wp)
        view[:, pad[0]: pad[0] + h, pad[1]: pad[1] + w] = dense
        return buf

    def _conv(self, index, layer: Conv2d, buf: _Buffer, pool, next_pad, stats) -> _Buffer:
        # The bias and activation of an inner layer cannot hide an overflow from the next GEMM
        # (inf stays inf or becomes NaN there); the last layer's stored output is checked too.
        last = not any(isinstance(later, Conv2d) for later in self.network.layers[index + 1:])
        kh, kw = layer.kernel_size
        in_c, out_c = layer.in_channels, layer.out_channels
        height, width, wp = buf.height, buf.width, buf.wp
        matrix = self._matrices[index]
        k_total = kh * kw * in_c
        size = pool.size if pool is not None else 1
        out = _Buffer.zeros(out_c, height // size, width // size, *next_pad)
        # Rows per tile: a multiple of the pool size, about `tile_values` values of im2col. Every
        # row is computed, even a trailing one a pool will drop, so the work done is exactly the
        # nominal H·W·O·I·kH·kW multiply-adds of flops.py.
        rows = max(size, (self.tile_values // (k_total * wp)) // size * size)
        starts = list(range(0, height, rows))
        act = _ACT_CODES[layer.activation]
        alpha = np.float32(layer.alpha)
        direct = kh == 1 and kw == 1
        lock = threading.Lock()
        pending = iter(starts)
        overflowed = []  # row tiles whose GEMM output is not finite

        def work():
            # An overflow is reported below as an error naming the layer, not as numpy warnings.
            with np.errstate(over="ignore", invalid="ignore"):
                tiles()

        def tiles():
            # Each worker owns one im2col tile and one GEMM-output tile and pulls row tiles from
            # a shared iterator (dynamic scheduling: a descheduled worker just does fewer tiles).
            cols = None if direct else np.empty((k_total, rows * wp), dtype=np.float32)
            product = np.empty((out_c, rows * wp), dtype=np.float32)
            while True:
                with lock:
                    y0 = next(pending, None)
                if y0 is None:
                    return
                n_rows = min(rows, height - y0)
                n = n_rows * wp
                start = y0 * wp
                if direct:  # 1×1: the padded buffer rows are already the GEMM operand
                    operand = buf.data[:, start: start + n]
                else:
                    operand = cols[:, :n]
                    for dy in range(kh):
                        for dx in range(kw):
                            offset = start + dy * wp + dx
                            tap = (dy * kw + dx) * in_c
                            operand[tap: tap + in_c] = buf.data[:, offset: offset + n]
                gemm_out = product[:, :n]
                np.matmul(matrix, operand, out=gemm_out)
                # One pass per tile (about 1/k_total of the GEMM's work) finds inf and NaN before
                # the activation can hide them (ReLU turns -inf into a finite 0).
                if not _all_finite(gemm_out):
                    with lock:
                        overflowed.append(y0)
                if size > 1:
                    _store_tile_pooled(gemm_out, n_rows, wp, width, size, layer.bias, act, alpha,
                                       out.data, out.wp, out.ph, out.pw, y0 // size)
                else:
                    _store_tile(gemm_out, n_rows, wp, width, layer.bias, act, alpha, out.data,
                                out.wp, out.ph, out.pw, y0)
                if stats is not None:
                    with lock:
                        stats.gemm_calls += 1
                        stats.computed_macs += out_c * k_total * n
                        stats.useful_macs += out_c * k_total * n_rows * width
                        stats.bias_adds += out_c * n_rows * width

        workers = min(self._threads, len(starts))
        futures = [_executor(workers - 1).submit(work) for _ in range(workers - 1)]
        work()  # the calling thread is one of the workers
        for future in futures:
            future.result()
        if overflowed or (last and not _all_finite(out.data)):
            rows_at = f" from row {min(overflowed)} of the layer's input" if overflowed else ""
            raise InputError(
                f"layer {index} of the network (counting from 0; Conv2d {in_c}->{out_c} channels, {kh}x{kw}, "
                f"activation {layer.activation}) overflowed float32 on this input: its output "
                f"has infinite or NaN values{rows_at}. Its weights are finite, so they (or the "
                "input's scaling) are wrong for this network"
            )
        return out


def _all_finite(a: np.ndarray) -> bool:
    """No inf or NaN in ``a``: a float32 sum screens (one fast pass; inf and NaN propagate), and
    only a non-finite sum, which finite values may also give, is confirmed value by value."""
    with np.errstate(over="ignore", invalid="ignore"):
        return math.isfinite(float(a.sum())) or bool(np.isfinite(a).all())


@functools.lru_cache(maxsize=None)
def _executor(threads: int) -> ThreadPoolExecutor:
    """A process-wide pool of helper threads (the caller is always the extra worker)."""
    return ThreadPoolExecutor(max(threads, 1), thread_name_prefix="salbench-fastgaze")


def forward(network: Network, image, *, stats: GemmStats | None = None) -> np.ndarray:
    """Run ``network`` on a ``(C, H, W)`` image (see :class:`Runtime`; prefer it for many images)."""
    return Runtime(network).forward(image, stats=stats)
