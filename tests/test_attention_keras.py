"""rnnkit.attention_keras: bucketed batches, the two encoder-decoders, their inference models and greedy decoding."""

from __future__ import annotations

import numpy as np
import pytest

keras = pytest.importorskip("keras")

from rnnkit import attention as att  # noqa: E402
from rnnkit import attention_keras as ak  # noqa: E402
from rnnkit import seq2seq as s2s  # noqa: E402

pytestmark = pytest.mark.keras

V_SRC, V_TGT, UNITS, EMBED = 14, 12, 8, 5
START, END = 2, 3


def _pairs(seed: int = 0, n: int = 37, t_in: int = 6, t_out: int = 30) -> tuple[np.ndarray, np.ndarray]:
    """Source ids (n, t_in) and targets (n, t_out) of random lengths, END after the last character, 0 after it."""
    r = np.random.default_rng(seed)
    x = np.zeros((n, t_in), np.int32)
    y = np.zeros((n, t_out), np.int32)
    for i in range(n):
        a, b = r.integers(1, t_in + 1), r.integers(1, t_out)
        x[i, :a] = r.integers(4, V_SRC, size=a)
        y[i, :b] = r.integers(4, V_TGT, size=b)
        y[i, b] = END
    return x, y


def _np(a) -> np.ndarray:
    return np.asarray(keras.ops.convert_to_numpy(a))


# ---- batches of similar length ----


def test_batches_cover_every_pair_once_and_are_cut_to_their_length() -> None:
    x, y = _pairs()
    data = ak.TeacherForcingBatches(x, y, 8, start_id=START, shuffle_seed=1, round_to=4)
    seen = []
    for i in range(len(data)):
        (src, dec), tgt, w = data[i]
        idx = data.batches[i]
        seen += idx.tolist()
        T = tgt.shape[1]
        assert T % 4 == 0 or T == y.shape[1]
        longest = (y[idx] != 0).sum(axis=1).max()
        assert longest <= T < longest + 4  # cut to the batch's longest target, rounded up
        np.testing.assert_array_equal(src, x[idx])
        np.testing.assert_array_equal(tgt, y[idx, :T])
        np.testing.assert_array_equal(dec, s2s.shift_right(tgt, START))
        np.testing.assert_array_equal(w, (tgt != 0).astype("float32"))
        assert w.dtype == np.float32 and dec.dtype == tgt.dtype
    assert sorted(seen) == list(range(len(x)))


def test_bucketing_removes_most_of_the_padding() -> None:
    x, y = _pairs(n=200, t_out=60)
    data = ak.TeacherForcingBatches(x, y, 10, start_id=START, shuffle_seed=0, round_to=1)
    cells = sum(data[i][1].size for i in range(len(data)))
    real = int((y != 0).sum())
    assert cells < 1.2 * real < 0.7 * y.size  # padded to the max, over 40% would be padding


def test_batches_are_shuffled_reproducibly_and_redrawn_each_epoch() -> None:
    x, y = _pairs()
    a = ak.TeacherForcingBatches(x, y, 8, start_id=START, shuffle_seed=3)
    b = ak.TeacherForcingBatches(x, y, 8, start_id=START, shuffle_seed=3)
    assert all(np.array_equal(p, q) for p, q in zip(a.batches, b.batches))
    before = [p.copy() for p in a.batches]
    a.on_epoch_end()
    assert not all(np.array_equal(p, q) for p, q in zip(before, a.batches))
    fixed = ak.TeacherForcingBatches(x, y, 8, start_id=START)  # no seed: the same batches every epoch
    before = [p.copy() for p in fixed.batches]
    fixed.on_epoch_end()
    assert all(np.array_equal(p, q) for p, q in zip(before, fixed.batches))


def test_the_first_two_batches_show_what_varies() -> None:
    """Keras' TensorFlow adapter reads the shapes of batches 0 and 1 only: they must differ in size and in length."""
    x, y = _pairs(n=37)
    for seed in (None, 0, 1, 2):
        data = ak.TeacherForcingBatches(x, y, 8, start_id=START, shuffle_seed=seed, round_to=4)
        (_, _), t0, _ = data[0]
        (_, _), t1, _ = data[1]
        assert len(t0) == 37 % 8 and len(t1) == 8
        assert t0.shape[1] != t1.shape[1]


def test_bad_batches_raise_clear_errors() -> None:
    x, y = _pairs()
    with pytest.raises(ValueError, match="x must be a 2-D array of integer ids"):
        ak.TeacherForcingBatches(x[0], y, 8, start_id=START)
    with pytest.raises(ValueError, match="the same number of pairs"):
        ak.TeacherForcingBatches(x[:3], y, 8, start_id=START)
    with pytest.raises(ValueError, match="batch_size must be a positive int"):
        ak.TeacherForcingBatches(x, y, 0, start_id=START)
    with pytest.raises(ValueError, match="y must be a 2-D array of integer ids"):
        ak.TeacherForcingBatches(x, y.astype("float32"), 8, start_id=START)


# ---- the models ----


def _gru(D: int, H: int) -> int:
    return 3 * (D * H + H * H + 2 * H)


@pytest.mark.parametrize("attention", ak.ATTENTION_KINDS)
def test_parameter_counts(attention: str | None) -> None:
    model = ak.build_seq2seq(V_SRC, V_TGT, units=UNITS, embed_dim=EMBED, attention=attention)
    combine_in = UNITS if attention is None else 2 * UNITS
    expected = (V_SRC * EMBED + _gru(EMBED, UNITS) + V_TGT * EMBED + _gru(EMBED, UNITS)
                + combine_in * UNITS + UNITS + UNITS * V_TGT + V_TGT + (UNITS if attention == "additive" else 0))
    assert model.count_params() == expected
    assert model.name == ("encoder_decoder" if attention is None else "attention_encoder_decoder")


def test_bad_model_arguments_raise_clear_errors() -> None:
    with pytest.raises(ValueError, match="attention must be one of"):
        ak.build_seq2seq(V_SRC, V_TGT, attention="bahdanau")
    with pytest.raises(ValueError, match="units must be a positive int"):
        ak.build_seq2seq(V_SRC, V_TGT, units=0)
    with pytest.raises(ValueError, match="built by build_seq2seq"):
        ak.inference_models(keras.Sequential([keras.Input((3,)), keras.layers.Dense(2)]))


def _model(attention: str | None, seed: int = 0) -> keras.Model:
    keras.utils.set_random_seed(seed)
    return ak.build_seq2seq(V_SRC, V_TGT, units=UNITS, embed_dim=EMBED, attention=attention)


@pytest.mark.parametrize("attention", ["dot", "additive"])
def test_padding_of_the_source_changes_nothing(attention: str) -> None:
    x, y = _pairs(1, n=5, t_in=6)
    dec = s2s.shift_right(y, START)
    model = _model(attention)
    wider = np.concatenate([x, np.zeros((len(x), 4), x.dtype)], axis=1)  # four more padded steps
    np.testing.assert_allclose(_np(model([wider, dec])), _np(model([x, dec])), atol=1e-6)


@pytest.mark.parametrize("attention", ak.ATTENTION_KINDS)
def test_the_one_step_decoder_reproduces_the_training_model(attention: str | None) -> None:
    """Feeding the true previous tokens one at a time gives the teacher-forced probabilities."""
    x, y = _pairs(2, n=4, t_out=9)
    dec = s2s.shift_right(y, START)
    model = _model(attention)
    want = _np(model([x, dec]))  # (N, T, V)
    encoder, decoder = ak.inference_models(model)
    if attention is None:
        h = _np(encoder(x))
        for t in range(dec.shape[1]):
            probs, h = (_np(a) for a in decoder([dec[:, t : t + 1], h]))
            np.testing.assert_allclose(probs[:, 0], want[:, t], atol=1e-5)
    else:
        memory, h = (_np(a) for a in encoder(x))
        mask = x != 0
        for t in range(dec.shape[1]):
            probs, h, w = (_np(a) for a in decoder([dec[:, t : t + 1], memory, mask, h]))
            np.testing.assert_allclose(probs[:, 0], want[:, t], atol=1e-5)
            assert np.all(w[:, 0][~mask] == 0.0)
            np.testing.assert_allclose(w.sum(-1), 1.0, atol=1e-5)


def test_the_dot_attention_of_the_model_is_rnnkit_dot_product_attention_with_scale_1() -> None:
    x, y = _pairs(3, n=4, t_out=7)
    dec = s2s.shift_right(y, START)
    model = _model("dot")
    encoder, decoder = ak.inference_models(model)
    memory, h = (_np(a) for a in encoder(x))
    state, _ = model.get_layer("dec_gru")(model.get_layer("dec_embed")(dec[:, :1]), initial_state=h)
    _, _, w = (_np(a) for a in decoder([dec[:, :1], memory, x != 0, h]))
    _, want = att.dot_product_attention(_np(state), memory, memory, x != 0, scale=1.0)
    np.testing.assert_allclose(w, want, atol=1e-5)


@pytest.mark.parametrize("attention", ak.ATTENTION_KINDS)
def test_a_keras_file_round_trip_gives_identical_outputs(attention: str | None, tmp_path) -> None:
    x, y = _pairs(4, n=6)
    dec = s2s.shift_right(y, START)
    model = _model(attention)
    model.compile("adam", "sparse_categorical_crossentropy")
    model.fit([x, dec], y, epochs=1, verbose=0)
    path = tmp_path / "model.keras"
    model.save(path)
    loaded = keras.saving.load_model(path)
    np.testing.assert_array_equal(_np(loaded([x, dec])), _np(model([x, dec])))
    args = dict(start_id=START, end_id=END, max_len=12)
    if attention is None:
        a = s2s.greedy_decode(*ak.inference_models(model), x, **args)
        b = s2s.greedy_decode(*ak.inference_models(loaded), x, **args)
        np.testing.assert_array_equal(a, b)
    else:
        (a, wa), (b, wb) = (ak.greedy_decode_attention(*ak.inference_models(m), x, **args) for m in (model, loaded))
        np.testing.assert_array_equal(a, b)
        np.testing.assert_array_equal(wa, wb)


# ---- greedy decoding with attention ----


def _greedy_by_hand(encoder, decoder, x, max_len):
    memory, h = (_np(a) for a in encoder(x))
    ids, ws = [], []
    for i in range(len(x)):  # one row at a time, the plainest possible loop
        token, hi, row, wrow = np.array([[START]], np.int32), h[i : i + 1], [], []
        for _ in range(max_len):
            probs, hi, w = (_np(a) for a in decoder([token, memory[i : i + 1], x[i : i + 1] != 0, hi]))
            token = probs[:, 0].argmax(-1)[:, None].astype(np.int32)
            row.append(int(token[0, 0]))
            wrow.append(w[0, 0])
            if row[-1] == END:
                break
        ids.append(row + [0] * (max_len - len(row)))
        ws.append(np.array(wrow + [np.zeros(x.shape[1])] * (max_len - len(wrow))))
    return np.array(ids), np.array(ws)


def test_greedy_decode_attention_equals_the_plain_loop_and_stops() -> None:
    x, _ = _pairs(5, n=5)
    model = _model("dot", seed=3)
    encoder, decoder = ak.inference_models(model)
    ids, weights = ak.greedy_decode_attention(encoder, decoder, x, start_id=START, end_id=END, max_len=10)
    want_ids, want_w = _greedy_by_hand(encoder, decoder, x, 10)
    assert ids.shape == (5, 10) and ids.dtype == np.int32 and weights.shape == (5, 10, x.shape[1])
    np.testing.assert_array_equal(ids, want_ids)
    np.testing.assert_allclose(weights, want_w, atol=1e-6)
    for row, w in zip(ids, weights):
        ends = np.flatnonzero(row == END)
        if len(ends):
            assert np.all(row[ends[0] + 1 :] == 0) and np.all(w[ends[0] + 1 :] == 0)


def test_greedy_decode_attention_rejects_a_plain_encoder() -> None:
    x, _ = _pairs(6, n=3)
    encoder, decoder = ak.inference_models(_model(None))
    with pytest.raises(ValueError, match=r"the encoder must return two arrays, \[memory"):
        ak.greedy_decode_attention(encoder, decoder, x, start_id=START, end_id=END, max_len=5)
