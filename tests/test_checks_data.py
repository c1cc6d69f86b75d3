"""Every Part III exercise check passes a reference answer and fails wrong ones with a useful message."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

from rnnkit import checks_data as C
from rnnkit import data as D
from rnnkit.checks import CheckFailed


def _not_written(*args: Any) -> Any:
    raise NotImplementedError()


# --- reference answers -------------------------------------------------------


def pad_and_mask(seqs, maxlen):
    padded = D.pad_sequences(seqs, maxlen=maxlen)
    return padded, padded != 0


def masked_mean(h, mask):
    m = mask[..., None].astype(h.dtype)
    return (h * m).sum(axis=1) / m.sum(axis=1)


def confusion_matrix(y_true, y_pred):
    cm = np.zeros((2, 2), dtype=int)
    for t, p in zip(y_true, y_pred):
        cm[t, p] += 1
    return cm


def sentence_accuracy(y_true, y_pred, mask):
    return float(np.mean(~((y_true != y_pred) & mask).any(axis=1)))


def weighted_cross_entropy(probs, y_true, mask, tag_weights):
    p = np.take_along_axis(probs, y_true[..., None], axis=-1)[..., 0]
    w = tag_weights[y_true][mask]
    return float((w * -np.log(p[mask])).sum() / w.sum())


def drift_forecast(X, H, *, first=1, steps=None):
    slope = (X[:, -1:] - X[:, :1]) / (X.shape[1] - 1 if steps is None else steps)
    return X[:, -1:] + slope * np.arange(first, first + H)


def recursive_forecast(step, X, H):
    window, out = X.copy(), []
    for _ in range(H):
        y = step(window)
        out.append(y)
        window = np.concatenate([window[:, 1:], y[:, None]], axis=1)
    return np.stack(out, axis=1)


REFERENCE: dict[str, Callable[..., Any]] = {
    "pad_and_mask": pad_and_mask,
    "masked_mean": masked_mean,
    "confusion_matrix": confusion_matrix,
    "sentence_accuracy": sentence_accuracy,
    "weighted_cross_entropy": weighted_cross_entropy,
    "drift_forecast": drift_forecast,
    "recursive_forecast": recursive_forecast,
}


def test_every_check_has_a_reference() -> None:
    assert set(REFERENCE) == set(C.CHECKS)


@pytest.mark.parametrize("name", sorted(REFERENCE))
def test_reference_passes(name: str, capsys: pytest.CaptureFixture[str]) -> None:
    getattr(C, name)(REFERENCE[name])
    assert capsys.readouterr().out.startswith(f"✓ {name}:")


@pytest.mark.parametrize("name", sorted(REFERENCE))
def test_unwritten_function_fails_with_a_hint(name: str) -> None:
    with pytest.raises(CheckFailed, match="not written yet") as info:
        getattr(C, name)(_not_written)
    assert "Hint:" in str(info.value)


# --- typical mistakes: each must fail, with a message that names it ------------


def _keras_style(seqs, maxlen):  # what keras.utils.pad_sequences does by default: pad and cut at the front
    rows = [np.pad(np.asarray(s[-maxlen:]), (maxlen - min(len(s), maxlen), 0)) for s in seqs]
    padded = np.stack(rows)
    return padded, padded != 0


WRONG = [
    ("pad_and_mask", _keras_style, "at the front"),
    ("pad_and_mask", lambda s, m: (D.pad_sequences(s, maxlen=m), D.pad_sequences(s, maxlen=m) == 0), "mask"),
    ("masked_mean", lambda h, m: h.mean(axis=1), "padding included"),
    ("masked_mean", lambda h, m: (h * m[..., None]).sum(axis=1) / h.shape[1], "still divide by T"),
    ("confusion_matrix", lambda t, p: confusion_matrix(t, p).T, "swapped"),
    ("sentence_accuracy", lambda t, p, m: float((t == p).all(axis=1).mean()), "padded position"),
    ("sentence_accuracy", lambda t, p, m: float((t == p)[m].mean()), "share of right tokens"),
    ("weighted_cross_entropy", lambda pr, t, m, w: float(-np.log(np.take_along_axis(pr, t[..., None], -1)[..., 0][m]).mean()),
     "weights are not used"),
    ("weighted_cross_entropy", lambda pr, t, m, w: -weighted_cross_entropy(pr, t, m, w), "minus sign"),
    ("drift_forecast", lambda X, H: np.repeat(X[:, -1:], H, axis=1), "that is persistence"),
    ("drift_forecast", lambda X, H: drift_forecast(X, H, first=0), "lead times start at 0"),
    ("recursive_forecast", lambda step, X, H: np.repeat(step(X)[:, None], H, axis=1), "repeats the first forecast"),
    ("recursive_forecast", lambda step, X, H: np.stack([step(X)] * H, axis=0), "shape"),
]


@pytest.mark.parametrize(("name", "wrong", "message"), WRONG, ids=[f"{n}-{i}" for i, (n, _, _) in enumerate(WRONG)])
def test_wrong_answer_fails(name: str, wrong: Callable[..., Any], message: str) -> None:
    with pytest.raises(CheckFailed, match=message) as info:
        getattr(C, name)(wrong)
    assert "Hint:" in str(info.value)


# --- 08: contrast pairs and the shuffle test (appended); 10's tag table and 14's gapped windows -------


# One table of right and wrong answers for these checks: tests/wrong_answers.py's (the suite that proves
# every check catches the usual mistakes); here the same answers must also keep the second hint and give no
# solution line away.
import wrong_answers as W  # noqa: E402  (tests/ is on sys.path, as for tests/test_wrong_answers.py)

APPENDED = ("contrast_pair", "shuffle_words", "tag_table", "gapped_windows")
REFERENCE.update({name: W.RIGHT[name] for name in APPENDED})
WRONG_APPENDED = [(name, wrong, message) for name in APPENDED for _, wrong, message in W.WRONG[name]]
assert len(WRONG_APPENDED) >= 30, "wrong_answers.py lost 08's, 10's or 14's wrong answers"


@pytest.mark.parametrize("name", APPENDED)
def test_appended_reference_passes_visible_and_hidden(name: str, capsys: pytest.CaptureFixture[str]) -> None:
    getattr(C, name)(REFERENCE[name])
    assert capsys.readouterr().out.startswith(f"✓ {name}:")
    C.hidden_test(name, REFERENCE[name])  # other data, silent
    assert capsys.readouterr().out == ""


@pytest.mark.parametrize("name", APPENDED)
def test_appended_unwritten_function_fails_with_a_hint(name: str) -> None:
    with pytest.raises(CheckFailed, match="not written yet") as info:
        getattr(C, name)(_not_written)
    assert "Hint:" in str(info.value)


@pytest.mark.parametrize(("name", "wrong", "message"), WRONG_APPENDED,
                         ids=[f"{n}-{i}" for i, (n, _, _) in enumerate(WRONG_APPENDED)])
def test_appended_wrong_answer_fails_with_two_hints_and_no_solution(name: str, wrong: Callable[..., Any], message: str) -> None:
    with pytest.raises(CheckFailed, match=message) as info:
        getattr(C, name)(wrong)
    text = str(info.value)
    assert "Hint:" in text and f'Second hint: C.hint("{name}")' in text  # C: this module's name for checks_data
    assert "permutation(" not in text and ".replace(" not in text  # a hint names the idea, never the solution line
    with pytest.raises(CheckFailed):
        C.hidden_test(name, wrong)


def test_the_contrast_pair_hidden_test_refuses_rnnkits_own_version() -> None:
    from rnnkit import contrast

    C.contrast_pair(contrast.contrast_pair)  # visible: passes (it is the right answer) ...
    with pytest.raises(CheckFailed, match="not allowed|calls rnnkit"):
        C.hidden_test("contrast_pair", lambda *args: contrast.contrast_pair(*args))  # ... but it is not the learner's own
