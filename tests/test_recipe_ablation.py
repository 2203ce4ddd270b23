"""Lesson 04's side experiments: the one-switch recipes, their runs, and the test-time flip they ablate."""

from dataclasses import replace

import pytest
import torch
from torch import nn

from resnet_lib import PRESETS, resnet18
from resnet_lib.data import FashionMNIST, prepare
from resnet_lib.history import History
from resnet_lib.lessons.plans import lesson04_plan
from resnet_lib.lessons.recipe_ablation import (
    SWITCHES,
    ablation_runs,
    against_best_single,
    final_by_seed,
    load_ablation,
    means_side_by_side,
    one_switch_recipes,
    run_arms,
    save_ablation,
    table,
    verdict,
)
from resnet_lib.training import Recipe, evaluate


def test_each_arm_switches_on_one_improvement_at_the_base_size():
    base = Recipe.from_settings(PRESETS["cpu"])
    improved = Recipe.from_settings(PRESETS["cpu"], improved=True)
    arms = one_switch_recipes(base, improved)
    assert list(arms) == ["none", *SWITCHES, "all"]
    assert arms["none"] == base and arms["all"] == replace(improved, epochs=base.epochs)
    for name, fields in SWITCHES.items():
        changed = {f for f in vars(base) if getattr(arms[name], f) != getattr(base, f)}
        assert changed == set(fields), name


def test_a_difference_no_switch_covers_is_refused(monkeypatch):
    from resnet_lib.lessons import recipe_ablation

    monkeypatch.setattr(recipe_ablation, "SWITCHES", {k: v for k, v in SWITCHES.items() if k != "momentum"})
    with pytest.raises(ValueError, match="momentum"):
        recipe_ablation.one_switch_recipes(Recipe(), Recipe(momentum=0.9))


def _tiny_data(n: int = 32) -> FashionMNIST:
    g = torch.Generator().manual_seed(0)
    images = torch.randint(0, 256, (n, 28, 28), dtype=torch.uint8, generator=g)
    labels = torch.arange(n) % 10
    return FashionMNIST(images, labels, images[:16], labels[:16], "random")


@pytest.mark.slow  # trains two nets
def test_the_test_time_flip_arm_trains_exactly_like_none():
    base = Recipe(lr=0.05, epochs=1, batch_size=16, image_size=28)
    arms = one_switch_recipes(base, replace(base, test_flip=True))
    runs = run_arms(lambda: resnet18(width=4), _tiny_data(), {k: arms[k] for k in ("none", "test-time flip")}, (0, 1))
    for none, flipped in zip(runs["none"], runs["test-time flip"], strict=True):
        assert none.train_loss == flipped.train_loss and none.train_acc == flipped.train_acc
    assert runs["none"][0].train_loss != runs["none"][1].train_loss  # the seeds differ


def test_evaluate_with_flip_averages_each_image_and_its_mirror():
    torch.manual_seed(0)
    net = nn.Sequential(nn.Flatten(), nn.Linear(28 * 28, 10))
    images, labels = torch.randint(0, 256, (64, 28, 28), dtype=torch.uint8), torch.zeros(64, dtype=torch.long)
    plain = evaluate(net, images, labels, 28)
    flipped = evaluate(net, images, labels, 28, flip=True)
    x = prepare(images, 28)
    assert torch.equal(flipped, (net(x) + net(x.flip(-1))).argmax(1))
    assert not torch.equal(plain, flipped)


def test_only_the_improved_recipe_flips_at_test_time():
    assert Recipe.from_settings(PRESETS["cpu"], improved=True).test_flip
    assert not Recipe.from_settings(PRESETS["cpu"]).test_flip


@pytest.mark.parametrize("name", PRESETS)
def test_every_preset_has_a_lesson04_plan_with_a_small_overfitting_set(name):
    budget = lesson04_plan(name)
    assert budget.train_width <= 64 and budget.improved_epochs >= 1
    preset_train = PRESETS[name].train_limit or 60_000
    assert budget.overfit_train <= preset_train // 4 and budget.overfit_epochs >= 4
    with pytest.raises(ValueError, match="lesson-04 plan"):
        lesson04_plan("huge")


@pytest.mark.parametrize("name", PRESETS)
def test_lesson04_plan_defaults_to_this_computers_settings_and_carries_them(name, monkeypatch):
    monkeypatch.setenv("RESNET_PRESET", name)  # what active_preset() reads
    plan = lesson04_plan()
    assert plan is lesson04_plan(name) is lesson04_plan(PRESETS[name])
    assert plan.settings is PRESETS[name]  # the notebook's visible cells read the data, image size and limits here


@pytest.mark.parametrize("name", PRESETS)
def test_lesson04_plan_names_d2ls_own_run_whatever_the_computer(name):
    d2l = lesson04_plan(name).d2l_run
    assert d2l is lesson04_plan("full") and d2l.settings is PRESETS["full"]
    assert (d2l.train_width, d2l.settings.image_size, d2l.settings.epochs) == (64, 96, 10)  # d2l 7.6's run


def _runs(*tests: float) -> list[History]:
    return [History(train_loss=[0.5], train_acc=[0.8], test_acc=[t], examples_per_s=[100.0], wall_s=[2.0],
                    info={"recipe": {"seed": seed}}) for seed, t in enumerate(tests)]


def test_the_verdict_compares_every_seed_of_a_row_with_every_seed_of_none():
    results = {"none": _runs(0.80, 0.82), "flips": _runs(0.83, 0.88), "momentum": _runs(0.70, 0.74),
               "weight decay": _runs(0.79, 0.90)}
    assert verdict(results).splitlines() == [
        "every seed above every seed of 'none': flips (+0.045)",
        "every seed below every seed of 'none': momentum (-0.090)",
        "seeds overlap with 'none': weight decay (+0.035)",
        # flips: +0.03 and +0.06 beside its own spread of 0.05; momentum: -0.10 and -0.08 beside 0.04
        "each seed's difference larger than the spread between seeds (the course's seed-by-seed rule; 'none' alone "
        "spreads 0.020): momentum",
    ]
    rows = table(results).splitlines()
    assert len(rows) == 5 and rows[2].split()[:5] == ["flips", "0.830", "0.880", "0.855", "+0.045"]


def test_the_table_gives_the_median_epoch_so_one_stalled_epoch_does_not_move_it():
    steady = [History(train_loss=[0.5] * 5, train_acc=[0.8] * 5, test_acc=[0.8] * 5, examples_per_s=[100.0] * 5,
                      wall_s=[2.3, 2.3, 18.8, 2.5, 2.2], info={"recipe": {"seed": 0}})]  # one epoch stalled
    rows = table({"none": steady}).splitlines()
    assert rows[0].split()[-1] == "s/epoch" and rows[1].split()[-1] == "2.3"  # a mean would say 5.6, a sum 28.1


def test_an_ablation_record_loads_back_unchanged(tmp_path):
    results = {"none": _runs(0.8, 0.81), "all": _runs(0.9, 0.91)}
    save_ablation(tmp_path / "r.json", results, {"how": "test"})
    assert load_ablation(tmp_path / "r.json") == (results, {"how": "test"})


def test_the_ablation_runs_say_how_they_were_made_in_plain_words(tmp_path):
    results = {"none": _runs(0.8, 0.81), "all": _runs(0.9, 0.91)}
    budget = {"train_images": 10_000, "test_images": 2_000, "epochs": 5, "batch_size": 256, "seeds": [0, 1],
              "width": 16, "image_size": 28}
    machine = "Intel(R) Xeon(R) Processor, 2 logical CPUs, torch 2.14.1+cu130, 2 thread(s)"
    save_ablation(tmp_path / "r.json", results, {"budget": budget, "wall_s": 337.7, "machine": machine})
    histories, setup = ablation_runs(tmp_path / "r.json")
    assert histories == results
    assert setup == ("4 runs made in advance on a 2-core Intel(R) Xeon(R) Processor, 6 minutes in all: 10,000 "
                     "training images, 5 epochs, batch 256, width 16, 28 px, seeds 0 and 1; tested on 2,000 images")


def test_a_missing_record_names_the_script_that_makes_it(tmp_path):
    with pytest.raises(FileNotFoundError, match="python -m benchmarks.recipe_ablation --out "):
        load_ablation(tmp_path / "none.json")


def test_the_verdict_reads_the_seeds_at_the_digits_the_table_prints():
    """'none' at 0.8305, 0.8113, 0.8397 prints 0.831, 0.811, 0.840: its spread reads 0.029 (unrounded 0.0284 printed
    0.028, which no reader of the table could subtract); a seed level with 'none' at those digits is not above it."""
    results = {"none": _runs(0.8305, 0.8113, 0.8397), "flips": _runs(0.842, 0.845, 0.851),
               "momentum": _runs(0.8404, 0.9, 0.9)}
    lines = verdict(results).splitlines()
    assert lines[0] == "every seed above every seed of 'none': flips (+0.019)"
    # momentum's 0.8404 prints 0.840, level with the highest seed of 'none': above it only unrounded
    assert lines[2].startswith("seeds overlap with 'none': momentum")
    assert lines[3].endswith("'none' alone spreads 0.029): no row")


def test_final_by_seed_keys_each_runs_last_test_accuracy_by_its_seed():
    assert final_by_seed({"none": _runs(0.8, 0.81)}, "none") == {0: 0.8, 1: 0.81}


def test_all_is_compared_seed_by_seed_with_the_single_switch_of_the_highest_mean():
    """The second table's question, "do all six together beat the best one alone?": the best single switch by its
    mean, and "all" minus it seed by seed with the course's rule (at the printed digits)."""
    results = {"none": _runs(0.83, 0.81, 0.84), "momentum": _runs(0.832, 0.848, 0.844),
               "one-cycle lr": _runs(0.8613, 0.8578, 0.8618), "all": _runs(0.8621, 0.8650, 0.8625)}
    best, comparison = against_best_single(results)
    assert best == "one-cycle lr"
    assert comparison.differences == pytest.approx({0: 0.001, 1: 0.007, 2: 0.001})  # 0.862 - 0.861, ...
    assert comparison.spread == pytest.approx(0.004) and not comparison.decided  # one-cycle's 0.862 - 0.858
    with pytest.raises(ValueError, match="'all'"):
        against_best_single({k: v for k, v in results.items() if k != "all"})


def test_the_means_of_two_ablations_side_by_side_rise_by_the_printed_means_difference():
    first = {"none": _runs(0.1152, 0.6972, 0.5572), "flips": _runs(0.3244, 0.6802, 0.6682)}
    second = {"none": _runs(0.8305, 0.8113, 0.8397), "flips": _runs(0.8362, 0.8448, 0.8397)}
    rows = means_side_by_side(first, second).splitlines()
    assert rows[0].split() == ["switched", "on", "short", "last", "batch", "every", "batch", "full", "rise",
                               "gain", "over", "'none':", "short,", "full"]
    # none: means 0.4565 and 0.8272 print 0.457 and 0.827, so the rise reads 0.370 (unrounded 0.3706 gave 0.371)
    assert rows[1].split() == ["none", "0.457", "0.827", "+0.370", "+0.000,", "+0.000"]
    assert rows[2].split() == ["flips", "0.558", "0.840", "+0.282", "+0.101,", "+0.013"]


def test_the_processor_of_a_record_reads_as_a_learner_would_say_it():
    from resnet_lib.lessons.recipe_ablation import processor_in_words

    assert processor_in_words("AMD EPYC, 2 logical CPUs, torch 2.14.1+cu130, 2 thread(s)") == "a 2-core AMD EPYC"
    with pytest.raises(ValueError, match="logical CPUs"):
        processor_in_words("a laptop")
