"""The wrong-answer suite: every exercise's check fails the mistakes learners really make.

For every exercise of every notebook (found from the notebooks' nbgrader answer cells and the
check their graded cell calls) there are at least three plausible wrong answers in
``tests/wrong_answers.py`` (Keras exercises: ``tests/wrong_answers_keras.py``). Each must fail
its check with a short message (a ``✗`` line and a ``Hint:``), naming the mistake where it is
recognisable. The right answer passes the visible check (one ``✓`` line) and the hidden test
(silently). No failure message and no second hint contains a line of the exercise's solution.
The count of wrong answers tried and caught is printed at the end of the run (tests/conftest.py).
"""

from __future__ import annotations

import ast
import importlib
import json
import pathlib
import re
from typing import Any

import pytest
import wrong_answers as W

from rnnkit import checks

ROOT = pathlib.Path(__file__).resolve().parent.parent
NUMPY_MODULES = ("rnnkit.checks", "rnnkit.checks_data", "rnnkit.checks_seq2seq", "rnnkit.checks_text",
                 "rnnkit.checks_attention", "rnnkit.checks_distributed")
KERAS_MODULES = ("rnnkit.checks_keras",)
#: Exercises whose check cell holds plain asserts in notebooks not yet updated: the rnnkit check that replaces them.
PLAIN_ASSERT_EXERCISES = {"pad_batch": "pad_batch", "random_orthogonal": "random_orthogonal"}
#: Filled by the tests below, reported by tests/conftest.py: (check, label, caught, named).
RECORD: list[tuple[str, str, bool, bool]] = []


def _module_of(check: str) -> Any:
    for name in NUMPY_MODULES + KERAS_MODULES:
        if name in KERAS_MODULES:
            continue
        module = importlib.import_module(name)
        if check in module.CHECKS:
            return module
    raise KeyError(check)


def notebook_exercises() -> list[tuple[str, str, str, list[str]]]:
    """(notebook, answer grade_id, check name, solution lines) for every exercise of every notebook."""
    found = []
    for path in sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb")):
        cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
        for i, cell in enumerate(cells):
            meta = cell.get("metadata", {}).get("nbgrader", {})
            if not meta.get("solution") or cell["cell_type"] != "code":
                continue
            grade_id = meta["grade_id"]
            check_src = "".join(cells[i + 1]["source"])
            calls = re.findall(r"^\s*checks(?:_\w+)?\.(\w+)\(", check_src, flags=re.MULTILINE)
            calls = [c for c in calls if c not in checks.TOOLS]
            check = calls[0] if calls else PLAIN_ASSERT_EXERCISES.get(grade_id, f"<no rnnkit check for {grade_id}>")
            source = "".join(cell["source"])
            inside, lines = False, []
            for line in source.split("\n"):
                if line.strip() == "### BEGIN SOLUTION":
                    inside = True
                elif line.strip() == "### END SOLUTION":
                    inside = False
                elif inside:
                    lines.append(line)
            found.append((path.stem[:2], grade_id, check, lines))
    return found


def _squash(text: str) -> str:
    return re.sub(r"\s+", "", text)


def solution_lines(lines: list[str]) -> list[str]:
    """The lines of a solution that a hint must never contain (comments dropped, trivial lines skipped)."""
    out = []
    for line in lines:
        code = _squash(line.split("#")[0])
        if len(code) >= 16 and not code.startswith(("def", "class", "for", "if", "else", "elif")):
            out.append(code)
    return out


EXERCISES = notebook_exercises()
NUMPY_CASES = [(check, label, fn, expected) for check in sorted(W.WRONG) for label, fn, expected in W.WRONG[check]]


def test_every_exercise_of_every_notebook_has_three_wrong_answers():
    try:
        import wrong_answers_keras as WK

        keras_wrong = WK.WRONG
    except ImportError:  # Keras not installed: its exercises are counted by the Keras suite
        keras_wrong = {}
    covered = {**W.WRONG, **keras_wrong}
    missing = [f"{nb} {gid} ({check}): {len(covered.get(check, []))}" for nb, gid, check, _ in EXERCISES
               if len(covered.get(check, [])) < 3]
    notebooks = {p.stem[:2] for p in (ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb")}
    assert {nb for nb, *_ in EXERCISES} == notebooks, "expected exercises in every notebook"
    assert not missing, f"exercises with fewer than 3 wrong answers: {missing}"


def test_every_numpy_check_has_a_right_and_wrong_answers():
    names = {n for m in NUMPY_MODULES for n in importlib.import_module(m).CHECKS}
    assert names == set(W.WRONG) == set(W.RIGHT)


@pytest.mark.parametrize("check", sorted(W.RIGHT))
def test_right_answer_passes_visible_and_hidden(check, capsys):
    module = _module_of(check)
    getattr(module, check)(W.RIGHT[check])
    out = capsys.readouterr().out
    assert out.startswith(f"✓ {check}: ") and out.count("\n") == 1, out
    module.hidden_test(check, W.RIGHT[check])
    assert capsys.readouterr().out == ""


@pytest.mark.parametrize(("check", "label", "fn", "expected"), NUMPY_CASES,
                         ids=[f"{c}-{label}" for c, label, _, _ in NUMPY_CASES])
def test_wrong_answer_fails_with_a_named_message(check, label, fn, expected):
    module = _module_of(check)
    try:
        getattr(module, check)(fn)
    except checks.CheckFailed as exc:
        message = str(exc)
    else:
        RECORD.append((check, label, False, False))
        pytest.fail(f"{check}: the wrong answer {label!r} passed")
    named = bool(re.search(expected, message)) if expected else True
    RECORD.append((check, label, True, named))
    lines = [ln for ln in message.split("\n") if ln.strip()]
    assert lines[0].startswith(f"✗ {check}: ") and any(ln.startswith("  Hint: ") for ln in lines), message
    assert len(lines) <= 8, message
    assert "at index ()" not in message
    assert named, f"{check}, {label!r}: expected {expected!r} in\n{message}"


@pytest.mark.parametrize(("nb", "grade_id", "check", "lines"), EXERCISES, ids=[f"{e[0]}-{e[1]}" for e in EXERCISES])
def test_no_hint_contains_a_solution_line(nb, grade_id, check, lines):
    try:
        import wrong_answers_keras as WK

        wrong = {**W.WRONG, **WK.WRONG}
    except ImportError:
        wrong = W.WRONG
    if check in checks._SECOND_HINTS or check in W.WRONG:
        texts = [checks._SECOND_HINTS.get(check, "")]
    else:
        pytest.importorskip("keras")
        importlib.import_module("rnnkit.checks_keras")
        texts = [checks._SECOND_HINTS[check]]
    for _label, fn, _ in wrong.get(check, []):
        if check in W.WRONG:
            try:
                getattr(_module_of(check), check)(fn)
            except checks.CheckFailed as exc:
                texts.append(str(exc))
    forbidden = solution_lines(lines)
    for text in texts:
        own_line = re.compile(r"^  at `.*` \(line \d+ of .*\)$", flags=re.MULTILINE)  # the learner's own line, quoted
        squashed = _squash(own_line.sub("", text))
        leaked = [line for line in forbidden if line in squashed]
        assert not leaked, f"{nb} {grade_id}: a hint gives away the solution line(s) {leaked}:\n{text}"


def test_rnn_backward_hint_for_dx_assignment_says_nothing_about_dhnext():
    """03 Exercise 2 forbids dhnext; its `dx[:, k] =` slip must be explained without it."""
    with pytest.raises(checks.CheckFailed) as info:
        checks.rnn_backward(lambda dh, c: W.rnn_backward_double_sum(dh, c, assign_dx=True))
    message = str(info.value) + checks._SECOND_HINTS["rnn_backward"]
    assert "overwritten" in message and "dhnext" not in message.lower()


def test_naive_log_softmax_fails_the_stability_probe():
    """03 Exercise 1: -log(softmax(z)) is inf for logits [1000, 0, -1000] and target 2."""
    with pytest.raises(checks.CheckFailed, match=r"\[1000, 0, -1000\] and target 2 the loss is inf"):
        checks.softmax_cross_entropy(W._ce_naive)


def notebook_solutions(keras_notebooks: bool) -> list[tuple[str, str, str, dict[str, Any]]]:
    """(notebook, grade_id, check, namespace) with every answer cell of the notebook run, solutions in place."""
    from collections import Counter

    import numpy as np

    from rnnkit import numpy_rnn

    out = []
    for path in sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb")):
        cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
        answers = [c for c in cells if c.get("metadata", {}).get("nbgrader", {}).get("solution")]
        # An answer that uses Keras names it in its code (a docstring may mention a Keras layer without using it).
        uses_keras = any({"keras", "ops", "cells"} & {n.id for n in ast.walk(ast.parse("".join(c["source"])))
                                                      if isinstance(n, ast.Name)} for c in answers)
        if not answers or uses_keras != keras_notebooks:
            continue
        namespace: dict[str, Any] = {"np": np, "nr": numpy_rnn, "Counter": Counter}
        if keras_notebooks:
            import keras

            from rnnkit import cells as rnn_cells

            namespace.update(keras=keras, ops=keras.ops, cells=rnn_cells)
        for cell in answers:
            exec(compile("".join(cell["source"]), f"{path.name}:{cell['metadata']['nbgrader']['grade_id']}", "exec"), namespace)
        for nb, grade_id, check, _ in EXERCISES:
            if nb == path.stem[:2]:
                out.append((nb, grade_id, check, namespace))
    return out


@pytest.mark.parametrize(("nb", "grade_id", "check", "namespace"), notebook_solutions(False),
                         ids=[f"{e[0]}-{e[1]}" for e in notebook_solutions(False)])
def test_the_notebooks_own_solutions_pass_visible_and_hidden(nb, grade_id, check, namespace, capsys):
    answer = namespace[grade_id] if grade_id != "task_shape_answers" else namespace[grade_id]
    module = _module_of(check)
    getattr(module, check)(answer)
    assert capsys.readouterr().out.startswith(f"✓ {check}: ")
    module.hidden_test(check, answer)


GAMED_CASES = [(check, label, fn) for check in sorted(W.GAMED) for label, fn in W.GAMED[check]]


@pytest.mark.parametrize(("check", "label", "fn"), GAMED_CASES, ids=[f"{c}-{label}" for c, label, _ in GAMED_CASES])
def test_a_gamed_answer_passes_the_visible_check_but_not_the_hidden_test(check, label, fn, capsys):
    module = _module_of(check)
    getattr(module, check)(fn)
    assert capsys.readouterr().out.startswith(f"✓ {check}: ")
    with pytest.raises(checks.CheckFailed, match=rf"✗ {check} \(hidden test\): "):
        module.hidden_test(check, fn)
