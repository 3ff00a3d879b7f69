"""Fixtures of the audit tests: a real Orthanc PACS (:mod:`tests.audit.orthanc`)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.audit.orthanc import OrthancServer, available, requires_orthanc, running_orthanc


@pytest.fixture
def orthanc(tmp_path: Path) -> Iterator[OrthancServer]:
    """An empty Orthanc with its DICOMweb plugin, stopped after the test; skips without Orthanc."""
    if not available:
        pytest.skip(requires_orthanc.kwargs["reason"])
    with running_orthanc(tmp_path) as server:
        yield server
