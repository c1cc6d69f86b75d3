"""Checks for the exercises of notebooks 09 (one-to-many) and 11 (encoder-decoder).

They work like :mod:`rnnkit.checks`: each takes the function you wrote, runs it
on a few test cases against the reference in :mod:`rnnkit.seq2seq`, and either
prints one line starting with ``✓`` or raises :class:`rnnkit.checks.CheckFailed`
saying what is wrong, by how much, and with a hint. Example::

    from rnnkit import checks_seq2seq as checks
    checks.repeat_vector(my_repeat_vector)
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from rnnkit import seq2seq as s2s
from rnnkit.checks import TOOLS, CheckFailed, _call, _check, _compare, _fail, hidden_test, hint, _passed

__all__ = [
    "CheckFailed",
    "hint",
    "hidden_test",
    "repeat_vector",
    "token_accuracy",
    "korean_caption",
    "shift_right",
    "greedy_decode",
    "first_error",
]

CHECKS: tuple[str, ...] = tuple(name for name in __all__ if name[0].islower() and name not in TOOLS)


# --------------------------------------------------------------------------
# 09 One-to-many
# --------------------------------------------------------------------------


@_check(more='add a time axis of length 1 in the middle, then copy along it T times')
def repeat_vector(fn: Callable[[np.ndarray, int], np.ndarray]) -> None:
    """Check ``fn(v, T) -> (N, T, D)``: the vector ``v`` (N, D) copied to every one of ``T`` steps."""
    name = "repeat_vector"
    for k, (N, D, T) in enumerate([(2, 3, 4), (1, 5, 1), (4, 2, 7)]):
        v = np.random.default_rng(20 + k).standard_normal((N, D))
        got = _call(name, fn, v.copy(), T)
        if np.shape(got) == (N, D, T):
            _fail(name, f"the result has shape {np.shape(got)}, the axes of (N, T, D) = {(N, T, D)} in the wrong order",
                  "time is the middle axis: v[:, None, :] adds it, then repeat along axis=1")
        _compare(name, "repeat_vector(v, T)", got, np.repeat(v[:, None, :], T, axis=1),
                 "step t of example n must equal v[n] for every t: np.repeat(v[:, None, :], T, axis=1)")
    _passed(name, "correct on 3 test cases")


@_check(more='give every target one extra position for its end, compare position by position, and divide by the total number of target positions', reference=('rnnkit.seq2seq.token_accuracy',))
def token_accuracy(fn: Callable[[Sequence[str], Sequence[str]], float]) -> None:
    """Check ``fn(predictions, targets) -> float``: per-token accuracy with the end counted as a token."""
    name = "token_accuracy"
    cases: list[tuple[list[str], list[str], str]] = [
        (["forty-two", "seven"], ["forty-two", "seven"], "every prediction is right"),
        (["forty-twn", "sevem"], ["forty-two", "seven"], "one wrong character in each word"),
        (["forty", "seventeen"], ["forty-two", "seven"], "one prediction stops too early and one runs on too long"),
        (["fourty", "zero"], ["forty", "eight"], "an extra letter shifts every later position"),
        (["", "x"], ["one", "two"], "empty and one-letter predictions"),
    ]
    for preds, targets, what in cases:
        got = _call(name, fn, preds, targets)
        want = s2s.token_accuracy(preds, targets)
        if np.ndim(got) != 0:
            _fail(name, f"expected one number, got {type(got).__name__} {got!r}", "return correct / total as a float")
        if abs(float(got) - want) > 1e-9:
            count = sum(len(t) + 1 for t in targets)
            _fail(name, f"for predictions {preds} and targets {targets} ({what}) you said {float(got):.4f}, expected {want:.4f}",
                  f"compare position by position and divide by the {count} target tokens: each target's characters "
                  "plus one for its end; a prediction that is too short or too long gets the end wrong")
    _passed(name, f"correct on {len(cases)} test cases, including too-short and too-long predictions")


@_check(more='split n into tens and units with divmod; read the tens digit only if it is 2 or more, then 십 if there are tens, then the units digit if it is not 0', reference=('rnnkit.seq2seq.number_words',))
def korean_caption(fn: Callable[[int], str]) -> None:
    """Check ``fn(n) -> str``: the Sino-Korean reading of every n in 0-99, as ``num2words(n, lang="ko")`` writes it."""
    name = "korean_caption"
    wrong = []
    for n in range(100):
        got = _call(name, fn, n)
        want = s2s.number_words(n, lang="ko")
        if got != want:
            wrong.append((n, got, want))
    if wrong:
        n, got, want = wrong[0]
        listing = ", ".join(f"{m}: {w!r}" for m, _, w in wrong[:3])
        _fail(name, f"{len(wrong)} of 100 numbers are spelled differently, e.g. {n}: you wrote {got!r}, expected {want!r}",
              f"tens are a digit then 십 (but 10 is just 십, not 일십), units follow, 0 alone is 영; expected {listing}")
    _passed(name, "all 100 numbers 0-99 spelled as num2words spells them")


# --------------------------------------------------------------------------
# 11 Encoder-decoder
# --------------------------------------------------------------------------


@_check(more='the decoder input at step t is the target of step t - 1, so the last target is never an input; the first input is start_id', reference=('rnnkit.seq2seq.shift_right',))
def shift_right(fn: Callable[[np.ndarray, int], np.ndarray]) -> None:
    """Check ``fn(targets, start_id) -> decoder inputs`` for teacher forcing."""
    name = "shift_right"
    for k, (N, T, start_id) in enumerate([(2, 5, 2), (3, 1, 2), (1, 8, 7)]):
        targets = np.random.default_rng(30 + k).integers(3, 12, size=(N, T)).astype(np.int32)
        targets[0, T // 2 :] = 0  # a padded row
        if T > 1:
            targets[0, T // 2 - 1] = 3
        original = targets.copy()
        got = _call(name, fn, targets, start_id)
        want = s2s.shift_right(original, start_id)
        if not np.array_equal(targets, original):
            _fail(name, "your function changed the targets array it was given",
                  "build a new array (np.empty_like or np.concatenate)")
        if np.shape(got) == (N, T + 1):
            _fail(name, f"the result has shape {np.shape(got)}, one step longer than the targets {(N, T)}",
                  "drop the last target step: the decoder never needs to read the token after the last one")
        _compare(name, "decoder inputs", got, want.astype(np.float64),
                 "column 0 is start_id, and column t holds targets[:, t - 1]: the true token of the previous step")
    _passed(name, "correct on 3 test cases")


class _ToyModel:
    """A stand-in for a Keras model: callable, with predict / predict_on_batch, numpy in and out."""

    def __init__(self, fn: Callable[[Any], Any]) -> None:
        self.fn = fn
        self.calls = 0

    def __call__(self, inputs: Any, training: bool = False) -> Any:
        self.calls += 1
        return self.fn(inputs)

    def predict_on_batch(self, inputs: Any) -> Any:
        return self(inputs)

    def predict(self, inputs: Any, verbose: Any = 0, batch_size: Any = None) -> Any:
        return self(inputs)


_V, _START, _END = 9, 2, 3


def _toy_pair(n_states: int) -> tuple[_ToyModel, _ToyModel]:
    """An encoder/decoder pair that needs feedback to get right.

    The encoder turns each input (an int) into ``n_states`` states; the first
    holds a countdown. Each decoder step emits ``4 + (previous token + countdown) % 5``
    until the countdown reaches 0, then END; so the output depends on the token
    fed back, on the states carried over, and rows end at different steps.
    """

    def encode(x: Any) -> Any:
        x = np.asarray(x, dtype=np.float32).reshape(-1, 1)
        states = [x] + [np.full_like(x, 0.5 * j) for j in range(1, n_states)]
        return states if n_states > 1 else states[0]

    def decode(inputs: Any) -> Any:
        tokens, *states = inputs
        tokens = np.asarray(tokens).reshape(-1)
        count = np.asarray(states[0], dtype=np.float32).reshape(-1)
        nxt = np.where(count > 0, 4 + (tokens + count.astype(int)) % 5, _END)
        probs = np.full((len(tokens), 1, _V), 0.01, dtype=np.float32)
        probs[np.arange(len(tokens)), 0, nxt] = 0.9
        return [probs, (count - 1).reshape(-1, 1), *states[1:]]

    return _ToyModel(encode), _ToyModel(decode)


@_check(more="keep the current tokens (N, 1), the decoder states and a 'done' flag per row; at each step pick the argmax, write it (0 for finished rows), update done and feed the choice back", reference=('rnnkit.seq2seq.greedy_decode',))
def greedy_decode(fn: Callable[..., np.ndarray]) -> None:
    """Check ``fn(encoder, decoder, inputs, start_id, end_id, max_len) -> ids (N, max_len)``."""
    name = "greedy_decode"
    cases = [
        (np.array([3, 0, 5, 1]), 1, 6, "one state (a GRU)"),
        (np.array([2, 4, 9]), 2, 5, "two states (an LSTM), one row that never reaches END"),
        (np.array([1, 1]), 1, 1, "max_len = 1"),
    ]
    for x, n_states, max_len, what in cases:
        encoder, decoder = _toy_pair(n_states)
        got = _call(name, fn, encoder, decoder, x, _START, _END, max_len)
        want = s2s.greedy_decode(*_toy_pair(n_states), x, start_id=_START, end_id=_END, max_len=max_len)
        got = np.asarray(got)
        if got.shape != want.shape:
            _fail(name, f"with {what} the result has shape {got.shape}, expected {want.shape} (N, max_len)",
                  "return one row per input and exactly max_len columns; fill the steps after END with pad_id (0)")
        bad = np.argwhere(got != want)
        if len(bad):
            n, t = (int(i) for i in bad[0])
            ends = np.flatnonzero(want[n] == _END)
            after_end = len(ends) > 0 and t > ends[0]
            if after_end:
                hint = "once a row has produced END, every later position of that row must be pad_id (0)"
            elif t == 0:
                hint = "step 0 feeds start_id tokens of shape (N, 1) together with the encoder's states"
            else:
                hint = "at each step feed back the token you just chose (argmax) and the states the decoder returned"
            _fail(name, f"with {what}, row {n} is {got[n].tolist()}, expected {want[n].tolist()} "
                        f"(first difference at step {t})", hint)
    _passed(name, "correct with one and two states, rows that end early and a row that never ends")


@_check(more='compare the characters pairwise; if no pair differs but the lengths do, the error is at the length of the shorter string')
def first_error(fn: Callable[[str, str], int | None]) -> None:
    """Check ``fn(prediction, target) -> int | None``: the first position where they differ, None if equal."""
    name = "first_error"
    cases: list[tuple[str, str, int | None]] = [
        ("1998-03-03", "1998-03-03", None),
        ("1998-03-30", "1998-03-03", 8),
        ("2998-03-03", "1998-03-03", 0),
        ("1998-03", "1998-03-03", 7),
        ("1998-03-033", "1998-03-03", 10),
        ("", "1998-03-03", 0),
    ]
    for pred, target, want in cases:
        got = _call(name, fn, pred, target)
        if got != want or (want is not None and (isinstance(got, bool) or not isinstance(got, (int, np.integer)))):
            _fail(name, f"for prediction {pred!r} and target {target!r} you said {got!r}, expected {want!r}",
                  "walk both strings together; if one ends first, the first error is where it ends (the missing or extra "
                  "end); return None only when the two are equal")
    _passed(name, f"correct on {len(cases)} test cases, including too-short and too-long predictions")
