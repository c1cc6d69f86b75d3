"""rnnkit.figures: every diagram draws (with the Agg backend) and refuses input it cannot draw.

``seed_band`` is tested in tests/test_stats.py, next to the statistics it draws.
"""

from __future__ import annotations

import re

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

from rnnkit import figures  # noqa: E402
from rnnkit import numpy_rnn as nr  # noqa: E402


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def _texts(fig: Figure) -> list[str]:
    return [t.get_text() for ax in fig.axes for t in ax.texts] + [t.get_text() for t in fig.texts]


def _drawn(fig: Figure) -> Figure:
    assert isinstance(fig, Figure)
    fig.canvas.draw()  # renders every artist: a bad patch or mathtext raises here
    return fig


def _tiny_rnn(T: int = 2, D: int = 4, H: int = 2, C: int = 2) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(0)
    x = np.eye(D)[rng.integers(0, D, size=T)]  # (T, D) one-hot
    Wx, Wh, Wy = rng.normal(size=(D, H)), rng.normal(size=(H, H)), rng.normal(size=(H, C))
    h, _ = nr.rnn_forward(x[None], np.zeros((1, H)), Wx, Wh, np.zeros(H))
    y = nr.softmax(h[0] @ Wy)
    return {"x": x, "Wx": Wx, "Wh": Wh, "Wy": Wy, "h": h[0], "y": y}


# ---- each diagram draws, and shows what it promises ----


def test_tensor_stack_highlights_one_step_of_every_sequence() -> None:
    fig = _drawn(figures.tensor_stack((4, 7, 3), t_highlight=3, feature_names=["temperature", "humidity", "wind"]))
    ax = fig.axes[0]
    orange = [p for p in ax.patches if matplotlib.colors.to_hex(p.get_facecolor()) == "#f6b26b"]
    assert len(ax.patches) == 4 * 7 * 3 and len(orange) == 4 * 3  # N x D cells of x[:, 3]
    assert "x[:, 3]" in ax.get_title() and "temperature" in _texts(fig)


def test_embedding_lookup_frames_the_rows_picked_and_has_a_colour_bar() -> None:
    rng = np.random.default_rng(1)
    vocabulary = ["<pad>", "<unk>", "the", "dog", "bit", "man"]
    ids = [2, 3, 4, 2, 5]
    fig = _drawn(figures.embedding_lookup(np.eye(6)[ids], rng.normal(size=(6, 4)), ["the", "dog", "bit", "the", "man"],
                                          vocabulary))
    heatmaps, colorbars = fig.axes[:3], fig.axes[3:]
    assert len(colorbars) == 1 and colorbars[0].get_ylabel() == "entry of E"
    frames = [p for p in heatmaps[1].patches if not p.get_fill()]
    assert len(frames) == len(set(ids))  # one frame per distinct word
    assert [t.get_text() for t in heatmaps[1].get_yticklabels()] == ["2: the", "3: dog", "4: bit", "5: man"]
    assert {"@", "="} <= set(_texts(fig))


def test_task_shapes_colours_the_feed_forward_net_apart_from_the_recurrent_cells() -> None:
    fig = _drawn(figures.task_shapes())
    ax = fig.axes[0]
    titles = {t.get_text() for t in ax.texts}
    boxes = [p for p in ax.patches if isinstance(p, matplotlib.patches.FancyBboxPatch)]
    colours = [matplotlib.colors.to_hex(p.get_facecolor()) for p in boxes]
    assert colours.count(figures.COLORS["dense"]) == 1  # only the one-to-one network
    assert colours.count(figures.COLORS["cell"]) == 4 + 4 + 5 + 6  # every recurrent step of the other four
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert any("recurrent cell" in t for t in legend) and any("no recurrence" in t for t in legend)
    assert {"one-to-one\n(image → class)", "many-to-many, encoder-decoder\n(translation)"} <= titles


@pytest.mark.parametrize("steps", [1, 4, 6])
def test_rolled_unrolled_draws_one_copy_per_step(steps: int) -> None:
    fig = _drawn(figures.rolled_unrolled(steps))
    texts = _texts(fig)
    assert f"$h_{steps}$" in texts and f"$h_{steps + 1}$" not in texts and "$h_0=0$" in texts


def test_stacked_and_bidirectional_labels_the_reading_directions() -> None:
    fig = _drawn(figures.stacked_and_bidirectional(3))
    texts = _texts(fig)
    assert "backward RNN\nreads $x_3 \\to x_1$" in texts and "forward RNN\nreads $x_1 \\to x_3$" in texts
    assert "$h^{(2)}_3$" in texts


@pytest.mark.parametrize("sizes", [(2, 4, 2, 2), (1, 3, 1, 1), (3, 6, 4, 4)])
def test_neuron_diagram_draws_every_neuron_and_weight(sizes: tuple[int, int, int, int]) -> None:
    T, D, H, C = sizes
    arrays = _tiny_rnn(T, D, H, C)
    fig = _drawn(figures.neuron_diagram(**arrays))
    ax = fig.axes[0]
    circles = [p for p in ax.patches if isinstance(p, matplotlib.patches.Circle)]
    edges = [p for p in ax.patches if isinstance(p, matplotlib.patches.FancyArrowPatch)]
    assert len(circles) == H + T * (D + H + C)  # h_0, then every neuron of every step
    assert len(edges) == T * (D * H + H * H + H * C)  # every weight, once per step
    n_params = D * H + H * H + H + H * C + C
    assert f"{n_params} parameters" in ax.get_title()
    assert f"{arrays['h'][-1, 0]:.2f}" in _texts(fig)  # the activations of the forward pass are written in
    assert any("one-hot" in t for t in _texts(fig)) and any("softmax" in t for t in _texts(fig))


@pytest.mark.parametrize(("steps", "loss_step"), [(4, 3), (2, 1), (6, 6)])
def test_bptt_paths_follows_one_loss_back_to_step_1(steps: int, loss_step: int) -> None:
    fig = _drawn(figures.bptt_paths(steps, loss_step))
    texts = _texts(fig)
    jacobians = [t for t in texts if t.startswith("$J_") and t.endswith("$") and len(t) <= 6]
    assert len(jacobians) == loss_step - 1  # one Jacobian per step back, J_t ... J_2
    assert f"$\\partial E_{loss_step}/\\partial h_{loss_step}$" in texts


# ---- clear errors for what a diagram cannot draw ----


def test_tensor_stack_refuses_bad_shapes() -> None:
    with pytest.raises(ValueError, match=r"shape must be \(N, T, D\); got \(4, 7\)"):
        figures.tensor_stack((4, 7), t_highlight=0)
    with pytest.raises(ValueError, match="T must be an int from 1 to 16"):
        figures.tensor_stack((4, 70, 3), t_highlight=0)
    with pytest.raises(ValueError, match=r"t_highlight must be a time index in \[0, 7\); got 7"):
        figures.tensor_stack((4, 7, 3), t_highlight=7)
    with pytest.raises(ValueError, match="feature_names must have D = 3 names; got 2"):
        figures.tensor_stack((4, 7, 3), t_highlight=0, feature_names=["a", "b"])


def test_embedding_lookup_refuses_mismatched_arrays() -> None:
    one_hot, E = np.eye(6)[[2, 3]], np.zeros((6, 4))
    with pytest.raises(ValueError, match=r"E must have shape \(V, d\) = \(6, d\) to match one_hot \(2, 6\); got \(5, 4\)"):
        figures.embedding_lookup(one_hot, E[:5], ["a", "b"])
    with pytest.raises(ValueError, match="a single 1 in every row"):
        figures.embedding_lookup(one_hot * 2, E, ["a", "b"])
    with pytest.raises(ValueError, match="one word per step, T = 2; got 3"):
        figures.embedding_lookup(one_hot, E, ["a", "b", "c"])
    with pytest.raises(ValueError, match=r"one_hot must have shape \(T, V\); got \(1, 2, 6\)"):
        figures.embedding_lookup(one_hot[None], E, ["a", "b"])


def test_neuron_diagram_names_the_array_of_the_wrong_shape() -> None:
    arrays = _tiny_rnn()
    with pytest.raises(ValueError, match=r"Wx must have shape \(4, 2\) .*got \(2, 4\)"):
        figures.neuron_diagram(**{**arrays, "Wx": arrays["Wx"].T})
    with pytest.raises(ValueError, match=r"h must have shape \(T, H\); got \(1, 2, 2\)"):
        figures.neuron_diagram(**{**arrays, "h": arrays["h"][None]})
    with pytest.raises(ValueError, match="H \\(rows of Wh\\) must be an int from 1 to 4"):
        figures.neuron_diagram(**_tiny_rnn(H=5))


@pytest.mark.parametrize(("call", "message"), [
    (lambda: figures.rolled_unrolled(0), "steps must be an int from 1 to 6 (what this diagram can draw); got 0"),
    (lambda: figures.stacked_and_bidirectional(1), "steps must be an int from 2 to 6 (what this diagram can draw); got 1"),
    (lambda: figures.bptt_paths(4, 5), "loss_step must be an int from 1 to 4 (what this diagram can draw); got 5"),
    (lambda: figures.bptt_paths(2.5), "steps must be an int from 2 to 6 (what this diagram can draw); got 2.5"),
])
def test_step_counts_are_checked(call, message: str) -> None:
    with pytest.raises(ValueError, match=re.escape(message)):
        call()


def test_padded_batch_writes_every_word_and_greys_out_the_padding() -> None:
    padded = np.array([[2, 3, 4], [5, 0, 0]])
    words = {0: "<pad>", 2: "the", 3: "dog", 4: "ran", 5: "hi"}
    fig = _drawn(figures.padded_batch(padded, words))
    texts = [t for t in fig.axes[0].texts]
    assert len(texts) == padded.size
    by_text = {t.get_text(): t for t in texts}
    assert by_text["the\n(id 2)"].get_color() == "k" and by_text["<pad>\n(id 0)"].get_color() == "0.55"
    assert [t.get_text() for t in fig.axes[0].get_yticklabels()] == ["n=0 (length 3)", "n=1 (length 1)"]
    assert "(N, T) = (2, 3)" in fig.axes[0].get_title()


def test_padded_batch_refuses_what_is_not_a_batch_of_ids() -> None:
    with pytest.raises(ValueError, match=r"\(N, T\) array of integer ids; got shape \(3,\)"):
        figures.padded_batch(np.array([1, 2, 3]), {1: "a", 2: "b", 3: "c"})
    with pytest.raises(ValueError, match="integer ids"):
        figures.padded_batch(np.ones((2, 2)), {1: "a"})


def test_lstm_cell_draws_the_belt_the_four_gates_and_both_states() -> None:
    fig = _drawn(figures.lstm_cell())
    texts = _texts(fig)
    for label in ("forget $f_t$", "input $i_t$", "candidate $g_t$", "output $o_t$", "$c_{t-1}$", "$c_t$", "$h_{t-1}$",
                  "$x_t$", "$h_t$"):
        assert label in texts
    assert texts.count("×") == 3 and texts.count("+") == 1     # f * c, i * g, o * tanh(c); one addition on the belt
    belt = [a for a in fig.axes[0].texts if getattr(a, "arrow_patch", None) is not None
            and a.arrow_patch.get_edgecolor()[:3] == matplotlib.colors.to_rgb("tab:orange")]
    assert len(belt) == 3                                      # the belt's three segments, and only they, in orange
