"""Benchmark: wall-clock seconds of every stage of the default pipeline, run one after another.

    python benchmarks/time_stages.py                    # every stage, forced (a full `dvc repro -f`)
    python benchmarks/time_stages.py --until predict    # stop after the last predict@ stage
    python benchmarks/time_stages.py --csv stage_times.csv

DVC does not record how long a stage ran, so this runs ``dvc repro --force --single-item STAGE``
for each stage of ``dvc.yaml`` in its listed (dependency) order, times each, and prints a table
with the running total. A stage's persistent outputs (``persist: true``: the training stages'
checkpoints, from which ``cxrqa train`` resumes) are removed first, as a clean clone lacks them;
otherwise a forced training stage would resume its finished run and take seconds. The outputs and ``dvc.lock`` end as after a plain ``dvc repro``. The
project's target is at most 25 minutes for the whole default pipeline (every stage of
``dvc.yaml``) on the 2-core CI machine.

A shared host runs at different speeds at different times (the same unchanged stage has taken
10-20 % longer from one run to the next), so the run is bracketed by a host reference: the
median seconds of a default CPU training step (:func:`bench_train_step.make_step`, the work
that is two thirds of the pipeline), measured before the first stage and after the last
(``--no-reference`` skips it). It shows the host's speed at the two ends only, not a slowdown in
between: compare totals of two runs with their references, and stages within one run.
"""

from __future__ import annotations

import argparse
import csv
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# The stages call dvc, cxrqa and python: take them from this interpreter's environment (.venv).
ENV = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}"}


def stages() -> list[str]:
    """Stage names of the root ``dvc.yaml`` in the order DVC lists them."""
    listed = subprocess.run(["dvc", "stage", "list", "--name-only"], cwd=ROOT, env=ENV, check=True, capture_output=True, text=True)
    return [name for name in listed.stdout.split() if ":" not in name]  # ablations/dvc.yaml:... excluded


def persistent_outputs() -> dict[str, list[Path]]:
    """Paths of the ``persist: true`` outputs of each stage of the root ``dvc.yaml``, by stage name."""
    from dvc.repo import Repo

    with Repo(str(ROOT)) as repo:
        return {stage.addressing: [Path(out.fs_path) for out in stage.outs if out.persist] for stage in repo.index.stages}


def remove(paths: list[Path]) -> None:
    """Delete each path (folder or file) that exists."""
    for path in paths:
        if path.is_dir():
            shutil.rmtree(path)
        elif path.exists():
            path.unlink()


def host_reference(steps: int = 15) -> float:
    """Median seconds of one default training step (batch 8, ``train.num_threads`` threads) now."""
    import statistics

    from cxrqa.config import DEFAULT_PARAMS, load_section  # cxrqa first: it pins the CPU paths of torch and NumPy

    import torch

    from _timing import interleaved_times  # benchmarks/_timing.py, beside this script
    from bench_train_step import make_step

    threads = load_section(DEFAULT_PARAMS, "train").num_threads
    if threads > 0:
        torch.set_num_threads(threads)
    step = make_step(load_section(DEFAULT_PARAMS, "model"), True, True, 8)
    return statistics.median(interleaved_times({"step": step}, steps)["step"])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--until", help="stop after the last stage whose name starts with this (e.g. predict)")
    parser.add_argument("--csv", type=Path, help="also write stage,seconds to this CSV")
    parser.add_argument("--no-reference", action="store_true", help="skip the host reference before and after")
    args = parser.parse_args(argv)
    references = [] if args.no_reference else [host_reference()]
    if references:
        print(f"[time_stages] host reference before: {references[0]:.3f} s per training step", flush=True)
    names = stages()
    if args.until:
        matching = [i for i, name in enumerate(names) if name.startswith(args.until)]
        if not matching:
            parser.error(f"no stage starts with {args.until!r}; stages: {', '.join(names)}")
        names = names[: matching[-1] + 1]
    rows, total = [], 0.0
    persistent = persistent_outputs()
    for name in names:
        remove(persistent.get(name, []))
        started = time.perf_counter()
        done = subprocess.run(["dvc", "repro", "--force", "--single-item", name], cwd=ROOT, env=ENV)
        seconds = time.perf_counter() - started
        if done.returncode != 0:
            print(f"stage {name} failed (exit {done.returncode}) after {seconds:.0f} s", file=sys.stderr)
            return done.returncode
        total += seconds
        rows.append((name, seconds))
        print(f"[time_stages] {name:20s} {seconds:8.1f} s   total {total / 60:6.1f} min", flush=True)
    print("\nstage                 seconds   minutes")
    for name, seconds in rows:
        print(f"{name:20s} {seconds:8.1f} {seconds / 60:9.2f}")
    print(f"{'total':20s} {total:8.1f} {total / 60:9.2f}")
    if references:
        references.append(host_reference())
        print(f"host reference: {references[0]:.3f} s per training step before, {references[1]:.3f} s after")
    if args.csv:
        with args.csv.open("w", newline="") as handle:
            csv.writer(handle).writerows([("stage", "seconds"), *((n, f"{s:.1f}") for n, s in rows)])
    return 0


if __name__ == "__main__":
    sys.exit(main())
