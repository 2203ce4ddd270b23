import re

import pytest

from resnet_lib import check_exercise
from resnet_lib.exercises.lesson03 import stage_flop_ratio, weighted_layer_counts
from resnet_lib.measure import size_report

RIGHT = {
    "03.1": 4**2,  # b5's map: 4x4 at 100 px (ceil(100/32)), 1x1 at 28 px
    "03.2": 2,
    "03.3": 33,
    "03.4": 48 * 48 * 64 * 7 * 7,
}
ALL_26, NAME_26 = 2 * (3 + 3 + 3 + 3) + 2 + 3, 2 * (3 + 3 + 3 + 3) + 2  # two convs a block, stem, head; 3 shortcuts


@pytest.mark.parametrize("key", sorted(RIGHT))
def test_right_answer_passes_and_near_misses_fail(key, judge):
    judge(key, RIGHT[key], [RIGHT[key] + 1, RIGHT[key] - 1])


def test_03_5_wants_all_layers_and_the_name(judge):
    judge("03.5", (ALL_26, NAME_26), [(NAME_26, NAME_26), (NAME_26, ALL_26), (ALL_26 + 1, NAME_26), (34, 34)])
    assert check_exercise("03.5", [ALL_26, NAME_26])  # a list for a tuple


def test_the_area_ratio_is_a_wrong_answer_to_03_1():
    assert check_exercise("03.1", (100 / 28) ** 2, quiet=True) is False
    assert check_exercise("03.1", stage_flop_ratio("b5"), quiet=True) is False  # 96 px's ratio, printed in section 6
    assert check_exercise("03.1", 16, quiet=True) and check_exercise("03.1", 16.0, quiet=True)


def test_stage_flop_ratio_is_the_area_ratio_only_where_the_sides_divide_exactly():
    assert stage_flop_ratio("b2") == pytest.approx((24 / 7) ** 2)  # 96/28 = 24/7 exactly
    assert stage_flop_ratio("b3") == stage_flop_ratio("b5") == 9.0  # 12/4 = 3/1: 28 px rounds up to 4 and 1
    assert size_report(96).total_flops / size_report(28).total_flops < (96 / 28) ** 2
    assert stage_flop_ratio("b5", 28, 100) > (100 / 28) ** 2  # rounding up can also make a stage grow faster
    with pytest.raises(ValueError, match="unknown stage"):
        stage_flop_ratio("b6")


@pytest.mark.parametrize(("key", "right", "wrong"), [(k, [v], v + 1) for k, v in RIGHT.items()]
                         + [("03.5", [ALL_26, NAME_26], (1, 1))])
def test_a_hint_does_not_print_its_answer(key, right, wrong, capsys):
    check_exercise(key, wrong)
    hint = capsys.readouterr().err
    assert "Hint:" in hint and not any(re.search(rf"(?<![\d.]){r}(?![\d.])", hint) for r in right)


def test_malformed_answers_are_wrong_not_crashes():
    assert check_exercise("03.5", "29, 26") is False
    assert check_exercise("03.5", 26) is False
    assert check_exercise("03.2", True) is False
    assert check_exercise("03.3", "33") is False
    assert check_exercise("03.3", None) is False


def test_resnet18_layout_has_18_main_path_layers_and_3_shortcut_convs():
    assert weighted_layer_counts((2, 2, 2, 2)) == (21, 18)
