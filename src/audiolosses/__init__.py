"""audiolosses: the loss functions behind audio generation and enhancement, derived step by step.

The package behind the course "Audio Losses, Step by Step". One module per chapter, on a thin shared
base:

- :mod:`audiolosses.audio`: example sounds, resampling, WAV files and level-faithful playback.
- :mod:`audiolosses.spectral`: decibels, frames, STFT, mel and Bark scales.
- :mod:`audiolosses.plot`: waveform, spectrogram and loss-curve figures (the ``notebook`` extra; imported
  on first use, so training code that imports a loss loads neither matplotlib nor ipywidgets).
- :mod:`audiolosses.explorers`: the chapters' interactive figures (the ``notebook`` extra, imported on use).
- :mod:`audiolosses.exercises`: self-checks for the exercises.

Every loss follows one contract (``CONTRIBUTING.md``): ``loss(input, target)`` with the prediction first,
keyword-only settings, ``reduction`` in ``"mean"``/``"sum"``/``"none"`` (``"none"``: one value per batch item),
``sample_rate`` required where a scale depends on it. Value checks (NaN/Inf, ranges) can be switched off with
:func:`set_validate_values` or :func:`validate_values` and are skipped under ``torch.compile``.

Chapters:

- :mod:`audiolosses.rvm`: Relative Volume Mel (chapter 2).
- :mod:`audiolosses.hifigan`: HiFi-GAN's adversarial, feature-matching and mel losses (chapter 3).
- :mod:`audiolosses.perceptual`: a Bark-spaced filter-bank perceptual loss (chapter 4), and
  :mod:`audiolosses.experiments.overfit`, the experiment that trains a tiny generator with it.
- :mod:`audiolosses.component`: the 2- and 3-component losses for mask-based enhancement (chapter 5).
- :mod:`audiolosses.kl`: the Gaussian KL divergence loss of a VAE (chapter 6), and
  :mod:`audiolosses.experiments.vae`, the chapter's small VAE.
- :mod:`audiolosses.atlas`: a loss response atlas, every waveform loss against controlled distortions, judged
  by PESQ and STOI (chapter 7).
- :mod:`audiolosses.stft_loss`: the multi-resolution STFT loss of Parallel WaveGAN and auraloss (chapter 8).
- :mod:`audiolosses.sdr`: SNR, SI-SDR, SD-SDR and the negative SI-SDR loss (chapter 9).
"""

import importlib
from importlib.metadata import PackageNotFoundError
from importlib.metadata import version as _version

from . import audio, component, hifigan, kl, perceptual, rvm, sdr, spectral, stft_loss
from ._validation import get_validate_values, set_validate_values, validate_values
from .audio import load_example, play, play_side_by_side
from .component import ComponentLoss, component_loss
from .hifigan import (
    DiscriminatorLoss,
    FeatureLoss,
    GeneratorLoss,
    GeneratorObjective,
    MelLoss,
    discriminator_loss,
    feature_loss,
    generator_loss,
    mel_loss,
)
from .kl import GaussianKLDivLoss, gaussian_kl, kl_div_loss, kl_div_loss_logvar
from .perceptual import PerceptualLoss, perceptual_loss
from .rvm import RelativeVolumeMel, RelativeVolumeMelLoss
from .sdr import SDSDRLoss, SISDRLoss, sd_sdr_loss, si_sdr, si_sdr_loss
from .spectral import db_to_scale, mel_filter_bank, mel_spectrogram, scale_to_db, stft_magnitude
from .stft_loss import MultiResolutionSTFTLoss, STFTLoss, multi_resolution_stft_loss

try:
    __version__ = _version("audiolosses")  # the one place: pyproject.toml's [project] version
except PackageNotFoundError:  # pragma: no cover - running from a source tree that was never installed
    __version__ = "0+unknown"

# Modules that need the notebook extra (matplotlib, ipywidgets) or that only the book uses are imported on
# first access, e.g. ``audiolosses.plot``: ``import audiolosses`` stays light for training code.
_LAZY_MODULES = ("atlas", "exercises", "experiments", "explorers", "plot")


def __getattr__(name: str):
    if name in _LAZY_MODULES:
        module = importlib.import_module(f".{name}", __name__)
        globals()[name] = module
        return module
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY_MODULES))


__all__ = [
    "audio",
    "exercises",
    "explorers",
    "plot",
    "rvm",
    "hifigan",
    "perceptual",
    "experiments",
    "component",
    "kl",
    "atlas",
    "stft_loss",
    "sdr",
    "spectral",
    "set_validate_values",
    "get_validate_values",
    "validate_values",
    "load_example",
    "play",
    "play_side_by_side",
    "db_to_scale",
    "mel_filter_bank",
    "mel_spectrogram",
    "scale_to_db",
    "stft_magnitude",
    "RelativeVolumeMel",
    "RelativeVolumeMelLoss",
    "discriminator_loss",
    "generator_loss",
    "feature_loss",
    "mel_loss",
    "DiscriminatorLoss",
    "GeneratorLoss",
    "FeatureLoss",
    "MelLoss",
    "GeneratorObjective",
    "perceptual_loss",
    "PerceptualLoss",
    "component_loss",
    "ComponentLoss",
    "gaussian_kl",
    "kl_div_loss",
    "kl_div_loss_logvar",
    "GaussianKLDivLoss",
    "multi_resolution_stft_loss",
    "MultiResolutionSTFTLoss",
    "STFTLoss",
    "si_sdr",
    "si_sdr_loss",
    "SISDRLoss",
    "sd_sdr_loss",
    "SDSDRLoss",
]
