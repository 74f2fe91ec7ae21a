"""dlib's face-recognition ResNet (dlib_face_recognition_resnet_model_v1) run in numpy.

Why: dlib-bin is built without BLAS, so its CPU convolutions ran at about 7 GFLOP/s and the
mirrored second chip made encoding 70% of an import (bench/ingest.py --profile). The same
weights, read from the same .dat file, run here as im2col + one OpenBLAS matrix product per
layer, both chips of a face in one batch. The arithmetic is dlib's (same layers, same padding,
same zero-filled residual sums), so descriptors agree with dlib's to float32 rounding
(tests/core/test_resnet.py checks every face of the shared photos); nothing about the engine
variant changes and stores need not know.

The network, from dlib's dnn_face_recognition_ex.cpp: conv 7x7/2 (32) + affine + relu,
max-pool 3x3/2, then residual blocks (conv 3x3, affine, relu, conv 3x3, affine, add, relu)
3x32, 4x64, 3x128, 3x256, 1x256, the first of each later group down-sampling (stride-2 conv,
skip path average-pooled 2x2/2), global average, 128-d linear layer without bias.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view
from numpy.typing import NDArray
from threadpoolctl import ThreadpoolController

Array = NDArray[np.float32]

#: dlib's input_rgb_image_sized: (pixel - mean) / 256 per channel, red, green, blue.
_CHANNEL_MEANS = np.array([122.782, 117.001, 104.298], dtype=np.float32)
CHIP_SIZE = 150
#: Residual blocks per group, with their width; every group but the first starts with a
#: down-sampling block.
_GROUPS: tuple[tuple[int, int], ...] = ((32, 3), (64, 4), (128, 3), (256, 3), (256, 1))


class ModelFormatError(ValueError):
    """The .dat file is not the network this module knows (another dlib version or model)."""


@dataclass(frozen=True)
class _Conv:
    """A convolution with its following affine layer folded in (weights scaled, shift as bias).
    `weights`: (in_channels * kh * kw, out_channels), the im2col layout."""

    weights: Array
    bias: Array
    kernel: int
    stride: int
    padding: int


class _Reader:
    """dlib's serialisation: integers as a size byte (0x80 = negative) and little-endian bytes,
    strings as a length and bytes, tensors (version 2) as 4 sizes and raw float32s."""

    def __init__(self, data: bytes) -> None:
        self.data, self.pos = data, 0

    def integer(self) -> int:
        head = self.data[self.pos]
        size, negative = head & 0x0F, bool(head & 0x80)
        raw = self.data[self.pos + 1 : self.pos + 1 + size]
        self.pos += 1 + size
        value = int.from_bytes(raw, "little")
        return -value if negative else value

    def string(self) -> str:
        length = self.integer()
        text = self.data[self.pos : self.pos + length].decode("latin-1")
        self.pos += length
        return text

    def shape(self) -> tuple[int, int, int, int]:
        self.integer()  # version
        n, k, nr, nc = (self.integer() for _ in range(4))
        return n, k, nr, nc

    def tensor(self) -> Array:
        version = self.integer()
        if version != 2:
            raise ModelFormatError(f"tensor serialisation version {version}, expected 2")
        n, k, nr, nc = (self.integer() for _ in range(4))
        count = n * k * nr * nc
        values = np.frombuffer(self.data, dtype="<f4", count=count, offset=self.pos)
        self.pos += 4 * count
        return values.astype(np.float32).reshape(n, k, nr, nc)

    def seek_marker(self, name: str) -> None:
        """Move to just after the next serialised string `name` (a layer's type tag)."""
        encoded = name.encode()
        needle = bytes([1, len(encoded)]) + encoded
        found = self.data.find(needle, self.pos)
        if found < 0:
            raise ModelFormatError(f"no {name} layer where one was expected")
        self.pos = found + len(needle)


def _read_conv(reader: _Reader) -> tuple[Array, Array, int, int, int, int]:
    reader.seek_marker("con_4")
    params = reader.tensor().reshape(-1)
    filters, kh, kw, stride_y, stride_x, pad_y, pad_x = (reader.integer() for _ in range(7))
    _, in_channels, _, _ = reader.shape()
    if kh != kw or stride_y != stride_x or pad_y != pad_x:
        raise ModelFormatError("non-square convolution")
    size = filters * in_channels * kh * kw
    weights = params[:size].reshape(filters, in_channels, kh, kw)
    bias = params[size : size + filters] if params.size > size else np.zeros(filters, np.float32)
    return weights, bias, kh, stride_y, pad_y, filters


def _read_affine(reader: _Reader, channels: int) -> tuple[Array, Array]:
    reader.seek_marker("affine_")
    params = reader.tensor().reshape(-1)
    if params.size != 2 * channels:
        raise ModelFormatError(f"affine layer of {params.size // 2} channels, expected {channels}")
    return params[:channels], params[channels:]


def load_network(path: Path) -> ResNet:
    """Read the 29 convolutions, their affine layers and the final linear layer of `path`."""
    reader = _Reader(path.read_bytes())
    convs: list[_Conv] = []
    for _ in range(29):
        weights, bias, kernel, stride, padding, filters = _read_conv(reader)
        gamma, beta = _read_affine(reader, filters)
        folded = weights * gamma[:, None, None, None]
        convs.append(
            _Conv(
                weights=np.ascontiguousarray(
                    folded.transpose(1, 2, 3, 0).reshape(-1, filters), dtype=np.float32
                ),
                bias=(bias * gamma + beta).astype(np.float32),
                kernel=kernel,
                stride=stride,
                padding=padding,
            )
        )
    reader.seek_marker("fc_2")
    outputs, inputs = reader.integer(), reader.integer()
    linear = reader.tensor().reshape(-1)[: inputs * outputs].reshape(inputs, outputs)
    return ResNet(convs, np.ascontiguousarray(linear, dtype=np.float32))


def _conv(x: Array, layer: _Conv) -> Array:
    """NHWC convolution (cross-correlation, as dlib) by im2col and one matrix product."""
    k, s, p = layer.kernel, layer.stride, layer.padding
    if p:
        x = np.pad(x, ((0, 0), (p, p), (p, p), (0, 0)))
    windows = sliding_window_view(x, (k, k), axis=(1, 2))[:, ::s, ::s]
    batch, height, width = windows.shape[:3]
    columns = windows.reshape(batch * height * width, -1)
    out = columns @ layer.weights
    out += layer.bias
    return out.reshape(batch, height, width, -1)


def _max_pool(x: Array, size: int, stride: int) -> Array:
    windows = sliding_window_view(x, (size, size), axis=(1, 2))[:, ::stride, ::stride]
    return np.asarray(windows.max(axis=(4, 5)), dtype=np.float32)


def _avg_pool2(x: Array) -> Array:
    """dlib's avg_pool<2,2,2,2>: 2x2 windows, stride 2, no padding (an odd last row dropped)."""
    h, w = x.shape[1] // 2 * 2, x.shape[2] // 2 * 2
    x = x[:, :h, :w]
    return (x[:, 0::2, 0::2] + x[:, 1::2, 0::2] + x[:, 0::2, 1::2] + x[:, 1::2, 1::2]) * 0.25


def _add(a: Array, b: Array) -> Array:
    """dlib's add_prev: the sum over the larger of each dimension, missing values as zero."""
    if a.shape == b.shape:
        return a + b
    shape = tuple(max(x, y) for x, y in zip(a.shape, b.shape, strict=True))
    out = np.zeros(shape, dtype=np.float32)
    out[: a.shape[0], : a.shape[1], : a.shape[2], : a.shape[3]] += a
    out[: b.shape[0], : b.shape[1], : b.shape[2], : b.shape[3]] += b
    return out


class ResNet:
    """The loaded network; `describe(chips)` gives one 128-d descriptor per 150x150 RGB chip."""

    def __init__(self, convs: list[_Conv], linear: Array) -> None:
        if len(convs) != 29 or linear.shape != (256, 128):
            raise ModelFormatError("not dlib's face-recognition ResNet v1")
        self._convs, self._linear = convs, linear

    def describe(self, chips: list[NDArray[np.uint8]]) -> Array:
        """(len(chips), 128) float32 descriptors of uint8 RGB chips of CHIP_SIZE squared.

        On one BLAS thread: the products are small (at most 2,450 x 288 x 32), and import runs
        a worker per core; two threads per worker were 10x slower on a busy 2-core machine."""
        with _controller().limit(limits=1, user_api="blas"):
            return self._forward(chips)

    def _forward(self, chips: list[NDArray[np.uint8]]) -> Array:
        x = (np.stack(chips).astype(np.float32) - _CHANNEL_MEANS) / np.float32(256.0)
        layers = iter(self._convs)
        x = np.maximum(_conv(x, next(layers)), 0)
        x = _max_pool(x, 3, 2)
        for group, (_, blocks) in enumerate(_GROUPS):
            for block in range(blocks):
                down = group > 0 and block == 0
                skip = _avg_pool2(x) if down else x
                y = np.maximum(_conv(x, next(layers)), 0)
                y = _conv(y, next(layers))
                x = np.maximum(_add(y, skip), 0)
        pooled = x.mean(axis=(1, 2), dtype=np.float32)
        return np.asarray(pooled @ self._linear, dtype=np.float32)


_threadpools: list[ThreadpoolController] = []


def _controller() -> ThreadpoolController:
    """Inspecting the loaded libraries is threadpoolctl's slow part (~50 ms): once a process."""
    if not _threadpools:
        _threadpools.append(ThreadpoolController())
    return _threadpools[0]


class Networks:
    """One loaded network per model file per process (loading takes ~0.1 s, 22 MB)."""

    _lock = threading.Lock()
    _loaded: ClassVar[dict[Path, ResNet]] = {}

    @classmethod
    def get(cls, path: Path) -> ResNet:
        with cls._lock:
            if path not in cls._loaded:
                cls._loaded[path] = load_network(path)
            return cls._loaded[path]
