"""Benchmark: end-to-end seconds from a DICOM file to both quality scores (`cxrqa score`).

Writes N simulated 1024 x 864 DX DICOM files, then runs the same code as `cxrqa score` (decode,
diagnostic-region crop, resize to 768 x 512, both dimensions' models) and prints seconds per
image for the whole path and for its parts. Uses the trained checkpoints in `models/` when they
exist; otherwise freshly initialised models of the `model`/`train` configuration in params.yaml
(speed does not depend on the weights). Run: `python benchmarks/bench_score.py [--n 20]`.
"""

from __future__ import annotations

import argparse
import datetime as dt
import tempfile
import time
from pathlib import Path

import numpy as np
import torch

from cxrqa.config import load_section
from cxrqa.io.tables import DIMENSIONS
from cxrqa.models import build_model, save_checkpoint
from cxrqa.preprocess.pipeline import make_tasks, preprocess_many
from cxrqa.scoring import InputSpec, Scorer
from cxrqa.simulate.degrade import apply_degradations, draw_degradation
from cxrqa.simulate.dicom_writer import write_radiograph
from cxrqa.simulate.phantom import render_phantom

ROOT = Path(__file__).parents[1]


def checkpoints(folder: Path) -> dict[str, Path]:
    """Trained checkpoints when present, else untrained ones of the configured shape."""
    found = {d: ROOT / "models" / d / "best.pt" for d in DIMENSIONS}
    if all(p.is_file() for p in found.values()):
        return found
    model_params = load_section(ROOT / "params.yaml", "model")
    train_params = load_section(ROOT / "params.yaml", "train")
    made = {}
    for dimension in DIMENSIONS:
        spec = InputSpec.from_params(model_params, train_params.for_dimension(dimension))
        model = build_model(model_params, init_score=8.0, in_chans=spec.channels)
        made[dimension] = save_checkpoint(folder / f"{dimension}.pt", model, {}, spec.to_dict())
    return made


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=20, help="DICOM files to score")
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    with tempfile.TemporaryDirectory() as work:
        work = Path(work)
        rng = np.random.default_rng(0)
        (work / "dicom").mkdir()
        for index in range(args.n):
            phantom = render_phantom(1024, 864, rng)
            display = apply_degradations(phantom.attenuation, phantom.attenuation > 0.05, draw_degradation(8.0, 8.0, rng), rng)
            write_radiograph(
                work / "dicom" / f"B{index:03d}.dcm", display, image_id=f"B{index:03d}", vendor=("Canon", "GE", "Siemens", "Philips")[index % 4],
                centre="Centre A", patient_age=50, patient_sex="M", study_date=dt.date(2019, 7, 1), seed=0,
            )
        models = checkpoints(work)
        params = load_section(ROOT / "params.yaml", "preprocess")
        start = time.perf_counter()
        manifest, _ = preprocess_many(make_tasks(sorted((work / "dicom").glob("*.dcm"))), work / "out", params, progress=False)
        preprocess = time.perf_counter() - start
        paths = [work / "out" / "images" / f"{i}.png" for i in manifest["image_id"]]
        model_seconds = {}
        for dimension, checkpoint in models.items():
            t = time.perf_counter()
            Scorer(checkpoint).score_files(paths)
            model_seconds[dimension] = time.perf_counter() - t
        total = time.perf_counter() - start
    n = len(paths)
    print(f"score: {n} DICOM files 1024x864, {args.threads} threads, models: {'trained' if 'models' in str(models['gray_level']) else 'untrained (same shape)'}")
    print(f"score: decode+crop+resize {preprocess / n:.3f} s/image (process pool, all cores)")
    for dimension, seconds in model_seconds.items():
        print(f"score: {dimension} model incl. PNG load {seconds / n:.3f} s/image")
    print(f"score: end to end, DICOM file to both scores: {total / n:.3f} s/image (paper: 3.03 s)")


if __name__ == "__main__":
    main()
