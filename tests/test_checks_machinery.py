"""The machinery every exercise check shares (rnnkit.checks): short failures, two-step hints, hidden tests.

What is tested:

* a failure is a ``CheckFailed`` (an AssertionError) whose message is the ``✗`` line(s), the
  hint and the pointer to the second hint, with no chained exception;
* in a real Jupyter kernel (nbclient) the error output of a failing check is only that
  message: no frames of rnnkit, no "During handling of the above exception"; the same for an
  unwritten stub (``NotImplementedError``) and for a crash in the learner's code, which names
  the learner's line;
* ``hint()`` prints the second hint of the check that failed last, ``hint(name)`` of any check;
* ``hidden_test`` runs the check as rnnkit defines it on other data, silently, and fails an
  answer that only calls rnnkit's reference or that was tailored to the visible cases;
* messages: a scalar has no index, a transposed result is named, warnings raised by the
  learner's code do not reach stderr (nbgrader would give the cell 0 points).
"""

from __future__ import annotations

import re
import warnings

import nbformat
import numpy as np
import pytest

from rnnkit import checks
from rnnkit import numpy_rnn as nr


def _wrong_rnn_step(x_t, h_prev, Wx, Wh, b):
    return np.tanh(x_t @ Wx + h_prev @ Wh)  # forgot b


def _stub(*args):
    raise NotImplementedError()


def test_a_failure_is_short_and_not_chained():
    with pytest.raises(checks.CheckFailed) as info:
        checks.rnn_step(_stub)
    exc = info.value
    assert isinstance(exc, AssertionError)  # nbgrader: 0 points; nbval: a failing cell
    assert exc.__suppress_context__ and exc.__cause__ is None  # no "During handling of the above exception"
    lines = exc._render_traceback_()
    assert lines[0].startswith("✗ rnn_step: ") and "not written yet" in lines[0]
    assert lines[1].startswith("  Hint: ")
    assert lines[2] == '  Second hint: checks.hint("rnn_step")'
    assert exc.check == "rnn_step"


def test_in_a_kernel_only_the_message_is_shown(tmp_path):
    from nbclient import NotebookClient

    v4 = nbformat.v4
    sources = [
        "import numpy as np\nfrom rnnkit import checks as ck\nfrom rnnkit import checks_data",
        "def rnn_step(x_t, h_prev, Wx, Wh, b):\n    return np.tanh(x_t @ Wx + h_prev @ Wh)\nck.rnn_step(rnn_step)",
        "def rnn_step(x_t, h_prev, Wx, Wh, b):\n    # YOUR CODE HERE\n    raise NotImplementedError()\nck.rnn_step(rnn_step)",
        "def rnn_step(x_t, h_prev, Wx, Wh, b):\n    a = x_t @ Wx\n    return np.tanh(a + h_prev @ Wx + b)\nck.rnn_step(rnn_step)",
        "ck.hint()",
        "checks_data.masked_mean(lambda h, m: h.mean(axis=1))",
    ]
    nb = v4.new_notebook(cells=[v4.new_code_cell(s) for s in sources])
    NotebookClient(nb, timeout=120, kernel_name="python3", allow_errors=True,
                   resources={"metadata": {"path": str(tmp_path)}}).execute()
    errors = {}
    for i, cell in enumerate(nb.cells):
        for out in cell.outputs:
            if out.output_type == "error":
                text = re.sub(r"\x1b\[[0-9;]*m", "", "\n".join(out.traceback))
                errors[i] = (out.ename, [ln for ln in text.split("\n") if ln.strip()])
    assert sorted(errors) == [1, 2, 3, 5]
    for i, (ename, lines) in errors.items():
        assert ename == "CheckFailed", (i, ename)
        assert lines[0].startswith("✗ "), (i, lines)
        assert len(lines) <= 8, (i, lines)
        assert not any("Traceback" in ln or "During handling" in ln or "rnnkit/checks" in ln or "File " in ln
                       for ln in lines), (i, lines)
    assert "not written yet" in errors[2][1][0]
    crash = "\n".join(errors[3][1])
    assert "raised ValueError" in crash and "at `return np.tanh(a + h_prev @ Wx + b)` (line 3 of rnn_step)" in crash
    assert errors[1][1][-1].strip() == 'Second hint: ck.hint("rnn_step")'  # the learner's own name for the module
    assert errors[5][1][-1].strip() == 'Second hint: checks_data.hint("masked_mean")'
    second = "".join(o.get("text", "") for o in nb.cells[4].outputs)
    assert second.startswith("Second hint for rnn_step: ")


def test_hint_prints_the_second_hint(capsys):
    with pytest.raises(checks.CheckFailed):
        checks.rnn_step(_wrong_rnn_step)
    checks.hint()
    after_failure = capsys.readouterr().out
    checks.hint("rnn_step")
    by_name = capsys.readouterr().out
    assert after_failure == by_name and by_name.startswith("Second hint for rnn_step: ")
    checks.hint("no_such_check")
    assert "No second hint for 'no_such_check'" in capsys.readouterr().out


def test_every_check_of_every_module_has_a_second_hint():
    import importlib

    for module_name in ("rnnkit.checks", "rnnkit.checks_data", "rnnkit.checks_seq2seq", "rnnkit.checks_text",
                        "rnnkit.checks_attention", "rnnkit.checks_distributed"):
        module = importlib.import_module(module_name)
        assert module.hint is checks.hint and module.hidden_test is checks.hidden_test
        for name in module.CHECKS:
            assert checks._SECOND_HINTS.get(name), f"{module_name}.{name} has no second hint"


def test_a_hidden_test_is_silent_when_the_answer_is_right(capsys):
    def mine(x_t, h_prev, Wx, Wh, b):
        return np.tanh(x_t @ Wx + h_prev @ Wh + b)

    checks.hidden_test("rnn_step", mine)
    assert capsys.readouterr().out == ""


def test_a_hidden_test_fails_an_answer_that_calls_the_reference():
    def wraps_reference(x_t, h_prev, Wx, Wh, b):
        return nr.rnn_step(x_t, h_prev, Wx, Wh, b)

    checks.rnn_step(wraps_reference)  # the visible check cannot tell
    with pytest.raises(checks.CheckFailed, match=r"rnn_step \(hidden test\): your code calls rnnkit\.numpy_rnn\.rnn_step"):
        checks.hidden_test("rnn_step", wraps_reference)
    assert nr.rnn_step.__name__ == "rnn_step" and not hasattr(nr.rnn_step, "__rnnkit_original__")  # restored


def test_a_hidden_test_uses_other_data_and_the_original_check(monkeypatch):
    seen: list[tuple[int, ...]] = []

    def remembers(x_t, h_prev, Wx, Wh, b):
        seen.append(x_t.shape)
        return np.tanh(x_t @ Wx + h_prev @ Wh + b)

    checks.rnn_step(remembers)
    visible = [np.asarray(c[0].standard_normal(3)) for c in checks._cases(3, [(1,), (1,)])]
    token = checks._HIDDEN.set(True)
    try:
        hidden = [np.asarray(c[0].standard_normal(3)) for c in checks._cases(3, [(1,), (1,)])]
    finally:
        checks._HIDDEN.reset(token)
    assert not any(np.allclose(v, h) for v, h in zip(visible, hidden))
    # a notebook that replaces the visible check does not fool the hidden test
    monkeypatch.setattr(checks, "rnn_step", lambda fn: print("✓ rnn_step: correct on 3 test cases"))
    with pytest.raises(checks.CheckFailed, match="hidden test"):
        checks.hidden_test("rnn_step", _wrong_rnn_step)
    with pytest.raises(ValueError, match="no check called"):
        checks.hidden_test("no_such_check", _wrong_rnn_step)


def test_a_scalar_has_no_index_and_a_transpose_is_named():
    with pytest.raises(checks.CheckFailed) as info:
        checks._compare("demo", "the loss", 0.5, np.float64(0.25), "hint")
    assert "the loss is 0.5, expected 0.25" in str(info.value) and "index" not in str(info.value)
    with pytest.raises(checks.CheckFailed, match="looks transposed"):
        checks._compare("demo", "W", np.zeros((3, 2)), np.zeros((2, 3)), "hint")
    with pytest.raises(checks.CheckFailed, match="transpose of what it should be"):
        checks._compare("demo", "W", np.arange(9.0).reshape(3, 3).T, np.arange(9.0).reshape(3, 3), "hint")
    with pytest.raises(checks.CheckFailed, match="time-major"):
        checks._compare("demo", "h", np.zeros((5, 2, 3)), np.zeros((2, 5, 3)), "hint")


def test_warnings_from_the_learners_code_are_not_shown(capsys):
    def warns(x_t, h_prev, Wx, Wh, b):
        warnings.warn("something the learner's code says", UserWarning, stacklevel=1)
        with np.errstate(over="warn"):
            np.exp(np.array([1000.0]))
        return np.tanh(x_t @ Wx + h_prev @ Wh + b)

    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a warning that escaped the check would fail this test
        checks.rnn_step(warns)
    captured = capsys.readouterr()
    assert captured.err == "" and captured.out.startswith("✓ rnn_step")


def test_a_result_of_none_is_named_as_a_missing_return_in_every_check_module():
    """A function that forgets its `return` gives None: every check says so, except where None is a right answer."""
    import importlib

    def forgets_return(*args):
        np.zeros(1)  # computes something, returns nothing

    failed = 0
    for module_name in ("rnnkit.checks", "rnnkit.checks_data", "rnnkit.checks_seq2seq", "rnnkit.checks_text",
                        "rnnkit.checks_attention", "rnnkit.checks_distributed"):
        module = importlib.import_module(module_name)
        for name in module.CHECKS:
            if name in checks._NONE_IS_AN_ANSWER or name == "task_shapes":  # task_shapes also takes a dict
                continue
            with pytest.raises(checks.CheckFailed) as info:
                getattr(module, name)(forgets_return)
            assert "returned None" in str(info.value) and "a missing `return`?" in str(info.value), (name, str(info.value))
            failed += 1
    assert failed >= 30
    with pytest.raises(checks.CheckFailed, match="dict, got NoneType|returned None"):
        checks.task_shapes(forgets_return)
    with pytest.raises(checks.CheckFailed) as info:  # None is first_error's answer for equal strings: judged as a value
        importlib.import_module("rnnkit.checks_seq2seq").first_error(forgets_return)
    assert "returned None" not in str(info.value)
