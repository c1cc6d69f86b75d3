"""Test-wide settings: quick mode, quiet TensorFlow, no plot windows.

These are set before any test or notebook kernel starts, so the notebooks
that nbval runs inherit them too. RNNKIT_QUICK=0 runs the notebooks in full.
"""

import os

os.environ.setdefault("RNNKIT_QUICK", "1")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("MPLBACKEND", "Agg")


def pytest_collection_modifyitems(config, items):  # noqa: ARG001
    """Keep what must run in one process together when pytest-xdist spreads the run over the cores.

    The run uses ``-n auto --dist loadgroup`` (pyproject.toml): each group goes to one worker.
    A notebook's cells share one kernel, so a notebook is one group; a test module is one
    group too (module fixtures such as the classroom copies are built once). The two long
    runs of tests/test_backends.py (every Keras test and notebook on another backend, each
    in its own subprocess) are a group each, so the two workers can take one each.
    """
    import pathlib

    import pytest

    for item in items:
        path = pathlib.Path(str(item.fspath))
        group = item.nodeid if path.name == "test_backends.py" else str(path)
        item.add_marker(pytest.mark.xdist_group(group))
