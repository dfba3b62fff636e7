"""Reproducible experiments behind the chapters (`overfit` also runs as a command: see its `--help`).

- :mod:`audiolosses.experiments.overfit`: chapter 4's "overfit one sound with MSE vs the perceptual loss".
- :mod:`audiolosses.experiments.mask`: chapter 5's small mask network trained with the component losses.
- :mod:`audiolosses.experiments.vae`: chapter 6's small VAE on log-mel frames (L1 + β·KL).
"""

from . import mask, vae

__all__ = ["mask", "overfit", "vae"]
