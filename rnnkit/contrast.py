"""Contrast pairs: two sentences with the same words and opposite labels (notebook 08).

A bag of words sees a sentence as the set of its words, so it gives the two sentences
of a pair the same score and gets exactly one of them right. Only a model that reads
the words in order can get both right::

    the plot is brilliant but the acting is dull      -> 0 (after "but" comes the verdict)
    the plot is dull but the acting is brilliant      -> 1

A pair comes from a :class:`Template`: a sentence frame with two adjective slots,
``{x}`` and ``{y}``, and a rule saying which slot decides the label. One sentence puts a
positive adjective in ``{x}`` and a negative one in ``{y}``, the other swaps them, so both
have exactly the same words; the label is 1 when the deciding slot holds the positive word.

The words come from the training sentences of notebook 08 (``rnnkit.data.load_sentiment``,
split with ``rnnkit.data.split_indices(10605, (0.8, 0.1, 0.1), seed=0)``), chosen by a rule
that :func:`word_polarity` lets anyone re-check: an adjective is in ``POSITIVE`` if it occurs in
at least ``MIN_SENTENCES`` training sentences and at least ``POSITIVE_SHARE`` of them are
positive, in ``NEGATIVE`` if at most ``1 - POSITIVE_SHARE`` are; ``ASPECTS`` are nouns for the
parts of a film that occur in at least 20 training sentences.

:func:`generate` builds the whole set from a seed: the adjectives and aspects are split into
training words and held-out words, pairs for training and validation use the training
words and ``TEMPLATES``, pairs for testing use only held-out words (``"test"``: the training
templates; ``"new_templates"``: ``HELD_OUT_TEMPLATES``, frames no training pair uses). The
committed file ``data/contrast_pairs.tsv.gz`` is ``write(path, generate())``; a test checks
that the two agree byte for byte.

numpy only.
"""

from __future__ import annotations

import gzip
import pathlib
import re
import string
from collections import Counter
from collections.abc import Iterable, Sequence
from typing import NamedTuple

import numpy as np

from rnnkit._validate import int_at_least

__all__ = [
    "POSITIVE",
    "NEGATIVE",
    "ASPECTS",
    "MIN_SENTENCES",
    "POSITIVE_SHARE",
    "Template",
    "TEMPLATES",
    "HELD_OUT_TEMPLATES",
    "SPLITS",
    "Row",
    "tokens",
    "word_polarity",
    "contrast_pair",
    "generate",
    "to_tsv",
    "write",
]

#: Adjectives in at least 10 training sentences, at least 75 % of them positive.
POSITIVE: tuple[str, ...] = (
    "absorbing", "affecting", "beautiful", "brilliant", "charming", "delightful", "elegant", "enjoyable",
    "entertaining", "excellent", "fascinating", "gripping", "haunting", "hilarious", "honest", "impressive", "intelligent",
    "inventive", "lively", "moving", "poignant", "powerful", "refreshing", "remarkable", "rewarding", "rich", "riveting",
    "sharp", "smart", "solid", "stunning", "tender", "terrific", "thoughtful", "touching", "vivid", "warm", "witty",
    "wonderful",
)
#: Adjectives in at least 10 training sentences, at most 25 % of them positive.
NEGATIVE: tuple[str, ...] = (
    "annoying", "awful", "bad", "banal", "bland", "boring", "cliched", "clumsy", "contrived", "dreary", "dull", "empty",
    "flat", "formulaic", "hollow", "lame", "mediocre", "overwrought", "pointless", "pretentious", "ridiculous", "shallow",
    "silly", "sloppy", "stupid", "tedious", "thin", "tired", "tiresome", "ugly", "uneven", "unfunny", "unpleasant", "weak",
)
#: Nouns for the parts of a film, each in at least 20 training sentences.
ASPECTS: tuple[str, ...] = (
    "acting", "animation", "cast", "dialogue", "direction", "ending", "humor", "music", "narrative", "pacing",
    "performance", "plot", "premise", "production", "screenplay", "script", "story", "writing",
)
MIN_SENTENCES: int = 10
POSITIVE_SHARE: float = 0.75


class Template(NamedTuple):
    """A sentence frame with adjective slots ``{x}``, ``{y}`` and aspect slots ``{a}`` (and ``{b}``).

    ``decides`` is ``"x"`` or ``"y"``: the slot whose adjective fixes the label; ``rule`` says why.
    """

    name: str
    text: str
    decides: str
    rule: str


TEMPLATES: tuple[Template, ...] = (
    Template("but", "the {a} is {x} but the {b} is {y}", "y", "after 'but' comes the verdict"),
    Template("although", "the {a} is {x} although the {b} is {y}", "x", "what follows 'although' is only conceded"),
    Template("not_it_is", "the {a} is not {x} it is {y}", "y", "'not' denies the adjective right after it"),
    Template("not_but", "the {a} is not {x} but {y}", "y", "'not' denies the first adjective, 'but' asserts the second"),
    Template("rather_than", "the {a} is {x} rather than {y}", "x", "'rather than' rejects what follows it"),
    Template("and_never", "the {a} is {x} and never {y}", "x", "'never' denies the adjective right after it"),
)
#: Frames that no training or validation pair uses: the same kinds of rule, in other words.
HELD_OUT_TEMPLATES: tuple[Template, ...] = (
    Template("expected_but", "i expected the {a} to be {x} but it was {y}", "y", "after 'but' comes the verdict"),
    Template("even_though", "the {a} was {x} even though the {b} was {y}", "x", "what follows 'even though' is only conceded"),
)
#: The parts of the set: training words for "train" and "val", held-out words for the others.
SPLITS: tuple[str, ...] = ("train", "val", "test", "new_templates")


class Row(NamedTuple):
    """One sentence of the contrast set; the two sentences of a pair share ``pair``."""

    split: str
    pair: int
    template: str
    label: int
    text: str


# Keras' TextVectorization, standardize="lower_and_strip_punctuation" and split="whitespace": tf.strings.lower
# lowers ASCII letters only, these ASCII characters are removed, and only ASCII whitespace separates words.
_LOWER = str.maketrans(string.ascii_uppercase, string.ascii_lowercase)
_PUNCTUATION = re.compile(r"[!\"#$%&()\*\+,\-\./:;<=>?@\[\\\]\^_`{|}~']")
_WHITESPACE = re.compile(r"[ \t\n\r\f\v]+")


def tokens(text: str) -> list[str]:
    """The words of ``text`` as Keras' ``TextVectorization`` sees them by default.

    ASCII letters lower-cased (``"É"`` stays), the ASCII punctuation
    ``!"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~`` removed (so "isn't" becomes "isnt"),
    split on ASCII whitespace.
    """
    if not isinstance(text, str):
        raise ValueError(f"text must be a str; got {type(text).__name__}")
    return [w for w in _WHITESPACE.split(_PUNCTUATION.sub("", text.translate(_LOWER))) if w]


def word_polarity(texts: Iterable[str], labels: Iterable[int], words: Iterable[str]) -> dict[str, tuple[int, float]]:
    """For each word: in how many of ``texts`` it occurs, and the share of those with label 1.

    A word that never occurs gets ``(0, nan)``. Words are compared after :func:`tokens`.
    """
    wanted = list(words)
    counts: Counter[str] = Counter()
    positive: Counter[str] = Counter()
    n_texts = 0
    for text, label in zip(texts, labels):
        n_texts += 1
        present = set(tokens(text)).intersection(wanted)
        counts.update(present)
        if int(label) == 1:
            positive.update(present)
    if n_texts == 0:
        raise ValueError("texts and labels must hold at least one sentence")
    return {w: (counts[w], positive[w] / counts[w] if counts[w] else float("nan")) for w in wanted}


def contrast_pair(template: str, decides: str, positive: str, negative: str) -> tuple[tuple[str, int], tuple[str, int]]:
    """The two sentences of one pair, each with its label.

    Args:
        template: a frame with the slots ``{x}`` and ``{y}`` (other slots already filled),
            e.g. ``"the plot is {x} but the acting is {y}"``.
        decides: ``"x"`` or ``"y"``, the slot whose word fixes the label.
        positive, negative: the two words.

    Returns:
        ``((sentence, label), (sentence, label))``: first with ``{x}`` = ``positive`` and
        ``{y}`` = ``negative``, then swapped; ``label`` is 1 where the deciding slot holds
        ``positive``, so the two labels are opposite.
    """
    if decides not in ("x", "y"):
        raise ValueError(f"decides must be 'x' or 'y'; got {decides!r}")
    if template.count("{x}") != 1 or template.count("{y}") != 1:
        raise ValueError(f"template must hold {{x}} and {{y}} once each; got {template!r}")
    if positive == negative:
        raise ValueError(f"positive and negative must be different words; got {positive!r} twice")
    first = template.replace("{x}", positive).replace("{y}", negative)
    second = template.replace("{x}", negative).replace("{y}", positive)
    return (first, int(decides == "x")), (second, int(decides == "y"))


def _split_words(words: Sequence[str], rng: np.random.Generator, share: float = 2 / 3) -> tuple[list[str], list[str]]:
    order = [words[i] for i in rng.permutation(len(words))]
    k = int(round(share * len(words)))
    return sorted(order[:k]), sorted(order[k:])


def _draw_pairs(templates: Sequence[Template], positive: Sequence[str], negative: Sequence[str],
                aspects: Sequence[str], n: int, rng: np.random.Generator, taken: set[str]) -> list[tuple[str, str, int, str, int]]:
    """``n`` new pairs (template name, first text, first label, second text, second label), none in ``taken``.

    Pair ``k`` uses template ``k % len(templates)``; its aspects and adjectives are drawn from ``rng``.
    """
    for k, t in enumerate(templates):  # pair k uses template k % len(templates): each needs its share of distinct sentences
        share = len(range(k, n, len(templates)))
        distinct = len(aspects) * (len(aspects) - 1 if "{b}" in t.text else 1) * len(positive) * len(negative)
        if share > distinct:
            raise ValueError(f"cannot draw {n} distinct pairs from these words and templates: template {t.name!r} "
                             f"would need {share} pairs and has {distinct}")
    out: list[tuple[str, str, int, str, int]] = []
    attempts = 0
    while len(out) < n:
        attempts += 1
        if attempts > 100 * n + 1000:
            raise ValueError(f"cannot draw {n} distinct pairs from these words and templates")
        t = templates[len(out) % len(templates)]  # every template equally often
        a, b = (aspects[int(i)] for i in rng.choice(len(aspects), size=2, replace=False))
        p, q = positive[int(rng.integers(len(positive)))], negative[int(rng.integers(len(negative)))]
        frame = t.text.replace("{a}", a).replace("{b}", b)
        (s1, l1), (s2, l2) = contrast_pair(frame, t.decides, p, q)
        if s1 in taken:
            continue
        taken.add(s1)
        out.append((t.name, s1, l1, s2, l2))
    return out


def generate(seed: int = 0, n_train: int = 2000, n_val: int = 200, n_test: int = 300, n_new_templates: int = 100) -> list[Row]:
    """The contrast set: ``n_*`` pairs per split, two :class:`Row` each, the same for the same arguments.

    The adjectives (each list on its own) and the aspects are shuffled with ``seed`` and cut
    into two thirds training words and one third held-out words. "train" and "val" pairs use
    training words and ``TEMPLATES`` (no sentence in both); "test" pairs use held-out words and
    ``TEMPLATES``; "new_templates" pairs use held-out words and ``HELD_OUT_TEMPLATES``.
    Pairs are numbered from 0 in that order.
    """
    counts = {"n_train": n_train, "n_val": n_val, "n_test": n_test, "n_new_templates": n_new_templates}
    sizes = [int_at_least(name, value, 0) for name, value in counts.items()]
    rng = np.random.default_rng(int_at_least("seed", seed, 0))
    pos_train, pos_test = _split_words(POSITIVE, rng)
    neg_train, neg_test = _split_words(NEGATIVE, rng)
    asp_train, asp_test = _split_words(ASPECTS, rng)
    taken: set[str] = set()
    drawn = [
        _draw_pairs(TEMPLATES, pos_train, neg_train, asp_train, sizes[0] + sizes[1], rng, taken),
        _draw_pairs(TEMPLATES, pos_test, neg_test, asp_test, sizes[2], rng, taken),
        _draw_pairs(HELD_OUT_TEMPLATES, pos_test, neg_test, asp_test, sizes[3], rng, taken),
    ]
    parts = [("train", drawn[0][: sizes[0]]), ("val", drawn[0][sizes[0]:]), ("test", drawn[1]), ("new_templates", drawn[2])]
    rows: list[Row] = []
    for split, pairs in parts:
        for name, s1, l1, s2, l2 in pairs:
            k = len(rows) // 2
            rows += [Row(split, k, name, l1, s1), Row(split, k, name, l2, s2)]
    return rows


_HEADER = "split\tpair\ttemplate\tlabel\ttext"


def to_tsv(rows: Iterable[Row]) -> str:
    """The rows as tab-separated text with a header line, one row per line, ``\\n`` line ends."""
    lines = [_HEADER]
    for r in rows:
        if "\t" in r.text or "\n" in r.text:
            raise ValueError(f"a text holds a tab or a line break: {r.text!r}")
        lines.append(f"{r.split}\t{r.pair}\t{r.template}\t{r.label}\t{r.text}")
    return "\n".join(lines) + "\n"


def write(path: str | pathlib.Path, rows: Iterable[Row]) -> pathlib.Path:
    """Write ``to_tsv(rows)`` gzip-compressed (level 9, no file name, time stamp 0): the same rows give the same bytes."""
    path = pathlib.Path(path)
    path.write_bytes(gzip.compress(to_tsv(rows).encode("utf-8"), compresslevel=9, mtime=0))
    return path
