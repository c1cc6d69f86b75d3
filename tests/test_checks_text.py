"""rnnkit.checks_text: the reference solutions pass, typical mistakes fail with a hint.

The right and wrong answers come from ``tests/wrong_answers.py``, shared with the wrong-answer suite.
"""

from __future__ import annotations

from typing import Any

import wrong_answers as W
from check_suite import check_suite

from rnnkit import checks_text

CASES: dict[str, tuple[Any, list[Any], str]] = {
    n: (W.RIGHT[n], [fn for _, fn, _ in W.WRONG[n]], W.WRONG[n][0][2]) for n in checks_text.CHECKS
}


(test_every_check_has_cases, test_reference_solution_passes,
 test_wrong_solutions_fail_with_a_hint,
 test_unwritten_stub_gets_a_message_not_a_traceback) = check_suite(checks_text, CASES)


