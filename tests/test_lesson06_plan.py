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


def test_the_plan_without_a_name_is_this_computers_and_carries_its_settings(monkeypatch):
    from resnet_lib.lessons.plans import LESSON06_PLANS

    monkeypatch.setenv("RESNET_PRESET", "smoke")
    assert lesson06_plan() is LESSON06_PLANS["smoke"]
    assert all(plan.settings == PRESETS[name] for name, plan in LESSON06_PLANS.items())
