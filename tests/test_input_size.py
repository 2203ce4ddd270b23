import pytest

from resnet_lib.data import load_sample
from resnet_lib.lessons.input_size import RECORD, SizePlan, SizeRecord, forward_flops, run_size, size_runs


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
