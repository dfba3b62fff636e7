"""Every loss under DistributedDataParallel: 2 CPU processes (gloo, loopback), each holding half of a batch.

Each process wraps a tiny model, ``prediction = base + offset`` with one learnable offset shared by all items, in
``DistributedDataParallel``; DDP averages the offset's gradient over the processes. One process on the whole batch
is the reference. A loss that is the mean of independent per-item values gives the same gradient either way; a
loss that couples the items of a batch (RVM's batch-wide gain) does not, and its per-item option fixes it.
"""

from __future__ import annotations

import os
import socket
import tempfile
from pathlib import Path

import pytest
import torch
import torch.distributed as dist
import torch.multiprocessing as mp
from torch import nn
from torch.nn.parallel import DistributedDataParallel

from _loss_cases import BY_NAME, CASES, build, make_inputs

BATCH = 4  # two items per process
pytestmark = pytest.mark.distributed


class Offset(nn.Module):
    """``base + offset`` for every prediction tensor, the offset shared across the batch (a learnable bias)."""

    def __init__(self, shapes):
        super().__init__()
        self.offsets = nn.ParameterList(
            [nn.Parameter(torch.zeros((1, *shape), dtype=torch.float64)) for shape in shapes]
        )

    def forward(self, bases):
        return tuple(base + offset for base, offset in zip(bases, self.offsets))


def _gradients(case, model, bases, fixed):
    loss = build(case)
    model.zero_grad()
    value = case.call(loss, model(bases), fixed)
    value.backward()
    return [p.grad.detach().clone() for p in model.parameters()]


def _worker(rank: int, world: int, port: int, out: str):
    os.environ.update(MASTER_ADDR="127.0.0.1", MASTER_PORT=str(port))
    torch.set_num_threads(1)
    dist.init_process_group("gloo", rank=rank, world_size=world)
    try:
        results = {}
        for case in CASES:
            predictions, fixed = make_inputs(case, BATCH)
            half = slice(rank * BATCH // world, (rank + 1) * BATCH // world)
            bases = tuple(p.detach()[half] for p in predictions)
            model = DistributedDataParallel(Offset([b.shape[1:] for b in bases]))
            results[case.name] = _gradients(case, model, bases, tuple(f[half] for f in fixed))
        if rank == 0:
            torch.save(results, out)
    finally:
        dist.destroy_process_group()


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def ddp_gradients():
    if not dist.is_available() or not dist.is_gloo_available():
        pytest.skip("torch.distributed with gloo is not available")
    with tempfile.TemporaryDirectory() as folder:
        out = str(Path(folder) / "gradients.pt")
        mp.spawn(_worker, args=(2, _free_port(), out), nprocs=2, join=True)
        return torch.load(out)


def _single_process(case):
    predictions, fixed = make_inputs(case, BATCH)
    bases = tuple(p.detach() for p in predictions)
    return _gradients(case, Offset([b.shape[1:] for b in bases]), bases, fixed)


@pytest.mark.parametrize("case", [c for c in CASES if c.per_item], ids=lambda c: c.name)
def test_per_item_losses_give_the_whole_batch_gradient_under_ddp(ddp_gradients, case):
    for sharded, whole in zip(ddp_gradients[case.name], _single_process(case)):
        torch.testing.assert_close(sharded, whole, rtol=1e-9, atol=1e-12)


def test_batch_wide_rvm_gain_differs_under_ddp_and_per_item_fixes_it(ddp_gradients):
    coupled = BY_NAME["rvm_metric"]
    (sharded,), (whole,) = ddp_gradients[coupled.name], _single_process(coupled)
    relative = ((sharded - whole).norm() / whole.norm()).item()
    assert relative > 0.05, f"expected the shard-wise gain to change the gradient, relative difference {relative}"
    per_item = BY_NAME["rvm_metric_per_item"]
    (sharded,), (whole,) = ddp_gradients[per_item.name], _single_process(per_item)
    torch.testing.assert_close(sharded, whole, rtol=1e-9, atol=1e-12)


def test_batch_wide_spectral_convergence_differs_under_ddp_and_per_item_fixes_it(ddp_gradients):
    (sharded,), (whole,) = ddp_gradients["mrstft_batch_wide"], _single_process(BY_NAME["mrstft_batch_wide"])
    relative = ((sharded - whole).norm() / whole.norm()).item()
    assert relative > 0.05, f"expected the shard-wise norm to change the gradient, relative difference {relative}"
    (sharded,), (whole,) = ddp_gradients["mrstft"], _single_process(BY_NAME["mrstft"])
    torch.testing.assert_close(sharded, whole, rtol=1e-9, atol=1e-12)


def test_every_case_ran(ddp_gradients):
    assert set(ddp_gradients) == {case.name for case in CASES}
