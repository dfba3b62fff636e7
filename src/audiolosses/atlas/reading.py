"""Reading the atlas: normalised responses, curves, rank correlations with the judges.

Part of :mod:`audiolosses.atlas`. Notebook: book/07_loss_atlas.ipynb
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from .._validation import check_choice
from .distortions import FAMILIES, _check_number

# Reading the atlas
# --------------------------------------------------------------------------------------------------


def normalized_response(values: Sequence[float], identity: float, anchor: float) -> list[float]:
    """Map loss values onto a common scale: 0 = the reference itself, 1 = an unrelated noise at its level.

    ``r = (value − identity) / (anchor − identity)``.

    Args:
        values: Loss values.
        identity: The loss of the reference against itself.
        anchor: The loss of the reference against an unrelated noise of the same RMS.

    Returns:
        list[float]: The normalised values (can exceed 1, or go below 0).

    Raises:
        TypeError: If a value is not a number.
        ValueError: If ``anchor == identity`` (the loss cannot tell the anchor from the reference).
    """
    identity = _check_number(identity, "identity")
    anchor = _check_number(anchor, "anchor")
    if anchor == identity:
        raise ValueError("anchor must differ from identity: the loss does not tell the anchor from the reference")
    return [(_check_number(v, "values[i]") - identity) / (anchor - identity) for v in values]


def response_curves(results: Mapping, sound: str) -> dict[str, dict[str, list[float]]]:
    """Every loss's normalised response curve (:func:`normalized_response`) for one sound.

    Args:
        results: As returned by :func:`~audiolosses.atlas.experiment.load_results`.
        sound: One of ``results["sounds"]``.

    Returns:
        dict: ``[distortion][loss]`` → normalised values, one per severity.

    Raises:
        ValueError: If ``sound`` is not in the results.
    """
    check_choice(sound, "sound", results["sounds"])
    identity, anchor = results["identity"][sound], results["anchor"][sound]
    return {
        name: {loss: normalized_response(rows[loss], identity[loss], anchor[loss]) for loss in results["losses"]}
        for name, rows in results["values"][sound].items()
    }


def _spearman(x: list[float], y: list[float]) -> float | None:
    from scipy.stats import spearmanr

    if len(x) < 3 or len(set(x)) < 2 or len(set(y)) < 2:
        return None  # undefined: too few points or a constant series
    return float(spearmanr(x, y).statistic)


def judge_correlations(results: Mapping) -> dict[str, dict[str, dict[str, float | None]]]:
    """Spearman rank correlation of each loss with PESQ and with STOI on the judged sound.

    The sign is chosen so that **+1 means full agreement**: the correlation of ``−loss`` (lower loss is
    better) with the judge (higher is better). ``"all"`` pools every distorted signal; each family of
    :data:`~audiolosses.atlas.distortions.FAMILIES` pools its distortions. A correlation is ``None`` where it is
    undefined: fewer than three points, or a constant loss or judge (a loss blind to the whole family).

    Args:
        results: As returned by :func:`~audiolosses.atlas.experiment.load_results` (with ``"judges"``).

    Returns:
        dict: ``[judge][loss][group]`` → ρ or ``None``, ``judge`` in ``("pesq", "stoi")`` and ``group`` in
        ``("all", *FAMILIES)`` (families absent from the results are left out).

    Raises:
        ValueError: If the results hold no judged sound.
    """
    judges = results.get("judges") or {}
    if "sound" not in judges:
        raise ValueError("results hold no PESQ/STOI values: compute the atlas with the speech example")
    sound = judges["sound"]
    families = [f for f in FAMILIES if any(d["family"] == f for d in results["distortions"].values())]
    out: dict = {}
    for key in ("pesq", "stoi"):
        out[key] = {}
        for loss in results["losses"]:
            out[key][loss] = {}
            for group in ("all", *families):
                names = [n for n, d in results["distortions"].items() if group == "all" or d["family"] == group]
                xs = [-v for n in names for v in results["values"][sound][n][loss]]
                ys = [v for n in names for v in judges["values"][n][key]]
                out[key][loss][group] = _spearman(xs, ys)
    return out


# --------------------------------------------------------------------------------------------------
