import math

import pytest
import torch

from resnet_lib import check_exercise
from resnet_lib.exercises.lesson05 import (
    BRANCH_SCALES,
    CHAIN_WIDTHS,
    GAMMAS,
    OVERFLOW_DEPTHS,
    all_grads_finite,
    deepest_finite,
    gamma_ratio,
)
from resnet_lib.lessons.gradients import VARIANTS, first_last_ratio, jacobian_chain, profile_at_init


def lesion(whole: float, rises: list[float]) -> tuple[float, list[float]]:
    return whole, [whole + r for r in rises]


PLAIN = lesion(1.9, [0.5, 0.3, 0.2, 0.05])  # 3 of 4 blocks matter
RESIDUAL = lesion(0.4, [0.15, 0.01, 0.0, -0.01])  # 1 of 4
SHALLOW = [2.3] * 20 + [0.45] * 10
DEEP_WORSE = [2.3] * 20 + [0.70] * 10  # ends 0.25 above
DEEP_LEVEL = [2.3] * 20 + [0.50] * 10  # ends 0.05 above

def data_batch(n: int = 128) -> tuple[torch.Tensor, torch.Tensor]:
    """A learner's batch: uniform inputs in [0, 1) (not centred), random labels."""
    g = torch.Generator().manual_seed(11)
    return torch.rand(n, 784, generator=g), torch.randint(0, 10, (n,), generator=g)


X, Y = data_batch()
RIGHT = {
    "05.1": 128,  # a factor's length averages over more units: the log-drift per factor shrinks with the width
    "05.2": (8, X, Y),  # BN normalises with batch statistics: the smaller the batch, the faster the explosion
    "05.3": 0.15,  # residual chain: the length grows roughly like exp(500 s^2): 6e4 at 0.15, 6e7 at 0.2
    "05.5": ([0.01, 0.03], X, Y),  # small γ stays close to the flat γ = 0 profile; γ = 0.3 and 1 grow past 2
    "05.6": (PLAIN, RESIDUAL, 3, 1),
    "05.7": (SHALLOW, DEEP_WORSE, True),
}
DEEPEST = 440  # the ratio grows about 1.2x a block: past float32's 3.4e38 between 440 and 460 blocks
WRONG = {"05.1": [8, 32, 64], "05.2": [(32, X, Y), (128, X, Y)], "05.3": [0.05, 0.1, 0.2, 0.5],
         "05.5": [([0.01], X, Y), ([0.01, 0.03, 0.3], X, Y), (GAMMAS, X, Y)],
         "05.6": [(PLAIN, RESIDUAL, 1, 3), (PLAIN, RESIDUAL, 4, 1), (PLAIN, RESIDUAL, 3, 0)],
         "05.7": [(SHALLOW, DEEP_WORSE, False), (SHALLOW, DEEP_LEVEL, True)]}


@pytest.mark.slow
@pytest.mark.parametrize("key", sorted(RIGHT))
def test_right_answer_passes_and_wrong_ones_fail(key, judge):
    judge(key, RIGHT[key], WRONG[key])


@pytest.mark.slow
@pytest.mark.parametrize("seed", [0, 1])
def test_the_widest_chain_drifts_least(seed):
    logs = [abs(math.log(max(float(jacobian_chain(1000, width=w, seed=seed)[-1]), 1e-300))) for w in CHAIN_WIDTHS]
    assert logs == sorted(logs, reverse=True)


@pytest.mark.slow
def test_the_batch_and_gamma_answers_hold_on_another_batch():
    x, y = data_batch()
    ratios = [first_last_ratio(profile_at_init(100, x[:b], y[:b], **VARIANTS["plain+BN"])) for b in (8, 32, 128)]
    assert ratios == sorted(ratios, reverse=True)
    assert [g for g in GAMMAS if gamma_ratio(g, x, y) < 2] == RIGHT["05.5"][0]
    assert gamma_ratio(0.0, x, y) == pytest.approx(1.0)


def test_05_2_and_05_5_are_judged_on_the_learners_own_batch(capsys):
    """The checker measures on the images given with the answer: a bare number, or too few images for b = 128,
    is answered with what to give, not judged against a batch of the checker's own."""
    assert check_exercise("05.2", 8) is False
    assert check_exercise("05.2", (8, X[:64], Y[:64])) is False
    assert check_exercise("05.5", [0.01, 0.03]) is False
    out = "".join(capsys.readouterr())
    assert "(the batch size, x, y)" in out and "at least 128" in out and "(the list of γ, x_probe, y_probe)" in out
    assert "Hint" not in out


def test_05_4_is_judged_on_the_learners_own_batch(judge):
    x, y = data_batch()
    assert deepest_finite(x, y) == DEEPEST
    assert all_grads_finite(DEEPEST + 20, x, y) is False
    judge("05.4", (DEEPEST, x, y), [(420, x, y), (460, x, y)])


def test_lesion_counts_read_off_three_decimals_are_accepted():
    edge = lesion(1.0, [0.1005, 0.5, 0.0])  # rose by 0.1005: prints as 0.100 or 0.101
    assert check_exercise("05.6", (edge, edge, 1, 2), quiet=True)
    assert check_exercise("05.6", (edge, edge, 2, 1), quiet=True)
    assert not check_exercise("05.6", (edge, edge, 0, 1), quiet=True)
    diverged = lesion(2.0, [float("nan"), 0.0])  # a NaN loss: the block certainly mattered
    assert check_exercise("05.6", (diverged, diverged, 1, 1), quiet=True)


def test_a_gap_at_the_threshold_may_be_read_either_way_and_a_diverged_run_ended_worse():
    edge = [2.3] * 20 + [0.5505] * 10  # 0.1005 above SHALLOW
    assert check_exercise("05.7", (SHALLOW, edge, True), quiet=True)
    assert check_exercise("05.7", (SHALLOW, edge, False), quiet=True)
    assert check_exercise("05.7", (SHALLOW, [2.3] * 20 + [float("nan")] * 10, True), quiet=True)


def test_measurements_of_the_wrong_kind_say_what_to_give(capsys):
    x, y = data_batch()
    assert not check_exercise("05.4", 440)  # the batch is part of the answer
    assert not check_exercise("05.6", (PLAIN, lesion(0.4, [0.0, 0.0]), 3, 1))  # nets of different depths
    assert not check_exercise("05.7", (SHALLOW, DEEP_WORSE, "yes"))
    assert not check_exercise("05.7", (SHALLOW[:5], DEEP_WORSE[:5], True))
    out = "".join(capsys.readouterr())
    assert "x_probe" in out and "same depth" in out and "True or False" in out and "at least 20" in out
    assert "Hint" not in out


def test_an_answer_that_is_not_one_of_the_choices_says_so_without_a_hint(capsys):
    assert check_exercise("05.1", 256) is False
    assert check_exercise("05.4", (450, *data_batch())) is False
    out = "".join(capsys.readouterr())
    assert str(CHAIN_WIDTHS) in out and str(OVERFLOW_DEPTHS) in out and "Hint" not in out


def test_a_scale_or_gamma_that_was_not_tried_is_a_type_problem(capsys):
    assert check_exercise("05.3", 0.25) is False
    assert check_exercise("05.5", ([0.1], X, Y)) is False
    assert check_exercise("05.5", (0.03, X, Y)) is False
    out = capsys.readouterr().err
    assert str(BRANCH_SCALES) in out and str(GAMMAS) in out and "a list of the γ values" in out


@pytest.mark.slow  # computes 05.1's four 1000-factor chains
def test_natural_types_are_accepted():
    assert check_exercise("05.1", 128.0)
    assert check_exercise("05.5", ((0.03, 0.01), X, Y))


def test_the_starter_answer_prints_no_hint(capsys):
    assert check_exercise("05.4", None) is False
    assert "Hint" not in "".join(capsys.readouterr())


def test_every_exercise_explains_itself():
    from resnet_lib.exercises.lesson05 import EXERCISES

    assert [e.key for e in EXERCISES] == [f"05.{i}" for i in range(1, 8)]
    assert all(len(e.explanation) > 80 for e in EXERCISES)
