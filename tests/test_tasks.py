"""Tests for rnnkit.tasks: the recall task and the small numpy trainer."""

from __future__ import annotations

import numpy as np
import pytest

from rnnkit import numpy_rnn as nr
from rnnkit import tasks


def rng(seed: int = 0) -> np.random.Generator:
    return np.random.default_rng(seed)


# --------------------------------------------------------------------------
# The task
# --------------------------------------------------------------------------


@pytest.mark.parametrize("n, T, K", [(1, 1, 2), (7, 5, 4), (32, 12, 6)])
def test_recall_task_shapes_and_labels(n: int, T: int, K: int) -> None:
    x, y = tasks.make_recall_task(rng(), n, T, n_symbols=K)
    assert x.shape == (n, T, K + 1) and x.dtype == np.float32
    assert y.shape == (n,) and np.issubdtype(y.dtype, np.integer)
    symbols, marker = x[..., :K], x[..., K]
    assert np.all(symbols.sum(axis=2) == 1.0), "every step shows exactly one symbol"
    assert np.all(marker.sum(axis=1) == 1.0), "exactly one marked step per sequence"
    pos = marker.argmax(axis=1)
    assert np.array_equal(symbols[np.arange(n), pos].argmax(axis=1), y), "the label is the marked symbol"
    assert y.min() >= 0 and y.max() < K


def test_recall_task_fixed_distance() -> None:
    T = 9
    for d in (0, 4, T - 1):
        x, y = tasks.make_recall_task(rng(d), 20, T, distance=d)
        assert np.all(x[:, T - 1 - d, -1] == 1.0)
        assert np.array_equal(x[:, T - 1 - d, :-1].argmax(axis=1), y)


def test_recall_task_random_distance_covers_the_sequence() -> None:
    x, _ = tasks.make_recall_task(rng(), 2000, 6)
    positions = x[..., -1].argmax(axis=1)
    assert set(positions.tolist()) == set(range(6))
    labels = tasks.make_recall_task(rng(), 4000, 3)[1]
    assert np.allclose(np.bincount(labels, minlength=4) / 4000, 0.25, atol=0.03), "labels are balanced"


def test_recall_task_is_reproducible_per_seed() -> None:
    x1, y1 = tasks.make_recall_task(rng(3), 10, 8)
    x2, y2 = tasks.make_recall_task(rng(3), 10, 8)
    x3, y3 = tasks.make_recall_task(rng(4), 10, 8)
    assert np.array_equal(x1, x2) and np.array_equal(y1, y2)
    assert not np.array_equal(x1, x3)
    sample = tasks.recall_sampler(8, distance=2)
    xa, ya = sample(rng(5), 6)
    xb, yb = tasks.make_recall_task(rng(5), 6, 8, distance=2)
    assert np.array_equal(xa, xb) and np.array_equal(ya, yb)


# --------------------------------------------------------------------------
# The model and its gradients
# --------------------------------------------------------------------------


@pytest.mark.parametrize("cell", ["rnn", "lstm", "gru"])
def test_classifier_gradients_match_numerical(cell: str) -> None:
    x, y = tasks.make_recall_task(rng(1), 3, 4, n_symbols=3, dtype=np.float64)
    model = tasks.init_classifier(rng(2), cell, 4, 3, 3, dtype=np.float64)
    loss, grads = tasks.classifier_loss(model, x, y)
    assert np.isfinite(loss) and [g.shape for g in grads] == [p.shape for p in model.params]
    for p, g in zip(model.params, grads):
        num = nr.numerical_gradient(lambda _: tasks.classifier_loss(model, x, y)[0], p)
        assert nr.relative_error(g, num) < 1e-6


@pytest.mark.parametrize("cell", ["rnn", "lstm", "gru"])
def test_trainer_reduces_loss_on_a_short_task(cell: str) -> None:
    result = tasks.train_recall(rng(0), cell, 3, H=16, steps=150, n_test=200, eval_every=50)
    assert len(result.loss) == len(result.grad_norm) == 150
    assert result.eval_steps == [50, 100, 150]
    assert np.mean(result.loss[-20:]) < 0.5 * np.mean(result.loss[:20])
    assert result.final_acc > 0.6  # chance is 0.25
    acc = tasks.accuracy_by_distance(rng(9), result.model, 3, [0, 2], n=100)
    assert acc.shape == (2,) and np.all((acc >= 0) & (acc <= 1))


def test_training_is_reproducible_and_runs_without_clipping() -> None:
    a = tasks.train_recall(rng(7), "rnn", 4, H=8, steps=20, n_test=50, eval_every=10)
    b = tasks.train_recall(rng(7), "rnn", 4, H=8, steps=20, n_test=50, eval_every=10)
    assert a.loss == b.loss and a.test_acc == b.test_acc
    c = tasks.train_recall(rng(7), "rnn", 4, H=8, steps=20, n_test=50, eval_every=10, max_norm=None)
    assert c.loss[0] == a.loss[0] and c.grad_norm[0] == a.grad_norm[0]  # same start, unclipped updates


def test_adam_minimises_a_quadratic() -> None:
    p = np.array([3.0, -2.0])
    opt = tasks.Adam([p], lr=0.1)
    for _ in range(300):
        opt.step([2 * p])
    assert np.allclose(p, 0.0, atol=1e-2)


# --------------------------------------------------------------------------
# Several models side by side: the fast stacked loops against the reference
# --------------------------------------------------------------------------


def _perturbed_models(cell: str, S: int, D: int = 5, H: int = 6, C: int = 4) -> list[tasks.Classifier]:
    models = [tasks.init_classifier(rng(s), cell, D, H, C, dtype=np.float64) for s in range(S)]
    for s, m in enumerate(models):  # non-zero biases, so every term of the gradient is exercised
        noise = rng(100 + s)
        m.b += 0.3 * noise.standard_normal(m.b.shape)
        m.by += 0.2 * noise.standard_normal(m.by.shape)
    return models


@pytest.mark.parametrize("cell", ["rnn", "lstm", "gru"])
def test_side_by_side_loss_and_gradients_equal_the_reference(cell: str) -> None:
    models = _perturbed_models(cell, 3)
    data = [tasks.make_recall_task(rng(10 + s), 7, 9, dtype=np.float64) for s in range(3)]
    P = tasks._stack(models)
    xt = tasks._time_major([x for x, _ in data])
    assert xt.shape == (3, 9, 7, 5)
    loss, grads = tasks._loss_and_grads(cell, P, xt, np.stack([y for _, y in data]))
    assert loss.shape == (3,) and [g.shape for g in grads] == [p.shape for p in P]
    for s, (model, (x, y)) in enumerate(zip(models, data)):
        ref_loss, ref_grads = tasks.classifier_loss(model, x, y)
        assert np.isclose(loss[s], ref_loss, rtol=1e-12)
        for name, g, ref in zip(tasks.Classifier.NAMES, grads, ref_grads):
            assert nr.relative_error(g[s], ref) < 1e-12, f"model {s}, d{name}"
        assert np.array_equal(tasks._predict(cell, P, xt, batch_size=3)[s], tasks.classifier_forward(model, x)[0].argmax(axis=1))
        assert tasks.accuracy(model, x, y) == np.mean(tasks.classifier_forward(model, x)[0].argmax(axis=1) == y)


@pytest.mark.parametrize("cell", ["rnn", "lstm", "gru"])
def test_seeds_side_by_side_equal_the_runs_one_at_a_time(cell: str) -> None:
    kwargs = dict(H=8, steps=25, n_test=40, eval_every=10, lr=0.01)
    together = tasks.train_recall_seeds([3, 11], cell, 6, **kwargs)
    for seed, r in zip([3, 11], together):
        alone = tasks.train_recall(rng(seed), cell, 6, **kwargs)
        assert np.allclose(r.loss, alone.loss, rtol=1e-4) and np.allclose(r.grad_norm, alone.grad_norm, rtol=1e-4)
        assert r.eval_steps == alone.eval_steps == [10, 20, 25]
        assert np.allclose(r.test_acc, alone.test_acc, atol=0.03)
        for p, q in zip(r.model.params, alone.model.params):
            assert np.allclose(p, q, atol=1e-4)
    assert together[0].loss != together[1].loss  # two seeds, two different runs


def test_clipping_is_per_model() -> None:
    noise = rng(5)
    grads = [noise.standard_normal((3, 4, 6)), noise.standard_normal((3, 6))]
    grads[0][1] *= 1e-3  # model 1 is below the threshold,
    grads[1][1] *= 1e-3
    grads[0][2] *= 50.0  # model 2 far above it
    clipped, norms = tasks._clip_per_model(grads, 1.0)
    for s in range(3):
        ref, ref_norm = nr.clip_by_global_norm([g[s] for g in grads], 1.0)
        assert np.isclose(norms[s], ref_norm)
        assert all(np.allclose(c[s], r) for c, r in zip(clipped, ref))
    assert norms[1] < 1.0 and all(np.array_equal(c[1], g[1]) for c, g in zip(clipped, grads))  # untouched
    assert np.isclose(np.sqrt(sum(np.sum(c[2] ** 2) for c in clipped)), 1.0)  # cut to the threshold
    unclipped, same = tasks._clip_per_model(grads, None)
    assert unclipped is grads and np.array_equal(same, norms)


def test_steps_to_and_parameter_counts() -> None:
    r = tasks.TrainResult(tasks.init_classifier(rng(), "lstm", 5, 32, 4), eval_steps=[50, 100, 150], test_acc=[0.3, 0.95, 0.9])
    assert r.steps_to(0.9) == 100 and r.steps_to(0.99) is None and r.final_acc == 0.9
    D, H, C = 5, 32, 4
    assert r.model.n_params == 4 * (D * H + H * H + H) + H * C + C
    assert tasks.init_classifier(rng(), "rnn", D, 64, C).n_params == (D * 64 + 64 * 64 + 64) + 64 * C + C
    assert tasks.init_classifier(rng(), "gru", D, H, C).n_params == 3 * (D * H + H * H + 2 * H) + H * C + C


def test_forget_bias_sets_the_lstm_forget_block_only() -> None:
    H = 6
    default = tasks.init_classifier(rng(4), "lstm", 5, H, 4)
    zero = tasks.init_classifier(rng(4), "lstm", 5, H, 4, forget_bias=0.0)
    assert np.all(default.b[H : 2 * H] == 1.0) and np.all(zero.b[H : 2 * H] == 0.0)
    assert np.array_equal(np.delete(default.b, np.s_[H : 2 * H]), np.delete(zero.b, np.s_[H : 2 * H]))
    assert np.array_equal(default.Wx, zero.Wx)  # the same random draws otherwise
    r = tasks.train_recall(rng(4), "lstm", 4, H=H, steps=1, n_test=10, forget_bias=0.0)
    assert r.model.b.shape == (4 * H,)
    with pytest.raises(ValueError, match=r"forget_bias is for the LSTM only; got forget_bias=0.0 with cell='gru'"):
        tasks.init_classifier(rng(), "gru", 5, H, 4, forget_bias=0.0)


def test_train_classifiers_rejects_mismatched_models() -> None:
    sample = tasks.recall_sampler(4)
    test = tasks.make_recall_task(rng(), 10, 4)
    a, b = tasks.init_classifier(rng(1), "rnn", 5, 4, 4), tasks.init_classifier(rng(2), "rnn", 5, 6, 4)
    with pytest.raises(ValueError, match=r"one generator and one test set per model; got 1 generators, 2 models and 2 test sets"):
        tasks.train_classifiers([rng()], [a, a], sample, [test, test], steps=1)
    with pytest.raises(ValueError, match=r"one cell and one shape"):
        tasks.train_classifiers([rng(1), rng(2)], [a, b], sample, [test, test], steps=1)
    with pytest.raises(ValueError, match=r"seeds must be distinct and not empty; got \[1, 1\]"):
        tasks.train_recall_seeds([1, 1], "rnn", 4, steps=1)


# --------------------------------------------------------------------------
# Bad inputs say what was expected and what came
# --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "kwargs, match",
    [
        (dict(n=0, T=5), r"n must be an int >= 1; got 0"),
        (dict(n=3, T=0), r"T must be an int >= 1; got 0"),
        (dict(n=3, T=2.5), r"T must be an int >= 1; got 2.5"),
        (dict(n=3, T=5, distance=5), r"distance must be < T = 5.*got 5"),
        (dict(n=3, T=5, distance=-1), r"distance must be an int >= 0; got -1"),
        (dict(n=3, T=5, n_symbols=1), r"n_symbols must be an int >= 2; got 1"),
    ],
)
def test_make_recall_task_rejects_bad_arguments(kwargs: dict, match: str) -> None:
    with pytest.raises(ValueError, match=match):
        tasks.make_recall_task(rng(), **kwargs)


def test_bad_rng_cell_and_shapes_raise() -> None:
    with pytest.raises(ValueError, match=r"np.random.Generator.*got int"):
        tasks.make_recall_task(0, 3, 5)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match=r"cell must be one of \('rnn', 'lstm', 'gru'\); got 'cnn'"):
        tasks.init_classifier(rng(), "cnn", 5, 4, 4)  # type: ignore[arg-type]
    model = tasks.init_classifier(rng(), "lstm", 5, 4, 4)
    with pytest.raises(ValueError, match=r"x must have shape \(N, T, D=5\); got \(2, 3, 7\)"):
        tasks.classifier_forward(model, np.zeros((2, 3, 7)))
    with pytest.raises(ValueError, match=r"y must have shape \(N,\) = \(2,\); got \(2, 1\)"):
        tasks.classifier_loss(model, np.zeros((2, 3, 5), np.float32), np.zeros((2, 1), int))
    with pytest.raises(ValueError, match=r"max_norm must be positive or None; got 0"):
        tasks.train_recall(rng(), "rnn", 3, steps=1, max_norm=0)
    with pytest.raises(ValueError, match=r"expected 1 gradients, one per parameter; got 2"):
        tasks.Adam([np.zeros(2)]).step([np.zeros(2), np.zeros(2)])
