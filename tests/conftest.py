"""Report the wrong-answer suite's count at the end of a pytest run that included it."""

from __future__ import annotations

import sys


def pytest_terminal_summary(terminalreporter, exitstatus, config):  # noqa: ARG001
    records = []
    for name in ("test_wrong_answers", "test_wrong_answers_keras"):
        module = sys.modules.get(name)
        records += getattr(module, "RECORD", [])
    if records:
        caught = sum(1 for r in records if r[2])
        named = sum(1 for r in records if r[3])
        checks = len({r[0] for r in records})
        terminalreporter.write_line(
            f"wrong-answer suite: {len(records)} wrong answers to {checks} checks tried, {caught} caught, "
            f"{named} with the message that names the mistake")
