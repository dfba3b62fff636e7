"""The implementations the package is compared against, each written or loaded as its users would get it.

* :func:`load_audiocraft_rvm` fetches audiocraft's own ``audiocraft/metrics/rvm.py`` (the 1.3.0 sdist from
  PyPI, through ``pip download``), extracts that single file into a cache directory and loads it with
  ``importlib.util.spec_from_file_location``. The audiocraft *package* is never imported (its
  ``__init__`` pulls in heavy dependencies); the file itself imports only ``typing``, ``torch`` and
  ``torchaudio``, so no shim is needed.
* :func:`upstream_hifigan_mel_spectrogram` is HiFi-GAN's ``meldataset.mel_spectrogram`` as written, with
  the two changes a modern stack forces: librosa's ``mel(...)`` is rendered in NumPy
  (:func:`librosa_slaney_mel`, the same loop as ``librosa.filters.mel``, no librosa needed) and
  ``torch.stft`` gets ``return_complex=True`` (then ``view_as_real``, giving the old layout). Its
  cache never hits upstream (it stores under ``str(fmax) + '_' + device`` but looks up ``fmax``), so
  the basis and the Hann window are rebuilt on every call here too.
* :func:`component_loss_formula` and :func:`kl_formula` are the direct one-line formulas, with no input
  checks, to show what the package's validation and structure cost.

None of this is part of the ``audiolosses`` package.
"""

from __future__ import annotations

import hashlib
import importlib.util
import os
import subprocess
import sys
import tarfile
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

__all__ = [
    "AUDIOCRAFT_VERSION",
    "AUDIOCRAFT_RVM_MEMBER",
    "ReferenceUnavailable",
    "default_cache_dir",
    "download_allowed",
    "load_audiocraft_rvm",
    "librosa_slaney_mel",
    "upstream_hifigan_mel_spectrogram",
    "upstream_hifigan_mel_loss",
    "component_loss_formula",
    "kl_formula",
]

AUDIOCRAFT_VERSION = "1.3.0"
#: The one file taken from the sdist.
AUDIOCRAFT_RVM_MEMBER = f"audiocraft-{AUDIOCRAFT_VERSION}/audiocraft/metrics/rvm.py"
#: Environment variables: the cache directory, and ``1`` to forbid the download (offline runs, tests).
CACHE_ENV = "AUDIOLOSSES_BENCHMARK_CACHE"
NO_DOWNLOAD_ENV = "AUDIOLOSSES_BENCHMARK_NO_DOWNLOAD"


class ReferenceUnavailable(RuntimeError):
    """A reference implementation cannot be loaded (not cached and no download); the row says why."""


def default_cache_dir() -> Path:
    """``$AUDIOLOSSES_BENCHMARK_CACHE`` or ``~/.cache/audiolosses-benchmarks``."""
    return Path(os.environ.get(CACHE_ENV) or Path.home() / ".cache" / "audiolosses-benchmarks")


def download_allowed() -> bool:
    """False when ``$AUDIOLOSSES_BENCHMARK_NO_DOWNLOAD`` is set to a non-empty value other than ``0``."""
    return os.environ.get(NO_DOWNLOAD_ENV, "") in ("", "0")


def _extract_rvm(sdist: Path, target: Path) -> None:
    with tarfile.open(sdist, "r:gz") as archive:
        try:
            member = archive.getmember(AUDIOCRAFT_RVM_MEMBER)
        except KeyError as error:
            raise ReferenceUnavailable(f"{sdist.name} has no {AUDIOCRAFT_RVM_MEMBER}") from error
        source = archive.extractfile(member)
        if source is None:
            raise ReferenceUnavailable(f"{AUDIOCRAFT_RVM_MEMBER} in {sdist.name} is not a regular file")
        target.write_bytes(source.read())


def _download_sdist(directory: Path, timeout: float) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    command = [
        sys.executable,
        "-m",
        "pip",
        "download",
        "--no-deps",
        "--no-binary",
        ":all:",
        f"audiocraft=={AUDIOCRAFT_VERSION}",
        "--dest",
        str(directory),
        "--quiet",
    ]
    try:
        result = subprocess.run(command, capture_output=True, text=True, timeout=timeout)
    except (OSError, subprocess.TimeoutExpired) as error:
        raise ReferenceUnavailable(f"pip download failed: {error}") from error
    sdist = directory / f"audiocraft-{AUDIOCRAFT_VERSION}.tar.gz"
    if result.returncode != 0 or not sdist.exists():
        last = (result.stderr or result.stdout).strip().splitlines()[-1:] or ["no output"]
        raise ReferenceUnavailable(f"pip download audiocraft=={AUDIOCRAFT_VERSION} failed: {last[0]}")
    return sdist


def load_audiocraft_rvm(cache_dir: str | Path | None = None, *, download: bool | None = None, timeout: float = 300.0):
    """audiocraft's ``metrics/rvm.py`` as a module, from the cache or fetched once from PyPI.

    Looks for ``<cache_dir>/audiocraft-1.3.0-metrics-rvm.py``; else extracts it from
    ``<cache_dir>/sdist/audiocraft-1.3.0.tar.gz``; else, if downloads are allowed, runs
    ``pip download --no-deps --no-binary :all: audiocraft==1.3.0`` into ``<cache_dir>/sdist`` first.

    Args:
        cache_dir: the cache directory (default :func:`default_cache_dir`).
        download: allow the download (default: unless ``$AUDIOLOSSES_BENCHMARK_NO_DOWNLOAD`` is set).
        timeout: seconds allowed for ``pip download``.

    Returns:
        tuple: ``(module, info)``, the loaded module (``module.RelativeVolumeMel``) and a dict with the
        file's ``path``, ``sha256`` and ``source`` (``"cache"`` or ``"download"``).

    Raises:
        ReferenceUnavailable: the file is not cached and cannot be downloaded or extracted.
    """
    cache = Path(cache_dir) if cache_dir is not None else default_cache_dir()
    download = download_allowed() if download is None else bool(download)
    target = cache / f"audiocraft-{AUDIOCRAFT_VERSION}-metrics-rvm.py"
    source = "cache"
    if not target.exists():
        sdist = cache / "sdist" / f"audiocraft-{AUDIOCRAFT_VERSION}.tar.gz"
        if not sdist.exists():
            if not download:
                raise ReferenceUnavailable(
                    f"audiocraft {AUDIOCRAFT_VERSION} is not in the cache ({cache}) and downloading is disabled"
                )
            sdist = _download_sdist(sdist.parent, timeout)
            source = "download"
        cache.mkdir(parents=True, exist_ok=True)
        _extract_rvm(sdist, target)
    spec = importlib.util.spec_from_file_location("_audiocraft_metrics_rvm", target)
    module = importlib.util.module_from_spec(spec)
    try:
        spec.loader.exec_module(module)
    except Exception as error:  # a broken or foreign file: report it in the row, do not crash the run
        raise ReferenceUnavailable(f"{target} failed to load: {type(error).__name__}: {error}") from error
    if not hasattr(module, "RelativeVolumeMel"):
        raise ReferenceUnavailable(f"{target} defines no RelativeVolumeMel")
    info = {
        "path": str(target),
        "sha256": hashlib.sha256(target.read_bytes()).hexdigest(),
        "source": source,
        "version": AUDIOCRAFT_VERSION,
    }
    return module, info


# --------------------------------------------------------------------------------------------------
# HiFi-GAN's mel front end as written (jik876/hifi-gan, meldataset.py)
# --------------------------------------------------------------------------------------------------


def _hz_to_mel_slaney(frequencies):
    frequencies = np.asanyarray(frequencies, dtype=float)
    f_sp = 200.0 / 3
    min_log_hz, logstep = 1000.0, np.log(6.4) / 27.0
    min_log_mel = min_log_hz / f_sp
    linear = frequencies / f_sp
    log = min_log_mel + np.log(np.maximum(frequencies, min_log_hz) / min_log_hz) / logstep
    return np.where(frequencies >= min_log_hz, log, linear)


def _mel_to_hz_slaney(mels):
    mels = np.asanyarray(mels, dtype=float)
    f_sp = 200.0 / 3
    min_log_hz, logstep = 1000.0, np.log(6.4) / 27.0
    min_log_mel = min_log_hz / f_sp
    return np.where(mels >= min_log_mel, min_log_hz * np.exp(logstep * (mels - min_log_mel)), f_sp * mels)


def librosa_slaney_mel(sr: int, n_fft: int, n_mels: int, fmin: float, fmax: float) -> np.ndarray:
    """``librosa.filters.mel(sr=sr, n_fft=n_fft, n_mels=n_mels, fmin=fmin, fmax=fmax)`` in NumPy.

    librosa's defaults: Slaney mel scale (``htk=False``), Slaney area norm, float32. Same steps as
    librosa (triangles from ``np.subtract.outer``, one loop iteration per band), so it costs what
    upstream's rebuild costs. Returns ``[n_mels, n_fft // 2 + 1]``.
    """
    weights = np.zeros((n_mels, 1 + n_fft // 2), dtype=np.float32)
    fftfreqs = np.fft.rfftfreq(n=n_fft, d=1.0 / sr)
    mel_f = _mel_to_hz_slaney(np.linspace(_hz_to_mel_slaney(fmin), _hz_to_mel_slaney(fmax), n_mels + 2))
    fdiff = np.diff(mel_f)
    ramps = np.subtract.outer(mel_f, fftfreqs)
    for i in range(n_mels):
        lower = -ramps[i] / fdiff[i]
        upper = ramps[i + 2] / fdiff[i + 1]
        weights[i] = np.maximum(0, np.minimum(lower, upper))
    enorm = 2.0 / (mel_f[2 : n_mels + 2] - mel_f[:n_mels])
    weights *= enorm[:, np.newaxis]
    return weights


def upstream_hifigan_mel_spectrogram(
    y: torch.Tensor,
    n_fft: int = 1024,
    num_mels: int = 80,
    sampling_rate: int = 22050,
    hop_size: int = 256,
    win_size: int = 1024,
    fmin: float = 0,
    fmax: float | None = None,
    center: bool = False,
    verbose: bool = False,
) -> torch.Tensor:
    """HiFi-GAN's ``mel_spectrogram(y, ...)`` as written, on ``y`` ``[batch, time]``.

    Upstream prints the minimum/maximum when the audio leaves ``[-1, 1]``: the two reductions are kept,
    the print only with ``verbose``. ``fmax=None`` is the loss mel's ``fmax_for_loss: null`` (librosa
    then uses ``sr / 2``).
    """
    if torch.min(y) < -1.0 and verbose:
        print("min value is ", torch.min(y))
    if torch.max(y) > 1.0 and verbose:
        print("max value is ", torch.max(y))
    fmax_hz = sampling_rate / 2 if fmax is None else fmax
    # the cache lookup `if fmax not in mel_basis` never hits (keys are str(fmax)+'_'+device): rebuilt every call
    mel = librosa_slaney_mel(sampling_rate, n_fft, num_mels, fmin, fmax_hz)
    mel_basis = torch.from_numpy(mel).float().to(y.device)
    hann_window = torch.hann_window(win_size).to(y.device)
    padding = int((n_fft - hop_size) / 2)
    y = F.pad(y.unsqueeze(1), (padding, padding), mode="reflect")
    y = y.squeeze(1)
    spec = torch.stft(
        y,
        n_fft,
        hop_length=hop_size,
        win_length=win_size,
        window=hann_window,
        center=center,
        pad_mode="reflect",
        normalized=False,
        onesided=True,
        return_complex=True,
    )
    spec = torch.view_as_real(spec)  # the [..., 2] layout of return_complex=False, which torch 2.x removed
    spec = torch.sqrt(spec.pow(2).sum(-1) + (1e-9))
    spec = torch.matmul(mel_basis, spec)
    spec = torch.log(torch.clamp(spec, min=1e-5) * 1)  # spectral_normalize_torch: dynamic_range_compression
    return spec


def upstream_hifigan_mel_loss(y: torch.Tensor, y_hat: torch.Tensor) -> torch.Tensor:
    """``F.l1_loss(mel(y), mel(y_g_hat.squeeze(1)))`` with HiFi-GAN v1's loss mel (full band).

    In HiFi-GAN the reference mel comes from the data loader (``mel_spectrogram(audio, ...)`` with
    ``fmax_for_loss``) and the generated one inside the training step: both are computed for every
    batch, as here. Accepts ``[batch, time]`` or ``[batch, 1, time]``.
    """
    flat, flat_hat = y.reshape(-1, y.shape[-1]), y_hat.reshape(-1, y_hat.shape[-1])
    return F.l1_loss(upstream_hifigan_mel_spectrogram(flat), upstream_hifigan_mel_spectrogram(flat_hat))


# --------------------------------------------------------------------------------------------------
# Direct formulas (no validation)
# --------------------------------------------------------------------------------------------------


def component_loss_formula(mask, target, residual, alpha: float = 0.2, beta: float = 0.8, eps: float = 1e-8):
    """``[(1−α−β)·Σ(M·S − S)² + α·Σ(M·R)² + β·Σ_b‖unit(M·R)_b − unit(R)_b‖²] / n``, straight from the formula."""
    dims = tuple(range(1, mask.dim()))
    filtered = mask * residual
    unit_filtered = filtered / (filtered.pow(2).sum(dim=dims, keepdim=True) + eps**2).sqrt()
    unit_residual = residual / (residual.pow(2).sum(dim=dims, keepdim=True) + eps**2).sqrt()
    speech = ((mask * target - target) ** 2).sum()
    noise = (filtered**2).sum()
    quality = ((unit_filtered - unit_residual) ** 2).sum()
    return ((1 - alpha - beta) * speech + alpha * noise + beta * quality) / mask.numel()


def kl_formula(mu, logvar):
    """``mean(½(μ² + e^logvar − logvar − 1))``: KL(N(μ, σ²) ‖ N(0, 1)) averaged over all elements."""
    return (0.5 * (mu.pow(2) + logvar.exp() - logvar - 1)).mean()
