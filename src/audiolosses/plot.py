"""Figures with one consistent style: waveforms, spectrograms and loss curves.

Every function draws into the ``ax`` you pass (or a new figure) and returns the ``Axes``, so figures
compose: ``fig, axes = plt.subplots(2, 1); plot_waveform(x, sr, ax=axes[0]); ...``.

Notebook: book/01_sound_spectra_decibels.ipynb
"""

from __future__ import annotations

import base64
import html
import io
import json
from collections.abc import Mapping, Sequence
from functools import partial

import matplotlib.pyplot as plt
import torch

from ._validation import check_choice, check_int, check_tensor
from .spectral import hz_to_mel, mel_spectrogram, mel_to_hz, power_to_db, scale_to_db, stft_magnitude

__all__ = [
    "STYLE",
    "DISPLAY_DPI",
    "use_style",
    "figure_png",
    "figure_data_uri",
    "figure_alt_text",
    "plot_waveform",
    "plot_spectrogram",
    "plot_loss_curves",
    "FigureExplorer",
    "SpectrogramExplorer",
]

#: Matplotlib settings shared by every figure of the course.
STYLE = {
    "figure.figsize": (8.0, 3.0),
    "figure.dpi": 100,
    "axes.grid": True,
    "grid.alpha": 0.3,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.titlesize": 11,
    "axes.labelsize": 10,
    "legend.fontsize": 9,
    "legend.frameon": False,
    "image.cmap": "magma",
}


#: Resolution of the figures a notebook shows, twice the 100 dpi layout, so they stay sharp on HiDPI screens.
DISPLAY_DPI = 200


def use_style() -> None:
    """Apply :data:`STYLE` to matplotlib's global settings (call once at the top of a notebook).

    In IPython (Jupyter, Colab) it also makes every displayed figure a HiDPI PNG (:func:`figure_png`:
    drawn at :data:`DISPLAY_DPI`, 128 colours, shown at its 100 dpi size, with alt text that names what
    it shows).
    """
    plt.rcParams.update(STYLE)
    try:
        from IPython import get_ipython
    except ImportError:  # plain Python: nothing is displayed
        return
    shell = get_ipython()
    if shell is None:
        return
    from matplotlib.figure import Figure

    # pyplot loads its backend lazily, and the inline backend registers its own PNG formatter when it
    # loads: load it now (an empty figure, closed at once, is never shown) so that ours stays.
    plt.close(plt.figure())
    shell.display_formatter.formatters["image/png"].for_type(Figure, partial(figure_png, colours=128))


def figure_alt_text(fig) -> str:
    """A short description of a figure for its alt text: its title and, per panel, title and axes."""
    parts = []
    title = fig._suptitle.get_text() if getattr(fig, "_suptitle", None) is not None else ""
    panels = [ax for ax in fig.axes if ax.get_label() != "<colorbar>" and ax.get_visible()]
    for ax in panels:
        words = ax.get_title() or ax.get_title("left")
        axes = " against ".join(label for label in (ax.get_ylabel(), ax.get_xlabel()) if label)
        if ax.images:
            kind = "image"
        elif ax.lines:
            kind = "plot"
        elif ax.patches or ax.collections:
            kind = "chart"
        else:
            kind = "panel"
        text = kind + (f" of {axes}" if axes else "") + (f": {words}" if words else "")
        parts.append(" ".join(text.split()))
    count = f"{len(panels)} panels" if len(panels) > 1 else "Figure"
    return (f"{title}. " if title else "") + f"{count}: " + "; ".join(parts) if parts else (title or "Figure")


def figure_png(fig, dpi: float | None = None, colours: int = 256) -> tuple[bytes, dict]:
    """Render a figure as a compact HiDPI PNG for display.

    The figure is drawn at ``dpi`` (default :data:`DISPLAY_DPI`), cropped to its content, reduced to a
    palette of at most 256 colours (figures are made of flat colours and colour maps, so this is close
    to lossless and about a third of the size) and displayed at its size at ``figure.dpi``.

    Args:
        fig: a matplotlib ``Figure``.
        dpi: rendering resolution in dots per inch.
        colours: palette size (2 to 256).

    Returns:
        tuple[bytes, dict]: the PNG and its display metadata: ``width`` and ``height`` in CSS pixels,
        and ``alt`` (:func:`figure_alt_text`).
    """
    from PIL import Image

    dpi = DISPLAY_DPI if dpi is None else float(dpi)
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=dpi, bbox_inches="tight", facecolor="white")
    image = Image.open(io.BytesIO(buffer.getvalue())).convert("RGB")
    scale = fig.dpi / dpi
    width, height = max(1, round(image.width * scale)), max(1, round(image.height * scale))
    check_int(colours, "colours", minimum=2)
    quantized = image.quantize(colors=min(colours, 256), method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE)
    out = io.BytesIO()
    quantized.save(out, format="PNG", optimize=True)
    return out.getvalue(), {"width": width, "height": height, "alt": figure_alt_text(fig)}


def figure_data_uri(fig, dpi: float | None = None, colours: int = 256) -> str:
    """:func:`figure_png` as a ``data:image/png;base64,...`` URI."""
    png, _ = figure_png(fig, dpi, colours)
    return "data:image/png;base64," + base64.b64encode(png).decode("ascii")


def _new_axes(ax):
    if ax is None:
        _, ax = plt.subplots()
    return ax


def _to_mono_numpy(waveform: torch.Tensor, name: str):
    check_tensor(waveform, name, ndim=(1, 2))
    if waveform.dim() == 2:
        waveform = waveform.mean(dim=0)
    return waveform.detach().to("cpu", torch.float64).numpy()


def plot_waveform(waveform: torch.Tensor, sample_rate: int, *, ax=None, title: str | None = None, **line_kwargs):
    """Plot a waveform against time in seconds.

    Args:
        waveform: ``[time]`` or ``[channels, time]`` (channels are averaged for display).
        sample_rate: sample rate (Hz), for the time axis.
        ax: axes to draw into (default: a new figure).
        title: axes title.
        **line_kwargs: passed to ``ax.plot`` (``label``, ``color``, ``alpha`` ...).

    Returns:
        The ``Axes``.
    """
    check_int(sample_rate, "sample_rate", minimum=1)
    samples = _to_mono_numpy(waveform, "waveform")
    ax = _new_axes(ax)
    time = torch.arange(len(samples), dtype=torch.float64).numpy() / sample_rate
    ax.plot(time, samples, linewidth=0.6, **line_kwargs)
    ax.set_xlim(0, max(time[-1], 1.0 / sample_rate) if len(time) else 1.0)
    ax.set_xlabel("time (s)")
    ax.set_ylabel("amplitude")
    if title:
        ax.set_title(title)
    return ax


def plot_spectrogram(
    spectrogram: torch.Tensor,
    sample_rate: int,
    hop_length: int,
    *,
    ax=None,
    kind: str = "magnitude",
    y_axis: str = "linear",
    f_min: float = 0.0,
    f_max: float | None = None,
    mel_scale: str = "htk",
    floor_db: float = -100.0,
    dynamic_range_db: float | None = 80.0,
    title: str | None = None,
    colorbar: bool = True,
    value_range: tuple[float, float] | None = None,
    cmap: str | None = None,
):
    """Show a spectrogram in dB.

    Args:
        spectrogram: ``[freq, frames]`` non-negative tensor (magnitude or power), or already in dB.
        sample_rate: sample rate (Hz) of the analysed audio.
        hop_length: samples between frames, for the time axis.
        ax: axes to draw into (default: a new figure).
        kind: ``"magnitude"`` (converted with 20·log10), ``"power"`` (10·log10) or ``"db"`` (as is).
        y_axis: ``"linear"`` (rows are FFT bins from 0 to ``sample_rate/2``) or ``"mel"`` (rows are mel
            bands; ticks show their centre frequencies in Hz).
        f_min, f_max, mel_scale: the mel bank's range and scale, to label a ``"mel"`` axis.
        floor_db: floor of the dB conversion.
        dynamic_range_db: colour range shown below the maximum (default 80 dB; ``None``: full range).
        title: axes title.
        colorbar: add a colour bar labelled in dB.
        value_range: ``(low, high)`` colour limits in dB; overrides ``dynamic_range_db`` (e.g. ``(-25, 25)``
            for a relative level).
        cmap: a matplotlib colour map name (default: the style's, ``magma`` under :func:`use_style`);
            a diverging map such as ``"RdBu_r"`` suits values centred on 0 dB.

    Returns:
        The ``Axes``.
    """
    check_tensor(spectrogram, "spectrogram", ndim=2)
    check_int(sample_rate, "sample_rate", minimum=1)
    check_int(hop_length, "hop_length", minimum=1)
    check_choice(kind, "kind", ("magnitude", "power", "db"))
    check_choice(y_axis, "y_axis", ("linear", "mel"))
    spec = spectrogram.detach().to("cpu", torch.float64)
    if kind == "magnitude":
        spec = scale_to_db(spec, floor_db)
    elif kind == "power":
        spec = power_to_db(spec, floor_db)
    ax = _new_axes(ax)
    n_rows, n_frames = spec.shape
    duration = n_frames * hop_length / sample_rate
    vmax = float(spec.max())
    vmin = vmax - dynamic_range_db if dynamic_range_db is not None else float(spec.min())
    if value_range is not None:
        vmin, vmax = (float(v) for v in value_range)
        if not vmin < vmax:
            raise ValueError(f"value_range must be (low, high) with low < high, got {value_range}")
    if y_axis == "linear":
        extent = (0.0, duration, 0.0, sample_rate / 2)
        ylabel = "frequency (Hz)"
    else:
        extent = (0.0, duration, -0.5, n_rows - 0.5)
        ylabel = "mel band (centre Hz)"
    image = ax.imshow(
        spec.numpy(),
        origin="lower",
        aspect="auto",
        extent=extent,
        vmin=vmin,
        vmax=vmax,
        interpolation="nearest",
        cmap=cmap,
    )
    if y_axis == "mel":
        f_max = sample_rate / 2 if f_max is None else f_max
        mel_lo, mel_hi = float(hz_to_mel(f_min, mel_scale)), float(hz_to_mel(f_max, mel_scale))
        step = (mel_hi - mel_lo) / (n_rows + 1)
        ticks = torch.linspace(0, n_rows - 1, min(n_rows, 6)).round()
        centres = mel_to_hz(mel_lo + step * (ticks + 1), mel_scale)
        ax.set_yticks(ticks.tolist())
        ax.set_yticklabels([f"{hz:.0f}" for hz in centres.tolist()])
    ax.set_xlabel("time (s)")
    ax.set_ylabel(ylabel)
    ax.grid(False)
    if title:
        ax.set_title(title)
    if colorbar:
        ax.figure.colorbar(image, ax=ax, label="dB", pad=0.01)
    return ax


def plot_loss_curves(
    curves: Mapping[str, Sequence[float]],
    *,
    ax=None,
    steps: Sequence[float] | None = None,
    xlabel: str = "step",
    ylabel: str = "loss",
    log_y: bool = False,
    title: str | None = None,
):
    """Plot one or more training curves, one line per entry of ``curves``.

    Args:
        curves: name → sequence of values (all the same length when ``steps`` is given).
        ax: axes to draw into (default: a new figure).
        steps: x values (default ``0, 1, 2, ...``).
        xlabel, ylabel, title: labels.
        log_y: logarithmic y axis (values must be positive).

    Returns:
        The ``Axes``.
    """
    if not isinstance(curves, Mapping) or not curves:
        raise ValueError("curves must be a non-empty mapping of name -> sequence of values")
    ax = _new_axes(ax)
    for name, values in curves.items():
        values = [float(v) for v in values]
        xs = list(range(len(values))) if steps is None else list(steps)
        if len(xs) != len(values):
            raise ValueError(f"steps has {len(xs)} entries but curve {name!r} has {len(values)}")
        ax.plot(xs, values, label=name)
    if log_y:
        ax.set_yscale("log")
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    if title:
        ax.set_title(title)
    ax.legend()
    return ax


class FigureExplorer:
    """Base class for the course's interactive figures: ipywidgets controls above a matplotlib figure.

    Subclasses create their controls (a dict of name → ipywidget), pass them to ``__init__`` and implement
    :meth:`figure`, which reads the controls' values and returns a new ``Figure``. The figure is rendered
    to PNG and written into an ``Output`` widget's state (not captured with ``with output:``: capture
    depends on the front end, and nbval does not implement it), so the explorer

    - is live in Jupyter and on Colab (every control change redraws),
    - responds on a static web page with no kernel: displayed, it also offers an HTML version (its
      ``text/html``) holding the figures of a small grid of settings (see :meth:`static_values`) and
      plain controls that a few lines of JavaScript on the course website use to switch between them;
      controls the grid does not cover are shown as fixed, not as live,
    - has a short, stable ``text/plain`` repr that strict nbval can compare (the default widget repr
      would embed the PNG).

    Display it as the last expression of a cell. ``.widget`` is the underlying ``ipywidgets.VBox``.
    """

    #: Controls per row in the layout.
    CONTROLS_PER_ROW = 2
    #: At most this many figures in the static (web page) grid.
    MAX_STATIC_FIGURES = 12
    #: At most this many values per control in the static grid.
    MAX_STATIC_VALUES = 5
    #: Resolution (dots per inch; the page shows them at 100 dpi) and palette size of the static grid's
    #: images: a dozen figures must stay light next to a chapter's other figures and sounds.
    STATIC_DPI = 100
    STATIC_COLOURS = 48

    def __init__(self, controls: Mapping[str, object]):
        import ipywidgets as widgets

        self.controls = dict(controls)
        self.output = widgets.Output()
        self._drawing_enabled = True
        names = list(self.controls)
        rows = [
            widgets.HBox([self.controls[n] for n in names[i : i + self.CONTROLS_PER_ROW]])
            for i in range(0, len(names), self.CONTROLS_PER_ROW)
        ]
        self.widget = widgets.VBox([*rows, self.output])
        for control in self.controls.values():
            control.observe(lambda _change: self._redraw(), names="value")
        self.draw()

    @property
    def values(self) -> dict:
        """The current value of every control, by name."""
        return {name: control.value for name, control in self.controls.items()}

    def figure(self):
        """Draw the figure for the current control values and return it (implemented by subclasses)."""
        raise NotImplementedError

    def _redraw(self) -> None:
        if self._drawing_enabled:
            self.draw()

    def draw(self) -> None:
        """Redraw the figure into the widget's output area."""
        fig = self.figure()
        png, metadata = figure_png(fig)
        plt.close(fig)
        self.output.outputs = (
            {
                "output_type": "display_data",
                "metadata": {"image/png": metadata},
                "data": {
                    "image/png": base64.b64encode(png).decode("ascii"),
                    "text/plain": f"<{type(self).__name__} figure>",
                },
            },
        )

    def static_values(self, name: str, control) -> list[tuple[object, str]]:
        """The ``(value, label)`` pairs of one control that the static grid covers.

        The default takes every option of a selection control (dropdown, selection slider, toggle
        buttons) and every step of a slider, then keeps at most :attr:`MAX_STATIC_VALUES` of them, evenly
        spaced and always including the control's current value. :meth:`static_grid` thins these
        further so that at most :attr:`MAX_STATIC_FIGURES` figures are drawn. Override it to choose the
        settings worth showing (return ``[(control.value, label)]`` to keep a control fixed).
        """
        return _thin(_all_values(control), control.value, self.MAX_STATIC_VALUES)

    def static_grid(self) -> dict:
        """Draw the figure for every combination of the static settings.

        Returns:
            dict: ``controls`` (per control: name, description, kind, and whether it is fixed),
            ``choices`` (``"<control index>:<indices of the earlier controls>"`` → the labels of the values
            covered there), ``images`` (data URIs), ``index`` (``"i0,i1,..."``, the value index of each
            control, → image number) and ``current`` (the key of the current settings). The controls'
            values are restored afterwards.
        """
        items = list(self.controls.items())
        saved = [control.value for _, control in items]
        counts = _plan_counts(
            [len(self.static_values(name, control)) for name, control in items], self.MAX_STATIC_FIGURES
        )
        choices: dict[str, list[str]] = {}
        current: list[str] = []
        images: list[str] = []
        index: dict[str, int] = {}

        def walk(position: int, prefix: list[int]) -> None:
            if position == len(items):
                fig = self.figure()
                images.append(figure_data_uri(fig, dpi=self.STATIC_DPI, colours=self.STATIC_COLOURS))
                plt.close(fig)
                key = ",".join(map(str, prefix))
                index[key] = len(images) - 1
                if all(control.value == value for (_, control), value in zip(items, saved)):
                    current.append(key)
                return
            name, control = items[position]
            try:  # thin around the saved value, as static_values reads the control's current one
                control.value = saved[position]
            except Exception:  # not an option under the earlier controls' settings (dependent options)
                pass
            values = _thin(self.static_values(name, control), saved[position], counts[position])
            choices[f"{position}:{','.join(map(str, prefix))}"] = [label for _, label in values]
            for number, (value, _) in enumerate(values):
                control.value = value
                walk(position + 1, prefix + [number])

        self._drawing_enabled = False
        try:
            walk(0, [])
        finally:
            for (_, control), value in zip(items, saved):
                control.value = value
            self._drawing_enabled = True
        controls = []
        for position, (name, control) in enumerate(items):
            fixed = all(len(labels) == 1 for key, labels in choices.items() if key.startswith(f"{position}:"))
            kind = "range" if hasattr(control, "min") or type(control).__name__ == "SelectionSlider" else "select"
            controls.append({"name": name, "description": control.description or name, "kind": kind, "fixed": fixed})
        return {
            "controls": controls,
            "choices": choices,
            "images": images,
            "index": index,
            "current": current[0] if current else next(iter(index)),
        }

    def static_html(self) -> str:
        """The explorer as a self-contained HTML block for a static page (see :meth:`static_grid`).

        Without the course website's script the controls stay disabled and the figure shows the
        current settings.
        """
        grid = self.static_grid()
        current = grid["current"]
        name = html.escape(type(self).__name__)
        rows = []
        for position, control in enumerate(grid["controls"]):
            prefix = ",".join(current.split(",")[:position])
            labels = grid["choices"][f"{position}:{prefix}"]
            selected = int(current.split(",")[position])
            label = html.escape(control["description"])
            if control["fixed"]:
                rows.append(
                    f'<div class="alx-control alx-fixed"><span class="alx-label">{label}</span> '
                    f'<span class="alx-value">{html.escape(labels[selected])}</span> '
                    '<span class="alx-note">(fixed on this page; live in Jupyter or Colab)</span></div>'
                )
            elif control["kind"] == "range":
                rows.append(
                    f'<label class="alx-control"><span class="alx-label">{label}</span> '
                    f'<input type="range" min="0" max="{len(labels) - 1}" step="1" value="{selected}" '
                    f'data-alx-control="{position}" disabled> '
                    f'<output class="alx-value">{html.escape(labels[selected])}</output></label>'
                )
            else:
                options = "".join(
                    f'<option value="{i}"{" selected" if i == selected else ""}>{html.escape(text)}</option>'
                    for i, text in enumerate(labels)
                )
                rows.append(
                    f'<label class="alx-control"><span class="alx-label">{label}</span> '
                    f'<select data-alx-control="{position}" disabled>{options}</select></label>'
                )
        settings = ", ".join(
            f"{c['description']} {grid['choices'][f'{p}:' + ','.join(current.split(',')[:p])][int(i)]}"
            for p, (c, i) in enumerate(zip(grid["controls"], current.split(",")))
        )
        alt = html.escape(f"{name} figure for {settings}")
        data = json.dumps(
            {"choices": grid["choices"], "index": grid["index"], "images": grid["images"], "n": len(grid["controls"])},
            separators=(",", ":"),
        ).replace("</", "<\\/")
        image = grid["images"][grid["index"][current]]
        covered = len(grid["images"])
        return (
            f'<div class="audiolosses-explorer" data-alx-name="{name}">'
            f'<div class="alx-controls">{"".join(rows)}</div>'
            f'<img class="alx-figure" src="{image}" alt="{alt}">'
            f'<p class="alx-caption">Pre-computed for {covered} setting{"s" if covered != 1 else ""}: '
            "open the chapter in Jupyter or Colab for every setting.</p>"
            f'<script type="application/json" class="alx-data">{data}</script>'
            "</div>"
        )

    def _repr_mimebundle_(self, **kwargs):
        bundle = self.widget._repr_mimebundle_(**kwargs)
        bundle["text/plain"] = repr(self)
        bundle["text/html"] = self.static_html()
        return bundle

    def __repr__(self):
        settings = ", ".join(f"{name}={value!r}" for name, value in self.values.items())
        return f"{type(self).__name__}({settings})"


def _format_value(value) -> str:
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


def _all_values(control) -> list[tuple[object, str]]:
    """Every value a control can take, with its label (sliders: every step, at most 1001)."""
    if hasattr(control, "_options_values"):
        return list(zip(control._options_values, control._options_labels))
    if hasattr(control, "min") and hasattr(control, "step"):
        low, high, step = control.min, control.max, control.step
        count = min(int(round((high - low) / step)) + 1, 1001)
        integer = isinstance(low, int) and isinstance(step, int)
        values = [low + k * step if integer else round(low + k * step, 10) for k in range(count)]
        values = [v for v in values if v <= high + (0 if integer else 1e-9)]
        if control.value not in values:
            values = sorted(values + [control.value])
        return [(v, _format_value(v)) for v in values]
    if isinstance(control.value, bool):
        return [(False, "off"), (True, "on")]
    return [(control.value, _format_value(control.value))]


def _thin(values: list[tuple[object, str]], current, count: int) -> list[tuple[object, str]]:
    """At most ``count`` of ``values``, evenly spaced, always including ``current`` when present."""
    if count >= len(values):
        return list(values)
    positions = [v for v, _ in values]
    keep = {round(k * (len(values) - 1) / max(count - 1, 1)) for k in range(count)} if count > 1 else set()
    if current in positions:
        here = positions.index(current)
        if here not in keep:
            keep.discard(min(keep, key=lambda k: abs(k - here)) if keep else None)
            keep.add(here)
    elif not keep:
        keep = {0}
    return [values[k] for k in sorted(keep)]


def _plan_counts(available: list[int], budget: int) -> list[int]:
    """How many values each control gets so that their product stays within ``budget``."""
    counts = list(available)

    def product() -> int:
        total = 1
        for c in counts:
            total *= c
        return total

    while product() > budget and max(counts) > 2:
        counts[counts.index(max(counts))] -= 1
    for position in reversed(range(len(counts))):  # still too many: fix the last controls
        if product() <= budget:
            break
        counts[position] = 1
    return counts


class SpectrogramExplorer(FigureExplorer):
    """An interactive spectrogram: pick a clip, ``n_fft``, ``hop_length`` and ``n_mels`` and see the result.

    Live in Jupyter and Colab; on the static website it shows the figure for its default settings.

    Args:
        clips: name → waveform ``[time]`` or ``[channels, time]``, all at ``sample_rate``.
        sample_rate: sample rate (Hz) of the clips.
        n_fft: initial FFT size (choices: 128 … 4096, powers of two).
        hop_length: initial hop (choices: 32 … 1024, powers of two).
        n_mels: initial number of mel bands (0 shows the linear-frequency STFT).
    """

    N_FFT_CHOICES = (128, 256, 512, 1024, 2048, 4096)
    HOP_CHOICES = (32, 64, 128, 256, 512, 1024)

    def __init__(
        self,
        clips: Mapping[str, torch.Tensor],
        sample_rate: int,
        *,
        n_fft: int = 1024,
        hop_length: int = 256,
        n_mels: int = 80,
    ):
        import ipywidgets as widgets

        if not isinstance(clips, Mapping) or not clips:
            raise ValueError("clips must be a non-empty mapping of name -> waveform")
        for name, clip in clips.items():
            check_tensor(clip, f"clips[{name!r}]", ndim=(1, 2))
        check_int(sample_rate, "sample_rate", minimum=1)
        check_choice(n_fft, "n_fft", self.N_FFT_CHOICES)
        check_choice(hop_length, "hop_length", self.HOP_CHOICES)
        check_int(n_mels, "n_mels", minimum=0)
        self.clips = {name: (c if c.dim() == 1 else c.mean(dim=0)) for name, c in clips.items()}
        self.sample_rate = sample_rate
        super().__init__(
            {
                "clip": widgets.Dropdown(options=list(self.clips), description="clip"),
                "n_fft": widgets.SelectionSlider(options=self.N_FFT_CHOICES, value=n_fft, description="n_fft"),
                "hop_length": widgets.SelectionSlider(options=self.HOP_CHOICES, value=hop_length, description="hop"),
                "n_mels": widgets.IntSlider(
                    value=n_mels, min=0, max=256, step=8, description="n_mels", continuous_update=False
                ),
            }
        )

    def figure(self):
        """Draw the spectrogram for the current settings into a new figure and return the figure."""
        clip, n_fft, hop, n_mels = (self.values[k] for k in ("clip", "n_fft", "hop_length", "n_mels"))
        waveform = self.clips[clip]
        fig, ax = plt.subplots(figsize=(8.0, 3.2))
        if n_mels == 0:
            spec = stft_magnitude(waveform, n_fft, hop, power=2.0)
            plot_spectrogram(spec, self.sample_rate, hop, ax=ax, kind="power")
            shape = f"{spec.shape[0]} bins"
        else:
            spec = mel_spectrogram(waveform, self.sample_rate, n_fft, hop, n_mels=n_mels)
            plot_spectrogram(spec, self.sample_rate, hop, ax=ax, kind="power", y_axis="mel")
            shape = f"{n_mels} mel bands"
        frame_ms = 1000 * n_fft / self.sample_rate
        ax.set_title(
            f"{clip}: {shape} × {spec.shape[1]} frames, window {frame_ms:.0f} ms, bin {self.sample_rate / n_fft:.1f} Hz"
        )
        fig.tight_layout()
        return fig
