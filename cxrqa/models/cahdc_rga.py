"""CaHDC-RGA: hierarchical degradation concatenation with ROI-guided attention.

A no-reference image quality network for chest radiographs: one grayscale image in, one quality
score on the experts' 1-10 scale out (one model per quality dimension: gray-level or sharpness).

References
----------
.. [1] Meng et al., "Automatic No-reference Quality Assessment in Chest Radiographs Based on Deep
   Convolutional Neural Networks", section "CNN model architecture" (Figs. 2-7): the network.
.. [2] Wu, Ma, Li, Lin and Shi, "End-to-End Blind Image Quality Prediction With Cascaded Deep
   Neural Network" (CaHDC), IEEE Transactions on Image Processing 29, 2020: the hierarchical
   feature, side-pooling and regression design the paper builds on.
.. [3] Ronneberger, Fischer and Brox, "U-Net", MICCAI 2015; He et al., "Deep Residual Learning",
   CVPR 2016.

Architecture (``x`` is ``N x 1 x H x W``)
-----------------------------------------
- **ResNet**: five 3x3 convolutions, 32 filters, stride 1, ReLU, output ``N x 32 x H x W``.
- **HCNet**: a chain of four stride-2 3x3 convolutions (64, 128, 256, 512 filters, ReLU) giving
  O1..O4 at 1/2, 1/4, 1/8 and 1/16 of the input size.
- **UNet** (on the ResNet output): stride-2 convolutions down, 2x2 stride-2 transposed
  convolutions ("up-convolutions") up, skip concatenations, a final up-convolution to one channel
  at the input size and a sigmoid: the attention map ``a`` in [0, 1].
- **Attention**: ``a`` is area-resampled to the size of each Oi and applied to it.
- **SiPNet i**: 1x1 convolution to 64 channels, then R_i stride-2 3x3 convolutions (ReLU), then
  global max pooling to 64 values. R_i is fixed at construction from ``train_size`` so that the
  map before pooling is 8 to 15 pixels a side at the training size.
- **RegNet**: FC1..FC4 (64 -> 1) give the side scores Q1..Q4; FC5 (256 -> 128, ReLU) and FC6
  (128 -> 1) on the four concatenated vectors give the score Q.

Interpretations and deviations (the paper's figures are not fully specified)
----------------------------------------------------------------------------
- ResNet layout: an input convolution followed by two residual blocks of two convolutions each
  (conv-ReLU-conv, identity skip, ReLU after the sum) -- one reading of "five convolutional layers".
- HCNet is a chain (O_{i+1} is computed from the un-attended O_i); attention is applied on the
  side branches only, as CaHDC's side outputs branch off its backbone.
- UNet widths (16, 32, 64 by default), depth (three downsamplings) and the full-resolution output
  are ours: the paper gives no widths. It costs about 4 GFLOP of the ~52 GFLOP at 768 x 512.
- Attention mode: ``"residual"`` (default) applies ``Oi * (1 + a)`` (residual attention, Wang et
  al., CVPR 2017), which cannot switch features off entirely early in training; ``"multiply"``
  applies ``Oi * a``. The paper only says the map "is paid to" O1..O4.
- Resampling of the attention map: area averaging (adaptive average pooling), which keeps ``a`` in
  [0, 1]; the paper says only "resampling properly".
- R_i: the smallest number of halvings (``ceil(n / 2)`` per stride-2 convolution with padding 1)
  that brings the longer side of O_i at the training size to 15 or less; a ``ValueError`` is raised
  when the shorter side would then fall below 8 (an aspect ratio no single R_i serves). A level
  already 15 pixels or less a side gets R_i = 0 even when it is below 8 (small training sizes).
- ReLU follows every convolution of the SiPNets, including the 1x1 reduction.
- The biases of FC1..FC4 and FC6 start at ``init_score`` (by default 5.5, the middle of the 1-10
  scale; training passes the training split's mean MOS) so that the L_alpha loss, which divides by
  the target, starts from sensible predictions.
- ``use_attention=False`` drops the UNet entirely (ablation: plain CaHDC with a ResNet stem).
- Inputs smaller than :data:`MIN_INPUT_SIDE` pixels a side are refused: O4 would be 4 x 4 or less
  and padding would dominate every SiPNet.

Examples
--------
>>> import torch
>>> model = CaHDCRGA(train_size=(128, 128)).eval()
>>> out = model(torch.zeros(2, 1, 128, 96))
>>> tuple(out.score.shape), tuple(out.side_scores.shape), tuple(out.attention.shape)
((2,), (2, 4), (2, 1, 128, 96))
>>> model.sip_repeats  # R for O1..O4 at the training size (64, 32, 16, 8 pixels a side)
(3, 2, 1, 0)
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Any, Literal, NamedTuple

import torch
import torch.nn.functional as F
from torch import nn

from cxrqa.io.errors import describe_error

__all__ = [
    "MIN_INPUT_SIDE",
    "CaHDCOutput",
    "CaHDCRGA",
    "Checkpoint",
    "count_parameters",
    "load_checkpoint",
    "save_checkpoint",
    "sip_repeats",
]

#: Smallest input side (pixels) the network accepts.
MIN_INPUT_SIDE = 64

#: Number of stride-2 levels of the HCNet.
N_LEVELS = 4

AttentionMode = Literal["residual", "multiply"]
SiPPooling = Literal["max", "mean"]


class CaHDCOutput(NamedTuple):
    """What :class:`CaHDCRGA` returns.

    Attributes
    ----------
    score : Tensor
        ``(N,)`` quality score Q (from FC6).
    side_scores : Tensor
        ``(N, 4)`` side scores Q1..Q4 (FC1..FC4), used by the auxiliary loss terms.
    attention : Tensor or None
        ``(N, 1, H, W)`` attention map in [0, 1] at the input size; ``None`` without attention.
    """

    score: torch.Tensor
    side_scores: torch.Tensor
    attention: torch.Tensor | None


def _halve(n: int) -> int:
    """Output side of a 3x3, stride-2, padding-1 convolution."""
    return (n + 1) // 2


def sip_repeats(size: tuple[int, int], *, low: int = 8, high: int = 15) -> tuple[int, ...]:
    """Number R_i of stride-2 convolutions of each SiPNet for a training input size.

    Parameters
    ----------
    size : tuple of int
        Training input ``(height, width)`` in pixels.
    low, high : int
        Allowed side of the map before the global max pooling (the paper: 8 to 15).

    Returns
    -------
    tuple of int
        R_1..R_4 for O1..O4.

    Raises
    ------
    ValueError
        When the size is below :data:`MIN_INPUT_SIDE` or no R > 0 brings both sides into range.

    Examples
    --------
    >>> sip_repeats((768, 512))  # O1 is 384 x 256 -> 12 x 8 after 5 halvings
    (5, 4, 3, 2)
    >>> sip_repeats((1024, 1024))  # the paper's example: a 512 x 512 map needs R = 6
    (6, 5, 4, 3)
    >>> sip_repeats((1024, 512))  # O1 512 x 256: 16 x 8 after 5 halvings, 8 x 4 after 6
    Traceback (most recent call last):
    ...
    ValueError: no number of stride-2 convolutions brings a 512x256 feature map to 8-15 pixels a side (got 8x4 after 6); use a training size with an aspect ratio closer to 1
    """
    height, width = size
    if min(height, width) < MIN_INPUT_SIDE:
        raise ValueError(
            f"training input size must be at least {MIN_INPUT_SIDE} pixels a side, got {height}x{width}"
        )
    repeats = []
    for _ in range(N_LEVELS):
        height, width = _halve(height), _halve(width)
        h, w, r = height, width, 0
        while max(h, w) > high:
            h, w, r = _halve(h), _halve(w), r + 1
        if r > 0 and min(h, w) < low:
            raise ValueError(
                f"no number of stride-2 convolutions brings a {height}x{width} feature map to "
                f"{low}-{high} pixels a side (got {h}x{w} after {r}); use a training size with an "
                "aspect ratio closer to 1"
            )
        repeats.append(r)
    return tuple(repeats)


def _conv(c_in: int, c_out: int, *, stride: int = 1, kernel: int = 3) -> nn.Conv2d:
    return nn.Conv2d(c_in, c_out, kernel, stride=stride, padding=kernel // 2)


class ResidualBlock(nn.Module):
    """Two 3x3 convolutions with an identity skip: ``relu(x + conv(relu(conv(x))))``."""

    def __init__(self, *, channels: int) -> None:
        super().__init__()
        self.conv1 = _conv(channels, channels)
        self.conv2 = _conv(channels, channels)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return F.relu(x + self.conv2(F.relu(self.conv1(x), inplace=True)), inplace=True)


class ResNetStem(nn.Module):
    """The five-convolution ResNet feature extractor (stride 1, same size out)."""

    def __init__(self, *, in_chans: int, channels: int) -> None:
        super().__init__()
        self.conv_in = _conv(in_chans, channels)
        self.block1 = ResidualBlock(channels=channels)
        self.block2 = ResidualBlock(channels=channels)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.block2(self.block1(F.relu(self.conv_in(x), inplace=True)))


class AttentionUNet(nn.Module):
    """Convolution / up-convolution UNet giving a one-channel map in [0, 1] at the input size."""

    def __init__(self, *, in_chans: int, widths: tuple[int, int, int]) -> None:
        super().__init__()
        w1, w2, w3 = widths
        self.down1 = _conv(in_chans, w1, stride=2)
        self.down2 = _conv(w1, w2, stride=2)
        self.down3 = _conv(w2, w3, stride=2)
        self.bottom = _conv(w3, w3)
        self.up2 = nn.ConvTranspose2d(w3, w2, 2, stride=2)
        self.merge2 = _conv(2 * w2, w2)
        self.up1 = nn.ConvTranspose2d(w2, w1, 2, stride=2)
        self.merge1 = _conv(2 * w1, w1)
        self.head = nn.ConvTranspose2d(w1, 1, 2, stride=2)

    @staticmethod
    def _crop(x: torch.Tensor, like: torch.Tensor) -> torch.Tensor:
        # An up-convolution doubles the side; for an odd side the skip is one pixel shorter.
        return x[..., : like.shape[-2], : like.shape[-1]]

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        d1 = F.relu(self.down1(x), inplace=True)
        d2 = F.relu(self.down2(d1), inplace=True)
        d3 = F.relu(self.down3(d2), inplace=True)
        b = F.relu(self.bottom(d3), inplace=True)
        u2 = F.relu(self._crop(self.up2(b), d2), inplace=True)
        u2 = F.relu(self.merge2(torch.cat([u2, d2], dim=1)), inplace=True)
        u1 = F.relu(self._crop(self.up1(u2), d1), inplace=True)
        u1 = F.relu(self.merge1(torch.cat([u1, d1], dim=1)), inplace=True)
        return torch.sigmoid(self._crop(self.head(u1), x))


class SiPNet(nn.Module):
    """Side pooling net: 1x1 reduction, ``repeats`` stride-2 3x3 convolutions, global pooling
    (``max``, the paper's, or ``mean``)."""

    def __init__(self, *, in_chans: int, channels: int, repeats: int, pooling: SiPPooling = "max") -> None:
        super().__init__()
        self.reduce = _conv(in_chans, channels, kernel=1)
        self.downs = nn.ModuleList(_conv(channels, channels, stride=2) for _ in range(repeats))
        self.pooling = pooling

    def pool(self, x: torch.Tensor) -> torch.Tensor:
        """Global pooling of an ``N x C x h x w`` map to ``N x C``."""
        if self.pooling == "mean":
            return torch.mean(x, dim=(-2, -1))
        return torch.amax(x, dim=(-2, -1))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = F.relu(self.reduce(x), inplace=True)
        for down in self.downs:
            x = F.relu(down(x), inplace=True)
        return self.pool(x)


class CaHDCRGA(nn.Module):
    """CaHDC with ROI-guided attention (Meng et al.), fully convolutional up to the pooling.

    Parameters
    ----------
    in_chans : int
        Input channels (1: grayscale, standardised).
    stem_channels : int
        Filters of the five ResNet convolutions (paper: 32).
    hc_channels : tuple of int
        Filters of the four HCNet convolutions (paper: 64, 128, 256, 512).
    sip_channels : int
        Channels of the SiPNets, hence length of each pooled vector (paper: 64).
    fc_hidden : int
        Width of FC5 (paper: 128).
    unet_channels : tuple of int
        Widths of the three UNet levels (not given by the paper).
    train_size : tuple of int
        ``(height, width)`` of the training inputs; fixes R_i of each SiPNet (see
        :func:`sip_repeats`).
    use_attention : bool
        Build the UNet and apply its map to O1..O4 (``False``: ablation without attention).
    attention_mode : {"residual", "multiply"}
        ``Oi * (1 + a)`` or ``Oi * a``.
    init_score : float
        Initial bias of the score layers FC1..FC4 and FC6.
    sip_pooling : {"max", "mean"}
        Global pooling at the end of every SiPNet (paper: max).
    """

    def __init__(
        self,
        *,
        in_chans: int = 1,
        stem_channels: int = 32,
        hc_channels: tuple[int, int, int, int] = (64, 128, 256, 512),
        sip_channels: int = 64,
        fc_hidden: int = 128,
        unet_channels: tuple[int, int, int] = (16, 32, 64),
        train_size: tuple[int, int] = (768, 512),
        use_attention: bool = True,
        attention_mode: AttentionMode = "residual",
        init_score: float = 5.5,
        sip_pooling: SiPPooling = "max",
    ) -> None:
        super().__init__()
        hc_channels = tuple(int(c) for c in hc_channels)
        unet_channels = tuple(int(c) for c in unet_channels)
        train_size = tuple(int(s) for s in train_size)
        if len(hc_channels) != N_LEVELS:
            raise ValueError(f"hc_channels must have {N_LEVELS} entries, got {hc_channels}")
        if len(unet_channels) != 3:
            raise ValueError(f"unet_channels must have 3 entries, got {unet_channels}")
        if len(train_size) != 2:
            raise ValueError(f"train_size must be (height, width), got {train_size}")
        widths = (in_chans, stem_channels, sip_channels, fc_hidden, *hc_channels, *unet_channels)
        if min(widths) < 1:
            raise ValueError(f"every channel count must be at least 1, got {widths}")
        if attention_mode not in ("residual", "multiply"):
            raise ValueError(f"attention_mode must be 'residual' or 'multiply', got {attention_mode!r}")
        if sip_pooling not in ("max", "mean"):
            raise ValueError(f"sip_pooling must be 'max' or 'mean', got {sip_pooling!r}")
        self.config: dict[str, Any] = {
            "in_chans": in_chans,
            "stem_channels": stem_channels,
            "hc_channels": list(hc_channels),
            "sip_channels": sip_channels,
            "fc_hidden": fc_hidden,
            "unet_channels": list(unet_channels),
            "train_size": list(train_size),
            "use_attention": bool(use_attention),
            "attention_mode": attention_mode,
            "init_score": float(init_score),
            "sip_pooling": sip_pooling,
        }
        self.in_chans = in_chans
        self.use_attention = bool(use_attention)
        self.attention_mode = attention_mode
        self.sip_repeats = sip_repeats(train_size)

        self.stem = ResNetStem(in_chans=in_chans, channels=stem_channels)
        chans = (stem_channels, *hc_channels)
        self.hcnet = nn.ModuleList(
            _conv(chans[i], chans[i + 1], stride=2) for i in range(N_LEVELS)
        )
        self.unet = (
            AttentionUNet(in_chans=stem_channels, widths=unet_channels) if self.use_attention else None
        )
        self.sipnets = nn.ModuleList(
            SiPNet(in_chans=c, channels=sip_channels, repeats=r, pooling=sip_pooling)
            for c, r in zip(hc_channels, self.sip_repeats)
        )
        self.side_fcs = nn.ModuleList(nn.Linear(sip_channels, 1) for _ in range(N_LEVELS))
        self.fc5 = nn.Linear(N_LEVELS * sip_channels, fc_hidden)
        self.fc6 = nn.Linear(fc_hidden, 1)
        self._init_weights(init_score)

    def _init_weights(self, init_score: float) -> None:
        for module in self.modules():
            if isinstance(module, (nn.Conv2d, nn.ConvTranspose2d)):
                nn.init.kaiming_normal_(module.weight, nonlinearity="relu")
                nn.init.zeros_(module.bias)
        if self.unet is not None:
            # Start the attention map near 0.5 everywhere rather than wherever He init puts it.
            nn.init.normal_(self.unet.head.weight, std=1e-3)
        for fc in (*self.side_fcs, self.fc6):
            nn.init.normal_(fc.weight, std=1e-2)
            nn.init.constant_(fc.bias, init_score)

    def check_input(self, x: torch.Tensor) -> None:
        """Raise ``ValueError`` unless ``x`` is a float ``N x C x H x W`` batch large enough."""
        if not isinstance(x, torch.Tensor):
            raise ValueError(f"expected a torch.Tensor, got {type(x).__name__}")
        if x.ndim != 4 or x.shape[1] != self.in_chans:
            raise ValueError(
                f"expected an N x {self.in_chans} x H x W tensor, got shape {tuple(x.shape)}"
            )
        if not x.is_floating_point():
            raise ValueError(f"expected a floating-point tensor, got {x.dtype}")
        if min(x.shape[-2:]) < MIN_INPUT_SIDE:
            raise ValueError(
                f"input must be at least {MIN_INPUT_SIDE} x {MIN_INPUT_SIDE} pixels, "
                f"got {x.shape[-2]} x {x.shape[-1]}"
            )

    def apply_attention(self, feature: torch.Tensor, attention: torch.Tensor) -> torch.Tensor:
        """Resample the attention map to ``feature``'s size (area) and apply it."""
        a = F.adaptive_avg_pool2d(attention, feature.shape[-2:]).to(feature.dtype)
        return feature * (1.0 + a) if self.attention_mode == "residual" else feature * a

    def forward_features(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor | None]:
        """Pooled SiPNet vectors and the attention map.

        Parameters
        ----------
        x : Tensor
            ``(N, in_chans, H, W)`` standardised images, H and W at least :data:`MIN_INPUT_SIDE`.

        Returns
        -------
        features : Tensor
            ``(N, 4 * sip_channels)``: the four SiPNet vectors, O1's first.
        attention : Tensor or None
            ``(N, 1, H, W)`` map in [0, 1], or ``None`` without attention.
        """
        self.check_input(x)
        stem = self.stem(x)
        attention = self.unet(stem) if self.unet is not None else None
        pooled = []
        level = stem
        for conv, sipnet in zip(self.hcnet, self.sipnets):
            level = F.relu(conv(level), inplace=True)
            side = level if attention is None else self.apply_attention(level, attention)
            pooled.append(sipnet(side))
        return torch.cat(pooled, dim=1), attention

    def forward_head(self, features: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """RegNet: ``(Q, [Q1..Q4])`` from the concatenated SiPNet vectors.

        Parameters
        ----------
        features : Tensor
            ``(N, 4 * sip_channels)`` from :meth:`forward_features`.

        Returns
        -------
        score : Tensor
            ``(N,)`` the score Q.
        side_scores : Tensor
            ``(N, 4)`` the side scores Q1..Q4.
        """
        parts = features.chunk(N_LEVELS, dim=1)
        side = torch.cat([fc(p) for fc, p in zip(self.side_fcs, parts)], dim=1)
        score = self.fc6(F.relu(self.fc5(features), inplace=True)).squeeze(1)
        return score, side

    def forward(self, x: torch.Tensor) -> CaHDCOutput:
        features, attention = self.forward_features(x)
        score, side = self.forward_head(features)
        return CaHDCOutput(score=score, side_scores=side, attention=attention)

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> CaHDCRGA:
        """Rebuild a model from :attr:`config` (as stored in a checkpoint)."""
        return cls(**config)

    def extra_repr(self) -> str:
        return f"sip_repeats={self.sip_repeats}, attention={self.attention_mode if self.use_attention else 'off'}"


def count_parameters(model: nn.Module) -> int:
    """Number of trainable parameters."""
    return sum(p.numel() for p in model.parameters() if p.requires_grad)


#: Version of the checkpoint layout written by :func:`save_checkpoint`.
CHECKPOINT_FORMAT = 1


class Checkpoint(NamedTuple):
    """What :func:`load_checkpoint` returns.

    Attributes
    ----------
    model : CaHDCRGA
        The rebuilt network in eval mode, on the CPU.
    params : dict
        The parameters it was trained with (e.g. ``params.yaml``'s ``model`` section).
    preprocessing : dict
        How its inputs were prepared (size, standardisation...), so scoring needs nothing else.
    extra : dict
        Anything else stored (dimension, epoch, metrics...).
    """

    model: CaHDCRGA
    params: dict[str, Any]
    preprocessing: dict[str, Any]
    extra: dict[str, Any]


def save_checkpoint(
    path: str | Path,
    model: CaHDCRGA,
    params: dict[str, Any],
    preprocessing: dict[str, Any],
    extra: dict[str, Any] | None = None,
) -> Path:
    """Write weights, architecture, parameters and preprocessing to ``path`` atomically.

    The dictionaries must hold only plain values (str, int, float, bool, None, lists, tuples,
    dicts, tensors) so that :func:`load_checkpoint` can read them with ``weights_only=True``.
    The file is written to a temporary name in the same folder, then renamed.

    Raises
    ------
    ValueError
        When ``model`` is not a :class:`CaHDCRGA` or a value is not a plain type.
    """
    if not isinstance(model, CaHDCRGA):
        raise ValueError(f"expected a CaHDCRGA model, got {type(model).__name__}")
    payload = {
        "format": CHECKPOINT_FORMAT,
        "arch": "CaHDCRGA",
        "model_config": dict(model.config),
        "state_dict": {k: v.detach().cpu().contiguous() for k, v in model.state_dict().items()},
        "params": params,
        "preprocessing": preprocessing,
        "extra": extra or {},
    }
    _check_plain(payload, "checkpoint")
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    handle = tempfile.NamedTemporaryFile(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp", delete=False)
    try:
        with handle:
            torch.save(payload, handle)
        os.replace(handle.name, path)
    except BaseException:
        Path(handle.name).unlink(missing_ok=True)
        raise
    return path


def load_checkpoint(path: str | Path) -> Checkpoint:
    """Rebuild the model of a :func:`save_checkpoint` file (read with ``weights_only=True``).

    Raises
    ------
    FileNotFoundError
        When ``path`` does not exist.
    ValueError
        When the file cannot be read (truncated, corrupt, not a torch file, refused by
        ``weights_only``) or is not a CaHDC-RGA checkpoint of a known format; the message names
        ``path``.
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"{path}: checkpoint not found")
    try:
        payload = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as error:  # torch raises OSError, EOFError, KeyError, RuntimeError, UnpicklingError...
        raise ValueError(
            f"{path}: cannot read the checkpoint (truncated, corrupt or not a weights-only torch file): "
            f"{describe_error(error, 300)}"
        ) from error
    if not isinstance(payload, dict) or payload.get("arch") != "CaHDCRGA":
        raise ValueError(f"{path}: not a CaHDC-RGA checkpoint")
    if payload.get("format") != CHECKPOINT_FORMAT:
        raise ValueError(
            f"{path}: checkpoint format {payload.get('format')!r}, this version reads {CHECKPOINT_FORMAT}"
        )
    try:
        model = CaHDCRGA.from_config(payload["model_config"])
        model.load_state_dict(payload["state_dict"])
        return Checkpoint(model.eval(), payload["params"], payload["preprocessing"], payload["extra"])
    except (KeyError, TypeError, ValueError, RuntimeError) as error:
        raise ValueError(f"{path}: damaged CaHDC-RGA checkpoint: {describe_error(error, 300)}") from error


_PLAIN = (str, int, float, bool, type(None), torch.Tensor)


def _check_plain(value: Any, where: str) -> None:
    if isinstance(value, dict):
        for key, item in value.items():
            if not isinstance(key, (str, int)):
                raise ValueError(f"{where}: key {key!r} is not a str or int")
            _check_plain(item, f"{where}.{key}")
    elif isinstance(value, (list, tuple)):
        for index, item in enumerate(value):
            _check_plain(item, f"{where}[{index}]")
    elif not isinstance(value, _PLAIN):
        raise ValueError(
            f"{where}: {type(value).__name__} cannot be stored in a weights_only checkpoint "
            "(convert paths to str and dataclasses to dicts)"
        )
