# %% [markdown]
# # Reading time (Table 4)
#
# Meng et al., Results: *Time of image quality assessment*. A reader scores both dimensions
# in one viewing, so each reading counts once per image and reader. The model runs one network
# per dimension; its time for both dimensions is the sum of the two models' seconds per image
# (measured by the prediction stage on its device, shown below). The test compares, image by
# image, the readers' mean seconds with the model's (paired t-test as the paper, and Wilcoxon).

# %% tags=["parameters"]
out = "reports"
ratings = "data/raw/ratings.csv"
splits = "data/processed/splits.csv"
predictions = "results/predictions"
metrics = "reports/metrics/timing.json"
dpi = 150

# %%
from IPython.display import Markdown, display

from cxrqa.io.tables import read_ratings
from cxrqa.report import inputs, paper, plots, timing
from cxrqa.report.output import ReportWriter, write_metrics

writer = ReportWriter(out, "timing", dpi=dpi)
readings = timing.reading_times(read_ratings(ratings), inputs.read_splits(splits))
predicted = inputs.load_predictions(predictions)
model = timing.model_seconds(predicted)
devices = predicted.groupby("dimension")[["device", "batch_size"]].first().reset_index()
display(Markdown("Model timing measured on: " + ", ".join(f"{r.dimension}: {r.device}, batch {r.batch_size}" for r in devices.itertuples())))

# %% [markdown]
# ## Table 4: seconds per image by split

# %%
table4, table4_tests = timing.table4(readings, model)
display(writer.table(table4, "table4_reading_time"))
display(writer.table(table4_tests, "table4_tests"))
_ = writer.plot_data(readings, "reading_seconds")
writer.figure(plots.reading_time_plot(readings, model), "table4_reading_time")

# %%
by_split = readings.groupby("split")["seconds"].mean()
model_by_split = model.groupby("split")["both"].mean()
timing_metrics = {
    "reader_seconds_mean": {name: float(value) for name, value in by_split.items()},
    "model_seconds_both_mean": {name: float(value) for name, value in model_by_split.items()},
}
ours = {("both", "reader_seconds_test"): by_split.get("test", float("nan")), ("both", "model_seconds_test"): model_by_split.get("test", float("nan"))}
display(writer.table(paper.paper_vs_ours(ours), "paper_vs_ours"))
write_metrics(metrics, timing_metrics)
