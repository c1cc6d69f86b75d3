"""What the installed Keras does per backend, for the sentences of notebook 13 ("Running it on a GPU").

Each test runs on the current KERAS_BACKEND and checks that backend's part of the story;
tests/test_backends.py reruns them on the other two, so every backend is covered. No GPU is
needed: where a sentence is about the GPU path, the test makes Keras *believe* a GPU is there
(it replaces the backend's own "is a GPU available?" function) and records which kernel Keras
then reaches for, without running it.

* The loop around a custom cell (``keras.layers.RNN(cell)``): a ``tf.while_loop`` on TensorFlow
  and a ``lax.scan`` on JAX, traced once whatever the sequence length; a Python ``for`` loop on
  PyTorch, which calls the cell once per time step.
* JAX: ``LSTM`` goes to cuDNN (``jax.experimental.rnn.lstm``) when a GPU is there and no mask is
  given; ``GRU`` never does (Keras runs it as its own ``lax.scan``; JAX has no cuDNN GRU).
* TensorFlow: ``LSTM`` and ``GRU`` go to cuDNN on a GPU even with a mask, provided the mask is
  right-padded (real steps first, padding at the end).
* PyTorch and JAX: a mask sends ``LSTM`` and ``GRU`` back to the generic loop (no cuDNN).
"""

from __future__ import annotations

import importlib
import inspect

import numpy as np
import pytest

keras = pytest.importorskip("keras")

pytestmark = pytest.mark.keras

BACKEND = keras.backend.backend()


def _rnn_module(backend: str):
    """keras/src/backend/<backend>/rnn.py itself (the package re-exports a function of the same name)."""
    return importlib.import_module(f"keras.src.backend.{backend}.rnn")


class _CountingCell(keras.layers.Layer):
    """A minimal custom cell (h_t = tanh(x_t W + h_{t-1} U)) that counts how often Python runs its ``call``."""

    def __init__(self, units: int, **kwargs) -> None:
        super().__init__(**kwargs)
        self.units = units
        self.state_size = units
        self.output_size = units
        self.calls = 0

    def build(self, input_shape) -> None:
        self.w = self.add_weight(shape=(input_shape[-1], self.units), name="w")
        self.u = self.add_weight(shape=(self.units, self.units), name="u")

    def call(self, inputs, states):
        self.calls += 1
        h = keras.ops.tanh(keras.ops.matmul(inputs, self.w) + keras.ops.matmul(states[0], self.u))
        return h, [h]


def _python_calls_of_the_cell(steps: int) -> int:
    """How many times the cell's Python ``call`` runs for one forward pass over ``steps`` time steps."""
    cell = _CountingCell(4)
    layer = keras.layers.RNN(cell)
    x = np.random.default_rng(0).standard_normal((2, steps, 3)).astype("float32")
    layer(x[:, :1])  # build the weights first: the count below is of the forward pass only
    cell.calls = 0
    if BACKEND == "tensorflow":
        import tensorflow as tf

        tf.function(lambda t: layer(t)).get_concrete_function(tf.TensorSpec(x.shape, "float32"))
    elif BACKEND == "jax":
        import jax

        jax.make_jaxpr(lambda t: layer(t))(x)
    else:
        layer(x)
    return cell.calls


def test_the_loop_around_a_custom_cell() -> None:
    short, long = _python_calls_of_the_cell(5), _python_calls_of_the_cell(12)
    if BACKEND == "torch":
        # a Python for loop: one call per step (plus one Keras makes to learn the output shape)
        assert long - short == 12 - 5, (short, long)
    else:
        # a compiled loop: the cell is traced a fixed number of times, however long the sequence
        assert short == long and short <= 3, (short, long)


def test_the_compiled_loop_is_a_while_loop_on_tensorflow_and_a_scan_on_jax() -> None:
    layer = keras.layers.RNN(_CountingCell(4))
    x = np.zeros((2, 6, 3), dtype="float32")
    layer(x)
    if BACKEND == "tensorflow":
        import tensorflow as tf

        graph = tf.function(lambda t: layer(t)).get_concrete_function(tf.TensorSpec(x.shape, "float32")).graph
        ops = {op.type for op in graph.get_operations()}
        assert ops & {"While", "StatelessWhile"}, sorted(ops)
    elif BACKEND == "jax":
        import jax

        jaxpr = jax.make_jaxpr(lambda t: layer(t))(x)
        assert "scan" in {eqn.primitive.name for eqn in jaxpr.jaxpr.eqns}, jaxpr
    else:
        torch_rnn = _rnn_module("torch")

        assert "for i in range(time_steps)" in inspect.getsource(torch_rnn.rnn)


def _pretend_gpu(monkeypatch: pytest.MonkeyPatch) -> None:
    """Make the current backend's RNN code believe a GPU with cuDNN is present."""
    if BACKEND == "tensorflow":
        tf_rnn = _rnn_module("tensorflow")

        monkeypatch.setattr(tf_rnn, "_is_gpu_available", lambda: True)
    elif BACKEND == "jax":
        jax_rnn = _rnn_module("jax")

        monkeypatch.setattr(jax_rnn, "_is_gpu_available", lambda: True)


@pytest.mark.skipif(BACKEND != "jax", reason="a fact about the JAX backend")
def test_jax_lstm_reaches_for_cudnn_but_gru_never_does(monkeypatch: pytest.MonkeyPatch) -> None:
    import jax
    import jax.experimental.rnn as jax_experimental_rnn

    _pretend_gpu(monkeypatch)
    reached = []

    def fake_cudnn_lstm(*args, **kwargs):
        reached.append("cudnn lstm")
        raise RuntimeError("no GPU here: this test only records that Keras asked for cuDNN")

    monkeypatch.setattr(jax_experimental_rnn, "lstm", fake_cudnn_lstm)
    x = np.random.default_rng(0).standard_normal((2, 5, 3)).astype("float32")

    keras.layers.LSTM(4)(x)
    assert reached == ["cudnn lstm"]  # on a GPU, LSTM would run the cuDNN kernel

    reached.clear()
    gru = keras.layers.GRU(4)
    gru(x)
    assert reached == []  # GRU does not even ask
    assert not hasattr(jax_experimental_rnn, "gru")  # JAX has no cuDNN GRU to ask for
    jaxpr = jax.make_jaxpr(lambda t: gru(t))(x)
    assert "scan" in {eqn.primitive.name for eqn in jaxpr.jaxpr.eqns}

    reached.clear()
    masked = keras.layers.LSTM(4)
    masked(x, mask=np.array([[True] * 5, [True, True, True, False, False]]))
    assert reached == []  # with a mask, LSTM takes the generic lax.scan loop, not cuDNN


@pytest.mark.skipif(BACKEND != "tensorflow", reason="a fact about the TensorFlow backend")
@pytest.mark.parametrize("kind", ["lstm", "gru"])
def test_tensorflow_gives_right_padded_masks_to_cudnn(monkeypatch: pytest.MonkeyPatch, kind: str) -> None:
    import tensorflow as tf
    tf_rnn = _rnn_module("tensorflow")

    _pretend_gpu(monkeypatch)
    reached = []

    def fake_cudnn(*args, **kwargs):
        mask = args[6] if kind == "lstm" else args[5]  # _cudnn_lstm(inputs, h, c, kernel, recurrent, bias, mask, ...)
        reached.append(mask is not None)
        raise tf.errors.NotFoundError(None, None, "no GPU here: this test only records that Keras asked for cuDNN")

    monkeypatch.setattr(tf_rnn, f"_cudnn_{kind}", fake_cudnn)
    layer = (keras.layers.LSTM if kind == "lstm" else keras.layers.GRU)(4)
    x = np.random.default_rng(0).standard_normal((2, 5, 3)).astype("float32")
    right_padded = np.array([[True] * 5, [True, True, True, False, False]])
    layer(x)
    layer(x, mask=right_padded)
    assert reached == [False, True]  # cuDNN is asked both times, the second time with the mask

    # the cuDNN path accepts only right-padded masks: this is the check it runs on the mask
    assert bool(tf_rnn._is_sequence_right_padded(tf.constant(right_padded)))
    assert not bool(tf_rnn._is_sequence_right_padded(tf.constant(right_padded[:, ::-1])))
    assert "right-padded" in inspect.getsource(tf_rnn._assert_valid_mask)


@pytest.mark.skipif(BACKEND not in ("torch", "jax"), reason="a fact about the PyTorch and JAX backends")
@pytest.mark.parametrize("kind", ["lstm", "gru"])
def test_a_mask_sends_lstm_and_gru_to_the_generic_loop_on_torch_and_jax(kind: str) -> None:
    from keras.src import backend

    units, steps = 4, 5
    x = np.zeros((2, steps, 3), dtype="float32")
    mask = np.array([[True] * steps, [True, True, False, False, False]])
    gates = 4 if kind == "lstm" else 3
    kernel = np.zeros((3, gates * units), "float32")
    recurrent = np.zeros((units, gates * units), "float32")
    h0 = np.zeros((2, units), "float32")
    with pytest.raises(NotImplementedError):  # the fused path refuses; the layer then runs the generic loop
        if kind == "lstm":
            backend.lstm(x, h0, h0, mask, kernel, recurrent, np.zeros(gates * units, "float32"),
                         keras.ops.tanh, keras.ops.sigmoid)
        else:
            backend.gru(x, h0, mask, kernel, recurrent, np.zeros((2, gates * units), "float32"),
                        keras.ops.tanh, keras.ops.sigmoid)
    if BACKEND == "torch":  # without a mask, cuDNN runs when the tensors are on a CUDA device (read from the source)
        source = inspect.getsource(getattr(_rnn_module("torch"), kind))
        assert '== "cuda"' in source and f"_cudnn_{kind}(" in source
