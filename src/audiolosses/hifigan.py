"""HiFi-GAN's training losses: least-squares GAN, feature matching and the mel loss.

HiFi-GAN {Kong et al. 2020} trains its generator against two discriminators, a multi-period one
(MPD) and a multi-scale one (MSD). Each is a list of sub-discriminators ``D_k`` that return a score
map and the feature maps of every layer. The losses, written as in the original code:

* **Discriminator (least squares, LSGAN {Mao et al. 2017}):**
  ``Σ_k [mean((1 − D_k(y))²) + mean(D_k(ŷ)²)]``: real audio is pushed to 1, generated audio to 0.
* **Generator, adversarial:** ``Σ_k mean((1 − D_k(ŷ))²)``.
* **Feature matching:** ``2 · Σ_k Σ_l mean|D_k^l(y) − D_k^l(ŷ)|`` over *every* feature map the
  discriminator returns (its final score map included). The factor 2 is HiFi-GAN's λ_fm, which the
  original hard-codes inside the function; here it is the ``weight`` argument.
* **Mel:** ``mean|mel(y) − mel(ŷ)|`` with HiFi-GAN's front end (:func:`mel_spectrogram`): Slaney mel
  with Slaney area norm, the STFT *magnitude* with ``1e-9`` inside the square root, reflect padding of
  ``(n_fft − hop)/2`` samples, natural log of ``clamp(x, 1e-5)``. It lives in HiFi-GAN's training loop,
  not in its ``generator_loss``, and is weighted by λ_mel = 45.

The generator's objective is ``adv + λ_fm·fm + λ_mel·mel`` summed over both discriminators
(:func:`generator_objective`). Sums run over sub-discriminators and layers; means run within each.

The discriminators (:class:`MultiPeriodDiscriminator`, :class:`MultiScaleDiscriminator`) have the
original's structure (layers, kernels, strides, groups, weight/spectral norm, LeakyReLU 0.1) with a
``width`` factor on the channel counts: ``width=1`` reproduces the paper's layer shapes, a small width
makes them cheap enough to train on a CPU in seconds.

Notebook: book/03_hifigan_losses.ipynb
"""

from __future__ import annotations

import functools
import math
from typing import Mapping, Sequence

import torch
import torch.nn.functional as F
from torch import nn
from torch.nn.utils.parametrizations import spectral_norm, weight_norm

from ._validation import check_choice, check_int, check_min_length, check_positive, check_same_shape, check_tensor
from .plot import FigureExplorer
from .spectral import hann_window, mel_filter_bank

__all__ = [
    "LAMBDA_FM",
    "LAMBDA_MEL",
    "MEL_LOG_FLOOR",
    "MAGNITUDE_EPS",
    "discriminator_loss",
    "generator_loss",
    "feature_loss",
    "mel_spectrogram",
    "mel_loss",
    "generator_objective",
    "DiscriminatorLoss",
    "GeneratorLoss",
    "FeatureLoss",
    "MelLoss",
    "GeneratorObjective",
    "DiscriminatorP",
    "DiscriminatorS",
    "MultiPeriodDiscriminator",
    "MultiScaleDiscriminator",
    "LossBalanceExplorer",
]

#: HiFi-GAN's weight of the feature-matching term (hard-coded as ``2`` inside its ``feature_loss``).
LAMBDA_FM = 2.0
#: HiFi-GAN's weight of the mel term (``loss_mel * 45`` in its training loop).
LAMBDA_MEL = 45.0
#: Floor of the mel spectrogram before the natural log (``log(clamp(x, 1e-5))``: about −11.5).
MEL_LOG_FLOOR = 1e-5
#: Added to ``re² + im²`` inside the square root of the STFT magnitude (keeps its gradient finite at 0).
MAGNITUDE_EPS = 1e-9

REDUCTIONS = ("mean", "sum", "none")


# --------------------------------------------------------------------------------------------------
# Validation of discriminator outputs
# --------------------------------------------------------------------------------------------------


def _check_output_list(outputs, name: str) -> list[torch.Tensor]:
    if isinstance(outputs, torch.Tensor) or not isinstance(outputs, Sequence) or len(outputs) == 0:
        raise TypeError(f"{name} must be a non-empty list of tensors (one per sub-discriminator), "
                        f"got {type(outputs).__name__}")
    for k, output in enumerate(outputs):
        check_tensor(output, f"{name}[{k}]")
    return list(outputs)


def _check_pair_of_output_lists(real, fake, name_real: str, name_fake: str) -> None:
    _check_output_list(real, name_real)
    _check_output_list(fake, name_fake)
    if len(real) != len(fake):
        raise ValueError(f"{name_real} and {name_fake} must have one entry per sub-discriminator each, "
                         f"got {len(real)} and {len(fake)}")
    for k, (r, g) in enumerate(zip(real, fake)):
        check_same_shape(r, g, f"{name_real}[{k}]", f"{name_fake}[{k}]")


def _check_fmaps(fmap_r, fmap_g) -> None:
    for name, fmaps in (("fmap_r", fmap_r), ("fmap_g", fmap_g)):
        if isinstance(fmaps, torch.Tensor) or not isinstance(fmaps, Sequence) or len(fmaps) == 0:
            raise TypeError(f"{name} must be a non-empty list (one per sub-discriminator) of lists of feature "
                            f"maps, got {type(fmaps).__name__}")
    if len(fmap_r) != len(fmap_g):
        raise ValueError(f"fmap_r and fmap_g must have one entry per sub-discriminator each, "
                         f"got {len(fmap_r)} and {len(fmap_g)}")
    for k, (layers_r, layers_g) in enumerate(zip(fmap_r, fmap_g)):
        _check_pair_of_output_lists(layers_r, layers_g, f"fmap_r[{k}]", f"fmap_g[{k}]")


# --------------------------------------------------------------------------------------------------
# The adversarial and feature-matching losses
# --------------------------------------------------------------------------------------------------


def discriminator_loss(
    disc_real_outputs: Sequence[torch.Tensor], disc_generated_outputs: Sequence[torch.Tensor]
) -> tuple[torch.Tensor, list[torch.Tensor], list[torch.Tensor]]:
    """HiFi-GAN's least-squares discriminator loss: ``Σ_k [mean((1 − D_k(y))²) + mean(D_k(ŷ)²)]``.

    Real audio is pushed towards the target 1, generated audio towards 0 (LSGAN, Mao et al. 2017, with
    the labels of Kong et al. 2020). Pass the generated audio detached for the discriminator step.

    Args:
        disc_real_outputs: one tensor per sub-discriminator, ``D_k(y)``, any shape (HiFi-GAN's are
            ``[batch, n_k]``).
        disc_generated_outputs: the matching ``D_k(ŷ)``, same count and shapes.

    Returns:
        ``(loss, r_losses, g_losses)``: the 0-dim total, and the per-sub-discriminator terms
        ``mean((1 − D_k(y))²)`` and ``mean(D_k(ŷ)²)`` as lists of 0-dim tensors (the original returns
        Python floats there).

    Raises:
        TypeError: if an argument is not a non-empty list of floating tensors.
        ValueError: if the lists differ in length, paired tensors in shape, or a value is NaN/Inf.
    """
    _check_pair_of_output_lists(disc_real_outputs, disc_generated_outputs,
                                "disc_real_outputs", "disc_generated_outputs")
    r_losses = [torch.mean((1.0 - dr) ** 2) for dr in disc_real_outputs]
    g_losses = [torch.mean(dg ** 2) for dg in disc_generated_outputs]
    loss = torch.stack([r + g for r, g in zip(r_losses, g_losses)]).sum()
    return loss, r_losses, g_losses


def generator_loss(disc_outputs: Sequence[torch.Tensor]) -> tuple[torch.Tensor, list[torch.Tensor]]:
    """HiFi-GAN's least-squares adversarial loss for the generator: ``Σ_k mean((1 − D_k(ŷ))²)``.

    The generator wants the discriminators to score its audio as real (1). The mel term is *not* part
    of this function (it lives in HiFi-GAN's training loop); see :func:`generator_objective`.

    Args:
        disc_outputs: one tensor per sub-discriminator, ``D_k(ŷ)``, any shape.

    Returns:
        ``(loss, gen_losses)``: the 0-dim total and the per-sub-discriminator terms (0-dim tensors).

    Raises:
        TypeError: if ``disc_outputs`` is not a non-empty list of floating tensors.
        ValueError: if a value is NaN/Inf.
    """
    _check_output_list(disc_outputs, "disc_outputs")
    gen_losses = [torch.mean((1.0 - dg) ** 2) for dg in disc_outputs]
    return torch.stack(gen_losses).sum(), gen_losses


def feature_loss(
    fmap_r: Sequence[Sequence[torch.Tensor]], fmap_g: Sequence[Sequence[torch.Tensor]], weight: float = LAMBDA_FM
) -> torch.Tensor:
    """HiFi-GAN's feature-matching loss: ``weight · Σ_k Σ_l mean|D_k^l(y) − D_k^l(ŷ)|``.

    Every layer the discriminator returns is included, its final score map too. The real features are
    *not* detached (as in the original); their gradient only reaches the discriminator, whose
    optimiser is not stepped with this loss.

    Args:
        fmap_r: per sub-discriminator, the list of its feature maps for real audio ``y``.
        fmap_g: the same for generated audio ``ŷ``; same nesting and shapes.
        weight: the factor in front of the sum, default 2 (HiFi-GAN's λ_fm, which the original
            hard-codes inside this function). Use ``weight=1`` for the bare sum of L1 distances.

    Returns:
        0-dim tensor.

    Raises:
        TypeError: if the arguments are not non-empty lists of lists of floating tensors.
        ValueError: on mismatched counts or shapes between real and generated maps, NaN/Inf values, or
            a negative ``weight``.
    """
    weight = check_positive(weight, "weight", allow_zero=True)
    _check_fmaps(fmap_r, fmap_g)
    terms = [torch.mean(torch.abs(rl - gl)) for dr, dg in zip(fmap_r, fmap_g) for rl, gl in zip(dr, dg)]
    return weight * torch.stack(terms).sum()


# --------------------------------------------------------------------------------------------------
# The mel front end and the mel loss
# --------------------------------------------------------------------------------------------------


@functools.lru_cache(maxsize=32)
def _slaney_mel_bank(n_fft: int, num_mels: int, sampling_rate: int, fmin: float, fmax: float,
                     device: torch.device, dtype: torch.dtype) -> torch.Tensor:
    """``[num_mels, n_fft // 2 + 1]`` Slaney-scale, Slaney-normalised bank (librosa's), once per setting."""
    bank = mel_filter_bank(n_fft // 2 + 1, fmin, fmax, num_mels, sampling_rate, norm="slaney",
                           mel_scale="slaney", dtype=torch.float64)
    return bank.T.contiguous().to(device=device, dtype=dtype)


def _check_mel_settings(n_fft, num_mels, sampling_rate, hop_size, win_size, fmin, fmax):
    check_int(n_fft, "n_fft", minimum=2)
    check_int(num_mels, "num_mels", minimum=1)
    check_int(sampling_rate, "sampling_rate", minimum=1)
    check_int(hop_size, "hop_size", minimum=1)
    check_int(win_size, "win_size", minimum=1)
    if win_size > n_fft:
        raise ValueError(f"win_size must be <= n_fft={n_fft}, got {win_size}")
    if hop_size > n_fft:
        raise ValueError(f"hop_size must be <= n_fft={n_fft}, got {hop_size}")
    fmin = check_positive(fmin, "fmin", allow_zero=True)
    fmax = sampling_rate / 2 if fmax is None else check_positive(fmax, "fmax")
    if fmax <= fmin:
        raise ValueError(f"fmax must be greater than fmin={fmin}, got {fmax}")
    if fmax > sampling_rate / 2:
        raise ValueError(f"fmax must be <= sampling_rate / 2 = {sampling_rate / 2}, got {fmax}")
    return float(fmin), float(fmax)


@functools.lru_cache(maxsize=32)
def _frame_window(n_fft: int, win_size: int, device: torch.device, dtype: torch.dtype) -> torch.Tensor:
    """The periodic Hann window of ``win_size`` centred in ``n_fft`` samples (zeros around), as ``torch.stft``."""
    window = hann_window(win_size, device=device, dtype=dtype)
    left = (n_fft - win_size) // 2
    return F.pad(window, (left, n_fft - win_size - left)) if win_size < n_fft else window


class _StftMagnitude(torch.autograd.Function):
    """``sqrt(|rfft(frame · window)|² + 1e-9)`` of every frame, ``[N, L]`` → ``[N, frames, n_fft // 2 + 1]``.

    The forward is ``torch.stft`` (``center=False``) followed by the magnitude; the backward is written out
    because autograd's is slow on a CPU: it differentiates the real FFT through a full complex FFT and
    overlap-adds the frames with an ``index_add``. Here the adjoint of ``rfft`` is an inverse *real* FFT
    (half the work), and when the hop divides ``n_fft`` the overlap-add is ``n_fft / hop`` shifted additions.
    For ``G = ∂L/∂X = g · X / |X|_ε`` (``g = ∂L/∂|X|_ε``) the gradient of the windowed frame is
    ``x̄[n] = Re Σ_k G_k e^{2πikn/N} = N · irfft(G')[n]`` with ``G'`` equal to ``G`` on the DC (and Nyquist)
    bin and ``G/2`` on the bins in between (``irfft`` counts each of those twice, for its mirror image).
    Under ``create_graph=True`` the same formula runs on recomputed, tracked tensors, so second derivatives
    (``torch.autograd.gradgradcheck``) stay correct.
    """

    @staticmethod
    def forward(ctx, signal, window, n_fft: int, hop: int, eps: float):
        spectrum = torch.fft.rfft(signal.unfold(-1, n_fft, hop) * window)  # [N, frames, bins]
        magnitude = (spectrum.real.square() + spectrum.imag.square()).add_(eps).sqrt_()
        ctx.save_for_backward(signal, spectrum, magnitude, window)
        ctx.n_fft, ctx.hop, ctx.eps, ctx.length = n_fft, hop, eps, signal.shape[-1]
        return magnitude

    @staticmethod
    def backward(ctx, grad_magnitude):
        signal, spectrum, magnitude, window = ctx.saved_tensors
        n_fft, hop, length = ctx.n_fft, ctx.hop, ctx.length
        if torch.is_grad_enabled():  # create_graph=True: rebuild spectrum and magnitude where autograd sees them,
            spectrum = torch.fft.rfft(signal.unfold(-1, n_fft, hop) * window)  # so second derivatives are right
            magnitude = torch.sqrt(spectrum.real.square() + spectrum.imag.square() + ctx.eps)
        grad_spectrum = spectrum * (grad_magnitude / magnitude)
        # N · irfft(G') with the in-between bins halved equals N/2 · irfft(G'') with DC and Nyquist doubled
        if torch.is_grad_enabled():  # out of place, for autograd
            edges = torch.ones(grad_spectrum.shape[-1], dtype=magnitude.dtype, device=magnitude.device)
            edges[0] = 2.0
            edges[-1] = 2.0 if n_fft % 2 == 0 else edges[-1]
            grad_spectrum = grad_spectrum * edges
        else:
            grad_spectrum[..., 0] *= 2.0
            if n_fft % 2 == 0:  # the Nyquist bin exists for even n_fft
                grad_spectrum[..., -1] *= 2.0
        grad_frames = torch.fft.irfft(grad_spectrum, n=n_fft)  # [N, frames, n_fft], before the window
        scaled_window = (0.5 * n_fft) * window
        batch, frames = grad_frames.shape[:2]
        if n_fft % hop == 0:  # overlap-add as n_fft / hop shifted sums, the window product fused in
            overlap = n_fft // hop
            pieces = grad_frames.reshape(batch, frames, overlap, hop)
            window_pieces = scaled_window.reshape(overlap, hop)
            grad = grad_frames.new_zeros(batch, frames + overlap - 1, hop)
            for j in range(overlap):
                if torch.is_grad_enabled():
                    grad = grad.index_add(1, torch.arange(j, j + frames, device=grad.device),
                                          pieces[:, :, j] * window_pieces[j])
                else:
                    grad[:, j:j + frames].addcmul_(pieces[:, :, j], window_pieces[j])
            grad = grad.reshape(batch, -1)
            grad = F.pad(grad, (0, length - grad.shape[-1]))  # samples after the last frame get no gradient
        else:
            grad = F.fold((grad_frames * scaled_window).transpose(1, 2), output_size=(1, length),
                          kernel_size=(1, n_fft), stride=(1, hop)).reshape(batch, length)
        return grad, None, None, None, None


def _log_mel(y: torch.Tensor, n_fft: int, num_mels: int, sampling_rate: int, hop_size: int, win_size: int,
             fmin: float, fmax: float, center: bool) -> torch.Tensor:
    """:func:`mel_spectrogram` on checked arguments (``fmax`` already resolved)."""
    padding = (n_fft - hop_size) // 2
    leading = y.shape[:-1]
    flat = y.reshape(-1, 1, y.shape[-1])
    padded = F.pad(flat, (padding, padding), mode="reflect")
    if center:  # torch.stft's centring: a further reflect pad of n_fft // 2
        padded = F.pad(padded, (n_fft // 2, n_fft // 2), mode="reflect")
    window = _frame_window(n_fft, win_size, y.device, y.dtype)
    magnitude = _StftMagnitude.apply(padded.squeeze(1), window, n_fft, hop_size, MAGNITUDE_EPS)  # [N, frames, bins]
    bank = _slaney_mel_bank(n_fft, num_mels, sampling_rate, fmin, fmax, y.device, y.dtype)
    mel = torch.matmul(magnitude, bank.T)  # [N, frames, mels]: one matrix product, contiguous gradients
    log_mel = torch.log(torch.clamp(mel, min=MEL_LOG_FLOOR)).transpose(-1, -2)
    return log_mel.reshape(leading + log_mel.shape[-2:])


def mel_spectrogram(
    y: torch.Tensor,
    n_fft: int = 1024,
    num_mels: int = 80,
    sampling_rate: int = 22050,
    hop_size: int = 256,
    win_size: int = 1024,
    fmin: float = 0,
    fmax: float | None = None,
    center: bool = False,
) -> torch.Tensor:
    """HiFi-GAN's log-mel front end (``meldataset.mel_spectrogram``) on torch alone, no librosa.

    Steps: reflect-pad ``(n_fft − hop_size) // 2`` samples on both sides; STFT with a periodic Hann
    window of ``win_size`` (``center=False``, not normalised); magnitude ``sqrt(re² + im² + 1e-9)``;
    Slaney-scale mel bank with Slaney area norm (librosa's default, equal to
    ``torchaudio.functional.melscale_fbanks(..., norm="slaney", mel_scale="slaney")``); natural log of
    ``clamp(mel, 1e-5)``. With the defaults a signal of ``T`` samples gives exactly ``T // 256`` frames
    (8192 → 32). The bank and window are built once per (settings, device, dtype) and reused, and the
    STFT magnitude has a hand-written backward (an inverse real FFT and an overlap-add by shifted sums),
    faster than autograd's on a CPU; ``python -m benchmarks`` measures the loss against the original code.

    HiFi-GAN uses two settings: ``fmax=8000`` for the generator's input (conditioning mel) and
    ``fmax=None`` (full band, ``sampling_rate / 2``) for the loss.

    Args:
        y: waveform ``[time]``, ``[batch, time]`` or ``[batch, channels, time]``, float32 or float64.
        n_fft: FFT size (default 1024).
        num_mels: mel bands (default 80).
        sampling_rate: sample rate in Hz (default 22050).
        hop_size: samples between frames (default 256).
        win_size: Hann window length, ``<= n_fft`` (default 1024).
        fmin: lowest mel frequency in Hz (default 0).
        fmax: highest mel frequency in Hz (default ``None``: ``sampling_rate / 2``).
        center: ``torch.stft``'s centring on top of the padding (default ``False``, as HiFi-GAN).

    Returns:
        Log-mel spectrogram ``[..., num_mels, frames]`` (the input's leading dimensions kept).

    Raises:
        TypeError: if ``y`` is not a floating tensor or a setting has the wrong type.
        ValueError: if ``y`` has more than 3 dimensions, contains NaN/Inf, is shorter than ``n_fft``
            samples, or a setting is out of range.
    """
    check_tensor(y, "y", ndim=(1, 2, 3))
    fmin, fmax = _check_mel_settings(n_fft, num_mels, sampling_rate, hop_size, win_size, fmin, fmax)
    check_min_length(y, n_fft, "y", f"one analysis window of n_fft={n_fft} samples")
    return _log_mel(y, n_fft, num_mels, sampling_rate, hop_size, win_size, fmin, fmax, center)


_MEL_DEFAULTS = dict(n_fft=1024, num_mels=80, sampling_rate=22050, hop_size=256, win_size=1024, fmin=0, fmax=None,
                     center=False)


def mel_loss(y: torch.Tensor, y_hat: torch.Tensor, reduction: str = "mean", **mel_settings) -> torch.Tensor:
    """HiFi-GAN's mel loss: L1 distance of the log-mel spectrograms, ``mean|mel(y) − mel(ŷ)|``.

    HiFi-GAN computes it with the full-band mel (``fmax=None``) and multiplies it by λ_mel = 45 in its
    training loop.

    Args:
        y: reference waveform (``[time]``, ``[batch, time]`` or ``[batch, channels, time]``).
        y_hat: generated waveform, same shape.
        reduction: ``"mean"`` (default, as HiFi-GAN), ``"sum"`` or ``"none"`` (the
            ``[..., num_mels, frames]`` map of absolute differences).
        **mel_settings: keyword arguments of :func:`mel_spectrogram` (``n_fft``, ``num_mels``,
            ``sampling_rate``, ``hop_size``, ``win_size``, ``fmin``, ``fmax``, ``center``).

    Returns:
        0-dim tensor (or the map for ``reduction="none"``).

    Raises:
        ValueError: if the shapes differ, ``reduction`` is unknown, or :func:`mel_spectrogram` rejects
            an input.
        TypeError: on a wrong type or an unknown setting.
    """
    check_tensor(y, "y", ndim=(1, 2, 3))
    check_tensor(y_hat, "y_hat", ndim=(1, 2, 3))
    check_same_shape(y, y_hat, "y", "y_hat")
    check_choice(reduction, "reduction", REDUCTIONS)
    unknown = set(mel_settings) - set(_MEL_DEFAULTS)
    if unknown:
        raise TypeError(f"mel_settings got unknown keyword(s) {sorted(unknown)}")
    settings = {**_MEL_DEFAULTS, **mel_settings}
    fmin, fmax = _check_mel_settings(settings["n_fft"], settings["num_mels"], settings["sampling_rate"],
                                     settings["hop_size"], settings["win_size"], settings["fmin"], settings["fmax"])
    settings.update(fmin=fmin, fmax=fmax, center=bool(settings["center"]))
    check_min_length(y, settings["n_fft"], "y", f"one analysis window of n_fft={settings['n_fft']} samples")
    # inputs checked once here; both spectrograms come from the same unchecked core
    difference = torch.abs(_log_mel(y, **settings) - _log_mel(y_hat, **settings))
    if reduction == "mean":
        return difference.mean()
    if reduction == "sum":
        return difference.sum()
    return difference


def _check_discriminator_results(discriminator_results) -> list[tuple]:
    if isinstance(discriminator_results, tuple) and len(discriminator_results) == 4 and \
            isinstance(discriminator_results[0], (list, tuple)) and discriminator_results[0] and \
            isinstance(discriminator_results[0][0], torch.Tensor):
        discriminator_results = [discriminator_results]  # a single discriminator's 4-tuple
    if not isinstance(discriminator_results, Sequence) or len(discriminator_results) == 0:
        raise TypeError("discriminator_results must be a non-empty list of the 4-tuples "
                        "(real_outputs, fake_outputs, real_fmaps, fake_fmaps) returned by the discriminators")
    for i, result in enumerate(discriminator_results):
        if not isinstance(result, (tuple, list)) or len(result) != 4:
            raise ValueError(f"discriminator_results[{i}] must be a 4-tuple (real_outputs, fake_outputs, "
                             f"real_fmaps, fake_fmaps)")
    return list(discriminator_results)


def generator_objective(
    y: torch.Tensor,
    y_hat: torch.Tensor,
    discriminator_results,
    lambda_fm: float = LAMBDA_FM,
    lambda_mel: float = LAMBDA_MEL,
    **mel_settings,
) -> tuple[torch.Tensor, dict[str, torch.Tensor]]:
    """HiFi-GAN's whole generator objective: ``adv + λ_fm · fm + λ_mel · mel``.

    ``adv`` and ``fm`` are summed over the discriminators (MPD and MSD in HiFi-GAN), ``fm`` is the bare
    sum of L1 distances (``feature_loss(..., weight=1)``) and ``mel`` the full-band :func:`mel_loss`.
    With the defaults this equals the original's ``loss_gen_s + loss_gen_f + loss_fm_s + loss_fm_f +
    45 · loss_mel``.

    Args:
        y: real waveform ``[batch, 1, time]`` (any shape :func:`mel_spectrogram` accepts).
        y_hat: generated waveform, same shape, *not* detached.
        discriminator_results: a list of ``(real_outputs, fake_outputs, real_fmaps, fake_fmaps)``
            4-tuples, one per discriminator, as returned by ``MultiPeriodDiscriminator(y, y_hat)`` and
            ``MultiScaleDiscriminator(y, y_hat)`` (a single 4-tuple is accepted too).
        lambda_fm: weight of the feature-matching term (default 2).
        lambda_mel: weight of the mel term (default 45).
        **mel_settings: keyword arguments of :func:`mel_spectrogram` for the loss mel (default: HiFi-GAN
            v1's full-band loss mel).

    Returns:
        ``(total, parts)``: the 0-dim objective and a dict with the unweighted ``"adversarial"``,
        ``"feature_matching"`` and ``"mel"`` terms and the ``"total"``.

    Raises:
        TypeError, ValueError: on malformed discriminator results, mismatched shapes, negative weights.
    """
    lambda_fm = check_positive(lambda_fm, "lambda_fm", allow_zero=True)
    lambda_mel = check_positive(lambda_mel, "lambda_mel", allow_zero=True)
    results = _check_discriminator_results(discriminator_results)
    adversarial = torch.stack([generator_loss(fake)[0] for _, fake, _, _ in results]).sum()
    matching = torch.stack([feature_loss(fr, fg, weight=1.0) for _, _, fr, fg in results]).sum()
    mel = mel_loss(y, y_hat, **mel_settings)
    total = adversarial + lambda_fm * matching + lambda_mel * mel
    return total, {"adversarial": adversarial, "feature_matching": matching, "mel": mel, "total": total}


# --------------------------------------------------------------------------------------------------
# nn.Module forms
# --------------------------------------------------------------------------------------------------


class DiscriminatorLoss(nn.Module):
    """:func:`discriminator_loss` as a module (no arguments); ``forward(real_outputs, fake_outputs)``."""

    def forward(self, disc_real_outputs, disc_generated_outputs):
        return discriminator_loss(disc_real_outputs, disc_generated_outputs)


class GeneratorLoss(nn.Module):
    """:func:`generator_loss` (the adversarial part only) as a module; ``forward(fake_outputs)``."""

    def forward(self, disc_outputs):
        return generator_loss(disc_outputs)


class FeatureLoss(nn.Module):
    """:func:`feature_loss` as a module; ``forward(fmap_r, fmap_g)``.

    Args:
        weight: the factor in front of the sum of per-layer L1 distances (default 2, HiFi-GAN's λ_fm).
    """

    def __init__(self, weight: float = LAMBDA_FM):
        super().__init__()
        self.weight = check_positive(weight, "weight", allow_zero=True)

    def forward(self, fmap_r, fmap_g):
        return feature_loss(fmap_r, fmap_g, self.weight)

    def extra_repr(self) -> str:
        return f"weight={self.weight}"


class MelLoss(nn.Module):
    """:func:`mel_loss` as a module; ``forward(y, y_hat)``.

    Args:
        n_fft: FFT size (default 1024).
        num_mels: mel bands (default 80).
        sampling_rate: sample rate in Hz (default 22050).
        hop_size: hop in samples (default 256).
        win_size: Hann window length (default 1024).
        fmin: lowest mel frequency in Hz (default 0).
        fmax: highest mel frequency in Hz (default ``None``: full band, as HiFi-GAN's loss).
        center: ``torch.stft`` centring (default ``False``).
        reduction: ``"mean"`` (default), ``"sum"`` or ``"none"``.
    """

    def __init__(self, n_fft: int = 1024, num_mels: int = 80, sampling_rate: int = 22050, hop_size: int = 256,
                 win_size: int = 1024, fmin: float = 0, fmax: float | None = None, center: bool = False,
                 reduction: str = "mean"):
        super().__init__()
        _check_mel_settings(n_fft, num_mels, sampling_rate, hop_size, win_size, fmin, fmax)
        check_choice(reduction, "reduction", REDUCTIONS)
        self.settings = dict(n_fft=n_fft, num_mels=num_mels, sampling_rate=sampling_rate, hop_size=hop_size,
                             win_size=win_size, fmin=fmin, fmax=fmax, center=center)
        self.reduction = reduction

    def forward(self, y, y_hat):
        return mel_loss(y, y_hat, self.reduction, **self.settings)

    def extra_repr(self) -> str:
        return ", ".join(f"{k}={v}" for k, v in {**self.settings, "reduction": self.reduction}.items())


class GeneratorObjective(nn.Module):
    """:func:`generator_objective` as a module; ``forward(y, y_hat, discriminator_results)``.

    Args:
        lambda_fm: weight of the feature-matching term (default 2).
        lambda_mel: weight of the mel term (default 45).
        **mel_settings: keyword arguments of :func:`mel_spectrogram` for the loss mel (default full band).
    """

    def __init__(self, lambda_fm: float = LAMBDA_FM, lambda_mel: float = LAMBDA_MEL, **mel_settings):
        super().__init__()
        self.lambda_fm = check_positive(lambda_fm, "lambda_fm", allow_zero=True)
        self.lambda_mel = check_positive(lambda_mel, "lambda_mel", allow_zero=True)
        self.mel_settings = dict(mel_settings)

    def forward(self, y, y_hat, discriminator_results):
        return generator_objective(y, y_hat, discriminator_results, self.lambda_fm, self.lambda_mel,
                                   **self.mel_settings)

    def extra_repr(self) -> str:
        return f"lambda_fm={self.lambda_fm}, lambda_mel={self.lambda_mel}, mel_settings={self.mel_settings}"


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

    def __init__(self, period: int, width: float = 1.0, kernel_size: int = 5, stride: int = 3,
                 use_spectral_norm: bool = False):
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
        self.discriminators = nn.ModuleList([
            DiscriminatorS(width, use_spectral_norm=True), DiscriminatorS(width), DiscriminatorS(width)])
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


# --------------------------------------------------------------------------------------------------
# Interactive figure: the balance of the generator's terms
# --------------------------------------------------------------------------------------------------


class LossBalanceExplorer(FigureExplorer):
    """How λ_fm and λ_mel share out the generator's loss and its gradient (ipywidgets, live on Colab).

    Give it the three unweighted terms and their gradients with respect to the generated audio, measured
    once; moving the sliders only rescales them, so the figure redraws instantly. Left: each weighted
    term's value; right: the norm of each weighted term's gradient and of the total gradient
    ``g_adv + λ_fm·g_fm + λ_mel·g_mel``.

    Args:
        terms: ``{"adversarial": a, "feature_matching": f, "mel": m}``, unweighted values (numbers or
            0-dim tensors).
        gradients: the same keys → gradient tensors of each term w.r.t. the generated audio (same shape).
        lambda_fm: initial λ_fm (default 2).
        lambda_mel: initial λ_mel (default 45).
    """

    KEYS = ("adversarial", "feature_matching", "mel")

    def __init__(self, terms: Mapping[str, float], gradients: Mapping[str, torch.Tensor], *,
                 lambda_fm: float = LAMBDA_FM, lambda_mel: float = LAMBDA_MEL):
        import ipywidgets as widgets

        for name, mapping in (("terms", terms), ("gradients", gradients)):
            if not isinstance(mapping, Mapping) or set(mapping) != set(self.KEYS):
                raise ValueError(f"{name} must be a mapping with exactly the keys {list(self.KEYS)}")
        self.terms = {k: float(terms[k]) for k in self.KEYS}
        self.gradients = {k: check_tensor(gradients[k], f"gradients[{k!r}]").detach().to(torch.float64)
                          for k in self.KEYS}
        for k in self.KEYS[1:]:
            check_same_shape(self.gradients[self.KEYS[0]], self.gradients[k], "gradients['adversarial']",
                             f"gradients[{k!r}]")
        check_positive(lambda_fm, "lambda_fm", allow_zero=True)
        check_positive(lambda_mel, "lambda_mel", allow_zero=True)
        super().__init__({
            "lambda_fm": widgets.FloatSlider(value=lambda_fm, min=0.0, max=10.0, step=0.5, description="fm weight",
                                             continuous_update=False),
            "lambda_mel": widgets.FloatSlider(value=lambda_mel, min=0.0, max=100.0, step=5.0,
                                              description="mel weight", continuous_update=False),
        })

    def weighted(self) -> tuple[dict[str, float], dict[str, float]]:
        """Weighted term values and gradient norms (including ``"total"``) for the current sliders."""
        weights = {"adversarial": 1.0, "feature_matching": self.values["lambda_fm"], "mel": self.values["lambda_mel"]}
        values = {k: weights[k] * self.terms[k] for k in self.KEYS}
        values["total"] = sum(values.values())
        norms = {k: weights[k] * float(self.gradients[k].norm()) for k in self.KEYS}
        norms["total"] = float(sum(weights[k] * self.gradients[k] for k in self.KEYS).norm())
        return values, norms

    def figure(self):
        import matplotlib.pyplot as plt

        values, norms = self.weighted()
        labels = ["adv", "fm", "mel", "total"]
        colors = ["C0", "C1", "C2", "0.4"]
        fig, (left, right) = plt.subplots(1, 2, figsize=(8.0, 3.0))
        left.bar(labels, list(values.values()), color=colors)
        left.set(title="weighted loss terms", ylabel="value")
        right.bar(labels, list(norms.values()), color=colors)
        right.set(title="gradient norm w.r.t. generated audio", ylabel="norm", yscale="log")
        fig.suptitle(f"lambda_fm = {self.values['lambda_fm']:g}, lambda_mel = {self.values['lambda_mel']:g}",
                     fontsize=10)
        fig.tight_layout()
        return fig
