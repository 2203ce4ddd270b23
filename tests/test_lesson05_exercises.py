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
from resnet_lib.lessons.degradation import final_loss, lesion_losses
from resnet_lib.lessons.gradients import VARIANTS, DeepMLP, first_last_ratio, jacobian_chain, profile_at_init
from resnet_lib.training import short_run


def lesion(whole: float, rises: list[float]) -> tuple[float, list[float]]:
    return whole, [whole + r for r in rises]


def images_and_labels(n: int = 256) -> tuple[torch.Tensor, torch.Tensor]:
    """A learner's training images (uint8, as data.train_images) and labels, for 05.6's and 05.7's short runs."""
    g = torch.Generator().manual_seed(5)
    return torch.randint(0, 256, (n, 28, 28), generator=g, dtype=torch.uint8), torch.randint(0, 10, (n,), generator=g)


IMAGES, LABELS = images_and_labels()
STEPS = 20  # 05.6's and 05.7's runs, shortened for the tests


def trained(name: str, seed: int, depth: int = 6, width: int = 32, steps: int = STEPS) -> DeepMLP:
    torch.manual_seed(seed)
    net = DeepMLP(depth, width=width, **VARIANTS[name])
    short_run(net, IMAGES, LABELS, steps, lr=0.02, seed=seed)
    return net


def wide_losses(depth: int, width: int = 64, seed: int = 0, steps: int = STEPS) -> list[float]:
    torch.manual_seed(seed)
    return short_run(DeepMLP(depth, width=width, **VARIANTS["plain+BN"]), IMAGES, LABELS, steps, lr=0.02, seed=seed)


X_EVAL, Y_EVAL = (IMAGES[:128].float().flatten(1) / 255, LABELS[:128])
PLAIN_NET, RESIDUAL_NET = trained("plain+BN", 2), trained("residual+BN", 2)
COUNTS = tuple(sum(v - whole > 0.1 for v in without) for whole, without in
               (lesion_losses(net, X_EVAL, Y_EVAL) for net in (PLAIN_NET, RESIDUAL_NET)))
WIDE = {2: wide_losses(2), 6: wide_losses(6)}
STILL_WORSE = final_loss(WIDE[6]) - final_loss(WIDE[2]) > 0.1

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
    "05.6": (PLAIN_NET, RESIDUAL_NET, *COUNTS, X_EVAL, Y_EVAL),
    "05.7": (WIDE, STILL_WORSE, IMAGES, LABELS),
}
DEEPEST = 440  # the ratio grows about 1.2x a block: past float32's 3.4e38 between 440 and 460 blocks
WRONG = {"05.1": [8, 32, 64], "05.2": [(32, X, Y), (128, X, Y)], "05.3": [0.05, 0.1, 0.2, 0.5],
         "05.5": [([0.01], X, Y), ([0.01, 0.03, 0.3], X, Y), (GAMMAS, X, Y)],
         "05.6": [(PLAIN_NET, RESIDUAL_NET, COUNTS[0] + 1, COUNTS[1], X_EVAL, Y_EVAL),
                  (PLAIN_NET, RESIDUAL_NET, COUNTS[0], COUNTS[1] + 1, X_EVAL, Y_EVAL)],
         "05.7": [(WIDE, not STILL_WORSE, IMAGES, LABELS)]}


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


def test_05_6_repeats_the_lesion_on_the_learners_own_nets_and_wants_them_trained_from_seed_2(capsys):
    """The checker deletes the blocks of the nets it is given itself: counts that match lists a learner made up, or
    nets of another seed (section 4's, seed 0), or nets never trained, do not pass."""
    assert check_exercise("05.6", RIGHT["05.6"], quiet=True)
    seed_0 = trained("plain+BN", 0), trained("residual+BN", 0)
    counts_0 = tuple(sum(v - whole > 0.1 for v in without) for whole, without in
                     (lesion_losses(net, X_EVAL, Y_EVAL) for net in seed_0))
    assert not check_exercise("05.6", (*seed_0, *counts_0, X_EVAL, Y_EVAL))
    torch.manual_seed(2)
    untrained = DeepMLP(6, **VARIANTS["plain+BN"]), DeepMLP(6, **VARIANTS["residual+BN"])
    assert not check_exercise("05.6", (*untrained, 0, 0, X_EVAL, Y_EVAL))
    assert not check_exercise("05.6", (RESIDUAL_NET, PLAIN_NET, *COUNTS[::-1], X_EVAL, Y_EVAL))  # swapped nets
    out = "".join(capsys.readouterr())
    assert "seed 2" in out and "trained" in out and "plain+BN" in out


def test_05_7_repeats_the_first_steps_of_the_learners_runs():
    """The checker re-runs the first steps of both wide nets on the learner's images: losses of width-32 nets (section
    4's), of another seed, or made up, do not pass, whatever the True/False."""
    assert check_exercise("05.7", RIGHT["05.7"], quiet=True)
    narrow = {d: wide_losses(d, width=32) for d in WIDE}
    other_seed = {d: wide_losses(d, seed=1) for d in WIDE}
    made_up = {2: [0.4] * STEPS, 6: [1.9] * STEPS}
    for losses in (narrow, other_seed, made_up):
        for verdict in (True, False):
            assert not check_exercise("05.7", (losses, verdict, IMAGES, LABELS), quiet=True)


def test_a_gap_at_the_threshold_may_be_read_either_way_and_a_diverged_run_ended_worse():
    from resnet_lib.exercises.lesson05 import wider_still_worse

    shallow = WIDE[2][:10] + [0.45] * 10
    assert wider_still_worse(shallow, WIDE[6][:10] + [0.5505] * 10) == {True, False}  # 0.1005 above: either way
    assert wider_still_worse(shallow, WIDE[6][:10] + [0.70] * 10) == {True}
    assert wider_still_worse(shallow, WIDE[6][:10] + [0.50] * 10) == {False}
    assert wider_still_worse(shallow, WIDE[6][:10] + [float("nan")] * 10) == {True}


def test_measurements_of_the_wrong_kind_say_what_to_give(capsys):
    x, y = data_batch()
    assert not check_exercise("05.4", 440)  # the batch is part of the answer
    assert not check_exercise("05.6", (PLAIN_NET, trained("residual+BN", 2, depth=4), 1, 1, X_EVAL, Y_EVAL))
    assert not check_exercise("05.6", ((1.9, [2.0, 2.1]), (0.4, [0.4, 0.5]), 1, 0))  # lesion lists, not nets
    assert not check_exercise("05.7", (WIDE, "yes", IMAGES, LABELS))
    assert not check_exercise("05.7", ({d: v[:5] for d, v in WIDE.items()}, True, IMAGES, LABELS))
    assert not check_exercise("05.7", (WIDE[2], WIDE[6], True))  # the older form
    out = "".join(capsys.readouterr())
    assert "x_probe" in out and "same depth" in out and "True or False" in out and "at least 20" in out
    assert "x_eval" in out and "data.train_images" in out
    assert "Hint" not in out


def test_an_answer_that_is_not_one_of_the_choices_says_so_without_a_hint(capsys):
    assert check_exercise("05.1", 256) is False
    assert check_exercise("05.1", "128") is False
    wrong_type = capsys.readouterr().err
    assert "whole number" in wrong_type and "0.25" not in wrong_type  # 05.1 asks for a width
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
