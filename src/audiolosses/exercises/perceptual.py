"""Self-checks for chapter 4: ERB bandwidths, Bark-spaced centres, the rectified log, the cosine distance,
a polarity-invariant perceptual loss, the MSE of a polarity flip, and a prediction about the experiment.

Notebook: book/04_perceptual_loss.ipynb
"""

from __future__ import annotations

from collections.abc import Callable

import torch

from .. import perceptual
from ._core import Case, ExerciseCheckError, run_cases

__all__ = [
    "check_erb",
    "check_bark_centres",
    "check_rectified_log",
    "check_negative_cosine",
    "check_polarity_invariant",
    "check_flip_mse",
    "check_perfect_on_flip",
    "FLIP_MEASURES",
]


def check_erb(fn: Callable[[torch.Tensor], torch.Tensor]) -> bool:
    """Check ``fn(frequency_hz)`` → the equivalent rectangular bandwidth ``0.108·f + 24.7`` Hz.

    Glasberg & Moore's unrounded ``24.7·(4.37·f/1000 + 1)`` is accepted too.
    """
    freqs = torch.tensor([0.0, 100.0, 1000.0, 5000.0], dtype=torch.float64)
    grid = torch.linspace(0, 11025 / 2, 7, dtype=torch.float64)
    cases = [
        Case(
            "0, 100, 1000 and 5000 Hz",
            (freqs,),
            perceptual.erb(freqs),
            atol=0.05,
            rtol=1e-3,
            hints=[
                (
                    lambda r: torch.allclose(r, 0.108 * freqs, atol=0.5),
                    "you forgot the constant: even at 0 Hz the auditory filter is about 24.7 Hz wide.",
                ),
                (
                    lambda r: torch.allclose(r, freqs / 2 + 24.7, atol=0.5),
                    "that is half the band; the ERB is the whole width (the band spans centre ± ERB/2).",
                ),
                (
                    lambda r: torch.allclose(r, 24.7 * (4.37 * freqs + 1), rtol=1e-3),
                    "Glasberg & Moore's formula takes f in kHz: 24.7·(4.37·f/1000 + 1) with f in Hz.",
                ),
            ],
        ),
        Case("a grid up to 5512.5 Hz", (grid,), perceptual.erb(grid), atol=0.05, rtol=1e-3),
        Case("float32 input", (grid.float(),), perceptual.erb(grid), atol=0.05, rtol=1e-3),
    ]
    return run_cases("check_erb", fn, cases)


def check_bark_centres(fn: Callable[[int, float, float], torch.Tensor]) -> bool:
    """Check ``fn(n_bands, f_min, f_max)`` → centres evenly spaced in Bark (``6·asinh(f/600)``), both ends included."""

    def case(n, lo, hi):
        expected = perceptual.bark_centres(n, lo, hi)
        hints = [
            (
                lambda r: torch.allclose(r.double(), torch.linspace(lo, hi, n, dtype=torch.float64), rtol=1e-4),
                "these are evenly spaced in Hz; space them evenly in Bark and convert back with 600·sinh(b/6).",
            ),
            (
                lambda r: r.shape[0] == n and bool(r.double()[-1] < hi - 1e-3),
                "the highest centre should be f_max itself: include both ends (torch.linspace does).",
            ),
        ]
        return Case(f"{n} bands from {lo} to {hi} Hz", (n, lo, hi), expected, atol=1e-3, rtol=1e-5, hints=hints)

    cases = [case(8, 20.0, 5000.0), case(512, 1.0, 5512.5), case(24, 100.0, 8000.0)]
    return run_cases("check_bark_centres", fn, cases)


def check_rectified_log(fn: Callable[[torch.Tensor, float], torch.Tensor]) -> bool:
    """Check ``fn(filtered, log_factor)`` → ``log(1 + k·max(x, 0))`` (half-wave rectification, then natural log)."""
    generator = torch.Generator().manual_seed(0)
    signal = torch.randn(2, 4, 50, generator=generator, dtype=torch.float64)
    mixed = torch.tensor([-2.0, -0.5, 0.0, 0.5, 2.0], dtype=torch.float64)

    def expected(x, k):
        return torch.log1p(k * x.clamp_min(0))

    def hints(x, k):
        return [
            (
                lambda r: torch.allclose(r, torch.log1p(k * x.abs()), atol=1e-4),
                "that is full-wave rectification (abs); the hair cells respond to one direction only: use relu.",
            ),
            (
                lambda r: torch.allclose(r, torch.log10(1 + k * x.clamp_min(0)), atol=1e-4),
                "use the natural log (torch.log1p), not log10.",
            ),
            (
                lambda r: torch.allclose(r, torch.log1p(x.clamp_min(0)), atol=1e-4),
                "multiply by the log factor k inside the log: log(1 + k·x).",
            ),
            (
                lambda r: torch.allclose(r, k * torch.log1p(x.clamp_min(0)), atol=1e-4),
                "k goes inside the log, log(1 + k·x), not in front of it.",
            ),
        ]

    cases = [
        Case("-2, -0.5, 0, 0.5, 2 with k = 10", (mixed, 10.0), expected(mixed, 10.0), hints=hints(mixed, 10.0)),
        Case("a [2, 4, 50] batch with k = 3", (signal, 3.0), expected(signal, 3.0), hints=hints(signal, 3.0)),
        Case("negative values map to exactly 0", (-signal.abs(), 10.0), torch.zeros_like(signal)),
    ]
    return run_cases("check_rectified_log", fn, cases)


def check_negative_cosine(fn: Callable[[torch.Tensor, torch.Tensor], torch.Tensor]) -> bool:
    """Check ``fn(a, b)`` → ``−cos(a_i, b_i)`` per item ``i`` (first axis), each item flattened: shape ``[batch]``."""
    generator = torch.Generator().manual_seed(1)
    a = torch.rand(3, 4, 20, generator=generator, dtype=torch.float64)
    b = torch.rand(3, 4, 20, generator=generator, dtype=torch.float64)

    def expected(x, y):
        x, y = x.reshape(x.shape[0], -1), y.reshape(y.shape[0], -1)
        return -(x * y).sum(1) / (x.norm(dim=1) * y.norm(dim=1))

    def hints(x, y):
        reference = expected(x, y)
        return [
            (
                lambda r: torch.allclose(r, -reference, atol=1e-5),
                "a loss must go down as the images get closer: return the NEGATIVE cosine similarity.",
            ),
            (
                lambda r: torch.allclose(r, 1 + reference, atol=1e-5),
                "that is the cosine distance 1 − cos; this loss is −cos, whose minimum is −1.",
            ),
        ]

    cases = [
        Case("three random [4, 20] images", (a, b), expected(a, b), hints=hints(a, b)),
        Case("identical images give -1", (a, a.clone()), -torch.ones(3, dtype=torch.float64)),
        Case("scaling an image does not change the cosine", (a, 7 * b), expected(a, b), hints=hints(a, b)),
    ]
    return run_cases("check_negative_cosine", fn, cases)


def _speech_window(n_samples: int = 4096) -> torch.Tensor:
    """The middle of the speech example at 11025 Hz, peak 1, ``[1, 1, n_samples]`` (float32)."""
    from .. import audio

    waveform, _ = audio.load_example("speech", sample_rate=11025)
    mono = waveform.mean(dim=0)
    start = (mono.shape[-1] - n_samples) // 2
    window = mono[start : start + n_samples]
    return (window / window.abs().max()).reshape(1, 1, n_samples)


def check_polarity_invariant(fn: Callable[[torch.Tensor, torch.Tensor], torch.Tensor]) -> bool:
    """Check ``fn(estimate, target)`` → a perceptual loss per item (``[batch]``) that a polarity flip cannot fool.

    Any answer is accepted that (1) gives −1 for an estimate equal to the target, (2) gives the same
    value for the estimate and for its polarity-flipped copy (so a flipped target scores −1 too), and
    (3) still tells sounds apart (float32 sums over a whole image are good to about 1e-3, the
    tolerance of the first two): an estimate with everything above 1 kHz removed scores clearly worse
    than −1, and white noise worse still. Taking the better of the loss of ``estimate`` and of
    ``-estimate``, or rectifying each band's output with ``abs`` instead of ``relu``, both pass.
    """
    if fn is None:  # not attempted: the shared machinery reports it
        return run_cases("check_polarity_invariant", fn, [])
    speech = _speech_window()
    spectrum = torch.fft.rfft(speech)
    spectrum[..., torch.fft.rfftfreq(speech.shape[-1], 1 / 11025) > 1000] = 0
    muffled = torch.fft.irfft(spectrum, n=speech.shape[-1])
    noise = 0.3 * torch.randn(speech.shape, generator=torch.Generator().manual_seed(0))
    batch_target = torch.cat([speech, speech])
    relu_loss = perceptual.PerceptualLoss.original(reduction="none")
    flip_score = float(relu_loss(-speech, speech)[0])

    def own(estimate, target):
        return fn(estimate, target).detach().reshape(-1).double()

    muffled_score = own(muffled, speech)
    noise_score = own(noise, speech)
    same_hint = [
        (
            lambda r: bool((r - flip_score).abs().max() < 1e-3),
            "that is the original loss: relu keeps one half of each band's wave, so the flipped copy's image"
            " is the other half. Compare the image of -estimate too, or rectify with abs.",
        )
    ]
    cases = [
        Case("the target itself scores -1", (speech, speech), -torch.ones(1, dtype=torch.float64), atol=2e-3),
        Case(
            "the polarity-flipped target scores -1 too",
            (-speech, speech),
            -torch.ones(1, dtype=torch.float64),
            atol=2e-3,
            hints=same_hint,
        ),
        Case(
            "a batch of two (flipped, then as is) gives one value per item",
            (torch.cat([-speech, speech]), batch_target),
            -torch.ones(2, dtype=torch.float64),
            atol=2e-3,
            hints=same_hint,
        ),
        Case("flipping a muffled estimate changes nothing", (-muffled, speech), muffled_score, atol=1e-4),
        Case("flipping noise changes nothing", (-noise, speech), noise_score, atol=1e-4),
    ]
    run_cases("check_polarity_invariant", fn, cases)
    if not bool(muffled_score[0] > -0.99) or not bool(noise_score[0] > muffled_score[0]):
        raise ExerciseCheckError(
            "check_polarity_invariant: the loss no longer tells sounds apart: speech with nothing above 1 kHz"
            f" scores {float(muffled_score[0]):.4f} and noise {float(noise_score[0]):.4f}; expected above -0.99,"
            " and noise worse than the muffled speech. Keep the filter bank, the log and the cosine."
        )
    print("  ... and it still scores muffled speech and noise as worse than the target.")
    return True


def check_flip_mse(fn: Callable[[torch.Tensor], torch.Tensor]) -> bool:
    """Check ``fn(x)`` → the MSE between ``-x`` and ``x`` written from the signal's mean power: ``4·mean(x²)``,
    one value per item of a ``[batch, channels, time]`` tensor (shape ``[batch]``)."""
    generator = torch.Generator().manual_seed(2)
    signals = (
        torch.randn(3, 1, 500, generator=generator, dtype=torch.float64)
        * torch.tensor([0.1, 1.0, 3.0]).reshape(3, 1, 1).double()
    )
    speech = _speech_window().double()

    def expected(x):
        return 4 * x.pow(2).flatten(1).mean(dim=1)

    def hints(x):
        power = x.pow(2).flatten(1).mean(dim=1)
        return [
            (lambda r: torch.allclose(r, power, rtol=1e-4), "that is the mean power; the error -x - x = -2x."),
            (
                lambda r: torch.allclose(r, 2 * power, rtol=1e-4),
                "the error is -2x and the MSE squares it: (-2x)² = 4x², not 2x².",
            ),
            (
                lambda r: (
                    torch.allclose(r, 4 * power.sqrt(), rtol=1e-4) or torch.allclose(r, 2 * power.sqrt(), rtol=1e-4)
                ),
                "the MSE is a mean of squares, not a root mean square.",
            ),
        ]

    cases = [
        Case("three noise signals at different levels", (signals,), expected(signals), rtol=1e-6, hints=hints(signals)),
        Case("the speech window", (speech,), expected(speech), rtol=1e-6, hints=hints(speech)),
    ]
    return run_cases("check_flip_mse", fn, cases)


#: The measures :func:`check_perfect_on_flip` asks about (names as in ``overfit.evaluate``).
FLIP_MEASURES = ("mse", "perceptual", "rvm", "log_mel_l1")


def check_perfect_on_flip(answer) -> bool:
    """Check a prediction: which of the experiment's four measures score a polarity-flipped estimate ``-x``
    exactly as well as the target ``x`` itself?

    ``answer`` is a collection (list, tuple or set) of names from ``FLIP_MEASURES``: the training
    losses ``"mse"`` and ``"perceptual"`` and the judges ``"rvm"`` and ``"log_mel_l1"``. The check scores
    the speech window and its flipped copy with :func:`audiolosses.experiments.overfit.evaluate` and
    calls a measure blind to the flip when both scores agree within 1e-4.
    """
    from ..experiments import overfit

    name = "check_perfect_on_flip"
    if answer is None:  # not attempted: the shared machinery reports it
        return run_cases(name, answer, [])
    if isinstance(answer, str) or not all(isinstance(a, str) for a in answer):
        raise ExerciseCheckError(f"{name}: answer with a list of names from {list(FLIP_MEASURES)}, got {answer!r}")
    unknown = sorted(set(answer) - set(FLIP_MEASURES))
    if unknown:
        raise ExerciseCheckError(f"{name}: {unknown} not among {list(FLIP_MEASURES)}")
    speech = _speech_window(8192)
    same, flipped = overfit.evaluate(speech, speech), overfit.evaluate(-speech, speech)
    blind = [m for m in FLIP_MEASURES if abs(same[m] - flipped[m]) < 1e-4]
    scores = "".join(f"\n  {m:<11}{same[m]:>9.3f} -> {flipped[m]:.3f}" for m in FLIP_MEASURES)
    reasons = {
        "mse": "MSE compares samples: the error of -x is -2x, the largest a copy can have",
        "perceptual": "the perceptual loss rectifies each band sample by sample (relu), so -x keeps the half "
        "of every band's wave that x drops: its image is a different one",
        "rvm": "RVM compares mel magnitudes, which a sign change leaves alone",
        "log_mel_l1": "log-mel L1 compares mel magnitudes too",
    }

    def encode(names):
        return torch.tensor([float(m in names) for m in FLIP_MEASURES])

    hints = [
        (
            lambda r, m=m: bool(r[FLIP_MEASURES.index(m)] != float(m in blind)),
            f"look again at {m}: {reasons[m]}. Scores (target -> flipped):{scores}",
        )
        for m in FLIP_MEASURES
    ]
    cases = [Case("which measures score -x like x", (), encode(blind), atol=0.0, rtol=0.0, hints=hints)]
    passed = run_cases(name, lambda: encode(set(answer)), cases)
    print(f"Scores (target -> flipped):{scores}\nBlind to the flip: {blind}.")
    return passed
