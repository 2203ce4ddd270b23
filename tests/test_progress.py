"""Progress reporting: log lines outside notebooks, the live-curve drawing, the notebook reporter."""

import io

import matplotlib
import pytest

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

from resnet_lib import progress  # noqa: E402
from resnet_lib.history import History  # noqa: E402
from resnet_lib.ui import live  # noqa: E402


def one_epoch() -> History:
    history = History(info={"device": "cpu"})
    history.add(train_loss=0.5, train_acc=0.8, test_acc=0.75, examples_per_s=1234.5, wall_s=2.0)
    return history


def test_outside_a_notebook_progress_is_plain_log_lines():
    assert not progress.in_notebook()
    assert isinstance(progress.make_progress(), progress.LogProgress)
    stream = io.StringIO()
    log = progress.LogProgress(stream)
    log.start_epoch(0, 3, 10)
    log.step(0.5, 0.8)
    log.end_epoch(one_epoch())
    assert stream.getvalue() == ("epoch 1/3: loss 0.500, train acc 0.800, test acc 0.750, "
                                 "1,234.5 examples/s, 2.0 s\n")


def test_draw_curves_puts_loss_and_accuracy_on_their_own_labelled_axes():
    fig, (loss_ax, acc_ax) = plt.subplots(1, 2)
    live.draw_curves((loss_ax, acc_ax), {"train_loss": ([0.5, 1.0], [2.3, 1.2]),
                                         "train_acc": ([0.5, 1.0], [0.3, 0.6]), "test_acc": ([1.0], [0.65])}, epochs=4)
    assert [line.get_label() for line in loss_ax.get_lines()] == ["train loss"]
    assert [line.get_label() for line in acc_ax.get_lines()] == ["train accuracy", "test accuracy"]
    assert loss_ax.get_ylabel() and acc_ax.get_ylabel() and loss_ax.get_xlabel() == acc_ax.get_xlabel() == "epoch"
    assert loss_ax.get_xlim() == acc_ax.get_xlim() and loss_ax.get_xlim()[0] == 0
    assert loss_ax.get_xlim()[1] > 4  # the last epoch's test-accuracy dot is drawn whole
    assert loss_ax.get_ylim()[0] == 0 and loss_ax.get_ylim()[1] >= 2.3  # the whole loss curve stays visible
    assert acc_ax.get_ylim() == (0.25, 1)  # just below the lowest accuracy drawn (0.3), on a 0.05 grid
    assert all(t.get_fontsize() >= 12 for ax in (loss_ax, acc_ax) for t in (ax.xaxis.label, ax.yaxis.label))
    plt.close(fig)


def test_the_accuracy_panel_zooms_to_curves_high_up_and_names_the_test_images():
    fig, (loss_ax, acc_ax) = plt.subplots(1, 2)
    live.draw_curves((loss_ax, acc_ax), {"train_acc": ([0.5, 1.0], [0.84, 0.90]), "test_acc": ([1.0], [0.93])},
                     epochs=2, test_label="test accuracy (first 1,000 test images)")
    low, high = acc_ax.get_ylim()
    assert 0.75 <= low < 0.84 and high == 1  # the band 0.84-0.93 fills most of the panel, nothing is cut off
    assert [line.get_label() for line in acc_ax.get_lines()][-1] == "test accuracy (first 1,000 test images)"
    assert live.accuracy_floor([]) == 0 and live.accuracy_floor([0.01, 0.5]) == 0  # never below 0
    plt.close(fig)


@pytest.mark.parametrize("seconds_per_step, redraws", [(0.0, 1), (live.REDRAW_S, 6)])
def test_notebook_progress_adds_points_within_an_epoch_and_redraws_at_most_every_few_seconds(
        monkeypatch, seconds_per_step, redraws):
    updates, clock = [], [0.0]

    class Handle:
        def update(self, fig):
            updates.append(fig)

    monkeypatch.setattr("IPython.display.display", lambda *a, **k: Handle())
    monkeypatch.setattr(live.time, "perf_counter", lambda: clock[0])
    reporter = live.NotebookProgress()
    reporter.start_epoch(0, 2, 10)
    for _ in range(10):
        clock[0] += seconds_per_step
        reporter.step(0.5, 0.8)
    reporter.end_epoch(one_epoch())
    xs, _ = reporter.live.curves["train_loss"]
    assert xs == [0.2, 0.4, 0.6, 0.8, 1.0]  # POINTS_PER_EPOCH = 5, recorded however fast the steps are
    assert reporter.live.curves["test_acc"] == ([1], [0.75])
    assert len(updates) == redraws and reporter.bar is None  # fast steps: only the epoch end redraws


def test_a_finished_epochs_bar_last_shows_every_step_and_the_last_loss(monkeypatch, capsys):
    """The bar's last picture is what a saved notebook (and the course site) keeps: fast steps must not leave it
    at an earlier step than the last."""

    class Handle:
        def update(self, fig):
            pass

    monkeypatch.setattr("IPython.display.display", lambda *a, **k: Handle())
    reporter = live.NotebookProgress()
    reporter.start_epoch(0, 1, 50)
    for i in range(50):
        reporter.step(1.0 - i / 100, 0.5)  # all within the bar's refresh interval
    reporter.end_epoch(one_epoch())
    frames = [f for f in capsys.readouterr().err.split("\r") if "epoch 1/1" in f]
    assert "100%" in frames[-1] and "50/50" in frames[-1] and "loss=0.510" in frames[-1], frames
