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
    gamma_ratio,
)
from resnet_lib.lessons.gradients import VARIANTS, first_last_ratio, jacobian_chain, profile_at_init

RIGHT = {
    "05.1": 256,  # a factor's length averages over more units: the log-drift per factor shrinks with the width
    "05.2": 8,  # BN normalises with batch statistics: the smaller the batch, the faster the explosion
    "05.3": 0.1,  # residual chain: the length grows like exp(500 s^2)
    "05.4": 400,  # the ratio grows about 1.2x a block: past float32's 3.4e38 between 400 and 500 blocks
    "05.5": [0.01, 0.03],  # small γ stays close to the flat γ = 0 profile; γ = 0.3 and 1 grow past 2
}
WRONG = {"05.1": [8, 32, 128], "05.2": [32, 128], "05.3": [0.05, 0.2, 0.5], "05.4": [300, 500, 600],
         "05.5": [[0.01], [0.01, 0.03, 0.3], GAMMAS]}


def data_batch(n: int = 128) -> tuple[torch.Tensor, torch.Tensor]:
    """A batch unlike the checker's: shifted, scaled inputs and other labels (the answers must not depend on it)."""
    g = torch.Generator().manual_seed(11)
    return torch.rand(n, 784, generator=g), torch.randint(0, 10, (n,), generator=g)


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
    assert [g for g in GAMMAS if gamma_ratio(g, x, y) < 2] == RIGHT["05.5"]
    assert gamma_ratio(0.0, x, y) == pytest.approx(1.0)
    assert [all_grads_finite(d, x, y) for d in OVERFLOW_DEPTHS] == [d <= RIGHT["05.4"] for d in OVERFLOW_DEPTHS]


def test_an_answer_that_is_not_one_of_the_choices_says_so_without_a_hint(capsys):
    assert check_exercise("05.1", 64) is False
    assert check_exercise("05.4", 450) is False
    out = capsys.readouterr().out
    assert str(CHAIN_WIDTHS) in out and str(OVERFLOW_DEPTHS) in out and "Hint" not in out


def test_a_scale_or_gamma_that_was_not_tried_is_a_type_problem(capsys):
    assert check_exercise("05.3", 0.15) is False
    assert check_exercise("05.5", [0.1]) is False
    assert check_exercise("05.5", 0.03) is False
    out = capsys.readouterr().out
    assert str(BRANCH_SCALES) in out and str(GAMMAS) in out and "a list of the γ values" in out


@pytest.mark.slow  # computes 05.1's four 1000-factor chains
def test_natural_types_are_accepted():
    assert check_exercise("05.1", 256.0)
    assert check_exercise("05.5", (0.03, 0.01))


def test_the_starter_answer_prints_no_hint(capsys):
    assert check_exercise("05.4", None) is False
    assert "Hint" not in capsys.readouterr().out
