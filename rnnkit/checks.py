"""Checks for the exercises of Part I (notebooks 01-05).

Each check takes the function you wrote, runs it on a few seeded test cases,
and compares it with the reference in :mod:`rnnkit.numpy_rnn`. It either
prints one line starting with ``✓``, or raises :class:`CheckFailed` with what is
wrong, by how much, and a hint. Example::

    from rnnkit import checks
    checks.rnn_step(my_rnn_step)
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any, NoReturn

import numpy as np

from rnnkit import numpy_rnn as nr

__all__ = [
    "CheckFailed",
    "TASK_SHAPES",
    "TASK_SHAPE_QUESTIONS",
    "one_hot",
    "embedding_lookup",
    "task_shapes",
    "rnn_step",
    "rnn_forward",
    "birnn_forward",
    "rnn_param_count",
    "softmax_cross_entropy",
    "rnn_backward",
    "sample_next",
    "clip_by_global_norm",
    "spectral_radius",
    "lstm_step",
    "gru_step",
    "lstm_param_count",
    "gru_param_count",
]

CHECKS: tuple[str, ...] = tuple(name for name in __all__ if name[0].islower())


class CheckFailed(AssertionError):
    """Raised by a check when the learner's answer is wrong. The message says why."""


# --------------------------------------------------------------------------
# The machinery every check shares
# --------------------------------------------------------------------------


def _fail(check: str, problem: str, hint: str) -> NoReturn:
    raise CheckFailed(f"✗ {check}: {problem}\n  Hint: {hint}")


def _passed(check: str, detail: str) -> None:
    print(f"✓ {check}: {detail}")


def _describe(args: tuple[Any, ...]) -> str:
    parts = []
    for a in args:
        if isinstance(a, np.ndarray):
            parts.append(f"array{tuple(a.shape)}")
        elif isinstance(a, (list, tuple)) and a and all(isinstance(x, np.ndarray) for x in a):
            parts.append("[" + ", ".join(f"array{tuple(x.shape)}" for x in a) + "]")
        elif isinstance(a, np.random.Generator):
            parts.append("rng")
        else:
            parts.append(repr(a))
    return "(" + ", ".join(parts) + ")"


def _call(check: str, fn: Callable[..., Any], *args: Any) -> Any:
    """Call the learner's function; turn any exception into a readable failure."""
    if not callable(fn):
        _fail(check, f"expected a function, got {type(fn).__name__}", "pass the function itself, without calling it")
    try:
        return fn(*args)
    except NotImplementedError:
        _fail(check, "the function is not written yet (it raised NotImplementedError)", "replace the line `raise NotImplementedError()` with your code")
    except Exception as exc:  # any bug in learner code becomes a message, not a traceback
        _fail(
            check,
            f"your function raised {type(exc).__name__}: {exc}\n  when called with {_describe(args)}",
            "run it yourself on those shapes and print the shape of each intermediate array",
        )


def _as_array(check: str, what: str, value: Any) -> np.ndarray:
    try:
        arr = np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError):
        _fail(check, f"{what} should be a numeric array, got {type(value).__name__}", "return a numpy array")
    return arr


def _compare(check: str, what: str, got: Any, want: np.ndarray, hint: str, *, tol: float = 1e-6) -> None:
    """Fail unless ``got`` has the shape of ``want`` and matches it to ``tol`` (relative to its scale)."""
    got = _as_array(check, what, got)
    if got.shape != want.shape:
        _fail(check, f"{what} has shape {got.shape}, expected {want.shape}", hint)
    if not np.all(np.isfinite(got)):
        _fail(check, f"{what} contains NaN or infinity", "look for an overflow, e.g. np.exp of a large number")
    err = np.abs(got - want)
    if want.size and err.max() > tol * (1.0 + np.abs(want).max()):
        idx = np.unravel_index(int(np.argmax(err)), err.shape)
        _fail(
            check,
            f"{what} is wrong by up to {err.max():.3g} (at index {tuple(int(i) for i in idx)}: got {got[idx]:.6g}, expected {want[idx]:.6g})",
            hint,
        )


def _unpack(check: str, out: Any, n: int, names: str) -> tuple[Any, ...]:
    if not isinstance(out, (tuple, list)) or len(out) != n:
        _fail(check, f"expected a tuple of {n} values ({names}), got {type(out).__name__}", f"end with `return {names}`")
    return tuple(out)


def _cases(seed: int, sizes: list[tuple[int, ...]]) -> list[tuple[np.random.Generator, tuple[int, ...]]]:
    return [(np.random.default_rng(seed + k), s) for k, s in enumerate(sizes)]


def _int_answer(check: str, fn: Callable[..., Any], args: tuple[int, ...], want: int, hint: str) -> None:
    got = _call(check, fn, *args)
    if isinstance(got, (bool, np.bool_)) or not isinstance(got, (int, np.integer)):
        _fail(check, f"expected an int, got {type(got).__name__} {got!r} for {_describe(args)}", "return a whole number")
    if got != want:
        _fail(check, f"for (D, H) = {args} you said {got}, but the layer has {want} parameters", hint)


# --------------------------------------------------------------------------
# 01 Sequences and tensor shapes
# --------------------------------------------------------------------------


def one_hot(fn: Callable[[np.ndarray, int], np.ndarray]) -> None:
    """Check ``fn(ids, V) -> (N, T, V)`` one-hot vectors for integer ``ids`` (N, T)."""
    name = "one_hot"
    for rng, (N, T, V) in _cases(1, [(2, 5, 7), (1, 1, 3), (3, 4, 10)]):
        ids = rng.integers(0, V, size=(N, T))
        _compare(name, "one_hot(ids, V)", _call(name, fn, ids, V), np.eye(V)[ids],
                 "each row is all zeros but a single 1 at the position ids[n, t]; np.eye(V)[ids] does all rows at once")
    _passed(name, "correct on 3 test cases")


def embedding_lookup(fn: Callable[[np.ndarray, np.ndarray], np.ndarray]) -> None:
    """Check ``fn(ids, E) -> (N, T, d)``: the rows of the embedding matrix ``E`` (V, d) picked by ``ids``."""
    name = "embedding_lookup"
    for rng, (N, T, V, d) in _cases(2, [(2, 5, 7, 3), (1, 3, 4, 8), (4, 2, 9, 2)]):
        ids = rng.integers(0, V, size=(N, T))
        E = rng.standard_normal((V, d))
        _compare(name, "embedding_lookup(ids, E)", _call(name, fn, ids, E), E[ids],
                 "the vector for token id k is row k of E; numpy fancy indexing E[ids] picks all of them")
    _passed(name, "correct on 3 test cases")


TASK_SHAPES: tuple[str, ...] = (
    "one-to-one",
    "one-to-many",
    "many-to-one",
    "many-to-many (aligned)",
    "many-to-many (encoder-decoder)",
)

_TASK_ANSWERS: dict[str, str] = {
    "decide whether a movie review is positive or negative": "many-to-one",
    "tag every word of a sentence with its part of speech": "many-to-many (aligned)",
    "translate an English sentence into Korean": "many-to-many (encoder-decoder)",
    "write a one-line caption for a photo": "one-to-many",
    "recognise the digit in a single 8x8 image": "one-to-one",
    "flag an e-mail as spam or not": "many-to-one",
    "mark every token that is part of a person's name": "many-to-many (aligned)",
    "predict tomorrow's temperature from the last 30 days": "many-to-one",
    "compose a melody given only a genre label": "one-to-many",
    "turn a spoken sentence (audio frames) into its text": "many-to-many (encoder-decoder)",
}

TASK_SHAPE_QUESTIONS: tuple[str, ...] = tuple(_TASK_ANSWERS)


def _normalise_shape(answer: Any) -> str:
    text = re.sub(r"[\s_]+", " ", str(answer).strip().lower())
    text = re.sub(r"(one|many)[\s-]*to[\s-]*(one|many)", r"\1-to-\2", text)
    aliases = {
        "many-to-many": "many-to-many (aligned)",
        "many-to-many aligned": "many-to-many (aligned)",
        "many-to-many (unaligned)": "many-to-many (encoder-decoder)",
        "many-to-many unaligned": "many-to-many (encoder-decoder)",
        "many-to-many encoder-decoder": "many-to-many (encoder-decoder)",
        "encoder-decoder": "many-to-many (encoder-decoder)",
        "seq2seq": "many-to-many (encoder-decoder)",
    }
    return aliases.get(text.strip(), text.strip())


def task_shapes(answers: Mapping[str, str] | Callable[[], Mapping[str, str]]) -> None:
    """Check a dict (or a function returning one) mapping each task in ``TASK_SHAPE_QUESTIONS`` to one of ``TASK_SHAPES``."""
    name = "task_shapes"
    if callable(answers):
        answers = _call(name, answers)
    if not isinstance(answers, Mapping):
        _fail(name, f"expected a dict, got {type(answers).__name__}", "build {task: shape} for every task in checks.TASK_SHAPE_QUESTIONS")
    missing = [q for q in TASK_SHAPE_QUESTIONS if q not in answers]
    if missing:
        _fail(name, f"{len(missing)} task(s) have no answer, e.g. {missing[0]!r}",
              "copy the keys from checks.TASK_SHAPE_QUESTIONS so the spelling matches")
    unknown = {q: a for q, a in answers.items() if _normalise_shape(a) not in TASK_SHAPES}
    if unknown:
        q, a = next(iter(unknown.items()))
        _fail(name, f"{a!r} (for {q!r}) is not one of the shapes", f"use one of {', '.join(TASK_SHAPES)}")
    wrong = [q for q in TASK_SHAPE_QUESTIONS if _normalise_shape(answers[q]) != _TASK_ANSWERS[q]]
    if wrong:
        listing = "\n    ".join(f"{q!r}: you said {answers[q]!r}" for q in wrong)
        _fail(name, f"{len(wrong)} of {len(TASK_SHAPE_QUESTIONS)} answers are not right yet:\n    {listing}",
              "for each task ask: is the input one item or a sequence? is the output one item or a sequence? "
              "if both are sequences, is there exactly one output per input step?")
    _passed(name, f"all {len(TASK_SHAPE_QUESTIONS)} tasks matched to their shape")


# --------------------------------------------------------------------------
# 02 The forward pass
# --------------------------------------------------------------------------


def _rnn_case(rng: np.random.Generator, N: int, T: int, D: int, H: int) -> tuple[np.ndarray, ...]:
    x = rng.standard_normal((N, T, D))
    h0 = rng.standard_normal((N, H)) * 0.5
    Wx, Wh, b = rng.standard_normal((D, H)) * 0.5, rng.standard_normal((H, H)) * 0.5, rng.standard_normal(H) * 0.1
    return x, h0, Wx, Wh, b


def rnn_step(fn: Callable[..., np.ndarray]) -> None:
    """Check ``fn(x_t, h_prev, Wx, Wh, b) -> h_t`` (N, H)."""
    name = "rnn_step"
    for rng, (N, D, H) in _cases(3, [(2, 3, 4), (1, 5, 2), (4, 1, 3)]):
        x, h0, Wx, Wh, b = _rnn_case(rng, N, 1, D, H)
        _compare(name, "h_t", _call(name, fn, x[:, 0], h0, Wx, Wh, b), nr.rnn_step(x[:, 0], h0, Wx, Wh, b),
                 "h_t = np.tanh(x_t @ Wx + h_prev @ Wh + b); inputs multiply from the left")
    _passed(name, "correct on 3 test cases")


def rnn_forward(fn: Callable[..., Any]) -> None:
    """Check ``fn(x, h0, Wx, Wh, b)`` returning all hidden states (N, T, H), alone or first in a tuple."""
    name = "rnn_forward"
    for rng, (N, T, D, H) in _cases(4, [(2, 6, 3, 4), (1, 1, 2, 2), (3, 10, 1, 5)]):
        x, h0, Wx, Wh, b = _rnn_case(rng, N, T, D, H)
        out = _call(name, fn, x, h0, Wx, Wh, b)
        got = out[0] if isinstance(out, tuple) else out
        want, _ = nr.rnn_forward(x, h0, Wx, Wh, b)
        _compare(name, "h (every hidden state)", got, want,
                 "loop t over range(T), feed the previous state into the step, and store each h_t at h[:, t]; the first step uses h0")
    _passed(name, "correct on 3 test cases")


def birnn_forward(fn: Callable[..., np.ndarray]) -> None:
    """Check ``fn(x, fwd_weights, bwd_weights) -> (N, T, 2H)`` for a bidirectional RNN starting from zeros."""
    name = "birnn_forward"
    for rng, (N, T, D, H) in _cases(5, [(2, 5, 3, 4), (1, 3, 2, 2)]):
        x = rng.standard_normal((N, T, D))
        fwd = nr.init_rnn(rng, D, H)
        bwd = nr.init_rnn(rng, D, H)
        zeros = np.zeros((N, H))
        hf, _ = nr.rnn_forward(x, zeros, *fwd)
        hb_rev, _ = nr.rnn_forward(x[:, ::-1], zeros, *bwd)
        want = np.concatenate([hf, hb_rev[:, ::-1]], axis=-1)
        got = _call(name, fn, x, fwd, bwd)
        unaligned = np.concatenate([hf, hb_rev], axis=-1)
        if np.shape(got) == want.shape and np.allclose(got, unaligned) and not np.allclose(got, want):
            _fail(name, "the backward half is in reversed time order",
                  "the backward RNN reads x[:, ::-1]; flip its states back with [:, ::-1] so position t means input step t in both halves")
        _compare(name, "the concatenated states", got, want,
                 "run one RNN on x and another on x[:, ::-1], flip the second's states back, and np.concatenate on the last axis (forward first)")
    _passed(name, "correct on 2 test cases")


def rnn_param_count(fn: Callable[[int, int], int]) -> None:
    """Check ``fn(D, H)`` = number of trainable parameters of a vanilla RNN layer."""
    name = "rnn_param_count"
    for D, H in [(3, 4), (1, 1), (100, 32), (64, 256)]:
        _int_answer(name, fn, (D, H), D * H + H * H + H, "count Wx (D x H), Wh (H x H) and b (H); the same weights serve every step")
    _passed(name, "correct for 4 layer sizes")


# --------------------------------------------------------------------------
# 03 Backpropagation through time
# --------------------------------------------------------------------------


def softmax_cross_entropy(fn: Callable[..., tuple[float, np.ndarray]]) -> None:
    """Check ``fn(logits, targets) -> (mean loss, dlogits)``."""
    name = "softmax_cross_entropy"
    for rng, shape in _cases(6, [(2, 3, 5), (4, 6), (1, 2, 3)]):
        logits = rng.standard_normal(shape) * 2.0
        targets = rng.integers(0, shape[-1], size=shape[:-1])
        loss, dlogits = _unpack(name, _call(name, fn, logits, targets), 2, "loss, dlogits")
        want_loss, want_d = nr.softmax_cross_entropy(logits, targets)
        _compare(name, "loss", loss, np.asarray(want_loss),
                 "average -log p[target] over every prediction (every n and t), not the sum")
        _compare(name, "dlogits", dlogits, want_d,
                 "the gradient is (softmax(logits) - one_hot(targets)) / number_of_predictions")
    big = np.array([[1000.0, 0.0, -1000.0]])
    loss, _ = _unpack(name, _call(name, fn, big, np.array([0])), 2, "loss, dlogits")
    if not np.isfinite(loss) or abs(float(loss)) > 1e-6:
        _fail(name, f"for logits [1000, 0, -1000] and target 0 the loss is {loss}, expected 0",
              "subtract the largest logit before np.exp so nothing overflows")
    _passed(name, "loss and gradient correct on 3 cases, and stable for large logits")


def rnn_backward(fn: Callable[..., tuple[np.ndarray, ...]]) -> None:
    """Check ``fn(dh, cache) -> (dx, dh0, dWx, dWh, db)`` against ``rnnkit.numpy_rnn.rnn_backward``."""
    name = "rnn_backward"
    names = ("dx", "dh0", "dWx", "dWh", "db")
    hints = {
        "dx": "dx[:, t] = da @ Wx.T, where da is the gradient just before the tanh",
        "dh0": "what flows out of step 0 into h0 is da @ Wh.T of step 0",
        "dWx": "accumulate x[:, t].T @ da over every t",
        "dWh": "accumulate h_prev.T @ da over every t, with h_prev = h0 at t = 0",
        "db": "accumulate da.sum(axis=0) over every t",
    }
    for rng, (N, T, D, H) in _cases(7, [(2, 4, 3, 5), (1, 6, 2, 3)]):
        x, h0, Wx, Wh, b = _rnn_case(rng, N, T, D, H)
        h, cache = nr.rnn_forward(x, h0, Wx, Wh, b)
        dh = rng.standard_normal(h.shape)
        got = _unpack(name, _call(name, fn, dh, cache), 5, ", ".join(names))
        want = nr.rnn_backward(dh, cache)
        for n, g, w in zip(names, got, want):
            extra = " Remember the gradient from step t+1 (dhnext) adds to dh[:, t]." if n != "db" else ""
            _compare(name, n, g, w, hints[n] + "." + extra)
    _passed(name, "all five gradients correct on 2 test cases")


def sample_next(fn: Callable[[np.ndarray, float, np.random.Generator], int]) -> None:
    """Check ``fn(logits, temperature, rng) -> int`` samples from ``softmax(logits / temperature)``."""
    name = "sample_next"
    logits = np.array([2.0, 1.0, 0.0, -1.0])
    draws = 4000
    for temperature in (1.0, 0.5, 2.0):
        rng = np.random.default_rng(11)
        samples = []
        for _ in range(draws):
            s = _call(name, fn, logits, temperature, rng)
            if isinstance(s, (bool, np.bool_)) or not isinstance(s, (int, np.integer)) or not 0 <= s < len(logits):
                _fail(name, f"expected an int in [0, {len(logits)}), got {s!r}", "return int(rng.choice(V, p=probs))")
            samples.append(int(s))
        freq = np.bincount(samples, minlength=len(logits)) / draws
        want = nr.softmax(logits / temperature)
        if freq[0] == 1.0 and want[0] < 0.99:
            _fail(name, f"at temperature {temperature} you always picked the largest logit",
                  "that is greedy decoding; sample with rng.choice(V, p=softmax(logits / temperature))")
        gap = 0.5 * np.abs(freq - want).sum()
        if gap > 0.04:
            _fail(name, f"at temperature {temperature} your samples have frequencies {np.round(freq, 3)}, expected about {np.round(want, 3)}",
                  "divide the logits by the temperature before the softmax, and sample with the rng you are given")
    if len({int(_call(name, fn, logits, 1.0, np.random.default_rng(3))) for _ in range(20)}) > 1:
        _fail(name, "two calls with identically seeded generators gave different samples", "draw the randomness from `rng`, not from np.random")
    _passed(name, f"sample frequencies match softmax(logits / T) for T = 1, 0.5, 2 ({draws} draws each)")


# --------------------------------------------------------------------------
# 04 Vanishing and exploding gradients
# --------------------------------------------------------------------------


def clip_by_global_norm(fn: Callable[..., tuple[list[np.ndarray], float]]) -> None:
    """Check ``fn(grads, max_norm) -> (clipped grads, norm before clipping)``."""
    name = "clip_by_global_norm"
    rng = np.random.default_rng(8)
    for scale, max_norm in ((10.0, 1.0), (0.01, 5.0), (3.0, 2.0)):
        grads = [rng.standard_normal((3, 4)) * scale, rng.standard_normal(4) * scale, rng.standard_normal((2, 2)) * scale]
        copies = [g.copy() for g in grads]
        clipped, norm = _unpack(name, _call(name, fn, grads, max_norm), 2, "clipped, norm")
        want, want_norm = nr.clip_by_global_norm(copies, max_norm)
        _compare(name, "norm", norm, np.asarray(want_norm), "the global norm is sqrt of the sum of squares of every entry of every gradient")
        if not isinstance(clipped, (list, tuple)) or len(clipped) != len(want):
            _fail(name, f"expected a list of {len(want)} clipped gradients", "return one array per input gradient, in order")
        per_tensor = [g * min(1.0, max_norm / np.linalg.norm(g)) for g in copies]
        if all(np.shape(c) == p.shape and np.allclose(c, p) for c, p in zip(clipped, per_tensor)) and want_norm > max_norm:
            if not all(np.allclose(c, w) for c, w in zip(clipped, want)):
                _fail(name, "each gradient was clipped on its own", "scale ALL gradients by the same factor max_norm / global_norm, so their joint direction is kept")
        for k, (c, w) in enumerate(zip(clipped, want)):
            _compare(name, f"clipped[{k}]", c, w, "multiply every gradient by min(1, max_norm / global_norm)")
    _passed(name, "correct when clipping is needed and when it is not")


def spectral_radius(fn: Callable[[np.ndarray], float]) -> None:
    """Check ``fn(W) -> float``: the largest absolute eigenvalue of the square matrix ``W``."""
    name = "spectral_radius"
    rng = np.random.default_rng(9)
    theta = 0.7
    rotation = 0.9 * np.array([[np.cos(theta), -np.sin(theta)], [np.sin(theta), np.cos(theta)]])
    skewed = np.array([[0.5, 3.0], [0.0, 0.5]])
    for W in (np.diag([0.3, -1.2, 0.8]), rotation, skewed, rng.standard_normal((6, 6)) / np.sqrt(6)):
        got = _call(name, fn, W)
        want = float(np.max(np.abs(np.linalg.eigvals(W))))
        if np.ndim(got) != 0:
            _fail(name, f"expected one number, got an array of shape {np.shape(got)}", "take the max of the absolute eigenvalues")
        if abs(float(np.real(got)) - float(np.linalg.norm(W, 2))) < 1e-9 and abs(want - float(np.linalg.norm(W, 2))) > 1e-6:
            _fail(name, "you returned the largest singular value (the spectral norm)",
                  "the spectral radius uses eigenvalues: np.max(np.abs(np.linalg.eigvals(W)))")
        _compare(name, "spectral radius", np.real(got), np.asarray(want),
                 "eigenvalues can be complex (rotations!): take np.abs of np.linalg.eigvals(W), then the max")
    _passed(name, "correct on 4 matrices, including a rotation with complex eigenvalues")


# --------------------------------------------------------------------------
# 05 LSTM and GRU
# --------------------------------------------------------------------------


def lstm_step(fn: Callable[..., tuple[np.ndarray, np.ndarray]]) -> None:
    """Check ``fn(x_t, h_prev, c_prev, Wx, Wh, b) -> (h_t, c_t)`` with Keras' gate order i, f, c, o."""
    name = "lstm_step"
    for rng, (N, D, H) in _cases(10, [(2, 3, 4), (1, 2, 5), (3, 4, 2)]):
        x_t = rng.standard_normal((N, D))
        h_prev, c_prev = rng.standard_normal((N, H)) * 0.5, rng.standard_normal((N, H))
        Wx, Wh, b = rng.standard_normal((D, 4 * H)) * 0.5, rng.standard_normal((H, 4 * H)) * 0.5, rng.standard_normal(4 * H) * 0.5
        h_t, c_t = _unpack(name, _call(name, fn, x_t, h_prev, c_prev, Wx, Wh, b), 2, "h_t, c_t")
        want_h, want_c = nr.lstm_step(x_t, h_prev, c_prev, Wx, Wh, b)
        _compare(name, "c_t", c_t, want_c,
                 "c_t = f * c_prev + i * g with the blocks of z = x_t @ Wx + h_prev @ Wh + b taken in the order i, f, c (g), o")
        _compare(name, "h_t", h_t, want_h, "h_t = o * tanh(c_t), with o the LAST block of z")
    _passed(name, "h_t and c_t correct on 3 test cases")


def gru_step(fn: Callable[..., np.ndarray]) -> None:
    """Check ``fn(x_t, h_prev, Wx, Wh, b) -> h_t`` in Keras' GRU layout (reset_after=True, b of shape (2, 3H))."""
    name = "gru_step"
    for rng, (N, D, H) in _cases(12, [(2, 3, 4), (1, 2, 5), (3, 4, 2)]):
        x_t, h_prev = rng.standard_normal((N, D)), rng.standard_normal((N, H)) * 0.5
        Wx, Wh, b = rng.standard_normal((D, 3 * H)) * 0.5, rng.standard_normal((H, 3 * H)) * 0.5, rng.standard_normal((2, 3 * H)) * 0.5
        _compare(name, "h_t", _call(name, fn, x_t, h_prev, Wx, Wh, b), nr.gru_step(x_t, h_prev, Wx, Wh, b),
                 "blocks are z, r, h; the reset gate multiplies (h_prev @ Wh + b[1]) AFTER the matmul; h_t = z * h_prev + (1 - z) * candidate")
    _passed(name, "correct on 3 test cases")


def lstm_param_count(fn: Callable[[int, int], int]) -> None:
    """Check ``fn(D, H)`` = trainable parameters of ``keras.layers.LSTM(H)`` on D input features."""
    name = "lstm_param_count"
    for D, H in [(3, 4), (1, 1), (100, 32), (64, 256)]:
        _int_answer(name, fn, (D, H), 4 * (D * H + H * H + H), "an LSTM has four blocks (i, f, c, o), each with its own input weights, recurrent weights and bias")
    _passed(name, "correct for 4 layer sizes")


def gru_param_count(fn: Callable[[int, int], int]) -> None:
    """Check ``fn(D, H)`` = trainable parameters of ``keras.layers.GRU(H)`` (reset_after=True) on D features."""
    name = "gru_param_count"
    for D, H in [(3, 4), (1, 1), (100, 32), (64, 256)]:
        _int_answer(name, fn, (D, H), 3 * (D * H + H * H + 2 * H), "three blocks (z, r, h), and with reset_after=True two biases per block (input and recurrent)")
    _passed(name, "correct for 4 layer sizes")
