"""Truncated BPTT: exact forward pass across chunks, equal to full BPTT for one chunk, state that matters.

Runs on the current KERAS_BACKEND; tests/test_backends.py reruns it on the others.
"""

from __future__ import annotations

import numpy as np
import pytest

keras = pytest.importorskip("keras")

from rnnkit import tbptt  # noqa: E402

pytestmark = pytest.mark.keras

V, UNITS = 7, 8


def _lm(seed: int = 0, rnn: str = "lstm") -> keras.Model:
    keras.utils.set_random_seed(seed)
    return tbptt.build_lm(V, units=UNITS, num_layers=2, rnn=rnn, embedding_dim=5)


def _full_model(lm: keras.Model) -> keras.Model:
    """The same network as an ordinary Keras model: no state inputs, trained by Keras itself."""
    recurrent = [layer for layer in lm.layers if isinstance(layer, keras.layers.RNN)]
    model = keras.Sequential(
        [keras.Input((None,), dtype="int32"), keras.layers.Embedding(V, 5)]
        + [type(r)(UNITS, return_sequences=True) for r in recurrent]
        + [keras.layers.Dense(V)]
    )
    model.set_weights(lm.get_weights())
    return model


@pytest.mark.parametrize("rnn", ["lstm", "gru"])
def test_one_chunk_gives_the_gradients_of_full_bptt(rnn: str) -> None:
    rng = np.random.default_rng(0)
    x = rng.integers(0, V, size=(3, 12)).astype("int32")
    y = rng.integers(0, V, size=(3, 12)).astype("int32")
    lm = _lm(rnn=rnn)
    trainer = tbptt.TBPTTTrainer(lm, keras.optimizers.SGD(1.0))
    loss, grads, _ = trainer.gradients(x, y, tbptt.zero_states(lm, 3))

    full = _full_model(lm)  # full BPTT by Keras' own training step: one SGD step of rate 1 moves w by -grad
    full.compile(optimizer=keras.optimizers.SGD(1.0), loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True))
    before = [w.copy() for w in full.get_weights()]
    full_loss = full.train_on_batch(x, y)
    full_grads = [b - a for b, a in zip(before, full.get_weights())]

    assert loss == pytest.approx(float(np.asarray(full_loss).ravel()[0]), abs=1e-5)
    assert len(grads) == len(full_grads)
    for g, f in zip(grads, full_grads):
        np.testing.assert_allclose(g, f, atol=1e-5)


def test_carried_state_makes_the_chunked_forward_pass_exact_but_the_gradient_truncated() -> None:
    rng = np.random.default_rng(1)
    ids = rng.integers(0, V, size=2 * 24 + 1)
    lm = _lm()
    whole = tbptt.evaluate_tbptt(lm, ids, batch_size=2, seq_len=24)
    chunked = tbptt.evaluate_tbptt(lm, ids, batch_size=2, seq_len=6)
    reset = tbptt.evaluate_tbptt(lm, ids, batch_size=2, seq_len=6, carry_state=False)
    assert chunked == pytest.approx(whole, abs=1e-5)
    assert abs(reset - whole) > 1e-4

    trainer = tbptt.TBPTTTrainer(lm, keras.optimizers.SGD(1.0))
    x, y = ids[:-1].reshape(2, 24), ids[1:].reshape(2, 24)
    _, full, _ = trainer.gradients(x, y, tbptt.zero_states(lm, 2))
    states, pieces = tbptt.zero_states(lm, 2), []
    for k in range(4):
        _, g, states = trainer.gradients(x[:, 6 * k : 6 * k + 6], y[:, 6 * k : 6 * k + 6], states)
        pieces.append(g)
    summed = [sum(p[i] for p in pieces) / 4 for i in range(len(full))]
    recurrent_kernel = 2  # embedding, then the first LSTM's kernel, recurrent kernel, ...
    assert not np.allclose(summed[recurrent_kernel], full[recurrent_kernel], atol=1e-6)


def _echo_stream(rng: np.random.Generator, n: int, period: int = 2, repeats: int = 8) -> np.ndarray:
    """Segments of a random pattern of ``period`` tokens repeated: the next token is the one ``period`` back."""
    blocks = [np.tile(rng.integers(0, V, size=period), repeats) for _ in range(n // (period * repeats) + 1)]
    return np.concatenate(blocks)[:n]


def _border_accuracy(lm: keras.Model, ids: np.ndarray, batch: int, seq_len: int, carry: bool, period: int = 2) -> float:
    from rnnkit.data import stream_batches

    hits, total = 0, 0
    states = tbptt.zero_states(lm, batch)
    for x, y in stream_batches(ids, batch, seq_len):
        logits, *new = lm.predict_on_batch([x.astype("int32"), *states])
        pred = np.asarray(logits).argmax(-1)
        border = slice(0, period - 1)  # these predictions need tokens from the previous chunk
        hits += int((pred[:, border] == y[:, border]).sum())
        total += y[:, border].size
        states = [np.asarray(s) for s in new] if carry else tbptt.zero_states(lm, batch)
    return hits / total


def test_state_carried_across_chunks_is_needed_to_learn_what_crosses_a_border() -> None:
    rng = np.random.default_rng(2)
    batch, seq_len = 16, 5
    train, test = _echo_stream(rng, batch * seq_len * 60 + 1), _echo_stream(rng, batch * seq_len * 20 + 1)
    results = {}
    for carry in (True, False):
        keras.utils.set_random_seed(3)
        lm = tbptt.build_lm(V, units=32, num_layers=1, rnn="lstm", embedding_dim=8)
        history = tbptt.fit_tbptt(lm, train, batch_size=batch, seq_len=seq_len, epochs=2, carry_state=carry,
                                  optimizer=keras.optimizers.Adam(0.03), verbose=0)
        assert len(history.history["loss"]) == 2
        results[carry] = _border_accuracy(lm, test, batch, seq_len, carry)
    # The first token of a chunk echoes the last token of the previous chunk. About 1 in 8 border
    # predictions falls on a new segment and is unpredictable for anyone; chance is 1/7.
    assert results[True] > 0.7, results
    assert results[False] < 0.4, results


def test_history_validation_and_errors() -> None:
    rng = np.random.default_rng(4)
    lm = _lm()
    ids = rng.integers(0, V, size=4 * 10 * 3 + 1)
    history = tbptt.fit_tbptt(lm, ids, batch_size=4, seq_len=10, epochs=2, validation_ids=ids, verbose=0)
    assert set(history.history) == {"loss", "val_loss"}
    assert all(np.isfinite(v).all() for v in history.history.values())
    with pytest.raises(ValueError, match="too few for one chunk"):
        tbptt.fit_tbptt(lm, ids[:20], batch_size=4, seq_len=10)
    with pytest.raises(ValueError, match="seq_len must be a positive int; got 0"):
        tbptt.fit_tbptt(lm, ids, batch_size=4, seq_len=0)
    with pytest.raises(ValueError, match="rnn must be one of"):
        tbptt.build_lm(V, rnn="transformer")
    with pytest.raises(ValueError, match=r"\[tokens, \*states\] to \[logits, \*states\]"):
        tbptt.TBPTTTrainer(keras.Sequential([keras.Input((3,)), keras.layers.Dense(2)]))


@pytest.mark.parametrize("batch", [1, 3])
def test_token_losses_are_the_per_token_parts_of_the_mean(batch: int) -> None:
    rng = np.random.default_rng(5)
    ids = rng.integers(0, V, size=61)
    lm = _lm()
    losses, positions = tbptt.token_losses(lm, ids, batch_size=batch, seq_len=4)
    assert losses.shape == positions.shape and np.all(losses > 0)
    assert losses.mean() == pytest.approx(tbptt.evaluate_tbptt(lm, ids, batch_size=batch, seq_len=4))
    R = 60 // batch
    assert np.array_equal(positions, (np.arange(batch)[:, None] * R + np.arange(R // 4 * 4) + 1).ravel())
    # each loss is -ln p of the token at its position, given everything before it in its row
    r0 = positions[0] - 1  # the first row starts at token 0
    x = ids[r0 : r0 + 8][None, :].astype("int32")
    logits = np.asarray(lm.predict_on_batch([x, *tbptt.zero_states(lm, 1)])[0], dtype=np.float64)[0]
    logp = logits - logits.max(-1, keepdims=True)
    logp -= np.log(np.exp(logp).sum(-1, keepdims=True))
    np.testing.assert_allclose(losses[:8], -logp[np.arange(8), ids[1:9]], rtol=1e-4)


def test_validation_batch_size_lays_the_validation_stream_out_in_its_own_rows() -> None:
    rng = np.random.default_rng(6)
    train, val = rng.integers(0, V, size=4 * 5 * 6 + 1), rng.integers(0, V, size=2 * 5 * 6 + 1)
    lm = _lm()
    history = tbptt.fit_tbptt(lm, train, batch_size=4, seq_len=5, validation_ids=val, validation_batch_size=1, verbose=0)
    assert history.history["val_loss"][0] == pytest.approx(tbptt.evaluate_tbptt(lm, val, batch_size=1, seq_len=5), abs=1e-6)
    assert history.history["val_loss"][0] != pytest.approx(tbptt.evaluate_tbptt(lm, val, batch_size=4, seq_len=5), abs=1e-6)
    with pytest.raises(ValueError, match="validation_batch_size must be a positive int"):
        tbptt.fit_tbptt(lm, train, batch_size=4, seq_len=5, validation_ids=val, validation_batch_size=0)
