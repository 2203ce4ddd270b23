"""Exercises for lesson 05: predict what a gradient does, then let a fresh measurement judge."""

from __future__ import annotations

import math
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache
from typing import Any

import torch

from ..lessons.degradation import train_losses
from ..lessons.gradients import VARIANTS, DeepMLP, first_last_ratio, jacobian_chain, profile_at_init
from . import AnswerTypeError, Exercise, number

BRANCH_SCALES = (0.05, 0.1, 0.2, 0.3, 0.5)


def _word(answer: Any, words: tuple[str, ...]) -> str:
    word = str(answer).strip().lower()
    if word not in words:
        raise AnswerTypeError(f"answer with one of {', '.join(repr(w) for w in words)} (got {answer!r})")
    return word


@contextmanager
def _one_thread() -> Iterator[None]:
    """Width-32 layers gain nothing from several threads, and on a busy machine extra threads cost a lot."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        yield
    finally:
        torch.set_num_threads(threads)


def _random_batch(n: int = 64) -> tuple[torch.Tensor, torch.Tensor]:
    g = torch.Generator().manual_seed(5)
    return torch.randn(n, 784, generator=g), torch.randint(0, 10, (n,), generator=g)


@cache
def _ratio_at_init(variant: str, depth: int) -> float:
    with _one_thread():
        return first_last_ratio(profile_at_init(depth, *_random_batch(), **VARIANTS[variant]))


def _measured_direction(variant: str, depth: int) -> str:
    return "explode" if _ratio_at_init(variant, depth) > 1 else "vanish"


@cache
def _largest_bounded_branch_scale() -> float:
    bounded = [s for s in BRANCH_SCALES if jacobian_chain(1000, residual=True, branch_scale=s)[-1] < 1000]
    return max(bounded)


@cache
def _small_lr_stays_finite(lr: float = 1e-4, steps: int = 3) -> str:
    torch.manual_seed(0)
    with _one_thread():
        losses = train_losses(DeepMLP(1000, **VARIANTS["plain+BN"]), *_random_batch(), steps, batch_size=64, lr=lr)
    return "yes" if all(math.isfinite(v) for v in losses) else "no"


def _check_branch_scale(answer: Any) -> bool:
    scale = number(answer)
    if scale not in BRANCH_SCALES:
        raise AnswerTypeError(f"answer with one of the scales tried, {BRANCH_SCALES} (got {answer!r})")
    return scale == _largest_bounded_branch_scale()


EXERCISES: list[Exercise] = [
    Exercise(
        "05.1",
        "A plain net WITHOUT batch norm, 150 blocks deep: does the gradient vanish or explode toward the input "
        "at initialisation? Answer 'vanish' or 'explode' (the checker measures it).",
        lambda a: _word(a, ("vanish", "explode")) == _measured_direction("plain", 150),
        "Look at the plain row of the ratio table in section 2: which way does the ratio move as the net deepens?",
    ),
    Exercise(
        "05.2",
        "The same plain net WITH batch norm after every linear layer: 'vanish' or 'explode'?",
        lambda a: _word(a, ("vanish", "explode")) == _measured_direction("plain+BN", 150),
        "Look at the plain+BN row of the ratio table in section 2, or measure it: "
        "first_last_ratio(profile_at_init(150, x_probe, y_probe, **VARIANTS['plain+BN'])).",
    ),
    Exercise(
        "05.3",
        "The bare identity in I + s·W·D keeps the vector's length; the branch term s·W·D adds to it. Run "
        "jacobian_chain(1000, residual=True, branch_scale=s) for s = 0.05, 0.1, 0.2, 0.3 and 0.5. What is the "
        "largest s whose vector is still shorter than 1000 after 1000 factors?",
        _check_branch_scale,
        "Print the last entry of jacobian_chain(1000, residual=True, branch_scale=s) for every s in the list; "
        "compare each with 1000.",
    ),
    Exercise(
        "05.4",
        "Section 5's 1000-block plain+BN net turned NaN after its first step. Would a step size 100 times smaller "
        "save it? Train it again with run('plain+BN', budget.deep_depth, 0, 5, 0.0001) and answer 'yes' if every "
        "loss is a finite number, 'no' otherwise.",
        lambda a: _word(a, ("yes", "no")) == _small_lr_stays_finite(),
        "Which numbers were already not finite before the first update? The learning rate multiplies them.",
    ),
    Exercise(
        "05.5",
        "A residual net with batch norm whose every branch's BN starts at γ = 0, 200 blocks deep: what is the "
        "first/last gradient ratio at initialisation? (a number; measure it or work it out)",
        lambda a: math.isclose(number(a), _ratio_at_init("residual+BN, γ=0", 200), rel_tol=1e-6),
        "What does a branch whose batch-norm scale γ is 0 add to its input? What does that make the whole block?",
    ),
]
