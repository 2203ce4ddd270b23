"""The training loop: bad arguments, every recipe field and mode switch doing what it says, exact resume after an
interruption, an odd-sized last batch, NaN stop, history round trip."""

import math
from dataclasses import fields, replace

import pytest
import torch
from tiny import TinyNet, same_weights, tiny_data, weights
from torch import nn

from resnet_lib import resnet18
from resnet_lib.data import FashionMNIST, batches, prepare
from resnet_lib.history import History
from resnet_lib.training import Recipe, evaluate, train

RECIPE = Recipe(lr=0.05, epochs=3, batch_size=32, image_size=16, momentum=0.9, weight_decay=5e-4,
                label_smoothing=0.1, one_cycle=True, augment=True, seed=3)
PLAIN = Recipe(lr=0.05, epochs=2, batch_size=16, image_size=12)  # every improvement off
CHANGED = {  # one value per Recipe field that differs from PLAIN's
    "lr": 0.1, "epochs": 1, "batch_size": 8, "image_size": 16, "momentum": 0.9, "weight_decay": 0.05,
    "label_smoothing": 0.2, "one_cycle": True, "augment": True, "seed": 1, "test_flip": True,
}
EVALUATION_ONLY = {"test_flip"}  # changes how the test set is read, not the training


class InterruptAt:
    """A progress reporter that presses Ctrl-C at a given (epoch, step) and counts the steps it sees."""

    def __init__(self, epoch: int = -1, step: int = -1):
        self.at, self.epoch, self.done, self.steps = (epoch, step), 0, 0, []

    def start_epoch(self, epoch, epochs, steps):
        self.epoch, self.done = epoch, 0
        self.steps.append(steps)

    def step(self, loss, acc):
        self.done += 1
        if (self.epoch, self.done) == self.at:
            raise KeyboardInterrupt

    def end_epoch(self, history):
        assert self.done == self.steps[-1], "the announced steps per epoch must be the steps taken"

    def close(self):
        pass


def run(recipe: Recipe, net: nn.Module | None = None, **kwargs) -> tuple[nn.Module, History]:
    net = net or TinyNet()
    return net, train(net, kwargs.pop("data", None) or tiny_data(), recipe, progress=False, **kwargs)


@pytest.mark.parametrize("bad, match", [
    ({"lr": 0}, "lr"), ({"lr": -0.1}, "lr"), ({"lr": float("nan")}, "lr"), ({"epochs": 0}, "epochs"),
    ({"batch_size": 0}, "batch_size"), ({"batch_size": 2.5}, "batch_size"), ({"momentum": 1.0}, "momentum"),
])
def test_bad_recipe_is_a_value_error(bad, match):
    with pytest.raises(ValueError, match=match):
        Recipe(**bad)


def test_unknown_device_is_a_value_error():
    with pytest.raises(ValueError, match="tpu"):
        run(RECIPE, device="tpu")


def test_from_settings_keeps_the_seed_recipe_and_improved_changes_only_the_flags():
    from resnet_lib.presets import PRESETS

    full = PRESETS["full"]
    assert Recipe.from_settings(full) == Recipe()  # the defaults are d2l's recipe
    improved = Recipe.from_settings(full, improved=True)
    assert (improved.epochs, improved.batch_size, improved.image_size) == (10, 256, 96)
    assert improved.momentum > 0 and improved.weight_decay > 0 and improved.label_smoothing > 0
    assert improved.one_cycle and improved.augment


def test_training_learns_and_records_every_epoch():
    _, history = run(replace(RECIPE, lr=0.2), TinyNet(width=8), data=tiny_data(256, 64))
    assert history.epochs_done == 3 and history.stopped is None
    assert all(len(getattr(history, k)) == 3 for k in ("train_loss", "train_acc", "examples_per_s", "wall_s"))
    assert history.train_loss[-1] < history.train_loss[0]
    assert "test acc" in history.summary() and "on cpu" in history.summary()


def test_every_recipe_field_is_listed_here():
    assert set(CHANGED) == {f.name for f in fields(Recipe)}, "give the new field a value in CHANGED"


@pytest.mark.parametrize("field", sorted(set(CHANGED) - EVALUATION_ONLY))
def test_every_recipe_field_changes_the_run(field):
    """Ignoring a field (training as if it had PLAIN's value) would leave the trained weights as PLAIN's."""
    base_net, _ = run(PLAIN)
    net, _ = run(replace(PLAIN, **{field: CHANGED[field]}))
    assert not same_weights(weights(net), weights(base_net))


@pytest.mark.parametrize("field", sorted(CHANGED))
def test_every_recipe_field_is_part_of_the_key(field):
    assert replace(PLAIN, **{field: CHANGED[field]}).key() != PLAIN.key()  # a changed recipe is never resumed


def test_batches_have_the_recipe_size_and_every_epoch_trains_in_train_mode_and_tests_in_eval_mode():
    data = tiny_data(40, 24)
    net, _ = run(replace(PLAIN, batch_size=16, image_size=20), TinyNet(record=True).eval(), data=data)
    modes = [training for training, _ in net.calls]
    sizes = [(len(x), x.shape[-1]) for _, x in net.calls]
    epoch = [True] * 3 + [False]  # 40 images in batches of 16, then the 24 test images in one batch
    assert modes == epoch * 2
    assert sizes == [(16, 20), (16, 20), (8, 20), (24, 20)] * 2


def test_augment_flips_about_half_the_images_and_only_then():
    data = tiny_data(64, 8)
    expected = [x for x, _ in batches(data.train_images, data.train_labels, 16, image_size=12, shuffle=True,
                                      seed=PLAIN.seed, epoch=0)]
    for augment in (False, True):
        net, _ = run(replace(PLAIN, epochs=1, augment=augment), TinyNet(record=True), data=data)
        seen = torch.cat([x for training, x in net.calls if training])
        plain = torch.cat(expected)
        same = (seen == plain).flatten(1).all(1)
        flipped = (seen == plain.flip(-1)).flatten(1).all(1) & ~(plain == plain.flip(-1)).flatten(1).all(1)
        assert bool((same | flipped).all()), "each image is the batch's image or its mirror image"
        if augment:
            assert 0.25 < flipped.float().mean().item() < 0.75
        else:
            assert not flipped.any()


def test_evaluate_uses_the_running_statistics_and_leaves_them_and_the_mode_alone():
    data = tiny_data(8, 64)
    net = TinyNet()
    net.bn.running_mean.fill_(3.0)  # far from any batch's own statistics: train-mode BN would predict otherwise
    net.bn.running_var.fill_(0.01)
    before = weights(net)
    net.train()
    preds = evaluate(net, data.test_images, data.test_labels, image_size=12, batch_size=16)
    assert net.training, "the caller's mode is restored"
    assert same_weights(weights(net), before), "running statistics must not move during evaluation"
    with torch.no_grad():
        x = prepare(data.test_images, image_size=12)
        expected = net.eval()(x).argmax(1)
        in_train_mode = net.train()(x).argmax(1)
    assert torch.equal(preds, expected)
    assert not torch.equal(expected, in_train_mode), "the test must tell the two modes apart"


def test_no_autocast_is_built_off_cuda(monkeypatch):
    """torch before 2.5 refuses ``torch.autocast`` on some devices even when disabled: build none off CUDA."""

    def refuse(device_type, *args, **kwargs):
        raise RuntimeError(f"autocast is not supported on {device_type} in this torch")

    monkeypatch.setattr(torch, "autocast", refuse)
    data = tiny_data(16, 8)
    evaluate(TinyNet(), data.test_images, data.test_labels, image_size=12)
    run(replace(PLAIN, epochs=1), data=data)


def test_a_last_batch_of_one_image_is_dropped_not_a_crash():
    """33 images in batches of 32: at 28 px ResNet-18's last stage is 1x1, where BatchNorm cannot normalise a
    batch of one."""
    counter = InterruptAt()
    net = resnet18(width=2)
    recipe = Recipe(lr=0.05, epochs=2, batch_size=32, image_size=28, one_cycle=True)
    history = train(net, tiny_data(33, 16), recipe, progress=counter)
    assert history.epochs_done == 2 and history.stopped is None
    assert counter.steps == [1, 1]


@pytest.mark.parametrize("train_n, test_n", [(0, 10), (1, 10), (10, 0)])
def test_too_few_images_is_a_clear_error(train_n, test_n):
    data = tiny_data(10, 10)
    empty = FashionMNIST(data.train_images[:train_n], data.train_labels[:train_n], data.test_images[:test_n],
                         data.test_labels[:test_n], "a slice")
    with pytest.raises(ValueError, match=r"at least 2 training images and 1 test image.*subset"):
        run(PLAIN, data=empty)


def test_resume_needs_a_checkpoint_directory():
    with pytest.raises(ValueError, match="resume=True needs checkpoint="):
        run(PLAIN, resume=True)


def test_resume_after_an_interrupted_epoch_gives_identical_weights(tmp_path):
    straight, _ = run(RECIPE)

    stop = InterruptAt(epoch=1, step=2)
    partial = train(TinyNet(), tiny_data(), RECIPE, checkpoint=tmp_path, progress=stop)
    assert partial.epochs_done == 1 and "interrupted" in partial.stopped

    resumed = TinyNet(seed=1)  # other weights: everything must come from the checkpoint
    history = train(resumed, tiny_data(), RECIPE, checkpoint=tmp_path, resume=True, progress=False)
    assert history.epochs_done == 3 and history.test_acc[0] == partial.test_acc[0]
    assert same_weights(weights(straight), weights(resumed))


def test_non_finite_loss_stops_with_a_clear_message():
    net = nn.Sequential(nn.Flatten(), nn.Linear(16 * 16, 10))
    nn.init.constant_(net[1].weight, math.inf)
    with pytest.warns(UserWarning, match="lower the learning rate"):
        _, history = run(RECIPE, net)
    assert history.epochs_done == 0 and "loss became nan" in history.stopped


def test_history_saves_and_loads(tmp_path):
    _, history = run(replace(PLAIN, epochs=1))
    history.save(tmp_path / "h.json")
    assert History.load(tmp_path / "h.json") == history


def test_train_evaluates_with_the_recipes_test_time_flip(monkeypatch):
    import resnet_lib.training as training

    seen = []
    real = training.evaluate
    monkeypatch.setattr(training, "evaluate", lambda *a, **k: seen.append(k.get("flip")) or real(*a, **k))
    for flag in (False, True):
        run(replace(PLAIN, test_flip=flag))
    assert seen and set(seen[: len(seen) // 2]) == {False} and set(seen[len(seen) // 2:]) == {True}
