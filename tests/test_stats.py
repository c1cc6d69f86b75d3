"""rnnkit.stats (several seeds, paired tests) and rnnkit.figures.seed_band."""

from __future__ import annotations

import math

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from rnnkit import figures, stats  # noqa: E402


def test_spread_summarises_and_formats() -> None:
    s = stats.Spread((0.9, 0.8, 1.0))
    assert s.n == 3 and s.min == 0.8 and s.max == 1.0
    assert math.isclose(s.mean, 0.9) and math.isclose(s.sd, 0.1)
    assert str(s) == "0.900 ± 0.100 (0.800–1.000, 3 seeds)"
    assert f"{s:.1f}" == "0.9 ± 0.1 (0.8–1.0, 3 seeds)"
    assert str(stats.Spread((2.0,))) == "2.000 ± 0.000 (2.000–2.000, 1 seed)"


@pytest.mark.parametrize("bad", [(), (1.0, float("nan")), (float("inf"),)])
def test_spread_refuses_empty_or_not_finite(bad: tuple) -> None:
    with pytest.raises(ValueError, match="Spread needs"):
        stats.Spread(bad)


def test_over_seeds_calls_each_seed_once() -> None:
    seen = []

    def run(seed: int) -> float:
        seen.append(seed)
        return float(seed) ** 2

    s = stats.over_seeds(run, seeds=[1, 2, 3])
    assert seen == [1, 2, 3] and s.values == (1.0, 4.0, 9.0)
    assert stats.over_seeds(lambda seed: seed, 4).values == (0.0, 1.0, 2.0, 3.0)


def test_over_seeds_with_several_scores_per_run() -> None:
    out = stats.over_seeds(lambda seed: {"val": seed, "test": -seed}, seeds=[0, 1])
    assert list(out) == ["val", "test"]
    assert out["val"].values == (0.0, 1.0) and out["test"].values == (0.0, -1.0)


@pytest.mark.parametrize("seeds", [0, [], [1, 1]])
def test_over_seeds_refuses_bad_seeds(seeds: object) -> None:
    with pytest.raises(ValueError, match="seeds"):
        stats.over_seeds(lambda s: 1.0, seeds)  # type: ignore[arg-type]


def test_over_seeds_refuses_mixed_results() -> None:
    with pytest.raises(ValueError, match="different keys"):
        stats.over_seeds(lambda s: {"a": 1} if s == 0 else {"b": 1}, 2)
    with pytest.raises(ValueError, match="a number for every seed"):
        stats.over_seeds(lambda s: {"a": 1} if s == 0 else 1.0, 2)


def test_mcnemar_counts_disagreements_and_matches_the_binomial() -> None:
    a = np.array([1, 1, 1, 0, 0, 1, 1, 0], bool)
    b = np.array([1, 0, 0, 0, 1, 1, 0, 0], bool)
    r = stats.mcnemar(a, b)
    assert (r.b, r.c) == (3, 1)
    assert math.isclose(r.p, 2 * (1 + 4) / 16)          # P(X <= 1), X ~ Bin(4, 1/2), doubled
    assert stats.mcnemar(a, a).p == 1.0
    # the numbers 08 reported with scipy.stats.binomtest: 64 vs 60 disagreements, p = 0.79
    a2 = np.r_[np.ones(64, bool), np.zeros(60, bool)]
    assert round(stats.mcnemar(a2, ~a2).p, 2) == 0.79
    assert stats.mcnemar(np.ones(30, bool), np.zeros(30, bool)).p < 1e-8


def test_mcnemar_refuses_bad_shapes() -> None:
    with pytest.raises(ValueError, match=r"same shape, received \(3,\) and \(4,\)"):
        stats.mcnemar(np.ones(3, bool), np.ones(4, bool))
    with pytest.raises(ValueError, match=r"shape \(n,\), received \(2, 2\)"):
        stats.mcnemar(np.ones((2, 2), bool), np.ones((2, 2), bool))
    with pytest.raises(ValueError, match="True/False"):
        stats.mcnemar(np.array([0.5, 1.0]), np.array([1, 0]))


def test_paired_permutation_test_finds_a_shift_and_not_noise() -> None:
    rng = np.random.default_rng(0)
    noise = rng.normal(size=300)
    a = noise + rng.normal(scale=0.1, size=300)
    assert stats.paired_permutation_test(a, noise + 0.2, rng=np.random.default_rng(1), n_resamples=2000) < 0.01
    p_null = [stats.paired_permutation_test(noise + rng.normal(size=300), noise, rng=np.random.default_rng(k),
                                            n_resamples=500) for k in range(20)]
    assert np.mean(np.array(p_null) < 0.05) <= 0.2          # noise is rarely "significant"
    assert stats.paired_permutation_test(noise, noise, rng=rng, n_resamples=100) == 1.0


def test_paired_permutation_test_long_inputs_in_bounded_memory() -> None:
    rng = np.random.default_rng(0)
    a = rng.normal(size=200_000)
    p = stats.paired_permutation_test(a, a - 0.01, rng=rng, n_resamples=50)
    assert p == pytest.approx(1 / 51)


def test_paired_permutation_test_refuses_bad_input() -> None:
    rng = np.random.default_rng(0)
    with pytest.raises(ValueError, match=r"shape \(n,\), received \(3,\) and \(2,\)"):
        stats.paired_permutation_test(np.ones(3), np.ones(2), rng=rng)
    with pytest.raises(ValueError, match="np.random.Generator"):
        stats.paired_permutation_test(np.ones(3), np.ones(3), rng=0)  # type: ignore[arg-type]


def test_seed_band_draws_mean_and_range() -> None:
    fig, ax = plt.subplots()
    runs = np.array([[0.0, 1.0, 2.0], [2.0, 3.0, 4.0]])
    line = figures.seed_band(ax, [1, 2, 3], runs, label="model")
    np.testing.assert_allclose(line.get_ydata(), [1.0, 2.0, 3.0])
    assert line.get_label() == "model (mean of 2 seeds)"
    band = ax.collections[0].get_paths()[0].vertices
    assert band[:, 1].min() == 0.0 and band[:, 1].max() == 4.0
    plt.close(fig)


def test_seed_band_refuses_mismatched_shapes() -> None:
    fig, ax = plt.subplots()
    with pytest.raises(ValueError, match=r"shape \(seeds, 3\) .* received \(2, 4\)"):
        figures.seed_band(ax, [1, 2, 3], np.zeros((2, 4)), label="m")
    with pytest.raises(ValueError, match="finite"):
        figures.seed_band(ax, [1, 2], np.array([[np.nan, 1.0]]), label="m")
    plt.close(fig)
