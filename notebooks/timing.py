# %% [markdown]
# # Reading time (Table 4)
#
# Meng et al., Results: *Time of image quality assessment*. A reader scores both dimensions
# in one viewing, so each reading counts once per image and reader. The model runs one network
# per dimension; its time for both dimensions is the sum of the two models' seconds per image
# (measured by the prediction stage on its device, shown below). The test compares, image by
# image, the readers' mean seconds with the model's (paired t-test as the paper, and Wilcoxon).
# A split the predict stages did not score (`predict.splits`) shows the readers only.

# %% tags=["parameters"]
# Paths: given by dvc.yaml (stage report@timing) or -p; None means required.
out = None  # report folder
ratings = None  # the readers' scores with their seconds (data/raw/ratings.csv)
splits = None  # image -> split (data/processed/splits.csv)
predictions = None  # folder of <dimension>.csv with the model's seconds per image (results/predictions)
metrics = None  # this report's metrics file (reports/metrics/timing.json)
# Analysis: defaults of params.yaml's report section.
dpi = 150

# %%
from IPython.display import Markdown, display

from cxrqa.io.tables import read_ratings
from cxrqa.report import inputs, plots, timing
from cxrqa.report.output import ReportWriter, write_metrics

writer = ReportWriter(out, "timing", dpi=dpi)
readings = timing.reading_times(read_ratings(ratings), inputs.read_splits(splits))
predicted = inputs.load_predictions(predictions)
model = timing.model_seconds(predicted)
display(Markdown(timing.describe_devices(predicted)))

# %% [markdown]
# ## Table 4: seconds per image by split

# %%
table4, table4_tests = timing.table4(readings, model)
display(writer.table(table4, "table4_reading_time"))
display(writer.csv_only(table4_tests, "table4_tests", "The paired t-tests and Wilcoxon signed-rank tests per split"))
_ = writer.plot_data(readings, "reading_seconds")
display(writer.figure(plots.reading_time_plot(readings, model), "table4_reading_time"))

# %%
display(writer.table(timing.paper_comparison(readings, model), "paper_vs_ours"))
write_metrics(metrics, timing.timing_metrics(readings, model))
display(Markdown(f"Metrics written to `{metrics}`."))
