"""The audit's per-group, per-period summaries: counts, shares with Wilson intervals, DI, suppression."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from cxrqa.audit.analysis import period_labels, summarise

CUTOFFS = {"gray_level": 7.0, "sharpness": 7.2}


def scores(rows: list[tuple]) -> pd.DataFrame:
    """Score rows of (station, date, gray_level, sharpness, DI)."""
    return pd.DataFrame(rows, columns=["station_name", "study_date", "gray_level", "sharpness", "deviation_index"])


def test_a_cell_counts_its_films_and_gives_the_wilson_interval_of_the_share_below_the_cut_off():
    rows = [("A", dt.date(2025, 1, d), g, 8.0, di) for d, g, di in
            zip(range(1, 11), [6.0, 6.5, 7.5, 8.0, 8.0, 8.5, 9.0, 9.0, 7.0, 7.2], [0, 1, -4, 2, np.nan, 0, 0, 5, 0, 0])]  # fmt: skip
    table = summarise(scores(rows), grouping="station", period="month", cutoffs=CUTOFFS, di_bands=(1.0, 3.0), min_cell=5)
    gray = table[table["dimension"] == "gray_level"].iloc[0]
    assert (gray["n"], gray["n_below"], gray["share_below"]) == (10, 2, 0.2)
    # Wilson (1927) for 2 of 10 at 95 %: 0.0567 to 0.5098
    assert gray["share_ci_low"] == pytest.approx(0.0567, abs=1e-4) and gray["share_ci_high"] == pytest.approx(0.5098, abs=1e-4)
    assert (gray["q1"], gray["median"], gray["q3"]) == pytest.approx((7.05, 7.75, 8.375))  # linear (R type 7)
    assert gray["di_n"] == 9 and gray["di_median"] == 0.0
    assert gray["di_share_out_action"] == pytest.approx(2 / 9) and gray["di_share_out_target"] == pytest.approx(3 / 9)
    sharp = table[table["dimension"] == "sharpness"].iloc[0]
    assert sharp["n_below"] == 0 and sharp["share_ci_low"] == 0.0


def test_small_cells_are_suppressed_and_undated_films_left_out():
    rows = [("A", dt.date(2025, 1, 1), 8.0, 8.0, 0.0)] * 6 + [("B", dt.date(2025, 1, 1), 5.0, 5.0, 0.0)] * 3
    rows += [("A", None, 1.0, 1.0, 0.0)]
    table = summarise(scores(rows), grouping="station", period="month", cutoffs=CUTOFFS, di_bands=(1.0, 3.0), min_cell=5)
    small = table[table["group"] == "B"]
    assert small["suppressed"].all() and small["mean"].isna().all() and (small["n"] == 3).all()
    assert (table.loc[table["group"] == "A", "n"] == 6).all()


def test_periods_are_months_or_iso_weeks_and_bad_arguments_are_refused():
    dates = pd.Series(pd.to_datetime(["2024-12-30", "2025-03-31"]))
    assert period_labels(dates, "week").tolist() == ["2025-W01", "2025-W14"]
    assert period_labels(dates, "month").tolist() == ["2024-12", "2025-03"]
    with pytest.raises(ValueError, match="period must be"):
        period_labels(dates, "day")
    with pytest.raises(ValueError, match="grouping must be"):
        summarise(scores([]), grouping="patient", period="month", cutoffs=CUTOFFS, di_bands=(1, 3), min_cell=5)


def test_a_planted_drop_signals_from_its_month_on_the_right_station_and_dimension():
    from cxrqa.audit.analysis import control_charts, signals

    rng = np.random.default_rng(5)
    rows = []
    for station in ("A", "B"):
        for month in range(1, 13):
            for day in range(1, 17):
                drop = 2.5 if station == "A" and month >= 7 else 0.0
                rows.append((station, dt.date(2025, month, day), rng.normal(8.3, 0.5), rng.normal(8.5, 0.5) - drop, 0.0))
    table = summarise(scores(rows), grouping="station", period="month", cutoffs=CUTOFFS, di_bands=(1.0, 3.0), min_cell=5)
    found = signals(control_charts(table, baseline=[f"2025-{m:02d}" for m in range(1, 7)]))
    assert list(found.columns) == ["group", "dimension", "period", "chart", "rule", "value", "limit"]
    planted = found[(found["group"] == "A") & (found["dimension"] == "sharpness")]
    assert planted["period"].min() == "2025-07"
    assert set(planted.loc[~planted["chart"].isin(["mr", "p"]), "rule"]) == {"below"}
    assert set(planted.loc[planted["chart"].isin(["mr", "p"]), "rule"]) == {"above"}  # a jump; more films below the cut-off
    assert {"i", "xbar", "p", "ewma", "cusum"} <= set(planted["chart"])  # p: no baseline film below the cut-off, yet charted
    elsewhere = found[(found["group"] == "B") | (found["dimension"] == "gray_level")]
    assert len(elsewhere) <= 1, elsewhere


def test_the_baseline_is_the_first_periods_or_a_range_and_needs_two():
    from cxrqa.audit.analysis import baseline_periods

    periods = ["2025-03", "2025-01", "2025-02", "2025-04", "2025-01"]
    assert baseline_periods(periods, 3) == ["2025-01", "2025-02", "2025-03"]
    assert baseline_periods(periods, ("2025-02", "2025-09")) == ["2025-02", "2025-03", "2025-04"]
    with pytest.raises(ValueError, match="holds 1 of the audit's periods"):
        baseline_periods(periods, ["2025-04", "2025-06"])


def test_funnel_limits_are_the_binomial_limits_around_the_median_share():
    from cxrqa.audit.analysis import funnel

    rows = []
    for station, n, below in (("A", 100, 10), ("B", 100, 12), ("C", 50, 5), ("D", 200, 80)):
        rows += [(station, dt.date(2025, 1, 1), 6.0 if i < below else 8.0, 8.0, 0.0) for i in range(n)]
    points, limits = funnel(scores(rows).assign(device_key=lambda f: f["station_name"]), grouping="device",
                            cutoffs=CUTOFFS, min_cell=5)  # fmt: skip
    gray = points[points["dimension"] == "gray_level"].set_index("group")
    p0 = np.median([0.10, 0.12, 0.10, 0.40])
    assert gray["p0"].iloc[0] == pytest.approx(p0)
    assert gray.loc["D", "outside"] == 0.998 and gray.loc["A", "outside"] == 0
    band = limits[(limits["dimension"] == "gray_level") & (limits["level"] == 0.95)].set_index("n")
    n = band.index[len(band) // 2]
    assert band.loc[n, "upper"] == pytest.approx(p0 + 1.959964 * np.sqrt(p0 * (1 - p0) / n), rel=1e-6)


def test_a_changed_device_key_is_reported_with_its_software_and_labelled():
    from cxrqa.audit.analysis import configuration_changes, device_labels

    frame = pd.DataFrame({
        "station_name": ["S1"] * 4 + ["S2"] * 2, "study_date": pd.to_datetime(["2025-01-03", "2025-02-03", "2025-03-01", "2025-03-09", "2025-01-01", "2025-03-01"]),
        "device_key": ["k1", "k1", "k2", "k2", "k3", "k3"], "software_versions": ["1.0", "1.0", "2.0", "2.0", "1.0", "1.0"],
    })  # fmt: skip
    changes = configuration_changes(frame, grouping="station", period="month")
    assert changes.to_dict("records") == [{"group": "S1", "period": "2025-03", "films": 2, "software_before": "1.0", "software_after": "2.0"}]
    assert device_labels(frame) == {"k1": "S1 (sw 1.0)", "k2": "S1 (sw 2.0)", "k3": "S2"}


def test_a_published_summary_blanks_the_count_of_a_suppressed_cell():
    from cxrqa.audit.analysis import publishable

    rows = [("A", dt.date(2025, 1, 1), 8.0, 8.0, 0.0)] * 6 + [("B", dt.date(2025, 1, 1), 5.0, 5.0, 0.0)] * 3
    table = publishable(summarise(scores(rows), grouping="station", period="month", cutoffs=CUTOFFS, di_bands=(1, 3), min_cell=5))
    assert table.loc[table["group"] == "B", "n"].isna().all() and (table.loc[table["group"] == "A", "n"] == 6).all()


def test_the_chart_design_table_gives_each_charts_run_lengths():
    from scipy.stats import norm

    from cxrqa.audit.analysis import chart_design

    table = chart_design(L=3.0, lam=0.2, ewma_L=2.962, k=0.5, h=5.0).set_index("chart")
    assert table.loc["Shewhart (individuals, X-bar, p)", "arl_0"] == pytest.approx(1 / (2 * norm.sf(3.0)))  # 370.4
    assert table.loc["EWMA", "arl_0"] == pytest.approx(500, rel=0.005)  # Montgomery Table 9.11
    assert table.loc["CUSUM", "arl_0"] == pytest.approx(465, rel=0.005) and table.loc["CUSUM", "arl_1"] == pytest.approx(10.4, abs=0.05)  # Table 9.3
