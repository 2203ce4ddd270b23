"""Confusion matrix, most-confused pairs and the mistake browser (headless)."""

import pytest
import torch

from resnet_lib.data import CLASSES
from resnet_lib.evaluation import confusion_matrix, mistakes_of, most_confused
from resnet_lib.ui.mistakes import MistakeBrowser

LABELS = torch.tensor([0, 0, 0, 6, 6, 6, 6, 2, 2, 9])
PREDS = torch.tensor([0, 6, 6, 0, 6, 2, 0, 2, 6, 9])


def test_confusion_matrix_counts_every_pair():
    cm = confusion_matrix(LABELS, PREDS)
    expected = torch.zeros(10, 10, dtype=torch.long)
    for t, p in zip(LABELS.tolist(), PREDS.tolist(), strict=True):
        expected[t, p] += 1
    assert torch.equal(cm, expected) and cm.sum() == len(LABELS)


def test_confusion_matrix_rejects_mismatched_shapes():
    with pytest.raises(ValueError, match="same shape"):
        confusion_matrix(LABELS, PREDS[:-1])


@pytest.mark.parametrize("labels, preds, match", [
    (LABELS, torch.where(PREDS == 9, 10, PREDS), r"preds must be class indices 0..9.*range over 0..10.*num_classes=11"),
    (torch.where(LABELS == 0, -1, LABELS), PREDS, r"labels must be class indices 0..9.*-1..9"),
])
def test_confusion_matrix_rejects_classes_out_of_range(labels, preds, match):
    with pytest.raises(ValueError, match=match):
        confusion_matrix(labels, preds)


def test_most_confused_lists_off_diagonal_cells_largest_first():
    pairs = most_confused(confusion_matrix(LABELS, PREDS), k=3)
    assert pairs[:2] == [(0, 6, 2), (6, 0, 2)]
    assert pairs[2][2] == 1 and all(t != p for t, p, _ in pairs)


def test_mistakes_of_finds_the_examples_of_each_pair_in_order():
    assert mistakes_of(LABELS, PREDS, [(0, 6, 2), (6, 0, 2)]).tolist() == [1, 2, 3, 6]


def test_mistake_browser_shows_the_image_and_sets_the_marker():
    images = torch.randint(0, 255, (10, 28, 28), dtype=torch.uint8)
    browser = MistakeBrowser(images, LABELS, PREDS, torch.tensor([1, 2, 3, 6]))
    browser.show()
    assert browser.marker.value == "updated: mistake=0"
    browser.controls["mistake"].value = 2  # observers fire synchronously outside a kernel
    assert browser.caption == f"test image 3: true {CLASSES[6]}, predicted {CLASSES[0]}"
    image, stream = browser.output.outputs
    assert browser.marker.value == "updated: mistake=2" and image["data"]["image/png"]
    assert stream["text"] == browser.caption + "\n"


def test_mistake_browser_needs_mistakes():
    with pytest.raises(ValueError, match="no mistakes"):
        MistakeBrowser(torch.zeros(1, 28, 28), LABELS[:1], LABELS[:1], torch.empty(0, dtype=torch.long))


def test_the_mistake_is_drawn_large_enough_for_a_projector():
    """The review measured its picture at ~250 px, small on a projector: at least 400 px wide, title >= 14 pt."""
    import matplotlib.pyplot as plt

    from resnet_lib.ui.style import shown_font_sizes

    browser = MistakeBrowser(torch.zeros(10, 28, 28, dtype=torch.uint8), LABELS, PREDS, torch.tensor([1]))
    fig, _ = browser.draw()
    assert fig.get_figwidth() * fig.dpi >= 400 and min(shown_font_sizes(fig)) >= 14
    plt.close(fig)


def test_the_confusion_matrix_counts_contrast_with_their_cells():
    """Every count is written in black or white, whichever stands out more from its cell's colour (WCAG 4.5:1)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.colors import to_rgb

    from resnet_lib.ui.mistakes import plot_confusion

    def luminance(rgb):
        return sum(w * (c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4)
                   for w, c in zip((0.2126, 0.7152, 0.0722), rgb, strict=True))

    cm = torch.tensor([[55 + 5 * i if i == j else 5 for j in range(10)] for i in range(10)])  # rates 0.52 to 0.74
    fig, ax = plt.subplots()
    plot_confusion(ax, cm)
    image, rates = ax.images[0], cm.float() / cm.sum(1, keepdim=True)
    for text in ax.texts:
        col, row = (round(v) for v in text.get_position())
        fill, ink = luminance(image.cmap(image.norm(float(rates[row, col])))[:3]), luminance(to_rgb(text.get_color()))
        assert (max(fill, ink) + 0.05) / (min(fill, ink) + 0.05) >= 4.5, (row, col, float(rates[row, col]))
    plt.close(fig)
