"""The atlas's settings: sample rates, the losses it reports, where its results live."""

from __future__ import annotations

from pathlib import Path

#: Sample rate of the atlas in Hz, the example clips' own rate and HiFi-GAN's.
SAMPLE_RATE: int = 22050

#: Folder of the committed results (``atlas.json`` and its ``README.md``).
RESULTS_DIR: Path = Path(__file__).resolve().parent.parent / "data" / "atlas"

#: The losses of :class:`~audiolosses.atlas.suite.LossSuite`, in the order the chapter shows them.
LOSSES: tuple[str, ...] = (
    "mse",
    "l1",
    "rvm",
    "rvm_0",
    "rvm_1",
    "rvm_2",
    "rvm_3",
    "hifigan_mel",
    "perceptual_cosine",
    "perceptual_mse",
    "mrstft",
    "si_sdr",
)

#: Settings of the perceptual loss in the atlas, the original's 11025 Hz and 512 taps but 128 Bark bands
#: and a stride of 4 samples (the original has 512 bands at stride 1), so that the atlas runs on a CPU.
PERCEPTUAL_SETTINGS: dict = dict(sample_rate=11025, n_bands=128, n_taps=512, stride=4)

#: The judges' sample rate in Hz (wide-band PESQ is defined at 16 kHz).
JUDGE_RATE: int = 16000

RESULTS_FILE = "atlas.json"
FORMAT_VERSION = 1
