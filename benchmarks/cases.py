"""The comparisons: for each loss, the package's implementation and what users would otherwise run.

Every comparison is a :class:`Comparison` with one ``"ours"`` implementation and references (same
values expected, checked) or context rows (other losses on the same audio, not compared). Each
implementation provides ``step()``, one forward + backward on fixed inputs (the input's ``.grad`` is
reset first), and ``values()``, the loss and the input gradient as float64 tensors for the check.
"""

from __future__ import annotations

import contextlib
import importlib
import sys
import types
from collections.abc import Callable
from dataclasses import dataclass, field

import torch

from . import references

__all__ = ["Implementation", "Comparison", "build_comparisons", "SIZES"]

#: Input sizes: "full" are typical training batches; "quick" are tiny (for the test and a smoke run).
SIZES = {
    "full": {
        "rvm": (16, 1, 24000),
        "hifigan_mel": [(16, 8192), (16, 1, 24000)],
        "perceptual": dict(shape=(1, 8192), n_bands=512, n_taps=512),
        "component": (16, 513, 173),
        "kl": (64, 128),
        "auraloss": (16, 1, 24000),
        "mrstft": (16, 1, 24000),
        "si_sdr": (16, 1, 24000),
    },
    "quick": {
        "rvm": (2, 1, 2048),
        "hifigan_mel": [(2, 2048)],
        "perceptual": dict(shape=(1, 512), n_bands=16, n_taps=32),
        "component": (2, 33, 9),
        "kl": (4, 8),
        "auraloss": (2, 1, 4096),
        "mrstft": (2, 1, 4096),
        "si_sdr": (2, 1, 4096),
    },
}


@dataclass
class Implementation:
    """One implementation in a comparison; ``step``/``values`` are None when it is unavailable."""

    name: str
    role: str  # "ours", "reference" (values checked against ours) or "context" (a different loss)
    step: Callable[[], object] | None = None
    values: Callable[[], dict[str, torch.Tensor]] | None = None
    note: str = ""


@dataclass
class Comparison:
    """A group of implementations timed side by side on the same inputs."""

    key: str
    title: str
    shape: tuple
    dtype: str
    implementations: list[Implementation] = field(default_factory=list)
    target: dict | None = None  # {"reference": name, "min_ratio": x, "text": ...}
    rtol: float = 1e-4
    atol: float = 1e-6


def _audio(shape, seed, device, dtype, noise=0.1):
    generator = torch.Generator().manual_seed(seed)
    reference = 0.1 * torch.randn(*shape, generator=generator, dtype=torch.float64)
    estimate = reference + noise * 0.1 * torch.randn(*shape, generator=generator, dtype=torch.float64)
    return reference.to(device=device, dtype=dtype), estimate.to(device=device, dtype=dtype)


def _loss_impl(name, role, loss_fn, leaf, note=""):
    """``step`` and ``values`` for ``loss_fn()`` → 0-dim loss, differentiated with respect to ``leaf``."""

    def step():
        leaf.grad = None
        loss_fn().backward()

    def values():
        leaf.grad = None
        loss = loss_fn()
        loss.backward()
        return {"loss": loss.detach().double().cpu(), "grad": leaf.grad.detach().double().cpu()}

    return Implementation(name, role, step, values, note)


def _unavailable(name, role, note):
    return Implementation(name, role, None, None, note)


# --------------------------------------------------------------------------------------------------
# (a) RVM vs audiocraft
# --------------------------------------------------------------------------------------------------


def rvm_comparison(shape, device, dtype, *, cache_dir=None, download=None) -> Comparison:
    from audiolosses.rvm import RelativeVolumeMel

    ground_truth, estimate = _audio(shape, 1, device, dtype)
    estimate.requires_grad_()
    ours = RelativeVolumeMel.audiocraft().to(device)
    comparison = Comparison(
        "rvm",
        "Relative Volume Mel vs audiocraft's metrics/rvm.py",
        tuple(shape),
        str(dtype).replace("torch.", ""),
        target={
            "reference": "audiocraft.metrics.rvm.RelativeVolumeMel",
            "min_ratio": 1.0,
            "text": "RVM at least as fast as audiocraft's",
        },
        rtol=1e-4,
        atol=1e-5,
    )
    comparison.implementations.append(
        _loss_impl("audiolosses.rvm.RelativeVolumeMel", "ours", lambda: ours(estimate, ground_truth)["rvm"], estimate)
    )
    name = "audiocraft.metrics.rvm.RelativeVolumeMel"
    try:
        module, info = references.load_audiocraft_rvm(cache_dir, download=download)
    except references.ReferenceUnavailable as error:
        comparison.implementations.append(_unavailable(name, "reference", f"unavailable: {error}"))
        return comparison
    theirs = module.RelativeVolumeMel().to(device)
    note = f"audiocraft {info['version']} sdist, file sha256 {info['sha256'][:12]}, loaded from {info['source']}"
    comparison.implementations.append(
        _loss_impl(name, "reference", lambda: theirs(estimate, ground_truth)["rvm"], estimate, note)
    )
    return comparison


# --------------------------------------------------------------------------------------------------
# (b) HiFi-GAN mel loss vs upstream as written
# --------------------------------------------------------------------------------------------------


def hifigan_comparison(shape, device, dtype) -> Comparison:
    from audiolosses import hifigan

    y, y_hat = _audio(shape, 2, device, dtype)
    y_hat.requires_grad_()
    comparison = Comparison(
        "hifigan_mel_" + "x".join(map(str, shape)),
        "HiFi-GAN mel loss vs upstream as written",
        tuple(shape),
        str(dtype).replace("torch.", ""),
        target={
            "reference": "hifi-gan meldataset.mel_spectrogram + F.l1_loss (as written)",
            "min_ratio": 3.0,
            "text": "HiFi-GAN mel loss at least 3x the upstream-as-written path",
        },
        rtol=1e-4,
        atol=1e-6,
    )
    comparison.implementations.append(
        _loss_impl("audiolosses.hifigan.mel_loss", "ours", lambda: hifigan.mel_loss(y_hat, y, sample_rate=22050), y_hat)
    )
    comparison.implementations.append(
        _loss_impl(
            "hifi-gan meldataset.mel_spectrogram + F.l1_loss (as written)",
            "reference",
            lambda: references.upstream_hifigan_mel_loss(y, y_hat),
            y_hat,
            "mel basis (librosa's algorithm in NumPy) and Hann window rebuilt every call, as upstream",
        )
    )
    return comparison


# --------------------------------------------------------------------------------------------------
# (c) perceptual loss: FFT vs direct conv1d
# --------------------------------------------------------------------------------------------------


def perceptual_comparison(shape, n_bands, n_taps, device, dtype) -> Comparison:
    from audiolosses.perceptual import PerceptualLoss

    target, estimate = _audio(shape, 3, device, dtype, noise=1.0)
    estimate.requires_grad_()
    fft = PerceptualLoss.original(n_bands=n_bands, n_taps=n_taps, method="fft").to(device=device, dtype=dtype)
    direct = PerceptualLoss.original(n_bands=n_bands, n_taps=n_taps, method="direct").to(device=device, dtype=dtype)
    comparison = Comparison(
        "perceptual_loss",
        f"Perceptual loss ({n_bands} bands, {n_taps} taps, stride 1): FFT vs direct conv1d",
        tuple(shape),
        str(dtype).replace("torch.", ""),
        target={
            "reference": "audiolosses.perceptual.PerceptualLoss(method='direct')",
            "min_ratio": 10.0,
            "text": "perceptual loss FFT path at least 10x the direct conv1d at the original settings",
        },
        rtol=1e-3,
        atol=1e-6,
    )
    comparison.implementations.append(
        _loss_impl(
            "audiolosses.perceptual.PerceptualLoss(method='fft')", "ours", lambda: fft(estimate, target), estimate
        )
    )
    comparison.implementations.append(
        _loss_impl(
            "audiolosses.perceptual.PerceptualLoss(method='direct')",
            "reference",
            lambda: direct(estimate, target),
            estimate,
            "zounds' algorithm: F.conv1d(x, bank, padding=n_taps)",
        )
    )
    return comparison


def filter_bank_comparison(shape, n_bands, n_taps, device, dtype) -> Comparison:
    """The filtering step alone: ``filter_bank_apply(method="fft")`` vs ``"direct"`` (``F.conv1d``), summed."""
    from audiolosses.perceptual import bark_filter_bank, filter_bank_apply

    _, signal = _audio(shape, 7, device, dtype, noise=1.0)
    signal.requires_grad_()
    bank = bark_filter_bank(n_bands, n_taps, dtype=dtype, device=device)
    comparison = Comparison(
        "perceptual_filter",
        f"Filter bank alone ({n_bands} bands, {n_taps} taps, stride 1): FFT vs direct conv1d",
        tuple(shape),
        str(dtype).replace("torch.", ""),
        target={
            "reference": "audiolosses.perceptual.filter_bank_apply(method='direct')",
            "min_ratio": 10.0,
            "text": "FFT filtering at least 10x the direct conv1d at the original settings",
        },
        rtol=1e-3,
        atol=1e-6,
    )
    for method, role in (("fft", "ours"), ("direct", "reference")):
        comparison.implementations.append(
            _loss_impl(
                f"audiolosses.perceptual.filter_bank_apply(method='{method}')",
                role,
                lambda method=method: filter_bank_apply(signal, bank, method=method).sum(),
                signal,
            )
        )
    return comparison


# --------------------------------------------------------------------------------------------------
# (d) component loss and KL vs the formula
# --------------------------------------------------------------------------------------------------


def component_comparison(shape, device, dtype) -> Comparison:
    from audiolosses.component import component_loss

    generator = torch.Generator().manual_seed(4)
    mask = torch.rand(*shape, generator=generator, dtype=torch.float64).to(device=device, dtype=dtype)
    target = torch.rand(*shape, generator=generator, dtype=torch.float64).to(device=device, dtype=dtype)
    residual = torch.rand(*shape, generator=generator, dtype=torch.float64).to(device=device, dtype=dtype)
    mask.requires_grad_()
    comparison = Comparison(
        "component",
        "Component loss (3 terms) vs the direct formula",
        tuple(shape),
        str(dtype).replace("torch.", ""),
        rtol=1e-4,
        atol=1e-9,
    )
    comparison.implementations.append(
        _loss_impl(
            "audiolosses.component.component_loss",
            "ours",
            lambda: component_loss(mask, target, residual, alpha=0.1, beta=0.8),
            mask,
        )
    )
    comparison.implementations.append(
        _loss_impl(
            "formula (torch, no checks)",
            "reference",
            lambda: references.component_loss_formula(mask, target, residual, 0.1, 0.8),
            mask,
        )
    )
    return comparison


def kl_comparison(shape, device, dtype) -> Comparison:
    from audiolosses.kl import kl_div_loss_logvar

    generator = torch.Generator().manual_seed(5)
    mu = torch.randn(*shape, generator=generator, dtype=torch.float64).to(device=device, dtype=dtype)
    logvar = (0.5 * torch.randn(*shape, generator=generator, dtype=torch.float64)).to(device=device, dtype=dtype)
    logvar.requires_grad_()
    comparison = Comparison(
        "kl",
        "Gaussian KL (log-variance form) vs the direct formula",
        tuple(shape),
        str(dtype).replace("torch.", ""),
        rtol=1e-5,
        atol=1e-9,
    )

    def ours():
        return kl_div_loss_logvar(mu, logvar)

    def formula():
        return references.kl_formula(mu, logvar)

    comparison.implementations.append(_loss_impl("audiolosses.kl.kl_div_loss_logvar", "ours", ours, logvar))
    comparison.implementations.append(_loss_impl("formula (torch, no checks)", "reference", formula, logvar))
    return comparison


# --------------------------------------------------------------------------------------------------
# (e) context: auraloss on the same audio
# --------------------------------------------------------------------------------------------------


@contextlib.contextmanager
def _librosa_filters_mel():
    """Give auraloss's ``import librosa.filters`` a ``mel`` when librosa is not installed, then remove it.

    auraloss builds MelSTFTLoss's filter bank once, in its constructor, with
    ``librosa.filters.mel(sr=..., n_fft=..., n_mels=...)``; :func:`references.librosa_slaney_mel` is the
    same computation. Yields a note for the row (empty when real librosa was used).
    """
    try:
        importlib.import_module("librosa.filters")
        yield ""
        return
    except ImportError:
        pass
    saved = {name: sys.modules.get(name) for name in ("librosa", "librosa.filters")}
    librosa = types.ModuleType("librosa")
    filters = types.ModuleType("librosa.filters")

    def mel(*, sr, n_fft, n_mels=128, fmin=0.0, fmax=None, htk=False, norm="slaney", dtype=None):
        if htk or norm != "slaney":
            raise NotImplementedError("the benchmark's librosa stand-in only builds Slaney mel banks")
        return references.librosa_slaney_mel(sr, n_fft, n_mels, fmin, sr / 2 if fmax is None else fmax)

    filters.mel = mel
    librosa.filters = filters
    sys.modules.update({"librosa": librosa, "librosa.filters": filters})
    try:
        yield "librosa not installed: librosa.filters.mel supplied by benchmarks.references.librosa_slaney_mel"
    finally:
        for name, module in saved.items():
            if module is None:
                sys.modules.pop(name, None)
            else:
                sys.modules[name] = module


def auraloss_comparison(shape, device, dtype) -> Comparison:
    from audiolosses import hifigan

    y, y_hat = _audio(shape, 6, device, dtype)
    y_hat.requires_grad_()
    comparison = Comparison(
        "auraloss",
        "Context: auraloss's STFT losses on the same audio (different losses)",
        tuple(shape),
        str(dtype).replace("torch.", ""),
    )
    comparison.implementations.append(
        _loss_impl("audiolosses.hifigan.mel_loss", "ours", lambda: hifigan.mel_loss(y_hat, y, sample_rate=22050), y_hat)
    )
    try:
        import auraloss
    except Exception as error:  # context only
        for name in ("auraloss.freq.MultiResolutionSTFTLoss", "auraloss.freq.MelSTFTLoss"):
            comparison.implementations.append(_unavailable(name, "context", f"unavailable: {error}"))
        return comparison
    mrstft = auraloss.freq.MultiResolutionSTFTLoss().to(device)
    comparison.implementations.append(
        _loss_impl(
            "auraloss.freq.MultiResolutionSTFTLoss",
            "context",
            lambda: mrstft(y_hat, y),
            y_hat,
            "defaults: FFT 1024/2048/512, spectral convergence + log magnitude",
        )
    )
    try:
        with _librosa_filters_mel() as shim_note:
            mel = auraloss.freq.MelSTFTLoss(sample_rate=22050, n_mels=80).to(device)
    except Exception as error:
        comparison.implementations.append(
            _unavailable("auraloss.freq.MelSTFTLoss", "context", f"unavailable: {type(error).__name__}: {error}")
        )
        return comparison
    note = "sample_rate 22050, 80 mels, FFT 1024, hop 256" + (f"; {shim_note}" if shim_note else "")
    comparison.implementations.append(
        _loss_impl("auraloss.freq.MelSTFTLoss", "context", lambda: mel(y_hat, y), y_hat, note)
    )
    return comparison


# --------------------------------------------------------------------------------------------------
# (f) the multi-resolution STFT loss vs auraloss, at auraloss's settings
# --------------------------------------------------------------------------------------------------


def mrstft_comparison(shape, device, dtype) -> Comparison:
    from audiolosses.stft_loss import MultiResolutionSTFTLoss

    y, y_hat = _audio(shape, 8, device, dtype)
    y_hat.requires_grad_()
    name = "auraloss.freq.MultiResolutionSTFTLoss"
    comparison = Comparison(
        "mrstft",
        "Multi-resolution STFT loss (FFT 1024/2048/512) vs auraloss",
        tuple(shape),
        str(dtype).replace("torch.", ""),
        target={
            "reference": name,
            "min_ratio": 3.0,
            "max_memory_ratio": 0.5,
            "text": "MR-STFT loss at least 3x auraloss's MultiResolutionSTFTLoss, at most half its peak memory",
        },
        rtol=1e-5,
        atol=1e-9,
    )
    ours = MultiResolutionSTFTLoss.auraloss().to(device)
    comparison.implementations.append(
        _loss_impl(
            "audiolosses.stft_loss.MultiResolutionSTFTLoss.auraloss()",
            "ours",
            lambda: ours(y_hat, y),
            y_hat,
            "auraloss's settings: eps 1e-8, batch-wide spectral convergence",
        )
    )
    try:
        import auraloss
    except Exception as error:
        comparison.implementations.append(_unavailable(name, "reference", f"unavailable: {error}"))
        return comparison
    theirs = auraloss.freq.MultiResolutionSTFTLoss().to(device)
    comparison.implementations.append(_loss_impl(name, "reference", lambda: theirs(y_hat, y), y_hat, "defaults"))
    return comparison


# --------------------------------------------------------------------------------------------------
# (g) SI-SDR vs auraloss and torchmetrics
# --------------------------------------------------------------------------------------------------


def si_sdr_comparison(shape, device, dtype) -> Comparison:
    from audiolosses.sdr import SISDRLoss

    target, estimate = _audio(shape, 8, device, dtype)  # estimate 20 dB above its noise
    estimate.requires_grad_()
    ours = SISDRLoss()
    comparison = Comparison(
        "si_sdr",
        "Negative SI-SDR (zero mean, eps 1e-8) vs auraloss and torchmetrics",
        tuple(shape),
        str(dtype).replace("torch.", ""),
        target={
            "reference": "auraloss.time.SISDRLoss",
            "min_ratio": 1.0,
            "text": "SI-SDR loss at least as fast as auraloss's SISDRLoss",
        },
        rtol=1e-5,
        atol=1e-9,
    )
    comparison.implementations.append(
        _loss_impl("audiolosses.sdr.SISDRLoss", "ours", lambda: ours(estimate, target), estimate)
    )
    try:
        import auraloss.time
    except Exception as error:
        comparison.implementations.append(_unavailable("auraloss.time.SISDRLoss", "reference", f"unavailable: {error}"))
    else:
        theirs = auraloss.time.SISDRLoss()
        comparison.implementations.append(
            _loss_impl(
                "auraloss.time.SISDRLoss",
                "reference",
                lambda: theirs(estimate, target),
                estimate,
                "defaults: zero_mean=True, eps=1e-8, reduction='mean'",
            )
        )
    name = "-torchmetrics scale_invariant_signal_distortion_ratio(zero_mean=True).mean()"
    try:
        from torchmetrics.functional.audio import scale_invariant_signal_distortion_ratio
    except Exception as error:
        comparison.implementations.append(_unavailable(name, "reference", f"unavailable: {error}"))
    else:
        comparison.implementations.append(
            _loss_impl(
                name,
                "reference",
                lambda: -scale_invariant_signal_distortion_ratio(estimate, target, zero_mean=True).mean(),
                estimate,
                "eps = the dtype's machine epsilon, in four places",
            )
        )
    return comparison


def build_comparisons(
    mode: str, device: torch.device, *, only=None, cache_dir=None, download=None, dtype: torch.dtype = torch.float32
) -> list[Comparison]:
    """All comparisons at the ``mode``'s sizes (``"full"`` or ``"quick"``), optionally ``only`` some keys."""
    sizes = SIZES[mode]
    wanted = (lambda key: True) if not only else (lambda key: any(key.startswith(o) for o in only))
    comparisons = []
    if wanted("rvm"):
        comparisons.append(rvm_comparison(sizes["rvm"], device, dtype, cache_dir=cache_dir, download=download))
    for shape in sizes["hifigan_mel"]:
        if wanted("hifigan_mel_" + "x".join(map(str, shape))):
            comparisons.append(hifigan_comparison(shape, device, dtype))
    if wanted("perceptual_loss"):
        comparisons.append(perceptual_comparison(device=device, dtype=dtype, **sizes["perceptual"]))
    if wanted("perceptual_filter"):
        comparisons.append(filter_bank_comparison(device=device, dtype=dtype, **sizes["perceptual"]))
    if wanted("component"):
        comparisons.append(component_comparison(sizes["component"], device, dtype))
    if wanted("kl"):
        comparisons.append(kl_comparison(sizes["kl"], device, dtype))
    if wanted("auraloss"):
        comparisons.append(auraloss_comparison(sizes["auraloss"], device, dtype))
    if wanted("mrstft"):
        comparisons.append(mrstft_comparison(sizes["mrstft"], device, dtype))
    if wanted("si_sdr"):
        comparisons.append(si_sdr_comparison(sizes["si_sdr"], device, dtype))
    for comparison in comparisons:
        _add_unchecked_row(comparison)
    return comparisons


#: The suffix of the row that runs the package's loss with value checks switched off.
UNCHECKED = " [value checks off]"


def _add_unchecked_row(comparison: Comparison) -> None:
    """Add ours again, run under ``audiolosses.validate_values(False)``: what a training loop pays.

    Its values are compared with ours (the checks must not change a number), and the comparison's target is
    also evaluated against it.
    """
    from audiolosses import validate_values

    ours = next(impl for impl in comparison.implementations if impl.role == "ours")
    if ours.step is None:
        return

    def step():
        with validate_values(False):
            return ours.step()

    def values():
        with validate_values(False):
            return ours.values()

    comparison.implementations.insert(
        1,
        Implementation(
            ours.name + UNCHECKED, "unchecked", step, values, "value checks (NaN/Inf, ranges) off; shapes still checked"
        ),
    )
