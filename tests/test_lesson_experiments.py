"""Lessons 04-06's new experiments: the last-batch study, the lesion experiment, warm-up in short runs, the
records they read, and the Fig. 6 drawing of runs trained to the end."""

from __future__ import annotations

import matplotlib
import pytest
import torch
from torch import nn

from resnet_lib.lessons.degradation import control_name, lesion_losses, load_controls
from resnet_lib.lessons.gradients import DeepMLP
from resnet_lib.lessons.last_batch import EpochEnd, batches_in_words, describe_ends, epoch_ends, study_size
from resnet_lib.lessons.plain_vs_residual import load_converged
from resnet_lib.record import Record
from resnet_lib.training import short_run
from tests.tiny import TinyNet, tiny_data

matplotlib.use("Agg")


def test_epoch_ends_measures_the_short_last_step():
    data = tiny_data(train=80, test=32)  # batches of 32: 32, 32 and a short one of 16
    ends = epoch_ends(TinyNet(), data, epochs=2, batch_size=32)
    assert [e.epoch for e in ends] == [1, 2] and all(e.last_batch == 16 for e in ends)
    assert all(0 <= v <= 1 for e in ends for v in (e.before, e.after, e.after_recomputed))
    assert all(e.last_step > 0 and e.typical_step > 0 for e in ends)


def test_drop_last_leaves_the_short_batch_out():
    data = tiny_data(train=80, test=32)
    ends = epoch_ends(TinyNet(), data, epochs=1, batch_size=32, drop_last=True)
    assert ends[0].last_batch == 32  # 80 images: the two full batches only


def test_epoch_ends_refuses_too_few_images():
    with pytest.raises(ValueError, match="batch_size=256"):
        epoch_ends(TinyNet(), tiny_data(train=100), epochs=1)


def test_study_size_names_the_known_sizes():
    assert study_size("cpu") == (10_000, 5)
    with pytest.raises(ValueError, match="smoke"):
        study_size("huge")


def test_short_run_refuses_a_negative_warmup():
    data = tiny_data(train=64)
    with pytest.raises(ValueError, match="warmup"):
        short_run(DeepMLP(2, width=8), data.train_images, data.train_labels, 2, batch_size=16, warmup=-1)


def test_warmup_changes_the_run_and_warmup_1_does_not():
    data = tiny_data(train=64)

    def losses(**kw):
        torch.manual_seed(0)
        return short_run(DeepMLP(2, width=8), data.train_images, data.train_labels, 5, batch_size=16, lr=0.1, **kw)

    plain, one, four = losses(), losses(warmup=1), losses(warmup=4)
    assert plain == one and plain[0] == four[0] and plain[1:] != four[1:]


def test_lesion_losses_deletes_each_block_once_and_restores_the_net():
    torch.manual_seed(0)
    net = DeepMLP(4, width=8, residual=True, batch_norm=True).train()
    x, y = torch.randn(32, 1, 28, 28), torch.randint(0, 10, (32,))
    blocks = list(net.blocks)
    whole, without = lesion_losses(net, x, y)
    assert len(without) == 4 and all(isinstance(v, float) for v in without)
    assert list(net.blocks) == blocks and net.training
    assert any(abs(v - whole) > 1e-6 for v in without)  # deleting a block changes the net


def test_lesion_losses_score_with_statistics_recomputed_on_the_images_not_the_stale_running_ones():
    """A net trained briefly carries running statistics that lag its weights (lesson 04): the lesion first
    recomputes them on the scoring images, so what the net came with does not matter, and leaves the net's own."""
    torch.manual_seed(0)
    net = DeepMLP(4, width=8, residual=False, batch_norm=True)
    x, y = torch.randn(64, 1, 28, 28), torch.randint(0, 10, (64,))
    fresh = lesion_losses(net, x, y)
    norms = [m for m in net.modules() if isinstance(m, nn.BatchNorm1d)]
    for bn in norms:
        bn.running_mean.fill_(50.0)
    whole, without = lesion_losses(net, x, y)
    assert whole == pytest.approx(fresh[0], rel=1e-5) and without == pytest.approx(fresh[1], rel=1e-5)
    assert all(bool((bn.running_mean == 50.0).all()) for bn in norms)


def test_lesion_of_an_identity_block_changes_nothing():
    torch.manual_seed(0)
    net = DeepMLP(3, width=8, residual=True, batch_norm=True, zero_init_residual=True)
    whole, without = lesion_losses(net, torch.randn(16, 1, 28, 28), torch.randint(0, 10, (16,)))
    assert without == pytest.approx([whole] * 3)


def test_the_records_load_and_say_how_they_were_made(tmp_path):
    path = tmp_path / "r.json"
    Record({"how": "x"}, {control_name("plain+BN", 3): {0: {"losses": [2.0, 1.0]}}}).save(path)
    runs, info = load_controls(path)
    assert runs == {"plain+BN": {3: {0: [2.0, 1.0]}}} and info["how"] == "x"
    with pytest.raises(FileNotFoundError, match="python -m benchmarks.degradation_controls"):
        load_controls(tmp_path / "missing.json")
    Record({}, {"plain-20": {1: {"train_error": [0.5], "test_error": [0.6]}}}).save(path)
    assert load_converged(path)[0] == {"plain-20": {1: {"train_error": [0.5], "test_error": [0.6]}}}
    with pytest.raises(FileNotFoundError, match="python -m benchmarks.degradation_converged"):
        load_converged(tmp_path / "missing.json")


def test_draw_converged_puts_plain_left_residual_right_with_dashed_training_error():
    from resnet_lib.ui.plain_vs_residual import draw_converged

    run = {"train_error": [0.5, 0.3], "test_error": [0.6, 0.4]}
    runs = {name: {0: run, 1: run} for name in ("plain-20", "plain-56", "ResNet-20", "ResNet-56")}
    fig = draw_converged(runs, "t")
    left, right = fig.axes
    assert [t.get_text() for t in left.texts][:2] == ["plain-20 train", "plain-20 test"]  # named at the line ends
    assert all("ResNet" in t.get_text() for t in right.texts)
    styles = {line.get_label(): (line.get_linestyle(), line.get_linewidth()) for line in left.lines}
    assert styles["plain-56 train"][0] == "--" and styles["plain-56 test"][0] == "-"
    assert styles["plain-56 test"][1] > styles["plain-56 train"][1]
    colors = {line.get_label(): line.get_color() for line in left.lines}
    assert colors["plain-20 test"] != colors["plain-56 test"]
    assert "fraction misclassified" in left.yaxis.label.get_text() and left.yaxis.label.get_size() >= 12
    assert max(max(line.get_ydata()) for line in left.lines) <= 1  # fractions, as the lesson prints them


def test_a_net_with_no_blocks_attribute_is_refused():
    with pytest.raises(AttributeError):
        lesion_losses(nn.Linear(2, 2), torch.randn(2, 2), torch.tensor([0, 1]))


def test_lr_last_scales_only_each_epochs_last_step():
    data = tiny_data(train=80, test=32)  # batches of 32: 32, 32 and a short one of 16
    torch.manual_seed(0)
    frozen = epoch_ends(TinyNet(), data, epochs=2, batch_size=32, lr_last=0.0)
    assert all(e.last_step == 0 for e in frozen)  # the weights do not move in the last step
    torch.manual_seed(0)
    plain = epoch_ends(TinyNet(), data, epochs=1, batch_size=32)
    torch.manual_seed(0)
    scaled = epoch_ends(TinyNet(), data, epochs=1, batch_size=32, lr_last=0.05 * 16 / 32)
    assert scaled[0].typical_step == pytest.approx(plain[0].typical_step)  # the other steps are untouched
    assert scaled[0].last_step == pytest.approx(plain[0].last_step / 2, rel=1e-4)  # plain SGD: step ∝ lr
    with pytest.raises(ValueError, match="lr_last"):
        epoch_ends(TinyNet(), data, epochs=1, batch_size=32, lr_last=-1.0)


def test_an_epoch_of_one_full_batch_measures_its_only_step():
    data = tiny_data(train=40, test=32)  # batch 32, drop_last: one step per epoch (the smoke size has one too)
    ends = epoch_ends(TinyNet(), data, epochs=1, batch_size=32, drop_last=True)
    assert ends[0].typical_step == ends[0].last_step > 0


def test_batches_in_words_names_the_full_batches_and_the_short_one():
    assert batches_in_words(10_000, 256) == "10,000 training images = 39 batches of 256 and a short one of 16"
    assert batches_in_words(60_000, 256) == "60,000 training images = 234 batches of 256 and a short one of 96"
    assert batches_in_words(9_984, 256) == "9,984 training images = 39 batches of 256, none short"
    assert batches_in_words(100, 256) == "100 training images = one short batch of 100"
    assert batches_in_words(300, 256) == "300 training images = 1 batch of 256 and a short one of 44"


def test_describe_ends_gives_one_line_per_epoch_with_the_step_ratio_and_both_accuracies():
    ends = [EpochEnd(1, 16, 0.75, 0.4631, 0.5, 0.8, 0.2), EpochEnd(2, 16, 0.802, 0.329, 0.46, 1.44, 0.2)]
    assert describe_ends(ends).splitlines() == [
        "epoch 1: last step on 16 images moved the weights 4.0x as far as a typical step; test accuracy 0.750 "
        "before it, 0.463 after it",
        "epoch 2: last step on 16 images moved the weights 7.2x as far as a typical step; test accuracy 0.802 "
        "before it, 0.329 after it",
    ]
