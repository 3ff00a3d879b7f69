"""The published figures of Meng et al. and a side-by-side table against ours.

Values are from the paper's abstract, Results and Tables 2-4; where the text disagrees with
itself both readings are kept in ``note`` (gray-level AUC: 0.972 in the abstract, 0.973 in the
Results, 0.966 in the caption of Figure 10; sharpness 0.970 and 0.969).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = ["PAPER", "paper_vs_ours"]

#: ``(dimension, metric) -> (value, note)``; dimension ``both`` for figures of the whole study.
PAPER: dict[tuple[str, str], tuple[float, str]] = {
    ("gray_level", "icc"): (0.92, "Table 3"),
    ("gray_level", "pearson_r"): (0.91, "Table 3"),
    ("gray_level", "mad"): (0.45, "Table 3"),
    ("gray_level", "t_statistic"): (-1.11, "Table 3 note a"),
    ("gray_level", "t_p_value"): (0.26, "Table 3"),
    ("gray_level", "mos_mean"): (7.75, "training + validation, text"),
    ("gray_level", "mos_sd"): (1.24, "training + validation, text"),
    ("gray_level", "test_mos_mean"): (7.84, "Table 3 'Radiologists'"),
    ("gray_level", "test_mos_sd"): (1.27, "Table 3"),
    ("gray_level", "test_model_mean"): (7.90, "Table 3 'DL model'"),
    ("gray_level", "test_model_sd"): (0.87, "Table 3"),
    ("gray_level", "auc"): (0.972, "abstract; 0.973 in Results, 0.966 in Fig. 10 caption"),
    ("gray_level", "sensitivity"): (0.9390, "Results (77/82 suggests acceptable = positive)"),
    ("gray_level", "specificity"): (0.9569, "Results"),
    ("gray_level", "cutoff"): (7.0, "Results"),
    ("sharpness", "icc"): (0.90, "Table 3"),
    ("sharpness", "pearson_r"): (0.89, "Table 3"),
    ("sharpness", "mad"): (0.44, "Table 3"),
    ("sharpness", "t_statistic"): (3.12, "Table 3 note b (t = 3.12 with P = 0.66 is inconsistent)"),
    ("sharpness", "t_p_value"): (0.66, "Table 3"),
    ("sharpness", "mos_mean"): (8.01, "training + validation, text"),
    ("sharpness", "mos_sd"): (1.21, "training + validation, text"),
    ("sharpness", "test_mos_mean"): (8.08, "Table 3 'Radiologists'"),
    ("sharpness", "test_mos_sd"): (1.88, "Table 3"),
    ("sharpness", "test_model_mean"): (7.93, "Table 3 'DL model'"),
    ("sharpness", "test_model_sd"): (0.92, "Table 3"),
    ("sharpness", "auc"): (0.970, "abstract and Results; 0.969 in Fig. 10 caption"),
    ("sharpness", "sensitivity"): (0.8795, "Results (73/83 suggests acceptable = positive)"),
    ("sharpness", "specificity"): (1.0, "Results"),
    ("sharpness", "cutoff"): (7.2, "Results"),
    ("both", "model_seconds_test"): (3.03, "Table 4, test split"),
    ("both", "reader_seconds_test"): (10.96, "Table 4, test split (mean)"),
    ("both", "age_mean_train"): (51.90, "Table 2"),
    ("both", "age_mean_validation"): (51.45, "Table 2"),
    ("both", "age_mean_test"): (50.93, "Table 2"),
    ("both", "age_anova_p"): (0.84, "Table 2 (F = 0.17 in text, 0.18 in note)"),
    ("both", "male_train"): (441, "Table 2"),
    ("both", "male_validation"): (109, "Table 2"),
    ("both", "male_test"): (52, "Table 2"),
    ("both", "sex_chi_square_p"): (0.75, "Table 2 (chi-square 0.57)"),
}


def paper_vs_ours(ours: dict[tuple[str, str], float], *, convention: str = "", only_ours: bool = True) -> pd.DataFrame:
    """Side-by-side table: every published figure, ours, and the difference.

    Parameters
    ----------
    ours : dict
        ``(dimension, metric) -> value``.
    convention : str
        Words naming the positive class our sensitivity and specificity use (goes in ``note``).
    only_ours : bool
        Keep only the published figures ``ours`` has a value for (each notebook compares its
        own); otherwise every figure, ours NaN where missing.

    Returns
    -------
    pandas.DataFrame
        ``dimension, metric, paper, ours, difference, note``, in :data:`PAPER`'s order.

    Examples
    --------
    >>> table = paper_vs_ours({("gray_level", "icc"): 0.9}, convention="acceptable = positive")
    >>> [table.iloc[0][c] for c in ("dimension", "metric")], [float(table.iloc[0][c]) for c in ("paper", "ours")]
    (['gray_level', 'icc'], [0.92, 0.9])
    """
    rows = []
    for (dimension, metric), (value, note) in PAPER.items():
        if only_ours and (dimension, metric) not in ours:
            continue
        mine = float(ours.get((dimension, metric), np.nan))
        if metric in ("sensitivity", "specificity", "cutoff"):
            note = f"{note}; ours: {convention}"
        rows.append((dimension, metric, float(value), mine, mine - float(value), note))
    return pd.DataFrame(rows, columns=["dimension", "metric", "paper", "ours", "difference", "note"])
