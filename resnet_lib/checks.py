"""Input checks shared by the library: each raises a ValueError that names the argument, the value and the fix."""

from __future__ import annotations

import numbers


def is_int(value: object) -> bool:
    """True for a Python or NumPy-style integer, False for a bool, a float or anything else."""
    return isinstance(value, numbers.Integral) and not isinstance(value, bool)


def check_positive(**values: int) -> None:
    """Raise ``ValueError`` unless every keyword argument is an integer >= 1 (``check_positive(width=16)``)."""
    _check_at_least(1, "a positive integer", values)


def check_non_negative(**values: int) -> None:
    """Raise ``ValueError`` unless every keyword argument is an integer >= 0 (``check_non_negative(seed=0)``)."""
    _check_at_least(0, "a non-negative integer", values)


def _check_at_least(minimum: int, what: str, values: dict[str, int]) -> None:
    """The course's one integer check: a bool, a float or a number below ``minimum`` is refused."""
    for name, value in values.items():
        if isinstance(value, bool):
            raise ValueError(f"{name} must be {what}, got the bool {value!r}; pass a whole number "
                             f">= {minimum} (is a True/False flag in its place? check the order of the arguments)")
        if not is_int(value) or value < minimum:
            raise ValueError(f"{name} must be {what}, got {value!r}; pass a whole number >= {minimum}")
