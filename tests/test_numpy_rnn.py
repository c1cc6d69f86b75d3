"""Tests for rnnkit.numpy_rnn: gradients against finite differences, shapes, errors."""

from __future__ import annotations

import numpy as np
import pytest

from rnnkit import numpy_rnn as nr

SHAPES = [(1, 1, 1, 1), (2, 3, 4, 5), (3, 5, 2, 3), (2, 8, 3, 2)]  # (N, T, D, H)
SEEDS = [0, 1, 2]


def _rnn_inputs(rng: np.random.Generator, N: int, T: int, D: int, H: int) -> list[np.ndarray]:
    return [
        rng.standard_normal((N, T, D)),
        rng.standard_normal((N, H)) * 0.5,
        rng.standard_normal((D, H)) * 0.5,
        rng.standard_normal((H, H)) * 0.5,
        rng.standard_normal(H) * 0.5,
    ]


def _lstm_inputs(rng: np.random.Generator, N: int, T: int, D: int, H: int) -> list[np.ndarray]:
    return [
        rng.standard_normal((N, T, D)),
        rng.standard_normal((N, H)) * 0.5,
        rng.standard_normal((N, H)) * 0.5,
        rng.standard_normal((D, 4 * H)) * 0.5,
        rng.standard_normal((H, 4 * H)) * 0.5,
        rng.standard_normal(4 * H) * 0.5,
    ]


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("shape", SHAPES)
def test_rnn_backward_matches_numerical_gradient(shape: tuple[int, ...], seed: int) -> None:
    rng = np.random.default_rng(seed)
    inputs = _rnn_inputs(rng, *shape)
    h, cache = nr.rnn_forward(*inputs)
    dh = rng.standard_normal(h.shape)

    def loss(_: np.ndarray) -> float:  # a linear function of every hidden state: dL/dh = dh
        return float(np.sum(nr.rnn_forward(*inputs)[0] * dh))

    grads = nr.rnn_backward(dh, cache)
    for name, arr, grad in zip(["x", "h0", "Wx", "Wh", "b"], inputs, grads):
        assert grad.shape == arr.shape, name
        err = nr.relative_error(grad, nr.numerical_gradient(loss, arr))
        assert err < 1e-7, f"d{name}: relative error {err:.2e}"


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("shape", SHAPES)
def test_lstm_backward_matches_numerical_gradient(shape: tuple[int, ...], seed: int) -> None:
    rng = np.random.default_rng(seed)
    inputs = _lstm_inputs(rng, *shape)
    h, c, cache = nr.lstm_forward(*inputs)
    dh = rng.standard_normal(h.shape)

    def loss(_: np.ndarray) -> float:
        return float(np.sum(nr.lstm_forward(*inputs)[0] * dh))

    grads = nr.lstm_backward(dh, cache)
    for name, arr, grad in zip(["x", "h0", "c0", "Wx", "Wh", "b"], inputs, grads):
        assert grad.shape == arr.shape, name
        err = nr.relative_error(grad, nr.numerical_gradient(loss, arr))
        assert err < 1e-7, f"d{name}: relative error {err:.2e}"


def test_forward_returns_every_state_and_starts_from_h0() -> None:
    rng = np.random.default_rng(0)
    x, h0, Wx, Wh, b = _rnn_inputs(rng, 2, 4, 3, 5)
    h, cache = nr.rnn_forward(x, h0, Wx, Wh, b)
    assert h.shape == (2, 4, 5)
    np.testing.assert_allclose(h[:, 0], np.tanh(x[:, 0] @ Wx + h0 @ Wh + b))
    np.testing.assert_allclose(h[:, 3], nr.rnn_step(x[:, 3], h[:, 2], Wx, Wh, b))
    assert cache.h is h


def test_lstm_step_and_forward_agree_and_gate_extremes_keep_memory() -> None:
    rng = np.random.default_rng(1)
    x, h0, c0, Wx, Wh, b = _lstm_inputs(rng, 3, 4, 2, 3)
    h, c, cache = nr.lstm_forward(x, h0, c0, Wx, Wh, b)
    hs, cs = nr.lstm_step(x[:, 0], h0, c0, Wx, Wh, b)
    np.testing.assert_allclose(h[:, 0], hs)
    np.testing.assert_allclose(c[:, 0], cs)
    assert np.all((cache.i > 0) & (cache.i < 1) & (cache.f > 0) & (cache.f < 1))
    H = 3  # forget gate wide open, input gate shut: the cell state never changes
    b_keep = np.zeros(4 * H)
    b_keep[:H], b_keep[H : 2 * H] = -50.0, 50.0
    _, c_keep, _ = nr.lstm_forward(x, h0, c0, np.zeros_like(Wx), np.zeros_like(Wh), b_keep)
    np.testing.assert_allclose(c_keep[:, -1], c0, atol=1e-12)


def test_gru_forward_matches_steps() -> None:
    rng = np.random.default_rng(2)
    N, T, D, H = 2, 5, 3, 4
    x, h0 = rng.standard_normal((N, T, D)), rng.standard_normal((N, H))
    Wx, Wh, b = nr.init_gru(rng, D, H)
    b = b + rng.standard_normal(b.shape) * 0.1
    h, gates = nr.gru_forward(x, h0, Wx, Wh, b)
    hprev = h0
    for t in range(T):
        hprev = nr.gru_step(x[:, t], hprev, Wx, Wh, b)
        np.testing.assert_allclose(h[:, t], hprev)
    assert gates.z.shape == gates.r.shape == (N, T, H)


def test_float32_in_float32_out() -> None:
    rng = np.random.default_rng(3)
    inputs = [a.astype(np.float32) for a in _rnn_inputs(rng, 2, 3, 4, 5)]
    h, cache = nr.rnn_forward(*inputs)
    assert h.dtype == np.float32
    assert all(g.dtype == np.float32 for g in nr.rnn_backward(np.ones_like(h), cache))


def test_softmax_cross_entropy_gradient_and_stability() -> None:
    rng = np.random.default_rng(4)
    logits = rng.standard_normal((2, 3, 5))
    targets = rng.integers(0, 5, size=(2, 3))
    loss, dlogits = nr.softmax_cross_entropy(logits, targets)
    num = nr.numerical_gradient(lambda z: nr.softmax_cross_entropy(z, targets)[0], logits)
    assert nr.relative_error(dlogits, num) < 1e-7
    assert loss == pytest.approx(-np.mean(np.log(nr.softmax(logits)[np.arange(2)[:, None], np.arange(3), targets])))
    loss_big, _ = nr.softmax_cross_entropy(np.array([[1e4, 0.0]]), np.array([0]))
    assert loss_big == pytest.approx(0.0)
    assert np.allclose(nr.sigmoid(np.array([-1e4, 0.0, 1e4])), [0.0, 0.5, 1.0])


def test_clip_by_global_norm_scales_jointly() -> None:
    grads = [np.full((2, 2), 3.0), np.full(2, 4.0)]  # norm = sqrt(4*9 + 2*16) = sqrt(68)
    clipped, norm = nr.clip_by_global_norm(grads, 1.0)
    assert norm == pytest.approx(np.sqrt(68))
    assert np.sqrt(sum(np.sum(g**2) for g in clipped)) == pytest.approx(1.0)
    np.testing.assert_allclose(clipped[0] / clipped[1][0], grads[0] / grads[1][0])
    same, _ = nr.clip_by_global_norm(grads, 100.0)
    np.testing.assert_allclose(same[1], grads[1])


def test_init_shapes_and_keras_conventions() -> None:
    rng = np.random.default_rng(5)
    Wx, Wh, b = nr.init_rnn(rng, 3, 4)
    assert (Wx.shape, Wh.shape, b.shape) == ((3, 4), (4, 4), (4,))
    np.testing.assert_allclose(Wh @ Wh.T, np.eye(4), atol=1e-12)  # orthogonal
    Wx, Wh, b = nr.init_lstm(rng, 3, 4)
    assert (Wx.shape, Wh.shape, b.shape) == ((3, 16), (4, 16), (16,))
    np.testing.assert_allclose(b, np.r_[np.zeros(4), np.ones(4), np.zeros(8)])  # forget bias 1
    Wx, Wh, b = nr.init_gru(rng, 3, 4, dtype=np.float32)
    assert (Wx.shape, Wh.shape, b.shape, Wx.dtype) == ((3, 12), (4, 12), (2, 12), np.float32)
    with pytest.raises(ValueError, match="H must be a positive int; got 0"):
        nr.init_rnn(rng, 3, 0)


# ---- clear errors: every message names what was expected and what came ----


def _bad_rnn_calls() -> list[tuple[str, tuple, str]]:
    rng = np.random.default_rng(0)
    x, h0, Wx, Wh, b = _rnn_inputs(rng, 2, 3, 4, 5)
    return [
        ("x without batch axis", (x[0], h0, Wx, Wh, b), r"x must have shape \(N, T, D\).*got \(3, 4\)"),
        ("h0 wrong batch", (x, h0[:1], Wx, Wh, b), r"h0 must have shape \(2, 5\).*got \(1, 5\)"),
        ("Wx transposed", (x, h0, Wx.T, Wh, b), r"Wx must have shape \(4, 5\).*got \(5, 4\)"),
        ("Wh not square", (x, h0, Wx, Wh[:, :3], b), r"Wh must have shape \(H, H\); got \(5, 3\)"),
        ("b wrong size", (x, h0, Wx, Wh, b[:4]), r"b must have shape \(5,\); got \(4,\)"),
    ]


@pytest.mark.parametrize("case", _bad_rnn_calls(), ids=lambda c: c[0])
def test_rnn_forward_shape_errors(case: tuple[str, tuple, str]) -> None:
    _, args, pattern = case
    with pytest.raises(ValueError, match=pattern):
        nr.rnn_forward(*args)


def test_lstm_and_gru_shape_errors() -> None:
    rng = np.random.default_rng(0)
    x, h0, c0, Wx, Wh, b = _lstm_inputs(rng, 2, 3, 4, 5)
    with pytest.raises(ValueError, match=r"Wh must have shape \(H, 4H\); got \(5, 5\)"):
        nr.lstm_forward(x, h0, c0, Wx, Wh[:, :5], b)
    with pytest.raises(ValueError, match=r"c0 must have shape \(2, 5\).*got \(2, 4\)"):
        nr.lstm_forward(x, h0, c0[:, :4], Wx, Wh, b)
    with pytest.raises(ValueError, match=r"b must have shape \(20,\).*got \(5,\)"):
        nr.lstm_forward(x, h0, c0, Wx, Wh, b[:5])
    Wx3, Wh3, b3 = nr.init_gru(rng, 4, 5)
    with pytest.raises(ValueError, match=r"b must have shape \(2, 15\).*got \(15,\)"):
        nr.gru_forward(x, h0, Wx3, Wh3, b3[0])


def test_backward_and_helpers_reject_bad_input() -> None:
    rng = np.random.default_rng(0)
    h, cache = nr.rnn_forward(*_rnn_inputs(rng, 2, 3, 4, 5))
    with pytest.raises(ValueError, match=r"dh must have shape \(2, 3, 5\).*got \(2, 5\)"):
        nr.rnn_backward(h[:, 0], cache)
    h, c, lcache = nr.lstm_forward(*_lstm_inputs(rng, 2, 3, 4, 5))
    with pytest.raises(ValueError, match=r"dh must have shape \(2, 3, 5\)"):
        nr.lstm_backward(h[:, :2], lcache)
    with pytest.raises(ValueError, match="float64"):
        nr.numerical_gradient(lambda a: float(a.sum()), np.ones(3, dtype=np.float32))
    with pytest.raises(ValueError, match=r"got \(3,\) and \(4,\)"):
        nr.relative_error(np.ones(3), np.ones(4))
    with pytest.raises(ValueError, match=r"targets must have shape \(2, 3\).*got \(2,\)"):
        nr.softmax_cross_entropy(np.zeros((2, 3, 4)), np.zeros(2, dtype=int))
    with pytest.raises(ValueError, match=r"integer class ids in \[0, 4\)"):
        nr.softmax_cross_entropy(np.zeros((2, 4)), np.array([0, 4]))
    with pytest.raises(ValueError, match="max_norm must be positive"):
        nr.clip_by_global_norm([np.ones(2)], 0.0)


def test_softmax_cross_entropy_is_exact_where_softmax_underflows() -> None:
    # p(target) = e^-2000 underflows to 0 in float64; log-softmax keeps the loss exact
    loss, dz = nr.softmax_cross_entropy(np.array([[1000.0, 0.0, -1000.0]]), np.array([2]))
    assert loss == pytest.approx(2000.0)
    np.testing.assert_allclose(dz, [[1.0, 0.0, -1.0]], atol=1e-12)


# --------------------------------------------------------------------------
# GRU backward (appended with nr.gru_backward)
# --------------------------------------------------------------------------


def _gru_inputs(rng: np.random.Generator, N: int, T: int, D: int, H: int) -> list[np.ndarray]:
    return [
        rng.standard_normal((N, T, D)),
        rng.standard_normal((N, H)) * 0.5,
        rng.standard_normal((D, 3 * H)) * 0.5,
        rng.standard_normal((H, 3 * H)) * 0.5,
        rng.standard_normal((2, 3 * H)) * 0.5,
    ]


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("shape", SHAPES)
def test_gru_backward_matches_numerical_gradient(shape: tuple[int, ...], seed: int) -> None:
    rng = np.random.default_rng(seed)
    inputs = _gru_inputs(rng, *shape)
    h, cache = nr.gru_forward(*inputs)
    dh = rng.standard_normal(h.shape)

    def loss(_: np.ndarray) -> float:  # dL/dh = dh
        return float(np.sum(nr.gru_forward(*inputs)[0] * dh))

    grads = nr.gru_backward(dh, *inputs, cache)
    for name, arr, grad in zip(["x", "h0", "Wx", "Wh", "b"], inputs, grads):
        assert grad.shape == arr.shape, name
        err = nr.relative_error(grad, nr.numerical_gradient(loss, arr))
        assert err < 1e-7, f"d{name}: relative error {err:.2e}"


def test_gru_backward_rejects_bad_shapes() -> None:
    rng = np.random.default_rng(0)
    x, h0, Wx, Wh, b = _gru_inputs(rng, 2, 3, 4, 5)
    h, cache = nr.gru_forward(x, h0, Wx, Wh, b)
    with pytest.raises(ValueError, match=r"dh must have shape \(2, 3, 5\).*got \(2, 5\)"):
        nr.gru_backward(h[:, 0], x, h0, Wx, Wh, b, cache)
    with pytest.raises(ValueError, match=r"b must have shape \(2, 15\).*got \(15,\)"):
        nr.gru_backward(h, x, h0, Wx, Wh, b[0], cache)
    assert "gru_backward" in nr.__all__


def test_keras_global_clipnorm_is_clip_by_global_norm_and_clipnorm_is_per_variable() -> None:
    """Notebook 04's claim: `Adam(global_clipnorm=c)` clips like nr.clip_by_global_norm; `clipnorm` clips each variable."""
    import rnnkit

    rnnkit.setup(0, keras=True)
    import keras

    rng = np.random.default_rng(0)
    start = [rng.standard_normal((3, 4)), rng.standard_normal(4)]
    grads = [rng.standard_normal((3, 4)) * 5.0, rng.standard_normal(4) * 0.1]  # joint norm far above 1
    joint, norm = nr.clip_by_global_norm(grads, 1.0)
    assert norm > 1.0
    for option, want in (("global_clipnorm", joint), ("clipnorm", [g / max(1.0, np.linalg.norm(g)) for g in grads])):
        variables = [keras.Variable(w.astype("float32")) for w in start]
        keras.optimizers.SGD(learning_rate=1.0, **{option: 1.0}).apply_gradients(
            zip([keras.ops.convert_to_tensor(g.astype("float32")) for g in grads], variables))
        steps = [w - np.asarray(keras.ops.convert_to_numpy(v)) for w, v in zip(start, variables)]  # = the clipped grads
        for step, expected in zip(steps, want):
            np.testing.assert_allclose(step, expected, rtol=1e-5, atol=1e-6)
    assert not np.allclose(joint[1], grads[1] / max(1.0, np.linalg.norm(grads[1])))  # the two options really differ
