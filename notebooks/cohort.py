# %% [markdown]
# # Cohort and readers' scores (Table 2, Figure 8)
#
# Meng et al., Results: *Study participants* (Table 2) and *Subjective assessment of experts*
# (Figure 8). Age and sex are read from the DICOM headers (what a user's own study has), the
# mean opinion score (MOS) is the mean of every reader's 1-10 score, and the acceptability
# reference standard is the majority of the acceptability readers. All logic lives in
# `cxrqa.report`; this notebook only calls it.

# %% tags=["parameters"]
out = "reports"
ratings = "data/raw/ratings.csv"
acceptability = "data/raw/acceptability.csv"
splits = "data/processed/splits.csv"
dicom_dir = "data/raw/dicom"
images_dir = "data/processed/images"
metrics = "reports/metrics/cohort.json"
split = "test"
seed = 20221031
n_sample_images = 8
dpi = 150

# %%
from IPython.display import Markdown, display

from cxrqa.report import cohort, inputs, paper, plots
from cxrqa.report.output import ReportWriter, write_metrics

writer = ReportWriter(out, "cohort", dpi=dpi)
split_table = inputs.read_splits(splits)
mos = inputs.load_mos(ratings, splits)
reference = inputs.reference_standard(acceptability)
demographics = inputs.read_demographics(dicom_dir, split_table["image_id"])
cohort_frame = split_table.merge(demographics, on="image_id", how="left")

# %% [markdown]
# ## Table 2: demographics by split
#
# Age: mean ± SD (range), one-way ANOVA across the splits; sex: n (%), Pearson chi-square
# (no continuity correction), as the paper's MedCalc analysis.

# %%
table2, table2_tests = cohort.table2(cohort_frame)
display(writer.table(table2, "table2_demographics"))
display(writer.table(table2_tests, "table2_tests"))

# %% [markdown]
# ## Figure 8a: distribution of the MOS
#
# The paper reports the MOS of the training and validation images (n = 1033): gray-level
# 7.75 ± 1.24, sharpness 8.01 ± 1.21. The summary below gives every split and all images.

# %%
summary = cohort.mos_summary(mos)
display(writer.table(summary, "mos_summary"))
development = mos[mos["split"].isin(["train", "validation"])]
display(writer.figure(plots.mos_distribution(development if len(development) else mos), "fig8a_mos_distribution"))
_ = writer.plot_data(mos[["dimension", "split", "image_id", "mos"]], "mos")

# %% [markdown]
# ## Figure 8b: sample images with their scores
#
# Images of the analysed split spread over the quality range (one drawn per MOS bin, fixed
# seed). Captions give the gray-level / sharpness MOS; `*` marks an image the majority of the
# acceptability readers called non-acceptable in either dimension.

# %%
wide = mos[mos["split"] == split].pivot_table(index="image_id", columns="dimension", values="mos")
chosen = cohort.sample_images(wide, n_sample_images, seed)
flags = reference[reference["image_id"].isin(chosen)].pivot_table(index="image_id", columns="dimension", values="acceptable", aggfunc="first")
samples = wide.loc[chosen].join(flags.add_suffix("_acceptable")).reset_index()
samples["non_acceptable"] = ~samples.filter(like="_acceptable").all(axis=1)
samples["caption"] = (
    samples["image_id"] + "\n" + samples["gray_level"].map("{:.1f}".format) + " / " + samples["sharpness"].map("{:.1f}".format)
    + samples["non_acceptable"].map({True: " *", False: ""})
)
display(writer.table(samples.drop(columns="caption"), "fig8b_samples"))
display(writer.figure(plots.sample_grid(samples, images_dir), "fig8b_sample_images"))

# %%
cohort_metrics = {
    dimension: {
        "mos_mean_development": float(development.loc[development["dimension"] == dimension, "mos"].mean()),
        "mos_sd_development": float(development.loc[development["dimension"] == dimension, "mos"].std(ddof=1)),
        f"non_acceptable_{split}": int((~reference[reference["image_id"].isin(wide.index) & (reference["dimension"] == dimension)]["acceptable"]).sum()),
    }
    for dimension in sorted(mos["dimension"].unique())
}
cohort_metrics["n_images"] = {name: int(count) for name, count in split_table["split"].value_counts().sort_index().items()}
cohort_metrics["age_anova_p"] = float(table2_tests.iloc[0]["p_value"])
cohort_metrics["sex_chi_square_p"] = float(table2_tests.iloc[1]["p_value"])
ours = {(d, "mos_mean"): v["mos_mean_development"] for d, v in cohort_metrics.items() if isinstance(v, dict) and "mos_mean_development" in v}
ours |= {(d, "mos_sd"): v["mos_sd_development"] for d, v in cohort_metrics.items() if isinstance(v, dict) and "mos_sd_development" in v}
ours |= {("both", f"age_mean_{name}"): age for name, age in cohort_frame.groupby("split")["age"].mean().items()}
ours |= {("both", f"male_{name}"): count for name, count in cohort_frame[cohort_frame["sex"] == "M"].groupby("split").size().items()}
ours |= {("both", "age_anova_p"): cohort_metrics["age_anova_p"], ("both", "sex_chi_square_p"): cohort_metrics["sex_chi_square_p"]}
display(writer.table(paper.paper_vs_ours(ours), "paper_vs_ours"))
write_metrics(metrics, cohort_metrics)
display(Markdown(f"Metrics written to `{metrics}`."))
