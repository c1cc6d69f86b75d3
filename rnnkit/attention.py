"""Attention written out in numpy: the reference that notebook 15 teaches.

Attention is a soft lookup. Each **query** is compared with every **key**; the
scores go through a softmax over the keys, and the result, the **weights**, mixes
the **values** into one **context** vector per query::

    scores[n, i, j]  = score(q[n, i], k[n, j])          # (N, Tq, Tk)
    weights[n, i, :] = softmax(scores[n, i, :])          # each row sums to 1
    context[n, i]    = sum_j weights[n, i, j] * v[n, j]  # (N, Tq, dv)

Sizes: ``N`` batch, ``Tq`` queries, ``Tk`` keys (and values), ``d`` the size of
a query and a key, ``dv`` the size of a value, ``A`` the hidden size of the
additive score.

* ``dot_product_attention``: score = ``scale * q . k``, with ``scale = 1/sqrt(d)``
  by default (Vaswani et al., 2017). Keras' ``keras.layers.Attention`` does not
  scale by default: pass ``scale=1.0`` to match it.
* ``additive_attention`` (Bahdanau et al., 2015): score = ``w . tanh(q Wq + k Wk)``.
  Keras' ``keras.layers.AdditiveAttention`` has no projections: it is this
  function with ``Wq = Wk = I`` and ``w`` its ``scale`` vector (ones when
  ``use_scale=False``).
* ``multi_head_attention``: ``keras.layers.MultiHeadAttention`` with its own
  weights: project, attend once per head (scaled by ``1/sqrt(key_dim)``), project back.
* ``word_alignment``: read a decoder's attention weights word by word: which input
  position each output word looked at most.

A **mask** says which keys each query may attend to (True = may attend): shape
``(N, Tk)``, the same for every query (padding), or ``(N, Tq, Tk)``, one row per
query (``causal_mask``: no query looks at a later key). Masked keys get weight
exactly 0; the weights of every query still sum to 1 over the keys it may see.

Every function computes in the floating dtype it is given (float64 stays
float64) and raises ``ValueError`` naming the expected and the received shape.
numpy only: nothing here imports Keras.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

import numpy as np

from rnnkit._validate import positive_int

__all__ = [
    "masked_softmax",
    "dot_product_attention",
    "additive_scores",
    "additive_attention",
    "causal_mask",
    "multi_head_attention",
    "word_alignment",
]


# --------------------------------------------------------------------------
# Shape checks: each names what was expected and what was received.
# --------------------------------------------------------------------------


def _fmt(shape: Sequence[Any]) -> str:
    parts = [str(s) for s in shape]
    return "(" + ", ".join(parts) + ("," if len(parts) == 1 else "") + ")"


def _array(name: str, a: Any, ndim: int, what: str) -> np.ndarray:
    """``a`` as a float array of ``ndim`` dimensions, or ``ValueError`` saying what it should be."""
    arr = np.asarray(a)
    if arr.ndim != ndim:
        raise ValueError(f"{name} must have shape {what}; received shape {_fmt(arr.shape)}")
    if not (np.issubdtype(arr.dtype, np.floating) or np.issubdtype(arr.dtype, np.integer)):
        raise ValueError(f"{name} must hold numbers; received dtype {arr.dtype}")
    return arr


def _same(name: str, arr: np.ndarray, axis: int, size: int, what: str) -> None:
    if arr.shape[axis] != size:
        raise ValueError(f"{name} must have shape {what}; received shape {_fmt(arr.shape)}")


def _float_dtype(*arrays: np.ndarray) -> np.dtype:
    dtype = np.result_type(*arrays)
    return dtype if np.issubdtype(dtype, np.floating) else np.dtype(np.float64)


def _mask(mask: Any, N: int, Tq: int, Tk: int) -> np.ndarray:
    """The mask as a boolean (N, Tq, Tk) array (a view), from (N, Tk) or (N or 1, Tq, Tk)."""
    m = np.asarray(mask)
    if m.dtype != bool:
        if m.size and not np.isin(m, (0, 1)).all():
            raise ValueError(f"mask must be boolean (True = may attend) or hold only 0 and 1; received {m.dtype} values "
                             f"in [{m.min()}, {m.max()}]")
        m = m.astype(bool)
    if m.ndim == 2 and m.shape == (N, Tk):
        m = m[:, None, :]
    elif not (m.ndim == 3 and m.shape[0] in (1, N) and m.shape[1:] == (Tq, Tk)):
        raise ValueError(f"mask must have shape (N, Tk) = {_fmt((N, Tk))}, one row for all queries, or "
                         f"(N, Tq, Tk) = {_fmt((N, Tq, Tk))}, one row per query; received shape {_fmt(m.shape)}")
    m = np.broadcast_to(m, (N, Tq, Tk))
    empty = np.argwhere(~m.any(axis=-1))
    if len(empty):
        n, i = (int(x) for x in empty[0])
        raise ValueError(f"query {i} of batch row {n} may attend to no key (its mask row is all False); "
                         "every query needs at least one key it may attend to")
    return m


# --------------------------------------------------------------------------
# The softmax over the keys, with a mask
# --------------------------------------------------------------------------


def masked_softmax(scores: np.ndarray, mask: np.ndarray | None = None) -> np.ndarray:
    """Softmax over the last axis of ``scores`` (N, Tq, Tk), keys where ``mask`` is False left out.

    Args:
        scores: (N, Tq, Tk) one score per query and key.
        mask: ``None`` (every key), (N, Tk) or (N, Tq, Tk); True = the query may attend to the key.

    Returns:
        weights (N, Tq, Tk): exactly 0 on masked keys, each row summing to 1 over the others.
    """
    scores = _array("scores", scores, 3, "(N, Tq, Tk)")
    dtype = _float_dtype(scores)
    z = scores.astype(dtype, copy=True)  # z: (N, Tq, Tk)
    if mask is not None:
        z[~_mask(mask, *scores.shape)] = -np.inf  # exp(-inf) = 0: a masked key gets no weight at all
    z -= z.max(axis=-1, keepdims=True)  # the largest allowed score becomes 0: no overflow
    e = np.exp(z)
    return e / e.sum(axis=-1, keepdims=True)


# --------------------------------------------------------------------------
# Dot-product attention
# --------------------------------------------------------------------------


def dot_product_attention(
    q: np.ndarray, k: np.ndarray, v: np.ndarray, mask: np.ndarray | None = None, scale: float | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """Dot-product attention: ``weights = softmax(scale * q k^T)``, ``context = weights v``.

    Args:
        q: (N, Tq, d) queries.
        k: (N, Tk, d) keys.
        v: (N, Tk, dv) values, one per key.
        mask: ``None``, (N, Tk) or (N, Tq, Tk) booleans, True = may attend.
        scale: the factor on the dot products; ``None`` means ``1 / sqrt(d)``.
            (``keras.layers.Attention`` uses 1 unless ``use_scale=True``.)

    Returns:
        ``context`` (N, Tq, dv) and ``weights`` (N, Tq, Tk).
    """
    q = _array("q", q, 3, "(N, Tq, d)")
    N, Tq, d = q.shape
    k = _array("k", k, 3, f"(N, Tk, d) with N = {N} and d = {d}, like q")
    if k.shape[0] != N or k.shape[2] != d:
        raise ValueError(f"k must have shape (N, Tk, d) with N = {N} and d = {d}, like q {_fmt(q.shape)}; "
                         f"received shape {_fmt(k.shape)}")
    Tk = k.shape[1]
    v = _array("v", v, 3, f"(N, Tk, dv) = ({N}, {Tk}, dv), one value per key")
    if v.shape[:2] != (N, Tk):
        raise ValueError(f"v must have shape (N, Tk, dv) = ({N}, {Tk}, dv), one value per key; received shape {_fmt(v.shape)}")
    dtype = _float_dtype(q, k, v)
    q, k, v = (a.astype(dtype, copy=False) for a in (q, k, v))
    if scale is None:
        scale = 1.0 / np.sqrt(d)
    scores = scale * (q @ k.transpose(0, 2, 1))  # scores: (N, Tq, Tk)
    weights = masked_softmax(scores.astype(dtype, copy=False), mask)  # weights: (N, Tq, Tk)
    context = weights @ v  # context: (N, Tq, dv)
    return context, weights


# --------------------------------------------------------------------------
# Additive (Bahdanau) attention
# --------------------------------------------------------------------------


def additive_scores(q: np.ndarray, k: np.ndarray, Wq: np.ndarray, Wk: np.ndarray, w: np.ndarray) -> np.ndarray:
    """Bahdanau's scores ``score[n, i, j] = w . tanh(q[n, i] Wq + k[n, j] Wk)``.

    Args:
        q: (N, Tq, dq) queries; k: (N, Tk, dk) keys.
        Wq: (dq, A), Wk: (dk, A) the projections; w: (A,) the read-out vector.

    Returns:
        scores (N, Tq, Tk).
    """
    q = _array("q", q, 3, "(N, Tq, dq)")
    N, Tq, dq = q.shape
    k = _array("k", k, 3, f"(N, Tk, dk) with N = {N}, like q")
    _same("k", k, 0, N, f"(N, Tk, dk) with N = {N}, like q {_fmt(q.shape)}")
    dk = k.shape[2]
    Wq = _array("Wq", Wq, 2, f"(dq, A) with dq = {dq}")
    _same("Wq", Wq, 0, dq, f"(dq, A) with dq = {dq}, the size of a query")
    A = Wq.shape[1]
    Wk = _array("Wk", Wk, 2, f"(dk, A) = ({dk}, {A})")
    if Wk.shape != (dk, A):
        raise ValueError(f"Wk must have shape (dk, A) = ({dk}, {A}), the key size by Wq's A; received shape {_fmt(Wk.shape)}")
    w = _array("w", w, 1, f"(A,) = ({A},)")
    _same("w", w, 0, A, f"(A,) = ({A},), one weight per column of Wq")
    dtype = _float_dtype(q, k, Wq, Wk, w)
    pq = q.astype(dtype, copy=False) @ Wq.astype(dtype, copy=False)  # pq: (N, Tq, A)
    pk = k.astype(dtype, copy=False) @ Wk.astype(dtype, copy=False)  # pk: (N, Tk, A)
    hidden = np.tanh(pq[:, :, None, :] + pk[:, None, :, :])  # hidden: (N, Tq, Tk, A), every query with every key
    return hidden @ w.astype(dtype, copy=False)  # scores: (N, Tq, Tk)


def additive_attention(
    q: np.ndarray,
    k: np.ndarray,
    v: np.ndarray,
    Wq: np.ndarray,
    Wk: np.ndarray,
    w: np.ndarray,
    mask: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Additive (Bahdanau) attention: ``weights = softmax(w . tanh(q Wq + k Wk))``, ``context = weights v``.

    Args:
        q: (N, Tq, dq), k: (N, Tk, dk), v: (N, Tk, dv).
        Wq: (dq, A), Wk: (dk, A), w: (A,).
        mask: ``None``, (N, Tk) or (N, Tq, Tk) booleans, True = may attend.

    Returns:
        ``context`` (N, Tq, dv) and ``weights`` (N, Tq, Tk).
    """
    scores = additive_scores(q, k, Wq, Wk, w)  # scores: (N, Tq, Tk)
    N, _, Tk = scores.shape
    v = _array("v", v, 3, f"(N, Tk, dv) = ({N}, {Tk}, dv), one value per key")
    if v.shape[:2] != (N, Tk):
        raise ValueError(f"v must have shape (N, Tk, dv) = ({N}, {Tk}, dv), one value per key; received shape {_fmt(v.shape)}")
    weights = masked_softmax(scores, mask)  # weights: (N, Tq, Tk)
    context = weights @ v.astype(weights.dtype, copy=False)  # context: (N, Tq, dv)
    return context, weights


# --------------------------------------------------------------------------
# Self-attention: a causal mask, and Keras' multi-head layer written out
# --------------------------------------------------------------------------


def causal_mask(T: int) -> np.ndarray:
    """(1, T, T) booleans: query ``i`` may attend to keys ``0 .. i`` only (a lower triangle).

    For a sequence attending to itself when each step must not see later steps; the
    leading axis of size 1 serves every batch row.
    """
    T = positive_int("T", T)
    return np.tril(np.ones((T, T), dtype=bool))[None]


def multi_head_attention(
    query: np.ndarray,
    value: np.ndarray,
    weights: Sequence[np.ndarray],
    key: np.ndarray | None = None,
    mask: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """``keras.layers.MultiHeadAttention`` written out, with that layer's weights.

    Each head projects queries, keys and values with its own matrices, runs
    :func:`dot_product_attention` with ``scale = 1/sqrt(key_dim)``, and the heads'
    contexts are projected back and summed.

    Args:
        query: (N, Tq, Dq); value: (N, Tk, Dv); key: (N, Tk, Dk), default ``value``.
        weights: ``layer.get_weights()`` of a built ``MultiHeadAttention`` with biases:
            ``Wq`` (Dq, h, key_dim), ``bq`` (h, key_dim), ``Wk`` (Dk, h, key_dim), ``bk``,
            ``Wv`` (Dv, h, value_dim), ``bv`` (h, value_dim), ``Wo`` (h, value_dim, Dout), ``bo`` (Dout,).
        mask: ``None``, (N, Tk) or (N, Tq, Tk) booleans (Keras' ``attention_mask``).

    Returns:
        ``output`` (N, Tq, Dout) and ``weights`` (N, h, Tq, Tk), one attention map per head.
    """
    if len(weights) != 8:
        raise ValueError("weights must be the 8 arrays of MultiHeadAttention.get_weights() (Wq, bq, Wk, bk, Wv, bv, Wo, bo); "
                         f"received {len(weights)} arrays")
    Wq, bq, Wk, bk, Wv, bv, Wo, bo = (np.asarray(a) for a in weights)
    query = _array("query", query, 3, "(N, Tq, Dq)")
    value = _array("value", value, 3, "(N, Tk, Dv)")
    key = value if key is None else _array("key", key, 3, "(N, Tk, Dk)")
    N, Tq, Dq = query.shape
    if value.shape[0] != N or key.shape[:2] != value.shape[:2]:
        raise ValueError(f"value (N, Tk, Dv) and key (N, Tk, Dk) need N = {N} and the same Tk; "
                         f"received value {_fmt(value.shape)} and key {_fmt(key.shape)}")
    Wq = _array("Wq", Wq, 3, "(Dq, heads, key_dim)")
    Wv = _array("Wv", Wv, 3, "(Dv, heads, value_dim)")
    Wo = _array("Wo", Wo, 3, "(heads, value_dim, Dout)")
    h, key_dim = Wq.shape[1:]
    value_dim, Dout = Wv.shape[2], Wo.shape[2]
    wanted = {"Wq": (Dq, h, key_dim), "bq": (h, key_dim), "Wk": (key.shape[2], h, key_dim), "bk": (h, key_dim),
              "Wv": (value.shape[2], h, value_dim), "bv": (h, value_dim), "Wo": (h, value_dim, Dout), "bo": (Dout,)}
    for name, a in zip(wanted, (Wq, bq, Wk, bk, Wv, bv, Wo, bo)):
        if a.shape != wanted[name]:
            raise ValueError(f"{name} must have shape {_fmt(wanted[name])} for these inputs and {h} heads; "
                             f"received shape {_fmt(a.shape)}")
    dtype = _float_dtype(query, value, key, Wq)
    Q = np.einsum("ntd,dhk->nhtk", query, Wq).astype(dtype) + bq[None, :, None, :]  # Q: (N, h, Tq, key_dim)
    K = np.einsum("nsd,dhk->nhsk", key, Wk).astype(dtype) + bk[None, :, None, :]  # K: (N, h, Tk, key_dim)
    V = np.einsum("nsd,dhv->nhsv", value, Wv).astype(dtype) + bv[None, :, None, :]  # V: (N, h, Tk, value_dim)
    heads = [dot_product_attention(Q[:, j], K[:, j], V[:, j], mask) for j in range(h)]  # scale 1/sqrt(key_dim)
    context = np.stack([c for c, _ in heads], axis=1)  # context: (N, h, Tq, value_dim)
    attn = np.stack([a for _, a in heads], axis=1)  # attn: (N, h, Tq, Tk)
    output = np.einsum("nhtv,hvo->nto", context, Wo.astype(dtype)) + bo  # output: (N, Tq, Dout)
    return output.astype(dtype, copy=False), attn


# --------------------------------------------------------------------------
# Reading an alignment
# --------------------------------------------------------------------------


def word_alignment(weights: np.ndarray, text: str) -> list[tuple[str, int]]:
    """Which input position each word of ``text`` attended to most.

    A word is a run of letters ("twenty-three," has two: "twenty" and "three"). Its
    attention is the mean of the weight rows of its characters; its position is the
    argmax of that mean.

    Args:
        weights: (T_out, T_in) one row per output step; row ``t`` is the step that wrote
            ``text[t]`` (rows after the text, e.g. the ``[END]`` step, are ignored).
        text: the output, at most ``T_out`` characters.

    Returns:
        ``[(word, position), ...]`` in the order of the words.
    """
    weights = _array("weights", weights, 2, "(T_out, T_in), one row per output character")
    if not isinstance(text, str):
        raise ValueError(f"text must be a string; received {type(text).__name__}")
    if len(text) > weights.shape[0]:
        raise ValueError(f"weights must have at least one row per character of text ({len(text)}); "
                         f"received shape {_fmt(weights.shape)}")
    return [(m.group(), int(weights[m.start() : m.end()].mean(axis=0).argmax())) for m in re.finditer(r"[A-Za-z]+", text)]
