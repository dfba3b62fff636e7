"""HiFi-GAN's discriminators (MPD and MSD), with a ``width`` factor on the channel counts.

``forward(y, y_hat)`` takes the real audio first and returns ``(real_outputs, generated_outputs,
real_fmaps, generated_fmaps)``, as HiFi-GAN's ``models.py``.

Notebook: book/03_hifigan_losses.ipynb
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import torch
import torch.nn.functional as F
from torch import nn
from torch.nn.utils.parametrizations import spectral_norm, weight_norm

from .._validation import check_int, check_min_length, check_positive, check_same_shape, check_tensor

__all__ = ["DiscriminatorP", "DiscriminatorS", "MultiPeriodDiscriminator", "MultiScaleDiscriminator"]


# --------------------------------------------------------------------------------------------------
# Discriminators
# --------------------------------------------------------------------------------------------------

LEAKY_SLOPE = 0.1


def _channels(full: int, width: float) -> int:
    return max(1, int(round(full * width)))


def _check_width(width) -> float:
    width = check_positive(width, "width")
    if width > 1:
        raise ValueError(f"width must be in (0, 1] (1 = the paper's channel counts), got {width}")
    return width


def _check_audio_pair(y, y_hat, minimum: int):
    check_tensor(y, "y", ndim=3)
    check_tensor(y_hat, "y_hat", ndim=3)
    check_same_shape(y, y_hat, "y", "y_hat")
    if y.shape[1] != 1:
        raise ValueError(f"y must be mono audio [batch, 1, time], got shape {tuple(y.shape)}")
    check_min_length(y, minimum, "y", "the discriminators' padding")


def _run_conv_stack(convs: nn.ModuleList, conv_post: nn.Module, x: torch.Tensor):
    """Apply a sub-discriminator's convolutions with LeakyReLU, keeping every layer's output.

    Returns ``(scores flattened to [batch, n], feature maps)``; the post convolution's output, without an
    activation, is the last feature map, as in the original.
    """
    fmap = []
    for conv in convs:
        x = F.leaky_relu(conv(x), LEAKY_SLOPE)
        fmap.append(x)
    x = conv_post(x)
    fmap.append(x)
    return torch.flatten(x, 1, -1), fmap


class DiscriminatorP(nn.Module):
    """One period discriminator of the MPD: the waveform folded into ``[time / period, period]`` columns.

    Structure (Kong et al. 2020): reflect-pad the time axis to a multiple of ``period``, reshape to
    ``[batch, 1, time / period, period]``, then Conv2d 1→32→128→512→1024 (kernel (5, 1), stride (3, 1)),
    1024→1024 (kernel (5, 1), stride 1) and a 1024→1 post conv (kernel (3, 1)); LeakyReLU 0.1 after all
    but the post conv; weight norm. Channel counts are multiplied by ``width``.

    Args:
        period: the fold period in samples (HiFi-GAN: 2, 3, 5, 7, 11).
        width: channel factor in (0, 1] (default 1: the paper's 32/128/512/1024/1024).
        kernel_size: kernel along the folded time axis (default 5).
        stride: stride along it (default 3).
        use_spectral_norm: spectral instead of weight normalisation (default ``False``).

    ``forward(x)`` takes ``[batch, 1, time]`` and returns ``(scores [batch, n], feature_maps)``, 6 maps.
    """

    FULL_CHANNELS = (32, 128, 512, 1024, 1024)

    def __init__(
        self, period: int, width: float = 1.0, kernel_size: int = 5, stride: int = 3, use_spectral_norm: bool = False
    ):
        super().__init__()
        self.period = check_int(period, "period", minimum=1)
        self.width = _check_width(width)
        check_int(kernel_size, "kernel_size", minimum=1)
        check_int(stride, "stride", minimum=1)
        norm = spectral_norm if use_spectral_norm else weight_norm
        channels = [1] + [_channels(c, width) for c in self.FULL_CHANNELS]
        padding = (kernel_size - 1) // 2
        self.convs = nn.ModuleList()
        for i, (c_in, c_out) in enumerate(zip(channels[:-1], channels[1:])):
            layer_stride = stride if i < len(channels) - 2 else 1
            self.convs.append(norm(nn.Conv2d(c_in, c_out, (kernel_size, 1), (layer_stride, 1), padding=(padding, 0))))
        self.conv_post = norm(nn.Conv2d(channels[-1], 1, (3, 1), 1, padding=(1, 0)))

    def forward(self, x: torch.Tensor):
        batch, chans, time = x.shape
        if time % self.period:
            x = F.pad(x, (0, self.period - time % self.period), mode="reflect")
            time = x.shape[-1]
        x = x.view(batch, chans, time // self.period, self.period)
        return _run_conv_stack(self.convs, self.conv_post, x)


class DiscriminatorS(nn.Module):
    """One scale discriminator of the MSD (MelGAN's): a stack of strided, grouped 1-D convolutions.

    Structure (Kong et al. 2020): Conv1d 1→128 (k 15), 128→128 (k 41, stride 2, groups 4), 128→256
    (k 41, s 2, g 16), 256→512 (k 41, s 4, g 16), 512→1024 (k 41, s 4, g 16), 1024→1024 (k 41, g 16),
    1024→1024 (k 5) and a 1024→1 post conv (k 3); LeakyReLU 0.1; weight norm (spectral norm on the first
    scale). Channel counts are multiplied by ``width``; a layer's groups become the largest divisor of its
    original group count that divides both its channel counts (the original's at ``width=1``).

    Args:
        width: channel factor in (0, 1] (default 1).
        use_spectral_norm: spectral instead of weight normalisation (default ``False``).

    ``forward(x)`` takes ``[batch, 1, time]`` and returns ``(scores [batch, n], feature_maps)``, 8 maps.
    """

    # (in, out, kernel, stride, groups, padding) at full width
    FULL_LAYERS = (
        (1, 128, 15, 1, 1, 7),
        (128, 128, 41, 2, 4, 20),
        (128, 256, 41, 2, 16, 20),
        (256, 512, 41, 4, 16, 20),
        (512, 1024, 41, 4, 16, 20),
        (1024, 1024, 41, 1, 16, 20),
        (1024, 1024, 5, 1, 1, 2),
    )

    def __init__(self, width: float = 1.0, use_spectral_norm: bool = False):
        super().__init__()
        self.width = _check_width(width)
        norm = spectral_norm if use_spectral_norm else weight_norm
        self.convs = nn.ModuleList()
        for c_in, c_out, kernel, stride, groups, padding in self.FULL_LAYERS:
            c_in = 1 if c_in == 1 else _channels(c_in, width)
            c_out = _channels(c_out, width)
            groups = math.gcd(groups, math.gcd(c_in, c_out))
            self.convs.append(norm(nn.Conv1d(c_in, c_out, kernel, stride, groups=groups, padding=padding)))
        self.conv_post = norm(nn.Conv1d(_channels(1024, width), 1, 3, 1, padding=1))

    def forward(self, x: torch.Tensor):
        return _run_conv_stack(self.convs, self.conv_post, x)


class MultiPeriodDiscriminator(nn.Module):
    """HiFi-GAN's multi-period discriminator: one :class:`DiscriminatorP` per period.

    Args:
        periods: fold periods (default ``(2, 3, 5, 7, 11)``, the paper's primes).
        width: channel factor in (0, 1] for every sub-discriminator (default 1: the paper's shapes).

    ``forward(y, y_hat)``: real and generated audio ``[batch, 1, time]`` (same shape, ``time`` at least
    ``max(periods)``) → ``(real_outputs, fake_outputs, real_fmaps, fake_fmaps)``, lists with one entry per
    period (each fmap entry a list of 6 maps), as the original returns them.
    """

    def __init__(self, periods: Sequence[int] = (2, 3, 5, 7, 11), width: float = 1.0):
        super().__init__()
        if not isinstance(periods, Sequence) or len(periods) == 0:
            raise TypeError("periods must be a non-empty sequence of ints")
        self.periods = tuple(check_int(p, "periods", minimum=1) for p in periods)
        self.discriminators = nn.ModuleList(DiscriminatorP(p, width) for p in self.periods)

    def forward(self, y: torch.Tensor, y_hat: torch.Tensor):
        _check_audio_pair(y, y_hat, max(self.periods))
        y_d_rs, y_d_gs, fmap_rs, fmap_gs = [], [], [], []
        for d in self.discriminators:
            y_d_r, fmap_r = d(y)
            y_d_g, fmap_g = d(y_hat)
            y_d_rs.append(y_d_r)
            fmap_rs.append(fmap_r)
            y_d_gs.append(y_d_g)
            fmap_gs.append(fmap_g)
        return y_d_rs, y_d_gs, fmap_rs, fmap_gs


class MultiScaleDiscriminator(nn.Module):
    """HiFi-GAN's multi-scale discriminator: three :class:`DiscriminatorS` on the raw, ×2- and ×4-pooled audio.

    The first scale uses spectral norm; between scales the audio passes ``AvgPool1d(4, 2, padding=2)``.

    Args:
        width: channel factor in (0, 1] for every sub-discriminator (default 1: the paper's shapes).

    ``forward(y, y_hat)``: real and generated audio ``[batch, 1, time]`` (same shape, ``time`` >= 4) →
    ``(real_outputs, fake_outputs, real_fmaps, fake_fmaps)``, one entry per scale (each fmap entry a list of
    8 maps).
    """

    def __init__(self, width: float = 1.0):
        super().__init__()
        self.discriminators = nn.ModuleList(
            [DiscriminatorS(width, use_spectral_norm=True), DiscriminatorS(width), DiscriminatorS(width)]
        )
        self.meanpools = nn.ModuleList([nn.AvgPool1d(4, 2, padding=2), nn.AvgPool1d(4, 2, padding=2)])

    def forward(self, y: torch.Tensor, y_hat: torch.Tensor):
        _check_audio_pair(y, y_hat, 4)
        y_d_rs, y_d_gs, fmap_rs, fmap_gs = [], [], [], []
        for i, d in enumerate(self.discriminators):
            if i:
                y = self.meanpools[i - 1](y)
                y_hat = self.meanpools[i - 1](y_hat)
            y_d_r, fmap_r = d(y)
            y_d_g, fmap_g = d(y_hat)
            y_d_rs.append(y_d_r)
            fmap_rs.append(fmap_r)
            y_d_gs.append(y_d_g)
            fmap_gs.append(fmap_g)
        return y_d_rs, y_d_gs, fmap_rs, fmap_gs
