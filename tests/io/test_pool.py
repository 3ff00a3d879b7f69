"""cxrqa.io.pool: the one process-pool recipe of simulate, baselines and preprocess."""

import os
from dataclasses import dataclass

import pytest

from cxrqa.io.pool import process_map, worker_count


@dataclass
class _Tagged:
    """Returns ``(item * factor, the pid of the process that ran it)``; raises on a negative item."""

    factor: int

    def __call__(self, item: int) -> tuple[int, int]:
        if item < 0:
            raise ValueError(f"negative item {item}")
        return item * self.factor, os.getpid()


def test_results_keep_the_input_order_and_come_from_the_workers():
    results = list(process_map(_Tagged(3), list(range(40)), workers=2, chunksize=3))
    assert [value for value, _ in results] == [3 * i for i in range(40)]
    assert os.getpid() not in {pid for _, pid in results}


@pytest.mark.parametrize("workers", [1, 2])
def test_a_job_error_is_raised_here(workers):
    with pytest.raises(ValueError, match="negative item -1"):
        list(process_map(_Tagged(1), [1, 2, -1, 4], workers=workers))


def test_one_worker_or_one_item_runs_in_this_process():
    assert {pid for _, pid in process_map(_Tagged(1), [1, 2, 3], workers=1)} == {os.getpid()}
    assert {pid for _, pid in process_map(_Tagged(1), [5], workers=4)} == {os.getpid()}


def test_zero_workers_means_one_per_core_capped_by_the_items():
    assert worker_count(0) == (os.cpu_count() or 1)
    assert worker_count(0, n_items=1) == 1 and worker_count(8, n_items=3) == 3 and worker_count(2, n_items=0) == 1
