"""The interactive figure of :mod:`audiolosses.perceptual` (needs the ``notebook`` extra)."""

from __future__ import annotations

import torch
import torch.nn.functional as F

from .._validation import check_choice, check_int, check_sample_rate, check_tensor
from ..perceptual import auditory_image, bark_filter_bank
from ..plot import FigureExplorer

__all__ = ["FilterBankExplorer", "OverfitResultsExplorer"]


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


class OverfitResultsExplorer(FigureExplorer):
    """Explore chapter 4's overfitting experiment: every seed's trace and the per-band RVM of one sound.

    Left: the chosen judge (RVM or log-mel L1) every few steps of training, one thin line per seed and
    a thick one for their mean, for both losses. Right: RVM per mel band at the chosen checkpoint, the
    mean over the seeds with the seed-to-seed range shaded. On the static website the figure switches
    between the sounds and judges at step 1000; in Jupyter or Colab every checkpoint is live.

    Args:
        results_by_seed: seed → results, as :func:`audiolosses.experiments.overfit.load_seeds` returns.
        sound: initial sound (default ``"speech"``).
        measure: initial judge of the left panel, ``"rvm"`` or ``"log_mel_l1"`` (default ``"rvm"``).
        iteration: initial checkpoint of the right panel (default the last).
    """

    MEASURES = {"rvm": "RVM (dB)", "log_mel_l1": "log-mel L1"}
    COLOURS = {"mse": "tab:blue", "perceptual": "tab:orange"}

    def __init__(self, results_by_seed, *, sound: str = "speech", measure: str = "rvm", iteration=None):
        import ipywidgets as widgets

        if not isinstance(results_by_seed, dict) or not results_by_seed:
            raise ValueError("results_by_seed must be a non-empty dict of seed -> results (overfit.load_seeds)")
        self.results_by_seed = results_by_seed
        first = next(iter(results_by_seed.values()))
        sounds = list(first["settings"]["sounds"])
        iterations = [c["iteration"] for c in first["runs"][0]["checkpoints"]]
        iteration = iterations[-1] if iteration is None else iteration
        check_choice(sound, "sound", sounds)
        check_choice(measure, "measure", list(self.MEASURES))
        check_choice(iteration, "iteration", iterations)
        self.rvm_settings = first["settings"]["rvm"]
        super().__init__(
            {
                "sound": widgets.Dropdown(options=sounds, value=sound, description="sound"),
                "measure": widgets.Dropdown(
                    options=[(label, key) for key, label in self.MEASURES.items()], value=measure, description="judge"
                ),
                "iteration": widgets.SelectionSlider(options=iterations, value=iteration, description="step"),
            }
        )

    def static_values(self, name, control):
        """The static page covers every sound and judge at the current checkpoint."""
        if name == "iteration":
            return [(control.value, str(control.value))]
        return super().static_values(name, control)

    def _run(self, results, sound, loss):
        return next(r for r in results["runs"] if r["sound"] == sound and r["loss"] == loss)

    def figure(self):
        """Draw the traces and the per-band RVM for the current settings; return the figure."""
        import matplotlib.pyplot as plt
        import numpy as np

        from ..spectral import hz_to_mel, mel_to_hz

        sound, measure, iteration = self.values["sound"], self.values["measure"], self.values["iteration"]
        fig, (left, right) = plt.subplots(1, 2, figsize=(9.0, 2.8))
        settings = self.rvm_settings
        top = settings["sample_rate"] // 2
        edges = mel_to_hz(torch.linspace(0.0, float(hz_to_mel(float(top))), settings["n_mels"] + 2))
        centres = edges[1:-1].numpy()
        band = np.arange(len(centres))
        for loss, colour in self.COLOURS.items():
            runs = [self._run(results, sound, loss) for results in self.results_by_seed.values()]
            steps = np.array([p["iteration"] for p in runs[0]["trace"]])
            traces = np.array([[p[measure] for p in run["trace"]] for run in runs])
            for trace in traces:
                left.plot(steps, trace, color=colour, lw=0.6, alpha=0.5)
            left.plot(steps, traces.mean(axis=0), color=colour, lw=2, label=f"{loss} (mean of {len(runs)})")
            bands = np.array(
                [next(c for c in run["checkpoints"] if c["iteration"] == iteration)["rvm_per_band"] for run in runs]
            )
            right.fill_between(band, bands.min(axis=0), bands.max(axis=0), color=colour, alpha=0.25, lw=0)
            right.plot(band, bands.mean(axis=0), color=colour, lw=1.5, label=loss)
        left.axvline(iteration, color="0.5", lw=0.8, ls=":")
        left.set(xlabel="training step", ylabel=self.MEASURES[measure], title=f"{sound}: every seed and the mean")
        left.legend(fontsize=8)
        ticks = [int(np.argmin(np.abs(centres - hz))) for hz in (100, 300, 1000, 3000, 5000)]
        right.set_xticks(ticks, [f"{centres[i]:.0f}" for i in ticks])
        right.set(
            xlabel="mel band centre (Hz)",
            ylabel="RVM (dB)",
            title=f"{sound} at step {iteration}: per band, range over seeds",
        )
        fig.tight_layout()
        return fig
