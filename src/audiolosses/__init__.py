"""audiolosses: the loss functions behind audio generation and enhancement, derived step by step.

The package behind the course "Audio Losses, Step by Step". One module per chapter, on a thin shared
base:

- :mod:`audiolosses.audio`: example sounds, resampling, WAV files and level-faithful playback.
- :mod:`audiolosses.spectral`: decibels, frames, STFT, mel and Bark scales.
- :mod:`audiolosses.plot`: waveform, spectrogram and loss-curve figures.
- :mod:`audiolosses.exercises`: self-checks for the exercises.

Chapters:

- :mod:`audiolosses.rvm`: Relative Volume Mel (chapter 2).
- :mod:`audiolosses.hifigan`: HiFi-GAN's adversarial, feature-matching and mel losses (chapter 3).
- :mod:`audiolosses.perceptual`: a Bark-spaced filter-bank perceptual loss (chapter 4), and
  :mod:`audiolosses.experiments.overfit`, the experiment that trains a tiny generator with it.
- :mod:`audiolosses.component`: the 2- and 3-component losses for mask-based enhancement (chapter 5).
- :mod:`audiolosses.kl`: the Gaussian KL divergence loss of a VAE (chapter 6).
- :mod:`audiolosses.atlas`: a loss response atlas, every waveform loss against controlled distortions, judged
  by PESQ and STOI (chapter 7).
- :mod:`audiolosses.stft_loss`: the multi-resolution STFT loss of Parallel WaveGAN and auraloss (chapter 8).
- :mod:`audiolosses.sdr`: SNR, SI-SDR, SD-SDR and the negative SI-SDR loss (chapter 9).
"""

from . import (
    atlas,
    audio,
    component,
    exercises,
    experiments,
    hifigan,
    kl,
    perceptual,
    plot,
    rvm,
    sdr,
    spectral,
    stft_loss,
)
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
from .kl import GaussianKLDivLoss, kl_div_loss, kl_div_loss_logvar
from .perceptual import PerceptualLoss, perceptual_loss
from .rvm import RelativeVolumeMel, RelativeVolumeMelLoss
from .sdr import SDSDRLoss, SISDRLoss, sd_sdr_loss, si_sdr, si_sdr_loss
from .spectral import db_to_scale, mel_filter_bank, mel_spectrogram, scale_to_db, stft_magnitude
from .stft_loss import MultiResolutionSTFTLoss, STFTLoss, multi_resolution_stft_loss

__version__ = "0.1.0"

__all__ = [
    "audio",
    "exercises",
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
