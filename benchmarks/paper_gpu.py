"""The paper-scale configuration of ``make paper-gpu``, run stage by stage on a CUDA machine.

``make paper-gpu`` runs the whole pipeline as a DVC experiment. This script runs the stages that
experiment changes (simulate, preprocess, split, both trainings, both predictions) with the same
settings on a machine that has torch and a GPU but neither DVC nor the study's data, such as a
lent GPU host that reaches no network. The settings are read from the Makefile's ``paper-gpu``
recipe, so they are defined once. It prints, and writes to ``--out/paper_gpu.json``:

- each dimension's network at 768 x 512 in bf16 autocast, channels-last, batch 32: images per
  second scoring (inference mode) and training (forward, backward and an Adam step);
- each stage's seconds;
- the epochs trained, the kept epoch and its validation ICC(A,1);
- the test split scored once: ICC(A,1) with its CI, Pearson r and mean absolute difference
  against the MOS, the figures of ``reports/metrics.json``;
- the MD5 of the simulated ``ratings.csv`` and of ``splits.csv``, to compare with the default
  pipeline's (``data/raw/ratings.csv``): equal files mean the same study.

``--train-budget-s`` caps the epochs so that each training fits in that many seconds, estimated
from the measured training throughput; the epochs actually trained are reported.

Run: ``python benchmarks/paper_gpu.py --work /tmp/paper --out results/paper_gpu [--epochs 60]
[--train-budget-s 200]``. Figures are printed, never asserted.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import math
import re
import subprocess
import sys
import time
from pathlib import Path

import cxrqa  # noqa: F401  (first: it pins NumPy's and torch's CPU paths before they load)
import numpy as np
import pandas as pd
import torch
import yaml

ROOT = Path(__file__).resolve().parents[1]
DIMENSIONS = ("gray_level", "sharpness")
THROUGHPUT_BATCH = 32


def paper_gpu_overrides(makefile: Path, epochs: int) -> dict[str, object]:
    """The ``-S KEY=VALUE`` settings of the Makefile's ``paper-gpu`` recipe, ``$(PAPER_EPOCHS)`` = ``epochs``."""
    text = makefile.read_text()
    recipe = text[text.index("paper-gpu:") :]
    recipe = recipe[: recipe.find("\n\n")] if "\n\n" in recipe else recipe
    recipe = recipe.replace("$(PAPER_EPOCHS)", str(epochs))
    return {key: yaml.safe_load(value) for key, value in re.findall(r"-S '?([\w.]+)=([^' \\\n]+)'?", recipe)}


def apply_overrides(params: dict, overrides: dict[str, object]) -> dict:
    """``params`` with each dotted key set, as ``dvc exp run -S`` sets it; a key (or section)
    that ``params`` lacks is an error, since ``-S`` would add it silently."""
    for dotted, value in overrides.items():
        node = params
        *parents, leaf = dotted.split(".")
        for part in [*parents, leaf]:
            if not isinstance(node, dict) or part not in node:
                raise KeyError(f"the paper-gpu recipe sets {dotted}, which params.yaml lacks")
            if part != leaf:
                node = node[part]
        node[leaf] = value
    return params


def _timed(run, device: torch.device, rounds: int = 10, warmup: int = 3) -> float:
    """Seconds per call of ``run`` on ``device``, after ``warmup`` calls (one of each on the CPU)."""
    if device.type == "cpu":
        rounds, warmup = 1, 1
    synchronize = torch.cuda.synchronize if device.type == "cuda" else (lambda: None)
    for _ in range(warmup):
        run()
    synchronize()
    started = time.perf_counter()
    for _ in range(rounds):
        run()
    synchronize()
    return (time.perf_counter() - started) / rounds


def throughput(params_path: Path, dimension: str, batch_size: int, device: torch.device) -> dict[str, float]:
    """Images per second of the dimension's paper-scale network, scoring and training, bf16."""
    from cxrqa.config import load_section
    from cxrqa.models import autocast_context, build_loss, build_model, build_optimizer, prepare_model
    from cxrqa.scoring import InputSpec

    model_params = load_section(params_path, "model")
    train_params = load_section(params_path, "train")
    own = train_params.for_dimension(dimension)
    spec = InputSpec.from_params(model_params, own)
    if device.type == "cuda":
        torch.cuda.reset_peak_memory_stats()
    torch.manual_seed(0)
    model = prepare_model(build_model(model_params, init_score=5.5, in_chans=spec.channels), device)
    x = torch.randn(batch_size, spec.channels, *spec.input_size, device=device).contiguous(memory_format=torch.channels_last)
    target = torch.full((batch_size,), 5.5, device=device)

    model.eval()

    def score() -> None:
        with torch.inference_mode(), autocast_context(device):
            model(x)

    score_seconds = _timed(score, device)
    model.train()
    loss_fn = build_loss(model_params, own.loss)
    optimizer, _ = build_optimizer(model, model_params)

    def train_step() -> None:
        with autocast_context(device):
            out = model(x)
        terms = loss_fn(out.score.float(), out.side_scores.float(), target, attention=out.attention, roi_mask=None)
        optimizer.zero_grad(set_to_none=True)
        terms.total.backward()
        optimizer.step()

    train_seconds = _timed(train_step, device)
    return {
        "batch_size": batch_size,
        "input": [spec.channels, *spec.input_size],
        "score_images_per_s": batch_size / score_seconds,
        "train_images_per_s": batch_size / train_seconds,
        "peak_memory_gib": torch.cuda.max_memory_allocated() / 2**30 if device.type == "cuda" else float("nan"),
    }


def run_stage(name: str, argv: list[str], log_dir: Path) -> float:
    """Run ``cxrqa ARGV`` in a fresh process, its output to ``log_dir/NAME.log``; returns seconds."""
    log_dir.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    with open(log_dir / f"{name}.log", "w") as log:
        code = subprocess.run(
            [sys.executable, "-m", "cxrqa.cli", *argv],
            stdout=log, stderr=subprocess.STDOUT, cwd=ROOT,
        ).returncode
    seconds = time.perf_counter() - started
    print(f"{name}: {seconds:.0f} s (exit {code})", flush=True)
    if code != 0:
        print((log_dir / f"{name}.log").read_text()[-3000:], flush=True)
        raise RuntimeError(f"stage {name} failed with exit status {code}")
    return seconds


def test_split_figures(predictions: Path) -> dict[str, float]:
    """ICC(A,1) with its CI, Pearson r and MAD of the test split's scores against the MOS."""
    from cxrqa.stats.icc import icc_pair
    from cxrqa.train.metrics import agreement

    table = pd.read_csv(predictions)
    test = table[table["split"] == "test"]
    score, mos = test["score"].to_numpy(float), test["mos"].to_numpy(float)
    row = icc_pair(score, mos).iloc[0]
    figures = agreement(score, mos)
    return {
        "n": int(len(test)),
        "icc": figures["icc"],
        "icc_ci": [float(row["ci_low"]), float(row["ci_high"])],
        "r": figures["r"],
        "mad": figures["mad"],
        "seconds_per_image": float(test["seconds_per_image"].mean()),
    }


def md5(path: Path) -> str:
    return hashlib.md5(path.read_bytes()).hexdigest()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--work", type=Path, required=True, help="scratch folder for data, models and logs")
    parser.add_argument("--out", type=Path, required=True, help="folder for paper_gpu.json")
    parser.add_argument("--epochs", type=int, default=60, help="PAPER_EPOCHS, the epochs of each dimension")
    parser.add_argument("--train-budget-s", type=float, help="cap the epochs so that each training fits")
    parser.add_argument("--n-images", type=int, help="override simulate.n_images (a quick trial)")
    parser.add_argument("--device", choices=("cuda", "cpu"), default="cuda", help="cpu: a trial of this script itself")
    parser.add_argument("--throughput-batch", type=int, default=THROUGHPUT_BATCH, help="batch of the scoring figures")
    args = parser.parse_args(argv)
    if args.device == "cuda" and not torch.cuda.is_available():
        parser.error("no CUDA device: the paper-scale run needs one")
    device = torch.device(args.device)

    overrides = paper_gpu_overrides(ROOT / "Makefile", args.epochs)
    params = apply_overrides(yaml.safe_load((ROOT / "params.yaml").read_text()), overrides)
    if args.n_images:
        params["simulate"]["n_images"] = args.n_images
    params["train"]["device"] = params["predict"]["device"] = args.device
    args.work.mkdir(parents=True, exist_ok=True)
    args.out.mkdir(parents=True, exist_ok=True)
    params_path = args.work / "params.yaml"
    params_path.write_text(yaml.safe_dump(params, sort_keys=False))
    name = torch.cuda.get_device_name() if device.type == "cuda" else "cpu"
    result: dict = {"device": name, "torch": torch.__version__, "numpy": np.__version__, "overrides": overrides}
    out_file = args.out / "paper_gpu.json"

    def save() -> None:
        out_file.write_text(json.dumps(result, indent=2) + "\n")

    result["throughput"] = {d: throughput(params_path, d, args.throughput_batch, device) for d in DIMENSIONS}
    train_batch = params["train"]["batch_size"]
    result["train_batch_throughput"] = {d: throughput(params_path, d, train_batch, device) for d in DIMENSIONS}
    print(json.dumps({"throughput": result["throughput"], "train_batch": result["train_batch_throughput"]}, indent=1), flush=True)
    save()

    work, logs = args.work, args.work / "logs"
    raw, processed = work / "data" / "raw", work / "data" / "processed"
    p = ["--params", str(params_path)]
    seconds = result["stage_seconds"] = {}
    seconds["simulate"] = run_stage("simulate", ["simulate", *p, "--out", str(raw)], logs)
    seconds["preprocess"] = run_stage(
        "preprocess",
        ["preprocess", *p, "--input", str(raw / "dicom"), "--masks", str(raw / "masks"), "--out", str(processed), "--quiet"],
        logs,
    )
    ratings = raw / "ratings.csv"
    seconds["split"] = run_stage(
        "split", ["split", *p, "--manifest", str(processed / "manifest.csv"), "--ratings", str(ratings), "--out", str(processed / "splits.csv")], logs
    )
    result["md5"] = {"ratings.csv": md5(ratings), "splits.csv": md5(processed / "splits.csv")}
    save()

    splits = pd.read_csv(processed / "splits.csv")
    n_train, n_val = int((splits["split"] == "train").sum()), int((splits["split"] == "validation").sum())
    result["dimensions"] = {}
    for dimension in DIMENSIONS:
        rate = result["train_batch_throughput"][dimension]
        # An epoch: the training images at the measured rate and validation at the scoring rate,
        # doubled for what those rates leave out (drawing batches and patches on the CPU, copying
        # them to the device); plus about 30 s to read the images.
        epoch_s = (n_train / rate["train_images_per_s"] + n_val / rate["score_images_per_s"]) * 2.0
        epochs = args.epochs
        if args.train_budget_s:
            epochs = max(1, min(epochs, math.floor((args.train_budget_s - 30) / epoch_s)))
        model_dir = work / "models" / dimension
        seconds[f"train@{dimension}"] = run_stage(
            f"train_{dimension}",
            ["train", *p, "--dimension", dimension, "--processed", str(processed), "--ratings", str(ratings),
             "--out", str(model_dir), "--epochs", str(epochs), "--no-progress"],
            logs,
        )
        summary = json.loads((model_dir / "summary.json").read_text())
        predictions = work / "predictions" / f"{dimension}.csv"
        seconds[f"predict@{dimension}"] = run_stage(
            f"predict_{dimension}",
            ["predict", *p, "--dimension", dimension, "--model", str(model_dir / "best.pt"), "--processed", str(processed),
             "--ratings", str(ratings), "--out", str(predictions)],
            logs,
        )
        result["dimensions"][dimension] = {
            "epochs": epochs,
            "estimated_epoch_s": epoch_s,
            "best_epoch": summary["best_epoch"],
            "val_icc": summary["best"].get("val_icc"),
            "train_seconds": summary["seconds"],
            "test": test_split_figures(predictions),
        }
        print(json.dumps({dimension: result["dimensions"][dimension]}, indent=1), flush=True)
        save()
    return 0


if __name__ == "__main__":
    sys.exit(main())
