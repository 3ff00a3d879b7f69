"""Control charts against Montgomery's worked examples and against R on fresh random data."""

from __future__ import annotations

import shutil
import subprocess

import numpy as np
import pytest

from cxrqa.stats.spc import cusum_chart, ewma_chart, individuals_chart, p_chart, xbar_chart

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
    out("ind_ucl", cen + 3 * sig); out("ind_lcl", cen - 3 * sig); out("mr_ucl", 3.267 * mrbar)
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
