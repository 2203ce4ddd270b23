import random

import pytest
import torch

from resnet_lib.models import resnet18
from resnet_lib.seeding import seed_everything


def one_training_step(seed: int) -> tuple[torch.Tensor, float]:
    seed_everything(seed)
    net = resnet18(width=8)
    x, y = torch.rand(8, 1, 32, 32), torch.randint(0, 10, (8,))
    opt = torch.optim.SGD(net.parameters(), lr=0.05)
    loss = torch.nn.functional.cross_entropy(net(x), y)
    loss.backward()
    opt.step()
    return net[-1].weight.detach().clone(), random.random()


def test_same_seed_same_results():
    w1, r1 = one_training_step(3)
    w2, r2 = one_training_step(3)
    assert torch.equal(w1, w2) and r1 == r2


def test_different_seed_different_results():
    assert not torch.equal(one_training_step(3)[0], one_training_step(4)[0])


@pytest.mark.parametrize("seed", [-1, 1.5, "0", True])
def test_bad_seed(seed):
    with pytest.raises(ValueError, match="seed must be a non-negative integer"):
        seed_everything(seed)
