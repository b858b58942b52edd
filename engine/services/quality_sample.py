"""Which cases a month's quality review draws: a random sample of each worker's cases.

AAA quality-assurance review: supervisors review a sample of each case manager's records;
NASW Std 9 (evaluation). Plain values in, plain values out, so the draw is checked on numbers
alone and redrawn from the same seed and cases gives the same sample (an auditor can repeat it).
"""
from __future__ import annotations

import random

DEFAULT_SAMPLE_SIZE = 2


def draw_sample(cases_by_worker: dict[int, list[int]], size: int, seed: str) -> dict[int, list[int]]:
    """worker -> up to `size` of their case ids, drawn at random from `seed`; workers and cases
    are walked in order so the seed alone decides the draw, not the order the database read them."""
    if size < 1:
        raise ValueError("the sample size is at least 1")
    rng = random.Random(seed)
    drawn = {}
    for worker in sorted(cases_by_worker):
        ids = sorted(set(cases_by_worker[worker]))
        drawn[worker] = sorted(rng.sample(ids, min(size, len(ids))))
    return drawn
