"""Lesson 04's side experiments: each improvement of the recipe switched on alone (an ablation), and one recipe
trained on a few images for many epochs (overfitting you can watch)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import fields, replace

from torch import nn

from ..data import FashionMNIST
from ..history import History
from ..seeding import seed_everything
from ..training import Recipe, train

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
