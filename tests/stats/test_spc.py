"""Control charts against Montgomery's worked examples and against R on fresh random data."""

from __future__ import annotations

import shutil
import subprocess

import numpy as np
import pytest

from scipy.stats import norm

from cxrqa.stats.spc import cusum_arl, cusum_chart, ewma_arl, ewma_chart, individuals_chart, p_chart, xbar_chart

#: Montgomery (2013) Table 9.1: 20 observations from N(10, 1), then 10 after the mean moved to 11.
TABLE_9_1 = [
    9.45, 7.99, 9.29, 11.66, 12.16, 10.18, 8.04, 11.46, 9.20, 10.34, 9.03, 11.47, 10.51, 9.40, 10.08,
    9.37, 10.62, 10.31, 8.52, 10.84, 10.90, 9.33, 12.29, 11.50, 10.60, 11.08, 10.38, 11.62, 11.31, 10.52,
]  # fmt: skip
#: Montgomery (2013) Table 9.2: the tabular CUSUM's C+ (k = 0.5, h = 5) for periods 1-30.
TABLE_9_2_UPPER = [
    0.0, 0.0, 0.0, 1.16, 2.82, 2.50, 0.04, 1.00, 0.0, 0.0, 0.0, 0.97, 0.98, 0.0, 0.0,
    0.0, 0.12, 0.0, 0.0, 0.34, 0.74, 0.0, 1.79, 2.79, 2.89, 3.47, 3.35, 4.47, 5.28, 5.30,
]  # fmt: skip

RSCRIPT = shutil.which("Rscript")
requires_r = pytest.mark.skipif(RSCRIPT is None, reason="R not installed (Debian r-base-core; .ci/run installs it)")


def test_tabular_cusum_equals_montgomery_table_9_2_and_dates_the_shift():
    chart = cusum_chart(TABLE_9_1, target=10, sigma=1, k=0.5, h=5)
    np.testing.assert_allclose(chart["upper"], TABLE_9_2_UPPER, atol=0.005)
    first = chart[chart["signal"]].iloc[0]
    # Montgomery: C+ exceeds H = 5 at period 29, and N+ = 7 places the shift after period 22.
    assert (first["period"], first["direction"], first["run"]) == (29, "up", 7)


def test_ewma_equals_montgomery_example_9_2():
    chart = ewma_chart(TABLE_9_1, target=10, sigma=1, lam=0.1, L=2.7)
    np.testing.assert_allclose(chart["statistic"][:2], [9.945, 9.7495], atol=1e-9)
    assert chart["ucl"][0] == pytest.approx(10.27) and chart["lcl"][0] == pytest.approx(9.73)
    assert chart["ucl"].iloc[-1] == pytest.approx(10.62, abs=0.005)  # the asymptotic limit
    assert chart["signal"].any() and not chart["signal"][:20].any()  # nothing before the shift


def r_vector(values) -> str:
    """An R literal of a vector (numbers with every digit, or logicals)."""
    values = list(values)
    if values and isinstance(values[0], (bool, np.bool_)):
        return "c(" + ",".join("TRUE" if v else "FALSE" for v in values) + ")"
    return "c(" + ",".join(repr(float(v)) for v in values) + ")"


def r_charts(data: dict) -> dict:
    """The same charts computed by R (base R) from the textbook formulas, on the same data."""
    given = "\n".join(f"{name} <- {r_vector(values)}" for name, values in data.items())
    script = given + r"""
    out <- function(name, v) cat(name, sprintf("%.17g", v), "\n")
    mr <- abs(diff(x)); pairs <- baseline[-1] & baseline[-length(baseline)]
    mrbar <- mean(mr[pairs]); sig <- mrbar / 1.128; cen <- mean(x[baseline])
    out("ind_ucl", cen + 3 * sig); out("ind_lcl", cen - 3 * sig); out("mr_ucl", (1 + 3 * 0.853 / 1.128) * mrbar)
    bb <- baseline_groups
    sp <- sqrt(sum((n[bb] - 1) * sds[bb]^2) / sum(n[bb] - 1)); gm <- sum(n[bb] * means[bb]) / sum(n[bb])
    out("xb_ucl", gm + 3 * sp / sqrt(n)); out("xb_lcl", gm - 3 * sp / sqrt(n))
    pbar <- sum(count[bb]) / sum(n[bb]); h <- 3 * sqrt(pbar * (1 - pbar) / n)
    out("p_ucl", pmin(pbar + h, 1)); out("p_lcl", pmax(pbar - h, 0))
    lam <- 0.2; z <- as.numeric(stats::filter(lam * x, 1 - lam, method = "recursive", init = 0))
    tt <- seq_along(x); out("ewma_z", z); out("ewma_ucl", 2.86 * sqrt(lam / (2 - lam) * (1 - (1 - lam)^(2 * tt))))
    up <- numeric(length(x)); lo <- numeric(length(x)); cu <- 0; cl <- 0
    for (i in seq_along(x)) { cu <- max(0, x[i] - 0.5 + cu); cl <- max(0, -0.5 - x[i] + cl); up[i] <- cu; lo[i] <- cl }
    out("cusum_up", up); out("cusum_lo", lo)
    """
    return run_r(script)


def run_r(script: str) -> dict:
    """Run an R script that prints lines ``name v1 v2 ...``; the vectors by name."""
    result = subprocess.run([RSCRIPT, "--vanilla", "-"], input=script, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    lines = (line.split() for line in result.stdout.splitlines() if line.strip())
    return {words[0]: np.array([float(v) for v in words[1:]]) for words in lines}


@requires_r
@pytest.mark.parametrize("seed", [1, 2, 3])
def test_charts_equal_r_on_fresh_random_data(seed):
    rng = np.random.default_rng(seed)
    x = rng.normal(0, 1, 40)
    baseline = np.arange(40) < 24
    n = rng.integers(5, 40, 12)
    means, sds = rng.normal(8, 0.3, 12), rng.uniform(0.5, 1.5, 12)
    count = rng.binomial(n, 0.15)
    groups = np.arange(12) < 6
    data = {"x": x, "baseline": baseline, "means": means, "sds": sds, "n": n, "count": count, "baseline_groups": groups}
    r = r_charts(data)
    individuals = individuals_chart(x, baseline)
    assert individuals["ucl"][0] == pytest.approx(r["ind_ucl"][0], rel=1e-12)
    assert individuals["lcl"][0] == pytest.approx(r["ind_lcl"][0], rel=1e-12)
    assert individuals["mr_ucl"][0] == pytest.approx(r["mr_ucl"][0], rel=1e-12)
    xbar = xbar_chart(means, sds, n, groups)
    np.testing.assert_allclose(xbar["ucl"], r["xb_ucl"], rtol=1e-12)
    np.testing.assert_allclose(xbar["lcl"], r["xb_lcl"], rtol=1e-12)
    p = p_chart(count, n, groups)
    np.testing.assert_allclose(p["ucl"], r["p_ucl"], rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(p["lcl"], r["p_lcl"], rtol=1e-12, atol=1e-15)
    ewma = ewma_chart(x, target=0, sigma=1, lam=0.2, L=2.86)
    np.testing.assert_allclose(ewma["statistic"], r["ewma_z"], rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(ewma["ucl"], r["ewma_ucl"], rtol=1e-12)
    cusum = cusum_chart(x, target=0, sigma=1, k=0.5, h=4)
    np.testing.assert_allclose(cusum["upper"], r["cusum_up"], atol=1e-12)
    np.testing.assert_allclose(cusum["lower"], r["cusum_lo"], atol=1e-12)


def test_bad_input_is_refused_with_the_reason():
    with pytest.raises(ValueError, match="one boolean per period"):
        individuals_chart([1.0, 2.0, 3.0], [True, True])
    with pytest.raises(ValueError, match="at least 2 periods"):
        individuals_chart([1.0, 2.0, 3.0], [True, False, False])
    with pytest.raises(ValueError, match="0 <= count <= n"):
        p_chart([5], [3], [True])
    with pytest.raises(ValueError, match="lam must lie"):
        ewma_chart([1.0], target=0, sigma=1, lam=0, L=3)


#: Montgomery (2013) Table 9.3 (= Montgomery & Runger, Table 16-9): ARL of the two-sided tabular
#: CUSUM with k = 1/2, three significant figures, by shift in sigma.
TABLE_9_3_SHIFTS = [0, 0.25, 0.5, 0.75, 1.0, 1.5, 2.0, 2.5, 3.0, 4.0]
TABLE_9_3 = {
    4: [168, 74.2, 26.6, 13.3, 8.38, 4.75, 3.34, 2.62, 2.19, 1.71],
    5: [465, 139, 38.0, 17.0, 10.4, 5.75, 4.01, 3.11, 2.57, 2.01],
}
#: Montgomery (2013) Table 9.11, adapted from Lucas & Saccucci (1990): ARL of the EWMA with fixed
#: limits for (lambda, L) designed to ARL0 = 500, rows shift 0 and shift 1 sigma. The in-control
#: 500 belongs to L = 2.814 for lambda = 0.1 and L = 2.962 for lambda = 0.2: with Example 9.2's
#: L = 2.7 (lambda = 0.1) and with L = 2.86 (lambda = 0.2), both our chain and R spc give an ARL0
#: near 370 (369.0 and 371.1), and 14.3 is the one-sigma ARL of lambda = 0.4, L = 3.054.
TABLE_9_11 = {  # (lambda, L): (ARL0, ARL at a one-sigma shift)
    (0.40, 3.054): (500, 14.3),
    (0.25, 2.998): (500, 11.1),
    (0.20, 2.962): (500, 10.5),
    (0.10, 2.814): (500, 10.3),
    (0.05, 2.615): (500, 11.4),
}


def rounded_to_table(value: float, published: float, figures: int = 3, slack: float = 5e-4) -> bool:
    """Whether ``value`` rounds to ``published`` at ``figures`` significant figures (plus chain error)."""
    half_unit = 0.5 * 10 ** (np.floor(np.log10(published)) - figures + 1)
    return abs(value - published) <= half_unit + slack * published


@pytest.mark.parametrize("h", [4, 5])
def test_cusum_arl_equals_montgomery_table_9_3(h):
    ours = cusum_arl(TABLE_9_3_SHIFTS, k=0.5, h=h)
    for shift, value, published in zip(TABLE_9_3_SHIFTS, ours, TABLE_9_3[h]):
        assert rounded_to_table(value, published), (h, shift, value, published)
    assert cusum_arl(0, k=0.5, h=h) == pytest.approx(ours[0], rel=1e-12)  # scalar in, float out
    # In control the two sums have the same ARL, so the two-sided ARL is half the one-sided one.
    assert cusum_arl(0, k=0.5, h=h, sided="one") == pytest.approx(2 * ours[0], rel=1e-12)


def test_ewma_arl_equals_montgomery_table_9_11_and_sas():
    for (lam, L), (arl0, arl1) in TABLE_9_11.items():
        # L is printed to three decimals, which alone moves ARL0 by about +-1; hence +-0.5 %.
        assert ewma_arl(0, lam=lam, L=L) == pytest.approx(arl0, rel=5e-3), (lam, L)
        assert rounded_to_table(ewma_arl(1, lam=lam, L=L), arl1), (lam, L)
    # SAS/QC documentation, EWMAARL function: EWMAARL(1.00, 0.25, 3.0) = 11.154267016 (Crowder's
    # method); R spc gives 11.1542670164 too.
    assert ewma_arl(1, lam=0.25, L=3.0) == pytest.approx(11.154267016, rel=2e-5)


def test_ewma_arl_with_lambda_one_is_the_shewhart_arl():
    shifts = np.array([0.0, 0.5, 1.0, 2.0, -1.5])
    exact = 1 / (norm.sf(3 - shifts) + norm.cdf(-3 - shifts))  # a geometric run length
    np.testing.assert_allclose(ewma_arl(shifts, lam=1, L=3), exact, rtol=1e-10)
    assert ewma_arl(0, lam=1, L=3) == pytest.approx(370.398, abs=1e-3)


R_SPC_MISSING = 'if (!requireNamespace("spc", quietly = TRUE)) { cat("no_spc 0\\n"); quit(save = "no") }\n'


def run_spc(script: str) -> dict:
    r = run_r(R_SPC_MISSING + "library(spc)\nout <- function(name, v) cat(name, sprintf('%.17g', v), '\\n')\n" + script)
    if "no_spc" in r:
        pytest.skip("R package spc not installed (CRAN spc)")
    return r


@requires_r
def test_cusum_arl_equals_r_spc_on_fresh_parameters():
    rng = np.random.default_rng(20240917)
    k = np.concatenate([[0.5, 0.5], rng.uniform(0.25, 1.0, 6)])
    h = np.concatenate([[4.0, 5.0], rng.uniform(2.0, 6.0, 6)])
    shift = np.concatenate([[0.0, 1.0], rng.uniform(0.0, 2.0, 6)])
    r = run_spc(f"""k <- {r_vector(k)}; h <- {r_vector(h)}; mu <- {r_vector(shift)}
    arl <- function(...) mapply(function(k, h, mu) xcusum.arl(k, h, mu, hs = 0, ...), k, h, mu)
    out("one", arl(sided = "one"))
    out("two", arl(sided = "two")); out("chain", arl(sided = "one", method = "mc", r = 300))
    out("lower", mapply(function(k, h, mu) xcusum.arl(k, h, -mu, sided = "one"), k, h, mu))
    """)
    one = np.array([cusum_arl(s, k=a, h=b, sided="one") for a, b, s in zip(k, h, shift)])
    two = np.array([cusum_arl(s, k=a, h=b) for a, b, s in zip(k, h, shift)])
    # spc's method "mc" builds the same Brook & Evans chain (r = 300 states): equal but for rounding.
    np.testing.assert_allclose(one, r["chain"], rtol=1e-9)
    # spc's default solves the integral equation (Gauss-Legendre); the chain of 300 states is within
    # 2e-4 of it (measured: at most 1.9e-4 over 400 draws from these ranges, median 2.5e-6; 2.9e-5 here).
    np.testing.assert_allclose(one, r["one"], rtol=2.5e-4)
    # spc's two-sided ARL is the same combination 1 / ARL = 1 / ARL+ + 1 / ARL- of its one-sided ones.
    np.testing.assert_allclose(r["two"], 1 / (1 / r["one"] + 1 / r["lower"]), rtol=1e-9)
    np.testing.assert_allclose(two, r["two"], rtol=2.5e-4)


@requires_r
def test_ewma_arl_equals_r_spc_on_fresh_parameters():
    rng = np.random.default_rng(20240918)
    # Example 9.2's chart and the lambda = 0.2, L = 2.86 chart first (ARL0 near 370, not 500).
    lam = np.concatenate([[0.1, 0.2, 0.1, 0.2], rng.uniform(0.05, 0.5, 6)])
    L = np.concatenate([[2.7, 2.86, 2.7, 2.86], rng.uniform(2.4, 3.2, 6)])
    shift = np.concatenate([[0.0, 0.0, 1.0, 1.0], rng.uniform(0.0, 2.0, 6)])
    r = run_spc(f"""l <- {r_vector(lam)}; L <- {r_vector(L)}; mu <- {r_vector(shift)}
    out("ewma", mapply(function(l, L, mu) xewma.arl(l, L, mu, zr = 0, hs = 0, sided = "two", limits = "fix"), l, L, mu))
    """)
    ours = np.array([ewma_arl(s, lam=a, L=b) for a, b, s in zip(lam, L, shift)])
    # The chain of 301 states against spc's integral equation: measured at most 7.9e-4 over 400
    # draws from these ranges (median 9e-6; 3.3e-4 here); it is largest for small lambda with wide
    # limits, 1.5e-3 at this box's corner lambda = 0.05, L = 3.2.
    np.testing.assert_allclose(ours, r["ewma"], rtol=1.5e-3)
    np.testing.assert_allclose(ours[:4], [368.9937, 371.1033, 9.730012, 9.801525], rtol=1e-3)


def test_arl_bad_input_is_refused_with_the_reason():
    with pytest.raises(ValueError, match="k must be"):
        cusum_arl(0, k=-0.1, h=5)
    with pytest.raises(ValueError, match="h must be"):
        cusum_arl(0, k=0.5, h=0)
    with pytest.raises(ValueError, match="sided must be"):
        cusum_arl(0, k=0.5, h=5, sided="upper")
    with pytest.raises(ValueError, match="lam must lie"):
        ewma_arl(0, lam=0, L=3)
    with pytest.raises(ValueError, match="lam must lie"):
        ewma_arl(0, lam=1.5, L=3)
    with pytest.raises(ValueError, match="L must be"):
        ewma_arl(0, lam=0.2, L=-1)
    with pytest.raises(ValueError, match="odd integer"):
        ewma_arl(0, lam=0.2, L=3, states=300)
    with pytest.raises(ValueError, match="shift must be"):
        cusum_arl(np.nan, k=0.5, h=5)


# The options the audit charts with: limits that hold the error of the baseline's estimates.


def test_cusum_reset_restarts_both_sums_after_montgomerys_signal():
    chart = cusum_chart(TABLE_9_1, target=10, sigma=1, k=0.5, h=5, reset=True)
    np.testing.assert_allclose(chart["upper"][:29], TABLE_9_2_UPPER[:29], atol=0.005)  # the same up to the signal
    assert chart["upper"].iloc[29] == pytest.approx(max(0.0, TABLE_9_1[29] - 10.5))  # then from zero: 0.02
    assert chart["signal"].sum() == 1


def test_a_reference_value_per_period_is_the_scalar_one_where_equal():
    varying = cusum_chart(TABLE_9_1, target=10, sigma=1, k=[0.5] * 30, h=5)
    np.testing.assert_allclose(varying["upper"], cusum_chart(TABLE_9_1, target=10, sigma=1, k=0.5, h=5)["upper"])
    wider = cusum_chart(TABLE_9_1, target=10, sigma=1, k=[0.5] * 20 + [1.5] * 10, h=5)
    assert not wider["signal"].any()  # a shift of 1 sigma no longer accumulates past k = 1.5


def test_ewma_limits_with_a_shared_error_hold_the_exact_variance():
    """z_t = sum_j w_j (e_j + c d): var = sigma^2 lam/(2-lam)(1-(1-lam)^2t) + c^2 (1-(1-lam)^t)^2."""
    lam, L, c, t = 0.2, 3.0, 0.6, np.arange(1, 13)
    chart = ewma_chart(np.zeros(12), target=0, sigma=1, lam=lam, L=L, common_sd=c)
    exact = L * np.sqrt(lam / (2 - lam) * (1 - (1 - lam) ** (2 * t)) + c**2 * (1 - (1 - lam) ** t) ** 2)
    np.testing.assert_allclose(chart["ucl"], exact, rtol=1e-12)
    np.testing.assert_allclose(ewma_chart(np.zeros(12), target=0, sigma=1, lam=lam, L=L)["ucl"],
                               L * np.sqrt(lam / (2 - lam) * (1 - (1 - lam) ** (2 * t))), rtol=1e-12)  # fmt: skip
    # by simulation: a shared error and fresh noise leave the EWMA outside these limits about 2 Phi(-L) of the time
    rng = np.random.default_rng(4)
    values = rng.normal(size=(20000, 12)) + c * rng.normal(size=(20000, 1))
    z = np.zeros(20000)
    outside = []
    for step in range(12):
        z = lam * values[:, step] + (1 - lam) * z
        outside.append(np.mean(np.abs(z) > chart["ucl"][step]))
    assert np.allclose(outside, 2 * norm.sf(L), atol=0.0015)


def test_ewma_reset_restarts_the_statistic_and_its_limits():
    chart = ewma_chart([0, 0, 5, 0, 0], target=0, sigma=1, lam=0.5, L=2.0, reset=True)
    assert chart["signal"].tolist() == [False, False, True, False, False]
    assert chart["statistic"].iloc[3] == 0.0 and chart["ucl"].iloc[3] == pytest.approx(chart["ucl"].iloc[0])


def test_the_individuals_sigma_never_falls_below_its_floor():
    values, baseline = [8.0, 8.01, 8.0, 8.5], [True, True, True, False]
    assert individuals_chart(values, baseline, L=3.0)["signal"].iloc[3]  # MR-bar 0.01: limits 0.03 wide
    close = individuals_chart(values, baseline, L=3.0, min_sigma=0.2)
    assert close["ucl"][0] == pytest.approx(8.00333 + 3 * 0.2, abs=1e-5) and not close["signal"].any()
    assert close["mr_ucl"][0] == pytest.approx(0.2 * (1.128 + 3 * 0.853))


def test_xbar_limits_with_the_centre_error_are_the_prediction_limits():
    chart = xbar_chart([8.0, 8.2, 8.1, 7.0], [0.5, 0.6, 0.4, 0.5], [16, 16, 16, 10], [True] * 3 + [False], L=3.0,
                       centre_error=True)  # fmt: skip
    sigma = np.sqrt((0.25 + 0.36 + 0.16) / 3)
    assert chart["ucl"].iloc[3] == pytest.approx(8.1 + 3 * sigma * np.sqrt(1 / 10 + 1 / 48))


@requires_r
@pytest.mark.parametrize("seed", [5, 6])
def test_predictive_p_limits_equal_the_beta_binomial_tails_computed_by_r(seed):
    """R from the closed form: P(X = x) = choose(n, x) B(x + a, n - x + b) / B(a, b), a = c + 1/2, b = N - c + 1/2."""
    rng = np.random.default_rng(seed)
    n = rng.integers(5, 60, 10)
    count = rng.binomial(n, rng.uniform(0.01, 0.3))
    baseline = np.arange(10) < 4
    count[0] = 0 if seed == 5 else count[0]  # a baseline with few (or no) films below the cut-off
    L = rng.uniform(2.5, 3.5)
    chart = p_chart(count, n, baseline, L=L, limits="predictive")
    r = run_r(f"""
    n <- {r_vector(n)}; count <- {r_vector(count)}; base <- {r_vector(baseline)}; tail <- pnorm(-{L!r})
    cc <- sum(count[base]); nn <- sum(n[base]); a <- cc + 0.5; b <- nn - cc + 0.5
    low <- numeric(length(n)); high <- numeric(length(n))
    for (i in seq_along(n)) {{
      x <- 0:n[i]; pmf <- exp(lchoose(n[i], x) + lbeta(x + a, n[i] - x + b) - lbeta(a, b))
      lo <- x[cumsum(pmf) < tail]; hi <- x[rev(cumsum(rev(pmf))) < tail]
      low[i] <- if (length(lo)) (max(lo) + 0.5) / n[i] else 0
      high[i] <- if (length(hi)) (min(hi) - 0.5) / n[i] else 1
    }}
    cat("lcl", sprintf("%.17g", low), "\\n"); cat("ucl", sprintf("%.17g", high), "\\n")
    """)
    np.testing.assert_allclose(chart["lcl"], r["lcl"], atol=1e-12)
    np.testing.assert_allclose(chart["ucl"], r["ucl"], atol=1e-12)
    assert (chart["ucl"] > chart["centre"]).all()  # never collapses onto p-bar, even when p-bar is 0
