"""Lesson 02's block explorer: tracing a block into its two branches, the table, the diagram, the widget."""

import matplotlib

matplotlib.use("Agg")

import pytest  # noqa: E402
import torch  # noqa: E402
from torch import nn  # noqa: E402

from resnet_lib.blocks import PreActResidual, Residual  # noqa: E402
from resnet_lib.lessons.block_anatomy import make_block, trace_block  # noqa: E402
from resnet_lib.measure import count_parameters as count  # noqa: E402
from resnet_lib.ui.block_explorer import BlockExplorer, draw_block  # noqa: E402
from resnet_lib.ui.style import NOTEBOOK_WIDTH_PX, shown_font_sizes, shown_width_px  # noqa: E402


@pytest.mark.parametrize("kind", ["Residual", "PreActResidual"])
@pytest.mark.parametrize(
    ("cin", "cout", "use_1x1", "stride"), [(3, 3, False, 1), (3, 6, True, 2), (5, 2, True, 3)]
)
def test_trace_matches_the_module(kind, cin, cout, use_1x1, stride):
    block = make_block(kind, cin, cout, use_1x1, stride)
    layout = trace_block(block, (2, cin, 7, 7))
    assert layout.output_shape == tuple(block.eval()(torch.rand(2, cin, 7, 7)).shape)
    assert layout.params == count(block)
    assert len(layout.shortcut) == (1 if use_1x1 else 0)
    convs = [s for s in layout.branch if s.label.startswith("3x3 conv")]
    assert len(convs) == 2 and (f"stride {stride}" in convs[0].label) == (stride != 1)


def test_branch_order_differs_between_post_and_pre_activation():
    post = [s.label for s in trace_block(Residual(3, 3), (1, 3, 4, 4)).branch]
    pre = [s.label for s in trace_block(PreActResidual(3, 3), (1, 3, 4, 4)).branch]
    assert post == ["3x3 conv 3->3", "BN(3)", "ReLU", "3x3 conv 3->3", "BN(3)"]
    assert pre == ["BN(3)", "ReLU", "3x3 conv 3->3", "BN(3)", "ReLU", "3x3 conv 3->3"]
    assert [s.label for s in trace_block(Residual(3, 3), (1, 3, 4, 4)).after] == ["ReLU"]
    assert trace_block(PreActResidual(3, 3), (1, 3, 4, 4)).after == []


def test_trace_leaves_the_block_untouched():
    block = Residual(3, 3).train()
    before = {k: v.clone() for k, v in block.state_dict().items()}
    trace_block(block, (4, 3, 6, 6))
    assert block.training
    assert all(torch.equal(before[k], v) for k, v in block.state_dict().items())  # BN running stats too


def test_trace_rejects_a_module_without_one_addition():
    with pytest.raises(ValueError, match="exactly one addition"):
        trace_block(nn.Conv2d(3, 3, 3), (1, 3, 5, 5))


def test_unknown_kind_and_mismatch_are_value_errors():
    with pytest.raises(ValueError, match="unknown block kind"):
        make_block("Bottleneck", 3, 3)
    with pytest.raises(ValueError, match="use_1x1conv=True"):
        make_block("Residual", 3, 6)


LABELS = ("branch g(X)", "shortcut", "Y")  # what the diagram names besides its boxes


def test_diagram_has_a_box_per_step():
    layout = trace_block(Residual(3, 6, True, 2))
    fig = draw_block(layout)
    texts = [t.get_text() for t in fig.axes[0].texts]
    boxes = [t for t in texts if t and t not in LABELS]  # x, the branch, the shortcut, +, the steps after it
    assert len(boxes) == 1 + len(layout.branch) + 1 + 1 + len(layout.after)
    assert any("1x1 conv" in t for t in texts) and "(4, 6, 3, 3)" in fig.axes[0].get_title()


@pytest.mark.parametrize("block", [Residual(3, 6, True, 2), Residual(3, 3), PreActResidual(3, 6, True, 2)],
                         ids=["1x1 conv", "identity", "pre-activation"])
def test_diagram_names_the_branch_the_shortcut_and_the_output_Y(block):
    """Which path is g(X) and which the shortcut, and which box is the block's output Y, read off the picture."""
    texts = [t.get_text() for t in draw_block(trace_block(block)).axes[0].texts]
    assert all(texts.count(label) == 1 for label in LABELS), texts


@pytest.mark.parametrize("block", [Residual(3, 6, True, 2), PreActResidual(3, 6, True, 2)], ids=["post", "pre"])
def test_diagram_arrows_between_boxes_are_long_enough_to_see(block):
    """Adjacent boxes leave at least 15 px between them as the notebook shows the figure, so the arrow shows."""
    from matplotlib.patches import FancyBboxPatch

    fig = draw_block(trace_block(block))
    fig.canvas.draw()
    scale = NOTEBOOK_WIDTH_PX / max(NOTEBOOK_WIDTH_PX, shown_width_px(fig))  # as shown: scaled down if wider
    row = sorted((b.get_window_extent() for b in fig.axes[0].patches if isinstance(b, FancyBboxPatch)
                  and abs(b.get_y() + b.get_height() / 2) < 1e-6), key=lambda e: e.x0)
    gaps = [(right.x0 - left.x1) * scale for left, right in zip(row, row[1:], strict=False)]
    assert len(row) >= 6 and min(gaps) >= 15, gaps


def test_diagram_text_stays_inside_its_box():
    fig = draw_block(trace_block(Residual(3, 6, True, 2)))
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    from matplotlib.patches import FancyBboxPatch

    boxes = [b.get_window_extent() for b in fig.axes[0].patches if isinstance(b, FancyBboxPatch)]
    for text in fig.axes[0].texts:
        if "\n" in text.get_text():  # a box's text
            e = text.get_window_extent(renderer)
            assert any(b.x0 <= e.x0 and e.x1 <= b.x1 and b.y0 <= e.y0 and e.y1 <= b.y1 for b in boxes), text.get_text()


@pytest.mark.parametrize("block", [Residual(3, 6, True, 2), Residual(3, 3), PreActResidual(3, 6, True, 2)],
                         ids=["1x1 conv", "identity", "pre-activation"])
def test_diagram_text_is_large_enough_for_a_projector(block):
    """Every text at 14 pt or more as the notebook shows it (DISPLAY_PX wide): the diagram, with as many steps as
    the widget can draw, is no wider than that, so it is not scaled down."""
    fig = draw_block(trace_block(block))
    assert shown_width_px(fig) <= NOTEBOOK_WIDTH_PX
    assert min(shown_font_sizes(fig)) >= 14, sorted(set(shown_font_sizes(fig)))


def test_diagram_names_the_input_X_as_the_lesson_does():
    """Lesson 02 calls the block's input X (d2l's name for a batch), in its text, its code and this diagram."""
    texts = [t.get_text() for t in draw_block(trace_block(Residual(3, 3))).axes[0].texts]
    assert texts[0] == "X\n3×6×6" and not any(t.split("\n")[0] == "x" for t in texts)


def test_widget_slider_updates_text_and_figure():
    explorer = BlockExplorer()
    explorer.show()
    first_figure = explorer.figure
    assert explorer.marker.value == "updated: input_channels=3" and "output (4, 3, 6, 6)" in explorer.caption
    explorer.controls["use_1x1conv"].value = True
    explorer.controls["num_channels"].value = 8
    assert explorer.marker.value == "updated: num_channels=8" and "output (4, 8, 6, 6)" in explorer.caption
    assert explorer.figure is not first_figure
    explorer.controls["strides"].value = 2
    assert "output (4, 8, 3, 3)" in explorer.caption
    image, text = explorer.output.outputs  # what the widget shows: the diagram, then its table
    assert explorer.marker.value == "updated: strides=2" and "image/png" in image["data"]
    assert text["text"] == explorer.caption + "\n"
    assert f"{count(Residual(3, 8, True, 2)):,} parameters" in explorer.caption


def test_widget_shows_the_error_for_a_mismatched_block():
    explorer = BlockExplorer()
    explorer.show()
    explorer.controls["num_channels"].value = 5
    assert explorer.marker.value == "updated: num_channels=5"
    assert "ValueError" in explorer.caption and "use_1x1conv=True" in explorer.caption and explorer.figure is None
    assert len(explorer.output.outputs) == 1 and "use_1x1conv=True" in explorer.output.outputs[0]["text"]
    explorer.controls["kind"].value = "PreActResidual"
    assert "PreActResidual(3, 5" in explorer.caption
