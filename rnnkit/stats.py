"""Repeat a run over several seeds, summarise the spread, and test paired differences.

A comparison is never one seed: train each model a few times with different seeds
and quote the mean and the spread. Two models scored on the *same* test examples are
compared with a paired test. Example::

    from rnnkit import stats

    def run(seed):                      # trains one model, returns its validation accuracy
        ...
        return accuracy

    acc = stats.over_seeds(run, seeds=[1, 2, 3, 4])
    print(f"accuracy {acc}")            # accuracy 0.912 ± 0.021 (0.889-0.935, 4 seeds)
    acc.mean, acc.sd, acc.min, acc.max  # the numbers themselves

    stats.mcnemar(gru_correct, bow_correct)   # McNemarResult(b=64, c=60, p=0.79)

numpy only: nothing here imports Keras.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple

import numpy as np

__all__ = ["Spread", "over_seeds", "McNemarResult", "mcnemar", "paired_permutation_test"]


@dataclass(frozen=True)
class Spread:
    """The values one measurement took over several seeds.

    ``str(spread)`` reads ``mean ± sd (min–max, n seeds)``; ``format(spread, ".2f")``
    uses that number format for every figure in it. ``sd`` is the sample standard
    deviation (``ddof=1``), 0 for a single value.
    """

    values: tuple[float, ...]

    def __post_init__(self) -> None:
        values = tuple(float(v) for v in self.values)
        if not values:
            raise ValueError("Spread needs at least one value, received none")
        if not all(math.isfinite(v) for v in values):
            raise ValueError(f"Spread needs finite values, received {values}")
        object.__setattr__(self, "values", values)

    @property
    def n(self) -> int:
        return len(self.values)

    @property
    def mean(self) -> float:
        return float(np.mean(self.values))

    @property
    def sd(self) -> float:
        return float(np.std(self.values, ddof=1)) if self.n > 1 else 0.0

    @property
    def min(self) -> float:
        return min(self.values)

    @property
    def max(self) -> float:
        return max(self.values)

    def __format__(self, spec: str) -> str:
        spec = spec or ".3f"
        seeds = "seed" if self.n == 1 else "seeds"
        return (f"{self.mean:{spec}} ± {self.sd:{spec}} "
                f"({self.min:{spec}}–{self.max:{spec}}, {self.n} {seeds})")

    def __str__(self) -> str:
        return format(self)


def over_seeds(run: Callable[[int], Any], seeds: Sequence[int] | int = 3) -> Any:
    """Call ``run(seed)`` once per seed and summarise what it returns.

    Args:
        run: trains and scores one model from ``seed`` (it seeds its own generators,
            e.g. ``keras.utils.set_random_seed(seed)``). It returns a number, or a
            mapping of names to numbers (several scores of the same run).
        seeds: the seeds, or how many (``3`` means seeds 0, 1, 2).

    Returns:
        A :class:`Spread` if ``run`` returns a number, else a dict of them with the
        keys ``run`` returned, in its order.
    """
    if isinstance(seeds, (int, np.integer)) and not isinstance(seeds, bool):
        if seeds < 1:
            raise ValueError(f"seeds must be at least 1, received {seeds}")
        seeds = list(range(int(seeds)))
    seeds = list(seeds)
    if not seeds or len(set(seeds)) != len(seeds):
        raise ValueError(f"seeds must be distinct and not empty, received {seeds}")
    results = [run(seed) for seed in seeds]
    if all(isinstance(r, Mapping) for r in results):
        keys = list(results[0])
        if any(list(r) != keys for r in results):
            raise ValueError(f"run returned different keys for different seeds: {[list(r) for r in results]}")
        return {k: Spread(tuple(r[k] for r in results)) for k in keys}
    if any(isinstance(r, Mapping) for r in results):
        raise ValueError("run must return a number for every seed, or a mapping for every seed")
    return Spread(tuple(results))


class McNemarResult(NamedTuple):
    """``b``: examples only model A got right; ``c``: only model B; ``p``: two-sided exact p-value."""

    b: int
    c: int
    p: float


def _as_bool_vector(name: str, x: Any) -> np.ndarray:
    arr = np.asarray(x)
    if arr.ndim != 1:
        raise ValueError(f"{name} must have shape (n,), received {arr.shape}")
    if arr.dtype != bool and not np.isin(arr, (0, 1)).all():
        raise ValueError(f"{name} must hold True/False (or 0/1) per example")
    return arr.astype(bool)


def mcnemar(a_correct: Any, b_correct: Any) -> McNemarResult:
    """McNemar's exact test: do two models scored on the same examples differ?

    Only the examples they disagree on count: under "no difference" each of them is
    equally likely to favour either model, so ``b`` is Binomial(b + c, 1/2).

    Args:
        a_correct, b_correct: (n,) booleans, whether model A and model B got each
            example right.
    """
    a = _as_bool_vector("a_correct", a_correct)
    b_ = _as_bool_vector("b_correct", b_correct)
    if a.shape != b_.shape:
        raise ValueError(f"a_correct and b_correct must have the same shape, received {a.shape} and {b_.shape}")
    b = int(np.sum(a & ~b_))
    c = int(np.sum(~a & b_))
    n = b + c
    if n == 0:
        return McNemarResult(b, c, 1.0)
    k = min(b, c)
    tail = sum(math.comb(n, i) for i in range(k + 1)) / 2.0**n
    return McNemarResult(b, c, float(min(1.0, 2.0 * tail)))


def paired_permutation_test(a: Any, b: Any, *, rng: np.random.Generator, n_resamples: int = 10_000) -> float:
    """Two-sided p-value that the mean of ``a - b`` is 0, for scores paired by example.

    ``a[i]`` and ``b[i]`` are two models' scores on the same example ``i`` (an error, a
    loss). If the models were interchangeable each difference would be as likely to have
    either sign, so the test flips signs at random and counts how often the mean
    difference is at least as far from 0 as the one observed.
    """
    a_ = np.asarray(a, dtype=np.float64)
    b_ = np.asarray(b, dtype=np.float64)
    if a_.ndim != 1 or a_.shape != b_.shape:
        raise ValueError(f"a and b must both have shape (n,), received {a_.shape} and {b_.shape}")
    if not isinstance(rng, np.random.Generator):
        raise ValueError(f"rng must be a np.random.Generator, received {type(rng).__name__}")
    if n_resamples < 1:
        raise ValueError(f"n_resamples must be at least 1, received {n_resamples}")
    d = a_ - b_
    observed = abs(d.mean())
    extreme, done = 0, 0
    block = max(1, 2_000_000 // max(d.size, 1))  # resamples per block: bounded memory for long test sets
    while done < n_resamples:
        m = min(block, n_resamples - done)
        signs = rng.choice((-1.0, 1.0), size=(m, d.size))
        extreme += int(np.sum(np.abs(signs @ d) / d.size >= observed - 1e-12 * (1.0 + observed)))
        done += m
    return (extreme + 1) / (n_resamples + 1)
