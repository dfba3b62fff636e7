"""The interactive figure of :mod:`audiolosses.perceptual` (needs the ``notebook`` extra)."""

from __future__ import annotations

import torch
import torch.nn.functional as F

from .._validation import check_choice, check_int, check_sample_rate, check_tensor
from ..perceptual import auditory_image, bark_filter_bank
from ..plot import FigureExplorer

__all__ = ["FilterBankExplorer"]


class FilterBankExplorer(FigureExplorer):
    """Explore the Bark FIR bank: bands, taps, lowest centre and log factor → responses and auditory image.

    Live in Jupyter and Colab; on the static website it shows the figure for its default settings.

    Args:
        clips: name → waveform ``[time]`` or ``[channels, time]`` at ``sample_rate`` (a few thousand samples).
        sample_rate: sample rate of the clips, Hz (default 11025).
        n_bands: initial band count (choices 32 … 512 in steps of 32; default 128).
        n_taps: initial taps (choices 64, 128, 256, 512, 1024; default 512).
        f_min: initial lowest centre, Hz (choices 1, 20, 50, 100, 200; default 1).
        log_factor: initial ``k`` of ``log(1 + k·x)`` (choices 1, 10, 100, 1000; default 10).
    """

    TAPS_CHOICES = (64, 128, 256, 512, 1024)
    F_MIN_CHOICES = (1.0, 20.0, 50.0, 100.0, 200.0)
    LOG_FACTOR_CHOICES = (1.0, 10.0, 100.0, 1000.0)

    def __init__(
        self,
        clips,
        sample_rate: int = 11025,
        *,
        n_bands: int = 128,
        n_taps: int = 512,
        f_min: float = 1.0,
        log_factor: float = 10.0,
    ):
        import ipywidgets as widgets

        if not isinstance(clips, dict) or not clips:
            raise ValueError("clips must be a non-empty dict of name -> waveform")
        for name, clip in clips.items():
            check_tensor(clip, f"clips[{name!r}]", ndim=(1, 2))
        check_sample_rate(sample_rate)
        check_int(n_bands, "n_bands", minimum=32)
        check_choice(n_taps, "n_taps", self.TAPS_CHOICES)
        check_choice(float(f_min), "f_min", self.F_MIN_CHOICES)
        check_choice(float(log_factor), "log_factor", self.LOG_FACTOR_CHOICES)
        self.clips = {name: (c if c.dim() == 1 else c.mean(dim=0)).float() for name, c in clips.items()}
        self.sample_rate = sample_rate
        super().__init__(
            {
                "clip": widgets.Dropdown(options=list(self.clips), description="clip"),
                "n_bands": widgets.IntSlider(
                    value=n_bands, min=32, max=512, step=32, description="bands", continuous_update=False
                ),
                "n_taps": widgets.SelectionSlider(options=self.TAPS_CHOICES, value=n_taps, description="taps"),
                "f_min": widgets.SelectionSlider(options=self.F_MIN_CHOICES, value=float(f_min), description="f_min"),
                "log_factor": widgets.SelectionSlider(
                    options=self.LOG_FACTOR_CHOICES, value=float(log_factor), description="log factor"
                ),
            }
        )

    def figure(self):
        """Draw the bank's frequency responses and the clip's auditory image; return the figure."""
        import matplotlib.pyplot as plt
        import numpy as np

        values = self.values
        n_bands, n_taps, f_min, log_factor = values["n_bands"], values["n_taps"], values["f_min"], values["log_factor"]
        bank = bark_filter_bank(n_bands, n_taps, self.sample_rate, f_min)
        fig, (left, right) = plt.subplots(1, 2, figsize=(10.0, 3.4), gridspec_kw={"width_ratios": [1, 1.3]})
        n_fft = 8192
        response = torch.fft.rfft(bank.double(), n=n_fft).abs()
        freqs = np.fft.rfftfreq(n_fft, 1 / self.sample_rate)
        for band in range(0, n_bands, max(1, n_bands // 12)):
            left.plot(freqs[1:], 20 * np.log10(response[band, 1:].numpy() + 1e-9), lw=1)
        left.set_xscale("log")
        left.set_ylim(-80, 5)
        left.set_xlabel("frequency (Hz)")
        left.set_ylabel("gain (dB)")
        left.set_title(f"every {max(1, n_bands // 12)}th of {n_bands} bands, {n_taps} taps")
        image = auditory_image(self.clips[values["clip"]], bank, log_factor=log_factor)
        pooled = F.avg_pool1d(image[None], 8)[0] if image.shape[-1] >= 8 else image
        duration = self.clips[values["clip"]].shape[-1] / self.sample_rate
        right.imshow(pooled.numpy(), origin="lower", aspect="auto", cmap="magma", extent=(0.0, duration, 0, n_bands))
        right.set_xlabel("time (s)")
        right.set_ylabel("band (Bark-spaced)")
        right.set_title(f"{values['clip']}: log(1 + {log_factor:g}·relu(x))")
        fig.tight_layout()
        return fig
