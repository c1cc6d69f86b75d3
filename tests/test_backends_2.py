"""Every Keras notebook on the second backend this process is not using (see tests/test_backends.py).

In a file of its own so that pytest-xdist (``--dist loadfile``, which keeps each file on one
worker) runs it beside the first other backend's run instead of after it.
"""

from __future__ import annotations

from test_backends import OTHERS, run_keras_notebooks


def test_keras_notebooks_run_on_the_second_other_backend() -> None:
    run_keras_notebooks(OTHERS[1])
