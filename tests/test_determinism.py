"""The same study on any x86-64 CPU: the CPU-dispatched code paths are pinned (cxrqa.determinism).

A machine without AVX-512 (or without AVX2) is emulated on this one with the libraries' own
switches: NumPy's ``NPY_DISABLE_CPU_FEATURES``. A study simulated under that emulation must be
byte-identical to one simulated with everything the CPU offers, because importing cxrqa pins NumPy
to its baseline kernels either way.
"""

import hashlib
import os
import subprocess
import sys
from pathlib import Path

import pytest

from cxrqa.determinism import NUMPY_DISPATCH_TARGETS, PINNED

ROOT = Path(__file__).resolve().parents[1]

_SIMULATE = """
import hashlib, sys, tempfile
from dataclasses import replace
from pathlib import Path
{first}
from cxrqa.config import load_section
from cxrqa.simulate.study import simulate_study
params = replace(load_section("params.yaml", "simulate"), n_images=10, rows=320, cols=288, workers=1)
out = simulate_study(params, Path(tempfile.mkdtemp()) / "raw", progress=False)
digest = hashlib.sha256()
for path in sorted((out / "dicom").glob("*.dcm")):
    digest.update(path.read_bytes())
print(digest.hexdigest())
"""


def _clean_env(**extra: str) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if key not in {"NPY_DISABLE_CPU_FEATURES", *PINNED}}
    return {**env, **extra}


def _simulated_digest(env: dict[str, str], numpy_first: bool = False) -> str:
    script = _SIMULATE.format(first="import numpy" if numpy_first else "")
    done = subprocess.run([sys.executable, "-c", script], cwd=ROOT, env=env, capture_output=True, text=True, check=True)
    return done.stdout.strip()


def _cpu_has(feature: str) -> bool:
    probe = "import numpy; from numpy._core import _multiarray_umath as m; print(m.__cpu_features__.get(%r, False))" % feature
    done = subprocess.run([sys.executable, "-c", probe], env=_clean_env(), capture_output=True, text=True, check=True)
    return done.stdout.strip() == "True"


def test_importing_cxrqa_pins_every_numpy_dispatch_target_and_torch_to_avx2():
    probe = (
        "import json, cxrqa, numpy, torch; from numpy._core import _multiarray_umath as m; "
        "print(json.dumps({'dispatch': m.__cpu_dispatch__, 'on': [t for t in m.__cpu_dispatch__ if m.__cpu_features__.get(t)], "
        "'torch': torch.backends.cpu.get_cpu_capability()}))"
    )
    import json

    done = subprocess.run([sys.executable, "-c", probe], env=_clean_env(), capture_output=True, text=True, check=True)
    found = json.loads(done.stdout)
    assert set(found["dispatch"]) <= set(NUMPY_DISPATCH_TARGETS), "a NumPy upgrade added dispatch targets: list them"
    assert found["on"] == []
    assert found["torch"] in ("AVX2", "DEFAULT", "NO AVX")


#: NPY_DISABLE_CPU_FEATURES that switches off a CPU's widest vector extension, by NumPy's name for it.
_SWITCH_OFF = {"X86_V4": "X86_V4 AVX512_ICL AVX512_SPR", "X86_V3": "X86_V3"}


@pytest.mark.slow
def test_a_study_is_byte_identical_without_avx512_or_avx2():
    pinned = _simulated_digest(_clean_env())
    for switched_off in _SWITCH_OFF.values():
        assert _simulated_digest(_clean_env(NPY_DISABLE_CPU_FEATURES=switched_off)) == pinned, switched_off


@pytest.mark.slow
def test_without_the_pins_the_cpus_widest_extension_changes_the_study():
    """The control: NumPy loaded before cxrqa keeps the kernels of the CPU's widest extension
    (AVX-512, else AVX2), and switching that extension off moves the bytes."""
    widest = next((feature for feature in _SWITCH_OFF if _cpu_has(feature)), None)
    if widest is None:
        pytest.skip("this CPU has neither AVX-512 nor AVX2 to compare against")
    unpinned = _simulated_digest(_clean_env(), numpy_first=True)
    switched_off = _simulated_digest(_clean_env(NPY_DISABLE_CPU_FEATURES=_SWITCH_OFF[widest]), numpy_first=True)
    assert unpinned != switched_off
