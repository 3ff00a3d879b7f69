"""cxrqa: no-reference quality assessment of chest radiographs, and audits of whole archives.

Importing the package pins the CPU-dispatched floating-point paths of NumPy, torch and the BLAS
libraries (:mod:`cxrqa.determinism`), so that a study gives the same bytes on any x86-64 CPU.
"""

from cxrqa.determinism import pin_cpu_paths

pin_cpu_paths()
