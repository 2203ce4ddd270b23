"""Exercises for lesson 06 (plain vs residual, the ResNet family). 06.1 and 06.2 compute their answer; 06.3 (depth
32 between 20 and 56) computes the training errors from the learner's own runs (section 2's and plain-32's); 06.4
tests the learner's option-A shortcut and counts the 1x1 projections it replaces."""

from __future__ import annotations

import math
from typing import Any

import torch

from ..blocks import Bottleneck, Residual, ResNeXtBlock
from ..lessons.plain_vs_residual import Run, tail_errors
from ..measure import count_flops, count_parameters
from ..models import build_resnet, cifar_resnet, family_member
from . import AnswerTypeError, Exercise, number, whole_number

SHOWN = 0.001  # training errors are printed with 3 decimals
DISAGREE = "seeds disagree"  # 06.3's answer when plain-32 is closer to plain-20 on one seed and to plain-56 on another
ANSWER_06_3 = f"answer with (curves | curves32, 20, 56 or {DISAGREE!r}): section 2's runs with plain-32's added"

IMAGENET: dict[str, Any] = {"in_channels": 3, "num_classes": 1000, "style": "torchvision"}  # the family table's setting


def _on_meta(build):  # structure only: no memory, no initialisation
    with torch.device("meta"):
        return build()


def _resnext50(groups: int):
    """ResNeXt-50 with its 3x3 convs in ``groups`` groups and the same bottleneck widths as 32x4d (128 ... 1024)."""
    return _on_meta(lambda: build_resnet(ResNeXtBlock, (3, 4, 6, 3), groups=groups, width_per_group=128 // groups,
                                         **IMAGENET))


def _ungrouped_over_grouped() -> float:
    return count_parameters(_resnext50(1)) / count_parameters(_resnext50(32))


def projection_parameters(width: int) -> int:
    """Parameters of ResNet-56's 1x1 projection shortcuts (conv and batch norm) at ``width``: what option A saves."""
    net = _on_meta(lambda: cifar_resnet(56, width=width))
    return sum(count_parameters(b.conv3) + (count_parameters(b.bn3) if b.bn3 is not None else 0)
               for b in net.modules() if isinstance(b, Residual) and b.conv3 is not None)


def _is_option_a(shortcut: Any) -> bool:
    """Whether ``shortcut(x, channels, stride)`` is He et al.'s option A: subsample by ``stride``, then pad with zero
    channels up to ``channels``; no parameters."""
    if not callable(shortcut):
        raise AnswerTypeError("give your shortcut function shortcut(x, channels, stride) first, without calling it")
    if isinstance(shortcut, torch.nn.Module) and count_parameters(shortcut):
        return False  # option A has nothing to learn
    x = torch.randn(2, 4, 6, 6, generator=torch.Generator().manual_seed(0))
    with torch.no_grad():
        down, same = shortcut(x, 8, 2), shortcut(x, 4, 1)
    return (tuple(down.shape) == (2, 8, 3, 3) and torch.equal(down[:, :4], x[:, :, ::2, ::2])
            and not down[:, 4:].any() and torch.equal(same, x))


def _check_option_a(answer: Any) -> bool:
    if isinstance(answer, str) or not isinstance(answer, tuple | list) or len(answer) != 2:
        raise AnswerTypeError("answer with (your shortcut function, the number of parameters it saves)")
    shortcut, saved = answer
    return _is_option_a(shortcut) and whole_number(saved) == projection_parameters(64)


def _lesson_errors(runs: Any) -> dict[int, dict[int, float]]:
    """06.3: plain-20's, plain-32's and plain-56's training errors over the last 20 % of the steps, per seed, computed
    here from the runs themselves (section 2's ``curves`` with plain-32's ``curves32`` added)."""
    if not isinstance(runs, dict) or not all(isinstance(run, Run) for run in runs):
        raise AnswerTypeError(f"{ANSWER_06_3}: give the runs themselves, not numbers typed from them")
    missing = [f"plain-{d}" for d in (20, 32, 56) if Run("plain", d) not in runs]
    if missing:
        raise AnswerTypeError(f"the runs have no {', '.join(missing)}: {ANSWER_06_3}")
    plain = {d: runs[Run("plain", d)] for d in (20, 32, 56)}
    if not set(plain[20]) == set(plain[32]) == set(plain[56]) or len(plain[32]) < 2:
        raise AnswerTypeError("train plain-32 on the same seeds as section 2's runs (seeds=plan.seeds), at least 2")
    steps = {len(curve.errors) for by_seed in plain.values() for curve in by_seed.values()}
    if len(steps) != 1:
        raise AnswerTypeError("train plain-32 for as many steps as section 2's runs (steps=plan.steps)")
    return {d: tail_errors({Run("plain", d): plain[d]})[Run("plain", d)] for d in (20, 32, 56)}


def _check_depth_32(answer: Any) -> bool:
    """06.3: ``(runs, closer)``: runs = section 2's curves with plain-32's added (``curves | curves32``), from which
    the checker takes the three plain nets' errors; closer is 20 or 56 when plain-32's error is closer to that net's
    on every seed, "seeds disagree" otherwise. A seed whose two distances tie at 3 decimals may be read either way."""
    if isinstance(answer, str) or not isinstance(answer, tuple | list) or len(answer) != 2:
        raise AnswerTypeError(ANSWER_06_3)
    runs, closer = answer
    e = _lesson_errors(runs)
    readings = []  # per seed: the depths plain-32 may be read as closer to
    for s in e[32]:
        to20, to56 = abs(e[32][s] - e[20][s]), abs(e[32][s] - e[56][s])
        readings.append({20, 56} if math.isclose(to20, to56, abs_tol=2 * SHOWN) else {20 if to20 < to56 else 56})
    if isinstance(closer, str) and closer.strip().lower() == DISAGREE:
        return any(20 in a and 56 in b for a in readings for b in readings if a is not b)
    if isinstance(closer, str) or whole_number(closer) not in (20, 56):
        raise AnswerTypeError(f"answer the question with 20, 56 or {DISAGREE!r} (got {closer!r})")
    return all(whole_number(closer) in r for r in readings)


def _flops_101_over_50() -> float:
    r101 = _on_meta(lambda: build_resnet(Bottleneck, (3, 4, 23, 3), **IMAGENET))
    r50 = _on_meta(lambda: family_member("ResNet-50", **IMAGENET))
    return count_flops(r101, (3, 224, 224)).total / count_flops(r50, (3, 224, 224)).total


EXERCISES: list[Exercise] = [
    Exercise(
        "06.1",
        "ResNeXt-50 with its 3x3 convs in 1 group instead of 32 (the same bottleneck widths): how many times "
        "the parameters of ResNeXt-50 32x4d does it have? Answer with a number.",
        lambda a: abs(number(a) - _ungrouped_over_grouped()) <= 0.01,
        "build both nets as the exercise shows, with groups=1 and groups=32, and divide their count_parameters. "
        "Grouping divides the weights of the 3x3 convs only: which convs of the block does it leave alone?",
        "Grouping divides only the 3x3 convs' weights by 32. The bottleneck's two 1x1 convs, the projection "
        "shortcuts, the batch norms, the stem and the classifier are untouched, and at these widths they hold "
        "most of ResNeXt-50's parameters; so the ungrouped net is only a few times larger, not 32 times.",
    ),
    Exercise(
        "06.2",
        "ResNet-101 stacks (3, 4, 23, 3) bottleneck blocks: how many times ResNet-50's FLOPs does it cost on one "
        "224x224 RGB image? Answer with a number.",
        lambda a: abs(number(a) - _flops_101_over_50()) <= 0.01,
        "build it with in_channels=3, num_classes=1000 and style='torchvision', as the family table's nets, "
        "take count_flops(net, (3, 224, 224)).total and divide by the table's ResNet-50 FLOPs. All 17 extra "
        "blocks sit in the third stage.",
        "ResNet-101 adds 17 bottleneck blocks, all in the third stage (14x14 maps, 1024 channels). Each costs "
        "about as much as any other block, because every stage halves the map and doubles the channels, so the "
        "cost grows nearly in proportion to the blocks: about 33 blocks against 16, close to twice the FLOPs. "
        "Going from 34 to 50 layers cost little because the bottleneck replaced the basic block.",
    ),
    Exercise(
        "06.3",
        "Put depth 32 between 20 and 56: train plain-32 with section 2's short run on the same seeds and compare "
        "its training error with plain-20's and plain-56's, seed by seed. Is it closer to plain-20 or to plain-56 "
        "on every seed? Answer a pair (runs, verdict): runs is section 2's curves with plain-32's added "
        "(curves | curves32), and verdict is 20, 56 or 'seeds disagree'.",
        _check_depth_32,
        "take the training error over the last 20 % of the steps (tail_errors) of the three plain nets, per seed, "
        "and on each seed compare the two distances |e32 - e20| and |e32 - e56|; answer 20 or 56 only if every "
        "seed gives the same one",
        "Where plain-32 lands places the harm of depth between 20 and 56 layers in this short run: next to "
        "plain-20 on every seed, most of the harm comes from the layers beyond 32; next to plain-56, most of it "
        "has come by 32 layers; nearer one net on some seeds and the other on the rest, these seeds cannot place "
        "it. Three depths cannot show whether the error rises steadily in between. Asking every seed keeps one "
        "lucky run from deciding: an answer counts only if each seed gives it, and two nets as close in depth as "
        "20 and 32 can differ by less than the seeds do (on a seed plain-32 may even end below plain-20). This "
        "is a short, early-training run: where plain-32 lands after training to the end was not measured "
        "(section 2's longer runs trained only 20 and 56 layers); a few seeds and a short run are a glimpse.",
    ),
    Exercise(
        "06.4",
        "He et al. 2015's option A shortcut has no parameters: subsample by the stride, then pad with zero "
        "channels. Write shortcut(x, channels, stride), use it in place of ResNet-56's 1x1 projections at width "
        "64, and count the parameters it saves. Answer (your function, the number saved).",
        _check_option_a,
        "x[:, :, ::stride, ::stride] subsamples; torch.nn.functional.pad(x, (0, 0, 0, 0, 0, extra)) adds extra zero "
        "channels. Count the parameters of every 1x1 projection conv and its batch norm (block.conv3, block.bn3).",
        "Only the two blocks that change the shape (where the channels double and the map halves) have a "
        "projection, so option A saves a few tens of thousands of parameters out of millions: the identity "
        "shortcuts, which cost nothing, are what makes the net residual. That is also why A and B differ little: "
        "they differ only in those few blocks. He et al. 2015 (Table 3, ResNet-34 on ImageNet) found B slightly "
        "better than A, and argued that A's zero-padded channels learn no residual; C (a projection on every "
        "shortcut) was marginally better than B, which they put down to its many extra parameters. The gaps were "
        "small, so projections are not what solves degradation, and they kept B: C costs memory and time, above "
        "all in the bottleneck nets (ResNet-50/101/152), where a projection on every shortcut would join the two "
        "wide ends of each block and roughly double its cost.",
    ),
]
