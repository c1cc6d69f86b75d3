"""Truncated backpropagation through time with the recurrent state carried explicitly.

A long token stream is cut into chunks of ``seq_len`` steps (see
:func:`rnnkit.data.stream_batches`). Each training step runs the model on one
chunk starting from the states the previous chunk ended in, and backpropagates
only inside the chunk: the states come in as plain input arrays, so no gradient
crosses a chunk border. The forward pass therefore sees the whole stream, while
the backward pass costs memory and time for ``seq_len`` steps only.

The model must have the shape that :func:`build_lm` gives it::

    model([tokens, *initial_states]) -> [logits, *final_states]

We do not use ``stateful=True``: under the JAX backend of Keras 3.15 it
silently keeps no state during ``fit``. Passing states in and out works on
TensorFlow, JAX and PyTorch alike. The gradient step itself has no
backend-neutral form in Keras, so it is written once per backend in the
section "backend-specific training step" below: the only backend imports in
rnnkit.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from typing import Any

import keras
import numpy as np

from rnnkit._validate import positive_int

__all__ = ["build_lm", "zero_states", "TBPTTTrainer", "fit_tbptt", "evaluate_tbptt", "token_losses"]

_RNN_LAYERS: dict[str, Callable[..., keras.layers.Layer]] = {
    "lstm": keras.layers.LSTM,
    "gru": keras.layers.GRU,
    "simple_rnn": keras.layers.SimpleRNN,
}


def _state_sizes(layer: keras.layers.Layer) -> list[int]:
    size = layer.cell.state_size
    return [int(s) for s in size] if isinstance(size, (list, tuple)) else [int(size)]


def build_lm(
    vocab_size: int,
    *,
    units: int = 256,
    num_layers: int = 2,
    rnn: str | Callable[[int], keras.layers.Layer] = "lstm",
    embedding_dim: int | None = None,
    name: str = "lm",
) -> keras.Model:
    """A stacked recurrent language model whose states go in and come out.

    Args:
        vocab_size: number of token ids.
        units: hidden units of every recurrent layer.
        num_layers: how many recurrent layers to stack.
        rnn: ``"lstm"``, ``"gru"``, ``"simple_rnn"``, or a function ``units -> layer``
            returning a recurrent layer with ``return_sequences=True`` and
            ``return_state=True`` (e.g. ``keras.layers.RNN(cells.LSTMCell(units), ...)``).
        embedding_dim: size of the token embedding (default: ``units``).

    Returns:
        ``model([tokens (N, T) int32, *states (N, units)]) -> [logits (N, T, V), *states]``.
    """
    vocab_size = positive_int("vocab_size", vocab_size)
    units = positive_int("units", units)
    num_layers = positive_int("num_layers", num_layers)
    if isinstance(rnn, str):
        if rnn not in _RNN_LAYERS:
            raise ValueError(f"rnn must be one of {sorted(_RNN_LAYERS)} or a function units -> layer; got {rnn!r}")
        make = _RNN_LAYERS[rnn]

        def factory(n: int) -> keras.layers.Layer:
            return make(n, return_sequences=True, return_state=True)
    else:
        factory = rnn
    tokens = keras.Input((None,), dtype="int32", name="tokens")
    x = keras.layers.Embedding(vocab_size, embedding_dim or units, name="embedding")(tokens)
    state_inputs: list[keras.KerasTensor] = []
    state_outputs: list[keras.KerasTensor] = []
    for k in range(num_layers):
        layer = factory(units)
        if not (getattr(layer, "return_sequences", False) and getattr(layer, "return_state", False)):
            raise ValueError(f"layer {k} must be built with return_sequences=True and return_state=True")
        ins = [keras.Input((s,), name=f"state_{k}_{j}") for j, s in enumerate(_state_sizes(layer))]
        x, *outs = layer(x, initial_state=ins)
        state_inputs += ins
        state_outputs += outs
    logits = keras.layers.Dense(vocab_size, name="logits")(x)
    return keras.Model([tokens, *state_inputs], [logits, *state_outputs], name=name)


def zero_states(model: keras.Model, batch_size: int) -> list[np.ndarray]:
    """All-zero initial states for ``model`` (built by :func:`build_lm`), one (N, units) array each."""
    batch_size = positive_int("batch_size", batch_size)
    return [np.zeros((batch_size, int(s.shape[-1])), dtype="float32") for s in model.inputs[1:]]


def _check_contract(model: keras.Model) -> None:
    if len(model.inputs) < 2 or len(model.outputs) != len(model.inputs):
        raise ValueError(
            "the model must map [tokens, *states] to [logits, *states] (as build_lm does); "
            f"got {len(model.inputs)} input(s) and {len(model.outputs)} output(s)"
        )


# --------------------------------------------------------------------------
# Backend-specific training step: the only place rnnkit imports a backend.
# Each returns step(x, y, states) -> (loss, new_states) and
# grads(x, y, states) -> (loss, gradients, new_states).
# --------------------------------------------------------------------------


def _tensorflow_fns(model: keras.Model, optimizer: keras.optimizers.Optimizer, loss_fn: Callable) -> tuple:
    import tensorflow as tf

    def grads(x: Any, y: Any, states: list) -> tuple:
        with tf.GradientTape() as tape:
            logits, *new_states = model([x, *states], training=True)
            loss = loss_fn(y, logits)
        return loss, tape.gradient(loss, model.trainable_variables), new_states

    @tf.function(reduce_retracing=True)
    def step(x: Any, y: Any, states: list) -> tuple:
        loss, g, new_states = grads(x, y, states)
        optimizer.apply(g, model.trainable_variables)
        return loss, new_states

    return step, grads, lambda: None


def _jax_fns(model: keras.Model, optimizer: keras.optimizers.Optimizer, loss_fn: Callable) -> tuple:
    import jax

    def compute(trainable: list, non_trainable: list, x: Any, y: Any, states: list) -> tuple:
        (logits, *new_states), non_trainable = model.stateless_call(trainable, non_trainable, [x, *states], training=True)
        return loss_fn(y, logits), (new_states, non_trainable)

    value_and_grad = jax.value_and_grad(compute, has_aux=True)
    jitted_grads = jax.jit(value_and_grad)

    @jax.jit
    def jitted(values: tuple, x: Any, y: Any, states: list) -> tuple:
        trainable, non_trainable, opt_vars = values
        (loss, (new_states, non_trainable)), g = value_and_grad(trainable, non_trainable, x, y, states)
        trainable, opt_vars = optimizer.stateless_apply(opt_vars, g, trainable)
        return loss, new_states, (trainable, non_trainable, opt_vars)

    held: dict[str, tuple | None] = {"values": None}  # JAX arrays are immutable: the step passes values along

    def current() -> tuple:
        if held["values"] is None:
            held["values"] = (
                [v.value for v in model.trainable_variables],
                [v.value for v in model.non_trainable_variables],
                [v.value for v in optimizer.variables],
            )
        return held["values"]

    def step(x: Any, y: Any, states: list) -> tuple:
        loss, new_states, held["values"] = jitted(current(), x, y, states)
        return loss, new_states

    def grads(x: Any, y: Any, states: list) -> tuple:
        trainable, non_trainable, _ = current()
        (loss, (new_states, _)), g = jitted_grads(trainable, non_trainable, x, y, states)
        return loss, g, new_states

    def sync() -> None:  # write the trained values back into the Keras variables
        if held["values"] is not None:
            trainable, non_trainable, opt_vars = held["values"]
            for variables, values in ((model.trainable_variables, trainable), (model.non_trainable_variables, non_trainable),
                                      (optimizer.variables, opt_vars)):
                for v, a in zip(variables, values):
                    v.assign(a)
            held["values"] = None

    return step, grads, sync


def _torch_fns(model: keras.Model, optimizer: keras.optimizers.Optimizer, loss_fn: Callable) -> tuple:
    import torch

    def grads(x: Any, y: Any, states: list) -> tuple:
        logits, *new_states = model([x, *states], training=True)
        loss = loss_fn(y, logits)
        model.zero_grad()
        loss.backward()
        g = [v.value.grad for v in model.trainable_variables]
        return loss.detach(), g, [s.detach() for s in new_states]  # detach: the gradient stops at the border

    def step(x: Any, y: Any, states: list) -> tuple:
        loss, g, new_states = grads(x, y, states)
        with torch.no_grad():
            optimizer.apply(g, model.trainable_variables)
        return loss, new_states

    return step, grads, lambda: None


_BACKEND_FNS = {"tensorflow": _tensorflow_fns, "jax": _jax_fns, "torch": _torch_fns}


class TBPTTTrainer:
    """One optimisation step per chunk, with states passed in and out explicitly.

    Args:
        model: a model of the form ``[tokens, *states] -> [logits, *states]`` (see :func:`build_lm`).
        optimizer: a Keras optimizer or its name. Clip gradients with the
            optimizer's own ``global_clipnorm``.
        loss: a Keras loss on ``(targets, logits)``; default sparse categorical
            cross-entropy from logits (nats per token).
    """

    def __init__(self, model: keras.Model, optimizer: str | keras.optimizers.Optimizer = "adam", loss: Callable | None = None):
        _check_contract(model)
        backend = keras.backend.backend()
        if backend not in _BACKEND_FNS:
            raise ValueError(f"truncated BPTT supports the backends {sorted(_BACKEND_FNS)}; this is {backend!r}")
        self.model = model
        self.optimizer = keras.optimizers.get(optimizer)
        self.optimizer.build(model.trainable_variables)
        self.loss_fn = loss or keras.losses.SparseCategoricalCrossentropy(from_logits=True)
        self._step, self._grads, self._sync = _BACKEND_FNS[backend](model, self.optimizer, self.loss_fn)

    @staticmethod
    def _tensors(x: np.ndarray, y: np.ndarray, states: Sequence[Any]) -> tuple:
        convert = keras.ops.convert_to_tensor
        return convert(np.asarray(x, dtype="int32")), convert(np.asarray(y, dtype="int32")), [convert(s) for s in states]

    def train_step(self, x: np.ndarray, y: np.ndarray, states: Sequence[Any]) -> tuple[float, list]:
        """Update the weights on one chunk; return its loss and the states to carry into the next."""
        loss, new_states = self._step(*self._tensors(x, y, states))
        return float(keras.ops.convert_to_numpy(loss)), list(new_states)

    def gradients(self, x: np.ndarray, y: np.ndarray, states: Sequence[Any]) -> tuple[float, list[np.ndarray], list]:
        """Loss and gradients of one chunk (in ``model.trainable_variables`` order) without updating."""
        loss, g, new_states = self._grads(*self._tensors(x, y, states))
        return float(keras.ops.convert_to_numpy(loss)), [keras.ops.convert_to_numpy(a) for a in g], list(new_states)

    def sync(self) -> None:
        """Make the Keras variables hold the trained weights (needed under JAX before predicting or saving)."""
        self._sync()


def _stream(ids: np.ndarray, batch_size: int, seq_len: int) -> Iterator[tuple[np.ndarray, np.ndarray]]:
    from rnnkit.data import stream_batches

    return iter(stream_batches(ids, batch_size, seq_len))


def _chunk_count(ids: np.ndarray, batch_size: int, seq_len: int) -> int:
    return ((len(ids) - 1) // batch_size) // seq_len


def token_losses(
    model: keras.Model, ids: np.ndarray, *, batch_size: int, seq_len: int, carry_state: bool = True
) -> tuple[np.ndarray, np.ndarray]:
    """The loss (nats) of every scored token of the stream ``ids``, and where each token is in ``ids``.

    The stream is laid out as ``batch_size`` rows and read in chunks of ``seq_len``
    steps, as in training (see :func:`rnnkit.data.stream_batches`). With ``carry_state``
    each chunk starts where the previous one ended, so every prediction sees the whole
    history of its row, as it would in one long pass; without it every chunk starts
    from zero states. The tokens at the end of each row that do not fill a whole chunk
    are not scored; ``batch_size=1`` scores all but the last ``seq_len - 1`` at most.

    Returns:
        ``(losses, positions)``, both (n_scored,): ``losses[i]`` is ``-ln p`` of the token
        ``ids[positions[i]]``, sorted by position.
    """
    _check_contract(model)
    batch_size = positive_int("batch_size", batch_size)
    seq_len = positive_int("seq_len", seq_len)
    ids = np.asarray(ids)
    if ids.ndim != 1 or len(ids) < batch_size * seq_len + 1:
        raise ValueError(f"the stream of {len(ids)} tokens is too short for one chunk of {batch_size} x {seq_len}")
    R = (len(ids) - 1) // batch_size  # steps per row, as stream_batches lays them out
    states = zero_states(model, batch_size)
    losses = []
    for x, y in _stream(ids, batch_size, seq_len):
        logits, *new_states = model.predict_on_batch([np.asarray(x, dtype="int32"), *states])
        logits = np.asarray(logits, dtype=np.float64)  # (N, S, V)
        logits -= logits.max(axis=-1, keepdims=True)
        logp = logits - np.log(np.exp(logits).sum(axis=-1, keepdims=True))
        losses.append(-np.take_along_axis(logp, np.asarray(y)[..., None], axis=-1)[..., 0])  # (N, S)
        states = [np.asarray(s) for s in new_states] if carry_state else zero_states(model, batch_size)
    losses = np.concatenate(losses, axis=1)  # (N, scored steps per row)
    steps = losses.shape[1]
    positions = np.arange(batch_size)[:, None] * R + np.arange(steps) + 1  # the target of step t of row r
    return losses.ravel(), positions.ravel()


def evaluate_tbptt(model: keras.Model, ids: np.ndarray, *, batch_size: int, seq_len: int, carry_state: bool = True) -> float:
    """Mean cross-entropy (nats per token) of ``model`` over the stream ``ids``, chunk by chunk.

    With ``carry_state`` each chunk starts where the previous one ended, so every
    prediction sees the whole history before it, as it would in one long pass.
    :func:`token_losses` gives the loss of every token instead of the mean.
    """
    return float(token_losses(model, ids, batch_size=batch_size, seq_len=seq_len, carry_state=carry_state)[0].mean())


def fit_tbptt(
    model: keras.Model,
    train_ids: np.ndarray,
    *,
    batch_size: int,
    seq_len: int,
    epochs: int = 1,
    optimizer: str | keras.optimizers.Optimizer = "adam",
    carry_state: bool = True,
    validation_ids: np.ndarray | None = None,
    validation_batch_size: int | None = None,
    max_steps: int | None = None,
    verbose: int = 1,
    on_epoch_end: Callable[[int, dict[str, float]], None] | None = None,
) -> keras.callbacks.History:
    """Train ``model`` on a token stream by truncated BPTT; returns a History like ``fit``.

    Every epoch lays ``train_ids`` out as ``batch_size`` parallel rows and walks
    through them in chunks of ``seq_len`` steps. The states start at zero at the
    start of every epoch (where the stream starts over) and, with
    ``carry_state=True``, flow from each chunk into the next; with
    ``carry_state=False`` every chunk starts from zero (the ablation).

    Args:
        validation_ids: a stream scored after every epoch with :func:`evaluate_tbptt`
            (``"val_loss"``), in chunks of ``seq_len``, the state carried as in training.
        validation_batch_size: the rows it is laid out in (default ``batch_size``). Fewer
            rows mean fewer rows that start from a zero state and fewer tokens left unscored
            at the row ends.
        max_steps: stop each epoch after this many chunks (for quick runs).
        verbose: 1 shows a Keras progress bar, 0 is silent.
        on_epoch_end: called as ``on_epoch_end(epoch, logs)``, e.g. to sample text.

    Returns:
        ``history.history`` has ``"loss"`` (mean training loss per epoch, nats per
        token) and, with ``validation_ids``, ``"val_loss"``.
    """
    batch_size = positive_int("batch_size", batch_size)
    seq_len = positive_int("seq_len", seq_len)
    epochs = positive_int("epochs", epochs)
    if validation_batch_size is not None:
        validation_batch_size = positive_int("validation_batch_size", validation_batch_size)
    train_ids = np.asarray(train_ids)
    chunks = _chunk_count(train_ids, batch_size, seq_len)
    if chunks < 1:
        raise ValueError(f"train_ids holds {len(train_ids)} tokens: too few for one chunk of {batch_size} rows x {seq_len} steps")
    steps = min(chunks, max_steps) if max_steps else chunks
    trainer = TBPTTTrainer(model, optimizer)
    history = keras.callbacks.History()
    history.set_model(model)
    history.on_train_begin()
    for epoch in range(epochs):
        bar = keras.utils.Progbar(steps, verbose=verbose, stateful_metrics=["val_loss"]) if verbose else None
        if verbose:
            print(f"Epoch {epoch + 1}/{epochs}")
        states = zero_states(model, batch_size)  # the stream starts over: so does the memory
        losses = []
        for k, (x, y) in enumerate(_stream(train_ids, batch_size, seq_len)):
            if k == steps:
                break
            loss, new_states = trainer.train_step(x, y, states)
            states = new_states if carry_state else zero_states(model, batch_size)
            losses.append(loss)
            if bar is not None and k < steps - 1:
                bar.update(k + 1, [("loss", loss)])
        trainer.sync()
        logs = {"loss": float(np.mean(losses))}
        if validation_ids is not None:
            logs["val_loss"] = evaluate_tbptt(model, validation_ids, batch_size=validation_batch_size or batch_size,
                                              seq_len=seq_len, carry_state=carry_state)
        if bar is not None:
            bar.update(steps, [("loss", losses[-1])] + [(k, v) for k, v in logs.items() if k != "loss"])
        history.on_epoch_end(epoch, logs)
        if on_epoch_end is not None:
            on_epoch_end(epoch, logs)
    return history
