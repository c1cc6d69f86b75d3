"""Checks for the exercises of Part III on real data (notebooks 08, 10 and 14).

They work like :mod:`rnnkit.checks`: each takes the function you wrote, runs it
on a few small seeded cases against a reference, and either prints one line
starting with ``✓`` or raises :class:`rnnkit.checks.CheckFailed` saying what is
wrong, by how much, and with a hint. Example::

    from rnnkit import checks_data
    checks_data.masked_accuracy(my_masked_accuracy)

Everything here is numpy; no check needs Keras.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence

import numpy as np

from rnnkit import data as D
from rnnkit.checks import TOOLS, CheckFailed, _as_array, _call, _check, _compare, _fail, hidden_test, hint, _passed, _unpack

__all__ = [
    "CheckFailed",
    "hint",
    "hidden_test",
    "pad_and_mask",
    "masked_mean",
    "confusion_matrix",
    "masked_accuracy",
    "masked_cross_entropy",
    "most_frequent_tag",
    "make_windows",
    "last_value_forecast",
    "recursive_forecast",
]

CHECKS: tuple[str, ...] = tuple(name for name in __all__ if name[0].islower() and name not in TOOLS)


def _ragged(rng: np.random.Generator, n: int, max_len: int, vocab: int) -> list[list[int]]:
    lengths = rng.integers(1, max_len + 1, size=n)
    return [rng.integers(1, vocab, size=k).tolist() for k in lengths]


def _mask_case(rng: np.random.Generator, N: int, T: int) -> np.ndarray:
    """A (N, T) padding mask: every row has 1..T real steps at the front."""
    lengths = rng.integers(1, T + 1, size=N)
    lengths[0] = T  # one full row, so the padding is never the whole story,
    lengths[-1] = 1  # and one short row, so there is always some padding
    return np.arange(T) < lengths[:, None]


# --------------------------------------------------------------------------
# 08 Many-to-one: sentiment
# --------------------------------------------------------------------------


@_check(more='start from a (N, maxlen) array of zeros; for each sequence, cut it to at most maxlen ids and copy it into the start of its row; the mask is True exactly where you copied a real id', reference=('rnnkit.data.pad_sequences', 'rnnkit.data.padding_mask', 'keras.utils.pad_sequences'))
def pad_and_mask(fn: Callable[[Sequence[Sequence[int]], int], tuple[np.ndarray, np.ndarray]]) -> None:
    """Check ``fn(sequences, maxlen) -> (padded (N, maxlen) int, mask (N, maxlen) bool)``, padding and cutting at the end."""
    name = "pad_and_mask"
    rng = np.random.default_rng(80)
    for n, max_len, maxlen in [(4, 6, 6), (5, 9, 4), (1, 3, 5)]:
        seqs = _ragged(rng, n, max_len, 20)
        padded, mask = _unpack(name, _call(name, fn, seqs, maxlen), 2, "padded, mask")
        want = D.pad_sequences(seqs, maxlen=maxlen)
        got = _as_array(name, "padded", padded)
        front = np.stack([np.pad(np.asarray(s[-maxlen:]), (maxlen - min(len(s), maxlen), 0)) for s in seqs])
        if got.shape == want.shape and np.array_equal(got, front) and not np.array_equal(got, want):
            _fail(name, "the zeros are at the front (and long sequences lose their first tokens)",
                  "that is keras.utils.pad_sequences' default ('pre'); here put the tokens first: padded[i, :len(s)] = s[:maxlen]")
        _compare(name, "padded", padded, want, "start from np.zeros((N, maxlen), int) and copy each sequence, cut to maxlen, into the front of its row")
        _compare(name, "mask", np.asarray(mask, dtype=float), D.padding_mask(want).astype(float),
                 "mask[i, t] is True exactly where a real token sits, i.e. t < len(sequence i); with id 0 as padding, padded != 0")
    _passed(name, "padded ids and masks correct on 3 cases, including sequences longer than maxlen")


@_check(more='turn the mask into numbers with a trailing axis so it multiplies every feature, sum over time, and divide each row by its own count of real steps')
def masked_mean(fn: Callable[[np.ndarray, np.ndarray], np.ndarray]) -> None:
    """Check ``fn(h (N, T, H), mask (N, T)) -> (N, H)``: the mean of each row's states over its real steps only."""
    name = "masked_mean"
    rng = np.random.default_rng(81)
    for N, T, H in [(3, 5, 4), (2, 7, 1), (4, 3, 6)]:
        h = rng.standard_normal((N, T, H))
        mask = _mask_case(rng, N, T)
        want = (h * mask[..., None]).sum(axis=1) / mask.sum(axis=1, keepdims=True)
        got = _call(name, fn, h.copy(), mask.copy())
        if np.shape(got) == want.shape and np.allclose(got, h.mean(axis=1)):
            _fail(name, "you averaged over every step, padding included",
                  "multiply h by mask[..., None] before summing over time, and divide by the number of REAL steps, mask.sum(axis=1)")
        if np.shape(got) == want.shape and np.allclose(got, (h * mask[..., None]).sum(axis=1) / T):
            _fail(name, "the padded steps are zeroed but you still divide by T",
                  "divide each row by its own count of real steps: mask.sum(axis=1, keepdims=True)")
        _compare(name, "the pooled states", got, want, "sum h over the real steps of each row (axis 1) and divide by how many there are")
    _passed(name, "correct on 3 cases with different amounts of padding")


@_check(more='loop over the pairs (true, predicted) and add 1 to the entry [true, predicted]; the result is always 2 x 2, even when a class never occurs')
def confusion_matrix(fn: Callable[[np.ndarray, np.ndarray], np.ndarray]) -> None:
    """Check ``fn(y_true, y_pred) -> (2, 2)`` counts, rows = true class (0, 1), columns = predicted class (0, 1)."""
    name = "confusion_matrix"
    rng = np.random.default_rng(82)
    for n in (20, 7, 50):
        y_true = rng.integers(0, 2, size=n)
        y_pred = np.where(rng.random(n) < 0.7, y_true, 1 - y_true)
        y_pred[0], y_true[0] = 1, 0  # at least one false positive, so a transposed answer shows
        y_pred[1], y_true[1] = 1, 1
        want = np.zeros((2, 2))
        np.add.at(want, (y_true, y_pred), 1)
        got = _call(name, fn, y_true.copy(), y_pred.copy())
        if np.shape(got) == (2, 2) and np.array_equal(np.asarray(got), want.T) and not np.array_equal(want, want.T):
            _fail(name, "rows and columns are swapped",
                  "row = the TRUE class, column = the PREDICTED class: cm[1, 0] counts positives the model called negative")
        _compare(name, "the confusion matrix", got, want, "cm[i, j] = number of examples with y_true == i and y_pred == j")
    _passed(name, "counts correct on 3 cases")


# --------------------------------------------------------------------------
# 10 Many-to-many, aligned: tagging
# --------------------------------------------------------------------------


@_check(more='select the real tokens of every sentence with the mask (that flattens them into one array), then average the right/wrong values over that one array')
def masked_accuracy(fn: Callable[[np.ndarray, np.ndarray, np.ndarray], float]) -> None:
    """Check ``fn(y_true (N, T), y_pred (N, T), mask (N, T)) -> float``: the share of real tokens tagged right."""
    name = "masked_accuracy"
    rng = np.random.default_rng(100)
    for N, T, C in [(4, 6, 5), (2, 9, 3), (6, 4, 12)]:
        mask = _mask_case(rng, N, T)
        y_true = np.where(mask, rng.integers(1, C, size=(N, T)), 0)
        y_pred = np.where(rng.random((N, T)) < 0.6, y_true, rng.integers(0, C, size=(N, T)))
        y_pred[~mask] = 0  # padding "predicted" as padding: counting it would inflate the score
        want = float((y_true == y_pred)[mask].mean())
        got = _call(name, fn, y_true.copy(), y_pred.copy(), mask.copy())
        if np.ndim(got) != 0:
            _fail(name, f"expected one number, got an array of shape {np.shape(got)}", "average over every real token of every sentence at once")
        if abs(float(got) - float((y_true == y_pred).mean())) < 1e-9 and abs(want - float((y_true == y_pred).mean())) > 1e-9:
            _fail(name, f"you counted the padding: got {float(got):.4f}, expected {want:.4f}",
                  "compare only where mask is True: (y_true == y_pred)[mask].mean()")
        if abs(float(got) - np.mean([(y_true[i] == y_pred[i])[mask[i]].mean() for i in range(N)])) < 1e-9 and abs(float(got) - want) > 1e-9:
            _fail(name, "you averaged per sentence, then over sentences",
                  "every real token counts once, so long sentences weigh more: divide the number right by the number of real tokens")
        _compare(name, "the accuracy", np.asarray(got), np.asarray(want), "number of real tokens with y_true == y_pred, divided by mask.sum()")
    _passed(name, "correct on 3 padded batches")


@_check(more='pick the probability of the true tag at every position, keep the real positions only, then take -log and the mean')
def masked_cross_entropy(fn: Callable[[np.ndarray, np.ndarray, np.ndarray], float]) -> None:
    """Check ``fn(probs (N, T, C), y_true (N, T), mask (N, T)) -> float``: mean -log p[true tag] over real tokens."""
    name = "masked_cross_entropy"
    rng = np.random.default_rng(101)
    for N, T, C in [(3, 5, 4), (2, 8, 6), (5, 3, 3)]:
        logits = rng.standard_normal((N, T, C)) * 2
        probs = np.exp(logits) / np.exp(logits).sum(-1, keepdims=True)
        mask = _mask_case(rng, N, T)
        y_true = np.where(mask, rng.integers(0, C, size=(N, T)), 0)
        nll = -np.log(np.take_along_axis(probs, y_true[..., None], axis=-1)[..., 0])  # (N, T)
        want = float(nll[mask].mean())
        got = _call(name, fn, probs.copy(), y_true.copy(), mask.copy())
        if np.ndim(got) != 0:
            _fail(name, f"expected one number, got an array of shape {np.shape(got)}", "average over the real tokens to one number")
        if abs(float(got) - float(nll.mean())) < 1e-9:
            _fail(name, f"the padded steps were averaged in: got {float(got):.4f}, expected {want:.4f}",
                  "keep only the losses where mask is True, then average those")
        if abs(float(got) - float(nll[mask].sum() / mask.size)) < 1e-9:
            _fail(name, "you zeroed the padding but divided by N * T", "divide by the number of real tokens, mask.sum()")
        _compare(name, "the loss", np.asarray(got), np.asarray(want),
                 "pick p[n, t, y_true[n, t]] with np.take_along_axis, take -log, and average over the real tokens")
    _passed(name, "correct on 3 padded batches")


_TINY_CORPUS = (
    [["the", "dog", "runs"], ["the", "runs", "end"], ["a", "dog", "can", "run"], ["runs", "can", "the", "dog"], ["the", "end"]],
    [["DET", "NOUN", "VERB"], ["DET", "NOUN", "NOUN"], ["DET", "NOUN", "VERB", "VERB"], ["VERB", "NOUN", "DET", "NOUN"], ["DET", "NOUN"]],
)


@_check(more='one Counter per word for its tags, and one Counter over all tokens for the default')
def most_frequent_tag(fn: Callable[[list[list[str]], list[list[str]]], tuple[dict[str, str], str]]) -> None:
    """Check ``fn(sentences, tags) -> (table, default)``: each word's most frequent tag, and the most frequent tag overall."""
    name = "most_frequent_tag"
    sents, tags = _TINY_CORPUS
    out = _unpack(name, _call(name, fn, [list(s) for s in sents], [list(t) for t in tags]), 2, "table, default")
    table, default = out
    if not isinstance(table, dict):
        _fail(name, f"the table should be a dict word -> tag, got {type(table).__name__}", "build it with a Counter of tags per word")
    per_word: dict[str, Counter] = {}
    for s, t in zip(sents, tags):
        for w, g in zip(s, t):
            per_word.setdefault(w, Counter())[g] += 1
    want = {w: c.most_common(1)[0][0] for w, c in per_word.items()}
    missing = sorted(set(want) - set(table))
    if missing:
        _fail(name, f"{len(missing)} training word(s) have no entry, e.g. {missing[0]!r}", "every word of the training sentences needs its tag")
    wrong = {w: table[w] for w in want if table[w] != want[w]}
    if wrong:
        w = sorted(wrong)[0]
        _fail(name, f"{len(wrong)} word(s) get the wrong tag, e.g. {w!r}: you said {wrong[w]!r}, but it is tagged "
              f"{dict(per_word[w])} in the training data", "count the tags of each word separately and keep the most common one")
    want_default = Counter(g for t in tags for g in t).most_common(1)[0][0]
    if default != want_default:
        _fail(name, f"the default tag is {default!r}, expected {want_default!r}",
              "a word never seen in training gets the tag that is most frequent over ALL training tokens")
    _passed(name, f"all {len(want)} words and the default tag correct")


# --------------------------------------------------------------------------
# 14 Forecasting
# --------------------------------------------------------------------------


@_check(more='there are T - input_len - horizon + 1 windows; window i covers steps i .. i + input_len - 1 and its targets are the horizon steps right after it', reference=('rnnkit.data.make_windows',))
def make_windows(fn: Callable[[np.ndarray, int, int], tuple[np.ndarray, np.ndarray]]) -> None:
    """Check ``fn(series (T,), input_len, horizon) -> (X (N, L) or (N, L, 1), Y (N, H))``, windows with stride 1."""
    name = "make_windows"
    rng = np.random.default_rng(140)
    for T, L, H in [(12, 3, 1), (20, 5, 4), (9, 8, 1)]:
        series = np.round(rng.standard_normal(T), 3)
        X, Y = _unpack(name, _call(name, fn, series.copy(), L, H), 2, "X, Y")
        want_X, want_Y = D.make_windows(series, L, H)
        got_X = _as_array(name, "X", X)
        if got_X.ndim == 2:
            got_X = got_X[..., None]
        n = len(want_X)
        if got_X.ndim == 3 and got_X.shape[0] in (n - 1, n + 1):
            _fail(name, f"you made {got_X.shape[0]} windows, expected {n} for T={T}, input_len={L}, horizon={H}",
                  "the last window's targets must end at the last value: there are T - input_len - horizon + 1 windows")
        _compare(name, "X", got_X, want_X, "window i is series[i : i + input_len]")
        _compare(name, "Y", Y, want_Y, "the targets of window i are the NEXT horizon values, series[i + input_len : i + input_len + horizon]")
    _passed(name, "windows and targets correct on 3 cases")


@_check(more='take the last column of X, keep it two-dimensional, and repeat it horizon times along the time axis')
def last_value_forecast(fn: Callable[[np.ndarray, int], np.ndarray]) -> None:
    """Check ``fn(X (N, L), horizon) -> (N, H)``: the naive forecast that repeats each window's last value."""
    name = "last_value_forecast"
    rng = np.random.default_rng(141)
    for N, L, H in [(4, 5, 1), (3, 6, 7), (1, 2, 3)]:
        X = rng.standard_normal((N, L))
        want = np.repeat(X[:, -1:], H, axis=1)
        got = _call(name, fn, X.copy(), H)
        if np.shape(got) == want.shape and np.allclose(got, np.repeat(X[:, :1], H, axis=1)):
            _fail(name, "you repeated the FIRST value of each window", "the most recent value is the last one, X[:, -1]")
        _compare(name, "the forecast", got, want, "np.repeat(X[:, -1:], horizon, axis=1) gives (N, horizon)")
    _passed(name, "correct on 3 cases")


def _linear_step(weights: np.ndarray) -> Callable[[np.ndarray], np.ndarray]:
    def step(window: np.ndarray) -> np.ndarray:
        window = np.asarray(window, dtype=np.float64)
        if window.ndim != 2 or window.shape[1] != len(weights):
            raise ValueError(f"the one-step model takes windows of shape (N, {len(weights)}); got {window.shape}")
        return window @ weights

    return step


@_check(more='keep a window that you update: forecast one step, store it, then slide the window by one, dropping the oldest value and appending the forecast')
def recursive_forecast(fn: Callable[[Callable[[np.ndarray], np.ndarray], np.ndarray, int], np.ndarray]) -> None:
    """Check ``fn(step, X (N, L), horizon) -> (N, H)``: a one-step model fed its own forecasts, ``horizon`` times.

    ``step(window (N, L)) -> (N,)`` forecasts the value after each window.
    """
    name = "recursive_forecast"
    rng = np.random.default_rng(142)
    for N, L, H in [(3, 4, 5), (2, 3, 1), (1, 6, 8)]:
        weights = rng.standard_normal(L) / L
        step = _linear_step(weights)
        X = rng.standard_normal((N, L))
        want, window = np.zeros((N, H)), X.copy()
        for h in range(H):
            want[:, h] = step(window)
            window = np.concatenate([window[:, 1:], want[:, h : h + 1]], axis=1)
        got = _call(name, fn, step, X.copy(), H)
        if H > 1 and np.shape(got) == want.shape and np.allclose(got, np.repeat(want[:, :1], H, axis=1)):
            _fail(name, "every step repeats the first forecast", "after each step, drop the window's oldest value and append the new forecast")
        _compare(name, "the forecasts", got, want,
                 "loop horizon times: y = step(window); store it; window = np.concatenate([window[:, 1:], y[:, None]], axis=1)")
    _passed(name, "correct on 3 cases (a linear one-step model rolled forward)")
