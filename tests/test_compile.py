"""Every loss under torch.compile: the same value (1e-5) and gradient as eager, on the CPU.

The backend is ``aot_eager``: TorchDynamo traces the loss (value checks are skipped while it traces) and
AOTAutograd builds the joint forward/backward graph, so graph capture, functionalisation and the backward are all
exercised. Inductor's C++ code generation works here too but takes 15–45 s per loss on a 2-core machine; set
``AUDIOLOSSES_INDUCTOR=1`` to run the same checks with ``backend="inductor"``.
"""

from __future__ import annotations

import os

import pytest
import torch

from _loss_cases import CASES, build, make_inputs, value_and_gradients

BACKEND = "inductor" if os.environ.get("AUDIOLOSSES_INDUCTOR") == "1" else "aot_eager"

pytestmark = pytest.mark.compile


@pytest.fixture(autouse=True)
def _fresh_dynamo():
    torch._dynamo.reset()
    yield
    torch._dynamo.reset()


# variants that run the same code as another case (another per_item setting) are compiled once, to keep the file
# near a minute on 2 cores
SAME_CODE_AS_ANOTHER_CASE = {"rvm_metric_per_item", "mrstft_batch_wide"}


@pytest.mark.parametrize("case", [c for c in CASES if c.name not in SAME_CODE_AS_ANOTHER_CASE], ids=lambda c: c.name)
def test_compiled_loss_has_the_eager_value_and_gradient(case):
    loss = build(case, torch.float32)
    predictions, fixed = make_inputs(case, 2, dtype=torch.float32)
    eager_value, eager_gradients = value_and_gradients(case, loss, predictions, fixed)

    def run(*tensors):
        return case.call(loss, tensors[: len(predictions)], tensors[len(predictions) :])

    compiled = torch.compile(run, backend=BACKEND)
    predictions2 = tuple(p.detach().clone().requires_grad_(True) for p in predictions)
    value = compiled(*predictions2, *fixed)
    gradients = torch.autograd.grad(value, predictions2)
    torch.testing.assert_close(value, eager_value, rtol=1e-5, atol=1e-5)
    for compiled_gradient, eager_gradient in zip(gradients, eager_gradients):
        scale = eager_gradient.abs().max().item()
        torch.testing.assert_close(compiled_gradient, eager_gradient, rtol=1e-5, atol=1e-5 * max(scale, 1e-12))
