"""Statistics engine of cxrqa: everything the paper computed in MedCalc, as tidy DataFrames.

Every function takes tidy data (a long DataFrame with column names, or paired arrays) and
returns one :class:`pandas.DataFrame` with the fixed columns of :data:`COLUMNS`
(``metric, estimate, se, ci_low, ci_high, statistic, df1, df2, p_value, n, method``), so that
results per dimension can be concatenated. Nothing is rounded; user errors raise
``ValueError`` naming the problem. Differences are always ``a - b``; ROC conventions
(``positive``, ``direction``) are required arguments. The exceptions return what is not a table
of estimates: curves (:func:`roc_curve`, :func:`regression_band`) their own columns, and the
vectorised statistics of the bootstrap (``*_weighted``) and :func:`holm` arrays. This package
never imports torch.

Examples
--------
>>> import cxrqa.stats as cs
>>> res = cs.paired_ttest([7.0, 8.1, 6.4, 9.0], [7.2, 7.9, 6.0, 8.8])
>>> list(res.columns) == list(cs.COLUMNS)
True
"""

from cxrqa.stats._result import COLUMNS
from cxrqa.stats.agreement import reader_vs_rest
from cxrqa.stats.bland_altman import bland_altman
from cxrqa.stats.bootstrap import bootstrap, bootstrap_weights, ci_from_distribution
from cxrqa.stats.comparison import mad, paired_ttest, pearson
from cxrqa.stats.diagnostic import clopper_pearson, diagnostic_accuracy
from cxrqa.stats.hypothesis_tests import anova_oneway, chi_square, wilcoxon
from cxrqa.stats.icc import ICC_A1, ICC_AK, ICC_FORMS, icc, icc_a1_weighted, icc_anova, icc_pair
from cxrqa.stats.kappa import fleiss_kappa, weighted_kappa
from cxrqa.stats.multiple_testing import holm
from cxrqa.stats.regression import linear_regression, regression_band
from cxrqa.stats.roc import auc_weighted, delong_test, roc, roc_curve
from cxrqa.stats.spearman import spearman, spearman_weighted

__all__ = [
    "COLUMNS",
    "ICC_A1",
    "ICC_AK",
    "ICC_FORMS",
    "anova_oneway",
    "auc_weighted",
    "bland_altman",
    "bootstrap",
    "bootstrap_weights",
    "chi_square",
    "ci_from_distribution",
    "clopper_pearson",
    "delong_test",
    "diagnostic_accuracy",
    "fleiss_kappa",
    "holm",
    "icc",
    "icc_a1_weighted",
    "icc_anova",
    "icc_pair",
    "linear_regression",
    "mad",
    "paired_ttest",
    "pearson",
    "reader_vs_rest",
    "regression_band",
    "roc",
    "roc_curve",
    "spearman",
    "spearman_weighted",
    "weighted_kappa",
    "wilcoxon",
]
