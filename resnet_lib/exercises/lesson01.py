"""Exercises for lesson 01 (nested function classes). Each checker computes the right answer itself."""

from __future__ import annotations

import math
from itertools import pairwise
from typing import Any, cast

import torch
from torch import nn

from ..lessons.function_classes import (
    CONTROL,
    SEEDS,
    breakpoints,
    contains,
    error_curves,
    in_a_word,
    insert_layer,
    small_cnn,
)
from ..lessons.seeds import compare_seeds
from . import Exercise, is_int_equal, number, whole_number, whole_numbers

MOVED_JUMP = 1 / 3  # exercises 01.2 and 01.3 move the jump of f* from 0 to here


def uniform_sizes_containing(size: int, largest: int = 12) -> set[int]:
    """The sizes m <= ``largest`` whose equal-pieces class contains the equal-pieces class with ``size``."""
    return {m for m in range(1, largest + 1) if contains(breakpoints(m, False), breakpoints(size, False))}


def moved_jump_target(x: torch.Tensor) -> torch.Tensor:
    """f* with its jump moved from 0 to ``MOVED_JUMP``: x² + [x > 1/3]."""
    return x**2 + (x > MOVED_JUMP).to(x.dtype)


def rises(family: str, max_size: int = 12) -> list[int]:
    """The sizes 2..``max_size`` at which ``family``'s best error for :func:`moved_jump_target` is larger than
    with one piece fewer."""
    errors = error_curves(max_size, f=moved_jump_target)[family]
    return [n for n, (a, b) in enumerate(pairwise(errors), start=2) if b > a]


def equal_pieces_wins(max_size: int = 12) -> int:
    """At how many sizes 1..``max_size`` the equal-pieces best error for :func:`moved_jump_target` is strictly
    below the nested one of the same size."""
    errors = error_curves(max_size, f=moved_jump_target)
    return sum(b < a for a, b in zip(errors["nested"], errors["non-nested"], strict=True))


def dirac_bn_layer_change(channels: int = 4) -> float:
    """max |change| of ``small_cnn(channels)``'s output, both nets in training mode, when a dirac conv -> BN ->
    ReLU layer is inserted after the max-pool (the net built and the input drawn after ``torch.manual_seed(0)``)."""
    torch.manual_seed(0)
    net = small_cnn(channels)
    x = torch.randn(8, 1, 28, 28)
    conv = nn.Conv2d(channels, channels, kernel_size=3, padding=1)
    nn.init.dirac_(conv.weight)
    nn.init.zeros_(cast(torch.Tensor, conv.bias))
    grown = insert_layer(net, nn.Sequential(conv, nn.BatchNorm2d(channels), nn.ReLU()))
    with torch.no_grad():
        return (grown.train()(x) - net.train()(x)).abs().max().item()


POSITIONS = (1, 2, 3, 4)  # 01.5: after the conv, after the BN, after the ReLU, after the max-pool
RESIDUAL = "residual, γ = 0"


KEPT_ANYWAY = {2, 3, 4}  # where relu(x) cannot change any net's outputs: a ReLU follows, or x >= 0 already


def _positions_answer(answer: Any) -> bool:
    changes, keeps = answer
    changes = {whole_number(p): number(c) for p, c in dict(changes).items()}
    if set(changes) != set(POSITIONS) or min(changes.values()) < 0:
        return False  # one largest change (>= 0) per position 1, 2, 3, 4
    read = {p for p, c in changes.items() if c == 0}  # what the learner's own numbers say
    # position 1 depends on the trained BN's shifts (it keeps the outputs only if no channel's shift lifts a zeroed
    # entry above 0), so it is judged from the learner's numbers alone
    return set(whole_numbers(keeps)) == read and KEPT_ANYWAY <= read


VERDICTS = ("higher", "lower", "not told apart")


def seed_verdict(a: dict[int, float], b: dict[int, float]) -> str:
    """Section 3's rule on two ``{seed: value}`` results: ``a`` "higher" or "lower" than ``b`` (on every seed by
    more than the spread between seeds), or "not told apart"."""
    return in_a_word(compare_seeds(a, b))


def _by_seed(values: Any) -> dict[int, float]:
    by_seed = {whole_number(s): number(v) for s, v in dict(values).items()}
    if not all(0 < v < 10 and math.isfinite(v) for v in by_seed.values()):
        raise ValueError("a mean loss is a positive number (about 0.3 to 3 here)")
    return by_seed


def _new_seeds_answer(answer: Any) -> bool:
    late, verdict = answer
    late = dict(late)
    residual, control = _by_seed(late[RESIDUAL]), _by_seed(late[CONTROL])
    new_seeds = set(residual) == set(control) and len(residual) >= 2 and not set(residual) & set(SEEDS)
    return new_seeds and verdict in VERDICTS and verdict == seed_verdict(residual, control)


EXERCISES: list[Exercise] = [
    Exercise(
        "01.1",
        "Which class sizes m in 1..12 give an equal-pieces class that contains the equal-pieces class with "
        "3 pieces? A class contains itself, so m = 3 counts. Answer with a set of whole numbers.",
        lambda a: set(whole_numbers(a)) == uniform_sizes_containing(3),
        "a grid of m equal pieces has breakpoints at -1 + 2k/m; it contains the 3-piece grid when both "
        "-1/3 and 1/3 are among them. For which m does -1 + 2k/m = -1/3 have a whole-number k?",
        explanation="The 3-piece grid's breakpoints are -1/3 and 1/3. A grid of m equal pieces has breakpoints "
        "-1 + 2k/m, and -1 + 2k/m = -1/3 needs k = m/3: a whole number exactly when 3 divides m. So only the "
        "grids of 3, 6, 9 and 12 pieces contain it; the others are bigger classes that do not contain it, "
        "which is why their best error is not bound to be lower.",
    ),
    Exercise(
        "01.2",
        "Move the jump of f* from 0 to x = 1/3: f(x) = x**2 + (x > 1/3). At which sizes in 2..12 does the "
        "non-nested (equal pieces) best error go up compared with one piece fewer? Predict from where the jump "
        "falls, then measure with error_curves(12, f=f). Answer with a list of whole numbers.",
        lambda a: sorted(whole_numbers(a)) == rises("non-nested"),
        "write f with tensor operations, f = lambda x: x**2 + (x > 1 / 3), and compare each entry of "
        "error_curves(12, f=f)['non-nested'] with the one before, as section 1 did with `rises`. For your "
        "prediction: which equal grids have a breakpoint exactly at 1/3 (exercise 01.1)?",
        explanation="A grid with a breakpoint on the jump (3, 6, 9, 12 pieces: 3 divides m) fits both sides "
        "of it separately; with one piece more, the breakpoints move and the jump falls inside a piece, so the "
        "best error goes up at 4, 7 and 10 pieces. The rises follow where the jump falls relative to the grid, "
        "not the size: that is what 'no guarantee' means for non-nested classes.",
    ),
    Exercise(
        "01.3",
        "With the jump moved to x = 1/3 as in 01.2: at how many sizes in 1..12 does the equal-pieces class fit "
        "strictly better than the nested class with the same number of pieces? Answer with a whole number.",
        lambda a: is_int_equal(a, equal_pieces_wins()),
        "measure both families with error_curves(12, f=f) and count the sizes where the 'non-nested' entry is "
        "below the 'nested' one. To explain it: the nested breakpoints are 0, -1/2, 1/2, -3/4, ... (halves, quarters, "
        "eighths): can one of them ever fall on 1/3?",
        explanation="Sort the 12 sizes into three groups. At 1, 2, 4 and 8 pieces the two classes are the same class "
        "(equal grids of 2, 4 and 8 pieces have their breakpoints at halves, quarters, eighths, exactly where the "
        "nested ones are), so neither fits strictly better. At 3, 6, 9 and 12 pieces the equal grid has a breakpoint "
        "on 1/3 (3 divides m, as in 01.1) and fits the two sides of the jump separately, while no nested breakpoint "
        "(a fraction over a power of 2) ever falls on 1/3. At 5, 7, 10 and 11 pieces neither grid splits at the "
        "jump, and a jump inside a piece costs more the wider that piece is: at 5, 10 and 11 the equal piece holding "
        "1/3 is the narrower one (at 5: 0.2 to 0.6 against the nested 0 to 0.5); at 7 it is not, and the equal grid "
        "still wins on the smooth x² part, which pieces of one width fit better than a mix of halves and quarters. "
        "That makes 4 + 4 = 8, which you can check against your two lists. Nesting guarantees that the best error "
        "never rises as the class grows, not that the class is the best one of its size.",
    ),
    Exercise(
        "01.4",
        "Put a torch.nn.BatchNorm2d between the identity-initialised conv and its ReLU (conv -> BN -> ReLU, "
        "like plain_layer; conv, relu = identity_plain_layer(4), from resnet_lib.lessons.function_classes). "
        "After torch.manual_seed(0), build small = small_cnn(4) and x = torch.randn(8, 1, 28, 28), "
        "insert the layer after the max-pool, and compare the outputs with both nets in training mode: what "
        "is the largest change? (a number, to 2 decimals)",
        lambda a: abs(number(a) - dirac_bn_layer_change()) <= 0.005 + 1e-9,
        "in training mode a BN subtracts each channel's batch mean and divides by its batch standard "
        "deviation. Does the max-pool output already have mean 0 and standard deviation 1 in every channel? "
        "Build the layer with nn.init.dirac_ and zero bias as in identity_plain_layer, then measure.",
        explanation="The dirac conv copies its input, but in training mode the BN then subtracts each channel's "
        "batch mean and divides by its batch standard deviation. The max-pool's output is non-negative with a mean "
        "well above 0, so the BN shifts and rescales it, and the ReLU after it cuts off what the shift made "
        "negative: the layer is no longer the identity, and the change is of the size of the outputs themselves. "
        "A layer that should start as the identity must not contain a normalisation that rewrites its input; the "
        "residual block keeps its BNs inside the branch, where γ = 0 silences them.",
    ),
    Exercise(
        "01.5",
        "Insert a γ = 0 residual layer (zero_init_residual(8), from resnet_lib.lessons.function_classes) into the "
        "trained net at each position 1, 2, 3 and 4 (after the conv, after its BN, after the ReLU, after the "
        "max-pool) and measure the largest change of the outputs on X[:EVAL_IMAGES]. Answer (changes, keeps): "
        "changes = {position: largest change}, keeps = the set of positions where the outputs stayed exactly the "
        "same.",
        _positions_answer,
        "for p in (1, 2, 3, 4): o, _, _ = loss_and_accuracy(insert_layer(net, zero_init_residual(8), p), "
        "X[:EVAL_IMAGES], y[:EVAL_IMAGES]); changes[p] = (o - out).abs().max().item(). keeps are the positions "
        "whose change is exactly 0. With γ = 0 the layer computes relu(x): where can that differ from x, and does "
        "the layer that comes next undo the difference?",
        explanation="With γ = 0 the block computes relu(x + 0) = relu(x). After the ReLU (3) and after the "
        "max-pool (4) x is already non-negative, so relu(x) = x exactly. After the BN (2) the block zeroes the "
        "negative entries, but the net's own ReLU comes next and would have zeroed them anyway (relu(relu(x)) = "
        "relu(x)), so the outputs are still exact. Between the conv and its BN (1) the block turns the conv's "
        "negative outputs into 0 before the BN, which maps 0 to β − γ·μ/σ in each channel (its shift β, scale γ, "
        "running mean μ and standard deviation σ). The net's ReLU then zeroes the entry if that value is at most "
        "0, as it would have zeroed the BN's output for the negative conv output itself if that too was at most "
        "0; the outputs change only where one of the two lies above 0 (a channel that maps 0 above 0, or a "
        "negative γ that lifts a negative conv output above 0). Which happens depends on the trained BN and the "
        "images: your change at position 1 says whether it did in your net. The 'identity start' of this "
        "block is really relu: it holds where the input is non-negative or a ReLU follows.",
    ),
    Exercise(
        "01.6",
        "Train the residual layer and the net with nothing inserted again with seeds 3 and 4: runs2 = "
        "insertion_runs(net, X, y, seeds=(3, 4), variants=('no layer inserted', 'residual, γ = 0')); "
        "judge them as section 3 did, verdicts = compare_runs(runs2): verdicts.late holds each run's mean loss over "
        "its second half, by seed, and verdicts.verdict(a, b) applies the rule to a against b. Answer "
        "(late, verdict) for the residual layer against the control, verdict one of 'higher', 'lower', "
        "'not told apart'.",
        _new_seeds_answer,
        "verdicts.verdict('residual, γ = 0', 'no layer inserted') compares the residual layer with the control: "
        "'higher' or 'lower' only if every seed's difference is larger than the spread between seeds, else "
        "'not told apart'. Check it against verdicts.late: which way does each seed's difference go, and how far "
        "apart are one net's two seeds?",
        explanation="Both nets start from exactly the same function (the γ = 0 layer adds nothing at step 0) and see "
        "the same batches, so they part only as the new layer's weights move away from γ = 0, and over one pass "
        "that moves the loss little. A new seed changes more: the order of every batch, and so the path each net "
        "takes, which moves a net's late loss from one seed to the next by about as much as, or more than, the "
        "residual layer moves it away from the control. With a spread between seeds that size, the rule says "
        "'not told apart'. Check it on your numbers: print(verdicts2) shows each run's mean loss by seed, each "
        "seed's difference and the spread; see whether every difference is larger. If your seeds did "
        "tell the two apart, look at how close the smaller difference came to the spread: "
        "one pair of seeds is a small sample of a small effect.",
    ),
]
