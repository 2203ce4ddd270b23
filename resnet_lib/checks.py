"""Input checks shared by the library: each raises a ValueError that names the argument, the value and the fix."""

from __future__ import annotations

import numbers


def is_int(value: object) -> bool:
    """True for a Python or NumPy-style integer, False for a bool, a float or anything else."""
    return isinstance(value, numbers.Integral) and not isinstance(value, bool)


def check_positive(**values: int) -> None:
    """Raise ``ValueError`` unless every keyword argument is an integer >= 1 (``check_positive(width=16)``)."""
    for name, value in values.items():
        if isinstance(value, bool):
            raise ValueError(f"{name} must be a positive integer, got the bool {value!r}; pass a whole number "
                             ">= 1 (is a True/False flag in its place? check the order of the arguments)")
        if not is_int(value) or value < 1:
            raise ValueError(f"{name} must be a positive integer, got {value!r}; pass a whole number >= 1")
