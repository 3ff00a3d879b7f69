# %% [markdown]
# # The model against the readers (Table 3, Figures 9 and 10, paper vs ours)
#
# Meng et al., Results: *Performance of quantitative scoring by model* (Table 3, Figure 9) and
# *Performance of binary classification by model* (Figure 10). On the analysed split (`split`,
# the paper's test set) the model's score is compared with the readers' MOS (paired t-test,
# ICC(2,1) = ICC(A,1), Pearson r, MAD, Bland-Altman with difference = model - MOS) and with the
# majority acceptability call (ROC). All logic lives in `cxrqa.report` and `cxrqa.stats`.

# %% tags=["parameters"]
# Paths: given by dvc.yaml (stage report@agreement) or -p; None means required.
out = None  # report folder
ratings = None  # the readers' 1-10 scores (data/raw/ratings.csv)
acceptability = None  # the acceptability calls (data/raw/acceptability.csv)
splits = None  # image -> split (data/processed/splits.csv)
predictions = None  # folder of <dimension>.csv from the predict stages (results/predictions)
metrics = None  # the headline metrics file (reports/metrics.json)
# Analysis: defaults of params.yaml's report section.
split = "test"
positive_class = "acceptable"
confidence = 0.95
n_resamples = 2000
seed = 20221031
dpi = 150

# %%
from IPython.display import Markdown, display

from cxrqa.report import agreement, inputs, plots
from cxrqa.report.output import ReportWriter, write_metrics

writer = ReportWriter(out, "agreement", dpi=dpi)
mos = inputs.load_mos(ratings, splits)
pairs = agreement.model_pairs(inputs.load_predictions(predictions), mos, inputs.reference_standard(acceptability), split=split)
display(Markdown(agreement.describe_split(pairs, split=split, positive_class=positive_class)))

# %% [markdown]
# ## Table 3: model vs the readers' MOS
#
# Estimates with their confidence intervals (t-based for the mean difference, F-based for the
# ICC, Fisher z for r, BCa bootstrap for the MAD with a fixed seed).

# %%
stats = agreement.agreement_stats(pairs, confidence=confidence, n_resamples=n_resamples, seed=seed)
display(writer.table(agreement.table3(pairs, stats), "table3_agreement"))
display(writer.csv_only(stats, "table3_statistics", "Every statistic of Table 3 and Figure 9 (estimate, SE, CI, test, method)"))

# %% [markdown]
# ## Figure 9: regression and Bland-Altman
#
# (a/b) model score against the MOS with the least-squares line and the confidence band of the
# line; (c/d) Bland-Altman: bias and 95% limits of agreement, each with its confidence interval
# (approximate, Bland & Altman 1999), difference = model - MOS.

# %%
bands, lines = agreement.regression_lines(pairs, confidence=confidence)
display(writer.table(lines, "fig9_regression_lines"))
display(writer.figure(plots.regression_plot(pairs, bands, lines), "fig9ab_regression"))
display(writer.figure(plots.bland_altman_plot(pairs, stats), "fig9cd_bland_altman"))
_ = writer.plot_data_each(agreement.scatter_plot_data(pairs))

# %% [markdown]
# ## Figure 10: ROC against the majority acceptability call
#
# AUC with DeLong SE and CI; the Youden-optimal cut-off; sensitivity and specificity with
# Clopper-Pearson CIs. The paper's counts (sensitivity 93.90% = 77/82 and 87.95% = 73/83 of
# 105 images) suggest it took *acceptable, score above the cut-off* as positive; the table
# below gives both conventions, and marks the one every other table uses.

# %%
roc_result, curves = agreement.roc_analysis(pairs, positive_class=positive_class, confidence=confidence)
display(writer.table(agreement.convention_table(pairs, used=positive_class, confidence=confidence), "fig10_conventions"))
display(writer.csv_only(roc_result, "fig10_roc_statistics", "Every ROC statistic (AUC with its SEs, cut-offs, sensitivity, specificity, predictive values, with CIs)"))
display(writer.figure(plots.roc_plot(curves, roc_result, convention=agreement.convention_words(positive_class)), "fig10_roc"))
_ = writer.plot_data_each(agreement.roc_plot_data(curves))

# %% [markdown]
# ## The paper's published figures against ours

# %%
display(writer.table(agreement.paper_comparison(stats, roc_result, pairs, positive_class=positive_class), "paper_vs_ours"))

# %%
write_metrics(metrics, agreement.headline_metrics(stats, roc_result, pairs, split=split, positive_class=positive_class))
display(Markdown(f"Headline metrics written to `{metrics}`."))
