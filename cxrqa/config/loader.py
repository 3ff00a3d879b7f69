"""Strict loading of ``params.yaml`` into typed, frozen dataclasses.

Every section of ``params.yaml`` has a frozen dataclass in :mod:`cxrqa.config.schema`. The loader
checks the YAML against it field by field and fails with a :class:`ConfigError` that names the
file and the dotted key for an unknown key, a missing key or a value of the wrong type. Nothing is
coerced silently except an ``int`` where a ``float`` is expected (YAML writes ``1`` for ``1.0``) and
a list where a tuple is expected.
"""

from __future__ import annotations

import dataclasses
import types
import typing
from pathlib import Path
from typing import Any, Literal, TypeVar, Union

import yaml

T = TypeVar("T")


class ConfigError(ValueError):
    """A ``params.yaml`` key is unknown, missing or of the wrong type."""


def read_yaml(path: str | Path) -> dict[str, Any]:
    """Read a YAML mapping, with a clear error when the file is missing or not a mapping."""
    path = Path(path)
    if not path.is_file():
        raise ConfigError(f"{path}: parameter file not found")
    with path.open(encoding="utf-8") as handle:
        try:
            data = yaml.safe_load(handle)
        except yaml.YAMLError as error:
            raise ConfigError(f"{path}: not valid YAML: {error}") from error
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: the top level must be a mapping of sections")
    return data


def build(cls: type[T], values: Any, *, where: str, source: str | Path) -> T:
    """Build the frozen dataclass ``cls`` from a mapping, checking every key and type.

    Parameters
    ----------
    cls : type
        A dataclass whose fields carry type annotations.
    values : Any
        The mapping read from YAML.
    where : str
        Dotted key of ``values`` in the file, used in error messages.
    source : str or Path
        The file the mapping came from, used in error messages.

    Raises
    ------
    ConfigError
        On an unknown, missing or mistyped key; the message names the key and the file. Every
        field is required: a dataclass default is never used to fill a key the file lacks.
    """
    if not isinstance(values, dict):
        raise ConfigError(f"{source}: '{where}' must be a mapping, got {type(values).__name__}")
    hints = typing.get_type_hints(cls)
    fields = [field.name for field in dataclasses.fields(cls)]
    unknown = sorted(set(values) - set(fields), key=str)  # YAML keys may be numbers too
    if unknown:
        raise ConfigError(
            f"{source}: unknown key '{where}.{unknown[0]}' "
            f"(known keys of '{where}': {', '.join(sorted(fields))})"
        )
    missing = [name for name in fields if name not in values]
    if missing:
        raise ConfigError(f"{source}: missing key '{where}.{missing[0]}'")
    kwargs = {name: _coerce(hints[name], values[name], key=f"{where}.{name}", source=source) for name in fields}
    instance = cls(**kwargs)
    validate = getattr(instance, "validate", None)
    if callable(validate):
        try:
            validate()
        except ValueError as error:
            raise ConfigError(f"{source}: {error}") from error
    return instance


def _coerce(annotation: Any, value: Any, *, key: str, source: str | Path) -> Any:
    origin = typing.get_origin(annotation)
    args = typing.get_args(annotation)
    expected = _describe(annotation)

    def fail() -> typing.NoReturn:
        raise ConfigError(
            f"{source}: key '{key}' must be {expected}, got {value!r} ({type(value).__name__})"
        )

    if dataclasses.is_dataclass(annotation):
        return build(annotation, value, where=key, source=source)
    if origin in (Union, types.UnionType):
        if value is None and type(None) in args:
            return None
        for option in (arg for arg in args if arg is not type(None)):
            try:
                return _coerce(option, value, key=key, source=source)
            except ConfigError:
                continue
        fail()
    if origin is Literal:
        if value in args and type(value) in {type(arg) for arg in args}:
            return value
        fail()
    if origin in (tuple, list):
        if not isinstance(value, (list, tuple)):
            fail()
        if origin is tuple and len(args) == 2 and args[1] is Ellipsis:
            item_types = [args[0]] * len(value)
        elif origin is tuple:
            if len(value) != len(args):
                fail()
            item_types = list(args)
        else:
            item_types = [args[0] if args else Any] * len(value)
        items = [
            _coerce(item, element, key=f"{key}[{index}]", source=source)
            for index, (item, element) in enumerate(zip(item_types, value))
        ]
        return tuple(items) if origin is tuple else items
    if origin is dict:
        if not isinstance(value, dict):
            fail()
        key_type, value_type = args or (Any, Any)
        return {
            _coerce(key_type, k, key=f"{key}.{k}", source=source): _coerce(
                value_type, v, key=f"{key}.{k}", source=source
            )
            for k, v in value.items()
        }
    if annotation is Any:
        return value
    if annotation is bool:
        if isinstance(value, bool):
            return value
        fail()
    if annotation is int:
        if isinstance(value, int) and not isinstance(value, bool):
            return value
        fail()
    if annotation is float:
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return float(value)
        fail()
    if annotation is str:
        if isinstance(value, str):
            return value
        fail()
    if annotation is Path:
        if isinstance(value, str) and value:
            return Path(value)
        fail()
    raise TypeError(f"unsupported annotation {annotation!r} for key '{key}'")


def _describe(annotation: Any) -> str:
    origin = typing.get_origin(annotation)
    args = typing.get_args(annotation)
    if origin is Literal:
        return "one of " + ", ".join(repr(arg) for arg in args)
    if origin in (Union, types.UnionType):
        return " or ".join(_describe(arg) for arg in args)
    if origin in (list, tuple):
        return f"a list of {_describe(args[0]) if args else 'values'}"
    if annotation is type(None):
        return "null"
    if annotation is Path:
        return "a path (string)"
    name = getattr(annotation, "__name__", str(annotation))
    return {"int": "an integer", "float": "a number", "str": "a string", "bool": "true or false"}.get(
        name, name
    )
