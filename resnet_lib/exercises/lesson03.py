"""Exercises for lesson 03 (the ResNet-18 build). Each checker computes the right answer from the model, or judges
the learner's reading of an experiment from the learner's own measurements."""

from __future__ import annotations

import math
from functools import lru_cache
from typing import cast

import torch
from torch import nn

from ..blocks import Residual
from ..data import load_fashion_mnist
from ..lessons.seeds import compare_seeds
from ..measure import layer_shapes, size_report, weighted_layers
from ..models import build_resnet, resnet18
from ..seeding import seed_everything
from ..training import Recipe, train
from . import AnswerTypeError, Exercise, number, whole_number, whole_numbers


def weighted_layer_counts(blocks_per_stage: tuple[int, ...], width: int = 64) -> tuple[int, int]:
    """``(all weighted layers, those on the main path)`` of a d2l-style ResNet with the given residual blocks per
    stage; the second is the number in a ResNet's name."""
    with torch.device("meta"):  # structure only: no memory, no initialisation
        net = build_resnet(Residual, blocks_per_stage, width=width)
    layers = weighted_layers(net)
    return len(layers), sum(layer.main_path for layer in layers)


def stage_flop_ratio(stage: str, small: int = 28, large: int = 96) -> float:
    """How many times more FLOPs ``stage`` of d2l's ResNet-18 does on a ``large`` input than on a ``small`` one."""
    names = [name for name, _ in size_report(small).shapes]
    if stage not in names:
        raise ValueError(f"unknown stage {stage!r}; the stages are {', '.join(names)}")
    i = names.index(stage)
    return size_report(large).stage_flops[i] / size_report(small).stage_flops[i]


@lru_cache(maxsize=512)
def last_map_side(image_size: int) -> int:
    """The side of b5's output when d2l's ResNet-18 runs on one ``image_size`` square image (shapes only)."""
    with torch.device("meta"):
        net = resnet18()
    return layer_shapes(net, torch.zeros(1, 1, image_size, image_size))[4][1][-1]


def _last_map_reading(answer: object) -> bool:
    """03.2: ``(sides, largest)``: measured ``{size: side}`` (at least 10 sizes, each as the net gives it), and the
    largest size whose last map is 1x1, read off those measurements (the size after it measured too)."""
    if not isinstance(answer, tuple | list) or len(answer) != 2 or not isinstance(answer[0], dict):
        raise AnswerTypeError("answer with a pair (sides, largest): sides a dict {input size: side of b5's "
                              "output} of your measurements, largest a whole number")
    sides = {whole_number(size): whole_number(side) for size, side in answer[0].items()}
    largest = whole_number(answer[1])
    if len(sides) < 10 or any(size < 1 for size in sides):
        return False
    if any(last_map_side(size) != side for size, side in sides.items()):
        return False  # a measurement that is not what the net gives
    ones = [size for size, side in sides.items() if side == 1]
    return bool(ones) and largest == max(ones) and sides.get(largest + 1, 0) > 1


POOL_EPOCHS = 6  # section 7's recipe, shortened: about 280 steps on the sample, to the end of the one-cycle schedule
REPRODUCED = 0.005  # how far the learner's first seed may lie from the checker's run of it: 5 of 1,000 test images


def pool_recipe(seed: int) -> Recipe:
    """03.3's training: section 7's recipe (SGD with momentum and weight decay, a one-cycle learning rate) at 28 px,
    batches of 64, for :data:`POOL_EPOCHS` epochs."""
    return Recipe(lr=0.1, epochs=POOL_EPOCHS, batch_size=64, image_size=28, momentum=0.9, weight_decay=5e-4,
                  one_cycle=True, seed=seed)


@lru_cache(maxsize=8)
def pool_accuracy(max_pool: bool, seed: int) -> float:
    """03.3's experiment on one seed: ResNet-18 at width 8, with or without the stem's max-pool, trained on the
    embedded sample with :func:`pool_recipe` on the CPU, on one thread as the exercise asks (a net this small runs
    many times faster so, above all on a busy machine); its final test accuracy (the checker's own run)."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        seed_everything(seed)
        model = resnet18(width=8)
        if not max_pool:
            cast(nn.Sequential, model[0])[3] = nn.Identity()  # the stem's max-pool
        data = load_fashion_mnist("sample")
        return train(model, data, pool_recipe(seed), device="cpu", progress=False).test_acc[-1]
    finally:
        torch.set_num_threads(threads)


def pool_verdict(with_pool: dict[int, float], without_pool: dict[int, float]) -> str:
    """The course's rule (:func:`~resnet_lib.lessons.seeds.compare_seeds`): ``"without"`` when on every seed the net
    without the stem's max-pool is ahead by more than the spread between seeds, ``"with"`` the other way round,
    otherwise ``"can't tell"``."""
    side = compare_seeds(without_pool, with_pool).side
    return {"higher": "without", "lower": "with"}.get(side or "", "can't tell")


CONCLUSIONS = ("with", "without", "can't tell")


def _accuracies(values: object) -> dict[int, float]:
    if not isinstance(values, dict):
        raise AnswerTypeError("give each setting's test accuracies as a dict {seed: accuracy}, e.g. "
                              "{0: 0.81, 1: 0.83, 2: 0.82}")
    accs = {whole_number(seed): number(v) for seed, v in values.items()}
    if not all(0 <= a <= 1 for a in accs.values()):
        raise AnswerTypeError("accuracies are fractions between 0 and 1 (0.71, not 71)")
    return accs


def _pool_reading(answer: object) -> bool:
    """03.3: ``(with_pool, without_pool, conclusion)``: ``{seed: accuracy}`` for the same >= 3 seeds each, both
    nets learned (above 0.2; chance is 0.1), the first seed's accuracies are what the checker's own run of it
    gives (:func:`pool_accuracy`), and the conclusion is what the course's rule says of them (:func:`pool_verdict`)."""
    if not isinstance(answer, tuple | list) or len(answer) != 3:
        raise AnswerTypeError("answer with a triple (with_pool, without_pool, conclusion)")
    with_pool, without_pool = _accuracies(answer[0]), _accuracies(answer[1])
    conclusion = answer[2]
    if not isinstance(conclusion, str) or conclusion.strip().lower() not in CONCLUSIONS:
        raise AnswerTypeError('the conclusion is one of "with", "without" or "can\'t tell"')
    if len(with_pool) < 3 or set(with_pool) != set(without_pool):
        return False
    if min([*with_pool.values(), *without_pool.values()]) <= 0.2:
        return False
    first = min(with_pool)
    for max_pool, accs in ((True, with_pool), (False, without_pool)):
        if abs(accs[first] - pool_accuracy(max_pool, first)) > REPRODUCED:
            return False  # not what this experiment gives on that seed
    return conclusion.strip().lower() == pool_verdict(with_pool, without_pool)


EXERCISES: list[Exercise] = [
    Exercise(
        "03.1",
        "How many times more FLOPs does b5 do on a 100 px input than on a 28 px one? Compare it with the area "
        "ratio (100/28)**2 and explain the difference from the two size reports' shapes. (a number)",
        lambda a: math.isclose(number(a), stage_flop_ratio("b5", 28, 100), rel_tol=1e-3),
        "divide b5's entry of measure.size_report(100).stage_flops by its entry in measure.size_report(28)"
        ".stage_flops. To explain the number, put the side of b5's output in each report next to 100/28.",
        "a conv's FLOPs grow with the number of output positions, so b5's FLOPs grow as the square of b5's "
        "side, not of the input's. The two reports give b5 a 4x4 map at 100 px and a 1x1 map at 28 px: 16 times "
        "the positions, so 16 times the FLOPs, against an area ratio of (100/28)^2 = 12.8 (the sides' ratio, 4, "
        "is larger than the inputs', 100/28 = 3.57). Every stride-2 layer rounds "
        "its output side up to a whole number, so a stage's side is not exactly proportional to the input's, and "
        "a stage can grow faster or slower than the image's area.",
    ),
    Exercise(
        "03.2",
        "Run the net on square inputs of at least 10 sizes, across the size where b5's output stops being 1x1, "
        "and record the side of b5's output for each. Answer (sides, largest): sides a dict {input size: side} "
        "of your measurements, largest the largest input size whose last map is 1x1 (measure the next size too).",
        _last_map_reading,
        "take the side from layer_shapes(net, torch.zeros(1, 1, s, s)): b5's output is its fifth row. Measure "
        "sizes on both sides of the change, one pixel apart, and answer with the largest size that still gives 1.",
        "five layers halve the side: the stem's stride-2 conv, its stride-2 max-pool and the first block of b3, "
        "b4 and b5. With the padding used here each halving rounds up, so the last side is the input side "
        "halved five times, rounded up: the map stays 1x1 until that quotient passes 1. 2^5 = 32, so every size up "
        "to 32 gives a 1x1 last map and 33 gives 2x2. At Fashion-MNIST's "
        "28 px b5 works on a single position; d2l's 96 px gives it 3x3, 224 px 7x7.",
    ),
    Exercise(
        "03.3",
        "Train ResNet-18 at width 8 at 28 px with and without the stem's max-pool (net[0][3] = nn.Identity()), "
        "with 03.3's recipe (pool_recipe(seed) in resnet_lib.exercises.lesson03), the same seeds, at least 3, and "
        "measure the final test accuracy. Answer (with_pool, without_pool, conclusion): two dicts {seed: accuracy} "
        "and what the course's rule says (compare_seeds): \"with\", \"without\" or \"can't tell\".",
        _pool_reading,
        "give each setting's final test accuracies as a dict {seed: accuracy}, measured as the exercise says (the "
        "checker trains your first seed itself and compares). Then compare_seeds(without_pool, with_pool): a "
        "setting is ahead only if on every seed its lead is larger than the spread between seeds; otherwise the "
        "answer is \"can't tell\".",
        "without the max-pool the stages work on 14, 7, 4 and 2 px maps instead of 7, 4, 2 and 1: b5 gets a 2x2 map, "
        "as at a 56 px input with the pool, for 3.4 times the FLOPs at width 8 (measure.count_flops: the stages do up "
        "to four times the work, the stem conv and the head the same). Both nets see the same 28x28 pixels, so this "
        "separates the last map's size from the image's. He et al. 2015 drop the pool for their 32x32 CIFAR images (a "
        "3x3 stem, no pooling, an 8x8 last map). The verdict is the course's rule, as in section 7's table: a lead "
        "counts only if on every seed it is larger than the spread between seeds. If it counts, the small maps cost "
        "accuracy in runs of this length; if not, the lead is no larger than what changing the seed does, and more "
        "seeds or more test images are the next experiment, not a conclusion.",
    ),
    Exercise(
        "03.4",
        "Build a d2l-style ResNet with (3, 3, 3, 3) residual blocks per stage: build_resnet(Residual, (3, 3, 3, 3)). "
        "How many weighted layers does it have in all, shortcut convs included, and what number would its name "
        "carry, by the convention that makes ResNet-18 '18'? (a tuple of two whole numbers: all, the name's)",
        lambda a: whole_numbers(a) == weighted_layer_counts((3, 3, 3, 3)),
        "list the layers with measure.weighted_layers(net), as section 2 did for ResNet-18: each row says "
        "whether the layer lies on the main path. Count all rows, then only the main-path ones.",
        "each basic block has two 3x3 convs on its main path; add the stem conv and the linear layer and you "
        "have the number in the name. The first block of b3, b4 and b5 adds a 1x1 conv on its shortcut: those "
        "count among all the weighted layers but lie off the main path, so the name leaves them out.",
    ),
]
