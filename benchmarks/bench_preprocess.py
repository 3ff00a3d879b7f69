"""Throughput and peak memory of ``cxrqa preprocess`` on uncompressed 2000 x 2000 16-bit DICOMs.

Prints images per second (decode + crop + resize + PNG write, ``workers`` processes) and the peak
resident memory of the parent plus the largest worker for batches of growing size; the peak must
not grow with the number of files. Each batch runs in a fresh interpreter so peaks do not carry
over. Usage::

    python benchmarks/bench_preprocess.py [--sizes 16 64] [--workers 2]
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np


def make_files(folder: Path, n: int) -> None:
    """``n`` 2000 x 2000 15-bit MONOCHROME1 CR files made from RG1_UNCR (real chest content)."""
    import pydicom
    from pydicom.data import get_testdata_file
    from scipy import ndimage

    ds = pydicom.dcmread(get_testdata_file("RG1_UNCR.dcm"))
    base = ndimage.zoom(ds.pixel_array.astype(np.float32), (2000 / ds.Rows, 2000 / ds.Columns), order=1)
    rng = np.random.default_rng(0)
    ds.Rows = ds.Columns = 2000
    folder.mkdir(parents=True, exist_ok=True)
    for i in range(n):
        noisy = np.clip(base + rng.normal(0, 50, base.shape), 0, 2**15 - 1).astype(np.uint16)
        ds.PixelData = noisy.tobytes()
        ds.save_as(folder / f"BENCH{i:04d}.dcm")


def run_batch(folder: Path, out: Path, workers: int) -> dict:
    """Preprocess ``folder`` (in this process); returns seconds and peak RSS in MiB."""
    from cxrqa.config import load_section
    from cxrqa.preprocess.pipeline import collect_inputs, make_tasks, preprocess_many

    tasks = make_tasks(collect_inputs([folder]))
    start = time.perf_counter()
    manifest, errors = preprocess_many(tasks, out, load_section(None, "preprocess", {"workers": workers}), progress=False)
    seconds = time.perf_counter() - start
    assert len(errors) == 0, errors
    return {
        "n": len(manifest),
        "seconds": seconds,
        "parent_peak_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "worker_peak_mib": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", nargs="+", type=int, default=[16, 64])
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--_child", nargs=3, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args._child:
        folder, out, workers = args._child
        print(json.dumps(run_batch(Path(folder), Path(out), int(workers))))
        return
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        make_files(tmp / "all", max(args.sizes))
        print(f"uncompressed 2000x2000 16-bit DICOM, {args.workers} workers")
        print(f"{'files':>6} {'seconds':>8} {'images/s':>9} {'parent MiB':>11} {'worker MiB':>11}")
        for n in args.sizes:
            batch = tmp / f"in{n}"
            batch.mkdir()
            for f in sorted((tmp / "all").glob("*.dcm"))[:n]:
                (batch / f.name).symlink_to(f)
            result = subprocess.run(
                [sys.executable, __file__, "--_child", str(batch), str(tmp / f"out{n}"), str(args.workers)],
                capture_output=True, text=True, check=True,
            )  # fmt: skip
            r = json.loads(result.stdout.strip().splitlines()[-1])
            print(f"{r['n']:>6} {r['seconds']:>8.2f} {r['n'] / r['seconds']:>9.2f} {r['parent_peak_mib']:>11.0f} {r['worker_peak_mib']:>11.0f}")


if __name__ == "__main__":
    main()
