"""The figure helpers draw what they say, with the documented axes, and validate their inputs."""

import json
import re

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import pytest
import torch

from audiolosses import plot, spectral


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def test_plot_waveform_time_axis():
    ax = plot.plot_waveform(torch.zeros(2, 16000), 16000, title="silence")
    line = ax.get_lines()[0]
    assert len(line.get_xdata()) == 16000
    assert line.get_xdata()[-1] == pytest.approx(15999 / 16000)
    assert ax.get_xlabel() == "time (s)" and ax.get_title() == "silence"


def test_plot_spectrogram_linear_and_mel_axes():
    waveform = torch.randn(8000)
    spec = spectral.stft_magnitude(waveform, 256, 64)
    ax = plot.plot_spectrogram(spec, 8000, 64)
    left, right, bottom, top = ax.get_images()[0].get_extent()
    assert (bottom, top) == (0.0, 4000.0) and right == pytest.approx(spec.shape[-1] * 64 / 8000)
    image = ax.get_images()[0].get_array()
    assert image.max() == pytest.approx(float(spectral.scale_to_db(spec.max(), -100.0)), abs=1e-4)
    vmin, vmax = ax.get_images()[0].get_clim()
    assert vmax - vmin == pytest.approx(80.0)
    mel = spectral.mel_spectrogram(waveform, 8000, n_fft=256, hop_length=64, n_mels=32)
    ax = plot.plot_spectrogram(mel, 8000, 64, kind="power", y_axis="mel")
    labels = [float(t.get_text()) for t in ax.get_yticklabels()]
    assert labels == sorted(labels) and labels[-1] < 4000


def test_plot_spectrogram_value_range_and_colour_map():
    relative = torch.linspace(-40, 40, 64).reshape(8, 8)
    ax = plot.plot_spectrogram(relative, 8000, 64, kind="db", value_range=(-25, 25), cmap="RdBu_r")
    assert ax.get_images()[0].get_clim() == (-25.0, 25.0)
    assert ax.get_images()[0].get_cmap().name == "RdBu_r"
    with pytest.raises(ValueError, match="value_range must be"):
        plot.plot_spectrogram(relative, 8000, 64, kind="db", value_range=(5, 5))


def test_plot_loss_curves():
    ax = plot.plot_loss_curves({"mse": [3, 2, 1], "l1": [2, 1, 0.5]}, log_y=True)
    assert [line.get_label() for line in ax.get_lines()] == ["mse", "l1"]
    assert ax.get_yscale() == "log"
    with pytest.raises(ValueError, match="steps has 2 entries"):
        plot.plot_loss_curves({"mse": [1, 2, 3]}, steps=[0, 1])
    with pytest.raises(ValueError, match="curves must be a non-empty mapping"):
        plot.plot_loss_curves({})


def test_plot_validation():
    with pytest.raises(ValueError, match="spectrogram must be 2-D"):
        plot.plot_spectrogram(torch.zeros(1, 4, 4), 8000, 64)
    with pytest.raises(ValueError, match="y_axis must be one of"):
        plot.plot_spectrogram(torch.ones(4, 4), 8000, 64, y_axis="bark")
    with pytest.raises(ValueError, match="waveform must be 1-D or 2-D"):
        plot.plot_waveform(torch.zeros(1, 1, 10), 8000)


def test_spectrogram_explorer_redraws_and_has_a_stable_repr():
    clips = {"noise": torch.randn(8000), "tone": torch.sin(torch.arange(8000) * 0.3).unsqueeze(0)}
    explorer = plot.SpectrogramExplorer(clips, 8000, n_fft=512, hop_length=128, n_mels=40)
    assert repr(explorer) == "SpectrogramExplorer(clip='noise', n_fft=512, hop_length=128, n_mels=40)"
    assert "40 mel bands" in explorer.figure().axes[0].get_title()
    explorer.controls["n_mels"].value = 0
    title = explorer.figure().axes[0].get_title()
    assert "257 bins" in title and "bin 15.6 Hz" in title
    explorer.controls["clip"].value = "tone"
    assert explorer.figure().axes[0].get_title().startswith("tone:")
    (shown,) = explorer.output.outputs
    assert shown["data"]["text/plain"] == "<SpectrogramExplorer figure>"
    assert shown["data"]["image/png"].startswith("iVBORw0KGgo")  # a PNG, drawn into the widget state
    bundle = explorer._repr_mimebundle_()
    assert bundle["text/plain"].startswith("SpectrogramExplorer(") and "image/png" not in bundle["text/plain"]
    with pytest.raises(ValueError, match="n_fft must be one of"):
        plot.SpectrogramExplorer(clips, 8000, n_fft=1000)


def test_figure_png_is_hidpi_compact_and_described():
    fig, ax = plt.subplots(figsize=(4.0, 2.0))
    ax.plot([0, 1], [1, 0])
    ax.set_xlabel("time (s)")
    ax.set_ylabel("amplitude")
    ax.set_title("a falling line")
    png, meta = plot.figure_png(fig)
    import io

    from PIL import Image

    image = Image.open(io.BytesIO(png))
    assert image.mode == "P"  # palette PNG
    assert image.width == pytest.approx(2 * meta["width"], abs=2)  # drawn at 2x, shown at 1x
    assert image.height == pytest.approx(2 * meta["height"], abs=2)
    assert meta["alt"] == "Figure: plot of amplitude against time (s): a falling line"


def _explorer():
    clips = {
        "noise": torch.randn(4000, generator=torch.Generator().manual_seed(0)),
        "tone": torch.sin(torch.arange(4000) * 0.3),
    }
    return plot.SpectrogramExplorer(clips, 8000, n_fft=512, hop_length=128, n_mels=40)


def test_static_grid_covers_settings_within_budget_and_restores_values():
    explorer = _explorer()
    before = explorer.values
    grid = explorer.static_grid()
    assert explorer.values == before
    assert 2 <= len(grid["images"]) <= explorer.MAX_STATIC_FIGURES
    assert len(set(grid["images"])) == len(grid["images"])  # every setting draws a different figure
    # the page opens on the figure of the current settings
    assert grid["images"][grid["index"][grid["current"]]] == plot.figure_data_uri(
        explorer.figure(), dpi=explorer.STATIC_DPI, colours=explorer.STATIC_COLOURS
    )
    # every key is a full combination of value indices that exist in the choices
    for key in grid["index"]:
        numbers = [int(n) for n in key.split(",")]
        for position, number in enumerate(numbers):
            labels = grid["choices"][f"{position}:" + ",".join(map(str, numbers[:position]))]
            assert number < len(labels)
    # the same values are covered whatever the earlier controls are set to (no dependent options here)
    for position in range(1, len(grid["controls"])):
        covered = {tuple(labels) for key, labels in grid["choices"].items() if key.startswith(f"{position}:")}
        assert len(covered) == 1, f"control {position} covers different values under different settings"
    first_labels = grid["choices"]["0:"]
    assert first_labels == ["noise", "tone"]
    fixed = [c["name"] for c in grid["controls"] if c["fixed"]]
    live = [c["name"] for c in grid["controls"] if not c["fixed"]]
    assert live and set(fixed) | set(live) == set(explorer.controls)


def test_static_html_controls_are_disabled_until_the_site_script_runs():
    page = _explorer().static_html()
    assert page.startswith('<div class="audiolosses-explorer"')
    controls = re.findall(r"<(select|input)[^>]*data-alx-control=[^>]*>", page)
    assert controls and all(
        " disabled" in c or "disabled>" in c for c in re.findall(r"<(?:select|input)[^>]*data-alx-control=[^>]*>", page)
    )
    data = json.loads(re.search(r'<script type="application/json" class="alx-data">(.*?)</script>', page).group(1))
    assert set(data) == {"choices", "index", "images", "n"}
    assert all(uri.startswith("data:image/png;base64,") for uri in data["images"])


def test_plan_counts_keeps_the_product_within_budget():
    assert plot._plan_counts([5, 5, 5], 12) in ([2, 2, 3], [3, 2, 2], [2, 3, 2])
    counts = plot._plan_counts([5, 5, 5, 5], 12)
    assert counts[0] * counts[1] * counts[2] * counts[3] <= 12 and counts[0] >= 2
    assert plot._plan_counts([1, 3], 12) == [1, 3]
