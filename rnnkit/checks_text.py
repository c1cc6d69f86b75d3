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
from rnnkit.checks import TOOLS, CheckFailed, _call, _check, _compare, _fail, hidden_test, hint, _passed, _unpack
from rnnkit.data import stream_batches

__all__ = ["CheckFailed", "hint", "hidden_test", "bits_and_perplexity", "sample_top_k", "stream_chunks", "lstm_cache_floats"]

CHECKS: tuple[str, ...] = tuple(name for name in __all__ if name[0].islower() and name not in TOOLS)


# --------------------------------------------------------------------------
# 12 Character language model
# --------------------------------------------------------------------------


@_check(more='one nat is 1 / ln 2 bits; perplexity is e to the loss in nats, which is the same as 2 to the loss in bits', reference=('rnnkit.text.bits_per_char', 'rnnkit.text.perplexity'))
def bits_and_perplexity(fn: Callable[[float], tuple[float, float]]) -> None:
    """Check ``fn(nats) -> (bits_per_char, perplexity)`` for a loss in nats per character."""
    name = "bits_and_perplexity"
    for nats in (math.log(2.0), 1.0, 1.4, math.log(77.0), 0.0):
        bits, ppl = _unpack(name, _call(name, fn, nats), 2, "bits, ppl")
        want_bits, want_ppl = nats / math.log(2.0), math.exp(nats)
        if not isinstance(bits, (float, int, np.floating, np.integer)) or not isinstance(ppl, (float, int, np.floating, np.integer)):
            _fail(name, f"expected two numbers, got {type(bits).__name__} and {type(ppl).__name__}", "return two floats")
        if abs(bits - want_bits) > 1e-6 * (1 + want_bits):
            hint = "divide by ln 2 (np.log(2)), do not multiply" if abs(bits - nats * math.log(2.0)) < 1e-6 else (
                "a loss in nats becomes bits when divided by ln 2: log2(p) = ln(p) / ln(2)")
            _fail(name, f"for a loss of {nats:.4f} nats you gave {float(bits):.6g} bits per character, expected {want_bits:.6g}", hint)
        if abs(ppl - want_ppl) > 1e-6 * (1 + want_ppl):
            hint = "2 ** bits equals e ** nats; check which base you raised" if abs(ppl - 2.0**nats) < 1e-6 else (
                "perplexity is exp(loss in nats): the number of equally likely choices with the same loss")
            _fail(name, f"for a loss of {nats:.4f} nats you gave a perplexity of {float(ppl):.6g}, expected {want_ppl:.6g}", hint)
    _passed(name, "bits = nats / ln 2 and perplexity = exp(nats) for 5 losses")


def _softmax_top_k(logits: np.ndarray, k: int, temperature: float) -> np.ndarray:
    z = logits / temperature
    keep = np.argsort(z)[-k:]
    p = np.zeros_like(z)
    p[keep] = nr.softmax(z[keep])
    return p


@_check(more='after dividing by the temperature, find the ids of the k largest logits, take the softmax over those k only, sample a position among them and return the id at that position')
def sample_top_k(fn: Callable[[np.ndarray, int, float, np.random.Generator], int]) -> None:
    """Check ``fn(logits, k, temperature, rng) -> int`` samples from the softmax of the k largest ``logits / temperature``."""
    name = "sample_top_k"
    logits = np.array([0.5, 2.0, -1.0, 1.0, 0.0, 1.5])
    draws = 4000
    for k, temperature in ((3, 1.0), (2, 0.5), (6, 2.0), (1, 1.0)):
        rng = np.random.default_rng(21)
        samples = []
        for _ in range(draws):
            s = _call(name, fn, logits, k, temperature, rng)
            if isinstance(s, (bool, np.bool_)) or not isinstance(s, (int, np.integer)) or not 0 <= s < len(logits):
                _fail(name, f"expected an int in [0, {len(logits)}), got {s!r}", "return int(rng.choice(V, p=probs))")
            samples.append(int(s))
        freq = np.bincount(samples, minlength=len(logits)) / draws
        want = _softmax_top_k(logits, k, temperature)
        outside = freq[want == 0].sum()
        if outside > 0:
            _fail(name, f"with k={k} you sampled ids outside the {k} largest logits ({outside:.1%} of {draws} draws)",
                  "keep only the k largest logits (np.argsort(logits)[-k:]) and give the others probability 0")
        gap = 0.5 * np.abs(freq - want).sum()
        if gap > 0.04:
            _fail(name, f"with k={k}, temperature {temperature} your frequencies are {np.round(freq, 3)}, expected about {np.round(want, 3)}",
                  "divide the logits by the temperature, then renormalise the softmax over the k kept ids")
    _passed(name, f"sample frequencies match the top-k softmax for 4 (k, temperature) pairs ({draws} draws each)")


# --------------------------------------------------------------------------
# 13 Truncated BPTT
# --------------------------------------------------------------------------


@_check(more='make an (N, R) array of stream positions, one row per batch row, and cut chunk k as columns k*seq_len .. (k+1)*seq_len; y uses the positions + 1', reference=('rnnkit.data.stream_batches',))
def stream_chunks(fn: Callable[[np.ndarray, int, int], Any]) -> None:
    """Check ``fn(ids, batch_size, seq_len) -> list of (x, y)`` against :func:`rnnkit.data.stream_batches`."""
    name = "stream_chunks"
    for n, B, S in ((101, 4, 5), (1000, 8, 7), (64, 3, 20), (50, 1, 49)):
        ids = np.arange(n) * 3 % 97  # distinct enough to see where a token came from
        want = list(stream_batches(ids, B, S))
        got = _call(name, fn, ids, B, S)
        try:
            got = list(got)
        except TypeError:
            _fail(name, f"expected a list of (x, y) pairs, got {type(got).__name__}", "collect the chunks in a list and return it")
        if len(got) != len(want):
            R = (n - 1) // B
            _fail(name, f"for {n} tokens, batch_size={B}, seq_len={S} you made {len(got)} chunks, expected {len(want)}",
                  f"each row holds R = (n - 1) // batch_size = {R} steps; there are R // seq_len = {R // S} full chunks")
        for k, (pair, (wx, wy)) in enumerate(zip(got, want)):
            x, y = _unpack(name, pair, 2, "x, y")
            _compare(name, f"x of chunk {k} (n={n}, B={B}, S={S})", x, wx.astype(np.float64),
                     "row r starts at token r * R and chunk k holds its steps k*seq_len .. (k+1)*seq_len", tol=0)
            _compare(name, f"y of chunk {k} (n={n}, B={B}, S={S})", y, wy.astype(np.float64),
                     "y is x shifted one token to the right in the stream: the token each x must predict", tol=0)
    _passed(name, "chunks equal rnnkit.data.stream_batches for 4 (stream, batch, length) cases")


@_check(more='list the arrays in the cache with their shapes: the input sequence, two initial states, two weight matrices, and six arrays of (N, T, H)')
def lstm_cache_floats(fn: Callable[[int, int, int, int], int]) -> None:
    """Check ``fn(N, T, D, H) -> int``: how many numbers ``nr.lstm_forward``'s cache holds."""
    name = "lstm_cache_floats"
    rng = np.random.default_rng(5)
    for N, T, D, H in ((2, 3, 4, 5), (1, 10, 3, 2), (4, 7, 6, 8)):
        Wx, Wh, b = nr.init_lstm(rng, D, H)
        x = rng.standard_normal((N, T, D))
        _, _, cache = nr.lstm_forward(x, np.zeros((N, H)), np.zeros((N, H)), Wx, Wh, b)
        want = int(sum(np.asarray(a).size for a in cache))
        got = _call(name, fn, N, T, D, H)
        if isinstance(got, (bool, np.bool_)) or not isinstance(got, (int, np.integer)):
            _fail(name, f"expected an int, got {type(got).__name__} {got!r}", "return a whole number of floats")
        if got != want:
            per_step = N * D + 6 * N * H
            hint = (f"list the cache fields (x, h0, c0, Wx, Wh, i, f, g, o, c, h) and their shapes; "
                    f"the ones with a time axis add {per_step} numbers per step here")
            _fail(name, f"for (N, T, D, H) = {(N, T, D, H)} you said {got}, but the cache holds {want} numbers", hint)
    _passed(name, "your count equals the cache's size for 3 shapes")
