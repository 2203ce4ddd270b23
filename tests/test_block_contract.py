"""The block contract: ``build_resnet`` takes any block that meets ``ResidualBlock`` and any stem function, so a new
block type or stem is one class or function in one file. The squeeze-and-excitation block below is the worked
example of CONTRIBUTING.md."""

import pytest
import torch
from torch import nn

from resnet_lib.blocks import PreActResidual, Residual, ResidualBlock, check_block
from resnet_lib.measure import count_parameters
from resnet_lib.models import build_resnet, resnet18


class SEResidual(Residual):
    """d2l's ``Residual`` whose branch is rescaled channel by channel by a squeeze-and-excitation gate (Hu et al.
    2018): global average pool -> linear (channels / reduction) -> ReLU -> linear -> sigmoid."""

    def __init__(self, input_channels, num_channels, use_1x1conv=False, strides=1, *, shortcut=True, style="d2l",
                 reduction: int = 4):
        super().__init__(input_channels, num_channels, use_1x1conv, strides, shortcut=shortcut, style=style)
        squeezed = num_channels // reduction
        self.se = nn.Sequential(nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(num_channels, squeezed), nn.ReLU(),
                                nn.Linear(squeezed, num_channels), nn.Sigmoid())

    def branch(self, X):
        Y = super().branch(X)
        return Y * self.se(Y)[:, :, None, None]


def tiny_stem(in_channels, width, bias):
    """A stem defined outside the library: one 1x1 conv."""
    return nn.Conv2d(in_channels, width, kernel_size=1, bias=bias)


def test_a_block_defined_here_builds_a_resnet_that_trains_and_zero_inits():
    check_block(SEResidual)
    torch.manual_seed(0)
    net = build_resnet(SEResidual, (1, 1), width=8, stem="cifar", reduction=2)
    blocks = [m for m in net.modules() if isinstance(m, SEResidual)]
    assert len(blocks) == 2 and all(isinstance(b, ResidualBlock) for b in blocks)
    assert blocks[1].projection is not None and blocks[0].projection is None  # stage 2 halves H, W
    se_params = sum(count_parameters(b.se) for b in blocks)
    assert count_parameters(net) == count_parameters(build_resnet(Residual, (1, 1), width=8, stem="cifar")) + se_params
    x = torch.randn(4, 1, 16, 16)
    assert net(x).shape == (4, 10)
    zeroed = build_resnet(SEResidual, (1, 1), width=8, stem="cifar", zero_init_residual=True)
    assert all(b.branch(torch.randn(2, b.conv1.in_channels, 8, 8)).abs().max() == 0
               for b in zeroed.modules() if isinstance(b, SEResidual))


def test_a_stem_defined_here_is_used():
    net = build_resnet(Residual, (1,), width=4, stem=tiny_stem)
    assert isinstance(net[0], nn.Conv2d) and net[0].kernel_size == (1, 1)
    assert net(torch.randn(2, 1, 9, 9)).shape == (2, 10)


def test_the_final_norm_comes_from_the_block_not_from_its_name():
    class MyPreAct(PreActResidual):
        pass

    class NoFinalNorm(PreActResidual):
        needs_final_norm = False

    assert isinstance(build_resnet(MyPreAct, (1,), width=4)[-4], nn.ReLU)
    assert isinstance(build_resnet(NoFinalNorm, (1,), width=4)[-4], nn.Sequential)


def test_a_class_missing_part_of_the_contract_is_named():
    class NoBranch(nn.Module):
        expansion, needs_final_norm = 1, False

        def __init__(self, input_channels, num_channels, use_1x1conv=False, strides=1, *, shortcut=True,
                     style="d2l"):
            super().__init__()

    with pytest.raises(ValueError, match="lacks branch, projection, zero_init_branch"):
        build_resnet(NoBranch, (1,))


def test_resnet18_keeps_d2ls_state_dict_keys():
    keys = list(resnet18(width=4).state_dict())
    assert keys[:3] == ["0.0.weight", "0.0.bias", "0.1.weight"]
    assert "1.0.conv1.weight" in keys and "2.0.conv3.weight" in keys and "4.1.bn2.running_var" in keys
    assert keys[-2:] == ["7.weight", "7.bias"]
