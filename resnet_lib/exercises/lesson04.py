"""Exercises for lesson 04 (training). Each checker computes its answer (04.4 applies the resume rule of
:func:`resnet_lib.training.train`: the first epoch without a complete checkpoint is trained again; 04.5 runs the
one-cycle schedule ``train`` builds)."""

from __future__ import annotations

from typing import cast

import torch
from torch import nn
from torch.optim.lr_scheduler import OneCycleLR

from ..lessons.recipe_ablation import SWITCHES
from . import AnswerTypeError, Exercise, number, whole_number


def _smoothed_target(smoothing: float, classes: int = 10) -> float:
    """The target probability of the true class under ``CrossEntropyLoss(label_smoothing=smoothing)``."""
    logits = torch.zeros(1, classes, requires_grad=True)
    nn.CrossEntropyLoss(label_smoothing=smoothing)(logits, torch.tensor([0])).backward()
    grad = cast(torch.Tensor, logits.grad)  # set by backward()
    return float(1 / classes - grad[0, 0])  # d loss / d logit = softmax - target


def _loss_floor(smoothing: float, classes: int = 10) -> float:
    """The smallest loss ``CrossEntropyLoss(label_smoothing=smoothing)`` can give: the logits' softmax equal to the
    smoothed target (log of the target probabilities as logits)."""
    target = torch.full((1, classes), smoothing / classes)
    target[0, 0] += 1 - smoothing
    return float(nn.CrossEntropyLoss(label_smoothing=smoothing)(target.log(), torch.tensor([0])))


def _warmup_fraction(steps: int = 1000) -> float:
    """The step with the highest learning rate of ``train``'s one-cycle schedule, as a fraction of ``steps``."""
    optimizer = torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=0.2)
    scheduler = OneCycleLR(optimizer, 0.2, total_steps=steps, cycle_momentum=False)
    rates = []
    for _ in range(steps):
        rates.append(scheduler.get_last_lr()[0])
        optimizer.step()
        scheduler.step()
    return rates.index(max(rates)) / steps


def _training_free_switch() -> str:
    """The switch of the ablation that changes only how the test set is scored (the recipe field ``test_flip``)."""
    return next(name for name, names in SWITCHES.items() if names == ("test_flip",))


def _first_epoch_on_resume(interrupted_in: int) -> int:
    """The epoch (from 1) that ``resume=True`` trains first when a run stopped during ``interrupted_in``: the epochs
    before it have complete checkpoints, so training restarts at the interrupted epoch."""
    epochs_with_checkpoint = interrupted_in - 1
    return epochs_with_checkpoint + 1


def _same_name(answer: object, expected: str) -> bool:
    """True when ``answer`` is ``expected``, ignoring case, hyphens and extra spaces."""
    if not isinstance(answer, str):
        raise AnswerTypeError(f"answer with the name as the table writes it, in quotes (got {answer!r})")
    return " ".join(answer.lower().replace("-", " ").split()) == " ".join(expected.replace("-", " ").split())


EXERCISES: list[Exercise] = [
    Exercise(
        "04.1",
        "In the ablation table, one switch leaves training exactly as in the 'none' row (the same training loss, "
        "for every seed). Which switch is it (its name as the table writes it)?",
        lambda a: _same_name(a, _training_free_switch()),
        "compare each row's train loss with the 'none' row; then ask which switch acts only after training",
    ),
    Exercise(
        "04.2",
        "With label_smoothing=0.1 and 10 classes, what target probability does the true class get?",
        lambda a: abs(number(a) - _smoothed_target(0.1)) <= 1e-4,
        "the smoothing mass is spread over all the classes, the true one included",
    ),
    Exercise(
        "04.3",
        "With label_smoothing=0.1 and 10 classes, what is the smallest training loss any model can reach?",
        lambda a: abs(number(a) - _loss_floor(0.1)) <= 2e-3,
        "the loss is lowest when the softmax equals the smoothed target; try logits = log(target) in the loss",
    ),
    Exercise(
        "04.4",
        "A 10-epoch run saves a checkpoint at every epoch end and is interrupted during epoch 7. "
        "Which epoch (counting from 1) does resume=True train first?",
        lambda a: whole_number(a) == _first_epoch_on_resume(interrupted_in=7),
        "which epochs have a complete checkpoint when the run stops?",
    ),
    Exercise(
        "04.5",
        "In train's one-cycle schedule (OneCycleLR, max_lr=0.2, 1,000 steps), what fraction of the steps does the "
        "warm-up take (the step with the highest learning rate / the number of steps)?",
        lambda a: abs(number(a) - _warmup_fraction()) <= 0.005,
        "record scheduler.get_last_lr()[0] before every step; find the index of the largest value with "
        "rates.index(max(rates))",
    ),
]
