"""Write a copy of params.yaml with some keys changed (for ablations run as pipeline stages).

    python pipelines/derive_params.py --set model.use_attention=false --out results/ablations/no_attention/params.yaml

Values are parsed as YAML (``false``, ``0``, ``mse``, ``[192, 128]``); every key must already
exist, and the result is checked by the strict loader before it is written.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import yaml

from cxrqa.config import ConfigError, load_params


def derive(source: Path, settings: list[str]) -> dict:
    """``source``'s parameters with each ``dotted.key=value`` of ``settings`` applied."""
    data = yaml.safe_load(source.read_text())
    for setting in settings:
        key, separator, value = setting.partition("=")
        if not separator:
            raise ConfigError(f"--set {setting!r}: expected KEY=VALUE")
        *parents, leaf = key.split(".")
        node = data
        for parent in parents:
            if not isinstance(node, dict) or parent not in node:
                raise ConfigError(f"{source}: no key '{key}' to set")
            node = node[parent]
        if leaf not in node:
            raise ConfigError(f"{source}: no key '{key}' to set")
        node[leaf] = yaml.safe_load(value)
    return data


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--params", default="params.yaml", type=Path)
    parser.add_argument("--set", action="append", default=[], metavar="KEY=VALUE", dest="settings")
    parser.add_argument("--out", required=True, type=Path)
    args = parser.parse_args(argv)
    try:
        data = derive(args.params, args.settings)
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(yaml.safe_dump(data, sort_keys=False))
        load_params(args.out)
    except ConfigError as error:
        args.out.unlink(missing_ok=True)
        print(f"derive_params: error: {error}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
