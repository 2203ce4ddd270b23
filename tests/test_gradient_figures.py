"""Lesson 05's figures (resnet_lib.ui.gradient_figures) and its widget's picture, read as a projector shows them:
text of at least 14 pt (figures.FONT_PT, as lessons 01 and 02) at the notebook's width (about 780 px on the course
site), tick labels in plain text (no superscripts, which mathtext draws at two thirds of the size), and every line in
a legend told apart from the others by its marker or line style, not by colour alone."""

import io
import math

import matplotlib
import pytest
import torch

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.lines import Line2D  # noqa: E402
from PIL import Image  # noqa: E402

from resnet_lib.lessons.degradation import ProfileRecorder  # noqa: E402
from resnet_lib.lessons.gradients import VARIANTS, first_last_ratio, jacobian_chain  # noqa: E402
from resnet_lib.ui import gradient_figures as figures  # noqa: E402
from resnet_lib.ui import style  # noqa: E402
from resnet_lib.ui.gradient_explorer import GradientExplorer  # noqa: E402

RUNS = ("plain+BN", "residual+BN, γ=0")
DEPTHS = (2, 10, 100)


def _profiles() -> dict[str, dict[int, torch.Tensor]]:
    return {name: {d: torch.logspace(-20 if k == 0 else k - 2, 0, d + 1, dtype=torch.float64) for d in DEPTHS}
            for k, name in enumerate(VARIANTS)}


def _recorders() -> dict[str, ProfileRecorder]:
    recorders = {}
    for k, name in enumerate(RUNS):
        recorder = ProfileRecorder(torch.zeros(2, 784), torch.zeros(2, dtype=torch.long), every=30)
        for step in range(0, 151, 30):
            recorder.profiles[step] = torch.logspace(2 - k - step / 100, -1, 51, dtype=torch.float64)
            recorder.weight_profiles[step] = torch.logspace(3 - k - step / 100, -1, 51, dtype=torch.float64)
        recorders[name] = recorder
    recorders[RUNS[1]].weight_profiles[0][1:] = 0  # γ = 0: no gradient for the branches at step 0
    return recorders


def _ends() -> dict[str, dict[int, dict[int, float]]]:
    names = ("plain+BN", "plain+BN, lr 0.005", "plain+BN, warm-up", "plain+BN, 4x steps", "residual+BN, γ=0",
             "residual+BN, γ=1")
    return {name: {3: {s: 0.45 + s / 100 for s in range(3)}, 50: {s: (1.8 if "plain" in name else 0.45) + s / 50
                                                                    for s in range(3)}} for name in names}


def _lesioned() -> dict[str, tuple[float, list[float]]]:
    return {"plain+BN": (1.9, [2600.0] + [3.0 + (i % 5) for i in range(49)]),
            "residual+BN": (0.37, [0.5] + [0.38 + (i % 4) / 100 for i in range(49)]),
            "residual+BN, γ=0": (0.39, [0.39] * 50)}


def _thousand() -> dict[str, list[float]]:
    return {"plain": [2.30 + (i % 3) / 100 for i in range(20)], "plain+BN": [2.36] + [math.nan] * 19,
            "residual+BN, γ=0": [2.56 * 0.92 ** i for i in range(20)]}


def _explorer() -> plt.Figure:
    g = torch.Generator().manual_seed(0)
    explorer = GradientExplorer(torch.randn(16, 784, generator=g), torch.randint(0, 10, (16,), generator=g),
                                depths=(2, 5, 30), depth=30)
    figure, _ = explorer.draw()
    return figure


FIGURES = {
    "chains": lambda: figures.plot_chains({f"plain, gain {g}": jacobian_chain(50, gain=g) for g in (0.9, 1.0, 1.1)}
                                          | {f"residual, branch x{s}": jacobian_chain(50, residual=True,
                                                                                      branch_scale=s)
                                             for s in (1.0, 0.1, 0.0)}),
    "profiles": lambda: figures.plot_profiles(p := _profiles(), {n: {d: first_last_ratio(v) for d, v in row.items()}
                                                                 for n, row in p.items()}),
    "profiles of two nets": lambda: figures.plot_profiles(
        p := _profiles(), {n: {d: first_last_ratio(v) for d, v in row.items()} for n, row in p.items()},
        names=("residual+BN", "residual+BN, γ=0")),
    "training profiles": lambda: figures.plot_training_profiles(_recorders(), 50, 0),
    "spreads": lambda: figures.plot_spreads(_recorders(), 50, 0),
    "depth losses": lambda: figures.plot_depth_losses(
        {(n, d): [2.4 * 0.99 ** (i * (1 + k)) for i in range(150)] for n in RUNS for k, d in enumerate((50, 3))},
        RUNS, 3, 50, 0),
    "controls": lambda: figures.plot_controls(_ends(), 3, 50),
    "lesions": lambda: figures.plot_lesions(_lesioned(), 50, 0),
    "thousand": lambda: figures.plot_thousand(_thousand(), 1000),
    "explorer": _explorer,
}


@pytest.fixture
def shown_at_780():
    """The lesson's fonts (its first cell calls use_projector_fonts), for one test."""
    with matplotlib.rc_context():
        style.use_projector_fonts()
        yield
    plt.close("all")


@pytest.mark.parametrize("name", FIGURES)
def test_figure_text_is_at_least_14_pt_at_the_notebooks_width(name, shown_at_780):
    fig = FIGURES[name]()
    sizes = style.shown_font_sizes(fig)
    assert min(sizes) >= figures.FONT_PT >= 14, sorted(set(sizes))
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", bbox_inches="tight")  # as the notebook's inline backend saves it
    assert Image.open(buffer).width <= style.NOTEBOOK_WIDTH_PX  # shown 1:1, not scaled down with its text


def _look(handle: Line2D) -> tuple[str, str, bool]:
    face = handle.get_markerfacecolor()
    hollow = isinstance(face, str) and face in ("white", "none", "#ffffff", "w")
    return str(handle.get_marker()), str(handle.get_linestyle()), hollow


@pytest.mark.parametrize("name", FIGURES)
def test_lines_in_a_legend_differ_by_more_than_colour(name, shown_at_780):
    fig = FIGURES[name]()
    legends = [legend for legend in fig.legends] + [ax.get_legend() for ax in fig.axes if ax.get_legend()]
    for legend in legends:
        lines = [(h, t.get_text()) for h, t in zip(legend.legend_handles, legend.get_texts(), strict=True)
                 if isinstance(h, Line2D)]
        looks = {}
        for handle, text in lines:
            looks.setdefault(_look(handle), []).append(text)
        assert all(len(texts) == 1 for texts in looks.values()), looks


def test_the_widget_title_says_what_is_plotted_for_which_net():
    g = torch.Generator().manual_seed(0)
    explorer = GradientExplorer(torch.randn(16, 784, generator=g), torch.randint(0, 10, (16,), generator=g),
                                depths=(2, 5, 30), depth=30)
    explorer.show()
    title = explorer.figure.axes[0].get_title()
    assert "gradient" in title and "initialisation" in title and "plain" in title and "30 blocks" in title
    assert f"{first_last_ratio(explorer.norms):.3g}" in title  # the site shows the picture without its caption
    explorer.controls["residual"].value = True
    explorer.controls["batch_norm"].value = True
    assert "residual+BN" in explorer.figure.axes[0].get_title()
    explorer.controls["zero_init_residual"].value = True
    assert "residual+BN, γ=0" in explorer.figure.axes[0].get_title()
    plt.close("all")


def test_a_diverged_run_is_marked_at_the_top_edge_not_at_a_value(shown_at_780):
    fig = figures.plot_thousand(_thousand(), 1000)
    ax = fig.axes[0]
    (cross,) = [line for line in ax.get_lines() if line.get_marker() == "X"]
    assert list(cross.get_xdata()) == [1] and list(cross.get_ydata()) == [1.0]
    assert cross.get_transform() == ax.get_xaxis_transform() and not cross.get_clip_on()  # axes fraction in y
    assert "NaN (diverged)" in [t.get_text() for t in ax.get_legend().get_texts()]
    assert ax.get_ylim()[1] < 2.7  # the cross does not stretch the axis: the top is the curves' own


def _tick_labels(ax, axis: str = "y") -> list[tuple[float, str]]:
    ax.figure.canvas.draw()
    ticks = getattr(ax, f"get_{axis}ticklabels")(minor=False) + getattr(ax, f"get_{axis}ticklabels")(minor=True)
    low, high = sorted(getattr(ax, f"get_{axis}lim")())
    return [(t.get_position()[1 if axis == "y" else 0], t.get_text()) for t in ticks
            if t.get_visible() and t.get_text() and low <= t.get_position()[1 if axis == "y" else 0] <= high]


@pytest.mark.parametrize("name", FIGURES)
def test_tick_labels_are_plain_text_without_superscripts(name, shown_at_780):
    fig = FIGURES[name]()
    for ax in fig.axes:
        for axis in ("x", "y"):
            labels = [text for _, text in _tick_labels(ax, axis)]
            assert not any("$" in text or "^" in text for text in labels), labels


@pytest.mark.parametrize("name", ["chains", "profiles"])
def test_a_log_axis_whose_lines_go_below_1_has_a_tick_below_1(name, shown_at_780):
    """At depth 1000 the plain net's gradient is 1e-20 of the top layer's: the figure must let it be read."""
    fig = FIGURES[name]()
    for ax in fig.axes:
        values = [v for line in ax.get_lines() for v in line.get_ydata() if isinstance(v, float) and v > 0]
        if ax.get_yscale() == "log" and min(values, default=1) < 1e-3:
            assert any(value < 1 for value, _ in _tick_labels(ax)), _tick_labels(ax)


def test_the_chains_figure_names_the_ends_of_the_small_branches(shown_at_780):
    """Branch x0.1 ends at ~1e2 and x0.0 at 1: two decades apart, the same height at a 30-decade tick spacing."""
    chains = {f"residual, branch x{s}": jacobian_chain(50, residual=True, branch_scale=s) for s in (1.0, 0.1, 0.0)}
    fig = figures.plot_chains(chains)
    texts = [t.get_text() for t in fig.axes[0].texts]
    for s in (0.1, 0.0):
        end = f"{float(chains[f'residual, branch x{s}'][-1]):.1e}"
        assert any(f"x{s}" in t and end in t for t in texts), texts


def test_the_training_profiles_show_three_steps_in_thick_lines(shown_at_780):
    """Six shades of one colour map could not be told apart (step 30 from step 60): the first, middle and last."""
    fig = figures.plot_training_profiles(_recorders(), 50, 0)
    for ax in fig.axes:
        lines = [line for line in ax.get_lines() if line.get_label().startswith("step")]
        assert [line.get_label() for line in lines] == ["step 0", "step 90", "step 150"]
        assert all(line.get_linewidth() >= 2.5 and line.get_markersize() >= 9 for line in lines)
        assert len({(line.get_marker(), line.get_linestyle()) for line in lines}) == 3
