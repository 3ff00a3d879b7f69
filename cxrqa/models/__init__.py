"""CaHDC-RGA (Meng et al.): network, loss, optimiser schedule, checkpoints and fast inference.

Build everything from the ``model`` section of ``params.yaml``:

>>> from cxrqa.config.schema import LossParams, ModelParams, OptimParams
>>> params = ModelParams(
...     stem_channels=32, hc_channels=(64, 128, 256, 512), sip_channels=64, fc_hidden=128,
...     unet_channels=(16, 32, 64), train_size=(768, 512), use_attention=True,
...     attention_mode="residual", sip_pooling="max",
...     loss=LossParams(alpha=1.0, aux_weight=0.1, roi_weight=0.0),
...     optim=OptimParams(base_lr=1e-3, min_lr=3e-5, decay=0.8, decay_steps=100.0,
...                       beta1=0.9, beta2=0.999, eps=1e-8, weight_decay=0.0))
>>> model = build_model(params, init_score=5.5)
>>> model.sip_repeats
(5, 4, 3, 2)
>>> loss_fn = build_loss(params, kind="l_alpha")
>>> optimizer, scheduler = build_optimizer(model, params)
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from cxrqa.models.cahdc_rga import (
    MIN_INPUT_SIDE,
    CaHDCOutput,
    CaHDCRGA,
    Checkpoint,
    count_parameters,
    load_checkpoint,
    save_checkpoint,
    sip_repeats,
)
from cxrqa.models.inference import (
    FusedCPUForward,
    Prediction,
    Predictor,
    autocast_context,
    prepare_model,
    select_device,
    tune_cpu_allocator,
)
from cxrqa.models.losses import CaHDCLoss, LossTerms, l_alpha
from cxrqa.models.schedule import learning_rate, make_optimizer, steps_to_floor

if TYPE_CHECKING:
    import torch

    from cxrqa.config.schema import LossKind, ModelParams

__all__ = [
    "MIN_INPUT_SIDE",
    "CaHDCLoss",
    "CaHDCOutput",
    "CaHDCRGA",
    "Checkpoint",
    "FusedCPUForward",
    "LossTerms",
    "Prediction",
    "Predictor",
    "autocast_context",
    "build_loss",
    "build_model",
    "build_optimizer",
    "count_parameters",
    "l_alpha",
    "learning_rate",
    "load_checkpoint",
    "make_optimizer",
    "prepare_model",
    "save_checkpoint",
    "select_device",
    "sip_repeats",
    "steps_to_floor",
    "tune_cpu_allocator",
]


def build_model(params: ModelParams, *, init_score: float, in_chans: int = 1) -> CaHDCRGA:
    """A fresh :class:`CaHDCRGA` from the ``model`` section.

    Parameters
    ----------
    params : ModelParams
        The ``model`` section (architecture).
    init_score : float
        Initial bias of the score layers; training passes the training split's mean MOS, and
        the model's configuration (hence its checkpoint) records it.
    in_chans : int
        Input channels.
    """
    return CaHDCRGA(
        in_chans=in_chans,
        stem_channels=params.stem_channels,
        hc_channels=params.hc_channels,
        sip_channels=params.sip_channels,
        fc_hidden=params.fc_hidden,
        unet_channels=params.unet_channels,
        train_size=params.train_size,
        use_attention=params.use_attention,
        attention_mode=params.attention_mode,
        init_score=init_score,
        sip_pooling=params.sip_pooling,
    )


def build_loss(params: ModelParams, kind: LossKind) -> CaHDCLoss:
    """The :class:`CaHDCLoss` of ``params.loss`` with per-image error ``kind``.

    Parameters
    ----------
    params : ModelParams
        The ``model`` section (``model.loss`` gives alpha and the weights of the side and ROI terms).
    kind : {"l_alpha", "mse"}
        Per-image error, the trained dimension's ``train.<dimension>.loss``.
    """
    loss = params.loss
    return CaHDCLoss(kind=kind, alpha=loss.alpha, aux_weight=loss.aux_weight, roi_weight=loss.roi_weight)


def build_optimizer(
    model: torch.nn.Module, params: ModelParams
) -> tuple[torch.optim.Adam, torch.optim.lr_scheduler.LambdaLR]:
    """Adam and its per-step schedule from ``params.optim`` (see :func:`make_optimizer`)."""
    optim = params.optim
    return make_optimizer(
        model,
        base_lr=optim.base_lr,
        decay=optim.decay,
        min_lr=optim.min_lr,
        decay_steps=optim.decay_steps,
        betas=(optim.beta1, optim.beta2),
        eps=optim.eps,
        weight_decay=optim.weight_decay,
    )
