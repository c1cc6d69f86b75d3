"""rnnkit.attention: the numpy attention of notebook 15, against its definition and against Keras' layers."""

from __future__ import annotations

import numpy as np
import pytest

from rnnkit import attention as att

N, TQ, TK, D, DV, A = 3, 4, 6, 5, 7, 8


def _qkv(seed: int = 0, dtype: str = "float64") -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    r = np.random.default_rng(seed)
    return (r.standard_normal((N, TQ, D)).astype(dtype), r.standard_normal((N, TK, D)).astype(dtype),
            r.standard_normal((N, TK, DV)).astype(dtype))


def _padding_mask(lengths=(6, 3, 1)) -> np.ndarray:
    return np.arange(TK)[None, :] < np.array(lengths)[:, None]  # (N, TK): True on the first `length` keys


def _additive_weights(seed: int = 1, dq: int = D, dk: int = D) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    r = np.random.default_rng(seed)
    return r.standard_normal((dq, A)) * 0.5, r.standard_normal((dk, A)) * 0.5, r.standard_normal(A)


# ---- the definition, written the slow way ----


def _softmax_row(z: np.ndarray) -> np.ndarray:
    e = np.exp(z - z.max())
    return e / e.sum()


def test_dot_product_attention_is_the_loop_over_queries_and_keys() -> None:
    q, k, v = _qkv()
    context, weights = att.dot_product_attention(q, k, v)
    for n in range(N):
        for i in range(TQ):
            scores = np.array([q[n, i] @ k[n, j] / np.sqrt(D) for j in range(TK)])
            w = _softmax_row(scores)
            np.testing.assert_allclose(weights[n, i], w, rtol=1e-12)
            np.testing.assert_allclose(context[n, i], sum(w[j] * v[n, j] for j in range(TK)), rtol=1e-12)


def test_additive_attention_is_the_loop_over_queries_and_keys() -> None:
    q, k, v = _qkv()
    Wq, Wk, w = _additive_weights()
    context, weights = att.additive_attention(q, k, v, Wq, Wk, w)
    for n in range(N):
        for i in range(TQ):
            scores = np.array([w @ np.tanh(q[n, i] @ Wq + k[n, j] @ Wk) for j in range(TK)])
            np.testing.assert_allclose(weights[n, i], _softmax_row(scores), rtol=1e-12)
    np.testing.assert_allclose(context, weights @ v, rtol=1e-12)


def test_scale_none_is_one_over_sqrt_d_and_scale_is_used() -> None:
    q, k, v = _qkv()
    c_default, w_default = att.dot_product_attention(q, k, v)
    c_scaled, w_scaled = att.dot_product_attention(q, k, v, scale=1 / np.sqrt(D))
    np.testing.assert_array_equal(w_default, w_scaled)
    _, w_one = att.dot_product_attention(q, k, v, scale=1.0)
    np.testing.assert_allclose(w_one, att.masked_softmax(q @ k.transpose(0, 2, 1)), rtol=1e-12)
    assert not np.allclose(w_one, w_default)


# ---- what a mask must do ----


@pytest.mark.parametrize("kind", ["dot", "additive"])
def test_masked_weights_are_exactly_zero_and_rows_sum_to_one(kind: str) -> None:
    q, k, v = _qkv(2)
    mask = _padding_mask()
    if kind == "dot":
        context, weights = att.dot_product_attention(q, k, v, mask)
    else:
        context, weights = att.additive_attention(q, k, v, *_additive_weights(), mask=mask)
    assert weights.shape == (N, TQ, TK) and context.shape == (N, TQ, DV)
    assert np.all(weights[~np.broadcast_to(mask[:, None, :], weights.shape)] == 0.0)  # exactly 0, not 1e-9
    np.testing.assert_allclose(weights.sum(axis=-1), 1.0, rtol=0, atol=1e-12)
    assert np.all(weights[np.broadcast_to(mask[:, None, :], weights.shape)] > 0)
    # masked keys do not change the context: any values there give the same result
    v2 = v.copy()
    v2[~mask] = 1e6
    context2 = (att.dot_product_attention(q, k, v2, mask) if kind == "dot"
                else att.additive_attention(q, k, v2, *_additive_weights(), mask=mask))[0]
    np.testing.assert_allclose(context2, context, rtol=1e-12)


def test_masked_attention_equals_attention_on_the_unpadded_keys() -> None:
    q, k, v = _qkv(3)
    lengths = (6, 3, 1)
    context, weights = att.dot_product_attention(q, k, v, _padding_mask(lengths))
    for n, L in enumerate(lengths):
        c_n, w_n = att.dot_product_attention(q[n : n + 1], k[n : n + 1, :L], v[n : n + 1, :L])
        np.testing.assert_allclose(context[n], c_n[0], rtol=1e-12)
        np.testing.assert_allclose(weights[n, :, :L], w_n[0], rtol=1e-12)


def test_a_mask_per_query_and_the_causal_mask() -> None:
    r = np.random.default_rng(4)
    x = r.standard_normal((N, TK, D))
    causal = att.causal_mask(TK)
    assert causal.shape == (1, TK, TK) and causal.dtype == bool
    np.testing.assert_array_equal(causal[0], np.tril(np.ones((TK, TK), bool)))
    context, weights = att.dot_product_attention(x, x, x, causal)
    assert np.all(np.triu(weights, k=1) == 0.0)  # no query sees a later key
    np.testing.assert_allclose(weights[:, 0, 0], 1.0)  # the first step can only see itself
    for i in range(TK):  # step i is attention over the first i + 1 steps only
        c_i, _ = att.dot_product_attention(x[:, i : i + 1], x[:, : i + 1], x[:, : i + 1])
        np.testing.assert_allclose(context[:, i], c_i[:, 0], rtol=1e-12)
    full = np.broadcast_to(causal, (N, TK, TK))
    np.testing.assert_array_equal(att.dot_product_attention(x, x, x, full)[1], weights)


def test_masks_of_zeros_and_ones_work_like_booleans() -> None:
    q, k, v = _qkv(5)
    mask = _padding_mask()
    np.testing.assert_array_equal(att.dot_product_attention(q, k, v, mask.astype(int))[1],
                                  att.dot_product_attention(q, k, v, mask)[1])


def test_large_scores_do_not_overflow() -> None:
    scores = np.array([[[1000.0, 999.0, -1000.0]]])
    w = att.masked_softmax(scores, np.array([[True, True, False]]))
    assert np.all(np.isfinite(w))
    np.testing.assert_allclose(w[0, 0], [1 / (1 + np.exp(-1)), np.exp(-1) / (1 + np.exp(-1)), 0.0], rtol=1e-12)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_the_dtype_is_kept(dtype: str) -> None:
    q, k, v = _qkv(6, dtype)
    for context, weights in (att.dot_product_attention(q, k, v, _padding_mask()),
                             att.additive_attention(q, k, v, *(a.astype(dtype) for a in _additive_weights()))):
        assert context.dtype == weights.dtype == np.dtype(dtype)


def test_inputs_are_not_changed() -> None:
    q, k, v = _qkv(7)
    scores = q @ k.transpose(0, 2, 1)
    copies = [a.copy() for a in (q, k, v, scores)]
    att.dot_product_attention(q, k, v, _padding_mask())
    att.masked_softmax(scores, _padding_mask())
    for a, b in zip((q, k, v, scores), copies):
        np.testing.assert_array_equal(a, b)


# ---- clear errors ----


@pytest.mark.parametrize(
    "call, match",
    [
        (lambda q, k, v: att.dot_product_attention(q[0], k, v), r"q must have shape \(N, Tq, d\); received shape \(4, 5\)"),
        (lambda q, k, v: att.dot_product_attention(q, k[:, :, :2], v), r"k must have shape \(N, Tk, d\) with N = 3 and d = 5"),
        (lambda q, k, v: att.dot_product_attention(q, k[:2], v), r"received shape \(2, 6, 5\)"),
        (lambda q, k, v: att.dot_product_attention(q, k, v[:, :4]), r"v must have shape \(N, Tk, dv\) = \(3, 6, dv\)"),
        (lambda q, k, v: att.dot_product_attention(q, k, v, np.ones((N, TQ), bool)),
         r"mask must have shape \(N, Tk\) = \(3, 6\).*received shape \(3, 4\)"),
        (lambda q, k, v: att.dot_product_attention(q, k, v, np.ones((TK,), bool)), r"received shape \(6,\)"),
        (lambda q, k, v: att.dot_product_attention(q, k, v, np.full((N, TK), 0.5)), r"mask must be boolean"),
        (lambda q, k, v: att.dot_product_attention(q, k, v, np.zeros((N, TK), bool)), r"query 0 of batch row 0 may attend to no key"),
        (lambda q, k, v: att.masked_softmax(q[0]), r"scores must have shape \(N, Tq, Tk\); received shape \(4, 5\)"),
        (lambda q, k, v: att.additive_scores(q, k, np.ones((D + 1, A)), np.ones((D, A)), np.ones(A)),
         r"Wq must have shape \(dq, A\) with dq = 5"),
        (lambda q, k, v: att.additive_scores(q, k, np.ones((D, A)), np.ones((D, A + 1)), np.ones(A)),
         r"Wk must have shape \(dk, A\) = \(5, 8\)"),
        (lambda q, k, v: att.additive_scores(q, k, np.ones((D, A)), np.ones((D, A)), np.ones(A - 1)),
         r"w must have shape \(A,\) = \(8,\)"),
        (lambda q, k, v: att.additive_attention(q, k, v[:, :2], np.ones((D, A)), np.ones((D, A)), np.ones(A)),
         r"v must have shape \(N, Tk, dv\) = \(3, 6, dv\)"),
        (lambda q, k, v: att.causal_mask(0), r"T must be a positive int"),
        (lambda q, k, v: att.multi_head_attention(q, k, [np.ones(1)] * 7), r"the 8 arrays"),
    ],
)
def test_bad_inputs_raise_a_clear_value_error(call, match: str) -> None:
    q, k, v = _qkv()
    with pytest.raises(ValueError, match=match):
        call(q, k, v)


# ---- against Keras' built-in layers, float32, masks included ----


def _keras():
    return pytest.importorskip("keras")


def _np(x) -> np.ndarray:
    return np.asarray(_keras().ops.convert_to_numpy(x))


@pytest.mark.keras
@pytest.mark.parametrize("use_mask", [False, True])
def test_dot_product_attention_equals_keras_attention(use_mask: bool) -> None:
    keras = _keras()
    q, k, v = _qkv(8, "float32")
    mask = _padding_mask() if use_mask else None
    layer = keras.layers.Attention()  # no scale by default: scale = 1
    kmask = [None, mask] if use_mask else None
    out, w = layer([q, v, k], mask=kmask, return_attention_scores=True)  # Keras' order: [query, value, key]
    context, weights = att.dot_product_attention(q, k, v, mask, scale=1.0)
    np.testing.assert_allclose(_np(w), weights, atol=1e-5)
    np.testing.assert_allclose(_np(out), context, atol=1e-5)
    if use_mask:
        assert np.all(_np(w)[~np.broadcast_to(mask[:, None], weights.shape)] == 0.0)  # Keras' masked weights are 0 too
    # and with the learnt scalar of use_scale=True set to 1/sqrt(d), the default of rnnkit
    scaled = keras.layers.Attention(use_scale=True)
    scaled([q, v, k])
    scaled.set_weights([np.array(1 / np.sqrt(D), "float32")])
    out2, w2 = scaled([q, v, k], mask=kmask, return_attention_scores=True)
    context2, weights2 = att.dot_product_attention(q, k, v, mask)
    np.testing.assert_allclose(_np(w2), weights2, atol=1e-5)
    np.testing.assert_allclose(_np(out2), context2, atol=1e-5)


@pytest.mark.keras
@pytest.mark.parametrize("use_scale", [False, True])
def test_additive_attention_equals_keras_additive_attention(use_scale: bool) -> None:
    keras = _keras()
    q, k, v = _qkv(9, "float32")
    mask = _padding_mask()
    layer = keras.layers.AdditiveAttention(use_scale=use_scale)
    out, w = layer([q, v, k], mask=[None, mask], return_attention_scores=True)
    w_vec = layer.get_weights()[0] if use_scale else np.ones(D, "float32")  # Keras: a vector of size d, or none
    eye = np.eye(D, dtype="float32")  # Keras' layer has no projections
    context, weights = att.additive_attention(q, k, v, eye, eye, w_vec, mask)
    np.testing.assert_allclose(_np(w), weights, atol=1e-5)
    np.testing.assert_allclose(_np(out), context, atol=1e-5)


@pytest.mark.keras
def test_bahdanau_attention_is_keras_additive_attention_after_two_projections() -> None:
    keras = _keras()
    q, k, v = _qkv(10, "float32")
    mask = _padding_mask()
    Wq, Wk, w = (a.astype("float32") for a in _additive_weights(2))
    layer = keras.layers.AdditiveAttention()
    layer([q @ Wq, v, k @ Wk])  # builds its scale vector (A,)
    layer.set_weights([w])  # Bahdanau's read-out vector w
    out, weights_k = layer([q @ Wq, v, k @ Wk], mask=[None, mask], return_attention_scores=True)  # v is not projected
    context, weights = att.additive_attention(q, k, v, Wq, Wk, w, mask)
    np.testing.assert_allclose(_np(weights_k), weights, atol=1e-5)
    np.testing.assert_allclose(_np(out), context, atol=1e-5)


@pytest.mark.keras
@pytest.mark.parametrize("masking", ["none", "padding", "causal"])
def test_multi_head_attention_equals_keras_multi_head_attention(masking: str) -> None:
    keras = _keras()
    r = np.random.default_rng(11)
    x = r.standard_normal((N, TK, D)).astype("float32")
    mha = keras.layers.MultiHeadAttention(num_heads=2, key_dim=3, value_dim=4, output_shape=6)
    mask = {"none": None, "padding": _padding_mask(), "causal": att.causal_mask(TK)}[masking]
    if masking == "causal":
        out, scores = mha(x, x, use_causal_mask=True, return_attention_scores=True)
    elif masking == "padding":
        out, scores = mha(x, x, attention_mask=np.broadcast_to(mask[:, None, :], (N, TK, TK)), return_attention_scores=True)
    else:
        out, scores = mha(x, x, return_attention_scores=True)
    weights = mha.get_weights()
    assert [w.shape for w in weights] == [(D, 2, 3), (2, 3), (D, 2, 3), (2, 3), (D, 2, 4), (2, 4), (2, 4, 6), (6,)]
    output, heads = att.multi_head_attention(x, x, weights, mask=mask)
    assert output.shape == (N, TK, 6) and heads.shape == (N, 2, TK, TK)
    np.testing.assert_allclose(_np(scores), heads, atol=1e-5)
    np.testing.assert_allclose(_np(out), output, atol=1e-5)


@pytest.mark.keras
def test_keras_attention_causal_mask_equals_causal_mask() -> None:
    keras = _keras()
    x = np.random.default_rng(12).standard_normal((N, TK, D)).astype("float32")
    out, w = keras.layers.Attention()([x, x], use_causal_mask=True, return_attention_scores=True)
    context, weights = att.dot_product_attention(x, x, x, att.causal_mask(TK), scale=1.0)
    np.testing.assert_allclose(_np(w), weights, atol=1e-5)
    np.testing.assert_allclose(_np(out), context, atol=1e-5)


def test_attention_map_draws_one_column_per_output_character() -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from rnnkit import figures

    w = np.random.default_rng(0).random((6, 3))
    fig, ax = plt.subplots()
    image = figures.attention_map(ax, w, list("123"), list("on e"))
    assert image.get_array().shape == (3, 4)  # inputs down, the 4 written characters across (rows after them dropped)
    assert [t.get_text() for t in ax.get_xticklabels()] == ["o", "n", "␣", "e"]
    assert [t.get_text() for t in ax.get_yticklabels()] == ["1", "2", "3"]
    with pytest.raises(ValueError, match="one token per column"):
        figures.attention_map(ax, w, list("12"), list("one"))
    with pytest.raises(ValueError, match="between 1 and 6"):
        figures.attention_map(ax, w, list("123"), list("seventy"))
    with pytest.raises(ValueError, match="T_out, T_in"):
        figures.attention_map(ax, w[0], list("123"), list("o"))
    plt.close(fig)
