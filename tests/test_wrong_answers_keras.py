"""The wrong-answer suite for the Keras exercises (06, 07); see tests/test_wrong_answers.py.

Marked ``keras``: tests/test_backends.py runs these on the two other backends too.
"""

from __future__ import annotations

import re

import pytest

keras = pytest.importorskip("keras")

import wrong_answers_keras as WK  # noqa: E402

from rnnkit import checks_keras  # noqa: E402
from rnnkit.checks import CheckFailed  # noqa: E402

pytestmark = pytest.mark.keras
RECORD: list[tuple[str, str, bool, bool]] = []
CASES = [(check, label, fn, expected) for check in sorted(WK.WRONG) for label, fn, expected in WK.WRONG[check]]


def test_every_keras_check_has_a_right_and_three_wrong_answers():
    assert set(checks_keras.CHECKS) == set(WK.WRONG) == set(WK.RIGHT)
    assert all(len(w) >= 3 for w in WK.WRONG.values())


@pytest.mark.parametrize("check", sorted(WK.RIGHT))
def test_right_answer_passes_visible_and_hidden(check, capsys):
    getattr(checks_keras, check)(WK.RIGHT[check])
    out = capsys.readouterr().out
    assert out.startswith(f"✓ {check}: ") and out.count("\n") == 1, out
    checks_keras.hidden_test(check, WK.RIGHT[check])
    assert capsys.readouterr().out == ""


@pytest.mark.parametrize(("check", "label", "fn", "expected"), CASES, ids=[f"{c}-{label}" for c, label, _, _ in CASES])
def test_wrong_answer_fails_with_a_named_message(check, label, fn, expected):
    try:
        getattr(checks_keras, check)(fn)
    except CheckFailed as exc:
        message = str(exc)
    else:
        RECORD.append((check, label, False, False))
        pytest.fail(f"{check}: the wrong answer {label!r} passed")
    named = bool(re.search(expected, message))
    RECORD.append((check, label, True, named))
    lines = [ln for ln in message.split("\n") if ln.strip()]
    assert lines[0].startswith(f"✗ {check}: ") and any(ln.startswith("  Hint: ") for ln in lines), message
    assert len(lines) <= 8, message
    assert named, f"{check}, {label!r}: expected {expected!r} in\n{message}"


def _solutions():
    from test_wrong_answers import notebook_solutions

    return notebook_solutions(True)


@pytest.mark.parametrize(("nb", "grade_id", "check", "namespace"), _solutions(), ids=[f"{e[0]}-{e[1]}" for e in _solutions()])
def test_the_notebooks_own_solutions_pass_visible_and_hidden(nb, grade_id, check, namespace, capsys):
    getattr(checks_keras, check)(namespace[grade_id])
    assert capsys.readouterr().out.startswith(f"✓ {check}: ")
    if "param_count" in check:  # cheap; the hidden runs of the cells are tested with the suite's own right answers
        checks_keras.hidden_test(check, namespace[grade_id])
