"""Lesson 01: nested vs non-nested function classes, inserting layers into a trained net, the widget."""

import matplotlib

matplotlib.use("Agg")

from itertools import pairwise  # noqa: E402

import pytest  # noqa: E402
import torch  # noqa: E402

from resnet_lib.lessons import function_classes as fc  # noqa: E402
from resnet_lib.ui.function_classes import (  # noqa: E402
    FunctionClassExplorer,
    plot_function_classes,
    plot_insertion_training,
)


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
    assert explorer.marker.value == "updated: size=5" and "5 piece(s)" in explorer.caption
    assert explorer.figure is not first
    image, text = explorer.output.outputs  # what the widget shows: the figure, then its caption
    assert text["text"] == explorer.caption + "\n" and "image/png" in image["data"]
    assert f"{fc.best_error(5, False):.4f}" in explorer.caption
    explorer.controls["nested"].value = True
    assert explorer.marker.value == "updated: nested=True"
    assert f"{fc.best_error(5, True):.4f}" in explorer.caption
    lines = explorer.figure.axes[0].get_lines()
    torch.testing.assert_close(torch.as_tensor(lines[1].get_ydata()), fc.best_fit(5, True))


def test_zero_init_residual_keeps_the_function_exactly_and_a_plain_layer_does_not():
    torch.manual_seed(0)
    net = fc.small_cnn(4)
    images = torch.randint(0, 256, (16, 28, 28), dtype=torch.uint8)
    labels = torch.randint(0, 10, (16,))
    fc.train_inserted(net, images, labels, epochs=1, batch_size=8)
    before, _, _ = fc.loss_and_accuracy(net, images, labels)
    with_res, _, _ = fc.loss_and_accuracy(fc.insert_layer(net, fc.zero_init_residual(4)), images, labels)
    with_plain, _, _ = fc.loss_and_accuracy(fc.insert_layer(net, fc.plain_layer(4)), images, labels)
    assert (with_res - before).abs().max().item() == 0
    assert (with_plain - before).abs().max().item() > 1e-3


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
    losses = fc.train_inserted(net, images, labels, epochs=4, batch_size=8)
    _, end, accuracy = fc.loss_and_accuracy(net, images, labels)
    assert len(losses) == 4 * 4 and end < start and 0 <= accuracy <= 1


def test_insertion_training_plot_smooths_and_checks_names():
    curves = {"plain": [3.0, 2.0, 1.0, 0.0], "residual": [1.0, 1.0]}
    fig = plot_insertion_training(curves, before=0.5, window=2)
    plain, residual = fig.axes[0].get_lines()[:2]
    assert list(plain.get_ydata()) == [2.5, 1.5, 0.5] and list(plain.get_xdata()) == [2, 3, 4]
    assert list(residual.get_ydata()) == [1.0]
    with pytest.raises(ValueError, match="keyed 'plain' and/or 'residual'"):
        plot_insertion_training({"deep": [1.0]}, before=0.5)
