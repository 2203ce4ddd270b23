"""Small, fast stand-ins shared by the training and checkpoint tests: a conv+BN net that can record what it is
fed, a slice of the embedded sample, and a way to make one file unreadable even for root."""

from __future__ import annotations

import builtins
import io
from functools import lru_cache
from pathlib import Path

import pytest
import torch
from torch import nn
from torch.nn import functional as F

from resnet_lib.data import FashionMNIST, load_sample


class TinyNet(nn.Module):
    """conv -> BatchNorm -> ReLU -> global average pool -> linear; any image size. With ``record=True`` every
    forward call appends ``(self.training, input)`` to ``self.calls``."""

    def __init__(self, width: int = 4, seed: int = 0, record: bool = False):
        super().__init__()
        torch.manual_seed(seed)
        self.conv = nn.Conv2d(1, width, kernel_size=3, stride=2, padding=1)
        self.bn = nn.BatchNorm2d(width)
        self.fc = nn.Linear(width, 10)
        self.record = record
        self.calls: list[tuple[bool, torch.Tensor]] = []

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.record:
            self.calls.append((self.training, x.detach().clone()))
        return self.fc(F.adaptive_avg_pool2d(F.relu(self.bn(self.conv(x))), 1).flatten(1))


@lru_cache(maxsize=1)
def _sample() -> FashionMNIST:
    return load_sample()


def tiny_data(train: int = 64, test: int = 32) -> FashionMNIST:
    """The first ``train`` / ``test`` examples of the embedded sample (loaded once per process)."""
    return _sample().subset(train, test)


def weights(net: nn.Module) -> dict[str, torch.Tensor]:
    return {name: t.detach().cpu().clone() for name, t in net.state_dict().items()}


def same_weights(a: dict[str, torch.Tensor], b: dict[str, torch.Tensor]) -> bool:
    return a.keys() == b.keys() and all(torch.equal(a[k], b[k]) for k in a)


def make_unreadable(monkeypatch: pytest.MonkeyPatch, path: Path) -> None:
    """Opening ``path`` raises PermissionError, as after ``chmod 000`` for a normal user (tests may run as root,
    which chmod cannot stop)."""
    real_open, real_io_open = builtins.open, io.open
    target = str(path)

    def guarded(opener):
        def fake(file, *args, **kwargs):
            if str(file) == target:
                raise PermissionError(13, "Permission denied", target)
            return opener(file, *args, **kwargs)
        return fake

    monkeypatch.setattr(builtins, "open", guarded(real_open))
    monkeypatch.setattr(io, "open", guarded(real_io_open))
