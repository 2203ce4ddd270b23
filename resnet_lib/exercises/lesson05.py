"""Exercises for lesson 05: predict what a gradient does, then let a fresh measurement judge. 05.2, 05.4 and 05.5
re-measure on the learner's own batch; 05.6 (the lesion experiment on another seed) and 05.7 (a wider plain net)
read the learner's own measurements."""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import cache
from typing import Any, cast

import torch

from ..lessons.degradation import final_loss
from ..lessons.gradients import VARIANTS, Block, DeepMLP, first_last_ratio, grad_norms, jacobian_chain, profile_at_init
from . import AnswerTypeError, Exercise, number, whole_number

BRANCH_SCALES = (0.05, 0.1, 0.15, 0.2, 0.3, 0.5)
BOUND = 1e6  # 05.3: the length a residual chain must stay below
CHAIN_WIDTHS = (8, 32, 64, 128)  # 05.1
BATCH_SIZES = (8, 32, 128)  # 05.2
OVERFLOW_DEPTHS = (420, 440, 460, 480, 500)  # 05.4
SHOWN = 0.001  # losses are printed with 3 decimals
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


_MEASURED: dict[tuple[str, bytes, bytes], Any] = {}  # a learner who tries again waits only once per batch


def _on_batch(answer: Any, names: str, what: str) -> tuple[Any, torch.Tensor, torch.Tensor]:
    """``answer`` as ``(value, x, y)``: the learner's value and the batch they measured it on (``names``)."""
    if isinstance(answer, str) or not isinstance(answer, tuple | list) or len(answer) != 3:
        raise AnswerTypeError(f"answer with ({what}, {names}): the checker repeats your measurement on your batch")
    value, x, y = answer
    if not (isinstance(x, torch.Tensor) and isinstance(y, torch.Tensor) and len(x) == len(y) >= 2):
        raise AnswerTypeError(f"give the batch you measured on as {names} (two tensors, as many images as labels)")
    return value, x.detach().cpu().flatten(1).float(), y.detach().cpu()


def _measured(name: str, measure: Callable[[torch.Tensor, torch.Tensor], Any], x: torch.Tensor,
              y: torch.Tensor) -> Any:
    """``measure(x, y)``, once per exercise and batch."""
    key = (name, x.numpy().tobytes(), y.numpy().tobytes())
    if key not in _MEASURED:
        with _one_thread():
            _MEASURED[key] = measure(x, y)
    return _MEASURED[key]


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


def fastest_exploding_batch(x: torch.Tensor, y: torch.Tensor, depth: int = 100) -> int:
    """The batch size b in BATCH_SIZES whose first b images of ``(x, y)`` give a ``depth``-block plain+BN net at
    initialisation the largest first/last ratio."""
    ratios = {b: first_last_ratio(profile_at_init(depth, x[:b], y[:b], **VARIANTS["plain+BN"]))
              for b in BATCH_SIZES}
    return max(ratios, key=lambda b: ratios[b])


def _check_fastest_batch(answer: Any) -> bool:
    """05.2: ``(b, x, y)``: the checker repeats the measurement on the first b of the learner's images."""
    b, x, y = _on_batch(answer, "x, y", "the batch size")
    if len(x) < max(BATCH_SIZES):
        raise AnswerTypeError(f"give the images you took the batches from: at least {max(BATCH_SIZES)} (x, y), "
                              f"got {len(x)}")
    return _one_of(b, BATCH_SIZES) == _measured("05.2", fastest_exploding_batch, x, y)


def gamma_ratio(gamma: float, x: torch.Tensor, y: torch.Tensor, depth: int = 200) -> float:
    """First/last ratio at initialisation of a residual+BN net whose every branch BN scale starts at ``gamma``."""
    torch.manual_seed(0)
    net = DeepMLP(depth, residual=True, batch_norm=True, in_features=x[0].numel())
    for block in net.blocks:
        bn = cast(Block, block).bn
        assert bn is not None  # built with batch_norm=True
        torch.nn.init.constant_(bn.weight, gamma)
    return first_last_ratio(grad_norms(net, x, y))


def gammas_below(x: torch.Tensor, y: torch.Tensor, limit: float = 2.0) -> frozenset[float]:
    """The γ of GAMMAS whose :func:`gamma_ratio` on ``(x, y)`` stays below ``limit``."""
    return frozenset(g for g in GAMMAS if gamma_ratio(g, x, y) < limit)


def _check_gammas(answer: Any) -> bool:
    """05.5: ``(list of γ, x, y)``: the checker repeats the measurement on the learner's batch."""
    gammas, x, y = _on_batch(answer, "x_probe, y_probe", "the list of γ")
    if isinstance(gammas, str) or not hasattr(gammas, "__iter__"):
        raise AnswerTypeError(f"answer with a list of the γ values tried, such as [0.3, 1.0] (got {gammas!r})")
    return {_one_of(g, GAMMAS) for g in gammas} == _measured("05.5", gammas_below, x, y)


@cache
def _largest_bounded_branch_scale() -> float:
    bounded = [s for s in BRANCH_SCALES if jacobian_chain(1000, residual=True, branch_scale=s)[-1] < BOUND]
    return max(bounded)


def all_grads_finite(depth: int, x: torch.Tensor, y: torch.Tensor) -> bool:
    """Whether every block's weight gradient of a ``depth``-block plain+BN net (built after ``torch.manual_seed(0)``)
    is finite after one float32 backward pass on ``(x, y)``."""
    torch.manual_seed(0)
    net = DeepMLP(depth, in_features=x[0].numel(), **VARIANTS["plain+BN"])
    torch.nn.functional.cross_entropy(net(x), y).backward()
    grads = [cast(Block, block).linear.weight.grad for block in net.blocks]
    return all(g is not None and bool(torch.isfinite(g).all()) for g in grads)


def deepest_finite(x: torch.Tensor, y: torch.Tensor) -> int:
    """The deepest of OVERFLOW_DEPTHS whose plain+BN net has all weight gradients finite on ``(x, y)``."""
    finite = [d for d in OVERFLOW_DEPTHS if all_grads_finite(d, x, y)]
    if not finite:
        raise ValueError(f"no depth of {OVERFLOW_DEPTHS} has finite gradients on this batch")
    return max(finite)


def _check_deepest_finite(answer: Any) -> bool:
    """05.4: ``(depth, x, y)``: the checker repeats the measurement on the learner's batch."""
    depth, x, y = _on_batch(answer, "x_probe, y_probe", "the depth")
    return _one_of(depth, OVERFLOW_DEPTHS) == _measured("05.4", deepest_finite, x, y)


def _lesion(measured: Any) -> tuple[float, list[float]]:
    """``measured`` as lesion_losses returned it: (whole net's loss, [loss with block i deleted])."""
    try:
        whole, without = measured
        whole, without = number(whole), [float(v) for v in without]
    except (TypeError, ValueError, AnswerTypeError):
        raise AnswerTypeError("give what lesion_losses(net, x, y) returned for each net: "
                              "(loss, list of losses)") from None
    if len(without) < 2:
        raise AnswerTypeError("delete the blocks of a net with at least 2 blocks")
    return whole, without


def _hurt(whole: float, without: list[float], by: float) -> int:
    """Blocks whose deletion raises the loss by more than ``by`` (a NaN loss counts as raised)."""
    return sum(not v - whole <= by for v in without)


def _check_lesion_counts(answer: Any) -> bool:
    """05.6: ``(plain, residual, n_plain, n_residual)``: how many blocks each net cannot lose without its loss rising
    by more than 0.1. Counts a reader of the 3-decimal print could give are accepted."""
    if isinstance(answer, str) or not isinstance(answer, tuple | list) or len(answer) != 4:
        raise AnswerTypeError("answer with (plain net's lesion_losses, residual net's lesion_losses, "
                              "blocks that matter in the plain net, blocks that matter in the residual net)")
    plain, residual = _lesion(answer[0]), _lesion(answer[1])
    if len(plain[1]) != len(residual[1]):
        raise AnswerTypeError("compare nets of the same depth: the two lists have different lengths")
    return all(_hurt(*m, 0.1 + SHOWN) <= whole_number(n) <= _hurt(*m, 0.1 - SHOWN)
               for m, n in ((plain, answer[2]), (residual, answer[3])))


def _curve(losses: Any) -> list[float]:
    if isinstance(losses, str) or not hasattr(losses, "__len__") or len(losses) < 20:
        raise AnswerTypeError("give the list of losses short_run returned (at least 20 steps)")
    return [float(v) for v in losses]


def _check_wider(answer: Any) -> bool:
    """05.7: ``(shallow losses, deep losses, True/False)``: does the deep plain net still end more than 0.1 above the
    shallow one? A gap within 0.001 of 0.1 may be read either way."""
    if isinstance(answer, str) or not isinstance(answer, tuple | list) or len(answer) != 3:
        raise AnswerTypeError("answer with (the shallow net's losses, the deep net's losses, True or False)")
    shallow, deep = _curve(answer[0]), _curve(answer[1])
    if len(shallow) != len(deep):
        raise AnswerTypeError("train both nets for the same number of steps")
    if not isinstance(answer[2], bool):
        raise AnswerTypeError(f"answer the question with True or False (got {answer[2]!r})")
    gap = final_loss(deep) - final_loss(shallow)
    if math.isnan(gap):
        return answer[2] is True  # the deep run diverged: it certainly ended worse
    return answer[2] in {gap > 0.1 - SHOWN, gap > 0.1 + SHOWN}


def _check_branch_scale(answer: Any) -> bool:
    return _one_of(answer, BRANCH_SCALES) == _largest_bounded_branch_scale()


EXERCISES: list[Exercise] = [
    Exercise(
        "05.1",
        "Section 1's plain chain at gain 1.0 shrank. Run jacobian_chain(1000, width=w) for w = 8, 32, 64 and 128: "
        "which width leaves the length after 1000 factors closest to 1 (on a log scale)? (a whole number)",
        lambda a: _one_of(a, CHAIN_WIDTHS) == _width_closest_to_one(),
        "print the last entry of jacobian_chain(1000, width=w) for each w and compare how many orders of "
        "magnitude each is from 1. For the explanation: each factor's length is an average over the width's units.",
        "He's scale keeps the expected squared length, but a product is governed by the average of the logarithm, "
        "which is below the log of the average: each factor shrinks the length a little, and the smaller the "
        "width, the more a factor's length varies and the more it shrinks. The widest chain drifts least; at "
        "width 8 the product can even reach exactly 0, when a ReLU mask zeroes every unit.",
    ),
    Exercise(
        "05.2",
        "A plain+BN net, 100 blocks deep, at initialisation: measure its first/last ratio on the first b training "
        "images, profile_at_init(100, x[:b], y[:b], **VARIANTS['plain+BN']), for b = 8, 32 and 128. Which batch "
        "size makes the gradient explode fastest? Answer (the batch size, x, y): the checker repeats your "
        "measurement on your images.",
        _check_fastest_batch,
        "compute first_last_ratio of each profile and compare the three. In training mode a BN layer normalises "
        "with the statistics of the batch it sees.",
        "In training mode BN divides by the batch's own standard deviation, so its backward pass couples the "
        "examples of the batch: at each layer it removes the part of the gradient shared by the whole batch and "
        "rescales the rest, and with few examples the batch's statistics, and so that rescaling, depend on each "
        "example the most. So the smaller the batch, the faster the ratio compounds with depth (your three "
        "ratios show by how much). Batch statistics make BN part of the function being differentiated, not a "
        "fixed rescaling.",
    ),
    Exercise(
        "05.3",
        "The bare identity in I + s·W·D keeps the vector's length; the branch term s·W·D adds to it. Run "
        "jacobian_chain(1000, residual=True, branch_scale=s) for s = 0.05, 0.1, 0.15, 0.2, 0.3 and 0.5. What is the "
        "largest s whose vector is still shorter than 1,000,000 after 1000 factors? (a number)",
        _check_branch_scale,
        "print the last entry of jacobian_chain(1000, residual=True, branch_scale=s) for every s in the list; "
        "compare each with 1e6.",
        "Each factor I + s·W·D adds to the vector a random one of relative size about s, so it multiplies the "
        "squared length by roughly 1 + s², and these factors compound over the L blocks: small branches "
        "keep the length near 1, large ones make it grow exponentially with depth. That is why the branches "
        "must be small next to the sum they join (or start at zero, γ = 0) for the identity to dominate.",
    ),
    Exercise(
        "05.4",
        "For depths 420, 440, 460, 480 and 500, build DeepMLP(depth, **VARIANTS['plain+BN']) after "
        "torch.manual_seed(0), run one float32 backward pass on the probe batch and check whether every block's "
        "weight gradient is finite. What is the deepest of these depths whose gradients are all finite? Answer "
        "(the depth, x_probe, y_probe): the checker repeats your measurement on your batch.",
        _check_deepest_finite,
        "repeat section 5's backward pass at each depth and test torch.isfinite(block.linear.weight.grad).all() "
        "for every block.",
        "The plain+BN gradient grows by a roughly constant factor per block toward the input (section 2's table), "
        "so it passes float32's largest number, about 3.4e38, at a depth that you can estimate from that factor: "
        "a few hundred blocks. Beyond it the low blocks' gradients are infinite, and the first SGD step turns "
        "every weight they touch into NaN, as in section 5's 1000-block run.",
    ),
    Exercise(
        "05.5",
        "γ = 0 makes a residual+BN net exactly flat at initialisation. Set every branch's BN scale to γ instead, for "
        "γ = 0.01, 0.03, 0.3 and 1.0, in a 200-block net built after torch.manual_seed(0), and measure its "
        "first/last ratio on the probe batch. Which γ keep the ratio below 2? Answer (a list of numbers, x_probe, "
        "y_probe): the checker repeats your measurement on your batch.",
        _check_gammas,
        "build net = DeepMLP(200, **VARIANTS['residual+BN']), set torch.nn.init.constant_(block.bn.weight, γ) in "
        "every block of net.blocks, then first_last_ratio(grad_norms(net, x_probe, y_probe)); repeat for each γ.",
        "γ is the branch's output scale, the s of exercise 05.3: each block adds to the sum a term about γ times "
        "its size, so the smaller γ, the closer each factor stays to the identity and the less 200 of them "
        "compound (your ratios grow with γ). γ = 0 is the limit: flat, and each block starts as the identity.",
    ),
    Exercise(
        "05.6",
        "Repeat section 4's lesion experiment with seed 2: train the 50-block plain+BN and residual+BN (γ = 1) nets "
        "with run(...), delete each block in turn with lesion_losses. For each net, how many blocks raise the loss "
        "by more than 0.1 when deleted? Answer (plain net's lesion_losses, residual net's, count for the plain "
        "net, count for the residual net).",
        _check_lesion_counts,
        "for each net, count the blocks with loss_without - loss_whole > 0.1, e.g. "
        "sum(v - whole > 0.1 for v in without)",
        "In the plain net many blocks matter, those near the input most: each later layer was trained on exactly what "
        "the block below it computed, so removing one feeds the rest inputs they have never seen. In the residual net "
        "each block adds a correction to a sum that flows past it, so the later blocks still see almost the input "
        "they were trained on; few blocks (or none) matter on their own. Veit et al. (2016) read this as a residual "
        "net behaving like an ensemble of many shorter paths.",
    ),
    Exercise(
        "05.7",
        "Is the deep plain net too narrow? Train the 3- and the 50-block plain+BN nets twice as wide "
        "(width=64, the lesson's recipe, seed 0). Does the 50-block net still end with a loss more than 0.1 "
        "above the 3-block one (final_loss)? Answer (the 3-block losses, the 50-block losses, True or False).",
        _check_wider,
        "compare final_loss(deep_losses) - final_loss(shallow_losses) with 0.1",
        "Width gives every layer more room, but it does not remove the product of 50 Jacobians between the loss "
        "and the low layers, nor the fact that the deep plain net must learn an identity-like map in every block "
        "just to keep what the shallow net has for free. If the gap stays, degradation is a matter of depth and "
        "optimisation, not of too few units per layer; the shortcut, not width, is the fix.",
    ),
]
