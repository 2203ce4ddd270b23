"""Lesson 04's exercise checkers accept the right answers and reject near misses; the experiment exercises (04.1,
04.4, 04.6, 04.7) are judged from the learner's own measurements, so the tests build measurements with known
answers."""

from dataclasses import replace

import pytest

from resnet_lib.exercises import check_exercise
from resnet_lib.history import History
from resnet_lib.lessons.last_batch import EpochEnd


def history(*losses: float, test_acc: float = 0.5) -> History:
    h = History()
    for loss in losses:
        h.add(train_loss=loss, train_acc=0.8, test_acc=test_acc, examples_per_s=1.0, wall_s=1.0)
    return h


def end(before: float, after: float, last_step: float = 0.5, typical_step: float = 0.2, epoch: int = 1) -> EpochEnd:
    return EpochEnd(epoch, 16, before, after, after, last_step, typical_step)


def ends(*pairs: tuple[float, float], **kw) -> list[EpochEnd]:
    return [end(b, a, epoch=i + 1, **kw) for i, (b, a) in enumerate(pairs)]


FELL_TWICE = ends((0.70, 0.40), (0.60, 0.65), (0.75, 0.50))  # lowered in 2 of 3 epochs
ROSE_TWICE = ends((0.70, 0.40), (0.60, 0.65), (0.55, 0.70))
SCALED = ends((0.70, 0.68), (0.60, 0.605), (0.75, 0.70), last_step=0.05)  # fell by more than 0.01 twice

RIGHT = {
    "04.1": (history(0.9, 0.5), history(0.9, 0.5, test_acc=0.6), 0.6),
    "04.2": 0.91,
    "04.3": 0.5003,
    "04.4": (history(0.9, 0.5, 0.4), history(0.9, 0.5, 0.4)),
    "04.5": 0.3,
    "04.6": (FELL_TWICE, True),
    "04.7": (SCALED, 2),
}
WRONG = {
    "04.1": [(history(0.9, 0.5), history(0.9, 0.5, test_acc=0.6), 0.5),  # the first net scored without the flip
             (history(0.9, 0.5), history(0.9, 0.5, test_acc=0.6), 0.601),  # one image of 1,000 off: another net
             (history(0.9, 0.5), history(0.9, 0.6), 0.5)],  # two runs that trained differently
    "04.2": [0.9],
    "04.3": [0.0],
    "04.4": [(history(0.9, 0.5, 0.4), history(0.9, 0.5, 0.41))],  # the resumed epoch came out differently
    "04.5": [0.5],
    "04.6": [(FELL_TWICE, False), (ROSE_TWICE, True)],
    "04.7": [(SCALED, 1), (SCALED, 3), (SCALED, 0)],
}


@pytest.mark.parametrize("key", RIGHT)
def test_right_answers_pass_and_near_misses_fail(key, judge):
    judge(key, RIGHT[key], [*WRONG[key], None])


def test_natural_spellings_of_a_number_pass():
    assert check_exercise("04.1", [history(0.9), history(0.9, test_acc=0.6), 0.60001], quiet=True)  # rounding
    assert check_exercise("04.5", 0.299, quiet=True)  # the peak step counted from 0 or from 1
    assert check_exercise("04.7", (SCALED, 2.0), quiet=True)


def test_a_fall_too_small_to_see_at_three_decimals_may_be_read_either_way():
    tiny = ends((0.70, 0.40), (0.6003, 0.6000), (0.55, 0.70))  # epoch 2 fell by 0.0003: prints as no change
    assert check_exercise("04.6", (tiny, True), quiet=True) and check_exercise("04.6", (tiny, False), quiet=True)
    edge = ends((0.70, 0.6895), (0.60, 0.70), last_step=0.05)  # fell by 0.0105: prints as 0.010 or 0.011
    assert check_exercise("04.7", (edge, 1), quiet=True) and check_exercise("04.7", (edge, 0), quiet=True)
    assert not check_exercise("04.7", (edge, 2), quiet=True)


def test_a_run_that_did_not_scale_its_last_step_is_told_how(capsys):
    assert not check_exercise("04.7", (FELL_TWICE, 2))  # last steps longer than typical ones: lr_last not used
    assert "lr_last" in "".join(capsys.readouterr())


def test_measurements_of_the_wrong_kind_say_what_to_give(capsys):
    assert not check_exercise("04.1", "test-time flip")  # a name: the experiment is the answer
    assert not check_exercise("04.6", (FELL_TWICE[:1], True))  # one epoch has no majority
    assert not check_exercise("04.6", ([replace(e, last_step=0.0) for e in FELL_TWICE], True))  # drop_last run
    assert not check_exercise("04.4", (history(0.9), history(0.9)))  # one epoch: nothing was resumed
    out = "".join(capsys.readouterr())
    assert "scored with the flip" in out and "at least 2 epochs" in out and "drop_last" in out and "Hint" not in out


def test_every_exercise_explains_itself_after_a_right_answer_only(capsys):
    from resnet_lib.exercises.lesson04 import EXERCISES

    assert all(len(e.explanation) > 80 for e in EXERCISES)
    check_exercise("04.2", 0.91)
    assert "Why:" in capsys.readouterr().out


@pytest.mark.parametrize(("key", "wrong", "answer"),
                         [("04.2", 0.9, "0.91"), ("04.3", 0.3, "0.50"), ("04.5", 0.5, "0.3")])
def test_a_wrong_guess_does_not_get_the_number_from_the_explanation(key, wrong, answer, capsys):
    """The review's wrong guesses: 0.9 for 04.2 used to print "the true class gets 0.9 + 0.1/10 = 0.91"."""
    assert check_exercise(key, wrong) is False
    said = "".join(capsys.readouterr())
    assert "Hint:" in said and "Why:" not in said and answer not in said, said
