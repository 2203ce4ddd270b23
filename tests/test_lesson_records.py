"""What lessons 05 and 06 say about the runs made in advance (the controlled runs of lesson 05, the runs trained to
the end of lesson 06) is checked here against the committed records, with the course's seed-by-seed rule."""

from __future__ import annotations

import pytest

from resnet_lib.lessons.degradation import final_loss, load_controls
from resnet_lib.lessons.plain_vs_residual import load_converged
from resnet_lib.lessons.seeds import compare_seeds


@pytest.fixture(scope="module")
def ended() -> dict[str, dict[int, tuple[float, float]]]:
    runs, info = load_converged()
    assert info["recipe"]["seeds"] == [0, 1, 2] and info["recipe"]["epochs"] == 15  # what the text says
    return {name: {s: (r["train_error"][-1], r["test_error"][-1]) for s, r in by_seed.items()}
            for name, by_seed in runs.items()}


def column(ended, name: str, i: int) -> dict[int, float]:
    return {s: v[i] for s, v in ended[name].items()}


def test_lesson06_plain56_degrades_at_the_end_of_training(ended):
    train = compare_seeds(column(ended, "plain-56", 0), column(ended, "plain-20", 0))
    assert train.decided and all(d > 0 for d in train.differences.values())
    test = compare_seeds(column(ended, "plain-56", 1), column(ended, "plain-20", 1))
    assert all(d > 0 for d in test.differences.values()) and not test.decided  # "higher on every seed, undecided"


def test_lesson06_plain56_is_not_overfitting(ended):
    for seed, (train, test) in ended["plain-56"].items():  # training and test error close together
        assert test - train < 0.03, seed
    for name in ("plain-20", "ResNet-20", "ResNet-56"):  # the others fit their training images far better
        assert all(test - train > 0.05 for train, test in ended[name].values()), name


def test_lesson06_shortcuts_remove_the_penalty(ended):
    res = compare_seeds(column(ended, "ResNet-56", 0), column(ended, "plain-56", 0))
    assert res.decided and all(d < 0 for d in res.differences.values())
    depth = compare_seeds(column(ended, "ResNet-56", 0), column(ended, "ResNet-20", 0))
    assert not depth.decided and max(abs(d) for d in depth.differences.values()) < 0.05  # "close to ResNet-20"
    level = compare_seeds(column(ended, "ResNet-56", 1), column(ended, "ResNet-20", 1))
    assert not level.decided and max(abs(d) for d in level.differences.values()) < 0.01  # "test errors are level"


def test_lesson06_text_reads_the_whole_curves_of_the_runs_trained_to_the_end():
    """What lesson 06 says of the curves trained to the end holds after every pass, not only after the last."""
    from resnet_lib.lessons.plain_vs_residual import converged_runs

    _, info = load_converged()
    recipe = info["recipe"]  # "width 8, 14 px, 10,000 images", "all 10,000 training images and 10,000 test images"
    assert (recipe["width"], recipe["image_size"], recipe["train_images"], recipe["test_images"]) == (8, 14, 10_000,
                                                                                                      10_000)
    runs = converged_runs()
    train, test = ({name: runs.mean_curve(name, what) for name in runs.runs} for what in ("training", "test"))
    # "after every pass its training and test lines lie almost on top of each other"
    assert all(abs(b - a) < 0.02 for a, b in zip(train["plain-56"], test["plain-56"], strict=True))
    for name in ("plain-20", "ResNet-20", "ResNet-56"):  # "the other nets' two lines start close together, draw apart"
        apart = [b - a for a, b in zip(train[name], test[name], strict=True)]
        assert apart[0] < 0.02 and apart[-1] > 0.07, name
    # "largest after pass 3 and then narrowed, with ups and downs, to its smallest after the last pass; but it stays"
    plain = runs.gap("plain-56", "plain-20", "training")
    assert plain.index(max(plain)) == 2 and plain.index(min(plain)) == len(plain) - 1 and min(plain) > 0.1
    # "ResNet-56 lies far below plain-56 after every pass"; "a little above ResNet-20's after every pass"
    assert all(d < -0.2 for d in runs.gap("ResNet-56", "plain-56", "training"))
    assert all(0 < d < 0.05 for d in runs.gap("ResNet-56", "ResNet-20", "training"))


def test_every_curve_has_flattened_by_the_end(ended):
    runs, _ = load_converged()
    for name, by_seed in runs.items():
        for seed, r in by_seed.items():  # the last two epochs move the training error by < 1 point
            assert abs(r["train_error"][-1] - r["train_error"][-2]) < 0.01, (name, seed)


@pytest.fixture(scope="module")
def controls() -> dict[str, dict[str, float]]:
    runs, info = load_controls()
    few, many = info["recipe"]["depths"]
    return {name: {"few": {s: final_loss(c) for s, c in d[few].items()},
                   "many": {s: final_loss(c) for s, c in d[many].items()}} for name, d in runs.items()}


def test_lesson05_no_change_closes_the_plain_gap(controls):
    for name in ("plain+BN", "plain+BN, lr 0.005", "plain+BN, warm-up", "plain+BN, 4x steps"):
        gap = compare_seeds(controls[name]["many"], controls[name]["few"])
        assert gap.decided and min(gap.differences.values()) > 1.0, name
    longer, base = controls["plain+BN, 4x steps"], controls["plain+BN"]
    assert all(longer[k][s] < base[k][s] for k in ("few", "many") for s in base[k])  # "lower both nets' losses"


def test_lesson05_residual_gamma1_ends_a_little_above_the_shallow_net(controls):
    plain_gap = min(compare_seeds(controls["plain+BN"]["many"], controls["plain+BN"]["few"]).differences.values())
    res = compare_seeds(controls["residual+BN, γ=1"]["many"], controls["residual+BN, γ=1"]["few"]).differences
    assert all(0 <= d < 0.1 * plain_gap for d in res.values())
