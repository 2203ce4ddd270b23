"""Device choice: the automatic order (CUDA, then MPS, then the CPU) on any machine, and clear refusals."""

import pytest
import torch

from resnet_lib.device import pick_device


@pytest.fixture
def machine(monkeypatch):
    """``machine(cuda=…, mps=…, gpus=…)`` pretends this machine has those devices."""

    def pretend(cuda: bool = False, mps: bool = False, gpus: int = 0) -> None:
        monkeypatch.setattr(torch.cuda, "is_available", lambda: cuda)
        monkeypatch.setattr(torch.cuda, "device_count", lambda: gpus)
        monkeypatch.setattr(torch.backends.mps, "is_available", lambda: mps)

    return pretend


@pytest.mark.parametrize("cuda, mps, expected", [
    (True, True, "cuda"), (True, False, "cuda"), (False, True, "mps"), (False, False, "cpu"),
])
def test_auto_prefers_cuda_then_mps_then_cpu(machine, cuda, mps, expected):
    machine(cuda=cuda, mps=mps, gpus=int(cuda))
    assert pick_device() == pick_device("auto") == torch.device(expected)


def test_auto_gives_a_device_that_works_here():
    assert torch.zeros(1, device=pick_device()).device.type == pick_device().type


def test_cpu_always_works(machine):
    machine()
    assert pick_device("cpu") == torch.device("cpu")


@pytest.mark.parametrize("name", ["gpu", "tpu:0", "cuda:x", ""])
def test_unknown_device_is_rejected(name):
    with pytest.raises(ValueError, match="device"):
        pick_device(name)


def test_cuda_requested_without_cuda(machine):
    machine()
    with pytest.raises(ValueError, match="CUDA is not available.*use 'auto' or 'cpu'"):
        pick_device("cuda")


def test_mps_requested_without_mps(machine):
    machine(cuda=True, gpus=1)
    with pytest.raises(ValueError, match="MPS is not available.*use 'auto' or 'cpu'"):
        pick_device("mps")


def test_a_gpu_number_this_machine_lacks_is_rejected(machine):
    machine(cuda=True, gpus=1)
    assert pick_device("cuda:0") == torch.device("cuda:0")
    with pytest.raises(ValueError, match=r"'cuda:7' requested but this machine has 1 CUDA device\(s\), cuda:0 to "
                                         r"cuda:0; use 'cuda'"):
        pick_device("cuda:7")
