"""Exercises for lesson 05: predict what a gradient does, then let a fresh measurement judge. 05.2, 05.4 and 05.5
re-measure on the learner's own batch; 05.6 (the lesion experiment on another seed) deletes the blocks of the
learner's own trained nets again, after checking they were trained from seed 2; 05.7 (a wider plain net) re-runs
the first steps of the learner's two runs on the learner's images before it reads their ends."""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import cache
from typing import Any, cast

import torch

from ..lessons.degradation import final_loss, lesion_losses
from ..lessons.gradients import VARIANTS, Block, DeepMLP, first_last_ratio, grad_norms, jacobian_chain, profile_at_init
from ..training import short_run
from . import AnswerTypeError, Exercise, number, whole_number

BRANCH_SCALES = (0.05, 0.1, 0.15, 0.2, 0.3, 0.5)
BOUND = 1e6  # 05.3: the length a residual chain must stay below
CHAIN_WIDTHS = (8, 32, 64, 128)  # 05.1
BATCH_SIZES = (8, 32, 128)  # 05.2
OVERFLOW_DEPTHS = (420, 440, 460, 480, 500)  # 05.4
SHOWN = 0.001  # losses are printed with 3 decimals
GAMMAS = (0.01, 0.03, 0.3, 1.0)  # 05.5
LESION_SEED = 2  # 05.6
WIDE = 64  # 05.7: the width, seed, learning rate, and how many first steps the checker repeats
WIDE_SEED, WIDE_LR, REPEATED_STEPS = 0, 0.02, 10


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
    value = whole_number(answer) if all(isinstance(a, int) for a in allowed) else number(answer)
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


def _hurt(whole: float, without: list[float], by: float) -> int:
    """Blocks whose deletion raises the loss by more than ``by`` (a NaN loss counts as raised)."""
    return sum(not v - whole <= by for v in without)


def started_from_seed(net: DeepMLP, seed: int) -> bool:
    """Whether ``net`` was built after ``torch.manual_seed(seed)`` (as ``run`` builds it) and then trained: its weights
    moved, yet its typical block still points the way it started. Over a block's weights, the cosine between the
    trained net and that start is ~0.7 or more after section 3's 150 steps, ~0.0 for a start of any other seed."""
    with torch.random.fork_rng():
        torch.manual_seed(seed)
        start = DeepMLP(len(net.blocks), width=net.stem.out_features, in_features=net.stem.in_features,
                        residual=net.residual, batch_norm=net.batch_norm, zero_init_residual=net.zero_init_residual)
    pairs = [(cast(Block, a).linear.weight.detach(), cast(Block, b).linear.weight.detach())
             for a, b in zip(net.blocks, start.blocks, strict=True)]
    cosines = sorted(float(torch.nn.functional.cosine_similarity(a.flatten(), b.flatten(), dim=0)) for a, b in pairs)
    moved = max(float((a - b).abs().max()) for a, b in pairs) > 1e-4
    return moved and cosines[len(cosines) // 2] > 0.3


def _lesion_net(net: Any, name: str) -> DeepMLP:
    if not isinstance(net, DeepMLP):
        raise AnswerTypeError("give the two trained nets themselves, trained[name, deep, 2] (the checker deletes "
                              "their blocks again on x_eval)")
    if net.variant() != name:
        raise AnswerTypeError(f"the nets in the order asked: first the {'plain+BN'!r} net, then the "
                              f"{'residual+BN'!r} one (got a {net.variant()!r} net where the {name!r} one goes)")
    return net


def _check_lesion_counts(answer: Any) -> bool:
    """05.6: ``(plain net, residual net, n_plain, n_residual, x_eval, y_eval)``: the checker deletes each block of
    the learner's two trained nets itself (:func:`lesion_losses` on ``x_eval``) and counts the deletions that raise
    the loss by more than 0.1, after checking both nets were trained from seed 2; counts a reader of the
    3-decimal print could give are accepted."""
    if isinstance(answer, str) or not isinstance(answer, tuple | list) or len(answer) != 6:
        raise AnswerTypeError("answer with (the trained plain+BN net, the trained residual+BN net, blocks that "
                              "matter in the plain net, blocks that matter in the residual net, x_eval, y_eval)")
    nets = _lesion_net(answer[0], "plain+BN"), _lesion_net(answer[1], "residual+BN")
    if len(nets[0].blocks) != len(nets[1].blocks):
        raise AnswerTypeError("compare nets of the same depth: the two nets have different numbers of blocks")
    _, x, y = _on_batch((None, answer[4], answer[5]), "x_eval, y_eval", "...")
    if not all(started_from_seed(net, LESION_SEED) for net in nets):
        raise AnswerTypeError(f"train both nets from seed {LESION_SEED}, run(name, deep, {LESION_SEED}, steps, 0.02), "
                              f"and give those trained nets (these were not trained from seed {LESION_SEED})")
    with _one_thread():
        measured = [lesion_losses(net, x, y) for net in nets]
    return all(_hurt(*m, 0.1 + SHOWN) <= whole_number(n) <= _hurt(*m, 0.1 - SHOWN)
               for m, n in zip(measured, answer[2:4], strict=True))


def _curve(losses: Any) -> list[float]:
    if isinstance(losses, str) or not hasattr(losses, "__len__") or len(losses) < 20:
        raise AnswerTypeError("give the list of losses short_run returned for each depth (at least 20 steps)")
    return [float(v) for v in losses]


def wider_still_worse(shallow: list[float], deep: list[float]) -> set[bool]:
    """The answers to "does the deep net still end more than 0.1 above the shallow one?" that the two loss curves
    allow: a gap within 0.001 of 0.1 may be read either way; a deep run that diverged certainly ended worse."""
    gap = final_loss(deep) - final_loss(shallow)
    if math.isnan(gap):
        return {True}
    return {gap > 0.1 - SHOWN, gap > 0.1 + SHOWN}


def first_wide_steps(depth: int, images: torch.Tensor, labels: torch.Tensor) -> list[float]:
    """The first REPEATED_STEPS losses of 05.7's run: a ``depth``-block plain+BN net ``WIDE`` units wide, built after
    ``torch.manual_seed(WIDE_SEED)``, trained with section 3's recipe on ``(images, labels)``."""
    with torch.random.fork_rng():
        torch.manual_seed(WIDE_SEED)
        net = DeepMLP(depth, width=WIDE, **VARIANTS["plain+BN"])
        return short_run(net, images, labels, REPEATED_STEPS, lr=WIDE_LR, seed=WIDE_SEED)


def _check_wider(answer: Any) -> bool:
    """05.7: ``({depth: losses} for the shallow and the deep net, True/False, images, labels)``: the checker re-runs
    the first steps of both runs on the learner's images, then reads whether the deep net still ends more than 0.1
    above the shallow one."""
    if isinstance(answer, str) or not isinstance(answer, tuple | list) or len(answer) != 4 or \
            not isinstance(answer[0], dict) or len(answer[0]) != 2:
        raise AnswerTypeError("answer with ({shallow: its losses, deep: its losses}, True or False, "
                              "data.train_images, y): the checker repeats the first steps of your runs on your images")
    (shallow, low), (deep, high) = sorted((whole_number(d), _curve(v)) for d, v in answer[0].items())
    if len(low) != len(high):
        raise AnswerTypeError("train both nets for the same number of steps")
    if not isinstance(answer[1], bool):
        raise AnswerTypeError(f"answer the question with True or False (got {answer[1]!r})")
    images, labels = answer[2], answer[3]
    if not (isinstance(images, torch.Tensor) and images.dtype == torch.uint8 and isinstance(labels, torch.Tensor)
            and len(images) == len(labels)):
        raise AnswerTypeError("give the images and labels the nets were trained on: data.train_images, y")
    with _one_thread():
        for depth, losses in ((shallow, low), (deep, high)):
            repeated = zip(losses[:REPEATED_STEPS], first_wide_steps(depth, images, labels), strict=True)
            if not all(abs(a - b) <= 1e-3 * max(1.0, abs(b)) for a, b in repeated):
                return False  # not the run asked for: another width, seed or recipe
    return answer[1] in wider_still_worse(low, high)


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
        "by more than 0.1 when deleted? Answer (the trained plain net, the trained residual net, count for the "
        "plain net, count for the residual net, x_eval, y_eval): the checker deletes the blocks of your nets again.",
        _check_lesion_counts,
        "for each net, whole, without = lesion_losses(net, x_eval, y_eval), then count the blocks with "
        "v - whole > 0.1: sum(v - whole > 0.1 for v in without)",
        "In the plain net many blocks matter, those near the input most: each later layer was trained on exactly what "
        "the block below it computed, so removing one feeds the rest inputs they have never seen. In the residual net "
        "each block adds a correction to a sum that flows past it, so the later blocks still see almost the input "
        "they were trained on; few blocks (or none) matter on their own. Veit et al. (2016) read this as a residual "
        "net behaving like an ensemble of many shorter paths.",
    ),
    Exercise(
        "05.7",
        "Is the deep plain net too narrow? Train the shallow and the deep plain+BN nets twice as wide "
        "(width=64, the lesson's recipe, seed 0). Does the deep net still end with a loss more than 0.1 "
        "above the shallow one (final_loss)? Answer ({shallow: its losses, deep: its losses}, True or False, "
        "data.train_images, y): the checker repeats the first steps of your runs on your images.",
        _check_wider,
        "build each net with DeepMLP(depth, width=64, **VARIANTS['plain+BN']) after torch.manual_seed(0), train it "
        "with short_run(net, data.train_images, y, steps, lr=0.02, seed=0), then compare "
        "final_loss(deep net's losses) - final_loss(shallow net's losses) with 0.1",
        "Your two runs decide which case holds. True, the gap stays at twice the width: width gives every layer "
        "more room, but it removes neither the product of Jacobians between the loss and the low layers nor the "
        "need for the deep plain net to learn an identity-like map in every block, just to keep what the shallow "
        "net has for free; degradation is then a matter of depth and optimisation, not of too few units per "
        "layer, and the shortcut, not width, is the fix. False, the gap closes: at this depth a narrow layer was "
        "part of the trouble, and width alone would have helped here.",
    ),
]
