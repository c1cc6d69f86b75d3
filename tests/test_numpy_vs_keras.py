"""The numpy reference gives the numbers of Keras' own layers once the weights are copied.

Runs on whatever KERAS_BACKEND is set; tests/test_backends.py runs it on all three.
"""

from __future__ import annotations

import numpy as np
import pytest

keras = pytest.importorskip("keras")

from rnnkit import numpy_rnn as nr  # noqa: E402

pytestmark = pytest.mark.keras

N, T, D, H = 3, 7, 5, 6


def _run(layer: keras.layers.Layer, x: np.ndarray, h0: list[np.ndarray]) -> list[np.ndarray]:
    inputs = keras.Input((T, D))
    states = [keras.Input((H,)) for _ in h0]
    model = keras.Model([inputs, *states], layer(inputs, initial_state=states))
    return [keras.ops.convert_to_numpy(o) for o in model([x, *h0])]


@pytest.fixture
def data() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(0)
    return (rng.standard_normal((N, T, D)).astype("float32"),
            rng.standard_normal((N, H)).astype("float32") * 0.5,
            rng.standard_normal((N, H)).astype("float32") * 0.5)


def _randomise(layer: keras.layers.Layer, seed: int) -> list[np.ndarray]:
    rng = np.random.default_rng(seed)  # non-zero biases, so a wrong bias layout would show
    weights = [(w + rng.standard_normal(w.shape) * 0.3).astype("float32") for w in layer.get_weights()]
    layer.set_weights(weights)
    return weights


def test_lstm_matches_keras_lstm(data) -> None:
    x, h0, c0 = data
    layer = keras.layers.LSTM(H, return_sequences=True, return_state=True)
    layer.build((None, T, D))
    Wx, Wh, b = _randomise(layer, 1)
    seq, h_last, c_last = _run(layer, x, [h0, c0])
    h, c, _ = nr.lstm_forward(x, h0, c0, Wx, Wh, b)
    assert h.dtype == np.float32
    np.testing.assert_allclose(h, seq, atol=1e-5)
    np.testing.assert_allclose(h[:, -1], h_last, atol=1e-5)
    np.testing.assert_allclose(c[:, -1], c_last, atol=1e-5)


def test_simple_rnn_matches_keras_simple_rnn(data) -> None:
    x, h0, _ = data
    layer = keras.layers.SimpleRNN(H, return_sequences=True, return_state=True)
    layer.build((None, T, D))
    Wx, Wh, b = _randomise(layer, 2)
    seq, h_last = _run(layer, x, [h0])
    h, _ = nr.rnn_forward(x, h0, Wx, Wh, b)
    np.testing.assert_allclose(h, seq, atol=1e-5)
    np.testing.assert_allclose(h[:, -1], h_last, atol=1e-5)


def test_gru_matches_keras_gru(data) -> None:
    x, h0, _ = data
    layer = keras.layers.GRU(H, return_sequences=True, return_state=True)
    layer.build((None, T, D))
    Wx, Wh, b = _randomise(layer, 3)
    assert b.shape == (2, 3 * H)
    seq, h_last = _run(layer, x, [h0])
    h, _ = nr.gru_forward(x, h0, Wx, Wh, b)
    np.testing.assert_allclose(h, seq, atol=1e-5)
    np.testing.assert_allclose(h[:, -1], h_last, atol=1e-5)


def test_init_matches_keras_conventions() -> None:
    layer = keras.layers.LSTM(H)
    layer.build((None, T, D))
    keras_b = layer.get_weights()[2]
    _, _, b = nr.init_lstm(np.random.default_rng(0), D, H)
    np.testing.assert_array_equal(keras_b, b.astype("float32"))  # unit_forget_bias: forget block at 1
