"""What lesson 04's text says about the committed ablation record (d2l's recipe with one improvement switched on at a
time, three seeds) is checked here, not in the notebook: a learner reads the curves, a maintainer's test reads the
claims."""

from __future__ import annotations

import pytest

from resnet_lib.history import History
from resnet_lib.lessons.recipe_ablation import largest_drop, load_ablation, verdict


@pytest.fixture(scope="module")
def recorded() -> dict[str, list[History]]:
    return load_ablation()[0]


def seeds_above(recorded, row: str, other: str, epoch: int = -1) -> bool:
    return min(h.test_acc[epoch] for h in recorded[row]) > max(h.test_acc[epoch] for h in recorded[other])


def overlaps(recorded, row: str, other: str) -> bool:
    return not seeds_above(recorded, row, other) and not seeds_above(recorded, other, row)


def test_largest_drop_is_the_largest_fall_between_two_epochs():
    assert largest_drop(History(test_acc=[0.5, 0.8, 0.3, 0.6])) == pytest.approx(0.5)
    assert largest_drop(History(test_acc=[0.1, 0.2, 0.3])) == 0.0


def test_d2l_recipe_train_accuracy_climbs_while_its_test_accuracy_jumps(recorded):
    assert all(h.train_acc == sorted(h.train_acc) for h in recorded["none"])
    for name in ("none", "weight decay", "label smoothing", "flips"):
        assert all(largest_drop(h) > 0.05 for h in recorded[name]), name
    assert all(largest_drop(h) < 0.05 for h in recorded["momentum"])
    assert max(largest_drop(h) for h in recorded["none"]) > 0.5  # "by as much as 0.57"


def test_the_text_on_the_falls_of_one_cycle_and_all_holds(recorded):
    falling = [h for h in recorded["one-cycle lr"] if largest_drop(h) > 0]
    assert len(falling) == 1 and falling[0].test_acc[1] < falling[0].test_acc[0]  # one seed, first to second epoch
    assert all(largest_drop(h) == 0 for h in recorded["all"])  # all six together never fall


def test_the_text_on_momentum_and_one_cycle_holds(recorded):
    assert seeds_above(recorded, "none", "one-cycle lr", epoch=0)  # one-cycle starts below every seed of none
    assert all(h.test_acc[1:] == sorted(h.test_acc[1:]) for h in recorded["one-cycle lr"])  # then rises
    assert all(seeds_above(recorded, name, "none") for name in ("momentum", "one-cycle lr", "all"))


def test_the_text_on_the_undecided_rows_holds(recorded):
    for name in ("weight decay", "label smoothing", "flips", "test-time flip"):
        assert overlaps(recorded, name, "none"), name
    assert overlaps(recorded, "all", "one-cycle lr") and seeds_above(recorded, "all", "momentum")
    assert verdict(recorded).endswith("): no row")  # the seed-by-seed rule decides nothing here
