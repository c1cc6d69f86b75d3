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
