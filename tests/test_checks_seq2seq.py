"""Every check of notebooks 09 and 11 passes a reference solution and fails wrong ones with a useful message."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
import wrong_answers as W
from check_suite import check_suite

from rnnkit import checks_seq2seq as checks
from rnnkit import seq2seq as s2s

KO_DIGITS = ["", "일", "이", "삼", "사", "오", "육", "칠", "팔", "구"]


def _korean(n: int) -> str:
    if n == 0:
        return "영"
    tens, ones = divmod(n, 10)
    return ("" if tens == 0 else ("" if tens == 1 else KO_DIGITS[tens]) + "십") + KO_DIGITS[ones]


def _greedy(encoder, decoder, inputs, start_id, end_id, max_len):
    return s2s.greedy_decode(encoder, decoder, inputs, start_id=start_id, end_id=end_id, max_len=max_len)


def _greedy_no_feedback(encoder, decoder, inputs, start_id, end_id, max_len):  # always feeds START
    states = encoder(inputs)
    states = states if isinstance(states, list) else [states]
    tokens = np.full((len(states[0]), 1), start_id)
    out = []
    for _ in range(max_len):
        probs, *states = decoder([tokens, *states])
        out.append(probs[:, 0].argmax(-1))
    return np.stack(out, axis=1)


def _greedy_no_padding(encoder, decoder, inputs, start_id, end_id, max_len):  # keeps generating after END
    states = encoder(inputs)
    states = states if isinstance(states, list) else [states]
    tokens = np.full((len(states[0]), 1), start_id)
    out = []
    for _ in range(max_len):
        probs, *states = decoder([tokens, *states])
        tokens = probs[:, 0].argmax(-1)[:, None]
        out.append(tokens[:, 0])
    return np.stack(out, axis=1)


def _token_acc_no_end(preds, targets):  # forgets the end token
    return sum(a == b for p, t in zip(preds, targets) for a, b in zip(p, t)) / sum(len(t) for t in targets)


# name -> (reference solution, [wrong solutions], text the failure of the first wrong one must contain)
CASES: dict[str, tuple[Any, list[Any], str]] = {
    n: (W.RIGHT[n], [fn for _, fn, _ in W.WRONG[n]], W.WRONG[n][0][2]) for n in checks.CHECKS
}


(test_every_check_has_cases, test_reference_solution_passes,
 test_wrong_solutions_fail_with_a_hint,
 test_unwritten_stub_gets_a_message_not_a_traceback) = check_suite(checks, CASES)


def test_greedy_decode_check_names_padding_after_end() -> None:
    with pytest.raises(checks.CheckFailed, match="go on after END"):
        checks.greedy_decode(_greedy_no_padding)


def test_check_failed_is_the_one_from_rnnkit_checks() -> None:
    from rnnkit import checks as part1

    assert checks.CheckFailed is part1.CheckFailed
