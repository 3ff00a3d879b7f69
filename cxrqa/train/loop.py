"""Training of one CaHDC-RGA per quality dimension: a plain, resumable, seeded loop.

Each epoch draws a seeded permutation of the training images, takes mini-batches (with an
optional horizontal flip: quality does not depend on laterality), steps Adam with the paper's
decaying learning rate per iteration, then logs loss and learning rate with DVCLive and, after
every ``train.<dimension>.validate_every``-th epoch and the last, scores the validation split and
logs validation ICC(A,1), Pearson r, Spearman rho and MAD. The best validated epoch by
validation ICC(A,1) is kept as ``best.pt`` with its parameters and preprocessing; ``last.pt``
holds everything needed to resume (weights, optimiser, scheduler, random states, epoch, best so
far, and the weight average when ``train.ema_decay`` is set: then the averaged weights are what is
validated and kept, :mod:`cxrqa.train.ema`). With ``train.calibration: linear`` each epoch's
validation scores are equated to the validation MOS (same mean and SD, :mod:`cxrqa.train.calibration`),
the logged validation metrics are those of the equated scores, and the kept checkpoint has the map
folded into its last layer. A resumed run ends exactly where an uninterrupted one with the same seed ends on the CPU,
because all randomness comes from generators whose states are checkpointed.

Inputs (``train.<dimension>.input``): ``whole`` trains on whole images resized to
``model.train_size`` and scores them the same way (gray-level judges the whole film's tone
scale); ``patch`` trains on random ``model.train_size`` patches of the full-resolution
preprocessed image, as the paper did, and scores an image as the mean over the tiles that cover it
(:mod:`cxrqa.scoring.tiles`), so that the SiPNets' global max pooling sees the same extent in
training and scoring (sharpness lives in fine detail that downsampling removes). The score
layers' biases start at the training split's mean MOS.

A dimension's run reads the ``model`` section, the keys shared by the ``train`` section
(:meth:`~cxrqa.config.schema.TrainParams.shared`) and its own subsection ``train.<dimension>``
only; :func:`run_key` and the stage's ``params`` in ``dvc.yaml`` cover exactly these, so a change
to one dimension's settings neither restarts nor reruns the other's training.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import time
from contextlib import nullcontext
from dataclasses import asdict
from pathlib import Path
from typing import Any, TypedDict

import numpy as np
import torch

from cxrqa.config.schema import DimensionTrainParams, ModelParams, TrainParams
from cxrqa.models import autocast_context, build_loss, build_model, build_optimizer, prepare_model, select_device
from cxrqa.models.inference import FusedCPUForward
from cxrqa.progress import progress_bar
from cxrqa.scoring import InputSpec, covering_tiles, weighted_tile_mean
from cxrqa.train.batchnorm import NORMS_ATTRIBUTE, attach_batchnorm, fold_batchnorm
from cxrqa.train.calibration import fold_into_score_layer, linear_equating
from cxrqa.train.data import ImageSet
from cxrqa.train.ema import WeightAverage
from cxrqa.train.metrics import agreement
from cxrqa.train.patches import position_weights, random_patches

__all__ = ["TrainResult", "dimension_params", "run_key", "train_dimension"]

LAST = "last.pt"
BEST = "best.pt"


def run_key(model_params: ModelParams, train_params: TrainParams, dimension: str, data: list[str]) -> str:
    """Fingerprint of what a checkpoint may be resumed with.

    Parameters
    ----------
    model_params, train_params : ModelParams, TrainParams
        The ``model`` and ``train`` sections; of ``train`` only the shared keys and the subsection
        of ``dimension`` enter the key, so another dimension's settings do not change it.
    dimension : str
        The trained dimension.
    data : list of str
        Fingerprints of the training and validation sets (:meth:`ImageSet.fingerprint`): the
        same ids with other pixels or MOS (a changed simulator or reader study) are another run.

    Returns
    -------
    str
        16 hexadecimal digits of a SHA-256 of these values.
    """
    payload = json.dumps(
        {"model": asdict(model_params), "train": dimension_params(train_params, dimension), "dimension": dimension, "data": data},
        sort_keys=True,
        default=str,
    )
    return hashlib.sha256(payload.encode()).hexdigest()[:16]


def dimension_params(train_params: TrainParams, dimension: str) -> dict[str, Any]:
    """The part of the ``train`` section that ``dimension``'s training reads, as plain values.

    The shared keys by name and the subsection under ``dimension``, e.g.
    ``{"seed": ..., "batch_size": ..., "sharpness": {"epochs": ..., ...}}``: what the run key
    hashes, the checkpoint records and DVCLive logs.
    """
    return {**train_params.shared(), dimension: asdict(train_params.for_dimension(dimension))}


class TrainResult(TypedDict):
    """Summary of a training run, as written to ``summary.json``."""

    dimension: str
    best_epoch: int  # 0 when no epoch ran
    best: dict[str, Any]  # the best epoch's record: losses, learning rate, validation metrics
    epochs_run: int
    seconds: float
    device: str


def _preprocessing(model_params: ModelParams, own: DimensionTrainParams) -> dict[str, Any]:
    """The checkpoint's ``preprocessing``: how a scorer turns a preprocessed image into inputs."""
    return InputSpec.from_params(model_params, own).to_dict()


def _plain_copy(model, model_params: ModelParams):
    """The trained network as it is saved: a fresh CaHDC-RGA on the CPU with any norms folded in
    (and the initial score the trained one was built with, which its configuration records)."""
    plain = build_model(model_params, init_score=model.config["init_score"], in_chans=model.config["in_chans"])
    if hasattr(model, NORMS_ATTRIBUTE):
        fold_batchnorm(model, plain)
    else:
        plain.load_state_dict({k: v.detach().cpu() for k, v in model.state_dict().items()})
    return plain.eval()


def _scorer(model, model_params: ModelParams, device):
    """The validated network as ``cxrqa predict`` runs it: norms folded and, on the CPU, the fused
    oneDNN path (:class:`~cxrqa.models.inference.FusedCPUForward`, about 1.6x faster than eager
    for 192 x 128 tiles), so validation scores what the saved checkpoint will score."""
    plain = _plain_copy(model, model_params)
    if device.type == "cpu":
        return FusedCPUForward(plain)
    return prepare_model(plain, device)


def _evaluate(
    model,
    images: torch.Tensor,
    targets: torch.Tensor,
    device,
    batch_size: int,
    tile_size: tuple[int, int] | None,
    rois: torch.Tensor | None = None,
    tile_step: tuple[int, int] | None = None,
) -> tuple[np.ndarray, dict]:
    """Score images (whole, or as the mean over covering tiles ``tile_step`` apart, ROI-weighted
    when ``rois`` are given) and compare with the MOS. ``model`` is in evaluation mode (see
    :func:`_scorer`)."""
    scores = []
    with torch.inference_mode(), autocast_context(device):  # bf16 on CUDA, as the Predictor scores
        if tile_size is None:
            for start in range(0, len(images), batch_size):
                batch = images[start : start + batch_size].to(device).contiguous(memory_format=torch.channels_last)
                scores.append(model(batch).score.float().cpu())
        else:
            for index, image in enumerate(images):
                tiles, weights = covering_tiles(image, tile_size, None if rois is None else rois[index], tile_step)
                tiles = tiles.to(device).contiguous(memory_format=torch.channels_last)
                scores.append(weighted_tile_mean(model(tiles).score.float().cpu(), weights)[None])
    predicted = torch.cat(scores).numpy().astype(np.float64)
    return predicted, agreement(predicted, targets.numpy().astype(np.float64))


def train_dimension(
    *,
    dimension: str,
    train_set: ImageSet,
    val_set: ImageSet,
    model_params: ModelParams,
    train_params: TrainParams,
    out_dir: str | Path,
    log_dir: str | Path | None = None,
    stop_after_epoch: int | None = None,
    progress: bool = True,
) -> TrainResult:
    """Train one model, resuming from ``out_dir/last.pt`` when it belongs to the same run.

    Parameters
    ----------
    dimension : str
        ``gray_level`` or ``sharpness`` (recorded in the checkpoints).
    train_set, val_set : ImageSet
        Training and validation images: at ``model_params.train_size`` when
        ``train.<dimension>.input`` is ``whole``; at full preprocessed resolution when it is
        ``patch`` (random patches of ``train_size`` in training, covering tiles in validation).
    model_params, train_params : ModelParams, TrainParams
        The ``model`` and ``train`` sections (of ``train``, the shared keys and the subsection of
        ``dimension`` are read).
    out_dir : path
        Receives ``best.pt`` and ``last.pt``.
    log_dir : path, optional
        DVCLive folder (metrics per epoch); no logging when ``None``.
    stop_after_epoch : int, optional
        Stop after this epoch as if interrupted (tests of resumption).
    progress : bool
        Show a progress bar per epoch.
    """
    out_dir = Path(out_dir)
    own = train_params.for_dimension(dimension)
    key = run_key(model_params, train_params, dimension, [train_set.fingerprint(), val_set.fingerprint()])
    device = select_device(None if train_params.device == "auto" else train_params.device)
    if device.type == "cpu" and train_params.num_threads > 0:
        torch.set_num_threads(train_params.num_threads)
    # No torch.use_deterministic_algorithms: it makes CPU training about 4x slower, and oneDNN's
    # CPU kernels are already run-to-run deterministic for a fixed thread count (tested).

    torch.manual_seed(train_params.seed)
    # Score layers start at the training MOS mean: Adam moves a bias by about the learning rate per
    # step, so starting 2-3 points away from the targets costs thousands of steps a CPU run lacks.
    start_score = round(float(train_set.targets.mean()), 4)
    model = build_model(model_params, init_score=start_score, in_chans=int(train_set.images.shape[1]))
    if own.batch_norm:
        attach_batchnorm(model)
    model = prepare_model(model, device)
    model.train()
    loss_fn = build_loss(model_params, own.loss)
    optimizer, scheduler = build_optimizer(model, model_params)
    generator = torch.Generator().manual_seed(train_params.seed)
    average = WeightAverage(model, train_params.ema_decay) if train_params.ema_decay > 0 else None
    state = {"epoch": 0, "best_icc": -np.inf, "best_epoch": 0, "history": []}

    last = out_dir / LAST
    resumed = False
    if last.is_file():
        saved = torch.load(last, map_location="cpu", weights_only=True)
        if saved.get("run_key") == key:
            model.load_state_dict(saved["model"])
            optimizer.load_state_dict(saved["optimizer"])
            scheduler.load_state_dict(saved["scheduler"])
            generator.set_state(saved["generator"])
            torch.set_rng_state(saved["torch_rng"])
            if average is not None:
                average.load_state_dict(saved["average"])
            state = saved["state"]
            resumed = True
    if not resumed and out_dir.exists():
        shutil.rmtree(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)

    live = _open_live(log_dir, resumed)
    if live is not None and not resumed:
        live.log_params({"dimension": dimension, "train": dimension_params(train_params, dimension)})
    loss_rois = train_set.rois if model_params.loss.roi_weight > 0 else None  # what the ROI loss term is cut from
    spec = InputSpec.from_params(model_params, own)  # validation makes inputs and tiles images as scoring will
    patch_size = spec.input_size if spec.is_patch else None
    roi_guided = patch_size is not None and own.patch_sampling == "roi"
    if roi_guided and (train_set.rois is None or val_set.rois is None):
        raise ValueError(f"train.{dimension}.patch_sampling is 'roi' but some images have no ROI mask (processed/rois/)")
    corner_weights = position_weights(train_set.rois, patch_size) if roi_guided else None
    patches_per_image = own.patches_per_image if patch_size is not None else 1
    batch_size = train_params.batch_size
    epochs = own.epochs
    started = time.perf_counter()
    for epoch in range(state["epoch"] + 1, epochs + 1):
        model.train()
        order = torch.randperm(len(train_set), generator=generator)
        flips = torch.rand(len(train_set), generator=generator) < (0.5 if train_params.hflip else 0.0)
        total, count = 0.0, 0
        bar = progress_bar(range(0, len(order), batch_size), desc=f"{dimension} epoch {epoch}/{epochs}", disable=not progress, leave=False)
        for start in bar:
            index = order[start : start + batch_size]
            drawn = index.repeat_interleave(patches_per_image)  # each image once per patch
            # Both ways give new tensors, so the flips below leave the training set as it is.
            if patch_size is None:
                images, rois = train_set.images[drawn], None if loss_rois is None else loss_rois[drawn]
            else:
                weights = None if corner_weights is None else corner_weights[drawn]
                images, rois = random_patches(train_set.images, patch_size, generator, loss_rois, weights=weights, index=drawn)
            flip = flips[drawn]
            images[flip] = images[flip].flip(-1)
            images = images.to(device).contiguous(memory_format=torch.channels_last)
            target = train_set.targets[index].to(device)
            if rois is not None:
                rois[flip] = rois[flip].flip(-1)
                rois = rois.to(device)
            with autocast_context(device):  # bf16 on CUDA; the loss is taken in float32 below
                out = model(images)
            # An image's score is the mean over its patches, as over its tiles when it is scored.
            score = out.score.float().view(len(index), patches_per_image).mean(dim=1)
            side_scores = out.side_scores.float().view(len(index), patches_per_image, -1).mean(dim=1)
            terms = loss_fn(score, side_scores, target, attention=out.attention, roi_mask=rois)
            optimizer.zero_grad(set_to_none=True)
            terms.total.backward()
            optimizer.step()
            scheduler.step()
            if average is not None:
                average.update(model)
            total += float(terms.total.detach()) * len(index)
            count += len(index)
            bar.set_postfix(loss=f"{total / count:.4f}", refresh=False)  # a refresh per step would defeat the log throttle
        record = {"epoch": epoch, "train_loss": total / count, "learning_rate": optimizer.param_groups[0]["lr"]}
        if epoch % own.validate_every == 0 or epoch == epochs:
            with nullcontext(model) if average is None else average.applied(model) as validated:
                predicted, metrics = _evaluate(
                    _scorer(validated, model_params, device),
                    val_set.images,
                    val_set.targets,
                    device,
                    batch_size,
                    patch_size,
                    val_set.rois if roi_guided else None,
                    spec.tile_step,
                )
                if train_params.calibration == "linear":
                    mos = val_set.targets.numpy().astype(np.float64)
                    slope, intercept = linear_equating(predicted, mos)
                    metrics = agreement(slope * predicted + intercept, mos)
                    record.update(calibration_slope=slope, calibration_intercept=intercept)
                record.update({f"val_{k}": v for k, v in metrics.items()})
                if metrics["icc"] > state["best_icc"]:
                    state["best_icc"], state["best_epoch"] = metrics["icc"], epoch
                    _save_best(out_dir / BEST, validated, model_params, train_params, dimension, record)
        state["history"].append(record)
        state["epoch"] = epoch
        if live is not None:
            for name, value in record.items():
                if name != "epoch":
                    live.log_metric(name, value)
            live.next_step()
        torch.save(
            {
                "run_key": key,
                "model": model.state_dict(),
                "optimizer": optimizer.state_dict(),
                "scheduler": scheduler.state_dict(),
                "generator": generator.get_state(),
                "torch_rng": torch.get_rng_state(),
                "average": None if average is None else average.state_dict(),
                "state": state,
            },
            last.with_suffix(".tmp"),
        )
        last.with_suffix(".tmp").replace(last)
        if stop_after_epoch is not None and epoch >= stop_after_epoch:
            break
    if live is not None:
        live.end()
    best = state["history"][state["best_epoch"] - 1] if state["best_epoch"] else {}
    return TrainResult(dimension=dimension, best_epoch=state["best_epoch"], best=best, epochs_run=state["epoch"], seconds=time.perf_counter() - started, device=str(device))


def _save_best(
    path: Path, model, model_params: ModelParams, train_params: TrainParams, dimension: str, record: dict
) -> None:
    from cxrqa.models import save_checkpoint

    cpu_model = _plain_copy(model, model_params)
    if "calibration_slope" in record:
        fold_into_score_layer(cpu_model.fc6, record["calibration_slope"], record["calibration_intercept"])
    params = {
        "model": json.loads(json.dumps(asdict(model_params), default=str)),
        "train": json.loads(json.dumps(dimension_params(train_params, dimension), default=str)),
    }
    save_checkpoint(
        path, cpu_model, params, _preprocessing(model_params, train_params.for_dimension(dimension)),
        {"dimension": dimension, **record},
    )


def _open_live(log_dir: str | Path | None, resumed: bool):
    if log_dir is None:
        return None
    from dvclive import Live

    if not resumed and Path(log_dir).exists():
        shutil.rmtree(log_dir)  # a fresh run must not append to an earlier run's curves

    return Live(str(log_dir), resume=resumed, dvcyaml=None, save_dvc_exp=False, report=None)
