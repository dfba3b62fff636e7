"""Speed and memory of the package's losses, side by side with what users would otherwise run.

``python -m benchmarks`` times forward + backward of each loss (median of several calls after a warm-up,
all implementations interleaved in one process), measures peak memory, checks that the compared
implementations give the same values, prints a table with ratios and writes
``benchmarks/results/cpu.json`` (``cuda.json`` with ``--device cuda``). ``--quick`` runs tiny sizes.

Comparisons (:mod:`benchmarks.cases`): Relative Volume Mel vs audiocraft's own ``metrics/rvm.py``;
HiFi-GAN's mel loss vs the upstream code as written; the perceptual loss's FFT filtering vs direct
``conv1d``; component loss and KL vs their direct formulas; auraloss's STFT losses for context.
The book's appendix (``book/appendix_benchmarks.ipynb``) shows the committed results.
"""

from .run import main, run

__all__ = ["main", "run"]
