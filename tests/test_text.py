"""rnnkit.text: vocabulary round trips, the split, unit conversions, temperature sampling, generation."""

from __future__ import annotations

import math
import subprocess
import sys

import numpy as np
import pytest

from rnnkit import text


def test_vocab_is_sorted_and_round_trips() -> None:
    vocab = text.CharVocab.from_text("hello, world")
    assert vocab.chars == tuple(sorted(set("hello, world")))
    assert len(vocab) == vocab.size == 9
    ids = vocab.encode("hello")
    assert ids.dtype == np.int32 and ids.shape == (5,)
    assert ids.tolist() == [vocab.index[c] for c in "hello"]
    assert vocab.decode(ids) == "hello"
    assert vocab.decode(list(ids)) == "hello"
    assert vocab.decode([]) == "" and vocab.encode("").shape == (0,)


def test_vocab_round_trips_the_novel() -> None:
    from rnnkit.data import load_novel

    novel = load_novel()
    vocab = text.CharVocab.from_text(novel)
    assert len(vocab) == 77
    assert vocab.decode(vocab.encode(novel[:5000])) == novel[:5000]


def test_vocab_errors_name_expected_and_received() -> None:
    vocab = text.CharVocab.from_text("abc")
    with pytest.raises(ValueError, match=r"vocabulary of 3.*'z'"):
        vocab.encode("abz")
    with pytest.raises(ValueError, match=r"\[0, 3\).*received 3"):
        vocab.decode([0, 3])
    with pytest.raises(ValueError, match="1-D"):
        vocab.decode(np.zeros((2, 2), dtype=int))
    with pytest.raises(ValueError, match="integers"):
        vocab.decode([0.5])
    with pytest.raises(ValueError, match="str"):
        vocab.encode(["a"])  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="distinct"):
        text.CharVocab("aba")
    with pytest.raises(ValueError, match="empty"):
        text.CharVocab.from_text("")


def test_split_keeps_order_and_every_character() -> None:
    s = "".join(chr(97 + i % 26) for i in range(1000))
    train, held = text.split_text(s, held_out=0.1)
    assert train + held == s
    assert len(held) == 100
    for bad in (0, 1, 1.5, -0.1, True):
        with pytest.raises(ValueError, match="strictly between 0 and 1"):
            text.split_text(s, held_out=bad)
    with pytest.raises(ValueError, match="too short"):
        text.split_text("ab", held_out=0.1)


def test_units() -> None:
    assert text.bits_per_char(math.log(2.0)) == pytest.approx(1.0)
    assert text.perplexity(math.log(77.0)) == pytest.approx(77.0)
    assert text.perplexity(0.0) == 1.0


def test_temperature_sampling() -> None:
    logits = np.log(np.array([0.1, 0.2, 0.7]))
    rng = np.random.default_rng(0)
    assert text.sample_with_temperature(logits, 0, rng) == 2  # greedy
    draws = np.array([text.sample_with_temperature(logits, 1.0, rng) for _ in range(4000)])
    np.testing.assert_allclose(np.bincount(draws, minlength=3) / 4000, [0.1, 0.2, 0.7], atol=0.03)
    cold = np.array([text.sample_with_temperature(logits, 0.25, rng) for _ in range(2000)])
    hot = np.array([text.sample_with_temperature(logits, 5.0, rng) for _ in range(2000)])
    assert (cold == 2).mean() > 0.95 and (hot == 2).mean() < 0.5
    with pytest.raises(ValueError, match=">= 0"):
        text.sample_with_temperature(logits, -1.0, rng)
    with pytest.raises(ValueError, match=r"1-D array \(V,\)"):
        text.sample_with_temperature(logits[None], 1.0, rng)
    with pytest.raises(ValueError, match="Generator"):
        text.sample_with_temperature(logits, 1.0, 0)  # type: ignore[arg-type]


def test_import_does_not_load_keras() -> None:
    code = "import sys, rnnkit.text; print('keras' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "False"


@pytest.mark.keras
def test_generate_carries_state_and_matches_one_long_pass() -> None:
    keras = pytest.importorskip("keras")
    from rnnkit import tbptt

    vocab = text.CharVocab.from_text("abcdefg")
    keras.utils.set_random_seed(0)
    model = tbptt.build_lm(len(vocab), units=8, num_layers=2, embedding_dim=4)
    out = text.generate(model, vocab, "abc", 12, temperature=0, rng=np.random.default_rng(0))
    assert out.startswith("abc") and len(out) == 15
    # greedy: every generated character is the argmax of one long pass over the text so far
    ids = vocab.encode(out)[None, :]
    logits = np.asarray(model.predict_on_batch([ids, *tbptt.zero_states(model, 1)])[0])
    assert np.array_equal(logits[0, 2:-1].argmax(-1), ids[0, 3:])
    many = text.generate_many(model, vocab, "abc", 12, temperatures=[0, 0.5, 1.0], rng=np.random.default_rng(1))
    assert len(many) == 3 and many[0] == out and all(len(s) == 15 for s in many)
    with pytest.raises(ValueError, match="7 outputs.*received one with 9"):
        text.generate(tbptt.build_lm(9, units=4, num_layers=1), vocab, "a", 3, rng=np.random.default_rng(0))
    with pytest.raises(ValueError, match="positive int"):
        text.generate(model, vocab, "a", 0, rng=np.random.default_rng(0))
    with pytest.raises(ValueError, match="non-empty list"):
        text.generate_many(model, vocab, "a", 3, temperatures=[], rng=np.random.default_rng(0))


def _stream(n: int, seed: int = 0, vocab: int = 5) -> np.ndarray:
    """A stream with structure: a random walk over ids, so each id depends on the ones before it."""
    rng = np.random.default_rng(seed)
    return np.cumsum(rng.integers(0, 2, size=n)) % vocab


@pytest.mark.parametrize("order", [1, 2, 3, 5])
def test_ngram_distributions_sum_to_one_and_match_log_probs(order: int) -> None:
    ids = _stream(3000)
    lm = text.NGramLM(order, 5, discount=0.7).fit(ids)
    held = _stream(200, seed=1)
    logp = lm.log_probs(held)
    assert logp.shape == (200,) and np.all(logp < 0)
    for t in (0, 1, 4, 57, 199):  # every position: the same number as the next-id distribution of its prefix
        p = lm.next_probs(held[:t])
        assert p.shape == (5,) and p.sum() == pytest.approx(1.0) and np.all(p > 0)
        assert np.exp(logp[t]) == pytest.approx(p[held[t]])
    for context in ([4, 4, 4, 4], [0], []):  # contexts never seen still give a distribution
        assert lm.next_probs(context).sum() == pytest.approx(1.0)


def test_ngram_formula_by_hand() -> None:
    # order 1: p(w) = max(c(w) - D, 0) / n + D * (number of ids seen) / n / V
    ids = np.array([0, 0, 0, 1, 2, 0])
    lm = text.NGramLM(1, 4, discount=0.5).fit(ids)
    counts = np.array([4, 1, 1, 0])
    expected = np.maximum(counts - 0.5, 0) / 6 + 0.5 * 3 / 6 / 4
    np.testing.assert_allclose(lm.next_probs([]), expected)
    # order 2 on "abab...": after a, b is certain up to the discount's share
    lm2 = text.NGramLM(2, 3, discount=0.1).fit(np.tile([0, 1], 50))
    p = lm2.next_probs([0])
    assert p[1] > 0.89 and p.argmax() == 1 and p.sum() == pytest.approx(1.0)


def test_longer_contexts_help_on_a_stream_with_memory() -> None:
    ids, held = _stream(20_000), _stream(2_000, seed=5)
    losses = [text.NGramLM(k, 5).fit(ids).loss(held) for k in (1, 2, 3)]
    assert losses[0] > losses[1] > losses[2] - 1e-9, losses
    assert losses[0] == pytest.approx(math.log(5), abs=0.05)  # the walk visits every id about equally


def test_ngram_errors_name_the_problem() -> None:
    with pytest.raises(ValueError, match="order must be a positive int"):
        text.NGramLM(0, 5)
    with pytest.raises(ValueError, match="discount must be a number strictly between 0 and 1"):
        text.NGramLM(2, 5, discount=1.0)
    with pytest.raises(ValueError, match=r"vocab_size \*\* order < 2\*\*62"):
        text.NGramLM(11, 77)
    with pytest.raises(ValueError, match="not been fitted"):
        text.NGramLM(2, 5).loss([1, 2])
    lm = text.NGramLM(2, 5).fit(_stream(100))
    with pytest.raises(ValueError, match=r"\[0, 5\).*received 7"):
        lm.log_probs([1, 7])
    with pytest.raises(ValueError, match="1-D array of integer ids"):
        lm.log_probs([[1, 2]])
    with pytest.raises(ValueError, match="at least 3 ids"):
        text.NGramLM(3, 5).fit([1, 2])
