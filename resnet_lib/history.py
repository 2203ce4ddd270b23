"""What a training run leaves behind: per-epoch numbers and what produced them, saved as a one-run
:class:`~resnet_lib.record.Record`."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from .record import Record


@dataclass
class History:
    """Per-epoch numbers of a run, plus what produced them (``info``); ``save``/``load`` round-trip through a
    :class:`~resnet_lib.record.Record` that holds this one run."""

    train_loss: list[float] = field(default_factory=list)
    train_acc: list[float] = field(default_factory=list)
    test_acc: list[float] = field(default_factory=list)
    examples_per_s: list[float] = field(default_factory=list)
    wall_s: list[float] = field(default_factory=list)  # seconds per epoch (training + evaluation)
    info: dict[str, Any] = field(default_factory=dict)  # recipe, device, data, model
    stopped: str | None = None  # why the run ended early, if it did

    @property
    def epochs_done(self) -> int:
        return len(self.test_acc)

    def add(self, **epoch: float) -> None:
        """Append one epoch: ``add(train_loss=…, train_acc=…, test_acc=…, examples_per_s=…, wall_s=…)``."""
        for name in ("train_loss", "train_acc", "test_acc", "examples_per_s", "wall_s"):
            getattr(self, name).append(float(epoch[name]))

    def summary(self) -> str:
        """d2l's closing line: ``loss …, train acc …, test acc …, … examples/sec on <device>``."""
        if not self.epochs_done:
            return f"no complete epoch ({self.stopped or 'not run'})"
        return (f"loss {self.train_loss[-1]:.3f}, train acc {self.train_acc[-1]:.3f}, test acc "
                f"{self.test_acc[-1]:.3f}, {self.examples_per_s[-1]:.1f} examples/sec "
                f"on {self.info.get('device')}")

    @property
    def seed(self) -> int:
        """The seed the run was trained with (``info["recipe"]["seed"]``, as :func:`~resnet_lib.training.train`
        records it)."""
        seed = self.info.get("recipe", {}).get("seed")
        if not isinstance(seed, int):
            raise ValueError(f"this history does not record its seed (info['recipe']['seed']); info: {self.info}")
        return seed

    def save(self, path: str | Path) -> None:
        numbers = asdict(self)
        Record(numbers.pop("info"), {"history": {self.seed: numbers}}).save(path)

    @classmethod
    def load(cls, path: str | Path) -> History:
        record = Record.load(path)
        (numbers,) = record.runs["history"].values()
        return cls(**numbers, info=record.info)
