import pytest

from resnet_lib.lessons.plans import lesson06_plan
from resnet_lib.models import cifar_resnet
from resnet_lib.presets import PRESETS


@pytest.mark.parametrize("name", list(PRESETS))
def test_every_preset_has_a_lesson06_plan_of_buildable_nets(name):
    budget = lesson06_plan(PRESETS[name])
    assert budget is lesson06_plan(name) and len(budget.seeds) >= 2
    shallow, deep = budget.depths
    assert shallow < deep
    for depth in budget.depths:
        cifar_resnet(depth, width=budget.width)  # 6n + 2, or a ValueError


def test_unknown_preset_is_named():
    with pytest.raises(ValueError, match="no lesson-06 plan for settings 'tpu'"):
        lesson06_plan("tpu")
