"""Training, in one place: :func:`train_step` is the one SGD step every loop in the course takes;
:func:`train_steps` runs it over any stream of batches and records each step's loss (the lessons' short
experiments); :func:`train` runs a whole :class:`Recipe` on Fashion-MNIST epoch by epoch (lesson 04).

:class:`Recipe` says what to run (``Recipe.from_settings(settings)`` is d2l's plain SGD; ``improved=True`` adds
momentum, weight decay, label smoothing, a one-cycle learning rate, flips and a test-time flip). :func:`train`
returns a :class:`~resnet_lib.history.History`; with ``checkpoint=`` it saves every epoch (see
:mod:`resnet_lib.checkpoint`) and ``resume=True`` continues from the last complete one; a fresh run refuses a
directory that already holds checkpoints, so two runs never mix. Ctrl-C and a NaN/inf loss stop it early, history
kept.
"""

from __future__ import annotations

import contextlib
import json
import math
import time
import warnings
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import torch
from torch import nn
from torch.nn import functional as F
from torch.optim.lr_scheduler import OneCycleLR

from .checkpoint import check_fresh, load_checkpoint, save_checkpoint
from .checks import check_non_negative, check_positive, is_int
from .data import FashionMNIST, batches
from .device import pick_device
from .history import History
from .measure import count_parameters
from .presets import Preset
from .progress import Progress, make_progress

LossFn = Callable[[torch.Tensor, torch.Tensor], torch.Tensor]


@dataclass(frozen=True)
class Recipe:
    """What a run does. The defaults are d2l's: plain SGD, lr 0.05, 10 epochs, batch 256, 96 px."""

    lr: float = 0.05
    epochs: int = 10
    batch_size: int = 256
    image_size: int = 96
    momentum: float = 0.0
    weight_decay: float = 0.0
    label_smoothing: float = 0.0
    one_cycle: bool = False  # per batch, lr warms up to ``lr`` then anneals to ~0 (torch's OneCycleLR)
    augment: bool = False  # random horizontal flips
    test_flip: bool = False  # test-time flip: average the logits of each test image and its mirror image
    seed: int = 0

    def __post_init__(self) -> None:
        if not isinstance(self.lr, (int, float)) or not self.lr > 0 or not math.isfinite(self.lr):
            raise ValueError(f"lr must be a positive number, got {self.lr!r}; d2l uses 0.05")
        for name, d2l in (("epochs", 10), ("batch_size", 256), ("image_size", 96)):
            value = getattr(self, name)
            if not is_int(value) or value < 1:
                raise ValueError(f"{name} must be a whole number >= 1, got {value!r}; d2l uses {name}={d2l}")
        for name, usual in (("momentum", 0.9), ("weight_decay", 5e-4), ("label_smoothing", 0.1)):
            value = getattr(self, name)
            if not isinstance(value, (int, float)) or isinstance(value, bool) or not 0 <= value < 1:
                raise ValueError(f"{name} must be a number in [0, 1), got {value!r}; the improved recipe uses "
                                 f"{name}={usual} (0 switches it off)")
        if not is_int(self.seed) or self.seed < 0:
            raise ValueError(f"seed must be a whole number >= 0, got {self.seed!r}; e.g. seed=0")

    @classmethod
    def from_settings(cls, settings: Preset, improved: bool = False, epochs: int | None = None) -> Recipe:
        """d2l's recipe at the size the settings give; ``improved`` switches on every improvement (peak lr 0.2 per
        256 images in a batch, a test-time flip); ``epochs`` replaces the settings' epochs."""
        epochs = epochs or settings.epochs
        if not improved:
            return cls(lr=settings.lr, epochs=epochs, batch_size=settings.batch_size, image_size=settings.image_size)
        return cls(lr=0.2 * settings.batch_size / 256, epochs=epochs, batch_size=settings.batch_size,
                   image_size=settings.image_size, momentum=0.9, weight_decay=5e-4, label_smoothing=0.1,
                   one_cycle=True, augment=True, test_flip=True)

    def key(self) -> str:
        """Every field as sorted JSON: part of a checkpoint's identity, so a changed recipe is not resumed."""
        return json.dumps(asdict(self), sort_keys=True)


def _augment(x: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
    flip = torch.rand(len(x), generator=generator).to(x.device) < 0.5
    return torch.where(flip[:, None, None, None], x.flip(-1), x)


def _model_info(net: nn.Module) -> str:
    return f"{type(net).__name__}, {count_parameters(net):,} parameters"


def train_step(net: nn.Module, optimizer: torch.optim.Optimizer, x: torch.Tensor, y: torch.Tensor,
               loss_fn: LossFn = F.cross_entropy,
               amp: contextlib.AbstractContextManager | None = None) -> tuple[torch.Tensor, torch.Tensor]:
    """One SGD step on the batch ``(x, y)``: forward (inside ``amp``, e.g. bf16 autocast), loss, backward, update.

    Returns ``(loss, logits)``, both detached. A NaN or infinite loss is returned without updating the weights,
    so the caller can stop with the last good weights.
    """
    with amp or contextlib.nullcontext():
        logits = net(x)
        loss = loss_fn(logits, y)
    if torch.isfinite(loss):
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()
    return loss.detach(), logits.detach()


def train_steps(net: nn.Module, optimizer: torch.optim.Optimizer,
                batch_stream: Iterable[tuple[torch.Tensor, torch.Tensor]], loss_fn: LossFn = F.cross_entropy,
                on_step: Callable[[int, nn.Module], None] | None = None) -> list[float]:
    """Train ``net`` (in training mode) on every batch of ``batch_stream``; return the loss of every step.

    ``on_step(step, net)`` is called before each step and once after the last. A loss that becomes NaN or
    infinite is recorded and training stops there.
    """
    net.train()
    losses: list[float] = []
    for step, (x, y) in enumerate(batch_stream):
        if on_step is not None:
            on_step(step, net)
        loss, _ = train_step(net, optimizer, x, y, loss_fn)
        losses.append(loss.item())
        if not math.isfinite(losses[-1]):
            return losses
    if on_step is not None:
        on_step(len(losses), net)
    return losses


def short_run(model: nn.Module, images: torch.Tensor, labels: torch.Tensor, steps: int, *, batch_size: int = 128,
              image_size: int = 28, lr: float = 0.1, momentum: float = 0.9, weight_decay: float = 0.0,
              seed: int = 0, warmup: int = 0, loss_fn: LossFn = F.cross_entropy,
              on_step: Callable[[int, nn.Module], None] | None = None) -> list[float]:
    """The lessons' short experiment: train ``model`` in place with SGD for ``steps`` shuffled batches of
    ``(images, labels)`` (pass after pass, every last partial batch dropped, the order fixed by ``seed`` alone, so
    every model sees the same batches); return the loss of every step.

    ``images``: uint8 Fashion-MNIST images, prepared at ``image_size`` batch by batch
    (:func:`~resnet_lib.data.batches`).
    ``warmup`` > 0 raises the learning rate linearly from ``lr / warmup`` to ``lr`` over the first ``warmup`` steps.
    ``loss_fn`` and ``on_step`` as in :func:`train_steps` (e.g. a loss that also records the error, or a callback
    that measures every few steps). A run that diverges is padded with NaN to ``steps`` losses.
    """
    check_positive(steps=steps, batch_size=batch_size)
    check_non_negative(warmup=warmup)
    optimizer = torch.optim.SGD(model.parameters(), lr=lr, momentum=momentum, weight_decay=weight_decay)
    schedule = torch.optim.lr_scheduler.LambdaLR(optimizer, lambda step: min(1.0, (step + 1) / warmup) if warmup else 1)

    def before_step(step: int, net: nn.Module) -> None:
        if step:
            schedule.step()
        if on_step is not None:
            on_step(step, net)

    stream = batches(images, labels, batch_size, image_size=image_size, shuffle=True, seed=seed, drop_last=True,
                     steps=steps)
    losses = train_steps(model, optimizer, stream, loss_fn=loss_fn, on_step=before_step)
    return losses + [math.nan] * (steps - len(losses))


@torch.no_grad()
def evaluate(net: nn.Module, images: torch.Tensor, labels: torch.Tensor, image_size: int,
             batch_size: int = 512, device: torch.device | None = None, flip: bool = False) -> torch.Tensor:
    """Predicted class of every image (on the CPU), with the model in eval mode (BatchNorm uses its running
    statistics and leaves them alone); the model's mode is restored afterwards. ``flip`` averages the logits of
    each image and its mirror image (a test-time flip)."""
    device = device or next(net.parameters()).device
    was_training = net.training
    net.eval()
    preds = []
    try:
        with _amp(device):
            for x, _ in batches(images, labels, batch_size, image_size=image_size, device=device):
                x = x.contiguous(memory_format=_memory_format(device))
                logits = net(x) + net(x.flip(-1)) if flip else net(x)
                preds.append(logits.argmax(1).cpu())
    finally:
        net.train(was_training)
    return torch.cat(preds) if preds else torch.empty(0, dtype=torch.long)


def _amp(device: torch.device) -> contextlib.AbstractContextManager:
    # bf16 autocast on CUDA only; elsewhere no autocast object is even built (older torch refuses some devices)
    return torch.autocast("cuda", dtype=torch.bfloat16) if device.type == "cuda" else contextlib.nullcontext()


def _memory_format(device: torch.device) -> torch.memory_format:
    # Channels-last is ~16 % faster on this CPU too, but its CPU conv backward is not deterministic (two runs with
    # one seed drift apart), which would break exact resume and reproducible notebooks: CUDA only.
    return torch.channels_last if device.type == "cuda" else torch.contiguous_format


def _check_run(data: FashionMNIST, checkpoint: str | Path | None, resume: bool) -> None:
    """Refuse, before any work, data too small to train and test on, and ``resume`` without a checkpoint."""
    if len(data.train_labels) < 2 or len(data.test_labels) < 1:
        raise ValueError(f"train needs at least 2 training images and 1 test image, got {data}; pass a larger "
                         "subset (e.g. data.subset(train=512, test=500)) or load_fashion_mnist('sample')")
    if resume and checkpoint is None:
        raise ValueError("resume=True needs checkpoint=<the directory the run saved to>")


def _epoch_steps(train_n: int, batch_size: int) -> tuple[int, bool]:
    """SGD steps per epoch, and whether the last batch (a single image, which BatchNorm cannot normalise) is
    dropped."""
    drop_one = train_n % batch_size == 1
    return (train_n // batch_size if drop_one else math.ceil(train_n / batch_size)), drop_one


@dataclass
class _Epoch:
    """One epoch's training numbers, or why it stopped."""

    loss: float = 0.0  # summed over examples
    correct: float = 0.0
    seen: int = 0
    stopped: str | None = None


def _train_epoch(net: nn.Module, optimizer: torch.optim.Optimizer, scheduler: OneCycleLR | None,
                 loss_fn: nn.Module, data: FashionMNIST, recipe: Recipe, epoch: int, drop_one: bool,
                 dev: torch.device, show: Progress | None) -> _Epoch:
    """One pass over the shuffled training set (flips and the schedule as ``recipe`` says); stops at a loss that
    is not finite."""
    done = _Epoch()
    flips = torch.Generator().manual_seed(recipe.seed * 1_000_003 + epoch)
    amp = _amp(dev)
    net.train()
    for x, y in batches(data.train_images, data.train_labels, recipe.batch_size, image_size=recipe.image_size,
                        shuffle=True, seed=recipe.seed, epoch=epoch, drop_last=drop_one):
        x = _augment(x, flips) if recipe.augment else x
        loss, logits = train_step(net, optimizer, x.contiguous(memory_format=_memory_format(dev)), y, loss_fn, amp)
        if not torch.isfinite(loss):
            done.stopped = (f"loss became {loss.item()} in epoch {epoch + 1} after {done.seen:,} "
                            f"examples; lower the learning rate (now {recipe.lr}) and start again")
            return done
        if scheduler is not None:
            scheduler.step()
        done.loss += loss.item() * len(y)
        done.correct += (logits.argmax(1) == y).sum().item()
        done.seen += len(y)
        if show:
            show.step(done.loss / done.seen, done.correct / done.seen)
    return done


def _test_accuracy(net: nn.Module, data: FashionMNIST, recipe: Recipe, dev: torch.device) -> float:
    preds = evaluate(net, data.test_images, data.test_labels, recipe.image_size, device=dev, flip=recipe.test_flip)
    return (preds == data.test_labels.cpu()).float().mean().item()


def train(net: nn.Module, data: FashionMNIST, recipe: Recipe, *, device: str | None = None,
          checkpoint: str | Path | None = None, resume: bool = False, identity: str = "",
          progress: Progress | bool = True) -> History:
    """Train ``net`` on ``data`` with ``recipe``; return the :class:`History` (also when stopped early).

    ``checkpoint``: a directory for this run alone; each epoch end is saved there atomically. A fresh run
    (``resume=False``) refuses a directory that already holds checkpoints; ``resume=True`` continues from the last
    complete one. ``identity`` (e.g. the preset name) must match the checkpoint's to resume.
    An epoch whose last batch would hold a single image drops it (BatchNorm cannot normalise one example); the
    shuffle makes it a different image every epoch.
    """
    _check_run(data, checkpoint, resume)
    dev = pick_device(device)  # ValueError for an unknown device
    if checkpoint is not None and not resume:
        check_fresh(checkpoint)
    net.to(dev)
    net.to(memory_format=_memory_format(dev))
    data = data.to(dev)
    optimizer = torch.optim.SGD(net.parameters(), lr=recipe.lr, momentum=recipe.momentum,
                                weight_decay=recipe.weight_decay)
    steps_per_epoch, drop_one = _epoch_steps(len(data.train_labels), recipe.batch_size)
    scheduler = None
    if recipe.one_cycle:
        scheduler = OneCycleLR(optimizer, recipe.lr, total_steps=recipe.epochs * steps_per_epoch,
                               cycle_momentum=False)
    loss_fn = nn.CrossEntropyLoss(label_smoothing=recipe.label_smoothing)
    history = History(info={"recipe": asdict(recipe), "device": str(dev), "data": str(data),
                            "model": _model_info(net)})
    saved: dict[str, Any] = {"model": net, "optimizer": optimizer, "scheduler": scheduler,
                             "identity": f"{identity}|{recipe.key()}"}
    if resume and checkpoint is not None and (payload := load_checkpoint(checkpoint, **saved)) is not None:
        history = History(**payload["history"])
    show = make_progress() if progress is True else progress or None
    try:
        for epoch in range(history.epochs_done, recipe.epochs):
            start = time.perf_counter()
            if show:
                show.start_epoch(epoch, recipe.epochs, steps_per_epoch)
            done = _train_epoch(net, optimizer, scheduler, loss_fn, data, recipe, epoch, drop_one, dev, show)
            if done.stopped:
                history.stopped = done.stopped
                warnings.warn(history.stopped, stacklevel=2)
                return history
            train_s = time.perf_counter() - start
            history.add(train_loss=done.loss / done.seen, train_acc=done.correct / done.seen,
                        test_acc=_test_accuracy(net, data, recipe, dev), examples_per_s=done.seen / train_s,
                        wall_s=time.perf_counter() - start)
            if show:
                show.end_epoch(history)
            if checkpoint is not None:
                save_checkpoint(checkpoint, **saved, history=asdict(history), epoch=epoch + 1)
    except KeyboardInterrupt:
        history.stopped = f"interrupted during epoch {history.epochs_done + 1}; the history so far is kept"
        print(history.stopped)
    finally:
        if show:
            show.close()
    return history
