"""Exercises for lesson 04 (training). Each checker computes its answer (04.5 runs the one-cycle schedule ``train``
builds) or judges the learner's own measurement: 04.1 and 04.4 compare two histories the learner trained (04.1 with
the accuracy of one of their nets), 04.6 and 04.7 read the learner's
:func:`~resnet_lib.lessons.last_batch.epoch_ends` list."""

from __future__ import annotations

from typing import Any, cast

import torch
from torch import nn
from torch.optim.lr_scheduler import OneCycleLR

from ..lessons.last_batch import EpochEnd
from . import AnswerTypeError, Exercise, number, whole_number

SHOWN = 0.001  # accuracies are printed with 3 decimals: a difference smaller than this may look like none


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


def _parts(answer: Any, n: int, what: str) -> tuple:
    if isinstance(answer, str) or not isinstance(answer, tuple | list) or len(answer) != n:
        raise AnswerTypeError(f"answer with {what}")
    return tuple(answer)


def _curves(history: Any) -> tuple[list[float], list[float], list[float]]:
    """The per-epoch train loss, train accuracy and test accuracy of a history ``train`` returned."""
    try:
        curves = tuple(list(getattr(history, name)) for name in ("train_loss", "train_acc", "test_acc"))
    except (AttributeError, TypeError):
        raise AnswerTypeError(f"give the histories that train(...) returned (got {type(history).__name__})") from None
    if not curves[2]:
        raise AnswerTypeError("a history here has no complete epoch; train for at least one")
    return cast(tuple[list[float], list[float], list[float]], curves)


def _check_training_free(answer: Any) -> bool:
    """04.1: two runs of the learner's, without and with the test-time flip, with the same training losses, and the
    first run's net scored with the flip: its accuracy is the second run's test accuracy, so the switch changed
    nothing but the scoring (an accuracy on 1,000 images moves in steps of 0.001; a far smaller gap is rounding)."""
    off, on, scored = _parts(answer, 3, "(the history without the flip, the history with it, the accuracy of the "
                                        "first run's net scored with the flip)")
    return _curves(off)[0] == _curves(on)[0] and abs(number(scored) - _curves(on)[2][-1]) <= 5e-5


def _check_resumed(answer: Any) -> bool:
    """04.4: the resumed run repeats the uninterrupted one, epoch for epoch (its RNG state is in the checkpoint)."""
    whole, resumed = (_curves(h) for h in _parts(answer, 2, "(the uninterrupted run's history, the resumed one's)"))
    if len(whole[2]) < 2 or len(resumed[2]) != len(whole[2]):
        raise AnswerTypeError("train at least 2 epochs, and resume the same run to its end")
    return all(abs(a - b) <= 1e-6 for got, want in zip(resumed, whole, strict=True)
               for a, b in zip(got, want, strict=True))


def _epoch_ends(ends: Any, short_last_step: bool = False) -> list[EpochEnd]:
    """``ends`` as the list epoch_ends returned: at least 2 epochs, with the short last batch kept."""
    if (isinstance(ends, EpochEnd) or not isinstance(ends, tuple | list)
            or not all(isinstance(e, EpochEnd) for e in ends)):
        raise AnswerTypeError("give the list that epoch_ends(...) returned, as the first part of the answer")
    if len(ends) < 2:
        raise AnswerTypeError("train at least 2 epochs, so that there is a majority to judge")
    if all(e.last_step == 0 for e in ends):
        raise AnswerTypeError("the last steps here did not move the weights; keep the short last batch "
                              "(drop_last=False) and give it a learning rate above 0")
    if short_last_step and not all(e.last_step < e.typical_step for e in ends):
        raise AnswerTypeError("these last steps are not shorter than a typical step: take the last step at a "
                              "learning rate scaled to its batch, epoch_ends(..., lr_last=0.05 * 16 / 256)")
    return list(ends)


def _lowered(ends: list[EpochEnd], by: float) -> int:
    """Epochs whose last step lowered the test accuracy by more than ``by``."""
    return sum(e.before - e.after > by for e in ends)


def _check_most_epochs(answer: Any) -> bool:
    """04.6: ``(ends, True/False)``: did the last step lower the test accuracy in most of the learner's epochs? A fall
    too small to see at 3 decimals may be read either way."""
    ends, most = _parts(answer, 2, "(the list epoch_ends returned, True or False)")
    ends = _epoch_ends(ends)
    if not isinstance(most, bool):
        raise AnswerTypeError(f"answer the question with True or False (got {most!r})")
    return most in {_lowered(ends, by) > len(ends) / 2 for by in (0.0, SHOWN)}


def _check_scaled_last_step(answer: Any) -> bool:
    """04.7: ``(ends, n)``: in how many epochs did a last step at a scaled learning rate still lower the test
    accuracy by more than 0.01? Counts that a reader of the 3-decimal print could give are accepted."""
    ends, count = _parts(answer, 2, "(the list epoch_ends returned, a whole number of epochs)")
    ends = _epoch_ends(ends, short_last_step=True)
    return _lowered(ends, 0.01 + SHOWN) <= whole_number(count) <= _lowered(ends, 0.01 - SHOWN)


EXERCISES: list[Exercise] = [
    Exercise(
        "04.1",
        "Show why the test-time flip row trains exactly like 'none': train d2l's recipe twice from the same seed, "
        "without and with test_flip, then score the first run's net with the flip. Answer (history without, "
        "history with, that accuracy).",
        _check_training_free,
        "train both runs from the same seed (seed_everything before building each net), and score the first net "
        "on the same test images as the runs, with evaluate(..., flip=True); compare with the second history's "
        "last test_acc",
        "Test-time flip averages the logits of each test image and its mirror image. It is used only when the "
        "trained net is scored, after every training step is done: the two runs have the same training loss to "
        "the last digit, and the net trained without the flip, scored with it, gets exactly the second run's test "
        "accuracy. The switch is a way of scoring a trained net, not of training one; every other switch changes "
        "the updates themselves. Why can it cost accuracy? A net trained without flips has never seen a mirror "
        "image (almost every shoe in Fashion-MNIST points the same way), so its scores for the mirror image are "
        "worse guesses, and averaging them in can pull a right answer wrong; trained with flips, as in 'all', the "
        "mirror image is familiar.",
    ),
    Exercise(
        "04.2",
        "With label_smoothing=0.1 and 10 classes, what target probability does the true class get?",
        lambda a: abs(number(a) - _smoothed_target(0.1)) <= 1e-4,
        "the smoothing mass is spread over all the classes, the true one included",
        "The target is 0.9 × one-hot + 0.1 × uniform: the true class gets 0.9 + 0.1/10 = 0.91 and every other class "
        "0.01. With all-zero logits the softmax is 0.1 everywhere, so the gradient at the true class is "
        "0.1 − 0.91 = −0.81.",
    ),
    Exercise(
        "04.3",
        "With label_smoothing=0.1 and 10 classes, what is the smallest training loss any model can reach?",
        lambda a: abs(number(a) - _loss_floor(0.1)) <= 2e-3,
        "the loss is lowest when the softmax equals the smoothed target; try logits = log(target) in the loss",
        "The cross-entropy against a soft target q is smallest when the softmax equals q, and then it is q's "
        "entropy: −0.91 ln 0.91 − 9 × 0.01 ln 0.01 ≈ 0.50. A net trained with label smoothing can never get its "
        "loss below that, which is why those rows keep a higher training loss without training worse.",
    ),
    Exercise(
        "04.4",
        "Interrupt a run and resume it: train 3 epochs with checkpoints, delete the newest checkpoint, resume. "
        "Answer (history of the uninterrupted run, history of the resumed run).",
        _check_resumed,
        "resume from the same folder with the same net, data and recipe, resume=True, and compare train_loss, "
        "train_acc and test_acc of the two histories",
        "With the newest checkpoint gone the run looks as if it had stopped during epoch 3: resume=True loads the "
        "newest complete checkpoint (epoch 2) and trains epoch 3 again. Because the checkpoint holds the weights, "
        "the optimiser and the random-number state, and the shuffle depends only on (seed, epoch), the repeated "
        "epoch sees the same batches and ends with the same numbers: an interruption costs at most the epoch in "
        "progress, never a different result.",
    ),
    Exercise(
        "04.5",
        "In train's one-cycle schedule (OneCycleLR, max_lr=0.2, 1,000 steps), what fraction of the steps does the "
        "warm-up take (the step with the highest learning rate / the number of steps)?",
        lambda a: abs(number(a) - _warmup_fraction()) <= 0.005,
        "record scheduler.get_last_lr()[0] before every step; find the index of the largest value with "
        "rates.index(max(rates))",
        "OneCycleLR's default pct_start is 0.3: the learning rate rises for the first 30 % of the steps (from "
        "max_lr / 25) and then anneals to nearly 0 over the other 70 %. The high middle moves fast; the long "
        "annealed tail lets the weights settle, which is what steadies the test accuracy.",
    ),
    Exercise(
        "04.6",
        "Repeat the last-step experiment with seed 1 for 3 epochs. Did the last step lower the test accuracy in most "
        "epochs? Answer (the list epoch_ends returned, True or False).",
        _check_most_epochs,
        "count the epochs with e.after < e.before in your list, and compare with half the number of epochs",
        "What the mechanism predicts for any seed: one plain SGD step on 16 images, at the learning rate chosen "
        "for 256, is a long step in a noisy direction, taken right before the test. The seed decides which 16 "
        "images form the short batch and so where the step goes; in a single epoch it may even help. If it hurt in "
        "most epochs on seed 1 as on seed 0, that fits the mechanism; if not, the seed mattered more than it "
        "predicts. Two seeds, three to five epochs each, are a check, not a proof.",
    ),
    Exercise(
        "04.7",
        "Take each epoch's short last step at a learning rate scaled to its batch, lr × 16 / 256 "
        "(epoch_ends(..., lr_last=...)), seed 1, 3 epochs. In how many epochs did the last step still lower the test "
        "accuracy by more than 0.01? Answer (the list epoch_ends returned, a whole number).",
        _check_scaled_last_step,
        "count the epochs with e.before - e.after > 0.01 in the list of the run with lr_last=0.05 * 16 / 256",
        "Scaled to its 16 images the last step is much shorter than a typical step (compare last_step with "
        "typical_step in your list), so it cannot throw the weights far: a large fall came from a long step in a "
        "noisy direction. What can remain is batch norm's part: the last step still updates the running "
        "statistics with those 16 images, and they lag the weights; after_recomputed shows how much that costs.",
    ),
]
