"""How a training run reports while it runs: the :class:`Progress` interface that :func:`resnet_lib.training.train`
calls, one log line per epoch in a terminal, and live curves in Jupyter (drawn by :mod:`resnet_lib.ui.live`)."""

from __future__ import annotations

import sys
from typing import Any, Protocol

from .history import History


class Progress(Protocol):
    """What :func:`resnet_lib.training.train` calls while it runs."""

    def start_epoch(self, epoch: int, epochs: int, steps: int) -> None: ...
    def step(self, loss: float, acc: float) -> None: ...
    def end_epoch(self, history: History) -> None: ...
    def close(self) -> None: ...


def in_notebook() -> bool:
    """True inside a Jupyter kernel (JupyterLab, nbconvert, nbval), False in a terminal or plain script."""
    try:
        from IPython import get_ipython
    except ImportError:
        return False
    shell = get_ipython()
    return shell is not None and type(shell).__name__ == "ZMQInteractiveShell"


class LogProgress:
    """Plain text: one line per finished epoch (for terminals, scripts and logs)."""

    def __init__(self, stream: Any = None) -> None:
        self.stream = stream or sys.stdout
        self.epochs = 0

    def start_epoch(self, epoch: int, epochs: int, steps: int) -> None:
        self.epochs = epochs

    def step(self, loss: float, acc: float) -> None:
        pass

    def end_epoch(self, history: History) -> None:
        i = history.epochs_done
        print(f"epoch {i}/{self.epochs}: loss {history.train_loss[-1]:.3f}, "
              f"train acc {history.train_acc[-1]:.3f}, test acc {history.test_acc[-1]:.3f}, "
              f"{history.examples_per_s[-1]:,.1f} examples/s, {history.wall_s[-1]:.1f} s",
              file=self.stream, flush=True)

    def close(self) -> None:
        pass


def make_progress() -> Progress:
    """Live curves and a progress bar inside Jupyter (:class:`resnet_lib.ui.live.NotebookProgress`), one log line
    per epoch elsewhere; the notebook display is imported only inside Jupyter, so scripts need no matplotlib."""
    if in_notebook():
        from .ui.live import NotebookProgress

        return NotebookProgress()
    return LogProgress()
