"""A folder of trained models, ``<models>/<dimension>/best.pt``, as the scoring commands read it.

``cxrqa score`` and ``cxrqa audit`` take ``--models DIR`` and score both dimensions: each
checkpoint is read once and checked to hold its folder's dimension (:func:`load_scorers`), and the
preprocessing they score with is chosen in one place (:func:`scoring_preprocess`). The digest of a
checkpoint file (:func:`checkpoint_digest`) names the model in an audit's rows.
"""

from __future__ import annotations

import hashlib
import sys
from pathlib import Path

from cxrqa.config import load_section
from cxrqa.config.loader import build
from cxrqa.config.schema import PreprocessParams
from cxrqa.io.tables import DIMENSIONS
from cxrqa.models import Checkpoint
from cxrqa.scoring.scorer import Scorer

__all__ = ["checkpoint_digest", "checkpoint_path", "load_scorer", "load_scorers", "recorded_preprocess", "scoring_preprocess"]


def load_scorers(models: Path) -> dict[str, Scorer]:
    """The scorer of every dimension under ``models`` (:func:`load_scorer`), in :data:`DIMENSIONS` order."""
    return {dimension: load_scorer(Path(models), dimension) for dimension in DIMENSIONS}


def checkpoint_digest(path: str | Path) -> str:
    """The SHA-256 of a checkpoint file's bytes, first 12 hex characters: the model's name in an audit.

    Two files with the same weights, configuration and preprocessing saved the same way have the
    same digest; any retraining gives another.
    """
    digest = hashlib.sha256()
    with Path(path).open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()[:12]


def checkpoint_path(models: Path, dimension: str) -> Path:
    """Where ``cxrqa score`` looks for the model of ``dimension`` under ``models``.

    >>> checkpoint_path(Path("models"), "sharpness").as_posix()
    'models/sharpness/best.pt'
    """
    return models / dimension / "best.pt"


def load_scorer(models: Path, dimension: str) -> Scorer:
    """The scorer of the checkpoint of ``dimension`` under ``models``, checked to be that dimension's.

    The checkpoint is read once and its input specification checked (:class:`cxrqa.scoring.Scorer`).
    A checkpoint that records no dimension (``extra["dimension"]``) is accepted with a note on
    stderr.

    Parameters
    ----------
    models : Path
        The folder of ``<dimension>/best.pt`` (a command's ``--models``).
    dimension : str
        ``gray_level`` or ``sharpness``.

    Raises
    ------
    FileNotFoundError
        When there is no checkpoint.
    ValueError
        When it cannot be read, its input specification is malformed
        (:class:`cxrqa.scoring.InputSpecError`), or it records another dimension (e.g. swapped
        model folders).
    """
    path = checkpoint_path(models, dimension)
    if not path.is_file():
        raise FileNotFoundError(f"{path}: no {dimension} model (train it with `dvc repro train@{dimension}`)")
    scorer = Scorer(path)
    recorded = scorer.dimension
    if recorded is None:
        print(f"cxrqa: note: {path} records no dimension; scoring it as {dimension}", file=sys.stderr)
    elif recorded != dimension:
        raise ValueError(
            f"{path}: the {dimension} folder {path.parent} holds a {recorded} model, not a {dimension} "
            f"one (are the model folders under {models} swapped?)"
        )
    return scorer


def scoring_preprocess(params: Path | None, models: Path, checkpoints: dict[str, Checkpoint]) -> PreprocessParams:
    """The preprocessing to score with, in this order of precedence.

    1. The ``preprocess`` section of the parameter file ``params``, when one is given.
    2. The ``preprocess`` section the checkpoints' ``params`` record (the models trained so far
       record none); when both record one they must agree.
    3. The packaged defaults (:data:`cxrqa.config.PACKAGED_DEFAULTS`), a copy of the
       repository's ``params.yaml`` (a test keeps them identical).

    Parameters
    ----------
    params : Path or None
        ``--params`` of the command.
    models : Path
        The models folder, to name the checkpoints in messages.
    checkpoints : dict
        Dimension to its loaded checkpoint (:func:`load_scorers`).

    Raises
    ------
    ConfigError
        When the file's or a checkpoint's section is malformed.
    ValueError
        When the two checkpoints record different preprocessing.
    """
    if params is not None:
        return load_section(params, "preprocess")
    recorded = recorded_preprocess(models, checkpoints)
    if len(set(recorded.values())) > 1:
        raise ValueError(
            f"{' and '.join(map(str, recorded))} were trained with different preprocessing; "
            "choose one with --params FILE"
        )
    return next(iter(recorded.values())) if recorded else load_section(None, "preprocess")


def recorded_preprocess(models: Path, checkpoints: dict[str, Checkpoint]) -> dict[Path, PreprocessParams]:
    """The ``preprocess`` sections the checkpoints' ``params`` hold, by checkpoint file (none today).

    Raises
    ------
    ConfigError
        When a recorded section is malformed; the message names the checkpoint.
    """
    recorded = {}
    for dimension, checkpoint in checkpoints.items():
        section = checkpoint.params.get("preprocess") if isinstance(checkpoint.params, dict) else None
        if section is not None:
            path = checkpoint_path(models, dimension)
            recorded[path] = build(PreprocessParams, section, where="preprocess", source=path)
    return recorded
