import pytest

from tools.kernel_start import retrying


def test_a_kernel_that_died_while_starting_is_started_again_and_other_errors_are_not():
    calls = []

    def start(name):
        calls.append(name)
        if len(calls) < 3:
            raise RuntimeError("Kernel died before replying to kernel_info")
        return "km", "kc"

    with pytest.warns(UserWarning, match="starting it again"):
        assert retrying(start)("python3") == ("km", "kc")
    assert calls == ["python3"] * 3

    def never(name):
        raise RuntimeError("Kernel died before replying to kernel_info")

    with pytest.raises(RuntimeError, match="died"), pytest.warns(UserWarning):
        retrying(never, attempts=2)("python3")

    def broken(name):
        raise RuntimeError("Kernel didn't respond in 60 seconds")

    with pytest.raises(RuntimeError, match="respond"):
        retrying(broken)("python3")


def test_nbval_starts_its_kernels_through_the_retry():
    import nbval.kernel

    assert hasattr(nbval.kernel.start_new_kernel, "__wrapped__")  # the retrying wrapper around nbval's own
