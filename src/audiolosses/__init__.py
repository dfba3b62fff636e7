"""audiolosses: the loss functions behind audio generation and enhancement, derived step by step.

The package behind the course "Audio Losses, Step by Step". One module per chapter, on a thin shared
base:

- :mod:`audiolosses.audio`: example sounds, resampling, WAV files and level-faithful playback.
- :mod:`audiolosses.spectral`: decibels, frames, STFT, mel and Bark scales.
- :mod:`audiolosses.plot`: waveform, spectrogram and loss-curve figures.
- :mod:`audiolosses.exercises`: self-checks for the exercises.

Chapters:

- :mod:`audiolosses.rvm`: Relative Volume Mel (chapter 2).
"""

from . import audio, exercises, plot, rvm, spectral
from .audio import load_example, play, play_side_by_side
from .rvm import RelativeVolumeMel, RelativeVolumeMelLoss
from .spectral import db_to_scale, mel_filter_bank, mel_spectrogram, scale_to_db, stft_magnitude

__version__ = "0.1.0"

__all__ = [
    "audio",
    "exercises",
    "plot",
    "rvm",
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
]
