"""A run killed with SIGKILL while it writes a checkpoint loses nothing: the previous checkpoint and its history
load, and resuming ends with the same weights as a run that was never interrupted."""

import json
import os
import signal
import subprocess
import sys
import time
from dataclasses import asdict
from pathlib import Path

import pytest
import torch
from tiny import TinyNet, same_weights, tiny_data, weights

from resnet_lib.checkpoint import checkpoints
from resnet_lib.history import History
from resnet_lib.training import Recipe, train

RECIPE = Recipe(lr=0.05, epochs=3, batch_size=16, image_size=12, momentum=0.9, one_cycle=True, augment=True)

# The child trains with checkpoints; while writing epoch 2's it has written half the bytes when it stops (and
# says so in a marker file), so the SIGKILL lands in the middle of the write.
CHILD = """
import io, json, time
import torch
from tiny import TinyNet, tiny_data
from resnet_lib.training import Recipe, train

real_save = torch.save

def save_then_hang(obj, f):
    if obj["epoch"] == 2:
        buffer = io.BytesIO()
        real_save(obj, buffer)
        f.write(buffer.getvalue()[: len(buffer.getvalue()) // 2])
        f.flush()
        open({marker!r}, "w").close()
        time.sleep(600)
    real_save(obj, f)

torch.save = save_then_hang
train(TinyNet(), tiny_data(), Recipe(**json.loads({recipe!r})), checkpoint={directory!r}, identity="kill",
      progress=False)
"""


@pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="needs POSIX signals")
def test_sigkill_during_a_checkpoint_write_loses_nothing(tmp_path):
    directory, marker = tmp_path / "run", tmp_path / "writing"
    code = CHILD.format(marker=str(marker), directory=str(directory), recipe=json.dumps(asdict(RECIPE)))
    # run in tests/, where ``python -c`` finds tiny.py (the current folder comes first on its sys.path)
    child = subprocess.Popen([sys.executable, "-c", code], cwd=Path(__file__).parent, stderr=subprocess.PIPE,
                             text=True)
    try:
        deadline = time.monotonic() + 240
        while not marker.exists() and child.poll() is None and time.monotonic() < deadline:
            time.sleep(0.1)
        assert marker.exists(), f"the child never reached the checkpoint write: {child.poll()} {child.stderr.read()}"
        os.kill(child.pid, signal.SIGKILL)
    finally:
        child.kill()
        child.wait(timeout=30)
        child.stderr.close()
    assert child.returncode == -signal.SIGKILL

    assert [p.name for p in checkpoints(directory)] == ["epoch-0001.pt"]
    assert (directory / ".epoch-0002.pt.tmp").exists()  # the half-written file, never under the real name
    payload = torch.load(directory / "epoch-0001.pt", weights_only=True)
    assert payload["epoch"] == 1 and History(**payload["history"]).epochs_done == 1

    straight = TinyNet()
    train(straight, tiny_data(), RECIPE, progress=False)
    resumed = TinyNet(seed=1)
    history = train(resumed, tiny_data(), RECIPE, checkpoint=directory, resume=True, identity="kill",
                    progress=False)
    assert history.epochs_done == 3 and history.test_acc[0] == payload["history"]["test_acc"][0]
    assert same_weights(weights(resumed), weights(straight))
    assert sorted(p.name for p in directory.iterdir()) == ["epoch-0002.pt", "epoch-0003.pt"]  # temp file gone
