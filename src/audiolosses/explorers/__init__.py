"""Interactive figures of the chapters (ipywidgets + matplotlib: the ``notebook`` extra).

One module per chapter, as :mod:`audiolosses.exercises`. The loss modules never import this package, so
training code that imports a loss loads neither matplotlib nor ipywidgets. Each explorer draws its default
figure on a static page and is live in Jupyter and on Colab.
"""

from .atlas import AtlasExplorer
from .component import ComponentLossExplorer
from .hifigan import LossBalanceExplorer
from .kl import VAEExplorer
from .perceptual import FilterBankExplorer, OverfitResultsExplorer
from .rvm import RelativeVolumeMelExplorer
from .sdr import SISDRExplorer
from .stft_loss import STFTLossExplorer

__all__ = [
    "RelativeVolumeMelExplorer",
    "LossBalanceExplorer",
    "FilterBankExplorer",
    "OverfitResultsExplorer",
    "ComponentLossExplorer",
    "VAEExplorer",
    "AtlasExplorer",
    "SISDRExplorer",
    "STFTLossExplorer",
]
