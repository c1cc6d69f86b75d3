"""The real data sets of Part III, and the small tools that turn them into arrays.

Every data file lives in the repository's ``data/`` folder and is listed in
``FILES`` with its SHA-256; ``data/README.md`` says where each one comes from
and under which license. A loader checks the checksum every time it reads a
file, so a missing or altered file stops the notebook with an error that names
the file instead of training on something else. Nothing is downloaded.

Loaders (each takes ``data_dir=None``, meaning the repository's ``data/``):

* :func:`load_sentiment` -- movie-review sentences (or tweets) with a mean human
  rating; label 1 when the rating is above 0 (notebook 08).
* :func:`load_brown_news` -- the news part of the Brown corpus, one list of words
  and one list of tags per sentence, in a 12-tag universal set or the original
  Brown tags (notebook 10).
* :func:`load_seattle_weather` -- four years of daily weather in Seattle as
  numpy columns (notebook 14).

Tools:

* :func:`split_indices` -- a shuffled train / validation / test split with a fixed seed;
* :func:`pad_sequences` and :func:`padding_mask` -- ragged lists to one
  ``(N, T)`` array, padded at the end, and the mask that says which steps are real;
* :func:`make_windows` -- input windows and the values that follow them, for forecasting;
* :func:`stream_batches` -- a long token stream cut into ``batch_size`` parallel rows and
  walked in chunks of ``seq_len`` steps, each row continuing where it stopped
  (for truncated BPTT, notebook 13).

Tokenising and vocabularies are left to Keras (``TextVectorization``,
``StringLookup``). This module imports numpy only, so ``import rnnkit.data`` is light.
"""

from __future__ import annotations

import csv
import gzip
import hashlib
import html
import io
import numbers
import pathlib
import re
from collections.abc import Iterator, Sequence
from typing import Any

import numpy as np

from rnnkit._validate import positive_int

__all__ = [
    "DATA_DIR",
    "FILES",
    "DataFileError",
    "DataFileMissing",
    "DataChecksumError",
    "sha256",
    "data_path",
    "load_sentiment",
    "UNIVERSAL_TAGS",
    "BROWN_TO_UNIVERSAL",
    "to_universal",
    "load_brown_news",
    "load_seattle_weather",
    "split_indices",
    "pad_sequences",
    "padding_mask",
    "make_windows",
    "stream_batches",
    "load_novel",
]

DATA_DIR: pathlib.Path = pathlib.Path(__file__).resolve().parent.parent / "data"

#: Every data file the loaders read, with the SHA-256 of the committed (gzip'd) bytes.
FILES: dict[str, str] = {
    "vader_movie_reviews.txt.gz": "37611f57b61de5d323e2be66fb813b9d7dc7117aa1cc6817ad3c73619ee2e4b5",
    "vader_tweets.txt.gz": "83cab29400830cb5016514a255fe44820dd93eeb8f8c0ea33cd378bd7a61724d",
    "brown_news.txt.gz": "6deed06641d738d1eaee39d9c356c353d8607e65606572613b3bb1052f3b09d4",
    "seattle_weather.csv.gz": "c3bdd3c41ab843d9c1f0f120743c2f15cd8ab8db87d738968d9eeb74f43f6916",
    "austen_emma.txt.gz": "729b6e84e63e845a61d17b999b3c87983769ba22ffad34965b3fc48f1960a751",
}


# --------------------------------------------------------------------------
# Finding and verifying files
# --------------------------------------------------------------------------


class DataFileError(Exception):
    """A data file is missing or is not the file the course expects."""


class DataFileMissing(DataFileError, FileNotFoundError):
    """The data file is not where it should be."""


class DataChecksumError(DataFileError, ValueError):
    """The data file's SHA-256 does not match the one recorded in ``FILES``."""


def sha256(path: str | pathlib.Path) -> str:
    """The SHA-256 of a file's bytes, as 64 hex digits."""
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def data_path(name: str, data_dir: str | pathlib.Path | None = None) -> pathlib.Path:
    """The path of data file ``name`` after checking that it exists and that its SHA-256 is the recorded one.

    Args:
        name: a key of ``FILES``, e.g. ``"brown_news.txt.gz"``.
        data_dir: the folder to look in; ``None`` means the repository's ``data/``.

    Raises:
        KeyError: ``name`` is not a file the course knows.
        DataFileMissing: the file is not there.
        DataChecksumError: the file is there but its bytes differ from the committed file.
    """
    if name not in FILES:
        raise KeyError(f"unknown data file {name!r}; the course's data files are: {', '.join(sorted(FILES))}")
    folder = DATA_DIR if data_dir is None else pathlib.Path(data_dir)
    path = folder / name
    if not path.is_file():
        raise DataFileMissing(
            f"data file {name!r} not found in {folder}. It is committed in the repository's data/ folder: "
            f"restore it with `git checkout -- data/{name}` (see data/README.md for its source)."
        )
    got = sha256(path)
    if got != FILES[name]:
        raise DataChecksumError(
            f"data file {name!r} in {folder} has SHA-256 {got}, but the course expects {FILES[name]}. "
            f"The file was changed or damaged: restore it with `git checkout -- data/{name}` (see data/README.md)."
        )
    return path


def _read_text(name: str, data_dir: str | pathlib.Path | None, encoding: str = "utf-8") -> str:
    with gzip.open(data_path(name, data_dir), "rb") as f:
        return f.read().decode(encoding)


# --------------------------------------------------------------------------
# 08 Sentiment: VADER's human-rated movie-review sentences and tweets
# --------------------------------------------------------------------------

_SENTIMENT_FILES = {"movies": "vader_movie_reviews.txt.gz", "tweets": "vader_tweets.txt.gz"}


def load_sentiment(
    source: str = "movies", data_dir: str | pathlib.Path | None = None
) -> tuple[list[str], np.ndarray, np.ndarray]:
    """Sentences with a mean human sentiment rating, from the VADER study (Hutto and Gilbert, 2014).

    ``"movies"``: 10,605 sentences from movie reviews; ``"tweets"``: 4,200
    tweet-like texts (a second, out-of-domain test set). Each text was rated by
    about 20 people on a scale from -4 (very negative) to +4 (very positive).
    HTML entities in the tweets (``&amp;``) are turned back into characters.

    Returns:
        ``(texts, labels, ratings)``: a list of N strings, ``labels`` (N,) int32 with
        1 where the mean rating is above 0 and 0 otherwise, and ``ratings`` (N,) float32.
    """
    if source not in _SENTIMENT_FILES:
        raise ValueError(f"source must be 'movies' or 'tweets'; got {source!r}")
    texts, ratings = [], []
    for line in _read_text(_SENTIMENT_FILES[source], data_dir).splitlines():
        if not line.strip():
            continue
        _id, rating, text = line.split("\t", 2)
        texts.append(html.unescape(text.strip()))
        ratings.append(float(rating))
    r = np.asarray(ratings, dtype=np.float32)
    return texts, (r > 0).astype(np.int32), r


# --------------------------------------------------------------------------
# 10 Part-of-speech tags: the Brown corpus, news genre
# --------------------------------------------------------------------------

#: The 12 coarse tags of Petrov, Das and McDonald's universal tag set (2012).
UNIVERSAL_TAGS: tuple[str, ...] = ("NOUN", "VERB", "ADJ", "ADV", "PRON", "DET", "ADP", "NUM", "CONJ", "PRT", ".", "X")

_UNIVERSAL_GROUPS: dict[str, str] = {
    # nouns: common (nn), proper (np), adverbial nouns like "home", "Friday" (nr); singular and plural
    "NOUN": "nn nns np nps nr nrs",
    # verbs: lexical verbs, modals, and every form of be, do and have (Brown gives them their own tags)
    "VERB": "vb vbd vbg vbn vbz md be bed bedz beg bem ben ber bez do dod doz hv hvd hvg hvn hvz",
    # adjectives, comparative and superlative, and ordinals ("first", "third")
    "ADJ": "jj jjr jjs jjt od",
    # adverbs, qualifiers ("very", "enough"), wh-adverbs ("when") and the negator "not"/"n't" (*)
    "ADV": "rb rbr rbt rn ql qlp wrb wql *",
    # personal, possessive, reflexive, nominal and wh-pronouns
    "PRON": "pn pp$ pp$$ ppl ppls ppo pps ppss wp$ wpo wps",
    # articles, determiners, pre-quantifiers ("all", "half"), post-determiners ("many"), existential "there", wh-determiners
    "DET": "at ap abl abn abx dt dti dts dtx ex wdt",
    "ADP": "in",  # prepositions
    "NUM": "cd",  # cardinal numbers
    "CONJ": "cc cs",  # coordinating and subordinating conjunctions
    "PRT": "rp to",  # particles ("up" in "give up") and the infinitive "to"
    ".": ". , : ; ( ) -- `` '' ' ` !",  # punctuation
    "X": "uh nil",  # interjections and untagged tokens; foreign words (fw-...) are X too
}

#: Brown base tag (lower case, without -tl/-hl/-nc, $ or *) -> universal tag.
BROWN_TO_UNIVERSAL: dict[str, str] = {tag: uni for uni, tags in _UNIVERSAL_GROUPS.items() for tag in tags.split()}

_BROWN_SUFFIX = re.compile(r"(-(tl|hl|nc))+$")


def to_universal(brown_tag: str) -> str:
    """Map one Brown tag to the universal tag set.

    The Brown tag is reduced to its base first: ``fw-`` (foreign word) gives ``X``;
    the suffixes ``-tl`` (in a title), ``-hl`` (in a headline) and ``-nc`` (cited word)
    are dropped; a contraction such as ``ppss+md`` ("I'll") keeps its first part;
    a possessive ``$`` or a negated ``*`` at the end (``nn$``, ``md*``) is dropped.
    The base is then looked up in ``BROWN_TO_UNIVERSAL``.

    Raises:
        KeyError: the base tag is not in the table.
    """
    tag = brown_tag.lower()
    if tag.startswith("fw-"):
        return "X"
    tag = _BROWN_SUFFIX.sub("", tag).split("+")[0]
    if tag in BROWN_TO_UNIVERSAL:
        return BROWN_TO_UNIVERSAL[tag]
    base = tag.rstrip("$*")
    if base in BROWN_TO_UNIVERSAL:
        return BROWN_TO_UNIVERSAL[base]
    raise KeyError(f"no universal tag for the Brown tag {brown_tag!r} (base {base!r}); add it to BROWN_TO_UNIVERSAL")


def load_brown_news(
    tagset: str = "universal", data_dir: str | pathlib.Path | None = None
) -> tuple[list[list[str]], list[list[str]]]:
    """The news genre of the Brown corpus (files A01-A44): 4,623 sentences, 100,554 tokens.

    Args:
        tagset: ``"universal"`` for the 12 tags of ``UNIVERSAL_TAGS`` (via :func:`to_universal`),
            or ``"brown"`` for the corpus' own tags as written in the file (e.g. ``"nn-tl"``).
        data_dir: the folder holding ``brown_news.txt.gz``; ``None`` means the repository's ``data/``.

    Returns:
        ``(sentences, tags)``: two lists of the same length; ``sentences[i]`` is a list of
        words (case kept) and ``tags[i]`` the list of their tags, one per word.
    """
    if tagset not in ("universal", "brown"):
        raise ValueError(f"tagset must be 'universal' or 'brown'; got {tagset!r}")
    sentences, tags = [], []
    for line in _read_text("brown_news.txt.gz", data_dir, encoding="ascii").splitlines():
        _fid, _, body = line.partition("\t")
        words, labels = [], []
        for token in body.split():
            word, _, tag = token.rpartition("/")
            words.append(word)
            labels.append(to_universal(tag) if tagset == "universal" else tag)
        sentences.append(words)
        tags.append(labels)
    return sentences, tags


# --------------------------------------------------------------------------
# 14 Forecasting: NOAA daily weather in Seattle, 2012-2015
# --------------------------------------------------------------------------


def load_seattle_weather(data_dir: str | pathlib.Path | None = None) -> dict[str, np.ndarray]:
    """Daily weather at Seattle from 2012-01-01 to 2015-12-31 (1,461 days, NOAA, public domain).

    Returns:
        A dict of numpy columns, each of length 1461: ``"date"`` (datetime64[D]),
        ``"precipitation"`` (mm), ``"temp_max"`` and ``"temp_min"`` (degrees C),
        ``"wind"`` (m/s), all float32, and ``"weather"`` (str: drizzle, rain, sun, snow, fog).
    """
    text = _read_text("seattle_weather.csv.gz", data_dir)
    rows = list(csv.DictReader(io.StringIO(text)))
    out: dict[str, np.ndarray] = {"date": np.array([r["date"].replace("/", "-") for r in rows], dtype="datetime64[D]")}
    for col in ("precipitation", "temp_max", "temp_min", "wind"):
        out[col] = np.array([float(r[col]) for r in rows], dtype=np.float32)
    out["weather"] = np.array([r["weather"] for r in rows])
    return out


# --------------------------------------------------------------------------
# Splits, padding, windows, streams
# --------------------------------------------------------------------------


def split_indices(
    n: int, fractions: Sequence[float] = (0.8, 0.1, 0.1), seed: int = 0
) -> tuple[np.ndarray, ...]:
    """Shuffle ``range(n)`` with a fixed seed and cut it into parts of the given fractions.

    The same ``n``, ``fractions`` and ``seed`` always give the same split. The last part
    takes whatever rounding leaves, so every index is used exactly once.

    Returns:
        One int64 index array per fraction, e.g. ``(train, val, test)``.
    """
    n = positive_int("n", n)
    fr = np.asarray(fractions, dtype=np.float64)
    if fr.ndim != 1 or fr.size < 2 or np.any(fr <= 0) or abs(fr.sum() - 1.0) > 1e-6:
        raise ValueError(f"fractions must be two or more positive numbers that sum to 1; got {tuple(fractions)}")
    order = np.random.default_rng(seed).permutation(n)
    cuts = np.round(np.cumsum(fr)[:-1] * n).astype(int)
    return tuple(np.split(order, cuts))


def pad_sequences(
    sequences: Sequence[Sequence[Any]], maxlen: int | None = None, value: Any = 0, dtype: Any = None
) -> np.ndarray:
    """Stack sequences of different lengths into one ``(N, T)`` array, padding (and cutting) at the end.

    Unlike ``keras.utils.pad_sequences``, whose default pads and cuts at the front,
    position ``t`` here is always the ``t``-th token, which is what a tagger needs
    to keep its words and its tags aligned.

    Args:
        sequences: N sequences (lists or 1-D arrays) of ids, strings or numbers.
        maxlen: T; the length of the longest sequence when ``None``. Longer sequences are cut.
        value: what fills the empty steps (0 for ids, ``""`` for strings).
        dtype: of the result; by default int32 for integers, otherwise what numpy infers.

    Returns:
        ``padded`` (N, T).
    """
    seqs = [np.asarray(s) for s in sequences]
    if any(s.ndim != 1 for s in seqs):
        raise ValueError("every sequence must be one-dimensional (a list of tokens)")
    T = max((len(s) for s in seqs), default=0) if maxlen is None else positive_int("maxlen", maxlen)
    if dtype is None:
        filled = [s.dtype for s in seqs if len(s)]
        if {d.kind for d in filled} <= {"i", "u"} and isinstance(value, numbers.Integral):
            dtype = np.int32
        else:
            dtype = np.result_type(*filled, np.asarray(value).dtype)
    out = np.full((len(seqs), T), value, dtype=dtype)
    for i, s in enumerate(seqs):
        n = min(len(s), T)
        out[i, :n] = s[:n]
    return out


def padding_mask(padded: np.ndarray, pad_value: Any = 0) -> np.ndarray:
    """``mask`` (N, T) bool: True where ``padded`` holds a real token, False on padding."""
    return np.asarray(padded) != pad_value


def make_windows(
    series: np.ndarray, input_len: int, horizon: int = 1, target: int | None = None, stride: int = 1
) -> tuple[np.ndarray, np.ndarray]:
    """Cut a series into input windows and the ``horizon`` values that follow each window.

    Window ``i`` starts at step ``s = i * stride``: its inputs are ``series[s : s + input_len]``
    and its targets the next ``horizon`` values of the target column,
    ``series[s + input_len : s + input_len + horizon, target]``.

    Args:
        series: (T,) or (T, F) values in time order.
        input_len: L, the steps the model sees.
        horizon: H, the steps it must forecast.
        target: the column to forecast when ``series`` is (T, F); ignored for (T,).
        stride: the step between the starts of two windows.

    Returns:
        ``(X, Y)``: ``X`` (N, L, F) (F = 1 for a 1-D series) and ``Y`` (N, H),
        with N = (T - L - H) // stride + 1.
    """
    s = np.asarray(series)
    if s.ndim == 1:
        s, target = s[:, None], 0
    elif s.ndim != 2:
        raise ValueError(f"series must be (T,) or (T, F); got shape {s.shape}")
    elif target is None:
        raise ValueError(f"series has {s.shape[1]} columns: say which one to forecast with target=<column index>")
    L, H, stride = positive_int("input_len", input_len), positive_int("horizon", horizon), positive_int("stride", stride)
    if not -s.shape[1] <= target < s.shape[1]:
        raise ValueError(f"target={target} is not a column of a series with {s.shape[1]} columns")
    n = (len(s) - L - H) // stride + 1
    if n < 1:
        raise ValueError(f"a series of {len(s)} steps is too short for input_len={L} plus horizon={H}")
    starts = np.arange(n) * stride
    X = s[starts[:, None] + np.arange(L)]  # (N, L, F)
    Y = s[starts[:, None] + L + np.arange(H), target]  # (N, H)
    return X, Y


def stream_batches(ids: Sequence[int] | np.ndarray, batch_size: int, seq_len: int) -> Iterator[tuple[np.ndarray, np.ndarray]]:
    """Walk a long token stream as ``batch_size`` parallel rows, ``seq_len`` steps at a time.

    The stream (length n) is cut into ``batch_size`` equal rows of R = (n - 1) // batch_size
    steps each, row r starting at token ``r * R``; the targets are the same rows
    shifted by one token. Chunk k holds steps ``k * seq_len`` to ``(k + 1) * seq_len``
    of every row, so row r of chunk k+1 continues exactly where row r of chunk k
    stopped: a model that carries its state from chunk to chunk reads each row as one
    long sequence (truncated BPTT). The R // seq_len full chunks are yielded; the
    leftover tokens at the end of each row are dropped.

    Returns:
        An iterator over the R // seq_len chunks ``(x, y)``, both (batch_size, seq_len),
        with ``y[r, t]`` the token after ``x[r, t]``.

    Raises:
        ValueError: ``ids`` is not 1-D, or is too short for even one chunk
            (it needs at least ``batch_size * seq_len + 1`` tokens).
    """
    stream = np.asarray(ids)
    if stream.ndim != 1:
        raise ValueError(f"ids must be a 1-D stream of token ids; got shape {stream.shape}")
    B, S = positive_int("batch_size", batch_size), positive_int("seq_len", seq_len)
    need = B * S + 1
    if len(stream) < need:
        raise ValueError(
            f"a stream of {len(stream)} tokens is too short for one chunk of batch_size={B} rows x seq_len={S} steps "
            f"(needs at least {need} tokens: one more than {B} x {S}, for the shifted targets)"
        )
    R = (len(stream) - 1) // B
    rows = np.arange(B)[:, None] * R + np.arange(R)  # (B, R): the stream position of every step of every row
    x_all, y_all = stream[rows], stream[rows + 1]  # (B, R) each; y is x shifted by one token

    def chunks() -> Iterator[tuple[np.ndarray, np.ndarray]]:
        for k in range(R // S):
            yield x_all[:, k * S : (k + 1) * S], y_all[:, k * S : (k + 1) * S]

    return chunks()  # a generator, but the checks above run at the call, not at the first next()


# --------------------------------------------------------------------------
# 12-13 Character language model: a public-domain novel
# --------------------------------------------------------------------------


def load_novel(data_dir: str | pathlib.Path | None = None) -> str:
    """Jane Austen's *Emma* (1816) as one string of about 887,000 characters.

    The Project Gutenberg text as the NLTK corpus ships it (its first line is
    ``[Emma by Jane Austen 1816]``), public domain; see data/README.md.
    """
    return _read_text("austen_emma.txt.gz", data_dir)


# --------------------------------------------------------------------------
# 08 Contrast pairs: generated by rnnkit.contrast
# --------------------------------------------------------------------------

FILES["contrast_pairs.tsv.gz"] = "032762c5887f70e11a496ce53b5b27a56b2abbc11df6ab247c3f99f1ef08e48b"
__all__ += ["CONTRAST_SPLITS", "load_contrast_pairs"]

#: The parts of the contrast set, in file order (the same as ``rnnkit.contrast.SPLITS``).
CONTRAST_SPLITS: tuple[str, ...] = ("train", "val", "test", "new_templates")


def load_contrast_pairs(split: str | None = None, data_dir: str | pathlib.Path | None = None) -> dict[str, np.ndarray]:
    """The contrast set of notebook 08: pairs of sentences with the same words and opposite labels.

    The file is generated, not collected: ``rnnkit.contrast.write(path, rnnkit.contrast.generate())``
    (data/README.md states the rule that fixes each label). The two sentences of a pair are
    consecutive rows with the same ``pair`` number.

    Args:
        split: one of ``CONTRAST_SPLITS`` ("train" and "val": training words; "test": held-out
            words; "new_templates": held-out words in sentence frames no training pair uses),
            or ``None`` for every row.
        data_dir: the folder holding ``contrast_pairs.tsv.gz``; ``None`` means the repository's ``data/``.

    Returns:
        A dict of numpy columns of one length: ``"split"``, ``"template"`` and ``"text"`` (str; the
        text is lower-case words separated by single spaces), ``"pair"`` and ``"label"`` (int32).
    """
    if split is not None and split not in CONTRAST_SPLITS:
        raise ValueError(f"split must be one of {', '.join(CONTRAST_SPLITS)} or None; got {split!r}")
    lines = _read_text("contrast_pairs.tsv.gz", data_dir).splitlines()
    header, body = lines[0].split("\t"), [line.split("\t") for line in lines[1:] if line]
    if header != ["split", "pair", "template", "label", "text"]:
        raise DataFileError(f"contrast_pairs.tsv.gz has the columns {header}, expected split, pair, template, label, text")
    rows = [r for r in body if split is None or r[0] == split]
    columns = list(zip(*rows)) if rows else [()] * 5
    return {
        "split": np.array(columns[0], dtype=str),
        "pair": np.array(columns[1], dtype=np.int32),
        "template": np.array(columns[2], dtype=str),
        "label": np.array(columns[3], dtype=np.int32),
        "text": np.array(columns[4], dtype=str),
    }
