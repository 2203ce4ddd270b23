"""Lesson 03: does the input size matter for ResNet-18 on Fashion-MNIST? The same training (images, steps,
recipe, seeds) at several input sizes, and the committed record of such a run (``benchmarks/input_size.py``)."""

from __future__ import annotations

import statistics
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from ..data import FashionMNIST
from ..measure import count_flops
from ..models import resnet18
from ..record import Record
from ..seeding import seed_everything
from ..training import Recipe, train
from .records import RESULTS

RECORD = RESULTS / "input_size-cpu.json"


@dataclass(frozen=True)
class SizePlan:
    """One plan for every input size: the same images, epochs, batch, recipe, model width and seeds."""

    sizes: tuple[int, ...] = (28, 48, 96)
    seeds: tuple[int, ...] = (0, 1)
    train_images: int = 5000
    test_images: int = 2000
    epochs: int = 4
    batch_size: int = 64
    width: int = 16  # ResNet-18's stem width (d2l's is 64)
    lr: float = 0.1  # the peak of a one-cycle schedule; SGD with momentum 0.9 and weight decay 5e-4

    def describe(self) -> str:
        """One line: the model, data, steps and sizes of this plan."""
        sizes = "/".join(map(str, self.sizes))
        return (f"ResNet-18 width {self.width}, the first {self.train_images:,} training images x {self.epochs} "
                f"epochs (batch {self.batch_size}), tested on {self.test_images:,} test images, at {sizes} px, "
                f"{len(self.seeds)} seeds")

    def recipe(self, image_size: int, seed: int) -> Recipe:
        """The training recipe at one input size; only ``image_size`` (and the seed) differ between runs."""
        return Recipe(lr=self.lr, epochs=self.epochs, batch_size=self.batch_size, image_size=image_size,
                      momentum=0.9, weight_decay=5e-4, one_cycle=True, seed=seed)


@dataclass(frozen=True)
class SizeRun:
    """One run: test accuracy and training time after each epoch."""

    image_size: int
    seed: int
    test_acc: list[float]
    train_s: list[float]


@dataclass
class SizeRecord:
    """The runs of one plan, with what produced them (``info``: machine, versions, date, notes)."""

    plan: SizePlan
    runs: list[SizeRun] = field(default_factory=list)
    info: dict[str, Any] = field(default_factory=dict)

    def final_acc(self, image_size: int) -> list[float]:
        """Final test accuracy of every seed at ``image_size``."""
        found = [run.test_acc[-1] for run in self.runs if run.image_size == image_size]
        if not found:
            raise ValueError(f"no run at {image_size} px in this record; it holds {sorted(self.sizes())}")
        return found

    def sizes(self) -> list[int]:
        return sorted({run.image_size for run in self.runs})

    def mean_final_acc(self, image_size: int) -> float:
        return statistics.fmean(self.final_acc(image_size))

    def save(self, path: str | Path) -> None:
        """Write it as a :class:`~resnet_lib.record.Record`: the plan in ``info["budget"]``, runs named by size."""
        record = Record({"budget": asdict(self.plan), **self.info})
        for run in self.runs:
            record.add(f"{run.image_size} px", run.seed, {"test_acc": run.test_acc, "train_s": run.train_s})
        record.save(path)

    @classmethod
    def load(cls, path: str | Path = RECORD) -> SizeRecord:
        record = Record.load(path, made_by=f"python -m benchmarks.input_size --out {path}")
        info = dict(record.info)
        fields: dict[str, Any] = {k: tuple(v) if isinstance(v, list) else v for k, v in info.pop("budget").items()}
        plan = SizePlan(**fields)
        runs = [SizeRun(int(name.removesuffix(" px")), seed, **numbers)
                for name, by_seed in record.runs.items() for seed, numbers in by_seed.items()]
        return cls(plan, runs, info)


def size_runs(path: str | Path = RECORD) -> SizeRecord:
    """The six training runs of lesson 03's section 7 (28, 48 and 96 px, two seeds each), made in advance on a CPU."""
    return SizeRecord.load(path)


def forward_flops(image_size: int, width: int = 16) -> int:
    """FLOPs of one forward pass of ResNet-18 (``width``, 1 channel, 10 classes) on one image."""
    return count_flops(resnet18(width=width), (1, image_size, image_size)).total


def run_size(data: FashionMNIST, plan: SizePlan, image_size: int, seed: int) -> SizeRun:
    """Train a fresh ResNet-18 at ``image_size`` with ``plan`` on the first images of ``data``, on the CPU."""
    seed_everything(seed)
    net = resnet18(width=plan.width)
    subset = data.subset(plan.train_images, plan.test_images)
    history = train(net, subset, plan.recipe(image_size, seed), device="cpu", progress=False)
    seen = min(plan.train_images, len(subset.train_labels))
    return SizeRun(image_size, seed, history.test_acc, [seen / speed for speed in history.examples_per_s])
