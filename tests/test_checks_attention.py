"""Every check of notebook 15 passes a right answer and fails the wrong answers learners write, with a useful message."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
import wrong_answers as W
from check_suite import check_suite

from rnnkit import attention as att
from rnnkit import checks_attention as checks

# ---- two more right answers, written as a learner would (not calling rnnkit) ----


def _softmax(z, axis=-1):
    e = np.exp(z - z.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


def masked_softmax_big_negative(scores, mask):  # also right: -1e9 underflows to exactly 0
    return _softmax(np.where(mask[:, None, :], scores, -1e9))


def additive_scores_loop(q, k, Wq, Wk, w):  # also right, the slow way
    N, Tq, Tk = q.shape[0], q.shape[1], k.shape[1]
    out = np.zeros((N, Tq, Tk))
    for n in range(N):
        for i in range(Tq):
            for j in range(Tk):
                out[n, i, j] = w @ np.tanh(q[n, i] @ Wq + k[n, j] @ Wk)
    return out


def csa_calls_rnnkit(x, Wq, Wk, Wv):  # right, but not the learner's own work: the hidden test blocks it
    return att.dot_product_attention(x @ Wq, x @ Wk, x @ Wv, att.causal_mask(x.shape[1]))


# The right answers and the wrong answers learners write are tests/wrong_answers.py's, one table for the
# whole course (tests/test_wrong_answers.py checks that each wrong answer's message names its mistake).
# name -> (right answer, [wrong answers], text the first wrong answer's message must contain)
CASES: dict[str, tuple[Any, list[Any], str]] = {
    name: (W.RIGHT[name], [wrong for _, wrong, _ in W.WRONG[name]], W.WRONG[name][0][2])
    for name in ("masked_softmax", "additive_scores", "word_alignment", "causal_self_attention")
}

(test_every_check_has_cases, test_reference_solution_passes,
 test_wrong_solutions_fail_with_a_hint,
 test_unwritten_stub_gets_a_message_not_a_traceback) = check_suite(checks, CASES)


@pytest.mark.parametrize("check, right", [("masked_softmax", masked_softmax_big_negative),
                                          ("additive_scores", additive_scores_loop)])
def test_other_right_answers_pass(check: str, right: Any, capsys: pytest.CaptureFixture[str]) -> None:
    getattr(checks, check)(right)
    assert capsys.readouterr().out.startswith(f"✓ {check}:")


@pytest.mark.parametrize("name", sorted(CASES))
def test_the_hidden_test_passes_a_right_answer_silently(name: str, capsys: pytest.CaptureFixture[str]) -> None:
    checks.hidden_test(name, CASES[name][0])
    assert capsys.readouterr().out == ""


def test_the_hidden_test_uses_other_data_and_blocks_rnnkit() -> None:
    checks.causal_self_attention(csa_calls_rnnkit)  # the visible check accepts rnnkit's own version
    with pytest.raises(checks.CheckFailed, match=r"hidden test\): your code calls rnnkit\.attention\."):
        checks.hidden_test("causal_self_attention", csa_calls_rnnkit)
    with pytest.raises(checks.CheckFailed, match=r"hidden test"):
        checks.hidden_test("masked_softmax", W.WRONG["masked_softmax"][0][1])  # the mask not used


def test_check_failed_is_the_one_from_rnnkit_checks() -> None:
    from rnnkit import checks as part1

    assert checks.CheckFailed is part1.CheckFailed
