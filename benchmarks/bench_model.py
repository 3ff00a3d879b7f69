"""CPU speed and memory of CaHDC-RGA inference at 768 x 512: plain vs the optimised path.

Prints, in one run with ``torch.set_num_threads(THREADS)``:

- the model's FLOPs per image (``torch.utils.flop_counter``) and the 2-thread float32 matrix
  product rate measured now, hence the compute floor (FLOPs / GEMM rate);
- seconds per image (median and best of interleaved rounds, so that load from other processes
  hits every variant alike) for each step from a plain NCHW float32 forward pass to the optimised
  path that :class:`cxrqa.models.Predictor` uses on the CPU;
- the ratio plain / optimised and the comparison with the 0.4 s target (the paper: 3.03 s);
- peak resident memory of a fresh process running each variant.

Run: ``python benchmarks/bench_model.py [--rounds 5] [--threads 2] [--size 768 512]``.
Numbers are printed, never asserted: the machine is shared and timings are noisy.
"""

from __future__ import annotations

import argparse
import platform
import resource
import statistics
import subprocess
import sys
import time
from collections.abc import Callable

import torch
from torch.utils.flop_counter import FlopCounterMode

from cxrqa.models import CaHDCRGA, FusedCPUForward, tune_cpu_allocator

from _timing import interleaved_times  # benchmarks/_timing.py, beside this script

TARGET_SECONDS = 0.4
PAPER_SECONDS = 3.03

#: Variants timed before the allocator tuning (it is process-wide and cannot be undone).
BEFORE = ("plain", "channels_last", "fused")
#: Variants timed after it; "optimised" is what Predictor does on the CPU.
AFTER = ("plain+alloc", "optimised", "optimised_bs2")


def build(seed: int = 0) -> CaHDCRGA:
    torch.manual_seed(seed)
    return CaHDCRGA(train_size=(768, 512)).eval()


def make_runner(name: str, model: CaHDCRGA, size: tuple[int, int]) -> tuple[Callable[[], object], int]:
    """A no-argument callable for variant ``name`` and the number of images it scores."""
    batch = 2 if name.endswith("_bs2") else 1
    x = torch.randn(batch, 1, *size)
    if name in ("plain", "plain+alloc"):
        plain = model  # NCHW weights, autograd off the cheap way most scripts do it

        def run() -> object:
            with torch.no_grad():
                return plain(x)

        return run, batch
    if name == "channels_last":
        cl_model = build().to(memory_format=torch.channels_last)
        cl_model.load_state_dict(model.state_dict())
        xc = x.contiguous(memory_format=torch.channels_last)

        def run() -> object:
            with torch.inference_mode():
                return cl_model(xc)

        return run, batch
    fast = FusedCPUForward(model)
    if not fast.fused:
        print(f"WARNING: {name}: fused operators unavailable, timing the eager fallback")

    def run() -> object:
        with torch.inference_mode():
            return fast(x)

    return run, batch


def time_variants(names: tuple[str, ...], model: CaHDCRGA, size: tuple[int, int], rounds: int) -> dict[str, list[float]]:
    """Seconds per image of each variant in interleaved rounds."""
    runners = {name: make_runner(name, model, size) for name in names}
    times = interleaved_times({name: run for name, (run, _) in runners.items()}, rounds)
    return {name: [seconds / runners[name][1] for seconds in values] for name, values in times.items()}


def gemm_rate(threads: int, n: int = 2048, repeats: int = 5) -> float:
    """Best float32 matrix-product rate (FLOP/s) with ``threads`` threads."""
    a, b = torch.randn(n, n), torch.randn(n, n)
    a @ b
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        a @ b
        best = min(best, time.perf_counter() - start)
    return 2 * n**3 / best


def count_flops(model: CaHDCRGA, size: tuple[int, int]) -> int:
    with FlopCounterMode(display=False) as counter, torch.no_grad():
        model(torch.randn(1, 1, *size))
    return counter.get_total_flops()


def _rss_bytes() -> int:
    with open("/proc/self/statm") as handle:
        return int(handle.read().split()[1]) * resource.getpagesize()


def _peak_rss_bytes() -> int:
    """Peak RSS of this process image (``VmHWM``; unlike ``ru_maxrss`` it restarts at exec)."""
    with open("/proc/self/status") as handle:
        for line in handle:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) * 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def child_memory(name: str, size: tuple[int, int], threads: int) -> None:
    """Run in a fresh process: print the peak RSS growth of two forward passes, in bytes."""
    torch.set_num_threads(threads)
    model = build()
    if name in AFTER:
        tune_cpu_allocator()
    run, _ = make_runner(name, model, size)
    before = _rss_bytes()
    run()
    run()
    peak = _peak_rss_bytes()
    print(peak - before, peak)


def peak_memory(name: str, size: tuple[int, int], threads: int) -> tuple[float, float]:
    result = subprocess.run(
        [sys.executable, __file__, "--memory-child", name, "--threads", str(threads), "--size", *map(str, size)],
        check=True, capture_output=True, text=True,
    )
    growth, peak = map(int, result.stdout.split()[-2:])
    return growth / 2**20, peak / 2**20


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--size", type=int, nargs=2, default=(768, 512), metavar=("H", "W"))
    parser.add_argument("--no-memory", action="store_true", help="skip the per-variant memory runs")
    parser.add_argument("--memory-child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    size = tuple(args.size)
    if args.memory_child:
        child_memory(args.memory_child, size, args.threads)
        return

    torch.set_num_threads(args.threads)
    model = build()
    flops = count_flops(model, size)
    rate = gemm_rate(args.threads)
    print(f"torch {torch.__version__}, {platform.processor() or platform.machine()}, "
          f"{torch.get_num_threads()} threads, CPU capability {torch.backends.cpu.get_cpu_capability()}")
    print(f"input {size[0]} x {size[1]}: {flops / 1e9:.2f} GFLOP per image "
          f"(torch.utils.flop_counter; convolutions and linear layers)")
    print(f"float32 GEMM now: {rate / 1e9:.0f} GFLOP/s -> compute floor {flops / rate:.3f} s per image")

    times = time_variants(BEFORE, model, size, args.rounds)
    tuned = tune_cpu_allocator()
    times.update(time_variants(AFTER, model, size, args.rounds))

    labels = {
        "plain": "plain NCHW float32, no_grad",
        "channels_last": "channels_last + inference_mode",
        "fused": "+ fused oneDNN conv+ReLU / conv+add+ReLU",
        "plain+alloc": "plain NCHW, allocator tuned",
        "optimised": "optimised: fused + allocator tuned (bs 1)",
        "optimised_bs2": "optimised, batch of 2",
    }
    print(f"\nseconds per image, {args.rounds} interleaved rounds (allocator tuning accepted: {tuned})")
    print(f"{'variant':46s} {'median':>8s} {'best':>8s} {'GFLOP/s':>8s} {'peak MiB':>9s}")
    medians = {}
    for name in (*BEFORE, *AFTER):
        med, best = statistics.median(times[name]), min(times[name])
        medians[name] = med
        memory = "" if args.no_memory else f"{peak_memory(name, size, args.threads)[0]:9.0f}"
        print(f"{labels[name]:46s} {med:8.3f} {best:8.3f} {flops / med / 1e9:8.0f} {memory}")
    plain, fast = medians["plain"], min(medians["optimised"], medians["optimised_bs2"])
    print(f"\nratio plain / optimised (medians): {plain / fast:.2f}x")
    verdict = "meets" if fast <= TARGET_SECONDS else "MISSES"
    print(f"optimised path: {fast:.3f} s per image, {verdict} the {TARGET_SECONDS} s target "
          f"(paper: {PAPER_SECONDS} s per image; floor here {flops / rate:.3f} s)")
    if not args.no_memory:
        print("peak MiB: growth of peak RSS over the RSS after building the model, in a fresh process "
              "running two forward passes of that variant")


if __name__ == "__main__":
    main()
