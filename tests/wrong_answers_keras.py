"""Right and wrong answers to the Keras exercises (notebooks 06 and 07), as in ``wrong_answers.py``."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import keras
from keras import ops

from rnnkit import cells

Wrong = tuple[str, Any, str]

_BLOCKS = {"SimpleRNN": 1, "LSTM": 4, "GRU": 3}


def recurrent_param_count(kind, D, H, bidirectional=False, use_bias=True, reset_after=True, *, bi=True, gru_bias=True,
                          blocks=None, recurrent=True, honour_use_bias=True, honour_reset_after=True, any_kind_resets=False):
    """The right count; each keyword turns on one mistake (honour_use_bias="first row" drops only the first bias row)."""
    b = blocks or _BLOCKS[kind]
    first_row = use_bias or honour_use_bias is False
    second_row = ((kind == "GRU" or any_kind_resets) and gru_bias and (reset_after or not honour_reset_after)
                  and (use_bias or honour_use_bias in (False, "first row")))
    count = b * (D * H + (H * H if recurrent else 0) + (H if first_row else 0) + (H if second_row else 0))
    return 2 * count if bidirectional and bi else count


def _count(**flags):
    return lambda k, D, H, b=False, u=True, r=True: recurrent_param_count(k, D, H, b, u, r, **flags)


def run_in_chunks(layer, x, chunk, *, carry=True, drop_last=False, axis=1, last_only=False):
    outputs, states = [], None
    T = x.shape[1]
    stop = T - T % chunk if drop_last else T
    for start in range(0, stop, chunk):
        out, *new = layer(x[:, start:start + chunk], initial_state=states if carry else None)
        states = new
        outputs.append(out)
    return outputs[-1] if last_only else ops.concatenate(outputs, axis=axis)


def tagger_model(vocab_size, num_tags, units, *, mask=True, bidirectional=True, sequences=True, softmax=True):
    ids = keras.Input((None,), dtype="int32")
    x = keras.layers.Embedding(vocab_size, 8, mask_zero=mask)(ids)
    rnn = keras.layers.GRU(units, return_sequences=sequences)
    x = keras.layers.Bidirectional(rnn)(x) if bidirectional else rnn(x)
    probs = keras.layers.Dense(num_tags, activation="softmax" if softmax else None)(x)
    return keras.Model(ids, probs)


def layer_norm_lstm_param_count(D, H):
    return 4 * H * (D + H + 1) + 10 * H


class MGU(keras.layers.Layer):
    """The minimal gated unit, with switches for the usual mistakes."""

    flipped = fused = swapped = False
    config_units = True

    def __init__(self, units, **kwargs):
        super().__init__(**kwargs)
        self.units = units
        self.state_size = units
        self.output_size = units

    def build(self, input_shape):
        D, H = input_shape[-1], self.units
        self.kernel = self.add_weight(shape=(D, 2 * H), name="kernel")
        self.recurrent_kernel = self.add_weight(shape=(H, 2 * H), name="recurrent_kernel")
        self.bias = self.add_weight(shape=(2 * H,), initializer="zeros", name="bias")

    def call(self, inputs, states):
        h, H = states[0], self.units
        xw = ops.matmul(inputs, self.kernel) + self.bias
        a_f, a_h = (xw[:, H:], xw[:, :H]) if self.swapped else (xw[:, :H], xw[:, H:])
        U_f, U_h = ((self.recurrent_kernel[:, H:], self.recurrent_kernel[:, :H]) if self.swapped
                    else (self.recurrent_kernel[:, :H], self.recurrent_kernel[:, H:]))
        f = ops.sigmoid(a_f + ops.matmul(h, U_f))
        cand = ops.tanh(a_h + ops.matmul(h if self.fused else f * h, U_h))
        new = f * h + (1 - f) * cand if self.flipped else (1 - f) * h + f * cand
        return new, [new]

    def get_config(self):
        config = super().get_config()
        return {**config, "units": self.units} if self.config_units else config


def _variant(**flags: Any) -> type:
    return type("WrongMGU", (MGU,), flags)


class _NoUnitsConfig(MGU):
    config_units = False

    @classmethod
    def from_config(cls, config):
        return cls(3, **{k: v for k, v in config.items() if k not in ("units",)})


class Peephole(cells.LSTMCell):
    old_c = False
    rows = (0, 1, 2)

    def build(self, input_shape):
        super().build(input_shape)
        self.peephole = self.add_weight(shape=(3, self.units), initializer="zeros", name="peephole")

    def step(self, x, h_prev, c_prev):
        z_i, z_f, z_c, z_o = self.gates(x, h_prev)
        p_i, p_f, p_o = (self.peephole[r] for r in self.rows)  # (H,) each
        i = ops.sigmoid(z_i + p_i * c_prev)
        f = ops.sigmoid(z_f + p_f * c_prev)
        c = f * c_prev + i * ops.tanh(z_c)
        o = ops.sigmoid(z_o + p_o * (c_prev if self.old_c else c))
        h = o * ops.tanh(c)
        return h, [h, c]


class _PeepholeUnused(Peephole):
    def step(self, x, h_prev, c_prev):
        return cells.LSTMCell.step(self, x, h_prev, c_prev)


class _PeepholeRandomStart(Peephole):
    """Right equations, but the peepholes start at random values: a fresh cell is not a plain LSTM."""

    def build(self, input_shape):
        cells.LSTMCell.build(self, input_shape)
        self.peephole = self.add_weight(shape=(3, self.units), initializer="glorot_uniform", name="peephole")


class _PeepholeOnesStart(Peephole):
    def build(self, input_shape):
        cells.LSTMCell.build(self, input_shape)
        self.peephole = self.add_weight(shape=(3, self.units), initializer="ones", name="peephole")


def run_in_chunks_only_h(layer, x, chunk):
    """The LSTM's c is dropped: each chunk after the first is started from [h] alone."""
    outputs, states = [], None
    for start in range(0, x.shape[1], chunk):
        out, h, *_ = layer(x[:, start:start + chunk], initial_state=states)
        states = [h]
        outputs.append(out)
    return ops.concatenate(outputs, axis=1)


class _PeepholeTransposed(cells.LSTMCell):
    def build(self, input_shape):
        super().build(input_shape)
        self.peephole = self.add_weight(shape=(self.units, 3), initializer="zeros", name="peephole")


RIGHT: dict[str, Callable[..., Any] | type] = {
    "recurrent_param_count": recurrent_param_count, "run_in_chunks": run_in_chunks, "tagger_model": tagger_model,
    "layer_norm_lstm_param_count": layer_norm_lstm_param_count, "minimal_gated_cell": MGU, "peephole_lstm_cell": Peephole,
}

WRONG: dict[str, list[Wrong]] = {
    "recurrent_param_count": [
        ("Bidirectional not doubled", _count(bi=False), "two independent copies"),
        ("GRU with one bias row", _count(gru_bias=False), "TWO bias rows"),
        ("one block for every kind", _count(blocks=1), "blocks of weights"),
        ("no recurrent kernel", _count(recurrent=False), "recurrent kernel"),
        ("use_bias ignored", _count(honour_use_bias=False), "without any bias"),
        ("use_bias=False drops only the first GRU bias row", _count(honour_use_bias="first row"), "no bias row at all"),
        ("reset_after ignored (always two GRU rows)", _count(honour_reset_after=False),
         "reset_after=False the GRU has one bias row"),
        ("reset_after adds a row to every kind", _count(any_kind_resets=True), "reset_after is a GRU argument"),
    ],
    "run_in_chunks": [
        ("every chunk from zeros", lambda l, x, c: run_in_chunks(l, x, c, carry=False), "started from zeros"),
        ("drops the shorter last chunk", lambda l, x, c: run_in_chunks(l, x, c, drop_last=True), "last, shorter chunk is missing"),
        ("joined along the batch", lambda l, x, c: run_in_chunks(l, x, c, axis=0), "not the batch axis|ConcatOp|raised"),
        ("last chunk only", lambda l, x, c: run_in_chunks(l, x, c, last_only=True), "only one chunk"),
        ("LSTM given back only h", run_in_chunks_only_h, r"started from 1 state\(s\), but this layer carries 2"),
    ],
    "tagger_model": [
        ("no mask", lambda v, k, u: tagger_model(v, k, u, mask=False), "mask_zero=True"),
        ("one direction", lambda v, k, u: tagger_model(v, k, u, bidirectional=False), "Bidirectional"),
        ("no return_sequences", lambda v, k, u: tagger_model(v, k, u, sequences=False), "return_sequences"),
        ("no softmax", lambda v, k, u: tagger_model(v, k, u, softmax=False), "not probabilities"),
    ],
    "layer_norm_lstm_param_count": [
        ("a plain LSTM", lambda D, H: 4 * H * (D + H + 1), "plain LSTM"),
        ("no cell shift", lambda D, H: 4 * H * (D + H + 1) + 9 * H, "two gains of 4H"),
        ("gate shifts too", lambda D, H: 4 * H * (D + H + 1) + 18 * H, "expected|the layer has"),
        ("one gain per gate block only", lambda D, H: 4 * H * (D + H + 1) + 8 * H, "gain AND a shift"),
    ],
    "minimal_gated_cell": [
        ("mix flipped", _variant(flipped=True), "other way round"),
        ("fused recurrent product", _variant(fused=True), "not f \\* h_prev"),
        ("blocks swapped", _variant(swapped=True), "wrong order"),
        ("no units in get_config", _NoUnitsConfig, "lost its units"),
    ],
    "peephole_lstm_cell": [
        ("output gate on the old c", type("OldC", (Peephole,), {"old_c": True}), "old cell state"),
        ("rows i and f swapped", type("Swapped", (Peephole,), {"rows": (1, 0, 2)}), "rows of the input and forget gates are swapped"),
        ("peepholes never used", _PeepholeUnused, "never used"),
        ("peephole of shape (H, 3)", _PeepholeTransposed, r"shapes .* expected"),
        ("a plain LSTM", cells.LSTMCell, r"shapes .* expected"),
        ("peepholes start at random values", _PeepholeRandomStart, "peephole weights are not zeros"),
        ("peepholes start at ones", _PeepholeOnesStart, "peephole weights are not zeros"),
    ],
}
