"""The input specification: how a checkpoint's network wants its preprocessed images.

Training writes an :class:`InputSpec` into every checkpoint (``Checkpoint.preprocessing``, through
:meth:`InputSpec.to_dict`) and scoring reads it back (:meth:`InputSpec.from_dict`), so a scorer
needs nothing but the checkpoint to prepare images exactly as the model was trained on them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import torch

from cxrqa.scoring.detail import detail_map
from cxrqa.scoring.images import as_image
from cxrqa.scoring.standardise import STANDARDISATIONS, standardise
from cxrqa.scoring.tiles import tile_step

if TYPE_CHECKING:
    from cxrqa.config.schema import DimensionTrainParams, ModelParams

__all__ = ["INPUT_MODES", "TILE_WEIGHTINGS", "InputSpec", "InputSpecError"]

#: ``whole``: the image resized to the input size; ``patch``: tiles of the full-resolution image.
INPUT_MODES = ("whole", "patch")
#: How a patch model averages its tiles' scores: equally, or by the share of the lung ROI.
TILE_WEIGHTINGS = ("uniform", "roi")
#: The descriptive ``resize`` entry :meth:`InputSpec.to_dict` writes for each input mode.
_RESIZE = {"whole": "area", "patch": "none (tiles of the preprocessed image)"}
#: Entries a checkpoint written before they existed may lack, with the value the scoring code of
#: that time used in their place.
_DEFAULTS = {"input_mode": "whole", "standardisation": "fixed", "tile_weighting": "uniform", "tile_overlap": (0.0, 0.0), "detail_channel": False}
_KEYS = ("input_mode", "input_size", "resize", "standardisation", "tile_weighting", "tile_overlap", "detail_channel")


class InputSpecError(ValueError):
    """A checkpoint's ``preprocessing`` entry that is not a valid :class:`InputSpec`."""


@dataclass(frozen=True)
class InputSpec:
    """How a network's inputs are made from a preprocessed image in [0, 1].

    Attributes
    ----------
    input_size : tuple of int
        ``(H, W)`` of the training inputs (``model.train_size``): the size a whole image is
        resized to by area averaging, or the size of the tiles of a patch model.
    input_mode : {"whole", "patch"}
        ``whole``: the image resized to ``input_size`` is one input; ``patch``: the image at full
        resolution is cut into the ``input_size`` tiles that cover it
        (:func:`cxrqa.scoring.covering_tiles`), and its score is their (weighted) mean.
    standardisation : {"fixed", "per_image", "local"}
        The map from display values to network inputs (:func:`cxrqa.scoring.standardise`).
    tile_weighting : {"uniform", "roi"}
        A patch model's tile weights: equal, or each tile's share of the lung ROI
        (:func:`cxrqa.scoring.tile_weights`; the image's ROI mask is then needed). Always
        ``uniform`` for a whole-image model.
    tile_overlap : tuple of float
        A patch model's ``(rows, columns)`` overlap of neighbouring tiles, as shares of a tile's
        height and width in [0, 1) (:func:`cxrqa.scoring.tile_step`). Always ``(0, 0)`` for a
        whole-image model.
    detail_channel : bool
        A whole-image model's second input channel: the fine detail and noise of the
        full-resolution image (:func:`cxrqa.scoring.detail_map`), beside the resized image.

    Raises
    ------
    InputSpecError
        When a value is not one of those above.

    Examples
    --------
    >>> spec = InputSpec((192, 128), "patch", "local", "roi", tile_overlap=(0.0, 0.5))
    >>> InputSpec.from_dict(spec.to_dict()) == spec, spec.tile_step
    (True, (192, 64))
    >>> InputSpec.from_dict({"input_size": [768, 512]})  # a checkpoint of before these keys
    InputSpec(input_size=(768, 512), input_mode='whole', standardisation='fixed', tile_weighting='uniform', tile_overlap=(0.0, 0.0), detail_channel=False)
    >>> InputSpec((192, 128), detail_channel=True).network_input(torch.rand(1, 768, 512)).shape
    torch.Size([2, 192, 128])
    """

    input_size: tuple[int, int]
    input_mode: Literal["whole", "patch"] = "whole"
    standardisation: Literal["fixed", "per_image", "local"] = "fixed"
    tile_weighting: Literal["uniform", "roi"] = "uniform"
    tile_overlap: tuple[float, float] = (0.0, 0.0)
    detail_channel: bool = False

    def __post_init__(self) -> None:
        size = self.input_size
        if (
            not isinstance(size, (tuple, list))
            or len(size) != 2
            or not all(isinstance(side, int) and not isinstance(side, bool) and side > 0 for side in size)
        ):
            raise InputSpecError(f"input_size must be two positive integers (H, W), got {size!r}")
        object.__setattr__(self, "input_size", tuple(size))
        for name, allowed in (
            ("input_mode", INPUT_MODES),
            ("standardisation", STANDARDISATIONS),
            ("tile_weighting", TILE_WEIGHTINGS),
        ):
            if getattr(self, name) not in allowed:
                raise InputSpecError(f"{name} must be one of {', '.join(allowed)}, got {getattr(self, name)!r}")
        if self.input_mode == "whole" and self.tile_weighting != "uniform":
            raise InputSpecError(f"tile_weighting {self.tile_weighting!r} needs input_mode 'patch' (a whole-image model has no tiles)")
        overlap = self.tile_overlap
        bad_overlap = InputSpecError(f"tile_overlap must be two shares in [0, 1) (rows, columns), got {overlap!r}")
        if not isinstance(overlap, (tuple, list)) or not all(isinstance(share, (int, float)) and not isinstance(share, bool) for share in overlap):
            raise bad_overlap
        try:
            tile_step(self.input_size, overlap)  # checks the count and the range of the shares
        except ValueError:
            raise bad_overlap from None
        object.__setattr__(self, "tile_overlap", tuple(float(share) for share in overlap))
        if self.input_mode == "whole" and any(self.tile_overlap):
            raise InputSpecError(f"tile_overlap {self.tile_overlap!r} needs input_mode 'patch' (a whole-image model has no tiles)")
        if not isinstance(self.detail_channel, bool):
            raise InputSpecError(f"detail_channel must be true or false, got {self.detail_channel!r}")
        if self.detail_channel and self.is_patch:
            raise InputSpecError("detail_channel needs input_mode 'whole' (a patch is already at full resolution)")

    @property
    def is_patch(self) -> bool:
        """Whether images are scored as tiles at full resolution (else resized whole)."""
        return self.input_mode == "patch"

    @property
    def needs_roi(self) -> bool:
        """Whether scoring an image needs its lung ROI mask (ROI-weighted tiles)."""
        return self.tile_weighting == "roi"

    @property
    def tile_step(self) -> tuple[int, int] | None:
        """A patch model's ``(rows, columns)`` step between tiles in pixels; ``None`` for a whole-image model."""
        return tile_step(self.input_size, self.tile_overlap) if self.is_patch else None

    @property
    def resize_to(self) -> tuple[int, int] | None:
        """The size a preprocessed image is resized to before standardisation (``None``: kept)."""
        return None if self.is_patch else self.input_size

    @property
    def load_size(self) -> tuple[int, int] | None:
        """The size to read an image at for :meth:`network_input`: the full resolution when the
        detail channel needs it, else :attr:`resize_to` (resizing while reading saves memory)."""
        return None if self.detail_channel else self.resize_to

    @property
    def channels(self) -> int:
        """Input channels of the network: the image, and the detail channel when asked for."""
        return 2 if self.detail_channel else 1

    def network_input(self, image: torch.Tensor) -> torch.Tensor:
        """The network's input made from a preprocessed image.

        Parameters
        ----------
        image : Tensor
            ``1 x H x W`` display values in [0, 1] (:func:`cxrqa.scoring.as_image`), read at
            :attr:`load_size` or larger.

        Returns
        -------
        Tensor
            ``channels x h x w`` float32: the image resized to :attr:`resize_to` (unless
            ``None``) and standardised, then, with :attr:`detail_channel`, the
            :func:`~cxrqa.scoring.detail_map` of the image as given.
        """
        view = image if self.resize_to is None else as_image(image, self.resize_to)
        standardised = standardise(view, self.standardisation)
        if not self.detail_channel:
            return standardised
        return torch.cat([standardised, detail_map(image, tuple(view.shape[-2:]))])

    @classmethod
    def from_params(cls, model: ModelParams, train: DimensionTrainParams) -> InputSpec:
        """The specification of a model trained with these settings.

        Parameters
        ----------
        model : ModelParams
            The ``model`` section (``train_size`` is the input size).
        train : DimensionTrainParams
            The dimension's training subsection (``train.<dimension>``): its ``input``,
            ``standardisation``, ``tile_overlap`` and ``detail_channel``; ROI-guided patches
            (``patch_sampling: roi``) make ROI-weighted tiles; ``patch_sampling`` and
            ``tile_overlap`` are unused with ``whole`` input.

        Examples
        --------
        >>> from types import SimpleNamespace as Section
        >>> model = Section(train_size=(192, 128))
        >>> patch = Section(input="patch", standardisation="local", patch_sampling="roi", tile_overlap=(0.0, 0.5), detail_channel=False)
        >>> InputSpec.from_params(model, patch)
        InputSpec(input_size=(192, 128), input_mode='patch', standardisation='local', tile_weighting='roi', tile_overlap=(0.0, 0.5), detail_channel=False)
        >>> whole = Section(input="whole", standardisation="fixed", patch_sampling="roi", tile_overlap=(0.0, 0.5), detail_channel=True)
        >>> InputSpec.from_params(model, whole).tile_weighting, InputSpec.from_params(model, whole).tile_overlap
        ('uniform', (0.0, 0.0))
        """
        patch = train.input == "patch"
        return cls(
            input_size=tuple(model.train_size),
            input_mode=train.input,
            standardisation=train.standardisation,
            tile_weighting=train.patch_sampling if patch else "uniform",
            tile_overlap=tuple(train.tile_overlap) if patch else (0.0, 0.0),
            detail_channel=train.detail_channel,
        )

    def to_dict(self) -> dict[str, Any]:
        """The plain entry stored as a checkpoint's ``preprocessing``.

        Keys ``input_mode``, ``input_size`` (a list), ``resize`` (descriptive: ``area`` or
        ``none (...)``), ``standardisation``, for a patch model only ``tile_weighting`` and, when
        its tiles overlap, ``tile_overlap`` (a list), and for a model with the detail channel only
        ``detail_channel``: a checkpoint without these reads as it always did.

        >>> InputSpec((64, 64)).to_dict()
        {'input_mode': 'whole', 'input_size': [64, 64], 'resize': 'area', 'standardisation': 'fixed'}
        >>> InputSpec((64, 64), detail_channel=True).to_dict()["detail_channel"]
        True
        """
        entry: dict[str, Any] = {
            "input_mode": self.input_mode,
            "input_size": list(self.input_size),
            "resize": _RESIZE[self.input_mode],
            "standardisation": self.standardisation,
        }
        if self.is_patch:
            entry["tile_weighting"] = self.tile_weighting
        if any(self.tile_overlap):
            entry["tile_overlap"] = list(self.tile_overlap)
        if self.detail_channel:
            entry["detail_channel"] = True
        return entry

    @classmethod
    def from_dict(cls, entry: Mapping[str, Any], *, source: str | Path | None = None) -> InputSpec:
        """Read and check a checkpoint's ``preprocessing`` entry.

        Checkpoints written before a key existed are read as the scoring code of their time read
        them: without ``input_mode`` as ``whole``, without ``standardisation`` as ``fixed``,
        without ``tile_weighting`` as ``uniform``, without ``tile_overlap`` as none, without
        ``detail_channel`` as false; ``resize`` is descriptive and may be absent,
        but when present must match the input mode. ``input_size`` has always been written and
        is required.

        Parameters
        ----------
        entry : mapping
            ``Checkpoint.preprocessing``.
        source : str or Path, optional
            The checkpoint file, named in error messages.

        Raises
        ------
        InputSpecError
            When ``entry`` is not a mapping, lacks ``input_size``, has a key not listed above, or a
            value is invalid; the message names ``source``.
        """
        where = f"{source}: " if source is not None else ""
        if not isinstance(entry, Mapping):
            raise InputSpecError(f"{where}the checkpoint's preprocessing is a {type(entry).__name__}, not a mapping")
        unknown = sorted(set(entry) - set(_KEYS))
        if unknown:
            raise InputSpecError(
                f"{where}unknown key(s) {', '.join(map(repr, unknown))} in the checkpoint's preprocessing "
                f"(this version reads {', '.join(_KEYS)})"
            )
        if "input_size" not in entry:
            raise InputSpecError(f"{where}the checkpoint's preprocessing has no input_size")
        values = {**_DEFAULTS, **{key: value for key, value in entry.items() if key != "resize"}}
        try:
            spec = cls(**values)
        except InputSpecError as error:
            raise InputSpecError(f"{where}{error}") from None
        if "resize" in entry and entry["resize"] != _RESIZE[spec.input_mode]:
            raise InputSpecError(
                f"{where}resize {entry['resize']!r} does not match input_mode {spec.input_mode!r} "
                f"(expected {_RESIZE[spec.input_mode]!r})"
            )
        return spec
