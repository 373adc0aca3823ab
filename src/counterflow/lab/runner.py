"""Many twin runs in parallel processes: jobs in, outcomes out in the jobs' order.

A job is a scenario section (as JSON), assumptions, an end date and a seed; its result is the
run's :class:`~counterflow.lab.outcomes.Outcomes`. Workers are started with the ``spawn`` method
through a context object, so nothing global changes (no ``set_start_method``) and the pool
works the same on every platform. Results do not depend on the number of workers: each job
carries its own seed.
"""

from __future__ import annotations

import datetime as dt
import logging
import multiprocessing
import os
from collections.abc import Callable, Sequence
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from dataclasses import dataclass

import numpy as np

from counterflow.lab.outcomes import Outcomes, summarise
from counterflow.scenario.trafficking import Trafficking
from counterflow.twin.assumptions import Assumptions
from counterflow.twin.model import run_twin

log = logging.getLogger(__name__)
Progress = Callable[[str, int, int], None]


@dataclass(frozen=True)
class Job:
    trafficking_json: str
    assume: Assumptions
    end: dt.date
    seed: int

    @classmethod
    def of(cls, tr: Trafficking, assume: Assumptions, end: dt.date, seed: int) -> Job:
        return cls(tr.model_dump_json(), assume, end, int(seed))


def run_job(job: Job) -> Outcomes:
    tr = Trafficking.model_validate_json(job.trafficking_json)
    return summarise(run_twin(tr, job.end, job.seed, job.assume))


def default_workers() -> int:
    return max(1, min(os.cpu_count() or 1, 8))


def run_jobs(jobs: Sequence[Job], workers: int = 1, progress: Progress | None = None,
             stage: str = "twin runs") -> list[Outcomes]:
    """Run ``jobs`` (in this process when ``workers`` is 1) and return their outcomes in order."""
    n = len(jobs)
    out: list[Outcomes | None] = [None] * n
    tick = progress or (lambda s, d, t: None)
    tick(stage, 0, n)
    if workers <= 1 or n <= 1:
        for i, j in enumerate(jobs):
            out[i] = run_job(j)
            tick(stage, i + 1, n)
        return out  # type: ignore[return-value]
    ctx = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=min(workers, n), mp_context=ctx) as pool:
        # A bounded window of jobs in flight keeps memory flat however long the batch.
        pending: dict = {}
        it = iter(enumerate(jobs))
        done_n = 0
        for i, j in it:
            pending[pool.submit(run_job, j)] = i
            if len(pending) >= 4 * workers:
                break
        while pending:
            done, _ = wait(pending, return_when=FIRST_COMPLETED)
            for f in done:
                out[pending.pop(f)] = f.result()
                done_n += 1
            tick(stage, done_n, n)
            for i, j in it:
                pending[pool.submit(run_job, j)] = i
                if len(pending) >= 4 * workers:
                    break
    log.info("%s: %d runs on %d workers", stage, n, workers)
    return out  # type: ignore[return-value]


def seeds(master: int, n: int, label: int = 0) -> np.ndarray:
    """``n`` run seeds derived from one master seed (and a label, so two uses never share seeds)."""
    ss = np.random.SeedSequence(entropy=master, spawn_key=(label,))
    return ss.generate_state(n, dtype=np.uint32).astype(np.int64)
