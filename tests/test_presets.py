import pytest

from resnet_lib import presets
from resnet_lib.presets import PRESETS, get_preset


def test_full_is_the_seed_recipe():
    full = PRESETS["full"]
    assert (full.image_size, full.batch_size, full.lr, full.epochs) == (96, 256, 0.05, 10)
    assert (full.data, full.train_limit, full.test_limit) == ("full", None, None)
    assert not hasattr(full, "train_width")  # lesson 04's width lives in its budget (lessons/plans.py)


def test_smoke_uses_the_embedded_sample_and_is_smallest():
    smoke, cpu = PRESETS["smoke"], PRESETS["cpu"]
    assert smoke.data == "sample" and cpu.data == "full"
    assert smoke.train_limit is not None and smoke.train_limit <= 3000
    assert smoke.train_limit * smoke.epochs < (cpu.train_limit or 60_000) * cpu.epochs


def test_environment_variable_selects(monkeypatch):
    for name in PRESETS:
        monkeypatch.setenv("RESNET_PRESET", name)
        assert get_preset().name == name
    monkeypatch.setenv("RESNET_PRESET", " CPU ")
    assert get_preset().name == "cpu"


@pytest.mark.parametrize("device_type, expected", [("cpu", "cpu"), ("cuda", "full"), ("mps", "full")])
def test_unset_picks_by_hardware(monkeypatch, device_type, expected):
    import torch

    monkeypatch.delenv("RESNET_PRESET", raising=False)
    monkeypatch.setattr(presets, "pick_device", lambda: torch.device(device_type))
    assert get_preset().name == expected


def test_unknown_name_lists_the_valid_ones(monkeypatch):
    monkeypatch.setenv("RESNET_PRESET", "tiny")
    with pytest.raises(ValueError, match="'tiny'.*smoke, cpu, full"):
        get_preset()


def test_str_reports_the_recipe():
    text = str(PRESETS["full"])
    assert "full" in text and "96 px" in text and "batch 256" in text and "10 epoch" in text


def test_headline_names_the_preset_without_lesson_04_details():
    cpu = PRESETS["cpu"]
    assert cpu.headline() == f"settings 'cpu' ({cpu.summary})" and str(cpu).startswith(cpu.headline())
    assert "width" not in cpu.headline()
