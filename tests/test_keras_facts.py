"""What the notebooks say about Keras (and PyTorch), checked against the installed versions.

Notebooks 01-03 are numpy notebooks and never import Keras; each sentence they write about a
framework is backed by one test here, named after its notebook. Runs on whatever KERAS_BACKEND
is set; tests/test_backends.py reruns the ``keras``-marked tests on the other two backends.
"""

from __future__ import annotations

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
