"""Bad input raises ValueError with a message naming the problem."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import cxrqa.stats as cs

A = [7.0, 8.0, 6.5, 9.0, 5.5]
B = [7.5, 7.0, 6.5, 8.0, 6.0]


PAIRED = [cs.paired_ttest, cs.pearson, cs.mad, cs.bland_altman, cs.wilcoxon, cs.icc_pair, cs.spearman, cs.linear_regression, cs.regression_band]


@pytest.mark.parametrize("func", PAIRED)
def test_mismatched_lengths(func):
    with pytest.raises(ValueError, match="different lengths"):
        func(A, B[:-1])


@pytest.mark.parametrize("func", PAIRED)
def test_nan(func):
    with pytest.raises(ValueError, match="NaN"):
        func(A[:-1] + [np.nan], B)


def test_constant_inputs():
    with pytest.raises(ValueError, match="constant"):
        cs.pearson(A, [3.0] * 5)
    with pytest.raises(ValueError, match="constant"):
        cs.paired_ttest(A, np.asarray(A) - 1)
    with pytest.raises(ValueError, match="constant raters"):
        cs.weighted_kappa([2, 2, 2], [2, 2, 2])
    with pytest.raises(ValueError, match="identical"):
        cs.icc_pair([4.0, 4.0, 4.0], [4.0, 4.0, 4.0])
    with pytest.raises(ValueError, match="x is constant"):
        cs.linear_regression([3.0] * 5, A)


def _long(wide):
    return pd.DataFrame([(t, r, v) for t, row in enumerate(wide) for r, v in enumerate(row)], columns=["t", "r", "s"])


def test_icc_errors():
    with pytest.raises(ValueError, match="at least two raters"):
        cs.icc(_long([[1], [2], [3]]), "t", "r", "s")
    with pytest.raises(ValueError, match="at least two targets"):
        cs.icc(_long([[1, 2, 3]]), "t", "r", "s")
    with pytest.raises(ValueError, match="identical"):
        cs.icc(_long([[4, 4], [4, 4]]), "t", "r", "s")
    df = _long([[1, 2], [3, 4], [5, 5]])
    with pytest.raises(ValueError, match="incomplete design"):
        cs.icc(df.iloc[:-1], "t", "r", "s")
    with pytest.raises(ValueError, match="duplicated"):
        cs.icc(pd.concat([df, df.iloc[:1]]), "t", "r", "s")
    with pytest.raises(ValueError, match="NaN"):
        cs.icc(df.assign(s=df["s"].where(df.index != 2)), "t", "r", "s")
    with pytest.raises(ValueError, match="no column"):
        cs.icc(df, "t", "reader", "s")


def test_roc_errors():
    with pytest.raises(ValueError, match="one class only"):
        cs.roc([1, 1, 1], [0.1, 0.2, 0.3], positive=1, direction="higher")
    with pytest.raises(ValueError, match="no value equal to positive"):
        cs.roc([0, 1, 1], [0.1, 0.2, 0.3], positive="acceptable", direction="higher")
    with pytest.raises(ValueError, match="direction"):
        cs.roc([0, 1, 1], [0.1, 0.2, 0.3], positive=1, direction="up")
    with pytest.raises(ValueError, match="different lengths"):
        cs.roc([0, 1, 1], [0.1, 0.2], positive=1, direction="higher")
    with pytest.raises(ValueError, match="NaN"):
        cs.roc([0, 1, 1], [0.1, np.nan, 0.3], positive=1, direction="higher")
    with pytest.raises(ValueError, match="exactly two classes"):
        cs.roc([0, 1, 2], [0.1, 0.2, 0.3], positive=1, direction="higher")
    with pytest.raises(TypeError):
        cs.roc([0, 1, 1], [0.1, 0.2, 0.3])  # the convention is never guessed
    with pytest.raises(ValueError, match="zero"):
        cs.delong_test([0, 0, 1, 1], [1, 2, 3, 4], [1, 2, 3, 4], positive=1)


def test_other_errors():
    with pytest.raises(ValueError, match="confidence"):
        cs.pearson(A, B, confidence=95)
    with pytest.raises(ValueError, match="method"):
        cs.mad(A, B, method="student")
    with pytest.raises(ValueError, match="approx"):
        cs.bland_altman(A, B, approx="2000")
    with pytest.raises(ValueError, match="at least two groups"):
        cs.anova_oneway(pd.DataFrame({"y": [1.0, 2.0], "g": ["a", "a"]}), "y", "g")
    with pytest.raises(ValueError, match="at least two levels"):
        cs.chi_square(pd.DataFrame({"x": ["a", "b"], "y": ["c", "c"]}), "x", "y")
    with pytest.raises(ValueError, match="zero"):
        cs.wilcoxon(A, A)
    with pytest.raises(ValueError, match="outside the categories"):
        cs.weighted_kappa([1, 2, 3], [1, 2, 4], categories=[1, 2, 3])
    with pytest.raises(ValueError, match="one category"):
        cs.fleiss_kappa(_long([[1, 1], [1, 1]]), "t", "r", "s")
    with pytest.raises(ValueError, match="no column"):
        cs.bootstrap(pd.DataFrame({"x": A}), lambda w: w.sum(axis=1), cluster="patient")
    with pytest.raises(ValueError, match="different lengths"):
        cs.diagnostic_accuracy([0, 1], [True], positive=1)
    with pytest.raises(ValueError, match=r"in \[0, 1\]"):
        cs.holm([0.2, 1.5])
    with pytest.raises(ValueError, match="one-dimensional"):
        cs.holm([[0.1, 0.2]])
    with pytest.raises(ValueError, match="at least 3 pairs"):
        cs.spearman([1.0, 2.0], [2.0, 1.0])
