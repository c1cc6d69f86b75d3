"""Argument checks shared by the rnnkit modules: one wording for every clear error."""

from __future__ import annotations

import numbers
from typing import Any

import numpy as np

__all__ = ["int_at_least", "positive_int", "generator"]


def _is_int(value: Any, minimum: int) -> bool:
    """An integer of any integer type (bools excluded), at least ``minimum``."""
    return not isinstance(value, (bool, np.bool_)) and isinstance(value, numbers.Integral) and value >= minimum


def int_at_least(name: str, value: Any, minimum: int) -> int:
    """``value`` as an int, or ``ValueError`` if it is not an int (bools excluded) ``>= minimum``."""
    if not _is_int(value, minimum):
        raise ValueError(f"{name} must be an int >= {minimum}; got {value!r}")
    return int(value)


def positive_int(name: str, value: Any) -> int:
    """``value`` as an int, or ``ValueError`` if it is not an int (bools excluded) ``>= 1``."""
    if not _is_int(value, 1):
        raise ValueError(f"{name} must be a positive int; got {value!r}")
    return int(value)


def generator(rng: Any) -> np.random.Generator:
    """``rng`` itself, or ``ValueError`` if it is not a ``np.random.Generator``."""
    if not isinstance(rng, np.random.Generator):
        raise ValueError(f"rng must be a np.random.Generator (np.random.default_rng(seed)); got {type(rng).__name__}")
    return rng
