"""Report the wrong-answer suite's count at the end of a pytest run that included it; one OpenMP thread per process.

Under pytest-xdist the wrong answers are tried in the workers: each worker sends its
records back (``workeroutput``) and the controller adds them up before it reports.
"""

from __future__ import annotations

import os
import sys

import pytest

# One OpenMP thread per process: pytest-xdist already gives every core a worker, and PyTorch's
# OpenMP threads spin while they wait for a core that another worker holds. Measured on this
# course's 2-core machine, notebook 10 in quick mode on KERAS_BACKEND=torch with the other core
# busy: 69 s with the default threads, 13 s with one (TensorFlow and JAX: no difference). Set here,
# before xdist starts its workers, so the workers, their notebook kernels and the nested pytest
# runs of tests/test_backends*.py inherit it; a value set outside pytest is kept.
os.environ.setdefault("OMP_NUM_THREADS", "1")

_FROM_WORKERS: list = []


def _records() -> list:
    records = []
    for name in ("test_wrong_answers", "test_wrong_answers_keras"):
        records += [tuple(r) for r in getattr(sys.modules.get(name), "RECORD", [])]
    return records


def pytest_sessionfinish(session, exitstatus):  # noqa: ARG001
    workeroutput = getattr(session.config, "workeroutput", None)
    if workeroutput is not None:  # an xdist worker: hand the records to the controller
        workeroutput["wrong_answer_records"] = [list(r) for r in _records()]


@pytest.hookimpl(optionalhook=True)
def pytest_testnodedown(node, error):  # noqa: ARG001
    _FROM_WORKERS.extend(tuple(r) for r in node.workeroutput.get("wrong_answer_records", []))


def pytest_terminal_summary(terminalreporter, exitstatus, config):  # noqa: ARG001
    records = _records() + _FROM_WORKERS
    if records:
        caught = sum(1 for r in records if r[2])
        named = sum(1 for r in records if r[3])
        checks = len({r[0] for r in records})
        terminalreporter.write_line(
            f"wrong-answer suite: {len(records)} wrong answers to {checks} checks tried, {caught} caught, "
            f"{named} with the message that names the mistake")
