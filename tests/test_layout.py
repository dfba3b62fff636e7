"""The package's layout: a light core for training code, notebook-only pieces imported on use."""

import subprocess
import sys
from pathlib import Path

import pytest

import audiolosses

SRC = Path(audiolosses.__file__).resolve().parent.parent

LOSS_MODULES = [
    "audiolosses",
    "audiolosses.rvm",
    "audiolosses.hifigan",
    "audiolosses.hifigan.mel",
    "audiolosses.perceptual",
    "audiolosses.component",
    "audiolosses.kl",
    "audiolosses.sdr",
    "audiolosses.spectral",
    "audiolosses.audio",
]
NOTEBOOK_ONLY = ["matplotlib", "ipywidgets", "IPython", "torchaudio"]  # torchaudio: only audio.resample


def _loaded_after_import(module: str) -> list[str]:
    code = f"import sys; import {module}; print(','.join(m for m in {NOTEBOOK_ONLY!r} if m in sys.modules))"
    result = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=True,
        env={"PYTHONPATH": str(SRC), "PATH": "/usr/bin:/bin"},
    )
    return [name for name in result.stdout.strip().split(",") if name]


@pytest.mark.parametrize("module", LOSS_MODULES)
def test_loss_modules_load_neither_matplotlib_nor_ipywidgets_nor_torchaudio(module):
    assert _loaded_after_import(module) == []


def test_the_notebook_pieces_are_there_on_use():
    assert "matplotlib" in _loaded_after_import("audiolosses.explorers")  # ipywidgets: when an explorer is built
    assert audiolosses.explorers.RelativeVolumeMelExplorer.__module__ == "audiolosses.explorers.rvm"
    assert "explorers" in dir(audiolosses)
    with pytest.raises(AttributeError, match="no attribute 'nonexistent'"):
        audiolosses.nonexistent


def test_version_is_the_installed_metadata():
    from importlib.metadata import version

    assert audiolosses.__version__ == version("audiolosses")


def test_generic_audio_helpers_live_in_audio_only():
    from audiolosses import audio, component

    assert callable(audio.colored_noise) and callable(audio.mix_at_snr)
    assert not hasattr(component, "colored_noise") and not hasattr(component, "mix_at_snr")
