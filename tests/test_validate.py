"""rnnkit._validate: the argument checks every module shares."""

from __future__ import annotations

import numpy as np
import pytest

from rnnkit._validate import generator, int_at_least, positive_int


def test_ints_of_any_integer_type_pass_and_come_back_as_int() -> None:
    for value in (3, np.int64(3), np.int32(3)):
        got = positive_int("n", value)
        assert got == 3 and type(got) is int
    assert int_at_least("distance", 0, 0) == 0


@pytest.mark.parametrize("value", [0, -2, 2.0, 2.5, "2", True, np.bool_(True), None])
def test_anything_else_is_refused_with_name_and_value(value: object) -> None:
    with pytest.raises(ValueError, match=rf"units must be a positive int; got {value!r}"):
        positive_int("units", value)


def test_minimum_is_named() -> None:
    with pytest.raises(ValueError, match="n_symbols must be an int >= 2; got 1"):
        int_at_least("n_symbols", 1, 2)


def test_generator() -> None:
    rng = np.random.default_rng(0)
    assert generator(rng) is rng
    with pytest.raises(ValueError, match="np.random.default_rng.*got RandomState"):
        generator(np.random.RandomState(0))
