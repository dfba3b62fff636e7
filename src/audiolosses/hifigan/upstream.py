"""HiFi-GAN's functions with the original signatures (jik876/hifi-gan ``meldataset.py``, ``models.py``).

The package's own API (:mod:`audiolosses.hifigan.mel`) renames the settings (``sample_rate``, ``n_mels``,
``hop_length``, ``win_length``, ``f_min``, ``f_max``), puts the generated audio first and requires the sample
rate. This namespace keeps HiFi-GAN's names, order and positional arguments, so a reader can set the original
code beside it line by line; both compute the same numbers.

Example::

    >>> import torch
    >>> from audiolosses.hifigan import upstream
    >>> y = torch.randn(1, 8192)
    >>> upstream.mel_spectrogram(y, 1024, 80, 22050, 256, 1024, 0, None).shape
    torch.Size([1, 80, 32])
"""

from __future__ import annotations

import torch

from .._validation import check_min_length, check_same_shape, check_tensor
from .losses import discriminator_loss, feature_loss, generator_loss
from .mel import _check_mel_settings, _log_mel

__all__ = ["mel_spectrogram", "mel_l1", "discriminator_loss", "generator_loss", "feature_loss"]

_UPSTREAM_NAMES = dict(
    n_mels="num_mels",
    sample_rate="sampling_rate",
    hop_length="hop_size",
    win_length="win_size",
    f_min="fmin",
    f_max="fmax",
)


def mel_spectrogram(
    y: torch.Tensor,
    n_fft: int,
    num_mels: int,
    sampling_rate: int,
    hop_size: int,
    win_size: int,
    fmin: float,
    fmax: float | None,
    center: bool = False,
) -> torch.Tensor:
    """HiFi-GAN's ``meldataset.mel_spectrogram(y, n_fft, num_mels, sampling_rate, hop_size, win_size, fmin, fmax,
    center=False)``, argument for argument; :func:`audiolosses.hifigan.mel_spectrogram
    <audiolosses.hifigan.mel.mel_spectrogram>` under its own names.

    Shape:
        y: ``[batch, time]`` (HiFi-GAN's), ``[time]`` or ``[batch, channels, time]``; output ``[..., num_mels, frames]``.
    """
    check_tensor(y, "y", ndim=(1, 2, 3))
    fmin, fmax = _check_mel_settings(
        n_fft, num_mels, sampling_rate, hop_size, win_size, fmin, fmax, names=_UPSTREAM_NAMES
    )
    check_min_length(y, n_fft, "y", f"one analysis window of n_fft={n_fft} samples")
    return _log_mel(y, n_fft, num_mels, sampling_rate, hop_size, win_size, fmin, fmax, bool(center))


def mel_l1(y_mel: torch.Tensor, y_g_hat_mel: torch.Tensor) -> torch.Tensor:
    """HiFi-GAN's training-loop mel term ``F.l1_loss(y_mel, y_g_hat_mel)`` on two log-mel spectrograms
    (target first, as ``train.py``); multiply by 45 as the original does.

    Shape:
        y_mel, y_g_hat_mel: any shape, the same for both; output 0-dim.
    """
    check_tensor(y_mel, "y_mel")
    check_tensor(y_g_hat_mel, "y_g_hat_mel")
    check_same_shape(y_mel, y_g_hat_mel, "y_mel", "y_g_hat_mel")
    return torch.nn.functional.l1_loss(y_mel, y_g_hat_mel)
