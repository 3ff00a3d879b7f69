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
    table = summarise(scores(rows), grouping="station", period="month", cutoffs=CUTOFFS, di_band=3.0, min_cell=5)
    gray = table[table["dimension"] == "gray_level"].iloc[0]
    assert (gray["n"], gray["n_below"], gray["share_below"]) == (10, 2, 0.2)
    # Wilson (1927) for 2 of 10 at 95 %: 0.0567 to 0.5098
    assert gray["share_ci_low"] == pytest.approx(0.0567, abs=1e-4) and gray["share_ci_high"] == pytest.approx(0.5098, abs=1e-4)
    assert (gray["q1"], gray["median"], gray["q3"]) == pytest.approx((7.05, 7.75, 8.375))  # linear (R type 7)
    assert gray["di_n"] == 9 and gray["di_median"] == 0.0 and gray["di_share_out"] == pytest.approx(2 / 9)
    sharp = table[table["dimension"] == "sharpness"].iloc[0]
    assert sharp["n_below"] == 0 and sharp["share_ci_low"] == 0.0


def test_small_cells_are_suppressed_and_undated_films_left_out():
    rows = [("A", dt.date(2025, 1, 1), 8.0, 8.0, 0.0)] * 6 + [("B", dt.date(2025, 1, 1), 5.0, 5.0, 0.0)] * 3
    rows += [("A", None, 1.0, 1.0, 0.0)]
    table = summarise(scores(rows), grouping="station", period="month", cutoffs=CUTOFFS, di_band=3.0, min_cell=5)
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
        summarise(scores([]), grouping="patient", period="month", cutoffs=CUTOFFS, di_band=3, min_cell=5)


def test_a_planted_drop_signals_from_its_month_on_the_right_station_and_dimension():
    from cxrqa.audit.analysis import signals

    rng = np.random.default_rng(5)
    rows = []
    for station in ("A", "B"):
        for month in range(1, 13):
            for day in range(1, 17):
                drop = 2.5 if station == "A" and month >= 7 else 0.0
                rows.append((station, dt.date(2025, month, day), rng.normal(8.3, 0.5), rng.normal(8.5, 0.5) - drop, 0.0))
    table = summarise(scores(rows), grouping="station", period="month", cutoffs=CUTOFFS, di_band=3.0, min_cell=5)
    found = signals(table, baseline=[f"2025-{m:02d}" for m in range(1, 7)])
    assert list(found.columns) == ["group", "dimension", "period", "chart", "rule", "value", "limit"]
    planted = found[(found["group"] == "A") & (found["dimension"] == "sharpness")]
    assert planted["period"].min() == "2025-07"
    assert set(planted.loc[planted["chart"] != "mr", "rule"]) == {"below"}  # a moving range only rises
    assert {"xbar", "ewma", "cusum"} <= set(planted["chart"])  # no p chart: no baseline film was below the cut-off
    elsewhere = found[(found["group"] == "B") | (found["dimension"] == "gray_level")]
    assert len(elsewhere) <= 2, elsewhere
