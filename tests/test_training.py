"""The training loop: bad arguments, exact resume after an interruption, NaN stop, history round trip."""

import math

import pytest
import torch
from torch import nn

from resnet_lib import resnet18
from resnet_lib.data import load_fashion_mnist
from resnet_lib.history import History
from resnet_lib.training import Recipe, train

RECIPE = Recipe(lr=0.05, epochs=3, batch_size=32, image_size=16, momentum=0.9, weight_decay=5e-4,
                label_smoothing=0.1, one_cycle=True, augment=True, seed=3)


@pytest.fixture(scope="module")
def tiny_data():
    return load_fashion_mnist("sample").subset(96, 64)


def tiny_net() -> nn.Module:
    torch.manual_seed(0)
    return resnet18(width=4)


class InterruptAt:
    """A progress reporter that presses Ctrl-C at a given (epoch, step)."""

    def __init__(self, epoch: int, step: int):
        self.at, self.epoch, self.done = (epoch, step), 0, 0

    def start_epoch(self, epoch, epochs, steps):
        self.epoch, self.done = epoch, 0

    def step(self, loss, acc):
        self.done += 1
        if (self.epoch, self.done) == self.at:
            raise KeyboardInterrupt

    def end_epoch(self, history):
        pass

    def close(self):
        pass


@pytest.mark.parametrize("bad, match", [
    ({"lr": 0}, "lr"), ({"lr": -0.1}, "lr"), ({"lr": float("nan")}, "lr"), ({"epochs": 0}, "epochs"),
    ({"batch_size": 0}, "batch_size"), ({"batch_size": 2.5}, "batch_size"), ({"momentum": 1.0}, "momentum"),
])
def test_bad_recipe_is_a_value_error(bad, match):
    with pytest.raises(ValueError, match=match):
        Recipe(**bad)


def test_unknown_device_is_a_value_error(tiny_data):
    with pytest.raises(ValueError, match="tpu"):
        train(tiny_net(), tiny_data, RECIPE, device="tpu", progress=False)


def test_from_preset_keeps_the_seed_recipe_and_improved_changes_only_the_flags():
    from resnet_lib.presets import PRESETS

    full = PRESETS["full"]
    assert Recipe.from_preset(full) == Recipe()  # the defaults are d2l's recipe
    improved = Recipe.from_preset(full, improved=True)
    assert (improved.epochs, improved.batch_size, improved.image_size) == (10, 256, 96)
    assert improved.momentum > 0 and improved.weight_decay > 0 and improved.label_smoothing > 0
    assert improved.one_cycle and improved.augment


def test_training_learns_and_records_every_epoch(tiny_data):
    history = train(tiny_net(), tiny_data, RECIPE, progress=False)
    assert history.epochs_done == 3 and history.stopped is None
    assert all(len(getattr(history, k)) == 3 for k in ("train_loss", "train_acc", "examples_per_s", "wall_s"))
    assert history.train_loss[-1] < history.train_loss[0]
    assert "test acc" in history.summary() and "on cpu" in history.summary()


def test_resume_after_an_interrupted_epoch_gives_identical_weights(tiny_data, tmp_path):
    straight = tiny_net()
    train(straight, tiny_data, RECIPE, progress=False)

    interrupted = tiny_net()
    stop = InterruptAt(epoch=1, step=2)
    partial = train(interrupted, tiny_data, RECIPE, checkpoint=tmp_path, progress=stop)
    assert partial.epochs_done == 1 and "interrupted" in partial.stopped

    resumed = resnet18(width=4)  # fresh weights: everything must come from the checkpoint
    history = train(resumed, tiny_data, RECIPE, checkpoint=tmp_path, resume=True, progress=False)
    assert history.epochs_done == 3 and history.test_acc[0] == partial.test_acc[0]
    for (name, a), b in zip(straight.state_dict().items(), resumed.state_dict().values(), strict=True):
        assert torch.equal(a, b), f"{name} differs after resume"


def test_non_finite_loss_stops_with_a_clear_message(tiny_data):
    net = nn.Sequential(nn.Flatten(), nn.Linear(16 * 16, 10))
    nn.init.constant_(net[1].weight, math.inf)
    with pytest.warns(UserWarning, match="lower the learning rate"):
        history = train(net, tiny_data, RECIPE, progress=False)
    assert history.epochs_done == 0 and "loss became nan" in history.stopped


def test_history_saves_and_loads(tiny_data, tmp_path):
    history = train(tiny_net(), tiny_data, Recipe(epochs=1, batch_size=48, image_size=16), progress=False)
    history.save(tmp_path / "h.json")
    assert History.load(tmp_path / "h.json") == history
