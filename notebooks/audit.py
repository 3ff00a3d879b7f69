# %% [markdown]
# # Quality audit: which device, site or month went wrong, from when, and which films to look at
#
# Every PA chest film of an archive scored by `cxrqa audit` (gray-level and sharpness, the scales
# of the reader study), summarised per group and period and watched with control charts whose
# limits come from a baseline period. All logic lives in `cxrqa.audit` (analysis, review, figures,
# answer) and `cxrqa.stats.spc`; this notebook only calls it. Groups and periods only: no patient
# or operator identity, and group-period cells of fewer films than `min_cell` are suppressed.

# %% tags=["parameters"]
# Paths: given by dvc.yaml (stage report@audit) or -p; None means required.
out = None  # report folder
audit_dir = None  # the audit folder written by cxrqa audit --out (results/audit)
metrics = ""  # this report metrics file; empty means OUT/metrics/audit.json
model_metrics = ""  # optional: the agreement report metrics file (reports/metrics.json), for the test ICC of the models
# Analysis: defaults of params.yaml's audit section.
grouping = "station"
period = "month"
baseline = 3
cutoff = {"gray_level": 7.0, "sharpness": 7.2}
control_limit = 3.5
ewma_lambda = 0.2
ewma_limit = 3.4
cusum_k = 0.5
cusum_h = 6.45
di_target_band = 1.0
di_action_band = 3.0
review_z = 3.0
min_cell = 5
review_length = 24
# Presentation: defaults of params.yaml's report section.
confidence = 0.95
dpi = 150

# %%
import json
from pathlib import Path

from IPython.display import Markdown, display

from cxrqa.audit import analysis, answer, figures, review
from cxrqa.report.output import ReportWriter, write_metrics

writer = ReportWriter(out, "audit", dpi=dpi)
scores, failures, run = answer.load_audit(audit_dir)
summary = analysis.summarise(scores, grouping=grouping, period=period, cutoffs=cutoff,
                             di_bands=(di_target_band, di_action_band), min_cell=min_cell, confidence=confidence)
base = analysis.baseline_periods(summary["period"], baseline)
charts = analysis.control_charts(summary, baseline=base, L=control_limit, lam=ewma_lambda, ewma_L=ewma_limit,
                                 k=cusum_k, h=cusum_h)
signal_table = analysis.signals(charts)
overview = analysis.signal_overview(signal_table, summary, base)
changes = analysis.configuration_changes(scores, grouping=grouping, period=period)
display(Markdown(answer.answer_markdown(overview, changes, grouping=grouping, baseline=base,
                                        n_groups=summary["group"].nunique(), n_periods=summary["period"].nunique())))

# %% [markdown]
# ## The answer at a glance
#
# Each cell counts the charts (of six: individuals, moving range, X-bar, p, EWMA, CUSUM) that
# signal for a group in a period; the hatched periods are the baseline the limits come from.

# %%
display(writer.figure(figures.signal_map(charts, base), "signal_map"))
display(writer.table(overview, "signalled_groups"))
writer.table(signal_table, "signals")
display(Markdown(f"Every signal, one row per chart and period ({len(signal_table)} rows): "
                 f"[signals.csv]({writer.link('tables', 'signals', '.csv')})."))

# %% [markdown]
# ## What was audited, and with which models

# %%
model_record = json.loads(Path(model_metrics).read_text()) if model_metrics else None
display(Markdown(answer.provenance_markdown(run, len(scores), model_record)))
display(writer.table(answer.counts_table(run, len(scores), failures), "files"))

# %% [markdown]
# ## Control charts per group
#
# Per dimension: the period means on an individuals chart (X-bar limits for each period's size
# dashed), the moving range, the share below the cut-off (p chart with probability limits), and
# the EWMA and CUSUM of the standardised means after the baseline. Limits include the error of the
# baseline's own estimates; every chart is set for an in-control average run length of about
# 2000 periods, since an audit watches many charts at once (`cxrqa.audit.analysis.control_charts`).

# %%
display(Markdown("Average run lengths of these constants with a known centre, in control (`arl_0`) and after "
                 "a shift of 1, 2 and 3 standard errors of a period mean:"))
display(writer.table(analysis.chart_design(L=control_limit, lam=ewma_lambda, ewma_L=ewma_limit, k=cusum_k, h=cusum_h),
                     "chart_design"))
display(*writer.figure_each({f"charts_{group}": figures.control_chart_figure(group, frame, base)
                             for group, frame in charts.groupby("group", sort=True)}))
display(writer.csv_only(charts, "control_charts", "Every chart's statistic, centre and limits per group, dimension and period"))
_ = writer.plot_data(summary.loc[~summary["suppressed"], ["group", "dimension", "period", "n", "mean", "share_below"]], "period_means")

# %% [markdown]
# ## Summaries per group and period
#
# n, mean, median and quartiles of each score, the share below the cut-off with its Wilson
# interval, and the Deviation Index (median, share outside the target and the action band).
# Cells with fewer than `min_cell` films are suppressed (`suppressed`, numbers left empty).

# %%
links = []
for kind in analysis.GROUPINGS:
    table = analysis.publishable(summary if kind == grouping else analysis.summarise(
        scores, grouping=kind, period=period, cutoffs=cutoff, di_bands=(di_target_band, di_action_band),
        min_cell=min_cell, confidence=confidence))
    writer.table(table, f"summary_{kind}")
    links.append(f"[per {kind}]({writer.link('tables', f'summary_{kind}', '.csv')}) ({len(table)} rows)")
display(Markdown("Summaries per period: " + ", ".join(links) + "."))
for dimension, cells in summary[~summary["suppressed"]].groupby("dimension", sort=True):
    display(Markdown(f"Mean {dimension.replace('_', '-')} score per {grouping} and {period}:"))
    display(writer.table(cells.pivot(index="group", columns="period", values="mean").reset_index(), f"mean_{dimension}"))

# %% [markdown]
# ## Devices compared: funnel plot
#
# Each device's share of films below the cut-off against its number of films, with 95 % and
# 99.8 % limits around the median share (Spiegelhalter 2005): a device outside the funnel differs
# by more than its volume explains.

# %%
labels = analysis.device_labels(scores)
points, limits = analysis.funnel(scores, grouping="device", cutoffs=cutoff, min_cell=min_cell)
display(writer.figure(figures.funnel_figure(points, limits, labels), "funnel"))
display(writer.table(points.assign(device=points["group"].map(labels)), "funnel_points",
                     columns=["dimension", "device", "n", "n_below", "share_below", "p0", "outside"]))

# %% [markdown]
# ## Score against exposure (Deviation Index) per device
#
# DI = 10 log10(EI / EI_T) from the header, or computed from EI and its target (IEC 62494-1).
# Underexposed films (DI well below 0) with a low gray-level score point to exposure, not
# processing; a low score at a DI near 0 points to processing or the detector.

# %%
display(writer.figure(figures.di_figure(scores, labels, cutoffs=cutoff, bands=(di_target_band, di_action_band)), "score_vs_di"))

# %% [markdown]
# ## Review queue: the films most worth a look
#
# Films below a cut-off, far below their device's usual score (robust z), or with |DI| beyond the
# action band, ordered by the number of reasons and then by how far below its device the film
# lies. Films are named by SOP Instance UID (to retrieve them from PACS), station and date.

# %%
queue = review.review_queue(scores, cutoffs=cutoff, di_band=di_action_band, review_z=review_z, length=review_length)
display(writer.table(queue.drop(columns=["source"]), "review_queue",
                     columns=["rank", "station_name", "study_date", "gray_level", "sharpness", "deviation_index", "reasons"]))
display(writer.figure(figures.contact_sheet(queue), "review_sheet"))

# %%
metrics_path = metrics or str(Path(out) / "metrics" / "audit.json")
write_metrics(metrics_path, answer.headline_metrics(scores, run, signal_table, overview, queue,
                                                    cutoffs=cutoff, di_band=di_action_band))
display(Markdown(f"Headline audit numbers written to `{metrics_path}`."))
