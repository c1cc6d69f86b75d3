"""Every exercise check passes a reference solution and fails wrong ones with a useful message."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from check_suite import check_suite

from rnnkit import checks
from rnnkit import numpy_rnn as nr


def _birnn(x: np.ndarray, fwd: tuple, bwd: tuple, realign: bool = True) -> np.ndarray:
    zeros = np.zeros((x.shape[0], fwd[1].shape[0]))
    hf, _ = nr.rnn_forward(x, zeros, *fwd)
    hb, _ = nr.rnn_forward(x[:, ::-1], zeros, *bwd)
    return np.concatenate([hf, hb[:, ::-1] if realign else hb], axis=-1)


def _sample(logits: np.ndarray, temperature: float, rng: np.random.Generator) -> int:
    return int(rng.choice(len(logits), p=nr.softmax(np.asarray(logits) / temperature)))


def _lstm_step_ifoc(x_t, h_prev, c_prev, Wx, Wh, b):  # a common mistake: gates in the order i, f, o, c
    H = h_prev.shape[1]
    z = x_t @ Wx + h_prev @ Wh + b
    i, f, o, g = nr.sigmoid(z[:, :H]), nr.sigmoid(z[:, H : 2 * H]), nr.sigmoid(z[:, 2 * H : 3 * H]), np.tanh(z[:, 3 * H :])
    c = f * c_prev + i * g
    return o * np.tanh(c), c


def _per_tensor_clip(grads, max_norm):
    norm = float(np.sqrt(sum(np.sum(g**2) for g in grads)))
    return [g * min(1.0, max_norm / np.linalg.norm(g)) for g in grads], norm


def _ce_sum(logits, targets):  # sums instead of averaging
    loss, d = nr.softmax_cross_entropy(logits, targets)
    return loss * targets.size, d * targets.size


def _ce_unstable(logits, targets):  # no max-shift: overflows on large logits
    with np.errstate(over="ignore", invalid="ignore"):
        p = np.exp(logits) / np.exp(logits).sum(-1, keepdims=True)
    return nr.softmax_cross_entropy(np.log(p + 1e-300), targets)


def _rnn_backward_no_dhnext(dh, cache):
    x, h0, Wx, Wh, h = cache
    dx, dWx, dWh, db = np.zeros_like(x), np.zeros_like(Wx), np.zeros_like(Wh), np.zeros(h.shape[2])
    for t in reversed(range(h.shape[1])):
        hprev = h[:, t - 1] if t > 0 else h0
        da = dh[:, t] * (1 - h[:, t] ** 2)
        dx[:, t] = da @ Wx.T
        dWx += x[:, t].T @ da
        dWh += hprev.T @ da
        db += da.sum(0)
    return dx, da @ Wh.T, dWx, dWh, db


ANSWERS = dict(zip(checks.TASK_SHAPE_QUESTIONS, [
    "many-to-one", "many-to-many (aligned)", "many-to-many (encoder-decoder)", "one-to-many", "one-to-one",
    "many-to-one", "many-to-many (aligned)", "many-to-one", "one-to-many", "many-to-many (encoder-decoder)",
]))

# name -> (reference solution, [wrong solutions], text the failure of the first wrong one must contain)
CASES: dict[str, tuple[Any, list[Any], str]] = {
    "one_hot": (lambda ids, V: np.eye(V)[ids], [lambda ids, V: np.eye(V + 1)[ids], lambda ids, V: ids], "shape"),
    "embedding_lookup": (lambda ids, E: E[ids], [lambda ids, E: E[ids] * 2, lambda ids, E: E.T], "wrong by up to"),
    "task_shapes": (ANSWERS, [{**ANSWERS, checks.TASK_SHAPE_QUESTIONS[0]: "one-to-many"}, {}, {k: "two-to-two" for k in ANSWERS}],
                    "1 of 10 answers"),
    "rnn_step": (nr.rnn_step, [lambda x, h, Wx, Wh, b: np.tanh(x @ Wx + h @ Wh), lambda x, h, Wx, Wh, b: np.tanh(Wx @ x)], "wrong by up to"),
    "rnn_forward": (nr.rnn_forward, [lambda x, h0, Wx, Wh, b: nr.rnn_forward(x, np.zeros_like(h0), Wx, Wh, b)[0],
                                     lambda x, h0, Wx, Wh, b: nr.rnn_forward(x, h0, Wx, Wh, b)[0][:, -1]], "h (every hidden state)"),
    "birnn_forward": (_birnn, [lambda x, f, b: _birnn(x, f, b, realign=False), lambda x, f, b: _birnn(x, f, f)], "reversed time order"),
    "rnn_param_count": (lambda D, H: D * H + H * H + H, [lambda D, H: D * H + H * H, lambda D, H: 1.5], "parameters"),
    "softmax_cross_entropy": (nr.softmax_cross_entropy, [_ce_sum, _ce_unstable], "loss"),
    "rnn_backward": (nr.rnn_backward, [_rnn_backward_no_dhnext, lambda dh, c: nr.rnn_backward(dh, c)[:4]], "dhnext"),
    "sample_next": (_sample, [lambda logits, T, rng: int(np.argmax(logits)),
                              lambda logits, T, rng: int(rng.choice(len(logits), p=nr.softmax(logits))),
                              lambda logits, T, rng: int(np.random.default_rng().choice(len(logits), p=nr.softmax(logits / T)))],
                    "always picked the largest logit"),
    "clip_by_global_norm": (nr.clip_by_global_norm, [_per_tensor_clip, lambda g, m: (g, 1.0)], "each gradient was clipped on its own"),
    "spectral_radius": (lambda W: float(np.max(np.abs(np.linalg.eigvals(W)))),
                        [lambda W: float(np.linalg.norm(W, 2)), lambda W: float(np.max(np.real(np.linalg.eigvals(W))))],
                        "largest singular value"),
    "lstm_step": (nr.lstm_step, [_lstm_step_ifoc, lambda x, h, c, Wx, Wh, b: nr.lstm_step(x, h, c, Wx, Wh, b)[::-1]], "c_t"),
    "gru_step": (nr.gru_step, [lambda x, h, Wx, Wh, b: 1 - nr.gru_step(x, h, Wx, Wh, b),
                               lambda x, h, Wx, Wh, b: nr.gru_step(x, h, Wx, Wh, np.zeros_like(b))], "h_t"),
    "lstm_param_count": (lambda D, H: 4 * (D * H + H * H + H), [lambda D, H: D * H + H * H + H], "four blocks"),
    "gru_param_count": (lambda D, H: 3 * (D * H + H * H + 2 * H), [lambda D, H: 3 * (D * H + H * H + H)], "two biases"),
}


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
