import pytest
import torch
from torch import nn

from resnet_lib import check_exercise
from resnet_lib.lessons.function_classes import best_fit, grid, insert_layer, small_cnn

RIGHT = {
    "01.1": {3, 6, 9, 12},  # 3 divides m
    "01.2": [4, 7, 10],  # one piece after each grid with a breakpoint at 1/3 (3 divides m), the jump moves inside
    "01.3": 8,  # no nested breakpoint (halves, quarters, ...) falls on 1/3; equal grids of 3, 6, 9, 12 pieces do
}
WRONG = {"01.1": [{3, 6, 9}, {1, 3, 6, 9, 12}], "01.2": [[3, 5, 7, 9, 11], [4, 7], [3, 6, 9, 12]],
         "01.3": [0, 5, 12], "01.4": [0.0, 1e-6]}


def dirac_bn_change_by_hand() -> float:
    """The learner's route for 01.4, written independently of the checker."""
    torch.manual_seed(0)
    net = small_cnn(4)
    x = torch.randn(8, 1, 28, 28)
    conv = nn.Conv2d(4, 4, 3, padding=1)
    with torch.no_grad():
        conv.weight.zero_()
        for i in range(4):
            conv.weight[i, i, 1, 1] = 1.0
        conv.bias.zero_()
        grown = insert_layer(net, nn.Sequential(conv, nn.BatchNorm2d(4), nn.ReLU()))
        return (grown.train()(x) - net.train()(x)).abs().max().item()


@pytest.mark.parametrize("key", sorted(RIGHT))
def test_right_answer_passes_and_wrong_ones_fail(key, judge):
    judge(key, RIGHT[key], WRONG[key])


def test_batch_norm_in_training_mode_breaks_the_identity_start(judge):
    change = dirac_bn_change_by_hand()
    assert change > 0.1  # the BN rescales the channels, so the layer is not the identity
    judge("01.4", change, WRONG["01.4"])


def moved_jump_errors_by_hand(nested: bool) -> list[float]:
    """The learner's route for 01.2 and 01.3: best errors for x² + [x > 1/3], written without error_curves."""
    x = grid()
    y = x**2 + (x > 1 / 3).double()
    return [float((best_fit(n, nested, x, f=lambda t: t**2 + (t > 1 / 3).double()) - y).pow(2).mean())
            for n in range(1, 13)]


def test_moved_jump_answers_match_an_independent_measurement():
    equal, nested = moved_jump_errors_by_hand(nested=False), moved_jump_errors_by_hand(nested=True)
    assert [n for n in range(2, 13) if equal[n - 1] > equal[n - 2]] == RIGHT["01.2"]
    assert sum(e < n for e, n in zip(equal, nested, strict=True)) == RIGHT["01.3"]
    assert not any(n < e for e, n in zip(equal, nested, strict=True))  # and the nested class never wins


def test_natural_types_are_accepted():
    assert check_exercise("01.1", [3, 6, 9, 12])  # a list for a set
    assert check_exercise("01.2", (10, 4, 7))  # a tuple, in any order
    assert check_exercise("01.3", 8.0)
    assert check_exercise("01.3", torch.tensor(8))


def test_malformed_answers_are_wrong_not_crashes(capsys):
    assert check_exercise("01.2", "4, 7, 10") is False
    assert check_exercise("01.3", None) is False
    assert check_exercise("01.4", "zero") is False
    out = capsys.readouterr().err
    assert "not answered yet" in out and "answer with a number" in out


def test_a_hand_rounded_answer_to_the_digits_asked_passes():
    change = dirac_bn_change_by_hand()
    assert check_exercise("01.4", round(change, 2))  # the prompt asks for 2 decimals
    assert check_exercise("01.4", round(change, 2) + 0.01) is False


def insertion_changes_by_hand() -> dict[int, float]:
    """The learner's route for 01.5 on a net whose BN is not the identity (as after training), written without
    the checker's helper."""
    from resnet_lib.lessons.function_classes import zero_init_residual

    torch.manual_seed(1)
    net, x = small_cnn(8).eval(), torch.randn(8, 1, 28, 28)
    with torch.no_grad():
        net[1].running_mean.fill_(-0.5)  # a positive shift lifts zeroed negatives above 0
        net[1].bias.fill_(1.0)
        out = net(x)
        return {p: (insert_layer(net, zero_init_residual(8), p).eval()(x) - out).abs().max().item()
                for p in (1, 2, 3, 4)}


def test_positions_exercise_judges_the_learners_reading_of_their_own_numbers(judge):
    changes = insertion_changes_by_hand()
    keeps = {p for p, c in changes.items() if c == 0}
    assert keeps == {2, 3, 4} and changes[1] > 0.01  # relu(x) before the BN changes the net; elsewhere it does not
    wrong_reading = {3, 4}  # "only where the input is non-negative": but a ReLU follows position 2
    judge("01.5", (changes, keeps), [(changes, wrong_reading), ({3: 0.0, 4: 0.0}, {3, 4}),
                                     ({**changes, 2: 0.5}, keeps),  # numbers that contradict the reading
                                     ({1: 0.3, 2: 0.2, 3: 0.0, 4: 0.0}, {3, 4})])  # a ReLU follows 2: it keeps
    assert check_exercise("01.5", ({**changes, 1: 0.0}, {1, 2, 3, 4}))  # a net whose BN shifts keep 1 too


def test_new_seeds_exercise_applies_the_rule_to_the_learners_numbers(judge):
    control = {3: 0.470, 4: 0.460}
    close = {3: 0.480, 4: 0.456}  # differences +0.010, -0.004: not told apart
    far = {3: 0.900, 4: 0.910}  # +0.430, +0.450 against a spread of 0.010: higher
    judge("01.6", ({"residual, γ = 0": close, "no layer inserted": control}, "not told apart"),
          [({"residual, γ = 0": close, "no layer inserted": control}, "lower"),
           ({"residual, γ = 0": far, "no layer inserted": control}, "not told apart"),
           ({"residual, γ = 0": {1: 0.48, 2: 0.45}, "no layer inserted": {1: 0.47, 2: 0.46}}, "not told apart")])
    assert check_exercise("01.6", ({"residual, γ = 0": far, "no layer inserted": control}, "higher"))
