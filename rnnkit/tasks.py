"""A long-range memory task and a small numpy trainer (notebooks 04 and 05).

**The recall task.** Every step of a sequence shows a random symbol (one of
``n_symbols``, one-hot) and a marker bit. The marker is on at exactly one step;
the label is the symbol shown there. The model reads the whole sequence and must
name that symbol at the end, so it has to notice the marked step, keep its
symbol and ignore every later symbol, which looks exactly like it. The
*distance* (how many steps the marker sits before the end) sets how far back
the answer lies. Chance accuracy is ``1 / n_symbols``.

**The model.** A many-to-one classifier: a recurrent layer (the vanilla RNN or
the LSTM of :mod:`rnnkit.numpy_rnn`) reads the sequence, and a linear layer with
a softmax reads its last hidden state::

    h = rnn(x)                    # (N, T, H)
    logits = h[:, -1] @ Wy + by   # (N, C)

**The trainer.** Plain Adam on fresh batches drawn from the task at every step
(so the model can never memorise a training set), with clipping by global norm
before every update, and accuracy measured on a held-out test set.
"""

from __future__ import annotations

from collections.abc import Callable
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
    "train_recall",
    "accuracy_by_distance",
]

Cell = Literal["rnn", "lstm"]
CELLS: tuple[str, ...] = ("rnn", "lstm")
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

    ``Wx`` (D, kH), ``Wh`` (H, kH), ``b`` (kH,) with k = 1 for ``"rnn"`` and
    k = 4 for ``"lstm"`` (gates i, f, c, o); ``Wy`` (H, C), ``by`` (C,).
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


def init_classifier(
    rng: np.random.Generator, cell: Cell, D: int, H: int, C: int, dtype: type = np.float32
) -> Classifier:
    """Keras-style initial weights: ``nr.init_rnn`` / ``nr.init_lstm`` and a Glorot head.

    Args:
        rng: generator for the random weights.
        cell: ``"rnn"`` or ``"lstm"``.
        D: input features.  H: hidden units.  C: classes.
    """
    generator(rng)
    _check_cell(cell)
    for name, v in (("D", D), ("H", H), ("C", C)):
        int_at_least(name, v, 1)
    init = nr.init_rnn if cell == "rnn" else nr.init_lstm
    Wx, Wh, b = init(rng, D, H, dtype)
    limit = np.sqrt(6.0 / (H + C))
    Wy = rng.uniform(-limit, limit, size=(H, C)).astype(dtype)  # Wy: (H, C)
    return Classifier(cell, Wx, Wh, b, Wy, np.zeros(C, dtype=dtype))


def classifier_forward(
    model: Classifier, x: np.ndarray
) -> tuple[np.ndarray, np.ndarray, nr.RNNCache | nr.LSTMCache]:
    """Logits for a batch.

    Args:
        model: the classifier.
        x: inputs, (N, T, D).

    Returns:
        ``logits`` (N, C), every hidden state ``h`` (N, T, H), and the recurrent
        layer's cache (for ``nr.rnn_backward`` or ``nr.lstm_backward``).
    """
    x = np.asarray(x)
    D = model.Wx.shape[0]
    if x.ndim != 3 or x.shape[2] != D:
        raise ValueError(f"x must have shape (N, T, D={D}); got {x.shape}")
    N, H = x.shape[0], model.hidden_size
    h0 = np.zeros((N, H), dtype=model.Wh.dtype)
    if model.cell == "rnn":
        h, cache = nr.rnn_forward(x, h0, model.Wx, model.Wh, model.b)  # h: (N, T, H)
    else:
        h, _, cache = nr.lstm_forward(x, h0, h0, model.Wx, model.Wh, model.b)  # h: (N, T, H)
    logits = h[:, -1] @ model.Wy + model.by  # logits: (N, C)
    return logits, h, cache


def classifier_loss(model: Classifier, x: np.ndarray, y: np.ndarray) -> tuple[float, list[np.ndarray]]:
    """Mean cross-entropy of ``model`` on ``(x, y)`` and its gradients.

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
    if model.cell == "rnn":
        _, _, dWx, dWh, db = nr.rnn_backward(dh, cache)
    else:
        _, _, _, dWx, dWh, db = nr.lstm_backward(dh, cache)
    return loss, [dWx, dWh, db, dWy, dby]


def accuracy(model: Classifier, x: np.ndarray, y: np.ndarray, batch_size: int = 500) -> float:
    """Fraction of sequences in ``x`` (N, T, D) whose predicted class equals ``y`` (N,)."""
    hits = 0
    for start in range(0, len(x), batch_size):
        logits, _, _ = classifier_forward(model, x[start : start + batch_size])
        hits += int(np.sum(logits.argmax(axis=1) == y[start : start + batch_size]))
    return hits / len(x)


# --------------------------------------------------------------------------
# Adam, written out
# --------------------------------------------------------------------------


class Adam:
    """Adam (Kingma & Ba, 2015) updating a list of numpy arrays in place.

    For every parameter ``p`` with gradient ``g``, at step ``t``::

        m = beta1 * m + (1 - beta1) * g          # running mean of g
        v = beta2 * v + (1 - beta2) * g**2       # running mean of g squared
        p -= lr * (m / (1 - beta1**t)) / (sqrt(v / (1 - beta2**t)) + eps)
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
    """What ``train_classifier`` returns.

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
    generator(rng)
    int_at_least("steps", steps, 1)
    int_at_least("batch_size", batch_size, 1)
    int_at_least("eval_every", eval_every, 1)
    if max_norm is not None and not max_norm > 0:
        raise ValueError(f"max_norm must be positive or None; got {max_norm}")
    opt = Adam(model.params, lr=lr)
    result = TrainResult(model)
    for step in range(1, steps + 1):
        x, y = sample(rng, batch_size)
        loss, grads = classifier_loss(model, x, y)
        if max_norm is None:
            norm = float(np.sqrt(sum(float(np.sum(g * g)) for g in grads)))
        else:
            grads, norm = nr.clip_by_global_norm(grads, max_norm)
        opt.step(grads)
        result.loss.append(loss)
        result.grad_norm.append(norm)
        if step % eval_every == 0 or step == steps:
            result.eval_steps.append(step)
            result.test_acc.append(accuracy(model, *test))
    return result


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
) -> TrainResult:
    """Build a classifier and train it on the recall task of length ``T``.

    Training batches put the marker anywhere in the sequence (distances 0 .. T-1),
    so short gaps give the model something to learn from. The accuracy curve is
    measured on ``n_test`` held-out sequences whose marker sits ``eval_distance``
    steps before the end (default ``T - 1``: on the first step, the hardest case).
    The test set, the initial weights and the training batches are all drawn from
    ``rng``, so one generator state fixes the whole run.
    """
    generator(rng)
    _check_cell(cell)
    int_at_least("T", T, 1)
    test = make_recall_task(rng, n_test, T, distance=T - 1 if eval_distance is None else eval_distance, n_symbols=n_symbols)
    model = init_classifier(rng, cell, n_symbols + 1, H, n_symbols)
    sample = recall_sampler(T, n_symbols=n_symbols)
    return train_classifier(
        rng, model, sample, test, steps=steps, batch_size=batch_size, lr=lr, max_norm=max_norm, eval_every=eval_every
    )


def accuracy_by_distance(
    rng: np.random.Generator, model: Classifier, T: int, distances: list[int], *, n: int = 500
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
