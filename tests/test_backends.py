"""Run every Keras test (those marked ``keras``) on the two backends this process is not using.

KERAS_BACKEND is fixed when Keras is first imported, so each other backend gets
its own pytest in a subprocess. The main run covers the current backend
(TensorFlow unless KERAS_BACKEND says otherwise), so all three are tested.
"""

from __future__ import annotations

import os
import pathlib
import subprocess
import sys

import pytest

BACKENDS = ("tensorflow", "jax", "torch")
CURRENT = os.environ.get("KERAS_BACKEND", "tensorflow")
TESTS = pathlib.Path(__file__).parent


@pytest.mark.parametrize("backend", [b for b in BACKENDS if b != CURRENT])
def test_keras_tests_pass_on_backend(backend: str) -> None:
    env = {**os.environ, "KERAS_BACKEND": backend}
    cmd = [sys.executable, "-m", "pytest", str(TESTS), "-m", "keras", "-q", "--no-header", "-p", "no:cacheprovider"]
    proc = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=1800, cwd=TESTS.parent)
    tail = "\n".join((proc.stdout + proc.stderr).splitlines()[-60:])
    assert proc.returncode == 0, f"Keras tests failed on KERAS_BACKEND={backend}:\n{tail}"
    assert " passed" in proc.stdout, f"no Keras test ran on {backend}:\n{tail}"
