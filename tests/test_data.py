"""Tests for rnnkit.data: the committed files, their checksums, the loaders and the array tools.

All numpy; no Keras. The whole file runs in a few seconds.
"""

from __future__ import annotations

import gzip
import pathlib
import re
import shutil
import subprocess
import sys

import numpy as np
import pytest

from rnnkit import data as D

ROOT = pathlib.Path(__file__).resolve().parent.parent


# --------------------------------------------------------------------------
# Files and checksums
# --------------------------------------------------------------------------


def test_import_is_light() -> None:
    code = "import sys, rnnkit.data; print('keras' in sys.modules, 'tensorflow' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True).stdout
    assert out.split() == ["False", "False"]


@pytest.mark.parametrize("name", sorted(D.FILES))
def test_committed_file_matches_its_checksum(name: str) -> None:
    assert D.data_path(name) == D.DATA_DIR / name
    assert D.sha256(D.DATA_DIR / name) == D.FILES[name]


def test_readme_table_lists_every_file_with_its_checksum() -> None:
    readme = (D.DATA_DIR / "README.md").read_text(encoding="utf-8")
    for name, digest in D.FILES.items():
        row = next((line for line in readme.splitlines() if line.startswith(f"| `{name}`")), None)
        assert row is not None, f"data/README.md has no table row for {name}"
        assert digest in row, f"the README row of {name} does not show its sha256 {digest}"
    listed = set(re.findall(r"^\| `([^`]+\.(?:gz|csv|txt))`", readme, flags=re.M))
    assert listed == set(D.FILES), "the README table and rnnkit.data.FILES list different files"


def test_altered_file_raises_an_error_naming_the_file(tmp_path: pathlib.Path) -> None:
    name = "seattle_weather.csv.gz"
    shutil.copy(D.DATA_DIR / name, tmp_path / name)
    D.load_seattle_weather(data_dir=tmp_path)  # an unchanged copy loads
    text = gzip.decompress((tmp_path / name).read_bytes()).replace(b"2012/01/01,0.0,12.8", b"2012/01/01,0.0,42.8")
    (tmp_path / name).write_bytes(gzip.compress(text))
    with pytest.raises(D.DataChecksumError, match=re.escape(name)) as info:
        D.load_seattle_weather(data_dir=tmp_path)
    assert isinstance(info.value, ValueError) and "git checkout" in str(info.value)


@pytest.mark.parametrize(
    ("loader", "name"),
    [
        (lambda d: D.load_sentiment("movies", data_dir=d), "vader_movie_reviews.txt.gz"),
        (lambda d: D.load_sentiment("tweets", data_dir=d), "vader_tweets.txt.gz"),
        (lambda d: D.load_brown_news(data_dir=d), "brown_news.txt.gz"),
        (lambda d: D.load_seattle_weather(data_dir=d), "seattle_weather.csv.gz"),
    ],
)
def test_every_loader_checks_its_file(tmp_path: pathlib.Path, loader, name: str) -> None:
    with pytest.raises(D.DataFileMissing, match=re.escape(name)):
        loader(tmp_path)
    (tmp_path / name).write_bytes(b"not the data")
    with pytest.raises(D.DataChecksumError, match=re.escape(name)):
        loader(tmp_path)


def test_unknown_file_name() -> None:
    with pytest.raises(KeyError, match="unknown data file"):
        D.data_path("imdb.csv")


# --------------------------------------------------------------------------
# Loaders
# --------------------------------------------------------------------------


def test_load_sentiment() -> None:
    texts, labels, ratings = D.load_sentiment("movies")
    assert len(texts) == labels.shape[0] == ratings.shape[0] == 10605
    assert labels.dtype == np.int32 and ratings.dtype == np.float32
    assert np.array_equal(labels, (ratings > 0).astype(np.int32))
    assert -4 <= ratings.min() and ratings.max() <= 4
    assert 0.45 < labels.mean() < 0.55
    assert texts[2] == "Effective but too tepid biopic" and labels[2] == 0
    tweets, t_labels, _ = D.load_sentiment("tweets")
    assert len(tweets) == 4200 and 0.6 < t_labels.mean() < 0.75
    assert not any("&amp;" in t for t in tweets)
    with pytest.raises(ValueError, match="source"):
        D.load_sentiment("imdb")


def test_load_brown_news() -> None:
    sents, tags = D.load_brown_news()
    assert len(sents) == len(tags) == 4623
    assert sum(len(s) for s in sents) == 100554
    assert all(len(s) == len(t) for s, t in zip(sents, tags))
    assert sents[0][:4] == ["The", "Fulton", "County", "Grand"]
    assert tags[0][:4] == ["DET", "NOUN", "NOUN", "ADJ"]
    assert {t for ts in tags for t in ts} == set(D.UNIVERSAL_TAGS)
    _, brown = D.load_brown_news("brown")
    assert brown[0][:4] == ["at", "np-tl", "nn-tl", "jj-tl"]
    every_tag = {t for ts in brown for t in ts}
    assert len(every_tag) > 200
    for t in every_tag:  # the table covers every tag in the file
        assert D.to_universal(t) in D.UNIVERSAL_TAGS


@pytest.mark.parametrize(
    ("brown", "universal"),
    [
        ("nn", "NOUN"), ("nn-tl", "NOUN"), ("nns$-tl-hl", "NOUN"), ("np$", "NOUN"), ("bedz", "VERB"),
        ("md*", "VERB"), ("ppss+md", "PRON"), ("pp$", "PRON"), ("pp$$", "PRON"), ("*", "ADV"), ("*-hl", "ADV"),
        ("fw-in+nn", "X"), ("fw-nn-tl", "X"), ("od", "ADJ"), ("ap", "DET"), ("ex+bez", "DET"), ("to", "PRT"),
        ("cs", "CONJ"), ("cd$", "NUM"), ("``", "."), (",-hl", "."), ("in-tl", "ADP"), ("uh", "X"),
    ],
)
def test_to_universal(brown: str, universal: str) -> None:
    assert D.to_universal(brown) == universal


def test_to_universal_unknown_tag() -> None:
    with pytest.raises(KeyError, match="zz"):
        D.to_universal("zz")


def test_load_seattle_weather() -> None:
    w = D.load_seattle_weather()
    assert set(w) == {"date", "precipitation", "temp_max", "temp_min", "wind", "weather"}
    assert all(len(v) == 1461 for v in w.values())
    assert w["date"][0] == np.datetime64("2012-01-01") and w["date"][-1] == np.datetime64("2015-12-31")
    assert np.all(np.diff(w["date"]) == np.timedelta64(1, "D"))
    assert np.all(w["temp_max"] >= w["temp_min"])
    assert set(w["weather"]) == {"drizzle", "rain", "sun", "snow", "fog"}


# --------------------------------------------------------------------------
# Splits, padding, windows
# --------------------------------------------------------------------------


def test_split_indices() -> None:
    tr, va, te = D.split_indices(101, (0.8, 0.1, 0.1), seed=3)
    assert (len(tr), len(va), len(te)) == (81, 10, 10)
    assert np.array_equal(np.sort(np.concatenate([tr, va, te])), np.arange(101))
    again = D.split_indices(101, (0.8, 0.1, 0.1), seed=3)
    assert all(np.array_equal(a, b) for a, b in zip((tr, va, te), again))
    assert not np.array_equal(tr, D.split_indices(101, (0.8, 0.1, 0.1), seed=4)[0])
    for bad in [(0.5, 0.6), (1.0,), (0.5, -0.1, 0.6)]:
        with pytest.raises(ValueError, match="fractions"):
            D.split_indices(10, bad)


def test_pad_sequences_and_mask() -> None:
    padded = D.pad_sequences([[5, 6, 7], [8], []])
    assert padded.dtype == np.int32
    assert np.array_equal(padded, [[5, 6, 7], [8, 0, 0], [0, 0, 0]])
    assert np.array_equal(D.padding_mask(padded), [[1, 1, 1], [1, 0, 0], [0, 0, 0]])
    assert np.array_equal(D.pad_sequences([[1, 2, 3, 4], [5]], maxlen=2), [[1, 2], [5, 0]])
    words = D.pad_sequences([["the", "cat"], ["a"]], value="")
    assert words.tolist() == [["the", "cat"], ["a", ""]]
    assert D.padding_mask(words, "").tolist() == [[True, True], [True, False]]
    with pytest.raises(ValueError, match="one-dimensional"):
        D.pad_sequences([[[1, 2]]])


def test_make_windows() -> None:
    s = np.arange(10.0)
    X, Y = D.make_windows(s, input_len=3, horizon=2)
    assert X.shape == (6, 3, 1) and Y.shape == (6, 2)
    assert np.array_equal(X[0, :, 0], [0, 1, 2]) and np.array_equal(Y[0], [3, 4])
    assert np.array_equal(X[-1, :, 0], [5, 6, 7]) and np.array_equal(Y[-1], [8, 9])
    multi = np.stack([s, -s], axis=1)  # (10, 2)
    X2, Y2 = D.make_windows(multi, 4, 1, target=1, stride=3)
    assert X2.shape == (2, 4, 2) and np.array_equal(Y2[:, 0], [-4, -7])
    with pytest.raises(ValueError, match="target"):
        D.make_windows(multi, 4)
    with pytest.raises(ValueError, match="too short"):
        D.make_windows(s, 9, 2)


# --------------------------------------------------------------------------
# stream_batches (truncated BPTT)
# --------------------------------------------------------------------------


def test_stream_batches_rows_continue_across_chunks() -> None:
    ids = np.arange(103)  # token value = its position, so continuity is easy to see
    chunks = list(D.stream_batches(ids, batch_size=4, seq_len=5))
    R = (103 - 1) // 4  # 25 steps per row
    assert len(chunks) == R // 5 == 5
    for x, y in chunks:
        assert x.shape == y.shape == (4, 5)
        assert np.array_equal(y, x + 1)  # targets are the next token
    for k in range(len(chunks) - 1):
        x_now, x_next = chunks[k][0], chunks[k + 1][0]
        assert np.array_equal(x_next[:, 0], x_now[:, -1] + 1)  # row r goes on where it stopped
    rows = np.concatenate([x for x, _ in chunks], axis=1)  # (4, 25)
    assert np.array_equal(rows, np.arange(4)[:, None] * R + np.arange(R))


def test_stream_batches_uses_each_token_once_and_drops_the_tail() -> None:
    rng = np.random.default_rng(0)
    ids = rng.integers(0, 50, size=1000)
    xs = np.concatenate([x for x, _ in D.stream_batches(ids, 8, 10)], axis=1)  # (8, 120)
    R = 999 // 8
    assert xs.shape == (8, (R // 10) * 10)
    for r in range(8):
        assert np.array_equal(xs[r], ids[r * R : r * R + xs.shape[1]])


def test_stream_batches_exact_fit_and_errors() -> None:
    assert len(list(D.stream_batches(np.arange(2 * 3 + 1), 2, 3))) == 1  # just enough for one chunk
    with pytest.raises(ValueError, match="too short"):
        D.stream_batches(np.arange(2 * 3), 2, 3)  # raised at the call, before any iteration
    with pytest.raises(ValueError, match="1-D"):
        D.stream_batches(np.zeros((3, 40), int), 2, 3)
    for bad in (0, -1, 2.5, True):
        with pytest.raises(ValueError, match="batch_size"):
            D.stream_batches(np.arange(100), bad, 3)
        with pytest.raises(ValueError, match="seq_len"):
            D.stream_batches(np.arange(100), 2, bad)
