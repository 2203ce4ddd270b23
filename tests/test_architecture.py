import base64
import math

import matplotlib
import pytest
import torch
import torchvision
from torch import nn

from resnet_lib.blocks import Residual
from resnet_lib.lessons.input_size import SizePlan, SizeRecord, SizeRun
from resnet_lib.measure import (
    conv_bias_parameters,
    count_flops,
    count_parameters,
    main_path_layers,
    shortcut_bn_parameters,
    size_report,
    stage_parameters,
    stage_shapes,
    stages,
    weighted_layers,
)
from resnet_lib.models import build_resnet, d2l_alexnet, family_member, resnet18, torchvision_resnet18
from resnet_lib.ui.architecture import (
    InputSizeExplorer,
    box_height,
    draw_architecture,
    draw_input_size,
    plot_input_size,
    plot_size_and_compute,
)
from resnet_lib.ui.style import MIN_FONT_PT, NOTEBOOK_WIDTH_PX, shown_font_sizes, shown_width_px

matplotlib.use("Agg")  # headless: the widget and the diagram draw without a display


def test_shown_font_sizes_measure_the_picture_as_the_notebook_shows_it():
    """The picture is cropped to what is drawn: a figure with a narrow drawing in a wide canvas is shown 1:1."""
    import matplotlib.pyplot as plt

    fig = plt.figure(figsize=(2 * NOTEBOOK_WIDTH_PX / 80, 3), dpi=80)
    fig.text(0.5, 0.5, "x", fontsize=12)
    assert shown_width_px(fig) < NOTEBOOK_WIDTH_PX and shown_font_sizes(fig) == [12.0]


def test_the_18_are_17_main_path_convs_and_1_linear_and_the_3_shortcuts_are_excluded():
    layers = weighted_layers(resnet18())
    main = [layer for layer in layers if layer.main_path]
    off = [layer for layer in layers if not layer.main_path]
    assert len(main) == 18
    assert sum("conv" in layer.description for layer in main) == 17
    assert [layer.description.startswith("linear") for layer in main].count(True) == 1
    assert len(off) == 3 and all(layer.description.startswith("1x1 conv") for layer in off)
    assert all(layer.name.endswith("conv3") for layer in off)


def test_stage_parameters_partition_the_net():
    net = resnet18()
    per_stage = dict(stage_parameters(net))
    assert list(per_stage) == ["b1 stem", "b2", "b3", "b4", "b5", "head"]
    assert sum(per_stage.values()) == count_parameters(net)
    assert per_stage["b1 stem"] == count_parameters(net[0])
    assert per_stage["head"] == 512 * 10 + 10  # pool and flatten have no parameters


def test_stages_rejects_a_net_of_another_layout():
    with pytest.raises(ValueError, match="d2l-style ResNet"):
        stages(nn.Sequential(nn.Linear(2, 2)))


def test_gap_to_torchvision_is_conv_biases_minus_shortcut_bn():
    ours, tv = resnet18(), torchvision_resnet18(in_channels=1, num_classes=10)
    convs = [m for m in ours.modules() if isinstance(m, nn.Conv2d)]
    assert conv_bias_parameters(ours) == sum(m.out_channels for m in convs)
    assert shortcut_bn_parameters(tv) == 2 * (128 + 256 + 512)
    gap = conv_bias_parameters(ours) - shortcut_bn_parameters(tv)
    assert count_parameters(ours) - count_parameters(tv) == gap
    assert tv.conv1.in_channels == 1 and tv.fc.out_features == 10


def test_flops_of_a_conv_and_a_linear_follow_the_textbook_formula():
    conv = nn.Conv2d(3, 8, kernel_size=3, padding=1)
    assert count_flops(conv, (3, 10, 10)).total == 2 * (8 * 10 * 10) * (3 * 3 * 3)
    mlp = nn.Sequential(nn.Flatten(), nn.Linear(12, 5))
    flops = count_flops(mlp, (1, 3, 4))
    assert flops.total == 2 * 12 * 5 and flops.macs == 12 * 5
    assert flops.per_child == {"0": 0, "1": 2 * 12 * 5}


def test_count_flops_leaves_the_model_untouched():
    net = resnet18()
    net.train()
    count_flops(net, (1, 32, 32))
    assert net.training and all(p.device.type == "cpu" for p in net.parameters())


def test_count_flops_rejects_a_batched_shape():
    with pytest.raises(ValueError, match="channels, height, width"):
        count_flops(nn.Conv2d(1, 1, 3), (1, 1, 28, 28))


@pytest.mark.parametrize(
    ("builder", "weights"),
    [(torchvision.models.resnet18, torchvision.models.ResNet18_Weights.IMAGENET1K_V1),
     (torchvision.models.alexnet, torchvision.models.AlexNet_Weights.IMAGENET1K_V1)],
)
def test_macs_match_the_numbers_torchvision_publishes_as_gflops(builder, weights):
    assert round(count_flops(builder(), (3, 224, 224)).macs / 1e9, 3) == weights.meta["_ops"]


def test_d2l_alexnet_layout_and_input_check():
    net = d2l_alexnet().eval()
    layer_sizes = [(1, 96, 11), (96, 256, 5), (256, 384, 3), (384, 384, 3), (384, 256, 3)]
    expected = sum(cin * cout * k * k + cout for cin, cout, k in layer_sizes)
    expected += sum(i * o + o for i, o in [(6400, 4096), (4096, 4096), (4096, 10)])
    assert count_parameters(net) == expected
    assert net(torch.zeros(2, 1, 224, 224)).shape == (2, 10)
    with pytest.raises(ValueError, match="Resize the images to 224"):
        net(torch.zeros(2, 1, 96, 96))


@pytest.mark.parametrize("size", [16, 28, 32, 33, 64, 65, 96, 224])
def test_last_feature_map_side_is_size_over_32_rounded_up(size):
    assert size_report(size).final_side == math.ceil(size / 32)


def test_size_report_flops_add_up_and_grow_with_the_input():
    small, big = size_report(96), size_report(224)
    assert sum(big.stage_flops) == big.total_flops
    assert big.total_flops > small.total_flops
    assert "collapsed to 1x1 from b5" in str(size_report(28))
    assert "collapsed" not in str(small)


def test_stage_shapes_rejects_a_bad_size():
    with pytest.raises(ValueError, match="image_size must be a positive integer"):
        stage_shapes(resnet18(), 0)


def test_diagram_is_labelled_from_the_model_itself():
    fig = draw_architecture(resnet18(width=32), 224)
    texts = [t.get_text() for t in fig.axes[0].texts]
    assert "256x7x7" in texts and "b5" in texts
    assert any("linear\n256->10" in t for t in texts)
    fig = draw_architecture(resnet18(), 28)
    texts = {t.get_text(): t for t in fig.axes[0].texts}
    assert "512x1x1" in texts and any("64 ch, /2" in t for t in texts)  # the stem says what 64 and /2 are
    outputs = ["64x7x7", "128x4x4", "256x2x2", "512x1x1", "10"]  # b1 (and b2), b3, b4, b5, the head
    assert len({round(texts[t].get_position()[1], 6) for t in outputs}) == 1  # the output shapes share one line
    names = ["b1 stem", "b2", "b3", "b4", "b5", "head"]
    assert len({round(texts[t].get_position()[1], 6) for t in names}) == 1  # and so do the names


def test_slider_moves_rewrite_the_output_area_with_diagram_and_report_then_the_marker():
    explorer = InputSizeExplorer(value=96)
    slider, out, marker = explorer.show().children
    assert marker.value == "updated: input_size=96" and "input 1x96x96" in out.outputs[1]["text"]
    slider.value = 28
    figure, text = out.outputs
    assert marker.value == "updated: input_size=28"
    assert "last feature map (b5): 1x1" in text["text"] and "updated" not in text["text"]
    assert base64.b64decode(figure["data"]["image/png"]).startswith(b"\x89PNG")


def test_box_heights_follow_log2_of_the_side_as_the_lesson_says():
    fig = draw_architecture(resnet18(), 224)
    heights = [round(p.get_height(), 6) for p in fig.axes[0].patches if p.get_gid() == "box"]
    sides = [224, 56, 56, 56, 28, 28, 14, 14, 7, 7, None]  # input, b1, two blocks each of b2..b5, head (a vector)
    assert heights == [round(box_height((1, 1, s, s) if s else (1, 10)), 6) for s in sides]
    steps = [heights[i] - heights[i + 2] for i in (3, 5, 7)]  # b2 -> b3 -> b4 -> b5: each halves the side
    assert steps[0] > 0 and steps == pytest.approx([steps[0]] * 3)
    assert heights[-1] == box_height((1, 1, 1, 1))


@pytest.mark.parametrize("layers", [(2, 2, 2, 2), (3, 4, 6, 3)])
def test_diagram_draws_every_shortcut_and_marks_the_1x1_projections(layers):
    fig = draw_architecture(build_resnet(Residual, layers), 96)
    ax = fig.axes[0]
    arcs = [line.get_gid() for line in ax.lines]
    assert arcs.count("shortcut") + arcs.count("projection") == sum(layers)  # one arc per residual block
    assert arcs.count("projection") == 3  # the first block of b3, b4 and b5
    dashed = [line for line in ax.lines if line.get_gid() == "projection"]
    assert all(line.get_linestyle() == "--" for line in dashed)
    assert [t.get_text() for t in ax.texts].count("1x1, /2") == 3
    assert sum(p.get_gid() == "add" for p in ax.patches) == sum(layers)
    assert any("/2: stride 2" in t.get_text() for t in ax.texts)  # the legend says what /2 means


@pytest.mark.parametrize("size", [28, 96, 224])
def test_diagram_text_is_readable_on_a_projector(size):
    sizes = shown_font_sizes(draw_architecture(resnet18(), size))
    assert len(sizes) > 30 and min(sizes) >= MIN_FONT_PT


PROJECTOR_PT = 14  # lessons 01 and 02 draw their figures' text at 14-16 pt, shown 1:1


def _lesson_figures():
    net = resnet18()
    measured = {"ResNet-18 (d2l, 1 ch, 10 classes)": (count_parameters(net), count_flops(net, (1, 224, 224))),
                "AlexNet (torchvision, 3 ch, 10 classes)": (count_parameters(d2l_alexnet()),
                                                            count_flops(d2l_alexnet(), (1, 224, 224)))}
    plan = SizePlan(sizes=(28, 48, 96), seeds=(0, 1), epochs=4)
    runs = [SizeRun(size, seed, [0.4, 0.7, 0.8, 0.85], [1.0] * 4) for seed in (0, 1) for size in (28, 48, 96)]
    return {"diagram 224": lambda: draw_architecture(net, 224),
            "diagram 28, no key": lambda: draw_architecture(net, 28, caption=False),
            "size and compute": lambda: plot_size_and_compute(measured),
            "input size runs": lambda: plot_input_size(SizeRecord(plan, runs)),
            "explorer 96": lambda: draw_input_size(net, 96),
            "explorer 224": lambda: draw_input_size(net, 224)}


@pytest.mark.parametrize("name", list(_lesson_figures()))
def test_every_figure_is_shown_one_to_one_with_its_text_at_14_pt_or_more(name):
    """Drawn no wider than the notebook (not scaled down), so the text is shown at the size it is drawn."""
    import matplotlib.pyplot as plt

    fig = _lesson_figures()[name]()
    assert shown_width_px(fig) <= NOTEBOOK_WIDTH_PX
    assert min(shown_font_sizes(fig)) >= PROJECTOR_PT
    plt.close(fig)


def test_the_second_diagram_can_leave_out_the_key_the_first_one_gave():
    with_key = [t.get_text() for t in draw_architecture(resnet18(), 28).axes[0].texts]
    without = [t.get_text() for t in draw_architecture(resnet18(), 28, caption=False).axes[0].texts]
    assert any("/2: stride 2" in t for t in with_key) and not any("/2: stride 2" in t for t in without)
    assert len(without) < len(with_key)


def test_shown_font_sizes_scale_a_figure_wider_than_the_notebook():
    import matplotlib.pyplot as plt

    fig = plt.figure(figsize=(2 * NOTEBOOK_WIDTH_PX / 80, 3), dpi=80)
    fig.text(0.5, 0.5, "x", fontsize=20)
    fig.add_artist(plt.Line2D([0, 1], [0.2, 0.2]))  # the drawing spans the whole canvas: shown at half size
    width = shown_width_px(fig)  # the canvas and a margin of 0.1 inch each side
    assert width == 2 * NOTEBOOK_WIDTH_PX + 16
    assert shown_font_sizes(fig) == [pytest.approx(20 * NOTEBOOK_WIDTH_PX / width)]


def test_slider_can_land_on_the_answers_to_its_own_question():
    slider = InputSizeExplorer(value=96).controls["input_size"]
    # the final side never shrinks as the input grows, so the first size past 1x1 marks the boundary
    first_2x2 = next(s for s in range(slider.min, slider.max + 1) if size_report(s).final_side > 1)
    last_1x1 = first_2x2 - 1
    assert size_report(last_1x1).final_side == 1 and size_report(first_2x2).final_side == 2
    for size in (last_1x1, first_2x2, 28, 96):
        assert slider.min <= size <= slider.max and (size - slider.min) % slider.step == 0


def test_input_size_plot_draws_one_line_per_run_with_labelled_axes():
    plan = SizePlan(sizes=(28, 96), seeds=(0, 1), epochs=2)
    runs = [SizeRun(size, seed, [0.5, 0.6], [1.0, 1.0]) for seed in (0, 1) for size in (28, 96)]
    fig = plot_input_size(SizeRecord(plan, runs))
    ax_e, ax_f = fig.axes
    assert len([line for line in ax_e.lines if len(line.get_xdata())]) == len(ax_f.lines) == 4
    assert ax_f.get_xscale() == "log" and ax_e.get_ylabel().startswith("test accuracy")
    (legend,) = fig.legends  # one legend for both panels ...
    assert [t.get_text() for t in legend.get_texts()] == ["28 px", "96 px", "seed 0 (filled)", "seed 1 (open)"]
    renderer = fig.canvas.get_renderer()
    box = legend.get_window_extent(renderer)
    assert not any(box.overlaps(ax.get_window_extent(renderer)) for ax in fig.axes)  # ... clear of the data
    runs = [line for line in ax_e.lines if len(line.get_xdata())]
    styles = {(line.get_linestyle(), line.get_marker(), line.get_color()) for line in runs}
    assert len(styles) == 2  # one look per size ...
    assert len({s[0] for s in styles}) == len({s[1] for s in styles}) == len({s[2] for s in styles}) == 2  # ... all 3
    faces = {(line.get_color(), line.get_markerfacecolor()) for line in runs}
    assert len(faces) == 4  # the two seeds of one size told apart without colour: filled and open markers
    assert min(shown_font_sizes(fig)) >= MIN_FONT_PT
    assert len([t for t in ax_f.get_xticklabels() if t.get_text()]) >= 3  # a log axis read off more than 10^k
    assert "TFLOPs" in ax_f.get_xlabel()


def test_slider_rejects_a_value_off_its_grid():
    with pytest.raises(ValueError, match="on the grid"):
        InputSizeExplorer(value=97, step=4)


@pytest.mark.parametrize("name, depth", [("ResNet-18", 18), ("ResNet-34", 34), ("ResNet-50", 50),
                                         ("ResNeXt-50 32x4d", 50), ("pre-activation ResNet-18", 18)])
def test_every_block_kind_keeps_its_shortcut_projections_off_the_main_path(name, depth):
    net = family_member(name, in_channels=3, num_classes=1000)
    layers = weighted_layers(net)
    off_path = [layer for layer in layers if not layer.main_path]
    assert main_path_layers(net) == depth and len(off_path) == (3 if depth in (18, 34) else 4)
    assert all(layer.description.startswith("1x1 conv") for layer in off_path)


def test_size_and_compute_bars_are_readable_and_show_both_counts():
    net = resnet18()
    measured = {"ResNet-18": (count_parameters(net), count_flops(net, (1, 224, 224))),
                "AlexNet": (count_parameters(d2l_alexnet()), count_flops(d2l_alexnet(), (1, 224, 224)))}
    fig = plot_size_and_compute(measured)
    ax_p, ax_f = fig.axes
    assert [round(b.get_width(), 6) for b in ax_p.patches] == [round(p / 1e6, 6) for p, _ in measured.values()]
    assert [round(b.get_width(), 6) for b in ax_f.patches] == [round(f.total / 1e9, 6) for _, f in measured.values()]
    assert min(shown_font_sizes(fig)) >= MIN_FONT_PT
    for ax in (ax_p, ax_f):  # ResNets and AlexNets told apart without colour: the AlexNets' bars hatched
        assert [bool(b.get_hatch()) for b in ax.patches] == [False, True]
    renderer = fig.canvas.get_renderer()
    (line,) = ax_p.lines  # the misread count's dotted line, named at its foot by a label beside it
    (label,) = [t for t in ax_p.texts if "18M" in t.get_text()]
    box = label.get_window_extent(renderer)
    assert box.x0 > line.get_window_extent(renderer).x1  # right of the line: it covers no part of it
    assert box.y0 < ax_p.get_window_extent(renderer).y0 + 0.3 * ax_p.get_window_extent(renderer).height  # its foot
    assert not any(box.overlaps(b.get_window_extent(renderer)) for b in ax_p.patches)
    assert ax_p.get_legend() is None


def test_explorer_picture_shows_what_its_question_asks_the_flops_at_half_the_size_and_at_this_size():
    """The cell asks how the FLOPs grow when the side doubles: the picture (the one the site shows) answers it
    with each part's FLOPs at half the slider's size and at its size, and the factor between them."""
    explorer = InputSizeExplorer(value=96)
    explorer.show()
    assert len(explorer.figure.axes) == 2  # the widget draws this picture (closed once shown: redrawn below)
    fig = draw_input_size(explorer.net, 96)
    diagram, bars = fig.axes
    assert "512x3x3" in [t.get_text() for t in diagram.texts]  # the diagram at the slider's size
    half, full = size_report(48), size_report(96)
    heights = [round(p.get_height(), 6) for p in bars.patches]
    assert heights == [round(f / 1e6, 6) for report in (half, full) for f in report.stage_flops]
    ticks = [t.get_text() for t in bars.get_xticklabels()]  # each part, and its map's side at 48 and at 96 px
    assert ticks == ["b1 stem\n12→24", "b2\n12→24", "b3\n6→12", "b4\n3→6", "b5\n2→3", "head"]
    factors = [t.get_text() for t in bars.texts]
    assert factors == [f"×{b / a:.2f}" for a, b in zip(half.stage_flops, full.stage_flops, strict=True)]
    assert factors == ["×4.00"] * 4 + ["×2.25", "×1.00"]  # b5 (2x2 -> 3x3) and the head grow less than the area
    assert "×4.00" in bars.get_title() and bars.get_ylabel().startswith("MFLOPs")
    assert len({p.get_hatch() for p in bars.patches}) == 2  # the two sizes told apart without colour
    (legend,) = [bars.get_legend()]
    renderer = fig.canvas.get_renderer()
    box = legend.get_window_extent(renderer)
    assert not any(box.overlaps(p.get_window_extent(renderer)) for p in bars.patches)  # clear of the bars
    assert not any(box.overlaps(t.get_window_extent(renderer)) for t in bars.texts)  # and of their factors
    assert fig.bbox.contains(box.x0, box.y0) and fig.bbox.contains(box.x1, box.y1)  # and inside the picture
    assert min(shown_font_sizes(fig)) >= MIN_FONT_PT


def test_explorer_picture_compares_an_odd_size_with_half_of_it_rounded_down():
    _, bars = draw_input_size(resnet18(), 97).axes
    assert [t.get_text() for t in bars.get_legend().get_texts()] == ["48 px", "97 px"]
    assert f"×{(97 / 48) ** 2:.2f}" in bars.get_title()


def test_slider_can_land_on_a_size_where_a_part_grows_more_than_the_area():
    """Lesson 03's "Try it": at an odd size, where half the size is rounded down, a part can grow more than the area
    (at 33 px b4's map is 3x3, at 16 px 1x1); at an even size no part does."""
    slider = InputSizeExplorer(value=96).controls["input_size"]

    def grows_more_than_the_area(size: int) -> bool:
        half, area = size_report(size // 2), (size / (size // 2)) ** 2
        return any(b / a > area for a, b in zip(half.stage_flops, size_report(size).stage_flops, strict=True))

    sizes = range(slider.min, slider.max + 1, slider.step)
    assert grows_more_than_the_area(33) and 33 in sizes
    assert not any(grows_more_than_the_area(size) for size in sizes if size % 2 == 0)
