"""Recurrent cells written out with ``keras.ops``, one time step each.

A cell computes one step; ``keras.layers.RNN`` owns the loop over time, the
masking and the state plumbing. That split is the cell contract:

* ``state_size``: the size of each state the cell carries (a list of ints),
* ``output_size``: the size of what it emits at every step,
* ``build(input_shape)``: create the weights once the feature size is known,
* ``call(inputs, states) -> (output, new_states)``: one step, with ``inputs``
  (batch, features) and each state (batch, units).

``RNNCell``, ``LSTMCell`` and ``GRUCell`` reproduce ``keras.layers.SimpleRNNCell``,
``LSTMCell`` and ``GRUCell`` (default settings): same weight names, shapes and
order, so ``custom.set_weights(builtin.get_weights())`` works and both give the
same numbers. ``LayerNormLSTMCell`` is an LSTM that no built-in layer offers:
the gates' pre-activations and the cell output are layer-normalized
(Ba, Kiros and Hinton, 2016).

Usage::

    import keras
    from rnnkit import cells

    layer = keras.layers.RNN(cells.LSTMCell(64), return_sequences=True)

Only ``keras`` and ``keras.ops`` are used, so every cell runs on the
TensorFlow, JAX and PyTorch backends. Dropout is left out on purpose: random
ops inside a step break JAX's traced loop; put ``keras.layers.Dropout``
between layers instead.
"""

from __future__ import annotations

import numbers
from typing import Any

import keras
from keras import ops

from rnnkit._validate import positive_int

__all__ = ["RNNCell", "LSTMCell", "GRUCell", "LayerNormLSTMCell"]


# --------------------------------------------------------------------------
# Argument checks: each names the argument and the bad value.
# --------------------------------------------------------------------------


def _bool(name: str, value: Any) -> bool:
    if not isinstance(value, bool):
        raise ValueError(f"`{name}` must be True or False; got {value!r}")
    return value


def _positive_float(name: str, value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or not value > 0:
        raise ValueError(f"`{name}` must be a positive number; got {value!r}")
    return float(value)


def _activation(name: str, value: Any):
    try:
        return keras.activations.get(value)
    except (ValueError, TypeError) as exc:
        raise ValueError(f"`{name}` must be a Keras activation name (e.g. 'tanh') or a callable; got {value!r}") from exc


def _initializer(name: str, value: Any):
    try:
        return keras.initializers.get(value)
    except (ValueError, TypeError) as exc:
        raise ValueError(
            f"`{name}` must be a Keras initializer name (e.g. 'glorot_uniform') or instance; got {value!r}"
        ) from exc


def _shape(shape: Any) -> str:
    return "(" + ", ".join("None" if s is None else str(s) for s in shape) + ("," if len(shape) == 1 else "") + ")"


# --------------------------------------------------------------------------
# The shared plumbing
# --------------------------------------------------------------------------


class _Cell(keras.layers.Layer):
    """What every cell here shares: argument checks, input checks, initial state, config.

    A subclass sets ``_num_states`` (1 for RNN/GRU, 2 for LSTM) and writes
    ``build`` (after calling ``_check_build_shape``) and ``step``.
    """

    _num_states = 1

    def __init__(
        self,
        units: int,
        activation: Any = "tanh",
        use_bias: bool = True,
        kernel_initializer: Any = "glorot_uniform",
        recurrent_initializer: Any = "orthogonal",
        bias_initializer: Any = "zeros",
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.units = positive_int("`units`", units)
        self.activation = _activation("activation", activation)
        self.use_bias = _bool("use_bias", use_bias)
        self.kernel_initializer = _initializer("kernel_initializer", kernel_initializer)
        self.recurrent_initializer = _initializer("recurrent_initializer", recurrent_initializer)
        self.bias_initializer = _initializer("bias_initializer", bias_initializer)
        # The cell contract: one entry per state, and the size of the output.
        self.state_size = [self.units] * self._num_states
        self.output_size = self.units
        self.input_dim: int | None = None

    # -- checks ------------------------------------------------------------
    def _check_build_shape(self, input_shape: Any) -> int:
        """Check a step shape ``(batch, features)`` and return ``features``."""
        input_shape = tuple(input_shape)
        if len(input_shape) != 2 or input_shape[-1] is None:
            raise ValueError(
                f"{type(self).__name__} expects each time step to have shape (batch, features), "
                "so keras.layers.RNN needs inputs of shape (batch, timesteps, features); "
                f"received a step of shape {_shape(input_shape)} (rank {len(input_shape)})"
            )
        self.input_dim = int(input_shape[-1])
        return self.input_dim

    def _check_step(self, inputs: Any, states: list) -> None:
        shape = tuple(inputs.shape)
        if len(shape) != 2 or shape[-1] != self.input_dim:
            raise ValueError(
                f"{type(self).__name__} was built for inputs of shape (batch, {self.input_dim}) per step, "
                f"i.e. sequences (batch, timesteps, {self.input_dim}); received a step of shape {_shape(shape)}"
            )
        if len(states) != self._num_states:
            raise ValueError(f"{type(self).__name__} expects {self._num_states} state(s); received {len(states)}")
        for k, s in enumerate(states):
            if tuple(s.shape)[-1:] != (self.units,):
                raise ValueError(
                    f"{type(self).__name__} state {k} must have shape (batch, {self.units}); "
                    f"received {_shape(tuple(s.shape))}"
                )

    # -- the contract ------------------------------------------------------
    def call(self, inputs: Any, states: Any) -> tuple[Any, list]:
        """One time step: ``inputs`` (batch, features), ``states`` a list of (batch, units)."""
        states = list(states) if isinstance(states, (list, tuple)) else [states]
        self._check_step(inputs, states)
        return self.step(inputs, *states)

    def step(self, x: Any, *states: Any) -> tuple[Any, list]:  # pragma: no cover - abstract
        raise NotImplementedError

    def get_initial_state(self, batch_size: Any = None) -> list:
        """Zeros, one (batch, units) tensor per state."""
        return [ops.zeros((batch_size, self.units), dtype=self.compute_dtype) for _ in range(self._num_states)]

    def get_config(self) -> dict:
        return {
            **super().get_config(),
            "units": self.units,
            "activation": keras.activations.serialize(self.activation),
            "use_bias": self.use_bias,
            "kernel_initializer": keras.initializers.serialize(self.kernel_initializer),
            "recurrent_initializer": keras.initializers.serialize(self.recurrent_initializer),
            "bias_initializer": keras.initializers.serialize(self.bias_initializer),
        }

    def _add_kernels(self, input_dim: int, width: int) -> None:
        """``kernel`` (D, width) and ``recurrent_kernel`` (H, width), named like Keras' own."""
        self.kernel = self.add_weight(shape=(input_dim, width), initializer=self.kernel_initializer, name="kernel")
        self.recurrent_kernel = self.add_weight(
            shape=(self.units, width), initializer=self.recurrent_initializer, name="recurrent_kernel"
        )


# --------------------------------------------------------------------------
# Vanilla RNN: h_t = tanh(x_t W_x + h_{t-1} W_h + b)
# --------------------------------------------------------------------------


@keras.saving.register_keras_serializable(package="rnnkit")
class RNNCell(_Cell):
    """The vanilla recurrent cell, ``h_t = activation(x_t W_x + h_{t-1} W_h + b)``.

    Weights (same as ``keras.layers.SimpleRNNCell``): ``kernel`` (D, H),
    ``recurrent_kernel`` (H, H), ``bias`` (H,).

    Args:
        units: H, the size of the hidden state (a positive int).
        activation: applied to the pre-activation; default ``"tanh"``.
        use_bias: whether to add ``b``.
        kernel_initializer, recurrent_initializer, bias_initializer: as in Keras.
    """

    def build(self, input_shape: Any) -> None:
        D = self._check_build_shape(input_shape)
        self._add_kernels(D, self.units)
        self.bias = (
            self.add_weight(shape=(self.units,), initializer=self.bias_initializer, name="bias")
            if self.use_bias
            else None
        )

    def step(self, x: Any, h_prev: Any) -> tuple[Any, list]:
        a = ops.matmul(x, self.kernel) + ops.matmul(h_prev, self.recurrent_kernel)  # a: (N, H)
        if self.use_bias:
            a = a + self.bias
        h = self.activation(a)
        return h, [h]


# --------------------------------------------------------------------------
# LSTM, gates i, f, c, o in one fused kernel, like Keras
# --------------------------------------------------------------------------


class _GatedCell(_Cell):
    """A cell with a ``recurrent_activation`` for its gates (LSTM and GRU)."""

    def __init__(self, units: int, activation: Any = "tanh", recurrent_activation: Any = "sigmoid", **kwargs: Any):
        super().__init__(units, activation=activation, **kwargs)
        self.recurrent_activation = _activation("recurrent_activation", recurrent_activation)

    def get_config(self) -> dict:
        return {**super().get_config(), "recurrent_activation": keras.activations.serialize(self.recurrent_activation)}


@keras.saving.register_keras_serializable(package="rnnkit")
class LSTMCell(_GatedCell):
    r"""Long short-term memory, one step.

    .. math::
        [z_i, z_f, z_c, z_o] = x_t W_x + h_{t-1} W_h + b \\
        c_t = \sigma(z_f) c_{t-1} + \sigma(z_i) \tanh(z_c), \quad h_t = \sigma(z_o) \tanh(c_t)

    Weights (same as ``keras.layers.LSTMCell``): ``kernel`` (D, 4H),
    ``recurrent_kernel`` (H, 4H), ``bias`` (4H,), gate blocks in the order
    i, f, c, o. The four gate matmuls are fused into one per input, as Keras does.
    States: ``[h, c]``.

    Args:
        units: H (a positive int).
        activation: for the candidate and the cell output; default ``"tanh"``.
        recurrent_activation: for the gates; default ``"sigmoid"``.
        use_bias: whether to add ``b``.
        unit_forget_bias: start the forget-gate bias at 1 (Jozefowicz et al., 2015).
        kernel_initializer, recurrent_initializer, bias_initializer: as in Keras.
    """

    _num_states = 2

    def __init__(self, units: int, unit_forget_bias: bool = True, **kwargs: Any) -> None:
        super().__init__(units, **kwargs)
        self.unit_forget_bias = _bool("unit_forget_bias", unit_forget_bias)

    def _bias_initializer(self):
        if not self.unit_forget_bias:
            return self.bias_initializer
        H, init = self.units, self.bias_initializer

        def forget_one(shape: Any, dtype: Any = None) -> Any:  # i | f = 1 | c | o
            return ops.concatenate(
                [init((H,), dtype=dtype), ops.ones((H,), dtype=dtype), init((2 * H,), dtype=dtype)]
            )

        return forget_one

    def build(self, input_shape: Any) -> None:
        D = self._check_build_shape(input_shape)
        self._add_kernels(D, 4 * self.units)
        self.bias = (
            self.add_weight(shape=(4 * self.units,), initializer=self._bias_initializer(), name="bias")
            if self.use_bias
            else None
        )

    def gates(self, x: Any, h_prev: Any) -> list:
        """The four pre-activations ``[z_i, z_f, z_c, z_o]``, each (N, H)."""
        z = ops.matmul(x, self.kernel) + ops.matmul(h_prev, self.recurrent_kernel)  # z: (N, 4H)
        if self.use_bias:
            z = z + self.bias
        return ops.split(z, 4, axis=-1)

    def step(self, x: Any, h_prev: Any, c_prev: Any) -> tuple[Any, list]:
        z_i, z_f, z_c, z_o = self.gates(x, h_prev)
        i = self.recurrent_activation(z_i)  # input gate
        f = self.recurrent_activation(z_f)  # forget gate
        o = self.recurrent_activation(z_o)  # output gate
        c = f * c_prev + i * self.activation(z_c)  # the conveyor belt
        h = o * self.activation(c)
        return h, [h, c]

    def get_config(self) -> dict:
        return {**super().get_config(), "unit_forget_bias": self.unit_forget_bias}


# --------------------------------------------------------------------------
# GRU, blocks z, r, h; reset_after=True is Keras' (and cuDNN's) default
# --------------------------------------------------------------------------


@keras.saving.register_keras_serializable(package="rnnkit")
class GRUCell(_GatedCell):
    r"""Gated recurrent unit, one step.

    .. math::
        z = \sigma(x W_z + h W'_z + b_z), \quad r = \sigma(x W_r + h W'_r + b_r) \\
        \tilde h = \tanh(x W_h + r \odot (h W'_h + b'_h) + b_h), \quad h_t = z h_{t-1} + (1 - z) \tilde h

    Weights (same as ``keras.layers.GRUCell``): ``kernel`` (D, 3H),
    ``recurrent_kernel`` (H, 3H), blocks z, r, h; ``bias`` (2, 3H) with
    ``reset_after=True`` (row 0 for the input part, row 1 for the recurrent
    part) or (3H,) with ``reset_after=False`` (reset applied to ``h`` before
    its matmul, as in Cho et al., 2014).

    Args:
        units: H (a positive int).
        activation, recurrent_activation: for the candidate and the gates.
        use_bias: whether to add biases.
        reset_after: where the reset gate acts; default True, like Keras.
        kernel_initializer, recurrent_initializer, bias_initializer: as in Keras.
    """

    def __init__(self, units: int, reset_after: bool = True, **kwargs: Any) -> None:
        super().__init__(units, **kwargs)
        self.reset_after = _bool("reset_after", reset_after)

    def build(self, input_shape: Any) -> None:
        D = self._check_build_shape(input_shape)
        self._add_kernels(D, 3 * self.units)
        bias_shape = (2, 3 * self.units) if self.reset_after else (3 * self.units,)
        self.bias = (
            self.add_weight(shape=bias_shape, initializer=self.bias_initializer, name="bias")
            if self.use_bias
            else None
        )

    def step(self, x: Any, h_prev: Any) -> tuple[Any, list]:
        H = self.units
        xw = ops.matmul(x, self.kernel)  # xw: (N, 3H), blocks z | r | h
        if self.reset_after:
            hw = ops.matmul(h_prev, self.recurrent_kernel)  # hw: (N, 3H), one fused matmul
            if self.use_bias:
                xw, hw = xw + self.bias[0], hw + self.bias[1]
            x_z, x_r, x_h = ops.split(xw, 3, axis=-1)
            h_z, h_r, h_h = ops.split(hw, 3, axis=-1)
            z = self.recurrent_activation(x_z + h_z)  # update gate
            r = self.recurrent_activation(x_r + h_r)  # reset gate
            hh = self.activation(x_h + r * h_h)  # reset applied after the matmul
        else:
            if self.use_bias:
                xw = xw + self.bias
            x_z, x_r, x_h = ops.split(xw, 3, axis=-1)
            hw = ops.matmul(h_prev, self.recurrent_kernel[:, : 2 * H])  # (N, 2H): z and r only
            h_z, h_r = ops.split(hw, 2, axis=-1)
            z = self.recurrent_activation(x_z + h_z)
            r = self.recurrent_activation(x_r + h_r)
            hh = self.activation(x_h + ops.matmul(r * h_prev, self.recurrent_kernel[:, 2 * H :]))
        h = z * h_prev + (1.0 - z) * hh
        return h, [h]

    def get_config(self) -> dict:
        return {**super().get_config(), "reset_after": self.reset_after}


# --------------------------------------------------------------------------
# The new one: a layer-normalized LSTM (Ba, Kiros and Hinton, 2016)
# --------------------------------------------------------------------------


@keras.saving.register_keras_serializable(package="rnnkit")
class LayerNormLSTMCell(LSTMCell):
    r"""An LSTM whose gate pre-activations and cell output are layer-normalized.

    .. math::
        \mathrm{LN}(a; \gamma, \beta) = \gamma \odot \frac{a - \mu(a)}{\sqrt{\sigma^2(a) + \epsilon}} + \beta \\
        [z_i, z_f, z_c, z_o] = \mathrm{LN}(x_t W_x; \gamma_x) + \mathrm{LN}(h_{t-1} W_h; \gamma_h) + b \\
        c_t = \sigma(z_f) c_{t-1} + \sigma(z_i) \tanh(z_c), \quad
        h_t = \sigma(z_o) \tanh(\mathrm{LN}(c_t; \gamma_c, \beta_c))

    ``LN`` takes the mean and variance over the entries of one vector (per
    example and per step; the 4H gate pre-activations are one vector, as in
    Ba, Kiros and Hinton, 2016), so the gates see inputs of a steady scale
    however large the weights or the state grow. The cell state ``c_t`` is
    carried un-normalized; only the copy that makes ``h_t`` is normalized.

    Weights: ``kernel`` (D, 4H), ``recurrent_kernel`` (H, 4H), ``bias`` (4H,)
    as in ``LSTMCell`` (so an LSTM's weights can seed it), then the gains
    ``input_gamma`` (4H,), ``recurrent_gamma`` (4H,) and ``cell_gamma``,
    ``cell_beta`` (H,). Parameters: ``4H(D + H + 1) + 10H``.

    Args:
        units: H (a positive int).
        epsilon: added to the variance before the square root (positive).
        Everything else as in ``LSTMCell``.
    """

    def __init__(self, units: int, epsilon: float = 1e-3, **kwargs: Any) -> None:
        super().__init__(units, **kwargs)
        self.epsilon = _positive_float("epsilon", epsilon)

    def build(self, input_shape: Any) -> None:
        super().build(input_shape)
        H = self.units
        self.input_gamma = self.add_weight(shape=(4 * H,), initializer="ones", name="input_gamma")
        self.recurrent_gamma = self.add_weight(shape=(4 * H,), initializer="ones", name="recurrent_gamma")
        self.cell_gamma = self.add_weight(shape=(H,), initializer="ones", name="cell_gamma")
        self.cell_beta = self.add_weight(shape=(H,), initializer="zeros", name="cell_beta")

    def normalize(self, a: Any) -> Any:
        """``(a - mean) / sqrt(var + epsilon)`` over the last axis (the gain comes after)."""
        mean = ops.mean(a, axis=-1, keepdims=True)
        var = ops.mean(ops.square(a - mean), axis=-1, keepdims=True)
        return (a - mean) * ops.rsqrt(var + self.epsilon)

    def gates(self, x: Any, h_prev: Any) -> list:
        zx = self.normalize(ops.matmul(x, self.kernel)) * self.input_gamma  # (N, 4H)
        zh = self.normalize(ops.matmul(h_prev, self.recurrent_kernel)) * self.recurrent_gamma  # (N, 4H)
        z = zx + zh
        if self.use_bias:
            z = z + self.bias
        return ops.split(z, 4, axis=-1)

    def step(self, x: Any, h_prev: Any, c_prev: Any) -> tuple[Any, list]:
        z_i, z_f, z_c, z_o = self.gates(x, h_prev)
        i = self.recurrent_activation(z_i)
        f = self.recurrent_activation(z_f)
        o = self.recurrent_activation(z_o)
        c = f * c_prev + i * self.activation(z_c)  # carried as is
        c_norm = self.normalize(c) * self.cell_gamma + self.cell_beta  # normalized only to make h
        h = o * self.activation(c_norm)
        return h, [h, c]

    def get_config(self) -> dict:
        return {**super().get_config(), "epsilon": self.epsilon}
