# %% [markdown]
# # Baselines, ablations and the human ceiling
#
# Every method against the readers' MOS on the analysed split (`split`, the paper's test set), per
# dimension: the model (CaHDC-RGA), its ablations (when their predictions are present), the
# classical baselines' regressors, the best few single classical measures, and each single reader
# against the mean of the *other* readers (the human ceiling; DESIGN §5). Metrics: ICC(A,1) =
# ICC(2,1) (F-based CI), Pearson r (Fisher z), SRCC and MAD (seeded BCa bootstrap) and the AUC
# against the majority acceptability call (DeLong CI). All logic lives in `cxrqa.report.benchmark`
# and `cxrqa.stats`.

# %% tags=["parameters"]
out = "reports"
ratings = "data/raw/ratings.csv"
acceptability = "data/raw/acceptability.csv"
splits = "data/processed/splits.csv"
predictions = "results/predictions"
baselines = "results/baselines.csv"
ablations = "results/ablations"  # folder of <name>/<dimension>.csv; skipped when absent
metrics = "reports/metrics/benchmark.json"
split = "test"
positive_class = "acceptable"
confidence = 0.95
n_resamples = 2000
seed = 20221031
dpi = 150
n_features = 3  # single classical measures shown per dimension, chosen on the validation split

# %%
from IPython.display import Markdown, display

from cxrqa.report import benchmark, forest, inputs
from cxrqa.report.agreement import CONVENTIONS
from cxrqa.report.output import ReportWriter, write_metrics

writer = ReportWriter(out, "benchmark", dpi=dpi)
reader_ratings, calls = benchmark.load_inputs(ratings, acceptability)
mos = inputs.load_mos(ratings, splits)
reference = inputs.reference_standard(acceptability)
model = inputs.load_predictions(predictions)
classical = benchmark.load_baselines(baselines)
ablation, ablation_notes = benchmark.load_ablations(ablations)
convention = CONVENTIONS[positive_class][2]
display(Markdown("**Ablations** (`" + str(ablations) + "`):\n\n" + "\n".join(f"- {note}" for note in ablation_notes)))

# %% [markdown]
# ## The single features
#
# The `n_features` single classical measures with the highest ICC(A,1) against the MOS on the
# **validation** split; choosing them on the analysed split would bias their figures upwards.

# %%
features = benchmark.best_features(classical, n=n_features, split="validation")
display(writer.table(features, "chosen_features"))
scores = benchmark.method_scores(model, classical, features, ablation, mos, reader_ratings, split=split)
display(Markdown(f"Split **{split}**: {scores[scores['family'] == 'model'].groupby('dimension').size().to_dict()} images. "
                 f"ROC convention in every table: **{convention}**."))

# %% [markdown]
# ## Every method against the MOS
#
# Readers are compared with the mean of the other readers, every other method with the MOS of all
# readers (a slightly less noisy reference, so the comparison leans a little towards the methods).

# %%
result = benchmark.method_metrics(scores, reference, positive_class=positive_class, confidence=confidence, n_resamples=n_resamples, seed=seed)
display(writer.table(benchmark.summary_table(result), "methods"))
_ = writer.table(result, "methods_statistics")

# %% [markdown]
# ## Agreement among the readers
#
# All quality readers together (ICC(2,1): one reader; ICC(2,k): their mean, i.e. the MOS) and the
# acceptability readers' Fleiss' kappa (percentile bootstrap CI over images).

# %%
readers = benchmark.reader_agreement(reader_ratings, calls, scores["image_id"].unique(), confidence=confidence, n_resamples=n_resamples, seed=seed)
display(writer.table(readers, "reader_agreement"))
levels = benchmark.ceiling(result)
display(writer.table(levels, "human_ceiling"))

# %% [markdown]
# ## DeLong tests: the model's AUC against each regressor and ablation
#
# Paired on the same images; estimate = AUC(model) - AUC(other); `p_holm` adjusts the p-values of
# one dimension together (Holm).

# %%
delong = benchmark.delong_table(scores, reference, positive_class=positive_class, confidence=confidence)
display(writer.table(delong, "delong"))

# %% [markdown]
# ## All methods side by side
#
# ICC(A,1) and AUC with their CIs; the grey band spans the single readers (the human ceiling), the
# dotted line marks the model.

# %%
display(writer.figure(forest.forest_plot(result, convention=convention), "methods_forest"))
_ = writer.plot_data(result[["dimension", "family", "method", "metric", "estimate", "ci_low", "ci_high"]], "methods")

# %% [markdown]
# ## Verdict
#
# Generated from the numbers above: *beats* means a higher point estimate than every classical
# baseline (regressors and the chosen single features).

# %%
facts, sentence = benchmark.verdict(result, delong)
display(Markdown(sentence))
_ = writer.path("tables", "verdict", ".md").write_text(sentence + "\n", encoding="utf-8")
write_metrics(metrics, {**benchmark.headline(result, readers, facts), "split": split, "positive_class": positive_class,
                        "ablations": sorted(ablation["ablation"].unique().tolist())})
display(Markdown(f"Headline metrics written to `{metrics}`."))
