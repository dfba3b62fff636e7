"""Example sounds, WAV input/output, resampling, level meters and level-faithful playback.

Five short example clips ship with the package (mono, 22050 Hz, 16-bit, at most 2 s each; see
``audiolosses/data/README.md`` for how each was made):

* ``"speech"``    -- a spoken phrase that ends on a clear /s/ ("Listen, this is it, yes.");
* ``"piano"``     -- solo piano: an arpeggio and a ringing chord;
* ``"pop_mix"``   -- a dense mix of chords, bass, lead, kick, snare and hats;
* ``"rap_vocal"`` -- a rhythmic spoken vocal over drums;
* ``"drums"``     -- a drum kit: kick, snare, hi-hats and toms.

The clips are *not* normalised to the same loudness: their peaks sit between -1 and -3 dBFS and their
RMS levels differ by several dB, as real recordings do. To hear those differences, play them with
:func:`play` or :func:`play_side_by_side`, which never rescale a clip on their own (IPython's
``Audio`` does, by default).

Waveforms are float tensors shaped ``[channels, time]`` (or ``[time]`` where stated) with full scale
at +-1.0.

Notebook: book/01_sound_spectra_decibels.ipynb
"""

from __future__ import annotations

import html
import math
from collections.abc import Mapping
from numbers import Real
from pathlib import Path

import numpy as np
import soundfile as sf
import torch

from ._validation import check_choice, check_int, check_positive, check_same_shape, check_sample_rate, check_tensor
from .spectral import scale_to_db

__all__ = [
    "EXAMPLES",
    "DATA_DIR",
    "list_examples",
    "example_path",
    "load_example",
    "resample",
    "add_noise",
    "mix_at_snr",
    "colored_noise",
    "low_pass",
    "high_pass",
    "save_wav",
    "peak_db",
    "rms_db",
    "play",
    "play_side_by_side",
]

#: Names of the example clips, in the order the course introduces them.
EXAMPLES: tuple[str, ...] = ("speech", "piano", "pop_mix", "rap_vocal", "drums")

#: Folder that holds the example WAV files and their README.
DATA_DIR: Path = Path(__file__).resolve().parent / "data"

_DB_FLOOR = -120.0


def list_examples() -> list[str]:
    """List the names of the example clips.

    Returns:
        list[str]: ``["speech", "piano", "pop_mix", "rap_vocal", "drums"]``, the names accepted by
        :func:`example_path` and :func:`load_example`.
    """
    return list(EXAMPLES)


def example_path(name: str) -> Path:
    """Return the path of an example clip's WAV file.

    Args:
        name: One of :data:`EXAMPLES`.

    Returns:
        pathlib.Path: The absolute path of ``<package>/data/<name>.wav``.

    Raises:
        TypeError: If ``name`` is not a string.
        ValueError: If ``name`` is not one of :data:`EXAMPLES` (the message lists them).
        FileNotFoundError: If the package was installed without its data files.
    """
    if not isinstance(name, str):
        raise TypeError(f"name must be a str, one of {list(EXAMPLES)}, got {type(name).__name__}")
    check_choice(name, "name", EXAMPLES)
    path = DATA_DIR / f"{name}.wav"
    if not path.is_file():
        raise FileNotFoundError(
            f"example file {path} is missing; reinstall audiolosses or run scripts/make_examples.py"
        )
    return path


def load_example(name: str, sample_rate: int | None = None) -> tuple[torch.Tensor, int]:
    """Load an example clip as a float32 tensor, optionally resampled.

    The file is read with ``soundfile`` (torchaudio's own I/O was removed in torchaudio 2.9).

    Args:
        name: One of :data:`EXAMPLES`: ``"speech"``, ``"piano"``, ``"pop_mix"``, ``"rap_vocal"``,
            ``"drums"``.
        sample_rate: Sample rate in Hz to return the clip at. Default ``None`` keeps the file's rate
            (22050 Hz); any other value resamples with :func:`resample`.

    Returns:
        tuple[torch.Tensor, int]: ``(waveform, sample_rate)``. ``waveform`` is float32, shaped
        ``[channels, time]`` (``channels`` is 1 for every shipped clip), full scale +-1.0;
        ``sample_rate`` is the rate of the returned waveform in Hz.

    Raises:
        TypeError: If ``name`` is not a string or ``sample_rate`` is not an int.
        ValueError: If ``name`` is unknown (the message lists the valid names) or ``sample_rate``
            is not positive.
    """
    path = example_path(name)
    if sample_rate is not None:
        check_sample_rate(sample_rate, "sample_rate")
    data, file_rate = sf.read(path, dtype="float32", always_2d=True)  # [time, channels]
    waveform = torch.from_numpy(np.ascontiguousarray(data.T))  # [channels, time]
    if sample_rate is None or sample_rate == file_rate:
        return waveform, int(file_rate)
    return resample(waveform, int(file_rate), sample_rate), sample_rate


def resample(waveform: torch.Tensor, orig_sample_rate: int, new_sample_rate: int) -> torch.Tensor:
    """Change the sample rate of a waveform (band-limited sinc interpolation).

    A validated wrapper around ``torchaudio.functional.resample`` with its default settings.

    Args:
        waveform: Float tensor shaped ``[..., time]``.
        orig_sample_rate: Sample rate of ``waveform`` in Hz.
        new_sample_rate: Wanted sample rate in Hz.

    Returns:
        torch.Tensor: Shaped ``[..., ceil(time * new_sample_rate / orig_sample_rate)]``, same dtype;
        ``waveform`` itself when the two rates are equal.

    Raises:
        TypeError: If ``waveform`` is not a floating-point tensor or a rate is not an int.
        ValueError: If ``waveform`` has no time axis or holds NaN/Inf, or a rate is not positive.
    """
    check_tensor(waveform, "waveform", min_ndim=1)
    check_sample_rate(orig_sample_rate, "orig_sample_rate")
    check_sample_rate(new_sample_rate, "new_sample_rate")
    if orig_sample_rate == new_sample_rate:
        return waveform
    import torchaudio.functional as AF  # imported here: the losses never need torchaudio (CONTRIBUTING.md)

    return AF.resample(waveform, orig_sample_rate, new_sample_rate)


def add_noise(signal: torch.Tensor, snr_db: float, *, generator: torch.Generator | None = None) -> torch.Tensor:
    """Add white Gaussian noise at an exact signal-to-noise ratio (:func:`mix_at_snr`'s rule).

    The noise of each signal (each row along the last axis) is scaled so that
    ``10·log10(mean(signal²) / mean(noise²))`` equals ``snr_db`` for the noise actually drawn.

    Args:
        signal: Float tensor shaped ``[..., time]`` (not silent: the SNR of silence is undefined).
        snr_db: Wanted SNR in dB (any real number; lower is noisier).
        generator: Optional ``torch.Generator`` for reproducible noise (CPU signals).

    Returns:
        torch.Tensor: ``signal + noise``, same shape, dtype and device.

    Raises:
        TypeError: If ``signal`` is not a floating-point tensor or ``snr_db`` is not a number.
        ValueError: If ``signal`` holds NaN/Inf, or a row of it is silent.
    """
    check_tensor(signal, "signal", min_ndim=1)
    if isinstance(snr_db, bool) or not isinstance(snr_db, Real) or not math.isfinite(snr_db):
        raise TypeError(f"snr_db must be a finite number, got {snr_db!r}")
    if bool((signal.pow(2).mean(dim=-1) == 0).any()):
        raise ValueError("signal has a silent row (all zeros): the SNR of silence is undefined")
    noise = torch.randn(signal.shape, generator=generator, dtype=signal.dtype, device=signal.device)
    return mix_at_snr(signal, noise, snr_db)[0]


def colored_noise(
    num_samples: int, exponent: float = 0.0, *, seed: int = 0, dtype: torch.dtype = torch.float32
) -> torch.Tensor:
    """Seeded noise whose power spectrum falls as ``1 / f^exponent``, scaled to unit RMS.

    ``exponent = 0`` is white noise, ``1`` pink, ``2`` brown (red). Made by shaping the spectrum of white
    Gaussian noise (the DC bin is set to 0).

    Args:
        num_samples: length in samples (>= 2).
        exponent: spectral slope, >= 0 (default 0, white).
        seed: seed of a private generator (default 0); the global RNG is not touched.
        dtype: floating dtype of the result (default float32).

    Returns:
        ``[num_samples]`` tensor with RMS 1.
    """
    check_int(num_samples, "num_samples", minimum=2)
    exponent = check_positive(exponent, "exponent", allow_zero=True)
    check_int(seed, "seed")
    generator = torch.Generator().manual_seed(seed)
    white = torch.randn(num_samples, generator=generator, dtype=torch.float64)
    spectrum = torch.fft.rfft(white)
    freqs = torch.arange(spectrum.shape[0], dtype=torch.float64)
    shaping = torch.zeros_like(freqs)
    shaping[1:] = freqs[1:].pow(-exponent / 2.0)
    shaped = torch.fft.irfft(spectrum * shaping, n=num_samples)
    return (shaped / shaped.pow(2).mean().sqrt()).to(dtype)


def mix_at_snr(signal: torch.Tensor, noise: torch.Tensor, snr_db: float) -> tuple[torch.Tensor, torch.Tensor]:
    """Scale ``noise`` so the signal-to-noise ratio is ``snr_db``, and add it to ``signal``.

    The package's one add-noise rule: ``SNR = 10·log10(mean(signal²) / mean(noise²))`` for **each row along the
    last (time) axis**, i.e. each channel of each item gets exactly ``snr_db`` (for mono audio, each item).
    :func:`add_noise` is this rule with white Gaussian noise.

    Args:
        signal: ``[..., time]`` clean signal (e.g. speech); a silent row gets no noise (its SNR is undefined).
        noise: same shape; no row may be silent.
        snr_db: wanted SNR in dB (finite).

    Returns:
        ``(mixture, scaled_noise)`` with ``mixture = signal + scaled_noise``, both the shape of ``signal``.
    """
    check_tensor(signal, "signal", min_ndim=1)
    check_tensor(noise, "noise", min_ndim=1)
    check_same_shape(signal, noise, "signal", "noise")
    if isinstance(snr_db, bool) or not isinstance(snr_db, Real):
        raise TypeError(f"snr_db must be a real number of dB, got {snr_db!r}")
    if not math.isfinite(snr_db):
        raise ValueError(f"snr_db must be a finite number of dB, got {snr_db!r}")
    signal_power = signal.pow(2).mean(dim=-1, keepdim=True)
    noise_power = noise.pow(2).mean(dim=-1, keepdim=True)
    if bool((noise_power == 0).any()):
        raise ValueError("noise has a silent row (all zeros): no gain can reach an SNR")
    scaled_noise = noise * (signal_power / noise_power / 10.0 ** (snr_db / 10.0)).sqrt()
    return signal + scaled_noise, scaled_noise


def low_pass(signal: torch.Tensor, cutoff_hz: float, sample_rate: int) -> torch.Tensor:
    """An ideal (brick-wall), zero-phase low-pass filter: remove every frequency above ``cutoff_hz``.

    Applied to the whole signal with one FFT: the DFT bins above the cut-off are set to zero. Ideal
    filters ring (a sinc in time); that is fine for measuring what a metric does when a band disappears.

    Args:
        signal: Float tensor shaped ``[..., time]``.
        cutoff_hz: Highest frequency kept, in Hz, ``0 < cutoff_hz <= sample_rate / 2``.
        sample_rate: Sample rate of ``signal`` in Hz.

    Returns:
        torch.Tensor: The filtered signal, same shape, dtype and device.

    Raises:
        TypeError: If ``signal`` is not a floating-point tensor or ``sample_rate`` is not an int.
        ValueError: If ``signal`` holds NaN/Inf or ``cutoff_hz`` is outside ``(0, sample_rate / 2]``.
    """
    return _brick_wall(signal, cutoff_hz, sample_rate, keep_below=True)


def high_pass(signal: torch.Tensor, cutoff_hz: float, sample_rate: int) -> torch.Tensor:
    """An ideal (brick-wall), zero-phase high-pass filter: remove every frequency below ``cutoff_hz`` (DC too).

    The mirror of :func:`low_pass`: one FFT of the whole signal, the DFT bins below the cut-off set to zero.

    Args:
        signal: Float tensor shaped ``[..., time]``.
        cutoff_hz: Lowest frequency kept, in Hz, ``0 < cutoff_hz <= sample_rate / 2``.
        sample_rate: Sample rate of ``signal`` in Hz.

    Returns:
        torch.Tensor: The filtered signal, same shape, dtype and device.

    Raises:
        TypeError: If ``signal`` is not a floating-point tensor or ``sample_rate`` is not an int.
        ValueError: If ``signal`` holds NaN/Inf or ``cutoff_hz`` is outside ``(0, sample_rate / 2]``.
    """
    return _brick_wall(signal, cutoff_hz, sample_rate, keep_below=False)


def _brick_wall(signal: torch.Tensor, cutoff_hz: float, sample_rate: int, *, keep_below: bool) -> torch.Tensor:
    check_tensor(signal, "signal", min_ndim=1)
    check_sample_rate(sample_rate)
    check_positive(cutoff_hz, "cutoff_hz")
    if cutoff_hz > sample_rate / 2:
        raise ValueError(f"cutoff_hz must be at most sample_rate / 2 = {sample_rate / 2:g} Hz, got {cutoff_hz:g}")
    length = signal.shape[-1]
    spectrum = torch.fft.rfft(signal)
    frequencies = torch.fft.rfftfreq(length, d=1.0 / sample_rate, device=signal.device)
    kept = frequencies <= cutoff_hz if keep_below else frequencies >= cutoff_hz
    return torch.fft.irfft(spectrum * kept.to(signal.dtype), n=length)


def _as_channels_time(waveform: torch.Tensor, name: str, max_channels: int | None = None) -> torch.Tensor:
    """Validate a ``[time]`` or ``[channels, time]`` float waveform and return it as ``[channels, time]``."""
    check_tensor(waveform, name, ndim=(1, 2))
    if waveform.dim() == 1:
        waveform = waveform.unsqueeze(0)
    channels = waveform.shape[0]
    if channels < 1 or (max_channels is not None and channels > max_channels):
        allowed = f"1 to {max_channels}" if max_channels is not None else "at least 1"
        raise ValueError(
            f"{name} must be shaped [time] or [channels, time] with {allowed} channels, "
            f"got shape {tuple(waveform.shape)}"
        )
    if waveform.shape[1] == 0:
        raise ValueError(f"{name} is empty: shape {tuple(waveform.shape)}")
    return waveform


def save_wav(path: str | Path, waveform: torch.Tensor, sample_rate: int) -> Path:
    """Write a waveform to a 16-bit PCM WAV file.

    Values outside ``[-1, 1]`` are an error rather than being silently clipped: scale the waveform
    (for example by its peak) before saving.

    Args:
        path: Output file path; missing parent folders are not created.
        waveform: Float tensor shaped ``[time]`` or ``[channels, time]``, full scale +-1.0.
        sample_rate: Sample rate in Hz.

    Returns:
        pathlib.Path: ``path`` as a ``Path``.

    Raises:
        TypeError: If ``waveform`` is not a floating-point tensor or ``sample_rate`` is not an int.
        ValueError: If ``waveform`` is not 1-D/2-D, is empty, holds NaN/Inf or values beyond
            ``[-1, 1]``, or ``sample_rate`` is not positive.
    """
    waveform = _as_channels_time(waveform, "waveform")
    check_sample_rate(sample_rate, "sample_rate")
    peak = float(waveform.abs().max())
    if peak > 1.0:
        raise ValueError(
            f"waveform has samples beyond [-1, 1] (peak {peak:.4g}, {20 * math.log10(peak):+.2f} dBFS); "
            "a 16-bit WAV would clip them: scale the waveform down first"
        )
    path = Path(path)
    data = waveform.detach().cpu().to(torch.float64).numpy().T  # [time, channels]
    sf.write(path, data, sample_rate, subtype="PCM_16", format="WAV")
    return path


def _level_db(waveform: torch.Tensor, statistic, reference: float, floor_db: float) -> float:
    """``statistic(waveform)`` (an amplitude) in dB re. ``reference``, after validating the inputs."""
    check_tensor(waveform, "waveform")
    reference = check_positive(reference, "reference")
    if waveform.numel() == 0:
        raise ValueError("waveform is empty")
    amplitude = statistic(waveform.detach().to(torch.float64))
    return float(scale_to_db(amplitude / reference, float(floor_db)))


def peak_db(waveform: torch.Tensor, *, reference: float = 1.0, floor_db: float = _DB_FLOOR) -> float:
    """Peak level of a waveform in dB relative to ``reference`` (dBFS for the default 1.0).

    Args:
        waveform: Float tensor of any shape; the peak is taken over all samples.
        reference: Level that counts as 0 dB. Default ``1.0`` (digital full scale).
        floor_db: Lowest value returned, so silence gives a finite number. Default ``-120.0``.

    Returns:
        float: ``max(20 * log10(max|waveform| / reference), floor_db)``.

    Raises:
        TypeError: If ``waveform`` is not a floating-point tensor or ``reference`` not a number.
        ValueError: If ``waveform`` is empty or holds NaN/Inf, or ``reference`` is not positive.
    """
    return _level_db(waveform, lambda x: x.abs().max(), reference, floor_db)


def rms_db(waveform: torch.Tensor, *, reference: float = 1.0, floor_db: float = _DB_FLOOR) -> float:
    """Root-mean-square level of a waveform in dB relative to ``reference`` (dBFS for 1.0).

    Note that a full-scale sine has an RMS of -3.01 dBFS and a full-scale square wave 0 dBFS.

    Args:
        waveform: Float tensor of any shape; the mean is taken over all samples.
        reference: Level that counts as 0 dB. Default ``1.0`` (digital full scale).
        floor_db: Lowest value returned, so silence gives a finite number. Default ``-120.0``.

    Returns:
        float: ``max(20 * log10(sqrt(mean(waveform**2)) / reference), floor_db)``.

    Raises:
        TypeError: If ``waveform`` is not a floating-point tensor or ``reference`` not a number.
        ValueError: If ``waveform`` is empty or holds NaN/Inf, or ``reference`` is not positive.
    """
    return _level_db(waveform, lambda x: x.pow(2).mean().sqrt(), reference, floor_db)


def _scaled_numpy(waveform: torch.Tensor, reference: float, name: str) -> np.ndarray:
    """``waveform / reference`` as a float64 array for IPython's Audio: ``[time]`` or ``[2, time]``."""
    peak = float(waveform.detach().abs().max())
    if peak > reference:
        raise ValueError(
            f"{name} peaks at {peak:.4g}, above reference={reference:.4g}, so it would clip; pass a larger "
            f"reference shared by every clip you compare (for example the largest peak among them), "
            f"or use play_side_by_side, which picks one for you"
        )
    data = (waveform.detach().cpu().to(torch.float64) / reference).numpy()
    return data[0] if data.shape[0] == 1 else data


def play(waveform: torch.Tensor, sample_rate: int, *, reference: float = 1.0):
    """Level-faithful audio player for a notebook.

    ``IPython.display.Audio`` normalises every clip to full scale by default, so a clip at -30 dBFS
    plays exactly as loud as one at 0 dBFS and level differences (the subject of this course) become
    inaudible. ``play`` turns that off (``normalize=False``) and instead divides by a fixed
    ``reference``: a sample equal to ``reference`` plays at full scale. Give the same ``reference`` to
    every clip you want to compare by ear.

    Args:
        waveform: Float tensor shaped ``[time]`` or ``[channels, time]`` with 1 or 2 channels.
        sample_rate: Sample rate in Hz.
        reference: Amplitude that maps to full scale. Default ``1.0`` (play as is). Must be at least
            the waveform's peak.

    Returns:
        IPython.display.Audio: An embedded 16-bit WAV player of ``waveform / reference``
        (``normalize=False``).

    Raises:
        TypeError: If ``waveform`` is not a floating-point tensor, ``sample_rate`` is not an int or
            ``reference`` is not a number.
        ValueError: If ``waveform`` has a bad shape, is empty or holds NaN/Inf, ``sample_rate`` or
            ``reference`` is not positive, or the waveform peaks above ``reference`` (pass a larger
            shared ``reference``).
    """
    from IPython.display import Audio

    waveform = _as_channels_time(waveform, "waveform", max_channels=2)
    check_sample_rate(sample_rate, "sample_rate")
    reference = check_positive(reference, "reference")
    return Audio(_scaled_numpy(waveform, reference, "waveform"), rate=sample_rate, normalize=False)


def play_side_by_side(clips: Mapping[str, torch.Tensor], sample_rate: int, *, reference: float | None = None):
    """An A/B player: one player for several versions of a sound, all scaled by one shared reference.

    Every clip is divided by the *same* ``reference`` (and never normalised on its own), so a clip
    that is 6 dB quieter than another also plays 6 dB quieter. Each version gets a button that shows its
    label and its peak and RMS level in dB relative to the reference (dB re. full scale of the player).

    On the course website a few lines of script turn the buttons into an A/B switch: one transport
    (play/pause and a position slider) plays the selected version, and pressing another version's
    button switches to it at the same position, still playing. Where that script does not run (Jupyter,
    Colab) the same output shows a table with one ordinary player per version. The HTML is
    deterministic (no random element ids), so it can be compared byte for byte.

    Args:
        clips: Mapping from label to waveform; each waveform a float tensor shaped ``[time]`` or
            ``[channels, time]`` with 1 or 2 channels. Buttons and rows keep the mapping's order.
        sample_rate: Sample rate in Hz, shared by all clips.
        reference: Amplitude that maps to full scale for every clip. Default ``None`` uses
            ``max(1.0, largest peak among the clips)``, so nothing clips and clips within +-1 play as is.

    Returns:
        IPython.display.HTML: A ``<div class="audiolosses-ab">`` holding the version buttons, the
        transport, and a ``<table>`` with one ``<audio controls>`` element per clip, each embedding a
        base64 16-bit WAV of ``clip / reference`` (WAV, not the smaller lossless FLAC: Chromium cannot
        seek in a FLAC without a seek table, and the A/B switch seeks).

    Raises:
        TypeError: If ``clips`` is not a mapping, a label is not a string, a clip is not a
            floating-point tensor, ``sample_rate`` is not an int or ``reference`` not a number.
        ValueError: If ``clips`` is empty, a clip has a bad shape or holds NaN/Inf, ``sample_rate`` or
            ``reference`` is not positive, or a clip peaks above the given ``reference``.
    """
    from IPython.display import HTML, Audio

    if not isinstance(clips, Mapping):
        raise TypeError(f"clips must be a mapping from label to waveform, got {type(clips).__name__}")
    if len(clips) == 0:
        raise ValueError("clips must hold at least one clip, got an empty mapping")
    check_sample_rate(sample_rate, "sample_rate")
    checked: dict[str, torch.Tensor] = {}
    for label, waveform in clips.items():
        if not isinstance(label, str):
            raise TypeError(f"clips labels must be str, got {type(label).__name__}")
        checked[label] = _as_channels_time(waveform, f"clips[{label!r}]", max_channels=2)
    if reference is None:
        reference = max([1.0] + [float(w.detach().abs().max()) for w in checked.values()])
    else:
        reference = check_positive(reference, "reference")

    rows, buttons = [], []
    for number, (label, waveform) in enumerate(checked.items()):
        audio = Audio(_scaled_numpy(waveform, reference, f"clips[{label!r}]"), rate=sample_rate, normalize=False)
        src = audio.src_attr()
        peak = peak_db(waveform, reference=reference)
        rms = rms_db(waveform, reference=reference)
        name = html.escape(label)
        rows.append(
            "<tr>"
            f'<td style="text-align:left"><b>{name}</b></td>'
            f'<td><audio controls="controls" preload="none" src="{src}"></audio></td>'
            f'<td style="text-align:right">{peak:.1f}</td>'
            f'<td style="text-align:right">{rms:.1f}</td>'
            "</tr>"
        )
        buttons.append(
            f'<button type="button" class="alx-version" aria-pressed="{"true" if number == 0 else "false"}">'
            f'<b>{name}</b><span class="alx-levels">peak {peak:.1f} dB · RMS {rms:.1f} dB</span></button>'
        )
    header = "<tr><th>clip</th><th>player</th><th>peak (dB re. ref)</th><th>RMS (dB re. ref)</th></tr>"
    caption = f"All players share one reference: {reference:.4g} = full scale."
    return HTML(
        '<div class="audiolosses-ab">'
        f'<div class="alx-buttons alx-live-only" role="group" aria-label="versions">{"".join(buttons)}</div>'
        '<div class="alx-transport"><button type="button" class="alx-play">play</button>'
        '<input type="range" class="alx-seek" min="0" max="1" step="0.01" value="0" aria-label="position">'
        '<span class="alx-time"></span></div>'
        f'<p class="alx-caption">{caption} A version button switches at the same playback position.</p>'
        f'<table class="audiolosses-players alx-fallback"><caption>{caption}</caption>{header}{"".join(rows)}</table>'
        "</div>"
    )
