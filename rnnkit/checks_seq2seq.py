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
from rnnkit.checks import (
    TOOLS,
    CheckFailed,
    _call,
    _check,
    _compare,
    _fail,
    _mistake,
    _passed,
    _returned_none,
    _rng,
    _variant,
    hidden_test,
    hint,
)

__all__ = [
    "CheckFailed",
    "hint",
    "hidden_test",
    "repeat_vector",
    "token_accuracy",
    "korean_caption",
    "shift_right",
    "greedy_decode",
    "error_positions",
]

CHECKS: tuple[str, ...] = tuple(name for name in __all__ if name[0].islower() and name not in TOOLS)


# --------------------------------------------------------------------------
# 09 One-to-many
# --------------------------------------------------------------------------


@_check(more="v[:, None, :] has shape (N, 1, D): a time axis of length 1 in the middle; copying it T times along "
        "that axis (axis=1) gives (N, T, D)")
def repeat_vector(fn: Callable[[np.ndarray, int], np.ndarray]) -> None:
    """Check ``fn(v, T) -> (N, T, D)``: the vector ``v`` (N, D) copied to every one of ``T`` steps."""
    name = "repeat_vector"
    for k, (N, D, T) in enumerate(_variant([(2, 3, 4), (1, 5, 1), (4, 2, 7)], [(3, 2, 5), (2, 4, 1)])):
        v = _rng(20 + k).standard_normal((N, D))
        got = _call(name, fn, v.copy(), T)
        want = np.repeat(v[:, None, :], T, axis=1)
        if np.shape(got) == (N, D, T) and (N, D, T) != (N, T, D):
            _fail(name, f"the result has shape {np.shape(got)}, the axes of (N, T, D) = {(N, T, D)} in the wrong order",
                  "time is the middle axis: batch first, then time, then features")
        if np.shape(got) == (N, T * D) and T > 1:
            _fail(name, f"the result has shape {(N, T * D)}: the copies are side by side in one flat row",
                  "add a separate time axis instead of lengthening the feature axis")
        _mistake(name, got, want, [
            (np.tile(v, (T, 1)).reshape(N, T, D), "the right shape, but example n gets other examples' vectors",
             "copy each row along a new time axis; tiling the whole batch and reshaping mixes the rows"),
        ])
        _compare(name, "repeat_vector(v, T)", got, want, "step t of example n must equal v[n] for every t")
    _passed(name, "correct on 3 test cases")


@_check(more="for each pair, append one end marker to both (e.g. list(p) + [None]); zip the two lists, count the "
        "equal pairs, and add len(target) + 1 to the total; divide all correct by all total at the end",
        reference=("rnnkit.seq2seq.token_accuracy",))
def token_accuracy(fn: Callable[[Sequence[str], Sequence[str]], float]) -> None:
    """Check ``fn(predictions, targets) -> float``: per-token accuracy with the end counted as a token."""
    name = "token_accuracy"
    cases: list[tuple[list[str], list[str], str]] = _variant([
        (["forty-two", "seven"], ["forty-two", "seven"], "every prediction is right"),
        (["forty-twn", "sevem"], ["forty-two", "seven"], "one wrong character in each word"),
        (["forty", "seventeen"], ["forty-two", "seven"], "one prediction stops too early and one runs on too long"),
        (["fourty", "zero"], ["forty", "eight"], "an extra letter shifts every later position"),
        (["", "tw"], ["one", "two"], "an empty prediction and one that stops early"),
    ], [
        (["three", "six"], ["three", "sixty"], "a prediction that stops early"),
        (["ninety-nine", "one"], ["ninety", "one"], "a prediction that runs on"),
        (["ten"], ["ten"], "one exact prediction"),
    ])
    for preds, targets, what in cases:
        got = _call(name, fn, list(preds), list(targets))
        want = s2s.token_accuracy(preds, targets)
        if np.ndim(got) != 0:
            _fail(name, f"expected one number, got {type(got).__name__} {got!r}", "return correct / total as a float")
        value = float(got)
        if abs(value - want) > 1e-9:
            count = sum(len(t) + 1 for t in targets)
            no_end = sum(a == b for p, t in zip(preds, targets) for a, b in zip(p, t)) / sum(len(t) for t in targets)
            exact = float(np.mean([p == t for p, t in zip(preds, targets)]))
            per_target = float(np.mean([sum(a == b for a, b in zip(list(p) + [None], list(t) + [None])) / (len(t) + 1)
                                        for p, t in zip(preds, targets)]))
            problem = f"for predictions {preds} and targets {targets} ({what}) you said {value:.4f}, expected {want:.4f}"
            if abs(value - no_end) < 1e-9:
                _fail(name, problem + ": the end of each target is not counted",
                      "each target has one more token, its end, which a too-short or too-long prediction gets wrong")
            if abs(value - exact) < 1e-9:
                _fail(name, problem + ": that is the share of exact matches", "compare token by token, not word by word")
            if abs(value - per_target) < 1e-9:
                _fail(name, problem + ": you averaged per word first", "every target token counts once: one division at the end")
            _fail(name, problem, f"divide the number of matching positions by the {count} target tokens "
                  "(each target's characters plus one for its end)")
    _passed(name, f"correct on {len(cases)} test cases, including too-short and too-long predictions")


@_check(more="split n into its tens digit and its units digit (divmod); the word is (the tens digit's syllable if tens >= 2) + (십 if tens >= 1) "
        "+ (the ones digit's syllable if ones >= 1), and 0 alone is 영",
        reference=("rnnkit.seq2seq.number_words",),
        forbid=[("num2words.num2words", "this exercise builds the words from the ten syllables, without num2words")])
def korean_caption(fn: Callable[[int], str]) -> None:
    """Check ``fn(n) -> str``: the Sino-Korean reading of every n in 0-99, as ``num2words(n, lang="ko")`` writes it."""
    name = "korean_caption"
    wants = {n: s2s.number_words(n, lang="ko") for n in range(100)}
    wrong = []
    for n in range(100):
        got = _call(name, fn, n)
        if got != wants[n]:
            wrong.append((n, got, wants[n]))
    if wrong:
        n, got, want = wrong[0]
        rules = [
            (lambda m, g: m % 10 == 0 and m > 0 and isinstance(g, str) and g.endswith("영"),
             "a units digit of 0 is not read: 20 is 이십"),
            (lambda m, g: 10 <= m < 20 and isinstance(g, str) and g.startswith("일십"), "a tens digit of 1 is not read: 10 is 십, not 일십"),
            (lambda m, g: m == 0, "0 alone is 영"),
            (lambda m, g: not isinstance(g, str), "return the word as a str"),
        ]
        hint_text = next((h for rule, h in rules if any(rule(m, g) for m, g, _ in wrong)),
                         "read the tens digit (unless it is 1), then 십, then the units digit (unless it is 0)")
        _fail(name, f"{len(wrong)} of 100 numbers are spelled differently, e.g. {n}: you wrote {got!r}, expected {want!r}",
              hint_text)
    _passed(name, "all 100 numbers 0-99 spelled as num2words spells them")


# --------------------------------------------------------------------------
# 11 Encoder-decoder
# --------------------------------------------------------------------------


@_check(more="make a column of shape (N, 1) filled with start_id and put the targets without their LAST column "
        "(targets[:, :-1]) to its right; the result has the targets' shape",
        reference=("rnnkit.seq2seq.shift_right",))
def shift_right(fn: Callable[[np.ndarray, int], np.ndarray]) -> None:
    """Check ``fn(targets, start_id) -> decoder inputs`` for teacher forcing."""
    name = "shift_right"
    for k, (N, T, start_id) in enumerate(_variant([(2, 5, 2), (3, 1, 2), (1, 8, 7)], [(3, 4, 1), (2, 2, 5)])):
        targets = _rng(30 + k).integers(3, 12, size=(N, T)).astype(np.int32)
        targets[0, T // 2 :] = 0  # a padded row
        if T > 1:
            targets[0, T // 2 - 1] = 3
        original = targets.copy()
        got = _call(name, fn, targets, start_id)
        want = s2s.shift_right(original, start_id)
        if not np.array_equal(targets, original):
            _fail(name, "your function changed the targets array it was given",
                  "build a new array for the decoder inputs and leave the targets alone")
        if np.shape(got) == (N, T + 1):
            _fail(name, f"the result has shape {np.shape(got)}, one step longer than the targets {(N, T)}",
                  "the decoder never reads the token after the last one: the last target is not an input")
        if T > 1:
            _mistake(name, got, want.astype(np.float64), [
                (np.roll(original, 1, axis=1), "the last target wrapped around into column 0 (np.roll)",
                 "column 0 must hold start_id, whatever the last target was"),
                (np.concatenate([original[:, 1:], np.full((N, 1), start_id)], axis=1),
                 "the targets are shifted LEFT (start_id at the end)", "the decoder reads the PREVIOUS token: shift to the right"),
                (original, "the decoder inputs are the targets themselves: the model would read the token it must predict",
                 "at step t the decoder sees the true token of step t - 1"),
            ])
        _compare(name, "decoder inputs", got, want.astype(np.float64),
                 "column 0 is start_id, and column t holds the target of step t - 1")
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


def _greedy_variant(n_states: int, x: np.ndarray, max_len: int, *, feedback: bool = True, carry: bool = True,
                    pad: bool = True) -> np.ndarray:
    encoder, decoder = _toy_pair(n_states)
    start = encoder(x)
    start = list(start) if isinstance(start, list) else [start]
    states, n = list(start), len(x)
    tokens = np.full((n, 1), _START)
    out, done = np.zeros((n, max_len), dtype=int), np.zeros(n, dtype=bool)
    for t in range(max_len):
        probs, *new_states = decoder([tokens, *(states if carry else start)])
        states = new_states
        ids = np.asarray(probs).reshape(n, -1).argmax(-1)
        if pad:
            ids = np.where(done, 0, ids)
            done |= ids == _END
        out[:, t] = ids
        tokens = ids[:, None] if feedback else np.full((n, 1), _START)
    return out


@_check(more="start: states from the encoder (make a list if it is one array), tokens = start_id in an (N, 1) array, "
        "an (N, max_len) output of zeros and done = all False; each step: probs, *states = decoder([tokens, *states]), "
        "next = argmax over the last axis, 0 where done, write it in column t, done |= (next == end_id), tokens = "
        "next as (N, 1)",
        reference=("rnnkit.seq2seq.greedy_decode",))
def greedy_decode(fn: Callable[..., np.ndarray]) -> None:
    """Check ``fn(encoder, decoder, inputs, start_id, end_id, max_len) -> ids (N, max_len)``."""
    name = "greedy_decode"
    cases = _variant([
        (np.array([3, 0, 5, 1]), 1, 8, "one state (a GRU)"),
        (np.array([2, 4, 9]), 2, 5, "two states (an LSTM), one row that never reaches END"),
        (np.array([1, 1]), 1, 1, "max_len = 1"),
    ], [
        (np.array([4, 2, 0]), 2, 7, "two states"),
        (np.array([6]), 1, 4, "one row"),
    ])
    for x, n_states, max_len, what in cases:
        encoder, decoder = _toy_pair(n_states)
        got = _call(name, fn, encoder, decoder, x, _START, _END, max_len)
        want = s2s.greedy_decode(*_toy_pair(n_states), x, start_id=_START, end_id=_END, max_len=max_len)
        got = np.asarray(got)
        if got.shape != want.shape:
            _fail(name, f"with {what} the result has shape {got.shape}, expected {want.shape} (N, max_len)",
                  "return one row per input and exactly max_len columns, even when every row has ended early")
        for variant, problem, hint_text in [
            (_greedy_variant(n_states, x, max_len, feedback=False), "every step is fed start_id, not the token chosen before",
             "the token chosen at step t is the decoder's input at step t + 1"),
            (_greedy_variant(n_states, x, max_len, carry=False), "every step starts again from the encoder's states",
             "the states the decoder returns are its states for the next step"),
            (_greedy_variant(n_states, x, max_len, pad=False), "rows go on after END",
             "once a row has produced END, every later position of that row must be 0 (padding)"),
        ]:
            if variant.shape == got.shape and np.array_equal(got, variant) and not np.array_equal(want, variant):
                _fail(name, f"with {what}, {problem}", hint_text)
        bad = np.argwhere(got != want)
        if len(bad):
            n, t = (int(i) for i in bad[0])
            hint_text = ("step 0 reads start_id tokens of shape (N, 1) and the encoder's states" if t == 0 else
                         "print the tokens and the states you feed at each step next to the expected row")
            _fail(name, f"with {what}, row {n} is {got[n].tolist()}, expected {want[n].tolist()} "
                        f"(first difference at step {t})", hint_text)
    _passed(name, "correct with one and two states, rows that end early and a row that never ends")


def _error_positions(prediction: str, target: str) -> list[int]:
    shared = min(len(prediction), len(target))
    return [j for j in range(shared) if prediction[j] != target[j]] + list(range(shared, max(len(prediction), len(target))))


@_check(more="two parts: the positions both strings have (compare the characters there, counting from 0), then every "
        "position that only the longer string has, up to its length; equal strings give []",
        none_ok=True)
def error_positions(fn: Callable[[str, str], list[int]]) -> None:
    """Check ``fn(prediction, target) -> list[int]``: every wrong position, in order; a missing or extra character counts."""
    name = "error_positions"
    cases: list[tuple[str, str]] = _variant([
        ("1998-03-30", "1998-03-03"),
        ("1998-03-03", "1998-03-03"),
        ("2998-03-03", "1998-03-03"),
        ("1998-03", "1998-03-03"),
        ("1998-03-033", "1998-03-03"),
        ("1898-03-0", "1998-03-03"),
        ("", "1998-03-03"),
    ], [
        ("2011-12-24", "2001-12-24"),
        ("2001-12-24", "2001-12-24"),
        ("2001-12-2", "2001-12-24"),
        ("2001-12-2456", "2001-12-24"),
        ("2001-2-24", "2001-12-24"),
        ("", ""),
    ])
    for pred, target in cases:
        want = _error_positions(pred, target)
        got = _call(name, fn, pred, target)
        if got is None:
            if want:
                _returned_none(name, (pred, target))
            _fail(name, f"for two equal strings ({pred!r}) you returned None, expected []",
                  "no wrong position is an empty list: return [] so that the caller can always loop over the result")
        try:
            got_list = [int(j) for j in got]
        except (TypeError, ValueError):
            _fail(name, f"for prediction {pred!r} and target {target!r} you returned {got!r}, expected a list of positions",
                  "return a list of ints (the wrong positions), [] if there are none")
        if got_list == want:
            continue
        problem = f"for prediction {pred!r} and target {target!r} you said {got_list}, expected {want}"
        shared = min(len(pred), len(target))
        if got_list == [j for j in want if j < shared] and len(pred) != len(target):
            hint_text = ("a missing or an extra character is wrong too: every position that only the longer string has "
                         "counts")
        elif want and got_list == want[:1]:
            hint_text = "list every wrong position, not only the first"
        elif got_list == [j + 1 for j in want]:
            hint_text = "positions count from 0, as string indices do"
        elif set(got_list) == set(want):
            hint_text = "list each position once, in increasing order"
        else:
            hint_text = "compare character by character from position 0, then handle what is left of the longer string"
        _fail(name, problem, hint_text)
    _passed(name, f"correct on {len(cases)} test cases, including too-short and too-long predictions")
