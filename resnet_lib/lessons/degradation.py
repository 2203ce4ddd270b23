"""Lesson 05's short training runs (:func:`~resnet_lib.training.short_run`, which records the loss at every step)
compared under one budget (the degradation experiment of He et al. 2015, and 1000-layer training): the mean of a
run's last losses, and the gradient profiles measured along the way."""

from __future__ import annotations

import copy
import math
import re
from dataclasses import dataclass
from pathlib import Path
from typing import cast

import torch
from torch import nn
from torch.nn import functional as F
from torch.optim.swa_utils import update_bn

from ..checks import check_positive
from ..record import Record
from .gradients import DeepMLP, layer_grad_norms, spread_over_layers
from .records import RESULTS, time_taken


def final_loss(losses: list[float], last: int = 10) -> float:
    """The mean of the last ``last`` recorded losses (NaN if the run diverged)."""
    if not losses or last < 1:
        raise ValueError(f"need a non-empty loss list and last >= 1, got {len(losses)} losses and last={last!r}")
    tail = losses[-last:]
    return math.nan if any(not math.isfinite(v) for v in tail) else sum(tail) / len(tail)


class ProfileRecorder:
    """An ``on_step`` callback for :func:`~resnet_lib.training.short_run`: every ``every`` steps it measures, on
    the fixed batch ``(x, y)``, the gradient reaching each layer (in ``profiles``) and the gradient of each layer's
    weights (in ``weight_profiles``) with :func:`layer_grad_norms`; both map step -> profile."""

    def __init__(self, x: torch.Tensor, y: torch.Tensor, every: int):
        check_positive(every=every)  # steps between measurements
        self.x, self.y, self.every = x, y, every
        self.profiles: dict[int, torch.Tensor] = {}
        self.weight_profiles: dict[int, torch.Tensor] = {}

    def __call__(self, step: int, model: nn.Module) -> None:
        if step % self.every == 0:
            self.profiles[step], self.weight_profiles[step] = layer_grad_norms(cast(DeepMLP, model), self.x, self.y)

    def spreads(self, kind: str = "profiles") -> dict[int, tuple[float, ...]]:
        """Each measured profile of ``kind`` (``"profiles"`` or ``"weight_profiles"``), step by step, summarised
        over its layers by :func:`~resnet_lib.lessons.gradients.spread_over_layers` (each layer over the top one:
        10th percentile, median, 90th). A step whose top layer got no gradient (a γ = 0 net's blocks at step 0)
        has nothing to divide by and is left out."""
        if kind not in ("profiles", "weight_profiles"):
            raise ValueError(f"kind must be 'profiles' or 'weight_profiles', got {kind!r}")
        measured: dict[int, torch.Tensor] = getattr(self, kind)
        return {step: spread_over_layers(norms) for step, norms in measured.items() if norms[-1] > 0}


CONTROLS_RECORD = RESULTS / "degradation_controls-cpu.json"  # made by benchmarks/degradation_controls.py


def control_name(run: str, depth: int) -> str:
    """The name a run of ``benchmarks/degradation_controls.py`` has in its record: ``"plain+BN, 50 blocks"``."""
    return f"{run}, {depth} blocks"


def load_controls(path: str | Path = CONTROLS_RECORD) -> tuple[dict[str, dict[int, dict[int, list[float]]]], dict]:
    """``({run: {depth: {seed: losses}}}, info)`` from the record of ``benchmarks/degradation_controls.py``."""
    record = Record.load(path, made_by="python -m benchmarks.degradation_controls")
    runs: dict[str, dict[int, dict[int, list[float]]]] = {}
    for name, by_seed in record.runs.items():
        found = re.fullmatch(r"(.+), (\d+) blocks", name)
        if found is None:
            raise ValueError(f"{path}: run {name!r} is not named as control_name names it ('<run>, <depth> blocks')")
        runs.setdefault(found[1], {})[int(found[2])] = {seed: numbers["losses"] for seed, numbers in by_seed.items()}
    return runs, record.info


@dataclass(frozen=True)
class ControlRuns:
    """The controlled runs of ``benchmarks/degradation_controls.py`` as lesson 05 reads them: every run's losses
    (``runs``: change -> depth -> seed -> loss per step), the two depths (shallow, deep), the seeds, the steps,
    and how long the runs took to make (``took``, in words)."""

    runs: dict[str, dict[int, dict[int, list[float]]]]
    depths: tuple[int, int]
    seeds: tuple[int, ...]
    steps: int
    took: str

    def final_losses(self) -> dict[str, dict[int, dict[int, float]]]:
        """change -> depth -> seed -> :func:`final_loss` of that run."""
        return {name: {depth: {seed: final_loss(losses) for seed, losses in by_seed.items()}
                       for depth, by_seed in by_depth.items()} for name, by_depth in self.runs.items()}


def controlled_runs(path: str | Path = CONTROLS_RECORD) -> ControlRuns:
    """The record of ``benchmarks/degradation_controls.py`` as a :class:`ControlRuns`."""
    runs, info = load_controls(path)
    recipe = info["recipe"]
    shallow, deep = recipe["depths"]
    return ControlRuns(runs, (shallow, deep), tuple(recipe["seeds"]), recipe["steps"], time_taken(info))


@torch.no_grad()
def lesion_losses(net: nn.Module, x: torch.Tensor, y: torch.Tensor) -> tuple[float, list[float]]:
    """Veit et al. (2016)'s lesion experiment on a trained :class:`~resnet_lib.lessons.gradients.DeepMLP`: the loss
    on ``(x, y)`` of the whole net, and with each block deleted in turn (replaced by the identity), in eval mode.

    A briefly trained net's batch-norm running statistics lag its weights (lesson 04), so a copy of the net first
    recomputes them on ``x`` (``torch.optim.swa_utils.update_bn``) and keeps them for every deletion, as a
    well-trained net's would be. ``net`` itself is left as it was."""
    scored = copy.deepcopy(net)
    update_bn([x], scored)
    scored.eval()
    with torch.no_grad():
        whole = F.cross_entropy(scored(x), y).item()
        without = []
        blocks = cast(nn.ModuleList, scored.blocks)
        for i, block in enumerate(blocks):
            blocks[i] = nn.Identity()
            without.append(F.cross_entropy(scored(x), y).item())
            blocks[i] = block
    return whole, without


def lesion_summary(whole: float, without: list[float]) -> str:
    """:func:`lesion_losses`' result in one line: the whole net's loss; with one block deleted, the median loss and
    the worst (and which block, 1 = next to the input), and how many deletions lowered the loss by more than 0.01
    or raised it by more than 0.1."""
    worst = max(without)
    return (f"loss {whole:.3f} whole; with one block deleted: median {sorted(without)[len(without) // 2]:.3f}, "
            f"worst {worst:.3g} (block {without.index(worst) + 1}), "
            f"lower by more than 0.01 for {sum(v < whole - 0.01 for v in without)} of {len(without)} blocks, "
            f"higher by more than 0.1 for {sum(v > whole + 0.1 for v in without)}")
