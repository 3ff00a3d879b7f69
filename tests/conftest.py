"""Fixtures shared by several test folders."""

import importlib.util
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="session")
def paper_gpu():
    """``benchmarks/paper_gpu.py`` as a module (benchmarks/ is not a package), for the
    ``make paper-gpu`` settings it reads from the Makefile."""
    spec = importlib.util.spec_from_file_location("paper_gpu", ROOT / "benchmarks" / "paper_gpu.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module
