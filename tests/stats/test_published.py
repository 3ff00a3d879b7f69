"""Every value of data/published.json is reproduced within its tolerance.

The test is driven by the JSON's ``expected`` list: each entry id maps to the output of a
cxrqa.stats function that computes it, and an entry without a mapping fails.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import cxrqa.stats as cs

EXPECTED = json.loads((Path(__file__).parent / "data" / "published.json").read_text())["expected"]


def _get(frame, metric, column="estimate"):
    return float(frame.set_index("metric").loc[metric, column])


def _icc(ds):
    return cs.icc(ds.shrout_fleiss, "target", "judge", "score")


def _anova(ds):
    return cs.icc_anova(ds.shrout_fleiss, "target", "judge", "score")


def _ba1986(ds):
    d = ds.pefr
    return cs.bland_altman(d["wright1"], d["mini1"], multiplier=2.0, approx="1986")


def _ttest(ds):
    d = ds.pefr
    return cs.paired_ttest(d["wright1"], d["mini1"])


def _roc(ds, marker):
    d = ds.asah
    return cs.roc(d["outcome"], d[marker], positive="Poor", direction="higher")


def _delong(ds, a, b):
    d = ds.asah
    return cs.delong_test(d["outcome"], d[a], d[b], positive="Poor", direction="higher")


def _hm(ds):
    d = ds.hanley_mcneil
    return cs.roc(d["abnormal"], d["rating"], positive=1, direction="higher")


def _liver(ds):
    d = ds.liver
    return cs.diagnostic_accuracy(d["pathology"], d["scan"] == "abnormal", positive="abnormal")


def _regression(ds):
    return cs.linear_regression(ds.anscombe["x"], ds.anscombe["y"])


COMPUTE = {
    **{f"sf.published.{k}": (lambda ds, v=v: _get(_icc(ds), v)) for k, v in {
        "ICC1": "ICC(1,1)", "ICC2": "ICC(2,1)", "ICC3": "ICC(3,1)",
        "ICC1k": "ICC(1,k)", "ICC2k": "ICC(2,k)", "ICC3k": "ICC(3,k)"}.items()},
    **{f"sf.published.anova.{m}": (lambda ds, m=m: _get(_anova(ds), m)) for m in ("BMS", "WMS", "JMS", "EMS")},
    "pefr.published.mean_diff": lambda ds: _get(_ba1986(ds), "bias"),
    "pefr.published.sd_diff": lambda ds: _get(_ba1986(ds), "sd_difference"),
    "pefr.published.loa2_low": lambda ds: _get(_ba1986(ds), "loa_low"),
    "pefr.published.loa2_high": lambda ds: _get(_ba1986(ds), "loa_high"),
    "pefr.published.se_mean_diff": lambda ds: _get(_ttest(ds), "mean_difference", "se"),
    "pefr.published.mean_diff_ci_low": lambda ds: _get(_ttest(ds), "mean_difference", "ci_low"),
    "pefr.published.mean_diff_ci_high": lambda ds: _get(_ttest(ds), "mean_difference", "ci_high"),
    "pefr.published.ba1986.se_loa": lambda ds: _get(_ba1986(ds), "loa_low", "se"),
    "pefr.published.ba1986.loa2_low_ci_low": lambda ds: _get(_ba1986(ds), "loa_low", "ci_low"),
    "pefr.published.ba1986.loa2_low_ci_high": lambda ds: _get(_ba1986(ds), "loa_low", "ci_high"),
    "pefr.published.ba1986.loa2_high_ci_low": lambda ds: _get(_ba1986(ds), "loa_high", "ci_low"),
    "pefr.published.ba1986.loa2_high_ci_high": lambda ds: _get(_ba1986(ds), "loa_high", "ci_high"),
    "pefr.published.pearson_r": lambda ds: _get(cs.pearson(ds.pefr["wright1"], ds.pefr["mini1"]), "pearson_r"),
    "asah.published.s100b.auc": lambda ds: _get(_roc(ds, "s100b"), "auc"),
    "asah.published.s100b.delong_ci_low": lambda ds: _get(_roc(ds, "s100b"), "auc", "ci_low"),
    "asah.published.s100b.delong_ci_high": lambda ds: _get(_roc(ds, "s100b"), "auc", "ci_high"),
    "asah.published.s100b.delong_var": lambda ds: _get(_roc(ds, "s100b"), "auc", "se") ** 2,
    "asah.published.ndka.auc": lambda ds: _get(_roc(ds, "ndka"), "auc"),
    "asah.published.ndka.delong_var": lambda ds: _get(_roc(ds, "ndka"), "auc", "se") ** 2,
    "asah.published.ndka.delong_ci_low": lambda ds: _get(_roc(ds, "ndka"), "auc", "ci_low"),
    "asah.published.ndka.delong_ci_high": lambda ds: _get(_roc(ds, "ndka"), "auc", "ci_high"),
    "asah.published.wfns.auc": lambda ds: _get(_roc(ds, "wfns"), "auc"),
    "asah.published.wfns.delong_var": lambda ds: _get(_roc(ds, "wfns"), "auc", "se") ** 2,
    "asah.published.delong_test.ndka_vs_s100b.z": lambda ds: _get(_delong(ds, "ndka", "s100b"), "auc_difference", "statistic"),
    "asah.published.delong_test.ndka_vs_s100b.p": lambda ds: _get(_delong(ds, "ndka", "s100b"), "auc_difference", "p_value"),
    "asah.published.delong_test.ndka_vs_s100b.diff_ci_low": lambda ds: _get(_delong(ds, "ndka", "s100b"), "auc_difference", "ci_low"),
    "asah.published.delong_test.ndka_vs_s100b.diff_ci_high": lambda ds: _get(_delong(ds, "ndka", "s100b"), "auc_difference", "ci_high"),
    "asah.published.delong_test.wfns_vs_s100b.z": lambda ds: _get(_delong(ds, "wfns", "s100b"), "auc_difference", "statistic"),
    "asah.published.delong_test.wfns_vs_s100b.p": lambda ds: _get(_delong(ds, "wfns", "s100b"), "auc_difference", "p_value"),
    "asah.published.delong_test.wfns_vs_s100b.diff_ci_low": lambda ds: _get(_delong(ds, "wfns", "s100b"), "auc_difference", "ci_low"),
    "asah.published.delong_test.wfns_vs_s100b.diff_ci_high": lambda ds: _get(_delong(ds, "wfns", "s100b"), "auc_difference", "ci_high"),
    "asah.published.delong_test.wfns_vs_ndka.z": lambda ds: _get(_delong(ds, "wfns", "ndka"), "auc_difference", "statistic"),
    "asah.published.delong_test.wfns_vs_ndka.p": lambda ds: _get(_delong(ds, "wfns", "ndka"), "auc_difference", "p_value"),
    "asah.published.s100b.youden.threshold_midpoint": lambda ds: _get(_roc(ds, "s100b"), "cutoff"),
    "asah.published.s100b.youden.specificity": lambda ds: _get(_roc(ds, "s100b"), "specificity"),
    "asah.published.s100b.youden.sensitivity": lambda ds: _get(_roc(ds, "s100b"), "sensitivity"),
    "hm.published.auc": lambda ds: _get(_hm(ds), "auc"),
    "hm.published.hanley_mcneil_se": lambda ds: _get(_hm(ds), "auc_hanley_mcneil", "se"),
    "liver.published.sensitivity": lambda ds: _get(_liver(ds), "sensitivity"),
    "liver.published.specificity": lambda ds: _get(_liver(ds), "specificity"),
    "anscombe.published.slope": lambda ds: _get(_regression(ds), "slope"),
    "anscombe.published.intercept": lambda ds: _get(_regression(ds), "intercept"),
    "anscombe.published.slope_se": lambda ds: _get(_regression(ds), "slope", "se"),
    "anscombe.published.r_squared": lambda ds: _get(_regression(ds), "r_squared"),
}


def test_every_published_entry_has_a_computation():
    ids = [e["id"] for e in EXPECTED]
    assert len(ids) == len(set(ids))
    assert sorted(set(ids) - set(COMPUTE)) == []
    assert sorted(set(COMPUTE) - set(ids)) == []


@pytest.mark.parametrize("entry", EXPECTED, ids=[e["id"] for e in EXPECTED])
def test_published_value(entry, datasets):
    if entry["id"] not in COMPUTE:
        pytest.fail(f"no computation mapped to {entry['id']}")
    got = COMPUTE[entry["id"]](datasets)
    assert abs(got - entry["value"]) <= entry["tol"], (
        f"{entry['id']} ({entry['quantity']}): got {got!r}, published {entry['value']} ± {entry['tol']}"
    )
