"""Outside judges (wide-band PESQ, STOI) and the component loss's place in the atlas.

Part of :mod:`audiolosses.atlas`. Notebook: book/07_loss_atlas.ipynb
"""

from __future__ import annotations

from collections.abc import Sequence

import torch

from .. import audio, component
from .._validation import check_sample_rate, check_tensor
from .distortions import _check_number
from .settings import JUDGE_RATE, SAMPLE_RATE


def judge(reference: torch.Tensor, distorted: torch.Tensor, sample_rate: int = SAMPLE_RATE) -> dict[str, float]:
    """Wide-band PESQ and STOI of a distorted sound against its reference, both at 16 kHz.

    Both signals are resampled to 16 kHz (:func:`audiolosses.audio.resample`) and passed as float64 to
    ``pesq.pesq(16000, ref, deg, "wb")`` (ITU-T P.862.2; MOS-LQO, about 1.0 … 4.6, higher is better) and
    ``pystoi.stoi(ref, deg, 16000)`` (0 … 1, higher is better).

    Args:
        reference: ``[time]`` or ``[1, time]`` mono float tensor.
        distorted: Same shape.
        sample_rate: Their sample rate in Hz (default 22050).

    Returns:
        dict[str, float]: ``{"pesq": ..., "stoi": ...}``.

    Raises:
        TypeError: If an input is not a floating-point tensor.
        ValueError: If the inputs are not mono, differ in shape, or hold NaN/Inf; PESQ's own errors
            (e.g. no speech detected) propagate.
    """
    from pesq import pesq
    from pystoi import stoi

    check_tensor(reference, "reference", ndim=(1, 2))
    check_tensor(distorted, "distorted", ndim=(1, 2))
    check_sample_rate(sample_rate)
    if reference.shape != distorted.shape:
        raise ValueError(
            f"reference and distorted must have the same shape, got {tuple(reference.shape)} "
            f"and {tuple(distorted.shape)}"
        )
    if reference.dim() == 2 and reference.shape[0] != 1:
        raise ValueError(f"reference must be mono ([time] or [1, time]), got shape {tuple(reference.shape)}")
    ref = audio.resample(reference.reshape(-1).double(), sample_rate, JUDGE_RATE).numpy()
    deg = audio.resample(distorted.reshape(-1).double(), sample_rate, JUDGE_RATE).numpy()
    return {"pesq": float(pesq(JUDGE_RATE, ref, deg, "wb")), "stoi": float(stoi(ref, deg, JUDGE_RATE))}


def component_curve(
    speech: torch.Tensor,
    snrs_db: Sequence[float],
    *,
    alpha: float = 0.5,
    seed: int = 0,
    n_fft: int = 1024,
    hop_length: int = 256,
) -> dict[str, list[float]]:
    """Where the component loss sits in the atlas: the loss of masks for a noisy mixture, against the SNR.

    The component loss scores a mask given the true speech and noise magnitudes, not a pair of waveforms.
    For white noise mixed with ``speech`` at each SNR, this returns the two-component loss
    (:func:`audiolosses.component.component_loss` with ``beta=0``) of the ideal Wiener mask
    (:func:`audiolosses.component.ideal_mask`, ``kind="wiener"``) and of the "do nothing" mask (all ones).

    Args:
        speech: ``[time]`` or ``[1, time]`` float tensor.
        snrs_db: SNRs in dB.
        alpha: Noise weight of the two-component loss (default 0.5, the paper's code).
        seed: Seed of the noise (default 0).
        n_fft, hop_length: STFT settings (default 1024, 256).

    Returns:
        dict[str, list[float]]: ``"snr_db"``, ``"ideal_mask"``, ``"no_mask"``.

    Raises:
        TypeError: If ``speech`` is not a floating-point tensor or ``snrs_db`` not a sequence of numbers.
        ValueError: If ``speech`` is silent, too short for ``n_fft`` or holds NaN/Inf, or an SNR is not finite.
    """
    check_tensor(speech, "speech", ndim=(1, 2))
    if isinstance(snrs_db, (str, bytes)) or not isinstance(snrs_db, Sequence) or len(snrs_db) == 0:
        raise TypeError("snrs_db must be a non-empty sequence of numbers")
    snrs = [_check_number(s, "snrs_db[i]") for s in snrs_db]
    row = speech.reshape(1, -1)
    if bool(row.pow(2).sum() == 0):
        raise ValueError("speech is silent (all zeros): the SNR of a mixture with silence is undefined")
    noise = audio.colored_noise(row.shape[-1], 0.0, seed=seed, dtype=row.dtype)[None]
    ideal, nothing = [], []
    for snr in snrs:
        _, scaled = audio.mix_at_snr(row, noise, snr)
        mags = component.enhancement_magnitudes(row, scaled, n_fft, hop_length)
        mask = component.ideal_mask(mags["speech"], mags["noise"], "wiener")
        ideal.append(float(component.component_loss(mask, mags["speech"], mags["noise"], alpha=alpha, beta=None)))
        ones = torch.ones_like(mask)
        nothing.append(float(component.component_loss(ones, mags["speech"], mags["noise"], alpha=alpha, beta=None)))
    return {"snr_db": snrs, "ideal_mask": ideal, "no_mask": nothing}


# --------------------------------------------------------------------------------------------------
