import re

import pytest

from resnet_lib import check_exercise
from resnet_lib.exercises.lesson03 import last_map_side, pool_verdict, stage_flop_ratio, weighted_layer_counts
from resnet_lib.measure import size_report

ALL_26, NAME_26 = 2 * (3 + 3 + 3 + 3) + 2 + 3, 2 * (3 + 3 + 3 + 3) + 2  # two convs a block, stem, head; 3 shortcuts
MEASURED = {s: -(-s // 32) for s in range(24, 41)}  # b5's side, by the rule ceil(s / 32) the lesson explains
LAST_1X1 = 32


def test_03_1_right_and_near_misses(judge):
    judge("03.1", 4**2, [15, 17, (100 / 28) ** 2])  # b5's map: 4x4 at 100 px (ceil(100/32)), 1x1 at 28 px
    assert check_exercise("03.1", 16.0, quiet=True)


def test_the_area_ratio_and_the_96_px_ratio_are_wrong_answers_to_03_1():
    assert check_exercise("03.1", (100 / 28) ** 2, quiet=True) is False
    assert check_exercise("03.1", stage_flop_ratio("b5"), quiet=True) is False  # 96 px's ratio, printed in section 6


def test_stage_flop_ratio_is_the_area_ratio_only_where_the_sides_divide_exactly():
    assert stage_flop_ratio("b2") == pytest.approx((24 / 7) ** 2)  # 96/28 = 24/7 exactly
    assert stage_flop_ratio("b3") == stage_flop_ratio("b5") == 9.0  # 12/4 = 3/1: 28 px rounds up to 4 and 1
    assert size_report(96).total_flops / size_report(28).total_flops < (96 / 28) ** 2
    assert stage_flop_ratio("b5", 28, 100) > (100 / 28) ** 2  # rounding up can also make a stage grow faster
    with pytest.raises(ValueError, match="unknown stage"):
        stage_flop_ratio("b6")


def test_last_map_side_runs_the_net_and_agrees_with_the_size_report():
    for size in (16, 28, 32, 33, 64, 65, 96, 224):
        assert last_map_side(size) == size_report(size).final_side == -(-size // 32)


def test_03_2_accepts_a_reading_of_true_measurements_across_the_change(judge):
    wrong_measurement = {**MEASURED, 30: 2}
    too_few = {s: MEASURED[s] for s in range(28, 37)}  # 9 sizes
    judge("03.2", (MEASURED, LAST_1X1), [
        (MEASURED, LAST_1X1 + 1),  # misread
        (MEASURED, 24),  # 1x1, but not the largest measured
        (wrong_measurement, LAST_1X1),  # a side the net does not give
        (too_few, LAST_1X1),
        ({s: last_map_side(s) for s in range(20, 33)}, LAST_1X1),  # the next size (2x2) not measured
    ])
    assert check_exercise("03.2", [{float(k): v for k, v in MEASURED.items()}, 32.0], quiet=True)  # lists, floats


def test_03_2_with_other_sizes_measured_far_from_the_change_still_needs_the_boundary():
    sides = {s: last_map_side(s) for s in (16, 20, 24, 28, 64, 65, 70, 80, 90, 96)}
    assert check_exercise("03.2", (sides, 28), quiet=True) is False  # 1x1 at 28, but 29..63 never measured


WITH, WITHOUT = {0: 0.62, 1: 0.64, 2: 0.60}, {0: 0.70, 1: 0.69, 2: 0.68}  # spread 0.04, differences 0.08, 0.05, 0.08


@pytest.fixture
def rerun(monkeypatch):
    """The checker's own re-run of the first seed, replaced by the accuracies given (a real one trains two nets)."""
    import resnet_lib.exercises.lesson03 as lesson03

    def use(with_pool: dict[int, float], without_pool: dict[int, float]) -> None:
        monkeypatch.setattr(lesson03, "pool_accuracy",
                            lambda max_pool, seed: (with_pool if max_pool else without_pool)[seed])

    return use


@pytest.mark.parametrize(("with_pool", "without_pool", "verdict"), [
    (WITH, WITHOUT, "without"),
    (WITHOUT, WITH, "with"),
    ({0: 0.62, 1: 0.69, 2: 0.60}, WITHOUT, "can't tell"),  # one seed with the pool beats one without
    ({0: 0.62, 1: 0.64, 2: 0.66}, {0: 0.70, 1: 0.69, 2: 0.68}, "can't tell"),  # ahead on every seed, by less
    # than the spread on seed 2 (0.02 < 0.04): the worst-beats-best rule would say "without", the course's does not
])
def test_03_3_judges_the_conclusion_by_the_course_rule_from_the_learners_own_accuracies(
        with_pool, without_pool, verdict, judge, rerun):
    rerun(with_pool, without_pool)
    others = [c for c in ("with", "without", "can't tell") if c != verdict]
    judge("03.3", (with_pool, without_pool, verdict), [(with_pool, without_pool, c) for c in others])
    assert pool_verdict(with_pool, without_pool) == verdict


def test_03_3_checks_the_accuracies_against_its_own_run_of_the_first_seed(rerun):
    rerun(WITH, WITHOUT)
    assert check_exercise("03.3", (WITH, WITHOUT, "without"), quiet=True)
    made_up = {0: 0.5, 1: 0.5, 2: 0.5}, {0: 0.6, 1: 0.6, 2: 0.6}
    assert check_exercise("03.3", (*made_up, "without"), quiet=True) is False  # what the review's made-up numbers got
    off = {**WITHOUT, 0: WITHOUT[0] + 0.01}  # 10 test images more than the net gets right
    assert check_exercise("03.3", (WITH, off, "without"), quiet=True) is False


@pytest.mark.slow
def test_03_3_reference_run_is_repeatable_so_the_checker_can_compare_with_it():
    from resnet_lib.exercises.lesson03 import pool_accuracy

    first = pool_accuracy(True, 0)
    pool_accuracy.cache_clear()
    assert pool_accuracy(True, 0) == first and 0.5 < first < 1


def test_03_3_wants_three_seeds_of_nets_that_learned(rerun):
    rerun(WITH, WITHOUT)
    two = ({0: 0.62, 1: 0.64}, {0: 0.70, 1: 0.69})
    assert check_exercise("03.3", (*two, "without"), quiet=True) is False
    assert check_exercise("03.3", (WITH, {0: 0.70, 1: 0.69, 3: 0.68}, "without"), quiet=True) is False  # not the
    # same seeds
    rerun({0: 0.1, 1: 0.11, 2: 0.12}, {0: 0.15, 1: 0.16, 2: 0.17})
    assert check_exercise("03.3", ({0: 0.1, 1: 0.11, 2: 0.12}, {0: 0.15, 1: 0.16, 2: 0.17}, "without"),
                          quiet=True) is False  # chance
    rerun(WITH, WITHOUT)
    assert check_exercise("03.3", (WITH, WITHOUT, " Without "), quiet=True)  # case and spaces do not matter


def test_03_4_wants_all_layers_and_the_name(judge):
    judge("03.4", (ALL_26, NAME_26), [(NAME_26, NAME_26), (NAME_26, ALL_26), (ALL_26 + 1, NAME_26), (34, 34)])
    assert check_exercise("03.4", [ALL_26, NAME_26])  # a list for a tuple


@pytest.mark.parametrize(("key", "right", "wrong"), [
    ("03.1", [16], 17),
    ("03.2", [LAST_1X1, 33], (MEASURED, 31)),
    ("03.3", ["without"], (WITH, WITHOUT, "with")),
    ("03.4", [ALL_26, NAME_26], (1, 1)),
])
def test_neither_hint_nor_explanation_prints_the_answer(key, right, wrong, capsys, rerun):
    rerun(WITH, WITHOUT)
    check_exercise(key, wrong)
    out = "".join(capsys.readouterr())
    assert "Hint:" in out and "Why:" not in out  # the explanation comes only with a right answer
    for r in right:
        pattern = rf"(?<![\d.]){r}(?![\d.])" if isinstance(r, int) else rf'"{r}"'
        assert not re.search(pattern, out), f"{key} prints {r}"


def test_malformed_answers_are_wrong_not_crashes(capsys):
    assert check_exercise("03.4", "29, 26") is False
    assert check_exercise("03.4", 26) is False
    assert check_exercise("03.2", True) is False
    assert check_exercise("03.2", ({28: 1}, "32")) is False
    assert check_exercise("03.3", (WITH, WITHOUT, "yes")) is False
    assert check_exercise("03.3", ({0: 60, 1: 61, 2: 62}, {0: 70, 1: 71, 2: 72}, "without")) is False  # percentages
    assert check_exercise("03.3", ([0.6] * 3, [0.7] * 3, "without")) is False  # lists: which seed is which?
    assert check_exercise("03.3", None) is False
    assert "Traceback" not in "".join(capsys.readouterr())


def test_resnet18_layout_has_18_main_path_layers_and_3_shortcut_convs():
    assert weighted_layer_counts((2, 2, 2, 2)) == (21, 18)


def test_03_3_explanation_gives_the_flop_factor_measured_at_the_exercise_width(capsys, rerun):
    from torch import nn

    from resnet_lib import resnet18
    from resnet_lib.measure import count_flops

    def flops(max_pool: bool) -> int:
        net = resnet18(width=8)
        if not max_pool:
            net[0][3] = nn.Identity()
        return count_flops(net, (1, 28, 28)).total

    level = {0: 0.5, 1: 0.5, 2: 0.5}
    rerun(level, level)
    check_exercise("03.3", (level, level, "can't tell"))
    why = " ".join(capsys.readouterr().out.split())
    assert f"{flops(False) / flops(True):.1f} times the FLOPs at width 8" in why
    assert "about 4 times" not in why
