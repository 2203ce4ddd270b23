import pytest
import torch

from resnet_lib.data import load_sample
from resnet_lib.lessons.input_size import (
    RECORD,
    SizePlan,
    SizeRecord,
    SizeRun,
    forward_flops,
    run_size,
    share_on_real_values,
    size_runs,
)
from resnet_lib.lessons.seeds import seed_table


def test_only_the_input_size_and_seed_differ_between_recipes():
    plan = SizePlan()
    a, b = plan.recipe(28, 0), plan.recipe(96, 1)
    assert (a.image_size, a.seed, b.image_size, b.seed) == (28, 0, 96, 1)
    assert a.__class__(**{**vars(a), "image_size": 96, "seed": 1}) == b


def test_a_tiny_run_trains_and_round_trips_through_a_record(tmp_path):
    plan = SizePlan(sizes=(28,), seeds=(0,), train_images=64, test_images=32, epochs=2, batch_size=32, width=4)
    run = run_size(load_sample(), plan, 28, 0)
    assert len(run.test_acc) == len(run.train_s) == 2 and all(0 <= a <= 1 for a in run.test_acc)
    SizeRecord(plan, [run], {"notes": "test"}).save(tmp_path / "r.json")
    loaded = SizeRecord.load(tmp_path / "r.json")
    assert loaded.plan == plan and loaded.runs == [run] and loaded.final_acc(28) == [run.test_acc[-1]]
    with pytest.raises(ValueError, match="no run at 96 px"):
        loaded.final_acc(96)


def test_forward_flops_grow_with_the_input():
    assert forward_flops(28) < forward_flops(48) < forward_flops(96)


def test_the_committed_record_holds_every_size_and_seed_of_its_budget():
    record = SizeRecord.load(RECORD)
    plan = record.plan
    assert sorted((r.image_size, r.seed) for r in record.runs) == sorted(
        (size, seed) for size in plan.sizes for seed in plan.seeds)
    assert all(len(r.test_acc) == plan.epochs for r in record.runs)
    assert record.info["notes"] and record.info["when"]


def test_size_runs_are_the_committed_record_read_for_lesson_03():
    runs, record = size_runs(), SizeRecord.load(RECORD)
    assert runs.plan == record.plan and runs.runs == record.runs


def _record(finals: dict[int, tuple[float, float]], first: dict[int, tuple[float, float]], epochs: int = 3):
    """Runs at 28/48/96 px, two seeds: accuracy ``first`` after epoch 1, rising to ``finals`` at the last epoch."""
    plan = SizePlan(sizes=tuple(finals), seeds=(0, 1), train_images=100, test_images=50, epochs=epochs, width=4)
    runs = [SizeRun(size, seed, [first[size][seed], *[(first[size][seed] + finals[size][seed]) / 2] * (epochs - 2),
                                 finals[size][seed]], [1.0] * epochs)
            for size in finals for seed in (0, 1)]
    return SizeRecord(plan, runs)


def test_compare_reads_every_size_against_the_smallest_at_the_digits_printed():
    # means 0.8204 -> 0.820 and 0.8666 -> 0.867: the printed gain is 0.867 - 0.820 = +0.047 (unrounded, 0.0462)
    record = _record({28: (0.8228, 0.8180), 48: (0.8520, 0.8480), 96: (0.8732, 0.8600)},
                     {28: (0.30, 0.35), 48: (0.40, 0.45), 96: (0.41, 0.517)})
    comparison = record.compare(28)
    assert comparison.mean_final == {28: 0.820, 48: 0.850, 96: 0.867}
    assert comparison.gain(96) == 0.047 and comparison.gain(48) == 0.030
    text = str(comparison)
    assert text.splitlines()[0] == "equal steps: at the end 96 px is +0.047 over 28 px, 48 px +0.030"
    assert list(comparison.by_seed) == ["96 px vs 28 px", "48 px vs 28 px", "96 px vs 48 px"]
    assert comparison.by_seed["96 px vs 28 px"].side == "higher"  # +0.050, +0.042 beside a spread of 0.013
    assert comparison.by_seed["96 px vs 48 px"].side is None  # +0.021, +0.012 beside a spread of 0.013
    assert seed_table(comparison.by_seed) in text
    cost = forward_flops(96, 4) / (3 * forward_flops(28, 4))  # one 96 px epoch against all three at 28 px
    assert comparison.epoch_cost == pytest.approx(cost)
    # epoch 2 is the middle of the first and last accuracies: seed 0 (0.6416) has not passed 0.820 there; the
    # first 96 px run to pass it does so at the last epoch, and both do
    assert (comparison.caught_up, comparison.passed, comparison.first_best) == (3, 2, 0.517)
    # in words a learner knows: what "after one epoch" cost, and where the runs stood then (no "checkpoint")
    assert f"after one epoch 96 px had already spent {cost:.2f}x the compute of all 3 epochs at 28 px" in text
    assert "its test accuracy was 0.517 at best (28 px ended at 0.820)" in text
    assert "checkpoint" not in text
    # both by more than the spread between seeds (0.013): "passed", with the accuracies they reached
    assert comparison.reached == (0.873, 0.860)
    assert f"2 of its 2 runs passed 28 px's mean (0.873, 0.860 vs 0.820) after {3 * cost:.2f}x 28 px's compute" in text


def test_compare_says_drew_level_when_the_margin_is_within_the_spread_between_seeds():
    # 96 px seed 1 reaches 0.825 at the last epoch, 0.005 over 28 px's mean 0.820: far inside the spread (0.013)
    record = _record({28: (0.8228, 0.8180), 96: (0.8120, 0.8250)}, {28: (0.30, 0.35), 96: (0.41, 0.517)})
    comparison = record.compare(28)
    assert (comparison.caught_up, comparison.passed, comparison.reached) == (3, 1, (0.825,))
    cost = 3 * forward_flops(96, 4) / (3 * forward_flops(28, 4))
    level = f"1 of its 2 runs drew level with 28 px's mean (0.825 vs 0.820) only after {cost:.2f}x 28 px's compute"
    assert level in str(comparison)
    assert "passed" not in str(comparison)


def test_compare_says_when_no_run_at_the_largest_size_catches_up():
    record = _record({28: (0.80, 0.80), 96: (0.80, 0.79)}, {28: (0.3, 0.3), 96: (0.4, 0.4)}, epochs=2)
    comparison = record.compare()  # the smallest size by default
    assert comparison.base == 28 and comparison.caught_up is None and comparison.passed == 0
    assert "none of its 2 runs passed 0.800" in str(comparison)
    assert comparison.by_seed["96 px vs 28 px"].side is None


def test_compare_needs_a_size_the_record_holds():
    record = _record({28: (0.8, 0.8), 96: (0.9, 0.9)}, {28: (0.3, 0.3), 96: (0.4, 0.4)}, epochs=2)
    with pytest.raises(ValueError, match="no run at 48 px"):
        record.compare(48)
    with pytest.raises(ValueError, match="nothing to compare"):
        SizeRecord(record.plan, [run for run in record.runs if run.image_size == 28]).compare()


@pytest.mark.parametrize(("side", "stride", "share"), [(1, 1, 1 / 9), (3, 1, (7 / 9) ** 2), (2, 2, (2 / 3) ** 2)])
def test_share_on_real_values_of_a_padded_3x3_conv(side, stride, share):
    # 1x1: only the centre weight meets a real value; 3x3: 7 of the 9 (weight, position) pairs per axis
    assert share_on_real_values(side, stride) == pytest.approx(share)


@pytest.mark.parametrize("side", [1, 2, 3, 4, 7, 12, 28])
@pytest.mark.parametrize("stride", [1, 2])
def test_share_on_real_values_counts_what_a_conv_of_ones_counts(side, stride):
    """A 3x3 conv of ones (padding 1) over an image of ones adds up, at each output position, the weights that
    land on real values: the share is that sum over 9 per position."""
    hits = torch.nn.functional.conv2d(torch.ones(1, 1, side, side), torch.ones(1, 1, 3, 3), padding=1, stride=stride)
    assert share_on_real_values(side, stride) == pytest.approx(hits.sum().item() / (9 * hits.numel()))


def test_share_on_real_values_rejects_a_bad_side():
    with pytest.raises(ValueError, match="side must be a positive integer"):
        share_on_real_values(0)
