"""Options shared by the subcommands, and progress bars that do not flood a log."""

import argparse
import io
from pathlib import Path

from cxrqa.cli_options import add_params_option, add_progress_option
from cxrqa.progress import LOG_INTERVAL_S, progress_bar


def _parser(**kwargs):
    parser = argparse.ArgumentParser()
    add_params_option(parser, "model", "train", **kwargs)
    add_progress_option(parser)
    return parser


def test_quiet_and_no_progress_are_one_flag():
    parser = _parser()
    assert parser.parse_args([]).no_progress is False
    assert parser.parse_args(["--quiet"]).no_progress is True
    assert parser.parse_args(["--no-progress"]).no_progress is True


def test_params_defaults_to_params_yaml_or_to_nothing():
    assert _parser().parse_args([]).params == Path("params.yaml")
    assert _parser(default=None).parse_args([]).params is None
    assert _parser().parse_args(["--params", "x.yaml"]).params == Path("x.yaml")
    assert "'model' and 'train' sections" in " ".join(_parser().format_help().split())


class _Terminal(io.StringIO):
    def isatty(self):
        return True


def test_bars_written_to_a_log_update_rarely(monkeypatch):
    monkeypatch.setattr("sys.stderr", io.StringIO())
    with progress_bar(range(3), disable=False, file=io.StringIO()) as bar:
        assert bar.mininterval == LOG_INTERVAL_S
    monkeypatch.setattr("sys.stderr", _Terminal())
    with progress_bar(range(3), disable=False, file=io.StringIO()) as bar:
        assert bar.mininterval < 1.0
