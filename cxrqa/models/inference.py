"""Device selection and a fast, compile-free inference path for :class:`CaHDCRGA`.

Scoring a 768 x 512 radiograph costs about 52 GFLOP, three quarters of them in the five
full-resolution ResNet convolutions. A plain NCHW float32 forward pass on a 2-thread CPU spends a
large share of its time outside the convolutions: every ReLU and residual addition reads and writes
a 50 MB activation, and every fresh activation of that size is a new ``mmap`` whose pages fault in
one by one. :class:`FusedCPUForward` removes that overhead without ``torch.compile`` or TorchScript:

- channels-last (NHWC) tensors, which oneDNN convolves without reordering;
- every convolution followed by a ReLU runs as one oneDNN primitive with a ReLU post-op
  (``torch.ops.mkldnn._convolution_pointwise``), and the second convolution of each residual block
  fuses the skip addition and the ReLU (its ``binary`` overload);
- ``torch.inference_mode``;
- optionally (:func:`tune_cpu_allocator`, on by default in :class:`Predictor`) glibc's allocator is
  told to keep large freed blocks instead of returning them to the kernel, so the 50 MB activations
  are recycled rather than page-faulted in again for every image.

The fused operators are private PyTorch operators (they back Inductor's CPU code). The fused path
checks itself against the eager model when it is built and falls back to eager channels-last with
a warning when the operators are missing or disagree, so a PyTorch upgrade can slow scoring down
but never change a score. ``benchmarks/bench_model.py`` measures what each step buys.

On CUDA the :class:`Predictor` runs the eager model in channels-last with bfloat16 autocast.

Examples
--------
>>> import torch
>>> from cxrqa.models.cahdc_rga import CaHDCRGA
>>> model = CaHDCRGA(train_size=(128, 128)).eval()
>>> fast = FusedCPUForward(model)
>>> x = torch.randn(1, 1, 128, 96)
>>> with torch.inference_mode():
...     bool(torch.allclose(fast(x).score, model(x).score, rtol=1e-4, atol=1e-4))
True
"""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import time
import warnings
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch
from torch import nn

from cxrqa.models.cahdc_rga import MIN_INPUT_SIDE, CaHDCOutput, CaHDCRGA

__all__ = [
    "FusedCPUForward",
    "Prediction",
    "Predictor",
    "autocast_context",
    "prepare_model",
    "select_device",
    "tune_cpu_allocator",
]


def select_device(device: str | torch.device | None = None) -> torch.device:
    """The device to run on: ``device`` if given, else CUDA when present, else the CPU.

    Raises
    ------
    ValueError
        When CUDA is asked for but not available.

    Examples
    --------
    >>> select_device("cpu")
    device(type='cpu')
    """
    if device is None:
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    device = torch.device(device)
    if device.type == "cuda" and not torch.cuda.is_available():
        raise ValueError("CUDA was requested but torch.cuda.is_available() is False")
    return device


def autocast_context(device: torch.device, *, enabled: bool = True) -> contextlib.AbstractContextManager:
    """bfloat16 autocast on CUDA (when ``enabled``); a no-op context on the CPU."""
    if enabled and device.type == "cuda":
        return torch.autocast(device_type="cuda", dtype=torch.bfloat16)
    return contextlib.nullcontext()


def prepare_model(model: nn.Module, device: torch.device) -> nn.Module:
    """Move ``model`` to ``device`` in channels-last memory format (in place) and return it."""
    return model.to(device=device, memory_format=torch.channels_last)


_ALLOCATOR_TUNED = False


def tune_cpu_allocator(*, threshold_bytes: int = 1 << 30) -> bool:
    """Make glibc keep freed blocks up to ``threshold_bytes`` for reuse (process-wide).

    Raises glibc's ``M_MMAP_THRESHOLD`` and ``M_TRIM_THRESHOLD`` so that large tensors freed by one
    forward pass are reused by the next instead of being unmapped and page-faulted in again.
    The process keeps its peak heap (no more than the peak of one forward pass). Idempotent.

    Returns
    -------
    bool
        ``True`` when glibc accepted the settings (``False`` on other C libraries: harmless).
    """
    global _ALLOCATOR_TUNED
    if _ALLOCATOR_TUNED:
        return True
    name = ctypes.util.find_library("c")
    if name is None:
        return False
    try:
        libc = ctypes.CDLL(name)
        mallopt = libc.mallopt
    except (OSError, AttributeError):
        return False
    m_trim_threshold, m_mmap_threshold = -1, -3
    ok = bool(mallopt(m_mmap_threshold, threshold_bytes)) and bool(
        mallopt(m_trim_threshold, 2 * threshold_bytes)
    )
    _ALLOCATOR_TUNED = ok
    return ok


def _fused_ops_available() -> bool:
    mkldnn = getattr(torch.ops, "mkldnn", None)
    return (
        torch.backends.mkldnn.is_available()
        and mkldnn is not None
        and hasattr(mkldnn, "_convolution_pointwise")
        and hasattr(mkldnn, "_convolution_transpose_pointwise")
    )


class FusedCPUForward:
    """Eval-mode forward pass of a :class:`CaHDCRGA` with oneDNN conv + ReLU (+ add) fusion.

    The weights are shared with ``model`` (no copy for channels-last weights): build it after
    loading or training, and build it again after changing the weights.

    Parameters
    ----------
    model : CaHDCRGA
        The network, on the CPU.
    verify : bool
        Compare with the eager model on a small random input when built; on a mismatch or an
        operator error fall back to the eager channels-last path with a ``RuntimeWarning``.

    Attributes
    ----------
    fused : bool
        Whether the fused operators are in use (``False`` after a fallback).
    """

    def __init__(self, model: CaHDCRGA, *, verify: bool = True) -> None:
        if not isinstance(model, CaHDCRGA):
            raise ValueError(f"expected a CaHDCRGA model, got {type(model).__name__}")
        if any(p.device.type != "cpu" for p in model.parameters()):
            raise ValueError("FusedCPUForward needs the model on the CPU")
        self.model = model.eval()
        self.fused = _fused_ops_available()
        self._weights: dict[nn.Module, tuple[torch.Tensor, torch.Tensor | None]] = {}
        if self.fused:
            for module in model.modules():
                if isinstance(module, (nn.Conv2d, nn.ConvTranspose2d)):
                    weight = module.weight.detach().contiguous(memory_format=torch.channels_last)
                    bias = None if module.bias is None else module.bias.detach()
                    self._weights[module] = (weight, bias)
        if self.fused and verify:
            self._verify()

    def _verify(self) -> None:
        generator = torch.Generator().manual_seed(0)
        side = MIN_INPUT_SIDE + 13  # odd sizes exercise the UNet crops
        x = torch.randn(1, self.model.in_chans, side + 6, side, generator=generator)
        try:
            with torch.inference_mode():
                got = self(x)
                want = self.model(x)
            ok = torch.allclose(got.score, want.score, rtol=1e-4, atol=1e-4) and torch.allclose(
                got.side_scores, want.side_scores, rtol=1e-4, atol=1e-4
            )
            if want.attention is not None:
                ok = ok and torch.allclose(got.attention, want.attention, atol=1e-5)
            problem = "disagree with the eager model"
        except RuntimeError as error:  # an operator missing or changed in this PyTorch build
            ok, problem = False, f"failed ({error})"
        if not ok:
            warnings.warn(
                f"fused oneDNN operators {problem}; using the eager channels-last path",
                RuntimeWarning,
                stacklevel=3,
            )
            self.fused = False

    # -- fused building blocks -------------------------------------------------------------
    def _conv(self, x: torch.Tensor, conv: nn.Conv2d, attr: str = "relu") -> torch.Tensor:
        weight, bias = self._weights[conv]
        return torch.ops.mkldnn._convolution_pointwise(
            x, weight, bias, list(conv.padding), list(conv.stride), list(conv.dilation),
            conv.groups, attr, [], "",
        )

    def _conv_add_relu(self, x: torch.Tensor, other: torch.Tensor, conv: nn.Conv2d) -> torch.Tensor:
        weight, bias = self._weights[conv]
        return torch.ops.mkldnn._convolution_pointwise.binary(
            x, other, weight, bias, list(conv.padding), list(conv.stride), list(conv.dilation),
            conv.groups, "add", 1.0, "relu", [], "",
        )

    def _upconv(self, x: torch.Tensor, conv: nn.ConvTranspose2d, attr: str) -> torch.Tensor:
        weight, bias = self._weights[conv]
        return torch.ops.mkldnn._convolution_transpose_pointwise(
            x, weight, bias, list(conv.padding), list(conv.output_padding), list(conv.stride),
            list(conv.dilation), conv.groups, attr, [], "",
        )

    def _unet(self, x: torch.Tensor) -> torch.Tensor:
        unet = self.model.unet
        crop = unet._crop
        d1 = self._conv(x, unet.down1)
        d2 = self._conv(d1, unet.down2)
        d3 = self._conv(d2, unet.down3)
        b = self._conv(d3, unet.bottom)
        u2 = crop(self._upconv(b, unet.up2, "relu"), d2)
        u2 = self._conv(torch.cat([u2, d2], dim=1).contiguous(memory_format=torch.channels_last), unet.merge2)
        u1 = crop(self._upconv(u2, unet.up1, "relu"), d1)
        u1 = self._conv(torch.cat([u1, d1], dim=1).contiguous(memory_format=torch.channels_last), unet.merge1)
        return torch.sigmoid(crop(self._upconv(u1, unet.head, "none"), x))

    def _features(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor | None]:
        model = self.model
        stem = model.stem
        h = self._conv(x, stem.conv_in)
        for block in (stem.block1, stem.block2):
            h = self._conv_add_relu(self._conv(h, block.conv1), h, block.conv2)
        attention = self._unet(h) if model.unet is not None else None
        pooled = []
        level = h
        for conv, sipnet in zip(model.hcnet, model.sipnets):
            level = self._conv(level, conv)
            side = level if attention is None else model.apply_attention(level, attention)
            side = self._conv(side.contiguous(memory_format=torch.channels_last), sipnet.reduce)
            for down in sipnet.downs:
                side = self._conv(side, down)
            pooled.append(sipnet.pool(side))
        return torch.cat(pooled, dim=1), attention

    def __call__(self, x: torch.Tensor) -> CaHDCOutput:
        """Score a batch ``(N, C, H, W)`` of standardised float32 images (run under inference mode)."""
        self.model.check_input(x)
        x = x.to(torch.float32).contiguous(memory_format=torch.channels_last)
        if not self.fused:
            return self.model(x)
        features, attention = self._features(x)
        score, side = self.model.forward_head(features)
        return CaHDCOutput(score=score, side_scores=side, attention=attention)


@dataclass(frozen=True)
class Prediction:
    """Scores of :meth:`Predictor.predict`.

    Attributes
    ----------
    scores : ndarray
        ``(n,)`` quality score Q per image, float64.
    seconds : ndarray
        ``(n,)`` wall-clock seconds per image (a batch's time shared equally by its images).
    """

    scores: np.ndarray
    seconds: np.ndarray


class Predictor:
    """Score whole images with a trained :class:`CaHDCRGA` on the best available device.

    Parameters
    ----------
    model : CaHDCRGA
        The trained network (moved to ``device``, channels-last, eval mode).
    device : str or torch.device, optional
        Default: CUDA when available, else the CPU.
    batch_size : int
        Images per forward pass; images of different sizes are never batched together.
    fused : bool
        On the CPU, use :class:`FusedCPUForward` (else eager channels-last).
    tune_allocator : bool
        On the CPU, call :func:`tune_cpu_allocator` (a process-wide glibc setting).
    bf16 : bool
        On CUDA, run under bfloat16 autocast.

    Examples
    --------
    >>> import numpy as np
    >>> from cxrqa.models.cahdc_rga import CaHDCRGA
    >>> predictor = Predictor(CaHDCRGA(train_size=(128, 128)), device="cpu")
    >>> out = predictor.predict([np.zeros((128, 96), np.float32)] * 3)
    >>> out.scores.shape, out.seconds.shape
    ((3,), (3,))
    """

    def __init__(
        self,
        model: CaHDCRGA,
        *,
        device: str | torch.device | None = None,
        batch_size: int = 1,
        fused: bool = True,
        tune_allocator: bool = True,
        bf16: bool = True,
    ) -> None:
        if batch_size < 1:
            raise ValueError(f"batch_size must be at least 1, got {batch_size}")
        self.device = select_device(device)
        self.model = prepare_model(model.eval(), self.device)
        self.batch_size = batch_size
        self.bf16 = bf16
        self._fast: FusedCPUForward | None = None
        if self.device.type == "cpu":
            if tune_allocator:
                tune_cpu_allocator()
            if fused:
                self._fast = FusedCPUForward(self.model)

    def forward(self, x: torch.Tensor) -> CaHDCOutput:
        """One forward pass over a batch already on any device (no gradient)."""
        x = x.to(self.device, non_blocking=True)
        with torch.inference_mode():
            if self._fast is not None:
                return self._fast(x)
            with autocast_context(self.device, enabled=self.bf16):
                out = self.model(x.contiguous(memory_format=torch.channels_last))
            return CaHDCOutput(
                out.score.float(),
                out.side_scores.float(),
                None if out.attention is None else out.attention.float(),
            )

    def _batches(self, images: Iterable[Any]) -> Iterator[list[torch.Tensor]]:
        batch: list[torch.Tensor] = []
        for index, image in enumerate(images):
            t = torch.as_tensor(np.asarray(image, dtype=np.float32))
            if t.ndim == 2:
                t = t.unsqueeze(0)
            if t.ndim != 3:
                raise ValueError(f"image {index}: expected H x W or C x H x W, got shape {tuple(t.shape)}")
            if batch and (t.shape != batch[0].shape or len(batch) == self.batch_size):
                yield batch
                batch = []
            batch.append(t)
        if batch:
            yield batch

    def predict(self, images: Iterable[Any]) -> Prediction:
        """Score images (each ``H x W`` or ``C x H x W``, standardised as in training).

        Returns
        -------
        Prediction
            Scores and seconds per image, in input order.
        """
        scores: list[float] = []
        seconds: list[float] = []
        for batch in self._batches(images):
            start = time.perf_counter()
            out = self.forward(torch.stack(batch))
            values = out.score.float().cpu().numpy()
            elapsed = time.perf_counter() - start
            scores.extend(values.tolist())
            seconds.extend([elapsed / len(batch)] * len(batch))
        return Prediction(scores=np.asarray(scores, dtype=np.float64), seconds=np.asarray(seconds))

