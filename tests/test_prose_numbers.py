"""Numbers quoted in a chapter's prose must appear in that chapter's stored outputs.

Every decimal number (``0.88``, ``−19.7``, ``91.9 %``) in a markdown cell, outside code spans, math and
links, must match a number printed by one of the chapter's code cells, up to the prose's own rounding
(prose ``0.9`` matches an output ``0.88``). Integers are not checked: in prose they are almost always
settings (512 taps, 80 mels, 1000 steps), not measurements. The few decimals that are definitions rather
than measurements are listed in ``ALLOWED`` with the reason.
"""

import json
import re
from pathlib import Path

import pytest

BOOK = Path(__file__).resolve().parent.parent / "book"
CHAPTERS = sorted(p.name for p in BOOK.glob("*.ipynb"))

#: chapter -> {number as written: why it need not be printed}. Definitions, not measurements.
ALLOWED = {
    "01_sound_spectra_decibels.ipynb": {
        "6.02": "the dB of a halved amplitude, 20 log10(2), a definition",
        "5512.5": "the Nyquist frequency of 11025 Hz audio, a definition",
        "3.01": "the dB of a halved power, 10 log10(2), a definition",
    },
    "02_relative_volume_mel.ipynb": {"5512.5": "the Nyquist frequency of 11025 Hz audio, a definition"},
    "03_hifigan_losses.ipynb": {
        "0.1": "LeakyReLU slope, a setting",
        "0.8": "AdamW beta, a setting",
        "0.99": "AdamW beta, a setting",
        "0.018": "sigma(-4) read off the printed -0.0180",
    },
    "04_perceptual_loss.ipynb": {
        "0.2": "LeakyReLU slope, a setting",
        "0.9": "Adam beta, a setting",
        "0.74": "8192 / 11025 s, printed as 0.743",
        "0.108": "the ERB formula",
        "24.7": "the ERB formula",
        "4.37": "the ERB formula",
    },
    "05_component_loss.ipynb": {
        "0.2": "auralflow's default alpha",
        "0.8": "auralflow's default beta / paper",
        "0.1": "the paper's alpha",
        "0.5": "a chosen alpha",
        "0.3": "an exercise's alpha",
        "0.01": "an exercise's nudge",
        "9.5": "a difference of two printed values, 20.43 - 10.89",
    },
    "06_kl_divergence.ipynb": {
        "0.5": "the example's sigma",
        "0.01": "the activity threshold, a setting",
        "1.5": "the learning rate, a setting",
        "0.15": "exp(-1.5*4)·... read off 0.149",
        "0.75": "the largest step, 1.5 x 1/2, derived in the text",
        "6.1": "a section number of the chapter",
        "6.2": "a section number of the chapter",
        "6.3": "a section number of the chapter",
        "6.4": "a section number of the chapter",
        "6.5": "a section number of the chapter",
        "6.6": "a section number of the chapter",
        "6.7": "a section number of the chapter",
        "6.8": "a section number of the chapter",
    },
    "07_loss_atlas.ipynb": {
        "0.4.0": "auraloss version",
        "0.0.4": "pesq version",
        "0.4.1": "pystoi version",
        "4.6": "PESQ's range",
        "0.37": "8192 samples at 22050 Hz",
        "0.5": "a definition (half way)",
        "0.05": "the threshold, a setting",
    },
    "08_multi_resolution_stft.ipynb": {
        "22.05": "the clips' sample rate in kHz, a setting",
        "8.7": "a factor e in dB, 20 log10(e), a definition",
        "8.06": "-ln sqrt(1e-7): minus the log floor of Parallel WaveGAN's magnitude guard",
        "9.21": "-ln sqrt(1e-8): minus the log floor of auraloss's magnitude guard",
    },
    "appendix_benchmarks.ipynb": {"1.3.0": "audiocraft version"},
}

_NUMBER = re.compile(r"(?<![\w.])[−-]?\d+\.\d+(?:\.\d+)?(?![\w.]*\d)")
_SKIP = [
    re.compile(p, re.S)
    for p in (
        r"```.*?```",
        r"\$\$.*?\$\$",
        r"\$[^$]*\$",
        r"`[^`]*`",
        r"\]\([^)]*\)",
        r"https?://\S+",
        r"[Ss]ections? \d+\.\d+(?:(?:,| and| or|–) \d+\.\d+)*",
    )
]
_HEADING = re.compile(r"^#+ .*$", re.M)


def prose_numbers(markdown: str) -> list[str]:
    """Decimal numbers in running text (not in code, math, links or headings)."""
    markdown = _HEADING.sub(" ", markdown)
    for pattern in _SKIP:
        markdown = pattern.sub(" ", markdown)
    return [m.replace("−", "-") for m in _NUMBER.findall(markdown)]


def output_numbers(notebook: dict) -> list[float]:
    """Every number printed by the notebook's code cells (streams and text/plain)."""
    texts = []
    for cell in notebook["cells"]:
        for output in cell.get("outputs", []):
            if "text" in output:
                texts.append("".join(output["text"]))
            texts.append("".join(output.get("data", {}).get("text/plain", "")))
    return [float(x) for x in re.findall(r"[-+]?\d+(?:\.\d+)?(?:e[-+]?\d+)?", " ".join(texts))]


def matches(quoted: str, printed: list[float]) -> bool:
    """Whether ``quoted`` equals some printed number rounded to the quoted precision (sign ignored)."""
    if quoted.count(".") > 1:
        return False  # a version string: only the allowlist accepts it
    decimals = len(quoted.split(".")[1])
    value = abs(float(quoted))
    return any(abs(abs(p) - value) <= 0.5 * 10**-decimals + 1e-12 for p in printed)


def unmatched(notebook: dict, allowed: dict) -> list[str]:
    printed = output_numbers(notebook)
    missing = []
    for index, cell in enumerate(notebook["cells"]):
        if cell["cell_type"] != "markdown":
            continue
        for number in prose_numbers("".join(cell["source"])):
            if number.lstrip("-") not in allowed and not matches(number, printed):
                missing.append(f"cell {index}: {number}")
    return missing


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_prose_numbers_are_printed(chapter):
    notebook = json.loads((BOOK / chapter).read_text())
    assert unmatched(notebook, ALLOWED.get(chapter, {})) == []


def _notebook(markdown, printed):
    return {
        "cells": [
            {"cell_type": "markdown", "source": markdown},
            {"cell_type": "code", "source": "", "outputs": [{"output_type": "stream", "text": printed}]},
        ]
    }


def test_checker_finds_a_wrong_number():
    printed = "slope 0.88 | offset -13.3 dB | 91.9 %"
    assert unmatched(_notebook("The fit gives 0.88 and −13.3 dB; 91.9 % below 1 kHz.", printed), {}) == []
    assert unmatched(_notebook("The fit gives 0.9 (rounded).", printed), {}) == []  # prose may round
    assert unmatched(_notebook("The fit gives 0.87.", printed), {}) == ["cell 0: 0.87"]
    assert unmatched(_notebook("Off by 13.4 dB.", printed), {}) == ["cell 0: 13.4"]
    assert unmatched(_notebook("A setting: 0.2, in `code 0.77` and $x = 0.55$.", printed), {"0.2": "setting"}) == []


def test_checker_fails_on_a_wrong_number_in_a_copied_chapter(tmp_path):
    source = json.loads((BOOK / "03_hifigan_losses.ipynb").read_text())
    assert unmatched(source, ALLOWED["03_hifigan_losses.ipynb"]) == []
    for cell in source["cells"]:
        if cell["cell_type"] == "markdown":
            cell["source"] = "".join(cell["source"]) + "\n\nThe mel term is 77.777 % of the loss."
            break
    copy = tmp_path / "copy.ipynb"
    copy.write_text(json.dumps(source))
    assert unmatched(json.loads(copy.read_text()), ALLOWED["03_hifigan_losses.ipynb"]) != []
