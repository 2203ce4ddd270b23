import pytest
import torch
import torchvision

from resnet_lib.blocks import Residual
from resnet_lib.measure import layer_shapes
from resnet_lib.models import resnet18


def n_params(module: torch.nn.Module) -> int:
    return sum(p.numel() for p in module.parameters())


def test_stage_shapes_for_224_match_the_seed():
    shapes = [shape for _, shape in layer_shapes(resnet18(), torch.rand(1, 1, 224, 224))]
    assert shapes == [(1, 64, 56, 56), (1, 64, 56, 56), (1, 128, 28, 28), (1, 256, 14, 14), (1, 512, 7, 7),
                      (1, 512, 1, 1), (1, 512), (1, 10)]


def test_96_pixel_input_ends_in_a_3x3_map():
    assert layer_shapes(resnet18(), torch.rand(1, 1, 96, 96))[4] == ("Sequential", (1, 512, 3, 3))


def test_parameter_count_equals_torchvision_up_to_explained_difference():
    ours = resnet18(in_channels=1, num_classes=10)
    tv = torchvision.models.resnet18(num_classes=10)
    tv.conv1 = torch.nn.Conv2d(1, 64, kernel_size=7, stride=2, padding=3, bias=False)
    conv_biases = sum(m.bias.numel() for m in ours.modules() if isinstance(m, torch.nn.Conv2d))
    shortcut_bn = sum(n_params(layer.downsample[1]) for stage in (tv.layer2, tv.layer3, tv.layer4)
                      for layer in stage if layer.downsample is not None)
    assert (conv_biases, shortcut_bn) == (4800, 1792)
    assert n_params(ours) - conv_biases == n_params(tv) - shortcut_bn
    assert (n_params(ours), n_params(tv)) == (11_178_378, 11_175_370)


def test_built_from_the_seed_blocks():
    net = resnet18()
    assert sum(isinstance(m, Residual) for m in net.modules()) == 8
    assert isinstance(net[-1], torch.nn.Linear) and net[-1].out_features == 10


def test_wrong_input_channels_name_expected_and_got():
    with pytest.raises(ValueError, match=r"expected input of shape \(batch, 1, .*got 3 channel"):
        resnet18()(torch.rand(2, 3, 32, 32))
    with pytest.raises(ValueError, match="3-d tensor"):
        resnet18()(torch.rand(1, 32, 32))


def test_rgb_model_accepts_rgb():
    assert resnet18(in_channels=3, num_classes=5)(torch.rand(2, 3, 32, 32)).shape == (2, 5)


@pytest.mark.parametrize("kwargs", [{"in_channels": 0}, {"num_classes": -1}, {"width": 0}])
def test_bad_sizes_rejected(kwargs):
    with pytest.raises(ValueError, match="positive integer"):
        resnet18(**kwargs)
