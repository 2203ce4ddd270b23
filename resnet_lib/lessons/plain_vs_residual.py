"""Lesson 06's experiments: plain CNNs against their residual twins under one recipe (He et al. 2015, Fig. 6),
recording every step's training error; and the ResNet family's sizes and costs."""

from __future__ import annotations

import itertools
import math
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import torch
from torch import nn
from torch.nn import functional as F

from ..blocks import PreActResidual, Residual
from ..checks import check_positive
from ..measure import count_flops, count_parameters, main_path_layers
from ..models import FAMILY, ResNet, build_resnet, cifar_resnet, family_member
from ..record import Record
from ..training import short_run
from .records import RESULTS, cpu_in_words, time_taken
from .seeds import DIGITS, compare_seeds

if TYPE_CHECKING:
    from .plans import Lesson06Plan

KINDS = ("plain", "residual", "residual, γ = 0")  # lesson 06's comparison
# every kind run_degradation can train: how its CIFAR-style net differs from the residual one
KIND_OPTIONS: dict[str, dict[str, Any]] = {
    "plain": {"shortcut": False},
    "residual": {},
    "residual, γ = 0": {"zero_init_residual": True},
    "pre-activation": {"block": PreActResidual},  # lesson 02's question: He et al. 2016's block
}
RECORD = RESULTS / "degradation-cpu.json"  # lesson 06's kinds, made on a CPU
PREACT_RECORD = RESULTS / "preact-cpu.json"  # residual against pre-activation (lesson 02), same recipe


class ErrorRecorder:
    """A loss function for :func:`~resnet_lib.training.train_steps` (cross-entropy) that also records each
    batch's training error (the fraction of wrong predictions), from the logits the step computed anyway."""

    def __init__(self) -> None:
        self.errors: list[float] = []

    def __call__(self, logits: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
        self.errors.append((logits.argmax(1) != labels).float().mean().item())
        return F.cross_entropy(logits, labels)


@dataclass
class Curve:
    """One run: the training loss and training error of every SGD step."""

    losses: list[float] = field(default_factory=list)
    errors: list[float] = field(default_factory=list)

    def tail_error(self, fraction: float = 0.2) -> float:
        """Mean training error over the last ``fraction`` of the steps (NaN if the run diverged)."""
        if not self.errors or not 0 < fraction <= 1:
            raise ValueError(f"need a recorded run and 0 < fraction <= 1, got {len(self.errors)} steps, {fraction!r}")
        tail = self.errors[-max(1, round(fraction * len(self.errors))):]
        return math.nan if not all(math.isfinite(v) for v in self.losses[-len(tail):]) else sum(tail) / len(tail)


Curves = dict["Run", dict[int, Curve]]  # {run: {seed: its curve}}


def train_curve(model: nn.Module, images: torch.Tensor, labels: torch.Tensor, steps: int, *, batch_size: int = 128,
                image_size: int = 28, lr: float = 0.1, momentum: float = 0.9, weight_decay: float = 1e-4,
                seed: int = 0) -> Curve:
    """:func:`~resnet_lib.training.short_run` with He et al.'s CIFAR recipe by default, recording the loss and the
    training error of every step."""
    recorder = ErrorRecorder()
    losses = short_run(model, images, labels, steps, batch_size=batch_size, image_size=image_size, lr=lr,
                       momentum=momentum, weight_decay=weight_decay, seed=seed, loss_fn=recorder)
    return Curve(losses, recorder.errors)


@dataclass(frozen=True)
class Run:
    """Which net a run trained: its ``kind`` (a key of ``KIND_OPTIONS``) and its ``depth``. ``str(run)`` is the
    name a learner reads: ``plain-56``, ``ResNet-20``, ``ResNet-56, γ = 0``, ``pre-activation ResNet-56``."""

    kind: str
    depth: int

    def __post_init__(self) -> None:
        if self.kind not in KIND_OPTIONS:
            raise ValueError(f"unknown kind {self.kind!r}; use one of {tuple(KIND_OPTIONS)}")
        check_positive(depth=self.depth)

    @property
    def plain(self) -> bool:
        return self.kind == "plain"

    @property
    def zero_init(self) -> bool:
        return bool(KIND_OPTIONS[self.kind].get("zero_init_residual", False))

    def __str__(self) -> str:
        if self.plain:
            return f"plain-{self.depth}"
        return ("pre-activation " if self.kind == "pre-activation" else "") + f"ResNet-{self.depth}" + (
            ", γ = 0" if self.zero_init else "")

    def __format__(self, spec: str) -> str:
        return format(str(self), spec)

    @classmethod
    def named(cls, name: str) -> Run:
        """The run whose ``str`` is ``name`` (records on disk are keyed by name)."""
        found = [cls(kind, int(depth)) for depth in re.findall(r"\d+", name) if int(depth) > 0 for kind in KIND_OPTIONS
                 if str(cls(kind, int(depth))) == name]
        if not found:
            raise ValueError(f"no run is called {name!r}; names look like 'plain-56' or 'ResNet-20, γ = 0'")
        return found[0]


def cifar_model(kind: str, depth: int, width: int, seed: int) -> ResNet:
    """The CIFAR-style net of one kind (see ``KIND_OPTIONS``), initialised from ``seed``."""
    Run(kind, depth)  # checks the kind
    torch.manual_seed(seed)
    return cifar_resnet(depth, width=width, **KIND_OPTIONS[kind])


def run_degradation(images: torch.Tensor, labels: torch.Tensor, *, depths: Sequence[int], seeds: Sequence[int],
                    steps: int, width: int, image_size: int, batch_size: int = 128, kinds: Sequence[str] = KINDS,
                    device: torch.device | str = "cpu",
                    on_run: Callable[[Run, int, Curve], None] | None = None) -> Curves:
    """Train every (kind, depth, seed) under one recipe on ``device`` (where ``images`` should be too); return
    ``{run: {seed: Curve}}``. ``on_run(run, seed, curve)`` is called after each run (e.g. to print)."""
    curves: Curves = {}
    for seed, kind, depth in itertools.product(seeds, kinds, depths):
        model = cifar_model(kind, depth, width, seed).to(device)
        curve = train_curve(model, images, labels, steps, batch_size=batch_size, image_size=image_size, seed=seed)
        curves.setdefault(Run(kind, depth), {})[seed] = curve
        if on_run is not None:
            on_run(Run(kind, depth), seed, curve)
    return curves


def tail_errors(curves: Curves, fraction: float = 0.2) -> dict[Run, dict[int, float]]:
    """``{run: {seed: training error over the last fraction of steps}}``."""
    return {run: {seed: c.tail_error(fraction) for seed, c in runs.items()} for run, runs in curves.items()}


def errors_by_seed(errors: dict[Run, dict[int, float]]) -> str:
    """One line per net of :func:`tail_errors`' result: its error on each seed, and the spread between its seeds,
    at the digits printed (a reader who subtracts two printed errors gets the printed spread)."""
    width = max(len(str(run)) for run in errors) + 1
    lines = []
    for run, by_seed in errors.items():
        shown = [round(e, DIGITS) for e in by_seed.values()]
        lines.append(f"{run:<{width}}" + "".join(f"  seed {s}: {e:.3f}" for s, e in by_seed.items())
                     + f"   spread {max(shown) - min(shown):.3f}")
    return "\n".join(lines)


def plan_in_words(plan: Lesson06Plan, train_images: int, device: torch.device) -> str:
    """What this computer's plan means for lesson 06, in one line: the images, the CIFAR-style runs, the
    ResNet-18/34 twin runs and the device."""
    seeds = ", ".join(map(str, plan.seeds))
    return (f"What these settings mean for this lesson: {train_images:,} Fashion-MNIST training images; CIFAR-style "
            f"nets of width {plan.width} at {plan.image_size} px, {plan.steps} SGD steps of {plan.batch_size} images "
            f"per run, seeds {seeds}; ResNet-18/34 and their plain twins of width {plan.twin_width} at "
            f"{plan.twin_image_size} px, {plan.twin_steps} steps; on {device.type}.")


def smooth(values: Sequence[float], window: int) -> list[float]:
    """Trailing moving average over ``window`` steps (shorter at the start), as training curves are drawn."""
    check_positive(window=window)
    out, total = [], 0.0
    for i, v in enumerate(values):
        total += v - (values[i - window] if i >= window else 0.0)
        out.append(total / min(i + 1, window))
    return out


def save_record(path: str | Path, curves: Curves, info: dict[str, object]) -> None:
    """Write runs and how they were made (``info``: recipe, machine, time) as a :class:`~resnet_lib.record.Record`."""
    record = Record(dict(info))
    for run, by_seed in curves.items():
        for seed, c in by_seed.items():
            record.add(str(run), seed, {"errors": [round(e, 5) for e in c.errors],
                                        "losses": [round(v, 5) for v in c.losses]})
    record.save(path)


def load_record(path: str | Path = RECORD) -> tuple[Curves, dict[str, object]]:
    """``(curves, info)`` from a file written by :func:`save_record` (by default the committed CPU record of
    ``benchmarks/degradation.py``)."""
    record = Record.load(path, made_by=f"python -m benchmarks.degradation --out {path}")
    curves = {Run.named(name): {seed: Curve(run["losses"], run["errors"]) for seed, run in by_seed.items()}
              for name, by_seed in record.runs.items()}
    return curves, record.info


def script_of(how: str) -> str:
    """The script a record's ``how`` ran, as a file: ``benchmarks/degradation.py`` from ``python -m
    benchmarks.degradation ...``, or from ``python benchmarks/degradation.py ...`` (records made before
    ``benchmarks`` was a package)."""
    words = how.split()
    return words[2].replace(".", "/") + ".py" if words[1] == "-m" else words[1]


def record_summary(info: dict, machine_in_words: bool = False) -> str:
    """One line on how a record from :func:`save_record` was made: script, steps, seeds, settings, machine load.
    ``machine_in_words=True`` names the machine as a learner would ("a busy 2-core CPU") instead of its CPU model."""
    recipe, script = info["recipe"], script_of(info["how"])
    seeds = ("seeds " if len(recipe["seeds"]) > 1 else "seed ") + ", ".join(str(s) for s in recipe["seeds"])
    line = (f"Recorded with {script}: {recipe['steps']} steps per run, {seeds}; width {recipe['width']} at "
            f"{recipe['image_size']} px, batch {recipe['batch_size']}, {recipe['train_images']:,} training images")
    if machine_in_words:
        return f"{line}; on {cpu_in_words(info)}"
    machine = str(info["machine"]).split(", torch")[0]
    return f"{line}; machine: {machine}, load average {info['load_average_at_start']} at the start"


def twin(layers: Sequence[int], shortcut: bool, width: int, seed: int) -> ResNet:
    """d2l's ResNet with ``layers`` blocks per stage (ResNet-18: 2, 2, 2, 2), or its plain twin."""
    torch.manual_seed(seed)
    return build_resnet(Residual, layers, width=width, shortcut=shortcut)


@dataclass(frozen=True)
class FamilyRow:
    """One net of the family at one input: depth, parameters and forward FLOPs for one image."""

    name: str
    depth: int
    parameters: int
    flops: int


def family_table(in_channels: int, num_classes: int, image_size: int) -> list[FamilyRow]:
    """Every net of ``FAMILY`` built in torchvision's style (on the meta device: shapes only, fast)."""
    rows = []
    for name in FAMILY:
        with torch.device("meta"):
            net = family_member(name, in_channels=in_channels, num_classes=num_classes, style="torchvision")
        flops = count_flops(net, (in_channels, image_size, image_size)).total
        rows.append(FamilyRow(name, main_path_layers(net), count_parameters(net), flops))
    return rows


CONVERGED_RECORD = RESULTS / "degradation-converged-cpu.json"  # made by benchmarks/degradation_converged.py


def load_converged(path: str | Path = CONVERGED_RECORD) -> tuple[dict[str, dict[int, dict[str, list[float]]]], dict]:
    """``({run name: {seed: {"train_error": [...], "test_error": [...], ...}}}, info)``: lesson 06's runs trained to
    the end of a cosine schedule, errors after every epoch (the record of ``benchmarks/degradation_converged.py``)."""
    record = Record.load(path, made_by="python -m benchmarks.degradation_converged")
    return record.runs, record.info


@dataclass(frozen=True)
class ConvergedRuns:
    """Lesson 06's runs trained to the end, as the lesson reads them: ``runs`` (what :func:`load_converged` gives),
    the seeds and epochs, and how long they took to make (``took``, in words)."""

    runs: dict[str, dict[int, dict[str, list[float]]]]
    seeds: tuple[int, ...]
    epochs: int
    took: str

    @staticmethod
    def _key(what: str) -> str:
        key = {"training": "train_error", "test": "test_error"}.get(what)
        if key is None:
            raise ValueError(f"what={what!r}: ask for the 'training' or the 'test' error")
        return key

    def final(self, what: str) -> dict[str, dict[int, float]]:
        """``{run name: {seed: error after the last epoch}}``; ``what`` is "training" or "test"."""
        key = self._key(what)
        return {name: {seed: numbers[key][-1] for seed, numbers in by_seed.items()}
                for name, by_seed in self.runs.items()}

    def mean_curve(self, name: str, what: str) -> list[float]:
        """Net ``name``'s training or test error after every epoch, the mean over its seeds."""
        return mean_over_seeds(self.runs[name], self._key(what))

    def gap(self, a: str, b: str, what: str) -> list[float]:
        """Net ``a``'s mean curve minus net ``b``'s (``what``: "training" or "test" error), epoch by epoch."""
        return [x - y for x, y in zip(self.mean_curve(a, what), self.mean_curve(b, what), strict=True)]

    def end_lines(self) -> str:
        """Every net's training and test error after the last epoch, one line per net, a column per seed under
        a header that names the seeds."""
        train, test = self.final("training"), self.final("test")
        width = max(len(name) for name in self.runs) + 1
        columns = "".join(f"  seed {s}" for s in self.seeds)
        lines = [" " * width + f"{'  training error':<{len(columns)}}" + "    test error",
                 " " * width + columns + "  " + columns]
        for name in self.runs:
            row = ["".join(f"{by_seed[s]:>8.3f}" for s in self.seeds) for by_seed in (train[name], test[name])]
            lines.append(f"{name:<{width}}" + row[0] + "  " + row[1])
        return "\n".join(line.rstrip() for line in lines)

    def gap_line(self, deeper: str, shallower: str) -> str:
        """One line on :meth:`gap` of the training error: its largest and smallest value over the epochs (and
        after which pass), and its value after the last pass."""
        gap = self.gap(deeper, shallower, "training")
        low, high = gap.index(min(gap)), gap.index(max(gap))
        return (f"{deeper} minus {shallower}, training error, mean over seeds: largest {gap[high]:+.3f} "
                f"(pass {high + 1}), smallest {gap[low]:+.3f} (pass {low + 1}), after the last pass {gap[-1]:+.3f}")


def mean_over_seeds(by_seed: dict[int, dict[str, list[float]]], key: str) -> list[float]:
    """One curve of a net trained to the end (``key``: "train_error" or "test_error"), epoch by epoch, the mean
    over the seeds."""
    return [sum(v) / len(v) for v in zip(*(numbers[key] for numbers in by_seed.values()), strict=True)]


def converged_runs(path: str | Path = CONVERGED_RECORD) -> ConvergedRuns:
    """The record of ``benchmarks/degradation_converged.py`` as a :class:`ConvergedRuns`."""
    runs, info = load_converged(path)
    recipe = info["recipe"]
    return ConvergedRuns(runs, tuple(recipe["seeds"]), recipe["epochs"], time_taken(info))


def run_twins(images: torch.Tensor, labels: torch.Tensor, *, stages: dict[int, Sequence[int]], seeds: Sequence[int],
              steps: int, width: int, image_size: int, batch_size: int = 128,
              device: torch.device | str = "cpu") -> Curves:
    """Section 3's runs: for each ``depth: blocks per stage`` of ``stages`` (ResNet-18: ``(2, 2, 2, 2)``), d2l's
    plain twin and ResNet (:func:`twin`) trained on every seed under one recipe; ``{run: {seed: Curve}}``."""
    twins: Curves = {}
    for depth, layers in stages.items():
        for shortcut in (False, True):
            run = Run("residual" if shortcut else "plain", depth)
            for seed in seeds:
                model = twin(layers, shortcut, width, seed).to(device)
                twins.setdefault(run, {})[seed] = train_curve(model, images, labels, steps, batch_size=batch_size,
                                                              image_size=image_size, seed=seed)
    return twins


def plain_minus_residual(errors: dict[Run, dict[int, float]], depth: int) -> dict[int, float]:
    """The plain net's error minus the residual net's at ``depth``, per seed, at the digits printed: what the
    shortcuts gained on each seed."""
    return compare_seeds(errors[Run("plain", depth)], errors[Run("residual", depth)]).differences


def stays_below(a: Sequence[float], b: Sequence[float]) -> int | None:
    """The first iteration (counted from 1) from which curve ``a`` lies below curve ``b`` to the end; None when it
    does not end below."""
    since = None
    for i, (x, y) in enumerate(zip(a, b, strict=True), start=1):
        since = (since or i) if x < y else None
    return since


def mean_curve(runs: dict[int, Curve], window: int) -> list[float]:
    """The seeds' smoothed training errors, averaged step by step (as the iteration explorer draws them)."""
    smoothed = [smooth(c.errors, window) for c in runs.values()]
    return [sum(vals) / len(vals) for vals in zip(*smoothed, strict=True)]


def explore_answer(curves: Curves, window: int, shallow: int, deep: int) -> str:
    """The answer to section 5's questions, read off the mean curves as the widget draws them: from which
    iteration plain-``deep`` lies above plain-``shallow`` to the end (left panel), and at how many of the first and
    the last half of the iterations the γ = 0 ResNet-``deep`` lies below the default one (right panel)."""
    plain_shallow, plain_deep = (mean_curve(curves[Run("plain", d)], window) for d in (shallow, deep))
    above = stays_below(plain_shallow, plain_deep)
    left = (f"left panel: plain-{deep} lies above plain-{shallow} from iteration {above} on, to the end"
            if above is not None else f"left panel: plain-{deep} does not end above plain-{shallow}")
    zero, default = (mean_curve(curves[Run(kind, deep)], window) for kind in ("residual, γ = 0", "residual"))
    half = len(zero) // 2
    below = [z < d for z, d in zip(zero, default, strict=True)]
    right = (f"right panel: {Run('residual, γ = 0', deep)} lies below {Run('residual', deep)} at "
             f"{sum(below[:half])} of the first {half} iterations and at {sum(below[half:])} of the last "
             f"{len(below) - half}")
    return f"{left}\n{right}"


def norm_parameters(net: nn.Module) -> int:
    """Parameters of ``net``'s batch norms (their scales and shifts)."""
    return sum(count_parameters(m) for m in net.modules() if isinstance(m, nn.BatchNorm2d))


def conv_bias_parameters(net: nn.Module) -> int:
    """Parameters of ``net``'s conv biases (d2l's convs have them, torchvision's none)."""
    return sum(m.bias.numel() for m in net.modules() if isinstance(m, nn.Conv2d) and m.bias is not None)


def projection_norm_parameters(net: nn.Module) -> int:
    """Parameters of the batch norms after ``net``'s 1x1 projection shortcuts (torchvision's style has them)."""
    return sum(count_parameters(b.bn3) for b in net.modules() if isinstance(b, Residual) and b.bn3 is not None)
