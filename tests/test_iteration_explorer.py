import matplotlib
import pytest

from resnet_lib.lessons.plain_vs_residual import Curve, Run, mean_curve
from resnet_lib.ui.plain_vs_residual import IterationExplorer

matplotlib.use("Agg")

CURVES = {Run.named(name): {0: Curve([1.0] * 6, [e] * 6), 1: Curve([1.0] * 6, [e + 0.1] * 6)}
          for name, e in (("plain-20", 0.3), ("plain-56", 0.6), ("ResNet-20", 0.2), ("ResNet-56", 0.25),
                          ("ResNet-56, γ = 0", 0.15))}


def test_mean_curve_averages_the_seeds():
    assert mean_curve(CURVES[Run("plain", 56)], 2) == pytest.approx([0.65] * 6)


def test_slider_redraws_up_to_the_iteration_and_the_toggle_hides_zero_init():
    explorer = IterationExplorer(CURVES, window=2)
    explorer.show()
    assert explorer.caption.startswith("iteration 6:") and "plain-56 0.65" in explorer.caption
    explorer.controls["iteration"].value = 3
    assert explorer.caption.startswith("iteration 3:") and explorer.marker.value == "updated: iteration=3"
    explorer.controls["zero_init"].value = False
    assert "γ = 0" not in explorer.caption


def test_too_short_runs_are_refused():
    with pytest.raises(ValueError, match="at least 2 steps"):
        IterationExplorer({Run("plain", 20): {0: Curve([1.0], [0.5])}}, window=1)


def test_the_picture_draws_each_nets_mean_only_each_line_its_own_style():
    """The widget's picture (also the static one on the site) shows one line per net, the mean over its seeds; no
    two lines of a panel share line style, marker and marker fill."""
    explorer = IterationExplorer(CURVES, window=2)
    explorer.show()
    for ax in explorer.figure.axes:
        lines = ax.get_lines()
        assert [line.get_label() for line in lines] == [line.get_label() for line in lines
                                                        if not line.get_label().startswith("_")]
        looks = {(line.get_linestyle(), line.get_marker(), line.get_markerfacecolor()) for line in lines}
        assert len(looks) == len(lines)
    assert sum(len(ax.get_lines()) for ax in explorer.figure.axes) == len(CURVES)
