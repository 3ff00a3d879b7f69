"""Strict, typed access to ``params.yaml``.

Examples
--------
>>> import tempfile, pathlib
>>> path = pathlib.Path(tempfile.mkdtemp()) / "params.yaml"
>>> _ = path.write_text("simulate:\\n  seed: 1\\n  n_images: -4\\n")
>>> load_section(path, "simulate")  # doctest: +ELLIPSIS
Traceback (most recent call last):
...
cxrqa.config.loader.ConfigError: ...params.yaml: missing key 'simulate.base_images'
"""

from __future__ import annotations

import dataclasses
import reprlib
from pathlib import Path
from typing import Any

from cxrqa.config.loader import ConfigError, build, read_yaml
from cxrqa.config.schema import SECTIONS, SimulateParams

DEFAULT_PARAMS = Path("params.yaml")

#: The parameter file shipped with the package, read when a command is given no ``--params``.
#: It is a copy of the repository's ``params.yaml`` (a test keeps the two identical).
PACKAGED_DEFAULTS = Path(__file__).with_name("defaults.yaml")

__all__ = [
    "ConfigError", "DEFAULT_PARAMS", "PACKAGED_DEFAULTS", "SECTIONS", "SimulateParams", "load_params", "load_section",
]  # fmt: skip


def load_section(path: str | Path | None, section: str, overrides: dict[str, Any] | None = None) -> Any:
    """Load one section of a parameter file as its frozen dataclass.

    Parameters
    ----------
    path : str, Path or None
        The ``params.yaml`` file; ``None`` reads the packaged defaults file
        (:data:`PACKAGED_DEFAULTS`), for commands run without a parameter file.
    section : str
        Top-level section name, a key of :data:`SECTIONS`.
    overrides : dict, optional
        Values that replace the file's (command-line options); ``None`` values are ignored.

    Raises
    ------
    ConfigError
        When the section is missing or not a mapping, or a key is unknown, missing or mistyped.

    Examples
    --------
    >>> load_section(None, "preprocess", {"height": 512, "width": None}).height
    512
    """
    if section not in SECTIONS:
        raise ConfigError(f"no schema for section '{section}' (known: {', '.join(SECTIONS)})")
    path = PACKAGED_DEFAULTS if path is None else path
    data = read_yaml(path)
    if section not in data:
        raise ConfigError(f"{path}: missing section '{section}'")
    values = _section_values(data, section, path)
    values.update({k: v for k, v in (overrides or {}).items() if v is not None})
    return build(SECTIONS[section], values, where=section, source=path)


def load_params(path: str | Path = DEFAULT_PARAMS) -> dict[str, Any]:
    """Load and check every section of a parameter file; unknown sections are errors."""
    data = read_yaml(path)
    unknown = sorted(set(data) - set(SECTIONS))
    if unknown:
        raise ConfigError(
            f"{path}: unknown section '{unknown[0]}' (known: {', '.join(SECTIONS)})"
        )
    return {
        name: build(SECTIONS[name], _section_values(data, name, path), where=name, source=path) for name in data
    }


def _section_values(data: dict[str, Any], section: str, path: str | Path) -> dict[str, Any]:
    """A copy of the mapping of ``section`` in ``data`` read from ``path`` (an empty section is ``{}``).

    Raises
    ------
    ConfigError
        When the section holds a scalar or a list instead of a mapping of keys.
    """
    values = data[section]
    if values is None:
        return {}
    if not isinstance(values, dict):
        raise ConfigError(
            f"{path}: section '{section}' must be a mapping of keys, got {type(values).__name__} {reprlib.repr(values)}"
        )
    return dict(values)


def as_dict(params: Any) -> dict[str, Any]:
    """A plain ``dict`` of a parameter dataclass (paths as strings), for logs and checkpoints."""
    return {
        key: str(value) if isinstance(value, Path) else value
        for key, value in dataclasses.asdict(params).items()
    }
