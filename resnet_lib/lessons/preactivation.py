"""Lesson 02, section 5: the original residual block against the pre-activation block, in a short run made in
advance at lesson 6's depths (the runs themselves: :mod:`resnet_lib.lessons.plain_vs_residual`)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast

from .plain_vs_residual import PREACT_RECORD, Run, load_record, tail_errors
from .seeds import DIGITS, SeedComparison, compare_seeds, seed_table

BLOCKS = {"original block": "residual", "pre-activation": "pre-activation"}  # what a learner reads -> the run's kind


@dataclass(frozen=True)
class PreactivationRuns:
    """Each net's training error over the last 20 % of its steps, rounded to the 3 decimals printed
    (``errors[depth][block] = {seed: error}``), and, per depth, the pre-activation net against the original one
    seed by seed (``verdicts[depth]``)."""

    recipe: dict[str, Any]
    errors: dict[int, dict[str, dict[int, float]]]
    verdicts: dict[int, SeedComparison]

    def describe(self) -> str:
        """One line: which nets were trained, how, and on which seeds."""
        r = self.recipe
        return (f"He et al.'s CIFAR-style nets at depths {' and '.join(map(str, r['depths']))}, {r['width']} channels "
                f"in the first stage, {r['image_size']}x{r['image_size']} images, {r['steps']} SGD steps of "
                f"{r['batch_size']} images each, seeds {', '.join(map(str, r['seeds']))}.")

    def __str__(self) -> str:
        """Each net's error by seed, then a numbered :func:`~resnet_lib.lessons.seeds.seed_table`: at each depth,
        the pre-activation net minus the original one."""
        by_net = {f"{block}, {depth} layers": by_seed for depth, by_block in self.errors.items()
                  for block, by_seed in by_block.items()}
        width = max(map(len, by_net)) + 2
        lines = [f"{net:<{width}}" + "".join(f"  seed {s}: {e:.3f}" for s, e in by_seed.items())
                 for net, by_seed in by_net.items()]
        table = seed_table({f"pre-activation vs original block ({depth} layers)": verdict
                            for depth, verdict in self.verdicts.items()})
        return "\n".join([*lines, "", table])


def preactivation_runs(path: str | Path | None = None) -> PreactivationRuns:
    """The runs made in advance (by default the committed CPU ones), read and judged."""
    curves, info = load_record(PREACT_RECORD if path is None else path)
    recipe = cast(dict[str, Any], info["recipe"])
    tails = tail_errors(curves)
    errors = {depth: {block: {s: round(e, DIGITS) for s, e in tails[Run(kind, depth)].items()}
                      for block, kind in BLOCKS.items()} for depth in recipe["depths"]}
    verdicts = {depth: compare_seeds(by_block["pre-activation"], by_block["original block"])
                for depth, by_block in errors.items()}
    return PreactivationRuns(recipe, errors, verdicts)
