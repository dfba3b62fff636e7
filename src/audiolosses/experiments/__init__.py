"""Reproducible experiments behind the chapters, each a module runnable as a command.

- :mod:`audiolosses.experiments.overfit`: chapter 4's "overfit one sound with MSE vs the perceptual loss".
"""

__all__ = ["overfit"]
