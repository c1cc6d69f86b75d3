"""Checks for the exercises of Part II (notebooks 06 and 07): Keras layers and custom cells.

They work like :mod:`rnnkit.checks`: each takes what you wrote (a function, a
model builder or a cell class), runs it on a few seeded cases against a
reference, and either prints one line starting with ``✓`` or raises
:class:`rnnkit.checks.CheckFailed` saying what is wrong, by how much, and with
a hint. Example::

    from rnnkit import checks_keras as checks
    checks.recurrent_param_count(my_count)

This module imports Keras (``import rnnkit`` does not).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import keras
import numpy as np

from rnnkit import numpy_rnn as nr
from rnnkit.checks import (  # noqa: F401  (_not_written: kept for checks written against the older module)
    TOOLS,
    CheckFailed,
    _call,
    _check,
    _compare,
    _fail,
    _not_written,
    _passed,
    _raised,
    _rng,
    _variant,
    hidden_test,
    hint,
)

__all__ = [
    "CheckFailed",
    "hint",
    "hidden_test",
    "recurrent_param_count",
    "run_in_chunks",
    "tagger_model",
    "layer_norm_lstm_param_count",
    "minimal_gated_cell",
    "peephole_lstm_cell",
]

CHECKS: tuple[str, ...] = tuple(name for name in __all__ if name[0].islower() and name not in TOOLS)


# --------------------------------------------------------------------------
# Shared helpers
# --------------------------------------------------------------------------


def _numpy(x: Any) -> np.ndarray:
    return np.asarray(keras.ops.convert_to_numpy(x), dtype=np.float64)


def _int_answer(check: str, fn: Callable[..., Any], args: tuple[Any, ...], want: int, hints: dict[int, str],
                default_hint: str, *, label: str | None = None) -> None:
    got = _call(check, fn, *args)
    where = label or str(args)
    if isinstance(got, (bool, np.bool_)) or not isinstance(got, (int, np.integer)):
        _fail(check, f"expected an int, got {type(got).__name__} {got!r} for {where}", "return a whole number")
    if got != want:
        _fail(check, f"for {where} you said {got}, but the layer has {want} parameters", hints.get(int(got), default_hint))


def _weights(rng: np.random.Generator, shapes: list[tuple[int, ...]], scale: float = 0.5) -> list[np.ndarray]:
    return [rng.normal(0.0, scale, s).astype("float32") for s in shapes]


# --------------------------------------------------------------------------
# 06 Keras recurrent layers
# --------------------------------------------------------------------------

_BLOCKS = {"simplernn": 1, "lstm": 4, "gru": 3}


def _layer_params(kind: str, D: int, H: int, bidirectional: bool, use_bias: bool = True, reset_after: bool = True) -> int:
    """Parameters of ``keras.layers.<kind>(H, use_bias=..., reset_after=...)`` on D features (x2 if bidirectional)."""
    blocks = _BLOCKS[kind.lower()]
    rows = 0 if not use_bias else 2 if (kind.lower() == "gru" and reset_after) else 1  # bias rows per block
    one = blocks * H * (D + H + rows)
    return 2 * one if bidirectional else one


@_check(more="per block: a D x H kernel, an H x H recurrent kernel and one bias row of H; SimpleRNN has 1 block, "
        "LSTM 4, GRU 3. use_bias=False removes every bias row; only a GRU with reset_after=True has a second bias "
        "row (its reset gate multiplies h U + b after the bias is added); Bidirectional doubles everything")
def recurrent_param_count(fn: Callable[..., int]) -> None:
    """Check ``fn(kind, D, H, bidirectional, use_bias, reset_after) -> int``: the parameters of one Keras recurrent layer.

    ``kind`` is ``"SimpleRNN"``, ``"LSTM"`` or ``"GRU"``; the layer reads D features and has H
    units, is built with ``use_bias`` (and, for the GRU, ``reset_after``), and with
    ``bidirectional=True`` is wrapped in ``keras.layers.Bidirectional``. ``reset_after`` means
    nothing to SimpleRNN and LSTM. The answer is called with all six arguments in this order.
    """
    name = "recurrent_param_count"
    cases = _variant([("SimpleRNN", 3, 4, False, True, True), ("LSTM", 100, 32, False, False, True),
                      ("GRU", 8, 16, False, True, False), ("GRU", 6, 5, True, False, True),
                      ("LSTM", 5, 7, True, True, True), ("GRU", 64, 128, True, True, True),
                      ("SimpleRNN", 1, 1, True, False, False), ("LSTM", 3, 2, False, True, False)],
                     [("GRU", 5, 3, False, True, True), ("SimpleRNN", 20, 10, True, False, True),
                      ("LSTM", 9, 6, True, True, False), ("GRU", 2, 7, True, True, False), ("GRU", 4, 4, False, False, False)])
    for kind, D, H, bi, use_bias, reset_after in cases:
        want = _layer_params(kind, D, H, bi, use_bias, reset_after)
        blocks, copies = _BLOCKS[kind.lower()], 2 if bi else 1
        is_gru = kind.lower() == "gru"
        hints: dict[int, str] = {}
        for wrong, hint_text in [  # the likely slips, most telling first; the first hint for a number wins
            (_layer_params(kind, D, H, False, use_bias, reset_after), "Bidirectional holds two independent copies of the "
             "layer (one per direction), each with its own weights"),
            (_layer_params(kind, D, H, bi, True, reset_after), "use_bias=False builds the layer without any bias"),
            (copies * blocks * H * (D + H + 1), "with use_bias=False there is no bias row at all, the GRU's second one "
             "included" if not use_bias else "GRU with reset_after=True (the Keras default) has TWO bias rows, bias "
             "(2, 3H): one added to x W, one to h U" if is_gru and reset_after else "only the GRU has a second bias row"),
            (copies * blocks * H * (D + H + 2), "with reset_after=False the GRU has one bias row: the second exists only "
             "because reset_after=True applies the reset gate after the recurrent product and its bias" if is_gru
             else "reset_after is a GRU argument: SimpleRNN and LSTM have one bias row, whatever it says"),
            (want // blocks, f"{kind} has {blocks} blocks of weights (one per gate or candidate)"),
            (want - copies * blocks * H * H, "each block also has a recurrent kernel, H x H"),
        ]:
            if wrong != want:
                hints.setdefault(wrong, hint_text)
        options = ", use_bias=False" if not use_bias else ""
        options += "" if reset_after else ", reset_after=False" if is_gru else f", reset_after=False, which {kind} ignores"
        layer = f"{kind}({H}{options}) on D={D}"
        _int_answer(name, fn, (kind, D, H, bi, use_bias, reset_after), want, hints,
                    "count the weights of one block (kernel, recurrent kernel, bias rows), then multiply by the blocks "
                    "and the directions; check which arguments add or remove bias rows",
                    label=f"Bidirectional({layer})" if bi else layer)
    _passed(name, f"correct for {len(cases)} layers (the three kinds, with and without bias, reset_after and Bidirectional)")


class _StateRecorder:
    """Stands in for the layer given to ``run_in_chunks``: calls it, and counts the states handed back in."""

    def __init__(self, layer: Any) -> None:
        self._layer = layer
        self.state_counts: list[int] = []

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        states = kwargs.get("initial_state")
        if states is not None:
            self.state_counts.append(len(states) if isinstance(states, (list, tuple)) else 1)
        return self._layer(*args, **kwargs)

    def __getattr__(self, attr: str) -> Any:
        return getattr(self._layer, attr)

    def too_few(self, check: str, label: str, want: int) -> None:
        """Fail if a chunk was started from fewer states than the layer carries (an LSTM given only h)."""
        short = [n for n in self.state_counts if n < want]
        if short:
            _fail(check, f"for {label} a chunk was started from {short[0]} state(s), but this layer carries {want}",
                  "with return_state=True the LSTM returns its output and then two states, h and c; the next "
                  "chunk needs all of them" if want == 2 else "hand the next chunk every state the layer returned")


@_check(more="keep a variable with the states (None at first); for each chunk call the layer with "
        "initial_state=states, keep its output sequence and its new states; concatenate the outputs along "
        "time at the end")
def run_in_chunks(fn: Callable[[Any, np.ndarray, int], Any]) -> None:
    """Check ``fn(layer, x, chunk) -> (N, T, H)``: run ``layer`` over ``x`` chunk by chunk, carrying the state.

    ``layer`` is an LSTM or GRU built with ``return_sequences=True,
    return_state=True``; the answer must equal ``layer(x)[0]``, the run over the
    whole sequence at once.
    """
    name = "run_in_chunks"
    rng = _rng(60)
    cases = _variant([(keras.layers.LSTM, 7, 3), (keras.layers.GRU, 6, 4)], [(keras.layers.GRU, 5, 2), (keras.layers.LSTM, 4, 4)])
    for Layer, T, chunk in cases:
        N, D, H = 3, 4, 5
        layer = Layer(H, return_sequences=True, return_state=True,
                      kernel_initializer="zeros", recurrent_initializer="zeros")  # weights are set below
        layer.build((N, T, D))
        layer.set_weights(_weights(rng, [w.shape for w in layer.get_weights()]))
        x = rng.normal(size=(N, T, D)).astype("float32")
        want = _numpy(layer(x)[0])
        label = f"{Layer.__name__} over T={T} steps in chunks of {chunk}"
        recorder = _StateRecorder(layer)
        try:
            got = fn(recorder, x, chunk)
        except Exception as exc:
            recorder.too_few(name, label, len(layer.cell.state_size) if isinstance(layer.cell.state_size, (list, tuple)) else 1)
            _raised(name, exc, f"for {label} your function", "print the shape of each chunk's output and of the states "
                    "the layer returns; the states go back in through the initial_state argument")
        got = _numpy(got) if not isinstance(got, (list, tuple)) else _numpy(keras.ops.concatenate(list(got), axis=1))
        if got.shape != want.shape:
            if got.shape[0] == want.shape[0] and got.shape[2:] == want.shape[2:] and got.shape[1] == T - T % chunk:
                _fail(name, f"for {label} the result covers {got.shape[1]} of the {T} steps: the last, shorter chunk is missing",
                      "the last chunk may be shorter than chunk: run it too")
            if got.shape[0] == want.shape[0] and got.shape[2:] == want.shape[2:] and got.shape[1] in (chunk, T % chunk):
                _fail(name, f"for {label} the result covers {got.shape[1]} of the {T} steps: only one chunk's outputs",
                      "keep every chunk's output sequence and join them all")
            _fail(name, f"for {label} the result has shape {got.shape}, expected {want.shape} = (N, T, H)",
                  "join the chunks' output sequences along the time axis, not the batch axis")
        recorder.too_few(name, label, len(layer.cell.state_size) if isinstance(layer.cell.state_size, (list, tuple)) else 1)
        if not np.allclose(got, want, atol=1e-5):
            fresh = np.concatenate([_numpy(layer(x[:, s : s + chunk])[0]) for s in range(0, T, chunk)], axis=1)
            if np.allclose(got, fresh, atol=1e-5):
                _fail(name, f"for {label} every chunk started from zeros, so the chunks after the first are wrong",
                      "the next chunk must start from the states the previous chunk ended with")
        _compare(name, f"the chunked outputs ({label})", got, want,
                 "the chunked run must give exactly the outputs of one run over the whole sequence", tol=1e-5)
    _passed(name, "the chunked runs equal the full runs (LSTM with 2 states, GRU with 1; uneven last chunks)")


@_check(more="ids -> Embedding with mask_zero=True -> a Bidirectional recurrent layer that returns sequences -> a "
        "Dense softmax over the tags")
def tagger_model(fn: Callable[[int, int, int], Any]) -> None:
    """Check ``fn(vocab_size, num_tags, units) -> keras.Model``: a bidirectional tagger for padded token ids.

    The model maps ids (batch, T), any T, with 0 as padding, to one softmax over
    ``num_tags`` per step (batch, T, num_tags). Real positions must not depend on
    how much padding follows, and must see the tokens after them (bidirectional).
    """
    name = "tagger_model"
    V, K, units = _variant((20, 5, 8), (15, 4, 6))
    try:
        model = fn(V, K, units)
    except Exception as exc:
        _raised(name, exc, f"tagger_model({V}, {K}, {units})", "build it with keras.Input((None,), dtype='int32') "
                "and the functional API, or keras.Sequential")
    if not callable(model):
        _fail(name, f"expected a keras.Model, got {type(model).__name__}", "return the model you built")
    rng = _rng(70)
    lengths = _variant([9, 5, 2, 7], [6, 1, 8])
    N, T = len(lengths), max(lengths)
    ids = rng.integers(1, V, size=(N, T))
    for n, length in enumerate(lengths):
        ids[n, length:] = 0
    # One call on ids as given, one on the same rows with 3 more padding steps plus a copy of row 0
    # whose last real token is changed (two calls in all, to keep the check quick on every backend).
    changed = ids[:1].copy()
    changed[0, lengths[0] - 1] = 1 + (ids[0, lengths[0] - 1] % (V - 1))
    longer = np.concatenate([np.concatenate([ids, changed]), np.zeros((N + 1, 3), dtype=ids.dtype)], axis=1)
    outs = []
    for batch in (ids, longer):
        try:
            outs.append(_numpy(model(batch)))
        except Exception as exc:
            _raised(name, exc, f"calling your model on ids of shape {batch.shape}",
                    "the input is (batch, T) integer ids of any T: keras.Input((None,), dtype='int32')")
    out, out_long = outs
    if out.shape != (N, T, K):
        hint = ("the recurrent layer must return the whole sequence: return_sequences=True"
                if out.shape == (N, K) else f"one softmax over num_tags={K} tags per step: Dense(num_tags, activation='softmax')")
        _fail(name, f"for ids of shape {(N, T)} the output has shape {out.shape}, expected {(N, T, K)}", hint)
    sums = out.sum(-1)
    if not np.allclose(sums, 1.0, atol=1e-4) or out.min() < 0:
        _fail(name, f"the outputs are not probabilities (each step's values sum to {sums.min():.3g}..{sums.max():.3g})",
              f"end with Dense({K}, activation='softmax')")
    drift = np.abs(out_long[:N, :T] - out).max(-1)[ids > 0].max()
    if drift > 1e-5:
        _fail(name, f"adding 3 more padding steps changed the outputs at real tokens by up to {drift:.3g}",
              "the padding must be skipped: an Embedding with mask_zero=True makes a mask that the recurrent layers "
              "(and Bidirectional) follow")
    if np.abs(out_long[N, 0] - out_long[0, 0]).max() < 1e-7:
        _fail(name, "the output at the first position does not change when the last token changes",
              "wrap the recurrent layer in keras.layers.Bidirectional so every position also sees what comes after it")
    _passed(name, "right output shape, probabilities per step, padding ignored, and every position sees both directions")


# --------------------------------------------------------------------------
# 07 Custom cells
# --------------------------------------------------------------------------


@_check(more="the LSTM's own weights, plus one gain vector for each normalized pre-activation (input part, "
        "recurrent part) and a gain and a shift for the cell state")
def layer_norm_lstm_param_count(fn: Callable[[int, int], int]) -> None:
    """Check ``fn(D, H) -> int``: the parameters of ``rnnkit.cells.LayerNormLSTMCell(H)`` on D features."""
    name = "layer_norm_lstm_param_count"
    for D, H in _variant([(2, 3), (1, 1), (64, 256), (100, 32)], [(5, 7), (3, 2), (16, 9)]):
        lstm = 4 * H * (D + H + 1)
        hints = {
            lstm: "that is a plain LSTM; add the layer-norm parameters: a gain for each normalized vector "
                  "(4H for x W, 4H for h U, H for the cell) and a shift for the cell",
            lstm + 8 * H: "the cell-state normalization has a gain AND a shift (beta), H each",
            lstm + 9 * H: "two gains of 4H (input and recurrent), and a gain and a shift of H for the cell",
            lstm + 16 * H: "the gate normalizations have gains only (the LSTM bias b already shifts them)",
        }
        _int_answer(name, fn, (D, H), lstm + 10 * H, hints, "start from the LSTM's 4H(D + H + 1), then add every gamma and beta")
    _passed(name, "correct for 4 layer sizes")


def _mgu_numpy(x: np.ndarray, h0: np.ndarray, Wx: np.ndarray, Wh: np.ndarray, b: np.ndarray,
               swap: bool = False, mix_flipped: bool = False, fused: bool = False) -> np.ndarray:
    H = h0.shape[1]
    h, out = h0, []
    for t in range(x.shape[1]):
        xw = x[:, t] @ Wx + b
        if swap:  # the blocks read in the wrong order
            xw = np.concatenate([xw[:, H:], xw[:, :H]], axis=1)
            Wh_f, Wh_h = Wh[:, H:], Wh[:, :H]
        else:
            Wh_f, Wh_h = Wh[:, :H], Wh[:, H:]
        f = nr.sigmoid(xw[:, :H] + h @ Wh_f)
        hh = np.tanh(xw[:, H:] + (h if fused else f * h) @ Wh_h)
        h = f * h + (1 - f) * hh if mix_flipped else (1 - f) * h + f * hh
        out.append(h)
    return np.stack(out, axis=1)


def _build_cell_layer(check: str, cls: Any, units: int, x_shape: tuple[int, ...], **rnn_kwargs: Any) -> Any:
    try:
        cell = cls(units)
    except Exception as exc:
        _raised(check, exc, f"{getattr(cls, '__name__', cls)}({units})", "the constructor takes units and **kwargs "
                "and passes **kwargs to super().__init__")
    state_size = getattr(cell, "state_size", None)
    if state_size is None:
        _fail(check, "the cell has no state_size", "set self.state_size in __init__: keras.layers.RNN reads it")
    try:
        layer = keras.layers.RNN(cell, **rnn_kwargs)
        layer.build(x_shape)
    except Exception as exc:
        _raised(check, exc, f"building keras.layers.RNN(cell) on inputs of shape {x_shape}",
                "build(input_shape) receives (batch, features): input_shape[-1] is D")
    return cell, layer


def _check_weight_shapes(check: str, layer: Any, want: list[tuple[int, ...]], names: str) -> None:
    got = [tuple(w.shape) for w in layer.weights]
    if got != want:
        _fail(check, f"the cell's weights have shapes {got}, expected {want} ({names}, created in that order)",
              "create them in build() with self.add_weight(shape=..., initializer=..., name=...) in the order given")


def _run_layer(check: str, layer: Any, x: np.ndarray, states: list[np.ndarray]) -> list[np.ndarray]:
    try:
        out = layer(x, initial_state=states)
    except Exception as exc:
        _raised(check, exc, f"running the cell over inputs of shape {x.shape}",
                "call(inputs, states) gets inputs (batch, D) and a list of states (batch, H) each; "
                "return (output, [new states])")
    return [_numpy(o) for o in (out if isinstance(out, (list, tuple)) else [out])]


@_check(more="compute f first from the first halves of the kernels; then the candidate uses the second half of the"
        " recurrent kernel on f * h_prev; the new state mixes h_prev and the candidate with weights 1 - f and"
        " f")
def minimal_gated_cell(cls: type) -> None:
    """Check a minimal gated unit cell class ``cls(units)`` (Zhou et al., 2016).

    Weights, created in this order: ``kernel`` (D, 2H), ``recurrent_kernel`` (H, 2H),
    ``bias`` (2H,), blocks ``f | h``; one state h::

        f   = sigmoid(x W_f + h U_f + b_f)
        h~  = tanh(x W_h + (f * h) U_h + b_h)
        h_t = (1 - f) * h + f * h~
    """
    name = "minimal_gated_cell"
    rng = _rng(71)
    N, T, D, H = _variant((3, 5, 4, 6), (2, 4, 3, 5))
    cell, layer = _build_cell_layer(name, cls, H, (N, T, D), return_sequences=True)
    if getattr(cell, "state_size", None) not in (H, [H], (H,)):
        _fail(name, f"state_size is {cell.state_size!r}, expected {H} (one state of H units)", "keras.layers.RNN reads state_size: this cell has one state of units numbers")
    _check_weight_shapes(name, layer, [(D, 2 * H), (H, 2 * H), (2 * H,)], "kernel, recurrent_kernel, bias")
    Wx, Wh, b = _weights(rng, [(D, 2 * H), (H, 2 * H), (2 * H,)])
    layer.set_weights([Wx, Wh, b])
    x = rng.normal(size=(N, T, D)).astype("float32")
    h0 = rng.normal(size=(N, H)).astype("float32")
    got = _run_layer(name, layer, x, [h0])[0]
    args = (x.astype(np.float64), h0.astype(np.float64), *(w.astype(np.float64) for w in (Wx, Wh, b)))
    want = _mgu_numpy(*args)
    if got.shape == want.shape and not np.allclose(got, want, atol=1e-4):
        if np.allclose(got, _mgu_numpy(*args, mix_flipped=True), atol=1e-4):
            _fail(name, "h_t mixes the old state and the candidate the other way round",
                  "the gate f says how much of the NEW candidate to take; 1 - f is the share of the old state that stays")
        if np.allclose(got, _mgu_numpy(*args, swap=True), atol=1e-4):
            _fail(name, "the blocks of the kernels are read in the wrong order",
                  "the first H columns of each weight belong to f, the last H to the candidate")
        if np.allclose(got, _mgu_numpy(*args, fused=True), atol=1e-4):
            _fail(name, "the candidate's recurrent input is h_prev, not f * h_prev",
                  "the gate f also resets the state INSIDE the candidate, so that product cannot be fused with f's")
    _compare(name, "the output sequence", got, want,
             "compare your three equations one by one with the ones in the exercise", tol=1e-4)
    try:
        again = cls.from_config(cell.get_config())
    except Exception as exc:
        _raised(name, exc, "cls.from_config(cell.get_config())",
                "get_config() returns the base layer's config plus the constructor's own arguments")
    if getattr(again, "units", None) != H:
        _fail(name, "a cell rebuilt from get_config() lost its units", "put 'units' into get_config()")
    _passed(name, "the cell matches the reference equations, with an initial state, and rebuilds from its config")


def _peephole_numpy(x: np.ndarray, h0: np.ndarray, c0: np.ndarray, Wx: np.ndarray, Wh: np.ndarray, b: np.ndarray,
                    P: np.ndarray, o_uses_old_c: bool = False) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    h, c, out = h0, c0, []
    for t in range(x.shape[1]):
        z_i, z_f, z_c, z_o = np.split(x[:, t] @ Wx + h @ Wh + b, 4, axis=1)
        i = nr.sigmoid(z_i + P[0] * c)
        f = nr.sigmoid(z_f + P[1] * c)
        c_new = f * c + i * np.tanh(z_c)
        o = nr.sigmoid(z_o + P[2] * (c if o_uses_old_c else c_new))
        c = c_new
        h = o * np.tanh(c)
        out.append(h)
    return np.stack(out, axis=1), h, c


@_check(more="the input and forget gates add peephole * c_prev; the output gate adds its peephole row times the "
        "new cell state, so compute c before o")
def peephole_lstm_cell(cls: type) -> None:
    """Check a peephole LSTM cell class ``cls(units)`` (Gers and Schmidhuber, 2000).

    Weights in this order: the LSTM's ``kernel`` (D, 4H), ``recurrent_kernel``
    (H, 4H), ``bias`` (4H,), gates i, f, c, o, then ``peephole`` (3, H), rows for
    i, f, o. States ``[h, c]``::

        i = sigmoid(z_i + p_i * c_prev),  f = sigmoid(z_f + p_f * c_prev)
        c = f * c_prev + i * tanh(z_c)
        o = sigmoid(z_o + p_o * c),       h = o * tanh(c)
    """
    name = "peephole_lstm_cell"
    rng = _rng(72)
    N, T, D, H = _variant((3, 5, 4, 6), (2, 4, 3, 5))
    cell, layer = _build_cell_layer(name, cls, H, (N, T, D), return_sequences=True, return_state=True)
    if list(np.atleast_1d(getattr(cell, "state_size", []))) != [H, H]:
        _fail(name, f"state_size is {cell.state_size!r}, expected [{H}, {H}] (h and c)", "an LSTM cell has two states, h and c, of units numbers each")
    shapes = [(D, 4 * H), (H, 4 * H), (4 * H,), (3, H)]
    _check_weight_shapes(name, layer, shapes, "kernel, recurrent_kernel, bias, peephole")
    fresh = _numpy(layer.weights[3])
    if np.any(fresh != 0):
        _fail(name, f"a freshly built cell's peephole weights are not zeros (up to {np.abs(fresh).max():.3g} in size)",
              "the exercise asks for peepholes that start at zero, so that a new peephole cell computes a plain LSTM")
    weights = _weights(rng, shapes)
    layer.set_weights(weights)
    x = rng.normal(size=(N, T, D)).astype("float32")
    h0, c0 = (rng.normal(size=(N, H)).astype("float32") for _ in range(2))
    got = _run_layer(name, layer, x, [h0, c0])
    if len(got) != 3:
        _fail(name, f"the RNN layer returned {len(got)} tensors with return_state=True, expected 3 (outputs, h, c)",
              "call() must return (h, [h, c])")
    args = (x.astype(np.float64), h0.astype(np.float64), c0.astype(np.float64), *(w.astype(np.float64) for w in weights))
    want = _peephole_numpy(*args)
    if got[0].shape == want[0].shape and not np.allclose(got[0], want[0], atol=1e-4):
        if np.allclose(got[0], _peephole_numpy(*args, o_uses_old_c=True)[0], atol=1e-4):
            _fail(name, "the output gate looks at the old cell state",
                  "the output gate peeks at the NEW cell state, so it can only be computed after c")
        no_peep = _peephole_numpy(*args[:6], np.zeros_like(args[6]))[0]
        if np.allclose(got[0], no_peep, atol=1e-4):
            _fail(name, "the outputs equal a plain LSTM's: the peephole weights are never used",
                  "each of the three gates adds its peephole row times a cell state to its pre-activation")
        swapped = _peephole_numpy(*args[:6], args[6][[1, 0, 2]])[0]
        if np.allclose(got[0], swapped, atol=1e-4):
            _fail(name, "the peephole rows of the input and forget gates are swapped", "row 0 belongs to i, row 1 to f, row 2 to o")
    for what, g, w in zip(("the output sequence", "the final h", "the final c"), got, want):
        _compare(name, what, g, w, "rows of peephole: 0 for the input gate, 1 for the forget gate, 2 for the output gate",
                 tol=1e-4)
    _passed(name, "outputs and both final states match the peephole equations")
