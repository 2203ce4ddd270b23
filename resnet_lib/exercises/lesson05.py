"""Exercises for lesson 05: predict what a gradient does, then let a fresh measurement judge."""

from __future__ import annotations

import math
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache
from typing import Any, cast

import torch

from ..lessons.gradients import VARIANTS, Block, DeepMLP, first_last_ratio, grad_norms, jacobian_chain, profile_at_init
from . import AnswerTypeError, Exercise, number

BRANCH_SCALES = (0.05, 0.1, 0.2, 0.3, 0.5)
CHAIN_WIDTHS = (8, 32, 128, 256)  # 05.1
BATCH_SIZES = (8, 32, 128)  # 05.2
OVERFLOW_DEPTHS = (300, 400, 500, 600)  # 05.4
GAMMAS = (0.01, 0.03, 0.3, 1.0)  # 05.5


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


def _one_of(answer: Any, allowed: tuple[float, ...]) -> float:
    value = number(answer)
    if value not in allowed:
        raise AnswerTypeError(f"answer with one of the values tried, {allowed} (got {answer!r})")
    return value


@cache
def _width_closest_to_one() -> int:
    """The width in CHAIN_WIDTHS whose 1000-factor plain chain (gain 1) ends closest to length 1 on a log scale."""
    lengths = {w: float(jacobian_chain(1000, width=w)[-1]) for w in CHAIN_WIDTHS}
    return min(CHAIN_WIDTHS, key=lambda w: abs(math.log(lengths[w])) if lengths[w] > 0 else math.inf)


@cache
def _fastest_exploding_batch(depth: int = 100) -> int:
    """The batch size in BATCH_SIZES with the largest first/last ratio of a plain+BN net at initialisation."""
    x, y = _random_batch(max(BATCH_SIZES))
    with _one_thread():
        ratios = {b: first_last_ratio(profile_at_init(depth, x[:b], y[:b], **VARIANTS["plain+BN"]))
                  for b in BATCH_SIZES}
    return max(ratios, key=lambda b: ratios[b])


def gamma_ratio(gamma: float, x: torch.Tensor, y: torch.Tensor, depth: int = 200) -> float:
    """First/last ratio at initialisation of a residual+BN net whose every branch BN scale starts at ``gamma``."""
    torch.manual_seed(0)
    net = DeepMLP(depth, residual=True, batch_norm=True, in_features=x[0].numel())
    for block in net.blocks:
        bn = cast(Block, block).bn
        assert bn is not None  # built with batch_norm=True
        torch.nn.init.constant_(bn.weight, gamma)
    return first_last_ratio(grad_norms(net, x, y))


@cache
def _gammas_below(limit: float = 2.0) -> frozenset[float]:
    with _one_thread():
        return frozenset(g for g in GAMMAS if gamma_ratio(g, *_random_batch()) < limit)


def _check_gammas(answer: Any) -> bool:
    if isinstance(answer, str) or not hasattr(answer, "__iter__"):
        raise AnswerTypeError(f"answer with a list of the γ values tried, such as [0.3, 1.0] (got {answer!r})")
    return {_one_of(a, GAMMAS) for a in answer} == _gammas_below()


@cache
def _largest_bounded_branch_scale() -> float:
    bounded = [s for s in BRANCH_SCALES if jacobian_chain(1000, residual=True, branch_scale=s)[-1] < 1000]
    return max(bounded)


def all_grads_finite(depth: int, x: torch.Tensor, y: torch.Tensor) -> bool:
    """Whether every block's weight gradient of a ``depth``-block plain+BN net (built after ``torch.manual_seed(0)``)
    is finite after one float32 backward pass on ``(x, y)``."""
    torch.manual_seed(0)
    net = DeepMLP(depth, in_features=x[0].numel(), **VARIANTS["plain+BN"])
    torch.nn.functional.cross_entropy(net(x), y).backward()
    grads = [cast(Block, block).linear.weight.grad for block in net.blocks]
    return all(g is not None and bool(torch.isfinite(g).all()) for g in grads)


@cache
def _deepest_finite() -> int:
    with _one_thread():
        return max(d for d in OVERFLOW_DEPTHS if all_grads_finite(d, *_random_batch()))


def _check_branch_scale(answer: Any) -> bool:
    return _one_of(answer, BRANCH_SCALES) == _largest_bounded_branch_scale()


EXERCISES: list[Exercise] = [
    Exercise(
        "05.1",
        "Section 1's plain chain at gain 1.0 shrank. Run jacobian_chain(1000, width=w) for w = 8, 32, 128 and 256: "
        "which width leaves the length after 1000 factors closest to 1 (on a log scale)? (a whole number)",
        lambda a: _one_of(a, CHAIN_WIDTHS) == _width_closest_to_one(),
        "print the last entry of jacobian_chain(1000, width=w) for each w and compare how many orders of "
        "magnitude each is from 1. For the explanation: each factor's length is an average over the width's units.",
    ),
    Exercise(
        "05.2",
        "A plain+BN net, 100 blocks deep, at initialisation: measure its first/last ratio on the first b training "
        "images, profile_at_init(100, x[:b], y[:b], **VARIANTS['plain+BN']), for b = 8, 32 and 128. Which batch "
        "size makes the gradient explode fastest? (a whole number)",
        lambda a: _one_of(a, BATCH_SIZES) == _fastest_exploding_batch(),
        "compute first_last_ratio of each profile and compare the three. In training mode a BN layer normalises "
        "with the statistics of the batch it sees.",
    ),
    Exercise(
        "05.3",
        "The bare identity in I + s·W·D keeps the vector's length; the branch term s·W·D adds to it. Run "
        "jacobian_chain(1000, residual=True, branch_scale=s) for s = 0.05, 0.1, 0.2, 0.3 and 0.5. What is the "
        "largest s whose vector is still shorter than 1000 after 1000 factors? (a number)",
        _check_branch_scale,
        "Print the last entry of jacobian_chain(1000, residual=True, branch_scale=s) for every s in the list; "
        "compare each with 1000.",
    ),
    Exercise(
        "05.4",
        "Section 5's deepest plain+BN net had weight gradients too large for float32. For depths 300, 400, 500 "
        "and 600, build DeepMLP(depth, **VARIANTS['plain+BN']) after torch.manual_seed(0), run one backward pass "
        "on the probe batch and check whether every block's weight gradient is finite. What is the deepest of "
        "these depths whose gradients are all finite? (a whole number)",
        lambda a: _one_of(a, OVERFLOW_DEPTHS) == _deepest_finite(),
        "repeat section 5's backward pass at each depth and test torch.isfinite(block.linear.weight.grad).all() "
        "for every block. To predict it: by what factor per block does section 2's plain+BN ratio grow, and how "
        "many blocks does it take to pass float32's largest number?",
    ),
    Exercise(
        "05.5",
        "γ = 0 makes a residual+BN net exactly flat at initialisation. Set every branch's BN scale to γ instead, for "
        "γ = 0.01, 0.03, 0.3 and 1.0, in a 200-block net built after torch.manual_seed(0), and measure its "
        "first/last ratio on the probe batch. Which γ keep the ratio below 2? (a list of numbers)",
        _check_gammas,
        "build net = DeepMLP(200, **VARIANTS['residual+BN']), set torch.nn.init.constant_(block.bn.weight, γ) in "
        "every block of net.blocks, then first_last_ratio(grad_norms(net, x_probe, y_probe)); repeat for each γ.",
    ),
]
