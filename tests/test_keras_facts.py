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
