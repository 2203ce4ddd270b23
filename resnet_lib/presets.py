"""The three run sizes shared by every notebook: ``smoke`` (CI), ``cpu`` (a laptop, minutes) and ``full`` (d2l's
recipe, for a GPU), and each lesson's budget under them.

Every notebook's first cell calls :func:`active_preset`, which reads the ``RESNET_PRESET`` environment variable.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Literal, TypeVar

from .device import pick_device

ENV_VAR = "RESNET_PRESET"
T = TypeVar("T")


@dataclass(frozen=True)
class Preset:
    """How big a run is. ``data`` is ``"sample"`` (the embedded sample) or ``"full"`` (all of Fashion-MNIST)."""

    name: str
    summary: str
    data: Literal["sample", "full"]
    image_size: int
    batch_size: int
    lr: float
    epochs: int
    train_limit: int | None  # training images used per epoch (None = all)
    test_limit: int | None  # test images evaluated (None = all)
    train_width: int = 64  # lesson 04: ResNet-18 stem width when training (d2l's is 64)
    improved_epochs: int | None = None  # lesson 04: epochs of the improved recipe (None = ``epochs``)

    def headline(self) -> str:
        """One line naming the preset and what it is for; each notebook adds what the preset means for it."""
        return f"preset '{self.name}' ({self.summary})"

    def __str__(self) -> str:
        train = "all" if self.train_limit is None else f"{self.train_limit:,}"
        test = "all" if self.test_limit is None else f"{self.test_limit:,}"
        return (
            f"{self.headline()}: {self.data} data, {train} train / {test} test images, "
            f"{self.image_size} px, batch {self.batch_size}, lr {self.lr}, {self.epochs} epoch(s)"
            + (f", ResNet-18 width {self.train_width} (d2l's: 64)" if self.train_width != 64 else "")
        )


PRESETS: dict[str, Preset] = {
    p.name: p
    for p in (
        Preset("smoke", "CI: seconds per notebook", "sample", 28, 16, 0.05, 1, 512, 500, train_width=16),
        Preset("cpu", "a 2-core laptop: minutes per notebook", "full", 28, 256, 0.05, 2, None, None,
               train_width=16, improved_epochs=12),
        Preset("full", "d2l's exact recipe, for a GPU", "full", 96, 256, 0.05, 10, None, None),
    )
}


def get_preset(name: str | None = None) -> Preset:
    """The preset called ``name``; ``None`` reads ``$RESNET_PRESET``, and if that is unset or empty picks
    ``full`` on a GPU (CUDA or MPS) and ``cpu`` otherwise."""
    if name is None:
        name = os.environ.get(ENV_VAR, "").strip() or None
    if name is None:
        name = "cpu" if pick_device().type == "cpu" else "full"
    key = name.strip().lower()
    if key not in PRESETS:
        raise ValueError(
            f"unknown preset {name!r}; valid presets are {', '.join(PRESETS)} "
            f"(set {ENV_VAR} to one of them, or unset it to choose automatically)"
        )
    return PRESETS[key]


def _budget(budgets: dict[str, T], lesson: str, preset: Preset | str) -> T:
    """``budgets[name]`` for a preset or its name; an unknown name is an error listing the known ones."""
    name = preset.name if isinstance(preset, Preset) else preset
    if name not in budgets:
        raise ValueError(f"no lesson-{lesson} budget for preset {name!r}; use one of {', '.join(budgets)}")
    return budgets[name]


def active_preset() -> Preset:
    """The preset this notebook run uses (see :func:`get_preset`); notebooks call this in their first cell."""
    return get_preset(None)


@dataclass(frozen=True)
class Lesson04Budget:
    """Lesson 04's run of d2l's recipe, its overfitting run, and how the improved run's curve is measured (the
    one-switch-at-a-time ablation is a committed record, ``benchmarks/recipe_ablation.py``: 24 runs)."""

    d2l_epochs: int  # epochs of d2l's recipe on all the preset's training images (section 3)
    overfit_train: int  # training images of the overfitting run (a small subset, many epochs)
    overfit_epochs: int
    overfit_batch: int
    curve_test: int  # test images of the overfitting run and of the improved run's per-epoch curve


LESSON04_BUDGETS: dict[str, Lesson04Budget] = {
    "smoke": Lesson04Budget(1, 128, 4, 32, 250),
    "cpu": Lesson04Budget(1, 500, 20, 64, 1000),
    "full": Lesson04Budget(10, 2000, 40, 64, 10_000),
}


def lesson04_budget(preset: Preset | str) -> Lesson04Budget:
    """Lesson 04's side-experiment budget for a preset (or its name: ``smoke``, ``cpu`` or ``full``)."""
    return _budget(LESSON04_BUDGETS, "04", preset)


@dataclass(frozen=True)
class Lesson05Budget:
    """Lesson 05's sizes for one preset: profile depths, degradation runs, the 1000-layer run, the widget."""

    profile_depths: tuple[int, ...]  # depths whose gradient profiles are measured at initialisation
    probe_batch: int  # images in the batch used to measure gradients
    train_images: int  # training images the short runs draw from
    degradation_depths: tuple[int, int]  # (shallow, deep)
    degradation_steps: int
    seeds: tuple[int, ...]  # seeds of the degradation runs
    deep_depth: int  # the "1000 layers" run
    deep_steps: int

    def describe(self) -> str:
        """What this budget means for lesson 05, in one line for the notebook's first cell."""
        depths = ", ".join(str(d) for d in self.profile_depths)
        seeds = ", ".join(str(s) for s in self.seeds)
        shallow, deep = self.degradation_depths
        return (
            f"lesson 5: MLPs on {self.train_images:,} Fashion-MNIST training images; gradients measured on a batch "
            f"of {self.probe_batch} at depths {depths}; {shallow} vs {deep} blocks trained {self.degradation_steps} "
            f"SGD steps (seeds {seeds}); {self.deep_depth} blocks trained {self.deep_steps} steps"
        )


LESSON05_BUDGETS: dict[str, Lesson05Budget] = {
    "smoke": Lesson05Budget((2, 10, 30, 100, 300), 64, 2048, (4, 24), 60, (0, 1), 200, 20),
    "cpu": Lesson05Budget((2, 10, 30, 100, 300, 1000), 128, 4096, (3, 50), 150, (0, 1), 1000, 30),
    "full": Lesson05Budget((2, 10, 30, 100, 300, 1000), 128, 8192, (3, 50), 300, (0, 1, 2), 1000, 150),
}


def lesson05_budget(preset: Preset | str) -> Lesson05Budget:
    """Lesson 05's budget for a preset (or its name: ``smoke``, ``cpu`` or ``full``)."""
    return _budget(LESSON05_BUDGETS, "05", preset)


@dataclass(frozen=True)
class Lesson06Budget:
    """Lesson 06's sizes for one preset: the CIFAR-style degradation runs and the ResNet-18/34 twin runs."""

    train_images: int  # training images the runs draw from
    image_size: int  # side of the images the CIFAR-style nets see
    width: int  # channels of their first stage (He et al.: 16)
    batch_size: int
    steps: int  # SGD steps per degradation run
    seeds: tuple[int, ...]
    depths: tuple[int, int]  # (shallow, deep), each 6n + 2
    twin_width: int  # stem width of ResNet-18/34 and their plain twins (d2l's: 64)
    twin_image_size: int
    twin_steps: int


LESSON06_BUDGETS: dict[str, Lesson06Budget] = {
    "smoke": Lesson06Budget(256, 8, 2, 16, 6, (0, 1), (20, 56), 4, 28, 2),
    "cpu": Lesson06Budget(10_000, 14, 8, 128, 100, (0, 1), (20, 56), 8, 28, 100),
    "full": Lesson06Budget(50_000, 28, 16, 128, 1200, (0, 1, 2), (20, 56), 64, 96, 600),
}


def lesson06_budget(preset: Preset | str) -> Lesson06Budget:
    """Lesson 06's budget for a preset (or its name: ``smoke``, ``cpu`` or ``full``)."""
    return _budget(LESSON06_BUDGETS, "06", preset)
