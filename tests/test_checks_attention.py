"""Every check of notebook 15 passes a right answer and fails the wrong answers learners write, with a useful message."""

from __future__ import annotations

import re
from typing import Any

import numpy as np
import pytest
from check_suite import check_suite

from rnnkit import attention as att
from rnnkit import checks_attention as checks

# ---- right answers, written as a learner would (not calling rnnkit) ----


def _softmax(z, axis=-1):
    e = np.exp(z - z.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


def masked_softmax(scores, mask):
    z = np.where(mask[:, None, :], scores, -np.inf)
    return _softmax(z)


def masked_softmax_big_negative(scores, mask):  # also right: -1e9 underflows to exactly 0
    return _softmax(np.where(mask[:, None, :], scores, -1e9))


def additive_scores(q, k, Wq, Wk, w):
    return np.tanh((q @ Wq)[:, :, None, :] + (k @ Wk)[:, None, :, :]) @ w


def additive_scores_loop(q, k, Wq, Wk, w):  # also right, the slow way
    N, Tq, Tk = q.shape[0], q.shape[1], k.shape[1]
    out = np.zeros((N, Tq, Tk))
    for n in range(N):
        for i in range(Tq):
            for j in range(Tk):
                out[n, i, j] = w @ np.tanh(q[n, i] @ Wq + k[n, j] @ Wk)
    return out


def word_alignment(weights, text):
    return [(m.group(), int(weights[m.start() : m.end()].mean(axis=0).argmax())) for m in re.finditer(r"[a-z]+", text)]


def causal_self_attention(x, Wq, Wk, Wv):
    q, k, v = x @ Wq, x @ Wk, x @ Wv
    T = x.shape[1]
    scores = q @ k.transpose(0, 2, 1) / np.sqrt(Wk.shape[1])
    scores = np.where(np.tril(np.ones((T, T), bool)), scores, -np.inf)
    weights = _softmax(scores)
    return weights @ v, weights


# ---- wrong answers learners write ----


def ms_no_mask(scores, mask):
    return _softmax(scores)


def ms_zero_after(scores, mask):
    return _softmax(scores) * mask[:, None, :]


def ms_multiply_scores(scores, mask):
    return _softmax(scores * mask[:, None, :])


def ms_wrong_axis(scores, mask):
    return np.where(mask[:, None, :], _softmax(np.where(mask[:, None, :], scores, -np.inf), axis=1), 0.0)


def ms_no_shift(scores, mask):
    e = np.where(mask[:, None, :], np.exp(scores), 0.0)
    return e / e.sum(axis=-1, keepdims=True)


def ms_small_negative(scores, mask):  # -100 leaves tiny weights on the padding
    return _softmax(np.where(mask[:, None, :], scores, scores - 30.0))


def as_tanh_apart(q, k, Wq, Wk, w):
    return (np.tanh(q @ Wq)[:, :, None, :] + np.tanh(k @ Wk)[:, None, :, :]) @ w


def as_no_tanh(q, k, Wq, Wk, w):
    return ((q @ Wq)[:, :, None, :] + (k @ Wk)[:, None, :, :]) @ w


def as_sum_not_w(q, k, Wq, Wk, w):
    return np.tanh((q @ Wq)[:, :, None, :] + (k @ Wk)[:, None, :, :]).sum(-1)


def as_keys_first(q, k, Wq, Wk, w):
    return np.tanh((q @ Wq)[:, None, :, :] + (k @ Wk)[:, :, None, :]) @ w


def wa_spaces_only(weights, text):
    out, pos = [], 0
    for word in text.split(" "):
        out.append((word, int(weights[pos : pos + len(word)].mean(axis=0).argmax())))
        pos += len(word) + 1
    return out


def wa_first_char(weights, text):
    return [(m.group(), int(weights[m.start()].argmax())) for m in re.finditer(r"[a-z]+", text)]


def wa_one_late(weights, text):
    return [(m.group(), int(weights[m.start() + 1 : m.end() + 1].mean(axis=0).argmax())) for m in re.finditer(r"[a-z]+", text)]


def wa_max_weight(weights, text):
    return [(m.group(), float(weights[m.start() : m.end()].mean(axis=0).max())) for m in re.finditer(r"[a-z]+", text)]


def wa_wrong_axis(weights, text):
    return [(m.group(), int(weights[m.start() : m.end()].mean(axis=1).argmax())) for m in re.finditer(r"[a-z]+", text)]


def csa_no_mask(x, Wq, Wk, Wv):
    q, k, v = x @ Wq, x @ Wk, x @ Wv
    w = _softmax(q @ k.transpose(0, 2, 1) / np.sqrt(Wk.shape[1]))
    return w @ v, w


def csa_upper(x, Wq, Wk, Wv):
    q, k, v = x @ Wq, x @ Wk, x @ Wv
    T = x.shape[1]
    w = _softmax(np.where(np.triu(np.ones((T, T), bool)), q @ k.transpose(0, 2, 1) / np.sqrt(Wk.shape[1]), -np.inf))
    return w @ v, w


def csa_no_scale(x, Wq, Wk, Wv):
    q, k, v = x @ Wq, x @ Wk, x @ Wv
    T = x.shape[1]
    w = _softmax(np.where(np.tril(np.ones((T, T), bool)), q @ k.transpose(0, 2, 1), -np.inf))
    return w @ v, w


def csa_scale_by_d(x, Wq, Wk, Wv):
    q, k, v = x @ Wq, x @ Wk, x @ Wv
    T = x.shape[1]
    w = _softmax(np.where(np.tril(np.ones((T, T), bool)), q @ k.transpose(0, 2, 1) / Wk.shape[1], -np.inf))
    return w @ v, w


def csa_zero_after(x, Wq, Wk, Wv):
    q, k, v = x @ Wq, x @ Wk, x @ Wv
    T = x.shape[1]
    w = _softmax(q @ k.transpose(0, 2, 1) / np.sqrt(Wk.shape[1])) * np.tril(np.ones((T, T)))
    return w @ v, w


def csa_transposed(x, Wq, Wk, Wv):
    c, w = causal_self_attention(x, Wq, Wk, Wv)
    return w.transpose(0, 2, 1) @ (x @ Wv), w.transpose(0, 2, 1)


def csa_calls_rnnkit(x, Wq, Wk, Wv):  # right, but not the learner's own work: the hidden test blocks it
    return att.dot_product_attention(x @ Wq, x @ Wk, x @ Wv, att.causal_mask(x.shape[1]))


# name -> (right answer, [wrong answers], text the first wrong answer's message must contain)
CASES: dict[str, tuple[Any, list[Any], str]] = {
    "masked_softmax": (masked_softmax, [ms_no_mask, ms_zero_after, ms_multiply_scores, ms_wrong_axis, ms_no_shift,
                                        ms_small_negative], "the mask was not used"),
    "additive_scores": (additive_scores, [as_tanh_apart, as_no_tanh, as_sum_not_w, as_keys_first], "separately"),
    "word_alignment": (word_alignment, [wa_spaces_only, wa_first_char, wa_one_late, wa_max_weight, wa_wrong_axis], "a run of letters"),
    "causal_self_attention": (causal_self_attention, [csa_no_mask, csa_upper, csa_no_scale, csa_scale_by_d, csa_zero_after,
                                                      csa_transposed], "causal mask is missing"),
}

(test_every_check_has_cases, test_reference_solution_passes,
 test_wrong_solutions_fail_with_a_hint,
 test_unwritten_stub_gets_a_message_not_a_traceback) = check_suite(checks, CASES)


# ---- each wrong answer is named for what it is ----


@pytest.mark.parametrize("check, wrong, text", [
    ("masked_softmax", ms_zero_after, "no longer sum to 1"),
    ("masked_softmax", ms_multiply_scores, "exp(0) = 1"),
    ("masked_softmax", ms_wrong_axis, "over the queries"),
    ("masked_softmax", ms_no_shift, "NaN or inf"),
    ("masked_softmax", ms_small_negative, "not exactly 0"),
    ("additive_scores", as_no_tanh, "tanh is missing"),
    ("additive_scores", as_sum_not_w, "instead of weighting them by w"),
    ("additive_scores", as_keys_first, "keys first"),
    ("word_alignment", wa_first_char, "only the first character"),
    ("word_alignment", wa_one_late, "one character late"),
    ("word_alignment", wa_max_weight, "expected an int"),
    ("causal_self_attention", csa_upper, "wrong triangle"),
    ("causal_self_attention", csa_no_scale, "not scaled"),
    ("causal_self_attention", csa_scale_by_d, "not by its square root"),
    ("causal_self_attention", csa_zero_after, "no longer sum to 1"),
    ("causal_self_attention", csa_transposed, "transposed"),
])
def test_the_message_names_the_mistake(check: str, wrong: Any, text: str) -> None:
    with pytest.raises(checks.CheckFailed, match=re.escape(text)):
        getattr(checks, check)(wrong)


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
        checks.hidden_test("masked_softmax", ms_no_mask)


def test_check_failed_is_the_one_from_rnnkit_checks() -> None:
    from rnnkit import checks as part1

    assert checks.CheckFailed is part1.CheckFailed
