"""The one model builder: torchvision-exact counts, plain twins, zero-init, shapes and clear errors."""

import operator

import pytest
import torch
import torchvision
from torch import fx, nn

from resnet_lib.blocks import Bottleneck, PreActResidual, Residual, ResNeXtBlock
from resnet_lib.models import FAMILY, build_resnet, cifar_resnet, family_member, resnet18


def n_params(module: nn.Module) -> int:
    return sum(p.numel() for p in module.parameters())


@pytest.mark.parametrize(("name", "reference"), [
    ("ResNet-18", torchvision.models.resnet18), ("ResNet-34", torchvision.models.resnet34),
    ("ResNet-50", torchvision.models.resnet50), ("ResNeXt-50 32x4d", torchvision.models.resnext50_32x4d)])
def test_torchvision_style_counts_equal_torchvision(name, reference):
    with torch.device("meta"):
        ours = family_member(name, in_channels=3, num_classes=1000, style="torchvision")
        tv = reference()
    assert n_params(ours) == n_params(tv)
    assert sorted(p.shape for p in ours.parameters()) == sorted(p.shape for p in tv.parameters())


def test_d2l_style_resnet18_is_resnet18():
    torch.manual_seed(0)
    built = family_member("ResNet-18")
    torch.manual_seed(0)
    d2l = resnet18()
    assert list(built.state_dict()) == list(d2l.state_dict())
    assert all(torch.equal(a, b) for a, b in zip(built.state_dict().values(), d2l.state_dict().values(), strict=True))


@pytest.mark.parametrize("name", list(FAMILY))
def test_every_family_member_classifies_a_small_batch(name):
    net = family_member(name, width=16)
    assert net(torch.rand(2, 1, 64, 64)).shape == (2, 10)


@pytest.mark.parametrize(("depth", "blocks"), [(20, 9), (56, 27)])
def test_cifar_nets_have_6n_plus_2_weighted_layers(depth, blocks):
    for shortcut in (True, False):
        net = cifar_resnet(depth, shortcut=shortcut, width=4)
        main = [m for m in net.modules() if isinstance(m, nn.Conv2d) and m.kernel_size == (3, 3)]
        assert len(main) + 1 == depth  # 3x3 convs + the linear head
        assert sum(isinstance(m, Residual) for m in net.modules()) == blocks
        assert not any(isinstance(m, nn.Conv2d) and m.bias is not None for m in net.modules())
        assert net(torch.rand(2, 1, 28, 28)).shape == (2, 10)


def test_plain_twin_has_the_same_layers_minus_the_projections():
    res, plain = cifar_resnet(20), cifar_resnet(20, shortcut=False)
    projections = sum(n_params(b.conv3) + n_params(b.bn3) for b in res.modules()
                      if isinstance(b, Residual) and b.conv3 is not None)
    assert projections > 0 and n_params(res) - n_params(plain) == projections


def preact_cifar_parameters(n: int, width: int, in_channels: int = 1, classes: int = 10) -> int:
    """Counted by hand from He et al. 2016's pre-activation CIFAR net (bias-free convs, a bare 1x1 projection)."""
    total = 9 * in_channels * width + 2 * width  # stem: 3x3 conv, batch norm
    previous = width
    for stage in range(3):
        c = width * 2**stage
        total += 2 * previous + 9 * previous * c + 2 * c + 9 * c * c  # first block: bn1, conv1, bn2, conv2
        total += previous * c if stage else 0  # its 1x1 projection when the shape changes
        total += (n - 1) * (2 * c + 9 * c * c) * 2  # the other blocks: (bn, conv) twice
        previous = c
    return total + 2 * previous + previous * classes + classes  # final batch norm, linear head


def test_preact_cifar_net_is_counted_by_hand_and_ends_with_bn_relu():
    assert preact_cifar_parameters(3, 16) == 272_026  # ResNet-20, width 16, one input channel, 10 classes
    for depth in (20, 56):
        n = (depth - 2) // 6
        net = cifar_resnet(depth, block=PreActResidual)
        assert n_params(net) == preact_cifar_parameters(n, 16)
        assert sum(isinstance(m, PreActResidual) for m in net.modules()) == 3 * n
        assert not any(isinstance(m, Residual) for m in net.modules())
        assert isinstance(net[-5], nn.BatchNorm2d) and isinstance(net[-4], nn.ReLU)  # then pool, flatten, linear
        assert net(torch.rand(2, 1, 14, 14)).shape == (2, 10)


def _adds(module: nn.Module) -> int:
    graph = fx.symbolic_trace(module).graph
    return sum(node.op == "call_function" and node.target in (operator.add, torch.add) for node in graph.nodes)


@pytest.mark.parametrize("block", [Residual, PreActResidual, Bottleneck, ResNeXtBlock])
def test_plain_block_adds_nothing_and_residual_block_adds_once(block):
    assert _adds(block(64, 64, shortcut=False)) == 0
    assert _adds(block(64, 64)) == 1
    plain = block(32, 64, strides=2, shortcut=False).eval()
    x = torch.randn(2, 32, 8, 8)
    expected = plain.branch(x) if block is PreActResidual else torch.relu(plain.branch(x))
    assert torch.equal(plain(x), expected)


@pytest.mark.parametrize("block", [Residual, PreActResidual, Bottleneck, ResNeXtBlock])
def test_zero_init_residual_zeroes_every_branch(block):
    net = build_resnet(block, (2, 2), width=32, zero_init_residual=True, style="torchvision")
    x = torch.randn(2, 1, 32, 32)
    seen = []
    for m in net.modules():
        if isinstance(m, block):
            m.register_forward_hook(lambda mod, inputs, _out: seen.append(mod.branch(inputs[0]).abs().max().item()))
    net(x)
    assert len(seen) == 4 and seen == [0.0] * 4
    assert build_resnet(block, (2, 2), width=32)(x).shape == (2, 10)


def test_without_zero_init_branches_are_not_zero():
    block = cifar_resnet(8)[1][0]
    assert block.branch(torch.randn(2, 16, 8, 8)).abs().max() > 0


def test_grouped_conv_has_one_group_th_of_the_weights():
    block = ResNeXtBlock(256, 256)
    assert block.conv2.groups == 32 and block.conv2.in_channels == 128
    assert n_params(block.conv2) - 128 == 128 * 128 * 9 // 32  # minus the d2l-style bias


@pytest.mark.parametrize(("call", "message"), [
    (lambda: build_resnet(nn.Linear, (2, 2)), "Linear is not a residual block: it lacks expansion"),
    (lambda: build_resnet(Residual, ()), "blocks per stage"),
    (lambda: build_resnet(Residual, (2, 0)), "blocks per stage"),
    (lambda: build_resnet(Residual, "22"), "blocks per stage"),
    (lambda: build_resnet(Residual, (2, 2), stem="imagenet"), "unknown stem"),
    (lambda: build_resnet(Residual, (2, 2), style="keras"), "unknown style"),
    (lambda: build_resnet(Residual, (2, 2), shortcut=False, zero_init_residual=True), "needs the identity path"),
    (lambda: build_resnet(Residual, (2, 2), groups=32), "Residual takes no option groups; it takes none"),
    (lambda: build_resnet(Residual, (2, 2), width=0), "positive integer"),
    (lambda: Residual(16, 32, shortcut=False, use_1x1conv=True), "no shortcut to project"),
    (lambda: Residual(16, 32), "pass use_1x1conv=True"),
    (lambda: ResNeXtBlock(32, 32), "fewer groups"),
    (lambda: Bottleneck(66, 66), "multiple of 4"),
    (lambda: cifar_resnet(21), "6n \\+ 2"),
    (lambda: family_member("ResNet-101"), "unknown family member"),
])
def test_bad_arguments_say_what_to_do(call, message):
    with pytest.raises(ValueError, match=message):
        call()
