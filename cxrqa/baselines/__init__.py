"""Classical no-reference baselines for the CNN: hand-crafted measures and regressors on them.

:mod:`cxrqa.baselines.measures` holds the single-image measures (variance of the Laplacian,
Crete blur effect, edge width and CPBD, noise, entropy, contrast, histogram statistics),
:mod:`cxrqa.baselines.brisque` BRISQUE with the model shipped by the ``brisque`` package,
:mod:`cxrqa.baselines.features` the per-image feature table (whole image and lung ROI, process
pool), and :mod:`cxrqa.baselines.regress` the scikit-learn regressors and single-feature linear
maps scored against the MOS. ``cxrqa baselines`` runs it all. This package never imports torch.
"""
