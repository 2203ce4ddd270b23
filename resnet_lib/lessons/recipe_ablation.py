"""Lesson 04's ablation: each improvement of the recipe switched on alone, trained with several seeds, summarised
as a table and a verdict that compares every row's seeds with those of "none"; records of longer runs (made by
``benchmarks/recipe_ablation.py``) save and load as JSON."""

from __future__ import annotations

import re
import statistics
from collections.abc import Callable
from dataclasses import asdict, dataclass, fields, replace
from pathlib import Path
from typing import Any, NamedTuple, cast

from torch import nn

from ..data import FashionMNIST
from ..history import History
from ..record import Record
from ..seeding import seed_everything
from ..training import Recipe, train
from .records import RESULTS, minutes_in_words
from .seeds import DIGITS, SeedComparison, compare_seeds

# Each improvement, as the Recipe fields it changes (the one-cycle schedule comes with its higher peak lr).
SWITCHES: dict[str, tuple[str, ...]] = {
    "momentum": ("momentum",),
    "one-cycle lr": ("one_cycle", "lr"),
    "weight decay": ("weight_decay",),
    "label smoothing": ("label_smoothing",),
    "flips": ("augment",),
    "test-time flip": ("test_flip",),
}
RUN_SIZE = ("epochs", "batch_size", "image_size", "seed")  # kept from the base recipe in every arm
RECORD = RESULTS / "recipe_ablation-cpu.json"  # made on a CPU
# the same runs on 9,984 training images (39 full batches of 256): no epoch ends with a short batch
FULL_BATCHES = RESULTS / "recipe_ablation-full-batches-cpu.json"


def one_switch_recipes(base: Recipe, improved: Recipe) -> dict[str, Recipe]:
    """``base`` ("none"), ``base`` with each improvement of ``improved`` switched on alone, then "all" of them;
    every arm keeps ``base``'s epochs, batch size, image size and seed, so all cost about the same."""
    covered = {name for names in SWITCHES.values() for name in names} | set(RUN_SIZE)
    unknown = [f.name for f in fields(Recipe)
               if f.name not in covered and getattr(base, f.name) != getattr(improved, f.name)]
    if unknown:
        raise ValueError(f"the recipes also differ in {', '.join(unknown)}: add them to SWITCHES to ablate them")
    arms = {"none": base}
    arms.update({name: replace(base, **{f: getattr(improved, f) for f in names}) for name, names in SWITCHES.items()})
    arms["all"] = replace(improved, **{f: getattr(base, f) for f in RUN_SIZE})
    return arms


def run_arms(make_net: Callable[[], nn.Module], data: FashionMNIST, recipes: dict[str, Recipe],
             seeds: tuple[int, ...]) -> dict[str, list[History]]:
    """Train a fresh ``make_net()`` with every recipe once per seed (no progress bar); the histories per recipe."""
    results: dict[str, list[History]] = {}
    for name, recipe in recipes.items():
        results[name] = []
        for seed in seeds:
            seed_everything(seed)
            results[name].append(train(make_net(), data, replace(recipe, seed=seed), progress=False))
    return results


@dataclass(frozen=True)
class ArmSummary:
    """One recipe's runs: final test accuracy per seed and their mean, mean final train loss/accuracy, and the
    median seconds of one epoch over all of its runs' epochs (a moment when the machine was busy slows single
    epochs; the median leaves them out, a total or a mean would not)."""

    tests: tuple[float, ...]
    mean_test: float
    train_loss: float
    train_acc: float
    epoch_s: float


def summarise(results: dict[str, list[History]]) -> dict[str, ArmSummary]:
    """Each arm's :class:`ArmSummary` (every run must have finished at least one epoch)."""
    out = {}
    for name, runs in results.items():
        tests = tuple(h.test_acc[-1] for h in runs)
        out[name] = ArmSummary(tests, statistics.mean(tests), statistics.mean(h.train_loss[-1] for h in runs),
                               statistics.mean(h.train_acc[-1] for h in runs),
                               statistics.median(s for h in runs for s in h.wall_s))
    return out


def _shown(value: float) -> float:
    """``value`` at the digits the tables print (:data:`~resnet_lib.lessons.seeds.DIGITS`): a reader who subtracts
    two printed values gets the printed difference."""
    return round(value, DIGITS)


def _gain(arm: ArmSummary, none: ArmSummary) -> float:
    """A row's mean minus the mean of "none", both as printed."""
    return _shown(arm.mean_test) - _shown(none.mean_test)


def table(results: dict[str, list[History]]) -> str:
    """The ablation as a text table: one row per arm, each seed's test accuracy, the means, the median seconds of
    one epoch."""
    rows = [f"{'switched on':<16} {'test acc (each seed)':>24} {'mean':>6} {'gain':>7} {'train loss':>10} "
            f"{'train acc':>9} {'s/epoch':>7}"]
    arms = summarise(results)
    for name, arm in arms.items():
        gain = _gain(arm, arms["none"])
        rows.append(f"{name:<16} {' '.join(f'{t:.3f}' for t in arm.tests):>24} {arm.mean_test:>6.3f} {gain:>+7.3f} "
                    f"{arm.train_loss:>10.3f} {arm.train_acc:>9.3f} {arm.epoch_s:>7.1f}")
    return "\n".join(rows)


def verdict(results: dict[str, list[History]]) -> str:
    """Each arm against "none", by its seeds: above if every seed's final test accuracy beats every seed of "none",
    below if every seed is beneath them all, otherwise the seeds overlap, with the mean gain; then
    the rows that the seed-by-seed rule of :func:`~resnet_lib.lessons.seeds.compare_seeds` decides (runs are paired
    by their order, the same seeds in every arm). Every comparison reads the accuracies as the table prints them."""
    arms = summarise(results)
    none = [_shown(t) for t in arms["none"].tests]
    groups: dict[str, list[str]] = {"above": [], "below": [], "overlap": []}
    for name, arm in arms.items():
        if name != "none":
            tests = [_shown(t) for t in arm.tests]
            side = "above" if min(tests) > max(none) else "below" if max(tests) < min(none) else "overlap"
            groups[side].append(f"{name} ({_gain(arm, arms['none']):+.3f})")
    by_seed = {name: dict(enumerate(arm.tests)) for name, arm in arms.items()}
    paired = [name for name in arms if name != "none" and compare_seeds(by_seed[name], by_seed["none"]).decided]
    return "\n".join([
        f"every seed above every seed of 'none': {', '.join(groups['above']) or 'no row'}",
        f"every seed below every seed of 'none': {', '.join(groups['below']) or 'no row'}",
        f"seeds overlap with 'none': {', '.join(groups['overlap']) or 'no row'}",
        f"each seed's difference larger than the spread between seeds (the course's seed-by-seed rule; 'none' alone "
        f"spreads {max(none) - min(none):.3f}): {', '.join(paired) or 'no row'}",
    ])


def final_by_seed(results: dict[str, list[History]], name: str) -> dict[int, float]:
    """Arm ``name``'s final test accuracy by seed, ``{seed: accuracy}``, as :func:`~resnet_lib.lessons.seeds.
    compare_seeds` takes them."""
    return {h.seed: h.test_acc[-1] for h in results[name]}


def against_best_single(results: dict[str, list[History]]) -> tuple[str, SeedComparison]:
    """Do all the improvements together beat the best one alone? The single switch with the highest mean final test
    accuracy (at the printed digits; the first such row on a tie), and "all" minus it seed by seed
    (:func:`~resnet_lib.lessons.seeds.compare_seeds`)."""
    if "all" not in results:
        raise ValueError(f"no 'all' row to compare; the rows are {', '.join(results)}")
    singles = [name for name in results if name not in ("none", "all")]
    if not singles:
        raise ValueError("no single switch to compare 'all' with")
    arms = summarise(results)
    best = max(singles, key=lambda name: _shown(arms[name].mean_test))
    return best, compare_seeds(final_by_seed(results, "all"), final_by_seed(results, best))


def means_side_by_side(first: dict[str, list[History]], second: dict[str, list[History]]) -> str:
    """Two ablations of the same rows, a row per line: each one's mean final test accuracy ("short last batch", the
    first; "every batch full", the second), the rise from the first to the second, and each one's gain over "none"
    (every difference between the means as printed)."""
    a, b = summarise(first), summarise(second)
    rows = [f"{'switched on':<16} {'short last batch':>16} {'every batch full':>16} {'rise':>7}   "
            "gain over 'none': short, full"]
    for name in second:
        rise = _shown(b[name].mean_test) - _shown(a[name].mean_test)
        rows.append(f"{name:<16} {a[name].mean_test:>16.3f} {b[name].mean_test:>16.3f} {rise:>+7.3f}   "
                    f"{_gain(a[name], a['none']):+.3f}, {_gain(b[name], b['none']):+.3f}")
    return "\n".join(rows)


def save_ablation(path: str | Path, results: dict[str, list[History]], info: dict[str, object]) -> None:
    """Write a labelled :class:`~resnet_lib.record.Record`: ``info`` (how, budget, machine) and every run's history,
    by arm and seed."""
    record = Record(dict(info))
    for name, runs in results.items():
        for history in runs:
            record.add(name, history.seed, asdict(history))
    record.save(path)


def load_ablation(path: str | Path = RECORD) -> tuple[dict[str, list[History]], dict[str, object]]:
    """A record written by :func:`save_ablation` (by default the committed CPU record of
    ``benchmarks/recipe_ablation.py``): the histories per arm (in the order of their seeds) and the ``info``."""
    record = Record.load(path, made_by=f"python -m benchmarks.recipe_ablation --out {path}")
    histories = {name: [History(**numbers) for numbers in by_seed.values()] for name, by_seed in record.runs.items()}
    return histories, record.info


def processor_in_words(machine: str) -> str:
    """The machine of a record (``"AMD EPYC, 2 logical CPUs, torch ..."``, as the benchmarks write it) as a learner
    reads it: "a 2-core AMD EPYC". Runs from the same seed on two processors can differ: they may add up
    floating-point sums in another order."""
    found = re.fullmatch(r"\s*([^,]+?)\s*,\s*(\d+) logical CPUs\b.*", machine)
    if found is None:
        raise ValueError(f"the record's machine does not read 'processor, N logical CPUs, ...': {machine!r}")
    return f"a {found.group(2)}-core {found.group(1)}"


class AblationRuns(NamedTuple):
    """The committed ablation as a lesson shows it: the histories per arm, and how they were made, in words."""

    histories: dict[str, list[History]]
    setup: str


def ablation_runs(path: str | Path = RECORD) -> AblationRuns:
    """The record of :func:`load_ablation` with its setup as one sentence a learner reads: how many runs, how long
    they took in all, and the size of each (images, epochs, batch, width, image size, seeds, test images)."""
    histories, info = load_ablation(path)
    size = cast(dict[str, Any], info["budget"])
    runs = sum(len(by_seed) for by_seed in histories.values())
    *first, last = (str(seed) for seed in size["seeds"])
    seeds = f"{', '.join(first)} and {last}" if first else last
    took = minutes_in_words(cast(float, info["wall_s"]))
    return AblationRuns(histories, (
        f"{runs} runs made in advance on {processor_in_words(str(info['machine']))}, {took} in all: "
        f"{size['train_images']:,} "
        f"training images, {size['epochs']} epochs, batch {size['batch_size']}, width {size['width']}, "
        f"{size['image_size']} px, seeds {seeds}; tested on {size['test_images']:,} images"))


def largest_drop(history: History) -> float:
    """The largest fall of test accuracy from one epoch to the next (0 if it never fell)."""
    falls = [a - b for a, b in zip(history.test_acc, history.test_acc[1:], strict=False)]
    return max([0.0, *falls])
