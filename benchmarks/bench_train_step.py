"""CPU cost of one CaHDC-RGA training step: BatchNorm and memory format side by side.

The default configuration trains with a BatchNorm after every convolution
(``train.<dimension>.batch_norm``, :mod:`cxrqa.train.batchnorm`). This prints, in one run with
``torch.set_num_threads(THREADS)``, the seconds per training step (forward, loss, backward,
Adam step, schedule step) of the ``params.yaml`` model with the paper's L_alpha loss (``model.loss``) and
optimiser (``model.optim``), as :func:`cxrqa.train.loop.train_dimension` runs them, on a batch of
``model.train_size`` inputs, for the four combinations of BatchNorm on/off and
channels_last/NCHW; the ratio of each to the default (BatchNorm, channels_last); and the seconds
per validation tile in eval mode for comparison. With ``--compile``, the default variant is also
timed with its model wrapped by :func:`torch.compile` (Inductor; needs a C++ compiler), and the
seconds of its first step, which compiles the forward and backward graphs, are printed apart
(Inductor reuses what an earlier run left in its cache; ``TORCHINDUCTOR_FORCE_DISABLE_CACHES=1``
times a cold compile, as a fresh machine has it).
Training does not compile: DECISIONS.md (twenty-first session) says what the real loop gains and
why it was not taken.

Variants are timed in interleaved rounds (median and best reported), so that load from other
processes hits every variant alike. Numbers are printed, never asserted.

Run: ``python benchmarks/bench_train_step.py [--rounds 5] [--threads 2] [--batch 8] [--compile]``.
"""

from __future__ import annotations

import argparse
import statistics
import time

import torch

from cxrqa.config import DEFAULT_PARAMS, load_section
from cxrqa.models import build_loss, build_model, build_optimizer
from cxrqa.train.batchnorm import attach_batchnorm

from _timing import interleaved_times  # benchmarks/_timing.py, beside this script

#: Initial bias of the score layers (the middle of the 1-10 scale; training uses the training MOS mean).
INIT_SCORE = 5.5

#: Name of the ``--compile`` variant: the default one, its model wrapped by torch.compile.
COMPILED = "batchnorm, channels_last, torch.compile"

VARIANTS = (
    ("batchnorm, channels_last (default)", True, True),
    ("batchnorm, NCHW", True, False),
    ("no batchnorm, channels_last", False, True),
    ("no batchnorm, NCHW", False, False),
)


def make_step(model_params, batch_norm: bool, channels_last: bool, batch: int, compiled: bool = False):
    """A no-argument callable running one training step of a fresh seeded model (its forward
    pass through :func:`torch.compile` when ``compiled``)."""
    torch.manual_seed(0)
    model = build_model(model_params, init_score=INIT_SCORE)
    if batch_norm:
        attach_batchnorm(model)
    memory_format = torch.channels_last if channels_last else torch.contiguous_format
    model = model.to(memory_format=memory_format).train()
    loss_fn = build_loss(model_params, kind="l_alpha")  # squared error costs the same
    optimizer, scheduler = build_optimizer(model, model_params)
    images = torch.randn(batch, 1, *model_params.train_size).contiguous(memory_format=memory_format)
    targets = torch.full((batch,), 5.0)
    forward = torch.compile(model) if compiled else model

    def step() -> None:
        out = forward(images)
        loss = loss_fn(out.score.float(), out.side_scores.float(), targets).total
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()
        scheduler.step()

    return step


def eval_tile_seconds(model_params, tiles: int = 16) -> float:
    """Seconds per tile of an eval-mode forward pass (how validation scores patch models)."""
    model = build_model(model_params, init_score=INIT_SCORE).to(memory_format=torch.channels_last).eval()
    x = torch.randn(tiles, 1, *model_params.train_size).contiguous(memory_format=torch.channels_last)
    with torch.inference_mode():
        model(x)
        started = time.perf_counter()
        model(x)
        return (time.perf_counter() - started) / tiles


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--batch", type=int, default=8, help="images per step (train.batch_size)")
    parser.add_argument("--params", default=str(DEFAULT_PARAMS))
    parser.add_argument("--compile", action="store_true", help="also time the default variant compiled by torch.compile")
    args = parser.parse_args(argv)
    torch.set_num_threads(args.threads)
    model_params = load_section(args.params, "model")
    steps = {name: make_step(model_params, bn, cl, args.batch) for name, bn, cl in VARIANTS}
    if args.compile:
        compiled = make_step(model_params, True, True, args.batch, compiled=True)
        started = time.perf_counter()
        compiled()
        print(f"torch.compile: first step (compiling forward and backward) {time.perf_counter() - started:.1f} s")
        steps[COMPILED] = compiled
    times = interleaved_times(steps, args.rounds)
    h, w = model_params.train_size
    print(f"training step, batch {args.batch} at {h} x {w}, {args.threads} threads, {args.rounds} rounds")
    default = statistics.median(times[VARIANTS[0][0]])
    for name, values in times.items():
        median = statistics.median(values)
        print(f"  {name:38s} median {median:.3f} s  best {min(values):.3f} s  ({median / default:.2f} x default)")
    print(f"eval forward, no batchnorm (folded): {eval_tile_seconds(model_params) * 1000:.1f} ms per {h} x {w} tile")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
