"""Every check of notebooks 09 and 11 passes a reference solution and fails wrong ones with a useful message.

The right and wrong answers come from ``tests/wrong_answers.py``, the table the wrong-answer suite
(``tests/test_wrong_answers.py``) also reads; it checks that each wrong answer's message names its mistake.
"""

from __future__ import annotations

from typing import Any

import wrong_answers as W
from check_suite import check_suite

from rnnkit import checks_seq2seq as checks

# name -> (reference solution, [wrong solutions], text the failure of the first wrong one must contain)
CASES: dict[str, tuple[Any, list[Any], str]] = {
    n: (W.RIGHT[n], [fn for _, fn, _ in W.WRONG[n]], W.WRONG[n][0][2]) for n in checks.CHECKS
}


(test_every_check_has_cases, test_reference_solution_passes,
 test_wrong_solutions_fail_with_a_hint,
 test_unwritten_stub_gets_a_message_not_a_traceback) = check_suite(checks, CASES)


def test_check_failed_is_the_one_from_rnnkit_checks() -> None:
    from rnnkit import checks as part1

    assert checks.CheckFailed is part1.CheckFailed
