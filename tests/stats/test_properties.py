"""Properties: uniform columns, seeded determinism, vectorised statistics equal their loops, coverage."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats

import cxrqa.stats as cs


def _materialise_icc(y, w):
    rows = np.repeat(y, w.astype(int), axis=0)
    df = pd.DataFrame([(t, j, v) for t, r in enumerate(rows) for j, v in enumerate(r)], columns=["t", "j", "s"])
    return cs.icc(df, "t", "j", "s").set_index("metric").loc[cs.ICC_A1, "estimate"]


def test_every_function_returns_the_uniform_columns(datasets, reader_study):
    d, a = datasets.pefr, datasets.asah
    frames = [
        cs.icc(reader_study, "image_id", "reader_id", "score"),
        cs.icc_anova(reader_study, "image_id", "reader_id", "score"),
        cs.paired_ttest(d["wright1"], d["mini1"]),
        cs.pearson(d["wright1"], d["mini1"]),
        cs.mad(d["wright1"], d["mini1"], n_resamples=200),
        cs.bland_altman(d["wright1"], d["mini1"]),
        cs.roc(a["outcome"], a["s100b"], positive="Poor", direction="higher"),
        cs.delong_test(a["outcome"], a["ndka"], a["s100b"], positive="Poor"),
        cs.fleiss_kappa(reader_study, "image_id", "reader_id", "score", n_resamples=200),
        cs.weighted_kappa(a["wfns"], a["gos6"]),
        cs.anova_oneway(a, "age", "outcome"),
        cs.chi_square(a, "gender", "outcome"),
        cs.wilcoxon(d["wright1"], d["mini1"]),
        cs.diagnostic_accuracy(a["outcome"], a["wfns"] > 2, positive="Poor"),
        cs.icc_pair(d["wright1"], d["mini1"]),
        cs.spearman(d["wright1"], d["mini1"], n_resamples=200),
        cs.linear_regression(d["wright1"], d["mini1"]),
    ]
    for frame in frames:
        assert tuple(frame.columns) == cs.COLUMNS
    combined = pd.concat(frames, ignore_index=True)
    assert tuple(combined.columns) == cs.COLUMNS
    assert combined["estimate"].dtype == np.float64 and combined["n"].dtype == np.int64


def test_weighted_icc_equals_icc_of_materialised_resamples(reader_study):
    y = reader_study.pivot(index="image_id", columns="reader_id", values="score").to_numpy()
    w = cs.bootstrap_weights(len(y), 3, seed=2)
    np.testing.assert_allclose(cs.icc_a1_weighted(y, w), [_materialise_icc(y, wi) for wi in w], rtol=0, atol=1e-10)


def test_weighted_auc_equals_auc_of_materialised_resamples(datasets):
    a = datasets.asah
    pos = (a["outcome_poor"] == 1).to_numpy()
    s = a["wfns"].to_numpy(float)  # heavy ties
    w = cs.bootstrap_weights(len(a), 5, seed=3)
    fast = cs.auc_weighted(pos, s, w)
    slow = []
    for wi in w:
        idx = np.repeat(np.arange(len(a)), wi.astype(int))
        slow.append(cs.roc(pos[idx], s[idx], positive=True, direction="higher").loc[0, "estimate"])
    np.testing.assert_allclose(fast, slow, rtol=0, atol=1e-12)


def test_bootstrap_is_seeded_and_vectorised_equals_loop():
    x = np.random.default_rng(8).normal(size=25)
    df = pd.DataFrame({"x": x})
    vec = cs.bootstrap(df, lambda w: w @ x / w.sum(axis=1), n_resamples=300, seed=4)
    again = cs.bootstrap(df, lambda w: w @ x / w.sum(axis=1), n_resamples=300, seed=4)
    loop = cs.bootstrap(df, lambda f: f["x"].mean(), n_resamples=300, seed=4, vectorized=False)
    other = cs.bootstrap(df, lambda w: w @ x / w.sum(axis=1), n_resamples=300, seed=5)
    pd.testing.assert_frame_equal(vec, again)
    np.testing.assert_allclose(vec[["ci_low", "ci_high"]], loop[["ci_low", "ci_high"]], rtol=0, atol=1e-12)
    assert vec.loc[0, "ci_low"] != other.loc[0, "ci_low"]


def test_cluster_bootstrap_keeps_clusters_whole_and_reduces_to_rows():
    clusters = np.array([0, 0, 0, 1, 1, 2, 3, 3])
    w = cs.bootstrap_weights(8, 50, seed=1, clusters=clusters)
    for c in range(4):
        assert (w[:, clusters == c] == w[:, clusters == c][:, :1]).all()
    x = np.random.default_rng(9).normal(size=12)
    df = pd.DataFrame({"x": x, "id": np.arange(12)})
    by_row = cs.bootstrap(df, lambda w: w @ x / w.sum(axis=1), n_resamples=200, seed=6)
    by_singleton_cluster = cs.bootstrap(df, lambda w: w @ x / w.sum(axis=1), n_resamples=200, seed=6, cluster="id")
    np.testing.assert_allclose(by_row[["ci_low", "ci_high"]], by_singleton_cluster[["ci_low", "ci_high"]], rtol=0, atol=1e-12)


def test_cluster_bootstrap_is_wider_for_correlated_rows():
    rng = np.random.default_rng(10)
    patient = np.repeat(np.arange(30), 4)
    x = rng.normal(size=30)[patient] + rng.normal(0, 0.1, 120)
    df = pd.DataFrame({"x": x, "patient": patient})
    stat = lambda w: w @ x / w.sum(axis=1)  # noqa: E731
    rows = cs.bootstrap(df, stat, method="percentile", seed=1).iloc[0]
    clus = cs.bootstrap(df, stat, method="percentile", seed=1, cluster="patient").iloc[0]
    assert (clus.ci_high - clus.ci_low) > 1.5 * (rows.ci_high - rows.ci_low)
    assert clus.n == 30


def test_exact_limits_of_agreement_have_nominal_coverage():
    # The exact CI is bias + s * q for factors q that depend on n only: read them from the
    # function on a few samples (they must agree), then check coverage on many simulated
    # (mean, SD) pairs at once.
    rng = np.random.default_rng(12)
    n, z = 15, stats.norm.ppf(0.975)
    factors = []
    for _ in range(3):
        d = rng.normal(0.3, 2.0, n)
        row = cs.bland_altman(d, np.zeros(n)).set_index("metric").loc["loa_high_exact"]
        factors.append([(row.ci_low - d.mean()) / d.std(ddof=1), (row.ci_high - d.mean()) / d.std(ddof=1)])
    np.testing.assert_allclose(factors, [factors[0]] * 3, rtol=1e-10)
    q_lo, q_hi = factors[0]
    sims = rng.normal(0.0, 1.0, (40000, n))
    mean, sd = sims.mean(axis=1), sims.std(axis=1, ddof=1)
    covered = (mean + q_lo * sd <= z) & (z <= mean + q_hi * sd)
    assert abs(covered.mean() - 0.95) < 0.005, covered.mean()


def test_exact_and_approximate_limits_converge_for_large_n():
    d = np.random.default_rng(13).normal(1.0, 2.0, 5000)
    res = cs.bland_altman(d, np.zeros_like(d)).set_index("metric")
    np.testing.assert_allclose(res.loc["loa_high", ["ci_low", "ci_high"]], res.loc["loa_high_exact", ["ci_low", "ci_high"]], atol=0.01)


def test_regression_limits_detect_proportional_bias():
    rng = np.random.default_rng(14)
    b = rng.uniform(2, 10, 200)
    a = 1.2 * b + rng.normal(0, 0.05 * b)
    res = cs.bland_altman(a, b).set_index("metric")
    assert res.loc["proportional_bias_slope", "p_value"] < 1e-6
    assert res.loc["loa_regression_sd_slope", "estimate"] > 0


def test_roc_at_a_given_cutoff_uses_the_stated_rule():
    y = np.array(["ok"] * 5 + ["bad"] * 5)
    s = np.array([7.0, 7.5, 8.0, 6.9, 9.0, 5.0, 7.0, 4.0, 6.0, 3.0])
    res = cs.roc(y, s, positive="ok", direction="higher", cutoff=7.0).set_index("metric")
    # score >= 7.0 is called acceptable: ok 4/5 above, bad 1/5 (the 7.0) above
    assert res.loc["sensitivity", "estimate"] == pytest.approx(0.8)
    assert res.loc["specificity", "estimate"] == pytest.approx(0.8)
    assert res.loc["cutoff", "estimate"] == 7.0


def test_reader_vs_rest_matches_direct_computation(reader_study):
    res = cs.reader_vs_rest(reader_study, "image_id", "reader_id", "score", n_resamples=200)
    assert list(res.columns) == ["reader_id", *cs.COLUMNS]
    assert res["reader_id"].nunique() == 10 and len(res) == 40
    wide = reader_study.pivot(index="image_id", columns="reader_id", values="score")
    own, rest = wide["r3"].to_numpy(), wide.drop(columns="r3").mean(axis=1).to_numpy()
    row = res[(res["reader_id"] == "r3") & (res["metric"] == "pearson_r")].iloc[0]
    assert row.estimate == pytest.approx(stats.pearsonr(own, rest).statistic, abs=1e-12)
    with pytest.raises(ValueError, match="three raters"):
        cs.reader_vs_rest(reader_study[reader_study["reader_id"].isin(["r0", "r1"])], "image_id", "reader_id", "score")


def test_weighted_spearman_equals_scipy_on_the_expanded_resample():
    rng = np.random.default_rng(0)
    x, y = rng.integers(1, 6, 25).astype(float), rng.normal(size=25)  # ties in x
    weights = cs.bootstrap_weights(25, 20, seed=1)
    fast = cs.spearman_weighted(x, y, weights)
    for w, value in zip(weights, fast):
        keep = np.repeat(np.arange(25), w.astype(int))
        assert value == pytest.approx(stats.spearmanr(x[keep], y[keep]).statistic, abs=1e-12)


def test_spearman_interval_is_the_bootstrap_of_scipys_rho_and_is_seeded():
    rng = np.random.default_rng(2)
    a = rng.normal(size=40)
    b = np.round(a + rng.normal(size=40))  # ties in b
    first = cs.spearman(a, b, n_resamples=400, seed=9)
    slow = cs.bootstrap(pd.DataFrame({"a": a, "b": b}), lambda f: stats.spearmanr(f["a"], f["b"]).statistic,
                        vectorized=False, n_resamples=400, seed=9)
    np.testing.assert_allclose(first[["estimate", "se", "ci_low", "ci_high"]].to_numpy(), slow[["estimate", "se", "ci_low", "ci_high"]].to_numpy(), rtol=0, atol=1e-12)
    assert first.equals(cs.spearman(a, b, n_resamples=400, seed=9))
    assert not first.equals(cs.spearman(a, b, n_resamples=400, seed=10))


def _holm_by_definition(p):
    """Wright (1992): the i-th smallest adjusted p is max over j <= i of min(1, (m - j + 1) p_(j))."""
    order = np.argsort(p, kind="mergesort")
    m, adjusted, running = len(p), np.empty(len(p)), 0.0
    for rank, index in enumerate(order):
        running = max(running, min(1.0, (m - rank) * p[index]))
        adjusted[index] = running
    return adjusted


def test_holm_follows_its_definition_and_leaves_untestable_comparisons_out():
    rng = np.random.default_rng(4)
    for size in (1, 2, 5, 12):
        p = rng.uniform(0, 0.2, size)
        p[: size // 2] = p[0]  # ties
        np.testing.assert_allclose(cs.holm(p), _holm_by_definition(p), rtol=0, atol=1e-15)
    with_gaps = np.array([0.01, np.nan, 0.04, 0.03, np.nan])
    adjusted = cs.holm(with_gaps)
    assert np.isnan(adjusted[[1, 4]]).all()
    np.testing.assert_allclose(adjusted[[0, 2, 3]], _holm_by_definition(with_gaps[[0, 2, 3]]))
    assert cs.holm([]).size == 0 and np.isnan(cs.holm([np.nan])).all()
