# %% [markdown]
# # Training curves and attention maps
#
# Per-epoch curves that DVCLive logged while training each dimension's model (training loss,
# learning rate, validation ICC, r, SRCC, MAD), and the attention maps of CaHDC-RGA over the
# fixed sample of test images that the prediction stage saved as images (this report never
# loads the model).

# %% tags=["parameters"]
# Paths: given by dvc.yaml (stage report@training) or -p; None means required.
out = None  # report folder
train_dir = None  # DVCLive folders <dimension>/ of the train stages (results/train)
attention_dir = None  # attention overlays <dimension>/<image_id>.png (results/predictions/attention)
predictions = None  # folder of <dimension>.csv, for the overlays' captions and the diagnosis (results/predictions)
truth = None  # how the study degraded each image (data/raw/truth.csv), for the diagnosis
metrics = None  # this report's metrics file (reports/metrics/training.json)
# Analysis: defaults of params.yaml's report section.
dpi = 150

# %%
import pandas as pd
from IPython.display import Markdown, display

from cxrqa.report import diagnosis, inputs, plots, training
from cxrqa.report.output import ReportWriter, write_metrics

writer = ReportWriter(out, "training", dpi=dpi)
curves = inputs.load_training_curves(train_dir)
summary = inputs.load_training_summary(train_dir)

# %% [markdown]
# ## Training curves

# %%
display(writer.table(summary, "training_summary"))
if len(curves):
    display(writer.figure(plots.training_curves(curves), "training_curves"))
    _ = writer.plot_data(curves, "curves")
else:
    display(Markdown(f"No DVCLive curves under `{train_dir}`."))

# %% [markdown]
# ## Attention maps over sample test images
#
# Each overlay shows the input beside the attention map (inferno colour map); captions give the
# model score and the readers' MOS.

# %%
overlays = training.attention_overlays(inputs.attention_images(attention_dir), inputs.load_predictions(predictions))
display(writer.table(overlays.drop(columns=["path", "caption"]), "attention_samples"))
display(*writer.figure_each(plots.attention_grids(overlays)))

# %% [markdown]
# ## Where the models err: agreement per degradation kind and severity (validation split)
#
# The validation split's model-vs-MOS pairs by the degradation the study applied (`truth.csv`),
# and within a kind by tertile of its severity: bias = model - MOS, MAE, and Pearson r within
# the group (empty under five films). A diagnosis for choosing models; the test split is not
# looked at this way (`cxrqa.report.diagnosis`).

# %%
diagnosed = diagnosis.error_by_kind(inputs.load_predictions(predictions), pd.read_csv(truth), split="validation")
display(writer.table(diagnosed, "error_by_kind"))

# %%
write_metrics(metrics, training.training_metrics(summary))
display(Markdown(f"Metrics written to `{metrics}`."))
