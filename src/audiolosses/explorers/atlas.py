"""The interactive figure of :mod:`audiolosses.atlas` (needs the ``notebook`` extra)."""

from __future__ import annotations

from collections.abc import Mapping

import torch

from .. import audio
from .._validation import check_choice, check_int, check_positive
from ..atlas import LOSSES, SAMPLE_RATE, LossSuite, distort, normalized_response
from ..plot import FigureExplorer, plot_spectrogram
from ..spectral import mel_spectrogram

__all__ = ["AtlasExplorer"]


class AtlasExplorer(FigureExplorer):
    """Pick a sound, a distortion and a severity: every loss's value and the spectrograms of the pair.

    Left: each loss's normalised response (0 = identical, 1 = an unrelated noise at the same level, from the
    committed results' anchors); right: log-mel spectrograms of the reference and the distorted sound. The
    losses are computed live. Live in Jupyter and on Colab; the static website shows the default settings.

    Args:
        results: As returned by :func:`~audiolosses.atlas.experiment.load_results` (for the grids and the anchors).
        sound: Initial sound (default ``"speech"``).
        distortion: Initial distortion (default ``"low_pass"``).
        severity_index: Initial position on the distortion's grid (default 2).
        seconds: Length of the clips used, from the start (default 1.0 s, to keep redraws fast).

    Raises:
        ValueError: On an unknown sound or distortion, or an index outside the grid.
    """

    CONTROLS_PER_ROW = 3

    def __init__(
        self,
        results: Mapping,
        *,
        sound: str = "speech",
        distortion: str = "low_pass",
        severity_index: int = 2,
        seconds: float = 1.0,
    ):
        import ipywidgets as widgets

        check_choice(sound, "sound", results["sounds"])
        check_choice(distortion, "distortion", tuple(results["distortions"]))
        check_int(severity_index, "severity_index", minimum=0)
        grid = results["distortions"][distortion]["grid"]
        if severity_index >= len(grid):
            raise ValueError(f"severity_index must be < {len(grid)} for {distortion!r}, got {severity_index}")
        self.results, self.seconds = results, check_positive(seconds, "seconds")
        self.suite = LossSuite()
        self._clips: dict = {}
        self._severity = widgets.Dropdown(
            options=self._options(distortion), value=severity_index, description="severity"
        )
        controls = {
            "sound": widgets.Dropdown(options=list(results["sounds"]), value=sound, description="sound"),
            "distortion": widgets.Dropdown(
                options=list(results["distortions"]), value=distortion, description="distortion"
            ),
            "severity": self._severity,
        }
        controls["distortion"].observe(self._new_grid, names="value")
        super().__init__(controls)

    def _options(self, distortion: str):
        spec = self.results["distortions"][distortion]
        return [(f"{v:g} {spec['unit']}", i) for i, v in enumerate(spec["grid"])]

    def _new_grid(self, change) -> None:
        self._severity.options = self._options(change["new"])

    def _clip(self, sound: str) -> torch.Tensor:
        if sound not in self._clips:
            clip, _ = audio.load_example(sound)
            self._clips[sound] = clip[:, : round(self.seconds * SAMPLE_RATE)]
        return self._clips[sound]

    def pair(self) -> tuple[torch.Tensor, torch.Tensor]:
        """The pair for the current settings.

        Returns:
            tuple[torch.Tensor, torch.Tensor]: ``(reference, distorted)``, ``[1, time]`` each.
        """
        values = self.values
        grid = self.results["distortions"][values["distortion"]]["grid"]
        index = min(int(values["severity"] or 0), len(grid) - 1)
        reference = self._clip(values["sound"])
        return reference, distort(
            reference, values["distortion"], grid[index], SAMPLE_RATE, seed=int(self.results.get("seed", 0))
        )

    def figure(self):
        """Loss bars and the pair's log-mel spectrograms for the current settings.

        Returns:
            matplotlib.figure.Figure: The figure (rendered and closed by ``draw``).
        """
        import matplotlib.pyplot as plt

        reference, distorted = self.pair()
        sound = self.values["sound"]
        values = self.suite(distorted, reference)
        identity, anchor = self.suite(reference, reference), self.results["anchor"][sound]
        names = [n for n in LOSSES if anchor[n] != identity[n]]
        bars = [normalized_response([values[n]], identity[n], anchor[n])[0] for n in names]
        fig, axes = plt.subplots(1, 3, figsize=(13.0, 3.6), gridspec_kw={"width_ratios": [1.3, 1, 1]})
        axes[0].barh(range(len(names)), bars, color="tab:blue")
        axes[0].set_yticks(range(len(names)), names)
        axes[0].invert_yaxis()
        axes[0].axvline(1.0, color="gray", lw=0.8)
        axes[0].set_xlabel("normalised loss (0 = same, 1 = unrelated noise)")
        for ax, clip, title in ((axes[1], reference, "reference"), (axes[2], distorted, "distorted")):
            mel = mel_spectrogram(clip[0], SAMPLE_RATE, 1024, 256, n_mels=80)
            plot_spectrogram(
                mel,
                SAMPLE_RATE,
                256,
                ax=ax,
                kind="power",
                y_axis="mel",
                dynamic_range_db=80,
                title=title,
                colorbar=False,
            )
        fig.tight_layout()
        return fig
