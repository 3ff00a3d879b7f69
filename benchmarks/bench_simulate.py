"""Benchmark: the `simulate` stage at the default parameters (target: at most 3 minutes on 2 cores).

Prints wall time, images per second and output size. Run: `python benchmarks/bench_simulate.py`
(optionally `--n-images N`, `--workers W`).
"""

from __future__ import annotations

import argparse
import os
import shutil
import tempfile
import time
from dataclasses import replace
from pathlib import Path

from cxrqa.config import load_section
from cxrqa.io.pool import worker_count
from cxrqa.simulate.study import simulate_study


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--params", default=str(Path(__file__).parents[1] / "params.yaml"))
    parser.add_argument("--n-images", type=int)
    parser.add_argument("--workers", type=int)
    args = parser.parse_args()
    params = load_section(args.params, "simulate", {"n_images": args.n_images, "workers": args.workers})
    folder = Path(tempfile.mkdtemp(prefix="bench_simulate_"))
    try:
        start = time.perf_counter()
        out = simulate_study(params, folder / "raw", progress=False)
        seconds = time.perf_counter() - start
        size = sum(p.stat().st_size for p in out.rglob("*") if p.is_file())
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    workers = worker_count(params.workers, params.n_images)
    print(f"simulate: {params.n_images} images at {params.rows}x{params.cols}, {workers} workers, {os.cpu_count()} CPUs")
    print(f"simulate: wall time {seconds:.1f} s ({params.n_images / seconds:.2f} images/s); target <= 180 s")
    print(f"simulate: output {size / 2**30:.2f} GiB")


if __name__ == "__main__":
    main()
