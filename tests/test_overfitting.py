"""Lesson 04's overfitting run in numbers (section 4): the gap per epoch, the rises of the test accuracy, and its
last change beside one standard error of an accuracy on so few test images."""

import pytest

from resnet_lib.history import History
from resnet_lib.lessons.overfitting import gaps, overfitting_report, standard_error


def run(train: list[float], test: list[float]) -> History:
    h = History()
    for tr, te in zip(train, test, strict=True):
        h.add(train_loss=0.1, train_acc=tr, test_acc=te, examples_per_s=1.0, wall_s=1.0)
    return h


def test_the_gap_is_running_train_minus_test_accuracy_per_epoch():
    assert gaps(run([0.5, 0.9, 1.0], [0.45, 0.6, 0.75])) == pytest.approx([0.05, 0.3, 0.25])


def test_one_standard_error_of_an_accuracy():
    assert standard_error(0.75, 1_000) == pytest.approx((0.75 * 0.25 / 1_000) ** 0.5)
    with pytest.raises(ValueError, match="test images"):
        standard_error(0.5, 0)


def test_the_report_counts_the_rises_names_the_best_epoch_and_weighs_the_last_change():
    h = run([0.5, 0.9, 1.0, 1.0], [0.45, 0.6, 0.776, 0.769])
    assert overfitting_report(h, 1_000).splitlines() == [
        "gap per epoch: +0.05 +0.30 +0.22 +0.23",
        "test accuracy rose in 2 of 3 epochs; best 0.776 after epoch 3",
        "last epoch's change of test accuracy -0.007; one standard error on 1,000 test images: 0.013 (the change "
        "is within it)",
    ]
    beyond = run([0.5, 0.9], [0.45, 0.6])  # +0.15 on 100 images, one standard error 0.049
    assert overfitting_report(beyond, 100).splitlines()[-1].endswith("0.049 (the change is beyond it)")


def test_a_run_of_one_epoch_has_no_change_to_weigh():
    with pytest.raises(ValueError, match="at least 2 epochs"):
        overfitting_report(run([0.5], [0.45]), 1_000)
