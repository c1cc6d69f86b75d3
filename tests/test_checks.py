"""Every exercise check passes a reference solution and fails wrong ones with a useful message."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
import wrong_answers as W
from check_suite import check_suite

from rnnkit import checks
from rnnkit import numpy_rnn as nr


def _table(names):
    """check_suite's table from the wrong-answer suite: (right answer, wrong answers, text of the first one's failure)."""
    return {n: (W.RIGHT[n], [fn for _, fn, _ in W.WRONG[n]], W.WRONG[n][0][2]) for n in names}


ANSWERS = W.ANSWERS
CASES: dict[str, tuple[Any, list[Any], str]] = _table(checks.CHECKS)


(test_every_check_has_cases, test_reference_solution_passes,
 test_wrong_solutions_fail_with_a_hint,
 test_unwritten_stub_gets_a_message_not_a_traceback) = check_suite(checks, CASES)


def test_a_crash_in_learner_code_is_reported_with_the_call() -> None:
    def crashes(x_t, h_prev, Wx, Wh, b):
        return np.tanh(x_t @ Wh)  # wrong matrix: shapes do not line up

    with pytest.raises(checks.CheckFailed, match=r"(?s)raised ValueError.*array\(2, 3\)"):
        checks.rnn_step(crashes)
    with pytest.raises(checks.CheckFailed, match="expected a function"):
        checks.rnn_step(nr.rnn_step(np.ones((1, 1)), np.ones((1, 1)), np.ones((1, 1)), np.ones((1, 1)), np.ones(1)))


def test_task_shape_answers_are_forgiving_about_spelling(capsys: pytest.CaptureFixture[str]) -> None:
    loose = {q: a.upper().replace("-", " ").replace(" (ENCODER DECODER)", " unaligned") for q, a in ANSWERS.items()}
    checks.task_shapes(loose)
    checks.task_shapes(lambda: loose)  # the function that builds the answers works too
    assert capsys.readouterr().out.count("✓ task_shapes") == 2
