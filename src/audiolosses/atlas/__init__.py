"""A loss response atlas: every waveform loss of the package against controlled distortions.

The atlas asks one question of every loss: *what does it notice?* A reference sound is damaged in
controlled, parameterised ways, each with a severity axis (the :data:`~audiolosses.atlas.distortions.DISTORTIONS`
registry):

- **level and time**: a gain (dB), a delay (samples), a polarity flip, a phase randomisation that keeps
  the STFT magnitude;
- **additive noise**: white and pink noise at a signal-to-noise ratio;
- **filtering**: an ideal low-pass and high-pass at a cut-off;
- **non-linear damage**: hard clipping at a threshold below the peak, quantisation to a number of bits;
- **a dropout**: a short stretch of silence where the sound is loudest.

:class:`~audiolosses.atlas.suite.LossSuite` evaluates the package's waveform losses on a (reference, distorted)
pair with one call: MSE and L1 on the samples, Relative Volume Mel (overall and its four bands, chapter 2),
HiFi-GAN's mel L1 (chapter 3), the perceptual loss with cosine and MSE distances (chapter 4), the
multi-resolution STFT loss of Parallel WaveGAN {Yamamoto et al. 2020} at auraloss's settings
{Steinmetz and Reiss 2020} (chapter 8) and the negative SI-SDR {Le Roux et al. 2019} (chapter 9). The
component loss (chapter 5) scores a *mask* given the true speech and noise, not a pair of waveforms, so it
enters the atlas only through :func:`~audiolosses.atlas.judge.component_curve` (the ideal mask of a noisy
mixture against the SNR). The KL term (chapter 6) scores a latent distribution against a prior and never sees audio, so it has no place here.

``python -m audiolosses.atlas --out <dir>`` computes the whole atlas for the example sounds, together
with two outside judges on the speech example, wide-band PESQ (ITU-T P.862.2, the ``pesq`` package) and
STOI {Taal et al. 2011} (the ``pystoi`` package), and writes ``atlas.json`` and a provenance
``README.md``; :func:`~audiolosses.atlas.experiment.load_results` reads it back (by default the copy shipped in
``audiolosses/data/atlas/``).
:func:`~audiolosses.atlas.reading.judge_correlations` ranks the losses against the judges with Spearman's ρ
(:func:`~audiolosses.atlas.reading.spearman`), and
:func:`~audiolosses.atlas.reading.bootstrap_correlations` puts bootstrap intervals on those correlations.

The package is split by concern: :mod:`~audiolosses.atlas.distortions`, :mod:`~audiolosses.atlas.suite`,
:mod:`~audiolosses.atlas.judge`, :mod:`~audiolosses.atlas.experiment`, :mod:`~audiolosses.atlas.reading` and
:mod:`~audiolosses.atlas.cli`; every public name is available from ``audiolosses.atlas``.

Notebook: book/07_loss_atlas.ipynb
"""

from .cli import main
from .distortions import (
    DISTORTIONS,
    FAMILIES,
    Distortion,
    add_pink_noise,
    add_white_noise,
    apply_gain,
    delay,
    distort,
    dropout,
    flip_polarity,
    hard_clip,
    high_pass,
    low_pass,
    quantize,
    randomize_phase,
)
from .experiment import compute_atlas, load_results, write_results
from .judge import component_curve, judge
from .reading import bootstrap_correlations, judge_correlations, normalized_response, response_curves, spearman
from .settings import JUDGE_RATE, LOSSES, PERCEPTUAL_SETTINGS, RESULTS_DIR, SAMPLE_RATE
from .suite import LossSuite, evaluate_losses

__all__ = [
    "SAMPLE_RATE",
    "RESULTS_DIR",
    "PERCEPTUAL_SETTINGS",
    "JUDGE_RATE",
    "LOSSES",
    "FAMILIES",
    "Distortion",
    "DISTORTIONS",
    "apply_gain",
    "delay",
    "flip_polarity",
    "randomize_phase",
    "add_white_noise",
    "add_pink_noise",
    "low_pass",
    "high_pass",
    "hard_clip",
    "quantize",
    "dropout",
    "distort",
    "LossSuite",
    "evaluate_losses",
    "judge",
    "component_curve",
    "compute_atlas",
    "write_results",
    "load_results",
    "normalized_response",
    "response_curves",
    "judge_correlations",
    "spearman",
    "bootstrap_correlations",
    "main",
]
