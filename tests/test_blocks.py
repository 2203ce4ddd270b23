import pytest
import torch

from resnet_lib.blocks import Residual, resnet_block


def test_identity_block_keeps_shape():
    assert Residual(3, 3)(torch.rand(4, 3, 6, 6)).shape == (4, 3, 6, 6)


def test_seed_example_halves_hw_and_sets_channels():
    # A common misreading says "30 channels"; the output has num_channels = 6.
    assert Residual(3, 6, use_1x1conv=True, strides=2)(torch.rand(4, 3, 6, 6)).shape == (4, 6, 3, 3)


def test_block_layers_match_the_seed():
    blk = Residual(3, 6, use_1x1conv=True, strides=2)
    assert (blk.conv1.kernel_size, blk.conv1.stride, blk.conv1.padding) == ((3, 3), (2, 2), (1, 1))
    assert (blk.conv2.kernel_size, blk.conv2.stride) == ((3, 3), (1, 1))
    assert (blk.conv3.kernel_size, blk.conv3.stride) == ((1, 1), (2, 2))
    assert Residual(4, 4).conv3 is None


def test_forward_is_relu_of_branch_plus_shortcut():
    torch.manual_seed(0)
    blk = Residual(2, 2).eval()
    x = torch.randn(1, 2, 5, 5)
    branch = blk.bn2(blk.conv2(torch.relu(blk.bn1(blk.conv1(x)))))
    torch.testing.assert_close(blk(x), torch.relu(branch + x))


@pytest.mark.parametrize("args", [(3, 6), (3, 3, False, 2), (3, 6, False, 2)])
def test_mismatched_shortcut_says_use_1x1conv(args):
    with pytest.raises(ValueError, match="use_1x1conv=True"):
        Residual(*args)


@pytest.mark.parametrize("args", [(0, 3), (3, -1), (3, 3, True, 0), (3, 3, True, 1.5)])
def test_non_positive_sizes_are_rejected(args):
    with pytest.raises(ValueError, match="positive integer"):
        Residual(*args)


def test_resnet_block_first_block_keeps_shape_and_others_downsample():
    first = torch.nn.Sequential(*resnet_block(64, 64, 2, first_block=True))
    later = torch.nn.Sequential(*resnet_block(64, 128, 2))
    x = torch.rand(2, 64, 8, 8)
    assert first(x).shape == (2, 64, 8, 8)
    assert later(x).shape == (2, 128, 4, 4)
    assert [b.conv3 is not None for b in later] == [True, False]


def test_resnet_block_rejects_bad_arguments():
    with pytest.raises(ValueError, match="num_residuals"):
        resnet_block(64, 64, 0)
    with pytest.raises(ValueError, match="not a residual block"):
        resnet_block(64, 64, 2, block=torch.nn.Conv2d)


def test_a_first_stage_that_widens_keeps_h_w_and_projects():  # a bottleneck's first stage: 64 -> 256, stride 1
    stage = torch.nn.Sequential(*resnet_block(64, 128, 2, first_block=True))
    assert stage(torch.rand(2, 64, 8, 8)).shape == (2, 128, 8, 8)
    assert [b.conv3 is not None for b in stage] == [True, False]
