"""resnet18() stays d2l §7.6's listing: same parameters, state_dict keys and outputs as the blocks assembled by hand."""

import pytest
import torch
from torch import nn

from resnet_lib.blocks import resnet_block
from resnet_lib.models import resnet18


def d2l_listing(in_channels: int = 1, num_classes: int = 10, width: int = 64) -> nn.Sequential:
    """ResNet-18 written out as d2l §7.6 lists it (b1 ... b5, then the head), from the same blocks."""
    b1 = nn.Sequential(nn.Conv2d(in_channels, width, kernel_size=7, stride=2, padding=3), nn.BatchNorm2d(width),
                       nn.ReLU(), nn.MaxPool2d(kernel_size=3, stride=2, padding=1))
    b2 = nn.Sequential(*resnet_block(width, width, 2, first_block=True))
    b3 = nn.Sequential(*resnet_block(width, 2 * width, 2))
    b4 = nn.Sequential(*resnet_block(2 * width, 4 * width, 2))
    b5 = nn.Sequential(*resnet_block(4 * width, 8 * width, 2))
    return nn.Sequential(b1, b2, b3, b4, b5, nn.AdaptiveAvgPool2d((1, 1)), nn.Flatten(),
                         nn.Linear(8 * width, num_classes))


@pytest.mark.parametrize("kwargs", [{}, {"in_channels": 3, "num_classes": 5, "width": 16}])
def test_same_keys_shapes_count_and_outputs_as_the_d2l_listing(kwargs):
    torch.manual_seed(0)
    ours = resnet18(**kwargs)
    torch.manual_seed(0)
    listing = d2l_listing(**kwargs)
    ours_sd, listing_sd = ours.state_dict(), listing.state_dict()
    assert list(ours_sd) == list(listing_sd)
    assert all(torch.equal(ours_sd[k], listing_sd[k]) for k in ours_sd)
    x = torch.randn(2, kwargs.get("in_channels", 1), 64, 64, generator=torch.Generator().manual_seed(1))
    assert torch.equal(ours.eval()(x), listing.eval()(x))


def test_default_count_is_d2l_resnet18s():
    assert sum(p.numel() for p in resnet18().parameters()) == 11_178_378


def test_a_slice_is_a_model_too():
    net = resnet18()
    head = net[:3]
    assert type(head) is type(net)
    x = torch.rand(2, 1, 64, 64)
    assert torch.equal(head.eval()(x), net[2](net[1](net[0](x))))
    assert net[1:3](torch.rand(2, 64, 16, 16)).shape == (2, 128, 8, 8)


def test_a_slice_checks_its_own_input_channels():
    with pytest.raises(ValueError, match=r"expected input of shape \(batch, 64, "):
        resnet18()[1:3](torch.rand(2, 1, 16, 16))


def test_uint8_images_are_refused_with_a_pointer_to_prepare():
    images = torch.randint(0, 256, (2, 1, 28, 28), dtype=torch.uint8)
    with pytest.raises(TypeError, match=r"uint8.*resnet_lib\.data\.prepare"):
        resnet18()(images)
