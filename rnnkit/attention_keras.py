"""The Keras side of notebook 15: encoder-decoders with and without attention.

* ``TeacherForcingBatches``: a ``keras.utils.PyDataset`` of length-bucketed batches
  for teacher forcing. Pairs of similar output length share a batch, and each batch
  is cut to its own length (rounded up), so a 10-character answer is not padded to 150.
* ``build_seq2seq``: the training model, with ``attention=None`` the plain
  encoder-decoder of notebook 11 (here with GRUs), with ``attention="dot"`` or
  ``"additive"`` the same model whose output layer also reads a context vector:
  attention over every encoder state (Luong et al., 2015).
* ``inference_models``: the inference encoder and the one-step decoder, built from a
  trained (or loaded) training model's layers, for the greedy loops.
* ``greedy_decode_attention``: greedy decoding for the attention models; it also
  returns the attention weights of every step. (The plain models use
  :func:`rnnkit.seq2seq.greedy_decode`.)

Only built-in Keras layers are used, so a ``.keras`` file needs no custom objects,
and everything runs on the TensorFlow, JAX and PyTorch backends. The layer names are
fixed ("enc_embed", "enc_gru", "dec_embed", "dec_gru", "attention", "combine", "head"):
``inference_models`` finds the layers by name.

Usage::

    from rnnkit import attention_keras as ak

    model = ak.build_seq2seq(len(src_vocab), len(tgt_vocab), units=64, attention="dot")
    model.compile("adam", "sparse_categorical_crossentropy", weighted_metrics=["accuracy"])
    model.fit(ak.TeacherForcingBatches(x_train, y_train, 64, start_id=2, shuffle_seed=0), epochs=10)
    encoder, decoder = ak.inference_models(model)
    ids, weights = ak.greedy_decode_attention(encoder, decoder, x_test, start_id=2, end_id=3, max_len=150)
"""

from __future__ import annotations

from typing import Any

import keras
import numpy as np
from keras import layers

from rnnkit import seq2seq as s2s
from rnnkit._validate import int_at_least, positive_int

__all__ = ["ATTENTION_KINDS", "TeacherForcingBatches", "build_seq2seq", "inference_models", "greedy_decode_attention"]

#: The values ``build_seq2seq(attention=...)`` accepts: no attention, dot-product, additive.
ATTENTION_KINDS = (None, "dot", "additive")


def _ids(name: str, value: Any) -> np.ndarray:
    arr = np.asarray(value)
    if arr.ndim != 2 or (arr.size and not np.issubdtype(arr.dtype, np.integer)):
        raise ValueError(f"{name} must be a 2-D array of integer ids (N, T); received {arr.dtype} array of shape {arr.shape}")
    return arr


# --------------------------------------------------------------------------
# Batches of similar length
# --------------------------------------------------------------------------


class TeacherForcingBatches(keras.utils.PyDataset):
    """Length-bucketed teacher-forcing batches: ``((source, decoder input), target, loss mask)``.

    The pairs are sorted by target length (ties in random order) and cut into batches
    of ``batch_size``, so each batch holds targets of similar length; each batch is
    then cut to its longest target, rounded up to a multiple of ``round_to`` (few
    distinct shapes: fewer traces and compilations). With ``shuffle_seed`` the batch
    order is shuffled, and new batches are drawn after every epoch.

    Keras' TensorFlow backend learns which axes of a ``PyDataset``'s batches vary from
    the first two batches only, so batch 0 is always the odd-sized last batch (if any)
    and batch 1 has another length than batch 0.

    Args:
        x: (N, T_in) source ids, padded with 0.
        y: (N, T_out) target ids with ``END`` after the last character, padded with ``pad_id``.
        batch_size: pairs per batch (the last batch may be smaller).
        start_id: the ``[START]`` id that begins every decoder input.
        pad_id: the padding id (0); the loss mask is ``target != pad_id``.
        shuffle_seed: ``None`` keeps a fixed order (validation); an int shuffles, reproducibly.
        round_to: each batch's length is rounded up to a multiple of this (capped at ``T_out``).
    """

    def __init__(
        self,
        x: Any,
        y: Any,
        batch_size: int,
        *,
        start_id: int,
        pad_id: int = 0,
        shuffle_seed: int | None = None,
        round_to: int = 16,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.x = _ids("x", x)
        self.y = _ids("y", y)
        if len(self.x) != len(self.y) or len(self.y) == 0:
            raise ValueError(f"x and y must hold the same number of pairs (at least one); received {len(self.x)} and {len(self.y)}")
        self.batch_size = positive_int("batch_size", batch_size)
        self.start_id = int_at_least("start_id", start_id, 0)
        self.pad_id = int_at_least("pad_id", pad_id, 0)
        self.round_to = positive_int("round_to", round_to)
        if shuffle_seed is not None:
            int_at_least("shuffle_seed", shuffle_seed, 0)
        self.shuffle_seed = shuffle_seed
        self._rng = np.random.default_rng(shuffle_seed) if shuffle_seed is not None else None
        self.lengths = (self.y != self.pad_id).sum(axis=1)  # lengths: (N,) target tokens, END included
        self.batches: list[np.ndarray] = []
        self._make_batches()

    def _width(self, idx: np.ndarray) -> int:
        longest = int(self.lengths[idx].max())
        return min(self.y.shape[1], -(-longest // self.round_to) * self.round_to)

    def _make_batches(self) -> None:
        ties = self._rng.random(len(self.lengths)) if self._rng is not None else np.zeros(len(self.lengths))
        order = np.argsort(self.lengths + 0.5 * ties, kind="stable")  # by length; equal lengths in random order
        batches = [order[i : i + self.batch_size] for i in range(0, len(order), self.batch_size)]
        if self._rng is not None:
            self._rng.shuffle(batches)
        # what TensorFlow's adapter sees first: the odd-sized batch, then one of another length
        odd = [i for i, b in enumerate(batches) if len(b) != self.batch_size]
        if odd:
            batches.insert(0, batches.pop(odd[0]))
        other = next((i for i in range(1, len(batches)) if self._width(batches[i]) != self._width(batches[0])), None)
        if other is not None and other != 1:
            batches[1], batches[other] = batches[other], batches[1]
        self.batches = batches

    def __len__(self) -> int:
        return len(self.batches)

    def __getitem__(self, i: int) -> tuple[tuple[np.ndarray, np.ndarray], np.ndarray, np.ndarray]:
        idx = self.batches[i]
        target = self.y[idx, : self._width(idx)]  # target: (B, T) cut to this batch's length
        decoder_input = s2s.shift_right(target, self.start_id)  # decoder_input: (B, T)
        weights = (target != self.pad_id).astype("float32")  # weights: (B, T) the loss mask
        return (self.x[idx], decoder_input), target, weights

    def on_epoch_end(self) -> None:
        if self._rng is not None:
            self._make_batches()


# --------------------------------------------------------------------------
# The models
# --------------------------------------------------------------------------


def _attention_layer(kind: str) -> layers.Layer:
    if kind == "dot":
        return layers.Attention(name="attention")  # score = q . k, no scale (Keras' default)
    return layers.AdditiveAttention(name="attention")  # score = w . tanh(q + k)


def build_seq2seq(
    src_vocab_size: int,
    tgt_vocab_size: int,
    *,
    units: int = 64,
    embed_dim: int = 32,
    attention: str | None = None,
    name: str | None = None,
) -> keras.Model:
    """The teacher-forcing training model ``[source (N, T_in), decoder input (N, T_out)] -> probs (N, T_out, V)``.

    Both kinds share everything but the context: an embedding (``mask_zero=True``) and a
    GRU read the source; a GRU started from the encoder's final state reads the decoder
    input; a ``tanh`` layer ("combine", ``units`` wide) and a softmax ("head") give the
    next-character probabilities. With ``attention`` the combine layer reads
    ``[decoder state, context]``, the context being attention from each decoder state
    (query) over every encoder state (keys and values), padding masked; without, it
    reads the decoder state alone.

    Args:
        src_vocab_size, tgt_vocab_size: vocabulary sizes (ids 0 .. V-1, 0 = padding).
        units: the size of both GRUs and of the combine layer.
        embed_dim: the size of both embeddings.
        attention: ``None``, ``"dot"`` (``keras.layers.Attention``) or ``"additive"``
            (``keras.layers.AdditiveAttention``).
        name: the model's name (default "encoder_decoder" or "attention_encoder_decoder").
    """
    src_vocab_size = positive_int("src_vocab_size", src_vocab_size)
    tgt_vocab_size = positive_int("tgt_vocab_size", tgt_vocab_size)
    units = positive_int("units", units)
    embed_dim = positive_int("embed_dim", embed_dim)
    if attention not in ATTENTION_KINDS:
        raise ValueError(f"attention must be one of {ATTENTION_KINDS}; received {attention!r}")
    source = keras.Input((None,), dtype="int32", name="source")  # source: (N, T_in)
    memory, h = layers.GRU(units, return_sequences=True, return_state=True, name="enc_gru")(
        layers.Embedding(src_vocab_size, embed_dim, mask_zero=True, name="enc_embed")(source)
    )  # memory: (N, T_in, units) every encoder state, padding masked; h: (N, units)
    tokens = keras.Input((None,), dtype="int32", name="decoder_input")  # tokens: (N, T_out)
    states, _ = layers.GRU(units, return_sequences=True, return_state=True, name="dec_gru")(
        layers.Embedding(tgt_vocab_size, embed_dim, name="dec_embed")(tokens), initial_state=h
    )  # states: (N, T_out, units)
    if attention is None:
        features = states
    else:
        # the weights are asked for here too: a layer called both with and without them cannot be in one graph
        context, _ = _attention_layer(attention)([states, memory], return_attention_scores=True)  # (N, T_out, units)
        features = layers.Concatenate(name="concat")([states, context])  # (N, T_out, 2 units)
    combined = layers.Dense(units, activation="tanh", name="combine")(features)
    probs = layers.Dense(tgt_vocab_size, activation="softmax", name="head")(combined)  # probs: (N, T_out, V)
    default = "encoder_decoder" if attention is None else "attention_encoder_decoder"
    return keras.Model([source, tokens], probs, name=name or default)


def inference_models(model: keras.Model) -> tuple[keras.Model, keras.Model]:
    """The inference encoder and one-step decoder that share ``model``'s trained layers.

    For a plain model (the contract of :func:`rnnkit.seq2seq.greedy_decode`):

    * encoder: ``source (N, T_in) -> h (N, units)``;
    * decoder: ``[token (N, 1), h] -> [probs (N, 1, V), h']``.

    For an attention model (the contract of :func:`greedy_decode_attention`):

    * encoder: ``source -> [memory (N, T_in, units), h]``;
    * decoder: ``[token (N, 1), memory, memory_mask (N, T_in) bool, h] -> [probs, h', weights (N, 1, T_in)]``.
      The mask is an input because the encoder's mask does not travel through a model's outputs.
    """
    names = {layer.name for layer in model.layers}
    needed = {"enc_embed", "enc_gru", "dec_embed", "dec_gru", "combine", "head"}
    if not needed <= names:
        raise ValueError(f"model must be built by build_seq2seq (layers {sorted(needed)}); it lacks {sorted(needed - names)}")
    get = model.get_layer
    with_attention = "attention" in names
    units = get("dec_gru").units
    source = keras.Input((None,), dtype="int32", name="source")
    memory, h = get("enc_gru")(get("enc_embed")(source))
    encoder = keras.Model(source, [memory, h] if with_attention else h, name="inference_encoder")

    token = keras.Input((1,), dtype="int32", name="token")  # token: (N, 1)
    h_in = keras.Input((units,), name="h")  # h_in: (N, units)
    state, h_out = get("dec_gru")(get("dec_embed")(token), initial_state=h_in)  # state: (N, 1, units)
    if not with_attention:
        probs = get("head")(get("combine")(state))
        return encoder, keras.Model([token, h_in], [probs, h_out], name="one_step_decoder")
    memory_in = keras.Input((None, units), name="memory")  # memory_in: (N, T_in, units)
    mask_in = keras.Input((None,), dtype="bool", name="memory_mask")  # mask_in: (N, T_in), True = a real digit
    context, weights = get("attention")([state, memory_in], mask=[None, mask_in], return_attention_scores=True)
    probs = get("head")(get("combine")(get("concat")([state, context])))  # probs: (N, 1, V)
    decoder = keras.Model([token, memory_in, mask_in, h_in], [probs, h_out, weights], name="one_step_attention_decoder")
    return encoder, decoder


# --------------------------------------------------------------------------
# Greedy decoding with attention
# --------------------------------------------------------------------------


def greedy_decode_attention(
    encoder: keras.Model,
    decoder: keras.Model,
    inputs: Any,
    *,
    start_id: int,
    end_id: int,
    max_len: int,
    pad_id: int = 0,
) -> tuple[np.ndarray, np.ndarray]:
    """Greedy decoding for an attention model; also returns where each step looked.

    The loop of :func:`rnnkit.seq2seq.greedy_decode`, with the encoder's states (the
    memory) and their padding mask handed to the decoder at every step:
    ``encoder(inputs) -> [memory, h]`` and
    ``decoder([tokens, memory, mask, h]) -> [probs, h, weights]`` (see :func:`inference_models`).

    Args:
        inputs: (N, T_in) source ids, padded with ``pad_id``.

    Returns:
        ``ids`` (N, max_len) int32: the chosen tokens, ``end_id`` included, ``pad_id`` after it;
        ``weights`` (N, max_len, T_in) float32: the attention weights of each step, 0 after ``end_id``.
    """
    inputs = _ids("inputs", inputs)
    max_len = int_at_least("max_len", max_len, 1)
    outs = encoder.predict_on_batch(inputs)
    n, t_in = inputs.shape
    if not isinstance(outs, (list, tuple)) or len(outs) != 2:
        raise ValueError("the encoder must return two arrays, [memory (N, T_in, units), h (N, units)] (an attention model's "
                         f"inference encoder); received {type(outs).__name__}"
                         + (f" of {len(outs)}" if isinstance(outs, (list, tuple)) else f" of shape {np.shape(outs)}"))
    memory, h = (keras.ops.convert_to_numpy(a) for a in outs)
    if memory.shape[:2] != (n, t_in) or h.shape[0] != n:
        raise ValueError(f"the encoder must return [memory (N, T_in, units), h (N, units)] with (N, T_in) = {(n, t_in)}; "
                         f"received shapes {memory.shape} and {h.shape}")
    mask = inputs != pad_id  # mask: (N, T_in)
    tokens = np.full((n, 1), start_id, dtype=np.int32)  # tokens: (N, 1)
    ids = np.full((n, max_len), pad_id, dtype=np.int32)  # ids: (N, max_len)
    weights = np.zeros((n, max_len, t_in), dtype=np.float32)  # weights: (N, max_len, T_in)
    done = np.zeros(n, dtype=bool)
    for t in range(max_len):
        probs, h, w = (keras.ops.convert_to_numpy(a) for a in decoder.predict_on_batch([tokens, memory, mask, h]))
        next_ids = np.where(done, pad_id, probs[:, 0].argmax(axis=-1)).astype(np.int32)  # next_ids: (N,)
        ids[:, t] = next_ids
        weights[~done, t] = w[~done, 0]
        done |= next_ids == end_id
        if done.all():
            break
        tokens = next_ids[:, None]
    return ids, weights
