"""Small helpers every notebook calls in its first code cell.

``QUICK`` is true when the environment variable ``RNNKIT_QUICK`` is set to
``1`` (the tests do this). Notebooks then take the same code path on less data
and fewer epochs; ``pick(full=..., quick=...)`` chooses the size.
"""

from __future__ import annotations

import contextlib
import logging
import os
import platform
import sys
import tempfile
from collections.abc import Iterator
from typing import TypeVar

import numpy as np

T = TypeVar("T")

QUICK: bool = os.environ.get("RNNKIT_QUICK", "").strip().lower() not in ("", "0", "false", "no")


def pick(full: T, quick: T) -> T:
    """Return ``quick`` in quick mode and ``full`` otherwise."""
    return quick if QUICK else full


def setup(seed: int = 0, *, keras: bool = False) -> np.random.Generator:
    """Seed everything, set plot defaults and say what this machine is.

    Args:
        seed: the seed for numpy's generator (and Keras' when ``keras=True``).
        keras: also import Keras and call ``keras.utils.set_random_seed(seed)``. Call
            ``setup`` before importing Keras yourself: it imports it without the start-up
            lines TensorFlow's C++ runtime prints, so a later ``import keras`` is silent.

    Returns:
        A ``np.random.Generator`` for the notebook's numpy code.
    """
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    # TensorFlow's Python-side warnings (e.g. "triggered tf.function retracing" when predict() meets a
    # new input shape) are about its tracing cache, not about the lesson: show errors only.
    logging.getLogger("tensorflow").setLevel(logging.ERROR)
    import matplotlib.pyplot as plt

    plt.rcParams.update(
        {
            "figure.dpi": 100,
            "savefig.dpi": 150,
            "figure.figsize": (7, 3.5),
            "axes.grid": True,
            "grid.alpha": 0.3,
            "axes.spines.top": False,
            "axes.spines.right": False,
        }
    )
    np.set_printoptions(precision=4, suppress=True, linewidth=100)
    lines = [
        f"mode: {'QUICK (small data, few epochs; RNNKIT_QUICK=1)' if QUICK else 'full'}",
        f"python {platform.python_version()}, numpy {np.__version__}, {os.cpu_count()} CPU cores",
    ]
    if keras:
        with _native_stderr_hidden():
            import keras as _keras

            _keras.utils.set_random_seed(seed)
            devices = _devices()
        lines.append(f"keras {_keras.__version__}, backend {_keras.backend.backend()}, devices: {devices}")
    print("\n".join(lines))
    return np.random.default_rng(seed)


@contextlib.contextmanager
def _native_stderr_hidden() -> Iterator[None]:
    """Hide what C++ code writes to file descriptor 2 while the block runs.

    Importing TensorFlow prints start-up lines from its C++ runtime ("All log messages
    before absl::InitializeLog() ...", oneDNN and CUDA probes) before its own log level
    applies, so ``TF_CPP_MIN_LOG_LEVEL`` cannot silence them. They are not part of any
    lesson. If the block raises, the hidden lines are printed so no error is lost.
    """
    try:
        fd = sys.__stderr__.fileno() if sys.__stderr__ is not None else 2
        saved = os.dup(fd)
    except (OSError, ValueError):  # no real file descriptor 2: nothing to hide
        yield
        return
    with tempfile.TemporaryFile(mode="w+b") as sink:
        os.dup2(sink.fileno(), fd)
        try:
            yield
        except BaseException:
            os.dup2(saved, fd)
            sink.seek(0)
            sys.stderr.write(sink.read().decode(errors="replace"))
            raise
        finally:
            os.dup2(saved, fd)
            os.close(saved)


def _devices() -> str:
    """A short description of the accelerators the current Keras backend sees."""
    import keras

    backend = keras.backend.backend()
    try:
        if backend == "tensorflow":
            import tensorflow as tf

            gpus = tf.config.list_physical_devices("GPU")
            return f"{len(gpus)} GPU(s)" if gpus else "CPU only"
        if backend == "jax":
            import jax

            return ", ".join(sorted({d.platform.upper() for d in jax.devices()}))
        if backend == "torch":
            import torch

            return f"GPU {torch.cuda.get_device_name(0)}" if torch.cuda.is_available() else "CPU only"
    except Exception as exc:  # a broken driver should not stop a lesson
        return f"unknown ({exc.__class__.__name__})"
    return "unknown"
