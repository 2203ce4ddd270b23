"""Each lesson's plan under the three presets (:mod:`resnet_lib.presets`): how many images, steps, seeds and
which widths a lesson's experiments use. Lesson-only settings live here, not in the core."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TypeVar

from ..presets import PRESETS, Preset, active_preset

T = TypeVar("T")


def _plan(plans: dict[str, T], lesson: str, preset: Preset | str | None) -> T:
    """``plans[name]`` for a preset or its name (``None``: this computer's, :func:`~resnet_lib.presets.active_preset`);
    an unknown name is an error listing the known ones."""
    preset = active_preset() if preset is None else preset
    name = preset.name if isinstance(preset, Preset) else preset
    if name not in plans:
        raise ValueError(f"no lesson-{lesson} plan for settings {name!r}; use one of {', '.join(plans)}")
    return plans[name]


@dataclass(frozen=True)
class Lesson04Plan:
    """Lesson 04's run of d2l's recipe, its overfitting run, and how the improved run's curve is measured (the
    one-switch-at-a-time ablation is a committed record, ``benchmarks/recipe_ablation.py``: 24 runs)."""

    settings: Preset  # the settings the plan is for: the data, image size and how many training and test images
    train_width: int  # ResNet-18 stem width when training (d2l's is 64)
    improved_epochs: int  # epochs of the improved recipe
    d2l_epochs: int  # epochs of d2l's recipe on all the preset's training images (section 3)
    overfit_train: int  # training images of the overfitting run (a small subset, many epochs)
    overfit_epochs: int
    overfit_batch: int
    curve_test: int  # test images of the overfitting run and of the improved run's per-epoch curve

    @property
    def d2l_run(self) -> Lesson04Plan:
        """The plan of d2l's own run (the ``full`` settings: width 64, 96 px, 10 epochs), whatever this one's."""
        return LESSON04_PLANS["full"]


LESSON04_PLANS: dict[str, Lesson04Plan] = {
    "smoke": Lesson04Plan(PRESETS["smoke"], 16, 1, 1, 128, 4, 32, 250),
    "cpu": Lesson04Plan(PRESETS["cpu"], 16, 12, 1, 500, 20, 64, 1000),
    "full": Lesson04Plan(PRESETS["full"], 64, 10, 10, 2000, 40, 64, 10_000),
}


def lesson04_plan(preset: Preset | str | None = None) -> Lesson04Plan:
    """Lesson 04's side-experiment plan for a preset (or its name: ``smoke``, ``cpu`` or ``full``); ``None``: for
    this computer's (:func:`~resnet_lib.presets.active_preset`). The plan carries its preset as ``settings``."""
    return _plan(LESSON04_PLANS, "04", preset)


@dataclass(frozen=True)
class Lesson05Plan:
    """Lesson 05's sizes for one preset: profile depths, degradation runs, the 1000-layer run, the widget."""

    settings: Preset  # the settings the plan is for (where the data comes from)
    profile_depths: tuple[int, ...]  # depths whose gradient profiles are measured at initialisation
    probe_batch: int  # images in the batch used to measure gradients
    train_images: int  # training images the short runs draw from
    degradation_depths: tuple[int, int]  # (shallow, deep)
    degradation_steps: int
    seed: int  # seed of the degradation runs made live (three seeds of them are in a record made in advance)
    deep_depth: int  # the "1000 layers" run
    deep_steps: int

    def describe(self) -> str:
        """What this plan means for lesson 05, in one line for the notebook's first cell."""
        depths = ", ".join(str(d) for d in self.profile_depths)
        shallow, deep = self.degradation_depths
        return (
            f"lesson 5: MLPs on {self.train_images:,} Fashion-MNIST training images; gradients measured on a batch "
            f"of {self.probe_batch} at depths {depths}; {shallow} vs {deep} blocks trained {self.degradation_steps} "
            f"SGD steps (seed {self.seed}); {self.deep_depth} blocks trained {self.deep_steps} steps"
        )


LESSON05_PLANS: dict[str, Lesson05Plan] = {
    "smoke": Lesson05Plan(PRESETS["smoke"], (2, 10, 30, 100, 300), 64, 2048, (4, 24), 60, 0, 200, 20),
    "cpu": Lesson05Plan(PRESETS["cpu"], (2, 10, 30, 100, 300, 1000), 128, 4096, (3, 50), 150, 0, 1000, 20),
    "full": Lesson05Plan(PRESETS["full"], (2, 10, 30, 100, 300, 1000), 128, 8192, (3, 50), 300, 0, 1000, 150),
}


def lesson05_plan(preset: Preset | str | None = None) -> Lesson05Plan:
    """Lesson 05's plan for a preset (or its name: ``smoke``, ``cpu`` or ``full``); ``None``: for this computer's
    (:func:`~resnet_lib.presets.active_preset`). The plan carries its preset as ``settings``."""
    return _plan(LESSON05_PLANS, "05", preset)


@dataclass(frozen=True)
class Lesson06Plan:
    """Lesson 06's sizes for one preset: the CIFAR-style degradation runs and the ResNet-18/34 twin runs."""

    settings: Preset  # the settings the plan is for (where the data comes from)
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


LESSON06_PLANS: dict[str, Lesson06Plan] = {
    "smoke": Lesson06Plan(PRESETS["smoke"], 256, 8, 2, 16, 6, (0, 1), (20, 56), 4, 28, 2),
    "cpu": Lesson06Plan(PRESETS["cpu"], 10_000, 14, 8, 128, 100, (0, 1), (20, 56), 8, 28, 100),
    "full": Lesson06Plan(PRESETS["full"], 50_000, 28, 16, 128, 1200, (0, 1, 2), (20, 56), 64, 96, 600),
}


def lesson06_plan(preset: Preset | str | None = None) -> Lesson06Plan:
    """Lesson 06's plan for a preset (or its name: ``smoke``, ``cpu`` or ``full``); ``None``: for this computer's
    (:func:`~resnet_lib.presets.active_preset`). The plan carries its preset as ``settings``."""
    return _plan(LESSON06_PLANS, "06", preset)
