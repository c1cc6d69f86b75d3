"""What the notebooks say about Keras (and PyTorch), checked against the installed versions.

Notebooks 01-03 are numpy notebooks and never import Keras; each sentence they write about a
framework is backed by one test here, named after its notebook. Runs on whatever KERAS_BACKEND
is set; tests/test_backends.py reruns the ``keras``-marked tests on the other two backends.

Notebook 13 ("Running it on a GPU"): its tests check the current backend's part of the story and
tests/test_backends.py covers the other two. No GPU is needed: where a sentence is about the GPU path, the test makes Keras *believe* a GPU is there
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

from rnnkit import numpy_rnn as nr  # noqa: E402

N, T, D, H = 3, 5, 4, 6


def _numpy(a) -> np.ndarray:
    return np.asarray(keras.ops.convert_to_numpy(a))


def _x(seed: int = 0, shape: tuple[int, ...] = (N, T, D)) -> np.ndarray:
    return np.random.default_rng(seed).standard_normal(shape).astype("float32")


# ---- notebook 01: sequences and shapes ----


@pytest.mark.keras
def test_01_a_recurrent_layer_needs_the_feature_axis() -> None:
    """01: "(N, T, 1), not (N, T)": Keras complains that it expected 3 dimensions and found 2."""
    for layer in (keras.layers.SimpleRNN(H), keras.layers.LSTM(H)):
        with pytest.raises(ValueError, match="expected ndim=3, found ndim=2"):
            layer(_x(shape=(N, T)))
        assert tuple(layer(_x(shape=(N, T, 1))).shape) == (N, H)  # batch first: (N, T, D) in, (N, H) out


@pytest.mark.keras
def test_01_pad_sequences_pads_and_truncates_at_the_start_by_default() -> None:
    """01 section 7 and Exercise 4: Keras' defaults are "pre" for both; with "post" it matches our pad_batch."""
    toy = [[5, 6, 7], [8], [1, 2, 3, 4, 9]]
    pad = keras.utils.pad_sequences
    np.testing.assert_array_equal(pad(toy), [[0, 0, 5, 6, 7], [0, 0, 0, 0, 8], [1, 2, 3, 4, 9]])
    np.testing.assert_array_equal(pad(toy, maxlen=3), [[5, 6, 7], [0, 0, 8], [3, 4, 9]])  # kept the last 3
    # the expectations of Exercise 4's check cell, which uses "post" defaults
    np.testing.assert_array_equal(pad(toy, padding="post", truncating="post"),
                                  [[5, 6, 7, 0, 0], [8, 0, 0, 0, 0], [1, 2, 3, 4, 9]])
    np.testing.assert_array_equal(pad(toy, maxlen=3, padding="post", truncating="pre"), [[5, 6, 7], [8, 0, 0], [3, 4, 9]])
    np.testing.assert_array_equal(pad(toy, maxlen=4, padding="pre", truncating="pre", value=-1),
                                  [[-1, 5, 6, 7], [-1, -1, -1, 8], [2, 3, 4, 9]])


@pytest.mark.keras
def test_01_an_embedding_layer_is_a_lookup_equal_to_one_hot_times_E() -> None:
    """01 section 6: E[ids] = one_hot(ids) @ E, a dense layer without bias on one-hot inputs."""
    V, d = 11, 4
    ids = np.random.default_rng(1).integers(0, V, size=(N, T))
    layer = keras.layers.Embedding(V, d)
    out = _numpy(layer(ids))
    E = _numpy(layer.embeddings)
    assert out.shape == (N, T, d)
    np.testing.assert_allclose(out, E[ids])
    np.testing.assert_allclose(out, np.eye(V, dtype="float32")[ids] @ E, rtol=1e-6)


def test_01_pytorch_rnn_is_time_major_unless_batch_first() -> None:
    """01 section 3: PyTorch's nn.RNN reads (T, N, D) unless it is built with batch_first=True."""
    torch = pytest.importorskip("torch")
    rnn = torch.nn.RNN(D, H)
    assert rnn.batch_first is False
    out, h_last = rnn(torch.zeros(T, N, D))
    assert tuple(out.shape) == (T, N, H) and tuple(h_last.shape) == (1, N, H)
    out, _ = torch.nn.RNN(D, H, batch_first=True)(torch.zeros(N, T, D))
    assert tuple(out.shape) == (N, T, H)


# ---- notebook 02: the forward pass ----


@pytest.mark.keras
def test_02_simple_rnn_and_dense_initialise_as_nr_init_rnn_does() -> None:
    """02 section 2, 03 section 5.3: Glorot-uniform kernels, an orthogonal recurrent kernel, zero biases."""
    layer = keras.layers.SimpleRNN(H)
    layer.build((None, T, D))
    config = layer.get_config()
    assert config["kernel_initializer"]["class_name"] == "GlorotUniform"
    assert config["recurrent_initializer"]["class_name"] == "Orthogonal"
    assert config["recurrent_initializer"]["config"]["gain"] == 1.0
    assert config["bias_initializer"]["class_name"] == "Zeros"
    Wx, Wh, b = layer.get_weights()
    assert np.abs(Wx).max() <= np.sqrt(6 / (D + H))  # Glorot-uniform: U(-limit, limit)
    np.testing.assert_allclose(Wh.T @ Wh, np.eye(H), atol=1e-5)  # orthogonal: spectral radius 1
    np.testing.assert_allclose(np.abs(np.linalg.eigvals(Wh)), 1.0, atol=1e-5)
    assert not b.any()
    dense = keras.layers.Dense(3).get_config()
    assert dense["kernel_initializer"]["class_name"] == "GlorotUniform"
    assert dense["bias_initializer"]["class_name"] == "Zeros"


@pytest.mark.keras
def test_02_return_sequences_gives_every_state_or_only_the_last() -> None:
    """02 sections 3 and 10a: by default only h_T; return_sequences=True gives all of h, which a layer
    stacked on top needs, and so does a last layer that must answer at every step."""
    x = _x()
    every = keras.layers.SimpleRNN(H, return_sequences=True)
    h = _numpy(every(x))
    last = keras.layers.SimpleRNN(H)
    last.build((None, T, D))
    last.set_weights(every.get_weights())
    h_last = _numpy(last(x))
    assert h.shape == (N, T, H) and h_last.shape == (N, H)
    np.testing.assert_allclose(h_last, h[:, -1], atol=1e-6)

    inputs = keras.Input((T, D))
    with pytest.raises(ValueError, match="expected ndim=3, found ndim=2"):
        keras.layers.SimpleRNN(2)(keras.layers.SimpleRNN(H)(inputs))  # the lower layer gives only (N, H)
    stacked = keras.layers.SimpleRNN(2, return_sequences=True)(keras.layers.SimpleRNN(H, return_sequences=True)(inputs))
    assert tuple(stacked.shape) == (None, T, 2)  # a state per step at the top too: a tagger's output


@pytest.mark.keras
def test_02_simple_rnn_loops_by_default_and_unrolling_changes_no_number() -> None:
    """02 section 6: SimpleRNN stores one cell and runs it in a loop (unroll=False); unroll=True builds
    one copy per step, with the same numbers."""
    x = _x(2)
    looped = keras.layers.SimpleRNN(H, return_sequences=True)
    assert looped.get_config()["unroll"] is False
    assert "memory-intensive" in keras.layers.SimpleRNN.__doc__  # "can speed-up an RNN, although it tends to be ..."
    h_loop = _numpy(looped(x))
    unrolled = keras.layers.SimpleRNN(H, return_sequences=True, unroll=True)
    unrolled.build((None, T, D))
    unrolled.set_weights(looped.get_weights())
    np.testing.assert_allclose(_numpy(unrolled(x)), h_loop, atol=1e-6)
    Wx, Wh, b = looped.get_weights()
    h_numpy, _ = nr.rnn_forward(x, np.zeros((N, H), "float32"), Wx, Wh, b)  # our for loop
    np.testing.assert_allclose(h_numpy, h_loop, atol=1e-5)


@pytest.mark.keras
def test_02_bidirectional_concatenates_forward_then_realigned_backward() -> None:
    """02 section 10b: Bidirectional(SimpleRNN(H, return_sequences=True)) gives [forward; backward flipped back]."""
    x = _x(3)
    bi = keras.layers.Bidirectional(keras.layers.SimpleRNN(H, return_sequences=True))
    out = _numpy(bi(x))
    assert bi.merge_mode == "concat" and out.shape == (N, T, 2 * H)
    zeros = np.zeros((N, H), "float32")
    h_fwd, _ = nr.rnn_forward(x, zeros, *bi.forward_layer.get_weights())
    h_bwd, _ = nr.rnn_forward(x[:, ::-1], zeros, *bi.backward_layer.get_weights())
    np.testing.assert_allclose(out, np.concatenate([h_fwd, h_bwd[:, ::-1]], axis=-1), atol=1e-5)


@pytest.mark.keras
def test_02_simple_rnn_has_d_h_plus_h_h_plus_h_parameters() -> None:
    """02 section 5 and Exercise 4: what keras.layers.SimpleRNN(H) reports on D features."""
    for d, h in [(4, 6), (1, 1), (8, 32)]:
        layer = keras.layers.SimpleRNN(h)
        layer.build((None, None, d))
        assert layer.count_params() == d * h + h * h + h


# ---- notebook 03: backpropagation through time ----


def _adam(grads: np.ndarray, lr: float, eps: float, *, keras_form: bool, b1: float = 0.9, b2: float = 0.999) -> np.ndarray:
    """The parameter after Adam steps from 0 with the gradients ``grads`` (steps, k), in float64.

    ``keras_form=False``: Kingma and Ba's Algorithm 1, m_hat / (sqrt(v_hat) + eps), as notebook 03 writes it.
    ``keras_form=True``: the bias correction folded into the learning rate and eps added to sqrt(v)
    before it ("epsilon hat"), which is m_hat / (sqrt(v_hat) + eps / sqrt(1 - b2**s)).
    """
    theta, m, v = (np.zeros(grads.shape[1]) for _ in range(3))
    for s, g in enumerate(grads, start=1):
        m = b1 * m + (1 - b1) * g
        v = b2 * v + (1 - b2) * g**2
        if keras_form:
            theta -= lr * np.sqrt(1 - b2**s) / (1 - b1**s) * m / (np.sqrt(v) + eps)
        else:
            theta -= lr * (m / (1 - b1**s)) / (np.sqrt(v / (1 - b2**s)) + eps)
    return theta


@pytest.mark.keras
def test_03_keras_adam_uses_epsilon_1e_7_added_before_bias_correction() -> None:
    """03 section 5.4: keras.optimizers.Adam defaults to eps = 1e-7 and adds it to sqrt(v) before the bias
    correction ("epsilon hat"); for gradients far above eps that is the paper's update, for tiny ones not."""
    opt = keras.optimizers.Adam(learning_rate=0.1)
    assert opt.epsilon == 1e-7 and opt.beta_1 == 0.9 and opt.beta_2 == 0.999
    assert '"epsilon hat"' in keras.optimizers.Adam.__doc__  # the name 03 quotes from the documentation
    grads = np.tile(np.array([1.0, 1e-1, 1e-6]), (5, 1))  # 5 steps; one large, one small, one tiny gradient
    var = keras.Variable(np.zeros(3, "float32"))
    for g in grads:
        opt.apply_gradients([(keras.ops.convert_to_tensor(g.astype("float32")), var)])
    theta = _numpy(var)

    keras_form = _adam(grads, 0.1, 1e-7, keras_form=True)
    paper = _adam(grads, 0.1, 1e-7, keras_form=False)
    ours = _adam(grads, 0.1, 1e-8, keras_form=False)  # notebook 03's adam_update, eps = 1e-8
    np.testing.assert_allclose(theta, keras_form, rtol=1e-5)
    np.testing.assert_allclose(theta[:2], paper[:2], rtol=1e-3)  # gradients >> eps: the same step
    np.testing.assert_allclose(theta[:2], ours[:2], rtol=1e-3)
    assert abs(theta[2]) < 0.5 * abs(paper[2])  # a gradient of 1e-6: Keras steps much less than the paper's form


@pytest.mark.keras
def test_03_keras_cross_entropy_is_the_mean_over_every_prediction() -> None:
    """03 section 1: Keras' losses, like nr.softmax_cross_entropy, average over all N * T predictions."""
    rng = np.random.default_rng(4)
    logits = rng.standard_normal((N, T, 7)).astype("float32") * 3
    targets = rng.integers(0, 7, size=(N, T))
    loss = keras.losses.SparseCategoricalCrossentropy(from_logits=True)
    mean, _ = nr.softmax_cross_entropy(logits.astype(np.float64), targets)
    assert float(_numpy(loss(targets, logits))) == pytest.approx(mean, rel=1e-5)
    per_prediction = -np.log(nr.softmax(logits.astype(np.float64))[np.arange(N)[:, None], np.arange(T), targets])
    assert mean == pytest.approx(per_prediction.mean()) and mean != pytest.approx(per_prediction.sum())


# ---- notebook 13: what each backend runs (custom cells, cuDNN, masks) ----

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


@pytest.mark.keras
def test_13_the_loop_around_a_custom_cell() -> None:
    short, long = _python_calls_of_the_cell(5), _python_calls_of_the_cell(12)
    if BACKEND == "torch":
        # a Python for loop: one call per step (plus one Keras makes to learn the output shape)
        assert long - short == 12 - 5, (short, long)
    else:
        # a compiled loop: the cell is traced a fixed number of times, however long the sequence
        assert short == long and short <= 3, (short, long)


@pytest.mark.keras
def test_13_the_compiled_loop_is_a_while_loop_on_tensorflow_and_a_scan_on_jax() -> None:
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


@pytest.mark.keras
@pytest.mark.skipif(BACKEND != "jax", reason="a fact about the JAX backend")
def test_13_jax_lstm_reaches_for_cudnn_but_gru_never_does(monkeypatch: pytest.MonkeyPatch) -> None:
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


@pytest.mark.keras
@pytest.mark.skipif(BACKEND != "tensorflow", reason="a fact about the TensorFlow backend")
@pytest.mark.parametrize("kind", ["lstm", "gru"])
def test_13_tensorflow_gives_right_padded_masks_to_cudnn(monkeypatch: pytest.MonkeyPatch, kind: str) -> None:
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


@pytest.mark.keras
@pytest.mark.skipif(BACKEND not in ("torch", "jax"), reason="a fact about the PyTorch and JAX backends")
@pytest.mark.parametrize("kind", ["lstm", "gru"])
def test_13_a_mask_sends_lstm_and_gru_to_the_generic_loop_on_torch_and_jax(kind: str) -> None:
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
# ==== notebooks 06 and 07: Keras recurrent layers and custom cells ====
#
# Every sentence of 06 and 07 about what Keras, TensorFlow, JAX or PyTorch does is either shown by
# a cell of that notebook or checked here; each test names the section that relies on it. A fact
# that holds on one backend only says so and checks the behaviour of *each* backend. Facts that
# hold only on a GPU (cuDNN) cannot run here: their test is skipped without a GPU, and where the
# notebook relies on the installed source, a second test pins that source. Sizes stay tiny: under
# JAX every new shape compiles, and these tests run on three backends.

import importlib.util  # noqa: E402
import pathlib  # noqa: E402
import re  # noqa: E402

from keras import ops  # noqa: E402

from rnnkit import cells  # noqa: E402

# Layers whose weights are used get a cheap random recurrent initializer: under JAX the
# default orthogonal one compiles a QR decomposition for every new shape, which costs far
# more than these tests. Random, not zeros, so that every state really depends on the past.
FAST = {"recurrent_initializer": "glorot_uniform"}


def layer_of(kind: str, **kwargs) -> keras.layers.Layer:
    """``keras.layers.<kind>(H, **kwargs)`` with the cheap initializer."""
    return getattr(keras.layers, kind)(H, **FAST, **kwargs)


def np_(x) -> np.ndarray:
    return np.asarray(ops.convert_to_numpy(x))


def gpu_available() -> bool:
    """Whether the current backend sees an NVIDIA GPU (each asks in its own way)."""
    if BACKEND == "tensorflow":
        import tensorflow as tf

        return bool(tf.config.list_physical_devices("GPU"))
    if BACKEND == "jax":
        import jax

        return jax.default_backend() == "gpu"
    if BACKEND == "torch":
        import torch

        return torch.cuda.is_available()
    return False


@pytest.fixture
def rng() -> np.random.Generator:
    return np.random.default_rng(0)


@pytest.fixture
def padded(rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """x (N, T, D) and a right-padded mask: row 0 has 3 real steps, the others all 5."""
    x = rng.normal(size=(N, T, D)).astype("float32")
    mask = np.ones((N, T), dtype=bool)
    mask[0, 3:] = False
    return x, mask


# --------------------------------------------------------------------------
# 06 §1–3, 07 §1: what a recurrent layer is made of
# --------------------------------------------------------------------------


@pytest.mark.keras
@pytest.mark.parametrize("kind", ["SimpleRNN", "LSTM", "GRU"])
def test_builtin_layers_are_the_rnn_wrapper_around_a_cell(kind: str) -> None:
    """07 §1: ``keras.layers.LSTM(H)`` is ``keras.layers.RNN`` looping a ``LSTMCell`` (same for the others). All backends."""
    layer = getattr(keras.layers, kind)(H)
    assert isinstance(layer, keras.layers.RNN)
    assert type(layer.cell) is getattr(keras.layers, f"{kind}Cell")


@pytest.mark.keras
@pytest.mark.parametrize("kind", ["SimpleRNN", "LSTM", "GRU"])
def test_default_initializers_and_float32(kind: str) -> None:
    """06 §2, 07 §2: Glorot-uniform W_x, orthogonal W_h, zero bias, float32 weights. All backends."""
    cell = getattr(keras.layers, kind)(H).cell
    assert type(cell.kernel_initializer).__name__ == "GlorotUniform"
    assert type(cell.recurrent_initializer).__name__ == "Orthogonal"
    assert type(cell.bias_initializer).__name__ == "Zeros"
    assert keras.config.floatx() == "float32"


@pytest.mark.keras
def test_lstm_forget_bias_starts_at_one_and_gru_bias_has_two_rows() -> None:
    """06 §2: LSTM ``unit_forget_bias=True`` by default; GRU ``reset_after=True`` gives a (2, 3H) bias. All backends."""
    lstm = layer_of("LSTM")
    lstm.build((None, T, D))
    assert lstm.cell.unit_forget_bias is True
    np.testing.assert_array_equal(np_(lstm.cell.bias), np.r_[np.zeros(H), np.ones(H), np.zeros(2 * H)])
    gru = layer_of("GRU")
    gru.build((None, T, D))
    assert gru.cell.reset_after is True and tuple(gru.cell.bias.shape) == (2, 3 * H)
    old = layer_of("GRU", reset_after=False)
    old.build((None, T, D))
    assert tuple(old.cell.bias.shape) == (3 * H,)


@pytest.mark.keras
@pytest.mark.skipif(BACKEND != "tensorflow", reason="the rule read here is the TensorFlow backend's")
def test_cudnn_needs_default_arguments_and_gru_reset_after() -> None:
    """06 §2, 07 §8: cuDNN runs only tanh/sigmoid, ``use_bias=True``, ``unroll=False`` (and, for the GRU,
    ``reset_after=True``). TensorFlow's eligibility rule, checked on a CPU without asking for a GPU."""
    tf_rnn = importlib.import_module("keras.src.backend.tensorflow.rnn")
    tanh, sigmoid, relu = keras.activations.tanh, keras.activations.sigmoid, keras.activations.relu
    args = {"activation": tanh, "recurrent_activation": sigmoid, "unroll": False, "use_bias": True}
    assert tf_rnn._do_gru_arguments_support_cudnn(**args, reset_after=True)
    assert not tf_rnn._do_gru_arguments_support_cudnn(**args, reset_after=False)
    assert tf_rnn._do_lstm_arguments_support_cudnn(**args)
    for change in ({"activation": relu}, {"recurrent_activation": tanh}, {"unroll": True}, {"use_bias": False}):
        assert not tf_rnn._do_lstm_arguments_support_cudnn(**{**args, **change}), change


@pytest.mark.keras
def test_lstm_skips_cudnn_with_recurrent_dropout_in_the_source() -> None:
    """07 §8, from the installed source: ``keras.layers.LSTM`` tries the backend's fused path (cuDNN on a GPU) only
    without ``recurrent_dropout``, and every backend's cuDNN check asks for the default activations, no
    unrolling and a bias. Read as text, so no other backend gets imported."""
    root = pathlib.Path(keras.src.__file__).parent
    lstm_source = (root / "layers" / "rnn" / "lstm.py").read_text()
    assert re.search(r'if self.use_cudnn in \("auto", True\):\s+if not self.recurrent_dropout:', lstm_source)
    for backend in ("tensorflow", "jax", "torch"):
        source = (root / "backend" / backend / "rnn.py").read_text()
        for needle in ("def cudnn_ok(", "not unroll", "use_bias", "tanh", "sigmoid"):
            assert needle in source, (backend, needle)


@pytest.mark.keras
def test_embedding_starts_small_and_masks_id_zero() -> None:
    """06 §8: ``Embedding`` starts uniform in [-0.05, 0.05]; ``mask_zero=True`` marks id 0 as padding. All backends."""
    emb = keras.layers.Embedding(10, 4, mask_zero=True)
    init = emb.embeddings_initializer
    assert type(init).__name__ == "RandomUniform" and (init.minval, init.maxval) == (-0.05, 0.05)
    ids = np.array([[5, 8, 0, 0], [3, 1, 2, 7]])
    np.testing.assert_array_equal(np_(emb.compute_mask(ids)), ids != 0)


@pytest.mark.keras
def test_global_average_pooling_reads_the_mask() -> None:
    """06 §9: ``GlobalAveragePooling1D`` after an ``Embedding(mask_zero=True)`` averages the real tokens only. All backends."""
    ids = np.array([[5, 8, 2, 0, 0], [3, 1, 2, 7, 4]])
    inputs = keras.Input((None,), dtype="int32")
    emb = keras.layers.Embedding(10, 4, mask_zero=True)
    model = keras.Model(inputs, keras.layers.GlobalAveragePooling1D()(emb(inputs)))
    table = np_(emb.embeddings)
    want = np.stack([table[row[row != 0]].mean(axis=0) for row in ids])
    np.testing.assert_allclose(np_(model(ids)), want, atol=1e-6)


@pytest.mark.keras
def test_rnn_builds_its_cell_with_one_step_shape() -> None:
    """07 §1: ``keras.layers.RNN`` builds the cell with one step's shape ``(batch, features)``. All backends."""
    seen = []

    class Recorder(keras.layers.Layer):
        state_size, output_size = H, H

        def build(self, input_shape):
            seen.append(tuple(input_shape))

        def call(self, inputs, states):
            return ops.zeros((ops.shape(inputs)[0], H)), states

    keras.layers.RNN(Recorder()).build((N, T, D))
    assert seen == [(N, D)]


@pytest.mark.keras
def test_a_list_of_cells_is_a_stack() -> None:
    """07 §5: ``keras.layers.RNN([cell_1, cell_2])`` wraps them in ``StackedRNNCells``. All backends."""
    layer = keras.layers.RNN([cells.LSTMCell(4), cells.GRUCell(3)])
    assert type(layer.cell).__name__ == "StackedRNNCells"
    assert [type(c).__name__ for c in layer.cell.cells] == ["LSTMCell", "GRUCell"]


@pytest.mark.keras
@pytest.mark.parametrize("merge_mode, width", [("concat", 2 * H), ("sum", H), ("mul", H), ("ave", H), (None, H)])
def test_bidirectional_merge_modes(merge_mode: str | None, width: int, rng: np.random.Generator) -> None:
    """06 §7: ``concat`` (the default) gives 2H features, sum/mul/ave give H, ``None`` returns the two halves. All backends."""
    x = rng.normal(size=(N, T, D)).astype("float32")
    bi = keras.layers.Bidirectional(layer_of("SimpleRNN", return_sequences=True), merge_mode=merge_mode)
    out = bi(x)
    if merge_mode is None:
        assert isinstance(out, (list, tuple)) and len(out) == 2
        assert [tuple(o.shape) for o in out] == [(N, T, H)] * 2
    else:
        assert tuple(out.shape) == (N, T, width)
    assert keras.layers.Bidirectional(keras.layers.SimpleRNN(H)).merge_mode == "concat"


@pytest.mark.keras
def test_the_loop_runs_in_the_backends_own_loop(rng: np.random.Generator) -> None:
    """07 §1: the RNN layer's loop is a ``tf.while_loop`` on TensorFlow, ``jax.lax.scan`` on JAX, a Python loop on PyTorch."""
    x = rng.normal(size=(N, T, D)).astype("float32")
    calls = []

    class Counting(cells.RNNCell):
        def step(self, x, h_prev):
            calls.append(1)
            return super().step(x, h_prev)

    layer = keras.layers.RNN(Counting(H, **FAST))
    layer(x)  # build
    calls.clear()
    if BACKEND == "tensorflow":
        import tensorflow as tf

        graph = tf.function(layer).get_concrete_function(tf.TensorSpec((N, T, D))).graph
        assert {"While", "StatelessWhile"} & {op.type for op in graph.get_operations()}
        assert 1 <= len(calls) < T  # the step was traced as the loop's body, not called once per step
    elif BACKEND == "jax":
        import jax

        jaxpr = str(jax.make_jaxpr(lambda v: layer(v))(x))
        assert "scan[" in jaxpr or "scan " in jaxpr
    elif BACKEND == "torch":
        layer(x)
        short = len(calls)
        calls.clear()
        layer(np.concatenate([x, x], axis=1))
        assert len(calls) - short == T  # T more steps, T more Python calls of the cell
    else:  # pragma: no cover
        pytest.skip(f"no expectation for backend {BACKEND}")


@pytest.mark.keras
def test_custom_lstm_cell_is_bit_identical_to_the_builtin_on_tensorflow_and_jax(rng: np.random.Generator) -> None:
    """07 §3 and §8: on a CPU, TensorFlow and JAX run the built-in LSTM as the generic loop over ``LSTMCell`` with the
    same fused arithmetic as ``rnnkit.cells.LSTMCell``, so the outputs agree to the last bit; PyTorch's own LSTM
    loop agrees to float32 rounding."""
    if gpu_available():
        pytest.skip("on a GPU the built-in layer takes cuDNN")
    x = rng.normal(size=(N, T, D)).astype("float32")
    builtin = layer_of("LSTM", return_sequences=True)
    custom = keras.layers.RNN(cells.LSTMCell(H, **FAST), return_sequences=True)
    builtin.build(x.shape)
    custom.build(x.shape)
    custom.set_weights(builtin.get_weights())
    got, want = np_(custom(x)), np_(builtin(x))
    if BACKEND in ("tensorflow", "jax"):
        np.testing.assert_array_equal(got, want)
    else:
        np.testing.assert_allclose(got, want, atol=1e-6)


# --------------------------------------------------------------------------
# 06 §8: what masked steps output
# --------------------------------------------------------------------------


@pytest.mark.keras
@pytest.mark.parametrize("kind", ["SimpleRNN", "LSTM", "GRU"])
def test_masked_outputs_repeat_the_last_real_one_on_the_step_by_step_loop(kind: str, padded) -> None:
    """06 §8: on the step-by-step loop a masked step keeps the state and repeats the last output. All backends.

    ``use_cudnn=False`` forces that loop on every device; on a CPU it is what runs anyway.
    """
    x, mask = padded
    kwargs = {} if kind == "SimpleRNN" else {"use_cudnn": False}
    layer = layer_of(kind, return_sequences=True, return_state=True, **kwargs)
    seq, *states = (np_(o) for o in layer(x, mask=mask))
    np.testing.assert_array_equal(seq[0, 3:], np.broadcast_to(seq[0, 2], (T - 3, H)))
    alone, *alone_states = (np_(o) for o in layer(x[:1, :3]))  # row 0 with no padding at all
    np.testing.assert_allclose(seq[0, :3], alone[0], atol=1e-6)
    for s, a in zip(states, alone_states, strict=True):
        np.testing.assert_allclose(s[0], a[0], atol=1e-6)  # the final states skip the padding


@pytest.mark.keras
def test_zero_output_for_mask_gives_zeros(padded) -> None:
    """06 §8: ``zero_output_for_mask=True`` makes masked outputs 0; the final state is unchanged. All backends."""
    x, mask = padded
    repeat = layer_of("GRU", return_sequences=True, return_state=True, use_cudnn=False)
    zero = layer_of("GRU", return_sequences=True, return_state=True, use_cudnn=False, zero_output_for_mask=True)
    repeat.build(x.shape)
    zero.build(x.shape)
    zero.set_weights(repeat.get_weights())
    (seq_r, h_r), (seq_z, h_z) = ([np_(o) for o in layer(x, mask=mask)] for layer in (repeat, zero))
    np.testing.assert_array_equal(seq_z[0, 3:], 0.0)
    np.testing.assert_allclose(seq_z[0, :3], seq_r[0, :3], atol=1e-6)
    np.testing.assert_allclose(h_z, h_r, atol=1e-6)


@pytest.mark.keras
def test_bidirectional_with_sequences_forces_zero_outputs_for_mask(padded) -> None:
    """06 §8: inside ``Bidirectional`` with ``return_sequences=True`` masked outputs are 0 in both halves. All backends.

    Keras sets ``zero_output_for_mask`` on its two copies; the layer passed in is left as it was.
    The backward copy starts at the last *real* step of a padded row.
    """
    x, mask = padded
    inner = layer_of("GRU", return_sequences=True, use_cudnn=False)
    bi = keras.layers.Bidirectional(inner)
    assert bi.forward_layer.zero_output_for_mask and bi.backward_layer.zero_output_for_mask
    assert inner.zero_output_for_mask is False
    out = np_(bi(x, mask=mask))  # (N, T, 2H)
    np.testing.assert_array_equal(out[0, 3:], 0.0)
    # The backward half of row 0 equals a backward run over its three real steps only.
    backward = layer_of("GRU", return_sequences=True, go_backwards=True, use_cudnn=False)
    backward.build(x.shape)
    backward.set_weights(bi.backward_layer.get_weights())
    alone = np_(backward(x[:1, :3]))[0, ::-1]  # go_backwards returns the outputs in reversed order
    np.testing.assert_allclose(out[0, :3, H:], alone, atol=1e-6)
    # Without return_sequences the forced flag is off: only the final states come out.
    assert not keras.layers.Bidirectional(keras.layers.GRU(H)).forward_layer.zero_output_for_mask


@pytest.mark.keras
@pytest.mark.skipif(not gpu_available() or BACKEND != "tensorflow", reason="needs TensorFlow with a GPU (cuDNN)")
def test_cudnn_path_outputs_zeros_at_masked_steps(padded) -> None:  # pragma: no cover - GPU only
    """06 §8: on TensorFlow's cuDNN path (GPU, default arguments) masked outputs are 0; the final state is right."""
    x, mask = padded
    layer = layer_of("GRU", return_sequences=True, return_state=True)
    seq, h = (np_(o) for o in layer(x, mask=mask))
    np.testing.assert_array_equal(seq[0, 3:], 0.0)
    np.testing.assert_allclose(h[0], seq[0, 2], atol=1e-5)


@pytest.mark.keras
def test_tensorflow_cudnn_source_fills_zeros_at_masked_steps() -> None:
    """06 §8 relies on the installed source for the GPU case (no GPU here): TensorFlow's cuDNN LSTM and GRU

    take the sequence lengths from a right-padded mask, return zeros at padded steps and copy the
    final state into the last output. If a Keras upgrade changes this, re-check 06 §8.
    """
    tf_rnn = importlib.import_module("keras.src.backend.tensorflow.rnn")
    for fn in (tf_rnn._cudnn_lstm, tf_rnn._cudnn_gru):
        source = inspect.getsource(fn)
        assert "_assert_valid_mask(mask)" in source and "sequence_lengths" in source
        assert "cudnn kernel will fill zeros" in source
        assert re.search(r"if sequence_lengths is not None:\s+last_output = (h|state)\b", source)


@pytest.mark.keras
def test_tensorflow_cudnn_source_accepts_only_right_padded_masks() -> None:
    """06 §8, from the installed source (GPU only, not run here): on TensorFlow's cuDNN path a mask must be
    right-padded with no empty row; otherwise an assertion fails with a message that suggests ``use_cudnn=False``."""
    tf_rnn = importlib.import_module("keras.src.backend.tensorflow.rnn")
    source = inspect.getsource(tf_rnn._assert_valid_mask)
    assert "_is_sequence_right_padded(mask)" in source and "_has_fully_masked_sequence(mask)" in source
    assert "tf.Assert" in source and "use_cudnn=False" in source


# --------------------------------------------------------------------------
# 06 §8, 07 §8: which implementation runs (on a CPU)
# --------------------------------------------------------------------------


def _which_path(monkeypatch, layer, x, mask=None) -> str:
    """'generic' if the layer ran Keras' generic step loop (``backend.rnn``), else 'backend'."""
    from keras.src import backend

    used = []
    generic = backend.rnn

    def spy(*args, **kwargs):
        used.append("generic")
        return generic(*args, **kwargs)

    monkeypatch.setattr(backend, "rnn", spy)
    layer(x, mask=mask)
    return used[0] if used else "backend"


@pytest.mark.keras
@pytest.mark.skipif(gpu_available(), reason="states which path runs on a CPU")
@pytest.mark.parametrize("kind", ["LSTM", "GRU"])
def test_which_loop_runs_on_a_cpu(kind: str, padded, monkeypatch) -> None:
    """06 §8 and 07 §8, on a CPU: without a mask TensorFlow runs the generic loop over the cell; PyTorch runs a
    loop of its own for LSTM and GRU, and JAX one for GRU (both multiply every step's input by W_x at once);
    JAX's LSTM uses the generic loop. With a mask, every backend runs the generic loop."""
    x, mask = padded
    expected = {
        "tensorflow": {"LSTM": "generic", "GRU": "generic"},
        "jax": {"LSTM": "generic", "GRU": "backend"},
        "torch": {"LSTM": "backend", "GRU": "backend"},
    }[BACKEND][kind]
    assert _which_path(monkeypatch, layer_of(kind), x) == expected
    assert _which_path(monkeypatch, layer_of(kind), x, mask=mask) == "generic"
    assert _which_path(monkeypatch, layer_of(kind, use_cudnn=False), x) == "generic"


@pytest.mark.keras
@pytest.mark.skipif(BACKEND != "jax", reason="about JAX")
def test_jax_has_a_cudnn_lstm_but_no_gru() -> None:
    """07 §8 (and the README): on JAX, Keras' LSTM can reach cuDNN through ``jax.experimental.rnn``; there is no GRU there."""
    from jax.experimental import rnn as jax_rnn

    assert hasattr(jax_rnn, "lstm") and not hasattr(jax_rnn, "gru")


# --------------------------------------------------------------------------
# 06 §5: stateful=True differs between backends
# --------------------------------------------------------------------------


def _stateful_model(kind: str, **kwargs) -> tuple[keras.Model, keras.layers.Layer]:
    layer = layer_of(kind, stateful=True, **kwargs)
    model = keras.Sequential([keras.Input((T, D), batch_size=N), layer, keras.layers.Dense(1)])
    model.compile(optimizer=keras.optimizers.SGD(learning_rate=0.0), loss="mse")  # weights stay put
    return model, layer


@pytest.mark.keras
def test_stateful_layers_carry_state_across_plain_calls(rng: np.random.Generator) -> None:
    """06 §5: calling a stateful layer twice continues from the first call's final state; ``reset_state`` zeros it.
    Models have no ``reset_states``. All backends."""
    x1, x2 = rng.normal(size=(2, N, T, D)).astype("float32")
    layer = layer_of("GRU", stateful=True)
    layer(x1)
    plain = layer_of("GRU")
    plain.build(x1.shape)
    plain.set_weights(layer.get_weights())
    np.testing.assert_allclose(np_(layer(x2)), np_(plain(x2, initial_state=[plain(x1)])), atol=1e-6)
    layer.reset_state()
    np.testing.assert_array_equal(np_(layer.states[0]), 0.0)
    model = keras.Sequential([keras.Input((T, D), batch_size=N), layer_of("GRU", stateful=True)])
    assert not hasattr(model, "reset_states")


@pytest.mark.keras
def test_stateful_needs_a_fixed_batch_size() -> None:
    """06 §5: a stateful layer needs the batch size up front (``keras.Input(..., batch_size=N)``). All backends."""
    with pytest.raises(ValueError, match="batch size must be static"):
        keras.layers.GRU(H, stateful=True).build((None, T, D))


@pytest.mark.keras
@pytest.mark.parametrize("kind", ["LSTM", "GRU"])
def test_stateful_training_differs_between_backends(kind: str, rng: np.random.Generator) -> None:
    """06 §5: ``train_on_batch`` (and ``fit``) with ``stateful=True``, per backend (Keras 3.15):

    * TensorFlow: the second batch starts from the first batch's final state;
    * JAX: it starts from zeros; the stored states are never updated in ``fit``/``predict``;
    * PyTorch: with the default ``use_cudnn="auto"`` the step fails with an in-place autograd error,
      even on a CPU; with ``use_cudnn=False`` it carries the state, as on TensorFlow.
    """
    x1, x2 = rng.normal(size=(2, N, T, D)).astype("float32")
    y = rng.normal(size=(N, 1)).astype("float32")

    def run(**kwargs) -> tuple[float, float, float]:
        model, layer = _stateful_model(kind, **kwargs)
        plain = layer_of(kind, return_state=True)
        plain.build(x1.shape)
        plain.set_weights(layer.get_weights())
        dense = model.layers[-1]

        def loss(h) -> float:
            return float(np.mean((np_(dense(h)) - y) ** 2))

        _, *carried = plain(x1)
        from_carried = loss(plain(x2, initial_state=carried)[0])
        from_zero = loss(plain(x2)[0])
        model.train_on_batch(x1, y)
        second = float(model.train_on_batch(x2, y))
        assert abs(from_carried - from_zero) > 1e-4  # the two cases are distinguishable
        return second, from_carried, from_zero

    if BACKEND == "torch":
        with pytest.raises(RuntimeError, match="modified by an inplace operation"):
            run()
        second, from_carried, _ = run(use_cudnn=False)
        assert second == pytest.approx(from_carried, abs=1e-6)
    elif BACKEND == "jax":
        second, _, from_zero = run()
        assert second == pytest.approx(from_zero, abs=1e-6)
    elif BACKEND == "tensorflow":
        second, from_carried, _ = run()
        assert second == pytest.approx(from_carried, abs=1e-6)
    else:  # pragma: no cover
        pytest.skip(f"no expectation for backend {BACKEND}")


@pytest.mark.keras
@pytest.mark.parametrize("method", ["fit", "evaluate", "predict"])
def test_stateful_state_is_stored_after_fit_evaluate_predict_except_on_jax(method: str, rng: np.random.Generator) -> None:
    """06 §5: after ``fit``, ``evaluate`` or ``predict`` the layer's stored state is the last batch's on TensorFlow
    and PyTorch (``use_cudnn=False``), but still zeros on JAX: the state variables are not tracked, so JAX's
    pure training and inference steps never hand their new values back."""
    x = rng.normal(size=(2 * N, T, D)).astype("float32")
    y = rng.normal(size=(2 * N, 1)).astype("float32")
    model, layer = _stateful_model("GRU", use_cudnn=False)
    assert not any(v is s for v in model.variables for s in layer.states)  # not among the tracked variables
    if method == "fit":
        model.fit(x, y, batch_size=N, shuffle=False, epochs=1, verbose=0)
    elif method == "evaluate":
        model.evaluate(x, y, batch_size=N, verbose=0)
    else:
        model.predict(x, batch_size=N, verbose=0)
    kept = np.abs(np_(layer.states[0])).max() > 0
    assert kept == (BACKEND != "jax")


# --------------------------------------------------------------------------
# 07 §7 and "Going further": custom cells
# --------------------------------------------------------------------------


@pytest.mark.keras
def test_registered_name_and_unregistered_cells_need_custom_objects(tmp_path, rng: np.random.Generator) -> None:
    """07 §7: registration records ``rnnkit>LayerNormLSTMCell``; an unregistered cell loads only with
    ``custom_objects``. All backends."""
    assert keras.saving.get_registered_name(cells.LayerNormLSTMCell) == "rnnkit>LayerNormLSTMCell"

    class PlainCell(keras.layers.Layer):  # not registered
        def __init__(self, units, **kwargs):
            super().__init__(**kwargs)
            self.units, self.state_size, self.output_size = units, units, units

        def build(self, input_shape):
            self.kernel = self.add_weight(shape=(input_shape[-1], self.units), name="kernel")

        def call(self, inputs, states):
            h = ops.tanh(ops.matmul(inputs, self.kernel) + states[0])
            return h, [h]

        def get_config(self):
            return {**super().get_config(), "units": self.units}

    model = keras.Sequential([keras.Input((T, D)), keras.layers.RNN(PlainCell(H))])
    path = tmp_path / "plain.keras"
    model.save(path)
    with pytest.raises(TypeError, match="PlainCell"):
        keras.saving.load_model(path)
    loaded = keras.saving.load_model(path, custom_objects={"PlainCell": PlainCell})
    x = rng.normal(size=(N, T, D)).astype("float32")
    np.testing.assert_array_equal(np_(loaded(x)), np_(model(x)))


@pytest.mark.keras
def test_random_ops_inside_a_cell_break_jax_fit(rng: np.random.Generator) -> None:
    """07, going further: a random op inside a cell's ``call`` fails in ``fit`` on JAX (a leaked tracer);
    TensorFlow and PyTorch run it."""

    class NoisyCell(keras.layers.Layer):
        def __init__(self, units, **kwargs):
            super().__init__(**kwargs)
            self.units, self.state_size, self.output_size = units, units, units
            self.seed_generator = keras.random.SeedGenerator(1)

        def build(self, input_shape):
            self.kernel = self.add_weight(shape=(input_shape[-1], self.units), name="kernel")

        def call(self, inputs, states):
            h = ops.tanh(ops.matmul(inputs, self.kernel) + states[0])
            h = keras.random.dropout(h, 0.5, seed=self.seed_generator)  # a fresh mask at every step
            return h, [h]

    model = keras.Sequential([keras.Input((T, D)), keras.layers.RNN(NoisyCell(H))])
    model.compile(optimizer="sgd", loss="mse")
    x, y = rng.normal(size=(N, T, D)).astype("float32"), np.zeros((N, H), "float32")
    if BACKEND == "jax":
        import jax

        with pytest.raises(jax.errors.UnexpectedTracerError):
            model.fit(x, y, epochs=1, verbose=0)
    else:
        model.fit(x, y, epochs=1, verbose=0)


@pytest.mark.keras
def test_torch_lstm_loop_multiplies_every_step_input_before_the_loop() -> None:
    """07 §8: on a CPU, PyTorch's own LSTM loop (Keras' ``_fallback_lstm``) multiplies all steps' inputs by W_x in
    one product before the loop, and only h_{t-1} W_h inside it. Read from the installed source (any backend)."""
    spec = importlib.util.find_spec("keras.src.backend.torch.rnn")
    source = pathlib.Path(spec.origin).read_text()
    body = source[source.index("def _fallback_lstm("):]
    body = body[: body.index("\ndef ", 1)]
    product = body.index("x_proj = torch.matmul(inputs, kernel)")
    loop = body.index("for t in range(time_steps):")
    assert product < loop
    assert "z = x_proj[t] + torch.matmul(h, recurrent_kernel)" in body[loop:]


# ---- notebook 15: attention ----


@pytest.mark.keras
def test_15_attention_takes_query_value_key_and_does_not_scale_by_default() -> None:
    """15 section 2: keras.layers.Attention's inputs are [query, value, key]; its scores are q . k times 1."""
    r = np.random.default_rng(15)
    q, k, v = (r.standard_normal(s).astype("float32") for s in ((2, 3, 4), (2, 5, 4), (2, 5, 6)))
    layer = keras.layers.Attention()
    assert layer.use_scale is False and layer.score_mode == "dot"
    out, w = layer([q, v, k], return_attention_scores=True)
    scores = q @ k.transpose(0, 2, 1)  # scale 1, not 1/sqrt(4)
    e = np.exp(scores - scores.max(-1, keepdims=True))
    want = e / e.sum(-1, keepdims=True)
    np.testing.assert_allclose(_numpy(w), want, atol=1e-5)
    np.testing.assert_allclose(_numpy(out), want @ v, atol=1e-5)  # the mix is of the values (second input)
    _, w_swapped = layer([q, k, v[..., :4]], return_attention_scores=True)  # swapping value and key changes the weights
    assert np.abs(_numpy(w_swapped) - want).max() > 0.01
    _, w_two = layer([q, k], return_attention_scores=True)  # [query, value] alone: the key is the value
    np.testing.assert_allclose(_numpy(w_two), want, atol=1e-5)


@pytest.mark.keras
def test_15_additive_attention_has_no_projections_and_learns_its_scale_by_default() -> None:
    """15 section 2: AdditiveAttention scores w . tanh(q + k); use_scale=True (the default) makes w a learnt vector."""
    r = np.random.default_rng(16)
    q, k, v = (r.standard_normal(s).astype("float32") for s in ((2, 3, 4), (2, 5, 4), (2, 5, 6)))
    layer = keras.layers.AdditiveAttention()
    assert layer.use_scale is True
    _, w = layer([q, v, k], return_attention_scores=True)
    (scale,) = layer.get_weights()
    assert scale.shape == (4,)  # one weight per feature, and nothing else: no projection matrices
    scores = np.tanh(q[:, :, None, :] + k[:, None, :, :]) @ scale
    e = np.exp(scores - scores.max(-1, keepdims=True))
    np.testing.assert_allclose(_numpy(w), e / e.sum(-1, keepdims=True), atol=1e-5)


# --------------------------------------------------------------------------
# Notebooks 09, 10 and 11: how the loss and the metrics treat padding
# --------------------------------------------------------------------------


def _s2s_padded_batch() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """A batch of 4 sequences of 5 steps and 3 classes; the weights mark 12 real steps and 8 of padding."""
    x = np.random.default_rng(0).normal(size=(4, 5, 2)).astype("float32")  # x: (N, T, 2)
    y = np.random.default_rng(1).integers(0, 3, size=(4, 5))  # y: (N, T)
    w = np.zeros((4, 5), "float32")  # w: (N, T), 1 on real steps
    w[0, :] = 1
    w[1:, :2] = 1
    w[3, 2] = 1
    return x, y, w


def _s2s_per_step_model() -> keras.Model:
    """A softmax at every step, with no layer that creates or passes on a mask."""
    keras.utils.set_random_seed(0)
    inputs = keras.Input((5, 2))
    return keras.Model(inputs, keras.layers.Dense(3, activation="softmax")(inputs))


def _s2s_cross_entropy(model: keras.Model, x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """-log p(true class) at every step, and whether the argmax is right, both (N, T)."""
    p = keras.ops.convert_to_numpy(model(x))
    return -np.log(np.take_along_axis(p, y[..., None], axis=-1)[..., 0]), p.argmax(-1) == y


@pytest.mark.keras
def test_09_sample_weight_without_a_mask_divides_by_every_step_padding_included() -> None:
    """09: with sample_weight and no propagated mask, the default loss is sum(w * loss) / (N * T)."""
    x, y, w = _s2s_padded_batch()
    model = _s2s_per_step_model()
    nll, _ = _s2s_cross_entropy(model, x, y)
    model.compile(loss="sparse_categorical_crossentropy")
    loss = model.evaluate(x, y, sample_weight=w, batch_size=4, verbose=0)
    assert np.isclose(loss, (w * nll).sum() / w.size, rtol=1e-5)  # N * T = 20 in the denominator
    assert not np.isclose(loss, (w * nll).sum() / w.sum(), rtol=1e-2)  # not the mean over the 12 real steps


@pytest.mark.keras
def test_09_mean_with_sample_weight_divides_by_the_weights() -> None:
    """09: reduction="mean_with_sample_weight" gives the mean loss over the real steps."""
    x, y, w = _s2s_padded_batch()
    model = _s2s_per_step_model()
    nll, _ = _s2s_cross_entropy(model, x, y)
    model.compile(loss=keras.losses.SparseCategoricalCrossentropy(reduction="mean_with_sample_weight"))
    loss = model.evaluate(x, y, sample_weight=w, batch_size=4, verbose=0)
    assert np.isclose(loss, (w * nll).sum() / w.sum(), rtol=1e-5)


@pytest.mark.keras
def test_09_11_metrics_ignore_sample_weight_and_weighted_metrics_use_it() -> None:
    """09 and 11: `metrics=` counts every step (padding too); `weighted_metrics=` weights each step by sample_weight."""
    x, y, w = _s2s_padded_batch()
    model = _s2s_per_step_model()
    _, right = _s2s_cross_entropy(model, x, y)
    model.compile(loss="sparse_categorical_crossentropy", metrics=["accuracy"], weighted_metrics=["accuracy"])
    scores = model.evaluate(x, y, sample_weight=w, batch_size=4, verbose=0, return_dict=True)
    assert np.isclose(scores["accuracy"], right.mean(), atol=1e-6)  # all 20 steps
    assert np.isclose(scores["weighted_accuracy"], right[w > 0].mean(), atol=1e-6)  # the 12 real steps
    assert not np.isclose(right.mean(), right[w > 0].mean())  # the batch is built so that the two differ


@pytest.mark.keras
def test_10_a_propagated_mask_makes_loss_and_every_metric_ignore_padding() -> None:
    """10: with Embedding(mask_zero=True) the mask reaches the output; the loss is the mean over real tokens
    with or without sample_weight, and even plain `metrics=` are masked."""
    keras.utils.set_random_seed(0)
    tokens = keras.Input((5,), dtype="int32")
    h = keras.layers.GRU(4, return_sequences=True)(keras.layers.Embedding(6, 3, mask_zero=True)(tokens))
    model = keras.Model(tokens, keras.layers.Dense(3, activation="softmax")(h))
    ids = np.random.default_rng(2).integers(1, 6, size=(4, 5)).astype("int32")
    ids[1:, 3:] = 0  # padding at the end of rows 1-3
    real = ids != 0
    y = np.random.default_rng(1).integers(0, 3, size=(4, 5))
    nll, right = _s2s_cross_entropy(model, ids, y)
    model.compile(loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    plain = model.evaluate(ids, y, batch_size=4, verbose=0, return_dict=True)
    weighted = model.evaluate(ids, y, sample_weight=real.astype("float32"), batch_size=4, verbose=0, return_dict=True)
    for scores in (plain, weighted):
        assert np.isclose(scores["loss"], nll[real].mean(), rtol=1e-5)
        assert np.isclose(scores["accuracy"], right[real].mean(), atol=1e-6)


# --------------------------------------------------------------------------
# Notebook 11 (and 04): clipnorm clips each variable, global_clipnorm all of them together
# --------------------------------------------------------------------------


@pytest.mark.keras
@pytest.mark.parametrize(
    "clip, expected",
    [
        # gradients (3, 4) and (12,): norms 5 and 12, global norm 13
        ({"clipnorm": 1.0}, ([-0.6, -0.8], [-1.0])),  # each variable's gradient scaled to norm 1 on its own
        ({"global_clipnorm": 1.0}, ([-3 / 13, -4 / 13], [-12 / 13])),  # both scaled by 1/13: directions kept
    ],
)
@pytest.mark.keras
def test_11_clipnorm_is_per_variable_and_global_clipnorm_is_global(clip: dict, expected: tuple) -> None:
    a, b = keras.Variable(np.zeros(2, "float32")), keras.Variable(np.zeros(1, "float32"))
    optimizer = keras.optimizers.SGD(learning_rate=1.0, **clip)
    grads = [keras.ops.convert_to_tensor(np.array(g, "float32")) for g in ([3.0, 4.0], [12.0])]
    optimizer.apply_gradients(zip(grads, [a, b], strict=True))
    np.testing.assert_allclose(keras.ops.convert_to_numpy(a), expected[0], rtol=1e-6)
    np.testing.assert_allclose(keras.ops.convert_to_numpy(b), expected[1], rtol=1e-6)
