"""Exercises for lesson 06 (plain vs residual, the ResNet family). 06.1 and 06.2 compute their answer; 06.3 (depth
32 between 20 and 56) reads the learner's own training errors; 06.4 tests the learner's option-A shortcut and
counts the 1x1 projections it replaces."""

from __future__ import annotations

import math
from typing import Any

import torch

from ..blocks import Bottleneck, Residual, ResNeXtBlock
from ..measure import count_flops, count_parameters
from ..models import build_resnet, cifar_resnet, family_member
from . import AnswerTypeError, Exercise, number, whole_number

SHOWN = 0.001  # training errors are printed with 3 decimals
DISAGREE = "seeds disagree"  # 06.3's answer when plain-32 is closer to plain-20 on one seed and to plain-56 on another
ANSWER_06_3 = f"answer with ({{20: {{seed: error}}, 32: {{seed: error}}, 56: {{seed: error}}}}, 20, 56 or {DISAGREE!r})"

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


def _per_seed(errors: Any, depth: int) -> dict[int, float]:
    by_seed = errors[depth]
    if not isinstance(by_seed, dict) or len(by_seed) < 2:
        raise AnswerTypeError(f"give plain-{depth}'s training errors per seed, as in errors: {{seed: error, ...}}, "
                              "at least 2 seeds")
    e = {whole_number(s): number(v) for s, v in by_seed.items()}
    if not all(0 <= v <= 1 for v in e.values()):
        raise AnswerTypeError("give training errors as fractions between 0 and 1")
    return e


def _check_depth_32(answer: Any) -> bool:
    """06.3: ``(errors, closer)``: errors = {20: {seed: e}, 32: {seed: e}, 56: {seed: e}} of the learner's plain nets;
    closer is 20 or 56 when plain-32's error is closer to that net's on every seed, "seeds disagree" otherwise. A
    seed whose two distances tie at 3 decimals may be read either way."""
    if isinstance(answer, str) or not isinstance(answer, tuple | list) or len(answer) != 2:
        raise AnswerTypeError(ANSWER_06_3)
    errors, closer = answer
    if not isinstance(errors, dict) or sorted(errors) != [20, 32, 56]:
        raise AnswerTypeError("give the training errors as a dict {20: {seed: error}, 32: {...}, 56: {...}}")
    e = {d: _per_seed(errors, d) for d in (20, 32, 56)}
    if not set(e[20]) == set(e[32]) == set(e[56]):
        raise AnswerTypeError("give the three nets' errors for the same seeds")
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
        "on every seed? Answer a pair (errors, verdict): errors is {20: {seed: error}, 32: {seed: error}, "
        "56: {seed: error}}, and verdict is 20, 56 or 'seeds disagree'.",
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
