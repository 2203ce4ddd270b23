import pytest
import torch

from resnet_lib.device import pick_device


def test_auto_picks_an_available_device():
    expected = "cuda" if torch.cuda.is_available() else None
    device = pick_device()
    assert device == pick_device("auto")
    if expected:
        assert device.type == expected
    assert torch.zeros(1, device=device).device.type == device.type


def test_cpu_always_works():
    assert pick_device("cpu") == torch.device("cpu")


@pytest.mark.parametrize("name", ["gpu", "tpu:0", "cuda:x", ""])
def test_unknown_device_is_rejected(name):
    with pytest.raises(ValueError, match="device"):
        pick_device(name)


@pytest.mark.skipif(torch.cuda.is_available(), reason="needs a machine without CUDA")
def test_cuda_requested_without_cuda():
    with pytest.raises(ValueError, match="CUDA is not available"):
        pick_device("cuda")
