"""Lesson 04's overfitting run in numbers (its section 4): the gap between the running training accuracy and the
test accuracy after each epoch, how often the test accuracy still rose, and whether its last change is larger than
the noise of an accuracy measured on so few test images (one standard error)."""

from __future__ import annotations

from ..history import History


def gaps(run: History) -> list[float]:
    """Running training accuracy minus test accuracy, one per epoch."""
    return [train - test for train, test in zip(run.train_acc, run.test_acc, strict=True)]


def standard_error(accuracy: float, images: int) -> float:
    """One standard error of an accuracy ``p`` measured on ``n`` test images, √(p(1 − p)/n): how far the same
    net's accuracy would typically move on another ``n`` images of the same kind."""
    if images < 1:
        raise ValueError(f"an accuracy needs at least 1 test image, got {images} test images")
    return (accuracy * (1 - accuracy) / images) ** 0.5


def overfitting_report(run: History, test_images: int) -> str:
    """Three lines: the gap per epoch; in how many epochs the test accuracy rose, and its best epoch; the last
    epoch's change of test accuracy beside one standard error on ``test_images`` images (within or beyond it)."""
    test = run.test_acc
    if len(test) < 2:
        raise ValueError(f"the report compares epochs: train at least 2 epochs (this run has {len(test)})")
    rose = sum(b > a for a, b in zip(test, test[1:], strict=False))
    best = max(range(len(test)), key=test.__getitem__)
    change, noise = test[-1] - test[-2], standard_error(test[-1], test_images)
    return "\n".join([
        "gap per epoch: " + " ".join(f"{g:+.2f}" for g in gaps(run)),
        f"test accuracy rose in {rose} of {len(test) - 1} epochs; best {test[best]:.3f} after epoch {best + 1}",
        f"last epoch's change of test accuracy {change:+.3f}; one standard error on {test_images:,} test images: "
        f"{noise:.3f} (the change is {'within' if abs(change) <= noise else 'beyond'} it)",
    ])
