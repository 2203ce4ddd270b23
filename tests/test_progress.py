"""Progress reporting: log lines outside notebooks, the live-curve drawing, the notebook reporter."""

import io

import matplotlib
import pytest

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

from resnet_lib import progress  # noqa: E402
from resnet_lib.history import History  # noqa: E402
from resnet_lib.ui import live, style  # noqa: E402


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
    assert len(updates) == redraws  # fast steps: only the epoch end redraws
    reporter.close()
    assert reporter.bar is None


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
    reporter.close()
    frames = [f for f in capsys.readouterr().err.split("\r") if "epoch 1/1" in f]
    assert "100%" in frames[-1] and "50/50" in frames[-1] and "loss=0.510" in frames[-1], frames


def test_one_bar_serves_the_whole_run_and_names_the_epoch_it_is_in(monkeypatch):
    """A bar per epoch stacked 12 bars under the figure of a 12-epoch run (and 12 lines on the course site, which
    keeps each bar's last text): one bar, reset at each epoch, says which epoch it counts."""

    class Handle:
        def update(self, fig):
            pass

    bars = []

    class Bar:
        def __init__(self, total, desc, **kw):
            self.total, self.desc, self.n, self.closed = total, desc, 0, False
            bars.append(self)

        def update(self, n=1):
            self.n += n

        def reset(self, total=None):
            self.n, self.total = 0, total

        def set_description(self, desc, refresh=True):
            self.desc = desc

        def set_postfix(self, **kw):
            pass

        def refresh(self):
            pass

        def close(self):
            self.closed = True

    monkeypatch.setattr("IPython.display.display", lambda *a, **k: Handle())
    monkeypatch.setattr("tqdm.auto.tqdm", Bar)
    reporter = live.NotebookProgress()
    for epoch in range(3):
        reporter.start_epoch(epoch, 3, 4)
        for _ in range(4):
            reporter.step(0.5, 0.8)
        reporter.end_epoch(one_epoch())
    assert len(bars) == 1 and bars[0].desc == "epoch 3/3" and bars[0].n == bars[0].total == 4
    assert not bars[0].closed  # still showing the last epoch until the run ends
    reporter.close()
    assert bars[0].closed and reporter.bar is None


def test_the_live_figure_is_readable_on_a_projector_and_its_legends_cover_no_curve(monkeypatch):
    """The review measured ~11 px ticks on the live figures: every text is at least 13 pt as shown in the site's
    780 px column, and the legends sit below the panels, outside the data."""

    class Handle:
        def update(self, fig):
            pass

    monkeypatch.setattr("IPython.display.display", lambda *a, **k: Handle())
    curves = live.LiveCurves(12, test_label="test accuracy (first 1,000 test images)")
    for x, loss, acc in ((0.2, 1.2, 0.7), (1.0, 0.9, 0.84), (12.0, 0.6, 0.94)):
        curves.add("train_loss", x, loss)
        curves.add("train_acc", x, acc)
    curves.add("test_acc", 1.0, 0.78)
    curves.redraw()
    assert min(style.shown_font_sizes(curves.fig)) >= 13
    curves.fig.draw_without_rendering()
    for ax in curves.axes:
        legend = ax.get_legend()
        assert legend is not None
        box, panel = legend.get_window_extent(), ax.get_window_extent()
        assert box.y1 <= panel.y0  # wholly below the panel (under its x label), so it hides no point
    assert all(line.get_linewidth() >= 2 for ax in curves.axes for line in ax.get_lines())
