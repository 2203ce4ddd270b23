"""Exercises for lesson 02 (the residual block). Each checker computes the right answer from the blocks."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any, cast

import torch
from torch import nn

from ..blocks import Residual
from ..lessons.seeds import compare_seeds
from ..measure import count_parameters
from ..models import resnet18
from . import Exercise, is_int_equal, number, whole_number, whole_numbers


def _shape(block: nn.Module, shape: tuple[int, ...]) -> tuple[int, ...]:
    with torch.no_grad():
        return tuple(block.eval()(torch.rand(shape)).shape)


def zero_gamma_stack_change(blocks: int = 10) -> float:
    """max |output - x| of ``blocks`` stacked ``Residual(3, 3)`` with bn2's γ = 0 (training mode) on
    ``x = torch.randn(4, 3, 6, 6)`` drawn after ``torch.manual_seed(0)``."""
    torch.manual_seed(0)
    x = torch.randn(4, 3, 6, 6)
    stack = nn.Sequential(*(Residual(3, 3) for _ in range(blocks)))
    for block in stack:
        cast(Residual, block).zero_init_branch()
    with torch.no_grad():
        return (stack(x) - x).abs().max().item()


TWIN_VERDICTS = ("plain higher", "plain lower", "not told apart")


def twin_verdict(plain: dict[int, float], residual: dict[int, float]) -> str:
    """Lesson 1's rule on the plain net against its residual twin (``{seed: loss}`` each)."""
    comparison = compare_seeds(plain, residual)
    if not comparison.decided:
        return "not told apart"
    return "plain higher" if all(d > 0 for d in comparison.differences.values()) else "plain lower"


def _twin_answer(answer: Any) -> bool:
    losses, verdict = answer
    losses = {name: {whole_number(s): number(v) for s, v in dict(by_seed).items()}
              for name, by_seed in dict(losses).items()}
    plain, residual = losses["plain"], losses["residual"]
    measured = set(plain) == set(residual) and len(plain) >= 2 and all(
        0 < v < 10 and math.isfinite(v) for v in (*plain.values(), *residual.values()))
    return measured and verdict in TWIN_VERDICTS and verdict == twin_verdict(plain, residual)


def projection_parameters(net: nn.Module) -> int:
    """Parameters of every 1x1 projection shortcut (``conv3``, and ``bn3`` where there is one) in ``net``."""
    return sum(count_parameters(m.conv3) + (count_parameters(m.bn3) if m.bn3 is not None else 0)
               for m in net.modules() if isinstance(m, Residual) and m.conv3 is not None)


def is_zero_padding_shortcut(pad: Callable[[torch.Tensor, int, int], torch.Tensor]) -> bool:
    """Whether ``pad(x, channels, stride)`` is He et al.'s option A: x subsampled with ``stride`` (every
    stride-th row and column, as a stride-``stride`` 1x1 conv samples it) with zero channels added, anywhere, to
    reach ``channels``."""
    torch.manual_seed(0)
    for shape, channels, stride in (((2, 64, 8, 8), 128, 2), ((3, 3, 7, 7), 6, 2), ((1, 4, 5, 5), 4, 1)):
        x = torch.randn(shape)
        with torch.no_grad():
            out = pad(x, channels, stride)
        kept = x[:, :, ::stride, ::stride]
        if not isinstance(out, torch.Tensor) or tuple(out.shape) != (shape[0], channels, *kept.shape[2:]):
            return False
        fits = [k for k in range(channels - shape[1] + 1) if torch.equal(out[:, k:k + shape[1]], kept)
                and not out[:, :k].any() and not out[:, k + shape[1]:].any()]
        if not fits:
            return False
    return True


def _option_a_answer(answer: Any) -> bool:
    pad, saved = answer
    return is_zero_padding_shortcut(pad) and is_int_equal(saved, projection_parameters(resnet18()))


EXERCISES: list[Exercise] = [
    Exercise(
        "02.1",
        "Stack ten Residual(3, 3) blocks in nn.Sequential, each with bn2's gamma set to 0. After "
        "torch.manual_seed(0) draw X = torch.randn(4, 3, 6, 6), run the stack (training mode is fine) and "
        "measure the largest |output - X|. (a number, to 3 decimals)",
        lambda a: abs(number(a) - zero_gamma_stack_change()) <= 5e-4 + 1e-9,
        "compare the output with X entry by entry: where do they differ, and by how much? Then run a stack of "
        "one block on the same X and compare.",
        explanation="With γ = 0 every block computes relu(X). The first block zeroes the negative entries of X; "
        "from then on the input is non-negative and each later block passes it on unchanged. So ten blocks change "
        "X exactly as much as one: the largest change is the size of X's most negative entry. Zero-started blocks "
        "do not pile up changes with depth, which is why a deep stack of them starts as a shallow function. The "
        "same holds inside any ResNet built from these blocks, where each block's input comes out of the previous "
        "block's last ReLU and so is non-negative.",
    ),
    Exercise(
        "02.2",
        "What output shape does Residual(3, 6, use_1x1conv=True, strides=2) give for an input with an odd side, "
        "(4, 3, 7, 7)? Do the two branches still agree? (a tuple of whole numbers)",
        lambda a: whole_numbers(a) == _shape(Residual(3, 6, True, 2), (4, 3, 7, 7)),
        "both branches must agree: the 3x3 conv (padding 1) gives floor((7 + 2 - 3) / 2) + 1, the 1x1 conv "
        "(padding 0) gives floor((7 - 1) / 2) + 1. Are they equal?",
        explanation="Both branches give 4x4: the 3x3 conv with padding 1 gives floor((7 + 2 - 3) / 2) + 1 = 4 and "
        "the 1x1 conv with padding 0 gives floor((7 - 1) / 2) + 1 = 4. Padding 1 on a 3x3 kernel and padding 0 on "
        "a 1x1 kernel both centre the kernel on the same pixels (rows and columns 0, 2, 4, 6), so the two "
        "branches sample the same grid and can be added for any input size.",
    ),
    Exercise(
        "02.3",
        "Train He et al.'s 20-layer CIFAR-style net, cifar_resnet(20, width=8), and its plain twin, "
        "cifar_resnet(20, shortcut=False, width=8) (from resnet_lib.models), with the same recipe: short_run(net, "
        "images, labels, 60, batch_size=64, image_size=14, lr=0.1, seed=seed) (from resnet_lib.training; it returns "
        "the loss of every step) on the course's sample images, load_sample().subset(train=3000) (from "
        "resnet_lib.data), seeds 1 and 2 (torch.manual_seed(seed) before building each net). Take each run's mean "
        "loss over its last 15 steps, rounded to 3 decimals, and apply lesson 1's rule to the plain net against the "
        "residual one: compare_seeds(a, b) (from resnet_lib.lessons.seeds) has .decided and .differences, a - b on "
        "each seed. Answer (losses, verdict): losses = {'residual': {seed: loss}, 'plain': {seed: loss}}, "
        "verdict one of 'plain higher', 'plain lower', 'not told apart'.",
        _twin_answer,
        "short_run returns the loss of every step: round(sum(run[-15:]) / 15, 3). Then compare_seeds(losses['plain'], "
        "losses['residual']): .decided says whether every seed's difference is larger than the spread between "
        "seeds, and the sign of .differences which way.",
        explanation="The two nets have the same layers and see the same batches; the plain twin lacks only the "
        "nine shortcuts, so any difference between them is the shortcuts'. Neither starts at the identity (with "
        "γ = 1 every branch computes something from the first step). In the residual net each block adds a "
        "correction to its input, so every block's output also reaches the loss unchanged through the shortcuts "
        "above it; in the plain twin everything passes through all 19 convolutions, and SGD has to find weights "
        "that work through the whole stack at once. He et al. (2015) called the result degradation: the deeper "
        "plain net trains worse. It is not a gradient that vanishes on the way down: with batch norm after every "
        "conv the gradient reaches the plain net's early layers: lesson 5 measures it growing, not shrinking, "
        "toward the input at the start, and He et al. (§4.1) found the gradients of their plain nets healthy. "
        "Read your verdict from your own numbers (the reference solution prints "
        "them): 'plain higher' means the plain net ended higher on both seeds by more than the "
        "spread between seeds; 'not told apart' means one of your differences was within your spread. Either way "
        "this is early training only (60 steps); whether a gap survives to the end of training is lesson 6's "
        "question.",
    ),
    Exercise(
        "02.4",
        "He et al.'s option A: when the shape changes, keep an identity shortcut and pad the missing channels "
        "with zeros, instead of a 1x1 projection. Write pad_shortcut(X, channels, stride): take every stride-th "
        "row and column of X and add zero channels up to channels. Check that torch.relu(block.branch(X64) + "
        "pad_shortcut(X64, 128, 2)) has the shape of block(X64) for block = Residual(64, 128, use_1x1conv=True, "
        "strides=2) and an input X64 with 64 channels, e.g. X64 = torch.rand(2, 64, 8, 8), then count the "
        "parameters option A saves in the library's resnet18() (from resnet_lib.models; "
        "count_parameters from resnet_lib.measure). Answer (pad_shortcut, saved).",
        _option_a_answer,
        "X[:, :, ::stride, ::stride] subsamples like a stride-2 1x1 conv; torch.cat with torch.zeros of the "
        "missing channels (or torch.nn.functional.pad) adds the zero channels. The saving is the parameters of "
        "every block's conv3 (count_parameters(m.conv3) for the Residual modules m of resnet18() that have one).",
        explanation="Option A needs no parameters: the identity is kept and the new channels start from zero, "
        "so on those channels the block computes relu(g(X)) with no shortcut at all. ResNet-18 has three "
        "projections (into its 128-, 256- and 512-channel stages), about 1.5 % of its parameters: option A saves "
        "little. He et al. (2015, Table 3) found projections slightly better (ResNet-34 top-1 error 24.52 % with "
        "projections where needed against 25.03 % with zero-padding) and explain it by the padded channels having "
        "no residual learning; they chose projections only where the shape changes, since projecting every "
        "shortcut cost far more parameters for a marginal gain.",
    ),
]
