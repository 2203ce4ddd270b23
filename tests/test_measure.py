"""Shape probes look at a model without changing it."""

import pytest
import torch

from resnet_lib.measure import layer_shapes, stage_shapes
from resnet_lib.models import resnet18


def state(net: torch.nn.Module) -> dict[str, torch.Tensor]:
    return {name: t.clone() for name, t in net.state_dict().items()}


@pytest.mark.parametrize("probe", [
    lambda net: layer_shapes(net, torch.rand(1, 1, 28, 28)),  # a batch of one, 1x1 in the last stage
    lambda net: layer_shapes(net, torch.rand(4, 1, 28, 28)),
    lambda net: stage_shapes(net, 28),
])
def test_shape_probes_leave_the_model_and_its_batch_norm_statistics_alone(probe):
    net = resnet18(width=4).train()
    before = state(net)
    shapes = probe(net)
    assert shapes[4][1][-2:] == (1, 1)
    assert net.training and all(p.device.type == "cpu" for p in net.parameters())
    after = state(net)
    assert all(torch.equal(before[k], after[k]) for k in before), "BatchNorm's running statistics moved"


def test_layer_shapes_keeps_the_batch_and_names_each_layer():
    shapes = layer_shapes(resnet18(width=4), torch.rand(3, 1, 96, 96))
    assert [name for name, _ in shapes] == ["Sequential"] * 5 + ["AdaptiveAvgPool2d", "Flatten", "Linear"]
    assert shapes[4][1] == (3, 32, 3, 3) and shapes[-1][1] == (3, 10)
