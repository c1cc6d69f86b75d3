"""Checks for the exercises of notebook 15 (attention).

They work like :mod:`rnnkit.checks`: each takes the function you wrote, runs it
on a few seeded cases against the reference in :mod:`rnnkit.attention`, and
either prints one line starting with ``✓`` or raises
:class:`rnnkit.checks.CheckFailed` saying what is wrong, by how much, and with a
hint (``hint("masked_softmax")`` gives a second, more explicit one). Example::

    from rnnkit import checks_attention as checks
    checks.masked_softmax(my_masked_softmax)

Everything here is numpy; no check needs Keras.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import numpy as np

from rnnkit import attention as att
from rnnkit.checks import (
    TOOLS,
    CheckFailed,
    _as_array,
    _call,
    _cases,
    _check,
    _compare,
    _fail,
    _hidden,
    _mistake,
    _passed,
    _rng,
    _unpack,
    hidden_test,
    hint,
)

__all__ = [
    "CheckFailed",
    "hint",
    "hidden_test",
    "masked_softmax",
    "additive_scores",
    "word_alignment",
    "causal_self_attention",
]

CHECKS: tuple[str, ...] = tuple(name for name in __all__ if name[0].islower() and name not in TOOLS)


def _padding(rng: np.random.Generator, N: int, Tk: int) -> np.ndarray:
    """A (N, Tk) padding mask: 1..Tk real keys at the front of each row, one full row and one row of a single key."""
    lengths = rng.integers(1, Tk + 1, size=N)
    lengths[0], lengths[-1] = Tk, 1
    return np.arange(Tk) < lengths[:, None]


def _softmax(z: np.ndarray, axis: int = -1) -> np.ndarray:
    e = np.exp(z - z.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


# --------------------------------------------------------------------------
# Exercise 1: the masked softmax
# --------------------------------------------------------------------------


@_check(more="a key that must get no weight needs a score that exp() turns into exactly 0; do that before the "
        "softmax, so the other keys share all of the weight, and keep the row's largest allowed score at 0 so "
        "nothing overflows", reference=("rnnkit.attention.masked_softmax", "rnnkit.attention.dot_product_attention"))
def masked_softmax(fn: Callable[[np.ndarray, np.ndarray], np.ndarray]) -> None:
    """Check ``fn(scores (N, Tq, Tk), mask (N, Tk)) -> weights (N, Tq, Tk)``."""
    name = "masked_softmax"
    sizes = [(3, 2, 5), (2, 4, 3), (4, 1, 6)]
    for rng, (N, Tq, Tk) in _cases(150, sizes, hidden=[(2, 3, 7), (5, 2, 4)]):
        scores = rng.standard_normal((N, Tq, Tk)) * 3.0
        mask = _padding(rng, N, Tk)
        want = att.masked_softmax(scores, mask)
        got = _call(name, fn, scores.copy(), mask.copy())
        kept = np.broadcast_to(mask[:, None, :], want.shape)
        arr = np.asarray(got, dtype=float) if isinstance(got, np.ndarray) else None
        if arr is not None and arr.shape == want.shape and np.isnan(arr).any() and np.all(np.nan_to_num(arr)[kept] == 0.0):
            _fail(name, "the real keys get weight 0 and the rows without padding are NaN: the mask is used the wrong way round",
                  "True in the mask means the key may be attended to; it is the False keys that must get no weight")
        _mistake(name, got, want, [
            (_softmax(scores), "the masked keys get weight: it is the plain softmax, the mask was not used",
             "padding must get no attention at all; use the mask on the scores, before the softmax"),
            (_softmax(scores) * mask[:, None, :], "the masked weights are 0, but the rows no longer sum to 1",
             "you zeroed the weights after the softmax, so the real keys keep only part of the total; "
             "leave the masked keys out before the softmax (or divide by the new row sum)"),
            (_softmax(scores * mask[:, None, :]), "the masked keys still get weight: their score became 0, and exp(0) = 1",
             "a score of 0 is an ordinary score, not 'no attention'; a masked key needs a score whose exp() is 0"),
            (np.where(mask[:, None, :], _softmax(np.where(mask[:, None, :], scores, -np.inf), axis=1), 0.0),
             "the weights sum to 1 over the queries (axis 1), not over the keys",
             "each query spreads its attention over the keys: normalise along the last axis"),
        ])
        _compare(name, "weights", got, want, "masked keys get exactly 0 and each row sums to 1 over the keys it may see")
        got_arr = _as_array(name, "weights", got)
        masked = ~np.broadcast_to(mask[:, None, :], want.shape)
        if np.any(got_arr[masked] != 0.0):
            _fail(name, f"the masked weights are close to 0 but not exactly 0 (largest {np.abs(got_arr[masked]).max():.2g})",
                  "a large negative number only makes them small; a score of -inf gives exp() = 0 exactly")
    big = np.array([[[1000.0, 998.0, -1000.0, 5.0]]])
    big_mask = np.array([[True, True, True, False]])
    got = _as_array(name, "weights", _call(name, fn, big.copy(), big_mask.copy()))
    if not np.all(np.isfinite(got)):
        _fail(name, "for scores like [1000, 998, -1000] the weights contain NaN or inf",
              "exp(1000) overflows; softmax(z) = softmax(z - max z), so shift every row before np.exp")
    _compare(name, "weights for large scores", got, att.masked_softmax(big, big_mask),
             "shift each row by its largest allowed score before np.exp")
    _passed(name, "correct on 3 cases with padding, and stable for large scores")


# --------------------------------------------------------------------------
# Exercise 2: the additive (Bahdanau) score
# --------------------------------------------------------------------------


@_check(more="first project: q @ Wq is (N, Tq, A) and k @ Wk is (N, Tk, A); then give one of them a new axis so "
        "the sum pairs every query with every key, (N, Tq, Tk, A); tanh that sum and contract its last axis with w",
        reference=("rnnkit.attention.additive_scores", "rnnkit.attention.additive_attention"))
def additive_scores(fn: Callable[..., np.ndarray]) -> None:
    """Check ``fn(q (N, Tq, dq), k (N, Tk, dk), Wq (dq, A), Wk (dk, A), w (A,)) -> scores (N, Tq, Tk)``."""
    name = "additive_scores"
    sizes = [(2, 3, 5, 4, 6, 7), (1, 4, 2, 3, 3, 5), (3, 1, 4, 2, 5, 3)]  # N, Tq, Tk, dq, dk, A
    for rng, (N, Tq, Tk, dq, dk, A) in _cases(160, sizes, hidden=[(2, 2, 6, 3, 4, 5)]):
        q, k = rng.standard_normal((N, Tq, dq)), rng.standard_normal((N, Tk, dk))
        Wq, Wk, w = rng.standard_normal((dq, A)) * 0.7, rng.standard_normal((dk, A)) * 0.7, rng.standard_normal(A)
        want = att.additive_scores(q, k, Wq, Wk, w)
        got = _call(name, fn, q.copy(), k.copy(), Wq.copy(), Wk.copy(), w.copy())
        pq, pk = q @ Wq, k @ Wk
        if np.shape(got) == (N, Tk, Tq) and Tq != Tk:
            _fail(name, f"the scores have shape {(N, Tk, Tq)} = (N, Tk, Tq): keys first, then queries",
                  "row i of a batch belongs to query i: scores[n, i, j] compares query i with key j, shape (N, Tq, Tk)")
        _mistake(name, got, want, [
            ((np.tanh(pq)[:, :, None, :] + np.tanh(pk)[:, None, :, :]) @ w,
             "you took tanh of the two projections separately and then added them",
             "the tanh comes after the sum: the query and the key meet inside it, that is what makes the score non-linear"),
            ((pq[:, :, None, :] + pk[:, None, :, :]) @ w, "the tanh is missing",
             "without the tanh the score is linear: it splits into a part from the query and one from the key"),
            (np.tanh(pq[:, :, None, :] + pk[:, None, :, :]).sum(axis=-1), "you summed the tanh units instead of weighting them by w",
             "w says how much each of the A hidden units counts; contract with it, do not just add them up"),
        ])
        _compare(name, "scores", got, want, "score[n, i, j] = w . tanh(q[n, i] @ Wq + k[n, j] @ Wk): project first, pair "
                 "every query with every key, then tanh and w")
    _passed(name, "correct on 3 cases, with queries, keys and the hidden size all of different sizes")


# --------------------------------------------------------------------------
# Exercise 3: reading an alignment word by word
# --------------------------------------------------------------------------


def _alignment_case(rng: np.random.Generator, text: str, T_in: int, extra_rows: int = 1) -> np.ndarray:
    """Weights (len(text) + extra_rows, T_in): each row peaks at a random input position (the extra row is [END]'s)."""
    T_out = len(text) + extra_rows
    w = rng.random((T_out, T_in)) * 0.2
    for t in range(T_out):
        w[t, rng.integers(0, T_in)] += 1.0
    w /= w.sum(axis=1, keepdims=True)
    return w


_ALIGNMENT_TEXTS = [
    "four hundred and twenty-seven",
    "one million, two hundred thousand and five",
    "eighty-one",
    "seven",
]


@_check(more="find the words first (runs of letters: a hyphen, a space or a comma ends one), remember where each "
        "starts and ends in the text, then average the weight rows of exactly those characters and take the "
        "position of the largest value", reference=("rnnkit.attention.word_alignment",))
def word_alignment(fn: Callable[[np.ndarray, str], Any]) -> None:
    """Check ``fn(weights (T_out, T_in), text) -> [(word, input position), ...]``."""
    name = "word_alignment"
    texts = _ALIGNMENT_TEXTS if not _hidden() else ["nine billion, thirty-three", "six hundred and ten thousand"]
    rng = _rng(170)
    for text in texts:
        T_in = int(rng.integers(3, 9))
        weights = _alignment_case(rng, text, T_in)
        want = att.word_alignment(weights, text)
        got = _call(name, fn, weights.copy(), text)
        if not isinstance(got, (list, tuple)) or not all(isinstance(p, (list, tuple)) and len(p) == 2 for p in got):
            _fail(name, f"expected a list of (word, position) pairs, got {type(got).__name__} {str(got)[:80]}",
                  "return one (word, position) tuple per word, in the order of the text")
        got = [(str(wd), pos) for wd, pos in got]
        words = [wd for wd, _ in got]
        if words != [wd for wd, _ in want]:
            _fail(name, f"for {text!r} your words are {words}, expected {[wd for wd, _ in want]}",
                  "a word is a run of letters: the hyphen of 'twenty-seven' and the comma after 'million' end a word too")
        for (wd, pos), (_, want_pos) in zip(got, want):
            if isinstance(pos, (bool, np.bool_)) or not isinstance(pos, (int, np.integer)):
                _fail(name, f"the position of {wd!r} is {str(pos)[:8]}, a {type(pos).__name__}; expected an int",
                      "the position is an index into the input (argmax), not a weight")
        positions = [int(p) for _, p in got]
        if positions != [p for _, p in want]:
            first_rows = [int(weights[s].argmax()) for _, s in _word_starts(text)]
            shifted = [int(weights[s + 1 : s + 1 + len(wd)].mean(axis=0).argmax()) for wd, s in _word_starts(text)]
            k = next(i for i, (a, b) in enumerate(zip(positions, [p for _, p in want])) if a != b)
            problem = f"for {text!r} the word {want[k][0]!r} got position {positions[k]}, expected {want[k][1]}"
            if positions == first_rows:
                _fail(name, problem + ": you read only the first character's row",
                      "a word's attention is the mean of the rows of ALL its characters")
            if positions == shifted:
                _fail(name, problem + ": the rows are one character late",
                      "row t of the weights belongs to character t of the text; count from 0")
            _fail(name, problem, "average the rows of the word's characters (axis 0), then take the argmax over the input positions")
    _passed(name, f"correct on {len(texts)} outputs, with hyphens, commas and one-word answers")


def _word_starts(text: str) -> list[tuple[str, int]]:
    return [(m.group(), m.start()) for m in re.finditer(r"[A-Za-z]+", text)]


# --------------------------------------------------------------------------
# Exercise 4: causal self-attention
# --------------------------------------------------------------------------


@_check(more="queries, keys and values are three projections of the same x; the scores q k^T are (N, T, T), scaled "
        "by one over the square root of the key size; before the softmax every key j > i of query i is left out, "
        "so row i mixes only steps 0 .. i",
        reference=("rnnkit.attention.dot_product_attention", "rnnkit.attention.masked_softmax",
                   "rnnkit.attention.causal_mask", "rnnkit.attention.multi_head_attention"))
def causal_self_attention(fn: Callable[..., Any]) -> None:
    """Check ``fn(x (N, T, D), Wq (D, dk), Wk (D, dk), Wv (D, dv)) -> (context (N, T, dv), weights (N, T, T))``."""
    name = "causal_self_attention"
    for rng, (N, T, D, dk, dv) in _cases(180, [(2, 5, 4, 3, 6), (1, 3, 2, 4, 2), (3, 6, 5, 2, 3)], hidden=[(2, 4, 3, 5, 4)]):
        x = rng.standard_normal((N, T, D))
        Wq, Wk, Wv = (rng.standard_normal(s) for s in ((D, dk), (D, dk), (D, dv)))
        q, k, v = x @ Wq, x @ Wk, x @ Wv
        want_c, want_w = att.dot_product_attention(q, k, v, att.causal_mask(T))
        context, weights = _unpack(name, _call(name, fn, x.copy(), Wq.copy(), Wk.copy(), Wv.copy()), 2, "context, weights")
        if want_w.shape != want_c.shape and np.shape(context) == want_w.shape and np.shape(weights) == want_c.shape:
            _fail(name, "the two results come back in the wrong order: the first has the shape of the weights",
                  "return context first, then the weights")
        w_arr = np.asarray(weights, dtype=float) if np.shape(weights) == want_w.shape else None
        if w_arr is not None and np.isnan(w_arr[:, 0]).all() and not np.isnan(w_arr[:, 1:]).any():
            _fail(name, "the first step's weights are NaN: step 0 has no key left to look at",
                  "query i may see keys j <= i, its own step included: keep the diagonal")
        scale = 1 / np.sqrt(dk)
        anti = np.triu(np.ones((T, T), bool))[None]
        _mistake(name, weights, want_w, [
            (att.dot_product_attention(q, k, v)[1], "every step attends to every step, the later ones too: the causal mask is missing",
             "step i must not see steps after i; leave the keys j > i out before the softmax"),
            (att.dot_product_attention(q, k, v, anti)[1], "each step attends to itself and the LATER steps: the mask is the wrong triangle",
             "query i (a row) may see keys j <= i: the lower triangle, diagonal included"),
            (att.dot_product_attention(q, k, v, att.causal_mask(T), scale=1.0)[1], "the weights are too peaked: the scores are not scaled",
             f"divide the scores by sqrt(dk) = sqrt({dk}); it keeps their spread near 1 whatever the key size"),
            (att.dot_product_attention(q, k, v, att.causal_mask(T), scale=1.0 / dk)[1],
             "the scores are divided by dk, not by its square root",
             "the scale is 1 / sqrt(dk): a dot product of dk terms has a spread that grows like sqrt(dk)"),
            (_softmax(scale * q @ k.transpose(0, 2, 1)) * att.causal_mask(T), "the later steps get 0, but the rows no longer sum to 1",
             "you zeroed the weights after the softmax; leave the later keys out before it (exercise 1)"),
            (att.dot_product_attention(q, k, v, att.causal_mask(T), scale=scale)[1].transpose(0, 2, 1),
             "the weights are transposed: their columns sum to 1",
             "weights[n, i, j] is how much query i looks at key j: the scores are q @ k^T, not k @ q^T"),
        ])
        _compare(name, "weights", weights, want_w, "scores = q k^T / sqrt(dk) with q, k, v = x Wq, x Wk, x Wv; later keys "
                 "left out; softmax over the keys")
        _compare(name, "context", context, want_c, "the context of step i is its weights times the values v = x Wv")
    _passed(name, "weights and contexts correct on 3 cases; no step looks ahead")
