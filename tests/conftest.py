"""Report the wrong-answer suite's count at the end of a pytest run that included it.

Under pytest-xdist the wrong answers are tried in the workers: each worker sends its
records back (``workeroutput``) and the controller adds them up before it reports.
"""

from __future__ import annotations

import sys

import pytest

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
