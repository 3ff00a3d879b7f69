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
# Paths: given by dvc.yaml (stage report@benchmark) or -p; None means required.
out = None  # report folder
ratings = None  # the readers' 1-10 scores (data/raw/ratings.csv)
acceptability = None  # the acceptability calls (data/raw/acceptability.csv)
splits = None  # image -> split (data/processed/splits.csv)
predictions = None  # folder of <dimension>.csv from the predict stages (results/predictions)
baselines = None  # the baselines stage's scores (results/baselines.csv)
ablations = None  # folder of <name>/<dimension>.csv (results/ablations); skipped when absent
seed_spread = None  # test ICC of the model retrained with other seeds (reports/metrics/seeds.json); skipped when absent
metrics = None  # this report's metrics file (reports/metrics/benchmark.json)
# Analysis: defaults of params.yaml's report section.
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
from cxrqa.report.agreement import convention_words
from cxrqa.report.output import ReportWriter, write_metrics

writer = ReportWriter(out, "benchmark", dpi=dpi)
reader_ratings, calls = benchmark.load_inputs(ratings, acceptability)
mos = inputs.load_mos(ratings, splits)
reference = inputs.reference_standard(acceptability)
model = inputs.load_predictions(predictions)
classical = benchmark.load_baselines(baselines)
ablation, ablation_notes = benchmark.load_ablations(ablations)
display(Markdown(benchmark.describe_ablations(ablations, ablation_notes)))

# %% [markdown]
# ## The single features
#
# The `n_features` single classical measures with the highest ICC(A,1) against the MOS on the
# **validation** split; choosing them on the analysed split would bias their figures upwards.

# %%
features = benchmark.best_features(classical, n=n_features, split="validation")
display(writer.table(features, "chosen_features"))
scores = benchmark.method_scores(model, classical, features, ablation, mos, reader_ratings, split=split)
display(Markdown(benchmark.describe_split(scores, split=split, positive_class=positive_class)))

# %% [markdown]
# ## Every method against the MOS
#
# Readers are compared with the mean of the other readers, every other method with the MOS of all
# readers (a slightly less noisy reference, so the comparison leans a little towards the methods).

# %%
result = benchmark.method_metrics(scores, reference, positive_class=positive_class, confidence=confidence, n_resamples=n_resamples, seed=seed)
display(writer.table(benchmark.summary_table(result), "methods"))
display(writer.csv_only(result, "methods_statistics", "Every statistic of every method (estimate, SE, CI, test, method)"))

# %% [markdown]
# ## Agreement among the readers
#
# All quality readers together (ICC(2,1): one reader; ICC(2,k): their mean, i.e. the MOS) and the
# acceptability readers' Fleiss' kappa (percentile bootstrap CI over images).

# %%
readers = benchmark.reader_agreement(reader_ratings, calls, scores["image_id"].unique(), confidence=confidence, n_resamples=n_resamples, seed=seed)
display(writer.table(readers, "reader_agreement", columns=["dimension", "readers", "metric", "estimate", "ci_low", "ci_high", "p_value"]))

# %% [markdown]
# The human ceiling: per metric, the range of the single readers (each against the mean of the
# others) beside the model, and how many readers do worse than the model (a lower ICC, r, SRCC
# or AUC, a larger MAD).

# %%
display(writer.table(benchmark.ceiling(result), "human_ceiling"))

# %% [markdown]
# ## DeLong tests: the model's AUC against each regressor and ablation
#
# Paired on the same images; estimate = AUC(model) - AUC(other); `p_holm` adjusts the p-values of
# one dimension together (Holm).

# %%
delong = benchmark.delong_table(scores, reference, positive_class=positive_class, confidence=confidence)
display(writer.table(delong, "delong", columns=["dimension", "comparison", "estimate", "ci_low", "ci_high", "p_value", "p_holm"]))

# %% [markdown]
# ## All methods side by side
#
# ICC(A,1) and AUC with their CIs; the grey band spans the single readers (the human ceiling), the
# dotted line marks the model.

# %%
display(writer.figure(forest.forest_plot(result, convention=convention_words(positive_class)), "methods_forest"))
_ = writer.plot_data(result[["dimension", "family", "method", "metric", "estimate", "ci_low", "ci_high"]], "methods")

# %% [markdown]
# ## Verdict
#
# Generated from the numbers above: *beats* means a higher point estimate than every classical
# baseline (regressors and the chosen single features).

# %%
facts = benchmark.verdict_facts(result, delong)
display(writer.markdown(benchmark.verdict_text(facts, delong), "verdict"))

# %% [markdown]
# ## Training's own variance
#
# The model retrained with other seeds (`seeds/dvc.yaml`, run on demand): the test ICC(A,1) of
# each seed, their mean and range. A difference between methods smaller than this range is within
# what retraining alone moves.

# %%
spread, spread_note = benchmark.load_seed_spread(seed_spread)
display(Markdown(spread_note))
if spread is not None:
    display(writer.table(spread, "seed_spread"))

# %%
write_metrics(metrics, benchmark.headline(result, readers, facts, split=split, positive_class=positive_class, ablations=ablation))
display(Markdown(f"Headline metrics written to `{metrics}`."))
