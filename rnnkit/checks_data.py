"""Checks for the exercises of Part III on real data (notebooks 08, 10 and 14).

They work like :mod:`rnnkit.checks`: each takes the function you wrote, runs it
on a few small seeded cases against a reference, and either prints one line
starting with ``✓`` or raises :class:`rnnkit.checks.CheckFailed` saying what is
wrong, by how much, and with a hint. Example::

    from rnnkit import checks_data
    checks_data.sentence_accuracy(my_sentence_accuracy)

Everything here is numpy; no check needs Keras.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from rnnkit import data as D  # noqa: F401  (kept for checks written against the older module)
from rnnkit.checks import (
    TOOLS,
    CheckFailed,
    _as_array,
    _call,
    _check,
    _compare,
    _fail,
    _mistake,
    _passed,
    _rng,
    _same,
    _unpack,
    _variant,
    hidden_test,
    hint,
)

__all__ = [
    "CheckFailed",
    "hint",
    "hidden_test",
    "pad_and_mask",
    "masked_mean",
    "confusion_matrix",
    "sentence_accuracy",
    "weighted_cross_entropy",
    "tag_table",
    "gapped_windows",
    "drift_forecast",
    "recursive_forecast",
]

CHECKS: tuple[str, ...] = tuple(name for name in __all__ if name[0].islower() and name not in TOOLS)


def _ragged(rng: np.random.Generator, n: int, max_len: int, vocab: int) -> list[list[int]]:
    lengths = rng.integers(1, max_len + 1, size=n)
    return [rng.integers(1, vocab, size=k).tolist() for k in lengths]


def _mask_case(rng: np.random.Generator, N: int, T: int) -> np.ndarray:
    """A (N, T) padding mask: every row has 1..T real steps at the front."""
    lengths = rng.integers(1, T + 1, size=N)
    lengths[0] = T  # one full row, so the padding is never the whole story,
    lengths[-1] = 1  # and one short row, so there is always some padding
    return np.arange(T) < lengths[:, None]


# --------------------------------------------------------------------------
# 08 Many-to-one: sentiment
# --------------------------------------------------------------------------


def _pad_end(seqs: Sequence[Sequence[int]], maxlen: int, *, keep_last: bool = False, front: bool = False) -> np.ndarray:
    out = np.zeros((len(seqs), maxlen), dtype=np.int64)
    for i, s in enumerate(seqs):
        s = list(s)[-maxlen:] if keep_last else list(s)[:maxlen]
        if front:
            out[i, maxlen - len(s):] = s
        else:
            out[i, :len(s)] = s
    return out


@_check(more="start from a (N, maxlen) int array of zeros; for each sequence keep at most its first maxlen ids and "
        "copy them to the start of its row; the mask is a bool array, True exactly where a real id was copied",
        reference=("rnnkit.data.pad_sequences", "rnnkit.data.padding_mask", "keras.utils.pad_sequences"))
def pad_and_mask(fn: Callable[[Sequence[Sequence[int]], int], tuple[np.ndarray, np.ndarray]]) -> None:
    """Check ``fn(sequences, maxlen) -> (padded (N, maxlen) int, mask (N, maxlen) bool)``, padding and cutting at the end."""
    name = "pad_and_mask"
    rng = _rng(80)
    for n, max_len, maxlen in [(4, 6, 6), (5, 9, 4), (1, 3, 5)]:
        seqs = _ragged(rng, n, max_len, 20)
        seqs[0] = seqs[0][:1]  # a one-token sequence
        copies = [list(s) for s in seqs]
        padded, mask = _unpack(name, _call(name, fn, copies, maxlen), 2, "padded, mask")
        if copies != seqs:
            _fail(name, "your function changed the lists it was given", "copy the ids into a new array; leave the input alone")
        want = _pad_end(seqs, maxlen)
        want_mask = want != 0
        got = _as_array(name, "padded", padded)
        _mistake(name, got, want, [
            (_pad_end(seqs, maxlen, keep_last=True, front=True), "the zeros are at the front (and long sequences lose their first tokens)",
             "that is keras.utils.pad_sequences' default ('pre'); here the tokens come first and the zeros after them"),
            (_pad_end(seqs, maxlen, front=True), "the zeros are at the front", "here every sequence starts at position 0 of its row"),
            (_pad_end(seqs, maxlen, keep_last=True), "long sequences keep their LAST maxlen tokens",
             "cut at the end: a long sequence keeps its first maxlen tokens"),
        ])
        if got.shape == want.shape and np.asarray(padded).dtype.kind == "f":
            _fail(name, f"padded has dtype {np.asarray(padded).dtype}", "token ids are integers: make the array with dtype=int")
        _compare(name, "padded", padded, want, "each row holds its sequence from position 0, cut to maxlen, then zeros")
        m = np.asarray(mask)
        if m.shape == want.shape and _same(m.astype(float), (~want_mask).astype(float)):
            _fail(name, "the mask is inverted: True on padding, False on real tokens", "True marks a REAL token")
        if m.shape == want.shape and m.dtype != bool and _same(m.astype(float), want_mask.astype(float)):
            _fail(name, f"the mask has the right values but dtype {m.dtype}", "the exercise asks for a bool mask (a comparison gives one)")
        _compare(name, "mask", m.astype(float) if m.dtype != object else mask, want_mask.astype(float),
                 "mask[i, t] is True exactly where a real token sits")
    _passed(name, "padded ids and masks correct on 3 cases, including sequences longer than maxlen")


@_check(more="m = mask[..., None] turns the (N, T) mask into (N, T, 1), which multiplies every feature; sum h * m over "
        "axis 1 and divide by m summed over axis 1, the number of real steps of each row")
def masked_mean(fn: Callable[[np.ndarray, np.ndarray], np.ndarray]) -> None:
    """Check ``fn(h (N, T, H), mask (N, T)) -> (N, H)``: the mean of each row's states over its real steps only."""
    name = "masked_mean"
    rng = _rng(81)
    for N, T, H in [(3, 5, 4), (2, 7, 1), (4, 3, 6)]:
        h = rng.standard_normal((N, T, H))
        mask = _mask_case(rng, N, T)
        m = mask[..., None]
        want = (h * m).sum(axis=1) / mask.sum(axis=1, keepdims=True)
        got = _call(name, fn, h.copy(), mask.copy())
        _mistake(name, got, want, [
            (h.mean(axis=1), "you averaged over every step, padding included",
             "padded steps must not count: neither in the sum nor in the number you divide by"),
            ((h * m).sum(axis=1) / T, "the padded steps are zeroed but you still divide by T",
             "divide each row by its own number of real steps"),
            ((h * m).sum(axis=1) / mask.sum(), "you divided by the number of real steps of the whole batch",
             "each row has its own count of real steps"),
        ])
        if np.shape(got) == (N, T):
            _fail(name, f"the result has shape {(N, T)}: you averaged over the features", "average over time (axis 1), keep the H features")
        _compare(name, "the pooled states", got, want, "row n must be the average of h[n, t] over the t where mask[n, t] is True")
    _passed(name, "correct on 3 cases with different amounts of padding")


@_check(more="start from np.zeros((2, 2), int) and, for every example, add 1 at [true class, predicted class]; rows are "
        "the true class, columns the prediction")
def confusion_matrix(fn: Callable[[np.ndarray, np.ndarray], np.ndarray]) -> None:
    """Check ``fn(y_true, y_pred) -> (2, 2)`` counts, rows = true class (0, 1), columns = predicted class (0, 1)."""
    name = "confusion_matrix"
    rng = _rng(82)
    for n in (20, 7, 4):
        y_true = rng.integers(0, 2, size=n)
        y_pred = np.where(rng.random(n) < 0.7, y_true, 1 - y_true)
        if n == 4:  # one class only: the matrix is still 2 x 2
            y_true, y_pred = np.zeros(n, dtype=int), np.array([0, 0, 1, 0])
        else:
            y_pred[0], y_true[0] = 1, 0  # at least one false positive, so a transposed answer shows
            y_pred[1], y_true[1] = 1, 1
            y_pred[2], y_true[2] = 1, 1  # and a count above 1
        want = np.zeros((2, 2))
        np.add.at(want, (y_true, y_pred), 1)
        got = _call(name, fn, y_true.copy(), y_pred.copy())
        if n == 4 and np.shape(got) != (2, 2):
            _fail(name, f"when every true label is 0 the result has shape {np.shape(got)}, expected (2, 2)",
                  "the matrix is always 2 x 2, even when a class never occurs in the data")
        _mistake(name, got, want, [
            (want.T, "rows and columns are swapped", "row = the TRUE class, column = the PREDICTED class"),
            (want / n, "you returned fractions, not counts", "each entry is a number of examples"),
            ((want > 0).astype(float), "every nonzero entry is 1: the entries are set, not counted",
             "several examples fall in the same cell: add 1 for each (+=), do not assign (=)"),
        ])
        _compare(name, "the confusion matrix", got, want, "entry [i, j] counts the examples of true class i predicted as j")
        if not np.issubdtype(np.asarray(got).dtype, np.integer):
            _fail(name, f"the counts are right but their dtype is {np.asarray(got).dtype}, not an integer type",
                  "counts are whole numbers: make the matrix with an integer dtype")
    _passed(name, "counts correct on 3 cases")


# --------------------------------------------------------------------------
# 10 Many-to-many, aligned: tagging
# --------------------------------------------------------------------------


@_check(more="a position is a mistake when it is real (mask True) AND its tag is wrong; a sentence is right when "
        "none of its positions is a mistake (a reduction along axis 1); the answer is the share of such sentences")
def sentence_accuracy(fn: Callable[[np.ndarray, np.ndarray, np.ndarray], float]) -> None:
    """Check ``fn(y_true (N, T), y_pred (N, T), mask (N, T)) -> float``: the share of sentences with every real token right."""
    name = "sentence_accuracy"
    rng = _rng(100)
    for N, T, C in _variant([(6, 7, 5), (3, 9, 3), (8, 4, 12)], [(5, 6, 4), (7, 5, 9)]):
        mask = _mask_case(rng, N, T)
        y_true = np.where(mask, rng.integers(1, C, size=(N, T)), 0)
        y_pred = y_true.copy()
        wrong_rows = rng.permutation(N)[: max(1, N // 3)]       # a third of the sentences get one wrong real tag
        for n in wrong_rows:
            t = rng.integers(0, mask[n].sum())
            y_pred[n, t] = 1 + y_true[n, t] % (C - 1)
        y_pred[~mask] = rng.integers(1, C, size=int((~mask).sum()))  # a model predicts something at padding too
        right, real = y_true == y_pred, mask
        want = float(np.mean([right[n][real[n]].all() for n in range(N)]))
        got = _call(name, fn, y_true.copy(), y_pred.copy(), mask.copy())
        if np.ndim(got) != 0:
            _fail(name, f"expected one number, got an array of shape {np.shape(got)}",
                  "one number for the whole batch: the share of the sentences that are entirely right")
        _mistake(name, got, want, [
            (float(right.all(axis=1).mean()), "a sentence was counted wrong for a tag at a padded position",
             "padded positions are neither right nor wrong: only the real tokens decide a sentence"),
            (float(right[real].mean()), "that is the share of right tokens, not of right sentences",
             "a sentence with one wrong tag is a wrong sentence, however long it is"),
            (float(np.mean([right[n][real[n]].any() for n in range(N)])), "a sentence counted as right when ANY real tag was right",
             "a sentence is right only when EVERY real token is right"),
            (float(np.sum([right[n][real[n]].all() for n in range(N)])), "that is the number of right sentences, not their share",
             "divide by the number of sentences"),
        ])
        _compare(name, "the sentence accuracy", np.asarray(got, dtype=float), np.asarray(want),
                 "the share of sentences whose real tokens (mask True) are all tagged right")
    _passed(name, "correct on 3 padded batches, with predictions at the padding")


@_check(more="print two (N, T) arrays for a small batch before you reduce anything: at every position, the probability "
        "the model gave its true tag (probs indexed along its last axis by y_true), and the weight of its true tag. "
        "Which positions belong in the sums, and does the mask act before or after the log (a padded position may hold "
        "a probability of 0)? Then ask what a weighted mean divides by.")
def weighted_cross_entropy(fn: Callable[[np.ndarray, np.ndarray, np.ndarray, np.ndarray], float]) -> None:
    """Check ``fn(probs (N, T, C), y_true (N, T), mask (N, T), tag_weights (C,)) -> float``.

    The weighted mean of -log p[true tag] over the real tokens, each token weighted by its true tag's weight.
    """
    name = "weighted_cross_entropy"
    rng = _rng(101)
    for k, (N, T, C) in enumerate([(3, 5, 4), (2, 8, 6), (5, 3, 3)]):
        logits = rng.standard_normal((N, T, C)) * 2
        probs = np.exp(logits) / np.exp(logits).sum(-1, keepdims=True)
        mask = _mask_case(rng, N, T)
        y_true = np.where(mask, rng.integers(0, C, size=(N, T)), 0)
        tag_weights = np.round(rng.uniform(0.5, 3.0, size=C), 2)
        if k == 2:  # the model gives the padding tag 0 probability 0 somewhere in the padding
            pad = np.argwhere(~mask)[0]
            probs[pad[0], pad[1]] = np.r_[0.0, np.full(C - 1, 1.0 / (C - 1))]
        p_true = np.take_along_axis(probs, y_true[..., None], axis=-1)[..., 0]
        weight = tag_weights[y_true]
        nll_real, w_real = -np.log(p_true[mask]), weight[mask]
        want = float((w_real * nll_real).sum() / w_real.sum())
        got = _call(name, fn, probs.copy(), y_true.copy(), mask.copy(), tag_weights.copy())
        if np.ndim(got) != 0:
            _fail(name, f"expected one number, got an array of shape {np.shape(got)}", "average over the real tokens to one number")
        value = float(np.asarray(got, dtype=float))
        if k == 2 and not np.isfinite(value):
            _fail(name, f"the loss is {value}: at a padded position the true-tag probability is 0, and log(0) * 0 "
                        "is NaN (or the padding was averaged in)",
                  "select the real tokens with the mask BEFORE the log, instead of multiplying by the mask after it")
        with np.errstate(all="ignore"):
            nll = -np.log(p_true)
        w_pred = tag_weights[probs.argmax(-1)][mask]
        per_sentence = float(np.mean([(weight[i][mask[i]] * nll[i][mask[i]]).sum() / weight[i][mask[i]].sum()
                                      for i in range(N)]))
        _mistake(name, value, want, [
            (float(nll_real.mean()), "the tag weights are not used: that is the plain masked mean",
             "each real token's loss counts with the weight of its true tag"),
            (float((w_real * nll_real).sum() / mask.sum()), "you divided the weighted sum by the number of real tokens",
             "a weighted mean divides by the sum of the weights it used"),
            (float((w_pred * nll_real).sum() / w_pred.sum()), "the weights were taken from the PREDICTED tag",
             "the weight belongs to the true tag of each token"),
            (float((weight * nll).sum() / weight.sum()), f"the padded steps were averaged in: got {value:.4f}, expected {want:.4f}",
             "padded positions have no tag to predict: leave them out"),
            (per_sentence, "you averaged per sentence first, then over sentences",
             "one weighted mean over all real tokens of the batch"),
            (-want, "the loss is negative: the minus sign is missing", "log of a probability is <= 0; the loss is minus that"),
            (float((w_real * nll_real).sum()), "you returned the weighted sum, not the mean", "divide by the sum of the weights"),
        ])
        _compare(name, "the loss", np.asarray(value), np.asarray(want),
                 "the weighted mean of -log p[n, t, y_true[n, t]], weights tag_weights[y_true[n, t]], where mask is True")
    _passed(name, "correct on 3 padded batches with unequal tag weights")


#: Words that differ only in case and are tagged differently ("May" the month, "may" the verb): the table
#: must keep them apart, since the notebook lowercases before it calls the function, not inside it.
_CASED_CORPUS = (
    [["May", "ends"], ["we", "may", "go"], ["in", "May"], ["may", "we"], ["May", "is", "warm"]],
    [["NOUN", "VERB"], ["PRON", "VERB", "VERB"], ["ADP", "NOUN"], ["VERB", "PRON"], ["NOUN", "VERB", "ADJ"]],
)
_HIDDEN_CASED_CORPUS = (
    [["Mark", "can", "mark"], ["mark", "it"], ["ask", "Mark"]],
    [["NOUN", "VERB", "VERB"], ["VERB", "PRON"], ["VERB", "NOUN"]],
)


_TAG_CORPUS = (  # every word's count and tags are chosen: words seen 1, 2, 3 and 5 times, ties, rare nouns, a repeat
    [["the", "dog", "runs"], ["the", "cat", "can", "fish"], ["a", "dog", "runs", "far"], ["light", "fills", "the", "park"],
     ["fish", "can", "swim"], ["the", "light", "jury"], ["the", "dog", "likes", "runs"], ["storm"], ["city", "river"],
     ["very", "very", "good"], ["we", "park", "here"], ["we", "swim"]],
    [["DET", "NOUN", "VERB"], ["DET", "NOUN", "VERB", "VERB"], ["DET", "NOUN", "VERB", "ADV"], ["NOUN", "VERB", "DET", "NOUN"],
     ["NOUN", "VERB", "VERB"], ["DET", "ADJ", "NOUN"], ["DET", "NOUN", "VERB", "NOUN"], ["NOUN"], ["NOUN", "NOUN"],
     ["ADV", "ADV", "ADJ"], ["PRON", "VERB", "ADV"], ["PRON", "VERB"]],
)
#: In both corpora: 'very' / 'far' reach min_count=2 only by a repeat inside one sentence; the kept words' tags
#: alone hold more VERB than NOUN, all tokens more NOUN than VERB, so a tie settled by the kept words' counts goes
#: the other way; and for every two wrong rules (last tag, tag seen first, a tag's overall count alone, the kept
#: words' counts) some kept word gets different entries, so each diagnosis fires only for its own mistake.
_HIDDEN_TAG_CORPUS = (  # the same kinds of words, other words
    [["the", "saw", "cuts"], ["fish", "swim"], ["we", "can", "fish"], ["we", "saw", "the", "boat"], ["the", "boat", "can", "float"],
     ["we", "row", "and", "row"], ["the", "calm", "lake"], ["calm", "returns"], ["we", "saw", "storms"], ["a", "can"],
     ["oars", "sails", "nets"], ["harbor", "lights"], ["far", "far", "away"], ["we", "float"], ["gulls", "and", "terns"]],
    [["DET", "NOUN", "VERB"], ["NOUN", "VERB"], ["PRON", "VERB", "VERB"], ["PRON", "VERB", "DET", "NOUN"],
     ["DET", "NOUN", "VERB", "VERB"], ["PRON", "VERB", "CONJ", "VERB"], ["DET", "ADJ", "NOUN"], ["NOUN", "VERB"],
     ["PRON", "VERB", "NOUN"], ["DET", "NOUN"], ["NOUN", "NOUN", "NOUN"], ["NOUN", "NOUN"], ["ADV", "ADV", "ADV"], ["PRON", "VERB"],
     ["NOUN", "CONJ", "NOUN"]],
)


def _times(k: int) -> str:
    return "once" if k == 1 else "twice" if k == 2 else f"{k} times"


def _tag_table_case(name: str, fn: Callable[..., Any], sents: list[list[str]], tags: list[list[str]], min_count: int) -> None:
    """One call of the learner's tag_table, judged entry by entry against the stated rules."""
    given_s, given_t = [list(s) for s in sents], [list(t) for t in tags]
    out = _unpack(name, _call(name, fn, given_s, given_t, min_count), 2, "table, default")
    if given_s != sents or given_t != tags:
        _fail(name, "your function changed the lists it was given", "count from the sentences; leave them as they are")
    table, default = out
    if not isinstance(table, dict):
        _fail(name, f"the table should be a dict word -> tag, got {type(table).__name__}", "one entry per word that is kept")
    per_word: dict[str, Counter] = {}
    last: dict[str, str] = {}
    in_sentences: Counter = Counter()  # how many sentences a word occurs in, to recognise a count of sentences
    for s, t in zip(sents, tags):
        for w, g in zip(s, t):
            per_word.setdefault(w, Counter())[g] += 1
            last[w] = g
        in_sentences.update(set(s))
    overall = Counter(g for t in tags for g in t)
    seen = {w: sum(c.values()) for w, c in per_word.items()}
    kept = {w for w in per_word if seen[w] >= min_count}
    where = f"with min_count={min_count},"
    extra = sorted(w for w in table if w in per_word and w not in kept)
    if extra:
        w = extra[0]
        _fail(name, f"{where} the table has {len(extra)} word(s) seen fewer than {min_count} times, e.g. {w!r} (seen "
                    f"{_times(seen[w])})", f"a word seen fewer than min_count times gets no entry: the default covers it")
    strangers = sorted(w for w in table if w not in per_word)
    if strangers:
        _fail(name, f"the table has an entry for {strangers[0]!r}, a word that is not in the sentences",
              "the keys are the words of the sentences, exactly as they are written")
    missing = sorted(kept - set(table), key=lambda w: (-seen[w], w))
    if missing:
        w = missing[0]
        top_count = {v: max(per_word[v].values()) for v in per_word}
        if all(top_count[v] < min_count for v in missing) and all(v in table for v in kept if top_count[v] >= min_count):
            _fail(name, f"{where} {w!r} has no entry: it is seen {_times(seen[w])} ({dict(per_word[w])}), but its top "
                        f"tag only {_times(top_count[w])}",
                  "min_count is about how often the WORD occurs, whatever its tags, not how often its top tag does")
        if all(in_sentences[v] < min_count for v in missing):
            n_in = "one sentence" if in_sentences[w] == 1 else f"{in_sentences[w]} sentences"
            _fail(name, f"{where} {w!r} has no entry: it is seen {_times(seen[w])}, but in only {n_in}; you counted "
                        "sentences, not tokens",
                  "min_count is about tokens: a word that occurs twice in one sentence counts twice")
        if min_count > 1 and all(seen[v] == min_count for v in missing):
            _fail(name, f"{where} the words seen exactly {min_count} times have no entry, e.g. {w!r}",
                  "a word seen min_count times or more is kept: check the comparison at the boundary")
        _fail(name, f"{where} {len(missing)} word(s) seen {min_count} times or more have no entry, e.g. {w!r} (seen "
                    f"{_times(seen[w])})", "every word seen at least min_count times needs its tag")

    def tops(v: str) -> list[str]:  # a word's top tags: more than one on a tie
        return [g for g in per_word[v] if per_word[v][g] == max(per_word[v].values())]

    def rule(w: str) -> str:
        c = per_word[w]
        return max(c, key=lambda g: (c[g], overall[g]))

    kept_counts = Counter(g for s, t in zip(sents, tags) for w, g in zip(s, t) if w in kept)

    wrong = sorted((w for w in kept if table[w] != rule(w)), key=lambda w: (-seen[w], w))
    if wrong:
        w = wrong[0]
        c = per_word[w]
        if all(table[v] == last[v] for v in kept):
            _fail(name, f"each word gets the tag it had LAST, e.g. {w!r}: {table[w]!r}, but it is tagged {dict(c)}",
                  "count all of a word's tags and keep the most frequent one, not the latest")
        if all(table[v] == max(per_word[v], key=overall.get) for v in kept):
            _fail(name, f"each word gets, of its own tags, the one most frequent over all tokens, e.g. {w!r}: "
                        f"{table[w]!r}, but it is tagged {dict(c)}",
                  "a word's own tag counts decide; the overall counts only settle a tie between its top tags")

        ties = [v for v in wrong if table[v] in tops(v)]
        if ties:
            v = ties[0]
            counts = ", ".join(f"{g} {overall[g]}" for g in sorted(per_word[v], key=lambda g: -overall[g]))
            tied = [u for u in kept if len(tops(u)) > 1]
            if all(table[u] == max(tops(u), key=kept_counts.get) for u in tied):
                mine = ", ".join(f"{g} {kept_counts[g]}" for g in sorted(per_word[v], key=lambda g: -kept_counts[g]))
                _fail(name, f"{where} {v!r} is tagged {dict(per_word[v])}, a tie; you settled it with the tags of the "
                            f"words in the table ({mine}), but the rule counts all tokens ({counts})",
                      "a tie is settled by the same overall counts as the default: the words left out count too")
            _fail(name, f"{where} {v!r} is tagged {dict(per_word[v])}, a tie; you chose {table[v]!r}, but the rule gives a "
                        f"tie to the tag more frequent over all tokens ({counts})",
                  "a tie is settled by the overall counts, not by which tag came first (Counter.most_common keeps "
                  "that order) nor by the alphabet")
        _fail(name, f"{where} {len(wrong)} word(s) get the wrong tag, e.g. {w!r}: you said {table[w]!r}, but it is "
                    f"tagged {dict(c)}" + ("" if len(tops(w)) == 1 else " (a tie)"),
              "count the tags of each word separately and keep the most common one")
    best = max(overall, key=overall.get)
    if default != best:
        def kept_top(k: int) -> str:  # the top tag of the words seen at least k times
            counts = Counter(g for s, t in zip(sents, tags) for w, g in zip(s, t) if seen[w] >= k)
            return max(counts, key=counts.get)

        def follows_the_kept_words() -> bool:  # a fixed wrong default can equal kept_top by chance: try min_count + 1
            if kept_top(min_count + 1) == default:
                return True
            again = _unpack(name, _call(name, fn, [list(s) for s in sents], [list(t) for t in tags], min_count + 1), 2,
                            "table, default")[1]
            return again == kept_top(min_count + 1)

        if min_count > 1 and default == kept_top(min_count) and follows_the_kept_words():
            _fail(name, f"{where} the default is {default!r}, the top tag of the words in the table; expected {best!r}, "
                        f"the top tag over all tokens ({dict(overall)})",
                  "the default is for the words left out, and they count too: rare words are often nouns")
        per_type = Counter(rule(v) for v in per_word)
        hint_text = ("count every token, not every word once: a frequent word counts as often as it occurs"
                     if default == max(per_type, key=per_type.get) else
                     "a word without an entry gets the tag that is most frequent over ALL training tokens")
        _fail(name, f"the default tag is {default!r}, expected {best!r} (counts over all tokens: {dict(overall)})", hint_text)


@_check(more="count two things in one pass over the (word, tag) pairs: a Counter of tags for each word, and one Counter "
        "of all tags. A word's total is the sum of its Counter; keep the word only if that total reaches min_count. "
        "Its entry is the tag with the highest count, and among equal counts the one whose overall count is higher: "
        "max() with a key that returns a pair compares the first number, then the second")
def tag_table(fn: Callable[[list[list[str]], list[list[str]], int], tuple[dict[str, str], str]]) -> None:
    """Check ``fn(sentences, tags, min_count) -> (table, default)``.

    ``table``: each word seen at least ``min_count`` times -> its most frequent tag, a tie going to the tag
    more frequent over all tokens; ``default``: the most frequent tag over all tokens.
    """
    name = "tag_table"
    sents, tags = _variant(_TAG_CORPUS, _HIDDEN_TAG_CORPUS)
    for min_count in (2, 3, 1):
        _tag_table_case(name, fn, sents, tags, min_count)
    cased_sents, cased_tags = _variant(_CASED_CORPUS, _HIDDEN_CASED_CORPUS)
    cased = _unpack(name, _call(name, fn, [list(x) for x in cased_sents], [list(t) for t in cased_tags], 1), 2,
                    "table, default")[0]
    upper = sorted({w for x in cased_sents for w in x if w != w.lower()})
    if isinstance(cased, dict) and any(w not in cased for w in upper) and all(w.lower() in cased for w in upper):
        _fail(name, f"on sentences with both {upper[0]!r} and {upper[0].lower()!r} your table has no entry for "
              f"{upper[0]!r}: it lowercases the words", "the function gets the words as they are and keeps them apart; "
              "lowercasing is a choice its caller makes (section 2 lowercases before it calls)")
    _tag_table_case(name, fn, cased_sents, cased_tags, 1)
    _passed(name, "entries, cutoff, ties and the default correct for min_count = 1, 2 and 3")


# --------------------------------------------------------------------------
# 14 Forecasting
# --------------------------------------------------------------------------


def _gapped(series: np.ndarray, L: int, H: int, gap: int, stride: int, *, n: int | None = None,
            target_start: int | None = None) -> tuple[np.ndarray, np.ndarray]:
    """The windows of ``gapped_windows``; ``n`` and ``target_start`` (offset of the first target) to build mistakes."""
    n = (len(series) - L - gap - H) // stride + 1 if n is None else n
    first = L + gap if target_start is None else target_start
    starts = np.arange(max(n, 0)) * stride
    ok = starts + max(L, first + H) <= len(series)
    starts = starts[ok]
    return (np.stack([series[s:s + L] for s in starts]) if len(starts) else np.zeros((0, L)),
            np.stack([series[s + first:s + first + H] for s in starts]) if len(starts) else np.zeros((0, H)))


@_check(more="one window uses input_len + gap + horizon consecutive values, from its first input to its last target; "
        "the windows start at 0, stride, 2 * stride, ... for as long as a window that starts there still fits in the "
        "series (count the starts with a floor division, and do not forget the start at 0); the first target of the "
        "window that starts at s sits at index s + input_len + gap (with gap = 0, right after the window)",
        reference=("rnnkit.data.make_windows",))
def gapped_windows(fn: Callable[[np.ndarray, int, int, int, int], tuple[np.ndarray, np.ndarray]]) -> None:
    """Check ``fn(series (T,), input_len, horizon, gap, stride) -> (X (N, L), Y (N, H))``.

    Window ``i`` starts at ``s = i * stride``; its inputs are ``series[s : s + L]`` and its targets the
    ``horizon`` values that start ``gap`` steps after the window ends; N = (T - L - gap - H) // stride + 1.
    """
    name = "gapped_windows"
    rng = _rng(140)
    # the first case of each has slack at its end, so that a late target still fits and its message names it
    cases = _variant([(27, 5, 3, 2, 4), (19, 4, 2, 3, 2), (13, 3, 1, 0, 1), (12, 3, 2, 4, 5), (9, 2, 2, 5, 3)],
                     [(23, 3, 2, 4, 3), (30, 6, 2, 1, 5), (11, 4, 1, 0, 2), (16, 2, 3, 6, 6), (8, 3, 1, 4, 2)])
    for T, L, H, gap, stride in cases:
        series = np.round(rng.standard_normal(T), 3)
        X, Y = _unpack(name, _call(name, fn, series.copy(), L, H, gap, stride), 2, "X, Y")
        want_X, want_Y = _gapped(series, L, H, gap, stride)
        n = len(want_X)
        where = f"for T={T}, input_len={L}, horizon={H}, gap={gap}, stride={stride}"
        got_X, got_Y = _as_array(name, "X", X), _as_array(name, "Y", Y)
        if got_X.ndim == 3 and got_X.shape == (n, L, 1):
            _fail(name, f"{where}, X has shape {got_X.shape}, expected {(n, L)}: a feature axis too many",
                  "the series is 1-D, so each window is a row of input_len values: X is (N, input_len)")
        if got_X.ndim == 2 and got_X.shape[1] == L and got_X.shape[0] != n:
            k = got_X.shape[0]
            if k == len(_gapped(series, L, H, gap, 1)[0]) and stride > 1:
                _fail(name, f"{where}, you made {k} windows, expected {n}: one for every step, as if stride were 1",
                      "the windows start stride steps apart")
            if k == n + 1 or (k > n and k == len(_gapped(series, L, H, 0, stride)[0])):
                _fail(name, f"{where}, you made {k} windows, expected {n}: the last one has no room for its targets",
                      "count the values a window needs, from its first input to its last target: the gap is part of it")
            if k == n - 1:
                _fail(name, f"{where}, you made {k} windows, expected {n}: the last window that fits is missing",
                      "a window fits when its last target is the last value of the series, or earlier")
            _fail(name, f"{where}, you made {k} windows, expected {n}",
                  "count the starts 0, stride, 2 * stride, ... whose window (inputs, gap and targets) fits in the series")
        _compare(name, f"X ({where})", got_X, want_X, "window i holds input_len consecutive values starting at i * stride")
        _mistake(name, got_Y, want_Y, [
            (_gapped(series, L, H, gap, stride, target_start=L)[1], f"{where}, the targets start right after the window: "
             "the gap is missing", "between the last input and the first target lie gap values that the model "
             "neither sees nor forecasts"),
            (_gapped(series, L, H, gap, stride, target_start=L + gap - 1)[1], f"{where}, the targets start one step early",
             "with gap=0 the first target is the value right after the window; each unit of gap moves it one step later"),
            (_gapped(series, L, H, gap, stride, target_start=L + gap + 1)[1], f"{where}, the targets start one step late",
             "with gap=0 the first target is the value right after the window; each unit of gap moves it one step later"),
            (_gapped(series, L, H, gap, stride, target_start=gap)[1], f"{where}, the targets start gap steps after the "
             "window's FIRST value, inside the window", "count the gap from the end of the window, not from its start"),
        ])
        if got_Y.shape == (n, gap + H) and gap:
            _fail(name, f"{where}, Y has shape {got_Y.shape}, expected {(n, H)}: the gap values are in the targets",
                  "the gap is skipped: the targets are only the horizon values after it")
        _compare(name, f"Y ({where})", got_Y, want_Y, "the targets of a window are the horizon values that start gap "
                 "steps after its last input")
    _passed(name, f"windows and targets correct on {len(cases)} cases, with and without a gap, strides 1 to 5")


def _drift(X: np.ndarray, H: int, *, first_lead: int = 1, steps: int | None = None, last_two: bool = False) -> np.ndarray:
    L = X.shape[1]
    slope = (X[:, -1:] - X[:, -2:-1]) if last_two else (X[:, -1:] - X[:, :1]) / (L - 1 if steps is None else steps)
    return X[:, -1:] + slope * np.arange(first_lead, first_lead + H)


@_check(more="the slope of window n is (its last value - its first value) / (L - 1), one number per window; the "
        "forecast for lead time h = 1 .. horizon is the last value plus h slopes, so an (N, 1) column of slopes "
        "times a row of the lead times gives (N, horizon)")
def drift_forecast(fn: Callable[[np.ndarray, int], np.ndarray]) -> None:
    """Check ``fn(X (N, L), horizon) -> (N, H)``: the drift forecast, the line through each window's first and last value."""
    name = "drift_forecast"
    rng = _rng(141)
    for N, L, H in _variant([(3, 6, 7), (4, 5, 1), (1, 2, 3)], [(5, 4, 2), (2, 3, 6), (1, 7, 1)]):
        X = rng.standard_normal((N, L))
        want = _drift(X, H)
        got = _call(name, fn, X.copy(), H)
        if np.shape(got) == (N,):
            _fail(name, f"the result has shape {(N,)}: one value per window, not a row of horizon={H} forecasts",
                  "keep a column per future step: the result is (N, horizon), even when horizon is 1")
        if np.shape(got) == (N * H,):
            _fail(name, f"the result has shape {(N * H,)}: the forecasts are in one flat array", "the result is (N, horizon)")
        _mistake(name, got, want, [
            (np.repeat(X[:, -1:], H, axis=1), "every step repeats the last value: that is persistence, with no drift",
             "the drift forecast adds, at every step, the window's average change per step"),
            (_drift(X, H, first_lead=0), "the first forecast equals the last value: the lead times start at 0",
             "the first forecast is one step after the last value, so it has already moved by one slope"),
            (_drift(X, H, steps=L), f"the slope is divided by L = {L}",
             f"from the first to the last of {L} values there are {L - 1} steps"),
            (_drift(X, H, last_two=True), "the slope comes from the last two values only",
             "the drift is the average change over the whole window, from its first value to its last"),
        ])
        _compare(name, "the forecast", got, want, "step h of window n is its last value plus h times its slope")
    _passed(name, "correct on 3 cases")


def _linear_step(weights: np.ndarray) -> Callable[[np.ndarray], np.ndarray]:
    def step(window: np.ndarray) -> np.ndarray:
        window = np.asarray(window, dtype=np.float64)
        if window.ndim != 2 or window.shape[1] != len(weights):
            raise ValueError(f"the one-step model takes windows of shape (N, {len(weights)}); got {window.shape}")
        return window @ weights

    return step


@_check(more="keep a window array; horizon times: y = step(window) is (N,), store it, and make the next window from "
        "the window without its first (oldest) column plus y as a new last column; stack the stored forecasts along "
        "axis 1")
def recursive_forecast(fn: Callable[[Callable[[np.ndarray], np.ndarray], np.ndarray, int], np.ndarray]) -> None:
    """Check ``fn(step, X (N, L), horizon) -> (N, H)``: a one-step model fed its own forecasts, ``horizon`` times.

    ``step(window (N, L)) -> (N,)`` forecasts the value after each window.
    """
    name = "recursive_forecast"
    rng = _rng(142)
    for k_case, (N, L, H) in enumerate(_variant([(3, 4, 5), (2, 3, 1), (1, 6, 8)], [(2, 5, 4), (4, 2, 3)])):
        weights = rng.standard_normal(L) / L + np.r_[np.zeros(L - 1), 0.5]
        step = _linear_step(weights)
        X = rng.standard_normal((N, L))
        if k_case == 1:  # whole-degree readings: an int array, whose forecasts are still fractions
            X = np.round(3 * X).astype(np.int64)

        def roll(drop_newest: bool = False, prepend: bool = False, N: int = N, H: int = H, X: np.ndarray = X,
                 step: Callable[[np.ndarray], np.ndarray] = step) -> np.ndarray:
            out, window = np.zeros((N, H)), X.copy()
            for k in range(H):
                out[:, k] = step(window)
                y = out[:, k:k + 1]
                if prepend:
                    window = np.concatenate([y, window[:, :-1]], axis=1)
                elif drop_newest:
                    window = np.concatenate([window[:, :-1], y], axis=1)
                else:
                    window = np.concatenate([window[:, 1:], y], axis=1)
            return out

        want = roll()
        given = X.copy()
        got = _call(name, fn, step, given, H)
        if not np.array_equal(given, X):
            _fail(name, "your function changed the windows X it was given (in place): the caller's X must be left "
                  "unchanged", "`w = X` is a second name for the same array, not a copy, so writing into a slice of w "
                  "(w[:, -1] = ...) writes into X; slide a copy of the windows, or build a new window at each step")
        if np.issubdtype(np.asarray(got).dtype, np.integer) and X.dtype.kind == "i":
            _fail(name, f"for an int input X the forecasts came back as whole numbers ({np.asarray(got).dtype})",
                  "an array made like X (np.zeros_like, np.empty_like, X.copy()) keeps its int dtype, and a float "
                  "stored in it loses its fraction; the forecasts need a float array")
        if np.shape(got) == (H, N) and H != N:
            _fail(name, f"the result has shape {(H, N)}: it looks transposed (one row per step)",
                  "one row per window, one column per future step: (N, horizon)")
        if H > 1:
            _mistake(name, got, want, [
                (np.repeat(want[:, :1], H, axis=1), "every step repeats the first forecast",
                 "after each step the window must change: the forecast becomes its newest value"),
                (roll(drop_newest=True), "the newest value is dropped instead of the oldest",
                 "the window slides forward in time: drop its FIRST column"),
                (roll(prepend=True), "the forecast is put at the front of the window",
                 "the forecast is the most recent value, so it goes at the END of the window"),
            ])
        _compare(name, "the forecast array", got, want,
                 "step k must see the window that ends with the forecasts of steps 0 .. k-1")
    _passed(name, "correct on 3 cases (a linear one-step model rolled forward)")


# --------------------------------------------------------------------------
# 08 Many-to-one: when order decides (contrast pairs, the shuffle test)
# --------------------------------------------------------------------------

from itertools import permutations as _permutations  # noqa: E402  (this section is appended; imports for it alone)

from rnnkit import contrast as _contrast  # noqa: E402
from rnnkit.checks import _rng, _variant  # noqa: E402

__all__ += ["contrast_pair", "shuffle_words"]
CHECKS += ("contrast_pair", "shuffle_words")

_PAIR_CASES = (  # a case where {x} decides comes first, so reversed labels and labels that ignore `decides` differ
    ("the ending is {x} rather than {y}", "x", "moving", "flat"),
    ("the plot is {x} but the acting is {y}", "y", "witty", "dull"),
    ("{x} at first and {y} in the end", "y", "charming", "tedious"),
    ("the music is not {x} it is {y}", "y", "funny", "unfunny"),
)
_HIDDEN_PAIR_CASES = (
    ("the story is {x} although the cast is {y}", "x", "gripping", "bland"),
    ("i expected it to be {x} but it was {y}", "y", "smart", "silly"),
    ("{x} and never {y}", "x", "warm", "tired"),
)


def _as_pair(check: str, out: object) -> list[tuple[str, int]]:
    """The learner's pair as two (sentence, label) tuples, or a failure that says what the structure should be."""
    items = _unpack(check, out, 2, "(sentence, label), (sentence, label)")
    pair = []
    for item in items:
        sentence, label = _unpack(check, item, 2, "sentence, label")
        if not isinstance(sentence, str):
            _fail(check, f"a sentence should be a str, got {type(sentence).__name__}", "each sentence is the template with its slots filled in")
        if isinstance(label, (bool, np.bool_)) or not isinstance(label, (int, np.integer)) or int(label) not in (0, 1):
            _fail(check, f"a label should be the int 0 or 1, got {label!r}", "1 for positive, 0 for negative, as whole numbers")
        pair.append((sentence, int(label)))
    return pair


@_check(more="fill the template twice: once with positive in {x} and negative in {y}, once the other way round (fill each "
             "slot in the template itself, not by editing the first sentence). Then look at the word in the deciding slot of "
             "each sentence: label 1 if it is the positive word", reference=("rnnkit.contrast.contrast_pair",))
def contrast_pair(fn: Callable[[str, str, str, str], tuple[tuple[str, int], tuple[str, int]]]) -> None:
    """Check ``fn(template, decides, positive, negative) -> ((sentence, label), (sentence, label))``: a contrast pair."""
    name = "contrast_pair"
    cases = _variant(_PAIR_CASES, _HIDDEN_PAIR_CASES)
    for template, decides, positive, negative in cases:
        got = _as_pair(name, _call(name, fn, template, decides, positive, negative))
        want = list(_contrast.contrast_pair(template, decides, positive, negative))
        case = f"for {template!r} with decides={decides!r}, positive={positive!r}, negative={negative!r}"
        (s1, l1), (s2, l2) = got
        if any("{" in s or "}" in s for s in (s1, s2)):
            _fail(name, f"a slot is left unfilled: {s1!r}, {s2!r}", "both {x} and {y} must be replaced in each sentence")
        if s1 == s2:
            _fail(name, f"the two sentences are the same ({s1!r}) {case}",
                  "the second sentence has the two words the other way round")
        if sorted(s1.split()) != sorted(s2.split()):
            _fail(name, f"the two sentences do not have the same words: {s1!r} and {s2!r}",
                  "a contrast pair swaps the two words between the slots; check that each word appears once in each sentence")
        if {s1, s2} != {s for s, _ in want}:
            _fail(name, f"the sentences are {s1!r} and {s2!r}, expected {want[0][0]!r} and {want[1][0]!r}",
                  "put the words into the template's slots and change nothing else")
        if l1 == l2:
            _fail(name, f"both sentences have label {l1} {case}", "the two sentences of a contrast pair have opposite labels")
        label_of = dict(got)
        if all(label_of[s] == label for s, label in want):
            continue
        by_x = {s: int(s == want[0][0]) for s, _ in want}  # a rule that ignores `decides`: the word in {x} decides
        if decides == "y" and label_of == by_x:
            _fail(name, f"your labels follow the word in {{x}}, but here decides='y' {case}",
                  "the deciding slot changes from template to template: read it from decides")
        _fail(name, f"the labels are the wrong way round {case}: {s1!r} got {l1}, {s2!r} got {l2}",
              "label 1 goes to the sentence whose deciding slot holds the positive word")
    _passed(name, f"the same words, opposite labels and the rule's label on {len(cases)} templates")


def _padded_rows(rng: np.random.Generator, N: int, T: int) -> np.ndarray:
    """(N, T) ids, each row distinct ids from 1..60 followed by zeros; one full row, one with three words."""
    lengths = rng.integers(3, T + 1, size=N)
    lengths[0], lengths[-1] = T, 3
    ids = np.zeros((N, T), dtype=np.int64)
    for i, n in enumerate(lengths):
        ids[i, :n] = rng.choice(np.arange(1, 61), size=n, replace=False)
    return ids


def _shuffled(check: str, fn: Callable[[np.ndarray, np.random.Generator], np.ndarray], ids: np.ndarray, seed: int) -> np.ndarray:
    """Call the learner's function on a copy of ``ids``; fail if it changes its input or returns another shape."""
    given = ids.copy()
    got = _as_array(check, "the result", _call(check, fn, given, np.random.default_rng(seed)))
    if not np.array_equal(given, ids):
        _fail(check, "your function changed the array it was given", "shuffle a copy and return the copy; the caller's ids must stay as they were",
              more="the test sentences are shuffled many times, each time from the same natural order: start every call "
                   "with a copy of ids and change only the copy")
    if got.shape != ids.shape:
        _fail(check, f"the result has shape {got.shape}, expected {ids.shape}", "return one row per sentence, as long as the rows of ids")
    return got


@_check(more="copy ids; then, row by row, count the real (non-zero) ids, n, and replace the first n entries of the row by "
             "those same ids in an order drawn from rng; the entries after n (the zeros) are not touched")
def shuffle_words(fn: Callable[[np.ndarray, np.random.Generator], np.ndarray]) -> None:
    """Check ``fn(ids (N, T), rng) -> (N, T)``: each row's real ids in a random order, padding still at the end."""
    name = "shuffle_words"
    rng = _rng(84)
    sizes = _variant([(6, 8), (4, 12)], [(7, 9), (3, 5)])
    for N, T in sizes:
        ids = _padded_rows(rng, N, T)
        got = _shuffled(name, fn, ids, seed=1)
        real = ids != 0
        if not np.array_equal(got, ids) and sorted(map(tuple, got.tolist())) == sorted(map(tuple, ids.tolist())):
            _fail(name, "the rows (whole sentences) changed places, but each row's words are in their old order",
                  "shuffle the words within each row, not the rows")
        moved = np.flatnonzero(((got != 0) != real).any(axis=1))
        if moved.size:
            i = int(moved[0])
            _fail(name, f"the padding moved: row {i} was {ids[i].tolist()}, your result is {got[i].astype(int).tolist()}",
                  "only the real ids change places; the zeros after the last word stay where they are")
        for i in range(N):
            if sorted(got[i][real[i]]) != sorted(ids[i][real[i]]):
                _fail(name, f"row {i} does not hold the same ids any more: {ids[i].tolist()} became {got[i].astype(int).tolist()}",
                      "a shuffle keeps every id of the row, once; it changes only their order")
        if np.array_equal(got, ids):
            _fail(name, "every row is still in its original order", "the real ids of each row must come out in a random order")
    ids = _padded_rows(rng, 6, 10)
    if not np.array_equal(_shuffled(name, fn, ids, seed=7), _shuffled(name, fn, ids, seed=7)):
        _fail(name, "two calls with generators in the same state gave different orders",
              "draw the random order from the rng you are given, not from np.random or another generator")
    if all(np.array_equal(_shuffled(name, fn, ids, seed=7), _shuffled(name, fn, ids, seed=s)) for s in (8, 9)):
        _fail(name, "the order does not depend on rng: three different generators gave the same result",
              "a fixed rearrangement (reversing, sorting, rotating by a fixed step) or a generator you made "
              "yourself is not the random order asked for: draw it from the rng argument")
    same = np.tile(np.r_[np.arange(1, 7), 0, 0], (40, 1))  # 40 copies of one sentence of 6 words
    got = _shuffled(name, fn, same, seed=11)
    if len({tuple(row) for row in got.astype(int).tolist()}) == 1:
        _fail(name, "all 40 copies of the same row came out in the same order", "draw a new random order for every row")
    many = np.tile(np.r_[np.arange(1, 5), 0, 0], (2400, 1))  # 2400 copies of one 4-word sentence: 24 possible orders
    got = _shuffled(name, fn, many, seed=12).astype(int)
    counts = Counter(tuple(row[:4]) for row in got.tolist())
    rare = [order for order in _permutations(range(1, 5)) if counts.get(order, 0) < 40]  # each order is expected 100 times
    if rare:
        _fail(name, f"in 2,400 shuffles of one 4-word row, {len(rare)} of the 24 possible orders came out fewer than 40 times "
                    f"(each should come out about 100 times)",
              "every order of a row's words must be equally likely; one random swap or a random rotation reaches only some orders")
    _passed(name, f"{len(sizes)} batches shuffled row by row, padding in place, input untouched; "
                  "every order equally likely, driven by rng")
