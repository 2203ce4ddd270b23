"""PreActResidual: Residual's arguments, checks and shapes; BN -> ReLU -> conv; a clean identity path."""

import pytest
import torch
from torch import nn

from resnet_lib.blocks import PreActResidual, Residual


@pytest.mark.parametrize(
    ("args", "shape_in", "shape_out"),
    [
        ((3, 3), (4, 3, 6, 6), (4, 3, 6, 6)),
        ((3, 6, True, 2), (4, 3, 6, 6), (4, 6, 3, 3)),
        ((3, 6, True, 1), (2, 3, 5, 5), (2, 6, 5, 5)),
        ((4, 4, True, 2), (1, 4, 7, 7), (1, 4, 4, 4)),
    ],
)
def test_same_shapes_as_residual(args, shape_in, shape_out):
    X = torch.rand(shape_in)
    assert PreActResidual(*args)(X).shape == Residual(*args)(X).shape == shape_out


@pytest.mark.parametrize(
    ("args", "problem"),
    [((3, 6), "channels change (3 -> 6)"), ((3, 3, False, 2), "stride 2"), ((3, 6, False, 2), "and")],
)
def test_mismatch_is_a_clear_error_naming_the_class(args, problem):
    with pytest.raises(ValueError, match="use_1x1conv=True") as info:
        PreActResidual(*args)
    assert str(info.value).startswith("PreActResidual(") and problem in str(info.value)


@pytest.mark.parametrize("bad", [0, -1, 2.0, "3"])
def test_non_positive_sizes_rejected(bad):
    with pytest.raises(ValueError, match="positive integer"):
        PreActResidual(3, 3, strides=bad)
    with pytest.raises(ValueError, match="positive integer"):
        PreActResidual(bad, 3, use_1x1conv=True)


def test_residual_message_unchanged_by_shared_check():
    with pytest.raises(ValueError, match=r"^Residual\(3, 6, strides=1\): the identity shortcut cannot be"):
        Residual(3, 6)


def test_bn_comes_before_each_conv():
    block = PreActResidual(3, 8, use_1x1conv=True, strides=2)
    assert block.bn1.num_features == 3 and block.bn2.num_features == 8  # Residual's bn1 has 8
    def count(module):
        return sum(p.numel() for p in module.parameters())

    assert count(block) - count(Residual(3, 8, True, 2)) == 2 * (3 - 8)


def test_forward_matches_formula():
    torch.manual_seed(0)
    block = PreActResidual(3, 5, use_1x1conv=True, strides=2).train()
    X = torch.randn(2, 3, 8, 8)
    relu = nn.functional.relu
    expected = block.conv2(relu(block.bn2(block.conv1(relu(block.bn1(X)))))) + block.conv3(X)
    torch.testing.assert_close(block(X), expected)


def test_zero_last_conv_is_exact_identity_even_on_negative_input():
    block = PreActResidual(4, 4).eval()
    block.zero_init_branch()
    X = torch.randn(2, 4, 5, 5)
    assert (X < 0).any()
    assert torch.equal(block(X), X)
    assert not torch.equal(Residual(4, 4).eval()(X), X)  # the post-activation block ends in relu
