"""Test-wide settings: quick mode, quiet TensorFlow, no plot windows.

These are set before any test or notebook kernel starts, so the notebooks
that nbval runs inherit them too. RNNKIT_QUICK=0 runs the notebooks in full.
"""

import os

os.environ.setdefault("RNNKIT_QUICK", "1")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("MPLBACKEND", "Agg")
