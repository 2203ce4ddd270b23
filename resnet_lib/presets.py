"""The three run sizes shared by every notebook: ``smoke`` (CI), ``cpu`` (a laptop, minutes) and ``full`` (d2l's
recipe, for a GPU). What each lesson runs under them (its plan) lives in :mod:`resnet_lib.lessons.plans`.

Every notebook's first cell calls :func:`active_preset`, which reads the ``RESNET_PRESET`` environment variable.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Literal

from .device import pick_device

ENV_VAR = "RESNET_PRESET"


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

    def headline(self) -> str:
        """One line naming the settings and what they are for; each notebook adds what they mean for it."""
        return f"settings '{self.name}' ({self.summary})"

    def __str__(self) -> str:
        train = "all" if self.train_limit is None else f"{self.train_limit:,}"
        test = "all" if self.test_limit is None else f"{self.test_limit:,}"
        return (
            f"{self.headline()}: {self.data} data, {train} train / {test} test images, "
            f"{self.image_size} px, batch {self.batch_size}, lr {self.lr}, {self.epochs} epoch(s)"
        )


PRESETS: dict[str, Preset] = {
    p.name: p
    for p in (
        Preset("smoke", "CI: seconds per notebook", "sample", 28, 16, 0.05, 1, 512, 500),
        Preset("cpu", "a 2-core laptop: minutes per notebook", "full", 28, 256, 0.05, 2, None, None),
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


def active_preset() -> Preset:
    """The preset this notebook run uses (see :func:`get_preset`); notebooks call this in their first cell."""
    return get_preset(None)
