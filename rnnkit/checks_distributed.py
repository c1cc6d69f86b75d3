"""Checks for the exercises of notebook 16 (data-parallel training).

Same contract as :mod:`rnnkit.checks`: each check runs your function on a few
seeded cases and prints one line starting with ``✓``, or raises
:class:`rnnkit.checks.CheckFailed` saying what is wrong, by how much, and a hint::

    from rnnkit import checks_distributed
    checks_distributed.where_is_row(my_where_is_row)

numpy only: no framework is imported.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from typing import Any

import numpy as np

from rnnkit.checks import TOOLS, CheckFailed, _call, _check, _compare, _fail, _mistake, _passed, _variant, hidden_test, hint

__all__ = ["CheckFailed", "hint", "hidden_test", "per_device_batch", "where_is_row", "scaled_learning_rate"]

CHECKS: tuple[str, ...] = tuple(name for name in __all__ if name[0].islower() and name not in TOOLS)


def _is_int(value: Any) -> bool:
    return isinstance(value, (int, np.integer)) and not isinstance(value, bool)


def _names(message: str, number: int) -> bool:
    """True if ``number`` appears in ``message`` as a whole number (10 in "10 rows", not in "100")."""
    return re.search(rf"(?<!\d){number}(?!\d)", message) is not None


@_check(more="only the mesh axis called batch splits the rows: every device along it gets an equal block, and the "
        "devices along the model axis hold the same rows (they split the weights instead); when the rows cannot be "
        "shared out equally there is no right answer, so the function has to say so with an error",
        reference=("rnnkit.distributed.per_replica_batch",))
def per_device_batch(fn: Callable[[int, tuple[int, ...]], int]) -> None:
    """Check ``fn(global_batch, mesh_shape) -> rows per device``, raising ``ValueError`` for an uneven split.

    ``mesh_shape`` is ``(N,)`` for data parallelism (one "batch" axis) or ``(n_batch, n_model)`` for a
    ``ModelParallel`` mesh ("batch" x "model"); only the batch axis splits the rows.
    """
    name = "per_device_batch"
    cases = _variant([(32, (4,)), (64, (8,)), (32, (2, 2)), (6, (2, 4)), (48, (4, 2)), (5, (1,)), (8, (8,))],
                     [(96, (6,)), (40, (2, 4)), (14, (7,)), (24, (3, 2)), (3, (1, 3))])
    for B, mesh in cases:
        n = mesh[0]
        label = f"per_device_batch({B}, {mesh})"
        try:
            fn(B, mesh)
        except ValueError as exc:
            _fail(name, f"{label} raised ValueError ({exc}), but {B} rows split evenly over the {n} device(s) of the "
                  "batch axis", "the devices along the model axis do not split the rows: only the first axis of the "
                  "mesh counts" if len(mesh) > 1 else "raise only when the rows cannot be shared out equally")
        except Exception:  # noqa: BLE001 - the call below turns any other error into a message
            pass
        got = _call(name, fn, B, mesh)
        if not _is_int(got):
            _fail(name, f"{label} returned {got!r} ({type(got).__name__}); expected an int",
                  "a number of rows is a whole number: the division you want has no remainder and no fraction")
        if len(mesh) > 1 and got == B // math.prod(mesh) and got != B // n:
            _fail(name, f"{label} = {got}: the rows were split over all {math.prod(mesh)} devices",
                  "the devices along the model axis hold the same rows (they share out the weights instead)")
        if len(mesh) > 1 and mesh[-1] != n and got == B // mesh[-1]:
            _fail(name, f"{label} = {got}: the rows were split over the model axis",
                  "the first axis of the mesh is the batch axis")
        if n > 1 and got == B * n:
            _fail(name, f"{label} = {got}: that is the global batch times the devices",
                  "the global batch is what all the devices see together; each sees a share of it")
        if got != B // n:
            _fail(name, f"{label} = {got}, expected {B // n}",
                  "how many rows does each device get when the rows are shared out equally along the batch axis?")
    for B, mesh in _variant([(10, (4,)), (7, (2,)), (12, (5, 2))], [(9, (6,)), (13, (3, 2))]):
        n = mesh[0]
        label = f"per_device_batch({B}, {mesh})"
        try:
            got = fn(B, mesh)
        except ValueError as exc:
            message = str(exc)
            if not (_names(message, B) and _names(message, n)):
                _fail(name, f"{label} raised ValueError({message!r}), which does not name both {B} and {n}",
                      "a learner who meets this error needs both numbers that do not fit, the global batch and the "
                      "number of devices along the batch axis")
            continue
        except Exception as exc:  # noqa: BLE001 - any other error is the learner's to see
            _fail(name, f"{label} raised {type(exc).__name__}, expected ValueError",
                  "raise ValueError (with a message naming both numbers) when the batch does not split evenly")
        _fail(name, f"{label} returned {got!r}: {B} rows do not split evenly over {n} devices",
              "an uneven split must not pass silently: the engines need equal shards, so raise a ValueError")
    _passed(name, f"correct on {len(cases)} meshes, and uneven splits raise a ValueError that names both numbers")


@_check(more="the devices hold blocks of b = B/N consecutive rows: replica r holds rows r*b to r*b + b - 1, so the "
        "replica is how many whole blocks come before the row, and the local row is how far into its block it is",
        reference=("rnnkit.distributed.replica_of_row", "rnnkit.distributed.shard_rows"))
def where_is_row(fn: Callable[[int, int, int], tuple[int, int]]) -> None:
    """Check ``fn(row, global_batch, num_replicas) -> (replica, local_row)``: where row ``row``'s carried state lives."""
    name = "where_is_row"
    tried = 0
    for B, n in _variant([(8, 4), (6, 2), (12, 3), (5, 1)], [(10, 5), (9, 3), (16, 4)]):
        b = B // n
        answers = []
        for row in range(B):
            got = _call(name, fn, row, B, n)
            try:
                replica, local = got
                answers.append((int(replica), int(local)))
            except (TypeError, ValueError):
                _fail(name, f"where_is_row({row}, {B}, {n}) returned {got!r}; expected a pair (replica, local_row)",
                      "return two ints: which replica, and which row of that replica's shard")
        wants = [(row // b, row % b) for row in range(B)]
        tried += B
        if answers == wants:
            continue
        row = next(r for r in range(B) if answers[r] != wants[r])
        problem = f"where_is_row({row}, {B}, {n}) = {answers[row]}, expected {wants[row]}"
        for pattern, hint_text in [  # a mistake is named only if it explains every row of this batch
            (lambda r: (r % n, r // n), "that is a round-robin deal, row 0 to replica 0, row 1 to replica 1, ...; the "
             "engines give each replica a block of consecutive rows"),
            (lambda r: (r % b, r // b), "the pair is the other way round: the replica first, then the row inside its shard"),
            (lambda r: (r // b, r), "the second number is the row inside the replica's own shard, which starts again at 0"),
            (lambda r: (r // b + 1, r % b), "replicas are counted from 0, as in section 4"),
            (lambda r: (r // n, r % n), f"each replica holds B / N = {b} rows here, not N = {n}"),
        ]:
            if all(answers[r] == pattern(r) for r in range(B)):
                _fail(name, problem, hint_text)
        _fail(name, problem, "which rows of the global batch does replica r hold (section 4)? Invert that")
    _passed(name, f"correct for all {tried} rows of 4 sharded batches")


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
