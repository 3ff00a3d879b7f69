"""The sentences of the benchmark report, written from its numbers (never typed by hand)."""

from __future__ import annotations

import pandas as pd

from cxrqa.report import agreement
from cxrqa.report.benchmark.metrics import regressor_tests
from cxrqa.report.benchmark.scores import MODEL

__all__ = ["describe_ablations", "describe_split", "verdict_text"]


def describe_ablations(folder, notes: list[str]) -> str:
    """Markdown: the ablation folder and one bullet per note of :func:`cxrqa.report.benchmark.load_ablations`.

    Examples
    --------
    >>> print(describe_ablations("results/ablations", ["mse: gray_level (no sharpness)"]))
    **Ablations** (`results/ablations`):
    <BLANKLINE>
    - mse: gray_level (no sharpness)
    """
    return "**Ablations** (`" + str(folder) + "`):\n\n" + "\n".join(f"- {note}" for note in notes)


def describe_split(scores: pd.DataFrame, *, split: str, positive_class: str) -> str:
    """Markdown: the analysed split, the model's images per dimension and the ROC convention
    (:func:`cxrqa.report.agreement.describe_split` of the model's rows)."""
    return agreement.describe_split(scores[scores["family"] == "model"], split=split, positive_class=positive_class)


def verdict_text(facts: dict[str, dict], delong: pd.DataFrame, *, alpha: float = 0.05) -> str:
    """One sentence per dimension stating :func:`cxrqa.report.benchmark.verdict_facts`.

    Parameters
    ----------
    facts : dict
        :func:`cxrqa.report.benchmark.verdict_facts` (computed with the same ``alpha``).
    delong : pandas.DataFrame
        :func:`cxrqa.report.benchmark.delong_table`: how many regressors were tested, how many
        were untestable.
    alpha : float, default 0.05
        Family-wise level of the DeLong tests.
    """
    sentences = []
    for dimension, entry in facts.items():
        clauses = []
        for key, label in (("icc", "ICC(A,1)"), ("auc", "AUC")):
            value, best, method = entry[f"model_{key}"], entry[f"best_baseline_{key}"], entry[f"best_baseline_{key}_method"]
            clauses.append(f"{'beats' if entry[f'beats_baselines_{key}'] else 'does not beat'} every classical baseline on {label} "
                           f"({value:.3f} vs best {method} {best:.3f})")
        tests = regressor_tests(delong, dimension)
        if len(tests):
            untestable = int(tests["p_value"].isna().sum())
            clauses[-1] += (f"; its AUC is significantly higher (DeLong, Holm-adjusted P < {alpha}) than "
                            f"{entry['delong_significant_regressors']} of {len(tests)} regressors"
                            + (f" ({untestable} untestable: identical ROC placements)" if untestable else ""))
        below, n_readers = entry["readers_below_model_icc"], entry["n_readers"]
        if below == n_readers:
            place = f"above all {n_readers} single readers"
        elif below == 0:
            place = f"below all {n_readers} single readers"
        else:
            place = f"within the range of single readers, above {below} of {n_readers}"
        sentences.append(f"{dimension.replace('_', '-')}: {MODEL} {' and '.join(clauses)}; on ICC(A,1) it stands {place} "
                         f"(single readers vs the others' MOS {entry['reader_icc_min']:.3f} to {entry['reader_icc_max']:.3f}).")
    return " ".join(sentences)
