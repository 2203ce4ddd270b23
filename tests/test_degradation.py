import math

import pytest
import torch

from resnet_lib.data import prepare
from resnet_lib.lessons.degradation import ProfileRecorder, final_loss
from resnet_lib.lessons.gradients import DeepMLP
from resnet_lib.lessons.plans import LESSON05_PLANS, lesson05_plan
from resnet_lib.presets import PRESETS
from resnet_lib.training import short_run


def _easy_problem(n: int = 256) -> tuple[torch.Tensor, torch.Tensor]:
    g = torch.Generator().manual_seed(0)
    y = torch.randint(0, 2, (n,), generator=g)
    noise = torch.randint(0, 100, (n, 28, 28), generator=g)
    return (y[:, None, None] * 150 + noise).to(torch.uint8), y  # the label says whether the image is bright


def test_short_runs_fall_on_an_easy_problem_and_are_repeatable():
    runs = []
    for _ in range(2):
        torch.manual_seed(0)
        runs.append(short_run(DeepMLP(2, width=16), *_easy_problem(), steps=30, batch_size=32, lr=0.05, momentum=0.9))
    assert len(runs[0]) == 30 and runs[0] == runs[1]
    assert final_loss(runs[0], 5) < 0.5 * runs[0][0]


def test_on_step_sees_every_step_and_the_end():
    seen = []
    torch.manual_seed(0)
    short_run(DeepMLP(1, width=4), *_easy_problem(64), steps=5, batch_size=16, on_step=lambda s, m: seen.append(s))
    assert seen == [0, 1, 2, 3, 4, 5]


def test_a_diverging_run_stops_and_is_padded_with_nan():
    torch.manual_seed(0)
    losses = short_run(DeepMLP(3, width=16), *_easy_problem(), steps=20, batch_size=32, lr=1e6)
    assert len(losses) == 20 and math.isnan(losses[-1])
    assert math.isnan(final_loss(losses))


def test_bad_arguments_raise_value_errors():
    x, y = _easy_problem(16)
    with pytest.raises(ValueError, match="batch_size=32"):
        short_run(DeepMLP(1), x, y, steps=2, batch_size=32)
    with pytest.raises(ValueError, match="steps"):
        short_run(DeepMLP(1), x, y, steps=0)
    with pytest.raises(ValueError, match="non-empty"):
        final_loss([])
    with pytest.raises(ValueError, match="smoke"):
        lesson05_plan("huge")


def test_every_preset_has_a_budget_that_grows_with_the_preset():
    assert set(LESSON05_PLANS) == set(PRESETS)
    smoke, cpu = lesson05_plan("smoke"), lesson05_plan("cpu")
    assert cpu.deep_depth == 1000 and max(cpu.profile_depths) == 1000
    assert smoke.deep_steps <= cpu.deep_steps and smoke.seed == cpu.seed  # the runs' first seed
    for budget in LESSON05_PLANS.values():
        shallow, deep = budget.degradation_depths
        assert shallow < deep and budget.train_images >= 128


def test_profile_recorder_measures_activation_and_weight_gradients_every_few_steps():
    x, y = _easy_problem(64)
    recorder = ProfileRecorder(prepare(x[:16]), y[:16], every=2)
    torch.manual_seed(0)
    short_run(DeepMLP(3, width=8, batch_norm=True), x, y, steps=5, batch_size=16, on_step=recorder)
    assert list(recorder.profiles) == list(recorder.weight_profiles) == [0, 2, 4]
    assert all(len(p) == 4 for p in [*recorder.profiles.values(), *recorder.weight_profiles.values()])
    assert not torch.equal(recorder.weight_profiles[0], recorder.weight_profiles[4])  # measured as it trains


def test_the_budget_describes_itself_for_the_notebook():
    line = lesson05_plan("cpu").describe()
    assert "3 vs 50 blocks" in line and "1000 blocks" in line and "4,096" in line


def test_controlled_runs_name_depths_seeds_steps_and_how_long_they_took(tmp_path):
    from resnet_lib.lessons.degradation import control_name, controlled_runs
    from resnet_lib.record import Record

    info = {"how": "x", "machine": "Some CPU, 2 logical CPUs, torch 2", "load_average_at_start": 3.0, "wall_s": 1050.8,
            "recipe": {"depths": [3, 50], "seeds": [0, 1], "steps": 12}}
    runs = {control_name("plain+BN", d): {s: {"losses": [2.0] * 2 + [1.0 + d / 100 + s] * 10} for s in (0, 1)}
            for d in (3, 50)}
    path = tmp_path / "controls.json"
    Record(info, runs).save(path)
    controls = controlled_runs(path)
    assert controls.depths == (3, 50) and controls.seeds == (0, 1) and controls.steps == 12
    assert controls.took == "18 minutes on a busy 2-core CPU"
    assert controls.final_losses() == {"plain+BN": {3: {0: pytest.approx(1.03), 1: pytest.approx(2.03)},
                                                    50: {0: pytest.approx(1.5), 1: pytest.approx(2.5)}}}


def test_the_committed_controls_are_the_ones_lesson_05_reads():
    from resnet_lib.lessons.degradation import controlled_runs

    controls = controlled_runs()
    assert controls.depths == (3, 50) and len(controls.seeds) == 3 and "minutes on a" in controls.took
    ends = controls.final_losses()
    assert {"plain+BN", "residual+BN, γ=0"} <= set(ends)
    assert all(set(by_seed) == set(controls.seeds) for by_depth in ends.values() for by_seed in by_depth.values())


def test_profile_recorder_spreads_summarise_each_step_over_layers_and_skip_steps_without_a_top_gradient():
    from resnet_lib.lessons.gradients import spread_over_layers

    x, y = _easy_problem(64)
    recorder = ProfileRecorder(prepare(x[:16]), y[:16], every=2)
    torch.manual_seed(0)
    short_run(DeepMLP(3, width=8, residual=True, batch_norm=True, zero_init_residual=True), x, y, steps=5,
              batch_size=16, on_step=recorder)
    assert recorder.spreads("profiles") == {s: spread_over_layers(p) for s, p in recorder.profiles.items()}
    weights = recorder.spreads("weight_profiles")
    assert recorder.weight_profiles[0][-1] == 0 and 0 not in weights  # γ = 0: the top block's weights get nothing
    assert weights == {s: spread_over_layers(p) for s, p in recorder.weight_profiles.items() if s > 0}
    with pytest.raises(ValueError, match="profiles.*weight_profiles"):
        recorder.spreads("weights")


def test_a_lesion_summary_names_the_median_the_worst_block_and_the_counts():
    from resnet_lib.lessons.degradation import lesion_summary

    assert lesion_summary(1.0, [1.0, 3.0, 0.5]) == ("loss 1.000 whole; with one block deleted: median 1.000, worst 3 "
                                                    "(block 2), lower by more than 0.01 for 1 of 3 blocks, higher by "
                                                    "more than 0.1 for 1")


def test_the_plan_without_a_name_is_this_computers_and_carries_its_settings(monkeypatch):
    monkeypatch.setenv("RESNET_PRESET", "smoke")
    assert lesson05_plan() is LESSON05_PLANS["smoke"] and lesson05_plan().settings == PRESETS["smoke"]
    assert all(plan.settings == PRESETS[name] for name, plan in LESSON05_PLANS.items())
