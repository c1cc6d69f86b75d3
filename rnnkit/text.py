"""Text as character ids, and text generated back from a character language model.

The tools of notebooks 12 and 13:

* :class:`CharVocab` -- the sorted set of characters of a text; ``encode`` turns a
  string into int32 ids, ``decode`` turns ids back into a string;
* :func:`split_text` -- a text cut into a training part and a held-out part that
  comes *after* it (never shuffled: a language model reads a stream);
* :func:`bits_per_char` and :func:`perplexity` -- the same loss in other units;
* :func:`sample_with_temperature` -- one id drawn from logits divided by a temperature;
* :func:`generate` (and :func:`generate_many`, several temperatures in one batch) --
  text written by a model from :func:`rnnkit.tbptt.build_lm`, one character at a
  time, with the recurrent state carried from step to step;
* :class:`NGramLM` -- the counting baseline: character n-grams with interpolated
  Kneser-Ney smoothing (numpy only).

Only the generators need Keras (through rnnkit.tbptt), imported when called, so
``import rnnkit.text`` stays light (numpy only).
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np

from rnnkit._validate import positive_int

__all__ = [
    "CharVocab", "split_text", "bits_per_char", "perplexity", "sample_with_temperature", "generate", "generate_many", "NGramLM",
]


def _string(name: str, value: Any) -> str:
    if not isinstance(value, str):
        raise ValueError(f"{name} must be a str; got {type(value).__name__}")
    return value


class CharVocab:
    """A character vocabulary: id ``k`` is the ``k``-th character in sorted order.

    Build it from the training text with :meth:`from_text`; every character it
    will ever have to encode must occur there (there is no "unknown" id: a
    character the model never saw is an error, not a guess).

    Example::

        vocab = CharVocab.from_text("hello")
        vocab.chars                  # ('e', 'h', 'l', 'o')
        vocab.encode("hell")         # array([1, 0, 2, 2], dtype=int32)
        vocab.decode([3, 2])         # 'ol'
    """

    def __init__(self, chars: Iterable[str]) -> None:
        chars = tuple(chars)
        bad = [c for c in chars if not (isinstance(c, str) and len(c) == 1)]
        if bad:
            raise ValueError(f"chars must be single characters; got {bad[0]!r}")
        if not chars:
            raise ValueError("chars must hold at least one character; got none")
        if len(set(chars)) != len(chars):
            dup = next(c for c in chars if chars.count(c) > 1)
            raise ValueError(f"chars must be distinct; {dup!r} occurs {chars.count(dup)} times")
        self.chars: tuple[str, ...] = chars
        self.index: dict[str, int] = {c: i for i, c in enumerate(chars)}
        self._table = np.array(chars)

    @classmethod
    def from_text(cls, text: str) -> CharVocab:
        """The vocabulary of every distinct character of ``text``, sorted by code point."""
        text = _string("text", text)
        if not text:
            raise ValueError("text must not be empty")
        return cls(sorted(set(text)))

    def __len__(self) -> int:
        return len(self.chars)

    @property
    def size(self) -> int:
        """V, the number of characters (the size of the model's softmax)."""
        return len(self.chars)

    def __repr__(self) -> str:
        return f"CharVocab({len(self)} characters)"

    def encode(self, text: str) -> np.ndarray:
        """``ids`` (len(text),) int32, one id per character.

        Raises:
            ValueError: ``text`` holds characters that are not in the vocabulary (they are named).
        """
        text = _string("text", text)
        try:
            return np.fromiter((self.index[c] for c in text), dtype=np.int32, count=len(text))
        except KeyError:
            unknown = sorted({c for c in text if c not in self.index})
            raise ValueError(
                f"expected characters from this vocabulary of {len(self)}; received {len(unknown)} unknown: "
                + ", ".join(repr(c) for c in unknown[:10])
                + (" ..." if len(unknown) > 10 else "")
            ) from None

    def decode(self, ids: Sequence[int] | np.ndarray) -> str:
        """The string of the ids (a 1-D sequence of ints in ``[0, V)``).

        Raises:
            ValueError: ``ids`` is not 1-D, not integer, or holds an id outside ``[0, V)``.
        """
        arr = np.asarray(ids)
        if arr.size == 0:
            return ""
        if arr.ndim != 1:
            raise ValueError(f"ids must be 1-D; got shape {arr.shape}")
        if arr.dtype.kind not in "iu":
            raise ValueError(f"ids must be integers; got dtype {arr.dtype}")
        if arr.min() < 0 or arr.max() >= len(self):
            bad = int(arr[(arr < 0) | (arr >= len(self))][0])
            raise ValueError(f"expected ids in [0, {len(self)}); received {bad}")
        return "".join(self._table[arr].tolist())


def split_text(text: str, held_out: float = 0.1) -> tuple[str, str]:
    """Cut ``text`` into ``(train, held_out_text)``: the first part and the last ``held_out`` fraction.

    The split is contiguous, not shuffled: the held-out part is text the model
    never read, which is what a language model's loss on "new text" means.

    Raises:
        ValueError: ``held_out`` is not strictly between 0 and 1, or a part would be empty.
    """
    text = _string("text", text)
    if isinstance(held_out, bool) or not isinstance(held_out, numbers.Real) or not 0.0 < held_out < 1.0:
        raise ValueError(f"held_out must be a fraction strictly between 0 and 1; got {held_out!r}")
    cut = len(text) - int(round(held_out * len(text)))
    if cut <= 0 or cut >= len(text):
        raise ValueError(f"a text of {len(text)} characters is too short to hold out {held_out:.0%} of it")
    return text[:cut], text[cut:]


def bits_per_char(nats: float) -> float:
    """A loss in nats per character (natural log, what Keras reports) converted to bits: ``nats / ln 2``."""
    return float(nats) / math.log(2.0)


def perplexity(nats: float) -> float:
    """``exp(loss)``: the number of equally likely characters the model is, on average, choosing between."""
    return float(math.exp(float(nats)))


def sample_with_temperature(logits: np.ndarray, temperature: float, rng: np.random.Generator) -> int:
    """One id drawn from ``softmax(logits / temperature)``.

    ``temperature`` 1 samples from the model's own distribution; below 1 sharpens it
    (safer, more repetitive text), above 1 flattens it (more surprising, more
    mistakes); 0 means greedy: always the most likely id.

    Args:
        logits: (V,) unnormalised log-probabilities.
        temperature: >= 0.
        rng: a numpy Generator (the only source of randomness).
    """
    z = np.asarray(logits, dtype=np.float64)
    if z.ndim != 1 or z.size == 0:
        raise ValueError(f"logits must be a non-empty 1-D array (V,); got shape {z.shape}")
    if isinstance(temperature, bool) or not isinstance(temperature, numbers.Real) or not temperature >= 0:
        raise ValueError(f"temperature must be a number >= 0; got {temperature!r}")
    if not isinstance(rng, np.random.Generator):
        raise ValueError(f"rng must be a np.random.Generator; got {type(rng).__name__}")
    if temperature == 0:
        return int(np.argmax(z))
    z = z / float(temperature)
    p = np.exp(z - z.max())
    p /= p.sum()
    return int(rng.choice(z.size, p=p))


def generate(
    model: Any,
    vocab: CharVocab,
    prompt: str,
    length: int,
    *,
    temperature: float = 1.0,
    rng: np.random.Generator,
) -> str:
    """Write ``length`` characters after ``prompt`` with a model from :func:`rnnkit.tbptt.build_lm`.

    The prompt is read in one pass (its final states "warm up" the memory); then each
    step feeds the last character with the states the previous step returned, samples
    the next one with :func:`sample_with_temperature`, and feeds that back in
    (autoregressive generation). Only one character is run per step, so every step
    costs the same, however long the text gets.

    Under the JAX backend, call ``trainer.sync()`` (``fit_tbptt`` does it for you)
    before generating, so the Keras variables hold the trained weights.

    Returns:
        ``prompt`` followed by the ``length`` generated characters.
    """
    return generate_many(model, vocab, prompt, length, temperatures=[temperature], rng=rng)[0]


def generate_many(
    model: Any,
    vocab: CharVocab,
    prompt: str,
    length: int,
    *,
    temperatures: Sequence[float],
    rng: np.random.Generator,
) -> list[str]:
    """Like :func:`generate`, for several temperatures at once: one batch row per temperature.

    The rows share nothing but the prompt, so this gives the same texts as calling
    :func:`generate` once per temperature (with other random draws), in about the
    time of one call.

    Returns:
        One string per temperature, each ``prompt`` followed by ``length`` characters.
    """
    from rnnkit.tbptt import zero_states

    if not isinstance(vocab, CharVocab):
        raise ValueError(f"vocab must be a CharVocab; got {type(vocab).__name__}")
    prompt = _string("prompt", prompt)
    if not prompt:
        raise ValueError("prompt must hold at least one character (the model needs something to continue)")
    length = positive_int("length", length)
    temps = list(temperatures) if isinstance(temperatures, (list, tuple, np.ndarray)) else None
    if not temps:
        raise ValueError(f"temperatures must be a non-empty list of numbers >= 0; got {temperatures!r}")
    n_in, n_out = len(getattr(model, "inputs", []) or []), len(getattr(model, "outputs", []) or [])
    if n_in < 2 or n_out != n_in:
        raise ValueError(
            "expected a model [tokens, *states] -> [logits, *states] as build_lm makes; "
            f"received one with {n_in} input(s) and {n_out} output(s)"
        )
    vocab_out = int(model.outputs[0].shape[-1])
    if vocab_out != len(vocab):
        raise ValueError(f"expected a model with {len(vocab)} outputs (the size of the vocabulary); received one with {vocab_out}")
    B = len(temps)
    ids = np.repeat(vocab.encode(prompt)[None, :], B, axis=0)  # (B, P): the prompt in every row
    states = zero_states(model, B)  # each (B, units)
    out = np.zeros((B, length), dtype=np.int32)
    for t in range(length):
        logits, *states = model.predict_on_batch([ids, *states])  # logits: (B, steps, V); compiled once per shape
        last = np.asarray(logits)[:, -1]  # (B, V)
        out[:, t] = [sample_with_temperature(last[b], temps[b], rng) for b in range(B)]
        ids = out[:, t : t + 1]  # (B, 1): the samples become the next inputs
    return [prompt + vocab.decode(row) for row in out]


class NGramLM:
    """A character n-gram model with interpolated Kneser-Ney smoothing: the strongest counting baseline.

    The probability of the next id ``w`` after the context ``h`` (the last ``order - 1``
    ids) mixes the counts of the longest context with the model of the next shorter one,
    down to a uniform guess over the ``V`` ids:

        p(w | h) = max(c(h w) - D, 0) / c(h)  +  D * N(h) / c(h) * p(w | h')

    where ``c`` counts how often a string occurred in the training ids, ``N(h)`` is the
    number of different ids that followed ``h``, ``h'`` is ``h`` without its first id, and
    ``D`` (``discount``, between 0 and 1) is taken from every seen count and handed to the
    shorter context. A context never seen in training leaves the shorter model alone.
    Kneser and Ney's idea: below the longest order, ``c(h w)`` is replaced by the number of
    different ids that preceded ``h w`` (how many contexts a string *continues*, not how
    often it occurred), because the shorter model is only asked when the longer one knows
    little. Every distribution sums to one.

    Example::

        lm = NGramLM(order=5, vocab_size=len(vocab)).fit(train_ids)
        lm.loss(val_ids)             # mean nats per character
        lm.log_probs(val_ids)        # (n,) ln p of every id given the ids before it
        lm.next_probs(vocab.encode("Mr. Knightle"))   # (V,)
    """

    def __init__(self, order: int, vocab_size: int, discount: float = 0.75) -> None:
        self.order = positive_int("order", order)
        self.vocab_size = positive_int("vocab_size", vocab_size)
        if isinstance(discount, bool) or not isinstance(discount, numbers.Real) or not 0.0 < discount < 1.0:
            raise ValueError(f"discount must be a number strictly between 0 and 1; got {discount!r}")
        if float(self.vocab_size) ** self.order >= 2.0**62:
            raise ValueError(f"order={self.order} with vocab_size={self.vocab_size} is too long: "
                             f"expected vocab_size ** order < 2**62 (the n-grams are stored as int64 keys)")
        self.discount = float(discount)
        self._levels: list[tuple[np.ndarray, ...]] = []

    def __repr__(self) -> str:
        return f"NGramLM(order={self.order}, vocab_size={self.vocab_size}, discount={self.discount})"

    def _ids(self, name: str, ids: Any, min_len: int = 0) -> np.ndarray:
        arr = np.asarray(ids)
        if arr.ndim != 1 or (arr.size and arr.dtype.kind not in "iu"):
            raise ValueError(f"{name} must be a 1-D array of integer ids; got shape {arr.shape}, dtype {arr.dtype}")
        if arr.size < min_len:
            raise ValueError(f"{name} must hold at least {min_len} ids; got {arr.size}")
        if arr.size and (arr.min() < 0 or arr.max() >= self.vocab_size):
            bad = int(arr[(arr < 0) | (arr >= self.vocab_size)][0])
            raise ValueError(f"expected ids in [0, {self.vocab_size}); received {bad}")
        return arr.astype(np.int64)

    def _keys(self, ids: np.ndarray, k: int) -> np.ndarray:
        """(len(ids) - k + 1,) the k-gram ending at each position t >= k - 1, as one base-V number."""
        n = len(ids) - k + 1
        key = np.zeros(max(n, 0), dtype=np.int64)
        for j in range(k):
            key = key * self.vocab_size + ids[j : j + n]
        return key

    def fit(self, ids: Sequence[int] | np.ndarray) -> NGramLM:
        """Count the k-grams of ``ids`` for k = 1 .. order. Returns ``self``."""
        ids = self._ids("ids", ids, min_len=self.order)
        V = self.vocab_size
        self._levels = []
        for k in range(1, self.order + 1):
            if k == self.order:  # the longest order: how often each k-gram occurred
                grams, counts = np.unique(self._keys(ids, k), return_counts=True)
            else:  # shorter orders: how many different ids preceded each k-gram
                grams, counts = np.unique(np.unique(self._keys(ids, k + 1)) % V**k, return_counts=True)
            contexts, first, followers = np.unique(grams // V, return_index=True, return_counts=True)
            totals = np.add.reduceat(counts, first)  # c(h): the counts of every k-gram starting with context h
            self._levels.append((grams, counts, contexts, totals, followers))
        return self

    def _probs(self, context_keys: list[np.ndarray], w: np.ndarray) -> np.ndarray:
        """p(w | context) for m queries; context_keys[k - 1] (m,) is the length-(k - 1) context key, -1 if none."""
        if not self._levels:
            raise ValueError("the model has not been fitted yet: call fit(train_ids) first")
        V, D = self.vocab_size, self.discount
        p = np.full(w.shape, 1.0 / V)
        for (grams, counts, contexts, totals, followers), h in zip(self._levels, context_keys):
            known = h >= 0
            i = np.minimum(np.searchsorted(contexts, h), len(contexts) - 1)
            seen = known & (contexts[i] == h)
            g = h * V + w
            j = np.minimum(np.searchsorted(grams, g), len(grams) - 1)
            c = np.where(seen & (grams[j] == g), counts[j], 0)
            total = np.where(seen, totals[i], 1)
            p = np.where(seen, np.maximum(c - D, 0.0) / total + D * followers[i] / total * p, p)
        return p

    def log_probs(self, ids: Sequence[int] | np.ndarray) -> np.ndarray:
        """(n,) ``ln p(ids[t] | ids[t - order + 1 : t])``; the first positions use the shorter contexts they have."""
        ids = self._ids("ids", ids)
        n = len(ids)
        context_keys = [np.zeros(n, dtype=np.int64)]  # level 1: the empty context, key 0
        for k in range(2, self.order + 1):
            h = np.full(n, -1, dtype=np.int64)
            h[k - 1 :] = self._keys(ids, k - 1)[: n - k + 1]  # the k - 1 ids before position t
            context_keys.append(h)
        return np.log(self._probs(context_keys, ids))

    def loss(self, ids: Sequence[int] | np.ndarray) -> float:
        """Mean cross-entropy of ``ids`` in nats per id (every position scored)."""
        return float(-self.log_probs(ids).mean())

    def next_probs(self, context: Sequence[int] | np.ndarray) -> np.ndarray:
        """(V,) the distribution of the id after ``context`` (its last ``order - 1`` ids count)."""
        ctx = self._ids("context", context)
        V = self.vocab_size
        keys = []
        for k in range(1, self.order + 1):
            if k - 1 > len(ctx):
                keys.append(np.full(V, -1, dtype=np.int64))
                continue
            key = 0
            for c in ctx[len(ctx) - (k - 1) :] if k > 1 else []:
                key = key * V + int(c)
            keys.append(np.full(V, key, dtype=np.int64))
        return self._probs(keys, np.arange(V, dtype=np.int64))
