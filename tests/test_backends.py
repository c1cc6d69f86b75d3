"""Run every Keras test (those marked ``keras``) and every Keras notebook on the two backends this process is not using.

KERAS_BACKEND is fixed when Keras is first imported, so each other backend gets
its own pytest in a subprocess. The main run covers the current backend
(TensorFlow unless KERAS_BACKEND says otherwise), so all three are tested.
"""

from __future__ import annotations

import json
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
    cmd = [sys.executable, "-m", "pytest", str(TESTS), "-m", "keras", "-q", "--no-header", "-p", "no:cacheprovider", "-n", "0"]
    proc = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=1800, cwd=TESTS.parent)
    tail = "\n".join((proc.stdout + proc.stderr).splitlines()[-60:])
    assert proc.returncode == 0, f"Keras tests failed on KERAS_BACKEND={backend}:\n{tail}"
    assert " passed" in proc.stdout, f"no Keras test ran on {backend}:\n{tail}"


def _keras_notebooks() -> list[pathlib.Path]:
    """Every notebook whose code imports Keras: these must run on all three backends."""
    def imports_keras(nb: pathlib.Path) -> bool:
        cells = json.loads(nb.read_text(encoding="utf-8"))["cells"]
        code = "".join("".join(c["source"]) + "\n" for c in cells if c["cell_type"] == "code")
        return any(line.startswith(("import keras", "from keras")) for line in code.splitlines())

    return [nb for nb in sorted((TESTS.parent / "notebooks").glob("[0-9][0-9]_*.ipynb")) if imports_keras(nb)]


def test_keras_notebooks_are_found() -> None:
    names = [nb.name[:2] for nb in _keras_notebooks()]
    assert names[:1] == ["06"] and "14" in names, names


OTHERS = [b for b in BACKENDS if b != CURRENT]


def run_keras_notebooks(backend: str) -> None:
    """Every Keras notebook under nbval on ``backend``, in a pytest of its own."""
    env = {**os.environ, "KERAS_BACKEND": backend}
    notebooks = [str(nb) for nb in _keras_notebooks()]
    cmd = [sys.executable, "-m", "pytest", *notebooks, "-q", "--no-header", "-p", "no:cacheprovider", "-n", "0"]
    proc = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=2400, cwd=TESTS.parent)
    tail = "\n".join((proc.stdout + proc.stderr).splitlines()[-60:])
    assert proc.returncode == 0, f"Keras notebooks failed on KERAS_BACKEND={backend}:\n{tail}"
    assert " passed" in proc.stdout, f"no notebook cell ran on {backend}:\n{tail}"


def test_keras_notebooks_run_on_the_first_other_backend() -> None:
    """The main run tests every notebook on the current backend; this runs the Keras ones on another.

    The second other backend is in tests/test_backends_2.py: pytest-xdist (``--dist loadfile``)
    keeps a file on one worker, so the two long runs go to two workers.
    """
    run_keras_notebooks(OTHERS[0])
