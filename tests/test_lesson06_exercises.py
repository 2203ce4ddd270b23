import pytest

RIGHT = {"06.1": 128 * 128 * 9 // 32, "06.2": 16 * 32 + 2 * 32 + 32 * 64 + 2 * 64, "06.3": 50}
WRONG = {"06.1": [128 * 128 * 9, 128 * 128 * 9 // 32 + 128], "06.2": [0, 512 + 2048], "06.3": [49, 53]}


@pytest.mark.parametrize("key", sorted(RIGHT))
def test_right_answer_passes_and_wrong_ones_fail(key, judge):
    judge(key, RIGHT[key], WRONG[key])
