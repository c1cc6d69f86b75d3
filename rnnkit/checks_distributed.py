"""Checks for the exercises of notebook 16 (data-parallel training).

Same contract as :mod:`rnnkit.checks`: each check runs your function on a few
seeded cases and prints one line starting with ``✓``, or raises
:class:`rnnkit.checks.CheckFailed` saying what is wrong, by how much, and a hint::

    from rnnkit import checks_distributed
    checks_distributed.replica_rows(my_replica_rows)

numpy only: no framework is imported.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from rnnkit.checks import TOOLS, CheckFailed, _call, _cases, _check, _compare, _fail, _mistake, _passed, _variant, hidden_test, hint

__all__ = ["CheckFailed", "hint", "hidden_test", "per_replica_batch", "replica_rows", "scaled_learning_rate"]

CHECKS: tuple[str, ...] = tuple(name for name in __all__ if name[0].islower() and name not in TOOLS)


def _is_int(value: Any) -> bool:
    return isinstance(value, (int, np.integer)) and not isinstance(value, bool)


@_check(more="every replica gets the same number of rows, and together they hold the whole global batch; when the "
        "rows cannot be shared out equally there is no right answer, so the function has to say so with an error",
        reference=("rnnkit.distributed.per_replica_batch",))
def per_replica_batch(fn: Callable[[int, int], int]) -> None:
    """Check ``fn(global_batch, num_replicas) -> rows per replica``, raising ``ValueError`` for an uneven split."""
    name = "per_replica_batch"
    cases = _variant([(32, 4), (64, 8), (6, 3), (5, 1), (8, 8)], [(96, 6), (14, 7), (3, 1), (40, 5)])
    for B, n in cases:
        got = _call(name, fn, B, n)
        if not _is_int(got):
            _fail(name, f"per_replica_batch({B}, {n}) returned {got!r} ({type(got).__name__}); expected an int",
                  "a number of rows is a whole number: the division you want has no remainder and no fraction")
        if n > 1 and got == B * n:
            _fail(name, f"per_replica_batch({B}, {n}) = {got}: that is the global batch times the devices",
                  "the global batch is what all the devices see together; each sees a share of it")
        if got != B // n:
            _fail(name, f"per_replica_batch({B}, {n}) = {got}, expected {B // n}",
                  "how many rows does each device get when the rows are shared out equally?")
    for B, n in _variant([(10, 4), (7, 2)], [(9, 6), (13, 3)]):
        try:
            got = fn(B, n)
        except ValueError:
            continue
        except Exception as exc:  # noqa: BLE001 - any other error is the learner's to see
            _fail(name, f"per_replica_batch({B}, {n}) raised {type(exc).__name__}, expected ValueError",
                  "raise ValueError (with a message naming both numbers) when the batch does not split evenly")
        _fail(name, f"per_replica_batch({B}, {n}) returned {got!r}: {B} rows do not split evenly over {n} replicas",
              "an uneven split must not pass silently: the engines need equal shards, so raise a ValueError")
    _passed(name, f"correct on {len(cases)} even splits, and uneven ones raise ValueError")


@_check(more="replica r holds a block of consecutive rows: the first replica the first B/N rows, the next one the "
        "next B/N, and so on; the units axis is never split",
        reference=("rnnkit.distributed.shard_rows", "rnnkit.distributed.replica_of_row"))
def replica_rows(fn: Callable[[np.ndarray, int, int], np.ndarray]) -> None:
    """Check ``fn(state, num_replicas, replica) -> the rows of state (B, H) that replica ``replica`` holds``."""
    name = "replica_rows"
    tried = 0
    for rng, (B, H, n) in _cases(16, [(8, 3, 4), (6, 5, 2), (12, 4, 3)], hidden=[(10, 4, 5), (9, 2, 3), (16, 6, 4)]):
        state = rng.standard_normal((B, H))
        b = B // n
        for r in range(n):
            got = _call(name, fn, state.copy(), n, r)
            want = state[r * b:(r + 1) * b]
            got_a = np.asarray(got)
            _mistake(name, got, want, [
                (state[r::n], f"replica {r} got every {n}-th row (rows {r}, {r + n}, ...), not a block of consecutive rows",
                 "the engines give each device one contiguous slice of the batch; look at which rows you picked"),
                (state[r * b:(r + 1) * b + 1], "one row too many: the slice runs into the next replica's rows",
                 "check where the slice stops"),
            ])
            if H % n == 0 and got_a.shape == (B, H // n):
                _fail(name, f"replica {r} got shape {got_a.shape}: the units axis was split, not the batch axis",
                      "data parallelism splits the rows (axis 0); every replica keeps all H units of its rows")
            _compare(name, f"replica {r}'s rows", got, want, "which rows of the global batch does replica r train on?")
            tried += 1
    _passed(name, f"correct for every replica on {tried} shards")


@_check(more="the rule keeps the step per example the same: if every step averages over k times as many rows, "
        "it is allowed a k times bigger step",
        reference=("rnnkit.distributed.scaled_learning_rate",))
def scaled_learning_rate(fn: Callable[[float, int, int], float]) -> None:
    """Check ``fn(base_lr, base_batch, global_batch) -> learning rate by the linear scaling rule``."""
    name = "scaled_learning_rate"
    cases = _variant([(0.1, 32, 128), (0.01, 64, 64), (0.5, 256, 64), (1.0, 16, 48)],
                     [(0.2, 32, 96), (0.05, 128, 512), (0.3, 100, 25)])
    for lr, b0, B in cases:
        got = _call(name, fn, lr, b0, B)
        want = lr * B / b0
        try:
            value = float(got)
        except (TypeError, ValueError):
            _fail(name, f"scaled_learning_rate({lr}, {b0}, {B}) returned {type(got).__name__}; expected a number",
                  "return one float, the new learning rate")
        _mistake(name, value, want, [
            (lr * b0 / B, "the ratio is upside down: a bigger batch got a smaller learning rate",
             "the learning rate should grow with the global batch"),
            (lr * np.sqrt(B / b0), "that is the square-root rule, not the linear one",
             "the linear rule scales by the batch ratio itself, not its square root"),
            (lr, "the learning rate did not change", "the batch grew (or shrank): the rule changes the learning rate with it"),
        ])
        _compare(name, f"scaled_learning_rate({lr}, {b0}, {B})", value, want,
                 "by what factor did the global batch grow? the learning rate grows by the same factor")
    _passed(name, f"correct on {len(cases)} cases")
