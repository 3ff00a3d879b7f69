"""The same numbers on any x86-64 CPU: the libraries' CPU-dispatched code paths, pinned.

NumPy, oneDNN (torch's convolutions), torch's own kernels and the BLAS libraries choose at run
time between code paths for the vector extensions of the CPU they run on (SSE, AVX2, AVX-512),
and those paths may round differently: NumPy's AVX-512 ``exp``, ``log`` and ``power`` differ
from its baseline ones in the last bit, and oneDNN's AVX-512 convolutions sum in another order
than its AVX2 ones. A study simulated or trained on one CPU then differs in bytes from the same
study on another, and so does everything downstream. :func:`pin_cpu_paths` sets, before those
libraries load, the environment variables that make each take one path wherever it runs:

``NPY_DISABLE_CPU_FEATURES``
    every target NumPy dispatches to above its baseline (x86-64-v2), so NumPy runs its baseline
    kernels everywhere (about 5 % slower in ``simulate``);
``ONEDNN_MAX_CPU_ISA=AVX2`` and ``ATEN_CPU_CAPABILITY=avx2``
    oneDNN's and torch's kernels at most AVX2 (AVX-512 is left unused; SSE4.1 would double the
    training time, so CPUs without AVX2, older than 2013, take a slower path and may differ);
``MKL_CBWR=COMPATIBLE``
    MKL's conditional numerical reproducibility mode, the same results on Intel and AMD
    (torch's fully connected layers);
``OPENBLAS_CORETYPE=Prescott``
    the SSE3 kernels of the OpenBLAS that NumPy and SciPy bundle.

A variable the user has set is respected, except that NumPy's list is extended rather than
replaced (a user who disables more gets more disabled). The pins act on libraries loaded after
the call: :mod:`cxrqa` calls it on import, so every ``cxrqa`` command, the notebooks' kernels and
the Dask workers (which inherit the environment) run pinned; a program that imports NumPy or
torch before :mod:`cxrqa` keeps the paths they chose.
"""

from __future__ import annotations

import os
from collections.abc import MutableMapping

__all__ = ["NUMPY_DISPATCH_TARGETS", "PINNED", "pin_cpu_paths"]

#: NumPy's x86 dispatch targets above its x86-64-v2 baseline (NumPy 2.4); a test checks that
#: every target the installed NumPy dispatches to is among them.
NUMPY_DISPATCH_TARGETS = ("X86_V3", "X86_V4", "AVX512_ICL", "AVX512_SPR")

#: The environment variables :func:`pin_cpu_paths` sets when unset, with their values.
PINNED = {
    "ONEDNN_MAX_CPU_ISA": "AVX2",
    "ATEN_CPU_CAPABILITY": "avx2",
    "MKL_CBWR": "COMPATIBLE",
    "OPENBLAS_CORETYPE": "Prescott",
}


def pin_cpu_paths(environ: MutableMapping[str, str] | None = None) -> None:
    """Pin the CPU-dispatched code paths of NumPy, oneDNN, torch, MKL and OpenBLAS.

    Parameters
    ----------
    environ : mutable mapping, optional
        The environment to change (default ``os.environ``).

    Examples
    --------
    >>> env = {"NPY_DISABLE_CPU_FEATURES": "AVX512_SPR,X86_V4", "ONEDNN_MAX_CPU_ISA": "SSE41"}
    >>> pin_cpu_paths(env)
    >>> env["NPY_DISABLE_CPU_FEATURES"], env["ONEDNN_MAX_CPU_ISA"], env["ATEN_CPU_CAPABILITY"]
    ('AVX512_SPR X86_V4 X86_V3 AVX512_ICL', 'SSE41', 'avx2')
    """
    environ = os.environ if environ is None else environ
    disabled = environ.get("NPY_DISABLE_CPU_FEATURES", "").replace(",", " ").split()
    disabled += [target for target in NUMPY_DISPATCH_TARGETS if target not in disabled]
    environ["NPY_DISABLE_CPU_FEATURES"] = " ".join(disabled)
    for name, value in PINNED.items():
        environ.setdefault(name, value)
