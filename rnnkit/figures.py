"""Figure helpers that are not the lesson: the notebooks call them in one line.

``seed_band`` draws a measurement repeated over seeds: the mean as a line and the
range from the lowest to the highest seed as a shaded band, so a reader sees at once
whether two curves are further apart than one curve is from itself.

The diagrams of notebooks 01-05 (each returns its matplotlib figure; the notebook calls
``plt.show()``):

* ``tensor_stack``: a batch ``(N, T, D)`` as stacked slices, one time step highlighted;
* ``embedding_lookup``: ``one_hot(ids) @ E = E[ids]`` for one sentence;
* ``task_shapes``: one-to-one, one-to-many, many-to-one, aligned and encoder-decoder;
* ``rolled_unrolled`` and ``stacked_and_bidirectional``: box-and-arrow RNN pictures;
* ``neuron_diagram``: a tiny RNN neuron by neuron, with the numbers of a forward pass;
* ``bptt_paths``: the way one loss's gradient travels back through the unrolled RNN;
* ``padded_batch``: a padded batch of token ids, words in their cells, padding greyed out (01);
* ``lstm_cell``: one LSTM step, the cell state drawn as a belt (05).

They share one palette (``COLORS``): blue inputs, green recurrent cells, orange outputs,
grey feed-forward layers and given states, pink the backward RNN.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import matplotlib.pyplot as plt
import numpy as np
from matplotlib import colors as matplotlib_colors
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Circle, FancyArrowPatch, FancyBboxPatch, Patch, Rectangle

__all__ = [
    "seed_band",
    "COLORS",
    "tensor_stack",
    "embedding_lookup",
    "task_shapes",
    "rolled_unrolled",
    "stacked_and_bidirectional",
    "neuron_diagram",
    "bptt_paths",
    "padded_batch",
    "lstm_cell",
    "data_parallel",
]


def seed_band(ax: Any, x: Any, runs: Any, *, label: str, color: str | None = None, **line_kwargs: Any) -> Any:
    """Plot the mean of ``runs`` over seeds as a line and their min–max as a band.

    Args:
        ax: a matplotlib ``Axes``.
        x: (T,) the x positions (steps, epochs, lengths).
        runs: (S, T) one row per seed. Missing points (``NaN``) are ignored per column.
        label: the legend label; the number of seeds is added to it.
        color: the colour of line and band (matplotlib's next colour if ``None``).
        **line_kwargs: passed on to ``ax.plot`` (e.g. ``marker="o"``, ``ls="--"``).

    Returns:
        The line (a matplotlib ``Line2D``).
    """
    x = np.asarray(x, dtype=np.float64)
    runs = np.asarray(runs, dtype=np.float64)
    if runs.ndim == 1:
        runs = runs[None, :]
    if x.ndim != 1 or runs.ndim != 2 or runs.shape[1] != x.shape[0]:
        raise ValueError(f"runs must have shape (seeds, {x.shape[0] if x.ndim == 1 else 'T'}) for x of shape {x.shape}, "
                         f"received {runs.shape}")
    if np.isnan(runs).all(axis=0).any():
        raise ValueError("every x position needs at least one finite value over the seeds")
    mean = np.nanmean(runs, axis=0)
    n = runs.shape[0]
    (line,) = ax.plot(x, mean, label=f"{label} (mean of {n} seed{'s' if n > 1 else ''})", color=color, **line_kwargs)
    if n > 1:
        ax.fill_between(x, np.nanmin(runs, axis=0), np.nanmax(runs, axis=0), color=line.get_color(), alpha=0.2, lw=0)
    return line


# --------------------------------------------------------------------------
# Diagrams of notebooks 01-03: boxes, arrows and neurons, drawn from data
# --------------------------------------------------------------------------
#
# One palette for every diagram: what a colour means in one picture it means in all of them.
COLORS = {
    "in": "#cfe2f3",     # an input at a step
    "cell": "#d9ead3",   # the recurrent cell (one set of weights, reused at every step)
    "out": "#fce5cd",    # an output at a step
    "dense": "#e0e0e0",  # a feed-forward layer: no state, no recurrence
    "state": "#eeeeee",  # a given state (h_0)
    "bwd": "#ead1dc",    # the backward RNN of a bidirectional layer
}
GREEN, PINK, RED = "#38761d", "#a64d79", "#c0392b"  # hidden state forward, backward RNN, gradient
_BW, _BH = 1.0, 0.62  # box width and height, in data units


def _new_axes(figsize: tuple[float, float]) -> tuple[Figure, Axes]:
    fig, ax = plt.subplots(figsize=figsize)
    return fig, ax


def _finish(ax: Axes, xlim: tuple[float, float], ylim: tuple[float, float]) -> None:
    ax.set_xlim(*xlim)
    ax.set_ylim(*ylim)
    ax.set_aspect("equal")
    ax.axis("off")


def _box(ax: Axes, x: float, y: float, text: str, kind: str, w: float = _BW, fontsize: float = 10) -> None:
    ax.add_patch(FancyBboxPatch((x - w / 2, y - _BH / 2), w, _BH, boxstyle="round,pad=0.02,rounding_size=0.12",
                                fc=COLORS[kind], ec="0.3", lw=1.0))
    ax.text(x, y, text, ha="center", va="center", fontsize=fontsize)


def _arrow(ax: Axes, x0: float, y0: float, x1: float, y1: float, color: str = "0.25", label: str | None = None,
           lw: float = 1.3) -> None:
    ax.add_patch(FancyArrowPatch((x0, y0), (x1, y1), arrowstyle="-|>", mutation_scale=12, color=color, lw=lw,
                                 shrinkA=0, shrinkB=0))
    if label and y0 == y1:  # horizontal arrow: label above
        ax.text((x0 + x1) / 2, y0 + 0.1, label, ha="center", va="bottom", fontsize=9, color=color)
    elif label:  # vertical arrow: label on the left
        ax.text(x0 - 0.08, (y0 + y1) / 2, label, ha="right", va="center", fontsize=9, color=color)


def _check_size(name: str, value: Any, low: int, high: int) -> int:
    """An int in [low, high]: the sizes a diagram can draw legibly."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, np.integer)) or not low <= value <= high:
        raise ValueError(f"{name} must be an int from {low} to {high} (what this diagram can draw); got {value!r}")
    return int(value)


def _as_array(name: str, a: Any, ndim: int, what: str) -> np.ndarray:
    arr = np.asarray(a, dtype=np.float64)
    if arr.ndim != ndim:
        raise ValueError(f"{name} must have shape {what}; got {arr.shape}")
    return arr


def tensor_stack(shape: tuple[int, int, int], *, t_highlight: int,
                 feature_names: Sequence[str] | None = None) -> Figure:
    """Draw a batch ``x`` of shape ``(N, T, D)`` as N stacked (T x D) slices, with ``x[:, t_highlight]`` in orange.

    Args:
        shape: ``(N, T, D)``, at most (8, 16, 8).
        t_highlight: the time index whose ``(N, D)`` slice is highlighted (0-based, as in ``x[:, t]``).
        feature_names: D names for the rows of a slice (default ``feature 0`` ...).

    Returns:
        The matplotlib figure.
    """
    if not isinstance(shape, (tuple, list)) or len(shape) != 3:
        raise ValueError(f"shape must be (N, T, D); got {shape!r}")
    N, T, D = (_check_size(n, v, 1, hi) for n, v, hi in zip("NTD", shape, (8, 16, 8), strict=True))
    if isinstance(t_highlight, bool) or not isinstance(t_highlight, (int, np.integer)) or not 0 <= t_highlight < T:
        raise ValueError(f"t_highlight must be a time index in [0, {T}); got {t_highlight!r}")
    names = [f"feature {d}" for d in range(D)] if feature_names is None else list(feature_names)
    if len(names) != D:
        raise ValueError(f"feature_names must have D = {D} names; got {len(names)}")
    fig, ax = _new_axes((9.5, 4.6))
    dx, dy = 0.45, 0.55  # offset of each slice further back
    for n in reversed(range(N)):  # the back slices first
        ox, oy = n * dx, n * dy
        for t in range(T):
            for d in range(D):
                fc = "#f6b26b" if t == t_highlight else "#dde8f5"
                ax.add_patch(Rectangle((ox + t, oy + (D - 1 - d)), 1, 1, fc=fc, ec="0.35", lw=0.8, zorder=N - n))
        ax.text(ox + T + 0.12, oy + 0.25, f"n={n}", fontsize=8.5, va="center", zorder=N + 1)
    for t in range(T):
        ax.text(t + 0.5, -0.35, f"t={t}", ha="center", va="top", fontsize=8.5)
    for d, name in enumerate(names):
        ax.text(-0.15, D - 1 - d + 0.5, name, ha="right", va="center", fontsize=8.5)
    ax.annotate("", xy=(T, -1.15), xytext=(0, -1.15), arrowprops=dict(arrowstyle="-|>", color="0.3"))
    ax.text(T / 2, -1.35, "time index t (axis 1)", ha="center", va="top", fontsize=9.5)
    ax.annotate("", xy=((N - 1) * dx + 0.35, (N - 1) * dy + D + 0.35), xytext=(0.0, D + 0.2),
                arrowprops=dict(arrowstyle="-|>", color="0.3"))
    ax.text(-0.2, D + 0.7, f"batch (axis 0):\nsequences n=0..{N - 1}", fontsize=9.5, ha="right")
    ax.text(-2.3, D / 2, "features\n(axis 2)", fontsize=9.5, ha="center", va="center", rotation=90)
    _finish(ax, (-3, T + N * dx + 1.2), (-2.1, D + N * dy + 0.8))
    ax.set_title(f"x with shape (N, T, D) = ({N}, {T}, {D}); orange: x[:, {t_highlight}], shape (N, D) = ({N}, {D})")
    return fig


def embedding_lookup(one_hot: Any, E: Any, words: Sequence[str], vocabulary: Sequence[str] | None = None) -> Figure:
    """Draw ``one_hot @ E = E[ids]`` for one sentence, framing the rows of ``E`` that are picked.

    Args:
        one_hot: (T, V), one row per step with a single 1 (at most 12 steps).
        E: (V, d), the embedding matrix (d at most 16).
        words: the T words, to label the rows.
        vocabulary: the V words in id order, to label the framed rows of ``E`` (ids only if ``None``).

    Returns:
        The matplotlib figure; one colour bar serves ``E`` and ``E[ids]``, which share a colour scale.
    """
    one_hot = _as_array("one_hot", one_hot, 2, "(T, V)")
    E = _as_array("E", E, 2, "(V, d)")
    T, V = one_hot.shape
    _check_size("T (steps of one_hot)", T, 1, 12)
    if E.shape[0] != V:
        raise ValueError(f"E must have shape (V, d) = ({V}, d) to match one_hot {one_hot.shape}; got {E.shape}")
    d = _check_size("d (columns of E)", E.shape[1], 1, 16)
    if not (np.isin(one_hot, (0.0, 1.0)).all() and (one_hot.sum(axis=1) == 1).all()):
        raise ValueError("one_hot must hold a single 1 in every row and 0 elsewhere")
    if len(words) != T:
        raise ValueError(f"words must have one word per step, T = {T}; got {len(words)}")
    if vocabulary is not None and len(vocabulary) != V:
        raise ValueError(f"vocabulary must have one word per id, V = {V}; got {len(vocabulary)}")
    ids = one_hot.argmax(axis=1)
    used = sorted(set(ids.tolist()))
    lim = float(np.abs(E).max()) or 1.0
    fig, axes = plt.subplots(1, 3, figsize=(13, 3.8), gridspec_kw=dict(width_ratios=[V, d + 1, d + 1], wspace=0.7))
    axes[0].imshow(one_hot, cmap="Greys", vmin=0, vmax=1.6, aspect="auto")
    axes[0].set(title=f"one_hot(ids): (T, V) = ({T}, {V}), dark = 1", xlabel="vocabulary id")
    axes[0].set_yticks(range(T), [f"t={t}: {w}" for t, w in enumerate(words)])
    axes[1].imshow(E, cmap="coolwarm", vmin=-lim, vmax=lim, aspect="auto")
    axes[1].set(title=f"E: (V, d) = ({V}, {d})", xlabel="embedding dimension")
    axes[1].set_yticks(used, [f"{i}: {vocabulary[i]}" if vocabulary is not None else str(i) for i in used], fontsize=8)
    for i in used:
        axes[1].add_patch(Rectangle((-0.5, i - 0.5), d, 1, fill=False, ec="k", lw=1.8))
    image = axes[2].imshow(E[ids], cmap="coolwarm", vmin=-lim, vmax=lim, aspect="auto")
    axes[2].set(title=f"E[ids]: (T, d) = ({T}, {d})", xlabel="embedding dimension")
    axes[2].set_yticks(range(T), list(words))
    for ax in axes:
        ax.grid(False)
    for ax in axes[1:]:
        ax.set_xticks(range(d))
    fig.colorbar(image, ax=list(axes[1:]), label="entry of E", fraction=0.05, pad=0.04)
    fig.canvas.draw()  # place "@" and "=" in the free space between the panels
    to_fig = fig.transFigure.inverted()
    for left, right, sign in [(axes[0], axes[1], "@"), (axes[1], axes[2], "=")]:
        x0 = left.get_tightbbox().transformed(to_fig).x1
        x1 = right.get_tightbbox().transformed(to_fig).x0
        fig.text((x0 + x1) / 2, 0.5, sign, fontsize=22, ha="center", va="center")
    fig.suptitle("An embedding lookup is a one-hot matrix times E: the framed rows of E are the ones picked", y=1.04)
    return fig


def _task(ax: Axes, x0: float, y0: float, inputs: Sequence[str | None], outputs: Sequence[str | None],
          title: str, shapes: str, cells: str | Sequence[str] = "RNN", kind: str = "cell",
          gap_after: int | None = None) -> None:
    """One task-shape diagram with its first step at (x0, y0); None = nothing at that step."""
    bw, step = 1.05, 1.45
    y_in, y_cell, y_out = 0.0, 1.25, 2.5
    n = len(inputs)
    names = [cells] * n if isinstance(cells, str) else list(cells)
    xs = [x0 + t * step + (0.6 if gap_after is not None and t > gap_after else 0) for t in range(n)]
    for t, xt in enumerate(xs):
        _box(ax, xt, y0 + y_cell, names[t], kind, w=bw, fontsize=9.5)
        if inputs[t] is not None:
            _box(ax, xt, y0 + y_in, str(inputs[t]), "in", w=bw, fontsize=9.5)
            _arrow(ax, xt, y0 + y_in + _BH / 2, xt, y0 + y_cell - _BH / 2)
        if outputs[t] is not None:
            _box(ax, xt, y0 + y_out, str(outputs[t]), "out", w=bw, fontsize=9.5)
            _arrow(ax, xt, y0 + y_cell + _BH / 2, xt, y0 + y_out - _BH / 2)
        if t > 0:
            _arrow(ax, xs[t - 1] + bw / 2, y0 + y_cell, xt - bw / 2, y0 + y_cell, color=GREEN)
    if gap_after is not None:
        xm = (xs[gap_after] + xs[gap_after + 1]) / 2
        ax.text(xm, y0 + y_cell + 0.2, "context", ha="center", va="bottom", fontsize=8, color=GREEN)
    xc = (xs[0] + xs[-1]) / 2
    ax.text(xc, y0 + 3.25, title, ha="center", va="center", fontsize=11, fontweight="bold")
    ax.text(xc, y0 - 0.7, shapes, ha="center", va="center", fontsize=9.5, family="monospace", color="0.2")


def task_shapes() -> Figure:
    """The five task shapes side by side: one-to-one, one-to-many, many-to-one, aligned and encoder-decoder.

    Colours follow ``COLORS``: the one-to-one network is grey (a feed-forward layer, no recurrence);
    every recurrent cell is green. Returns the matplotlib figure.
    """
    fig, ax = _new_axes((13, 7.2))
    top, bottom = 4.6, 0.0
    _task(ax, 0.0, top, ["image"], ["cat"], "one-to-one\n(image → class)", "(N, D) → (N, C)", cells="Dense",
          kind="dense")
    _task(ax, 2.9, top, ["image", None, None, None], ["a", "dog", "on", "grass"],
          "one-to-many\n(image captioning)", "(N, D) → (N, T, V)")
    _task(ax, 10.9, top, ["what", "a", "great", "film"], [None, None, None, "positive"],
          "many-to-one\n(sentiment, spam)", "(N, T, D) → (N, C)")
    _task(ax, 0.0, bottom, ["the", "old", "man", "the", "boat"], ["DET", "NOUN", "VERB", "DET", "NOUN"],
          "many-to-many, aligned\n(POS tagging, NER)", "(N, T, D) → (N, T, C)")
    _task(ax, 8.05, bottom, ["I", "am", "hungry", "<go>", "tengo", "hambre"],
          [None, None, None, "tengo", "hambre", "<end>"],
          "many-to-many, encoder-decoder\n(translation)", "(N, T_in, D) → (N, T_out, V)",
          cells=["enc", "enc", "enc", "dec", "dec", "dec"], gap_after=2)
    legend = [Patch(fc=COLORS["in"], ec="0.3", label="input at a step"),
              Patch(fc=COLORS["cell"], ec="0.3", label="recurrent cell (one set of weights, reused)"),
              Patch(fc=COLORS["dense"], ec="0.3", label="feed-forward layer (no recurrence)"),
              Patch(fc=COLORS["out"], ec="0.3", label="output at a step"),
              Line2D([], [], color=GREEN, lw=1.5, marker=">", label="hidden state carried to the next step")]
    ax.legend(handles=legend, loc="upper center", bbox_to_anchor=(0.5, 0.0), ncol=3, frameon=False, fontsize=9.5)
    _finish(ax, (-0.8, 16.9), (-1.1, top + 3.7))
    ax.set_title("The five task shapes (time runs left to right)", fontsize=13, pad=4)
    return fig


def rolled_unrolled(steps: int = 4) -> Figure:
    """The rolled RNN (one cell and a loop) next to the same RNN unrolled over ``steps`` steps (1 to 6)."""
    T = _check_size("steps", steps, 1, 6)
    fig, ax = _new_axes((13 * (1 + T) / 5, 4.4))
    yi, yc, yo = 0.0, 1.3, 2.6  # heights of inputs, cells, outputs
    _box(ax, 0, yi, "$x_t$", "in")
    _box(ax, 0, yc, "$h_t$", "cell")
    _box(ax, 0, yo, "$y_t$", "out")
    _arrow(ax, 0, yi + _BH / 2, 0, yc - _BH / 2, label="$W_x$")
    _arrow(ax, 0, yc + _BH / 2, 0, yo - _BH / 2, label="$W_y$")
    ax.add_patch(FancyArrowPatch((_BW / 2, yc + 0.18), (_BW / 2, yc - 0.18), arrowstyle="-|>", mutation_scale=12,
                                 color=GREEN, lw=1.5, connectionstyle="arc,angleA=0,angleB=0,armA=38,armB=38,rad=10"))
    ax.text(_BW / 2 + 0.62, yc, "$W_h$", color=GREEN, va="center", fontsize=10)
    ax.text(0, 3.45, "rolled:\none cell with a loop", ha="center", va="center", fontsize=11.5)
    ax.text(2.05, yc, "=", fontsize=30, ha="center", va="center")
    dx, x_first = 1.8, 5.0
    _box(ax, x_first - dx, yc, "$h_0=0$", "state", w=1.1)
    for t in range(1, T + 1):
        xt = x_first + (t - 1) * dx
        _box(ax, xt, yi, f"$x_{t}$", "in")
        _box(ax, xt, yc, f"$h_{t}$", "cell")
        _box(ax, xt, yo, f"$y_{t}$", "out")
        _arrow(ax, xt, yi + _BH / 2, xt, yc - _BH / 2, label="$W_x$")
        _arrow(ax, xt, yc + _BH / 2, xt, yo - _BH / 2, label="$W_y$")
        _arrow(ax, xt - dx + (0.55 if t == 1 else _BW / 2), yc, xt - _BW / 2, yc, color=GREEN, label="$W_h$")
    x_last = x_first + (T - 1) * dx
    ax.text(x_last + 0.75, yc, "...", fontsize=14, va="center")
    ax.text((x_first - dx + x_last) / 2, 3.45,
            f"unrolled over T = {T} steps:\nthe same $W_x$, $W_h$, $W_y$ (and biases) at every step",
            ha="center", va="center", fontsize=11.5)
    _finish(ax, (-0.8, x_last + 1.3), (-0.5, 3.9))
    return fig


def stacked_and_bidirectional(steps: int = 4) -> Figure:
    """A 2-layer stacked RNN and a bidirectional RNN over ``steps`` steps (2 to 6), side by side."""
    T = _check_size("steps", steps, 2, 6)
    dx = 1.7
    x0, off = (T - 1) * dx + 5.5, 0.35  # where the bidirectional picture starts; its cells' offset
    fig, ax = _new_axes((15 * (2 * T + 6) / 14, 5.0))
    lev = {"x": 0.0, "l1": 1.3, "l2": 2.6, "y": 3.9}  # stacked: x -> layer 1 -> layer 2 -> y
    for t in range(T):
        xt = t * dx
        _box(ax, xt, lev["x"], f"$x_{t + 1}$", "in")
        _box(ax, xt, lev["l1"], f"$h^{{(1)}}_{t + 1}$", "cell")
        _box(ax, xt, lev["l2"], f"$h^{{(2)}}_{t + 1}$", "cell")
        _box(ax, xt, lev["y"], f"$y_{t + 1}$", "out")
        for lo, hi in [("x", "l1"), ("l1", "l2"), ("l2", "y")]:
            _arrow(ax, xt, lev[lo] + _BH / 2, xt, lev[hi] - _BH / 2)
        if t:
            for layer in ("l1", "l2"):
                _arrow(ax, xt - dx + _BW / 2, lev[layer], xt - _BW / 2, lev[layer], color=GREEN)
    x_end = (T - 1) * dx + 0.7
    ax.text(x_end, lev["l1"], "layer 1:\n$W^{(1)}_x, W^{(1)}_h, b^{(1)}$", va="center", fontsize=9.5)
    ax.text(x_end, lev["l2"], "layer 2:\n$W^{(2)}_x, W^{(2)}_h, b^{(2)}$", va="center", fontsize=9.5)
    ax.text((T - 1) * dx / 2, 4.75, "stacked (2 layers): layer 2 reads layer 1's states", ha="center", fontsize=11.5)

    lev = {"x": 0.0, "f": 1.3, "b": 2.5, "y": 3.9}  # bidirectional: forward cells a little left, backward right
    for t in range(T):
        xt = x0 + t * dx
        _box(ax, xt, lev["x"], f"$x_{t + 1}$", "in")
        _box(ax, xt - off, lev["f"], f"$\\overrightarrow{{h}}_{t + 1}$", "cell")
        _box(ax, xt + off, lev["b"], f"$\\overleftarrow{{h}}_{t + 1}$", "bwd")
        _box(ax, xt, lev["y"], f"$[\\overrightarrow{{h}}_{t + 1}; \\overleftarrow{{h}}_{t + 1}]$", "out", w=1.4,
             fontsize=9.5)
        _arrow(ax, xt - off, lev["x"] + _BH / 2, xt - off, lev["f"] - _BH / 2)
        _arrow(ax, xt + off, lev["x"] + _BH / 2, xt + off, lev["b"] - _BH / 2)
        _arrow(ax, xt - off, lev["f"] + _BH / 2, xt - off, lev["y"] - _BH / 2)
        _arrow(ax, xt + off, lev["b"] + _BH / 2, xt + off, lev["y"] - _BH / 2)
        if t:
            _arrow(ax, xt - dx - off + _BW / 2, lev["f"], xt - off - _BW / 2, lev["f"], color=GREEN)
            _arrow(ax, xt + off - _BW / 2, lev["b"], xt - dx + off + _BW / 2, lev["b"], color=PINK)
    x_end = x0 + (T - 1) * dx + 0.95
    ax.text(x_end, lev["f"], f"forward RNN\nreads $x_1 \\to x_{T}$", va="center", fontsize=9.5, color=GREEN)
    ax.text(x_end, lev["b"], f"backward RNN\nreads $x_{T} \\to x_1$", va="center", fontsize=9.5, color=PINK)
    ax.text(x_end, lev["y"], "concatenated\nper step: (N, T, 2H)", va="center", fontsize=9.5)
    ax.text(x0 + (T - 1) * dx / 2, 4.75, "bidirectional: two RNNs, their states joined step by step",
            ha="center", fontsize=11.5)
    _finish(ax, (-0.8, x_end + 2.2), (-0.5, 5.1))
    return fig


def neuron_diagram(x: Any, Wx: Any, Wh: Any, Wy: Any, h: Any, y: Any) -> Figure:
    """A small RNN drawn neuron by neuron, unrolled over its T steps, with the activations of a forward pass.

    Line width shows the size of each weight, dashes a negative weight; the recurrent weights are green.

    Args:
        x: (T, D) inputs, one row per step (T from 1 to 3, D at most 6).
        Wx: (D, H), Wh: (H, H), Wy: (H, C) the weights (H and C at most 4).
        h: (T, H) hidden states and y: (T, C) outputs of that forward pass.

    Returns:
        The matplotlib figure.
    """
    x, Wx, Wh, Wy, h, y = (_as_array(name, a, 2, what) for name, a, what in
                           [("x", x, "(T, D)"), ("Wx", Wx, "(D, H)"), ("Wh", Wh, "(H, H)"), ("Wy", Wy, "(H, C)"),
                            ("h", h, "(T, H)"), ("y", y, "(T, C)")])
    T, D = x.shape
    _check_size("T (rows of x)", T, 1, 3)
    _check_size("D (columns of x)", D, 1, 6)
    H = _check_size("H (rows of Wh)", Wh.shape[0], 1, 4)
    C = _check_size("C (columns of Wy)", Wy.shape[1], 1, 4)
    for name, arr, want in [("Wx", Wx, (D, H)), ("Wh", Wh, (H, H)), ("Wy", Wy, (H, C)), ("h", h, (T, H)),
                            ("y", y, (T, C))]:
        if arr.shape != want:
            raise ValueError(f"{name} must have shape {want} for x {x.shape}, Wh {Wh.shape}, Wy {Wy.shape}; "
                             f"got {arr.shape}")
    edge_color = {"x": "#3d85c6", "h": GREEN, "y": "#e69138"}
    y_in, y_h, y_out, radius = 0.0, 2.4, 4.6, 0.36
    width = max(D, 2 * H, 2 * C) * 1.0 + 1.6  # room for one step
    cols = [-4.2] + [t * width for t in range(T)]  # x position of h_0, then of each step

    def spread(c: float, n: int, gap: float) -> list[float]:
        return [c + (i - (n - 1) / 2) * gap for i in range(n)]

    hid_y = spread(y_h, H, 0.8)  # staggered, so the recurrent edges do not overlap
    fig, ax = _new_axes((4.6 + 3.7 * T, 6.2))

    def neuron(x0: float, y0: float, face: Any, text: str) -> None:
        ax.add_patch(Circle((x0, y0), radius, fc=face, ec="0.2", lw=1.1, zorder=3))
        ax.text(x0, y0, text, ha="center", va="center", fontsize=8.5, zorder=4)

    def edge(x0: float, y0: float, x1: float, y1: float, w: float, kind: str) -> None:
        ax.add_patch(FancyArrowPatch((x0, y0), (x1, y1), arrowstyle="-|>", mutation_scale=9, zorder=2,
                                     lw=0.5 + 1.2 * min(abs(w), 2.5), color=edge_color[kind],
                                     ls="-" if w >= 0 else (0, (4, 2)), shrinkA=10, shrinkB=10))

    def state_color(v: float) -> Any:  # light shades, so the text stays readable
        return plt.get_cmap("coolwarm")(0.5 + 0.32 * v)

    for j, hx in enumerate(spread(cols[0], H, 1.5)):
        neuron(hx, hid_y[j], COLORS["state"], "0")
    ax.text(cols[0], min(hid_y) - 0.6, "$h_0 = 0$", ha="center", va="top", fontsize=10)
    for t in range(1, T + 1):
        c, cp = cols[t], cols[t - 1]
        ins, hids, outs = spread(c, D, 1.0), spread(c, H, 1.5), spread(c, C, 1.4)
        for i, ix in enumerate(ins):
            neuron(ix, y_in, COLORS["in"] if x[t - 1, i] else "white", f"{x[t - 1, i]:.0f}")
        for j, hx in enumerate(hids):
            neuron(hx, hid_y[j], state_color(h[t - 1, j]), f"{h[t - 1, j]:.2f}")
            for i, ix in enumerate(ins):
                edge(ix, y_in, hx, hid_y[j], Wx[i, j], "x")
            for i, hpx in enumerate(spread(cp, H, 1.5)):  # recurrent edges from the previous step
                edge(hpx, hid_y[i], hx, hid_y[j], Wh[i, j], "h")
        for k, ox in enumerate(outs):
            neuron(ox, y_out, plt.get_cmap("Oranges")(0.15 + 0.6 * y[t - 1, k]), f"{y[t - 1, k]:.2f}")
            for j, hx in enumerate(hids):
                edge(hx, hid_y[j], ox, y_out, Wy[j, k], "y")
        ax.text(c, y_out + 0.95, f"step t = {t}", ha="center", fontsize=11, fontweight="bold")
    right = cols[-1] + max(D, 2 * H, 2 * C) / 2 + 0.8
    one_hot = bool(np.isin(x, (0.0, 1.0)).all() and (x.sum(axis=1) == 1).all())
    softmax = bool((y > 0).all() and np.allclose(y.sum(axis=1), 1.0))
    for y0, lab in [(y_in, f"input $x_t$\n(D = {D}{', one-hot' if one_hot else ''})"),
                    (y_h, f"hidden $h_t$\n(H = {H}, tanh)"),
                    (y_out, f"output $y_t$\n(C = {C}{', softmax' if softmax else ''})")]:
        ax.text(right, y0, lab, va="center", fontsize=10)
    handles = [Line2D([], [], color=edge_color["x"], lw=2, label=f"$W_x$: {D} × {H} = {D * H} weights"),
               Line2D([], [], color=edge_color["h"], lw=2, label=f"$W_h$: {H} × {H} = {H * H} weights (recurrent)"),
               Line2D([], [], color=edge_color["y"], lw=2, label=f"$W_y$: {H} × {C} = {H * C} weights"),
               Line2D([], [], color="0.4", lw=1.5, ls="--", label="dashed = negative weight")]
    ax.legend(handles=handles, loc="upper center", bbox_to_anchor=(0.5, 0.02), ncol=4, frameon=False, fontsize=9.5)
    _finish(ax, (cols[0] - 1.2 - 0.75 * (H - 1), right + 2.0), (-0.7, y_out + 1.3))
    n_params = D * H + H * H + H + H * C + C
    ax.set_title(f"A {D}-{H}-{C} RNN drawn neuron by neuron, unrolled over {T} step{'s' if T > 1 else ''} "
                 f"(numbers = activations)\n{D * H} + {H * H} + {H * C} weights and {H} + {C} biases = "
                 f"{n_params} parameters, the same at every step", fontsize=12)
    return fig


def bptt_paths(steps: int = 4, loss_step: int = 3) -> Figure:
    """The unrolled RNN with the way the gradient of one loss ``E_loss_step`` travels back (in red).

    Args:
        steps: how many steps to draw (2 to 6).
        loss_step: the step t (1-based, as in the maths) whose loss E_t is followed back.

    Returns:
        The matplotlib figure.
    """
    T = _check_size("steps", steps, 2, 6)
    t_loss = _check_size("loss_step", loss_step, 1, T)
    fig, ax = _new_axes((2.5 * T, 4.6))
    X = {t: 1.8 * t for t in range(T + 1)}  # x-position of step t
    Y = {"x": 0.0, "h": 1.5, "E": 3.0}  # rows: inputs, states, losses
    pale_red, grey = "#fadbd8", COLORS["state"]

    def node(xy: tuple[float, float], text: str, fc: str) -> None:
        ax.text(*xy, text, ha="center", va="center", fontsize=13, zorder=3,
                bbox=dict(boxstyle="round,pad=0.4", fc=fc, ec="0.35"))

    def link(src: tuple[float, float], dst: tuple[float, float], color: str = "0.6", rad: float = 0.0,
             lw: float = 1.4) -> None:
        ax.annotate("", xy=dst, xytext=src, zorder=2,
                    arrowprops=dict(arrowstyle="-|>", color=color, lw=lw, shrinkA=17, shrinkB=17,
                                    connectionstyle=f"arc3,rad={rad}"))

    def label(xy: tuple[float, float], text: str, color: str = "0.45", fontsize: float = 10, **kw: Any) -> None:
        ax.text(*xy, text, fontsize=fontsize, color=color, **kw)

    node((X[0], Y["h"]), "$h_0$", grey)
    for t in range(1, T + 1):
        node((X[t], Y["x"]), f"$x_{t}$", grey)
        node((X[t], Y["h"]), f"$h_{t}$", pale_red if t <= t_loss else grey)
        node((X[t], Y["E"]), f"$E_{t}$", pale_red if t == t_loss else grey)
        link((X[t], Y["x"]), (X[t], Y["h"]))
        label((X[t] + 0.1, 0.65), "$W_x$")
        link((X[t], Y["h"]), (X[t], Y["E"]))
        label((X[t] + 0.1, 2.35), "$W_y$")
        link((X[t - 1], Y["h"]), (X[t], Y["h"]))
        label((X[t] - 0.9, 1.22), "$W_h$", ha="center", va="top")
    link((X[t_loss] - 0.13, Y["E"]), (X[t_loss] - 0.13, Y["h"]), color=RED, lw=2.4)
    label((X[t_loss] - 0.22, 2.6), f"$\\partial E_{t_loss}/\\partial h_{t_loss}$", color=RED, fontsize=11, ha="right")
    for t in range(t_loss, 1, -1):
        link((X[t], Y["h"]), (X[t - 1], Y["h"]), color=RED, rad=0.6, lw=2.4)
        label((X[t] - 0.9, 1.98), f"$J_{t}$", color=RED, fontsize=12, ha="center")
    reached = ", ".join(f"$h_{k}$" for k in range(t_loss, 0, -1))
    ks = ", ".join(str(k) for k in range(1, t_loss + 1))
    total = " + ".join(f"E_{t}" for t in range(1, T + 1))
    label((X[T] + 0.9, 2.45), f"$E = {total}$", color="black", fontsize=12)
    label((X[T] + 0.9, 1.5), f"$E_{t_loss}$ reaches {reached}: one term\nper step $k = {ks}$ in "
          f"$\\partial E_{t_loss}/\\partial W_h$\n\n$J_j = \\partial h_j/\\partial h_{{j-1}}$, one Jacobian\n"
          "per step back", color=RED, fontsize=11, va="center")
    label((X[T] + 0.9, 0.25), "the same $W_x$, $W_h$, $W_y$ at every step", fontsize=10)
    ax.set_xlim(-0.5, X[T] + 4.6)
    ax.set_ylim(-0.45, 3.45)
    ax.axis("off")
    ax.set_title(f"The unrolled RNN: the gradient of $E_{t_loss}$ flows back through {reached} (red)")
    return fig


def padded_batch(padded: Any, id_to_word: Any, pad_id: int = 0) -> Figure:
    """A padded batch of token ids ``(N, T)`` as a grid: each cell shows its word and id, real words blue, padding grey.

    Args:
        padded: ``(N, T)`` integer ids; ``pad_id`` marks the padding.
        id_to_word: maps an id to its word (a dict or a list).
        pad_id: the id of ``<pad>``.
    """
    ids = np.asarray(padded)
    if ids.ndim != 2 or ids.size == 0 or not np.issubdtype(ids.dtype, np.integer):
        raise ValueError(f"padded must be a non-empty (N, T) array of integer ids; got shape {ids.shape}, dtype {ids.dtype}")
    N, T = ids.shape
    _check_size("N", N, 1, 12)
    _check_size("T", T, 1, 16)
    mask = ids != pad_id
    lengths = mask.sum(axis=1)
    fig, ax = plt.subplots(figsize=(max(4.0, 1.6 * T), 0.5 + 0.55 * N))
    ax.imshow(mask, cmap=matplotlib_colors.ListedColormap(["#eeeeee", "#cfe2f3"]), vmin=0, vmax=1, aspect="auto")
    for n in range(N):
        for t in range(T):
            ax.text(t, n, f"{id_to_word[int(ids[n, t])]}\n(id {ids[n, t]})", ha="center", va="center", fontsize=8.5,
                    color="k" if mask[n, t] else "0.55")
    ax.set_xticks(np.arange(T + 1) - 0.5, minor=True)
    ax.set_yticks(np.arange(N + 1) - 0.5, minor=True)
    ax.grid(which="minor", color="white", lw=2)
    ax.grid(which="major", visible=False)
    ax.tick_params(which="minor", length=0)
    ax.set_xticks(range(T), [f"t={t}" for t in range(T)])
    ax.set_yticks(range(N), [f"n={n} (length {k})" for n, k in enumerate(lengths)])
    ax.set(title=f"A padded batch, (N, T) = ({N}, {T}): blue = real word (mask True), grey = <pad>", xlabel="time step")
    return fig


def lstm_cell() -> Figure:
    """One LSTM step: the cell state as a belt (orange) that is only multiplied by ``f_t`` and added to.

    The four gate boxes (forget, input, candidate, output) read ``[h_{t-1}, x_t]``; the output gate times
    ``tanh(c_t)`` gives ``h_t`` (blue).
    """
    fig, ax = plt.subplots(figsize=(10, 6.0))
    ax.set(xlim=(0, 10), ylim=(0, 5.6))
    ax.set_aspect("equal")
    ax.axis("off")
    ax.add_patch(Rectangle((1.4, 0.55), 7.0, 4.6, fc="#f4f4f4", ec="grey", lw=1, zorder=0))
    arrow = dict(arrowstyle="-|>", lw=1.4, color="k", shrinkA=0, shrinkB=0)
    belt = dict(arrowstyle="-|>", lw=3.5, color="tab:orange", shrinkA=0, shrinkB=0)
    line = dict(arrowstyle="-", lw=1.4)

    def node(x: float, y: float, text: str) -> None:
        ax.add_patch(Circle((x, y), 0.22, fc="white", ec="k", lw=1.2, zorder=3))
        ax.text(x, y, text, ha="center", va="center", fontsize=13, zorder=4)

    def gate(x: float, y: float, text: str, label: str, color: str) -> None:
        ax.add_patch(Rectangle((x - 0.38, y - 0.25), 0.76, 0.5, fc=color, ec="k", lw=1, zorder=3))
        ax.text(x, y, text, ha="center", va="center", fontsize=11, zorder=4)
        ax.text(x, y - 0.42, label, ha="center", va="top", fontsize=9, zorder=4, bbox=dict(fc="#f4f4f4", ec="none", pad=1.5))

    def link(xy: tuple[float, float], xytext: tuple[float, float], style: dict[str, Any] = arrow) -> None:
        ax.annotate("", xy=xy, xytext=xytext, arrowprops=style)

    # the belt: c_{t-1} -> x f -> + i*g -> c_t
    for x0, x1 in ((0.2, 2.78), (3.22, 4.58), (5.02, 9.8)):
        link((x1, 4.6), (x0, 4.6), belt)
    ax.text(0.2, 4.85, "$c_{t-1}$", fontsize=13)
    ax.text(9.45, 4.85, "$c_t$", fontsize=13)
    ax.text(6.4, 4.85, "cell state: the conveyor belt", fontsize=10, color="tab:orange", ha="center")
    node(3.0, 4.6, "×")
    node(4.8, 4.6, "+")
    # the input bus [h_{t-1}, x_t] feeding the four gates
    link((7.0, 1.0), (0.2, 1.0), line)
    ax.text(0.2, 0.62, "$h_{t-1}$", fontsize=13)
    link((1.9, 1.0), (1.9, 0.05), line)
    ax.text(2.0, 0.1, "$x_t$", fontsize=13)
    for x, text, label, color in ((3.0, "σ", "forget $f_t$", "#cfe3f5"), (4.2, "σ", "input $i_t$", "#cfe3f5"),
                                  (5.4, "tanh", "candidate $g_t$", "#fde2c8"), (7.0, "σ", "output $o_t$", "#cfe3f5")):
        link((x, 1.95), (x, 1.0))
        gate(x, 2.2, text, label, color)
    link((3.0, 4.38), (3.0, 2.45))  # the forget gate up to the belt
    node(4.8, 3.4, "×")  # input gate times candidate, then up to the +
    link((4.6, 3.3), (4.2, 2.45))
    link((5.0, 3.3), (5.4, 2.45))
    link((4.8, 4.38), (4.8, 3.62))
    # the output: tanh(c_t) times o_t gives h_t
    link((7.9, 3.9), (7.9, 4.6))
    ax.add_patch(Rectangle((7.55, 3.4), 0.7, 0.45, fc="#fde2c8", ec="k", lw=1, zorder=3))
    ax.text(7.9, 3.62, "tanh", ha="center", va="center", fontsize=10, zorder=4)
    node(7.9, 2.2, "×")
    link((7.9, 2.42), (7.9, 3.4))
    link((7.68, 2.2), (7.38, 2.2))
    link((9.8, 2.2), (8.12, 2.2), dict(arrowstyle="-|>", lw=2, color="tab:blue", shrinkA=0, shrinkB=0))
    ax.text(9.45, 2.4, "$h_t$", fontsize=13)
    ax.set_title("One LSTM step: the belt is only multiplied by $f_t$ and added to", fontsize=12)
    fig.tight_layout()
    return fig


def data_parallel(num_devices: int = 4, global_batch: int = 8) -> Figure:
    """Notebook 16: the global batch split by rows over replicas, the gradients all-reduced, one update everywhere."""
    n = _check_size("num_devices", num_devices, 1, 8)
    B = _check_size("global_batch", global_batch, n, 64)
    if B % n:
        raise ValueError(f"global_batch={B} must split evenly over num_devices={n}")
    b = B // n
    fig, ax = _new_axes((1.9 * n + 1.5, 4.6))
    xs = [1.6 + 1.9 * r for r in range(n)]
    _box(ax, (xs[0] + xs[-1]) / 2, 5.0, f"global batch: {B} rows (and their carried states)", "in", w=1.9 * n, fontsize=10)
    for r, x in enumerate(xs):
        rows = f"rows {r * b}-{(r + 1) * b - 1}" if b > 1 else f"row {r}"
        _arrow(ax, x, 4.69, x, 4.0)
        _box(ax, x, 3.7, rows, "in", w=1.5, fontsize=9)
        _arrow(ax, x, 3.39, x, 2.9)
        _box(ax, x, 2.6, f"replica {r}\nforward, backward", "cell", w=1.7, fontsize=8)
        _arrow(ax, x, 2.29, x, 1.75, color=RED)
        ax.text(x + 0.1, 2.0, f"$g_{r}$", color=RED, fontsize=10, va="center")
    ax.add_patch(Rectangle((xs[0] - 0.8, 1.15), xs[-1] - xs[0] + 1.6, 0.6, fc="#f4cccc", ec=RED, lw=1.0))
    ax.text((xs[0] + xs[-1]) / 2, 1.45, r"all-reduce: $g = \frac{1}{N}\sum_r g_r$ (the gradient of the whole batch)",
            ha="center", va="center", fontsize=9.5)
    for x in xs:
        _arrow(ax, x, 1.15, x, 0.65, color=RED)
    _box(ax, (xs[0] + xs[-1]) / 2, 0.35, "the same update on every replica: identical weights", "dense", w=1.9 * n, fontsize=9.5)
    _finish(ax, (0.0, xs[-1] + 1.0), (-0.1, 5.5))
    ax.set_title(f"Data parallelism over N = {n} devices, global batch B = {B}")
    return fig


# --------------------------------------------------------------------------
# Notebook 15: where a decoder looked
# --------------------------------------------------------------------------

__all__ += ["attention_map"]


def attention_map(ax: Axes, weights: Any, inputs: Sequence[str], outputs: Sequence[str], *, cmap: str = "Blues") -> Any:
    """Draw attention weights as a heat map: output steps along x, input positions along y.

    Args:
        ax: a matplotlib ``Axes``.
        weights: (T_out, T_in) one row of attention weights per output step (values in [0, 1]).
        inputs: the T_in input tokens (e.g. the digits of a number), the y tick labels.
        outputs: the output tokens, at most T_out of them (e.g. the characters written), the x tick
            labels; a space is drawn as "␣" so word boundaries stay visible. Rows after them are not drawn.

    Returns:
        The image (``AxesImage``), for a colour bar: ``fig.colorbar(image, ax=ax)``.
    """
    w = _as_array("weights", weights, 2, "(T_out, T_in), one row per output step")
    inputs, outputs = list(inputs), list(outputs)
    if len(inputs) != w.shape[1]:
        raise ValueError(f"inputs must have one token per column of weights ({w.shape[1]}); received {len(inputs)}")
    if not 1 <= len(outputs) <= w.shape[0]:
        raise ValueError(f"outputs must have between 1 and {w.shape[0]} tokens, one per row of weights; received {len(outputs)}")
    image = ax.imshow(w[: len(outputs)].T, cmap=cmap, vmin=0.0, vmax=1.0, aspect="auto", interpolation="nearest")
    ax.set_yticks(range(len(inputs)), inputs)
    ax.set_xticks(range(len(outputs)), ["␣" if c == " " else c for c in outputs], fontsize=7)
    ax.tick_params(axis="x", length=0)
    ax.grid(False)
    ax.set_xlabel("output character (written left to right)")
    ax.set_ylabel("input digit")
    return image
