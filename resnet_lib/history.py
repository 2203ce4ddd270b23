"""What a training run leaves behind: per-epoch numbers and what produced them, saved as JSON."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any


@dataclass
class History:
    """Per-epoch numbers of a run, plus what produced them; ``save``/``load`` round-trip through JSON."""

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

    def save(self, path: str | Path) -> None:
        Path(path).write_text(json.dumps(asdict(self), indent=1) + "\n")

    @classmethod
    def load(cls, path: str | Path) -> History:
        return cls(**json.loads(Path(path).read_text()))
