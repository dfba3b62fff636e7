"""HiFi-GAN's log-mel front end and its mel loss, in the package's loss contract.

:func:`mel_spectrogram` and :func:`mel_loss` compute what HiFi-GAN's ``meldataset.mel_spectrogram`` and the
L1 of its training loop compute, with the package's argument names (``sample_rate``, ``n_mels``,
``hop_length``, ``win_length``, ``f_min``, ``f_max``), the prediction first, settings keyword-only and
``sample_rate`` required. :meth:`MelLoss.hifigan_v1` is the loss as HiFi-GAN v1 trains it (22 050 Hz,
``n_fft`` 1024, hop 256, 80 mels, full band); :mod:`audiolosses.hifigan.upstream` keeps HiFi-GAN's own
signature, ``mel_spectrogram(y, n_fft, num_mels, sampling_rate, hop_size, win_size, fmin, fmax)``.

Notebook: book/03_hifigan_losses.ipynb
"""

from __future__ import annotations

import functools

import torch
import torch.nn.functional as F
from torch import nn

from .._precision import float32_inside
from .._reduction import check_reduction, reduce_items
from .._validation import check_int, check_min_length, check_positive, check_same_shape, check_sample_rate, check_tensor
from ..spectral import hann_window, mel_filter_bank

__all__ = [
    "MEL_LOG_FLOOR",
    "MAGNITUDE_EPS",
    "HIFIGAN_V1_LOSS_MEL",
    "HIFIGAN_V1_CONDITIONING_MEL",
    "mel_spectrogram",
    "mel_loss",
    "MelLoss",
]

#: Floor of the mel spectrogram before the natural log (``log(clamp(x, 1e-5))``: about −11.5).
MEL_LOG_FLOOR = 1e-5
#: Added to ``re² + im²`` inside the square root of the STFT magnitude (keeps its gradient finite at 0).
MAGNITUDE_EPS = 1e-9

#: The loss mel of HiFi-GAN v1 (``config_v1.json``: ``fmax_for_loss`` null, i.e. full band).
HIFIGAN_V1_LOSS_MEL = dict(
    sample_rate=22050, n_fft=1024, n_mels=80, hop_length=256, win_length=1024, f_min=0.0, f_max=None
)
#: HiFi-GAN v1's conditioning (input) mel, the same with ``fmax`` 8000 Hz.
HIFIGAN_V1_CONDITIONING_MEL = {**HIFIGAN_V1_LOSS_MEL, "f_max": 8000.0}


@functools.lru_cache(maxsize=32)
def _slaney_mel_bank(
    n_fft: int, num_mels: int, sampling_rate: int, fmin: float, fmax: float, device: torch.device, dtype: torch.dtype
) -> torch.Tensor:
    """``[num_mels, n_fft // 2 + 1]`` Slaney-scale, Slaney-normalised bank (librosa's), once per setting."""
    bank = mel_filter_bank(
        n_fft // 2 + 1, fmin, fmax, num_mels, sampling_rate, norm="slaney", mel_scale="slaney", dtype=torch.float64
    )
    return bank.T.contiguous().to(device=device, dtype=dtype)


def _check_mel_settings(n_fft, n_mels, sample_rate, hop_length, win_length, f_min, f_max, names=None):
    """Check the mel settings; ``names`` maps our names to the caller's (upstream's) in messages."""
    name = (names or {}).get
    check_int(n_fft, "n_fft", minimum=2)
    check_int(n_mels, name("n_mels", "n_mels"), minimum=1)
    check_sample_rate(sample_rate, name("sample_rate", "sample_rate"))
    check_int(hop_length, name("hop_length", "hop_length"), minimum=1)
    check_int(win_length, name("win_length", "win_length"), minimum=1)
    if win_length > n_fft:
        raise ValueError(f"{name('win_length', 'win_length')} must be <= n_fft={n_fft}, got {win_length}")
    if hop_length > n_fft:
        raise ValueError(f"{name('hop_length', 'hop_length')} must be <= n_fft={n_fft}, got {hop_length}")
    f_min = check_positive(f_min, name("f_min", "f_min"), allow_zero=True)
    f_max = sample_rate / 2 if f_max is None else check_positive(f_max, name("f_max", "f_max"))
    if f_max <= f_min:
        raise ValueError(f"{name('f_max', 'f_max')} must be greater than {name('f_min', 'f_min')}={f_min}, got {f_max}")
    if f_max > sample_rate / 2:
        raise ValueError(
            f"{name('f_max', 'f_max')} must be <= {name('sample_rate', 'sample_rate')} / 2 = "
            f"{sample_rate / 2}, got {f_max}"
        )
    return float(f_min), float(f_max)


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
        out_of_place = torch.is_grad_enabled()  # create_graph=True: out of place, for autograd
        # N · irfft(G') with the in-between bins halved equals N/2 · irfft(G'') with DC and Nyquist doubled
        if out_of_place:
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
                if out_of_place:
                    grad = grad.index_add(
                        1, torch.arange(j, j + frames, device=grad.device), pieces[:, :, j] * window_pieces[j]
                    )
                else:
                    grad[:, j : j + frames].addcmul_(pieces[:, :, j], window_pieces[j])
            grad = grad.reshape(batch, -1)
            grad = F.pad(grad, (0, length - grad.shape[-1]))  # samples after the last frame get no gradient
        else:
            grad = F.fold(
                (grad_frames * scaled_window).transpose(1, 2),
                output_size=(1, length),
                kernel_size=(1, n_fft),
                stride=(1, hop),
            ).reshape(batch, length)
        return grad, None, None, None, None


def _log_mel(
    y: torch.Tensor,
    n_fft: int,
    num_mels: int,
    sampling_rate: int,
    hop_size: int,
    win_size: int,
    fmin: float,
    fmax: float,
    center: bool,
) -> torch.Tensor:  # upstream's names inside
    """:func:`mel_spectrogram` on checked arguments (``fmax`` already resolved)."""
    padding = (n_fft - hop_size) // 2
    leading = y.shape[:-1]
    flat = y.reshape(-1, 1, y.shape[-1])
    padded = F.pad(flat, (padding, padding), mode="reflect")
    if center:  # torch.stft's centring: a further reflect pad of n_fft // 2
        padded = F.pad(padded, (n_fft // 2, n_fft // 2), mode="reflect")
    window = _frame_window(n_fft, win_size, y.device, y.dtype)
    if torch.compiler.is_compiling():
        # torch.compile differentiates (and fuses) the plain operations itself; its tracing of the hand-written
        # backward below returns zero gradients (torch 2.11, measured), so the Function is for eager mode only
        spectrum = torch.fft.rfft(padded.squeeze(1).unfold(-1, n_fft, hop_size) * window)
        magnitude = torch.sqrt(spectrum.real.square() + spectrum.imag.square() + MAGNITUDE_EPS)
    else:
        magnitude = _StftMagnitude.apply(padded.squeeze(1), window, n_fft, hop_size, MAGNITUDE_EPS)  # [N, frames, bins]
    bank = _slaney_mel_bank(n_fft, num_mels, sampling_rate, fmin, fmax, y.device, y.dtype)
    mel = torch.matmul(magnitude, bank.T)  # [N, frames, mels]: one matrix product, contiguous gradients
    log_mel = torch.log(torch.clamp(mel, min=MEL_LOG_FLOOR)).transpose(-1, -2)
    return log_mel.reshape(leading + log_mel.shape[-2:])


def mel_spectrogram(
    waveform: torch.Tensor,
    *,
    sample_rate: int,
    n_fft: int = 1024,
    n_mels: int = 80,
    hop_length: int = 256,
    win_length: int = 1024,
    f_min: float = 0.0,
    f_max: float | None = None,
    center: bool = False,
) -> torch.Tensor:
    """HiFi-GAN's log-mel front end (``meldataset.mel_spectrogram``) on torch alone, no librosa.

    Steps: reflect-pad ``(n_fft − hop_length) // 2`` samples on both sides; STFT with a periodic Hann
    window of ``win_length`` (``center=False``, not normalised); magnitude ``sqrt(re² + im² + 1e-9)``;
    Slaney-scale mel bank with Slaney area norm (librosa's default, equal to
    ``torchaudio.functional.melscale_fbanks(..., norm="slaney", mel_scale="slaney")``); natural log of
    ``clamp(mel, 1e-5)``. With the defaults a signal of ``T`` samples gives exactly ``T // 256`` frames
    (8192 → 32). The bank and window are built once per (settings, device, dtype) and reused, and the
    STFT magnitude has a hand-written backward (an inverse real FFT and an overlap-add by shifted sums),
    faster than autograd's on a CPU; ``python -m benchmarks`` measures the loss against the original code.

    HiFi-GAN v1 uses two settings at 22 050 Hz: ``f_max=8000`` for the generator's input
    (:data:`HIFIGAN_V1_CONDITIONING_MEL`) and ``f_max=None`` (full band) for the loss
    (:data:`HIFIGAN_V1_LOSS_MEL`).

    Args:
        waveform: ``[time]``, ``[batch, time]`` or ``[batch, channels, time]``, float32 or float64.
        sample_rate: sample rate of the audio in Hz (required; HiFi-GAN v1's is 22050).
        n_fft: FFT size (default 1024).
        n_mels: mel bands (default 80).
        hop_length: samples between frames (default 256).
        win_length: Hann window length, ``<= n_fft`` (default 1024).
        f_min: lowest mel frequency in Hz (default 0).
        f_max: highest mel frequency in Hz (default ``None``: ``sample_rate / 2``).
        center: ``torch.stft``'s centring on top of the padding (default ``False``, as HiFi-GAN).

    Shape:
        waveform: ``[*, time]`` with at most 3 axes; output: ``[*, n_mels, frames]``.

    Returns:
        Log-mel spectrogram ``[..., n_mels, frames]`` (the input's leading dimensions kept).

    Raises:
        TypeError: if ``waveform`` is not a floating tensor or a setting has the wrong type.
        ValueError: if ``waveform`` has more than 3 dimensions, contains NaN/Inf, is shorter than ``n_fft``
            samples, or a setting is out of range.

    Example::

        >>> mel_spectrogram(torch.randn(2, 8192), sample_rate=22050).shape
        torch.Size([2, 80, 32])

    Notebook: book/03_hifigan_losses.ipynb
    """
    check_tensor(waveform, "waveform", ndim=(1, 2, 3))
    f_min, f_max = _check_mel_settings(n_fft, n_mels, sample_rate, hop_length, win_length, f_min, f_max)
    check_min_length(waveform, n_fft, "waveform", f"one analysis window of n_fft={n_fft} samples")
    return _log_mel(waveform, n_fft, n_mels, sample_rate, hop_length, win_length, f_min, f_max, bool(center))


@float32_inside
def mel_loss(
    input: torch.Tensor,
    target: torch.Tensor,
    *,
    sample_rate: int,
    n_fft: int = 1024,
    n_mels: int = 80,
    hop_length: int = 256,
    win_length: int = 1024,
    f_min: float = 0.0,
    f_max: float | None = None,
    center: bool = False,
    reduction: str = "mean",
) -> torch.Tensor:
    """HiFi-GAN's mel loss: L1 distance of the log-mel spectrograms, ``mean|mel(ŷ) − mel(y)|``.

    HiFi-GAN computes it with the full-band mel (``f_max=None``) and multiplies it by λ_mel = 45 in its
    training loop; :meth:`MelLoss.hifigan_v1` is that configuration.

    Args:
        input: generated waveform ``ŷ`` (``[batch, channels, time]``, ``[batch, time]`` or ``[time]``).
        target: reference waveform ``y``, same shape.
        sample_rate, n_fft, n_mels, hop_length, win_length, f_min, f_max, center: the mel settings of
            :func:`mel_spectrogram` (``sample_rate`` required).
        reduction: ``"mean"`` (default, as HiFi-GAN: the mean over every bin of the batch), ``"sum"`` (of the
            per-item values) or ``"none"`` (``[batch]``: each item's mean absolute difference).

    Shape:
        input, target: ``[batch, channels, time]``, ``[batch, time]`` or ``[time]`` (one item).
        output: 0-dim, or ``[batch]`` with ``reduction="none"`` (0-dim for a ``[time]`` input).

    Returns:
        The loss. Each item's value is the mean over its own bins, so the mean over the batch is HiFi-GAN's
        number, and sharding a batch across processes (``DistributedDataParallel``) gives the same gradient.

    Under ``torch.autocast`` the loss runs in float32 (autocast disabled inside, half-precision inputs cast
    up): the log of a bfloat16 mel loses the small differences the loss is made of. Returns float32 then.

    Raises:
        ValueError: if the shapes differ, ``reduction`` is unknown, or :func:`mel_spectrogram` rejects
            an input.
        TypeError: on a wrong type.

    Example::

        >>> loss = mel_loss(torch.randn(2, 1, 8192), torch.randn(2, 1, 8192), sample_rate=22050)
        >>> loss.shape
        torch.Size([])

    Notebook: book/03_hifigan_losses.ipynb
    """
    check_tensor(input, "input", ndim=(1, 2, 3))
    check_tensor(target, "target", ndim=(1, 2, 3))
    check_same_shape(input, target, "input", "target")
    check_reduction(reduction)
    f_min, f_max = _check_mel_settings(n_fft, n_mels, sample_rate, hop_length, win_length, f_min, f_max)
    check_min_length(target, n_fft, "target", f"one analysis window of n_fft={n_fft} samples")
    settings = (n_fft, n_mels, sample_rate, hop_length, win_length, f_min, f_max, bool(center))
    # inputs checked once here; both spectrograms come from the same unchecked core
    difference = torch.abs(_log_mel(input, *settings) - _log_mel(target, *settings))
    if difference.dim() == 2:  # one item
        return difference.mean()
    if reduction == "mean":  # the mean over all bins: equal to the mean of the per-item means, one kernel
        return difference.mean()
    return reduce_items(difference.flatten(start_dim=1).mean(dim=1), reduction)


class MelLoss(nn.Module):
    """:func:`mel_loss` as a module; ``forward(input, target)``, the generated waveform first.

    ``MelLoss.hifigan_v1()`` is HiFi-GAN v1's loss mel (:data:`HIFIGAN_V1_LOSS_MEL`: 22 050 Hz, full band).

    Args:
        sample_rate: sample rate in Hz (required).
        n_fft: FFT size (default 1024).
        n_mels: mel bands (default 80).
        hop_length: hop in samples (default 256).
        win_length: Hann window length (default 1024).
        f_min: lowest mel frequency in Hz (default 0).
        f_max: highest mel frequency in Hz (default ``None``: full band, as HiFi-GAN's loss).
        center: ``torch.stft`` centring (default ``False``).
        reduction: ``"mean"`` (default), ``"sum"`` or ``"none"`` (``[batch]``).

    Shape:
        input, target: ``[batch, channels, time]`` or ``[batch, time]``; output: 0-dim, or ``[batch]``.

    Example::

        >>> loss = MelLoss.hifigan_v1()
        >>> y_hat = torch.randn(2, 1, 8192, requires_grad=True)
        >>> loss(y_hat, torch.randn(2, 1, 8192)).backward()

    Notebook: book/03_hifigan_losses.ipynb
    """

    def __init__(
        self,
        *,
        sample_rate: int,
        n_fft: int = 1024,
        n_mels: int = 80,
        hop_length: int = 256,
        win_length: int = 1024,
        f_min: float = 0.0,
        f_max: float | None = None,
        center: bool = False,
        reduction: str = "mean",
    ):
        super().__init__()
        _check_mel_settings(n_fft, n_mels, sample_rate, hop_length, win_length, f_min, f_max)
        self.reduction = check_reduction(reduction)
        self.settings = dict(
            sample_rate=sample_rate,
            n_fft=n_fft,
            n_mels=n_mels,
            hop_length=hop_length,
            win_length=win_length,
            f_min=f_min,
            f_max=f_max,
            center=center,
        )

    @classmethod
    def hifigan_v1(cls, **overrides) -> MelLoss:
        """HiFi-GAN v1's loss mel (:data:`HIFIGAN_V1_LOSS_MEL`); keyword arguments override single settings."""
        return cls(**{**HIFIGAN_V1_LOSS_MEL, **overrides})

    def forward(self, input: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        return mel_loss(input, target, reduction=self.reduction, **self.settings)

    def extra_repr(self) -> str:
        return ", ".join(f"{k}={v}" for k, v in {**self.settings, "reduction": self.reduction}.items())
