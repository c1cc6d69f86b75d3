"""Right and wrong answers to every exercise of the course, for the wrong-answer suite.

``RIGHT[check]`` is a correct answer written independently of rnnkit (it never calls
rnnkit's reference, so it passes the hidden test too). ``WRONG[check]`` lists the
mistakes learners really make, each as ``(label, answer, expected)``: the check must
fail, and its message must contain ``expected`` (a regular expression; empty: any
failure with a hint). The Keras exercises (06, 07) are in ``wrong_answers_keras.py``.
"""

from __future__ import annotations

import functools

from collections import Counter
from collections.abc import Callable
from typing import Any

import numpy as np

from rnnkit import checks

Wrong = tuple[str, Callable[..., Any], str]


def sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))


def softmax(z):
    e = np.exp(z - z.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


# ---------------------------------------------------------------- 01 ----------


def one_hot(ids, V):
    return (np.asarray(ids)[..., None] == np.arange(V)).astype(np.float64)


def _one_hot_loop(ids, V, plus=0):
    out = np.zeros((*ids.shape, V + plus))
    for n in range(ids.shape[0]):
        for t in range(ids.shape[1]):
            out[n, t, ids[n, t]] = 1
    return out


def embedding_lookup(ids, E):
    return E[np.asarray(ids)]


ANSWERS = dict(zip(checks.TASK_SHAPE_QUESTIONS, [
    "many-to-one", "many-to-many (aligned)", "many-to-many (encoder-decoder)", "one-to-many", "one-to-one",
    "many-to-one", "many-to-many (aligned)", "many-to-one", "one-to-many", "many-to-many (encoder-decoder)",
]))


def pad_batch(seqs, maxlen=None, padding="post", truncating="post", value=0):
    if maxlen is None:
        maxlen = max(len(s) for s in seqs)
    out = np.full((len(seqs), maxlen), value, dtype=int)
    for n, s in enumerate(seqs):
        s = list(s)[:maxlen] if truncating == "post" else list(s)[max(len(s) - maxlen, 0):]
        if s:
            if padding == "post":
                out[n, :len(s)] = s
            else:
                out[n, maxlen - len(s):] = s
    return out


def _pad_always_pre(seqs, maxlen=None, padding="post", truncating="post", value=0):  # keras.utils.pad_sequences' defaults
    return pad_batch(seqs, maxlen, "pre", "pre", value)


def _pad_ignores_truncating(seqs, maxlen=None, padding="post", truncating="post", value=0):
    return pad_batch(seqs, maxlen, padding, "post", value)


def _pad_ignores_value(seqs, maxlen=None, padding="post", truncating="post", value=0):
    return pad_batch(seqs, maxlen, padding, truncating, 0)


def _pad_min_length(seqs, maxlen=None, padding="post", truncating="post", value=0):
    return pad_batch(seqs, maxlen if maxlen is not None else min(len(s) for s in seqs), padding, truncating, value)


def _pad_in_place(seqs, maxlen=None, padding="post", truncating="post", value=0):
    longest = max(len(s) for s in seqs) if maxlen is None else maxlen
    for s in seqs:  # extends the caller's lists
        s.extend([value] * (longest - len(s)))
    return pad_batch(seqs, maxlen, padding, truncating, value)


def _pad_float(seqs, maxlen=None, padding="post", truncating="post", value=0):
    return pad_batch(seqs, maxlen, padding, truncating, value).astype(float)


def _pad_minus_zero(seqs, maxlen=None, padding="post", truncating="post", value=0):  # out[n, -len(s):] = s
    if maxlen is None:
        maxlen = max(len(s) for s in seqs)
    out = np.full((len(seqs), maxlen), value, dtype=int)
    for n, s in enumerate(seqs):
        s = list(s)[:maxlen] if truncating == "post" else list(s)[max(len(s) - maxlen, 0):]
        if padding == "post":
            out[n, :len(s)] = s
        else:
            out[n, -len(s):] = s  # -0: the whole row, and [] does not fit in it
    return out


def _pad_no_return(seqs, maxlen=None, padding="post", truncating="post", value=0):
    pad_batch(seqs, maxlen, padding, truncating, value)  # computed, never returned


# ---------------------------------------------------------------- 02 ----------


def rnn_step(x_t, h_prev, Wx, Wh, b):
    return np.tanh(x_t @ Wx + h_prev @ Wh + b)


def rnn_forward(x, h0, Wx, Wh, b, *, carry=True, late=False, bias_twice=False, bias=True, transpose=False):
    xw = x @ Wx + (b if bias else 0)
    Wh = Wh.T if transpose else Wh
    h, prev = np.zeros(xw.shape), h0
    for t in range(x.shape[1]):
        if late:
            h[:, t] = prev
        new = np.tanh(xw[:, t] + (prev if carry else h0) @ Wh + (b if bias_twice else 0))
        if not late:
            h[:, t] = new
        prev = new
    return h


def birnn_forward(x, fwd, bwd, *, realign=True, order="fb", reverse=True, same=False, axis=-1, features=False):
    N, H = x.shape[0], fwd[1].shape[0]
    zeros = np.zeros((N, H))
    hf = rnn_forward(x, zeros, *fwd)
    xb = x[:, :, ::-1] if features else x[:, ::-1] if reverse else x
    realign = realign and not features
    hb = rnn_forward(xb, zeros, *(fwd if same else bwd))
    if realign and reverse:
        hb = hb[:, ::-1]
    parts = [hf, hb] if order == "fb" else [hb, hf]
    return np.concatenate(parts, axis=axis)


# ---------------------------------------------------------------- 03 ----------


def softmax_cross_entropy(logits, targets):
    z = logits - logits.max(axis=-1, keepdims=True)
    log_p = z - np.log(np.exp(z).sum(axis=-1, keepdims=True))
    loss = -np.take_along_axis(log_p, targets[..., None], axis=-1).mean()
    d = np.exp(log_p) - (np.arange(logits.shape[-1]) == targets[..., None])
    return float(loss), d / targets.size


def _ce_naive(logits, targets):  # -log(softmax(z)): inf when the target's probability underflows
    p = softmax(logits)
    loss = -np.log(np.take_along_axis(p, targets[..., None], axis=-1)).mean()
    return float(loss), (p - (np.arange(logits.shape[-1]) == targets[..., None])) / targets.size


def _ce_epsilon(logits, targets):  # log(p + 1e-300): finite, but not exact
    p = softmax(logits)
    loss = -np.log(np.take_along_axis(p, targets[..., None], axis=-1) + 1e-300).mean()
    return float(loss), (p - (np.arange(logits.shape[-1]) == targets[..., None])) / targets.size


def _ce_no_shift(logits, targets):  # exp overflows for large logits
    e = np.exp(logits)
    log_p = logits - np.log(e.sum(-1, keepdims=True))
    loss = -np.take_along_axis(log_p, targets[..., None], axis=-1).mean()
    return float(loss), (e / e.sum(-1, keepdims=True) - (np.arange(logits.shape[-1]) == targets[..., None])) / targets.size


def rnn_backward_double_sum(dh, cache, *, assign_dx=False, walk=True, tanh=True, own_state=False, dh0=True, db_sum=True):
    x, h0, Wx, Wh, h = cache
    dx, dWx, dWh = np.zeros_like(x), np.zeros_like(Wx), np.zeros_like(Wh)
    db, dh0_ = np.zeros(Wh.shape[0]) if db_sum else np.zeros_like(h0), np.zeros_like(h0)
    for t in range(x.shape[1]):
        grad = dh[:, t]
        for k in range(t, -1 if walk else t - 1, -1):
            hprev = h[:, k] if own_state else (h[:, k - 1] if k > 0 else h0)
            da = grad * (1 - h[:, k] ** 2) if tanh else grad
            dWx += x[:, k].T @ da
            dWh += hprev.T @ da
            db += da.sum(axis=0) if db_sum else da
            if assign_dx:
                dx[:, k] = da @ Wx.T
            else:
                dx[:, k] += da @ Wx.T
            grad = da @ Wh.T
        if walk or t == 0:
            dh0_ += grad
    return dx, (dh0_ if dh0 else np.zeros_like(h0)), dWx, dWh, db


def sample_next(logits, temperature, rng):
    return int(np.argmax(np.asarray(logits) / temperature + rng.gumbel(size=len(logits))))


# ---------------------------------------------------------------- 04 ----------


def spectral_radius(W):
    return float(np.max(np.abs(np.linalg.eigvals(W))))


def clip_by_global_norm(grads, max_norm):
    norm = float(np.sqrt(sum(np.sum(g**2) for g in grads)))
    scale = min(1.0, max_norm / norm)
    return [g * scale for g in grads], norm


def _clip_in_place(grads, max_norm):
    norm = float(np.sqrt(sum(np.sum(g**2) for g in grads)))
    for g in grads:
        g *= min(1.0, max_norm / norm)
    return grads, norm


def random_orthogonal(rng, H):
    q, r = np.linalg.qr(rng.standard_normal((H, H)))
    return q * np.sign(np.diag(r))


# ---------------------------------------------------------------- 05 ----------


def lstm_step(x_t, h_prev, c_prev, Wx, Wh, b, order="ifco", tanh_c=True, use_i=True, gate=sigmoid, candidate=np.tanh,
              swap_update=False):
    H = h_prev.shape[1]
    z = x_t @ Wx + h_prev @ Wh + b
    blocks = {k: z[:, j * H:(j + 1) * H] for j, k in enumerate(order)}
    i, f, o, g = gate(blocks["i"]), gate(blocks["f"]), gate(blocks["o"]), candidate(blocks["c"])
    if swap_update:  # the slicing is right, the update equation pairs the gates wrongly
        i, f = f, i
    c = f * c_prev + (i * g if use_i else g)
    return o * (np.tanh(c) if tanh_c else c), c


def lstm_stack(D, H, L, blocks=4, biases=1, recurrent=True, stacked=True):
    """Parameters of L stacked LSTM(H) layers on D features, or of a learner's slip."""
    total, inputs = 0, D
    for _ in range(L):
        total += blocks * (inputs * H + (H * H if recurrent else 0) + biases * H)
        inputs = H if stacked else D
    return total


def gru_step(x_t, h_prev, Wx, Wh, b, flip=False, reset_before=False, order="zrh"):
    H = h_prev.shape[1]
    xz, hz = x_t @ Wx + b[0], h_prev @ Wh + b[1]
    j = {k: slice(n * H, (n + 1) * H) for n, k in enumerate(order)}
    z = sigmoid(xz[:, j["z"]] + hz[:, j["z"]])
    r = sigmoid(xz[:, j["r"]] + hz[:, j["r"]])
    if reset_before:
        cand = np.tanh(xz[:, j["h"]] + (r * h_prev) @ Wh[:, j["h"]] + b[1][j["h"]])
    else:
        cand = np.tanh(xz[:, j["h"]] + r * hz[:, j["h"]])
    return (1 - z) * h_prev + z * cand if flip else z * h_prev + (1 - z) * cand


def _gru_one_bias(x_t, h_prev, Wx, Wh, b):
    return gru_step(x_t, h_prev, Wx, Wh, np.stack([b[0] + b[1], np.zeros_like(b[1])]))


# ---------------------------------------------------------------- 08 ----------


def pad_and_mask(sequences, maxlen):
    padded = np.zeros((len(sequences), maxlen), dtype=int)
    for i, s in enumerate(sequences):
        s = list(s)[:maxlen]
        padded[i, :len(s)] = s
    return padded, padded != 0


def _keras_style(sequences, maxlen):  # keras.utils.pad_sequences' default: pad and cut at the front
    padded = np.zeros((len(sequences), maxlen), dtype=int)
    for i, s in enumerate(sequences):
        s = list(s)[-maxlen:]
        padded[i, maxlen - len(s):] = s
    return padded, padded != 0


def _keep_last(sequences, maxlen):
    padded = np.zeros((len(sequences), maxlen), dtype=int)
    for i, s in enumerate(sequences):
        s = list(s)[-maxlen:]
        padded[i, :len(s)] = s
    return padded, padded != 0


def _no_cut(sequences, maxlen):
    padded = np.zeros((len(sequences), maxlen), dtype=int)
    for i, s in enumerate(sequences):
        padded[i, :len(s)] = s  # fails for a sequence longer than maxlen
    return padded, padded != 0


def masked_mean(h, mask):
    m = mask[..., None].astype(h.dtype)
    return (h * m).sum(axis=1) / m.sum(axis=1)


def confusion_matrix(y_true, y_pred):
    cm = np.zeros((2, 2), dtype=int)
    for t, p in zip(y_true, y_pred):
        cm[t, p] += 1
    return cm


def _cm_assign(y_true, y_pred):
    cm = np.zeros((2, 2), dtype=int)
    for t, p in zip(y_true, y_pred):
        cm[t, p] = 1
    return cm


def _cm_unique(y_true, y_pred):  # sized by the classes that occur: 1 x 1 when only one class is there
    classes = np.unique(np.concatenate([y_true, y_pred])) if len(np.unique(y_true)) > 1 else np.unique(y_true)
    cm = np.zeros((len(classes), len(classes)), dtype=int)
    for t, p in zip(y_true, y_pred):
        if t in classes and p in classes:
            cm[np.searchsorted(classes, t), np.searchsorted(classes, p)] += 1
    return cm


# ---------------------------------------------------------------- 10 ----------


def sentence_accuracy(y_true, y_pred, mask):
    return float(np.mean(~((y_true != y_pred) & mask).any(axis=1)))


def weighted_cross_entropy(probs, y_true, mask, tag_weights):
    p = np.take_along_axis(probs, y_true[..., None], axis=-1)[..., 0]
    w = tag_weights[y_true][mask]
    return float((w * -np.log(p[mask])).sum() / w.sum())


def _ce_times_mask(probs, y_true, mask, tw):  # log everywhere, then zero the padding: NaN where p is 0 in the padding
    p = np.take_along_axis(probs, y_true[..., None], axis=-1)[..., 0]
    w = tw[y_true] * mask
    return float((-np.log(p) * w).sum() / w.sum())


def _pick(probs, y):
    return np.take_along_axis(probs, y[..., None], axis=-1)[..., 0]


def tag_table(sentences, tags, min_count, *, cutoff="word", strict=False, tie="overall", default_from="all", lower=False):
    """Exercise 10.3 and, through its keywords, the usual ways to get it wrong."""
    if lower:
        sentences = [[w.lower() for w in s] for s in sentences]
    per_word, overall, last, n_sentences = {}, Counter(), {}, Counter()
    for s, ts in zip(sentences, tags):
        for w, t in zip(s, ts):
            per_word.setdefault(w, Counter())[t] += 1
            overall[t] += 1
            last[w] = t
        n_sentences.update(set(s))
    count = {"word": lambda w, c: sum(c.values()), "top": lambda w, c: max(c.values()), "none": lambda w, c: min_count,
             "sentences": lambda w, c: n_sentences[w]}[cutoff]  # "sentences": how many sentences the word is in
    kept = {w: c for w, c in per_word.items() if (count(w, c) > min_count if strict else count(w, c) >= min_count)}
    in_table = Counter(t for c in kept.values() for t in c.elements())
    pick = {"overall": lambda w, c: max(c, key=lambda t: (c[t], overall[t])),
            "first": lambda w, c: c.most_common(1)[0][0],                       # Counter's order: the tag seen first
            "alphabet": lambda w, c: min(c, key=lambda t: (-c[t], t)),
            "last": lambda w, c: last[w],
            "kept": lambda w, c: max(c, key=lambda t: (c[t], in_table[t])),     # ties from the kept words' counts only
            "overall_top": lambda w, c: max(c, key=overall.get)}[tie]           # the overall count alone decides
    table = {w: pick(w, c) for w, c in kept.items()}
    counted = overall if default_from == "all" else in_table
    return table, counted.most_common(1)[0][0]


# ---------------------------------------------------------------- 14 ----------


def gapped_windows(series, L, H, gap, stride):
    n = (len(series) - L - gap - H) // stride + 1
    starts = np.arange(n) * stride
    return (np.stack([series[s:s + L] for s in starts]), np.stack([series[s + L + gap:s + L + gap + H] for s in starts]))


def _windows_loop(series, L, H, gap, stride, *, first=None, count=None, end_plus_one=True, width=None):
    """A loop over the starts, as learners write it; the keywords make the usual slips."""
    first = L + gap if first is None else first
    span = len(series) - L - gap - H if count is None else count
    starts = range(0, span + 1 if end_plus_one else span, stride)
    width = H if width is None else width
    return (np.stack([series[s:s + L] for s in starts]), np.stack([series[s + first:s + first + width] for s in starts]))


def drift_forecast(X, H, *, first=1, steps=None):
    slope = (X[:, -1:] - X[:, :1]) / (X.shape[1] - 1 if steps is None else steps)
    return X[:, -1:] + slope * np.arange(first, first + H)


def recursive_forecast(step, X, H, *, slide=True, newest=False):
    window, out = X.copy(), []
    for _ in range(H):
        y = step(window)
        out.append(y)
        if slide:
            rest = window[:, :-1] if newest else window[:, 1:]
            window = np.concatenate([rest, y[:, None]], axis=1)
        else:
            window = np.concatenate([window, y[:, None]], axis=1)
    return np.stack(out, axis=1)


def _recursive_int_out(step, X, H):
    out, window = np.zeros((len(X), H), dtype=X.dtype), X.copy()  # an int X makes an int output
    for k in range(H):
        out[:, k] = step(window)
        window = np.concatenate([window[:, 1:], out[:, k:k + 1]], axis=1)
    return out


def _recursive_in_place(step, X, H, *, roll=False):
    w, out = X, []  # w is X under a second name: sliding it slides the caller's windows too
    for _ in range(H):
        y = step(w)
        out.append(y)
        if roll:
            w[:] = np.roll(w, -1, axis=1)
        else:
            w[:, :-1] = w[:, 1:]
        w[:, -1] = y
    return np.stack(out, axis=1)


# ---------------------------------------------------------------- 09, 11 ------


KO = ["영", "일", "이", "삼", "사", "오", "육", "칠", "팔", "구"]


def korean_caption(n):
    if n == 0:
        return KO[0]
    tens, ones = divmod(n, 10)
    return ("" if tens == 0 else ("" if tens == 1 else KO[tens]) + "십") + (KO[ones] if ones else "")


def token_accuracy(predictions, targets):
    correct = total = 0
    for p, t in zip(predictions, targets):
        p, t = list(p) + [None], list(t) + [None]
        correct += sum(a == b for a, b in zip(p, t))
        total += len(t)
    return correct / total


def shift_right(targets, start_id):
    return np.concatenate([np.full((targets.shape[0], 1), start_id, dtype=targets.dtype), targets[:, :-1]], axis=1)


def greedy_decode(encoder, decoder, inputs, start_id, end_id, max_len, *, feedback=True, carry=True, pad=True,
                  stop_early=False):
    states = encoder.predict_on_batch(inputs)
    start = list(states) if isinstance(states, (list, tuple)) else [states]
    states, n = list(start), len(start[0])
    tokens = np.full((n, 1), start_id)
    out, done = np.zeros((n, max_len), dtype=int), np.zeros(n, dtype=bool)
    for t in range(max_len):
        probs, *new = decoder.predict_on_batch([tokens, *(states if carry else start)])
        states = new
        ids = np.asarray(probs).reshape(n, -1).argmax(-1)
        if pad:
            ids = np.where(done, 0, ids)
            done |= ids == end_id
        out[:, t] = ids
        tokens = ids[:, None] if feedback else np.full((n, 1), start_id)
        if stop_early and done.all():
            return out[:, :t + 1]
    return out


def error_positions(prediction, target, *, tail=True, first_only=False, base=0, none_if_equal=False):
    if none_if_equal and prediction == target:
        return None
    wrong = [j + base for j, (a, b) in enumerate(zip(prediction, target)) if a != b]
    if tail:
        wrong += [j + base for j in range(min(len(prediction), len(target)), max(len(prediction), len(target)))]
    return wrong[:1] if first_only else wrong


# ---------------------------------------------------------------- 12, 13 ------


def sample_top_k(logits, k, temperature, rng, *, smallest=False, position=False, temp=True, drop_one=False, global_rng=False):
    z = np.asarray(logits, dtype=float) / (temperature if temp else 1.0)
    keep = np.argsort(z)[:k] if smallest else np.argsort(z)[-k:]
    if drop_one and k > 1:
        keep = np.argsort(z)[-k + 1:]  # one id too few: -k + 1 where -k was meant
    p = np.exp(z[keep] - z[keep].max())
    j = int((np.random if global_rng else rng).choice(len(keep), p=p / p.sum()))
    return j if position else int(keep[j])


def stream_chunks(ids, B, S):
    ids = np.asarray(ids)
    R = (len(ids) - 1) // B
    pos = np.arange(B)[:, None] * R + np.arange(R)
    return [(ids[pos[:, k:k + S]], ids[pos[:, k:k + S] + 1]) for k in range(0, R - S + 1, S)]


def _chunks_consecutive(ids, B, S):  # B * S consecutive tokens per chunk, row after row
    n = (len(ids) - 1) // (B * S)
    return [(ids[k * B * S:(k + 1) * B * S].reshape(B, S), ids[k * B * S + 1:(k + 1) * B * S + 1].reshape(B, S)) for k in range(n)]


def _chunks_with_partial(ids, B, S):
    ids = np.asarray(ids)
    R = (len(ids) - 1) // B
    pos = np.arange(B)[:, None] * R + np.arange(R)
    return [(ids[pos[:, k:k + S]], ids[pos[:, k:k + S] + 1]) for k in range(0, R, S)]


def lstm_cache_floats(N, T, D, H):
    return N * T * D + 2 * N * H + D * 4 * H + H * 4 * H + 6 * N * T * H


RIGHT: dict[str, Callable[..., Any] | dict[str, str]] = {
    "one_hot": one_hot, "embedding_lookup": embedding_lookup, "task_shapes": ANSWERS, "pad_batch": pad_batch,
    "rnn_step": rnn_step, "rnn_forward": rnn_forward, "birnn_forward": birnn_forward,
    "rnn_param_count": lambda D, H, bi=False: (D * H + H * H + H) * (2 if bi else 1),
    "softmax_cross_entropy": softmax_cross_entropy, "rnn_backward": rnn_backward_double_sum, "sample_next": sample_next,
    "spectral_radius": spectral_radius, "clip_by_global_norm": clip_by_global_norm, "random_orthogonal": random_orthogonal,
    "lstm_step": lstm_step, "gru_step": gru_step,
    "lstm_param_count": lambda D, H, L=1: lstm_stack(D, H, L),
    "gru_param_count": lambda D, H, after=True: 3 * (D * H + H * H + (2 if after else 1) * H),
    "pad_and_mask": pad_and_mask, "masked_mean": masked_mean, "confusion_matrix": confusion_matrix,
    "repeat_vector": lambda v, T: np.repeat(v[:, None, :], T, axis=1), "token_accuracy": token_accuracy,
    "korean_caption": korean_caption,
    "sentence_accuracy": sentence_accuracy, "weighted_cross_entropy": weighted_cross_entropy, "tag_table": tag_table,
    "shift_right": shift_right, "greedy_decode": greedy_decode, "error_positions": error_positions,
    "bits_and_perplexity": lambda n: (n / np.log(2.0), float(np.exp(n))), "sample_top_k": sample_top_k,
    "stream_chunks": stream_chunks, "lstm_cache_floats": lstm_cache_floats,
    "gapped_windows": gapped_windows, "drift_forecast": drift_forecast, "recursive_forecast": recursive_forecast,
}

WRONG: dict[str, list[Wrong]] = {
    # 01
    "one_hot": [
        ("uses np.eye", lambda ids, V: np.eye(V)[ids], "calls numpy.eye"),
        ("booleans, not floats", lambda ids, V: np.asarray(ids)[..., None] == np.arange(V), "dtype bool"),
        ("V + 1 classes", lambda ids, V: _one_hot_loop(ids, V, plus=1), "last axis has"),
        ("mirrored positions", lambda ids, V: (np.asarray(ids)[..., None] == np.arange(V)[::-1]).astype(float), "mirrored"),
        ("returns the ids", lambda ids, V: ids, "shape"),
    ],
    "embedding_lookup": [
        ("time-major", lambda ids, E: E[np.asarray(ids).T], "time-major"),
        ("off by one id", lambda ids, E: E[np.asarray(ids) - 1], "wrong by up to"),
        ("E transposed", lambda ids, E: E.T[np.asarray(ids) % E.shape[1]], "shape"),
        ("columns, not rows", lambda ids, E: E[:, ids], "shape"),
    ],
    "task_shapes": [
        ("translation as aligned", {**ANSWERS, checks.TASK_SHAPE_QUESTIONS[2]: "many-to-many (aligned)"}, "own length"),
        ("everything many-to-one", dict.fromkeys(ANSWERS, "many-to-one"), "answers are not right yet"),
        ("half the tasks", dict(list(ANSWERS.items())[:5]), "have no answer"),
        ("made-up shape", dict.fromkeys(ANSWERS, "two-to-two"), "not one of the shapes"),
        ("caption as many-to-one", {**ANSWERS, checks.TASK_SHAPE_QUESTIONS[3]: "many-to-one"}, "single item and the output"),
    ],
    "pad_batch": [
        ("always pre/pre (Keras' defaults)", _pad_always_pre, "fillers are on the wrong side"),
        ("ignores truncating", _pad_ignores_truncating, "lose the wrong ids"),
        ("ignores value", _pad_ignores_value, "hold 0, not value"),
        ("maxlen=None as the shortest", _pad_min_length, "maxlen=None"),
        ("extends the input lists", _pad_in_place, "changed the lists"),
        ("float array", _pad_float, "dtype float"),
        ("out[n, -len(s):] breaks on an empty sequence", _pad_minus_zero, r"(?s)empty sequence.*raised ValueError.*-0"),
        ("no return", _pad_no_return, "returned None.*a missing `return`"),
    ],
    # 02
    "rnn_step": [
        ("forgot b", lambda x, h, Wx, Wh, b: np.tanh(x @ Wx + h @ Wh), "without the bias"),
        ("Wh transposed", lambda x, h, Wx, Wh, b: np.tanh(x @ Wx + h @ Wh.T + b), "Wh transposed"),
        ("no tanh", lambda x, h, Wx, Wh, b: x @ Wx + h @ Wh + b, "tanh is missing"),
        ("sigmoid", lambda x, h, Wx, Wh, b: sigmoid(x @ Wx + h @ Wh + b), "sigmoid instead of tanh"),
        ("weights on the left", lambda x, h, Wx, Wh, b: np.tanh(Wx @ x + Wh @ h + b), "raised ValueError"),
        ("no recurrence", lambda x, h, Wx, Wh, b: np.tanh(x @ Wx + b), "ignores the previous state"),
    ],
    "rnn_forward": [
        ("ignores h0", lambda x, h0, Wx, Wh, b: rnn_forward(x, np.zeros_like(h0), Wx, Wh, b), "h0 is ignored"),
        ("one step late", lambda x, h0, Wx, Wh, b: rnn_forward(x, h0, Wx, Wh, b, late=True), "one step late"),
        ("state not carried", lambda x, h0, Wx, Wh, b: rnn_forward(x, h0, Wx, Wh, b, carry=False), "not carried"),
        ("b added twice", lambda x, h0, Wx, Wh, b: rnn_forward(x, h0, Wx, Wh, b, bias_twice=True), "added twice"),
        ("last state only", lambda x, h0, Wx, Wh, b: rnn_forward(x, h0, Wx, Wh, b)[:, -1], "only the last state"),
        ("forgot b", lambda x, h0, Wx, Wh, b: rnn_forward(x, h0, Wx, Wh, b, bias=False), "without the bias b"),
        ("Wh transposed", lambda x, h0, Wx, Wh, b: rnn_forward(x, h0, Wx, Wh, b, transpose=True), "Wh transposed"),
        ("no return", lambda x, h0, Wx, Wh, b: print(end=""), "returned None.*a missing `return`"),
    ],
    "birnn_forward": [
        ("backward half not re-aligned", lambda x, f, b: birnn_forward(x, f, b, realign=False), "reversed time order"),
        ("halves swapped", lambda x, f, b: birnn_forward(x, f, b, order="bf"), "wrong order"),
        ("never reversed", lambda x, f, b: birnn_forward(x, f, b, reverse=False), "never reads the sequence backwards"),
        ("forward weights twice", lambda x, f, b: birnn_forward(x, f, b, same=True), "uses the forward weights"),
        ("joined along time", lambda x, f, b: birnn_forward(x, f, b, axis=1), "joined along time"),
        ("features reversed, not time", lambda x, f, b: birnn_forward(x, f, b, features=True), "reverses the features"),
    ],
    "rnn_param_count": [
        ("forgot b", lambda D, H, bi=False: (D * H + H * H) * (1 + bi), "bias"),
        ("two biases", lambda D, H, bi=False: (D * H + H * H + 2 * H) * (1 + bi), "ONE bias"),
        ("Wh as D x D", lambda D, H, bi=False: (D * H + D * D + H) * (1 + bi), "H x H"),
        ("a float", lambda D, H, bi=False: (D * H + H * H + H) * (1 + bi) / 1, "float"),
        ("Bidirectional counted once", lambda D, H, bi=False: D * H + H * H + H, "that is one RNN"),
        ("backward RNN reads the forward states", lambda D, H, bi=False: D * H + H * H + H + bi * (2 * H * H + H),
         "reads the input x"),
        ("always two RNNs", lambda D, H, bi=False: 2 * (D * H + H * H + H), "count it once"),
        ("no return", lambda D, H, bi=False: None, "returned None.*a missing `return`"),
    ],
    # 03
    "softmax_cross_entropy": [
        ("-log(softmax(z))", _ce_naive, r"target 2 the loss is inf"),
        ("log(p + 1e-300)", _ce_epsilon, r"target 2 the loss is 690\.7"),
        ("sum, not mean", lambda z, t: (softmax_cross_entropy(z, t)[0] * t.size, softmax_cross_entropy(z, t)[1]), "SUM"),
        ("divides by N only", lambda z, t: (softmax_cross_entropy(z, t)[0] * t.size / z.shape[0], softmax_cross_entropy(z, t)[1]),
         "batch size only"),
        ("gradient not divided", lambda z, t: (softmax_cross_entropy(z, t)[0], softmax_cross_entropy(z, t)[1] * t.size),
         "not divided by the number of predictions"),
        ("no max shift", _ce_no_shift, "loss is (inf|nan)"),
    ],
    "rnn_backward": [
        ("dx[:, k] = (not +=)", lambda dh, c: rnn_backward_double_sum(dh, c, assign_dx=True), r"overwritten, not accumulated"),
        ("no walk back", lambda dh, c: rnn_backward_double_sum(dh, c, walk=False), "no gradient flows back"),
        ("no tanh derivative", lambda dh, c: rnn_backward_double_sum(dh, c, tanh=False), "without the tanh derivative"),
        ("dWh with h_k", lambda dh, c: rnn_backward_double_sum(dh, c, own_state=True), "instead of the state before it"),
        ("dh0 left at zero", lambda dh, c: rnn_backward_double_sum(dh, c, dh0=False), "dh0"),
        ("db not summed over the batch", lambda dh, c: rnn_backward_double_sum(dh, c, db_sum=False), "not summed over the batch"),
    ],
    "sample_next": [
        ("greedy", lambda z, T, rng: int(np.argmax(z)), "always picked the largest logit"),
        ("rng.choice", lambda z, T, rng: int(rng.choice(len(z), p=softmax(np.asarray(z) / T))), "rng.choice"),
        ("temperature ignored", lambda z, T, rng: int(np.argmax(np.asarray(z) + rng.gumbel(size=len(z)))), "temperature is ignored"),
        ("temperature multiplies", lambda z, T, rng: int(np.argmax(np.asarray(z) * T + rng.gumbel(size=len(z)))), "multiplies"),
        ("global np.random", lambda z, T, rng: int(np.argmax(np.asarray(z) / T + np.random.gumbel(size=len(z)))), "identically seeded"),
        ("uniform noise", lambda z, T, rng: int(np.argmax(np.asarray(z) / T + rng.random(len(z)))), "always picked the largest|frequencies"),
        ("noise subtracted", lambda z, T, rng: int(np.argmax(np.asarray(z) / T - rng.gumbel(size=len(z)))), "wrong sign"),
        ("a float", lambda z, T, rng: float(sample_next(z, T, rng)), "expected an int"),
    ],
    # 04
    "spectral_radius": [
        ("largest singular value", lambda W: float(np.linalg.norm(W, 2)), "largest singular value"),
        ("largest real part", lambda W: float(np.max(np.real(np.linalg.eigvals(W)))), "largest real part"),
        ("largest entry", lambda W: float(np.max(np.abs(W))), "largest entry"),
        ("real parts only", lambda W: float(np.max(np.abs(np.real(np.linalg.eigvals(W))))), "imaginary parts"),
        ("all absolute eigenvalues", lambda W: np.abs(np.linalg.eigvals(W)), "one number"),
    ],
    "clip_by_global_norm": [
        ("per tensor", lambda g, m: ([x * min(1.0, m / np.linalg.norm(x)) for x in g], clip_by_global_norm(g, m)[1]),
         "clipped on its own"),
        ("in place", _clip_in_place, "in place"),
        ("norm after clipping", lambda g, m: (clip_by_global_norm(g, m)[0], min(clip_by_global_norm(g, m)[1], m)), "after clipping"),
        ("sum of norms", lambda g, m: (clip_by_global_norm(g, m)[0], float(sum(np.linalg.norm(x) for x in g))), "sum of the arrays"),
        ("always scales", lambda g, m: ([x * (m / clip_by_global_norm(g, m)[1]) for x in g], clip_by_global_norm(g, m)[1]),
         "scaled up"),
    ],
    "random_orthogonal": [
        ("the R factor", lambda rng, H: np.linalg.qr(rng.standard_normal((H, H)))[1], "R factor"),
        ("the identity", lambda rng, H: np.eye(H), "does not depend on the generator"),
        ("columns normalised only", lambda rng, H: (lambda a: a / np.linalg.norm(a, axis=0))(rng.standard_normal((H, H))),
         "not perpendicular"),
        ("global np.random", lambda rng, H: np.linalg.qr(np.random.standard_normal((H, H)))[0], "same seed gave different"),
        ("a vector", lambda rng, H: rng.standard_normal(H), "shape"),
        ("float32", lambda rng, H: random_orthogonal(rng, H).astype(np.float32), "dtype float32.*float32 precision"),
    ],
    # 05
    "lstm_step": [
        ("gates i, f, o, c", lambda *a: lstm_step(*a, order="ifoc"), "order i, f, o, c"),
        ("no tanh on c", lambda *a: lstm_step(*a, tanh_c=False), "tanh is missing"),
        ("no input gate", lambda *a: lstm_step(*a, use_i=False), "without the input gate"),
        ("returns (c, h)", lambda *a: lstm_step(*a)[::-1], "swapped"),
        ("tanh gates", lambda *a: lstm_step(*a, gate=np.tanh), "gates use tanh"),
        ("i and f swapped in the update", lambda *a: lstm_step(*a, swap_update=True), r"i \* c_prev \+ f \* g"),
        ("gates sliced f, i, c, o", lambda *a: lstm_step(*a, order="fico"), "sliced the wrong way round"),
        ("sigmoid candidate", lambda *a: lstm_step(*a, candidate=sigmoid), "candidate uses a sigmoid"),
    ],
    "gru_step": [
        ("mix flipped", lambda *a: gru_step(*a, flip=True), "other way round"),
        ("reset before the product", lambda *a: gru_step(*a, reset_before=True), "BEFORE the recurrent product"),
        ("z and r swapped", lambda *a: gru_step(*a, order="rzh"), "swapped"),
        ("both biases on the input", _gru_one_bias, "outside the reset gate|both bias rows"),
        ("no bias", lambda x, h, Wx, Wh, b: gru_step(x, h, Wx, Wh, np.zeros_like(b)), "h_t is wrong"),
        ("bias rows swapped", lambda x, h, Wx, Wh, b: gru_step(x, h, Wx, Wh, b[::-1]), "bias rows are swapped"),
    ],
    "lstm_param_count": [
        ("one block", lambda D, H, L=1: lstm_stack(D, H, L, blocks=1), "one block"),
        ("three blocks", lambda D, H, L=1: lstm_stack(D, H, L, blocks=3), "FOUR blocks"),
        ("no recurrent matrix", lambda D, H, L=1: lstm_stack(D, H, L, recurrent=False), "recurrent matrix"),
        ("no bias", lambda D, H, L=1: lstm_stack(D, H, L, biases=0), "bias"),
        ("PyTorch's two biases", lambda D, H, L=1: lstm_stack(D, H, L, biases=2), "PyTorch's count"),
        ("every layer reads D", lambda D, H, L=1: lstm_stack(D, H, L, stacked=False), "read the H numbers"),
        ("one layer only", lambda D, H, L=1: lstm_stack(D, H, 1), "that is one layer; the stack has"),
        ("no return", lambda D, H, L=1: None, "returned None.*a missing `return`"),
    ],
    "gru_param_count": [
        ("one bias per block, always", lambda D, H, after=True: 3 * (D * H + H * H + H), "TWO bias"),
        ("two biases, always", lambda D, H, after=True: 3 * (D * H + H * H + 2 * H), r"reset_after=False a block has ONE"),
        ("four blocks", lambda D, H, after=True: 4 * (D * H + H * H + (1 + after) * H), "three blocks"),
        ("no recurrent matrix", lambda D, H, after=True: 3 * (D * H + (1 + after) * H), "recurrent matrix"),
        ("one block", lambda D, H, after=True: D * H + H * H + (1 + after) * H, "one block"),
    ],
    # 08
    "pad_and_mask": [
        ("Keras' pre padding", _keras_style, "zeros are at the front"),
        ("mask inverted", lambda s, m: (pad_and_mask(s, m)[0], pad_and_mask(s, m)[0] == 0), "inverted"),
        ("keeps the last tokens", _keep_last, "LAST maxlen tokens"),
        ("never cuts", _no_cut, "raised ValueError"),
        ("int mask", lambda s, m: (pad_and_mask(s, m)[0], (pad_and_mask(s, m)[0] != 0).astype(int)), "dtype int"),
    ],
    "masked_mean": [
        ("padding included", lambda h, m: h.mean(axis=1), "padding included"),
        ("divides by T", lambda h, m: (h * m[..., None]).sum(axis=1) / h.shape[1], "still divide by T"),
        ("divides by the batch's count", lambda h, m: (h * m[..., None]).sum(axis=1) / m.sum(), "whole batch"),
        ("mask not broadcast", lambda h, m: (h * m).sum(axis=1) / m.sum(axis=1), "raised ValueError"),
        ("averages the features", lambda h, m: (h * m[..., None]).mean(axis=2), "averaged over the features"),
    ],
    "confusion_matrix": [
        ("transposed", lambda t, p: confusion_matrix(t, p).T, "swapped"),
        ("fractions", lambda t, p: confusion_matrix(t, p) / len(t), "fractions"),
        ("= instead of +=", _cm_assign, r"set, not counted"),
        ("sized by the classes present", _cm_unique, r"shape \(1, 1\), expected \(2, 2\)"),
        ("float counts", lambda t, p: confusion_matrix(t, p).astype(float), "not an integer type"),
    ],
    # 10
    "sentence_accuracy": [
        ("padding decides too", lambda t, p, m: float((t == p).all(axis=1).mean()), "padded position"),
        ("token accuracy", lambda t, p, m: float((t == p)[m].mean()), "share of right tokens"),
        ("any right tag", lambda t, p, m: float(np.mean((((t == p) & m).any(axis=1)))), "ANY real tag"),
        ("the count", lambda t, p, m: float((~((t != p) & m).any(axis=1)).sum()), "number of right sentences"),
        ("one value per sentence", lambda t, p, m: (~((t != p) & m).any(axis=1)).astype(float), "one number"),
    ],
    "weighted_cross_entropy": [
        ("weights ignored", lambda pr, t, m, tw: float(-np.log(_pick(pr, t)[m]).mean()), "weights are not used"),
        ("divides by the real tokens", lambda pr, t, m, tw: float((tw[t][m] * -np.log(_pick(pr, t)[m])).sum() / m.sum()),
         "number of real tokens"),
        ("weights of the predicted tag", lambda pr, t, m, tw: float((tw[pr.argmax(-1)][m] * -np.log(_pick(pr, t)[m])).sum()
                                                                    / tw[pr.argmax(-1)][m].sum()), "PREDICTED tag"),
        ("padding averaged in", lambda pr, t, m, tw: float((tw[t] * -np.log(_pick(pr, t) + 1e-12)).sum() / tw[t].sum()),
         "padded steps were averaged in"),
        ("log times mask", _ce_times_mask, "BEFORE the log"),
        ("no minus sign", lambda pr, t, m, tw: -weighted_cross_entropy(pr, t, m, tw), "minus sign"),
        ("the weighted sum", lambda pr, t, m, tw: float((tw[t][m] * -np.log(_pick(pr, t)[m])).sum()), "weighted sum"),
    ],
    "tag_table": [
        ("min_count ignored (section 2's table)", lambda s, t, k: tag_table(s, t, k, cutoff="none"), "seen fewer than 2 times"),
        ("> for >=", lambda s, t, k: tag_table(s, t, k, strict=True), "seen exactly 2 times have no entry"),
        ("the top tag's count against min_count", lambda s, t, k: tag_table(s, t, k, cutoff="top"), "not how often its top tag"),
        ("ties to the tag seen first", lambda s, t, k: tag_table(s, t, k, tie="first"), "a tie; you chose 'VERB'"),
        ("ties to the alphabet", lambda s, t, k: tag_table(s, t, k, tie="alphabet"), "a tie; you chose 'ADJ'"),
        ("the default from the kept words", lambda s, t, k: tag_table(s, t, k, default_from="kept"), "top tag of the words in the table"),
        ("last tag seen", lambda s, t, k: tag_table(s, t, k, tie="last"), "LAST"),
        ("sentences counted, not tokens", lambda s, t, k: tag_table(s, t, k, cutoff="sentences"), "you counted sentences"),
        ("ties from the kept words' tag counts", lambda s, t, k: tag_table(s, t, k, tie="kept"), "words in the table"),
        ("always the tag most frequent overall", lambda s, t, k: tag_table(s, t, k, tie="overall_top"),
         "the one most frequent over all tokens"),
        ("lowercases the words", lambda s, t, k: tag_table(s, t, k, lower=True), "lowercases the words"),
        ("default VERB", lambda s, t, k: (tag_table(s, t, k)[0], "VERB"), "default tag"),
        ("everything NOUN", lambda s, t, k: ({w: "NOUN" for x in s for w in x if sum(y.count(w) for y in s) >= k}, "NOUN"), "wrong tag"),
        ("min_count never passed on", lambda s, t, k: tag_table(s, t, 1), "seen fewer than"),
    ],
    # 14
    "gapped_windows": [
        ("the gap ignored", lambda s, L, H, g, st: _windows_loop(s, L, H, g, st, first=L), "the gap is missing"),
        ("targets one step early", lambda s, L, H, g, st: _windows_loop(s, L, H, g, st, first=L + g - 1), "one step early"),
        ("targets one step late", lambda s, L, H, g, st: _windows_loop(s, L, H, g, st, first=L + g + 1), "one step late"),
        ("the gap counted from the window's start", lambda s, L, H, g, st: _windows_loop(s, L, H, g, st, first=g), "inside the window"),
        ("the stride ignored", lambda s, L, H, g, st: gapped_windows(s, L, H, g, 1), "as if stride were 1"),
        ("range() without the + 1", lambda s, L, H, g, st: _windows_loop(s, L, H, g, st, end_plus_one=False), "last window that fits"),
        ("the gap left out of the count", lambda s, L, H, g, st: _windows_loop(s, L, H, g, st, count=len(s) - L - H), "raised"),
        ("the gap in the targets", lambda s, L, H, g, st: _windows_loop(s, L, H, g, st, first=L, width=g + H),
         "gap values are in the targets"),
        ("a feature axis on X", lambda s, L, H, g, st: (gapped_windows(s, L, H, g, st)[0][..., None], gapped_windows(s, L, H, g, st)[1]),
         "feature axis too many"),
        ("X time-major", lambda s, L, H, g, st: (gapped_windows(s, L, H, g, st)[0].T, gapped_windows(s, L, H, g, st)[1]), "transpose"),
    ],
    "drift_forecast": [
        ("persistence", lambda X, H: np.repeat(X[:, -1:], H, axis=1), "that is persistence"),
        ("lead times from 0", lambda X, H: drift_forecast(X, H, first=0), "lead times start at 0"),
        ("slope over L steps", lambda X, H: drift_forecast(X, H, steps=X.shape[1]), "divided by L"),
        ("slope of the last two values", lambda X, H: X[:, -1:] + (X[:, -1:] - X[:, -2:-1]) * np.arange(1, H + 1),
         "last two values only"),
        ("one value per window", lambda X, H: drift_forecast(X, H)[:, -1], "one value per window"),
        ("flat array", lambda X, H: drift_forecast(X, H).ravel(), "one flat array|one value per window"),
    ],
    "recursive_forecast": [
        ("repeats the first forecast", lambda step, X, H: np.repeat(step(X)[:, None], H, axis=1), "repeats the first forecast"),
        ("one row per step", lambda step, X, H: recursive_forecast(step, X, H).T, "transposed"),
        ("window grows", lambda step, X, H: recursive_forecast(step, X, H, slide=False), "raised ValueError"),
        ("drops the newest value", lambda step, X, H: recursive_forecast(step, X, H, newest=True), "newest value is dropped"),
        ("keeps an int input's dtype", _recursive_int_out, "whole numbers"),
        ("slides the caller's X in place", _recursive_in_place, "changed the windows X"),
        ("rolls the caller's X in place", lambda step, X, H: _recursive_in_place(step, X, H, roll=True),
         "changed the windows X"),
    ],
    # 09
    "repeat_vector": [
        ("axes (N, D, T)", lambda v, T: np.repeat(v[:, :, None], T, axis=2), "wrong order"),
        ("tiled flat", lambda v, T: np.tile(v, (1, T)), "side by side"),
        ("rows mixed", lambda v, T: np.tile(v, (T, 1)).reshape(len(v), T, v.shape[1]), "other examples"),
        ("time-major", lambda v, T: np.repeat(v[None], T, axis=0), "time-major|wrong"),
        ("zeros", lambda v, T: np.zeros((len(v), T, v.shape[1])), "wrong by up to"),
    ],
    "token_accuracy": [
        ("no end token", lambda p, t: sum(a == b for x, y in zip(p, t) for a, b in zip(x, y)) / sum(len(y) for y in t),
         "end of each target is not counted"),
        ("exact matches", lambda p, t: float(np.mean([x == y for x, y in zip(p, t)])), "exact matches"),
        ("per word first", lambda p, t: float(np.mean([token_accuracy([x], [y]) for x, y in zip(p, t)])), "per word first"),
        ("divides by prediction tokens", lambda p, t: sum(a == b for x, y in zip(p, t) for a, b in zip(list(x) + [None], list(y) + [None]))
         / sum(len(x) + 1 for x in p), "expected"),
    ],
    "korean_caption": [
        ("10 as 일십", lambda n: "일십" + (KO[n % 10] if n % 10 else "") if 10 <= n < 20 else korean_caption(n), "일십"),
        ("20 as 이십영", lambda n: korean_caption(n) + ("영" if n % 10 == 0 and n else ""), "units digit of 0"),
        ("digits", lambda n: str(n), "spelled differently"),
        ("0 as empty", lambda n: "" if n == 0 else korean_caption(n), "0 alone"),
        ("num2words", lambda n: __import__("num2words").num2words(n, lang="ko"), "calls num2words"),
    ],
    # 11
    "shift_right": [
        ("one step longer", lambda y, s: np.concatenate([np.full((len(y), 1), s), y], axis=1), "one step longer"),
        ("targets unchanged", lambda y, s: y, "targets themselves"),
        ("np.roll", lambda y, s: np.roll(y, 1, axis=1), "wrapped around"),
        ("shifted left", lambda y, s: np.concatenate([y[:, 1:], np.full((len(y), 1), s)], axis=1), "shifted LEFT"),
        ("in place", lambda y, s: (y.__setitem__((slice(None), slice(1, None)), y[:, :-1].copy()), y.__setitem__((slice(None), 0), s), y)[2],
         "changed the targets"),
    ],
    "greedy_decode": [
        ("no feedback", lambda *a: greedy_decode(*a, feedback=False), "fed start_id"),
        ("no padding after END", lambda *a: greedy_decode(*a, pad=False), "go on after END"),
        ("states not carried", lambda *a: greedy_decode(*a, carry=False), "encoder's states"),
        ("stops early, shorter", lambda *a: greedy_decode(*a, stop_early=True), "max_len columns"),
    ],
    "error_positions": [
        ("zip only: missing and extra characters not counted", lambda p, t: error_positions(p, t, tail=False),
         "missing or an extra character is wrong too"),
        ("only the first error", lambda p, t: error_positions(p, t, first_only=True), "not only the first"),
        ("positions from 1", lambda p, t: error_positions(p, t, base=1), "count from 0"),
        ("None for equal strings", lambda p, t: error_positions(p, t, none_if_equal=True), "return \\[\\]"),
        ("the tail as one position", lambda p, t: error_positions(p, t, tail=False)
         + ([min(len(p), len(t))] if len(p) != len(t) else []), "expected"),
        ("the first error, as in the caret cell", lambda p, t: next(
            (j for j, (a, b) in enumerate(zip(p, t)) if a != b), min(len(p), len(t))), "expected a list|you said"),
    ],
    # 12
    "bits_and_perplexity": [
        ("multiplies by ln 2", lambda n: (n * np.log(2.0), float(np.exp(n))), "multiplied by ln 2"),
        ("2 ** nats", lambda n: (n / np.log(2.0), 2.0**n), "raised 2 to the loss in nats"),
        ("log2 of the loss", lambda n: (np.log2(n) if n > 0 else 0.0, float(np.exp(n))), "log2 of the loss"),
        ("one number", lambda n: n / np.log(2.0), "tuple of 2"),
    ],
    "sample_top_k": [
        ("no filter", lambda z, k, T, rng: int(rng.choice(len(z), p=softmax(np.asarray(z) / T))), "outside the 3 largest"),
        ("temperature ignored", lambda z, k, T, rng: sample_top_k(z, k, T, rng, temp=False), "temperature is ignored"),
        ("k smallest", lambda z, k, T, rng: sample_top_k(z, k, T, rng, smallest=True), "SMALLEST"),
        ("position, not id", lambda z, k, T, rng: sample_top_k(z, k, T, rng, position=True), "position inside the kept ids"),
        ("greedy", lambda z, k, T, rng: int(np.argmax(z)), "only 1 different id"),
        ("one id too few", lambda z, k, T, rng: sample_top_k(z, k, T, rng, drop_one=True), "only 2 different id"),
        ("np.random, not rng", lambda z, k, T, rng: sample_top_k(z, k, T, rng, global_rng=True), "draws its randomness"),
    ],
    # 13
    "stream_chunks": [
        ("consecutive rows", _chunks_consecutive, "consecutive tokens row after row"),
        ("y = x", lambda ids, B, S: [(x, x) for x, _ in stream_chunks(ids, B, S)], "y equals x"),
        ("keeps a partial chunk", _chunks_with_partial, "shorter than seq_len is dropped"),
        ("nothing", lambda ids, B, S: [], "chunks, expected"),
    ],
    "lstm_cache_floats": [
        ("gates and states only", lambda N, T, D, H: 6 * N * T * H, "six"),
        ("a float", lambda N, T, D, H: float(lstm_cache_floats(N, T, D, H)), "expected an int"),
        ("forgets x", lambda N, T, D, H: lstm_cache_floats(N, T, D, H) - N * T * D, "input sequence"),
        ("adds the bias", lambda N, T, D, H: lstm_cache_floats(N, T, D, H) + 4 * H, "no bias"),
    ],
}


# ------------------------------------------------------------- gamed ----------
# Answers that game the visible check: they call rnnkit's own version of the exercise, or
# remember the visible cases. Each passes the visible check and must fail the hidden test.

def _gamed() -> dict[str, list[tuple[str, Callable[..., Any]]]]:
    from rnnkit import data, seq2seq, text
    from rnnkit import numpy_rnn as nr

    lstm_table = {(D, H, L): lstm_stack(D, H, L) for D, H, L in [(3, 4, 1), (3, 4, 2), (1, 1, 3), (100, 32, 1), (64, 256, 2)]}
    rnn_table = {(D, H, bi): (D * H + H * H + H) * (1 + bi)
                 for D, H, bi in [(3, 4, False), (3, 4, True), (1, 1, True), (100, 32, False), (64, 256, True)]}
    return {
        "rnn_step": [("calls nr.rnn_step", lambda *a: nr.rnn_step(*a))],
        "rnn_forward": [("calls nr.rnn_forward", lambda *a: nr.rnn_forward(*a)[0])],
        "rnn_param_count": [("a table of the visible sizes", lambda D, H, bi: rnn_table[(D, H, bi)])],
        "clip_by_global_norm": [("calls nr.clip_by_global_norm", lambda g, m: nr.clip_by_global_norm(g, m))],
        "lstm_step": [("calls nr.lstm_step", lambda *a: nr.lstm_step(*a))],
        "gru_step": [("calls nr.gru_step", lambda *a: nr.gru_step(*a))],
        "lstm_param_count": [("a table of the visible sizes", lambda D, H, L: lstm_table[(D, H, L)])],
        "rnn_backward": [("calls nr.rnn_backward", lambda dh, c: nr.rnn_backward(dh, c))],
        "pad_and_mask": [("calls rnnkit.data", lambda s, m: (data.pad_sequences(s, maxlen=m),
                                                              data.padding_mask(data.pad_sequences(s, maxlen=m))))],
        "gapped_windows": [("calls rnnkit.data.make_windows with input_len + gap", lambda s, L, H, g, st: (
            data.make_windows(s, L + g, H, stride=st)[0][:, :L, 0], data.make_windows(s, L + g, H, stride=st)[1]))],
        "tag_table": [("a table of the visible answers", lambda s, t, k: _VISIBLE_TAG_TABLES[s[0][0], k])],
        "korean_caption": [("calls seq2seq.number_words", lambda n: seq2seq.number_words(n, lang="ko"))],
        "shift_right": [("calls seq2seq.shift_right", lambda y, s: seq2seq.shift_right(y, s))],
        "greedy_decode": [("calls seq2seq.greedy_decode", lambda e, d, x, s, end, m: seq2seq.greedy_decode(
            e, d, x, start_id=s, end_id=end, max_len=m))],
        "token_accuracy": [("calls seq2seq.token_accuracy", lambda p, t: seq2seq.token_accuracy(p, t))],
        "error_positions": [("a table of the visible cases", lambda p, t: {
            ("1998-03-30", "1998-03-03"): [8, 9], ("1998-03-03", "1998-03-03"): [], ("2998-03-03", "1998-03-03"): [0],
            ("1998-03", "1998-03-03"): [7, 8, 9], ("1998-03-033", "1998-03-03"): [10],
            ("1898-03-0", "1998-03-03"): [1, 9], ("", "1998-03-03"): list(range(10))}[(p, t)])],
        "bits_and_perplexity": [("calls rnnkit.text", lambda n: (text.bits_per_char(n), text.perplexity(n)))],
        "stream_chunks": [("calls rnnkit.data.stream_batches", lambda ids, B, S: list(data.stream_batches(ids, B, S)))],
    }


def _visible_tag_tables() -> dict[tuple[str, int], tuple[dict[str, str], str]]:
    from rnnkit import checks_data as cd

    return {(corpus[0][0][0], k): tag_table(*corpus, k) for corpus in (cd._TAG_CORPUS, cd._CASED_CORPUS) for k in (1, 2, 3)}


_VISIBLE_TAG_TABLES = _visible_tag_tables()
GAMED = _gamed()


# ---------------------------------------------------------------- 16 ----------
# Appended for notebook 16 (data parallelism): the same three tables, extended.


def per_device_batch(B, mesh):
    if B % mesh[0]:
        raise ValueError(f"{B} rows do not split evenly over {mesh[0]} devices")
    return B // mesh[0]


def _per_device_no_check(B, mesh):
    return B // mesh[0]


def _per_device_all_devices(B, mesh):
    n = int(np.prod(mesh))
    if B % n:
        raise ValueError(f"{B} rows do not split evenly over {n} devices")
    return B // n


def _per_device_vague_error(B, mesh):
    if B % mesh[0]:
        raise ValueError("the batch does not split evenly")
    return B // mesh[0]


def _per_device_one_number(B, mesh):
    if B % mesh[0]:
        raise ValueError(f"cannot split a batch of {B} rows")
    return B // mesh[0]


def where_is_row(row, B, n):
    b = B // n
    return row // b, row % b


RIGHT.update({
    "per_device_batch": per_device_batch, "where_is_row": where_is_row,
    "scaled_learning_rate": lambda lr, b0, B: lr * B / b0,
})

WRONG.update({
    "per_device_batch": [
        ("times, not divided", lambda B, m: B * m[0], "global batch times the devices"),
        ("float division", lambda B, m: B / m[0], "expected an int"),
        ("no error on an uneven split", _per_device_no_check, "do not split evenly"),
        ("rounds up", lambda B, m: -(-B // m[0]), "do not split evenly"),
        ("the number of devices", lambda B, m: m[0] if B % m[0] == 0 else per_device_batch(B, m), "expected"),
        ("split over every device of the mesh", _per_device_all_devices, "all 4 devices|model axis do not split"),
        ("split over the model axis", lambda B, m: per_device_batch(B, m[::-1]), "model axis|expected"),
        ("a ValueError that names no number", _per_device_vague_error, "does not name both"),
        ("a ValueError that names only the batch", _per_device_one_number, "does not name both"),
    ],
    "where_is_row": [
        ("round-robin rows", lambda row, B, n: (row % n, row // n), "round-robin"),
        ("the global row as the local one", lambda row, B, n: (row // (B // n), row), "starts again at 0"),
        ("the pair the other way round", lambda row, B, n: where_is_row(row, B, n)[::-1], "other way round"),
        ("replicas from 1", lambda row, B, n: (where_is_row(row, B, n)[0] + 1, where_is_row(row, B, n)[1]), "from 0"),
        ("blocks of N rows, not B / N", lambda row, B, n: (row // n, row % n), "B / N"),
        ("only the replica", lambda row, B, n: row // (B // n), "expected a pair"),
    ],
    "scaled_learning_rate": [
        ("upside down", lambda lr, b0, B: lr * b0 / B, "upside down"),
        ("square-root rule", lambda lr, b0, B: lr * np.sqrt(B / b0), "square-root"),
        ("unchanged", lambda lr, b0, B: lr, "did not change"),
        ("adds the ratio", lambda lr, b0, B: lr + B / b0, "expected"),
    ],
})


def _gamed_16() -> dict[str, list[tuple[str, Callable[..., Any]]]]:
    from rnnkit import distributed

    return {
        "per_device_batch": [("calls rnnkit.distributed", lambda B, m: distributed.per_replica_batch(B, m[0]))],
        "where_is_row": [("calls rnnkit.distributed", lambda row, B, n: (distributed.replica_of_row(row, B, n),
                                                                          row % distributed.per_replica_batch(B, n)))],
        "scaled_learning_rate": [("calls rnnkit.distributed", lambda lr, b0, B: distributed.scaled_learning_rate(lr, b0, B)),
                                 ("is rnnkit.distributed's function (an alias)", distributed.scaled_learning_rate),
                                 ("wraps it with functools.partial", functools.partial(distributed.scaled_learning_rate))],
    }


GAMED.update(_gamed_16())


# ---------------------------------------------------------------- 15 ----------


def _where_mask(mask):
    return mask[:, None, :]


def masked_softmax(scores, mask):
    return softmax(np.where(_where_mask(mask), scores, -np.inf))


def additive_scores(q, k, Wq, Wk, w):
    return np.tanh((q @ Wq)[:, :, None, :] + (k @ Wk)[:, None, :, :]) @ w


def word_alignment(weights, text):
    import re

    return [(m.group(), int(weights[m.start():m.end()].mean(axis=0).argmax())) for m in re.finditer(r"[A-Za-z]+", text)]


def causal_self_attention(x, Wq, Wk, Wv, *, tri=np.tril, scale="sqrt", zero_after=False):
    q, k, v = x @ Wq, x @ Wk, x @ Wv
    T, dk = x.shape[1], Wk.shape[1]
    s = q @ k.transpose(0, 2, 1) * {"sqrt": 1 / np.sqrt(dk), "one": 1.0, "d": 1 / dk}[scale]
    allowed = tri(np.ones((T, T), dtype=bool))
    w = softmax(s) * allowed if zero_after else softmax(np.where(allowed, s, -np.inf))
    return w @ v, w


def _csa_transposed(x, Wq, Wk, Wv):  # k q^T instead of q k^T: every query's column sums to 1
    w = causal_self_attention(x, Wq, Wk, Wv)[1].transpose(0, 2, 1)
    return w @ (x @ Wv), w


def _wa_spaces_only(weights, text):
    out, pos = [], 0
    for word in text.split(" "):
        out.append((word, int(weights[pos:pos + len(word)].mean(axis=0).argmax())))
        pos += len(word) + 1
    return out


RIGHT.update({"masked_softmax": masked_softmax, "additive_scores": additive_scores, "word_alignment": word_alignment,
              "causal_self_attention": causal_self_attention})

WRONG.update({
    "masked_softmax": [
        ("mask not used", lambda s, m: softmax(s), "the mask was not used"),
        ("zeroed after the softmax", lambda s, m: softmax(s) * _where_mask(m), "no longer sum to 1"),
        ("scores multiplied by the mask", lambda s, m: softmax(s * _where_mask(m)), r"exp\(0\) = 1"),
        ("no max shift", lambda s, m: np.where(_where_mask(m), np.exp(s), 0.0) / np.where(_where_mask(m), np.exp(s), 0.0).sum(
            -1, keepdims=True), "NaN or inf"),
        ("a finite penalty", lambda s, m: softmax(np.where(_where_mask(m), s, s - 30.0)), "not exactly 0"),
        ("mask inverted", lambda s, m: softmax(np.where(_where_mask(m), -np.inf, s)), "wrong way round"),
        ("softmax over the queries", lambda s, m: np.where(_where_mask(m), softmax(np.where(_where_mask(m), s, -np.inf), axis=1),
                                                           0.0), "over the queries"),
    ],
    "additive_scores": [
        ("tanh of each projection", lambda q, k, Wq, Wk, w: (np.tanh(q @ Wq)[:, :, None, :] + np.tanh(k @ Wk)[:, None, :, :]) @ w,
         "separately"),
        ("no tanh", lambda q, k, Wq, Wk, w: ((q @ Wq)[:, :, None, :] + (k @ Wk)[:, None, :, :]) @ w, "tanh is missing"),
        ("summed, not weighted by w", lambda q, k, Wq, Wk, w: np.tanh((q @ Wq)[:, :, None, :] + (k @ Wk)[:, None, :, :]).sum(-1),
         "instead of weighting them by w"),
        ("keys first", lambda q, k, Wq, Wk, w: np.tanh((q @ Wq)[:, None, :, :] + (k @ Wk)[:, :, None, :]) @ w, "keys first"),
    ],
    "word_alignment": [
        ("split on spaces only", _wa_spaces_only, "a run of letters"),
        ("first character only", lambda W_, t: [(w, int(W_[s].argmax())) for w, s in _word_spans(t)], "only the first character"),
        ("one row late", lambda W_, t: [(w, int(W_[s + 1:s + 1 + len(w)].mean(axis=0).argmax())) for w, s in _word_spans(t)],
         "one character late"),
        ("the weight, not the position", lambda W_, t: [(w, float(W_[s:s + len(w)].mean(axis=0).max())) for w, s in _word_spans(t)],
         "expected an int"),
        ("mean over the keys", lambda W_, t: [(w, int(W_[s:s + len(w)].mean(axis=1).argmax())) for w, s in _word_spans(t)],
         "got position"),
    ],
    "causal_self_attention": [
        ("no causal mask", lambda x, Wq, Wk, Wv: causal_self_attention(x, Wq, Wk, Wv, tri=lambda a: a), "causal mask is missing"),
        ("upper triangle", lambda x, Wq, Wk, Wv: causal_self_attention(x, Wq, Wk, Wv, tri=np.triu), "wrong triangle"),
        ("not scaled", lambda x, Wq, Wk, Wv: causal_self_attention(x, Wq, Wk, Wv, scale="one"), "not scaled"),
        ("divided by dk", lambda x, Wq, Wk, Wv: causal_self_attention(x, Wq, Wk, Wv, scale="d"), "not by its square root"),
        ("zeroed after the softmax", lambda x, Wq, Wk, Wv: causal_self_attention(x, Wq, Wk, Wv, zero_after=True),
         "no longer sum to 1"),
        ("diagonal left out", lambda x, Wq, Wk, Wv: causal_self_attention(x, Wq, Wk, Wv, tri=lambda a: np.tril(a, -1)),
         "step 0 has no key"),
        ("(weights, context)", lambda x, Wq, Wk, Wv: causal_self_attention(x, Wq, Wk, Wv)[::-1], "wrong order"),
        ("weights transposed", lambda x, Wq, Wk, Wv: _csa_transposed(x, Wq, Wk, Wv), "transposed"),
    ],
})


def _word_spans(text):
    import re

    return [(m.group(), m.start()) for m in re.finditer(r"[A-Za-z]+", text)]


def _gamed_15():
    from rnnkit import attention as att

    return {
        "masked_softmax": [("calls attention.masked_softmax", lambda s, m: att.masked_softmax(s, m))],
        "additive_scores": [("calls attention.additive_scores", lambda *a: att.additive_scores(*a))],
        "word_alignment": [("calls attention.word_alignment", lambda W_, t: att.word_alignment(W_, t))],
        "causal_self_attention": [("calls attention.dot_product_attention", lambda x, Wq, Wk, Wv: att.dot_product_attention(
            x @ Wq, x @ Wk, x @ Wv, att.causal_mask(x.shape[1])))],
    }


GAMED.update(_gamed_15())


# ---------------------------------------------------------------- 08 ----------
# Appended for notebook 08's contrast pairs and shuffle test: the same three tables, extended.


def _fill(template, x_word, y_word):
    return template.replace("{x}", x_word).replace("{y}", y_word)


def contrast_pair(template, decides, positive, negative):
    return (_fill(template, positive, negative), int(decides == "x")), (_fill(template, negative, positive), int(decides == "y"))


def _pair_labels_by_x(t, d, p, n):  # ignores `decides`: the word in {x} always decides
    return (_fill(t, p, n), 1), (_fill(t, n, p), 0)


def _pair_swap_by_replace(t, d, p, n):  # edits the first sentence: the second replace undoes the first
    first = _fill(t, p, n)
    return (first, int(d == "x")), (first.replace(p, n).replace(n, p), int(d == "y"))


def _pair_relabel(t, d, p, n, flip):
    (s1, l1), (s2, l2) = contrast_pair(t, d, p, n)
    return (s1, flip(l1)), (s2, flip(l2))


def shuffle_words(ids, rng):
    out = ids.copy()
    for row in out:
        k = int((row != 0).sum())
        row[:k] = rng.permutation(row[:k])
    return out


def _shuffle_rows(ids, rng, reorder):  # a copy, each row's first k entries rearranged by reorder(words, rng)
    out = ids.copy()
    for row in out:
        k = int((row != 0).sum())
        row[:k] = reorder(row[:k], rng)
    return out


def _shuffle_in_place(ids, rng):
    for row in ids:
        k = int((row != 0).sum())
        row[:k] = rng.permutation(row[:k])
    return ids


def _shuffle_one_order(ids, rng):  # one random order of the positions, the same for every row
    order = rng.permutation(ids.shape[1])
    return _shuffle_rows(ids, rng, lambda w, r: w[[i for i in order if i < len(w)]])


RIGHT.update({"contrast_pair": contrast_pair, "shuffle_words": shuffle_words})

WRONG.update({
    "contrast_pair": [
        ("labels ignore decides", _pair_labels_by_x, r"follow the word in \{x\}"),
        ("labels reversed", lambda t, d, p, n: _pair_relabel(t, d, p, n, lambda lab: 1 - lab), "wrong way round"),
        ("the same sentence twice", lambda t, d, p, n: ((_fill(t, p, n), int(d == "x")), (_fill(t, p, n), int(d == "y"))),
         "the two sentences are the same"),
        ("swapped by replace", _pair_swap_by_replace, "do not have the same words"),
        ("both labelled positive", lambda t, d, p, n: _pair_relabel(t, d, p, n, lambda lab: 1), "both sentences have label"),
        ("bool labels", lambda t, d, p, n: _pair_relabel(t, d, p, n, bool), "int 0 or 1"),
        ("sentences without labels", lambda t, d, p, n: (_fill(t, p, n), _fill(t, n, p)), "expected a tuple of 2|sentence, label"),
    ],
    "shuffle_words": [
        ("shuffles in place", _shuffle_in_place, "changed the array it was given"),
        ("padding shuffled in", lambda ids, rng: np.stack([rng.permutation(row) for row in ids]), "padding moved"),
        ("rows, not words", lambda ids, rng: rng.permutation(ids), "rows"),
        ("reversed, not shuffled", lambda ids, rng: _shuffle_rows(ids, rng, lambda w, r: w[::-1]), "does not depend on rng"),
        ("np.random, not rng", lambda ids, rng: _shuffle_rows(ids, rng, lambda w, r: np.random.permutation(w)),
         "same state gave different orders"),
        ("a random rotation", lambda ids, rng: _shuffle_rows(ids, rng, lambda w, r: np.roll(w, int(r.integers(len(w))))),
         "of the 24 possible orders"),
        ("one order for every row", _shuffle_one_order, "same order"),
        ("returns a copy unchanged", lambda ids, rng: ids.copy(), "original order"),
    ],
})


def _gamed_08():
    from rnnkit import contrast as cs

    return {"contrast_pair": [("calls rnnkit.contrast", lambda t, d, p, n: cs.contrast_pair(t, d, p, n))]}


GAMED.update(_gamed_08())
