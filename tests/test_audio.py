"""Tests for ``audiolosses.audio`` and for the shipped example clips (``scripts/make_examples.py``)."""

from __future__ import annotations

import base64
import importlib.util
import io
import math
import re
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf
import torch

from audiolosses import audio
from audiolosses.audio import (
    DATA_DIR,
    EXAMPLES,
    example_path,
    list_examples,
    load_example,
    peak_db,
    play,
    play_side_by_side,
    resample,
    rms_db,
    save_wav,
)

REPO = Path(__file__).resolve().parents[1]
SCRIPT = REPO / "scripts" / "make_examples.py"
SR = 22050
LSB = 1.0 / 32767


def _decode_wav(data: bytes) -> tuple[np.ndarray, int]:
    """Decode WAV bytes to float samples (int16 / 32767, i.e. IPython's scale), shaped [time, channels]."""
    samples, rate = sf.read(io.BytesIO(data), dtype="int16", always_2d=True)
    return samples.astype(np.float64) / 32767, rate


def _players(html_text: str) -> list[np.ndarray]:
    """Decode every base64 WAV or FLAC embedded in ``<audio ... src="data:audio/...;base64,...">``."""
    blobs = re.findall(r'<audio[^>]*src="data:audio/(wav|flac);base64,([A-Za-z0-9+/=]+)"', html_text)
    decoded = []
    for kind, blob in blobs:
        if kind == "wav":
            decoded.append(_decode_wav(base64.b64decode(blob))[0])
        else:  # 16-bit FLAC: the integer samples / 32767, as IPython's WAV decodes
            samples, _ = sf.read(io.BytesIO(base64.b64decode(blob)), dtype="int16", always_2d=True)
            decoded.append(samples.astype(np.float64) / 32767)
    return decoded


def _sine(freq=440.0, amp=0.5, seconds=0.25, sr=SR, dtype=torch.float32):
    t = torch.arange(int(seconds * sr), dtype=torch.float64) / sr
    return (amp * torch.sin(2 * math.pi * freq * t)).to(dtype)


@pytest.fixture(scope="module")
def make_examples():
    """The regeneration script, imported from the repository (not part of the installed package)."""
    if not SCRIPT.is_file():
        pytest.skip(f"{SCRIPT} not found (tests run outside the repository)")
    spec = importlib.util.spec_from_file_location("make_examples", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


# ---------------------------------------------------------------------------------------------
# The shipped examples
# ---------------------------------------------------------------------------------------------


def test_example_names():
    assert EXAMPLES == ("speech", "piano", "pop_mix", "rap_vocal", "drums")
    assert list_examples() == list(EXAMPLES)
    assert set(audio.__all__) >= {"EXAMPLES", "load_example", "play", "play_side_by_side", "save_wav"}


@pytest.mark.parametrize("name", EXAMPLES)
def test_example_file_format(name):
    path = example_path(name)
    assert path == DATA_DIR / f"{name}.wav" and path.is_file()
    info = sf.info(path)
    assert info.format == "WAV"
    assert info.subtype == "PCM_16"
    assert info.channels == 1
    assert info.samplerate == SR
    assert info.frames / info.samplerate <= 2.0


@pytest.mark.parametrize("name", EXAMPLES)
def test_load_example_shape_dtype_rate_level(name):
    waveform, sr = load_example(name)
    assert isinstance(waveform, torch.Tensor)
    assert waveform.dtype == torch.float32
    assert waveform.dim() == 2 and waveform.shape[0] == 1
    assert sr == SR
    assert 0.5 * SR <= waveform.shape[1] <= 2 * SR
    assert torch.isfinite(waveform).all()
    # Peaks sit between -1 and -3 dBFS (with a little slack for 16-bit rounding).
    assert -3.1 <= peak_db(waveform) <= -0.9
    # Not silent, not a square wave.
    assert -30.0 < rms_db(waveform) < -6.0


def test_examples_total_size():
    total = sum(example_path(name).stat().st_size for name in EXAMPLES)
    assert total <= 1.5e6, f"example clips take {total} bytes, more than 1.5 MB"


def test_examples_keep_natural_level_differences():
    levels = [rms_db(load_example(name)[0]) for name in EXAMPLES]
    peaks = [peak_db(load_example(name)[0]) for name in EXAMPLES]
    assert max(levels) - min(levels) >= 3.0, f"RMS levels {levels} are too uniform"
    assert len({round(p, 1) for p in peaks}) > 1, f"peaks {peaks} are all normalised to the same value"


def test_speech_ends_on_a_sibilant():
    waveform, sr = load_example("speech")
    x = waveform[0].double().numpy()
    nonzero = np.nonzero(np.abs(x) > 1e-3)[0]
    tail = x[nonzero[-1] - int(0.12 * sr) : nonzero[-1]]  # the last 120 ms of sound
    power = np.abs(np.fft.rfft(tail * np.hanning(len(tail)))) ** 2
    freqs = np.fft.rfftfreq(len(tail), 1.0 / sr)
    assert power[freqs > 4000].sum() / power.sum() > 0.5, "speech should end on an /s/ (energy above 4 kHz)"


# ---------------------------------------------------------------------------------------------
# Loading and resampling
# ---------------------------------------------------------------------------------------------


def test_load_example_resampled_length():
    original, _ = load_example("piano")
    for new_rate in (16000, 44100, 8000):
        waveform, sr = load_example("piano", sample_rate=new_rate)
        assert sr == new_rate
        assert waveform.dtype == torch.float32 and waveform.shape[0] == 1
        assert waveform.shape[1] == math.ceil(original.shape[1] * new_rate / SR)


def test_load_example_same_rate_is_unchanged():
    a, _ = load_example("drums")
    b, sr = load_example("drums", sample_rate=SR)
    assert sr == SR and torch.equal(a, b)


def test_resample_length_and_content():
    x = _sine(freq=440.0, seconds=0.5)
    y = resample(x, SR, 44100)
    assert y.shape == (2 * x.shape[0],)
    # Every second sample of the upsampled sine is (nearly) the original sample.
    assert torch.allclose(y[::2][200:-200], x[200:-200], atol=2e-3)
    z = resample(x.unsqueeze(0).repeat(2, 1), SR, 16000)
    assert z.shape == (2, math.ceil(x.shape[0] * 16000 / SR))
    assert resample(x, SR, SR) is x


def test_unknown_example_lists_valid_names():
    with pytest.raises(ValueError, match="name") as excinfo:
        load_example("violin")
    for name in EXAMPLES:
        assert name in str(excinfo.value)
    with pytest.raises(ValueError, match="speech"):
        example_path("Speech")
    with pytest.raises(TypeError, match="name"):
        load_example(3)


@pytest.mark.parametrize(
    "bad, error",
    [(0, ValueError), (-16000, ValueError), (16000.0, TypeError), ("16000", TypeError), (True, TypeError)],
)
def test_load_example_bad_sample_rate(bad, error):
    with pytest.raises(error, match="sample_rate"):
        load_example("speech", sample_rate=bad)


def test_resample_validation():
    x = _sine()
    with pytest.raises(TypeError, match="waveform"):
        resample((x * 1000).to(torch.int16), SR, 16000)
    with pytest.raises(ValueError, match="orig_sample_rate"):
        resample(x, 0, 16000)
    with pytest.raises(TypeError, match="new_sample_rate"):
        resample(x, SR, 16000.5)
    with pytest.raises(ValueError, match="waveform"):
        resample(torch.tensor([0.0, float("nan")]), SR, 16000)


# ---------------------------------------------------------------------------------------------
# Levels
# ---------------------------------------------------------------------------------------------


def test_peak_and_rms_db():
    full_scale_sine = _sine(freq=1000.0, amp=1.0, seconds=1.0, dtype=torch.float64)
    assert peak_db(full_scale_sine) == pytest.approx(0.0, abs=1e-3)
    assert rms_db(full_scale_sine) == pytest.approx(-3.0103, abs=1e-3)
    assert peak_db(0.1 * full_scale_sine) == pytest.approx(-20.0, abs=1e-3)
    assert rms_db(0.5 * full_scale_sine, reference=0.5) == pytest.approx(-3.0103, abs=1e-3)
    silence = torch.zeros(100)
    assert peak_db(silence) == -120.0 and rms_db(silence) == -120.0
    assert rms_db(silence, floor_db=-80.0) == -80.0
    with pytest.raises(ValueError, match="reference"):
        peak_db(silence, reference=0.0)
    with pytest.raises(TypeError, match="waveform"):
        rms_db(np.zeros(10))


# ---------------------------------------------------------------------------------------------
# Saving
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("shape", [(2000,), (1, 2000), (2, 2000)])
def test_save_wav_round_trip(tmp_path, shape):
    gen = torch.Generator().manual_seed(0)
    x = (torch.rand(shape, generator=gen) * 2 - 1) * 0.9
    path = save_wav(tmp_path / "x.wav", x, 16000)
    assert path == tmp_path / "x.wav"
    info = sf.info(path)
    assert info.subtype == "PCM_16" and info.samplerate == 16000
    assert info.channels == (1 if len(shape) == 1 else shape[0])
    back, sr = sf.read(path, dtype="float32", always_2d=True)
    assert sr == 16000
    expected = x.reshape(-1, shape[-1]).T.numpy()
    np.testing.assert_allclose(back, expected, atol=1.5 / 32768)


def test_save_wav_full_scale_is_allowed_and_beyond_is_refused(tmp_path):
    x = torch.tensor([0.0, 1.0, -1.0, 0.5])
    save_wav(tmp_path / "ok.wav", x, SR)
    back, _ = sf.read(tmp_path / "ok.wav", dtype="int16")
    assert back.max() == 32767 and back.min() <= -32767
    with pytest.raises(ValueError, match=r"waveform.*\[-1, 1\]"):
        save_wav(tmp_path / "loud.wav", torch.tensor([0.0, 1.2, -0.3]), SR)
    assert not (tmp_path / "loud.wav").exists()


def test_save_wav_validation(tmp_path):
    x = _sine()
    with pytest.raises(TypeError, match="waveform"):
        save_wav(tmp_path / "a.wav", (x * 1000).to(torch.int32), SR)
    with pytest.raises(ValueError, match="waveform"):
        save_wav(tmp_path / "a.wav", torch.tensor([0.0, float("nan")]), SR)
    with pytest.raises(ValueError, match="waveform"):
        save_wav(tmp_path / "a.wav", x.reshape(1, 1, -1), SR)
    with pytest.raises(ValueError, match="sample_rate"):
        save_wav(tmp_path / "a.wav", x, 0)
    with pytest.raises(TypeError, match="sample_rate"):
        save_wav(tmp_path / "a.wav", x, 22050.0)


# ---------------------------------------------------------------------------------------------
# Playback
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("reference", [1.0, 2.0, 0.5])
def test_play_does_not_renormalise(reference):
    x = _sine(amp=0.3 * min(reference, 1.0))  # at most 0.3 * reference
    player = play(x, SR, reference=reference)
    decoded, rate = _decode_wav(player.data)
    assert rate == SR and decoded.shape[1] == 1
    expected_peak = float(x.abs().max()) / reference
    assert abs(np.abs(decoded).max() - expected_peak) <= 2 * LSB
    # Sample-for-sample, not just the peak.
    np.testing.assert_allclose(decoded[:, 0], x.double().numpy() / reference, atol=2 * LSB)


def test_play_quiet_clip_stays_quiet():
    x = _sine(amp=10 ** (-40 / 20))  # -40 dBFS: IPython's default would play it at 0 dBFS
    decoded, _ = _decode_wav(play(x, SR).data)
    assert 20 * np.log10(np.abs(decoded).max()) == pytest.approx(-40.0, abs=0.05)


def test_play_accepts_mono_and_stereo_layouts():
    x = _sine(amp=0.3)
    a = _decode_wav(play(x, SR).data)[0]
    b = _decode_wav(play(x.unsqueeze(0), SR).data)[0]
    np.testing.assert_array_equal(a, b)
    stereo = torch.stack([x, 0.5 * x])
    s, rate = _decode_wav(play(stereo, SR).data)
    assert rate == SR and s.shape == (x.shape[0], 2)
    assert np.abs(s[:, 1]).max() == pytest.approx(0.5 * np.abs(s[:, 0]).max(), abs=2 * LSB)


def test_play_refuses_peak_above_reference():
    x = _sine(amp=0.9)
    with pytest.raises(ValueError, match="reference"):
        play(x, SR, reference=0.5)
    with pytest.raises(ValueError, match="reference"):
        play(2 * x, SR)
    play(x, SR, reference=0.9 + 1e-6)  # at (or just above) the peak is fine


def test_play_validation():
    x = _sine()
    with pytest.raises(TypeError, match="waveform"):
        play((x * 1000).to(torch.int16), SR)
    with pytest.raises(ValueError, match="waveform"):
        play(torch.tensor([0.1, float("nan")]), SR)
    with pytest.raises(ValueError, match="waveform"):
        play(x.reshape(1, 1, -1), SR)
    with pytest.raises(ValueError, match="waveform"):
        play(x.unsqueeze(0).repeat(3, 1), SR)  # 3 channels
    with pytest.raises(ValueError, match="sample_rate"):
        play(x, -1)
    with pytest.raises(TypeError, match="sample_rate"):
        play(x, 44.1e3)
    with pytest.raises(ValueError, match="reference"):
        play(x, SR, reference=0)
    with pytest.raises(TypeError, match="waveform"):
        play(x.numpy(), SR)


def test_play_side_by_side_keeps_level_ratio():
    loud = _sine(freq=440.0, amp=0.8)
    quiet = _sine(freq=660.0, amp=0.2)  # 12 dB below `loud`
    widget = play_side_by_side({"loud": loud, "quiet": quiet}, SR)
    html_text = widget.data
    assert html_text.count("<audio") == 2 and html_text.count('controls="controls"') == 2
    a, b = _players(html_text)
    # Default reference is max(1.0, largest peak) = 1.0: both play as they are.
    assert np.abs(a).max() == pytest.approx(0.8, abs=2 * LSB)
    assert np.abs(b).max() == pytest.approx(0.2, abs=2 * LSB)
    ratio_db = 20 * np.log10(np.sqrt(np.mean(a**2)) / np.sqrt(np.mean(b**2)))
    assert ratio_db == pytest.approx(20 * np.log10(4.0), abs=0.01)
    assert "loud" in html_text and "quiet" in html_text
    assert "-1.9" in html_text and "-14.0" in html_text  # peaks in dB re. the reference


def test_play_side_by_side_shares_one_reference_above_full_scale():
    hot = _sine(amp=2.0)  # e.g. a model output that overshoots
    cool = _sine(amp=0.5)
    a, b = _players(play_side_by_side({"hot": hot, "cool": cool}, SR).data)
    assert np.abs(a).max() == pytest.approx(1.0, abs=2 * LSB)  # default reference = 2.0
    assert np.abs(b).max() == pytest.approx(0.25, abs=2 * LSB)
    a, b = _players(play_side_by_side({"hot": hot, "cool": cool}, SR, reference=4.0).data)
    assert np.abs(a).max() == pytest.approx(0.5, abs=2 * LSB)
    assert np.abs(b).max() == pytest.approx(0.125, abs=2 * LSB)
    with pytest.raises(ValueError, match="reference"):
        play_side_by_side({"hot": hot, "cool": cool}, SR, reference=1.0)


def test_play_side_by_side_is_deterministic_and_escapes_labels():
    speech, sr = load_example("speech")
    drums, _ = load_example("drums")
    clips = {"speech <clean>": speech, "drums & co": drums[0]}
    first = play_side_by_side(clips, sr).data
    second = play_side_by_side(dict(clips), sr).data
    assert first == second
    assert "id=" not in first
    assert "speech &lt;clean&gt;" in first and "drums &amp; co" in first
    assert first.index("speech") < first.index("drums")  # rows keep the mapping's order


def test_play_side_by_side_is_an_ab_player_with_levels_per_version():
    loud = _sine(freq=440.0, amp=0.8)
    quiet = _sine(freq=660.0, amp=0.2)
    page = play_side_by_side({"loud": loud, "quiet": quiet, "quieter": quiet / 2}, SR).data
    assert page.startswith('<div class="audiolosses-ab">')
    buttons = re.findall(
        r'<button type="button" class="alx-version" aria-pressed="(true|false)">'
        r"<b>([^<]*)</b><span class=\"alx-levels\">peak (\S+) dB · RMS (\S+) dB</span>",
        page,
    )
    assert [(pressed, name) for pressed, name, _, _ in buttons] == [
        ("true", "loud"),
        ("false", "quiet"),
        ("false", "quieter"),
    ]
    for (_, _name, peak, rms), clip in zip(buttons, (loud, quiet, quiet / 2)):
        # levels computed directly from the samples, reference 1.0
        samples = clip.double()
        assert float(peak) == pytest.approx(20 * math.log10(float(samples.abs().max())), abs=0.051)
        assert float(rms) == pytest.approx(20 * math.log10(float(samples.pow(2).mean().sqrt())), abs=0.051)
    assert page.count('class="alx-play"') == 1 and page.count('class="alx-seek"') == 1  # one transport
    assert page.count("<audio") == 3  # one true-level WAV per version, shared by buttons and fallback table
    assert page.count('src="data:audio/wav;base64,') == 3


def test_play_side_by_side_validation():
    x = _sine()
    with pytest.raises(TypeError, match="clips"):
        play_side_by_side([x, x], SR)
    with pytest.raises(ValueError, match="clips"):
        play_side_by_side({}, SR)
    with pytest.raises(TypeError, match="clips"):
        play_side_by_side({"a": (x * 100).to(torch.int16)}, SR)
    with pytest.raises(ValueError, match="clips"):
        play_side_by_side({"a": x.reshape(1, 1, -1)}, SR)
    with pytest.raises(ValueError, match="sample_rate"):
        play_side_by_side({"a": x}, 0)
    with pytest.raises(ValueError, match="reference"):
        play_side_by_side({"a": x}, SR, reference=-1.0)


# ---------------------------------------------------------------------------------------------
# Reproducibility of the shipped clips
# ---------------------------------------------------------------------------------------------


def _assert_same_samples(new: Path, shipped: Path) -> None:
    """Sample-for-sample comparison of two 16-bit files.

    The synthesis is bit-exact on one machine; across CPUs numpy's SIMD sin/exp may differ in the last
    bit of a float64, which can flip the rounding of a rare sample by one 16-bit step. Allow exactly
    that and nothing more.
    """
    a, rate_a = sf.read(new, dtype="int16")
    b, rate_b = sf.read(shipped, dtype="int16")
    assert rate_a == rate_b == SR
    assert a.shape == b.shape, f"{new.name}: {a.shape} samples, shipped {b.shape}"
    diff = np.abs(a.astype(np.int32) - b.astype(np.int32))
    assert diff.max() <= 1, f"{new.name}: differs by up to {diff.max()} steps from the shipped file"
    assert np.count_nonzero(diff) <= 1e-3 * len(a), f"{new.name}: {np.count_nonzero(diff)} samples differ"


def test_make_examples_constants_match_package(make_examples):
    assert tuple(make_examples.NAMES) == EXAMPLES
    assert set(make_examples.SYNTH_CLIPS) | set(make_examples.ESPEAK_CLIPS) == set(EXAMPLES)
    assert make_examples.SAMPLE_RATE == SR


def test_synthesised_examples_are_reproducible(make_examples, tmp_path):
    names = list(make_examples.SYNTH_CLIPS)
    assert make_examples.main(["--out", str(tmp_path), "--only", *names, "--quiet"]) == 0
    for name in names:
        _assert_same_samples(tmp_path / f"{name}.wav", example_path(name))


def test_synthesis_is_deterministic_within_a_run(make_examples):
    for name in make_examples.SYNTH_CLIPS:
        np.testing.assert_array_equal(make_examples.render(name), make_examples.render(name))


def test_espeak_examples_are_reproducible(make_examples, tmp_path):
    exe = shutil.which("espeak-ng")
    if exe is None:
        pytest.skip("espeak-ng is not installed (apt-get install espeak-ng); cannot regenerate speech clips")
    version = subprocess.run([exe, "--version"], capture_output=True, text=True).stdout
    if f" {make_examples.ESPEAK_VERSION} " not in version:
        pytest.skip(
            f"shipped speech clips were made with espeak-ng {make_examples.ESPEAK_VERSION}; "
            f"this machine has {version.strip()!r}, whose output may legitimately differ"
        )
    names = list(make_examples.ESPEAK_CLIPS)
    assert make_examples.main(["--out", str(tmp_path), "--only", *names, "--quiet"]) == 0
    for name in names:
        _assert_same_samples(tmp_path / f"{name}.wav", example_path(name))


def test_make_examples_rejects_unknown_name(make_examples, tmp_path):
    with pytest.raises(SystemExit):
        make_examples.main(["--out", str(tmp_path), "--only", "violin"])
    with pytest.raises(ValueError, match="speech"):
        make_examples.render("violin")


# ----------------------------------------------------------------------------- add_noise, low_pass


def test_add_noise_reaches_the_exact_snr_per_row():
    signal = torch.randn(3, 2, 4000, dtype=torch.float64) * torch.tensor([0.01, 0.5, 2.0]).reshape(3, 1, 1)
    for snr in (-10.0, 0.0, 17.5, 60):
        noisy = audio.add_noise(signal, snr, generator=torch.Generator().manual_seed(1))
        noise = (noisy - signal).numpy()
        measured = 10 * np.log10((signal.numpy() ** 2).mean(-1) / (noise**2).mean(-1))
        np.testing.assert_allclose(measured, snr, atol=1e-9)
    again = audio.add_noise(signal, 5.0, generator=torch.Generator().manual_seed(1))
    assert torch.equal(again, audio.add_noise(signal, 5.0, generator=torch.Generator().manual_seed(1)))
    assert again.dtype == torch.float64 and again.shape == signal.shape


def test_low_pass_keeps_the_sines_below_the_cutoff_and_removes_the_others():
    sample_rate, length = 8000, 8000
    t = np.arange(length) / sample_rate
    low, high = np.sin(2 * np.pi * 300 * t), 0.5 * np.sin(2 * np.pi * 2500 * t + 0.3)
    mixed = torch.tensor(low + high)
    np.testing.assert_allclose(audio.low_pass(mixed, 1000.0, sample_rate).numpy(), low, atol=1e-9)
    np.testing.assert_allclose(audio.low_pass(mixed, 4000.0, sample_rate).numpy(), low + high, atol=1e-9)
    odd = torch.randn(2, 1, 999)
    assert audio.low_pass(odd, 1000.0, sample_rate).shape == odd.shape


def test_high_pass_keeps_the_sines_above_the_cutoff_and_removes_the_rest_and_dc():
    sample_rate, length = 8000, 8000
    t = np.arange(length) / sample_rate
    low, high = np.sin(2 * np.pi * 300 * t), 0.5 * np.sin(2 * np.pi * 2500 * t + 0.3)
    mixed = torch.tensor(0.2 + low + high)
    np.testing.assert_allclose(audio.high_pass(mixed, 1000.0, sample_rate).numpy(), high, atol=1e-9)
    np.testing.assert_allclose(audio.high_pass(mixed, 2500.0, sample_rate).numpy(), high, atol=1e-9)
    np.testing.assert_allclose(audio.high_pass(mixed, 2600.0, sample_rate).numpy(), 0 * high, atol=1e-9)


@pytest.mark.parametrize(
    "call, error, match",
    [
        (lambda: audio.add_noise(torch.zeros(2, 100), 10.0), ValueError, "silent row"),
        (lambda: audio.add_noise(torch.ones(100), "10"), TypeError, "snr_db must be a finite number"),
        (lambda: audio.add_noise(torch.ones(100), float("inf")), TypeError, "snr_db"),
        (lambda: audio.add_noise(torch.ones(100, dtype=torch.int16), 10.0), TypeError, "signal must be a floating"),
        (lambda: audio.low_pass(torch.ones(100), 5000.0, 8000), ValueError, "cutoff_hz must be at most"),
        (lambda: audio.low_pass(torch.ones(100), 0.0, 8000), ValueError, "cutoff_hz must be a finite number > 0"),
        (lambda: audio.low_pass(torch.ones(100), 100.0, 8000.0), TypeError, "sample_rate"),
        (lambda: audio.high_pass(torch.ones(100), 5000.0, 8000), ValueError, "cutoff_hz must be at most"),
        (lambda: audio.high_pass(torch.tensor([1.0, float("nan")]), 100.0, 8000), ValueError, "NaN"),
    ],
)
def test_noise_and_filter_validation(call, error, match):
    with pytest.raises(error, match=match):
        call()
