"""Time 2000-resample BCa bootstrap CIs for AUC and ICC(A,1) at the paper's test-set size.

Run: ``python benchmarks/bench_stats.py``. Prints wall times (best of several runs) next to
the 1-second target; it asserts nothing (timings on shared machines are noisy).
"""

from __future__ import annotations

import time

import numpy as np
import pandas as pd

import cxrqa.stats as cs

N_IMAGES, N_READERS, N_RESAMPLES, REPEATS = 105, 10, 2000, 5


def _best_of(fn) -> float:
    times = []
    for _ in range(REPEATS):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return min(times)


def main() -> None:
    rng = np.random.default_rng(0)
    quality = rng.normal(7.75, 1.24, N_IMAGES)
    acceptable = quality + rng.normal(0, 0.5, N_IMAGES) > 7.0
    model_score = quality + rng.normal(0, 0.4, N_IMAGES)
    ratings = np.clip(np.rint(quality[:, None] + rng.normal(0, 0.4, N_READERS) + rng.normal(0, 0.8, (N_IMAGES, N_READERS))), 1, 10)
    images = pd.DataFrame({"image_id": np.arange(N_IMAGES)})

    def auc_ci():
        return cs.bootstrap(images, lambda w: cs.auc_weighted(acceptable, model_score, w), n_resamples=N_RESAMPLES, method="bca", seed=1)

    def icc_ci():
        return cs.bootstrap(images, lambda w: cs.icc_a1_weighted(ratings, w), n_resamples=N_RESAMPLES, method="bca", seed=1)

    for name, fn in (("AUC", auc_ci), (f"ICC(A,1), {N_READERS} raters", icc_ci)):
        res = fn().iloc[0]
        best = _best_of(fn)
        status = "OK" if best < 1.0 else "MISSED"
        print(
            f"BCa CI, {N_RESAMPLES} resamples, n = {N_IMAGES}: {name:<22} {best * 1000:8.1f} ms "
            f"(target < 1000 ms: {status}); estimate {res.estimate:.4f} [{res.ci_low:.4f}, {res.ci_high:.4f}]"
        )


if __name__ == "__main__":
    main()
