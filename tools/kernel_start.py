"""Test infrastructure: start a Jupyter kernel again when it dies before answering.

Kernels started at the same moment by parallel test workers (nbval's, the hub's, JupyterLab's) can be handed the
same free TCP port; the second kernel then cannot bind it and exits before it replies to ``kernel_info``
(jupyter/jupyter_client#487). A fresh start picks fresh ports. Only that failure is retried, a few times; any other
error, and the last attempt's, is raised as it was.
"""

from __future__ import annotations

import functools
import warnings
from collections.abc import Callable
from typing import Any, TypeVar

T = TypeVar("T")


def retrying(start: Callable[..., T], attempts: int = 3) -> Callable[..., T]:
    """``start`` (e.g. ``nbval.kernel.start_new_kernel``), tried again when the kernel died while starting."""

    @functools.wraps(start)
    def start_again_if_it_died(*args: Any, **kwargs: Any) -> T:
        for attempt in range(1, attempts + 1):
            try:
                return start(*args, **kwargs)
            except RuntimeError as err:
                if "died" not in str(err) or attempt == attempts:
                    raise
                warnings.warn(f"a kernel died while starting ({err}); starting it again "
                              f"(attempt {attempt + 1} of {attempts})", stacklevel=2)
        raise AssertionError("unreachable")

    return start_again_if_it_died
