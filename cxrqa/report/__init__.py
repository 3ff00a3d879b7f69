"""Paper-style reports: papermill notebooks over the pipeline's files (DESIGN §6).

Modules, one job each: :mod:`~cxrqa.report.runner` (strict parameters, papermill, reproducible
bytes, HTML), :mod:`~cxrqa.report.command` (``cxrqa report``), :mod:`~cxrqa.report.inputs`
(read the pipeline's files), :mod:`~cxrqa.report.cohort` (Table 2, Figure 8 data),
:mod:`~cxrqa.report.agreement` (Table 3, Figures 9 and 10), :mod:`~cxrqa.report.timing`
(Table 4), :mod:`~cxrqa.report.benchmark` (every method vs the MOS, the human ceiling, DeLong;
:mod:`~cxrqa.report.forest` draws it), :mod:`~cxrqa.report.paper` (published figures), :mod:`~cxrqa.report.plots`
(matplotlib figures) and :mod:`~cxrqa.report.output` (files with stable names and bytes).
The notebooks in ``notebooks/`` only call these. This package never imports torch.
"""
