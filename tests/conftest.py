import matplotlib
import pytest
import torch

# Process-local on purpose: an MPLBACKEND environment variable would be inherited by the nbval kernels
# and stop the notebooks' figures from being displayed.
matplotlib.use("Agg")


@pytest.fixture(autouse=True)
def _seed():
    torch.manual_seed(0)
