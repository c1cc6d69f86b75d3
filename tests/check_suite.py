"""The tests every module of exercise checks must pass, written once.

A test module builds its ``CASES`` table, ``{check name: (reference solution,
[wrong solutions], text the first wrong one's message must contain)}``, and
binds the four tests to its own names::

    (test_every_check_has_cases, test_reference_solution_passes,
     test_wrong_solutions_fail_with_a_hint,
     test_unwritten_stub_gets_a_message_not_a_traceback) = check_suite(checks, CASES)

pytest collects them like tests written in that module.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from types import ModuleType
from typing import Any

import pytest

Case = tuple[Callable[..., Any], Sequence[Callable[..., Any]], str]


def _not_written(*args: Any) -> Any:
    raise NotImplementedError()


def check_suite(module: ModuleType, cases: dict[str, Case]) -> tuple[Callable[..., None], ...]:
    """The four standard tests for the checks in ``module``, one case table."""
    names = sorted(cases)
    public = sorted(getattr(module, "CHECKS", None) or [n for n in module.__all__ if n[0].islower()])

    def test_every_check_has_cases() -> None:
        assert names == public

    @pytest.mark.parametrize("name", names)
    def test_reference_solution_passes(name: str, capsys: pytest.CaptureFixture[str]) -> None:
        getattr(module, name)(cases[name][0])
        out = capsys.readouterr().out
        assert out.startswith(f"✓ {name}:") and out.count("\n") == 1, out

    @pytest.mark.parametrize("name", names)
    def test_wrong_solutions_fail_with_a_hint(name: str) -> None:
        check = getattr(module, name)
        _, wrongs, expected_text = cases[name]
        assert wrongs, f"{name}: no wrong solution to test the check with"
        for k, wrong in enumerate(wrongs):
            with pytest.raises(module.CheckFailed) as info:
                check(wrong)
            message = str(info.value)
            assert message.startswith(f"✗ {name}:") and "Hint:" in message, message
            if k == 0:
                assert expected_text in message, message

    @pytest.mark.parametrize("name", names)
    def test_unwritten_stub_gets_a_message_not_a_traceback(name: str) -> None:
        with pytest.raises(module.CheckFailed, match="not written yet"):
            getattr(module, name)(_not_written)

    return (test_every_check_has_cases, test_reference_solution_passes,
            test_wrong_solutions_fail_with_a_hint, test_unwritten_stub_gets_a_message_not_a_traceback)
