"""Every waveform loss of the package on a (distorted, reference) pair, with one call (:class:`LossSuite`).

Part of :mod:`audiolosses.atlas`. Notebook: book/07_loss_atlas.ipynb
"""

from __future__ import annotations

from collections.abc import Callable

import torch

from .. import audio, hifigan, perceptual, rvm, sdr, stft_loss
from .._validation import check_choice, check_sample_rate, check_tensor
from .settings import LOSSES, PERCEPTUAL_SETTINGS, SAMPLE_RATE

# --------------------------------------------------------------------------------------------------
# The losses, uniformly
# --------------------------------------------------------------------------------------------------


def _as_batch(waveform: torch.Tensor, name: str) -> torch.Tensor:
    check_tensor(waveform, name, ndim=(1, 2))
    waveform = waveform if waveform.dim() == 2 else waveform[None]
    return waveform[None]  # [1, channels, time]


class LossSuite:
    """Every waveform loss of the package, evaluated on a (reference, distorted) pair with one call.

    The losses (:data:`~audiolosses.atlas.settings.LOSSES`), each "lower is better":

    - ``mse``, ``l1``: mean squared and absolute sample difference;
    - ``rvm``, ``rvm_0`` … ``rvm_3``: :func:`audiolosses.rvm.relative_volume_mel`, overall and
      its four bands low → high, with the mel scale at the atlas's rate (its other settings as audiocraft's);
    - ``hifigan_mel``: :func:`audiolosses.hifigan.mel_loss <audiolosses.hifigan.mel.mel_loss>`, HiFi-GAN's 22.05 kHz
      settings (the clips' rate);
    - ``perceptual_cosine``, ``perceptual_mse``: :class:`audiolosses.perceptual.PerceptualLoss` with both
      signals resampled to 11025 Hz and :data:`~audiolosses.atlas.settings.PERCEPTUAL_SETTINGS` (cosine: −cos, −1 is
      a perfect match);
    - ``mrstft``: :class:`audiolosses.stft_loss.MultiResolutionSTFTLoss` with auraloss 0.4.0's defaults
      (``.auraloss()``: FFT sizes 1024, 2048, 512; spectral convergence + log-magnitude L1), equal to
      ``auraloss.freq.MultiResolutionSTFTLoss()`` (chapter 8);
    - ``si_sdr``: :func:`audiolosses.sdr.si_sdr_loss`, the negative SI-SDR in dB (zero mean; chapter 9).

    Args:
        sample_rate: Sample rate of the pairs, Hz (default 22050; the HiFi-GAN mel loss requires 22050).
        dtype: Floating dtype of the pairs (default float32); float64 for the optimisation demos.

    Raises:
        ValueError: If ``sample_rate`` is not 22050 or ``dtype`` is not floating.
    """

    def __init__(self, sample_rate: int = SAMPLE_RATE, dtype: torch.dtype = torch.float32):
        check_sample_rate(sample_rate, expected=SAMPLE_RATE)
        if not isinstance(dtype, torch.dtype) or not dtype.is_floating_point:
            raise ValueError(f"dtype must be a floating torch dtype, got {dtype!r}")
        self.sample_rate, self.dtype = sample_rate, dtype
        self.perceptual = perceptual.PerceptualLoss(**PERCEPTUAL_SETTINGS, distance="cosine").to(dtype)
        self.perceptual_mse = perceptual.PerceptualLoss(**PERCEPTUAL_SETTINGS, distance="mse").to(dtype)
        self.mrstft = stft_loss.MultiResolutionSTFTLoss.auraloss().to(dtype)

    def _to_perceptual_rate(self, x: torch.Tensor) -> torch.Tensor:
        return audio.resample(x, self.sample_rate, PERCEPTUAL_SETTINGS["sample_rate"])

    def loss(self, name: str) -> Callable[[torch.Tensor, torch.Tensor], torch.Tensor]:
        """A differentiable loss function for one of :data:`~audiolosses.atlas.settings.LOSSES`, for gradient descent.

        Args:
            name: One of :data:`~audiolosses.atlas.settings.LOSSES`.

        Returns:
            Callable: ``loss(estimate, reference)`` → 0-dim tensor, for ``[batch, channels, time]`` inputs at the
            suite's rate and dtype (the faithful RVM has NaN and zero gradients, chapter 2; use
            :func:`audiolosses.rvm.relative_volume_mel_loss` to train with RVM).

        Raises:
            ValueError: If ``name`` is not one of :data:`~audiolosses.atlas.settings.LOSSES`.
        """
        check_choice(name, "name", LOSSES)
        sr = self.sample_rate
        if name == "mse":
            return lambda est, ref: (est - ref).pow(2).mean()
        if name == "l1":
            return lambda est, ref: (est - ref).abs().mean()
        if name.startswith("rvm"):
            return lambda est, ref: rvm.relative_volume_mel(est, ref, sample_rate=sr)[name]
        if name == "hifigan_mel":
            return lambda est, ref: hifigan.mel_loss(est, ref, sample_rate=sr)
        if name == "mrstft":
            return lambda est, ref: self.mrstft(est, ref)
        if name == "si_sdr":
            return lambda est, ref: sdr.si_sdr_loss(est, ref)
        module = self.perceptual if name == "perceptual_cosine" else self.perceptual_mse
        return lambda est, ref: module(self._to_perceptual_rate(est), self._to_perceptual_rate(ref))

    def __call__(self, distorted: torch.Tensor, reference: torch.Tensor) -> dict[str, float]:
        """Every loss of :data:`~audiolosses.atlas.settings.LOSSES` for one pair, the estimate first (as
        :meth:`loss` and every loss).

        Args:
            distorted: The estimate, ``[time]`` or ``[channels, time]`` float tensor at the suite's rate and dtype.
            reference: The reference, same shape and dtype.

        Returns:
            dict[str, float]: loss name → value.

        Raises:
            TypeError: If an input is not a floating-point tensor of the suite's dtype.
            ValueError: If the shapes differ, an input holds NaN/Inf or is shorter than 2048 samples (the
                longest STFT window).
        """
        ref, est = _as_batch(reference, "reference"), _as_batch(distorted, "distorted")
        if ref.shape != est.shape:
            raise ValueError(
                f"reference and distorted must have the same shape, got {tuple(reference.shape)} "
                f"and {tuple(distorted.shape)}"
            )
        for tensor, label in ((ref, "reference"), (est, "distorted")):
            if tensor.dtype != self.dtype:
                raise TypeError(f"{label} must be {self.dtype} (the suite's dtype), got {tensor.dtype}")
        if ref.shape[-1] < 2048:
            raise ValueError(f"reference is too short: {ref.shape[-1]} samples, need at least 2048 (n_fft 2048)")
        with torch.no_grad():
            values = {"mse": (est - ref).pow(2).mean(), "l1": (est - ref).abs().mean()}
            values.update(rvm.relative_volume_mel(est, ref, sample_rate=self.sample_rate))
            values["hifigan_mel"] = hifigan.mel_loss(est, ref, sample_rate=self.sample_rate)
            ref_low, est_low = self._to_perceptual_rate(ref), self._to_perceptual_rate(est)
            image_ref, image_est = self.perceptual.features(ref_low), self.perceptual.features(est_low)
            values["perceptual_cosine"] = self.perceptual.distance_between(image_est, image_ref)
            values["perceptual_mse"] = self.perceptual_mse.distance_between(image_est, image_ref)
            values["mrstft"] = self.mrstft(est, ref)
            values["si_sdr"] = sdr.si_sdr_loss(est, ref)
        return {name: float(values[name]) for name in LOSSES}


_SUITES: dict = {}


def evaluate_losses(reference: torch.Tensor, distorted: torch.Tensor) -> dict[str, float]:
    """Every loss of :data:`~audiolosses.atlas.settings.LOSSES` for one pair at 22050 Hz (a cached
    :class:`LossSuite` per dtype).

    Args:
        reference: ``[time]`` or ``[channels, time]`` float tensor at 22050 Hz.
        distorted: The estimate, same shape and dtype.

    Returns:
        dict[str, float]: loss name → value.

    Raises:
        TypeError: If an input is not a floating-point tensor, or the two dtypes differ.
        ValueError: If the shapes differ, an input holds NaN/Inf or is shorter than 2048 samples.
    """
    check_tensor(reference, "reference", ndim=(1, 2))
    if reference.dtype not in _SUITES:
        _SUITES[reference.dtype] = LossSuite(dtype=reference.dtype)
    return _SUITES[reference.dtype](distorted, reference)
