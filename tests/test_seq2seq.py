"""Tests for rnnkit.seq2seq: pair generators, vocabularies, padding, greedy decoding and metrics."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys

import numpy as np
import pytest

from rnnkit import seq2seq as s2s


@pytest.fixture
def rng() -> np.random.Generator:
    return np.random.default_rng(0)


# --------------------------------------------------------------------------
# Pair generators
# --------------------------------------------------------------------------


def test_digit_pairs_put_two_images_side_by_side(rng: np.random.Generator) -> None:
    images = np.arange(10 * 2 * 3).reshape(10, 2, 3)  # image k is filled with distinct values
    labels = np.arange(10)[::-1]
    x, numbers = s2s.digit_pairs(images, labels, 50, rng)
    assert x.shape == (50, 2, 6) and x.dtype == np.float32 and numbers.shape == (50,)
    for xi, ni in zip(x, numbers):
        left = int(xi[0, 0]) // 6  # which image sits on the left, from its first pixel
        right = int(xi[0, 3]) // 6
        np.testing.assert_array_equal(xi[:, :3], images[left])
        np.testing.assert_array_equal(xi[:, 3:], images[right])
        assert ni == 10 * labels[left] + labels[right]


def test_digit_pairs_are_reproducible_and_reject_bad_input() -> None:
    images, labels = np.zeros((4, 8, 8)), np.array([1, 2, 3, 4])
    a = s2s.digit_pairs(images, labels, 5, np.random.default_rng(1))[1]
    b = s2s.digit_pairs(images, labels, 5, np.random.default_rng(1))[1]
    np.testing.assert_array_equal(a, b)
    with pytest.raises(ValueError, match=r"shape \(M, h, w\); received shape \(4, 64\)"):
        s2s.digit_pairs(images.reshape(4, 64), labels, 5, np.random.default_rng(1))
    with pytest.raises(ValueError, match=r"labels must have shape \(4,\)"):
        s2s.digit_pairs(images, labels[:3], 5, np.random.default_rng(1))
    with pytest.raises(ValueError, match="digits 0-9"):
        s2s.digit_pairs(images, labels * 3, 5, np.random.default_rng(1))
    with pytest.raises(ValueError, match="n must be an int >= 1; got 0"):
        s2s.digit_pairs(images, labels, 0, np.random.default_rng(1))
    with pytest.raises(ValueError, match="np.random.Generator"):
        s2s.digit_pairs(images, labels, 5, 0)


def test_mirrored_pairs_are_balanced_and_closed_under_swapping(rng: np.random.Generator) -> None:
    left, right = s2s.mirrored_pairs(7, 4, rng)
    assert left.shape == right.shape == (28,) and left.dtype == right.dtype == np.int64
    np.testing.assert_array_equal(np.bincount(left, minlength=7), np.full(7, 4))  # 4 times on the left
    np.testing.assert_array_equal(np.bincount(right, minlength=7), np.full(7, 4))  # and 4 times on the right
    assert sorted(zip(left.tolist(), right.tolist())) == sorted(zip(right.tolist(), left.tolist()))  # every mirror
    again = s2s.mirrored_pairs(7, 4, np.random.default_rng(0))
    np.testing.assert_array_equal(again[1], s2s.mirrored_pairs(7, 4, np.random.default_rng(0))[1])
    with pytest.raises(ValueError, match="per_side must be even.*got 3"):
        s2s.mirrored_pairs(7, 3, rng)
    with pytest.raises(ValueError, match="per_side must be an int >= 2; got 0"):
        s2s.mirrored_pairs(7, 0, rng)
    with pytest.raises(ValueError, match="n_images must be an int >= 1"):
        s2s.mirrored_pairs(0, 2, rng)
    with pytest.raises(ValueError, match="np.random.Generator"):
        s2s.mirrored_pairs(7, 2, 0)


def test_number_words() -> None:
    assert [s2s.number_words(n) for n in (0, 7, 13, 42, 90)] == ["zero", "seven", "thirteen", "forty-two", "ninety"]
    assert [s2s.number_words(n, lang="ko") for n in (0, 10, 42)] == ["영", "십", "사십이"]
    with pytest.raises(ValueError, match="must be an int >= 0; got -1"):
        s2s.number_words(-1)


def test_every_date_style_matches_its_example() -> None:
    day = dt.date(1998, 3, 3)
    for style, example in s2s.DATE_STYLES.items():
        assert s2s.format_date(day, style) == example
    assert s2s.format_date(dt.date(2011, 12, 22), "ordinal") == "22nd of December 2011"
    assert s2s.format_date(dt.date(2013, 1, 11), "ordinal") == "11th of January 2013"
    assert s2s.format_date(dt.date(2003, 1, 31), "short") == "31 Jan 03"
    with pytest.raises(ValueError, match="1950-2049"):
        s2s.format_date(dt.date(2050, 1, 1), "short")
    with pytest.raises(ValueError, match="received 'iso'"):
        s2s.format_date(day, "iso")


def test_sampled_dates_are_distinct_and_pairs_consistent(rng: np.random.Generator) -> None:
    dates = s2s.sample_dates(3000, rng)
    assert len(set(dates)) == 3000
    assert all(dt.date(1950, 1, 1) <= d <= dt.date(2049, 12, 31) for d in dates)
    inputs, targets, styles = s2s.date_pairs(dates, rng)
    assert set(styles) == set(s2s.DATE_STYLES)
    for d, x, y, s in zip(dates, inputs, targets, styles):
        assert x == s2s.format_date(d, s) and y == d.isoformat() and len(y) == 10
    only = s2s.date_pairs(dates[:10], rng, styles=["dotted"])[2]
    assert only == ["dotted"] * 10
    with pytest.raises(ValueError, match="at most 3"):
        s2s.sample_dates(4, rng, dt.date(2000, 1, 1), dt.date(2000, 1, 3))
    with pytest.raises(ValueError, match="received 'iso'"):
        s2s.date_pairs(dates, rng, styles=["iso"])


# --------------------------------------------------------------------------
# Vocabulary, padding, teacher forcing
# --------------------------------------------------------------------------


def test_pad() -> None:
    np.testing.assert_array_equal(s2s.pad([[1, 2, 3], [4]]), [[1, 2, 3], [4, 0, 0]])
    np.testing.assert_array_equal(s2s.pad([[1], []], 3, value=9), [[1, 9, 9], [9, 9, 9]])
    assert s2s.pad([[1, 2]], 4).dtype == np.int32
    with pytest.raises(ValueError, match="sequence 0 has 3 tokens but length is 2"):
        s2s.pad([[1, 2, 3]], 2)


def test_char_vocab_round_trip() -> None:
    vocab = s2s.CharVocab.from_texts(["forty-two", "seven"])
    assert vocab.tokens[:4] == s2s.SPECIAL_TOKENS and vocab.chars == tuple(sorted(set("forty-twoseven")))
    assert (vocab.pad_id, vocab.unk_id, vocab.start_id, vocab.end_id) == (0, 1, 2, 3)
    ids = vocab.encode(["seven", "two"], 7, start=True, end=True)
    assert ids.shape == (2, 7) and ids.dtype == np.int32
    assert ids[0, 0] == vocab.start_id and ids[0, 6] == vocab.end_id and ids[1, 4] == vocab.end_id and ids[1, 5] == 0
    assert vocab.decode(ids) == ["seven", "two"]
    assert vocab.decode([[vocab.tokens.index("s"), 1, vocab.end_id, vocab.tokens.index("s")]]) == ["s\ufffd"]
    assert vocab.encode(["sax"])[0, 1] == vocab.unk_id
    with pytest.raises(ValueError, match="single string"):
        vocab.encode("seven")
    with pytest.raises(ValueError, match="needs|has 6 tokens"):
        vocab.encode(["seven"], 5, end=True)
    with pytest.raises(ValueError, match="special tokens"):
        s2s.CharVocab(("a", "b"))
    with pytest.raises(ValueError, match="one character"):
        s2s.CharVocab((*s2s.SPECIAL_TOKENS, "ab"))


def test_shift_right() -> None:
    y = np.array([[5, 6, 3, 0], [7, 8, 9, 3]])
    np.testing.assert_array_equal(s2s.shift_right(y, 2), [[2, 5, 6, 3], [2, 7, 8, 9]])
    with pytest.raises(ValueError, match=r"2-D array of integer ids; received float64 array of shape \(4,\)"):
        s2s.shift_right(np.zeros(4), 2)


# --------------------------------------------------------------------------
# Greedy decoding
# --------------------------------------------------------------------------


def _counting_pair(V: int = 8):
    """Encoder: state = count; decoder: emit 4 + (prev + count) % 4 while count > 0, then END (3)."""

    def encoder(x):
        return [np.asarray(x, dtype=np.float32).reshape(-1, 1), np.zeros((len(x), 2), np.float32)]

    def decoder(inputs):
        tokens, count, other = inputs
        tokens, c = np.asarray(tokens).reshape(-1), count.reshape(-1)
        nxt = np.where(c > 0, 4 + (tokens + c.astype(int)) % 4, 3)
        return [np.eye(V, dtype=np.float32)[nxt][:, None, :], count - 1, other]

    return encoder, decoder


def test_greedy_decode_feeds_back_stops_and_pads() -> None:
    enc, dec = _counting_pair()
    ids = s2s.greedy_decode(enc, dec, np.array([2, 0, 6]), start_id=2, end_id=3, max_len=4)
    # row 0: 4+(2+2)%4=4, 4+(4+1)%4=5, END, pad; row 1: END at once;
    # row 2 never ends within 4 steps: 4+(2+6)%4=4, 4+(4+5)%4=5, 4+(5+4)%4=5, 4+(5+3)%4=4
    np.testing.assert_array_equal(ids, [[4, 5, 3, 0], [3, 0, 0, 0], [4, 5, 5, 4]])
    assert ids.dtype == np.int32


def test_greedy_decode_rejects_a_broken_contract() -> None:
    enc, dec = _counting_pair()
    with pytest.raises(ValueError, match=r"\[probs, \*states\] \(3 arrays.*received 1"):
        s2s.greedy_decode(enc, lambda inputs: dec(inputs)[0], np.array([1]), start_id=2, end_id=3, max_len=3)
    with pytest.raises(ValueError, match="shape \\(N, H\\)"):
        s2s.greedy_decode(lambda x: np.zeros(3), dec, np.array([1]), start_id=2, end_id=3, max_len=3)
    with pytest.raises(ValueError, match="max_len must be an int >= 1; got 0"):
        s2s.greedy_decode(enc, dec, np.array([1]), start_id=2, end_id=3, max_len=0)


@pytest.mark.keras
def test_greedy_decode_with_keras_models_agrees_with_the_training_model() -> None:
    """Inference models built as notebook 11 teaches (an LSTM: two states); the training model picks the same tokens."""
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    keras = pytest.importorskip("keras")
    keras.utils.set_random_seed(0)
    V_in, V_out, H, T = 7, 6, 5, 4
    L = keras.layers
    rnn = L.LSTM
    src = keras.Input((None,), dtype="int32")
    states = rnn(H, return_state=True)(L.Embedding(V_in, 3, mask_zero=True)(src))[1:]
    emb, dec, head = L.Embedding(V_out, 3), rnn(H, return_sequences=True, return_state=True), L.Dense(V_out, activation="softmax")
    tok = keras.Input((None,), dtype="int32")
    model = keras.Model([src, tok], head(dec(emb(tok), initial_state=states)[0]))
    encoder = keras.Model(src, states)
    t1, s_in = keras.Input((1,), dtype="int32"), [keras.Input((H,)) for _ in states]
    out = dec(emb(t1), initial_state=s_in)
    decoder = keras.Model([t1, *s_in], [head(out[0]), *out[1:]])

    x = np.random.default_rng(0).integers(1, V_in, size=(3, 5)).astype("int32")
    ids = s2s.greedy_decode(encoder, decoder, x, start_id=2, end_id=3, max_len=T)
    assert ids.shape == (3, T)
    # the training model, given the greedy tokens as its (shifted) inputs, must pick the same tokens
    probs = keras.ops.convert_to_numpy(model([x, s2s.shift_right(ids, 2)]))
    for n in range(3):
        steps = T if 3 not in ids[n] else int(np.argmax(ids[n] == 3)) + 1
        np.testing.assert_array_equal(probs[n, :steps].argmax(-1), ids[n, :steps])


# --------------------------------------------------------------------------
# Metrics
# --------------------------------------------------------------------------


def test_exact_match_and_token_accuracy() -> None:
    assert s2s.exact_match(["forty", "six"], ["forty", "seven"]) == 0.5
    assert s2s.exact_match([[1, 2], [3]], [[1, 2], [3, 4]]) == 0.5
    assert s2s.token_accuracy(["forty"], ["forty"]) == 1.0
    assert s2s.token_accuracy(["fourty"], ["forty"]) == pytest.approx(2 / 6)
    assert s2s.token_accuracy(["fort"], ["forty"]) == pytest.approx(4 / 6)  # stops early: "y" and the end wrong
    assert s2s.token_accuracy(["forty-two"], ["forty"]) == pytest.approx(5 / 6)  # runs on: the end is wrong
    assert s2s.token_accuracy(["", "ab"], ["a", "ab"]) == pytest.approx(3 / 5)
    with pytest.raises(ValueError, match=r"as many predictions as targets \(2\); received 1"):
        s2s.exact_match(["a"], ["a", "b"])
    with pytest.raises(ValueError, match="not one string"):
        s2s.token_accuracy("forty", "forty")
    with pytest.raises(ValueError, match="no targets"):
        s2s.token_accuracy([], [])


def test_importing_seq2seq_does_not_import_keras() -> None:
    code = "import sys, rnnkit.seq2seq, rnnkit.checks_seq2seq; print('keras' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


# --------------------------------------------------------------------------
# 15: long numbers spelled out
# --------------------------------------------------------------------------


def test_numbers_with_digits_gives_each_length_its_range() -> None:
    assert s2s.numbers_with_digits(1) == (0, 10)
    assert s2s.numbers_with_digits(3) == (100, 1000)
    assert s2s.numbers_with_digits(12) == (10**11, 10**12)
    with pytest.raises(ValueError, match="at most 12"):
        s2s.numbers_with_digits(13)
    with pytest.raises(ValueError, match="digits"):
        s2s.numbers_with_digits(0)


@pytest.mark.parametrize("digits", [2, 3, 9, 12])
def test_sample_numbers_draws_distinct_numbers_of_that_length(digits: int, rng: np.random.Generator) -> None:
    n = 80 if digits == 2 else 500
    x = s2s.sample_numbers(digits, n, rng)
    assert x.shape == (n,) and x.dtype == np.int64
    assert len(set(x.tolist())) == n
    assert all(len(str(v)) == digits for v in x.tolist())
    again = s2s.sample_numbers(digits, n, np.random.default_rng(0))
    np.testing.assert_array_equal(x, again)  # reproducible from the seed


def test_sample_numbers_respects_exclude_and_runs_out_clearly(rng: np.random.Generator) -> None:
    first = s2s.sample_numbers(2, 50, rng)
    rest = s2s.sample_numbers(2, 40, rng, exclude=first)
    assert not set(first.tolist()) & set(rest.tolist()) and len(set(rest.tolist())) == 40  # all 90 used
    with pytest.raises(ValueError, match="only 0 numbers with 2 digit"):
        s2s.sample_numbers(2, 1, rng, exclude=np.concatenate([first, rest]))
    with pytest.raises(ValueError, match="only 10 numbers with 1 digit"):
        s2s.sample_numbers(1, 11, rng)
    assert len(s2s.sample_numbers(1, 30, rng, replace=True)) == 30  # repeats allowed when asked
    big = s2s.sample_numbers(11, 20, rng, exclude=[10**10 + k for k in range(100)])
    assert not set(big.tolist()) & {10**10 + k for k in range(100)}
    with pytest.raises(ValueError, match="replace"):
        s2s.sample_numbers(3, 2, rng, replace=1)


def test_number_pairs_spell_the_digits() -> None:
    src, tgt = s2s.number_pairs(np.array([120045, 7, 999999999999]))
    assert src == ["120045", "7", "999999999999"]
    assert tgt[0] == "one hundred and twenty thousand and forty-five" and tgt[1] == "seven"
    assert tgt[2].startswith("nine hundred and ninety-nine billion,") and len(tgt[2]) == 143
    with pytest.raises(ValueError):
        s2s.number_pairs([-1])
