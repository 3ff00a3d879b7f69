"""Every method against the readers' MOS: the model, its ablations, the baselines and the human ceiling.

Per dimension, on the analysed split, each *method* gives one score per image and is compared with
a reference score and with the majority acceptability call:

* ``model``: CaHDC-RGA (``results/predictions``) against the MOS of all readers;
* ``ablation``: the model trained with one switch off (``results/ablations/<name>``), same reference;
  the model retrained with other seeds is summarised apart, as training's own variance
  (:func:`load_seed_spread`);
* ``regressor``: the classical baselines' scikit-learn regressors (``regressor_<name>``);
* ``feature``: the best few single classical measures (``feature_<column>``), chosen on the
  validation split, never on the analysed one (:func:`best_features`);
* ``reader``: each single reader against the mean of the *other* readers (the human ceiling).

Metrics (:func:`method_metrics`): ICC(A,1) (:func:`cxrqa.stats.icc_pair`) with its F-based CI,
Pearson r with the Fisher-z CI, Spearman's rank correlation (SRCC, :func:`cxrqa.stats.spearman`)
and the MAD with seeded BCa bootstrap CIs, and the AUC against the majority call with the DeLong
CI under the report's positive-class convention (:data:`cxrqa.report.agreement.CONVENTIONS`).

Modules, one job each: :mod:`~.loading` (read the baselines, ablations and readers' files),
:mod:`~.scores` (each method's score and reference per image), :mod:`~.metrics` (the statistics
per method, the readers' agreement, DeLong tests, the ceiling and the verdict's facts),
:mod:`~.tables` (the summary table and the metrics file) and :mod:`~.prose` (the sentences).

References
----------
.. [1] Shrout PE, Fleiss JL (1979). *Psychol Bull* 86(2):420-428.
.. [2] DeLong ER et al. (1988). *Biometrics* 44:837-845.
.. [3] Efron B, Tibshirani RJ (1993). *An Introduction to the Bootstrap*, ch. 14 (BCa).
.. [4] Holm S (1979). *Scand J Stat* 6:65-70.
"""

from cxrqa.report.benchmark.loading import load_ablations, load_baselines, load_inputs, load_seed_spread
from cxrqa.report.benchmark.metrics import ceiling, delong_table, method_metrics, reader_agreement, verdict_facts
from cxrqa.report.benchmark.prose import describe_ablations, describe_split, verdict_text
from cxrqa.report.benchmark.scores import FAMILIES, MODEL, best_features, method_scores
from cxrqa.report.benchmark.tables import METRICS, headline, summary_table

__all__ = [
    "FAMILIES",
    "METRICS",
    "MODEL",
    "best_features",
    "ceiling",
    "delong_table",
    "describe_ablations",
    "describe_split",
    "headline",
    "load_ablations",
    "load_baselines",
    "load_inputs",
    "load_seed_spread",
    "method_metrics",
    "method_scores",
    "reader_agreement",
    "summary_table",
    "verdict_facts",
    "verdict_text",
]
