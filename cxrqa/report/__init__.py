"""Paper-style reports: papermill notebooks over the pipeline's files (DESIGN §6).

Modules, one job each: :mod:`~cxrqa.report.runner` (strict parameters, papermill, reproducible
bytes, HTML), :mod:`~cxrqa.report.command` (``cxrqa report``), :mod:`~cxrqa.report.inputs`
(read the pipeline's files), :mod:`~cxrqa.report.cohort` (Table 2, Figure 8 data),
:mod:`~cxrqa.report.agreement` (Table 3, Figures 9 and 10), :mod:`~cxrqa.report.timing`
(Table 4), :mod:`~cxrqa.report.training` (training summary, attention captions),
:mod:`~cxrqa.report.benchmark` (every method vs the MOS, the human ceiling, DeLong; a package
split into loading, scores, metrics, tables and prose; :mod:`~cxrqa.report.forest` draws it),
:mod:`~cxrqa.report.paper` (published figures), :mod:`~cxrqa.report.plots` (matplotlib figures),
:mod:`~cxrqa.report.output` (files with stable names and bytes) and :mod:`~cxrqa.report.display`
(tables rounded for reading; the CSV keeps full precision). Every statistic is
:mod:`cxrqa.stats`'s. The notebooks in ``notebooks/`` only call these and display what they
return; their input paths are parameters that ``dvc.yaml`` passes. This package never imports
torch.
"""
