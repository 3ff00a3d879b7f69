"""The study design: quality categories, latent qualities, readers, demographics.

Shaped like Meng et al.: images were first sorted by two residents into excellent, moderate and
poor thirds (European guideline criteria, overall quality), then ten experts (five radiologists,
five radiographers) scored gray-level and sharpness from 1 to 10, and three of them called each
image acceptable or not per dimension.

Our model of it:

* **category** in thirds; **latent quality** per dimension given the category. A poor film has a
  primary defect in one dimension or both; the other dimension is drawn near moderate, which keeps
  the two dimensions' scores only moderately correlated, as overall-quality sorting makes them.
* **reader r** perceives ``q + crosstalk`` and scores ``round(m + bias_r + scale_r (q' - m) +
  noise_r)`` clipped to 1-10, with per-reader, per-dimension bias, scale and noise SD; ``m`` is
  the centre of the scale used by the panel. A little cross-talk (noise makes a film look less
  sharp) is part of perception.
* **reading time** per reader and image: log-normal around a reader's own median (about 11 s, as
  Table 4 of the paper), slower for worse films; both dimensions were scored in one viewing, so the
  two rows of a reading carry the same time.
* **acceptability**: each of the first three readers of the panel (the most experienced in QC)
  calls a film acceptable when their perceived quality exceeds their own threshold near 7.
* **demographics**: age and sex as Table 2, four vendors, three centres.

References
----------
.. [1] Meng Y et al. Automatic no-reference quality assessment in chest radiographs based on deep
   convolutional neural networks (the seed paper), Tables 2 and 4.
.. [2] ITU-R BT.500-14 (2019) Methodologies for the subjective assessment of the quality of
   television images (observer bias and scale models of opinion scores).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from cxrqa.io.tables import DIMENSIONS

__all__ = [
    "CATEGORIES",
    "DIMENSIONS",
    "VENDORS",
    "Reader",
    "draw_acceptability",
    "draw_cohort",
    "draw_latent_quality",
    "draw_readers",
    "draw_ratings",
]

CATEGORIES = ("excellent", "moderate", "poor")
VENDORS = ("Canon", "Siemens", "GE", "Philips")
CENTRES = ("Centre A", "Centre B", "Centre C")
#: Centre of the panel's use of the scale per dimension (the paper's MOS means).
_SCALE_CENTRE = {"gray_level": 7.75, "sharpness": 8.01}
#: Latent-quality ranges by category; poor films draw their defect from the last entry.
_QUALITY_RANGES = {
    "gray_level": {"excellent": (8.3, 9.7), "moderate": (7.1, 8.6), "poor_defect": (4.0, 7.2)},
    "sharpness": {"excellent": (8.6, 9.9), "moderate": (7.4, 8.8), "poor_defect": (4.3, 7.4)},
}


@dataclass(frozen=True)
class Reader:
    """One expert of the panel.

    Attributes
    ----------
    reader_id : str
    role : {'radiologist', 'radiographer'}
    bias, scale, noise_sd : dict of str to float
        Per dimension: additive bias, slope around the scale centre, SD of the scoring noise.
    accept_threshold : dict of str to float
        Perceived quality above which the reader calls a film acceptable.
    median_seconds : float
        The reader's median reading time.
    """

    reader_id: str
    role: str
    bias: dict
    scale: dict
    noise_sd: dict
    accept_threshold: dict
    median_seconds: float


def draw_latent_quality(n_images: int, rng: np.random.Generator) -> pd.DataFrame:
    """Categories in equal thirds and a latent quality per dimension.

    Returns
    -------
    DataFrame
        Columns ``category, primary_defect, latent_gray_level, latent_sharpness``.
    """
    categories = np.array(CATEGORIES)[np.arange(n_images) % 3]
    rng.shuffle(categories)
    defect = rng.choice(("gray_level", "sharpness", "both"), size=n_images, p=(0.4, 0.4, 0.2))
    defect = np.where(categories == "poor", defect, "none")
    latent = {}
    for dimension in DIMENSIONS:
        ranges = _QUALITY_RANGES[dimension]
        values = np.empty(n_images)
        for category in ("excellent", "moderate"):
            chosen = categories == category
            values[chosen] = rng.uniform(*ranges[category], size=chosen.sum())
        poor = categories == "poor"
        defective = poor & ((defect == dimension) | (defect == "both"))
        low, high = ranges["poor_defect"]
        values[defective] = low + (high - low) * rng.beta(2.2, 1.3, size=defective.sum())
        spared = poor & ~defective
        values[spared] = rng.uniform(ranges["moderate"][0], ranges["excellent"][1], size=spared.sum())
        latent[f"latent_{dimension}"] = np.round(values, 3)
    return pd.DataFrame({"category": categories, "primary_defect": defect, **latent})


def draw_readers(n_readers: int, rng: np.random.Generator) -> list[Reader]:
    """The panel: the first half radiologists, the rest radiographers."""
    readers = []
    for index in range(n_readers):
        role = "radiologist" if index < (n_readers + 1) // 2 else "radiographer"
        readers.append(
            Reader(
                reader_id=f"R{index + 1:02d}",
                role=role,
                bias={d: float(rng.normal(0.0, 0.3)) for d in DIMENSIONS},
                scale={d: float(rng.normal(1.0, 0.1)) for d in DIMENSIONS},
                noise_sd={d: float(rng.uniform(0.7, 1.05)) for d in DIMENSIONS},
                accept_threshold={"gray_level": float(rng.normal(7.0, 0.2)), "sharpness": float(rng.normal(7.2, 0.2))},
                median_seconds=float(rng.normal(11.8 if role == "radiologist" else 11.0, 0.8)),
            )
        )
    return readers


def _perceived(latent: pd.DataFrame, dimension: str) -> np.ndarray:
    """Latent quality with a little cross-talk: noise and poor contrast hide fine detail."""
    own = latent[f"latent_{dimension}"].to_numpy()
    other = latent[f"latent_{'sharpness' if dimension == 'gray_level' else 'gray_level'}"].to_numpy()
    return own - 0.12 * np.clip(8.0 - other, 0.0, None)


def draw_ratings(latent: pd.DataFrame, readers: list[Reader], rng: np.random.Generator) -> pd.DataFrame:
    """Every reader's integer score per image and dimension, with reading times.

    Returns
    -------
    DataFrame
        Tidy ``image_id, reader_id, reader_role, dimension, score, seconds``.
    """
    n = len(latent)
    worst = np.minimum(latent["latent_gray_level"], latent["latent_sharpness"]).to_numpy()
    frames = []
    for reader in readers:
        # Worse films take longer: +4 % per quality point below 8.
        seconds = reader.median_seconds * np.exp(rng.normal(0.0, 0.48, n)) * (1 + 0.04 * np.clip(8 - worst, 0, None))
        seconds = np.round(np.clip(seconds, 2.0, 120.0), 1)
        for dimension in DIMENSIONS:
            centre = _SCALE_CENTRE[dimension]
            perceived = _perceived(latent, dimension)
            raw = (
                centre
                + reader.bias[dimension]
                + reader.scale[dimension] * (perceived - centre)
                + rng.normal(0.0, reader.noise_sd[dimension], n)
            )
            frames.append(
                pd.DataFrame(
                    {
                        "image_id": latent["image_id"],
                        "reader_id": reader.reader_id,
                        "reader_role": reader.role,
                        "dimension": dimension,
                        "score": np.clip(np.round(raw), 1, 10).astype(int),
                        "seconds": seconds,
                    }
                )
            )
    ratings = pd.concat(frames, ignore_index=True)
    return ratings.sort_values(["image_id", "reader_id", "dimension"], kind="stable").reset_index(drop=True)


def draw_acceptability(
    latent: pd.DataFrame, readers: list[Reader], n_callers: int, rng: np.random.Generator
) -> pd.DataFrame:
    """Acceptable / not calls by the first ``n_callers`` readers, per image and dimension.

    Returns
    -------
    DataFrame
        Tidy ``image_id, reader_id, dimension, acceptable`` (bool).
    """
    frames = []
    for reader in readers[:n_callers]:
        for dimension in DIMENSIONS:
            perceived = _perceived(latent, dimension) + rng.normal(0.0, 0.35, len(latent))
            frames.append(
                pd.DataFrame(
                    {
                        "image_id": latent["image_id"],
                        "reader_id": reader.reader_id,
                        "dimension": dimension,
                        "acceptable": perceived > reader.accept_threshold[dimension],
                    }
                )
            )
    calls = pd.concat(frames, ignore_index=True)
    return calls.sort_values(["image_id", "reader_id", "dimension"], kind="stable").reset_index(drop=True)


def draw_cohort(n_images: int, rng: np.random.Generator) -> pd.DataFrame:
    """Patient and acquisition facts: age, sex, vendor, centre (Table 2 of the paper).

    Returns
    -------
    DataFrame
        Columns ``patient_age, patient_sex, vendor, centre``.
    """
    age = np.clip(np.round(rng.normal(51.7, 17.4, n_images)), 18, 91).astype(int)
    sex = np.where(rng.random(n_images) < 0.53, "M", "F")
    vendor = rng.choice(VENDORS, size=n_images, p=(0.3, 0.25, 0.25, 0.2))
    # Each centre runs mostly one or two vendors.
    centre_of_vendor = {"Canon": (0.7, 0.2, 0.1), "Siemens": (0.2, 0.7, 0.1), "GE": (0.1, 0.2, 0.7), "Philips": (0.3, 0.3, 0.4)}
    centre = np.array([rng.choice(CENTRES, p=centre_of_vendor[v]) for v in vendor])
    return pd.DataFrame({"patient_age": age, "patient_sex": sex, "vendor": vendor, "centre": centre})
