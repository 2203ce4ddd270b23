import pytest
import torch
import torch.nn.functional as F
import torchvision
from torchvision.models.resnet import Bottleneck, ResNet

from resnet_lib.lessons.plain_vs_residual import Curve, Run
from resnet_lib.measure import count_flops, count_parameters


def on_meta(build):
    with torch.device("meta"):
        return build()


def torchvision_flops(build) -> int:
    return count_flops(on_meta(build), (3, 224, 224)).total


# computed independently of the checkers: torchvision's own nets, and the shortcut layers counted by hand
UNGROUPED = on_meta(lambda: ResNet(Bottleneck, [3, 4, 6, 3], groups=1, width_per_group=128))
RIGHT = {
    "06.1": count_parameters(UNGROUPED) / count_parameters(on_meta(torchvision.models.resnext50_32x4d)),
    "06.2": torchvision_flops(torchvision.models.resnet101) / torchvision_flops(torchvision.models.resnet50),
}
PROJECTIONS_64 = (64 * 128 + 2 * 128) + (128 * 256 + 2 * 256)  # two 1x1 projections and their batch norms
WIDTH_16 = (16 * 32 + 2 * 32) + (32 * 64 + 2 * 64)


def option_a(x, channels, stride):
    x = x[:, :, ::stride, ::stride]
    return F.pad(x, (0, 0, 0, 0, 0, channels - x.shape[1]))


def pads_in_front(x, channels, stride):  # zeros first: not the identity on the first channels
    x = x[:, :, ::stride, ::stride]
    return F.pad(x, (0, 0, 0, 0, channels - x.shape[1], 0))


def averages(x, channels, stride):  # pools instead of subsampling
    x = F.avg_pool2d(x, stride) if stride > 1 else x
    return F.pad(x, (0, 0, 0, 0, 0, channels - x.shape[1]))


class Learned(torch.nn.Module):  # right values, but a parameter: not option A
    def __init__(self):
        super().__init__()
        self.scale = torch.nn.Parameter(torch.ones(()))

    def forward(self, x, channels, stride):
        return option_a(x, channels, stride) * self.scale


E20, E56 = {0: 0.313, 1: 0.374}, {0: 0.785, 1: 0.718}  # per seed, as lesson 06's errors hold them


def runs(e32, steps=10, e20=E20, e56=E56):
    """Curves as section 2's run_degradation returns them (with the residual nets), plus plain-32's: each run's
    training error constant, so its error over the last steps is the value given."""
    def curves(errors, n=10):
        return {seed: Curve([1.0] * n, [e] * n) for seed, e in errors.items()}

    lesson = {Run("plain", 20): curves(e20), Run("plain", 56): curves(e56),
              Run("residual", 20): curves({0: 0.2, 1: 0.2}), Run("residual", 56): curves({0: 0.25, 1: 0.3})}
    return lesson | {Run("plain", 32): curves(e32, steps)}


RIGHT["06.3"] = (runs({0: 0.45, 1: 0.35}), 20)
RIGHT["06.4"] = (option_a, PROJECTIONS_64)
WRONG = {
    "06.1": [32, 1.0, RIGHT["06.1"] + 0.05],
    "06.3": [(runs({0: 0.45, 1: 0.35}), 56),
             (runs({0: 0.70, 1: 0.65}), 20),
             (runs({0: 0.45, 1: 0.35}), "seeds disagree"),
             (runs({0: 0.45, 1: 0.65}), 20),  # seed 1 is closer to plain-56
             (runs({0: 0.45, 1: 0.65}), 56),
             (runs({0: 0.45, 1: 0.35}, steps=5), 20),  # plain-32 trained a shorter run than section 2's
             ({20: E20, 32: {0: 0.45, 1: 0.35}, 56: E56}, 20)],  # typed numbers, not the lesson's runs
    "06.4": [(option_a, WIDTH_16), (option_a, 0), (pads_in_front, PROJECTIONS_64), (averages, PROJECTIONS_64),
             (Learned(), PROJECTIONS_64)],
    "06.2": [101 / 50, 1.0, RIGHT["06.2"] - 0.05],
}


@pytest.mark.parametrize("key", sorted(RIGHT))
def test_right_answer_passes_and_wrong_ones_fail(key, judge):
    judge(key, RIGHT[key], WRONG[key])


def test_a_rounded_ratio_passes():
    from resnet_lib import check_exercise

    assert check_exercise("06.1", round(RIGHT["06.1"], 2), quiet=True)
    assert check_exercise("06.2", round(RIGHT["06.2"], 2), quiet=True)


def test_seeds_that_disagree_are_answered_so():
    from resnet_lib import check_exercise

    split = runs({0: 0.45, 1: 0.65})
    assert check_exercise("06.3", (split, "seeds disagree"), quiet=True)
    assert check_exercise("06.3", (split, "Seeds disagree "), quiet=True)


def test_a_tie_at_three_decimals_may_be_read_either_way():
    from resnet_lib import check_exercise

    tie = runs({0: 0.5005, 1: 0.4}, e20={0: 0.300, 1: 0.300}, e56={0: 0.700, 1: 0.700})  # seed 0 ties, 1 says 20
    assert check_exercise("06.3", (tie, 20), quiet=True) and check_exercise("06.3", (tie, "seeds disagree"), quiet=True)
    assert not check_exercise("06.3", (tie, 56), quiet=True)


def test_the_checker_reads_the_errors_from_the_lessons_own_runs():
    """06.3 takes section 2's runs with plain-32's added (``curves | curves32``) and computes every error itself,
    from section 2's plain-20 and plain-56: typed numbers, or a plain-32 trained for other steps or seeds, are not
    an answer to this exercise."""
    from resnet_lib import check_exercise

    own = runs({0: 0.45, 1: 0.45})
    assert check_exercise("06.3", (own, 20), quiet=True)
    moved = own | {Run("plain", 20): {s: Curve([1.0] * 10, [0.0] * 10) for s in (0, 1)}}  # plain-20 is what it is
    assert not check_exercise("06.3", (moved, 20), quiet=True)
    assert check_exercise("06.3", (moved, 56), quiet=True)


def test_answers_of_the_wrong_kind_say_what_to_give(capsys):
    from resnet_lib import check_exercise

    without_32 = {run: c for run, c in runs({0: 0.4, 1: 0.4}).items() if run.depth != 32}
    assert not check_exercise("06.3", (without_32, 20))
    assert not check_exercise("06.3", (runs({0: 0.4, 1: 0.4}), 32))
    assert not check_exercise("06.3", ({20: E20, 32: {0: 0.4, 1: 0.4}, 56: E56}, 20))  # numbers, not the runs
    other_seeds = runs({0: 0.4, 1: 0.4}) | {Run("plain", 32): {0: Curve([1.0] * 10, [0.4] * 10),
                                                               2: Curve([1.0] * 10, [0.4] * 10)}}
    assert not check_exercise("06.3", (other_seeds, 20))
    assert not check_exercise("06.3", (runs({0: 0.4, 1: 0.4}, steps=5), 20))
    assert not check_exercise("06.4", PROJECTIONS_64)
    assert not check_exercise("06.4", (option_a(torch.zeros(1, 2, 4, 4), 4, 2), PROJECTIONS_64))  # called, not given
    out = "".join(capsys.readouterr())
    assert "curves | curves32" in out and "20, 56 or 'seeds disagree'" in out and "plain-32" in out
    assert "the same seeds" in out and "as many steps" in out and "without calling it" in out


def test_every_exercise_explains_itself():
    from resnet_lib.exercises.lesson06 import EXERCISES

    assert [e.key for e in EXERCISES] == ["06.1", "06.2", "06.3", "06.4"]
    assert all(len(e.explanation) > 80 for e in EXERCISES)
