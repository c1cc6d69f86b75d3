"""Test-wide settings: quick mode, quiet TensorFlow, no plot windows.

These are set before any test or notebook kernel starts, so the notebooks
that nbval runs inherit them too. RNNKIT_QUICK=0 runs the notebooks in full.
"""

import os

os.environ.setdefault("RNNKIT_QUICK", "1")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("MPLBACKEND", "Agg")


def pytest_terminal_summary(terminalreporter, exitstatus, config):  # noqa: ARG001
    """One line on the website test (tests/test_site.py), when it ran."""
    import sys

    summary = getattr(sys.modules.get("test_site"), "SUMMARY", None)
    if summary and "browser_s" in summary:
        terminalreporter.write_line(
            f"website: {summary['pages']} pages opened in Chromium, {summary.get('figures', 0)} figures found, "
            f"{summary.get('links', 0)} internal links checked ({summary.get('external_links', 0)} external ones not "
            f"followed); build {summary['build_s']:.0f} s, browser {summary['browser_s']:.0f} s")
