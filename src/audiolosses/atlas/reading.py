"""Reading the atlas: normalised responses, curves, rank correlations with the judges and their uncertainty.

Part of :mod:`audiolosses.atlas`. Notebook: book/07_loss_atlas.ipynb
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import torch

from .._validation import check_choice, check_int
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


def spearman(x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    """Spearman's rank correlation along the last axis, tied values given the average of their ranks.

    Computed in float64 from exact ranks, so its digits do not depend on the machine. Batched: ``x`` and
    ``y`` of shape ``[..., n]`` give ``[...]`` correlations (NaN where a row of ``x`` or ``y`` is constant:
    there is nothing to rank).

    Args:
        x: ``[..., n]`` real tensor.
        y: Same shape.

    Returns:
        torch.Tensor: ``[...]`` float64 correlations in ``[-1, 1]`` (NaN for a constant row).

    Raises:
        TypeError: If an input is not a tensor.
        ValueError: If the shapes differ or ``n < 2``.
    """
    for name, value in (("x", x), ("y", y)):
        if not isinstance(value, torch.Tensor):
            raise TypeError(f"{name} must be a torch.Tensor, got {type(value).__name__}")
    if x.shape != y.shape or x.dim() == 0 or x.shape[-1] < 2:
        raise ValueError(
            f"x and y must have the same shape [..., n] with n >= 2, got {tuple(x.shape)} and {tuple(y.shape)}"
        )
    rx, ry = _average_ranks(x.double()), _average_ranks(y.double())
    rx, ry = rx - rx.mean(-1, keepdim=True), ry - ry.mean(-1, keepdim=True)
    return (rx * ry).sum(-1) / (rx.pow(2).sum(-1) * ry.pow(2).sum(-1)).sqrt()


def _average_ranks(v: torch.Tensor) -> torch.Tensor:
    """1-based ranks along the last axis; a tied group shares the mean of the ranks it spans."""
    below = (v.unsqueeze(-2) < v.unsqueeze(-1)).sum(-1)
    tied = (v.unsqueeze(-2) == v.unsqueeze(-1)).sum(-1)
    return below.double() + (tied.double() + 1) / 2


def _resampled_ranks(values: list[float], counts: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Centred ranks of the items in every resample, and their weighted sum of squares.

    A resample holds item ``i`` ``counts[b, i]`` times (``counts``: [resamples, n]); its rank there is the
    number of drawn values below it, plus half the number of drawn values equal to it (itself included),
    plus one half: the average rank of a tied group. Counting with matrix products keeps every step exact
    in float64 (small integers and halves).
    """
    v = torch.tensor(values, dtype=torch.float64)
    below = (v[None, :] < v[:, None]).double()  # [i, j]: item j lies below item i
    tied = (v[None, :] == v[:, None]).double()
    ranks = counts @ below.T + (counts @ tied.T + 1) / 2
    centred = ranks - (counts * ranks).sum(-1, keepdim=True) / counts.sum(-1, keepdim=True)
    return centred, (counts * centred * centred).sum(-1)


def _judged_items(results: Mapping) -> tuple[str, list[str]]:
    judges = results.get("judges") or {}
    if "sound" not in judges:
        raise ValueError("results hold no PESQ/STOI values: compute the atlas with the speech example")
    families = [f for f in FAMILIES if any(d["family"] == f for d in results["distortions"].values())]
    return judges["sound"], families


def bootstrap_correlations(
    results: Mapping,
    *,
    resample: str = "versions",
    n_items: int | None = None,
    n_resamples: int = 2000,
    confidence: float = 0.95,
    seed: int = 0,
) -> dict[str, dict[str, dict[str, tuple[float, float] | None]]]:
    """Bootstrap confidence intervals of :func:`judge_correlations`.

    The correlations are measured on one small set of damaged signals; a different but equally reasonable
    set would give different numbers. The bootstrap (Efron and Tibshirani 1993) estimates how different:
    draw as many items as there are, *with replacement*, recompute Spearman's ρ (:func:`spearman`, the same
    sign convention as :func:`judge_correlations`), repeat ``n_resamples`` times, and report the central
    ``confidence`` share of the resampled values (the percentile interval). Every loss and both judges use
    the same resamples (a paired bootstrap), drawn with a seeded ``torch.Generator``.

    What an item is depends on ``resample``:

    - ``"versions"``: one damaged version of the judged sound, a (distortion, severity) pair; this is the
      uncertainty of ranking *these* kinds of damage;
    - ``"distortions"``: a whole distortion with its severity grid, so the set of kinds of damage itself
      varies; a group needs at least three distortions for this (else ``None``).

    With ``n_items`` (versions only) each resample draws that many versions instead of as many as there
    are: the spread a smaller (or larger) atlas of the same kind of damage would have.

    Resamples in which the loss or the judge is constant have no correlation and are left out; a group
    where more than half are left out gets ``None``, as do the groups :func:`judge_correlations` leaves
    undefined.

    Args:
        results: As returned by :func:`~audiolosses.atlas.experiment.load_results` (with ``"judges"``).
        resample: ``"versions"`` (default) or ``"distortions"``.
        n_items: Versions drawn per resample, at least 3 (default: as many as each group holds).
        n_resamples: Number of bootstrap resamples (default 2000).
        confidence: Coverage of the interval, in (0, 1) (default 0.95).
        seed: Seed of the resampling (default 0).

    Returns:
        dict: ``[judge][loss][group]`` → ``(low, high)`` or ``None``, with the keys of
        :func:`judge_correlations`.

    Raises:
        ValueError: If the results hold no judged sound, or on an unknown ``resample``, ``n_resamples < 10``
            a ``confidence`` outside (0, 1), or ``n_items`` with ``resample="distortions"``.
    """
    check_choice(resample, "resample", ("versions", "distortions"))
    check_int(n_resamples, "n_resamples", minimum=10)
    confidence = _check_number(confidence, "confidence")
    if not 0 < confidence < 1:
        raise ValueError(f"confidence must be in (0, 1), got {confidence}")
    check_int(seed, "seed")
    if n_items is not None:
        check_int(n_items, "n_items", minimum=3)
        if resample != "versions":
            raise ValueError("n_items applies to resample='versions' only")
    threads = torch.get_num_threads()
    torch.set_num_threads(1)  # many small products: threads only add overhead (the values are exact either way)
    try:
        return _bootstrap(results, resample, n_items, n_resamples, confidence, seed)
    finally:
        torch.set_num_threads(threads)


def _bootstrap(
    results: Mapping, resample: str, n_items: int | None, n_resamples: int, confidence: float, seed: int
) -> dict:
    sound, families = _judged_items(results)
    judges = results["judges"]
    generator = torch.Generator().manual_seed(seed)
    tails = torch.tensor([(1 - confidence) / 2, (1 + confidence) / 2], dtype=torch.float64)
    out: dict = {key: {loss: {} for loss in results["losses"]} for key in ("pesq", "stoi")}
    for group in ("all", *families):
        names = [n for n, d in results["distortions"].items() if group == "all" or d["family"] == group]
        owner = torch.tensor([i for i, n in enumerate(names) for _ in results["distortions"][n]["grid"]])
        if resample == "versions":
            size = len(owner) if n_items is None else n_items
            drawn = torch.randint(len(owner), (n_resamples, size), generator=generator)
            counts = torch.zeros(n_resamples, len(owner), dtype=torch.float64)
            counts.scatter_add_(1, drawn, torch.ones(drawn.shape, dtype=torch.float64))
        elif len(names) >= 3:  # whole distortions: each drawn distortion brings its whole grid
            drawn = torch.randint(len(names), (n_resamples, len(names)), generator=generator)
            per_distortion = torch.zeros(n_resamples, len(names), dtype=torch.float64)
            per_distortion.scatter_add_(1, drawn, torch.ones(drawn.shape, dtype=torch.float64))
            counts = per_distortion[:, owner]
        else:
            counts = None
        if counts is None:
            for key in ("pesq", "stoi"):
                for loss in results["losses"]:
                    out[key][loss][group] = None
            continue
        loss_ranks = {}  # each loss's resampled ranks serve both judges
        for loss in results["losses"]:
            loss_ranks[loss] = _resampled_ranks([-v for n in names for v in results["values"][sound][n][loss]], counts)
        for key in ("pesq", "stoi"):
            judge_values = [v for n in names for v in judges["values"][n][key]]
            judge_ranks, judge_squares = _resampled_ranks(judge_values, counts)
            for loss in results["losses"]:
                out[key][loss][group] = None
                loss_values = [-v for n in names for v in results["values"][sound][n][loss]]
                if _spearman(loss_values, judge_values) is None:
                    continue
                ranks, squares = loss_ranks[loss]
                rho = (counts * ranks * judge_ranks).sum(-1) / (squares * judge_squares).sqrt()
                rho = rho[~rho.isnan()]
                if rho.numel() * 2 < n_resamples:
                    continue
                low, high = torch.quantile(rho, tails).tolist()
                out[key][loss][group] = (low, high)
    return out


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
    sound, families = _judged_items(results)
    judges = results["judges"]
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
