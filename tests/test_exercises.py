import pytest

from resnet_lib.exercises import _registry, check_exercise


def test_every_exercise_has_a_unique_well_formed_key():
    keys = list(_registry())
    assert len(keys) == len(set(keys))
    for key, ex in _registry().items():
        assert key[:2].isdigit() and key[2] == "." and ex.question and ex.hint


def test_unknown_key_lists_known_ones():
    with pytest.raises(ValueError, match="unknown exercise '99.9'"):
        check_exercise("99.9", 1)
