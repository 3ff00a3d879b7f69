"""The realism sheet of the digital reader study (``montage.png``).

Top row: procedural phantoms beside the real radiograph(s) the study builds on and their
variations, all undegraded, so a person can judge realism at a glance. Below: a ladder per
degradation kind, the same anatomy at latent quality 10, 8.5, 7, 5.5 and 4; sharpness ladders show
a 1:1 pixel crop of the lung so that blur is not hidden by downsampling.
"""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from cxrqa.config import SimulateParams  # noqa: E402
from cxrqa.simulate.bases import vary_base  # noqa: E402
from cxrqa.simulate.degrade import (  # noqa: E402
    GRAY_LEVEL_DEGRADATIONS,
    SHARPNESS_DEGRADATIONS,
    Degradation,
    apply_degradations,
    draw_degradation,
)
from cxrqa.simulate.phantom import render_phantom  # noqa: E402

__all__ = ["write_montage"]

LADDER_QUALITIES = (10.0, 8.5, 7.0, 5.5, 4.0)


def _forced(kind: str, dimension: str, quality: float, rng: np.random.Generator) -> Degradation:
    """A degradation of one given kind at one quality, the other dimension flawless."""
    for _ in range(200):
        gray_q, sharp_q = (quality, 10.0) if dimension == "gray_level" else (10.0, quality)
        candidate = draw_degradation(gray_q, sharp_q, rng)
        if getattr(candidate, f"{dimension}_kind") == kind:
            return candidate
    raise RuntimeError(f"could not draw degradation kind {kind}")  # pragma: no cover


def write_montage(
    path: str | Path, params: SimulateParams, base_images: list[np.ndarray], design: pd.DataFrame
) -> None:
    """Render the realism sheet to ``path`` (PNG, deterministic for a given seed)."""
    rng = np.random.default_rng([params.seed, 7])
    rows, cols = params.rows, params.cols
    clean = Degradation("gamma", "focal_blur", 0.0, 0.0, 0.6, 0.0, 1.0, 1.0, 1.0)

    top: list[tuple[str, np.ndarray]] = []
    phantoms = [render_phantom(rows, cols, rng) for _ in range(3)]
    for index, phantom in enumerate(phantoms):
        top.append((f"phantom {index + 1}", apply_degradations(phantom.attenuation, phantom.attenuation > 0.05, clean, rng)))
    source = str(design.loc[design["base_kind"] != "phantom", "base_source"].iloc[0]) if (design["base_kind"] != "phantom").any() else "real base"
    base = base_images[0]
    base_display = np.clip(base / base.max(), 0, 1)
    top.append((f"real: {source}", base_display))
    for index in range(2):
        varied = vary_base(base, rows, cols, rng)
        top.append((f"real variation {index + 1}", apply_degradations(varied, varied > 0.05, clean, rng)))

    ladder_anatomy = phantoms[0].attenuation
    kinds = [("gray_level", kind) for kind in GRAY_LEVEL_DEGRADATIONS] + [
        ("sharpness", kind) for kind in SHARPNESS_DEGRADATIONS
    ]
    n_cols = max(len(top), len(LADDER_QUALITIES))
    figure, axes = plt.subplots(
        1 + len(kinds), n_cols, figsize=(2.2 * n_cols, 2.5 * (1 + len(kinds))), dpi=110
    )
    for axis in axes.ravel():
        axis.axis("off")
    for axis, (title, image) in zip(axes[0], top):
        axis.imshow(image, cmap="gray", vmin=0, vmax=1)
        axis.set_title(title, fontsize=8)
    crop = (slice(int(rows * 0.30), int(rows * 0.30) + 192), slice(int(cols * 0.22), int(cols * 0.22) + 192))
    for row, (dimension, kind) in enumerate(kinds, start=1):
        for column, quality in enumerate(LADDER_QUALITIES):
            degradation = _forced(kind, dimension, quality, rng)
            image = apply_degradations(ladder_anatomy, ladder_anatomy > 0.05, degradation, rng)
            axis = axes[row, column]
            zoomed = dimension == "sharpness" or kind == "underexposure"
            axis.imshow(image[crop] if zoomed else image, cmap="gray", vmin=0, vmax=1)
            label = dimension.replace("_", "-") + (" (1:1 crop)" if zoomed else "")
            axis.set_title(f"{label}: {kind}\nlatent q = {quality:g}", fontsize=7)
    figure.suptitle("cxrqa digital reader study: realism sheet", fontsize=11)
    figure.tight_layout(rect=(0, 0, 1, 0.985))
    figure.savefig(path, metadata={"Software": None})
    plt.close(figure)
