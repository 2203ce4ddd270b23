"""Lesson 01: nested vs non-nested function classes, inserting layers into a trained net, the widget."""

import matplotlib

matplotlib.use("Agg")

import copy  # noqa: E402
from itertools import combinations, pairwise  # noqa: E402

import numpy as np  # noqa: E402
import pytest  # noqa: E402
import torch  # noqa: E402

from resnet_lib.lessons import function_classes as fc  # noqa: E402
from resnet_lib.presets import get_preset  # noqa: E402
from resnet_lib.training import short_run  # noqa: E402
from resnet_lib.ui.function_classes import (  # noqa: E402
    FunctionClassExplorer,
    plot_function_classes,
    plot_insertion_runs,
    plot_nested_classes,
)
from resnet_lib.ui.style import NOTEBOOK_WIDTH_PX, shown_font_sizes, shown_width_px  # noqa: E402


def test_nested_breakpoints_extend_each_other():
    assert fc.breakpoints(5, nested=True) == [0.0, -0.5, 0.5, -0.75]
    for n in range(2, 20):
        assert fc.contains(fc.breakpoints(n, True), fc.breakpoints(n - 1, True))


def test_uniform_grids_are_not_nested():
    assert fc.breakpoints(4, nested=False) == [-0.5, 0.0, 0.5]
    assert not fc.contains(fc.breakpoints(3, False), fc.breakpoints(2, False))
    assert fc.contains(fc.breakpoints(4, False), fc.breakpoints(2, False))


def test_best_fit_is_the_mean_on_each_piece_and_beats_any_other_member():
    x = fc.grid(1000)
    fit = fc.best_fit(3, nested=False, x=x)
    left = x < -1 / 3
    torch.testing.assert_close(fit[left], fc.target(x[left]).mean().expand(int(left.sum())))
    assert fit.unique().numel() == 3
    err = (fit - fc.target(x)).pow(2).mean()
    for shift in (-0.01, 0.01):
        assert (fit + shift * left - fc.target(x)).pow(2).mean() > err


def test_size_one_error_is_the_standard_deviation_of_the_target():
    y = fc.target(fc.grid())
    assert fc.best_error(1, nested=True) == pytest.approx(y.std(unbiased=False).item())


def test_nested_errors_never_rise_but_non_nested_ones_do():
    curves = fc.error_curves(12)
    nested, uniform = curves["nested"], curves["non-nested"]
    assert all(b <= a for a, b in pairwise(nested))
    assert any(b > a for a, b in pairwise(uniform))
    assert nested[0] == uniform[0] and nested[1] == pytest.approx(uniform[1])  # same classes for 1, 2 pieces


def test_any_target_can_be_fitted():
    assert fc.error_curves(6, f=fc.target) == fc.error_curves(6)
    assert fc.best_error(3, False, f=lambda x: 0 * x + 2.0) == 0.0  # a constant is in every class
    moved = fc.error_curves(12, f=lambda x: x**2 + (x > 1 / 3))  # the jump on a breakpoint when 3 divides n
    rises = [n for n, (a, b) in enumerate(pairwise(moved["non-nested"]), start=2) if b > a]
    assert rises == [4, 7, 10] and all(b <= a for a, b in pairwise(moved["nested"]))


def test_a_target_that_is_not_elementwise_is_refused():
    with pytest.raises(ValueError, match="one value per point"):
        fc.best_error(2, True, f=lambda x: x.sum())


@pytest.mark.parametrize("bad", [0, 13])
def test_plot_and_explorer_reject_sizes_out_of_range(bad):
    with pytest.raises(ValueError, match="size must be between 1 and max_size=12"):
        plot_function_classes(bad, nested=True)
    with pytest.raises(ValueError, match="size must be between 1 and max_size=12"):
        FunctionClassExplorer(size=bad)


def test_explorer_slider_and_toggle_redraw():
    explorer = FunctionClassExplorer(size=3, nested=False)
    explorer.show()
    first = explorer.figure
    assert explorer.marker.value == "updated: size=3" and "non-nested" in explorer.caption
    explorer.controls["size"].value = 5
    assert explorer.marker.value == "updated: size=5" and "class with 5 pieces," in explorer.caption
    assert explorer.figure is not first
    image, text = explorer.output.outputs  # what the widget shows: the figure, then its caption
    assert text["text"] == explorer.caption + "\n" and "image/png" in image["data"]
    assert f"{fc.best_error(5, False):.4f}" in explorer.caption
    explorer.controls["nested"].value = True
    assert explorer.marker.value == "updated: nested=True"
    assert f"{fc.best_error(5, True):.4f}" in explorer.caption
    lines = explorer.figure.axes[0].get_lines()
    drawn = np.asarray(lines[1].get_ydata(), dtype=float)
    torch.testing.assert_close(torch.as_tensor(drawn[~np.isnan(drawn)]), fc.best_fit(5, True))  # gaps at the jumps
    assert lines[1].get_label() == "best fit, 5 pieces"
    explorer.controls["size"].value = 1
    assert "class with 1 piece," in explorer.caption


@pytest.mark.parametrize("draw", [plot_nested_classes, lambda: plot_function_classes(3, nested=False),
                                  lambda: plot_function_classes(12, nested=True)], ids=["nested", "best fit", "12"])
def test_the_idea_figures_text_is_16_pt_as_the_notebook_shows_them(draw):
    """Lesson 01's two figures of the idea are read from the back of a room: every text (ticks, labels, legends,
    notes) at least 16 pt as shown in a notebook DISPLAY_PX wide, the figure no wider than that (not scaled down)."""
    fig = draw()
    assert shown_width_px(fig) <= NOTEBOOK_WIDTH_PX
    assert min(shown_font_sizes(fig)) >= 16, sorted(set(shown_font_sizes(fig)))


def _segments(line) -> list[tuple[float, float]]:
    """The (x0, x1) of every straight piece matplotlib draws for ``line`` (none across a NaN)."""
    x, y = (np.asarray(v, dtype=float) for v in (line.get_xdata(), line.get_ydata()))
    return [(x[i], x[i + 1]) for i in range(len(x) - 1) if not np.isnan(y[i:i + 2]).any()]


@pytest.mark.parametrize(("size", "nested"), [(3, False), (5, True), (1, True), (12, False)])
def test_the_best_fit_figure_draws_each_jump_as_a_gap(size, nested):
    """f* jumps at 0 and the best fit at each breakpoint: no drawn piece of either line crosses its jumps (no
    vertical line joining the two sides), and the values drawn are f* and the best fit, in order."""
    fig = plot_function_classes(size, nested)
    truth, fit = fig.axes[0].get_lines()[:2]
    for line, jumps, values in ((truth, [0.0], fc.target(fc.grid())), (fit, fc.breakpoints(size, nested),
                                                                      fc.best_fit(size, nested))):
        assert not [(a, b) for a, b in _segments(line) for j in jumps if a < j < b], line.get_label()
        y = np.asarray(line.get_ydata(), dtype=float)
        assert np.isnan(y).sum() == len(jumps)  # one gap per jump, nowhere else
        torch.testing.assert_close(torch.as_tensor(y[~np.isnan(y)]), values)


@pytest.mark.parametrize("nested", [True, False])
def test_the_best_fit_figure_tells_its_lines_apart_without_colour(nested):
    """f* and the fit differ in line style or marker for either family (the nested fit is solid, like f*), and the
    fit wears its family's marker, as in the right panel."""
    fig = plot_function_classes(4, nested)
    truth, fit = fig.axes[0].get_lines()[:2]
    assert (truth.get_linestyle(), truth.get_marker()) != (fit.get_linestyle(), fit.get_marker())
    family = [line for line in fig.axes[1].get_lines() if line.get_label() == fc.FAMILIES[nested]]
    assert fit.get_marker() == family[0].get_marker() not in (None, "None", "")


@pytest.mark.parametrize("nested", [True, False])
@pytest.mark.parametrize("size", range(1, 13))
def test_the_best_fit_figure_keeps_its_legends_clear_of_the_data(size, nested):
    """Whatever the widget shows, no drawn point of either panel lies under that panel's legend."""
    fig = plot_function_classes(size, nested)
    fig.canvas.draw()
    for ax in fig.axes:
        box = ax.get_legend().get_window_extent()
        for line in ax.get_lines():
            xy = np.column_stack([line.get_xdata(), line.get_ydata()]).astype(float)
            shown = ax.transData.transform(xy[~np.isnan(xy).any(axis=1)])
            assert not box.count_contains(shown), (ax.get_title(), line.get_label())


def tiny_trained_net():
    torch.manual_seed(0)
    net = fc.small_cnn(4)
    images = torch.randint(0, 256, (16, 28, 28), dtype=torch.uint8)
    labels = torch.randint(0, 10, (16,))
    short_run(net, images, labels, 2, batch_size=8)
    return net, images, labels


def test_identity_starts_keep_the_function_exactly_and_a_default_plain_layer_does_not():
    net, images, labels = tiny_trained_net()
    before, _, _ = fc.loss_and_accuracy(net, images, labels)
    for layer, kept in [(fc.zero_init_residual(4), True), (fc.identity_plain_layer(4), True),
                        (fc.plain_layer(4), False)]:
        grown = fc.insert_layer(net, layer)
        after, _, _ = fc.loss_and_accuracy(grown, images, labels)
        assert ((after - before).abs().max().item() == 0) is kept
        with torch.no_grad():  # training mode too (on copies: it updates the BN running statistics)
            x = fc.prepare(images)
            train_change = (copy.deepcopy(grown).train()(x) - copy.deepcopy(net).train()(x)).abs().max()
        assert (train_change.item() == 0) is kept


def test_grow_builds_each_variant_and_rejects_unknown_ones():
    net = fc.small_cnn(fc.CHANNELS)
    assert len(fc.grow(net, fc.CONTROL)) == len(net)
    assert all(len(fc.grow(net, variant)) == len(net) + 1 for variant in fc.VARIANTS if variant != fc.CONTROL)
    with pytest.raises(ValueError, match="unknown variant 'deep'"):
        fc.grow(net, "deep")


def test_checkpoint_steps_include_the_start_and_the_end():
    assert fc.checkpoint_steps(12, 5) == [0, 5, 10, 12]
    assert fc.checkpoint_steps(10, 5) == [0, 5, 10]


@pytest.mark.slow  # trains every variant and seed
def test_insertion_runs_measure_every_variant_and_seed_from_the_same_start():
    torch.manual_seed(0)
    net = fc.small_cnn(fc.CHANNELS)
    images = torch.randint(0, 256, (150, 28, 28), dtype=torch.uint8)  # two batches of 64, the last 22 dropped
    labels = torch.randint(0, 10, (150,))
    _, before, _ = fc.loss_and_accuracy(net, images[:50], labels[:50])
    runs = fc.insertion_runs(net, images, labels, epochs=1, seeds=(1, 2), every=1, eval_images=50)
    assert runs.steps == [0, 1, 2] and runs.seeds == (1, 2) and set(runs.losses) == set(fc.VARIANTS)
    for variant, curves in runs.losses.items():
        assert len(curves) == 2 and all(len(c) == 3 for c in curves)
        starts_kept = variant in (fc.CONTROL, *fc.IDENTITY_STARTS)
        assert all((c[0] == before) is starts_kept for c in curves)
    assert runs.losses[fc.CONTROL][0] != runs.losses[fc.CONTROL][1]  # the seed orders the batches
    late = runs.late_mean(fc.CONTROL)  # keyed by seed: the second half of steps 0, 1, 2 is steps 1 and 2
    assert list(late) == [1, 2] and late[2] == sum(runs.losses[fc.CONTROL][1][1:]) / 2
    with pytest.raises(ValueError, match="at least one seed"):
        fc.insertion_runs(net, images, labels, epochs=1, seeds=())
    rounded = runs.late_mean(fc.CONTROL, digits=3)  # what the lesson prints, and computes differences from
    assert all(rounded[s] == round(late[s], 3) for s in late)
    two = fc.insertion_runs(net, images, labels, epochs=1, seeds=(1, 2), every=1, eval_images=50,
                            variants=(fc.CONTROL, "residual, γ = 0"))
    assert set(two.losses) == {fc.CONTROL, "residual, γ = 0"}
    assert two.losses[fc.CONTROL] == runs.losses[fc.CONTROL]  # the same runs, fewer of them
    with pytest.raises(ValueError, match="ways to grow the net"):
        fc.insertion_runs(net, images, labels, epochs=1, variants=("deep",))


def test_lesson01_compares_the_damaged_start_with_the_control_then_every_pair_of_the_rest():
    rest = [fc.CONTROL, *fc.IDENTITY_STARTS]
    assert set(fc.VARIANTS) == {"plain, default init", *rest}
    assert fc.COMPARISONS[0] == ("plain, default init", fc.CONTROL)
    assert sorted(map(sorted, fc.COMPARISONS[1:])) == sorted(sorted(p) for p in combinations(rest, 2))


def test_insert_layer_copies_and_checks_index():
    net = fc.small_cnn(2)
    bigger = fc.insert_layer(net, fc.plain_layer(2))
    assert len(bigger) == len(net) + 1 and len(net) == 6
    assert bigger[0] is not net[0]
    with pytest.raises(ValueError, match="index must be between 0 and 6"):
        fc.insert_layer(net, fc.plain_layer(2), index=9)


def test_train_lowers_the_loss_on_a_tiny_set():
    torch.manual_seed(0)
    net = fc.small_cnn(4)
    images = torch.randint(0, 256, (32, 28, 28), dtype=torch.uint8)
    labels = torch.randint(0, 10, (32,))
    _, start, _ = fc.loss_and_accuracy(net, images, labels)
    losses = short_run(net, images, labels, fc.steps_after(4, len(labels), batch_size=8), batch_size=8, lr=0.05)
    _, end, accuracy = fc.loss_and_accuracy(net, images, labels)
    assert len(losses) == 4 * 4 and end < start and 0 <= accuracy <= 1


def test_insertion_plot_draws_every_variant_and_seed_and_the_identity_starts_minus_the_control():
    losses = {variant: [[1.0, 0.5 + k / 10], [1.0, 0.4 + k / 10]] for k, variant in enumerate(fc.VARIANTS)}
    fig = plot_insertion_runs(fc.InsertionRuns([0, 5], (1, 2), losses), before=1.0)
    top, bottom = fig.axes[:2]
    assert len(top.get_lines()) == 2 * len(fc.VARIANTS) + 1 + 2 and top.get_yscale() == "linear"  # + the seeds' key
    assert list(top.get_lines()[1].get_ydata()) == [1.0, 0.4]  # the control, seed 2
    differences = [list(line.get_ydata()) for line in bottom.get_lines()[:-1]]  # the last line marks 0
    control = losses[fc.CONTROL]
    expected = [[a - b for a, b in zip(curve, control[i], strict=True)]
                for variant in fc.IDENTITY_STARTS for i, curve in enumerate(losses[variant])]
    assert differences == expected and len(expected) == 4 and bottom.get_yscale() == "linear"
    assert all(d[0] == 0 and d[1] != 0 for d in differences)  # same start, then apart by what each variant added
    with pytest.raises(ValueError, match="keyed by the variants"):
        plot_insertion_runs(fc.InsertionRuns([0], (1,), {"deep": [[1.0]]}), before=1.0)
    with pytest.raises(ValueError, match="the control"):  # nothing to subtract
        plot_insertion_runs(fc.InsertionRuns([0], (1,), {"residual, γ = 0": [[1.0]]}), before=1.0)


def test_insertion_plot_tells_the_seeds_of_one_variant_apart_without_colour():
    losses = {variant: [[1.0, 0.5 + k / 10], [1.0, 0.4 + k / 10]] for k, variant in enumerate(fc.VARIANTS)}
    fig = plot_insertion_runs(fc.InsertionRuns([0, 5], (1, 2), losses), before=1.0)
    top = fig.axes[0]
    seed1, seed2 = top.get_lines()[:2]  # the control's two seeds
    assert seed1.get_color() == seed2.get_color() and seed1.get_marker() == seed2.get_marker()
    assert seed1.get_markerfacecolor() != seed2.get_markerfacecolor() == "white"  # filled, then open
    labels = [t.get_text() for t in top.get_legend().get_texts()]
    assert "seed 1: filled markers" in labels and "seed 2: open markers" in labels
    assert shown_width_px(fig) <= NOTEBOOK_WIDTH_PX and min(shown_font_sizes(fig)) >= 14  # every text, as shown


def test_insertion_plot_zooms_on_the_close_curves_and_says_where_the_damaged_one_is():
    """The top panel's linear y axis spans the identity starts, the control and the loss before growing; the
    default-init curve, far above, runs off the top and a note gives its range; the residual line's style is not
    the default-init one's."""
    runs = _made_up_runs()
    fig = plot_insertion_runs(runs, before=0.5)
    top = fig.axes[0]
    low, high = top.get_ylim()
    close = [x for v in fc.VARIANTS if v != "plain, default init" for curve in runs.losses[v] for x in curve]
    assert top.get_yscale() == "linear" and low <= min(close) and max(close) <= high < 0.9
    notes = [t.get_text() for t in top.texts]
    assert any("plain, default init" in n and "0.90 to 2.20" in n.replace("\n", " ") for n in notes), notes
    styles = {line.get_label(): line.get_linestyle() for line in top.get_lines()}
    assert styles["residual, γ = 0"] != styles["plain, default init"]


def _made_up_runs() -> fc.InsertionRuns:
    """Four variants, two seeds, three points each: the damaged start far above, the rest close to the control."""
    losses = {fc.CONTROL: [[0.5, 0.45, 0.44], [0.5, 0.47, 0.46]],
              "plain, default init": [[2.0, 1.0, 0.9], [2.2, 1.1, 0.95]],
              "plain, identity init": [[0.5, 0.46, 0.45], [0.5, 0.46, 0.47]],
              "residual, γ = 0": [[0.5, 0.44, 0.45], [0.5, 0.48, 0.46]]}
    return fc.InsertionRuns([0, 8, 16], (1, 2), losses)


def test_compare_runs_judges_every_pair_by_the_late_means_it_prints():
    runs = _made_up_runs()
    verdicts = fc.compare_runs(runs)
    assert verdicts.late == {v: runs.late_mean(v, digits=3) for v in fc.VARIANTS}
    assert list(verdicts.comparisons) == list(fc.COMPARISONS)
    assert verdicts.verdict("plain, default init", fc.CONTROL) == "higher"
    assert verdicts.verdict(fc.CONTROL, "plain, default init") == "lower"  # not in COMPARISONS: worked out
    assert verdicts.verdict("residual, γ = 0", fc.CONTROL) == "not told apart"
    # identity init minus the control after the start: +0.01, +0.01, -0.01, +0.01
    above, points, largest = verdicts.above_control["plain, identity init"]
    assert (above, points) == (3, 4) and largest == pytest.approx(0.01)
    lines = str(verdicts).splitlines()
    assert "no layer inserted         seed 1: 0.445  seed 2: 0.465" in lines  # each run's value, then the table
    table = lines.index("   A vs B                                   A - B:  seed 1  seed 2  spread  verdict")
    assert lines[table + 1:table + 5] == [  # worked out by hand from the late means above
        "1  plain, default init vs no layer inserted         +0.505  +0.560   0.075  plain, default init higher",
        "2  plain, identity init vs no layer inserted        +0.010   0.000   0.020  not told apart",
        "3  residual, γ = 0 vs no layer inserted              0.000  +0.005   0.025  not told apart",
        "4  plain, identity init vs residual, γ = 0          +0.010  -0.005   0.025  seeds disagree"]
    assert "plain, identity init minus the control: above 0 at 3 of 4 points after the start, " \
           "largest in size +0.010" in lines[table + 5:]
    assert not any("ended with" in line for line in lines)  # no sentence per pair: the table holds the verdicts


def test_compare_runs_compares_only_the_variants_that_were_run():
    runs = _made_up_runs()
    two = fc.InsertionRuns(runs.steps, runs.seeds, {v: runs.losses[v] for v in (fc.CONTROL, "residual, γ = 0")})
    verdicts = fc.compare_runs(two)
    assert list(verdicts.comparisons) == [("residual, γ = 0", fc.CONTROL)]
    assert list(verdicts.above_control) == ["residual, γ = 0"]
    assert "1  residual, γ = 0 vs no layer inserted" in str(verdicts).splitlines()[4]  # 2 value lines, blank, header
    alone = fc.compare_runs(fc.InsertionRuns(runs.steps, runs.seeds,
                                             {"residual, γ = 0": runs.losses["residual, γ = 0"]}))
    assert alone.above_control == {}  # no control: nothing to subtract
    assert str(alone) == "residual, γ = 0           seed 1: 0.445  seed 2: 0.470"  # and no table


def test_the_lessons_images_and_passes_follow_the_settings():
    smoke = get_preset("smoke")
    images, labels = fc.training_images(smoke)
    assert len(images) == len(labels) == smoke.train_limit and images.shape[1:] == (28, 28)
    assert fc.passes_before_growing(smoke) == smoke.epochs
    assert fc.WAYS_TO_GROW == tuple(v for v in fc.VARIANTS if v != fc.CONTROL) and len(fc.WAYS_TO_GROW) == 3
