import math

import matplotlib
import pytest
import torch

matplotlib.use("Agg")

from resnet_lib.ui.gradient_explorer import DEPTHS, GradientExplorer  # noqa: E402


@pytest.fixture
def explorer() -> GradientExplorer:
    g = torch.Generator().manual_seed(0)
    explorer = GradientExplorer(torch.randn(16, 784, generator=g), torch.randint(0, 10, (16,), generator=g),
                                depths=(2, 5, 10), depth=5)
    explorer.show()
    return explorer


def test_depths_run_from_2_to_1000_in_log_steps():
    assert DEPTHS[0] == 2 and DEPTHS[-1] == 1000
    ratios = [b / a for a, b in zip(DEPTHS, DEPTHS[1:], strict=False)]
    assert all(1.4 <= r <= 2.6 for r in ratios)


def test_initial_draw_and_slider_move(explorer):
    assert explorer.marker.value == "updated: depth=5"
    assert explorer.caption.startswith("depth 5, residual=False, batch_norm=False, zero_init_residual=False")
    assert len(explorer.norms) == 6
    explorer.controls["depth"].value = 10
    assert explorer.marker.value == "updated: depth=10" and explorer.caption.startswith("depth 10,")
    assert len(explorer.norms) == 11
    image, text = explorer.output.outputs  # what the learner sees: the new profile, then its caption
    assert "image/png" in image["data"] and text["text"] == explorer.caption + "\n"


def test_zero_init_toggle_only_counts_for_residual_bn(explorer):
    zero_init, c = explorer.controls["zero_init_residual"], explorer.controls
    assert zero_init.disabled
    zero_init.value = True
    assert explorer.settings()["zero_init_residual"] is False
    c["residual"].value = True
    c["batch_norm"].value = True
    assert not zero_init.disabled
    assert "zero_init_residual=True" in explorer.caption
    assert torch.allclose(explorer.norms, explorer.norms[0].expand(6))  # identity blocks: a flat profile
    c["batch_norm"].value = False
    assert zero_init.disabled and "zero_init_residual=False" in explorer.caption


def test_start_depth_must_be_on_the_slider():
    with pytest.raises(ValueError, match="slider"):
        GradientExplorer(torch.zeros(4, 784), torch.zeros(4, dtype=torch.long), depths=(2, 5), depth=3)


def test_a_diverged_loss_curve_is_marked_where_it_turned_nan():
    import matplotlib.pyplot as plt

    from resnet_lib.ui.gradient_explorer import draw_losses

    fig, ax = plt.subplots()
    assert draw_losses(ax, [2.0, 1.5, 1.0], "fine") is None
    assert draw_losses(ax, [2.3, float("nan"), float("nan")], "diverged") == 1
    labels = [line.get_label() for line in ax.lines]
    assert labels[:2] == ["fine", "diverged (NaN from step 1)"]
    marker = ax.lines[-1]
    assert marker.get_marker() == "X" and list(marker.get_xdata()) == [1] and marker.get_label() == "NaN (diverged)"
    # drawn at the top edge of the axes (a fraction of its height), not at a loss it never had
    assert list(marker.get_ydata()) == [1.0] and marker.get_transform() == ax.get_xaxis_transform()
    assert not marker.get_clip_on()
    plt.close(fig)


def test_a_profile_leaves_out_norms_of_exactly_zero():  # a log axis has no 0: no plunge to the bottom
    import matplotlib.pyplot as plt

    from resnet_lib.ui.gradient_explorer import draw_profile

    fig, ax = plt.subplots()
    draw_profile(ax, torch.tensor([3.0, 0.0, 0.5, 0.0], dtype=torch.float64), residual=True, batch_norm=True)
    y = ax.lines[0].get_ydata()
    assert list(y[[0, 2]]) == [3.0, 0.5] and all(math.isnan(v) for v in y[[1, 3]])
    plt.close(fig)
