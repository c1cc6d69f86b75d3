"""rnnkit: the helpers shared by the notebooks of the RNN course.

Importing ``rnnkit`` does not import Keras; the Keras parts
(``rnnkit.cells`` and later modules) load it when you import them.
"""

from rnnkit.notebook import QUICK, pick, setup

__version__ = "0.1.0"
__all__ = ["QUICK", "pick", "setup", "__version__"]
