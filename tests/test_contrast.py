"""rnnkit.contrast: the generator of notebook 08's contrast set, and the committed file it made.

What is tested:

* the committed ``data/contrast_pairs.tsv.gz`` is exactly what ``generate()`` gives (regenerated
  here, byte for byte), and its SHA-256 is the one ``rnnkit.data`` checks;
* every pair has the same words in both sentences and opposite labels, and each label follows
  its template's rule;
* the word lists follow the rule stated in the module (recomputed on notebook 08's training
  sentences), and held-out words and templates never reach the training or validation pairs;
* the same seed gives the same set, another seed another set; bad arguments raise clear errors;
* ``tokens`` splits text the way Keras' ``TextVectorization`` does by default (a Keras test).
"""

from __future__ import annotations

import gzip
import pathlib
from collections import Counter

import numpy as np
import pytest

from rnnkit import contrast as K
from rnnkit import data as D


@pytest.fixture(scope="module")
def rows() -> list[K.Row]:
    return K.generate()


@pytest.fixture(scope="module")
def training_sentences() -> tuple[list[str], np.ndarray]:
    texts, labels, _ = D.load_sentiment("movies")
    train, _, _ = D.split_indices(len(texts), (0.8, 0.1, 0.1), seed=0)
    return [texts[i] for i in train], labels[train]


# --------------------------------------------------------------------------
# The committed file
# --------------------------------------------------------------------------


def test_committed_file_is_what_the_generator_makes(rows: list[K.Row], tmp_path: pathlib.Path) -> None:
    committed = (D.DATA_DIR / "contrast_pairs.tsv.gz").read_bytes()
    assert gzip.decompress(committed).decode("utf-8") == K.to_tsv(rows)
    rebuilt = K.write(tmp_path / "contrast_pairs.tsv.gz", rows)
    assert rebuilt.read_bytes() == committed  # same bytes, so the same SHA-256
    assert D.sha256(rebuilt) == D.FILES["contrast_pairs.tsv.gz"]


def test_the_loader_reads_back_the_generated_rows(rows: list[K.Row]) -> None:
    table = D.load_contrast_pairs()
    assert list(table["text"]) == [r.text for r in rows]
    assert list(table["label"]) == [r.label for r in rows]
    assert list(table["pair"]) == [r.pair for r in rows]
    assert D.CONTRAST_SPLITS == K.SPLITS


# --------------------------------------------------------------------------
# Pairs and labels
# --------------------------------------------------------------------------


def test_sizes_and_balance(rows: list[K.Row]) -> None:
    per_split = Counter(r.split for r in rows)
    assert per_split == {"train": 4000, "val": 400, "test": 600, "new_templates": 200}
    for split, templates in (("test", K.TEMPLATES), ("new_templates", K.HELD_OUT_TEMPLATES)):
        per_template = Counter(r.template for r in rows if r.split == split)
        assert set(per_template) == {t.name for t in templates}
        assert max(per_template.values()) - min(per_template.values()) <= 2  # every template about equally often
    assert np.mean([r.label for r in rows]) == 0.5


def test_every_pair_has_the_same_words_and_opposite_labels(rows: list[K.Row]) -> None:
    assert len(rows) % 2 == 0
    for first, second in zip(rows[::2], rows[1::2]):
        assert first.pair == second.pair and first.split == second.split and first.template == second.template
        assert Counter(first.text.split()) == Counter(second.text.split())
        assert first.text != second.text
        assert {first.label, second.label} == {0, 1}
    assert len({r.text for r in rows}) == len(rows)  # no sentence twice, in any split


def test_each_label_follows_its_templates_rule(rows: list[K.Row]) -> None:
    by_name = {t.name: t for t in K.TEMPLATES + K.HELD_OUT_TEMPLATES}
    positive, negative = set(K.POSITIVE), set(K.NEGATIVE)
    for r in rows:
        t = by_name[r.template]
        words = r.text.split()
        adjectives = [w for w in words if w in positive or w in negative]
        assert len(adjectives) == 2, r  # one positive and one negative adjective, nothing else evaluative
        deciding = adjectives[0] if t.decides == "x" else adjectives[1]  # {x} always comes before {y}
        assert r.label == int(deciding in positive), r


def test_contrast_pair() -> None:
    (s1, l1), (s2, l2) = K.contrast_pair("the plot is {x} but the acting is {y}", "y", "witty", "dull")
    assert (s1, l1) == ("the plot is witty but the acting is dull", 0)
    assert (s2, l2) == ("the plot is dull but the acting is witty", 1)
    (s1, l1), (s2, l2) = K.contrast_pair("it is {x} rather than {y}", "x", "witty", "dull")
    assert (l1, l2) == (1, 0)
    with pytest.raises(ValueError, match="decides"):
        K.contrast_pair("the plot is {x} but {y}", "z", "witty", "dull")
    with pytest.raises(ValueError, match="once each"):
        K.contrast_pair("the plot is {x}", "x", "witty", "dull")
    with pytest.raises(ValueError, match="different words"):
        K.contrast_pair("{x} but {y}", "y", "dull", "dull")


# --------------------------------------------------------------------------
# Words and splits
# --------------------------------------------------------------------------


def test_word_lists_follow_the_stated_rule(training_sentences: tuple[list[str], np.ndarray]) -> None:
    texts, labels = training_sentences
    assert len(texts) == 8484
    for count, share in K.word_polarity(texts, labels, K.POSITIVE).values():
        assert count >= K.MIN_SENTENCES and share >= K.POSITIVE_SHARE
    for count, share in K.word_polarity(texts, labels, K.NEGATIVE).values():
        assert count >= K.MIN_SENTENCES and share <= 1 - K.POSITIVE_SHARE
    for count, _ in K.word_polarity(texts, labels, K.ASPECTS).values():
        assert count >= 20
    every = K.POSITIVE + K.NEGATIVE + K.ASPECTS
    assert len(set(every)) == len(every)
    template_words = {w for t in K.TEMPLATES + K.HELD_OUT_TEMPLATES for w in t.text.split() if "{" not in w}
    assert not template_words & set(K.POSITIVE + K.NEGATIVE)  # the frames themselves carry no adjective


def test_every_word_of_the_set_occurs_in_the_training_sentences(rows: list[K.Row], training_sentences) -> None:
    texts, _ = training_sentences
    seen = {w for t in texts for w in K.tokens(t)}
    assert {w for r in rows for w in r.text.split()} <= seen


def test_held_out_words_and_templates_stay_out_of_training(rows: list[K.Row]) -> None:
    def adjectives(split: str) -> set[str]:
        return {w for r in rows if r.split == split for w in r.text.split() if w in K.POSITIVE + K.NEGATIVE}

    def aspects(split: str) -> set[str]:
        return {w for r in rows if r.split == split for w in r.text.split() if w in K.ASPECTS}

    seen_in_training = adjectives("train") | adjectives("val")
    assert not seen_in_training & (adjectives("test") | adjectives("new_templates"))
    assert not (aspects("train") | aspects("val")) & (aspects("test") | aspects("new_templates"))
    assert len(seen_in_training) + len(adjectives("test") | adjectives("new_templates")) == len(K.POSITIVE + K.NEGATIVE)
    held_out = {t.name for t in K.HELD_OUT_TEMPLATES}
    assert all(r.template not in held_out for r in rows if r.split in ("train", "val", "test"))
    assert all(r.template in held_out for r in rows if r.split == "new_templates")


def test_the_same_seed_gives_the_same_set() -> None:
    small = {"n_train": 20, "n_val": 5, "n_test": 10, "n_new_templates": 4}
    assert K.generate(3, **small) == K.generate(3, **small)
    assert K.generate(3, **small) != K.generate(4, **small)
    assert len(K.generate(3, **small)) == 2 * sum(small.values())


def test_bad_arguments() -> None:
    with pytest.raises(ValueError, match="n_test"):
        K.generate(n_test=-1)
    with pytest.raises(ValueError, match="seed"):
        K.generate(seed=1.5)
    with pytest.raises(ValueError, match="distinct pairs"):
        K.generate(n_train=10**6)
    with pytest.raises(ValueError, match="text must be a str"):
        K.tokens(["not", "a", "string"])
    with pytest.raises(ValueError, match="at least one sentence"):
        K.word_polarity([], [], ["good"])


def test_tokens_and_word_polarity() -> None:
    assert K.tokens("It isn't BAD -- at all, just (a little) too long!") == \
        ["it", "isnt", "bad", "at", "all", "just", "a", "little", "too", "long"]
    pol = K.word_polarity(["A witty film.", "Witty but dull.", "Dull, dull."], [1, 0, 0], ["witty", "dull", "absent"])
    assert pol["witty"] == (2, 0.5) and pol["dull"] == (2, 0.0)
    assert pol["absent"][0] == 0 and np.isnan(pol["absent"][1])


@pytest.mark.keras
def test_tokens_split_like_keras_text_vectorization(training_sentences) -> None:
    """A framework fact: TextVectorization's default standardization lowers ASCII letters only, removes
    ASCII punctuation, and splits on ASCII whitespace; tokens() does the same on every training sentence."""
    import keras

    texts, _ = training_sentences
    odd = ["It isn't BAD -- at all, just (a little) too long!", "5/10: a* #1 [sic] {yes} ~meh~ `x` 'y' \"z\" back\\slash",
           "CAF\u00c9 a\u00a0b \u00c9COLE x\u2003y"]
    sample = texts + odd
    vectorize = keras.layers.TextVectorization(output_mode="int")  # the default standardize and split
    vectorize.adapt(sample)
    vocab = np.array(vectorize.get_vocabulary(), dtype=object)
    ids = np.asarray(vectorize(sample))  # (N, longest): every word is in the vocabulary, 0 pads
    for text, row in zip(sample, ids):
        assert [str(w) for w in vocab[row[row != 0]]] == K.tokens(text), text
    assert K.tokens(odd[2]) == ["caf\u00c9", "a\u00a0b", "\u00c9cole", "x\u2003y"]
