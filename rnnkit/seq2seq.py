"""Sequence-to-sequence helpers for notebooks 09 (one-to-many) and 11 (encoder-decoder).

**Data, generated in code** (nothing downloads):

* ``digit_pairs`` puts two 8x8 digit images side by side (scikit-learn's
  ``load_digits``); ``number_words`` spells the number they show
  (``num2words``: 42 -> "forty-two", or "사십이" with ``lang="ko"``).
  ``mirrored_pairs`` picks the images of a balanced evaluation set: every
  image equally often on each side, and every pair with its mirror image.
* ``sample_dates``, ``format_date`` and ``date_pairs`` write dates in several
  human styles ("3rd of March 1998") next to their ISO form ("1998-03-03").

**Characters as integers.** ``CharVocab`` maps characters to ids with four
special tokens first, in the same order as ``keras.layers.StringLookup``
(``CharVocab.string_lookup()`` builds the equivalent layer)::

    0 pad ""   1 "[UNK]"   2 "[START]"   3 "[END]"   4... the characters

``pad`` and ``shift_right`` make the padded arrays and the teacher-forcing
decoder inputs.

**Decoding and scoring.** ``greedy_decode`` runs the inference loop for any
encoder/decoder pair built as the notebooks teach (the encoder returns the
decoder's initial states; the decoder takes one token and the states and
returns the next-token probabilities and the new states). ``exact_match`` and
``token_accuracy`` score decoded sequences against their targets.

Keras is imported only inside the functions that need it, so importing this
module is cheap.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from rnnkit._validate import generator, int_at_least

__all__ = [
    "PAD",
    "UNK",
    "START",
    "END",
    "SPECIAL_TOKENS",
    "digit_pairs",
    "mirrored_pairs",
    "number_words",
    "MONTHS",
    "WEEKDAYS",
    "DATE_STYLES",
    "sample_dates",
    "format_date",
    "date_pairs",
    "CharVocab",
    "pad",
    "shift_right",
    "greedy_decode",
    "exact_match",
    "token_accuracy",
]

PAD, UNK, START, END = "", "[UNK]", "[START]", "[END]"
SPECIAL_TOKENS: tuple[str, ...] = (PAD, UNK, START, END)


# --------------------------------------------------------------------------
# Argument checks: each names what was expected and what was received.
# --------------------------------------------------------------------------


def _int_array(name: str, value: object, ndim: int) -> np.ndarray:
    arr = np.asarray(value)
    if arr.ndim != ndim or (arr.size and not np.issubdtype(arr.dtype, np.integer)):
        raise ValueError(f"{name} must be a {ndim}-D array of integer ids; received {arr.dtype} array of shape {arr.shape}")
    return arr


# --------------------------------------------------------------------------
# 09: pairs of digit images and the number they spell
# --------------------------------------------------------------------------


def digit_pairs(
    images: np.ndarray, labels: np.ndarray, n: int, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """Draw ``n`` pairs of digit images and put each pair side by side.

    Both images of a pair are drawn uniformly (with replacement) from
    ``images``, so to keep test images unseen, call this once on the training
    images and once on the test images.

    Args:
        images: (M, h, w) digit images, e.g. ``load_digits().images`` (8x8, values 0-16).
        labels: (M,) the digit (0-9) each image shows.
        n: number of pairs.
        rng: the generator the pairs are drawn from.

    Returns:
        ``x`` (n, h, 2w): left image, then right image, as float32;
        ``numbers`` (n,): ``10 * left digit + right digit`` (a pair "0", "7" shows 7).
    """
    images = np.asarray(images)
    labels = np.asarray(labels)
    if images.ndim != 3:
        raise ValueError(f"images must have shape (M, h, w); received shape {images.shape}")
    if labels.shape != images.shape[:1]:
        raise ValueError(f"labels must have shape ({images.shape[0]},), one per image; received shape {labels.shape}")
    if labels.size and (not np.issubdtype(labels.dtype, np.integer) or labels.min() < 0 or labels.max() > 9):
        raise ValueError(f"labels must be integer digits 0-9; received {labels.dtype} values in [{labels.min()}, {labels.max()}]")
    int_at_least("n", n, 1)
    generator(rng)
    if len(images) == 0:
        raise ValueError("images is empty; expected at least one image to draw pairs from")
    left = rng.integers(0, len(images), size=n)  # left, right: (n,) image indices
    right = rng.integers(0, len(images), size=n)
    x = np.concatenate([images[left], images[right]], axis=2).astype(np.float32)  # x: (n, h, 2w)
    numbers = 10 * labels[left].astype(np.int64) + labels[right]  # numbers: (n,)
    return x, numbers


def mirrored_pairs(n_images: int, per_side: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Image indices for a balanced set of pairs: ``left[k]`` and ``right[k]`` make pair ``k``.

    Every image is the left image of exactly ``per_side`` pairs and the right image of
    exactly ``per_side`` pairs, and with each pair (a, b) the set also holds its mirror
    (b, a). So no image counts more than another, and a reader that makes an error on
    an image makes it equally often in the tens place and in the units place.

    Args:
        n_images: how many images to pair (indices 0 .. n_images - 1).
        per_side: how often each image is on the left (and on the right); even.
        rng: the generator that shuffles the partners.

    Returns:
        ``left``, ``right``: (n_images * per_side,) int64 index arrays.
    """
    int_at_least("n_images", n_images, 1)
    int_at_least("per_side", per_side, 2)
    generator(rng)
    if per_side % 2:
        raise ValueError(f"per_side must be even (each pair comes with its mirror); got {per_side}")
    first = np.tile(np.arange(n_images), per_side // 2)  # every image per_side / 2 times
    second = np.concatenate([rng.permutation(n_images) for _ in range(per_side // 2)])  # and as a partner
    return np.concatenate([first, second]), np.concatenate([second, first])


def number_words(n: int, lang: str = "en") -> str:
    """The number ``n`` spelled out by ``num2words`` (42 -> "forty-two"; ``lang="ko"``: "사십이")."""
    from num2words import num2words

    return str(num2words(int_at_least("n", n, 0), lang=lang))


# --------------------------------------------------------------------------
# 11: dates written by people, and their ISO form
# --------------------------------------------------------------------------

MONTHS: tuple[str, ...] = (
    "January", "February", "March", "April", "May", "June",
    "July", "August", "September", "October", "November", "December",
)  # fmt: skip
WEEKDAYS: tuple[str, ...] = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")

# style -> an example for 3 March 1998 (a Tuesday)
DATE_STYLES: dict[str, str] = {
    "ordinal": "3rd of March 1998",
    "month first": "March 3, 1998",
    "weekday": "Tuesday, 3 March 1998",
    "short": "3 Mar 98",
    "dotted": "3.3.1998",
    "compact": "19980303",
}
SHORT_YEARS = (1950, 2049)  # two-digit years are read in this window: 98 -> 1998, 03 -> 2003


def _ordinal(day: int) -> str:
    suffix = "th" if 11 <= day <= 13 else {1: "st", 2: "nd", 3: "rd"}.get(day % 10, "th")
    return f"{day}{suffix}"


def format_date(date: dt.date, style: str) -> str:
    """Write ``date`` in one of the ``DATE_STYLES`` (English names, independent of the locale).

    The "short" style writes a two-digit year, which only reads back
    unambiguously for years 1950-2049; other years raise ``ValueError``.
    """
    if not isinstance(date, dt.date):
        raise ValueError(f"date must be a datetime.date; received {type(date).__name__}")
    if style not in DATE_STYLES:
        raise ValueError(f"style must be one of {list(DATE_STYLES)}; received {style!r}")
    d, m, y = date.day, date.month, date.year
    month = MONTHS[m - 1]
    if style == "ordinal":
        return f"{_ordinal(d)} of {month} {y}"
    if style == "month first":
        return f"{month} {d}, {y}"
    if style == "weekday":
        return f"{WEEKDAYS[date.weekday()]}, {d} {month} {y}"
    if style == "short":
        if not SHORT_YEARS[0] <= y <= SHORT_YEARS[1]:
            raise ValueError(f"the 'short' style needs a year in {SHORT_YEARS[0]}-{SHORT_YEARS[1]} (two digits); received {y}")
        return f"{d} {month[:3]} {y % 100:02d}"
    if style == "dotted":
        return f"{d}.{m}.{y}"
    return f"{y:04d}{m:02d}{d:02d}"  # compact


def sample_dates(
    n: int, rng: np.random.Generator, first: dt.date = dt.date(1950, 1, 1), last: dt.date = dt.date(2049, 12, 31)
) -> list[dt.date]:
    """Draw ``n`` *distinct* dates uniformly from ``first`` to ``last`` (both included), in random order.

    Because no date repeats, slicing the list (``dates[:n_train]``,
    ``dates[n_train:]``) gives a training and a test set with no date in common.
    """
    int_at_least("n", n, 1)
    generator(rng)
    span = (last - first).days + 1
    if n > span:
        raise ValueError(f"n must be at most {span}, the number of days from {first} to {last}; received {n}")
    offsets = rng.choice(span, size=n, replace=False)
    return [first + dt.timedelta(days=int(k)) for k in offsets]


def date_pairs(
    dates: Sequence[dt.date], rng: np.random.Generator, styles: Sequence[str] | None = None
) -> tuple[list[str], list[str], list[str]]:
    """Write each date in a random style: the input, its ISO target, and the style used.

    Args:
        dates: the dates, e.g. from ``sample_dates``.
        rng: the generator the styles are drawn from (uniformly).
        styles: the styles to draw from (default: all of ``DATE_STYLES``).

    Returns:
        ``inputs`` ("3rd of March 1998"), ``targets`` ("1998-03-03") and ``styles`` ("ordinal"), one each per date.
    """
    generator(rng)
    names = list(DATE_STYLES) if styles is None else list(styles)
    if not names:
        raise ValueError(f"styles must name at least one of {list(DATE_STYLES)}; received an empty list")
    for s in names:
        if s not in DATE_STYLES:
            raise ValueError(f"each style must be one of {list(DATE_STYLES)}; received {s!r}")
    picked = [names[k] for k in rng.integers(0, len(names), size=len(dates))]
    inputs = [format_date(d, s) for d, s in zip(dates, picked)]
    targets = [d.isoformat() for d in dates]
    return inputs, targets, picked


# --------------------------------------------------------------------------
# Characters <-> ids, padding, teacher forcing
# --------------------------------------------------------------------------


def pad(sequences: Iterable[Sequence[int]], length: int | None = None, value: int = 0) -> np.ndarray:
    """Put integer sequences of different lengths into one (N, length) int32 array, padded at the end.

    ``length`` defaults to the longest sequence; a longer sequence raises ``ValueError``.
    """
    seqs = [list(s) for s in sequences]
    longest = max((len(s) for s in seqs), default=0)
    if length is None:
        length = longest
    int_at_least("length", length, 0)
    out = np.full((len(seqs), length), value, dtype=np.int32)  # out: (N, length)
    for i, s in enumerate(seqs):
        if len(s) > length:
            raise ValueError(f"sequence {i} has {len(s)} tokens but length is {length}; pass length >= {longest}")
        out[i, : len(s)] = s
    return out


@dataclass(frozen=True)
class CharVocab:
    """A character vocabulary with the special tokens first, laid out like ``keras.layers.StringLookup``.

    ``tokens[i]`` is the token with id ``i``: ``PAD`` (0), ``UNK`` (1), ``START`` (2),
    ``END`` (3), then one single-character token each. Build it with
    ``CharVocab.from_texts(train_texts)``.
    """

    tokens: tuple[str, ...]

    pad_id = 0
    unk_id = 1
    start_id = 2
    end_id = 3

    def __post_init__(self) -> None:
        tokens = tuple(self.tokens)
        if tokens[:4] != SPECIAL_TOKENS:
            raise ValueError(f"tokens must start with the special tokens {SPECIAL_TOKENS}; received {tokens[:4]}")
        chars = tokens[4:]
        bad = [c for c in chars if not isinstance(c, str) or len(c) != 1]
        if bad:
            raise ValueError(f"every token after the special ones must be one character; received {bad[0]!r}")
        if len(set(chars)) != len(chars):
            raise ValueError("tokens must not repeat a character")
        object.__setattr__(self, "tokens", tokens)
        object.__setattr__(self, "_index", {c: i for i, c in enumerate(tokens) if i >= 4})

    @classmethod
    def from_texts(cls, texts: Iterable[str]) -> CharVocab:
        """The vocabulary of every character in ``texts``, sorted."""
        texts = list(texts)
        if not all(isinstance(t, str) for t in texts):
            raise ValueError("texts must be strings")
        return cls(SPECIAL_TOKENS + tuple(sorted(set("".join(texts)))))

    def __len__(self) -> int:
        return len(self.tokens)

    @property
    def chars(self) -> tuple[str, ...]:
        """The ordinary characters (ids 4 and up)."""
        return self.tokens[4:]

    def encode(self, texts: Sequence[str], length: int | None = None, *, start: bool = False, end: bool = False) -> np.ndarray:
        """Turn texts into an (N, length) int32 array of ids, padded with 0 at the end.

        Characters not in the vocabulary become ``unk_id``. With ``start=True``
        every row begins with ``start_id``; with ``end=True`` ``end_id`` follows
        the last character. ``length`` defaults to the longest row.
        """
        if isinstance(texts, str):
            raise ValueError(f"texts must be a list of strings; received the single string {texts!r} (wrap it in a list)")
        index: dict[str, int] = self._index  # type: ignore[attr-defined]
        rows = [
            [self.start_id] * start + [index.get(c, self.unk_id) for c in t] + [self.end_id] * end
            for t in texts
        ]
        return pad(rows, length)

    def decode(self, ids: np.ndarray | Sequence[Sequence[int]]) -> list[str]:
        """Turn rows of ids back into strings: read up to the first ``END``, skip ``PAD`` and ``START``.

        An unknown id, or ``UNK``, becomes "�".
        """
        arr = _int_array("ids", pad(ids) if not isinstance(ids, np.ndarray) else ids, 2)
        out = []
        for row in arr:
            chars = []
            for i in row:
                if i == self.end_id:
                    break
                if i in (self.pad_id, self.start_id):
                    continue
                chars.append(self.tokens[i] if 4 <= i < len(self.tokens) else "\ufffd")
            out.append("".join(chars))
        return out

    def string_lookup(self, invert: bool = False) -> Any:
        """The ``keras.layers.StringLookup`` that gives the same ids (``invert=True``: ids -> tokens)."""
        import keras

        return keras.layers.StringLookup(vocabulary=list(self.tokens[2:]), mask_token=PAD, oov_token=UNK, invert=invert)


def shift_right(targets: np.ndarray, start_id: int) -> np.ndarray:
    """Teacher-forcing decoder inputs: ``start_id`` then the targets, one step late.

    ``targets`` (N, T) -> inputs (N, T) with ``inputs[:, 0] = start_id`` and
    ``inputs[:, t] = targets[:, t - 1]``: at step t the decoder sees the true previous token.
    """
    targets = _int_array("targets", targets, 2)
    int_at_least("start_id", start_id, 0)
    inputs = np.empty_like(targets)  # inputs: (N, T)
    inputs[:, 0] = start_id
    inputs[:, 1:] = targets[:, :-1]
    return inputs


# --------------------------------------------------------------------------
# Greedy decoding
# --------------------------------------------------------------------------


def _predict(model: Any, inputs: Any) -> list[np.ndarray]:
    """Run a Keras model (``predict_on_batch``) or any callable; return its outputs as a list of numpy arrays."""
    if hasattr(model, "predict_on_batch"):
        out = model.predict_on_batch(inputs)
    elif callable(model):
        out = model(inputs)
    else:
        raise ValueError(f"expected a Keras model or a callable; received {type(model).__name__}")
    outs = list(out) if isinstance(out, (list, tuple)) else [out]
    if any(not isinstance(o, np.ndarray) for o in outs):
        import keras

        outs = [keras.ops.convert_to_numpy(o) for o in outs]
    return outs


def greedy_decode(
    encoder: Callable[..., Any],
    decoder: Callable[..., Any],
    inputs: Any,
    *,
    start_id: int,
    end_id: int,
    max_len: int,
    pad_id: int = 0,
) -> np.ndarray:
    """Generate output sequences one token at a time, always taking the most likely token.

    The contract (what notebooks 09 and 11 build, for an LSTM, a GRU or a stack):

    * ``encoder(inputs)`` returns the decoder's initial states: one array (N, H)
      or a list of them (``[h, c]`` for an LSTM);
    * ``decoder([tokens, *states])`` takes ``tokens`` (N, 1) int32 and the states,
      and returns ``[probs, *new_states]`` with ``probs`` (N, 1, V) or (N, V).

    Keras models are run with ``predict_on_batch``; plain callables are called.
    Every row starts from ``start_id``; the token picked at step t is fed back at
    step t + 1. A row is finished once it emits ``end_id``; the loop stops when
    every row is finished or after ``max_len`` steps.

    Returns:
        ids (N, max_len) int32: the chosen tokens, ``end_id`` included, ``pad_id`` after it.
    """
    max_len = int_at_least("max_len", max_len, 1)
    states = _predict(encoder, inputs)
    n = len(states[0])
    for k, s in enumerate(states):
        if s.ndim != 2 or len(s) != n:
            raise ValueError(f"the encoder's outputs must be states of shape (N, H) with N = {n}; output {k} has shape {s.shape}")
    tokens = np.full((n, 1), start_id, dtype=np.int32)  # tokens: (N, 1)
    ids = np.full((n, max_len), pad_id, dtype=np.int32)  # ids: (N, max_len)
    done = np.zeros(n, dtype=bool)
    for t in range(max_len):
        outs = _predict(decoder, [tokens, *states])
        if len(outs) != len(states) + 1:
            raise ValueError(
                f"the decoder must return [probs, *states] ({len(states) + 1} arrays, as many states as it takes); "
                f"received {len(outs)} array(s)"
            )
        probs, states = outs[0], outs[1:]
        if probs.ndim == 3 and probs.shape[1] == 1:
            probs = probs[:, 0]
        if probs.ndim != 2 or len(probs) != n:
            raise ValueError(
                f"the decoder's probabilities must have shape (N, 1, V) or (N, V) with N = {n}; received {probs.shape}"
            )
        next_ids = np.where(done, pad_id, probs.argmax(axis=-1)).astype(np.int32)  # next_ids: (N,)
        ids[:, t] = next_ids
        done |= next_ids == end_id
        if done.all():
            break
        tokens = next_ids[:, None]
    return ids


# --------------------------------------------------------------------------
# Scoring decoded sequences
# --------------------------------------------------------------------------

_STOP = object()  # the end of a sequence, counted as one more token


def _pairs(predictions: Sequence[Sequence[Any]], targets: Sequence[Sequence[Any]]) -> list[tuple[list[Any], list[Any]]]:
    if isinstance(predictions, str) or isinstance(targets, str):
        raise ValueError("predictions and targets must be lists of sequences (e.g. lists of strings), not one string")
    preds, targs = list(predictions), list(targets)
    if len(preds) != len(targs):
        raise ValueError(f"expected as many predictions as targets ({len(targs)}); received {len(preds)}")
    if not targs:
        raise ValueError("received no targets; expected at least one sequence to score")
    return [(list(p), list(t)) for p, t in zip(preds, targs)]


def exact_match(predictions: Sequence[Sequence[Any]], targets: Sequence[Sequence[Any]]) -> float:
    """The fraction of predictions equal to their target in every token (and in length)."""
    return float(np.mean([p == t for p, t in _pairs(predictions, targets)]))


def token_accuracy(predictions: Sequence[Sequence[Any]], targets: Sequence[Sequence[Any]]) -> float:
    """The fraction of target tokens predicted right at the same position.

    The end of each target counts as one more token, so a prediction that
    stops too early or runs on too long loses that token as well:
    "fourty" for "forty" scores 2 of 6: "f" and "o" are right, and after the
    extra "u" every position is off by one.
    """
    correct = total = 0
    for p, t in _pairs(predictions, targets):
        p, t = p + [_STOP], t + [_STOP]
        correct += sum(a == b for a, b in zip(p, t))
        total += len(t)
    return correct / total


# --------------------------------------------------------------------------
# 15: long numbers, digits in, English words out
# --------------------------------------------------------------------------

__all__ += ["MAX_DIGITS", "numbers_with_digits", "sample_numbers", "number_pairs"]

#: The longest numbers ``sample_numbers`` draws: 12 digits, up to 999,999,999,999 (at most 155 characters spelled out, e.g. 777,777,777,777).
MAX_DIGITS = 12


def numbers_with_digits(digits: int) -> tuple[int, int]:
    """``(low, high)``: the numbers written with exactly ``digits`` digits are ``low <= n < high``.

    One digit: 0-9 (zero counts); two: 10-99; ``d`` digits: ``10**(d-1)`` to ``10**d - 1``.
    """
    d = int_at_least("digits", digits, 1)
    if d > MAX_DIGITS:
        raise ValueError(f"digits must be at most {MAX_DIGITS} (num2words spells numbers below 10**{MAX_DIGITS} "
                         f"as the notebooks expect); received {d}")
    return (0 if d == 1 else 10 ** (d - 1)), 10**d


def sample_numbers(
    digits: int, n: int, rng: np.random.Generator, *, exclude: Iterable[int] = (), replace: bool = False
) -> np.ndarray:
    """Draw ``n`` numbers with exactly ``digits`` digits, uniformly, none of them in ``exclude``.

    Args:
        digits: how many digits each number has (1 to ``MAX_DIGITS``).
        n: how many numbers.
        rng: the generator they are drawn from.
        exclude: numbers never to draw (e.g. the validation and test numbers, when drawing training ones).
        replace: ``False`` (default): ``n`` *distinct* numbers, so slicing the result gives splits with
            no number in common; ``ValueError`` if fewer than ``n`` are left. ``True``: numbers may repeat
            (only ten one-digit numbers exist).

    Returns:
        (n,) int64 numbers, in random order.
    """
    low, high = numbers_with_digits(digits)
    n = int_at_least("n", n, 0)
    generator(rng)
    if not isinstance(replace, bool):
        raise ValueError(f"replace must be True or False; received {replace!r}")
    banned = {int(x) for x in exclude}
    banned_here = sum(low <= x < high for x in banned)
    available = high - low - banned_here
    if available < (1 if replace else n) and n > 0:
        raise ValueError(f"only {available} numbers with {digits} digit(s) are left after exclude; "
                         f"cannot draw {n}{'' if replace else ' distinct ones'}")
    if high - low <= 1_000_000:  # small ranges: list what is allowed and choose from it
        allowed = np.setdiff1d(np.arange(low, high, dtype=np.int64), np.fromiter(banned, np.int64, len(banned)))
        return rng.choice(allowed, size=n, replace=replace).astype(np.int64)
    out: list[int] = []  # large ranges: draw and reject the few that are banned (or already drawn)
    seen = set(banned)
    while len(out) < n:
        for x in rng.integers(low, high, size=n - len(out)).tolist():
            if x in seen:
                continue
            out.append(x)
            if not replace:
                seen.add(x)
    return np.array(out, dtype=np.int64)


def number_pairs(numbers: Iterable[int]) -> tuple[list[str], list[str]]:
    """Each number as its digits and as English words: ``[120045]`` -> ``["120045"]``, ``["one hundred and
    twenty thousand and forty-five"]``."""
    nums = [int_at_least("each number", int(x) if isinstance(x, np.integer) else x, 0) for x in numbers]
    return [str(x) for x in nums], [number_words(x) for x in nums]
