# %% [markdown]
# # The model against the readers (Table 3, Figures 9 and 10, paper vs ours)
#
# Meng et al., Results: *Performance of quantitative scoring by model* (Table 3, Figure 9) and
# *Performance of binary classification by model* (Figure 10). On the analysed split (`split`,
# the paper's test set) the model's score is compared with the readers' MOS (paired t-test,
# ICC(2,1) = ICC(A,1), Pearson r, MAD, Bland-Altman with difference = model - MOS) and with the
# majority acceptability call (ROC). All logic lives in `cxrqa.report` and `cxrqa.stats`.

# %% tags=["parameters"]
out = "reports"
ratings = "data/raw/ratings.csv"
acceptability = "data/raw/acceptability.csv"
splits = "data/processed/splits.csv"
predictions = "results/predictions"
metrics = "reports/metrics.json"
split = "test"
positive_class = "acceptable"
confidence = 0.95
n_resamples = 2000
seed = 20221031
dpi = 150

# %%
from IPython.display import Markdown, display

from cxrqa.report import agreement, inputs, paper, plots
from cxrqa.report.output import ReportWriter, write_metrics

writer = ReportWriter(out, "agreement", dpi=dpi)
mos = inputs.load_mos(ratings, splits)
predicted = inputs.load_predictions(predictions)
pairs = (
    predicted[predicted["split"] == split][["dimension", "image_id", "score", "seconds_per_image"]]
    .merge(mos[["dimension", "image_id", "mos"]], on=["dimension", "image_id"], how="inner", validate="one_to_one")
    .merge(inputs.reference_standard(acceptability)[["dimension", "image_id", "acceptable"]], on=["dimension", "image_id"], how="left")
    .sort_values(["dimension", "image_id"], kind="mergesort")
    .reset_index(drop=True)
)
convention = agreement.CONVENTIONS[positive_class][2]
display(Markdown(f"Split **{split}**: {pairs.groupby('dimension').size().to_dict()} images. ROC convention in every table: **{convention}**."))

# %% [markdown]
# ## Table 3: model vs the readers' MOS
#
# Estimates with their confidence intervals (t-based for the mean difference, F-based for the
# ICC, Fisher z for r, BCa bootstrap for the MAD with a fixed seed).

# %%
stats = agreement.agreement_stats(pairs, confidence=confidence, n_resamples=n_resamples, seed=seed)
display(writer.table(agreement.table3(pairs, stats), "table3_agreement"))
display(writer.table(stats, "table3_statistics"))

# %% [markdown]
# ## Figure 9: regression and Bland-Altman
#
# (a/b) model score against the MOS with the least-squares line and the confidence band of the
# line; (c/d) Bland-Altman: bias and 95% limits of agreement, each with its confidence interval
# (approximate, Bland & Altman 1999), difference = model - MOS.

# %%
bands, lines = [], []
for dimension, part in pairs.groupby("dimension", sort=True):
    band, line = agreement.regression_band(part["mos"], part["score"], confidence=confidence)
    bands.append(band.assign(dimension=dimension))
    lines.append({"dimension": dimension, **line})
bands = agreement.pd.concat(bands, ignore_index=True)
lines = agreement.pd.DataFrame(lines)
display(writer.table(lines, "fig9_regression_lines"))
display(writer.figure(plots.regression_plot(pairs, bands, lines), "fig9ab_regression"))
display(writer.figure(plots.bland_altman_plot(pairs, stats), "fig9cd_bland_altman"))
for dimension, part in pairs.groupby("dimension", sort=True):
    _ = writer.plot_data(part[["image_id", "mos", "score"]], f"scatter_{dimension}")
    _ = writer.plot_data(part.assign(mean=(part["score"] + part["mos"]) / 2, difference=part["score"] - part["mos"])[["image_id", "mean", "difference"]], f"bland_altman_{dimension}")

# %% [markdown]
# ## Figure 10: ROC against the majority acceptability call
#
# AUC with DeLong SE and CI; the Youden-optimal cut-off; sensitivity and specificity with
# Clopper-Pearson CIs. The paper's counts (sensitivity 93.90% = 77/82 and 87.95% = 73/83 of
# 105 images) suggest it took *acceptable, score above the cut-off* as positive; the table
# below gives both conventions, and marks the one every other table uses.

# %%
roc_result, curves = agreement.roc_analysis(pairs, positive_class=positive_class, confidence=confidence)
display(writer.table(roc_result, "fig10_roc_statistics"))
display(writer.table(agreement.convention_table(pairs, used=positive_class, confidence=confidence), "fig10_conventions"))
display(writer.figure(plots.roc_plot(curves, roc_result, convention=convention), "fig10_roc"))
for dimension, part in curves.groupby("dimension", sort=True):
    _ = writer.plot_data(part[["fpr", "sensitivity", "threshold"]].replace([float("inf"), float("-inf")], float("nan")), f"roc_{dimension}")

# %% [markdown]
# ## The paper's published figures against ours

# %%
headline = agreement.headline(stats, roc_result)
ours = {(dimension, key): value for dimension, values in headline.items() for key, value in values.items()}
for dimension, part in pairs.groupby("dimension", sort=True):
    ours.update({
        (dimension, "test_mos_mean"): part["mos"].mean(), (dimension, "test_mos_sd"): part["mos"].std(ddof=1),
        (dimension, "test_model_mean"): part["score"].mean(), (dimension, "test_model_sd"): part["score"].std(ddof=1),
    })
display(writer.table(paper.paper_vs_ours(ours, convention=convention), "paper_vs_ours"))

# %%
for dimension in headline:
    headline[dimension]["seconds_per_image"] = float(pairs.loc[pairs["dimension"] == dimension, "seconds_per_image"].mean())
write_metrics(metrics, {**headline, "split": split, "positive_class": positive_class})
display(Markdown(f"Headline metrics written to `{metrics}`."))
