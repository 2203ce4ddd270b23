"""Lesson 02, section 5: the original block against the pre-activation block, read from the runs made in advance."""

import pytest

from resnet_lib.lessons.plain_vs_residual import PREACT_RECORD, Run, load_record, tail_errors
from resnet_lib.lessons.preactivation import BLOCKS, preactivation_runs
from resnet_lib.lessons.seeds import compare_seeds


@pytest.fixture(scope="module")
def runs():
    return preactivation_runs()


def test_the_errors_are_the_runs_tail_errors_rounded_as_printed(runs):
    curves, info = load_record(PREACT_RECORD)
    tails = tail_errors(curves)
    assert list(runs.errors) == list(info["recipe"]["depths"])
    for depth, by_block in runs.errors.items():
        assert list(by_block) == list(BLOCKS)
        for block, kind in BLOCKS.items():
            assert by_block[block] == {s: round(e, 3) for s, e in tails[Run(kind, depth)].items()}
        assert runs.verdicts[depth] == compare_seeds(by_block["pre-activation"], by_block["original block"])


def test_the_printed_lines_show_each_net_by_seed_then_the_numbered_table(runs):
    from resnet_lib.lessons.seeds import seed_table

    lines = str(runs).splitlines()
    values = [f"{f'{block}, {depth} layers':<27}" + "".join(f"  seed {s}: {e:.3f}" for s, e in by_seed.items())
              for depth, by_block in runs.errors.items() for block, by_seed in by_block.items()]
    table = seed_table({f"pre-activation vs original block ({depth} layers)": v for depth, v in runs.verdicts.items()})
    assert lines == [*values, "", *table.splitlines()]
    assert lines[0].startswith("original block, 20 layers    seed ")
    assert lines[-2].startswith("1  pre-activation vs original block (20 layers)")
    assert runs.describe().startswith("He et al.'s CIFAR-style nets at depths ")
    assert "seeds " in runs.describe() and ".json" not in str(runs) + runs.describe()
