"""The shared input checks: whole numbers >= 1, never a bool in their place."""

import numpy as np
import pytest

from resnet_lib.blocks import Residual
from resnet_lib.checks import check_positive, is_int


@pytest.mark.parametrize("value, expected", [
    (3, True), (np.int64(3), True), (True, False), (np.bool_(True), False), (3.0, False), ("3", False),
])
def test_is_int(value, expected):
    assert is_int(value) is expected


@pytest.mark.parametrize("value", [True, False])
def test_a_bool_is_not_a_size(value):
    with pytest.raises(ValueError, match=rf"width must be a positive integer, got the bool {value}.*order of the "
                                         "arguments"):
        check_positive(width=value)


def test_residual_refuses_bools_for_its_channels():
    with pytest.raises(ValueError, match=r"input_channels .* got the bool True; pass a whole number >= 1"):
        Residual(True, True)


def test_a_whole_number_passes():
    check_positive(width=np.int64(16), depth=1)
