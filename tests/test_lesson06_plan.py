import pytest

from resnet_lib.lessons.budgets import lesson06_budget
from resnet_lib.models import cifar_resnet
from resnet_lib.presets import PRESETS


@pytest.mark.parametrize("name", list(PRESETS))
def test_every_preset_has_a_lesson06_budget_of_buildable_nets(name):
    budget = lesson06_budget(PRESETS[name])
    assert budget is lesson06_budget(name) and len(budget.seeds) >= 2
    shallow, deep = budget.depths
    assert shallow < deep
    for depth in budget.depths:
        cifar_resnet(depth, width=budget.width)  # 6n + 2, or a ValueError


def test_unknown_preset_is_named():
    with pytest.raises(ValueError, match="no lesson-06 budget for preset 'tpu'"):
        lesson06_budget("tpu")
