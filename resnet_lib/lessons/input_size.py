"""Lesson 03: does the input size matter for ResNet-18 on Fashion-MNIST? The same training (images, steps,
recipe, seeds) at several input sizes, and the committed record of such a run (``benchmarks/input_size.py``)."""

from __future__ import annotations

import statistics
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from ..checks import check_positive
from ..data import FashionMNIST
from ..measure import count_flops
from ..models import resnet18
from ..record import Record
from ..seeding import seed_everything
from ..training import Recipe, train
from .records import RESULTS
from .seeds import DIGITS, SeedComparison, compare_seeds, seed_table

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

    def compare(self, base: int | None = None) -> SizeComparison:
        """Every other size against ``base`` (the smallest size if None) at the digits printed: the gain in mean
        final test accuracy (equal steps), seed by seed, and the largest size against compute."""
        base = min(self.sizes()) if base is None else base
        self.final_acc(base)  # raises for a size this record does not hold
        others = [size for size in reversed(self.sizes()) if size != base]  # largest first
        if not others:
            raise ValueError(f"this record holds only {base} px: nothing to compare it with")
        final = {size: {run.seed: run.test_acc[-1] for run in self.runs if run.image_size == size}
                 for size in self.sizes()}
        pairs = [(size, base) for size in others] + [(others[0], size) for size in others[1:]]
        by_seed = {f"{a} px vs {b} px": compare_seeds(final[a], final[b]) for a, b in pairs}
        mean_final = {size: round(self.mean_final_acc(size), DIGITS) for size in self.sizes()}
        largest = [run for run in self.runs if run.image_size == others[0]]
        passed_at = [next((e for e, a in enumerate(run.test_acc, 1) if round(a, DIGITS) > mean_final[base]), None)
                     for run in largest]  # the first epoch after which each run passed base's mean, as printed
        caught_up = min((e for e in passed_at if e is not None), default=None)
        reached = tuple(round(run.test_acc[caught_up - 1], DIGITS) for run, e in zip(largest, passed_at, strict=True)
                        if caught_up is not None and e == caught_up)
        width = self.plan.width
        return SizeComparison(
            base=base, largest=others[0], epochs=self.plan.epochs, mean_final=mean_final, by_seed=by_seed,
            epoch_cost=forward_flops(others[0], width) / (self.plan.epochs * forward_flops(base, width)),
            first_best=round(max(run.test_acc[0] for run in largest), DIGITS), caught_up=caught_up,
            passed=len(reached), reached=reached, runs=len(largest))

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


@dataclass(frozen=True)
class SizeComparison:
    """Lesson 03's numbers read off its image-size figure, at the digits they are printed with (``DIGITS``), so a
    reader who subtracts two printed values gets the printed difference."""

    base: int  # the size every other is compared with
    largest: int  # the size compared against compute
    epochs: int
    mean_final: dict[int, float]  # mean final test accuracy at each size, rounded
    by_seed: dict[str, SeedComparison]  # "A px vs B px": final test accuracy, seed by seed
    epoch_cost: float  # forward FLOPs of one epoch at ``largest`` over those of all epochs at ``base``
    first_best: float  # the best test accuracy at ``largest`` after one epoch
    caught_up: int | None  # the first epoch after which a run at ``largest`` passed ``base``'s mean final accuracy
    passed: int  # how many runs at ``largest`` had passed it after that epoch
    reached: tuple[float, ...]  # their test accuracies after that epoch, rounded
    runs: int  # runs at ``largest``

    def gain(self, size: int) -> float:
        """Mean final test accuracy at ``size`` minus that at ``base``, as printed."""
        return round(self.mean_final[size] - self.mean_final[self.base], DIGITS)

    def __str__(self) -> str:
        base, big = f"{self.base} px", f"{self.largest} px"
        others = [size for size in self.mean_final if size not in (self.base, self.largest)]
        gains = [f"{big} is {self.gain(self.largest):+.3f} over {base}",
                 *(f"{size} px {self.gain(size):+.3f}" for size in sorted(others, reverse=True))]
        target = f"{self.mean_final[self.base]:.3f}"
        if self.caught_up is None:
            later = f"none of its {self.runs} runs passed {target}"
        else:  # "passed" only if each run's margin is larger than the spread between seeds of the table's row
            spread = self.by_seed[f"{big} vs {base}"].spread
            clear = all(round(acc - self.mean_final[self.base], DIGITS) > spread for acc in self.reached)
            reached = f"{base}'s mean ({', '.join(f'{acc:.3f}' for acc in self.reached)} vs {target})"
            later = (f"{self.passed} of its {self.runs} runs "
                     + (f"passed {reached} after " if clear else f"drew level with {reached} only after ")
                     + f"{self.caught_up * self.epoch_cost:.2f}x {base}'s compute")
        return "\n".join([
            "equal steps: at the end " + ", ".join(gains),
            "seed by seed (final test accuracy):",
            seed_table(self.by_seed),
            f"against compute: after one epoch {big} had already spent {self.epoch_cost:.2f}x the compute of all "
            f"{self.epochs} epochs at {base},",
            f"  and its test accuracy was {self.first_best:.3f} at best ({base} ended at {target});",
            f"  {later}",
        ])


def size_runs(path: str | Path = RECORD) -> SizeRecord:
    """The six training runs of lesson 03's section 7 (28, 48 and 96 px, two seeds each), made in advance on a CPU."""
    return SizeRecord.load(path)


def share_on_real_values(side: int, stride: int = 1) -> float:
    """The share of a 3x3 conv's multiplications (padding 1, ``stride``) that land on real values of a
    ``side`` x ``side`` map rather than on its zero padding: 1/9 on a 1x1 map, where only the centre weight meets
    a value. Rows and columns are padded alike, so it is the share along one side, squared."""
    check_positive(side=side, stride=stride)
    starts = range(-1, side - 1, stride)  # the first input row each output row's three weights read (padding 1)
    on_values = sum(sum(0 <= row < side for row in range(start, start + 3)) for start in starts)
    return (on_values / (3 * len(starts))) ** 2


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
