"""Test-wide settings: quick mode, quiet TensorFlow, no plot windows.

These are set before any test or notebook kernel starts, so the notebooks
that nbval runs inherit them too. RNNKIT_QUICK=0 runs the notebooks in full.
"""

import os

import pytest

os.environ.setdefault("RNNKIT_QUICK", "1")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("MPLBACKEND", "Agg")


_SITE_FROM_WORKERS: list[dict] = []


def _site_summary() -> dict | None:
    import sys

    return getattr(sys.modules.get("test_site"), "SUMMARY", None)


def pytest_sessionfinish(session, exitstatus):  # noqa: ARG001
    workeroutput = getattr(session.config, "workeroutput", None)
    if workeroutput is not None and _site_summary():  # an xdist worker ran the website test: tell the controller
        workeroutput["site_summary"] = dict(_site_summary())


@pytest.hookimpl(optionalhook=True)
def pytest_testnodedown(node, error):  # noqa: ARG001
    if "site_summary" in node.workeroutput:
        _SITE_FROM_WORKERS.append(node.workeroutput["site_summary"])


def pytest_terminal_summary(terminalreporter, exitstatus, config):  # noqa: ARG001
    """One line on the website test (tests/test_site.py), when it ran (here or in an xdist worker)."""
    for summary in [s for s in [_site_summary()] if s] + _SITE_FROM_WORKERS:
        if "browser_s" in summary:
            terminalreporter.write_line(
                f"website: {summary['pages']} pages opened in Chromium, {summary.get('figures', 0)} figures found, "
                f"{summary.get('links', 0)} internal links checked ({summary.get('external_links', 0)} external ones not "
                f"followed); build {summary['build_s']:.0f} s, browser {summary['browser_s']:.0f} s")
