"""Where pingouin, SciPy, statsmodels or scikit-learn compute the same quantity, cxrqa.stats agrees to 1e-8."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pingouin as pg
import pytest
from scipy import stats
from sklearn.metrics import cohen_kappa_score, roc_auc_score
from sklearn.metrics import roc_curve as sk_roc_curve
from statsmodels.stats.inter_rater import aggregate_raters, cohens_kappa
from statsmodels.stats.inter_rater import fleiss_kappa as sm_fleiss_kappa

import cxrqa.stats as cs

TOL = 1e-8

# pingouin renamed its ICC rows between versions (ICC1 ... ICC3k -> ICC(1,1) ... ICC(C,k)).
_PINGOUIN_ICC_LABELS = {
    "ICC1": "ICC(1,1)", "ICC2": "ICC(2,1)", "ICC3": "ICC(3,1)",
    "ICC1k": "ICC(1,k)", "ICC2k": "ICC(2,k)", "ICC3k": "ICC(3,k)",
    "ICC(1,1)": "ICC(1,1)", "ICC(A,1)": "ICC(2,1)", "ICC(C,1)": "ICC(3,1)",
    "ICC(1,k)": "ICC(1,k)", "ICC(A,k)": "ICC(2,k)", "ICC(C,k)": "ICC(3,k)",
}


def pingouin_icc(data, targets, raters, ratings) -> pd.DataFrame:
    """The one adapter to pingouin's ICC: unrounded CIs, Shrout-Fleiss labels, our column names."""
    old = pg.options.get("round.column.CI95")
    pg.options["round.column.CI95"] = None
    try:
        res = pg.intraclass_corr(data=data, targets=targets, raters=raters, ratings=ratings)
    finally:
        pg.options["round.column.CI95"] = old
    ci = np.vstack(res["CI95"].to_numpy()) if "CI95" in res else np.vstack(res["CI95%"].to_numpy())
    return pd.DataFrame(
        {
            "estimate": res["ICC"].to_numpy(float),
            "statistic": res["F"].to_numpy(float),
            "df1": res["df1"].to_numpy(float),
            "df2": res["df2"].to_numpy(float),
            "p_value": res["pval"].to_numpy(float),
            "ci_low": ci[:, 0],
            "ci_high": ci[:, 1],
        },
        index=[_PINGOUIN_ICC_LABELS[t] for t in res["Type"]],
    )


def _close(a, b, tol=TOL):
    np.testing.assert_allclose(np.asarray(a, float), np.asarray(b, float), rtol=0, atol=tol)


def _reader_pairs(reader_study):
    wide = reader_study.pivot(index="image_id", columns="reader_id", values="score")
    model = wide.mean(axis=1).to_numpy() + np.random.default_rng(1).normal(0, 0.3, len(wide))
    return model, wide.mean(axis=1).to_numpy()


@pytest.mark.parametrize("which", ["shrout_fleiss", "reader_study"])
def test_icc_matches_pingouin(which, datasets, reader_study):
    if which == "shrout_fleiss":
        data, cols = datasets.shrout_fleiss, ("target", "judge", "score")
    else:
        data, cols = reader_study, ("image_id", "reader_id", "score")
    ours = cs.icc(data, *cols).set_index("metric")
    ref = pingouin_icc(data, *cols)
    for col in ref.columns:
        _close(ours.loc[ref.index, col], ref[col])


def test_icc_mcgraw_wong_labels_are_the_same_numbers(datasets):
    sf = cs.icc(datasets.shrout_fleiss, "target", "judge", "score")
    mw = cs.icc(datasets.shrout_fleiss, "target", "judge", "score", labels="mcgraw_wong")
    assert mw["metric"].tolist() == ["ICC(1)", "ICC(A,1)", "ICC(C,1)", "ICC(k)", "ICC(A,k)", "ICC(C,k)"]
    _close(sf["estimate"], mw["estimate"], 0)
    assert "ICC(2,1) = ICC(A,1)" in sf.loc[1, "method"]


def test_icc_pair_is_the_icc21_row_of_the_two_rater_design_and_matches_pingouin(reader_study):
    model, mos = _reader_pairs(reader_study)
    pair = cs.icc_pair(model, mos)
    long = pd.DataFrame({"image": np.tile(np.arange(mos.size), 2), "rater": np.repeat(["model", "mos"], mos.size), "score": np.r_[model, mos]})
    full = cs.icc(long, "image", "rater", "score")
    pd.testing.assert_frame_equal(pair, full[full["metric"] == cs.ICC_A1].reset_index(drop=True))  # bit for bit
    ref = pingouin_icc(long, "image", "rater", "score").loc[cs.ICC_A1]
    for col in ref.index:
        _close(pair.loc[0, col], ref[col])


def test_spearman_estimate_matches_scipy_with_ties(reader_study):
    model, _ = _reader_pairs(reader_study)
    first = reader_study[reader_study["reader_id"] == "r0"].sort_values("image_id")["score"].to_numpy()  # integer scores: ties
    _close(cs.spearman(model, first, n_resamples=100).loc[0, "estimate"], stats.spearmanr(model, first).statistic)


def test_linear_regression_and_band_match_statsmodels(datasets):
    import statsmodels.api as sm

    x, y = datasets.anscombe["x"].to_numpy(float), datasets.anscombe["y"].to_numpy(float)
    fit = sm.OLS(y, sm.add_constant(x)).fit()
    ours = cs.linear_regression(x, y, confidence=0.9).set_index("metric")
    ci = fit.conf_int(alpha=0.1)
    for row, k in (("intercept", 0), ("slope", 1)):
        _close(ours.loc[row, ["estimate", "se", "statistic", "p_value", "ci_low", "ci_high"]],
               [fit.params[k], fit.bse[k], fit.tvalues[k], fit.pvalues[k], ci[k, 0], ci[k, 1]])
    _close(ours.loc["r_squared", "estimate"], fit.rsquared)
    band = cs.regression_band(x, y, confidence=0.9, n_points=7)
    prediction = fit.get_prediction(sm.add_constant(band["x"].to_numpy())).summary_frame(alpha=0.1)
    _close(band[["fit", "ci_low", "ci_high"]].to_numpy(), prediction[["mean", "mean_ci_lower", "mean_ci_upper"]].to_numpy())


def test_paired_ttest_matches_scipy_and_pingouin(reader_study):
    a, b = _reader_pairs(reader_study)
    ours = cs.paired_ttest(a, b).iloc[0]
    ref = stats.ttest_rel(a, b)
    ci = ref.confidence_interval(0.95)
    _close([ours.statistic, ours.p_value, ours.df1, ours.ci_low, ours.ci_high], [ref.statistic, ref.pvalue, ref.df, ci.low, ci.high])
    pgr = pg.ttest(a, b, paired=True)
    _close([ours.statistic, ours.p_value], [pgr["T"].iloc[0], pgr["p_val" if "p_val" in pgr else "p-val"].iloc[0]])


def test_pearson_matches_scipy(reader_study):
    a, b = _reader_pairs(reader_study)
    ours = cs.pearson(a, b).iloc[0]
    ref = stats.pearsonr(a, b)
    ci = ref.confidence_interval(0.95)
    _close([ours.estimate, ours.p_value, ours.ci_low, ours.ci_high], [ref.statistic, ref.pvalue, ci.low, ci.high])


def test_bland_altman_bias_and_slope_match_scipy(datasets):
    d = datasets.pefr
    ba = cs.bland_altman(d["wright1"], d["mini1"]).set_index("metric")
    tt = cs.paired_ttest(d["wright1"], d["mini1"]).iloc[0]
    _close(ba.loc["bias", ["estimate", "ci_low", "ci_high", "p_value"]], tt[["estimate", "ci_low", "ci_high", "p_value"]])
    diff, mean = d["wright1"] - d["mini1"], (d["wright1"] + d["mini1"]) / 2
    fit = stats.linregress(mean, diff)
    _close([ba.loc["proportional_bias_slope", "estimate"], ba.loc["proportional_bias_slope", "p_value"]], [fit.slope, fit.pvalue])


def test_anova_matches_scipy_and_pingouin():
    rng = np.random.default_rng(3)
    df = pd.DataFrame({"age": rng.normal(51, 17, 90), "split": np.repeat(["train", "val", "test"], [50, 25, 15])})
    ours = cs.anova_oneway(df, "age", "split").iloc[0]
    ref = stats.f_oneway(*[g["age"] for _, g in df.groupby("split")])
    _close([ours.statistic, ours.p_value], [ref.statistic, ref.pvalue])
    pga = pg.anova(data=df, dv="age", between="split")
    _close(ours.estimate, pga["np2"].iloc[0])


def test_chi_square_matches_pingouin():
    rng = np.random.default_rng(4)
    df = pd.DataFrame({"sex": rng.choice(["F", "M"], 300), "split": rng.choice(["train", "val", "test"], 300)})
    ours = cs.chi_square(df, "sex", "split").iloc[0]
    _, _, st = pg.chi2_independence(df, "sex", "split", correction=False)
    row = st.set_index("test").loc["pearson"]
    _close([ours.statistic, ours.p_value, ours.df1, ours.estimate], [row["chi2"], row["pval"], row["dof"], row["cramer"]])


def test_chi_square_counts_equal_expanded_rows(datasets):
    counts = pd.read_csv(__import__("pathlib").Path(__file__).parent / "data" / "altman_bland_1994_liver_scan.csv")
    a = cs.chi_square(counts, "scan", "pathology", count="count")
    b = cs.chi_square(datasets.liver, "scan", "pathology")
    _close(a[["statistic", "p_value"]].to_numpy(), b[["statistic", "p_value"]].to_numpy())


def test_wilcoxon_matches_pingouin_and_hodges_lehmann():
    rng = np.random.default_rng(5)
    a, b = rng.normal(11, 2, 30), rng.normal(3, 0.3, 30)
    ours = cs.wilcoxon(a, b).iloc[0]
    ref = pg.wilcoxon(a, b)
    _close([ours.statistic, ours.p_value], [ref["W_val" if "W_val" in ref else "W-val"].iloc[0], ref["p_val" if "p_val" in ref else "p-val"].iloc[0]])
    d = a - b
    walsh = [(d[i] + d[j]) / 2 for i in range(30) for j in range(i, 30)]
    _close(ours.estimate, np.median(walsh))


@pytest.mark.parametrize("weights", [None, "linear", "quadratic"])
def test_weighted_kappa_matches_statsmodels_and_sklearn(weights):
    rng = np.random.default_rng(6)
    a = rng.integers(1, 11, 105)
    b = np.clip(a + rng.integers(-2, 3, 105), 1, 10)
    ours = cs.weighted_kappa(a, b, weights=weights, categories=range(1, 11)).iloc[0]
    table = np.zeros((10, 10))
    np.add.at(table, (a - 1, b - 1), 1)
    ref = cohens_kappa(table, wt=weights)
    _close([ours.estimate, ours.se, ours.statistic], [ref.kappa, ref.std_kappa, ref.kappa / ref.std_kappa0])
    _close(ours.estimate, cohen_kappa_score(a, b, weights=weights, labels=list(range(1, 11))))


def test_fleiss_kappa_matches_statsmodels(reader_study):
    ours = cs.fleiss_kappa(reader_study, "image_id", "reader_id", "score").iloc[0]
    wide = reader_study.pivot(index="image_id", columns="reader_id", values="score").to_numpy()
    _close(ours.estimate, sm_fleiss_kappa(aggregate_raters(wide)[0]))
    assert ours.ci_low < ours.estimate < ours.ci_high


@pytest.mark.parametrize("k,n", [(0, 10), (26, 41), (41, 41), (231, 258)])
def test_clopper_pearson_matches_scipy(k, n):
    ci = stats.binomtest(k, n).proportion_ci(0.95, method="exact")
    _close(cs.clopper_pearson(k, n), [ci.low, ci.high])


@pytest.mark.parametrize("marker", ["s100b", "ndka", "wfns"])
def test_roc_matches_sklearn(marker, datasets):
    d = datasets.asah
    res = cs.roc(d["outcome_poor"], d[marker], positive=1, direction="higher").set_index("metric")
    _close(res.loc["auc", "estimate"], roc_auc_score(d["outcome_poor"], d[marker]))
    fpr, tpr, thr = sk_roc_curve(d["outcome_poor"], d[marker], drop_intermediate=False)
    curve = cs.roc_curve(d["outcome_poor"], d[marker], positive=1, direction="higher")
    _close(curve["fpr"], fpr)
    _close(curve["sensitivity"], tpr)
    _close(curve["threshold"].iloc[1:], thr[1:])
    # sklearn's threshold at the optimum is our positive edge
    j = np.argmax(tpr - fpr)
    _close(res.loc["cutoff_positive_edge", "estimate"], thr[j])


def test_roc_direction_and_positive_class_are_symmetric(datasets):
    d = datasets.asah
    a = cs.roc(d["outcome"], d["s100b"], positive="Poor", direction="higher").set_index("metric")
    b = cs.roc(d["outcome"], d["s100b"], positive="Good", direction="lower").set_index("metric")
    _close(a.loc["auc", ["estimate", "se"]], b.loc["auc", ["estimate", "se"]])
    _close(a.loc["sensitivity", "estimate"], b.loc["specificity", "estimate"])
    _close(a.loc["ppv", "estimate"], b.loc["npv", "estimate"])


@pytest.mark.parametrize("method", ["bca", "percentile"])
def test_bootstrap_matches_scipy(method):
    x = np.random.default_rng(7).gamma(2.0, size=60)
    ours = cs.bootstrap(pd.DataFrame({"x": x}), lambda w: w @ x / w.sum(axis=1), n_resamples=1500, method=method, seed=11).iloc[0]
    ref = stats.bootstrap((x,), np.mean, n_resamples=1500, method={"bca": "BCa", "percentile": "percentile"}[method], rng=np.random.default_rng(11))
    _close([ours.ci_low, ours.ci_high, ours.se], [ref.confidence_interval.low, ref.confidence_interval.high, ref.standard_error])
