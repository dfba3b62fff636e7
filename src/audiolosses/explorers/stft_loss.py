"""The interactive figure of :mod:`audiolosses.stft_loss` (needs the ``notebook`` extra)."""

from __future__ import annotations

import math

import torch

from .._validation import check_choice, check_sample_rate
from ..plot import FigureExplorer, plot_spectrogram
from ..stft_loss import loss_magnitude, stft_loss_terms

__all__ = ["STFTLossExplorer"]


class STFTLossExplorer(FigureExplorer):
    """A click and a tone, and the spectral convergence that each STFT resolution reports for a distortion.

    Pick the distortion (the click moved, the tone detuned, or both) and the window length of the middle
    resolution; the figure shows the target's spectrogram at that resolution and the two terms of every
    resolution. Live in Jupyter and on Colab; the static website shows the default setting.

    Args:
        sample_rate: sample rate (Hz) of the synthesized signals (default 24000).
        shift_ms: initial shift of the click, ms (slider 0 … 10).
        detune_hz: initial detuning of the tone, Hz (slider 0 … 40).
        win_length: initial window length of the middle resolution (choices 240 … 2400).
    """

    WIN_CHOICES = (240, 600, 1200, 2400)

    def __init__(
        self, sample_rate: int = 24000, *, shift_ms: float = 2.0, detune_hz: float = 10.0, win_length: int = 1200
    ):
        import ipywidgets as widgets

        check_sample_rate(sample_rate)
        check_choice(win_length, "win_length", self.WIN_CHOICES)
        self.sample_rate = sample_rate
        super().__init__(
            {
                "shift_ms": widgets.FloatSlider(
                    value=shift_ms, min=0.0, max=10.0, step=0.5, description="click (ms)", continuous_update=False
                ),
                "detune_hz": widgets.FloatSlider(
                    value=detune_hz, min=0.0, max=40.0, step=2.5, description="tone (Hz)", continuous_update=False
                ),
                "win_length": widgets.Dropdown(options=list(self.WIN_CHOICES), value=win_length, description="window"),
            }
        )

    def signals(self):
        """Target and prediction ``[2, 1, time]`` (row 0: the click, row 1: the tone), float64."""
        sr = self.sample_rate
        t = torch.arange(sr // 2, dtype=torch.float64) / sr
        target = torch.zeros(2, 1, t.numel(), dtype=torch.float64)
        prediction = torch.zeros_like(target)
        click_at = t.numel() // 2
        shift = int(round(self.values["shift_ms"] * 1e-3 * sr))
        target[0, 0, click_at] = 1.0
        prediction[0, 0, click_at + shift] = 1.0
        target[1, 0] = 0.5 * torch.sin(2 * math.pi * 1000.0 * t)
        prediction[1, 0] = 0.5 * torch.sin(2 * math.pi * (1000.0 + self.values["detune_hz"]) * t)
        return target, prediction

    def resolutions(self):
        """``(fft_size, hop_size, win_length)`` of the three resolutions shown: short, chosen, long."""
        middle = self.values["win_length"]
        fft = 1 << (middle - 1).bit_length()
        return ((256, 50, 240), (fft, middle // 5, middle), (8192, 1200, 7200))

    def figure(self):
        import matplotlib.pyplot as plt

        target, prediction = self.signals()
        fig, axes = plt.subplots(1, 2, figsize=(9.0, 3.2))
        resolutions = self.resolutions()
        values = []
        for fft_size, hop_size, win_length in resolutions:
            terms = stft_loss_terms(
                prediction, target, fft_sizes=(fft_size,), hop_sizes=(hop_size,), win_lengths=(win_length,)
            )
            values.append(terms["spectral_convergence"])
        values = torch.stack(values).tolist()  # [resolutions][click, tone]
        labels = [f"{w}" for _, _, w in resolutions]
        positions = list(range(len(resolutions)))
        axes[0].bar([p - 0.2 for p in positions], [v[0] for v in values], width=0.4, label="click moved")
        axes[0].bar([p + 0.2 for p in positions], [v[1] for v in values], width=0.4, label="tone detuned")
        axes[0].set_xticks(positions, labels)
        axes[0].set_xlabel("window length (samples)")
        axes[0].set_ylabel("spectral convergence")
        axes[0].legend()
        fft_size, hop_size, win_length = resolutions[1]
        magnitude = loss_magnitude(target[0, 0] + target[1, 0], fft_size, hop_size, win_length)
        plot_spectrogram(
            magnitude, self.sample_rate, hop_size, ax=axes[1], title=f"target click + tone, window {win_length}"
        )
        axes[1].set_ylim(0, 4000)
        fig.tight_layout()
        return fig
