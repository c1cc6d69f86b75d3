"""Every check of rnnkit.checks_keras passes a right answer and fails wrong ones with a useful message.

(Proposed as tests/test_checks_keras.py; written by the Part II helper.)
"""

from __future__ import annotations

import pytest

keras = pytest.importorskip("keras")

from keras import ops  # noqa: E402

from rnnkit import cells  # noqa: E402
from rnnkit import checks_keras as checks  # noqa: E402

pytestmark = pytest.mark.keras


def _not_written(*args):
    raise NotImplementedError()


# --- 06 ---------------------------------------------------------------------


def _count(kind, D, H, bidirectional=False, use_bias=True, reset_after=True):
    blocks = {"SimpleRNN": 1, "LSTM": 4, "GRU": 3}[kind]
    rows = 0 if not use_bias else 2 if kind == "GRU" and reset_after else 1
    n = blocks * H * (D + H + rows)
    return 2 * n if bidirectional else n


def _count_no_bi(kind, D, H, bidirectional=False, use_bias=True, reset_after=True):
    return _count(kind, D, H, False, use_bias, reset_after)


def _count_gru_one_bias(kind, D, H, bidirectional=False, use_bias=True, reset_after=True):
    return _count("LSTM" if kind == "GRU" else kind, D, H, bidirectional, use_bias) * (3 if kind == "GRU" else 4) // 4 \
        if kind == "GRU" else _count(kind, D, H, bidirectional, use_bias, reset_after)


def test_recurrent_param_count(capsys):
    checks.recurrent_param_count(_count)
    assert capsys.readouterr().out.startswith("✓ recurrent_param_count")
    with pytest.raises(checks.CheckFailed, match="TWO bias rows"):
        checks.recurrent_param_count(_count_gru_one_bias)
    with pytest.raises(checks.CheckFailed, match="two independent copies"):
        checks.recurrent_param_count(_count_no_bi)
    with pytest.raises(checks.CheckFailed, match="not written yet"):
        checks.recurrent_param_count(_not_written)


@pytest.mark.parametrize("kind", ["SimpleRNN", "LSTM", "GRU"])
@pytest.mark.parametrize(("use_bias", "reset_after"), [(True, True), (False, True), (True, False), (False, False)])
@pytest.mark.parametrize("bidirectional", [False, True])
def test_recurrent_param_count_agrees_with_keras(kind, use_bias, reset_after, bidirectional):
    """The check's reference count is what Keras builds, for every argument the exercise names."""
    from rnnkit.checks_keras import _layer_params

    kwargs = {"use_bias": use_bias} | ({"reset_after": reset_after} if kind == "GRU" else {})
    layer = getattr(keras.layers, kind)(5, **kwargs)
    if bidirectional:
        layer = keras.layers.Bidirectional(layer)
    layer.build((None, None, 3))
    assert layer.count_params() == _layer_params(kind, 3, 5, bidirectional, use_bias, reset_after)


def test_run_in_chunks():
    # the right answer and the usual mistakes are in tests/test_wrong_answers_keras.py
    with pytest.raises(checks.CheckFailed, match="not written yet"):
        checks.run_in_chunks(_not_written)


def test_tagger_model():
    with pytest.raises(checks.CheckFailed, match="not written yet"):
        checks.tagger_model(_not_written)


# --- 07 ---------------------------------------------------------------------


def test_layer_norm_lstm_param_count(capsys):
    checks.layer_norm_lstm_param_count(lambda D, H: 4 * H * (D + H + 1) + 10 * H)
    assert "✓ layer_norm_lstm_param_count" in capsys.readouterr().out
    with pytest.raises(checks.CheckFailed, match="plain LSTM"):
        checks.layer_norm_lstm_param_count(lambda D, H: 4 * H * (D + H + 1))
    # the check agrees with the real cell
    layer = keras.layers.RNN(cells.LayerNormLSTMCell(5))
    layer.build((None, 3, 7))
    assert layer.count_params() == 4 * 5 * (7 + 5 + 1) + 10 * 5


class MGU(keras.layers.Layer):
    def __init__(self, units, flipped=False, **kwargs):
        super().__init__(**kwargs)
        self.units, self.flipped = units, flipped
        self.state_size = units
        self.output_size = units

    def build(self, input_shape):
        H = self.units
        self.kernel = self.add_weight(shape=(input_shape[-1], 2 * H), name="kernel")
        self.recurrent_kernel = self.add_weight(shape=(H, 2 * H), name="recurrent_kernel")
        self.bias = self.add_weight(shape=(2 * H,), initializer="zeros", name="bias")

    def call(self, inputs, states):
        h = states[0]
        H = self.units
        xw = ops.matmul(inputs, self.kernel) + self.bias
        f = ops.sigmoid(xw[:, :H] + ops.matmul(h, self.recurrent_kernel[:, :H]))
        hh = ops.tanh(xw[:, H:] + ops.matmul(f * h, self.recurrent_kernel[:, H:]))
        new = f * h + (1 - f) * hh if self.flipped else (1 - f) * h + f * hh
        return new, [new]

    def get_config(self):
        return {**super().get_config(), "units": self.units}


class NotWrittenMGU(MGU):
    def call(self, inputs, states):
        raise NotImplementedError()


def test_minimal_gated_cell():
    with pytest.raises(checks.CheckFailed, match="not written yet"):
        checks.minimal_gated_cell(NotWrittenMGU)


class NotWrittenPeephole(cells.LSTMCell):  # the student copy: both methods are stubs
    def build(self, input_shape):
        raise NotImplementedError()

    def step(self, x, h_prev, c_prev):
        raise NotImplementedError()


def test_peephole_lstm_cell():
    # the right answer and the usual mistakes are in tests/test_wrong_answers_keras.py
    with pytest.raises(checks.CheckFailed, match="not written yet"):
        checks.peephole_lstm_cell(NotWrittenPeephole)
