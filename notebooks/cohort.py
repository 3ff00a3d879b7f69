# %% [markdown]
# # Cohort and readers' scores (Table 2, Figure 8)
#
# Meng et al., Results: *Study participants* (Table 2) and *Subjective assessment of experts*
# (Figure 8). Age and sex are read from the DICOM headers (what a user's own study has), the
# mean opinion score (MOS) is the mean of every reader's 1-10 score, and the acceptability
# reference standard is the majority of the acceptability readers. All logic lives in
# `cxrqa.report`; this notebook only calls it.

# %% tags=["parameters"]
# Paths: given by dvc.yaml (stage report@cohort) or -p; None means required.
out = None  # report folder
ratings = None  # the readers' 1-10 scores (data/raw/ratings.csv)
acceptability = None  # the acceptability calls (data/raw/acceptability.csv)
splits = None  # image -> split (data/processed/splits.csv)
dicom_dir = None  # <image_id>.dcm, read for age and sex (data/raw/dicom)
images_dir = None  # preprocessed <image_id>.png for the sample figure (data/processed/images)
metrics = None  # this report's metrics file (reports/metrics/cohort.json)
# Analysis: defaults of params.yaml's report section.
split = "test"
seed = 20221031
n_sample_images = 8
dpi = 150

# %%
from IPython.display import Markdown, display

from cxrqa.report import cohort, inputs, plots
from cxrqa.report.output import ReportWriter, write_metrics

writer = ReportWriter(out, "cohort", dpi=dpi)
split_table = inputs.read_splits(splits)
mos = inputs.load_mos(ratings, splits)
reference = inputs.reference_standard(acceptability)
cohort_frame = cohort.cohort_table(split_table, inputs.read_demographics(dicom_dir, split_table["image_id"]))

# %% [markdown]
# ## Table 2: demographics by split
#
# Age: mean ± SD (range), one-way ANOVA across the splits; sex: n (%), Pearson chi-square
# (no continuity correction), as the paper's MedCalc analysis.

# %%
table2, table2_tests = cohort.table2(cohort_frame)
display(writer.table(table2, "table2_demographics"))
display(writer.csv_only(table2_tests, "table2_tests", "The tests behind the P values, with their effect sizes (eta squared, Cramér's V)"))

# %% [markdown]
# ## Figure 8a: distribution of the MOS
#
# The paper reports the MOS of the training and validation images (n = 1033): gray-level
# 7.75 ± 1.24, sharpness 8.01 ± 1.21. The summary below gives every split and all images.

# %%
summary = cohort.mos_summary(mos)
display(writer.table(summary, "mos_summary"))
display(writer.figure(plots.mos_distribution(cohort.distribution_mos(mos)), "fig8a_mos_distribution"))
_ = writer.plot_data(mos[["dimension", "split", "image_id", "mos"]], "mos")

# %% [markdown]
# ## Figure 8b: sample images with their scores
#
# Images of the analysed split spread over the quality range (one drawn per MOS bin, fixed
# seed). Captions give the gray-level / sharpness MOS; `*` marks an image the majority of the
# acceptability readers called non-acceptable in either dimension.

# %%
samples = cohort.sample_table(mos, reference, split=split, n=n_sample_images, seed=seed)
display(writer.table(samples.drop(columns="caption"), "fig8b_samples"))
display(writer.figure(plots.sample_grid(samples, images_dir), "fig8b_sample_images"))

# %%
cohort_metrics = cohort.cohort_metrics(cohort_frame, mos, reference, table2_tests, split=split)
display(writer.table(cohort.paper_comparison(cohort_metrics, cohort_frame), "paper_vs_ours"))
write_metrics(metrics, cohort_metrics)
display(Markdown(f"Metrics written to `{metrics}`."))
