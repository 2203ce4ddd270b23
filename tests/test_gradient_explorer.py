import matplotlib
import pytest
import torch

matplotlib.use("Agg")

from resnet_lib.gradient_explorer import DEPTHS, GradientExplorer  # noqa: E402


@pytest.fixture
def explorer() -> GradientExplorer:
    g = torch.Generator().manual_seed(0)
    return GradientExplorer(torch.randn(16, 784, generator=g), torch.randint(0, 10, (16,), generator=g),
                            depths=(2, 5, 10), depth=5)


def test_depths_run_from_2_to_1000_in_log_steps():
    assert DEPTHS[0] == 2 and DEPTHS[-1] == 1000
    ratios = [b / a for a, b in zip(DEPTHS, DEPTHS[1:], strict=False)]
    assert all(1.4 <= r <= 2.6 for r in ratios)


def test_initial_draw_and_slider_move(explorer):
    assert explorer.status.startswith("updated: depth=5 residual=False batch_norm=False zero_init_gamma=False")
    assert len(explorer.norms) == 6
    explorer.slider.value = 10
    assert explorer.status.startswith("updated: depth=10 ")
    assert len(explorer.norms) == 11
    image, text = explorer.output.outputs  # what the learner sees: the new profile, then the marker line
    assert "image/png" in image["data"] and text["text"] == explorer.status + "\n"


def test_zero_init_toggle_only_counts_for_residual_bn(explorer):
    assert explorer.zero_init.disabled
    explorer.zero_init.value = True
    assert explorer.settings()["zero_init_gamma"] is False
    explorer.residual.value = True
    explorer.batch_norm.value = True
    assert not explorer.zero_init.disabled
    assert "zero_init_gamma=True" in explorer.status
    assert torch.allclose(explorer.norms, explorer.norms[0].expand(6))  # identity blocks: a flat profile
    explorer.batch_norm.value = False
    assert explorer.zero_init.disabled and "zero_init_gamma=False" in explorer.status


def test_start_depth_must_be_on_the_slider():
    with pytest.raises(ValueError, match="slider"):
        GradientExplorer(torch.zeros(4, 784), torch.zeros(4, dtype=torch.long), depths=(2, 5), depth=3)
