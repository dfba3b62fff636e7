"""Reproducible experiments behind the chapters, each a module runnable as a command.

- :mod:`audiolosses.experiments.overfit`: chapter 4's "overfit one sound with MSE vs the perceptual loss".
- :mod:`audiolosses.experiments.vae`: chapter 6's small VAE on log-mel frames (L1 + β·KL).
"""

from . import vae

__all__ = ["overfit", "vae"]
