"""Figure helpers that are not the lesson: the notebooks call them in one line.

``seed_band`` draws a measurement repeated over seeds: the mean as a line and the
range from the lowest to the highest seed as a shaded band, so a reader sees at once
whether two curves are further apart than one curve is from itself.
"""

from __future__ import annotations

from typing import Any

import numpy as np

__all__ = ["seed_band"]


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
