# %% [markdown]
# # Training curves and attention maps
#
# Per-epoch curves that DVCLive logged while training each dimension's model (training loss,
# learning rate, validation ICC, r, SRCC, MAD), and the attention maps of CaHDC-RGA over the
# fixed sample of test images that the prediction stage saved as images (this report never
# loads the model).

# %% tags=["parameters"]
out = "reports"
train_dir = "results/train"
attention_dir = "results/predictions/attention"
predictions = "results/predictions"
metrics = "reports/metrics/training.json"
dpi = 150

# %%
from IPython.display import Markdown, display

from cxrqa.report import inputs, plots
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
overlays = inputs.attention_images(attention_dir)
scores = inputs.load_predictions(predictions)[["dimension", "image_id", "score", "mos"]]
overlays = overlays.merge(scores, on=["dimension", "image_id"], how="left")
overlays["caption"] = overlays["dimension"] + " " + overlays["image_id"] + "\nmodel " + overlays["score"].map("{:.2f}".format) + ", MOS " + overlays["mos"].map("{:.2f}".format)
display(writer.table(overlays.drop(columns=["path", "caption"]), "attention_samples"))
for dimension, part in overlays.groupby("dimension", sort=True):
    display(writer.figure(plots.attention_grid(part), f"attention_{dimension}"))

# %%
write_metrics(metrics, {dimension: dict(zip(part["metric"], part["value"])) for dimension, part in summary.groupby("dimension", sort=True)})
