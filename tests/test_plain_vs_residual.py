"""Lesson 06's experiment helpers and its widget."""

import math

import pytest
import torch
from torch import nn

from resnet_lib.blocks import PreActResidual, Residual
from resnet_lib.data import batches
from resnet_lib.lessons import plain_vs_residual as pvr
from resnet_lib.models import cifar_resnet


@pytest.fixture
def tiny_data():
    g = torch.Generator().manual_seed(0)
    return torch.randint(0, 256, (64, 28, 28), dtype=torch.uint8, generator=g), torch.randint(0, 10, (64,), generator=g)


def test_error_recorder_counts_wrong_predictions_and_returns_cross_entropy():
    recorder = pvr.ErrorRecorder()
    logits, labels = torch.tensor([[2.0, 0.0], [2.0, 0.0], [0.0, 2.0], [0.0, 2.0]]), torch.tensor([0, 1, 1, 1])
    assert torch.equal(recorder(logits, labels), nn.functional.cross_entropy(logits, labels))
    assert recorder.errors == [0.25]


def test_train_curve_records_every_step_and_is_reproducible(tiny_data):
    images, labels = tiny_data
    runs = [pvr.train_curve(pvr.cifar_model("residual", 8, 4, seed=0), images, labels, 5, batch_size=16,
                            image_size=14) for _ in range(2)]
    assert len(runs[0].errors) == len(runs[0].losses) == 5
    assert runs[0] == runs[1]
    assert all(0 <= e <= 1 for e in runs[0].errors)


def test_batches_with_steps_run_past_one_epoch_with_the_same_order_per_seed(tiny_data):
    images, labels = tiny_data

    def stream(steps, batch_size, seed):
        return batches(images, labels, batch_size, shuffle=True, seed=seed, drop_last=True, steps=steps)

    ys = [torch.cat([y for _, y in stream(9, 16, seed)]) for seed in (0, 0, 1)]
    assert len(ys[0]) == 9 * 16 and torch.equal(ys[0], ys[1]) and not torch.equal(ys[0], ys[2])
    assert torch.equal(ys[0][:64].sort().values, labels.sort().values)  # one whole pass before the next
    with pytest.raises(ValueError, match="smaller batch"):
        next(stream(1, 128, 0))


def test_arms_build_the_right_twins():
    plain, res, zero = (pvr.cifar_model(kind, 8, 4, seed=0) for kind in pvr.KINDS)
    assert not plain[1][0].shortcut and res[1][0].shortcut
    assert res[1][0].bn2.weight.abs().sum() > 0 and zero[1][0].bn2.weight.abs().sum() == 0
    assert [str(pvr.Run(kind, 56)) for kind in pvr.KINDS] == ["plain-56", "ResNet-56", "ResNet-56, γ = 0"]
    runs = [pvr.Run(kind, 56) for kind in pvr.KIND_OPTIONS]
    assert [pvr.Run.named(str(run)) for run in runs] == runs
    with pytest.raises(ValueError, match="unknown kind"):
        pvr.Run("highway", 20)
    with pytest.raises(ValueError, match="no run is called"):
        pvr.Run.named("ResNet-56 zero-init")


def test_pre_activation_arm_runs_on_request_only(tiny_data):
    assert "pre-activation" not in pvr.KINDS and set(pvr.KINDS) < set(pvr.KIND_OPTIONS)
    net = pvr.cifar_model("pre-activation", 8, 4, seed=0)
    assert isinstance(net[1][0], PreActResidual) and not any(isinstance(m, Residual) for m in net.modules())
    assert str(pvr.Run("pre-activation", 56)) == "pre-activation ResNet-56"
    images, labels = tiny_data
    curves = pvr.run_degradation(images, labels, depths=[8], seeds=[0, 1], steps=2, width=2, image_size=14,
                                 batch_size=16, kinds=["residual", "pre-activation"])
    assert {str(run): sorted(runs) for run, runs in curves.items()} == {"ResNet-8": [0, 1],
                                                                     "pre-activation ResNet-8": [0, 1]}


def test_the_committed_pre_activation_record_has_lesson_06s_budget_and_two_seeds():
    curves, info = pvr.load_record(pvr.PREACT_RECORD)
    _, lesson06 = pvr.load_record()
    recipe = dict(info["recipe"])
    kinds, seeds = recipe.pop("kinds"), recipe.pop("seeds")
    assert kinds == ["residual", "pre-activation"] and len(seeds) >= 2
    assert recipe == {k: v for k, v in lesson06["recipe"].items() if k != "seeds"}
    assert set(curves) == {pvr.Run(kind, d) for kind in kinds for d in recipe["depths"]}
    assert all(sorted(runs) == sorted(seeds) and all(len(c.errors) == recipe["steps"] for c in runs.values())
               for runs in curves.values())


def test_tail_error_is_the_mean_of_the_last_fifth():
    curve = pvr.Curve([1.0] * 10, [0.5] * 8 + [0.1, 0.3])
    assert curve.tail_error() == pytest.approx(0.2)
    assert math.isnan(pvr.Curve([1.0, math.nan], [0.5, 0.5]).tail_error(0.5))
    with pytest.raises(ValueError, match="fraction"):
        curve.tail_error(0)


def test_smooth_is_a_trailing_mean():
    assert pvr.smooth([0.0, 2.0, 4.0, 6.0], 2) == [0.0, 1.0, 3.0, 5.0]
    with pytest.raises(ValueError, match="window"):
        pvr.smooth([1.0], 0)


def test_record_round_trips(tmp_path, tiny_data):
    curves = {pvr.Run("plain", 8): {0: pvr.Curve([2.3, 2.1], [0.9, 0.8]), 1: pvr.Curve([2.2, 2.0], [0.875, 0.75])}}
    pvr.save_record(tmp_path / "r.json", curves, {"machine": "test"})
    assert pvr.load_record(tmp_path / "r.json") == (curves, {"machine": "test"})


@pytest.mark.slow  # trains twelve nets
def test_run_degradation_covers_every_arm_depth_and_seed(tiny_data):
    images, labels = tiny_data
    seen = []
    curves = pvr.run_degradation(images, labels, depths=(8, 14), seeds=(0, 1), steps=2, width=2, image_size=8,
                                 batch_size=16, on_run=lambda name, seed, _: seen.append((name, seed)))
    assert set(map(str, curves)) == {"plain-8", "plain-14", "ResNet-8", "ResNet-14", "ResNet-8, γ = 0",
                           "ResNet-14, γ = 0"}
    assert all(set(runs) == {0, 1} for runs in curves.values()) and len(seen) == 12


def test_main_path_layers_is_the_depth_in_the_name():
    with torch.device("meta"):
        assert pvr.main_path_layers(cifar_resnet(56)) == 56
        assert pvr.main_path_layers(pvr.twin((3, 4, 6, 3), True, 8, 0)) == 34


def test_family_table_is_torchvision_sized():
    rows = {r.name: r for r in pvr.family_table(3, 1000, 224)}
    assert rows["ResNet-18"].parameters == 11_689_512 and rows["ResNet-50"].depth == 50
    assert rows["ResNet-50"].flops < 1.25 * rows["ResNet-34"].flops
    assert rows["ResNeXt-50 32x4d"].parameters < rows["ResNet-50"].parameters


def test_the_committed_record_loads_and_says_how_it_was_made():
    curves, info = pvr.load_record()
    assert {"how", "machine", "finished", "wall_s"} <= set(info)
    assert set(curves) == {pvr.Run(kind, d) for kind in pvr.KINDS for d in info["recipe"]["depths"]}


def test_a_missing_record_says_how_to_make_one(tmp_path):
    with pytest.raises(FileNotFoundError, match="python -m benchmarks.degradation --out "):
        pvr.load_record(tmp_path / "none.json")


def test_the_script_of_a_record_is_read_from_the_command_old_and_new():
    assert pvr.script_of("python -m benchmarks.degradation --steps 3") == "benchmarks/degradation.py"
    assert pvr.script_of("python benchmarks/degradation.py --steps 3") == "benchmarks/degradation.py"  # older records


def test_record_summary_names_the_script_steps_seed_and_load():
    _, info = pvr.load_record()
    line = pvr.record_summary(info)
    recipe = info["recipe"]
    assert line.startswith("Recorded with benchmarks/degradation.py: ")
    assert f"{recipe['steps']} steps per run" in line and f"load average {info['load_average_at_start']}" in line
    assert "how" not in line and "wall" not in line and "torch" not in line


def test_record_summary_in_words_names_the_cores_and_whether_the_machine_was_busy():
    _, info = pvr.load_record()
    busy = {**info, "machine": "Some CPU, 2 logical CPUs, torch 2", "load_average_at_start": 17.0}
    quiet = {**busy, "load_average_at_start": 0.5}
    assert pvr.record_summary(busy, machine_in_words=True).endswith("; on a busy 2-core CPU")
    assert pvr.record_summary(quiet, machine_in_words=True).endswith("; on a 2-core CPU")
    assert "Some CPU" not in pvr.record_summary(busy, machine_in_words=True)


def test_fig6_draws_the_pre_activation_runs_of_the_library():  # draw_panel parsed names and crashed on these
    import matplotlib

    matplotlib.use("Agg")
    from resnet_lib.ui.plain_vs_residual import draw_fig6

    curves = {pvr.Run(kind, depth): {0: pvr.Curve([1.0] * 4, [0.5] * 4)}
              for kind in ("plain", "residual", "pre-activation") for depth in (20, 56)}
    fig = draw_fig6(curves, 2, "test")
    labels = [line.get_label() for line in fig.axes[1].get_lines() if not line.get_label().startswith("_")]
    assert labels == ["ResNet-20", "ResNet-56", "pre-activation ResNet-20", "pre-activation ResNet-56"]
    widths = [line.get_linewidth() for line in fig.axes[1].get_lines() if not line.get_label().startswith("_")]
    assert widths == [1.4, 2.0, 1.4, 2.0]  # the deepest of the panel drawn thick


def test_time_taken_says_minutes_and_the_machine_in_words():
    info = {"machine": "Some CPU, 2 logical CPUs, torch 2", "load_average_at_start": 0.5, "wall_s": 2486.6}
    assert pvr.time_taken(info) == "41 minutes on a 2-core CPU"
    assert pvr.time_taken({**info, "wall_s": 20.0}) == "1 minute on a 2-core CPU"
    assert pvr.time_taken({**info, "load_average_at_start": 2.0}) == "41 minutes on a busy 2-core CPU"
    with pytest.raises(ValueError, match="logical CPUs"):
        pvr.time_taken({**info, "machine": "Some CPU"})


def test_converged_runs_give_each_nets_last_errors_per_seed(tmp_path):
    from resnet_lib.record import Record

    info = {"machine": "Some CPU, 4 logical CPUs, torch 2", "load_average_at_start": 9.0, "wall_s": 600.0,
            "recipe": {"seeds": [0, 1], "epochs": 2}}
    runs = {"plain-20": {s: {"train_error": [0.5, 0.1 + s], "test_error": [0.6, 0.2 + s]} for s in (0, 1)}}
    path = tmp_path / "converged.json"
    Record(info, runs).save(path)
    ended = pvr.converged_runs(path)
    assert ended.seeds == (0, 1) and ended.epochs == 2 and ended.took == "10 minutes on a busy 4-core CPU"
    assert ended.final("training") == {"plain-20": {0: 0.1, 1: 1.1}}
    assert ended.final("test") == {"plain-20": {0: 0.2, 1: 1.2}}
    with pytest.raises(ValueError, match="'training' or the 'test'"):
        ended.final("train_error")


def test_draw_panel_can_leave_out_the_per_seed_curves():  # lesson 06 draws only the means of the residual nets
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from resnet_lib.ui.plain_vs_residual import draw_panel

    curves = {pvr.Run("residual", depth): {s: pvr.Curve([1.0] * 4, [0.5 + s / 10] * 4) for s in (0, 1)}
              for depth in (20, 56)}
    for per_seed, lines in ((True, 6), (False, 2)):  # two seeds and a mean per net, or the means alone
        fig, ax = plt.subplots()
        draw_panel(ax, curves, list(curves), 2, per_seed=per_seed)
        assert len(ax.get_lines()) == lines
        assert [line.get_label() for line in ax.get_lines() if not line.get_label().startswith("_")] == [
            "ResNet-20", "ResNet-56"]
        assert ax.get_lines()[-1].get_ydata()[0] == pytest.approx(0.55)  # the mean of the two seeds
        plt.close(fig)


def test_converged_figure_text_is_readable_from_the_back_of_the_room():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from resnet_lib.ui.plain_vs_residual import draw_converged
    from resnet_lib.ui.style import MIN_FONT_PT, shown_font_sizes, use_projector_fonts

    run = {"train_error": [0.5, 0.3], "test_error": [0.6, 0.4]}
    runs = {name: {0: run, 1: run} for name in ("plain-20", "plain-56", "ResNet-20", "ResNet-56")}
    with matplotlib.rc_context():  # the lesson's fonts, for this test only
        use_projector_fonts()  # as every lesson does in its first cell
        fig = draw_converged(runs, "t")
        assert min(shown_font_sizes(fig)) >= MIN_FONT_PT  # tick labels included
    assert "pass over the training images" in " ".join(fig.axes[0].xaxis.label.get_text().split())
    plt.close(fig)


def test_converged_figure_draws_each_seed_faintly_under_the_mean():
    """Lesson 06's figure of the runs trained to the end: each seed's training and test error, thin and faint in
    the mean's colour and line style, under the mean (which alone is named), so the seeds' spread shows."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from resnet_lib.ui.plain_vs_residual import draw_converged

    runs = {name: {s: {"train_error": [0.5 + s / 10, 0.3], "test_error": [0.6, 0.4 + s / 10]} for s in (0, 1, 2)}
            for name in ("plain-20", "plain-56", "ResNet-20", "ResNet-56")}
    fig = draw_converged(runs, "t")
    for ax, kind in zip(fig.axes, ("plain", "ResNet"), strict=True):
        means = {line.get_label(): line for line in ax.get_lines() if not line.get_label().startswith("_")}
        seeds = [line for line in ax.get_lines() if line.get_label().startswith("_")
                 and not line.get_label().startswith("_key ")]  # the labels' keys are not seeds
        assert sorted(means) == sorted(f"{kind}-{d} {what}" for d in (20, 56) for what in ("train", "test"))
        assert len(seeds) == 2 * 2 * 3  # two nets, training and test, three seeds
        assert sorted(t.get_text() for t in ax.texts) == sorted(means)  # the seeds are not named
        for name in (f"{kind}-20", f"{kind}-56"):
            for what, key in (("train", "train_error"), ("test", "test_error")):
                mean = means[f"{name} {what}"]
                own = [line for line in seeds if line.get_color() == mean.get_color()
                       and line.get_linestyle() == mean.get_linestyle()]
                assert sorted(list(line.get_ydata()) for line in own) == sorted(
                    runs[name][s][key] for s in (0, 1, 2)), (name, what)
                for line in own:  # thin, faint, under the mean
                    assert line.get_linewidth() < mean.get_linewidth() and (line.get_alpha() or 1) < 1
                    assert line.get_zorder() < mean.get_zorder()
    plt.close(fig)


def test_training_curves_say_their_unit_and_smoothing_and_twins_differ_without_colour():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from resnet_lib.ui.plain_vs_residual import draw_fig6, draw_panel

    curves = {pvr.Run(kind, depth): {0: pvr.Curve([1.0] * 4, [0.5] * 4)}
              for kind in ("plain", "residual", "residual, γ = 0") for depth in (20, 56)}
    fig = draw_fig6(curves, 3, "t")
    label = fig.axes[0].yaxis.label.get_text()
    assert "fraction misclassified" in label and "moving average over 3 steps" in label
    assert fig.axes[1].yaxis.label.get_text() == ""  # shared axis: labelled once
    zero = {line.get_label(): line for line in fig.axes[1].get_lines() if "γ = 0" in line.get_label()}
    shallow, deep = zero["ResNet-20, γ = 0"], zero["ResNet-56, γ = 0"]
    assert shallow.get_markerfacecolor() == "white" and deep.get_markerfacecolor() != "white"
    assert deep.get_markersize() > shallow.get_markersize()
    plt.close(fig)
    fig, ax = plt.subplots()
    draw_panel(ax, curves, [pvr.Run("plain", 20), pvr.Run("residual", 20)], 2, plain_dashed=True)
    styles = {line.get_label(): line.get_linestyle() for line in ax.get_lines()}
    assert styles["plain-20"] == "--" and styles["ResNet-20"] == "-"
    plt.close(fig)


@pytest.fixture
def projector(monkeypatch):
    """The lesson's fonts (as its first cell sets them) and figures measured as shown (``style.NOTEBOOK_WIDTH_PX``)."""
    import matplotlib

    matplotlib.use("Agg")
    from resnet_lib.ui import style

    with matplotlib.rc_context():
        style.use_projector_fonts()
        yield style


def converged_example(seeds=(0, 1, 2)):
    """Runs trained to the end shaped like the lesson's: plain-56's two errors on top of each other, ResNet-20 and
    ResNet-56 close together."""
    curve = [0.9, 0.6, 0.4, 0.3]
    ends = {"plain-20": (0.06, 0.14), "plain-56": (0.30, 0.31), "ResNet-20": (0.013, 0.132),
            "ResNet-56": (0.025, 0.135)}
    return {name: {s: {"train_error": [*curve[:3], train + s / 1000], "test_error": [*curve[:3], test + s / 1000]}
                   for s in seeds} for name, (train, test) in ends.items()}


def test_converged_figure_text_is_12_pt_at_the_lessons_width(projector):
    from resnet_lib.ui.plain_vs_residual import draw_converged

    fig = draw_converged(converged_example(), "t")
    assert min(projector.shown_font_sizes(fig)) >= projector.MIN_FONT_PT, sorted(set(projector.shown_font_sizes(fig)))


def test_converged_figure_names_each_mean_line_at_its_end_clear_of_the_others(projector):
    """Each mean line is labelled at its right end ("plain-56 train", ...), no legend; the labels
    of lines that end close together are moved apart so that none overlaps another, and stay near their line."""
    import matplotlib.pyplot as plt
    from matplotlib.text import Text

    from resnet_lib.ui.plain_vs_residual import draw_converged

    runs = converged_example()
    fig = draw_converged(runs, "t")
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    for ax, kind in zip(fig.axes, ("plain", "ResNet"), strict=True):
        assert ax.get_legend() is None
        means = {line.get_label(): line for line in ax.get_lines() if not line.get_label().startswith("_")}
        labels = {t.get_text(): t for t in ax.texts}
        assert sorted(labels) == sorted(means) == sorted(f"{kind}-{d} {w}" for d in (20, 56) for w in ("train", "test"))
        boxes = [Text.get_window_extent(t, renderer) for t in labels.values()]  # the words, not the leader line
        assert not any(a.overlaps(b) for i, a in enumerate(boxes) for b in boxes[i + 1:])
        for name, text in labels.items():
            line = means[name]
            x, y = text.get_position()
            assert x > line.get_xdata()[-1] and abs(y - line.get_ydata()[-1]) < 0.2, name
    plt.close(fig)


def test_converged_figure_tells_every_line_apart_without_colour(projector):
    """Training dashed, test solid; the two depths by colour and by marker; the markers of lines that may lie on
    top of each other (a net's training and test error, the two depths' same error) fall on alternate epochs."""
    import matplotlib.pyplot as plt

    from resnet_lib.ui.plain_vs_residual import draw_converged

    fig = draw_converged(converged_example(), "t")
    for ax, kind in zip(fig.axes, ("plain", "ResNet"), strict=True):
        means = {line.get_label(): line for line in ax.get_lines() if not line.get_label().startswith("_")}
        for d in (20, 56):
            assert means[f"{kind}-{d} train"].get_linestyle() == "--"
            assert means[f"{kind}-{d} test"].get_linestyle() == "-"
        for what in ("train", "test"):
            shallow, deep = means[f"{kind}-20 {what}"], means[f"{kind}-56 {what}"]
            assert shallow.get_color() != deep.get_color() and shallow.get_marker() != deep.get_marker()
        for a, b in ((f"{kind}-56 train", f"{kind}-56 test"), (f"{kind}-20 train", f"{kind}-20 test"),
                     (f"{kind}-20 train", f"{kind}-56 train"), (f"{kind}-20 test", f"{kind}-56 test")):
            (start_a, step_a), (start_b, step_b) = means[a].get_markevery(), means[b].get_markevery()
            assert step_a == step_b == 2 and start_a != start_b, (a, b)
    plt.close(fig)


def test_fig6_text_is_12_pt_at_the_lessons_width_and_can_leave_out_the_seeds(projector):
    import matplotlib.pyplot as plt

    from resnet_lib.ui.plain_vs_residual import draw_fig6

    curves = {pvr.Run(kind, depth): {s: pvr.Curve([1.0] * 8, [0.5 + s / 10] * 8) for s in (0, 1, 2)}
              for kind in pvr.KINDS for depth in (20, 56)}
    fig = draw_fig6(curves, 2, "training error, first 4 iterations", upto=4, per_seed=False)
    assert min(projector.shown_font_sizes(fig)) >= projector.MIN_FONT_PT, sorted(set(projector.shown_font_sizes(fig)))
    left, right = fig.axes
    assert len(left.get_lines()) == 2 and len(right.get_lines()) == 4  # the means only
    assert right.get_xlim()[1] >= 7  # the axis spans the whole run, whatever the iteration drawn up to
    plt.close(fig)


def test_errors_by_seed_prints_each_nets_errors_and_spread_at_the_digits_shown():
    errors = {pvr.Run("plain", 20): {0: 0.3234, 1: 0.3736}, pvr.Run("residual, γ = 0", 56): {0: 0.2374, 1: 0.2755}}
    assert pvr.errors_by_seed(errors).splitlines() == [
        "plain-20           seed 0: 0.323  seed 1: 0.374   spread 0.051",  # 0.374 - 0.323, not 0.0502
        "ResNet-56, γ = 0   seed 0: 0.237  seed 1: 0.276   spread 0.039",
    ]


def test_converged_gap_is_the_difference_of_the_mean_curves(tmp_path):
    from resnet_lib.record import Record

    info = {"machine": "Some CPU, 4 logical CPUs, torch 2", "load_average_at_start": 0.5, "wall_s": 60.0,
            "recipe": {"seeds": [0, 1], "epochs": 2}}
    runs = {"plain-20": {s: {"train_error": [0.5, 0.1 + s / 10], "test_error": [0.6, 0.2]} for s in (0, 1)},
            "plain-56": {s: {"train_error": [0.7, 0.4], "test_error": [0.8, 0.5]} for s in (0, 1)}}
    Record(info, runs).save(tmp_path / "converged.json")
    ended = pvr.converged_runs(tmp_path / "converged.json")
    assert ended.gap("plain-56", "plain-20", "training") == pytest.approx([0.2, 0.25])
    assert ended.gap("plain-56", "plain-20", "test") == pytest.approx([0.2, 0.3])


def test_plan_in_words_says_what_this_computers_sizes_mean_for_the_lesson():
    from resnet_lib.lessons.plans import lesson06_plan

    line = pvr.plan_in_words(lesson06_plan("cpu"), 10_000, torch.device("cpu"))
    assert line == ("What these settings mean for this lesson: 10,000 Fashion-MNIST training images; CIFAR-style nets "
                    "of width 8 at 14 px, 100 SGD steps of 128 images per run, seeds 0, 1; ResNet-18/34 and their "
                    "plain twins of width 8 at 28 px, 100 steps; on cpu.")


def test_markers_keep_the_whole_runs_spacing_when_drawn_up_to_an_iteration_and_alternate_between_lines(projector):
    """The widget draws the curves up to a slider's iteration: markers stay an eighth of the whole run apart (not of
    the part drawn, which crowded them), and each line of a panel starts its markers elsewhere, so that lines lying
    on top of each other still show each one's markers."""
    import matplotlib.pyplot as plt

    from resnet_lib.ui.plain_vs_residual import draw_panel

    curves = {pvr.Run(kind, d): {0: pvr.Curve([1.0] * 80, [0.5] * 80)} for kind in ("residual", "residual, γ = 0")
              for d in (20, 56)}
    fig, ax = plt.subplots()
    draw_panel(ax, curves, list(curves), 2, upto=20, per_seed=False)
    marks = [line.get_markevery() for line in ax.get_lines()]
    assert [step for _, step in marks] == [10] * 4 and len({start for start, _ in marks}) == 4
    plt.close(fig)


def test_spaced_labels_keep_their_gap_and_stay_in_range():
    from resnet_lib.ui.plain_vs_residual import spaced

    assert spaced([0.31, 0.30, 0.6], gap=0.1, low=0.0, high=1.0) == pytest.approx([0.4, 0.3, 0.6])
    assert spaced([0.96, 0.95], gap=0.1, low=0.0, high=1.0) == pytest.approx([1.0, 0.9])  # pushed down from the top
    assert spaced([0.0], gap=0.1, low=0.02, high=1.0) == [0.02]


def test_run_twins_trains_each_depths_plain_twin_and_resnet_on_every_seed(tiny_data):
    images, labels = tiny_data
    twins = pvr.run_twins(images, labels, stages={18: (1, 1, 1, 1)}, seeds=(0, 1), steps=2, width=2,
                          image_size=14, batch_size=16)
    assert list(twins) == [pvr.Run("plain", 18), pvr.Run("residual", 18)]
    assert all(sorted(runs) == [0, 1] and all(len(c.errors) == 2 for c in runs.values()) for runs in twins.values())
    again = pvr.run_twins(images, labels, stages={18: (1, 1, 1, 1)}, seeds=(0,), steps=2, width=2, image_size=14,
                          batch_size=16)
    assert again[pvr.Run("residual", 18)][0] == twins[pvr.Run("residual", 18)][0]  # the same run per seed


def test_plain_minus_residual_is_the_printed_difference_per_seed():
    errors = {pvr.Run("plain", 18): {0: 0.4012, 1: 0.3604}, pvr.Run("residual", 18): {0: 0.2158, 1: 0.2361}}
    assert pvr.plain_minus_residual(errors, 18) == pytest.approx({0: 0.185, 1: 0.124})


def test_converged_end_lines_label_the_seeds_and_gap_line_reads_the_whole_curve(tmp_path):
    from resnet_lib.record import Record

    info = {"machine": "Some CPU, 4 logical CPUs, torch 2", "load_average_at_start": 0.5, "wall_s": 60.0,
            "recipe": {"seeds": [0, 1], "epochs": 3}}
    runs = {"plain-20": {s: {"train_error": [0.5, 0.2, 0.1], "test_error": [0.6, 0.3, 0.2 + s / 10]} for s in (0, 1)},
            "plain-56": {s: {"train_error": [0.9, 0.8, 0.3], "test_error": [0.9, 0.8, 0.3]} for s in (0, 1)}}
    Record(info, runs).save(tmp_path / "converged.json")
    ended = pvr.converged_runs(tmp_path / "converged.json")
    assert ended.end_lines().splitlines() == [
        "           training error    test error",
        "           seed 0  seed 1    seed 0  seed 1",
        "plain-20    0.100   0.100     0.200   0.300",
        "plain-56    0.300   0.300     0.300   0.300",
    ]
    assert ended.gap_line("plain-56", "plain-20") == (
        "plain-56 minus plain-20, training error, mean over seeds: largest +0.600 (pass 2), smallest +0.200 (pass 3), "
        "after the last pass +0.200")


def test_stays_below_finds_the_iteration_from_which_a_curve_stays_below_another():
    assert pvr.stays_below([0.5, 0.3, 0.1, 0.2], [0.4, 0.4, 0.4, 0.4]) == 2  # 1-based: from iteration 2 on
    assert pvr.stays_below([0.5, 0.3, 0.5], [0.4, 0.4, 0.4]) is None  # above again at the end
    assert pvr.stays_below([0.1, 0.1], [0.4, 0.4]) == 1


def test_explore_answer_reads_each_panel_from_the_mean_curves():
    curves = {pvr.Run.named(name): {0: pvr.Curve([1.0] * 4, errors)} for name, errors in (
        ("plain-20", [0.9, 0.6, 0.5, 0.4]), ("plain-56", [0.9, 0.8, 0.8, 0.7]),
        ("ResNet-56", [0.9, 0.5, 0.4, 0.3]), ("ResNet-56, γ = 0", [0.8, 0.6, 0.3, 0.2]))}
    lines = pvr.explore_answer(curves, window=1, shallow=20, deep=56).splitlines()
    assert lines == ["left panel: plain-56 lies above plain-20 from iteration 2 on, to the end",
                     "right panel: ResNet-56, γ = 0 lies below ResNet-56 at 1 of the first 2 iterations and at 2 "
                     "of the last 2"]


def test_batch_norm_conv_bias_and_projection_norm_parameters_are_counted_apart():
    from resnet_lib.models import family_member

    with torch.device("meta"):
        d2l = pvr.twin((2, 2, 2, 2), True, 64, 0)
        tv = family_member("ResNet-18", style="torchvision")
        pre = family_member("pre-activation ResNet-18", style="torchvision")
    assert pvr.conv_bias_parameters(d2l) > 0 and pvr.conv_bias_parameters(tv) == 0
    assert pvr.projection_norm_parameters(tv) == 2 * (128 + 256 + 512) and pvr.projection_norm_parameters(d2l) == 0
    from resnet_lib.measure import count_parameters

    assert count_parameters(tv) - count_parameters(pre) == pvr.norm_parameters(tv) - pvr.norm_parameters(pre)


def test_converged_figure_gives_the_residual_panel_its_own_range_and_dark_labels_by_a_marker(projector):
    """The residual nets' lines lie in the bottom third of a 0-1 axis: their panel has its own y range, just above
    its highest line (the text and the alt text say so). Labels are dark text (light shades are faint on a
    projector), each beside a marker drawn as its line's, so that labels whose lines end together still say which
    is which; no two labels overlap."""
    import matplotlib.pyplot as plt
    from matplotlib.colors import to_rgb
    from matplotlib.text import Text

    from resnet_lib.ui.plain_vs_residual import draw_converged

    runs = converged_example()
    fig = draw_converged(runs, "t")
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    left, right = fig.axes
    assert left.get_ylim()[1] >= 1.0
    highest = max(max(numbers[key]) for name in ("ResNet-20", "ResNet-56") for numbers in runs[name].values()
                  for key in ("train_error", "test_error"))
    assert highest < right.get_ylim()[1] <= highest + 0.1
    assert "0.35" in right.get_title() or "own" in right.get_title() or "y axis" in right.get_title()
    for ax in fig.axes:
        means = {line.get_label(): line for line in ax.get_lines() if not line.get_label().startswith("_")}
        for text in ax.texts:
            assert sum(to_rgb(text.get_color())) / 3 < 0.3, text.get_text()  # dark
        keys = [line for line in ax.get_lines() if line.get_label().startswith("_key ")]
        assert sorted(line.get_label()[5:] for line in keys) == sorted(means)
        for key in keys:
            mean = means[key.get_label()[5:]]
            assert (key.get_marker(), key.get_color(), key.get_markerfacecolor()) == (
                mean.get_marker(), mean.get_color(), mean.get_markerfacecolor())
        boxes = [Text.get_window_extent(t, renderer) for t in ax.texts]
        assert not any(a.overlaps(b) for i, a in enumerate(boxes) for b in boxes[i + 1:])
    plt.close(fig)
