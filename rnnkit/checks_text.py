"""Checks for the exercises of notebooks 12 (character language model) and 13 (truncated BPTT).

Same contract as :mod:`rnnkit.checks`: each check runs your function on a few
seeded cases and prints one line starting with ``✓``, or raises
:class:`rnnkit.checks.CheckFailed` saying what is wrong, by how much, and a hint::

    from rnnkit import checks_text
    checks_text.bits_and_perplexity(my_bits_and_perplexity)

numpy only: no Keras is imported.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np

from rnnkit import numpy_rnn as nr
from rnnkit.checks import (
    TOOLS,
    CheckFailed,
    _call,
    _check,
    _compare,
    _fail,
    _passed,
    _rng,
    _unpack,
    _variant,
    hidden_test,
    hint,
)
from rnnkit.data import stream_batches

__all__ = ["CheckFailed", "hint", "hidden_test", "bits_and_perplexity", "sample_top_k", "stream_chunks", "lstm_cache_floats"]

CHECKS: tuple[str, ...] = tuple(name for name in __all__ if name[0].islower() and name not in TOOLS)


# --------------------------------------------------------------------------
# 12 Character language model
# --------------------------------------------------------------------------


@_check(more="ln p = ln 2 * log2 p, so a loss in nats divided by ln 2 (np.log(2)) is the loss in bits; the perplexity "
        "is e raised to the loss in nats (np.exp), which equals 2 raised to the loss in bits",
        reference=("rnnkit.text.bits_per_char", "rnnkit.text.perplexity"))
def bits_and_perplexity(fn: Callable[[float], tuple[float, float]]) -> None:
    """Check ``fn(nats) -> (bits_per_char, perplexity)`` for a loss in nats per character."""
    name = "bits_and_perplexity"
    for nats in _variant((math.log(2.0), 1.0, 1.4, math.log(77.0), 0.0), (0.7, 2.3, math.log(30.0))):
        bits, ppl = _unpack(name, _call(name, fn, nats), 2, "bits, ppl")
        want_bits, want_ppl = nats / math.log(2.0), math.exp(nats)
        if not isinstance(bits, (float, int, np.floating, np.integer)) or not isinstance(ppl, (float, int, np.floating, np.integer)):
            _fail(name, f"expected two numbers, got {type(bits).__name__} and {type(ppl).__name__}", "return two floats")
        if abs(bits - want_bits) > 1e-6 * (1 + want_bits):
            if abs(bits - nats * math.log(2.0)) < 1e-6:
                hint_text = "you multiplied by ln 2: a bit is a smaller unit than a nat, so the number of bits is larger"
            elif nats > 0 and abs(bits - math.log2(nats)) < 1e-6:
                hint_text = "log2 of the loss is not the loss in bits: the loss is already a logarithm, change its base"
            else:
                hint_text = "a loss in nats becomes bits when you change the base of the logarithm: log2(p) = ln(p) / ln(2)"
            _fail(name, f"for a loss of {nats:.4f} nats you gave {float(bits):.6g} bits per character, expected {want_bits:.6g}",
                  hint_text)
        if abs(ppl - want_ppl) > 1e-6 * (1 + want_ppl):
            hint_text = ("you raised 2 to the loss in nats: match the base to the unit (e for nats, 2 for bits)"
                         if abs(ppl - 2.0**nats) < 1e-6 else
                         "perplexity is the exponential of the loss, the number of equally likely choices with the same loss")
            _fail(name, f"for a loss of {nats:.4f} nats you gave a perplexity of {float(ppl):.6g}, expected {want_ppl:.6g}", hint_text)
    _passed(name, "bits = nats / ln 2 and perplexity = exp(nats) for 5 losses")


def _softmax_top_k(logits: np.ndarray, k: int, temperature: float) -> np.ndarray:
    z = logits / temperature
    keep = np.argsort(z)[-k:]
    p = np.zeros_like(z)
    p[keep] = nr.softmax(z[keep])
    return p


@_check(more="z = logits / temperature; keep = the ids of the k largest z (np.argsort sorts ascending, so they are the "
        "last k); p = softmax of z[keep]; draw a position j in range(k) with the rng and probabilities p, and return "
        "the id keep[j], not j itself")
def sample_top_k(fn: Callable[[np.ndarray, int, float, np.random.Generator], int]) -> None:
    """Check ``fn(logits, k, temperature, rng) -> int`` samples from the softmax of the k largest ``logits / temperature``."""
    name = "sample_top_k"
    logits = _variant(np.array([0.5, 2.0, -1.0, 1.0, 0.0, 1.5]), np.array([1.2, -0.5, 0.3, 2.2, 0.8, -1.0, 1.7]))
    draws = 4000
    V = len(logits)
    for k, temperature in ((3, 1.0), (2, 0.5), (V, 2.0), (1, 1.0)):
        rng = _rng(21)
        samples = []
        for _ in range(draws):
            s = _call(name, fn, logits.copy(), k, temperature, rng)
            if isinstance(s, (bool, np.bool_)) or not isinstance(s, (int, np.integer)) or not 0 <= s < V:
                _fail(name, f"expected an int in [0, {V}), got {type(s).__name__} {s!r}", "return the id of the sampled character as an int")
            samples.append(int(s))
        freq = np.bincount(samples, minlength=V) / draws
        want = _softmax_top_k(logits, k, temperature)
        outside = freq[want == 0].sum()
        if outside > 0:
            smallest = np.zeros(V)
            smallest[np.argsort(logits)[:k]] = 1
            if k < V and freq[smallest == 0].sum() == 0:
                _fail(name, f"with k={k} you sampled only among the {k} SMALLEST logits",
                      "np.argsort sorts in ascending order: the largest values are at the end")
            if k < V and np.all(np.asarray(samples) < k):
                _fail(name, f"with k={k} every sample is below {k}: you returned the position inside the kept ids",
                      "return the id that position stands for, not the position itself")
            _fail(name, f"with k={k} you sampled ids outside the {k} largest logits ({outside:.1%} of {draws} draws)",
                  "every id outside the k largest logits must have probability 0")
        seen, kept = int(np.count_nonzero(freq)), int(np.count_nonzero(want))
        if seen < kept:
            _fail(name, f"with k={k} you sampled only {seen} different id(s) in {draws} draws; all {kept} kept ids should come up",
                  "keep all k largest logits (count what your slice keeps), and draw at random among them")
        gap = 0.5 * np.abs(freq - want).sum()
        if gap > 0.04:
            problem = f"with k={k}, temperature {temperature} your frequencies are {np.round(freq, 3)}, expected about {np.round(want, 3)}"
            if temperature != 1.0 and 0.5 * np.abs(freq - _softmax_top_k(logits, k, 1.0)).sum() < 0.03:
                _fail(name, problem + ": the temperature is ignored", "divide the logits by the temperature first")
            _fail(name, problem, "renormalise the softmax over the k kept ids, and sample with the rng you were given")
        if k == 1 and freq[int(np.argmax(logits))] != 1.0:
            _fail(name, "with k=1 the sample must always be the largest logit", "top-1 sampling is greedy decoding")
    first, again = _rng(5), _rng(5)
    runs = [[int(_call(name, fn, logits.copy(), 3, 1.0, r)) for _ in range(30)] for r in (first, again)]
    if runs[0] != runs[1]:
        _fail(name, "two generators with the same seed gave different samples: your function draws its randomness "
              "from somewhere else", "draw only with the rng you were given, never with np.random or random")
    _passed(name, f"sample frequencies match the top-k softmax for 4 (k, temperature) pairs ({draws} draws each)")


# --------------------------------------------------------------------------
# 13 Truncated BPTT
# --------------------------------------------------------------------------


@_check(more="each of the N rows is its own stretch of the stream, R = (n - 1) // batch_size tokens long, row r "
        "starting at token r * R; an (N, R) array of positions (a column of row starts plus a row of offsets 0 .. R-1, "
        "by broadcasting) indexes the stream; chunk k is columns k*seq_len .. (k+1)*seq_len of it, y the same positions "
        "plus 1; only the R // seq_len full chunks count",
        reference=("rnnkit.data.stream_batches",))
def stream_chunks(fn: Callable[[np.ndarray, int, int], Any]) -> None:
    """Check ``fn(ids, batch_size, seq_len) -> list of (x, y)`` against :func:`rnnkit.data.stream_batches`."""
    name = "stream_chunks"
    for n, B, S in _variant(((101, 4, 5), (1000, 8, 7), (64, 3, 20), (50, 1, 49)), ((77, 3, 4), (200, 5, 9), (30, 2, 14))):
        ids = np.arange(n) * 3 % 97  # distinct enough to see where a token came from
        want = list(stream_batches(ids, B, S))
        got = _call(name, fn, ids.copy(), B, S)
        try:
            got = list(got)
        except TypeError:
            _fail(name, f"expected a list of (x, y) pairs, got {type(got).__name__}", "collect the chunks in a list and return it")
        R = (n - 1) // B
        where = f"for {n} tokens, batch_size={B}, seq_len={S}"
        if len(got) != len(want):
            hint_text = ("a last chunk shorter than seq_len is dropped" if len(got) == len(want) + 1 else
                         f"each row holds R = (n - 1) // batch_size = {R} steps, so there are R // seq_len = {R // S} full chunks")
            _fail(name, f"{where} you made {len(got)} chunks, expected {len(want)}", hint_text)
        for k, (pair, (wx, wy)) in enumerate(zip(got, want)):
            x, y = _unpack(name, pair, 2, "x, y")
            if k == 0 and B > 1 and np.shape(x) == (B, S):
                flat = ids[: B * S].reshape(B, S)
                if np.array_equal(np.asarray(x), flat) and not np.array_equal(flat, wx):
                    _fail(name, f"{where}, chunk 0 holds consecutive tokens row after row",
                          "the rows are parallel streams: row r starts at token r * R, so chunk k+1 of a row continues chunk k")
            _compare(name, f"x of chunk {k} ({where})", x, wx.astype(np.float64),
                     "row r of chunk k holds the steps k*seq_len .. (k+1)*seq_len of the stream part that starts at r * R", tol=0)
            if np.array_equal(np.asarray(y), np.asarray(x)):
                _fail(name, f"{where}, y equals x", "y is the token each x must predict: the next one in the stream")
            _compare(name, f"y of chunk {k} ({where})", y, wy.astype(np.float64),
                     "y is x shifted one token to the right in the stream: the token each x must predict", tol=0)
    _passed(name, "chunks equal rnnkit.data.stream_batches for 4 (stream, batch, length) cases")


@_check(more="the cache holds x (N, T, D), h0 and c0 (N, H) each, Wx (D, 4H) and Wh (H, 4H), and six arrays of shape "
        "(N, T, H): the four gates i, f, g, o, then c and h; add up their sizes")
def lstm_cache_floats(fn: Callable[[int, int, int, int], int]) -> None:
    """Check ``fn(N, T, D, H) -> int``: how many numbers ``nr.lstm_forward``'s cache holds."""
    name = "lstm_cache_floats"
    rng = _rng(5)
    for N, T, D, H in _variant(((2, 3, 4, 5), (1, 10, 3, 2), (4, 7, 6, 8)), ((3, 2, 5, 4), (2, 6, 1, 3))):
        Wx, Wh, b = nr.init_lstm(rng, D, H)
        x = rng.standard_normal((N, T, D))
        _, _, cache = nr.lstm_forward(x, np.zeros((N, H)), np.zeros((N, H)), Wx, Wh, b)
        want = int(sum(np.asarray(a).size for a in cache))
        got = _call(name, fn, N, T, D, H)
        if isinstance(got, (bool, np.bool_)) or not isinstance(got, (int, np.integer)):
            _fail(name, f"expected an int, got {type(got).__name__} {got!r}", "a count of floats is a whole number")
        if got != want:
            per_step = N * D + 6 * N * H
            known = {
                6 * N * T * H: "that is the six (N, T, H) arrays only: the cache also keeps the inputs, the initial states and the weights",
                want - N * T * D: "the input sequence x (N, T, D) is in the cache too",
                want + 4 * H: "there is no bias in the cache",
                want - 2 * N * H: "the two initial states h0 and c0 are in the cache too",
                want - D * 4 * H - H * 4 * H: "the two weight matrices are in the cache too",
            }
            hint_text = known.get(int(got), f"list the cache fields (x, h0, c0, Wx, Wh, i, f, g, o, c, h) with their shapes; "
                                  f"the ones with a time axis add {per_step} numbers per step here")
            _fail(name, f"for (N, T, D, H) = {(N, T, D, H)} you said {got}, but the cache holds {want} numbers", hint_text)
    _passed(name, "your count equals the cache's size for 3 shapes")
