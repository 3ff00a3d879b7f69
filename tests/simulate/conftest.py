"""Shared fixtures: the default study design and a small rendered study."""

from dataclasses import replace
from pathlib import Path

import pytest

from cxrqa.config import load_section
from cxrqa.simulate.study import draw_design, simulate_study

PARAMS = Path(__file__).parents[2] / "params.yaml"


@pytest.fixture(scope="session")
def default_params():
    return load_section(PARAMS, "simulate")


@pytest.fixture(scope="session")
def default_design(default_params):
    """The design of the default study (1138 images), drawn without rendering pixels."""
    return draw_design(default_params, ["RG1_UNCR.dcm"])


@pytest.fixture(scope="session")
def small_params(default_params):
    """Factory of small-study parameters (24 images at 320 x 288, serial) with changes."""

    def make(**changes):
        values = dict(n_images=24, rows=320, cols=288, workers=1)
        values.update(changes)
        return replace(default_params, **values)

    return make


@pytest.fixture(scope="session")
def small_study(small_params, tmp_path_factory):
    """A rendered 24-image study at a small matrix."""
    out = tmp_path_factory.mktemp("study") / "raw"
    return simulate_study(small_params(), out, progress=False)
