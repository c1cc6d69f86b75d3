"""Tests for rnnkit.cells on whichever Keras backend KERAS_BACKEND selects.

Run once per backend:  KERAS_BACKEND=jax python -m pytest tests/test_cells.py
(likewise tensorflow and torch). Sizes are tiny so each backend takes seconds.
"""

from __future__ import annotations

import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import numpy as np
import pytest

keras = pytest.importorskip("keras")

from rnnkit import cells  # noqa: E402
from rnnkit import numpy_rnn as nr  # noqa: E402

pytestmark = pytest.mark.keras  # tests/test_backends.py reruns these on every backend
# kind -> (custom cell class, built-in layer, built-in cell)
KINDS = {
    "rnn": (cells.RNNCell, keras.layers.SimpleRNN, keras.layers.SimpleRNNCell),
    "lstm": (cells.LSTMCell, keras.layers.LSTM, keras.layers.LSTMCell),
    "gru": (cells.GRUCell, keras.layers.GRU, keras.layers.GRUCell),
}
ALL_CELLS = [cells.RNNCell, cells.LSTMCell, cells.GRUCell, cells.LayerNormLSTMCell]
N, T, D, H = 3, 6, 4, 5
TOL = 1e-5
# Tests that overwrite every weight build with cheap initializers: under JAX each
# new weight shape compiles its initializer (orthogonal needs a QR), which costs
# far more than the tests themselves.
CHEAP = {"kernel_initializer": "zeros", "recurrent_initializer": "zeros"}


def np_(x) -> np.ndarray:
    return np.asarray(keras.ops.convert_to_numpy(x))


def forward(model: keras.Model, x: np.ndarray) -> list[np.ndarray]:
    """The model's outputs as numpy arrays (a list, even for one output).

    Under JAX every eager op compiles on first use, so one jitted ``predict``
    is cheaper there; elsewhere a plain call is.
    """
    out = model.predict(x, verbose=0) if keras.backend.backend() == "jax" else model(x)
    return [np_(o) for o in out] if isinstance(out, (list, tuple)) else [np_(out)]


@pytest.fixture
def rng() -> np.random.Generator:
    return np.random.default_rng(0)


def randomize(layer: keras.layers.Layer, rng: np.random.Generator) -> None:
    """Give every weight random values so no bias or gain hides at 0 or 1."""
    layer.set_weights([rng.normal(0, 0.5, w.shape).astype("float32") for w in layer.get_weights()])


# --------------------------------------------------------------------------
# Equal to the built-ins once their weights are copied in
# --------------------------------------------------------------------------


@pytest.mark.parametrize("kind", KINDS)
def test_same_outputs_as_builtin_and_numpy_with_state_and_mask(kind: str, rng: np.random.Generator) -> None:
    Cell, Builtin, _ = KINDS[kind]
    x = rng.normal(size=(N, T, D)).astype("float32")
    mask = np.ones((N, T), dtype=bool)
    mask[1, 4:] = False  # a shorter sequence, right-padded
    mask[2, 2:] = False
    n_states = 2 if kind == "lstm" else 1
    h0 = [rng.normal(size=(N, H)).astype("float32") for _ in range(n_states)]

    builtin = Builtin(H, return_sequences=True, return_state=True, **CHEAP)
    custom = keras.layers.RNN(Cell(H, **CHEAP), return_sequences=True, return_state=True)
    builtin.build(x.shape)
    randomize(builtin, rng)
    custom.build(x.shape)
    custom.set_weights(builtin.get_weights())  # same shapes, same order
    assert custom.count_params() == builtin.count_params()
    assert [w.name for w in custom.weights] == [w.name for w in builtin.weights]

    want = builtin(x, initial_state=h0, mask=mask)
    got = custom(x, initial_state=h0, mask=mask)
    assert len(got) == len(want) == 1 + n_states  # sequence, then each final state
    for g, w in zip(got, want, strict=True):
        assert g.shape == w.shape
        np.testing.assert_allclose(np_(g), np_(w), atol=TOL, rtol=TOL)

    # Row 0 is unmasked: the numpy loop of Part I, from the same initial state, agrees too.
    x64, s64 = x[:1].astype(np.float64), [s[:1].astype(np.float64) for s in h0]
    Wx, Wh, b = (w.astype(np.float64) for w in custom.get_weights())
    if kind == "rnn":
        ref, _ = nr.rnn_forward(x64, s64[0], Wx, Wh, b)
    elif kind == "lstm":
        ref, _, _ = nr.lstm_forward(x64, s64[0], s64[1], Wx, Wh, b)
    else:
        ref, _ = nr.gru_forward(x64, s64[0], Wx, Wh, b)
    np.testing.assert_allclose(np_(got[0])[:1], ref, atol=TOL, rtol=TOL)


def test_embedding_mask_bidirectional_and_stacked_cells(rng: np.random.Generator) -> None:
    """Every kind inside Bidirectional, then all three stacked in one RNN, on masked (padded) ids."""
    ids = rng.integers(1, 9, size=(N, T))
    ids[0, 3:] = 0  # padding, masked by the embedding
    ids[2, 5:] = 0

    def model(layers: list, stack: list) -> keras.Model:
        inp = keras.Input((T,), dtype="int32")
        s = keras.layers.Embedding(9, D, mask_zero=True)(inp)
        for layer in layers:
            s = keras.layers.Bidirectional(layer)(s)
        return keras.Model(inp, keras.layers.RNN(stack, return_sequences=True)(s))

    kinds = list(KINDS.values())
    builtin = model(
        [Builtin(H, return_sequences=True, **CHEAP) for _, Builtin, _ in kinds],
        [BuiltinCell(3, **CHEAP) for _, _, BuiltinCell in kinds],
    )
    custom = model(
        [keras.layers.RNN(Cell(H, **CHEAP), return_sequences=True) for Cell, _, _ in kinds],
        [Cell(3, **CHEAP) for Cell, _, _ in kinds],
    )
    randomize(builtin, rng)
    custom.set_weights(builtin.get_weights())
    (got,), (want,) = forward(custom, ids), forward(builtin, ids)
    assert got.shape == (N, T, 3)
    np.testing.assert_allclose(got, want, atol=TOL, rtol=TOL)


# --------------------------------------------------------------------------
# The layer-normalized LSTM
# --------------------------------------------------------------------------


def ln_lstm_numpy(x: np.ndarray, weights: list, eps: float) -> np.ndarray:
    """Reference forward pass in float64, written independently of the cell."""
    Wx, Wh, b, gx, gh, gc, bc = (w.astype(np.float64) for w in weights)
    Hn = Wh.shape[0]

    def ln(a: np.ndarray) -> np.ndarray:  # over the whole vector, per example
        return (a - a.mean(-1, keepdims=True)) / np.sqrt(a.var(-1, keepdims=True) + eps)

    h = c = np.zeros((x.shape[0], Hn))
    out = []
    for t in range(x.shape[1]):
        z = ln(x[:, t] @ Wx) * gx + ln(h @ Wh) * gh + b
        i, f, g, o = np.split(z, 4, axis=1)
        c = nr.sigmoid(f) * c + nr.sigmoid(i) * np.tanh(g)
        h = nr.sigmoid(o) * np.tanh(ln(c) * gc + bc)
        out.append(h)
    return np.stack(out, axis=1)


def test_layer_norm_lstm_matches_reference(rng: np.random.Generator) -> None:
    x = rng.normal(size=(N, T, D)).astype("float32")
    cell = cells.LayerNormLSTMCell(H, epsilon=1e-3, **CHEAP)
    layer = keras.layers.RNN(cell, return_sequences=True)
    layer.build(x.shape)
    assert [w.shape for w in layer.get_weights()] == [
        (D, 4 * H), (H, 4 * H), (4 * H,), (4 * H,), (4 * H,), (H,), (H,),
    ]  # fmt: skip
    assert layer.count_params() == 4 * H * (D + H + 1) + 10 * H
    randomize(layer, rng)
    want = ln_lstm_numpy(x.astype(np.float64), layer.get_weights(), 1e-3)
    np.testing.assert_allclose(np_(layer(x)), want, atol=TOL, rtol=1e-4)


def test_layer_norm_lstm_gradients_flow(rng: np.random.Generator) -> None:
    """One SGD step moves every weight by a finite, nonzero amount, and training lowers the loss."""
    x = rng.normal(size=(8, T, D)).astype("float32")
    y = rng.normal(size=(8, 1)).astype("float32")
    model = keras.Sequential([keras.Input((T, D)), keras.layers.RNN(cells.LayerNormLSTMCell(H)), keras.layers.Dense(1)])
    model.compile(optimizer=keras.optimizers.SGD(0.1), loss="mse")
    before = [w.copy() for w in model.get_weights()]
    first = float(model.train_on_batch(x, y))
    for w0, w1, v in zip(before, model.get_weights(), model.weights, strict=True):
        step = np.abs(w1 - w0)
        assert np.all(np.isfinite(w1)), v.path
        assert step.max() > 0, f"no gradient reached {v.path}"
    for _ in range(5):
        last = float(model.train_on_batch(x, y))
    assert last < first


# --------------------------------------------------------------------------
# Configs and .keras files
# --------------------------------------------------------------------------


@pytest.mark.parametrize("Cell", ALL_CELLS)
def test_config_round_trip(Cell: type) -> None:
    cell = Cell(7, activation="relu", use_bias=False, name="c")
    again = Cell.from_config(cell.get_config())
    assert again.get_config() == cell.get_config()
    assert again.units == 7 and again.state_size == cell.state_size


def test_save_and_load_keras_file(tmp_path, rng: np.random.Generator) -> None:
    x = rng.normal(size=(N, T, D)).astype("float32")
    inp = keras.Input((T, D))
    s = keras.layers.Bidirectional(keras.layers.RNN(cells.LayerNormLSTMCell(H, **CHEAP), return_sequences=True))(inp)
    stack = [cells.RNNCell(4, **CHEAP), cells.LSTMCell(4, **CHEAP), cells.GRUCell(3, **CHEAP)]
    out = keras.layers.RNN(stack, return_sequences=True, return_state=True)(s)
    model = keras.Model(inp, out)
    randomize(model, rng)
    path = tmp_path / "cells.keras"
    model.save(path)
    loaded = keras.saving.load_model(path)  # no custom_objects needed: the cells are registered
    found = [type(c).__name__ for c in loaded.layers[-1].cell.cells]
    found.append(type(loaded.layers[1].forward_layer.cell).__name__)
    assert found == ["RNNCell", "LSTMCell", "GRUCell", "LayerNormLSTMCell"]
    for got, want in zip(forward(loaded, x), forward(model, x), strict=True):
        np.testing.assert_array_equal(got, want)


# --------------------------------------------------------------------------
# Clear errors
# --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "Cell, kwargs, message",
    [
        (cells.RNNCell, {"units": 0}, "`units` must be a positive int; got 0"),
        (cells.LSTMCell, {"units": -3}, "`units` must be a positive int; got -3"),
        (cells.GRUCell, {"units": 2.5}, "`units` must be a positive int; got 2.5"),
        (cells.RNNCell, {"units": "8"}, "`units` must be a positive int; got '8'"),
        (cells.LSTMCell, {"units": True}, "`units` must be a positive int; got True"),
        (cells.RNNCell, {"units": 4, "activation": "tanhh"}, "`activation` must be a Keras activation"),
        (cells.LSTMCell, {"units": 4, "recurrent_activation": 3}, "`recurrent_activation` must be"),
        (cells.GRUCell, {"units": 4, "reset_after": "yes"}, "`reset_after` must be True or False; got 'yes'"),
        (cells.LSTMCell, {"units": 4, "unit_forget_bias": 1}, "`unit_forget_bias` must be True or False"),
        (cells.RNNCell, {"units": 4, "use_bias": None}, "`use_bias` must be True or False; got None"),
        (cells.GRUCell, {"units": 4, "kernel_initializer": "nope"}, "`kernel_initializer` must be"),
        (cells.LayerNormLSTMCell, {"units": 4, "epsilon": 0}, "`epsilon` must be a positive number; got 0"),
    ],
)
def test_bad_arguments_are_named(Cell: type, kwargs: dict, message: str) -> None:
    with pytest.raises(ValueError, match=message.replace("(", r"\(").replace(")", r"\)")):
        Cell(**kwargs)


@pytest.mark.parametrize("Cell", [cells.LSTMCell, cells.LayerNormLSTMCell])
def test_lstm_forget_bias_starts_at_one(Cell: type) -> None:
    cell = Cell(H, **CHEAP)
    cell.build((None, D))
    want = np.concatenate([np.zeros(H), np.ones(H), np.zeros(2 * H)])
    np.testing.assert_array_equal(np_(cell.bias), want)
    plain = Cell(H, unit_forget_bias=False, **CHEAP)
    plain.build((None, D))
    np.testing.assert_array_equal(np_(plain.bias), np.zeros(4 * H))


def test_numpy_int_units_are_fine() -> None:
    assert cells.RNNCell(np.int64(3)).units == 3


@pytest.mark.parametrize("Cell", ALL_CELLS)
def test_wrong_rank_names_expected_and_received(Cell: type) -> None:
    with pytest.raises(ValueError, match=r"\(batch, timesteps, features\).*received a step of shape \(3,\)"):
        keras.layers.RNN(Cell(H, **CHEAP))(np.zeros((3, D), "float32"))  # forgot the time axis


@pytest.mark.parametrize("Cell", ALL_CELLS)
def test_wrong_feature_size_after_build(Cell: type) -> None:
    layer = keras.layers.RNN(Cell(H, **CHEAP))
    layer.build((2, T, D))
    with pytest.raises(ValueError, match=rf"built for inputs of shape \(batch, {D}\).*received a step of shape \(2, 7\)"):
        layer(np.zeros((2, T, 7), "float32"))


def test_wrong_initial_state_size() -> None:
    layer = keras.layers.RNN(cells.GRUCell(H, **CHEAP))
    with pytest.raises(ValueError, match=rf"state 0 must have shape \(batch, {H}\); received \(2, 3\)"):
        layer(np.zeros((2, T, D), "float32"), initial_state=[np.zeros((2, 3), "float32")])
