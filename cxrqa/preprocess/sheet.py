"""A crop sheet: sample originals with the crop box and ROI drawn, to check the crop by eye."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from cxrqa.config.schema import PreprocessParams

#: Real images the sheet always shows when available: pydicom-data's PA chest CR.
BUILTIN_REAL = ("RG1_UNCR.dcm",)


def sheet_entries(
    manifest: pd.DataFrame, masks_dir: str | Path | None, extra: Sequence[str | Path], *, n_study: int = 6, n_extra: int = 3
) -> list[tuple[str, Path, Path | None]]:
    """Pick ``(label, file, mask)`` entries: study images, RG1_UNCR and a few images from ``extra``."""
    entries: list[tuple[str, Path, Path | None]] = []
    step = max(1, len(manifest) // n_study)
    for _, row in manifest.iloc[::step].head(n_study).iterrows():
        mask = Path(masks_dir) / f"{row.image_id}.png" if masks_dir else None
        entries.append((str(row.image_id), Path(row.source_file), mask if mask and mask.is_file() else None))
    try:
        from pydicom.data import get_testdata_file

        for name in BUILTIN_REAL:
            path = get_testdata_file(name)
            if path:
                entries.append((name, Path(path), None))
    except Exception:  # pydicom-data missing: the sheet simply has no builtin real image
        pass
    for item in extra:
        folder = Path(item)
        files = sorted(folder.glob("*.png")) if folder.is_dir() else [folder] if folder.is_file() else []
        step = max(1, len(files) // n_extra)
        entries.extend((f.name, f, None) for f in files[::step][:n_extra])
    return entries


def draw_crop_sheet(entries: Sequence[tuple[str, Path, Path | None]], out_png: str | Path, params: PreprocessParams) -> None:
    """Draw each entry's original with its crop box (red), lung mask outline (green) and the crop."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from PIL import Image

    from cxrqa.io.read import read_radiograph
    from cxrqa.preprocess.crop import find_crop

    shown = []
    for label, path, mask in entries:
        try:
            radiograph = read_radiograph(path, modalities=tuple(params.modalities), min_size=params.min_size, voi=params.voi)
        except Exception:
            continue
        crop = find_crop(radiograph.image, work_size=params.work_size, margin_lateral=params.margin_lateral,
                         margin_top=params.margin_top, margin_bottom=params.margin_bottom)  # fmt: skip
        lung = np.asarray(Image.open(mask).convert("L")) >= 128 if mask is not None else None
        shown.append((label, radiograph.image, crop, lung))
    if not shown:
        return
    columns = min(len(shown), 5)
    rows = 2 * int(np.ceil(len(shown) / columns))
    fig, axes = plt.subplots(rows, columns, figsize=(2.6 * columns, 3.0 * rows), squeeze=False)
    for ax in axes.ravel():
        ax.axis("off")
    for index, (label, image, crop, lung) in enumerate(shown):
        top, bottom = axes[2 * (index // columns), index % columns], axes[2 * (index // columns) + 1, index % columns]
        top.imshow(image, cmap="gray", vmin=0, vmax=1)
        box = crop.box
        top.add_patch(plt.Rectangle((box.left, box.top), box.width, box.height, fill=False, color="red", lw=1.2))
        if lung is not None and lung.shape == image.shape:
            top.contour(lung, levels=[0.5], colors="lime", linewidths=0.6)
        elif crop.lung_mask_small.any():
            f = crop.scale[0]
            small = crop.lung_mask_small
            top.contour(np.arange(small.shape[1]) * f + f / 2, np.arange(small.shape[0]) * f + f / 2,
                        small.astype(float), levels=[0.5], colors="yellow", linewidths=0.6)  # fmt: skip
        top.set_title(f"{label[:22]}\n{crop.method}", fontsize=7)
        bottom.imshow(image[box.slices()], cmap="gray", vmin=0, vmax=1, aspect="auto")
    fig.suptitle("Diagnostic-region crops (red box; green = true lung mask, yellow = estimated)", fontsize=9)
    fig.tight_layout()
    Path(out_png).parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(out_png, dpi=110, metadata={"Software": None})
    plt.close(fig)
