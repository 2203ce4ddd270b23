"""Gradient magnitudes in deep nets: comparable plain/residual MLPs of any depth, the gradient that reaches each
layer, and the chain-of-Jacobians product behind it.

A net is ``stem -> depth blocks -> head`` on flattened 28x28 images, every block ``width`` wide:

* plain:    ``h = relu(Linear(h))``,  or ``h = relu(BN(Linear(h)))`` with batch norm;
* residual: ``h = h + Linear(relu(h))``, or ``h = h + BN(Linear(relu(h)))`` (pre-activation branches).

Linear weights use He (Kaiming) initialisation and zero biases. ``zero_init_residual`` starts every residual branch's
BN scale at 0, so each block is the identity at initialisation (the name torchvision uses too).
"""

from __future__ import annotations

import copy
import itertools
import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import cast

import torch
from torch import nn
from torch.nn import functional as F

from ..checks import check_positive


def _he_linear(n_in: int, n_out: int) -> nn.Linear:
    layer = nn.Linear(n_in, n_out)
    nn.init.kaiming_normal_(layer.weight, nonlinearity="relu")
    nn.init.zeros_(layer.bias)
    return layer


class Block(nn.Module):
    """One layer of a :class:`DeepMLP`: plain ``relu([BN](Linear h))`` or residual ``h + [BN](Linear relu(h))``."""

    def __init__(self, width: int, residual: bool, batch_norm: bool, zero_init_residual: bool = False):
        super().__init__()
        self.residual = residual
        self.linear = _he_linear(width, width)
        self.bn = nn.BatchNorm1d(width) if batch_norm else None
        if zero_init_residual and self.bn is not None:
            nn.init.zeros_(self.bn.weight)

    def forward(self, h: torch.Tensor) -> torch.Tensor:
        if self.residual:
            branch = self.linear(F.relu(h))
            return h + (self.bn(branch) if self.bn is not None else branch)
        z = self.linear(h)
        return F.relu(self.bn(z) if self.bn is not None else z)


def variant_name(residual: bool, batch_norm: bool = False, zero_init_residual: bool = False) -> str:
    """The short name of a :class:`DeepMLP` variant, as the keys of ``VARIANTS`` spell it: ``"plain"``,
    ``"plain+BN"``, ``"residual"``, ``"residual+BN"`` or ``"residual+BN, γ=0"``."""
    name = ("residual" if residual else "plain") + ("+BN" if batch_norm else "")
    return name + (", γ=0" if zero_init_residual else "")


class DeepMLP(nn.Module):
    """``stem (in_features -> width) -> depth Blocks -> head (width -> classes)``; see the module docstring."""

    def __init__(self, depth: int, width: int = 32, residual: bool = False, batch_norm: bool = False,
                 zero_init_residual: bool = False, in_features: int = 784, classes: int = 10):
        super().__init__()
        check_positive(depth=depth, width=width, in_features=in_features, classes=classes)
        if zero_init_residual and not (residual and batch_norm):
            raise ValueError(
                "zero_init_residual=True needs residual=True and batch_norm=True: it zeroes the BN scale of each "
                "residual branch (in a plain net it would zero every layer's output); pass zero_init_residual=False."
            )
        self.depth, self.width = depth, width
        self.residual, self.batch_norm, self.zero_init_residual = residual, batch_norm, zero_init_residual
        self.stem = _he_linear(in_features, width)
        self.head = nn.Linear(width, classes)  # built before the blocks: same seed, same stem and head at any depth
        self.blocks = nn.ModuleList(Block(width, residual, batch_norm, zero_init_residual) for _ in range(depth))

    def variant(self) -> str:
        """A short name such as ``"residual+BN, γ=0"`` or ``"plain"`` (:func:`variant_name`)."""
        return variant_name(self.residual, self.batch_norm, self.zero_init_residual)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.trunk(x)[-1])

    def trunk(self, x: torch.Tensor, upto: int | None = None) -> list[torch.Tensor]:
        """The stem's output and every block's output: ``depth + 1`` tensors ``h_0 … h_depth`` (``h_0 … h_upto``
        with ``upto``)."""
        if x.dim() < 2 or x[0].numel() != self.stem.in_features:
            raise ValueError(
                f"expected a batch of inputs with {self.stem.in_features} features each (e.g. (B, 1, 28, 28) "
                f"images), got shape {tuple(x.shape)}; build the net with in_features={x[0].numel() if x.dim() else 1}."
            )
        hs = [self.stem(x.flatten(1))]
        for block in itertools.islice(self.blocks, upto):
            hs.append(block(hs[-1]))
        return hs


def _check_batch(x: torch.Tensor, y: torch.Tensor) -> None:
    if len(x) != len(y) or len(y) < 2:
        raise ValueError(f"need a batch of at least 2 matching inputs and labels, got {len(x)} and {len(y)}")


def _probe(model: DeepMLP, x: torch.Tensor, y: torch.Tensor, dtype: torch.dtype) -> DeepMLP:
    """A training-mode copy of ``model`` in ``dtype``, once the batch ``(x, y)`` is checked."""
    _check_batch(x, y)
    return copy.deepcopy(model).to(dtype).train()


def _probe_loss(model: DeepMLP, x: torch.Tensor, y: torch.Tensor,
                dtype: torch.dtype) -> tuple[DeepMLP, list[torch.Tensor], torch.Tensor]:
    """A training-mode copy of ``model`` in ``dtype``, its layer outputs on ``x`` and its cross-entropy loss."""
    probe = _probe(model, x, y, dtype)
    hs = probe.trunk(x.to(dtype))
    return probe, hs, F.cross_entropy(probe.head(hs[-1]), y)


SEGMENT = 32  # blocks differentiated at a time by grad_norms and profile_at_init


def grad_norms(model: DeepMLP, x: torch.Tensor, y: torch.Tensor, dtype: torch.dtype = torch.float64,
               segment: int = SEGMENT) -> torch.Tensor:
    """The norm of ``d loss / d h_l`` for every layer output ``h_0 … h_depth`` on one batch (cross-entropy).

    Measured on a copy of ``model`` in training mode (BN uses batch statistics, as in training) and, by default,
    in float64 so that gradients of 1e±80 at depth 1000 neither overflow nor underflow. ``model`` is untouched.

    The backward pass goes ``segment`` blocks at a time, from the top: each run of blocks is run forward again from
    its input, kept from a first pass without autograd, and differentiated alone. The same operations on the same
    numbers as one backward pass through the whole net, so the same norms to the last bit (``tests/test_gradients.py``),
    but only one segment's graph is held at a time: at depth 1000 on a batch of 128 the whole graph is 150 MiB.
    """
    check_positive(segment=segment)
    return _segment_norms(_probe(model, x, y, dtype), x, y, segment)


def _segment_norms(probe: DeepMLP, x: torch.Tensor, y: torch.Tensor, segment: int) -> torch.Tensor:
    """:func:`grad_norms` on ``probe`` itself (its dtype, its mode; BN running statistics are updated)."""
    dtype = probe.stem.weight.dtype
    with torch.no_grad():  # the first pass: only each segment's input is kept
        h, starts = probe.trunk(x.to(dtype), upto=0)[0], []
        for i, block in enumerate(probe.blocks):
            if i % segment == 0:
                starts.append(h)
            h = block(h)
    blocks, norms = list(probe.blocks), list[torch.Tensor]()
    upstream: torch.Tensor | None = None  # d loss / d (the input of the segment above)
    for index in reversed(range(len(starts))):
        hs = [starts[index].requires_grad_()]
        for block in blocks[index * segment:(index + 1) * segment]:
            hs.append(block(hs[-1]))
        if upstream is None:  # the top segment: through the head to the loss
            grads = torch.autograd.grad(F.cross_entropy(probe.head(hs[-1]), y), hs)
        else:
            # d/dh of sum(h * upstream) is upstream exactly (1 x upstream); not grad_outputs=, which imports sympy
            grads = torch.autograd.grad((hs[-1] * upstream).sum(), hs[:-1])
        norms[:0] = [g.norm() for g in grads]
        upstream = grads[0]
    return torch.stack(norms).detach().to(torch.float64)


def layer_grad_norms(model: DeepMLP, x: torch.Tensor, y: torch.Tensor,
                     dtype: torch.dtype = torch.float64) -> tuple[torch.Tensor, torch.Tensor]:
    """Two profiles from one backward pass: :func:`grad_norms` (``|d loss / d h_l|``) and the norm of
    ``d loss / d W_l`` for the weight matrix ``W_l`` that computes ``h_l`` — the stem's (l = 0), then every block's
    linear layer (l = 1 … depth). The second is the gradient SGD applies to the weights.

    Measured like :func:`grad_norms` (a training-mode copy, float64 by default); ``model`` is untouched.
    """
    probe, hs, loss = _probe_loss(model, x, y, dtype)
    weights = [probe.stem.weight] + [cast(Block, block).linear.weight for block in probe.blocks]
    grads = torch.autograd.grad(loss, hs + weights)
    norms = torch.stack([g.norm() for g in grads]).detach().to(torch.float64)
    return norms[:len(hs)], norms[len(hs):]


def first_last_ratio(norms: torch.Tensor) -> float:
    """``|grad at h_0| / |grad at h_depth|``: above 1 the gradient grows toward the input, below 1 it vanishes."""
    _check_profile(norms)
    return float(norms[0] / norms[-1])


def spread_over_layers(norms: torch.Tensor, quantiles: tuple[float, ...] = (0.1, 0.5, 0.9)) -> tuple[float, ...]:
    """Quantiles, over the layers ``0 … depth-1``, of each layer's norm divided by the last layer's.

    One endpoint can mislead (``h_0`` alone may dip or spike); the median says where most layers are: above 1
    the typical layer gets a larger gradient than the output side, below 1 a smaller one.
    """
    _check_profile(norms)
    if not all(0 <= q <= 1 for q in quantiles):
        raise ValueError(f"quantiles must lie in [0, 1], got {quantiles!r}")
    relative = (norms[:-1] / norms[-1]).to(torch.float64)
    return tuple(float(v) for v in torch.quantile(relative, torch.tensor(quantiles, dtype=torch.float64)))


@dataclass(frozen=True)
class MedianAndEnd:
    """A profile's median layer and its input-side end ``h_0``, each as its gradient over the top layer's."""

    median: float  # the median over the layers 0 … depth-1 (:func:`spread_over_layers`)
    end: float  # h_0's (:func:`first_last_ratio`)

    @property
    def side(self) -> str:
        """Whether the typical layer and ``h_0`` lie on the same side of 1 (both larger or both smaller than the
        top layer's gradient): ``"same side of 1"``, ``"opposite sides of 1"`` or ``"both exactly 1"``."""
        if abs(self.median - 1) < 1e-9 and abs(self.end - 1) < 1e-9:
            return "both exactly 1"
        return "same side of 1" if (self.median - 1) * (self.end - 1) > 0 else "opposite sides of 1"

    def __str__(self) -> str:
        return f"median layer / top {self.median:8.2g}, h_0 / top {self.end:8.2g}: {self.side}"


def median_and_end(norms: torch.Tensor) -> MedianAndEnd:
    """Does the first/last ratio describe the typical layer, or only the end next to the input? The median layer's
    gradient and ``h_0``'s, each over the top layer's (printed: ``median layer / top …, h_0 / top …: same side
    of 1``)."""
    return MedianAndEnd(spread_over_layers(norms, (0.5,))[0], first_last_ratio(norms))


def ratio_table(ratios: Mapping[str, Mapping[int, float]], title: str = "first/last ratio") -> str:
    """``{net: {depth: first/last ratio}}`` as a table: a row per net, a column per depth, 2 significant digits."""
    depths = list(next(iter(ratios.values()), {}))
    if any(list(row) != depths for row in ratios.values()):
        raise ValueError(f"every net needs the same depths, got {[list(row) for row in ratios.values()]}")
    width = max(len(title), *(len(name) for name in ratios)) + 1
    lines = [f"{title:<{width}}" + "".join(f"{f'depth {d}':>11}" for d in depths)]
    for name, row in ratios.items():
        lines.append(f"{name:<{width}}" + "".join(f"{r:>11.2g}" for r in row.values()))
    return "\n".join(lines)


def _check_profile(norms: torch.Tensor) -> None:
    if norms.dim() != 1 or len(norms) < 2:
        raise ValueError(f"expected a 1-d profile of at least 2 layer norms, got shape {tuple(norms.shape)}")


def jacobian_chain(depth: int, width: int = 32, gain: float = 1.0, residual: bool = False,
                   branch_scale: float = 1.0, seed: int = 0) -> torch.Tensor:
    """The chain rule in numbers: send a unit vector back through ``depth`` random layer Jacobians.

    Each plain factor is ``J = W D`` (``W`` Gaussian with std ``gain * sqrt(2 / width)``, ``D`` a random 0/1 ReLU
    mask); a residual factor is ``I + branch_scale * W D``. Returns the vector's norm after 0, 1, …, depth factors.
    """
    check_positive(depth=depth, width=width)
    if not (gain > 0 and branch_scale >= 0 and math.isfinite(gain * branch_scale)):
        raise ValueError(f"gain must be > 0 and branch_scale >= 0, got gain={gain!r}, branch_scale={branch_scale!r}")
    g = torch.Generator().manual_seed(seed)
    v = torch.randn(width, generator=g, dtype=torch.float64)
    v /= v.norm()
    norms = [1.0]
    for _ in range(depth):
        w = torch.randn(width, width, generator=g, dtype=torch.float64) * gain * math.sqrt(2 / width)
        mask = (torch.rand(width, generator=g) < 0.5).to(torch.float64)
        back = mask * (w.T @ v)  # (W D)^T v
        v = v + branch_scale * back if residual else back
        norms.append(float(v.norm()))
    return torch.tensor(norms, dtype=torch.float64)


VARIANTS: dict[str, dict[str, bool]] = {
    "plain": {"residual": False, "batch_norm": False},
    "plain+BN": {"residual": False, "batch_norm": True},
    "residual": {"residual": True, "batch_norm": False},
    "residual+BN": {"residual": True, "batch_norm": True},
    "residual+BN, γ=0": {"residual": True, "batch_norm": True, "zero_init_residual": True},
}


def profile_at_init(depth: int, x: torch.Tensor, y: torch.Tensor, seed: int = 0, width: int = 32,
                    **variant: bool) -> torch.Tensor:
    """Build a fresh ``DeepMLP(depth, width, **variant)`` with ``seed`` and return its :func:`grad_norms` (the same
    norms, measured on the new net itself)."""
    _check_batch(x, y)
    torch.manual_seed(seed)
    model = DeepMLP(depth, width, in_features=x[0].numel(), **variant)
    # the net is new and no one else's, so it is measured itself: no copy (at depth 1000 the copy took as long as
    # the measurement)
    return _segment_norms(model.to(torch.float64), x, y, SEGMENT)
