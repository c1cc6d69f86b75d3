"""Recurrent networks written out in numpy: the reference that Part I teaches.

Letters used for sizes everywhere in the course:

* ``N`` batch size, ``T`` time steps, ``D`` input features, ``H`` hidden units.

Inputs multiply weights from the left (``x_t @ Wx``), exactly like Keras, so the
weights of ``keras.layers.SimpleRNN``, ``LSTM`` and ``GRU`` drop straight in:

* SimpleRNN: ``Wx`` (D, H), ``Wh`` (H, H), ``b`` (H,)
* LSTM: ``Wx`` (D, 4H), ``Wh`` (H, 4H), ``b`` (4H,), gate blocks in the order
  input, forget, candidate, output (i, f, c, o)
* GRU (``reset_after=True``): ``Wx`` (D, 3H), ``Wh`` (H, 3H), ``b`` (2, 3H),
  blocks in the order update, reset, candidate (z, r, h); ``b[0]`` is added to
  the input part and ``b[1]`` to the recurrent part.

Every function works in the dtype it is given; use float64 for gradient checks.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import NamedTuple

import numpy as np

from rnnkit._validate import positive_int

__all__ = [
    "RNNCache",
    "LSTMCache",
    "GRUCache",
    "sigmoid",
    "softmax",
    "rnn_step",
    "rnn_forward",
    "rnn_backward",
    "lstm_step",
    "lstm_forward",
    "lstm_backward",
    "gru_step",
    "gru_forward",
    "softmax_cross_entropy",
    "clip_by_global_norm",
    "numerical_gradient",
    "relative_error",
    "init_rnn",
    "init_lstm",
    "init_gru",
]


# --------------------------------------------------------------------------
# Shape checking: every public function says what it expected and what came.
# --------------------------------------------------------------------------


def _fmt(shape: Sequence[int | str | None]) -> str:
    parts = ["?" if s is None else str(s) for s in shape]
    return "(" + ", ".join(parts) + ("," if len(parts) == 1 else "") + ")"


def _expect(name: str, a: np.ndarray, shape: Sequence[int | None], what: str = "") -> None:
    """Raise ValueError unless ``a.shape`` matches ``shape`` (None = any size)."""
    a = np.asarray(a)
    ok = a.ndim == len(shape) and all(s is None or s == n for s, n in zip(shape, a.shape))
    if not ok:
        hint = f" {what}" if what else ""
        raise ValueError(f"{name} must have shape {_fmt(shape)}{hint}; got {_fmt(a.shape)}")


def _dims(x: np.ndarray, h0: np.ndarray, Wx: np.ndarray, Wh: np.ndarray, gates: int) -> tuple[int, int, int, int]:
    """Check x, h0, Wx and Wh against each other and return (N, T, D, H)."""
    x, h0, Wx, Wh = (np.asarray(a) for a in (x, h0, Wx, Wh))
    if x.ndim != 3:
        raise ValueError(f"x must have shape (N, T, D) = (batch, time steps, features); got {_fmt(x.shape)}")
    N, T, D = x.shape
    if Wh.ndim != 2 or Wh.shape[1] != gates * Wh.shape[0]:
        want = "(H, H)" if gates == 1 else f"(H, {gates}H)"
        raise ValueError(f"Wh must have shape {want}; got {_fmt(Wh.shape)}")
    H = Wh.shape[0]
    _expect("Wx", Wx, (D, gates * H), f"= (D, {'' if gates == 1 else gates}H) for D={D} inputs and H={H} units")
    _expect("h0", h0, (N, H), f"= (N, H) for a batch of N={N} and H={H} units")
    return N, T, D, H


def _float_dtype(*arrays: np.ndarray) -> np.dtype:
    dtype = np.result_type(*arrays)
    return dtype if np.issubdtype(dtype, np.floating) else np.dtype(np.float64)


# --------------------------------------------------------------------------
# Activations
# --------------------------------------------------------------------------


def sigmoid(z: np.ndarray) -> np.ndarray:
    """Logistic sigmoid ``1 / (1 + exp(-z))``, computed without overflow."""
    z = np.asarray(z)
    e = np.exp(-np.abs(z))
    return np.where(z >= 0, 1.0 / (1.0 + e), e / (1.0 + e))


def softmax(z: np.ndarray, axis: int = -1) -> np.ndarray:
    """Softmax along ``axis``, shifted by the max so it never overflows."""
    z = np.asarray(z)
    e = np.exp(z - z.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


# --------------------------------------------------------------------------
# Vanilla RNN: h_t = tanh(x_t Wx + h_{t-1} Wh + b)
# --------------------------------------------------------------------------


class RNNCache(NamedTuple):
    """What ``rnn_backward`` needs from the forward pass."""

    x: np.ndarray  # (N, T, D)
    h0: np.ndarray  # (N, H)
    Wx: np.ndarray  # (D, H)
    Wh: np.ndarray  # (H, H)
    h: np.ndarray  # (N, T, H)


def rnn_step(x_t: np.ndarray, h_prev: np.ndarray, Wx: np.ndarray, Wh: np.ndarray, b: np.ndarray) -> np.ndarray:
    """One step: ``x_t`` (N, D), ``h_prev`` (N, H) -> ``h_t`` (N, H)."""
    return np.tanh(x_t @ Wx + h_prev @ Wh + b)


def rnn_forward(
    x: np.ndarray, h0: np.ndarray, Wx: np.ndarray, Wh: np.ndarray, b: np.ndarray
) -> tuple[np.ndarray, RNNCache]:
    """Run the vanilla RNN over a whole batch of sequences.

    Args:
        x: inputs, (N, T, D).
        h0: initial hidden state, (N, H).
        Wx: input weights, (D, H).  Wh: recurrent weights, (H, H).  b: bias, (H,).

    Returns:
        ``h`` (N, T, H), every hidden state, and the cache for ``rnn_backward``.
    """
    N, T, D, H = _dims(x, h0, Wx, Wh, gates=1)
    _expect("b", b, (H,))
    h = np.empty((N, T, H), dtype=_float_dtype(x, h0, Wx, Wh, b))  # h: (N, T, H)
    hprev = h0
    for t in range(T):
        hprev = rnn_step(x[:, t], hprev, Wx, Wh, b)
        h[:, t] = hprev
    return h, RNNCache(x, h0, Wx, Wh, h)


def rnn_backward(
    dh: np.ndarray, cache: RNNCache
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Backpropagation through time for ``rnn_forward``.

    Args:
        dh: upstream gradient of the loss with respect to every hidden state, (N, T, H).
        cache: the second value returned by ``rnn_forward``.

    Returns:
        ``(dx, dh0, dWx, dWh, db)`` with the shapes of ``x, h0, Wx, Wh, b``.
    """
    x, h0, Wx, Wh, h = cache
    _expect("dh", dh, h.shape, "= (N, T, H), the shape of the hidden states h")
    dx = np.zeros_like(x, dtype=h.dtype)
    dWx, dWh = np.zeros_like(Wx, dtype=h.dtype), np.zeros_like(Wh, dtype=h.dtype)
    db = np.zeros(h.shape[2], dtype=h.dtype)
    dhnext = np.zeros_like(h0, dtype=h.dtype)  # gradient arriving from step t+1
    for t in reversed(range(h.shape[1])):
        hprev = h[:, t - 1] if t > 0 else h0
        dht = dh[:, t] + dhnext  # from the loss at step t and from step t+1
        da = dht * (1.0 - h[:, t] ** 2)  # back through tanh
        dx[:, t] = da @ Wx.T
        dWx += x[:, t].T @ da
        dWh += hprev.T @ da
        db += da.sum(axis=0)
        dhnext = da @ Wh.T
    return dx, dhnext, dWx, dWh, db


# --------------------------------------------------------------------------
# LSTM, Keras layout, gates i, f, c, o
# --------------------------------------------------------------------------


class LSTMCache(NamedTuple):
    """What ``lstm_backward`` needs; ``i, f, g, o`` are the gate values, (N, T, H)."""

    x: np.ndarray  # (N, T, D)
    h0: np.ndarray  # (N, H)
    c0: np.ndarray  # (N, H)
    Wx: np.ndarray  # (D, 4H)
    Wh: np.ndarray  # (H, 4H)
    i: np.ndarray  # input gate
    f: np.ndarray  # forget gate
    g: np.ndarray  # candidate (the "c" block of Keras' kernel)
    o: np.ndarray  # output gate
    c: np.ndarray  # cell states, (N, T, H)
    h: np.ndarray  # hidden states, (N, T, H)


def _lstm_gates(
    x_t: np.ndarray, h_prev: np.ndarray, Wx: np.ndarray, Wh: np.ndarray, b: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    H = h_prev.shape[-1]
    z = x_t @ Wx + h_prev @ Wh + b  # z: (N, 4H), blocks i | f | c | o
    i = sigmoid(z[:, :H])
    f = sigmoid(z[:, H : 2 * H])
    g = np.tanh(z[:, 2 * H : 3 * H])
    o = sigmoid(z[:, 3 * H :])
    return i, f, g, o


def lstm_step(
    x_t: np.ndarray, h_prev: np.ndarray, c_prev: np.ndarray, Wx: np.ndarray, Wh: np.ndarray, b: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """One LSTM step: returns ``(h_t, c_t)``, each (N, H)."""
    i, f, g, o = _lstm_gates(x_t, h_prev, Wx, Wh, b)
    c_t = f * c_prev + i * g
    return o * np.tanh(c_t), c_t


def lstm_forward(
    x: np.ndarray, h0: np.ndarray, c0: np.ndarray, Wx: np.ndarray, Wh: np.ndarray, b: np.ndarray
) -> tuple[np.ndarray, np.ndarray, LSTMCache]:
    """Run an LSTM over a batch of sequences (same maths and layout as ``keras.layers.LSTM``).

    Args:
        x: (N, T, D).  h0, c0: initial hidden and cell state, (N, H).
        Wx: (D, 4H).  Wh: (H, 4H).  b: (4H,).  Gate blocks ordered i, f, c, o.

    Returns:
        ``h`` and ``c``, each (N, T, H), and the cache for ``lstm_backward``.
    """
    N, T, D, H = _dims(x, h0, Wx, Wh, gates=4)
    _expect("c0", c0, (N, H), f"= (N, H) for a batch of N={N} and H={H} units")
    _expect("b", b, (4 * H,), f"= (4H,) for H={H} units")
    dtype = _float_dtype(x, h0, c0, Wx, Wh, b)
    i, f, g, o, c, h = (np.empty((N, T, H), dtype=dtype) for _ in range(6))
    hprev, cprev = h0, c0
    for t in range(T):
        i[:, t], f[:, t], g[:, t], o[:, t] = _lstm_gates(x[:, t], hprev, Wx, Wh, b)
        cprev = f[:, t] * cprev + i[:, t] * g[:, t]
        hprev = o[:, t] * np.tanh(cprev)
        c[:, t], h[:, t] = cprev, hprev
    return h, c, LSTMCache(x, h0, c0, Wx, Wh, i, f, g, o, c, h)


def lstm_backward(
    dh: np.ndarray, cache: LSTMCache
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Backpropagation through time for ``lstm_forward``.

    Args:
        dh: gradient of the loss with respect to every hidden state, (N, T, H).
        cache: the third value returned by ``lstm_forward``.

    Returns:
        ``(dx, dh0, dc0, dWx, dWh, db)`` with the shapes of ``x, h0, c0, Wx, Wh, b``.
    """
    x, h0, c0, Wx, Wh, i, f, g, o, c, h = cache
    _expect("dh", dh, h.shape, "= (N, T, H), the shape of the hidden states h")
    dtype = h.dtype
    dx = np.zeros_like(x, dtype=dtype)
    dWx, dWh = np.zeros_like(Wx, dtype=dtype), np.zeros_like(Wh, dtype=dtype)
    db = np.zeros(Wx.shape[1], dtype=dtype)
    dhnext = np.zeros_like(h0, dtype=dtype)
    dcnext = np.zeros_like(c0, dtype=dtype)
    for t in reversed(range(h.shape[1])):
        hprev = h[:, t - 1] if t > 0 else h0
        cprev = c[:, t - 1] if t > 0 else c0
        tanh_c = np.tanh(c[:, t])
        dht = dh[:, t] + dhnext
        do = dht * tanh_c
        dct = dcnext + dht * o[:, t] * (1.0 - tanh_c**2)  # the conveyor belt
        di, df, dg = dct * g[:, t], dct * cprev, dct * i[:, t]
        dcnext = dct * f[:, t]
        dz = np.concatenate(  # back through the gate nonlinearities: (N, 4H)
            [
                di * i[:, t] * (1.0 - i[:, t]),
                df * f[:, t] * (1.0 - f[:, t]),
                dg * (1.0 - g[:, t] ** 2),
                do * o[:, t] * (1.0 - o[:, t]),
            ],
            axis=1,
        )
        dx[:, t] = dz @ Wx.T
        dWx += x[:, t].T @ dz
        dWh += hprev.T @ dz
        db += dz.sum(axis=0)
        dhnext = dz @ Wh.T
    return dx, dhnext, dcnext, dWx, dWh, db


# --------------------------------------------------------------------------
# GRU, Keras layout with reset_after=True, blocks z, r, h
# --------------------------------------------------------------------------


class GRUCache(NamedTuple):
    """Gate values from ``gru_forward``, each (N, T, H), kept for plots."""

    z: np.ndarray  # update gate
    r: np.ndarray  # reset gate
    hh: np.ndarray  # candidate state
    h: np.ndarray  # hidden states


def _gru_parts(
    x_t: np.ndarray, h_prev: np.ndarray, Wx: np.ndarray, Wh: np.ndarray, b: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    H = h_prev.shape[-1]
    xz = x_t @ Wx + b[0]  # (N, 3H), blocks z | r | h
    hz = h_prev @ Wh + b[1]  # (N, 3H)
    z = sigmoid(xz[:, :H] + hz[:, :H])
    r = sigmoid(xz[:, H : 2 * H] + hz[:, H : 2 * H])
    hh = np.tanh(xz[:, 2 * H :] + r * hz[:, 2 * H :])  # reset applied after the matmul
    return z, r, hh


def gru_step(x_t: np.ndarray, h_prev: np.ndarray, Wx: np.ndarray, Wh: np.ndarray, b: np.ndarray) -> np.ndarray:
    """One GRU step (Keras ``reset_after=True``): returns ``h_t`` (N, H)."""
    z, _, hh = _gru_parts(x_t, h_prev, Wx, Wh, b)
    return z * h_prev + (1.0 - z) * hh


def gru_forward(
    x: np.ndarray, h0: np.ndarray, Wx: np.ndarray, Wh: np.ndarray, b: np.ndarray
) -> tuple[np.ndarray, GRUCache]:
    """Run a GRU over a batch (same maths and layout as ``keras.layers.GRU``).

    Args:
        x: (N, T, D).  h0: (N, H).  Wx: (D, 3H).  Wh: (H, 3H).  b: (2, 3H).

    Returns:
        ``h`` (N, T, H) and the gate values (for plots; there is no GRU backward here).
    """
    N, T, D, H = _dims(x, h0, Wx, Wh, gates=3)
    _expect("b", b, (2, 3 * H), f"= (2, 3H) for H={H} units (input bias row, recurrent bias row)")
    dtype = _float_dtype(x, h0, Wx, Wh, b)
    z, r, hh, h = (np.empty((N, T, H), dtype=dtype) for _ in range(4))
    hprev = h0
    for t in range(T):
        z[:, t], r[:, t], hh[:, t] = _gru_parts(x[:, t], hprev, Wx, Wh, b)
        hprev = z[:, t] * hprev + (1.0 - z[:, t]) * hh[:, t]
        h[:, t] = hprev
    return h, GRUCache(z, r, hh, h)


# --------------------------------------------------------------------------
# Loss, clipping and gradient checking
# --------------------------------------------------------------------------


def softmax_cross_entropy(logits: np.ndarray, targets: np.ndarray) -> tuple[float, np.ndarray]:
    """Mean cross-entropy of integer ``targets`` under ``softmax(logits)``.

    Args:
        logits: scores, (..., V) e.g. (N, T, V) for one prediction per step.
        targets: class ids, the shape of ``logits`` without its last axis.

    Returns:
        ``(loss, dlogits)``: the loss averaged over every prediction, in nats,
        and its gradient with respect to ``logits``.
    """
    logits = np.asarray(logits)
    targets = np.asarray(targets)
    if logits.ndim < 1 or targets.shape != logits.shape[:-1]:
        raise ValueError(
            f"targets must have shape {_fmt(logits.shape[:-1])} (logits {_fmt(logits.shape)} without the class axis); "
            f"got {_fmt(targets.shape)}"
        )
    V = logits.shape[-1]
    if not np.issubdtype(targets.dtype, np.integer) or targets.size and (targets.min() < 0 or targets.max() >= V):
        raise ValueError(f"targets must be integer class ids in [0, {V}); got dtype {targets.dtype}")
    z = logits - logits.max(axis=-1, keepdims=True)
    log_p = (z - np.log(np.exp(z).sum(axis=-1, keepdims=True))).reshape(-1, V)  # log-softmax: exact even
    flat_t = targets.reshape(-1)                                                # where softmax underflows
    count = max(flat_t.size, 1)
    loss = -log_p[np.arange(flat_t.size), flat_t].sum() / count
    dflat = np.exp(log_p)
    dflat[np.arange(flat_t.size), flat_t] -= 1.0
    return float(loss), (dflat / count).reshape(logits.shape)


def clip_by_global_norm(grads: Sequence[np.ndarray], max_norm: float) -> tuple[list[np.ndarray], float]:
    """Scale all gradients together so their joint L2 norm is at most ``max_norm``.

    Returns the (possibly) rescaled gradients and the norm measured before clipping.
    The direction of the joint gradient never changes; only its length does.
    """
    if max_norm <= 0:
        raise ValueError(f"max_norm must be positive; got {max_norm}")
    norm = float(np.sqrt(sum(float(np.sum(np.square(g))) for g in grads)))
    scale = min(1.0, max_norm / (norm + 1e-12))
    return [g * scale for g in grads], norm


def numerical_gradient(f: Callable[[np.ndarray], float], x: np.ndarray, eps: float = 1e-5) -> np.ndarray:
    """Central-difference gradient of the scalar ``f`` at ``x``.

    ``x`` is nudged in place, one entry at a time, and restored; ``f(x)`` is
    called twice per entry, so keep ``x`` small. ``x`` must be float64: in
    float32 the differences drown in rounding error.
    """
    if not isinstance(x, np.ndarray) or x.dtype != np.float64:
        got = x.dtype if isinstance(x, np.ndarray) else type(x).__name__
        raise ValueError(f"x must be a float64 numpy array (float32 is too coarse for finite differences); got {got}")
    grad = np.zeros_like(x)
    it = np.nditer(x, flags=["multi_index"])
    for _ in it:
        idx = it.multi_index
        old = x[idx]
        x[idx] = old + eps
        f_plus = float(f(x))
        x[idx] = old - eps
        f_minus = float(f(x))
        x[idx] = old
        grad[idx] = (f_plus - f_minus) / (2.0 * eps)
    return grad


def relative_error(a: np.ndarray, b: np.ndarray) -> float:
    """``||a - b|| / (||a|| + ||b||)`` over all entries; below 1e-7 is a pass in float64.

    Measured on whole arrays, not entry by entry: a finite-difference estimate
    of an entry that is nearly zero is all rounding noise, and an entrywise
    ratio would blow that noise up.
    """
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    if a.shape != b.shape:
        raise ValueError(f"relative_error needs two arrays of one shape; got {_fmt(a.shape)} and {_fmt(b.shape)}")
    denom = np.linalg.norm(a) + np.linalg.norm(b)
    return float(np.linalg.norm(a - b) / denom) if denom > 0 else 0.0


# --------------------------------------------------------------------------
# Initialisation, as Keras does it (Glorot uniform in, orthogonal recurrent)
# --------------------------------------------------------------------------


def _glorot(rng: np.random.Generator, fan_in: int, fan_out: int, dtype: type) -> np.ndarray:
    limit = np.sqrt(6.0 / (fan_in + fan_out))
    return rng.uniform(-limit, limit, size=(fan_in, fan_out)).astype(dtype)


def _orthogonal(rng: np.random.Generator, rows: int, cols: int, dtype: type) -> np.ndarray:
    a = rng.standard_normal((max(rows, cols), min(rows, cols)))
    q, r = np.linalg.qr(a)
    q = q * np.sign(np.diag(r))  # make the decomposition unique
    return (q if rows >= cols else q.T)[:rows, :cols].astype(dtype)


def _check_sizes(D: int, H: int) -> None:
    positive_int("D", D)
    positive_int("H", H)


def init_rnn(
    rng: np.random.Generator, D: int, H: int, dtype: type = np.float64
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(Wx, Wh, b)`` for a vanilla RNN: Glorot-uniform ``Wx``, orthogonal ``Wh``, zero ``b``."""
    _check_sizes(D, H)
    return _glorot(rng, D, H, dtype), _orthogonal(rng, H, H, dtype), np.zeros(H, dtype=dtype)


def init_lstm(
    rng: np.random.Generator, D: int, H: int, dtype: type = np.float64
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(Wx, Wh, b)`` for an LSTM, with the forget-gate bias at 1 as Keras does."""
    _check_sizes(D, H)
    b = np.zeros(4 * H, dtype=dtype)
    b[H : 2 * H] = 1.0
    return _glorot(rng, D, 4 * H, dtype), _orthogonal(rng, H, 4 * H, dtype), b


def init_gru(
    rng: np.random.Generator, D: int, H: int, dtype: type = np.float64
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(Wx, Wh, b)`` for a GRU with ``reset_after=True``; ``b`` is (2, 3H) zeros."""
    _check_sizes(D, H)
    return _glorot(rng, D, 3 * H, dtype), _orthogonal(rng, H, 3 * H, dtype), np.zeros((2, 3 * H), dtype=dtype)


# --------------------------------------------------------------------------
# GRU backward (appended: lets rnnkit.tasks train a GRU, notebook 05)
# --------------------------------------------------------------------------


def gru_backward(
    dh: np.ndarray, x: np.ndarray, h0: np.ndarray, Wx: np.ndarray, Wh: np.ndarray, b: np.ndarray, cache: GRUCache
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Backpropagation through time for ``gru_forward`` (Keras ``reset_after=True``).

    ``gru_forward`` keeps only the gate values, so the inputs and weights it was
    called with are passed again. With ``hz = h_{t-1} Wh + b[1]`` (blocks z, r, h)
    and ``a = x_t Wx + b[0] + [hz_z, hz_r, r * hz_h]`` the step is
    ``h_t = z * h_{t-1} + (1 - z) * tanh(a_h)``.

    Args:
        dh: gradient of the loss with respect to every hidden state, (N, T, H).
        x (N, T, D), h0 (N, H), Wx (D, 3H), Wh (H, 3H), b (2, 3H): the arguments of ``gru_forward``.
        cache: the ``GRUCache`` that ``gru_forward`` returned.

    Returns:
        ``(dx, dh0, dWx, dWh, db)`` with the shapes of ``x, h0, Wx, Wh, b``.
    """
    N, T, D, H = _dims(x, h0, Wx, Wh, gates=3)
    _expect("b", b, (2, 3 * H), f"= (2, 3H) for H={H} units (input bias row, recurrent bias row)")
    z, r, hh, h = cache
    _expect("dh", dh, h.shape, "= (N, T, H), the shape of the hidden states h")
    dtype = h.dtype
    dx = np.zeros_like(x, dtype=dtype)
    dWx, dWh = np.zeros_like(Wx, dtype=dtype), np.zeros_like(Wh, dtype=dtype)
    db = np.zeros_like(b, dtype=dtype)
    dhnext = np.zeros_like(h0, dtype=dtype)
    for t in reversed(range(T)):
        hprev = h[:, t - 1] if t > 0 else h0
        dht = dh[:, t] + dhnext
        hz_h = hprev @ Wh[:, 2 * H :] + b[1, 2 * H :]  # the recurrent part of the candidate, before the reset gate
        da_h = dht * (1.0 - z[:, t]) * (1.0 - hh[:, t] ** 2)  # back through the candidate's tanh
        da_z = dht * (hprev - hh[:, t]) * z[:, t] * (1.0 - z[:, t])  # back through the update gate's sigmoid
        da_r = da_h * hz_h * r[:, t] * (1.0 - r[:, t])  # back through the reset gate's sigmoid
        dxz = np.concatenate([da_z, da_r, da_h], axis=1)  # (N, 3H): gradient of x_t Wx + b[0]
        dhz = np.concatenate([da_z, da_r, da_h * r[:, t]], axis=1)  # (N, 3H): gradient of h_{t-1} Wh + b[1]
        dx[:, t] = dxz @ Wx.T
        dWx += x[:, t].T @ dxz
        dWh += hprev.T @ dhz
        db[0] += dxz.sum(axis=0)
        db[1] += dhz.sum(axis=0)
        dhnext = dht * z[:, t] + dhz @ Wh.T  # the direct path through z, and the path through the gates
    return dx, dhnext, dWx, dWh, db


__all__ += ["gru_backward"]
