"""Training-time batch normalisation, folded into the convolutions for inference.

The paper's CaHDC-RGA has no normalisation layers. Trained from scratch without them, the
network needs far more iterations than a CPU run can afford (it underfits in tens of epochs).
With ``train.<dimension>.batch_norm: true`` a :class:`torch.nn.BatchNorm2d` follows every convolution and
up-convolution during training (attached as forward hooks, so the network's structure is
unchanged); when a checkpoint is saved each normalisation is folded into its convolution's weights
and bias (Ioffe & Szegedy 2015; the standard inference-time fusion), so the saved model is the
plain CaHDC-RGA, computes the same function as the normalised network in evaluation mode, and
runs on the fused CPU path.

References
----------
.. [1] Ioffe S, Szegedy C (2015) Batch normalization: accelerating deep network training by
   reducing internal covariate shift. ICML, 448-456.
"""

from __future__ import annotations

import torch
from torch import nn

__all__ = ["NORMS_ATTRIBUTE", "attach_batchnorm", "fold_batchnorm"]

#: Name of the submodule that holds the attached normalisations.
NORMS_ATTRIBUTE = "train_norms"
#: Convolutions that produce a model output (attention logits) stay unnormalised.
_EXCLUDED = {"unet.head"}


def _convolutions(model: nn.Module) -> list[tuple[str, nn.Module]]:
    return [
        (name, module)
        for name, module in model.named_modules()
        if isinstance(module, (nn.Conv2d, nn.ConvTranspose2d)) and name not in _EXCLUDED
    ]


def attach_batchnorm(model: nn.Module) -> nn.ModuleDict:
    """Put a BatchNorm2d after every convolution of ``model`` (in place; returns the norms).

    The norms become the submodule ``model.train_norms`` so that ``train()``/``eval()``,
    ``to()``, ``parameters()`` and ``state_dict()`` include them.
    """
    norms = nn.ModuleDict()
    for name, conv in _convolutions(model):
        key = name.replace(".", "__")
        norm = nn.BatchNorm2d(conv.out_channels)
        norms[key] = norm
        conv.register_forward_hook(lambda _module, _inputs, output, norm=norm: norm(output))
    model.add_module(NORMS_ATTRIBUTE, norms)
    return norms


def fold_batchnorm(model: nn.Module, plain: nn.Module) -> nn.Module:
    """Load into ``plain`` (same architecture, no norms) the weights of ``model`` with its norms folded.

    Returns
    -------
    nn.Module
        ``plain``, whose output equals ``model``'s in evaluation mode.
    """
    norms = getattr(model, NORMS_ATTRIBUTE)
    state = {k: v.detach().clone() for k, v in model.state_dict().items() if not k.startswith(NORMS_ATTRIBUTE + ".")}
    for name, conv in _convolutions(model):
        norm = norms[name.replace(".", "__")]
        scale = norm.weight.detach() / torch.sqrt(norm.running_var + norm.eps)
        shift = norm.bias.detach() - norm.running_mean * scale
        weight = state[f"{name}.weight"]
        # Conv2d weights are (out, in, k, k); ConvTranspose2d weights are (in, out, k, k).
        axis = 1 if isinstance(conv, nn.ConvTranspose2d) else 0
        shape = [1] * weight.ndim
        shape[axis] = -1
        state[f"{name}.weight"] = weight * scale.reshape(shape)
        bias = state.get(f"{name}.bias")
        bias = torch.zeros_like(scale) if bias is None else bias
        state[f"{name}.bias"] = bias * scale + shift
    plain.load_state_dict(state)
    return plain

