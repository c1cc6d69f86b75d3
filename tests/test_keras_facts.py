"""What the installed Keras does, where the notebooks' text depends on it.

Each test pins one sentence of a notebook to the installed Keras (3.15), and
tests/test_backends.py reruns them on TensorFlow, JAX and PyTorch.
"""

from __future__ import annotations

import os

import numpy as np
import pytest

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
keras = pytest.importorskip("keras")

pytestmark = pytest.mark.keras  # tests/test_backends.py reruns these on every backend


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


def test_09_sample_weight_without_a_mask_divides_by_every_step_padding_included() -> None:
    """09: with sample_weight and no propagated mask, the default loss is sum(w * loss) / (N * T)."""
    x, y, w = _s2s_padded_batch()
    model = _s2s_per_step_model()
    nll, _ = _s2s_cross_entropy(model, x, y)
    model.compile(loss="sparse_categorical_crossentropy")
    loss = model.evaluate(x, y, sample_weight=w, batch_size=4, verbose=0)
    assert np.isclose(loss, (w * nll).sum() / w.size, rtol=1e-5)  # N * T = 20 in the denominator
    assert not np.isclose(loss, (w * nll).sum() / w.sum(), rtol=1e-2)  # not the mean over the 12 real steps


def test_09_mean_with_sample_weight_divides_by_the_weights() -> None:
    """09: reduction="mean_with_sample_weight" gives the mean loss over the real steps."""
    x, y, w = _s2s_padded_batch()
    model = _s2s_per_step_model()
    nll, _ = _s2s_cross_entropy(model, x, y)
    model.compile(loss=keras.losses.SparseCategoricalCrossentropy(reduction="mean_with_sample_weight"))
    loss = model.evaluate(x, y, sample_weight=w, batch_size=4, verbose=0)
    assert np.isclose(loss, (w * nll).sum() / w.sum(), rtol=1e-5)


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


@pytest.mark.parametrize(
    "clip, expected",
    [
        # gradients (3, 4) and (12,): norms 5 and 12, global norm 13
        ({"clipnorm": 1.0}, ([-0.6, -0.8], [-1.0])),  # each variable's gradient scaled to norm 1 on its own
        ({"global_clipnorm": 1.0}, ([-3 / 13, -4 / 13], [-12 / 13])),  # both scaled by 1/13: directions kept
    ],
)
def test_11_clipnorm_is_per_variable_and_global_clipnorm_is_global(clip: dict, expected: tuple) -> None:
    a, b = keras.Variable(np.zeros(2, "float32")), keras.Variable(np.zeros(1, "float32"))
    optimizer = keras.optimizers.SGD(learning_rate=1.0, **clip)
    grads = [keras.ops.convert_to_tensor(np.array(g, "float32")) for g in ([3.0, 4.0], [12.0])]
    optimizer.apply_gradients(zip(grads, [a, b], strict=True))
    np.testing.assert_allclose(keras.ops.convert_to_numpy(a), expected[0], rtol=1e-6)
    np.testing.assert_allclose(keras.ops.convert_to_numpy(b), expected[1], rtol=1e-6)
