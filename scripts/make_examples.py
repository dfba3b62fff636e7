#!/usr/bin/env python3
"""Regenerate the five example clips shipped in ``src/audiolosses/data/``.

The clips match the five kinds of sound of a perceptual-loss experiment:

* ``speech``    -- a spoken phrase ending in a clear /s/ ("Listen, this is it, yes."), made with
  Debian's ``espeak-ng`` and then resampled, trimmed and faded in Python;
* ``piano``     -- solo piano, additive synthesis: inharmonic partials of a stiff string
  (``f_n = n f0 sqrt(1 + B n^2)``), three slightly detuned strings per note, a felt-hammer thump,
  a strike-position comb and a two-stage exponential decay per partial;
* ``pop_mix``   -- a dense mix: band-limited saw chords, bass, a small lead, kick, snare, hats;
* ``rap_vocal`` -- single ``espeak-ng`` words placed on an eighth-note grid over a drum loop;
* ``drums``     -- a drum kit: kick, snare, closed and open hi-hat, two toms.

Everything except the ``espeak-ng`` output is synthesised with numpy from fixed seeds (one per clip,
see ``SEEDS``), so rerunning the script writes the same bytes on the same machine. Each clip is mono,
22050 Hz, 16-bit PCM, at most 2 s long, and peak-normalised to its own target (``PEAK_DBFS``, -1 to
-3 dBFS) so the natural loudness differences between the clips are kept.

Usage::

    python scripts/make_examples.py                      # all five into src/audiolosses/data/
    python scripts/make_examples.py --only piano drums   # just these
    python scripts/make_examples.py --out /tmp/clips     # somewhere else

``speech`` and ``rap_vocal`` need ``espeak-ng`` on the PATH (``apt-get install espeak-ng``); the
shipped files were made with espeak-ng ``ESPEAK_VERSION``.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np
import soundfile as sf

SAMPLE_RATE = 22050
MAX_SECONDS = 2.0
NAMES = ("speech", "piano", "pop_mix", "rap_vocal", "drums")
ESPEAK_CLIPS = ("speech", "rap_vocal")
SYNTH_CLIPS = ("piano", "pop_mix", "drums")
ESPEAK_VERSION = "1.51"
ESPEAK_VOICE = "en-us"
SPEECH_TEXT = "Listen, this is it, yes."
RAP_WORDS = ("check", "it", "we", "drop", "the", "beat", "let's", "go")
# One seed per clip, so ``--only NAME`` gives the same clip as a full run.
SEEDS = {"speech": 0, "piano": 1201, "pop_mix": 1202, "rap_vocal": 1203, "drums": 1204}
# Peak targets: not all the same, so the clips keep level differences of a few dB.
PEAK_DBFS = {"speech": -3.0, "piano": -2.0, "pop_mix": -1.0, "rap_vocal": -1.5, "drums": -1.0}
BPM = 120.0
SIXTEENTH = 60.0 / BPM / 4  # 0.125 s: one bar of 16 sixteenths is exactly 2 s

DEFAULT_OUT = Path(__file__).resolve().parent.parent / "src" / "audiolosses" / "data"


# ---------------------------------------------------------------------------------------------
# Small DSP helpers (numpy only, deterministic)
# ---------------------------------------------------------------------------------------------


def _time(n: int) -> np.ndarray:
    return np.arange(n) / SAMPLE_RATE


def _band(noise: np.ndarray, low: float | None = None, high: float | None = None, order: int = 2) -> np.ndarray:
    """Zero-phase Butterworth-shaped band filter of a buffer, applied in the FFT domain."""
    spec = np.fft.rfft(noise)
    f = np.fft.rfftfreq(len(noise), 1.0 / SAMPLE_RATE)
    gain = np.ones_like(f)
    if low is not None:
        with np.errstate(divide="ignore"):
            gain *= 1.0 / np.sqrt(1.0 + (low / np.maximum(f, 1e-9)) ** (2 * order))
    if high is not None:
        gain *= 1.0 / np.sqrt(1.0 + (f / high) ** (2 * order))
    return np.fft.irfft(spec * gain, n=len(noise))


def _place(track: np.ndarray, sound: np.ndarray, t: float, gain: float = 1.0) -> None:
    """Add ``sound`` into ``track`` starting at ``t`` seconds, cut at the end of the track."""
    start = int(round(t * SAMPLE_RATE))
    if start >= len(track):
        return
    n = min(len(sound), len(track) - start)
    track[start : start + n] += gain * sound[:n]


def _fade(x: np.ndarray, fade_in: float = 0.0, fade_out: float = 0.02) -> np.ndarray:
    """Raised-cosine fade in/out (seconds)."""
    x = x.copy()
    n_in, n_out = int(fade_in * SAMPLE_RATE), int(fade_out * SAMPLE_RATE)
    if n_in > 0:
        x[:n_in] *= 0.5 - 0.5 * np.cos(np.pi * np.arange(n_in) / n_in)
    if n_out > 0:
        x[-n_out:] *= 0.5 + 0.5 * np.cos(np.pi * np.arange(1, n_out + 1) / n_out)
    return x


def _normalise(x: np.ndarray, peak_dbfs: float) -> np.ndarray:
    return x * (10.0 ** (peak_dbfs / 20.0) / np.max(np.abs(x)))


def _to_int16(x: np.ndarray) -> np.ndarray:
    return np.clip(np.round(x * 32767.0), -32767, 32767).astype(np.int16)


def _soft_clip(x: np.ndarray, drive: float) -> np.ndarray:
    """Gentle bus compression: tanh saturation with unity small-signal gain."""
    return np.tanh(drive * x) / drive


def _dc_block(x: np.ndarray, r: float = 0.995) -> np.ndarray:
    """Causal one-pole DC blocker ``y[n] = x[n] - x[n-1] + r y[n-1]`` (-3 dB near 18 Hz at 22050 Hz)."""
    y = np.empty_like(x)
    prev_x = prev_y = 0.0
    for i, v in enumerate(x.tolist()):
        prev_y = v - prev_x + r * prev_y
        prev_x = v
        y[i] = prev_y
    return y


# ---------------------------------------------------------------------------------------------
# Drum kit
# ---------------------------------------------------------------------------------------------


def kick(rng: np.random.Generator, length: float = 0.6, f_start: float = 160.0, f_end: float = 48.0) -> np.ndarray:
    """Sine with a fast downward pitch sweep, exponential decay, and a short beater click."""
    t = _time(int(length * SAMPLE_RATE))
    freq = f_end + (f_start - f_end) * np.exp(-t / 0.035)
    phase = 2 * np.pi * np.cumsum(freq) / SAMPLE_RATE
    body = np.sin(phase) * np.exp(-t / 0.16)
    click = _band(rng.standard_normal(len(t)), low=1500.0, high=6000.0) * np.exp(-t / 0.004)
    return _fade(body + 0.25 * click / np.max(np.abs(click)), fade_out=0.05)


def snare(rng: np.random.Generator, length: float = 0.35) -> np.ndarray:
    """Two drum-head modes plus band-passed snare-wire noise."""
    t = _time(int(length * SAMPLE_RATE))
    head = (np.sin(2 * np.pi * 185.0 * t) + 0.6 * np.sin(2 * np.pi * 330.0 * t)) * np.exp(-t / 0.045)
    wires = _band(rng.standard_normal(len(t)), low=1800.0, high=9000.0)
    wires = wires / np.max(np.abs(wires)) * np.exp(-t / 0.10)
    attack = 1.0 - np.exp(-t / 0.0008)
    return _fade(attack * (0.55 * head + 0.9 * wires), fade_out=0.05)


def hihat(rng: np.random.Generator, open_: bool = False) -> np.ndarray:
    """High-passed noise plus a few inharmonic metallic partials; short (closed) or long (open)."""
    length, tau = (0.5, 0.16) if open_ else (0.12, 0.022)
    t = _time(int(length * SAMPLE_RATE))
    noise = _band(rng.standard_normal(len(t)), low=7000.0, order=3)
    noise = noise / np.max(np.abs(noise))
    metal = sum(np.sin(2 * np.pi * f * t + rng.uniform(0, 2 * np.pi)) for f in (5930.0, 7410.0, 8270.0, 9620.0))
    return _fade((0.8 * noise + 0.12 * metal) * np.exp(-t / tau) * (1.0 - np.exp(-t / 0.0005)), fade_out=0.03)


def tom(rng: np.random.Generator, f0: float, length: float = 0.5) -> np.ndarray:
    """Pitched membrane: a sine gliding down by ~25 %, with a little stick noise."""
    t = _time(int(length * SAMPLE_RATE))
    freq = f0 * (0.75 + 0.25 * np.exp(-t / 0.06))
    body = np.sin(2 * np.pi * np.cumsum(freq) / SAMPLE_RATE) * np.exp(-t / 0.14)
    stick = _band(rng.standard_normal(len(t)), low=800.0, high=5000.0)
    return _fade(body + 0.12 * stick / np.max(np.abs(stick)) * np.exp(-t / 0.01), fade_out=0.05)


def drum_loop(rng: np.random.Generator, pattern: dict[str, list[int]], gains: dict[str, float], n: int) -> np.ndarray:
    """Render a one-bar 16th-note pattern with slight, seeded velocity and timing humanisation."""
    track = np.zeros(n)
    makers = {
        "kick": lambda: kick(rng),
        "snare": lambda: snare(rng),
        "hat": lambda: hihat(rng),
        "open_hat": lambda: hihat(rng, open_=True),
        "tom_hi": lambda: tom(rng, 190.0),
        "tom_lo": lambda: tom(rng, 120.0),
    }
    for name, steps in pattern.items():
        for step in steps:
            velocity = 1.0 + 0.08 * rng.standard_normal()
            jitter = 0.002 * rng.standard_normal() if step else 0.0
            accent = 1.0 if (name != "hat" or step % 4 == 0) else 0.7
            _place(track, makers[name](), step * SIXTEENTH + jitter, gains[name] * velocity * accent)
    return track


# ---------------------------------------------------------------------------------------------
# The five clips (each returns a float array at SAMPLE_RATE, before peak normalisation)
# ---------------------------------------------------------------------------------------------


def synth_drums(rng: np.random.Generator) -> np.ndarray:
    """One bar at 120 BPM: kick, backbeat snare, eighth hats with an open hat, a two-tom fill."""
    n = int(MAX_SECONDS * SAMPLE_RATE)
    pattern = {
        "kick": [0, 7, 8, 10],
        "snare": [4, 12],
        "hat": [0, 2, 4, 6, 8, 10],
        "open_hat": [12],
        "tom_hi": [14],
        "tom_lo": [15],
    }
    gains = {"kick": 1.0, "snare": 0.75, "hat": 0.22, "open_hat": 0.18, "tom_hi": 0.7, "tom_lo": 0.75}
    return _fade(_soft_clip(_dc_block(drum_loop(rng, pattern, gains, n)), 0.6), fade_out=0.03)


def piano_note(rng: np.random.Generator, f0: float, velocity: float, n: int) -> np.ndarray:
    """One piano note by additive synthesis of a stiff string.

    Partial ``k`` sits at ``k f0 sqrt(1 + B k^2)`` (inharmonicity ``B`` grows with pitch), three
    strings are detuned by about a cent, amplitudes follow a hammer-strike comb ``|sin(pi k / 7)|``
    with a velocity-dependent spectral tilt, and each partial decays in two stages (a prompt sound and
    a slower aftersound) whose time constants shrink with partial frequency. A short low-passed
    noise burst models the felt hammer.
    """
    t = _time(n)
    inharmonicity = 3.5e-4 * (f0 / 261.63)
    tau = 1.6 * (261.63 / f0) ** 0.6  # base decay (s) of the fundamental
    tilt = 1.0 + 0.9 * (1.0 - velocity)  # softer notes are darker
    out = np.zeros(n)
    for k in range(1, 40):
        fk = k * f0 * np.sqrt(1.0 + inharmonicity * k * k)
        if fk > 0.45 * SAMPLE_RATE:
            break
        amp = (abs(np.sin(np.pi * k / 7.0)) + 0.05) / k**tilt
        tau_k = tau / (1.0 + 0.00045 * fk * k**0.5)
        env = 0.7 * np.exp(-t / (0.25 * tau_k)) + 0.3 * np.exp(-t / (2.5 * tau_k))
        for cents in (-0.9, 0.0, 0.8):
            phase = rng.uniform(0.0, 2 * np.pi)
            out += amp * env * np.sin(2 * np.pi * fk * 2.0 ** (cents / 1200.0) * t + phase) / 3.0
    out *= 1.0 - np.exp(-t / 0.0015)  # hammer contact time
    thump = _band(rng.standard_normal(n), low=60.0, high=1200.0)
    thump = thump / np.max(np.abs(thump)) * np.exp(-t / 0.012)
    return velocity * (out + 0.06 * thump)


def synth_piano(rng: np.random.Generator) -> np.ndarray:
    """An arpeggio C4-E4-G4-C5, then a C major chord left ringing (sustain pedal down)."""
    n = int(MAX_SECONDS * SAMPLE_RATE)
    midi = lambda m: 440.0 * 2.0 ** ((m - 69) / 12.0)
    notes = [  # (onset s, MIDI note, velocity)
        (0.00, 60, 0.70),
        (0.22, 64, 0.65),
        (0.44, 67, 0.70),
        (0.66, 72, 0.75),
        (1.00, 48, 0.85),
        (1.00, 55, 0.75),
        (1.01, 64, 0.80),
        (1.01, 67, 0.75),
        (1.02, 72, 0.85),
    ]
    track = np.zeros(n)
    for onset, note, velocity in notes:
        _place(track, piano_note(rng, midi(note), velocity, n), onset)
    return _fade(track, fade_out=0.12)


def _saw(freq: float, t: np.ndarray, cutoff: float, phase: float) -> np.ndarray:
    """Band-limited sawtooth (additive, harmonics below 0.45 fs) through a smooth 12 dB/oct low-pass."""
    out = np.zeros_like(t)
    for k in range(1, int(0.45 * SAMPLE_RATE / freq) + 1):
        out += np.sin(2 * np.pi * k * freq * t + k * phase) / k / np.sqrt(1.0 + (k * freq / cutoff) ** 4)
    return out


def pop_stems(rng: np.random.Generator) -> dict[str, np.ndarray]:
    """The four stems of ``pop_mix`` (chords, bass, lead, drums), unscaled."""
    n = int(MAX_SECONDS * SAMPLE_RATE)
    midi = lambda m: 440.0 * 2.0 ** ((m - 69) / 12.0)
    chords = [(0.0, (60, 64, 67, 72)), (1.0, (59, 62, 67, 71))]  # C major, G/B
    bass_roots = [(0.0, 36), (1.0, 43)]  # C2, G2
    lead = [(0.0, 76, 0.375), (0.375, 74, 0.125), (0.5, 72, 0.5), (1.0, 74, 0.375), (1.375, 71, 0.125), (1.5, 67, 0.5)]

    chord_track = np.zeros(n)
    stab_len = int(0.24 * SAMPLE_RATE)
    ts = _time(stab_len)
    stab_env = (1.0 - np.exp(-ts / 0.004)) * np.exp(-ts / 0.09) * _fade(np.ones(stab_len), fade_out=0.02)
    for start, notes in chords:
        voicing = sum(
            _saw(midi(m) * 2.0 ** (d / 1200.0), ts, cutoff=2500.0, phase=rng.uniform(0, 2 * np.pi))
            for m in notes
            for d in (-7.0, 7.0)
        )
        for eighth in range(4):
            _place(chord_track, voicing * stab_env, start + eighth * 2 * SIXTEENTH, 0.9 if eighth % 2 else 0.6)

    bass_track = np.zeros(n)
    note_len = int(0.23 * SAMPLE_RATE)
    tb = _time(note_len)
    bass_env = (1.0 - np.exp(-tb / 0.003)) * np.exp(-tb / 0.25) * _fade(np.ones(note_len), fade_out=0.03)
    for start, root in bass_roots:
        f = midi(root)
        tone = np.sin(2 * np.pi * f * tb) + 0.35 * _saw(f, tb, cutoff=400.0, phase=0.0)
        for eighth in range(4):
            _place(bass_track, tone * bass_env, start + eighth * 2 * SIXTEENTH, 1.0 if eighth == 0 else 0.8)

    lead_track = np.zeros(n)
    for start, note, dur in lead:
        m = int(dur * SAMPLE_RATE)
        tl = _time(m)
        f = midi(note) * (1.0 + 0.004 * np.sin(2 * np.pi * 5.5 * tl) * (1.0 - np.exp(-tl / 0.15)))
        ph = 2 * np.pi * np.cumsum(f) / SAMPLE_RATE
        tone = np.sin(ph) + 0.3 * np.sin(2 * ph) + 0.12 * np.sin(3 * ph)
        env = (1.0 - np.exp(-tl / 0.01)) * (0.6 + 0.4 * np.exp(-tl / 0.1)) * _fade(np.ones(m), fade_out=0.03)
        _place(lead_track, tone * env, start)

    pattern = {
        "kick": [0, 6, 8, 11],
        "snare": [4, 12],
        "hat": list(range(0, 16, 2)),
        "open_hat": [14],
    }
    gains = {"kick": 1.0, "snare": 0.9, "hat": 0.2, "open_hat": 0.16}
    drums = drum_loop(rng, pattern, gains, n)

    return {"chords": chord_track, "bass": bass_track, "lead": lead_track, "drums": drums}


POP_GAINS = {"chords": 0.17, "bass": 0.31, "lead": 0.2, "drums": 0.75}


def synth_pop_mix(rng: np.random.Generator) -> np.ndarray:
    """One bar of a pop groove: C then G chords in eighth-note stabs, bass, a small lead, full kit."""
    stems = pop_stems(rng)
    mix = sum(POP_GAINS[name] * stem for name, stem in stems.items())
    return _fade(_soft_clip(_dc_block(mix), 1.2), fade_out=0.03)


def _espeak(text: str, speed: int, pitch: int) -> tuple[np.ndarray, int]:
    """Run espeak-ng once and return its mono output (float64) and sample rate."""
    exe = shutil.which("espeak-ng")
    if exe is None:
        raise RuntimeError("espeak-ng is not installed; on Debian/Ubuntu run: apt-get install espeak-ng")
    with tempfile.TemporaryDirectory() as tmp:
        wav = Path(tmp) / "out.wav"
        subprocess.run(
            [exe, "-v", ESPEAK_VOICE, "-s", str(speed), "-p", str(pitch), "-w", str(wav), text],
            check=True,
            capture_output=True,
        )
        data, sr = sf.read(wav, dtype="float64", always_2d=True)
    return data.mean(axis=1), sr


def _to_sample_rate(x: np.ndarray, sr: int) -> np.ndarray:
    """Resample with torchaudio (band-limited sinc) when espeak-ng did not already give SAMPLE_RATE."""
    if sr == SAMPLE_RATE:
        return x
    import torch
    import torchaudio.functional as AF

    return AF.resample(torch.from_numpy(x), sr, SAMPLE_RATE).numpy()


def _trim(x: np.ndarray, threshold_db: float = -45.0, pad: float = 0.0) -> np.ndarray:
    """Cut leading/trailing samples quieter than ``threshold_db`` below the peak, keep ``pad`` s."""
    loud = np.nonzero(np.abs(x) > 10.0 ** (threshold_db / 20.0) * np.max(np.abs(x)))[0]
    p = int(pad * SAMPLE_RATE)
    return x[max(loud[0] - p, 0) : loud[-1] + 1 + p]


def _highpass_dc(x: np.ndarray) -> np.ndarray:
    return _band(x, low=70.0, order=2)


def synth_speech(rng: np.random.Generator) -> np.ndarray:
    """``espeak-ng -v en-us -s 160 "Listen, this is it, yes."``, trimmed, faded, ends on /s/."""
    x, sr = _espeak(SPEECH_TEXT, speed=160, pitch=50)
    x = _trim(_highpass_dc(_to_sample_rate(x, sr)), threshold_db=-50.0, pad=0.01)
    x = _fade(x, fade_in=0.005, fade_out=0.015)
    x = np.concatenate([x, np.zeros(int(0.04 * SAMPLE_RATE))])
    return x[: int(MAX_SECONDS * SAMPLE_RATE)]


def synth_rap_vocal(rng: np.random.Generator) -> np.ndarray:
    """Eight espeak-ng words, one per eighth note at 120 BPM, with accents, over a boom-bap loop."""
    n = int(MAX_SECONDS * SAMPLE_RATE)
    vocal = np.zeros(n)
    slot = 2 * SIXTEENTH
    for i, word in enumerate(RAP_WORDS):
        stressed = word in ("check", "drop", "beat", "go")
        x, sr = _espeak(word, speed=240, pitch=62 if stressed else 42)
        x = _trim(_highpass_dc(_to_sample_rate(x, sr)), threshold_db=-40.0)
        x = x / np.max(np.abs(x))
        max_len = int((slot - 0.01) * SAMPLE_RATE) if i < len(RAP_WORDS) - 1 else n
        x = _fade(x[:max_len], fade_in=0.003, fade_out=0.02)
        _place(vocal, x, i * slot + 0.01, 1.0 if stressed else 0.75)
    vocal = _soft_clip(vocal, 1.5)
    pattern = {"kick": [0, 3, 8, 10], "snare": [4, 12], "hat": list(range(0, 16, 2))}
    gains = {"kick": 1.0, "snare": 0.8, "hat": 0.25}
    beat = drum_loop(rng, pattern, gains, n)
    mix = vocal + 0.35 * beat
    return _fade(_dc_block(mix), fade_out=0.03)


SYNTHESIS = {
    "speech": synth_speech,
    "piano": synth_piano,
    "pop_mix": synth_pop_mix,
    "rap_vocal": synth_rap_vocal,
    "drums": synth_drums,
}


# ---------------------------------------------------------------------------------------------
# Rendering and command line
# ---------------------------------------------------------------------------------------------


def render(name: str) -> np.ndarray:
    """Synthesise clip ``name`` and return it as 16-bit samples (mono, SAMPLE_RATE, <= MAX_SECONDS)."""
    if name not in SYNTHESIS:
        raise ValueError(f"name must be one of {list(NAMES)}, got {name!r}")
    rng = np.random.default_rng(SEEDS[name])
    x = SYNTHESIS[name](rng)[: int(MAX_SECONDS * SAMPLE_RATE)]
    return _to_int16(_normalise(x, PEAK_DBFS[name]))


def write_clip(name: str, out_dir: Path) -> Path:
    """Render clip ``name`` and write ``out_dir/name.wav`` (16-bit PCM WAV); return the path."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / f"{name}.wav"
    sf.write(path, render(name), SAMPLE_RATE, subtype="PCM_16", format="WAV")
    return path


def describe(path: Path) -> str:
    """One summary line: duration, peak and RMS level in dBFS, file size."""
    x, sr = sf.read(path, dtype="float64")
    peak = 20 * np.log10(max(np.max(np.abs(x)), 1e-12))
    rms = 20 * np.log10(max(np.sqrt(np.mean(x**2)), 1e-12))
    return (
        f"{path.name:14s} {len(x) / sr:5.3f} s  peak {peak:6.2f} dBFS  RMS {rms:6.2f} dBFS  {path.stat().st_size:7d} B"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help=f"output folder (default: {DEFAULT_OUT})")
    parser.add_argument("--only", nargs="+", choices=NAMES, metavar="NAME", help=f"clips to make, of {list(NAMES)}")
    parser.add_argument("--quiet", action="store_true", help="do not print a summary line per clip")
    args = parser.parse_args(argv)
    for name in args.only or NAMES:
        path = write_clip(name, args.out)
        if not args.quiet:
            print(describe(path))
    return 0


if __name__ == "__main__":
    sys.exit(main())
