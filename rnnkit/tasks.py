"""A long-range memory task and a small numpy trainer (notebooks 04 and 05).

**The recall task.** Every step of a sequence shows a random symbol (one of
``n_symbols``, one-hot) and a marker bit. The marker is on at exactly one step;
the label is the symbol shown there. The model reads the whole sequence and must
name that symbol at the end, so it has to notice the marked step, keep its
symbol and ignore every later symbol, which looks exactly like it. The
*distance* (how many steps the marker sits before the end) sets how far back
the answer lies. Chance accuracy is ``1 / n_symbols``.

**The model.** A many-to-one classifier: a recurrent layer (the vanilla RNN, the
LSTM or the GRU of :mod:`rnnkit.numpy_rnn`) reads the sequence, and a linear layer
with a softmax reads its last hidden state::

    h = rnn(x)                    # (N, T, H)
    logits = h[:, -1] @ Wy + by   # (N, C)

``classifier_forward`` and ``classifier_loss`` compute this with the readable
loops of :mod:`rnnkit.numpy_rnn`: they are the reference.

**The trainer.** Plain Adam on fresh batches drawn from the task at every step
(so the model can never memorise a training set), with clipping by global norm
before every update, and accuracy measured on a held-out test set.

**Several seeds side by side.** A claim about training is never one seed, so
``train_recall_seeds`` trains the same model from several seeds *at once*: the
weights of all seeds are stacked along a leading axis ``S`` and every matrix
product handles all of them in one call. Each seed keeps its own generator, test
set and batches, so seed ``s`` gets the run that ``train_recall`` gives
``np.random.default_rng(s)`` (up to floating-point rounding). The stacked loops
also precompute what does not depend on the previous step (the input products,
the gate derivatives) outside the time loop; the tests check them against the
reference.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import ClassVar, Literal

import numpy as np

from rnnkit import numpy_rnn as nr
from rnnkit._validate import generator, int_at_least

__all__ = [
    "Cell",
    "Classifier",
    "TrainResult",
    "make_recall_task",
    "recall_sampler",
    "init_classifier",
    "classifier_forward",
    "classifier_loss",
    "accuracy",
    "Adam",
    "train_classifier",
    "train_classifiers",
    "train_recall",
    "train_recall_seeds",
    "accuracy_by_distance",
]

Cell = Literal["rnn", "lstm", "gru"]
CELLS: tuple[str, ...] = ("rnn", "lstm", "gru")
BLOCKS: dict[str, int] = {"rnn": 1, "lstm": 4, "gru": 3}  # weight blocks per cell: Wx is (D, BLOCKS * H)
Batch = tuple[np.ndarray, np.ndarray]


def _check_cell(cell: object) -> None:
    if cell not in CELLS:
        raise ValueError(f"cell must be one of {CELLS}; got {cell!r}")


# --------------------------------------------------------------------------
# The task
# --------------------------------------------------------------------------


def make_recall_task(
    rng: np.random.Generator,
    n: int,
    T: int,
    *,
    distance: int | None = None,
    n_symbols: int = 4,
    dtype: type = np.float32,
) -> tuple[np.ndarray, np.ndarray]:
    """Draw ``n`` sequences of the marked-symbol recall task.

    Each step shows a random symbol (one-hot over ``n_symbols``) and a marker
    bit; the marker is on at exactly one step. The label is the symbol shown at
    the marked step, and the *distance* is how many steps after it the sequence
    ends (0 = the marked step is the last one).

    Args:
        rng: the generator every random choice is drawn from.
        n: number of sequences.
        T: sequence length.
        distance: put the marker ``distance`` steps before the end (0 <= distance < T),
            or ``None`` to draw it uniformly from ``0 .. T-1`` for every sequence.
        n_symbols: size of the alphabet (= classes; chance accuracy is ``1 / n_symbols``).
        dtype: float type of ``x``.

    Returns:
        ``x`` (n, T, n_symbols + 1): one-hot symbols, then the marker bit;
        ``y`` (n,): integer labels in ``[0, n_symbols)``.
    """
    generator(rng)
    int_at_least("n", n, 1)
    int_at_least("T", T, 1)
    int_at_least("n_symbols", n_symbols, 2)
    if distance is None:
        dist = rng.integers(0, T, size=n)  # dist: (n,)
    else:
        int_at_least("distance", distance, 0)
        if distance >= T:
            raise ValueError(f"distance must be < T = {T} (the marker must fall inside the sequence); got {distance}")
        dist = np.full(n, distance)
    ids = rng.integers(0, n_symbols, size=(n, T))  # ids: (n, T) symbol ids
    pos = T - 1 - dist  # pos: (n,) the marked step
    x = np.zeros((n, T, n_symbols + 1), dtype=dtype)  # x: (n, T, D) with D = n_symbols + 1
    x[:, :, :n_symbols] = np.eye(n_symbols, dtype=dtype)[ids]
    x[np.arange(n), pos, n_symbols] = 1.0
    y = ids[np.arange(n), pos]  # y: (n,)
    return x, y


def recall_sampler(
    T: int, *, distance: int | None = None, n_symbols: int = 4
) -> Callable[[np.random.Generator, int], Batch]:
    """A function ``sample(rng, n) -> (x, y)`` drawing fresh batches of ``make_recall_task``."""
    int_at_least("T", T, 1)

    def sample(rng: np.random.Generator, n: int) -> Batch:
        return make_recall_task(rng, n, T, distance=distance, n_symbols=n_symbols)

    return sample


# --------------------------------------------------------------------------
# The model: recurrent layer + linear softmax head on the last hidden state
# --------------------------------------------------------------------------


@dataclass
class Classifier:
    """Weights of a many-to-one classifier.

    ``Wx`` (D, kH), ``Wh`` (H, kH) and ``b`` with k = 1 for ``"rnn"``, k = 4 for
    ``"lstm"`` (gates i, f, c, o) and k = 3 for ``"gru"`` (blocks z, r, h); ``b`` is
    (kH,), except for the GRU, whose ``b`` is (2, 3H) (input bias row, recurrent
    bias row, as Keras' ``reset_after=True``); ``Wy`` (H, C), ``by`` (C,).
    """

    cell: Cell
    Wx: np.ndarray
    Wh: np.ndarray
    b: np.ndarray
    Wy: np.ndarray
    by: np.ndarray

    NAMES: ClassVar[tuple[str, ...]] = ("Wx", "Wh", "b", "Wy", "by")

    @property
    def params(self) -> list[np.ndarray]:
        """The five weight arrays, in the order of ``Classifier.NAMES``."""
        return [self.Wx, self.Wh, self.b, self.Wy, self.by]

    @property
    def hidden_size(self) -> int:
        """H, the number of recurrent units."""
        return self.Wh.shape[0]

    @property
    def n_params(self) -> int:
        """Number of weights: the recurrent layer and the output layer together."""
        return int(sum(p.size for p in self.params))


def init_classifier(
    rng: np.random.Generator,
    cell: Cell,
    D: int,
    H: int,
    C: int,
    dtype: type = np.float32,
    *,
    forget_bias: float | None = None,
) -> Classifier:
    """Keras-style initial weights: ``nr.init_rnn`` / ``init_lstm`` / ``init_gru`` and a Glorot head.

    Args:
        rng: generator for the random weights.
        cell: ``"rnn"``, ``"lstm"`` or ``"gru"``.
        D: input features.  H: hidden units.  C: classes.
        dtype: float type of the weights.
        forget_bias: LSTM only: the initial forget-gate bias (``None`` keeps Keras' 1.0).
    """
    generator(rng)
    _check_cell(cell)
    for name, v in (("D", D), ("H", H), ("C", C)):
        int_at_least(name, v, 1)
    if forget_bias is not None and cell != "lstm":
        raise ValueError(f"forget_bias is for the LSTM only; got forget_bias={forget_bias} with cell={cell!r}")
    init = {"rnn": nr.init_rnn, "lstm": nr.init_lstm, "gru": nr.init_gru}[cell]
    Wx, Wh, b = init(rng, D, H, dtype)
    if forget_bias is not None:
        b[H : 2 * H] = forget_bias
    limit = np.sqrt(6.0 / (H + C))
    Wy = rng.uniform(-limit, limit, size=(H, C)).astype(dtype)  # Wy: (H, C)
    return Classifier(cell, Wx, Wh, b, Wy, np.zeros(C, dtype=dtype))


def _check_x(model: Classifier, x: np.ndarray) -> np.ndarray:
    x = np.asarray(x)
    D = model.Wx.shape[0]
    if x.ndim != 3 or x.shape[2] != D:
        raise ValueError(f"x must have shape (N, T, D={D}); got {x.shape}")
    return x


def classifier_forward(
    model: Classifier, x: np.ndarray
) -> tuple[np.ndarray, np.ndarray, nr.RNNCache | nr.LSTMCache | nr.GRUCache]:
    """Logits for a batch, computed with the loops of :mod:`rnnkit.numpy_rnn`.

    Args:
        model: the classifier.
        x: inputs, (N, T, D).

    Returns:
        ``logits`` (N, C), every hidden state ``h`` (N, T, H), and the recurrent
        layer's cache (for ``nr.rnn_backward``, ``nr.lstm_backward`` or ``nr.gru_backward``).
    """
    x = _check_x(model, x)
    N, H = x.shape[0], model.hidden_size
    h0 = np.zeros((N, H), dtype=model.Wh.dtype)
    if model.cell == "rnn":
        h, cache = nr.rnn_forward(x, h0, model.Wx, model.Wh, model.b)  # h: (N, T, H)
    elif model.cell == "lstm":
        h, _, cache = nr.lstm_forward(x, h0, h0, model.Wx, model.Wh, model.b)  # h: (N, T, H)
    else:
        h, cache = nr.gru_forward(x, h0, model.Wx, model.Wh, model.b)  # h: (N, T, H)
    logits = h[:, -1] @ model.Wy + model.by  # logits: (N, C)
    return logits, h, cache


def classifier_loss(model: Classifier, x: np.ndarray, y: np.ndarray) -> tuple[float, list[np.ndarray]]:
    """Mean cross-entropy of ``model`` on ``(x, y)`` and its gradients (the readable reference).

    Args:
        model: the classifier.
        x: inputs, (N, T, D).  y: integer labels, (N,).

    Returns:
        ``(loss, grads)`` with ``grads`` in the order of ``model.params`` (same shapes).
    """
    logits, h, cache = classifier_forward(model, x)
    y = np.asarray(y)
    if y.shape != (x.shape[0],):
        raise ValueError(f"y must have shape (N,) = ({x.shape[0]},); got {y.shape}")
    loss, dlogits = nr.softmax_cross_entropy(logits, y)  # dlogits: (N, C)
    dWy = h[:, -1].T @ dlogits  # (H, C)
    dby = dlogits.sum(axis=0)  # (C,)
    dh = np.zeros_like(h)  # only the last hidden state feeds the loss
    dh[:, -1] = dlogits @ model.Wy.T
    h0 = np.zeros_like(h[:, 0])
    if model.cell == "rnn":
        _, _, dWx, dWh, db = nr.rnn_backward(dh, cache)
    elif model.cell == "lstm":
        _, _, _, dWx, dWh, db = nr.lstm_backward(dh, cache)
    else:
        _, _, dWx, dWh, db = nr.gru_backward(dh, np.asarray(x), h0, model.Wx, model.Wh, model.b, cache)
    return loss, [dWx, dWh, db, dWy, dby]


def accuracy(model: Classifier, x: np.ndarray, y: np.ndarray, batch_size: int = 500) -> float:
    """Fraction of sequences in ``x`` (N, T, D) whose predicted class equals ``y`` (N,)."""
    x = _check_x(model, x)
    with _one_blas_thread():
        pred = _predict(model.cell, _stack([model]), x[None].swapaxes(1, 2), batch_size)[0]
    return float(np.mean(pred == np.asarray(y)))


# --------------------------------------------------------------------------
# Several models side by side: every array carries a leading seed axis S.
# Sequences are stored time-major, xt: (S, T, N, D), so xt[:, t] is one step.
# Each function mirrors a reference loop of rnnkit.numpy_rnn (tests check it).
# --------------------------------------------------------------------------


def _stack(models: Sequence[Classifier]) -> list[np.ndarray]:
    """The models' weights stacked along a new first axis: Wx (S, D, kH), ..., by (S, C)."""
    return [np.stack([m.params[k] for m in models]) for k in range(len(Classifier.NAMES))]


def _outer_sum(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """sum over t and n of a[s, t, n]^T b[s, t, n]: (S, T, N, A) and (S, T, N, B) -> (S, A, B)."""
    S = a.shape[0]
    return a.reshape(S, -1, a.shape[-1]).swapaxes(1, 2) @ b.reshape(S, -1, b.shape[-1])


def _shift(h: np.ndarray) -> np.ndarray:
    """The state before every step: (S, T, N, H) -> (S, T, N, H) with h_0 = 0 first."""
    return np.concatenate([np.zeros_like(h[:, :1]), h[:, :-1]], axis=1)


def _input_part(cell: str, P: list[np.ndarray], xt: np.ndarray) -> np.ndarray:
    """x_t Wx + (input) bias for every step at once: (S, T, N, kH)."""
    Wx, b = P[0], P[2]
    S, T, N, D = xt.shape
    xw = (xt.reshape(S, T * N, D) @ Wx).reshape(S, T, N, Wx.shape[-1])
    xw += (b[:, 0] if cell == "gru" else b)[:, None, None, :]
    return xw


def _sigmoid_(z: np.ndarray) -> np.ndarray:
    """In place: z <- sigmoid(z) = (1 + tanh(z / 2)) / 2 (one ufunc pass, no overflow)."""
    z *= 0.5
    np.tanh(z, out=z)
    z += 1.0
    z *= 0.5
    return z


def _rnn_run(P: list[np.ndarray], xt: np.ndarray, keep: bool) -> tuple[np.ndarray, np.ndarray | None]:
    """Vanilla RNN over (S, T, N, D): the last state (S, N, H), and every state if ``keep``."""
    Wh = P[1]
    xw = _input_part("rnn", P, xt)  # (S, T, N, H)
    hs = np.empty_like(xw) if keep else None
    h = np.zeros_like(xw[:, 0])
    for t in range(xt.shape[1]):
        h = h @ Wh
        h += xw[:, t]
        np.tanh(h, out=h)
        if hs is not None:
            hs[:, t] = h
    return h, hs


def _rnn_back(P: list[np.ndarray], xt: np.ndarray, hs: np.ndarray, g_last: np.ndarray) -> list[np.ndarray]:
    """dWx, dWh, db when only the last state feeds the loss, with dL/dh_T = g_last (S, N, H)."""
    WhT = P[1].swapaxes(1, 2)
    dtanh = 1.0 - hs * hs  # (S, T, N, H)
    da = np.empty_like(hs)  # dL/da_t, the pre-activations
    dh = g_last
    for t in reversed(range(hs.shape[1])):
        np.multiply(dh, dtanh[:, t], out=da[:, t])
        dh = da[:, t] @ WhT
    return [_outer_sum(xt, da), _outer_sum(_shift(hs), da), da.sum(axis=(1, 2))]


def _lstm_scales(H: int, dtype: np.dtype) -> tuple[np.ndarray, np.ndarray]:
    """Per column of z: sigmoid blocks (i, f, o) use tanh(z/2)/2 + 1/2, the candidate block tanh(z)."""
    scale = np.full(4 * H, 0.5, dtype=dtype)
    scale[2 * H : 3 * H] = 1.0
    return scale, 1.0 - scale  # the offset: 0.5 for the gates, 0 for the candidate


def _lstm_run(P: list[np.ndarray], xt: np.ndarray, keep: bool) -> tuple[np.ndarray, tuple[np.ndarray, ...] | None]:
    """LSTM over (S, T, N, D): the last hidden state, and (gates, c, tanh c, h) for every step if ``keep``."""
    Wh = P[1]
    H = Wh.shape[1]
    xw = _input_part("lstm", P, xt)  # (S, T, N, 4H)
    scale, offset = _lstm_scales(H, xw.dtype)
    S, T, N, _ = xw.shape
    if keep:
        acts, cs, tcs, hs = np.empty_like(xw), *(np.empty((S, T, N, H), xw.dtype) for _ in range(3))
    h, c = np.zeros((S, N, H), xw.dtype), np.zeros((S, N, H), xw.dtype)
    for t in range(T):
        a = h @ Wh  # (S, N, 4H), blocks i | f | c | o
        a += xw[:, t]
        a *= scale
        np.tanh(a, out=a)
        a *= scale
        a += offset  # now sigmoid(z) for i, f, o and tanh(z) for the candidate
        c = a[..., H : 2 * H] * c
        c += a[..., :H] * a[..., 2 * H : 3 * H]  # c_t = f c_{t-1} + i g
        tc = np.tanh(c)
        h = a[..., 3 * H :] * tc  # h_t = o tanh(c_t)
        if keep:
            acts[:, t], cs[:, t], tcs[:, t], hs[:, t] = a, c, tc, h
    return h, ((acts, cs, tcs, hs) if keep else None)


def _lstm_back(P: list[np.ndarray], xt: np.ndarray, cache: tuple[np.ndarray, ...], g_last: np.ndarray) -> list[np.ndarray]:
    acts, cs, tcs, hs = cache
    WhT = P[1].swapaxes(1, 2)
    H = cs.shape[-1]
    i, f, g, o = (acts[..., k * H : (k + 1) * H] for k in range(4))
    deriv = acts * (1.0 - acts)  # sigma' = sigma (1 - sigma) for i, f, o ...
    deriv[..., 2 * H : 3 * H] = 1.0 - g * g  # ... and tanh' = 1 - tanh^2 for the candidate
    o_dtanh = o * (1.0 - tcs * tcs)  # dh_t -> dc_t
    c_prev = _shift(cs)
    dz = np.empty_like(acts)  # dL/dz_t, (S, T, N, 4H)
    dh, dc = g_last, np.zeros_like(g_last)
    for t in reversed(range(cs.shape[1])):
        dc = dc + dh * o_dtanh[:, t]  # total dL/dc_t: from the belt and from h_t
        d = dz[:, t]
        np.multiply(dc, g[:, t], out=d[..., :H])  # dL/di
        np.multiply(dc, c_prev[:, t], out=d[..., H : 2 * H])  # dL/df
        np.multiply(dc, i[:, t], out=d[..., 2 * H : 3 * H])  # dL/dg
        np.multiply(dh, tcs[:, t], out=d[..., 3 * H :])  # dL/do
        d *= deriv[:, t]
        dc = dc * f[:, t]  # the belt, backwards
        dh = d @ WhT
    return [_outer_sum(xt, dz), _outer_sum(_shift(hs), dz), dz.sum(axis=(1, 2))]


def _gru_run(P: list[np.ndarray], xt: np.ndarray, keep: bool) -> tuple[np.ndarray, tuple[np.ndarray, ...] | None]:
    """GRU over (S, T, N, D): the last state, and (z|r, candidate, recurrent candidate part, h) if ``keep``."""
    Wh, b = P[1], P[2]
    H = Wh.shape[1]
    xw = _input_part("gru", P, xt)  # (S, T, N, 3H): x_t Wx + b[0]
    b_rec = b[:, 1][:, None, :]  # (S, 1, 3H)
    S, T, N, _ = xw.shape
    if keep:
        zrs = np.empty((S, T, N, 2 * H), xw.dtype)
        hhs, hzs, hs = (np.empty((S, T, N, H), xw.dtype) for _ in range(3))
    h = np.zeros((S, N, H), xw.dtype)
    for t in range(T):
        hz = h @ Wh
        hz += b_rec  # h_{t-1} Wh + b[1], blocks z | r | h
        zr = _sigmoid_(xw[:, t, :, : 2 * H] + hz[..., : 2 * H])
        hh = zr[..., H:] * hz[..., 2 * H :]
        hh += xw[:, t, :, 2 * H :]
        np.tanh(hh, out=hh)  # the candidate
        h = h - hh
        h *= zr[..., :H]
        h += hh  # h_t = z h_{t-1} + (1 - z) hh
        if keep:
            zrs[:, t], hhs[:, t], hzs[:, t], hs[:, t] = zr, hh, hz[..., 2 * H :], h
    return h, ((zrs, hhs, hzs, hs) if keep else None)


def _gru_back(P: list[np.ndarray], xt: np.ndarray, cache: tuple[np.ndarray, ...], g_last: np.ndarray) -> list[np.ndarray]:
    zrs, hhs, hzs, hs = cache
    WhT = P[1].swapaxes(1, 2)
    H = hs.shape[-1]
    z, r = zrs[..., :H], zrs[..., H:]
    h_prev = _shift(hs)
    to_ah = (1.0 - z) * (1.0 - hhs * hhs)  # dh_t -> dL/da_h (candidate pre-activation)
    to_az = (h_prev - hhs) * z * (1.0 - z)  # dh_t -> dL/da_z
    to_ar = hzs * r * (1.0 - r)  # dL/da_h -> dL/da_r
    dxz = np.empty(zrs.shape[:-1] + (3 * H,), zrs.dtype)  # gradient of x_t Wx + b[0], (S, T, N, 3H)
    dhz = np.empty_like(dxz)  # gradient of h_{t-1} Wh + b[1], (S, T, N, 3H)
    dh = g_last
    for t in reversed(range(hs.shape[1])):
        dx_, dh_ = dxz[:, t], dhz[:, t]
        np.multiply(dh, to_az[:, t], out=dx_[..., :H])
        np.multiply(dh, to_ah[:, t], out=dx_[..., 2 * H :])
        np.multiply(dx_[..., 2 * H :], to_ar[:, t], out=dx_[..., H : 2 * H])
        dh_[..., : 2 * H] = dx_[..., : 2 * H]
        np.multiply(dx_[..., 2 * H :], r[:, t], out=dh_[..., 2 * H :])
        dh = dh * z[:, t] + dh_ @ WhT  # straight through z, and through the gates
    db = np.stack([dxz.sum(axis=(1, 2)), dhz.sum(axis=(1, 2))], axis=1)  # (S, 2, 3H)
    return [_outer_sum(xt, dxz), _outer_sum(h_prev, dhz), db]


_RUN = {"rnn": _rnn_run, "lstm": _lstm_run, "gru": _gru_run}
_BACK = {"rnn": _rnn_back, "lstm": _lstm_back, "gru": _gru_back}


def _predict(cell: str, P: list[np.ndarray], xt: np.ndarray, batch_size: int = 500) -> np.ndarray:
    """Predicted classes (S, N) for time-major inputs xt (S, T, N, D), ``batch_size`` sequences at a time."""
    out = []
    for start in range(0, xt.shape[2], batch_size):
        h, _ = _RUN[cell](P, xt[:, :, start : start + batch_size], keep=False)
        out.append((h @ P[3] + P[4][:, None]).argmax(axis=-1))
    return np.concatenate(out, axis=1)


def _loss_and_grads(cell: str, P: list[np.ndarray], xt: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, list[np.ndarray]]:
    """Mean cross-entropy per model (S,) and the gradients, stacked like ``P``; xt (S, T, N, D), y (S, N)."""
    h, cache = _RUN[cell](P, xt, keep=True)  # h: (S, N, H), the last states
    Wy, by = P[3], P[4]
    logits = h @ Wy + by[:, None]  # (S, N, C)
    logits -= logits.max(axis=-1, keepdims=True)
    log_p = logits - np.log(np.exp(logits).sum(axis=-1, keepdims=True))
    S, N = y.shape
    picked = np.take_along_axis(log_p, y[..., None], axis=-1)[..., 0]  # (S, N)
    dlogits = np.exp(log_p)
    np.put_along_axis(dlogits, y[..., None], np.take_along_axis(dlogits, y[..., None], axis=-1) - 1.0, axis=-1)
    dlogits /= N
    g_last = dlogits @ Wy.swapaxes(1, 2)  # dL/dh_T, (S, N, H)
    grads = _BACK[cell](P, xt, cache, g_last)
    grads += [h.swapaxes(1, 2) @ dlogits, dlogits.sum(axis=1)]
    return -picked.mean(axis=1), grads


# --------------------------------------------------------------------------
# Adam, written out
# --------------------------------------------------------------------------


class Adam:
    """Adam (Kingma & Ba, 2015) updating a list of numpy arrays in place.

    For every parameter ``p`` with gradient ``g``, at step ``t``::

        m = beta1 * m + (1 - beta1) * g          # running mean of g
        v = beta2 * v + (1 - beta2) * g**2       # running mean of g squared
        p -= lr * (m / (1 - beta1**t)) / (sqrt(v / (1 - beta2**t)) + eps)

    Every operation is elementwise, so the arrays may hold several models stacked
    along a leading axis: each entry is updated on its own.
    """

    def __init__(
        self, params: list[np.ndarray], lr: float = 1e-3, beta1: float = 0.9, beta2: float = 0.999, eps: float = 1e-8
    ) -> None:
        if not lr > 0:
            raise ValueError(f"lr must be positive; got {lr}")
        self.params, self.lr, self.beta1, self.beta2, self.eps = params, lr, beta1, beta2, eps
        self.m = [np.zeros_like(p) for p in params]
        self.v = [np.zeros_like(p) for p in params]
        self.t = 0

    def step(self, grads: list[np.ndarray]) -> None:
        """Apply one update; ``grads[k]`` has the shape of ``params[k]``."""
        if len(grads) != len(self.params):
            raise ValueError(f"expected {len(self.params)} gradients, one per parameter; got {len(grads)}")
        self.t += 1
        for p, g, m, v in zip(self.params, grads, self.m, self.v):
            if g.shape != p.shape:
                raise ValueError(f"gradient of shape {g.shape} for a parameter of shape {p.shape}")
            m *= self.beta1
            m += (1 - self.beta1) * g
            v *= self.beta2
            v += (1 - self.beta2) * g * g
            m_hat = m / (1 - self.beta1**self.t)
            v_hat = v / (1 - self.beta2**self.t)
            p -= (self.lr * m_hat / (np.sqrt(v_hat) + self.eps)).astype(p.dtype)


# --------------------------------------------------------------------------
# Training
# --------------------------------------------------------------------------


@dataclass
class TrainResult:
    """What ``train_classifier`` returns (one per model from ``train_classifiers``).

    ``loss`` and ``grad_norm`` (before clipping) have one entry per step;
    ``eval_steps`` and ``test_acc`` one entry per evaluation.
    """

    model: Classifier
    loss: list[float] = field(default_factory=list)
    grad_norm: list[float] = field(default_factory=list)
    eval_steps: list[int] = field(default_factory=list)
    test_acc: list[float] = field(default_factory=list)

    @property
    def final_acc(self) -> float:
        """Held-out accuracy at the last evaluation."""
        return self.test_acc[-1]

    def steps_to(self, acc: float) -> int | None:
        """The first evaluation step at which held-out accuracy reached ``acc``, or ``None`` if it never did."""
        return next((s for s, a in zip(self.eval_steps, self.test_acc) if a >= acc), None)


def _clip_per_model(grads: list[np.ndarray], max_norm: float | None) -> tuple[list[np.ndarray], np.ndarray]:
    """``nr.clip_by_global_norm`` for each model of a stack: the norm runs over one model's gradients.

    Args:
        grads: gradients stacked along a leading model axis S.
        max_norm: the threshold, or ``None`` for no clipping.

    Returns:
        The (possibly) rescaled gradients and every model's global norm before clipping, (S,).
    """
    S = grads[0].shape[0]
    norm = np.sqrt(sum(np.sum(np.square(g.reshape(S, -1), dtype=np.float64), axis=1) for g in grads))  # (S,)
    if max_norm is None:
        return grads, norm
    scale = np.minimum(1.0, max_norm / (norm + 1e-12))  # one factor for all the gradients of a model
    return [g * scale.astype(g.dtype).reshape((S,) + (1,) * (g.ndim - 1)) for g in grads], norm


@contextlib.contextmanager
def _one_blas_thread() -> Iterator[None]:
    """Run the block with one BLAS thread, where threadpoolctl (installed with scikit-learn) is available.

    The matrices here are small: splitting a product over several threads costs more than
    it saves, and on a busy machine threads that wait for each other make training several
    times slower. One thread also makes the results independent of the number of cores.
    """
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:  # without it, BLAS keeps its own thread count
        yield
        return
    with threadpool_limits(limits=1, user_api="blas"):
        yield


def _time_major(xs: Sequence[np.ndarray]) -> np.ndarray:
    """Stack S arrays (N, T, D) into one time-major array (S, T, N, D)."""
    return np.ascontiguousarray(np.stack(xs).swapaxes(1, 2))


def train_classifiers(
    rngs: Sequence[np.random.Generator],
    models: Sequence[Classifier],
    sample: Callable[[np.random.Generator, int], Batch],
    tests: Sequence[Batch],
    *,
    steps: int,
    batch_size: int = 32,
    lr: float = 1e-2,
    max_norm: float | None = 1.0,
    eval_every: int = 50,
) -> list[TrainResult]:
    """Train several models of one shape side by side, each as ``train_classifier`` would.

    Model ``s`` draws its batches from ``rngs[s]`` and is scored on ``tests[s]``; all of
    them take their steps together, so one matrix product serves every model.

    Args:
        rngs: one generator per model, for its training batches.
        models: classifiers with the same cell and shapes (their arrays are updated in place).
        sample: ``sample(rng, n) -> (x (n, T, D), y (n,))``.
        tests: one held-out ``(x, y)`` pair per model.
        steps, batch_size, lr, max_norm, eval_every: as in ``train_classifier``.

    Returns:
        One :class:`TrainResult` per model, in order.
    """
    if not models or len(rngs) != len(models) or len(tests) != len(models):
        raise ValueError(f"need one generator and one test set per model; got {len(rngs)} generators, "
                         f"{len(models)} models and {len(tests)} test sets")
    for rng in rngs:
        generator(rng)
    cell = models[0].cell
    shapes = [p.shape for p in models[0].params]
    for m in models:
        if m.cell != cell or [p.shape for p in m.params] != shapes:
            raise ValueError(f"models trained side by side need one cell and one shape; got {m.cell!r} {[p.shape for p in m.params]} "
                             f"next to {cell!r} {shapes}")
    int_at_least("steps", steps, 1)
    int_at_least("batch_size", batch_size, 1)
    int_at_least("eval_every", eval_every, 1)
    if max_norm is not None and not max_norm > 0:
        raise ValueError(f"max_norm must be positive or None; got {max_norm}")
    P = _stack(models)
    opt = Adam(P, lr=lr)
    x_test = _time_major([_check_x(models[0], x).astype(P[0].dtype) for x, _ in tests])  # (S, T, n, D)
    y_test = np.stack([np.asarray(y) for _, y in tests])  # (S, n)
    results = [TrainResult(m) for m in models]
    with _one_blas_thread():
        _train_loop(cell, P, opt, rngs, sample, x_test, y_test, results, steps, batch_size, max_norm, eval_every)
    for s, m in enumerate(models):  # hand the trained weights back to each model
        for p, stacked in zip(m.params, P):
            p[...] = stacked[s]
    return results


def _train_loop(
    cell: str, P: list[np.ndarray], opt: Adam, rngs: Sequence[np.random.Generator],
    sample: Callable[[np.random.Generator, int], Batch], x_test: np.ndarray, y_test: np.ndarray,
    results: list[TrainResult], steps: int, batch_size: int, max_norm: float | None, eval_every: int,
) -> None:
    """The steps of ``train_classifiers``: P holds the stacked weights, results collects the curves."""
    for step in range(1, steps + 1):
        batches = [sample(rng, batch_size) for rng in rngs]
        xt = _time_major([x.astype(P[0].dtype, copy=False) for x, _ in batches])  # (S, T, N, D)
        loss, grads = _loss_and_grads(cell, P, xt, np.stack([y for _, y in batches]))
        grads, norm = _clip_per_model(grads, max_norm)
        opt.step(grads)
        evaluate = step % eval_every == 0 or step == steps
        acc = np.mean(_predict(cell, P, x_test) == y_test, axis=1) if evaluate else None
        for s, r in enumerate(results):
            r.loss.append(float(loss[s]))
            r.grad_norm.append(float(norm[s]))
            if acc is not None:
                r.eval_steps.append(step)
                r.test_acc.append(float(acc[s]))


def train_classifier(
    rng: np.random.Generator,
    model: Classifier,
    sample: Callable[[np.random.Generator, int], Batch],
    test: Batch,
    *,
    steps: int,
    batch_size: int = 32,
    lr: float = 1e-2,
    max_norm: float | None = 1.0,
    eval_every: int = 50,
) -> TrainResult:
    """Train ``model`` in place with Adam on fresh batches from ``sample``.

    Args:
        rng: generator the training batches are drawn from.
        model: the classifier to train (its arrays are updated in place).
        sample: ``sample(rng, n) -> (x (n, T, D), y (n,))``.
        test: a held-out ``(x, y)`` pair for the accuracy curve.
        steps: number of updates.  batch_size: sequences per update.  lr: Adam's step size.
        max_norm: clip the gradients to this global norm before each update; ``None`` = no clipping.
        eval_every: measure test accuracy every this many steps (and after the last one).

    Returns:
        A :class:`TrainResult` with the loss, gradient norm and test accuracy curves.
    """
    return train_classifiers([generator(rng)], [model], sample, [test], steps=steps, batch_size=batch_size, lr=lr,
                             max_norm=max_norm, eval_every=eval_every)[0]


def _recall_setup(
    rng: np.random.Generator, cell: Cell, T: int, H: int, n_test: int, eval_distance: int | None, n_symbols: int,
    forget_bias: float | None,
) -> tuple[Classifier, Batch]:
    """Draw the test set, then the initial weights, from ``rng`` (in that order)."""
    test = make_recall_task(rng, n_test, T, distance=T - 1 if eval_distance is None else eval_distance, n_symbols=n_symbols)
    return init_classifier(rng, cell, n_symbols + 1, H, n_symbols, forget_bias=forget_bias), test


def train_recall_seeds(
    seeds: Sequence[int],
    cell: Cell,
    T: int,
    *,
    H: int = 32,
    steps: int = 1000,
    batch_size: int = 32,
    lr: float = 1e-2,
    max_norm: float | None = 1.0,
    eval_distance: int | None = None,
    n_test: int = 500,
    eval_every: int = 50,
    n_symbols: int = 4,
    forget_bias: float | None = None,
) -> list[TrainResult]:
    """Train one classifier per seed on the recall task of length ``T``, side by side.

    Seed ``s`` gets the run of ``train_recall(np.random.default_rng(s), ...)`` with the
    same arguments (up to floating-point rounding); see ``train_recall`` for what one
    run is. Training all seeds together costs far less than one after the other.
    """
    _check_cell(cell)
    int_at_least("T", T, 1)
    seeds = list(seeds)
    if not seeds or len(set(seeds)) != len(seeds):
        raise ValueError(f"seeds must be distinct and not empty; got {seeds}")
    rngs = [np.random.default_rng(s) for s in seeds]
    setups = [_recall_setup(rng, cell, T, H, n_test, eval_distance, n_symbols, forget_bias) for rng in rngs]
    return train_classifiers(rngs, [m for m, _ in setups], recall_sampler(T, n_symbols=n_symbols), [t for _, t in setups],
                             steps=steps, batch_size=batch_size, lr=lr, max_norm=max_norm, eval_every=eval_every)


def train_recall(
    rng: np.random.Generator,
    cell: Cell,
    T: int,
    *,
    H: int = 32,
    steps: int = 1000,
    batch_size: int = 32,
    lr: float = 1e-2,
    max_norm: float | None = 1.0,
    eval_distance: int | None = None,
    n_test: int = 500,
    eval_every: int = 50,
    n_symbols: int = 4,
    forget_bias: float | None = None,
) -> TrainResult:
    """Build a classifier and train it on the recall task of length ``T``.

    Training batches put the marker anywhere in the sequence (distances 0 .. T-1),
    so short gaps give the model something to learn from. The accuracy curve is
    measured on ``n_test`` held-out sequences whose marker sits ``eval_distance``
    steps before the end (default ``T - 1``: on the first step, the hardest case).
    The test set, the initial weights and the training batches are all drawn from
    ``rng``, so one generator state fixes the whole run. ``forget_bias`` (LSTM only)
    replaces Keras' initial forget-gate bias of 1.
    """
    generator(rng)
    _check_cell(cell)
    int_at_least("T", T, 1)
    model, test = _recall_setup(rng, cell, T, H, n_test, eval_distance, n_symbols, forget_bias)
    return train_classifier(rng, model, recall_sampler(T, n_symbols=n_symbols), test, steps=steps, batch_size=batch_size,
                            lr=lr, max_norm=max_norm, eval_every=eval_every)


def accuracy_by_distance(
    rng: np.random.Generator, model: Classifier, T: int, distances: Sequence[int], *, n: int = 500
) -> np.ndarray:
    """Held-out accuracy of ``model`` on the recall task of length ``T``, one number per distance.

    Args:
        rng: generator for the fresh test sequences.
        model: a trained classifier (``n_symbols`` is read from its output size).
        T: sequence length.  distances: marker distances to test, each in ``0 .. T-1``.
        n: test sequences per distance.

    Returns:
        ``acc`` (len(distances),).
    """
    K = model.Wy.shape[1]
    return np.array([accuracy(model, *make_recall_task(rng, n, T, distance=d, n_symbols=K)) for d in distances])
